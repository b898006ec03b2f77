"""Issue 32's goal 5: `--engine pymc` over many cases with the `jax` extra (run by hand, never a test):

    python benchmarks/pymc_batch.py                       # this tree: 1, 10 and 100 cases
    python benchmarks/pymc_batch.py --before /tmp/before  # and an older tree, interleaved
    python benchmarks/pymc_batch.py --counts 1 10 --rounds 2

The cases are benchmarks/batch.py's uncertain ones (3 hypotheses, 4-10 items on two graded
sources, words for every likelihood and prior: 20-35 Beta judgments each), written to a
temporary directory. Each run is a whole command, `hypscore score DIR --engine pymc -j 1 -f
jsonl -o FILE -q`, in a fresh process:

- cold: with an empty cache directory (HYPSCORE_CACHE_DIR, where JAX's persistent compilation
  cache lives), so nothing compiled by an earlier run is reused;
- warm: the same command again on the cache the cold run left.

`--before DIR`: a checkout of another version (for example `git worktree add DIR COMMIT`), run
as `python DIR/cli.py` with DIR first on PYTHONPATH; its runs alternate with this tree's. Goal:
10 cases cold <= 2x one case cold. Wall seconds and the command's CPU seconds (its own and its
children's), medians over `--rounds`; prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from batch import write  # noqa: E402  (the benchmark's own case generator)


def _run(tree: Path, folder: Path, cache: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one `score` over `folder` (checks that every case scored)."""
    env = dict(
        os.environ, HYPSCORE_CACHE_DIR=str(cache), PYTHONPATH=str(tree), HYPSCORE_NUTS_SAMPLER="numpyro"
    )
    command = [sys.executable, str(tree / "cli.py"), "score", str(folder), "--engine", "pymc", "-j", "1"]
    command += ["-f", "jsonl", "-o", str(out), "-q"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(list(folder.glob("*.yaml"))), "a case was not scored"
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="a checkout of an older version")
    parser.add_argument("--counts", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    trees = {"this tree": ROOT} | ({"before": args.before.resolve()} if args.before else {})
    with tempfile.TemporaryDirectory() as scratch:
        base = Path(scratch)
        write(base / "all", n_point=0, n_uncertain=max(args.counts))
        every = sorted((base / "all" / "uncertain").glob("*.yaml"))
        folders = {}
        for count in args.counts:
            folder = folders[count] = base / f"cases-{count}"
            folder.mkdir()
            for path in every[:count]:
                (folder / path.name).write_bytes(path.read_bytes())
        times: dict[tuple[str, int, str], list[tuple[float, float]]] = {}
        for round_ in range(args.rounds):
            for count in args.counts:
                for name, tree in trees.items():
                    cache = base / f"cache-{round_}-{count}-{name.replace(' ', '-')}"
                    out = base / "out.jsonl"
                    times.setdefault((name, count, "cold"), []).append(_run(tree, folders[count], cache, out))
                    times.setdefault((name, count, "warm"), []).append(_run(tree, folders[count], cache, out))
                    print(f"round {round_ + 1}: {name}, {count} cases done", file=sys.stderr, flush=True)
    print("| tree | cases | cache | wall s | CPU s | wall / one case cold |")
    print("|---|---:|---|---:|---:|---:|")
    for name in trees:
        one = statistics.median(w for w, _ in times[(name, min(args.counts), "cold")])
        for count in args.counts:
            for state in ("cold", "warm"):
                runs = times[(name, count, state)]
                wall = statistics.median(w for w, _ in runs)
                cpu = statistics.median(c for _, c in runs)
                print(f"| {name} | {count} | {state} | {wall:.1f} | {cpu:.1f} | {wall / one:.2f} |")


if __name__ == "__main__":
    main()
