"""Benchmarks of hypscore (run by hand; never part of the tests): python benchmarks/run.py [--large]

Writes benchmarks/results.json and benchmarks/scaling.png; benchmarks/README.md summarises them.
Each measurement runs in a fresh subprocess, so import costs and peak memory are its own.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_CASE = ROOT / "examples" / "al-bab-2017.yaml"

# Code run in subprocesses: it builds cases directly (no YAML) and prints one JSON line.
COMMON = r"""
import json, resource, sys, time
import numpy as np
sys.path.insert(0, ROOT)
from hypotheses import Case, EvidenceItem, Hypothesis
from priors import Beta, Point

def case(n_hyp, n_items, uncertain, seed=0):
    rng = np.random.default_rng(seed)
    ids = [f"h{k}" for k in range(n_hyp)]
    def judgment(p):
        return Beta(40 * p, 40 * (1 - p)) if uncertain else Point(p)
    return Case("bench", None, "icd203",
        tuple(Hypothesis(h, h, (("prior", Point(float(p))),)) for h, p in zip(ids, rng.uniform(0.05, 1, n_hyp))),
        (), tuple(EvidenceItem(f"e{j}", "x", None, Point(1.0), tuple(judgment(float(p)) for p in row))
                  for j, row in enumerate(rng.uniform(0.05, 0.95, (n_items, n_hyp)))), "<bench>", "0" * 64)

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""


def python(code: str, env: dict | None = None, timeout: int = 3600) -> dict:
    script = f"ROOT = {str(ROOT)!r}\n{COMMON}\n{code}"
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def wall(command: list[str], repeats: int) -> list[float]:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return times


def cold_cli(repeats: int) -> dict:
    exe = shutil.which("hypscore") or str(Path(sys.executable).with_name("hypscore"))
    cli = wall([exe, "score", str(SEED_CASE)], repeats)
    numpy = wall([sys.executable, "-c", "import numpy"], repeats)
    return {
        "hypscore_score_s": statistics.median(cli),
        "import_numpy_s": statistics.median(numpy),
        "ratio": statistics.median(cli) / statistics.median(numpy),
        "goal_s": 0.5,
        "runs": repeats,
    }


def throughput(sizes: list[tuple[int, int]]) -> list[dict]:
    rows = []
    for n_hyp, n_items in sizes:
        rows.append(
            python(f"""
import logging, warnings
warnings.simplefilter("ignore")
logging.getLogger("pgmpy").setLevel(logging.ERROR)
from hypotheses.model import numpy_engine
from pgmpy.models import DiscreteBayesianNetwork
from pgmpy.factors.discrete import TabularCPD
from pgmpy.inference import VariableElimination
c = case({n_hyp}, {n_items}, uncertain=False)
def best(f, n):
    times = []
    for _ in range(n):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return min(times)
ours_s = best(lambda: numpy_engine.posterior_mean(c), 5)
priors = np.array([h.prior[0][1].value for h in c.hypotheses]); priors /= priors.sum()
model = DiscreteBayesianNetwork([("H", e.id) for e in c.evidence])
cpds = [TabularCPD("H", {n_hyp}, priors[:, None].tolist())]
for e in c.evidence:
    theta = np.array([j.value for j in e.likelihoods])
    cpds.append(TabularCPD(e.id, 2, [list(1 - theta), list(theta)], evidence=["H"], evidence_card=[{n_hyp}]))
model.add_cpds(*cpds)
inference = VariableElimination(model)
evidence = {{e.id: 1 for e in c.evidence}}
pgmpy_s = best(lambda: inference.query(["H"], evidence=evidence, show_progress=False), 2)
ours = numpy_engine.posterior_mean(c)
theirs = inference.query(["H"], evidence=evidence, show_progress=False).values
print(json.dumps({{"hypotheses": {n_hyp}, "items": {n_items}, "numpy_s": ours_s, "pgmpy_s": pgmpy_s,
                  "speedup": pgmpy_s / ours_s, "max_abs_diff": float(np.abs(ours - theirs).max())}}))
""")
        )
    return rows


