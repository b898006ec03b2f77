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
    # The numpy engine stopped adding draws because their ESS no longer grew with them.
    interval_capped: bool = False


# The quantile function's slope is read over +-WINDOW rank errors: wide enough to average over
# dozens of order statistics (at 2,000 draws), narrow enough for its curvature not to matter.
WINDOW = 2.0


def interval_mcse(
    draws: np.ndarray,
    ess: float,
    hypothesis: np.ndarray | None = None,
    ess_by_hypothesis: np.ndarray | None = None,
) -> float:
    """Largest Monte Carlo standard error, over hypotheses and both ends, of the 90% interval
    read off `draws` (N, H). se(q_p) = sd(F_hat(q_p)) / f(q_p): the CDF's error at the
    quantile over the density there, the density read off the draws' own quantiles at
    p -/+ WINDOW rank errors (at least one of `ess` draws; no kernel, 0 for a degenerate
    column).

    sd(F_hat): with `hypothesis` (the hypothesis each draw was made under, in fixed numbers:
    a stratified sample) and the effective sample size of each stratum, the stratified
    sum_k w_k^2 F_k (1 - F_k) / n_k,eff, so a poorly sampled hypothesis counts only where its
    draws reach the quantile; otherwise p (1 - p) / ess."""
    n = draws.shape[0]
    if n == 0:
        return 0.0
    worst = 0.0
    for p in INTERVAL:
        # At least one rank error of `ess` draws: resampled draws repeat values, and a window
        # narrower than the gaps between distinct ones would see a flat step, and no error.
        d = max(WINDOW * math.sqrt(p * (1 - p) / n), math.sqrt(p * (1 - p) / max(float(ess), 1.0)))
        lo, q, hi = np.quantile(draws, [max(p - d, 0.0), p, min(p + d, 1.0)], axis=0)
        slope = (hi - lo) / (min(p + d, 1.0) - max(p - d, 0.0))  # 1 / f(q)
        if hypothesis is None or ess_by_hypothesis is None:
            var_f = np.full(draws.shape[1], p * (1 - p) / max(float(ess), 1.0))
        else:
            k, h = ess_by_hypothesis.size, draws.shape[1]
            counts = np.bincount(hypothesis, minlength=k).astype(float)
            cells = (hypothesis[:, None] * h + np.arange(h)[None, :]).ravel()
            below = np.bincount(cells, weights=(draws <= q[None, :]).ravel(), minlength=k * h).reshape(k, h)
            present = counts > 0
            f_k = below[present] / counts[present, None]
            # n_k draws resampled from candidates of Kish ESS E_k: 1 / (1/n_k + 1/E_k) effective.
            with np.errstate(divide="ignore"):
                eff = 1.0 / (1.0 / counts[present] + 1.0 / ess_by_hypothesis[present])
            share = counts[present] / n
            var_f = ((share**2 / np.maximum(eff, 1e-300))[:, None] * f_k * (1.0 - f_k)).sum(axis=0)
        worst = max(worst, float(np.max(np.sqrt(var_f) * slope)))
    return worst
