"""Cold `hypscore score CASE` against the floor or another tree, as whole processes (issue 32,
goal 3; benchmarks/README.md section 18): A B A B ..., one warm-up pair, then PAIRS counted
pairs; each process's CPU is its user + sys (os.wait4, as `/usr/bin/time -f %U+%S` gives it).

    python benchmarks/startup_ab.py A B [--pairs 15] [--case examples/al-bab-2017.yaml]

A and B: `floor` (python -c "import numpy, yaml, typer, rich.console, rich.table") or a tree
whose hypotheses, priors and cli.py are imported (`git archive REV | tar -x -C DIR`; compile
its bytecode first: `python -m compileall -q hypotheses priors cli.py`). A tree runs what the
`hypscore` console script runs, with `-P` so that the tree, not the working directory, is
imported. Prints the medians, the median of the pairs' CPU ratios (their min-max) and the
ratio of the median wall times.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FLOOR = "import numpy, yaml, typer, rich.console, rich.table"
ENTRY = "import sys; sys.argv[0] = 'hypscore'; from cli import main_entry; sys.exit(main_entry())"


def _command(side: str, case: str) -> tuple[list[str], dict[str, str]]:
    env = dict(os.environ)
    if side == "floor":
        return [sys.executable, "-c", FLOOR], env
    env["PYTHONPATH"] = str(Path(side).resolve())
    return [sys.executable, "-P", "-c", ENTRY, "score", case], env


def _run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    began = time.perf_counter()
    child = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    if status != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({status})")
    return usage.ru_utime + usage.ru_stime, time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--pairs", type=int, default=15)
    parser.add_argument("--case", default="examples/al-bab-2017.yaml")
    args = parser.parse_args()
    a, b = _command(args.a, args.case), _command(args.b, args.case)
    _run(*a), _run(*b)  # warm-up: the page cache
    runs_a, runs_b = [], []
    for _ in range(args.pairs):
        runs_a.append(_run(*a))
        runs_b.append(_run(*b))
    cpu_a, cpu_b = [r[0] for r in runs_a], [r[0] for r in runs_b]
    ratios = [x / y for x, y in zip(cpu_a, cpu_b, strict=True)]
    wall = statistics.median(r[1] for r in runs_a) / statistics.median(r[1] for r in runs_b)
    print(
        f"A {args.a}: {statistics.median(cpu_a):.3f} s CPU   B {args.b}: {statistics.median(cpu_b):.3f} s CPU"
    )
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}"
    print(f"A/B CPU {statistics.median(ratios):.2f} ({spread})   A/B wall {wall:.2f}")
    print(f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