def sampling_limit(n_hyp: int, n_items: int) -> dict:
    """Issue 17's goal 3: the engine at its default accuracy (it chooses the draws) against a
    minimal kernel that makes the same Beta draws (one (draws, H) array per item) and sums
    their logs, at the number of draws the engine chose. Interleaved, best of 5 each."""
    return python(f"""
from hypotheses.model import numpy_engine
c = case({n_hyp}, {n_items}, uncertain=True)
a = np.array([[j.a for j in e.likelihoods] for e in c.evidence]); b = np.array([[j.b for j in e.likelihoods] for e in c.evidence])
log_pi = np.log([h.prior[0][1].value for h in c.hypotheses]); log_pi -= np.logaddexp.reduce(log_pi)
def kernel(n):
    rng = np.random.default_rng(0)
    acc = np.tile(log_pi, (n, 1))
    for j in range(a.shape[0]):
        acc += np.log(rng.beta(a[j], b[j], size=(n, a.shape[1])))
    return acc
engine, minimal = [], []
for _ in range(5):
    t = time.perf_counter(); r = numpy_engine.run(c, seed=0); engine.append(time.perf_counter() - t)
    t = time.perf_counter(); kernel(r.draws); minimal.append(time.perf_counter() - t)
print(json.dumps({{"hypotheses": {n_hyp}, "items": {n_items}, "draws_chosen": r.draws,
                  "interval_mcse": r.interval_mcse, "engine_s": min(engine), "kernel_s": min(minimal),
                  "ratio": min(engine) / min(minimal), "peak_mb": peak_mb(), "goal_s": 2.0, "goal_ratio": 1.5}}))
""")


def kernel_limit(n_hyp: int, n_items: int, draws: int) -> dict:
    """The engine against the least work that computes the same intervals' raw material: prior
    draws of every likelihood, log-sum-exp of log pi + sum log lambda. (That estimator's own ESS
    collapses; the engine's resampling is what it pays for.)"""
    engine = python(f"""
from hypotheses.model import numpy_engine
c = case({n_hyp}, {n_items}, uncertain=True)
t = time.perf_counter(); r = numpy_engine.run(c, draws={draws}, seed=0); s = time.perf_counter() - t
print(json.dumps({{"seconds": s, "peak_mb": peak_mb(), "ess": r.ess}}))
""")
    kernel = python(f"""
c = case({n_hyp}, {n_items}, uncertain=True)
rng = np.random.default_rng(0)
a = np.array([[j.a for j in e.likelihoods] for e in c.evidence]); b = np.array([[j.b for j in e.likelihoods] for e in c.evidence])
log_pi = np.log([h.prior[0][1].value for h in c.hypotheses]); log_pi -= np.logaddexp.reduce(log_pi)
t = time.perf_counter()
acc = np.tile(log_pi, ({draws}, 1))
for j in range(a.shape[0]):
    acc += np.log(rng.beta(a[j], b[j], size=({draws}, a.shape[1])))
weights = np.exp(acc - acc.max(axis=1, keepdims=True)); p = weights / weights.sum(axis=1, keepdims=True)
evidence = np.logaddexp.reduce(acc, axis=1); w = np.exp(evidence - evidence.max()); w /= w.sum()
s = time.perf_counter() - t
print(json.dumps({{"seconds": s, "peak_mb": peak_mb(), "ess": float(1 / np.sum(w ** 2))}}))
""")
    return {
        "hypotheses": n_hyp,
        "items": n_items,
        "draws": draws,
        "engine": engine,
        "kernel": kernel,
        "overhead": engine["seconds"] / kernel["seconds"],
        "goal": 2.0,
    }


