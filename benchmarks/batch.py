"""Cases per second over many cases (issue 16): 10,000 generated point cases and 200 uncertain
ones, scored one after another, in 2 processes (--jobs 2) and on a 2-worker Dask LocalCluster.

python benchmarks/batch.py write /tmp/batch          # the cases: /tmp/batch/point, /tmp/batch/uncertain
python benchmarks/batch.py time /tmp/batch           # each mode in turn, cases/s (results in README.md)
python benchmarks/batch.py write /tmp/b2k 2000       # 2,000 point cases (and the 200 uncertain)
python benchmarks/batch.py cli /tmp/b2k/point 5      # the command line, modes in turn, 5 rounds

`cli` runs `hypscore score DIR -f jsonl -o FILE -q` serially (-j 1), with -j 2, with the default
--jobs and with --dask on a scheduler and two one-thread workers it starts (and stops) itself,
one after another in each round (A B C D A B C D ...), and prints each mode's median wall and
CPU seconds (the command's own process and its children: a Dask worker's CPU is not counted)
and the median of each round's ratio to the serial run.

Each mode is checked to give the same numbers as the serial run (the tests check it against
scoring each case alone): a fast mode that changed a number would not count.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

import yaml

WORDS = ["almost no chance", "very unlikely", "unlikely", "roughly even chance", "likely", "very likely"]


def _point_case(rng: random.Random, index: int) -> dict:
    n_hyp = rng.randint(2, 4)
    ids = [f"h{k}" for k in range(n_hyp)]
    weights = [rng.uniform(0.5, 3) for _ in ids]
    total = sum(weights)
    evidence = [
        {
            "id": f"e{j}",
            "label": f"item {j}",
            "likelihoods": {h: round(rng.uniform(0.05, 0.95), 2) for h in ids},
        }
        for j in range(rng.randint(3, 12))
    ]
    case = {
        "schema": 1,
        "title": f"point case {index}",
        "hypotheses": [
            {"id": h, "label": h, "prior": round(w / total, 4)} for h, w in zip(ids, weights, strict=True)
        ],
        "evidence": evidence,
    }
    case["hypotheses"][-1]["prior"] = round(1 - sum(h["prior"] for h in case["hypotheses"][:-1]), 4)
    case["resolution"] = {"hypothesis": rng.choice(ids)}
    return case


def _uncertain_case(rng: random.Random, index: int) -> dict:
    ids = ["a", "b", "c"]
    evidence = [
        {
            "id": f"e{j}",
            "label": f"item {j}",
            "source": rng.choice(["s", "t"]),
            "likelihoods": {h: rng.choice(WORDS) for h in ids},
        }
        for j in range(rng.randint(4, 10))
    ]
    return {
        "schema": 1,
        "title": f"uncertain case {index}",
        "hypotheses": [{"id": h, "label": h, "prior": rng.choice(WORDS[2:])} for h in ids],
        "sources": {"s": {"label": "S", "reliability": "B"}, "t": {"label": "T", "reliability": "C"}},
        "evidence": evidence,
        "resolution": {"hypothesis": rng.choice(ids)},
    }


def write(directory: Path, n_point: int = 10_000, n_uncertain: int = 200) -> None:
    rng = random.Random(16)
    for name, count, make in (("point", n_point, _point_case), ("uncertain", n_uncertain, _uncertain_case)):
        folder = directory / name
        folder.mkdir(parents=True, exist_ok=True)
        for index in range(count):
            text = yaml.safe_dump(make(rng, index), sort_keys=False)
            (folder / f"case_{index:05d}.yaml").write_text(text, encoding="utf-8")


def _numbers(outcomes) -> list[str]:
    out = []
    for o in outcomes:
        document = o.card.to_dict()
        document["diagnostics"].pop("seconds", None)
        out.append(json.dumps(document, sort_keys=True))
    return out


def cases_per_second(directory: Path, dask: bool = True) -> list[dict]:
    """Each mode over `directory`/point and /uncertain: serial, 2 processes, (with `dask`) a
    2-worker LocalCluster; each checked to give the serial run's numbers."""
    from hypotheses import find_cases, score_many

    rows = []
    for name in ("point", "uncertain"):
        paths = find_cases([directory / name])
        start = time.perf_counter()
        serial = score_many(paths)
        seconds = time.perf_counter() - start
        reference = _numbers(serial)
        rows.append({"cases": name, "mode": "serial", "n": len(paths), "seconds": seconds})
        start = time.perf_counter()
        jobs = score_many(paths, jobs=2)
        rows.append(
            {"cases": name, "mode": "--jobs 2", "n": len(paths), "seconds": time.perf_counter() - start}
        )
        assert _numbers(jobs) == reference, "--jobs 2 changed a number"
        if dask:
            from distributed import Client, LocalCluster

            with (
                LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
                Client(cluster) as client,
            ):
                client.submit(sum, [1]).result()  # the workers are up: the cluster's start is not timed
                start = time.perf_counter()
                on_dask = score_many(paths, dask=client)
                seconds = time.perf_counter() - start
                rows.append({"cases": name, "mode": "dask 2 workers", "n": len(paths), "seconds": seconds})
            assert _numbers(on_dask) == reference, "dask changed a number"
    for row in rows:
        row["cases_per_s"] = row["n"] / row["seconds"]
    return rows


