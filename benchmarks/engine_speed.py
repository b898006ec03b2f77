"""Issue 32's goals 1 and 2, measured side by side in one process (run by hand, never a test):

    python benchmarks/engine_speed.py                        # this tree only
    python benchmarks/engine_speed.py --before /tmp/before   # and an older tree, interleaved

`--before DIR`: a directory holding another version's `hypotheses` and `priors` packages (for
example `git archive COMMIT hypotheses priors | tar -x -C DIR`); both versions are loaded in this
one process and timed in turn, so the machine's drift affects them alike.

1. `point`: the numpy engine (`numpy_engine.run`, on a case already compiled, as pgmpy's model
   is built before its clock) on point cases of 3 and 10 hypotheses x 10, 100 and 1,000 items,
   against the least work that gives the same posterior (`point_kernel`: log pi + sum_j log
   lambda_jh, normalised) and pgmpy's VariableElimination. Goals: engine <= 10x the kernel at
   1,000 items, <= 1.0x pgmpy at every size.
2. `seed`: `numpy_engine.run` on examples/al-bab-2017.yaml against `minimal_engine.py`, an
   independent minimal NumPy implementation of the same estimator at the same accuracy. Goal:
   <= 1.2x.

Timing: CPU seconds (time.process_time), each figure a median over `--reps` interleaved rounds
(each round times every contender once, over enough calls to take ~0.1 s), ratios taken round
by round and their median printed; each round starts with the next contender. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OURS = ("hypotheses", "priors")


def load(tree: Path) -> SimpleNamespace:
    """Import `hypotheses` and `priors` from `tree`; keep its modules apart from other trees'."""
    for name in [n for n in sys.modules if n.split(".")[0] in OURS]:
        del sys.modules[name]
    sys.path.insert(0, str(tree))
    try:
        import hypotheses
        import priors
        from hypotheses import load_case
        from hypotheses.model import factors, numpy_engine
    finally:
        sys.path.remove(str(tree))
    modules = {n: m for n, m in sys.modules.items() if n.split(".")[0] in OURS}
    return SimpleNamespace(
        tree=tree,
        modules=modules,
        engine=numpy_engine,
        factors=factors,
        load_case=load_case,
        hypotheses=hypotheses,
        priors=priors,
    )


def use(version: SimpleNamespace) -> None:
    """Make `version`'s modules the ones a lazy import inside it finds."""
    sys.modules.update(version.modules)


def point_case(version: SimpleNamespace, n_hyp: int, n_items: int, seed: int = 0):
    """benchmarks/run.py's generated point case, built from `version`'s own classes."""
    h, p = version.hypotheses, version.priors
    rng = np.random.default_rng(seed)
    ids = [f"h{k}" for k in range(n_hyp)]
    hyps = tuple(
        h.Hypothesis(i, i, (("prior", p.Point(float(w))),))
        for i, w in zip(ids, rng.uniform(0.05, 1, n_hyp), strict=True)
    )
    items = tuple(
        h.EvidenceItem(f"e{j}", "x", None, p.Point(1.0), tuple(p.Point(float(x)) for x in row))
        for j, row in enumerate(rng.uniform(0.05, 0.95, (n_items, n_hyp)))
    )
    return h.Case("bench", None, "icd203", hyps, (), items, "<bench>", "0" * 64)