def pymc_engine(draws: int) -> dict:
    code = f"""
import warnings; warnings.simplefilter("ignore")
import logging; logging.getLogger("pymc").setLevel(logging.ERROR)
from hypotheses import load_case
from hypotheses.model import numpy_engine, pymc_engine
c = load_case({str(SEED_CASE)!r})
exact = numpy_engine.run(c, draws=20000, seed=0).posterior_mean
t = time.perf_counter(); pymc_engine._quiet_imports(); pymc_engine.resolve_sampler(); imports = time.perf_counter() - t
t = time.perf_counter(); r = pymc_engine.run(c, draws={draws}, seed=0); s = time.perf_counter() - t
t = time.perf_counter(); again = pymc_engine.run(c, draws={draws}, seed=1); s2 = time.perf_counter() - t
print(json.dumps({{"imports_s": imports, "seconds_in_process": s, "again_in_process_s": s2, "sampler": r.sampler, "draws": r.draws,
                  "ess": r.ess, "rhat": r.rhat, "max_abs_error": float(np.abs(r.posterior_mean - exact).max())}}))
"""
    results = {}
    # cold: empty compile caches (PyTensor's and JAX's); later: a new process with them filled.
    with tempfile.TemporaryDirectory() as compiledir:
        env = {"PYTENSOR_FLAGS": f"compiledir={compiledir}", "HYPSCORE_CACHE_DIR": compiledir}
        for label in ("cold", "later_command"):
            started = time.perf_counter()
            row = python(code, env)
            row["wall_s"] = time.perf_counter() - started  # imports included
            row["draws_per_s"] = row["draws"] / row["seconds_in_process"]
            results[label] = row
    return results


def scaling(sizes: list[tuple[int, int]], pymc_cells: int = 300) -> list[dict]:
    """Seconds per case by hypotheses x items: the numpy engine at its default accuracy (it
    chooses the draws) on point and uncertain likelihoods; the pymc engine (4,000 draws, the
    sampler the installed extras give) on the uncertain cases up to `pymc_cells` judgments,
    cold (compiling, empty caches) and warm (the same case again in the process)."""
    rows = []
    for n_hyp, n_items in sizes:
        for uncertain in (False, True):
            rows.append(
                python(f"""
from hypotheses.model import numpy_engine
c = case({n_hyp}, {n_items}, uncertain={uncertain})
t = time.perf_counter(); r = numpy_engine.run(c, seed=0); s = time.perf_counter() - t
print(json.dumps({{"engine": "numpy", "hypotheses": {n_hyp}, "items": {n_items}, "uncertain": {uncertain},
                  "draws": r.draws, "seconds": s, "peak_mb": peak_mb()}}))
""")
            )
        if n_hyp * n_items <= pymc_cells:
            with tempfile.TemporaryDirectory() as cache:
                rows.append(
                    python(
                        f"""
import warnings; warnings.simplefilter("ignore")
import logging; logging.getLogger("pymc").setLevel(logging.ERROR)
from hypotheses.model import numpy_engine, pymc_engine
c = case({n_hyp}, {n_items}, uncertain=True)
exact = numpy_engine.run(c, seed=0).posterior_mean
t = time.perf_counter(); r = pymc_engine.run(c, seed=0); cold = time.perf_counter() - t
t = time.perf_counter(); pymc_engine.run(c, seed=1); warm = time.perf_counter() - t
print(json.dumps({{"engine": "pymc", "sampler": r.sampler, "hypotheses": {n_hyp}, "items": {n_items},
                  "uncertain": True, "draws": r.draws, "seconds": cold, "warm_s": warm, "rhat": r.rhat,
                  "max_abs_error": float(np.abs(r.posterior_mean - exact).max()), "peak_mb": peak_mb()}}))
""",
                        {"HYPSCORE_CACHE_DIR": cache, "PYTENSOR_FLAGS": f"compiledir={cache}/pytensor"},
                    )
                )
    return rows


