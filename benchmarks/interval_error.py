"""How well `diagnostics.interval_mcse` estimates the Monte Carlo error of the interval ends:
the mean reported error over independent seeds against the observed spread (sd) of the 5% and
95% quantiles over those seeds (largest over hypotheses and ends). 1.0 is exact; the estimate is
built as an upper bound. Run by hand: python benchmarks/interval_error.py (about a minute)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from hypotheses import load_case  # noqa: E402
from hypotheses.model import numpy_engine  # noqa: E402
from tests.test_correctness import _low_ess_case  # noqa: E402
from tests.test_engine import _wide_case  # noqa: E402


def ratio(case, draws: int, seeds: int) -> tuple[float, float]:
    runs = [numpy_engine.run(case, draws=draws, seed=s) for s in range(seeds)]
    ends = np.array([np.quantile(r.posterior_draws, [0.05, 0.95], axis=0) for r in runs])
    observed = float(ends.std(axis=0, ddof=1).max())
    return float(np.mean([r.interval_mcse for r in runs])) / observed, observed


if __name__ == "__main__":
    cases = {
        "wide (2 hypotheses, one vague item)": _wide_case(),
        "seed case (examples/al-bab-2017.yaml)": load_case(ROOT / "examples" / "al-bab-2017.yaml"),
        "leaked memo (examples/leaked-memo.yaml)": load_case(ROOT / "examples" / "leaked-memo.yaml"),
        "heavy-tailed prior (ESS a few percent)": _low_ess_case(),
    }
    print("| case | draws | seeds | reported / observed | observed sd |")
    print("|---|---:|---:|---:|---:|")
    for name, case in cases.items():
        r, observed = ratio(case, 2_000, 40)
        print(f"| {name} | 2,000 | 40 | {r:.2f} | {observed:.5f} |")
