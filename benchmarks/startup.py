"""Where a cold `hypscore score CASE` spends its CPU (issue 32, goal 3; benchmarks/README.md
section 18): each run a fresh interpreter that imports the floor (numpy, yaml, typer,
rich.console, rich.table), then the modules the command imports beyond it, reads the case,
runs the numpy engine, the rest of `score` and the terminal table, timing each step with
`time.process_time`, as the command does them (same malloc settings, same order).

    python benchmarks/startup.py [CASE] [--runs 7] [--tree DIR]

--tree: another checkout's hypotheses, priors and cli.py (`git archive REV | tar -x -C DIR`),
the case still read from this one.

Prints each step's median over the runs, in milliseconds of CPU. The whole command, against the
floor as a process, is timed from outside (README section 18 gives the command).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

ONE_RUN = r"""
import json, sys, time
clock = time.process_time
marks = [("start", clock())]
import numpy, yaml, typer, rich.console, rich.table
marks.append(("the floor's imports (numpy, yaml, typer, rich)", clock()))
import cli
getattr(cli, "_keep_freed_memory", lambda: None)()  # absent before issue 32 goal 3
from hypotheses.analysis import scoring
from hypotheses.case import load_case
from hypotheses.output import formats, terminal
marks.append(("hypscore's other imports", clock()))
case = load_case(sys.argv[1])
marks.append(("reading the case", clock()))
from hypotheses.model import numpy_engine
original = numpy_engine.run
spent = []
def timed(*args, **kwargs):
    began = clock()
    try:
        return original(*args, **kwargs)
    finally:
        spent.append(clock() - began)
numpy_engine.run = timed
card = scoring.score(case, seed=0, explain=False)
end = clock()
marks.append(("score: the numpy engine", marks[-1][1] + sum(spent)))
marks.append(("score: the rest", end))
formats.emit("score", card, "table", None, [], case=case)
marks.append(("the terminal table", clock()))
steps = {name: 1e3 * (t - marks[i][1]) for i, (name, t) in enumerate(marks[1:])}
sys.stderr.write("STEPS:" + json.dumps(steps) + "\n")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", nargs="?", default="examples/al-bab-2017.yaml")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--tree", type=Path, default=ROOT, help="the tree to time (default: this one)")
    args = parser.parse_args()
    runs: list[dict[str, float]] = []
    for _ in range(args.runs):
        done = subprocess.run(
            [sys.executable, "-c", ONE_RUN, str(Path(args.case).resolve())],
            cwd=args.tree,
            capture_output=True,
            text=True,
            check=True,
            env={"PYTHONPATH": str(args.tree.resolve()), "PATH": "/usr/bin:/bin", "COLUMNS": "100"},
        )
        runs.append(json.loads(done.stderr.split("STEPS:")[-1]))
    print(f"{'step':<50} {'CPU ms (median of ' + str(args.runs) + ')':>24}")
    for name in runs[0]:
        print(f"{name:<50} {statistics.median(run[name] for run in runs):>24.1f}")
    total = statistics.median(sum(run.values()) for run in runs)
    print(f"{'all of the above':<50} {total:>24.1f}")


if __name__ == "__main__":
    main()
