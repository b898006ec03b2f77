"""The one result type every engine returns (engines are siblings: neither imports the other)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

INTERVAL = (0.05, 0.95)  # the reported credible interval's quantiles


@dataclass(frozen=True, eq=False)  # arrays: never compared (a generated __eq__ would raise)
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
    # (G + O, H): P(h | E without event g's reports), then without origin o's items.
    event_leave_one_out: np.ndarray | None = None
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


def interval_mcse(draws: np.ndarray, ess: float, hypothesis: np.ndarray, pools: list[np.ndarray]) -> float:
    """Largest Monte Carlo standard error, over hypotheses and both ends, of the 90% interval
    read off `draws` (N, H). se(q_p) = sd(F_hat(q_p)) / f(q_p): the CDF's error at the
    quantile over the density there, the density read off the draws' own quantiles at
    p -/+ WINDOW rank errors (at least one of `ess` draws; no kernel, 0 for a degenerate
    column).

    sd(F_hat), from `hypothesis` (sorted: the hypothesis each draw was made under, in fixed
    numbers n_h, a stratified sample) and `pools` (for each pool of candidates the draws were
    resampled from, the Kish ESS E_h of its weights for each h):
        var F = sum_h w_h^2 F_h (1 - F_h) / n_h + sum_pools (sum_h w_h sqrt(F_h (1 - F_h) / E_h))^2,
    with F_h the share of the draws under h below the quantile. One pool serves every h, so its
    error moves all F_h together: counted fully correlated across h (an upper bound, tight when
    one hypothesis dominates)."""
    n = draws.shape[0]
    if n == 0:
        return 0.0
    present, starts, counts = np.unique(hypothesis, return_index=True, return_counts=True)
    share = counts / n
    ordered = np.sort(draws, axis=0)
    worst = 0.0
    for p in INTERVAL:
        # At least one rank error of `ess` draws: resampled draws repeat values, and a window
        # narrower than the gaps between distinct ones would see a flat step, and no error.
        d = max(WINDOW * math.sqrt(p * (1 - p) / n), math.sqrt(p * (1 - p) / max(float(ess), 1.0)))
        lo, q, hi = linear_quantiles(ordered, [max(p - d, 0.0), p, min(p + d, 1.0)])
        slope = (hi - lo) / (min(p + d, 1.0) - max(p - d, 0.0))  # 1 / f(q)
        # The strata are contiguous (h sorted): one reduceat, (strata, H), never H x H.
        f_h = np.add.reduceat((draws <= q[None, :]).astype(float), starts, axis=0) / counts[:, None]
        spread = f_h * (1.0 - f_h)
        var_f = ((share**2 / counts)[:, None] * spread).sum(axis=0)
        for kish in pools:
            with np.errstate(divide="ignore"):
                inverse = np.where(kish[present] > 0, 1.0 / kish[present], np.inf)
            var_f = var_f + np.square((share[:, None] * np.sqrt(spread * inverse[:, None])).sum(axis=0))
        worst = max(worst, float(np.max(np.sqrt(var_f) * slope)))
    return worst


def linear_quantiles(ordered: np.ndarray, probs: Sequence[float]) -> np.ndarray:
    """`np.quantile(x, probs, axis=0)` (method "linear", the default) of the columns of `ordered`
    (x sorted along axis 0), to the last bit: the same virtual index, neighbours and
    interpolation as NumPy's. Not np.quantile itself: it calls np.unique on the indices, which
    imports numpy.ma (~13 ms, a fifth of what `hypscore score` imports beyond its floor)."""
    n = ordered.shape[0]
    q = np.asarray(probs, dtype=float)
    virtual = (n - 1) * q  # NumPy's virtual index of the method "linear"
    previous = np.floor(virtual)
    following = previous + 1
    above, below = virtual >= n - 1, virtual < 0
    previous[above], following[above] = -1, -1
    previous[below], following[below] = 0, 0
    gamma = (virtual - previous).reshape(-1, *(1,) * (ordered.ndim - 1))
    a, b = ordered[previous.astype(np.intp)], ordered[following.astype(np.intp)]
    diff = b - a
    out = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    out[..., np.isnan(ordered[-1])] = np.nan  # NaN sorts last: a column holding one gives NaN
    return out