def time_modes(directory: Path) -> None:
    print("| cases | mode | n | seconds | cases/s |")
    print("|---|---|---:|---:|---:|")
    for r in cases_per_second(directory):
        print(f"| {r['cases']} | {r['mode']} | {r['n']:,} | {r['seconds']:.1f} | {r['cases_per_s']:,.0f} |")


def _run(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the process and its children) of one command."""
    import os
    import subprocess

    before = os.times()
    start = time.perf_counter()
    subprocess.run(command, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = os.times()
    return wall, (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )


def cli_modes(folder: Path, rounds: int = 5) -> None:
    import os
    import socket
    import statistics
    import subprocess
    import tempfile

    bin_dir = Path(sys.executable).parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    dask = str(bin_dir / "dask")
    cluster = [subprocess.Popen([dask, "scheduler", "--port", str(port), "--no-dashboard"], **quiet)]
    time.sleep(3)
    cluster += [
        subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--no-dashboard"], **quiet)
        for _ in range(2)
    ]
    time.sleep(8)
    out = Path(tempfile.mkdtemp())
    base = [sys.executable, "-m", "cli", "score", str(folder), "-f", "jsonl", "-q"]
    modes = {
        "-j 1": ["-j", "1"],
        "-j 2": ["-j", "2"],
        "default --jobs": [],
        "--dask, 2 workers": ["--dask", address],
    }
    times: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
    try:
        for extra in modes.values():  # a warm-up of each (the Dask workers import hypscore)
            _run([*base, "-o", str(out / "warm.jsonl"), *extra])
        for _ in range(rounds):
            for mode, extra in modes.items():
                times[mode].append(_run([*base, "-o", str(out / f"{len(times[mode])}.jsonl"), *extra]))
    finally:
        for process in cluster:
            process.terminate()
        for process in cluster:
            process.wait(30)
    load = os.getloadavg()[0]
    print(f"{len(list(folder.glob('*.yaml'))):,} cases, {rounds} rounds, load average {load:.1f}")
    print("| mode | wall s (median) | CPU s (median) | wall / -j 1 (median of rounds) |")
    print("|---|---:|---:|---:|")
    serial = times["-j 1"]
    for mode, runs in times.items():
        ratio = statistics.median(w / s[0] for (w, _), s in zip(runs, serial, strict=True))
        wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        print(f"| {mode} | {wall:.2f} | {cpu:.2f} | {ratio:.2f} |")


if __name__ == "__main__":
    command, folder = sys.argv[1], Path(sys.argv[2])
    if command == "write":  # optionally how many point cases (default 10,000)
        write(folder, int(sys.argv[3]) if len(sys.argv) > 3 else 10_000)
    elif command == "time":
        time_modes(folder)
    elif command == "cli":
        cli_modes(folder, int(sys.argv[3]) if len(sys.argv) > 3 else 5)
    else:
        raise SystemExit(f"unknown command {command!r}: write, time or cli")