def batch(n_point: int = 2_000, n_uncertain: int = 100) -> list[dict]:
    """Cases per second over a directory of generated cases (benchmarks/batch.py), serial and
    in 2 processes; benchmarks/README.md section 7 has the full 10,000-case run with Dask."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import batch as generator

    with tempfile.TemporaryDirectory() as folder:
        generator.write(Path(folder), n_point, n_uncertain)
        return generator.cases_per_second(Path(folder), dask=False)


def plot(rows: list[dict], path: Path) -> None:
    """Left: the numpy engine, seconds per case by items, point (dotted) and uncertain (solid,
    each point labelled with the draws it chose: more items usually need fewer); right: the
    pymc engine on the uncertain cases it was run on, cold and warm."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.5), gridspec_kw={"width_ratios": [3, 2]})
    for n_hyp in sorted({r["hypotheses"] for r in rows}):
        colour = None
        for uncertain, style in ((True, "o-"), (False, "s:")):
            mine = [
                r
                for r in rows
                if r["hypotheses"] == n_hyp and r["engine"] == "numpy" and r["uncertain"] == uncertain
            ]
            line = left.loglog(
                [r["items"] for r in mine],
                [r["seconds"] for r in mine],
                style,
                color=colour,
                label=f"{n_hyp} hypotheses, {'uncertain' if uncertain else 'point'}",
            )[0]
            colour = line.get_color()
            if uncertain:
                for r in mine:
                    left.annotate(
                        f"{r['draws'] // 1000}k",
                        (r["items"], r["seconds"]),
                        textcoords="offset points",
                        xytext=(4, 4),
                        fontsize=7,
                        color=colour,
                    )
        pymc = [r for r in rows if r["hypotheses"] == n_hyp and r["engine"] == "pymc"]
        if pymc:
            x = [r["items"] for r in pymc]
            right.loglog(
                x, [r["seconds"] for r in pymc], "^-", color=colour, label=f"{n_hyp} hypotheses, cold"
            )
            right.loglog(
                x, [r["warm_s"] for r in pymc], "v--", color=colour, label=f"{n_hyp} hypotheses, warm"
            )
    left.set_title("numpy engine (default accuracy; labels: draws chosen)", fontsize=9)
    left.set_xlabel("evidence items")
    left.set_ylabel("seconds per case")
    left.grid(True, which="both", alpha=0.3)
    left.legend(fontsize=7)
    sampler = next((r.get("sampler") for r in rows if r["engine"] == "pymc"), None)
    right.set_title(f"pymc engine, uncertain, 4,000 draws ({sampler} sampler)", fontsize=9)
    right.set_xlabel("evidence items")
    right.grid(True, which="both", alpha=0.3)
    right.legend(fontsize=7)
    figure.tight_layout()
    figure.savefig(path, dpi=120, bbox_inches="tight")


PARTS = ["cold_cli", "throughput", "limit", "sampling", "pymc", "scaling", "batch"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--large", action="store_true", help="the issue's full 20 x 2,000 x 20,000 limit case"
    )
    parser.add_argument("--skip-pymc", action="store_true")
    parser.add_argument("--plot-only", action="store_true", help="redraw scaling.png from results.json")
    parser.add_argument("--only", nargs="*", choices=PARTS, help="measure only these parts (others kept)")
    args = parser.parse_args()
    path = ROOT / "benchmarks" / "results.json"
    if args.plot_only:
        plot(json.loads(path.read_text())["scaling"], ROOT / "benchmarks" / "scaling.png")
        return
    results = json.loads(path.read_text()) if args.only and path.exists() else {}
    results["machine"] = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "hypscore": str(shutil.which("hypscore")),
    }
    wanted = set(args.only or PARTS) - ({"pymc"} if args.skip_pymc else set())
    if "cold_cli" in wanted:
        print("cold CLI ...", flush=True)
        results["cold_cli"] = cold_cli(repeats=9)
    if "throughput" in wanted:
        print("throughput vs pgmpy ...", flush=True)
        results["throughput"] = throughput([(h, e) for h in (3, 10, 50) for e in (10, 100, 1000)])
    if "limit" in wanted:
        print("limit vs minimal kernel ...", flush=True)
        results["limit"] = kernel_limit(20, 2000 if args.large else 200, 20_000)
    if "pymc" in wanted:
        print("pymc ...", flush=True)
        results["pymc"] = pymc_engine(draws=4_000)
    if "sampling" in wanted:
        print("30 x 300 uncertain vs a minimal sampling kernel ...", flush=True)
        results["sampling"] = sampling_limit(30, 300)
    if "scaling" in wanted:
        print("scaling ...", flush=True)
        sizes = [(h, e) for h in (3, 10, 30) for e in (10, 100, 300)]
        results["scaling"] = scaling(sizes, pymc_cells=0 if args.skip_pymc else 300)
        plot(results["scaling"], ROOT / "benchmarks" / "scaling.png")
    if "batch" in wanted:
        print("batch cases/s ...", flush=True)
        results["batch"] = batch()
    path.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
