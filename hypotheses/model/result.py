"""The one result type every engine returns (engines are siblings: neither imports the other)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

INTERVAL = (0.05, 0.95)  # the reported credible interval's quantiles


@dataclass(frozen=True)
class EngineResult:
    """What an engine computed: P(h | E) and equal-weight draws of the quantities reported."""

    engine: str
    prior_draws: np.ndarray  # (draws, H): pi_h under the prior
    posterior_mean: np.ndarray  # (H,): P(h | E)
    posterior_draws: np.ndarray  # (draws, H): P(h | E, params), params ~ p(params | E)
    ess: float
    draws: int
    rhat: float | None = None
    divergences: int | None = None
    judgments: dict[str, np.ndarray] | None = None  # posterior draws of each uncertain judgment
    inference_data: Any = None  # arviz.InferenceData, from the pymc engine
    prior_mean: np.ndarray | None = None  # (H,): E[pi_h], when better than prior_draws' mean
    mean_mcse: float = 0.0  # largest Monte Carlo standard error of posterior_mean (0: exact)
    leave_one_out: np.ndarray | None = None  # (J, H): P(h | E without item j), when asked for
    log_evidence: np.ndarray | None = None  # (draws,): log p(E | params) of each draw
    event_leave_one_out: np.ndarray | None = None  # (G, H): P(h | E without event g's reports)
    # What the numpy engine did in each component coupled by uncertain sources or events.
    components: tuple[dict[str, Any], ...] = ()
    # (J,): log P(item j | every other item), with leave-one-out (the conflict measure's)
    log_predictive: np.ndarray | None = None
    sampler: str | None = None  # the pymc engine's NUTS implementation: "numpyro" or "pymc"
    # Largest Monte Carlo standard error of the interval ends (`interval_mcse`).
    interval_mcse: float = 0.0


def interval_mcse(draws: np.ndarray, ess: float) -> float:
    """Largest Monte Carlo standard error, over hypotheses and both ends, of the 90% interval
    read off `draws` (N, H) with effective sample size `ess`. Distribution-free, by order
    statistics: the p-quantile of n independent draws sits within a rank error of
    sqrt(p (1 - p) / n) of the true one, and the draws' own quantiles at p -/+ that error span
    two standard errors (no density to estimate, exact 0 for a degenerate column)."""
    n = max(float(ess), 1.0)
    worst = 0.0
    for p in INTERVAL:
        d = math.sqrt(p * (1 - p) / n)
        lo, hi = np.quantile(draws, [max(p - d, 0.0), min(p + d, 1.0)], axis=0)
        worst = max(worst, float(np.max(hi - lo)) / 2)
    return worst