def point_kernel(log_pi: np.ndarray, theta: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The least work for a point case's P(h | E): lambda = c theta + (1 - c) mean_k theta_k,
    log pi + sum_j log lambda_jh, normalised (log-sum-exp)."""
    lam = c[:, None] * theta + (1.0 - c[:, None]) * theta.mean(axis=1, keepdims=True)
    total = log_pi + np.log(lam).sum(axis=0)
    weights = np.exp(total - total.max())
    return weights / weights.sum()


def cpu_per_call(f: Callable[[], object], calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        f()
    return (time.process_time() - started) / calls


def calls_for(f: Callable[[], object], budget: float = 0.1) -> int:
    f()
    once = max(cpu_per_call(f, 1), 1e-6)
    return max(1, min(10_000, int(budget / once)))


def race(contenders: dict[str, tuple[SimpleNamespace | None, Callable[[], object]]], reps: int) -> dict:
    """Median CPU seconds per call of each contender, over `reps` interleaved rounds, and every
    round's times (for ratios taken round by round)."""
    calls = {}
    for name, (version, f) in contenders.items():
        if version is not None:
            use(version)
        calls[name] = calls_for(f)
    rounds: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for r in range(reps):
        # Each round starts with the next contender: who runs after whom (warm caches, memory
        # just freed) is spread evenly over them.
        for name in names[r % len(names) :] + names[: r % len(names)]:
            version, f = contenders[name]
            if version is not None:
                use(version)
            rounds[name].append(cpu_per_call(f, calls[name]))
    return rounds


def ratio(rounds: dict, a: str, b: str) -> float:
    return statistics.median(x / y for x, y in zip(rounds[a], rounds[b], strict=True))


def pgmpy_query(n_hyp: int, log_pi: np.ndarray, theta: np.ndarray) -> Callable[[], np.ndarray]:
    logging.getLogger("pgmpy").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    from pgmpy.factors.discrete import TabularCPD
    from pgmpy.inference import VariableElimination
    from pgmpy.models import DiscreteBayesianNetwork

    names = [f"e{j}" for j in range(theta.shape[0])]
    model = DiscreteBayesianNetwork([("H", e) for e in names])
    pi = np.exp(log_pi)
    cpds = [TabularCPD("H", n_hyp, pi[:, None].tolist())]
    for e, row in zip(names, theta, strict=True):
        cpds.append(TabularCPD(e, 2, [list(1 - row), list(row)], evidence=["H"], evidence_card=[n_hyp]))
    model.add_cpds(*cpds)
    inference = VariableElimination(model)
    evidence = dict.fromkeys(names, 1)
    return lambda: inference.query(["H"], evidence=evidence, show_progress=False).values


def point_part(versions: dict[str, SimpleNamespace], reps: int) -> None:
    print("\n| hypotheses x items | " + " | ".join(f"engine {v}" for v in versions), end="")
    print(" | kernel | pgmpy | " + " | ".join(f"{v} / kernel | {v} / pgmpy" for v in versions), end="")
    print(" | max abs diff (kernel; pgmpy) |")
    print("|---" * (3 + 3 * len(versions) + 1) + "|")
    for n_hyp in (3, 10):
        for n_items in (10, 100, 1000):
            contenders: dict[str, tuple[SimpleNamespace | None, Callable[[], object]]] = {}
            answers = {}
            for label, version in versions.items():
                use(version)
                case = point_case(version, n_hyp, n_items)
                version.engine.run(case, seed=0)  # compiled once, as pgmpy's model is built once
                contenders[label] = (version, lambda v=version, c=case: v.engine.run(c, seed=0))
                answers[label] = version.engine.run(case, seed=0).posterior_mean
            pi = np.array([h.prior[0][1].value for h in case.hypotheses])
            log_pi = np.log(pi / pi.sum())
            theta = np.array([[j.value for j in e.likelihoods] for e in case.evidence])
            c = np.ones(n_items)
            contenders["kernel"] = (None, lambda a=log_pi, t=theta, c=c: point_kernel(a, t, c))
            contenders["pgmpy"] = (None, pgmpy_query(n_hyp, log_pi, theta))
            kernel = point_kernel(log_pi, theta, c)
            theirs = contenders["pgmpy"][1]()
            rounds = race(contenders, reps)
            med = {k: statistics.median(v) for k, v in rounds.items()}
            ours = answers[next(iter(versions))]
            diff_k = max(float(np.abs(a - kernel).max()) for a in answers.values())
            diff_p = float(np.abs(ours - theirs).max()) if np.isfinite(theirs).all() else "NaN"
            cells = [f"{n_hyp} x {n_items:,}"]
            cells += [f"{med[v] * 1e3:.3f} ms" for v in versions]
            cells += [f"{med['kernel'] * 1e3:.4f} ms", f"{med['pgmpy'] * 1e3:.2f} ms"]
            for v in versions:
                cells += [f"{ratio(rounds, v, 'kernel'):.1f}x", f"{ratio(rounds, v, 'pgmpy'):.3f}x"]
            cells.append(f"{diff_k:.1e}; {diff_p if isinstance(diff_p, str) else f'{diff_p:.1e}'}")
            print("| " + " | ".join(cells) + " |", flush=True)


def seed_part(versions: dict[str, SimpleNamespace], reps: int) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import minimal_engine

    path = ROOT / "examples" / "al-bab-2017.yaml"
    contenders: dict[str, tuple[SimpleNamespace | None, Callable[[], object]]] = {}
    rows = {}
    for label, version in versions.items():
        use(version)
        case = version.load_case(path)
        result = version.engine.run(case, seed=0)
        rows[label] = result
        contenders[label] = (version, lambda v=version, c=case: v.engine.run(c, seed=0))
    spec = minimal_engine.Spec.from_yaml(path)
    mine = minimal_engine.run(spec, seed=0)
    contenders["minimal"] = (None, lambda: minimal_engine.run(spec, seed=0))
    rounds = race(contenders, reps)
    med = {k: statistics.median(v) for k, v in rounds.items()}
    print("\n| seed case | CPU per run | / minimal | max |P(h|E) - minimal's| | mean_mcse | draws |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, result in rows.items():
        diff = float(np.abs(result.posterior_mean - mine.posterior).max())
        print(
            f"| engine {label} | {med[label] * 1e3:.1f} ms | {ratio(rounds, label, 'minimal'):.2f}x "
            f"| {diff:.1e} | {result.mean_mcse:.1e} | {result.draws:,} |"
        )
    print(f"| minimal | {med['minimal'] * 1e3:.1f} ms | 1.00x | - | {mine.mean_mcse:.1e} | {mine.draws:,} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--before", type=Path, help="a directory with an older tree's hypotheses and priors")
    parser.add_argument("--only", nargs="*", choices=["point", "seed"], default=["point", "seed"])
    parser.add_argument("--reps", type=int, default=15)
    args = parser.parse_args()
    versions = {}
    if args.before is not None:
        versions["before"] = load(args.before)
    versions["now"] = load(ROOT)
    if "point" in args.only:
        point_part(versions, args.reps)
    if "seed" in args.only:
        seed_part(versions, args.reps)


if __name__ == "__main__":
    main()
