"""Fit a Beta distribution to an analyst's range: its 5% and 95% quantiles at the range ends.

Implemented with the standard library only (a continued-fraction incomplete Beta function)
because importing scipy.special costs ~0.4 s, more than scoring a whole case.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the array versions import NumPy when called: `validate` never needs it
    import numpy as np

LOWER_Q = 0.05
UPPER_Q = 0.95
_EPS = 1e-15
_TINY = 1e-300


def _continued_fraction(a: float, b: float, x: float) -> float:
    """Modified Lentz evaluation of the incomplete Beta continued fraction."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    max_terms = 200 + int(10 * math.sqrt(max(a, b)))
    for m in range(1, max_terms):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h


def beta_cdf(x: float, a: float, b: float) -> float:
    """Regularised incomplete Beta function I_x(a, b), the Beta(a, b) CDF at x."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _continued_fraction(b, a, 1.0 - x) / b


def _logit(p: float) -> float:
    p = min(max(p, 1e-300), 1.0 - 1e-16)
    return math.log(p) - math.log1p(-p)


def _residuals(log_a: float, log_b: float, lo: float, hi: float) -> tuple[float, float]:
    a, b = math.exp(log_a), math.exp(log_b)
    return (
        _logit(beta_cdf(lo, a, b)) - _logit(LOWER_Q),
        _logit(beta_cdf(hi, a, b)) - _logit(UPPER_Q),
    )


@lru_cache(maxsize=4096)
def fit_beta(lo: float, hi: float) -> tuple[float, float]:
    """Beta(a, b) whose 5% quantile is `lo` and 95% quantile is `hi` (0 < lo < hi < 1).

    Newton's method on (log a, log b), matching the CDF at both ends on the logit scale,
    started from the logit-normal approximation (logit X ~ N(log a/b, 1/a + 1/b)).
    """
    if not 0.0 < lo < hi < 1.0:
        raise ValueError(f"need 0 < lo < hi < 1, got lo={lo}, hi={hi}")
    z = 1.6448536269514722
    lo_logit, hi_logit = _logit(lo), _logit(hi)
    mu = 0.5 * (lo_logit + hi_logit)
    var = ((hi_logit - lo_logit) / (2 * z)) ** 2
    if not var > 0.0:  # ends a float or two apart round to one logit: no spread to fit
        raise ValueError(f"the range [{lo}, {hi}] is too narrow for a Beta distribution")
    a0 = (1.0 + math.exp(mu)) / var
    if max(a0, a0 * math.exp(-mu)) > 1e12:  # a near-point: Newton would overflow math.exp
        raise ValueError(f"the range [{lo}, {hi}] is too narrow for a Beta distribution")
    x = [math.log(a0), math.log(a0) - mu]
    r = _residuals(x[0], x[1], lo, hi)
    norm = math.hypot(*r)
    step = 1e-6
    for _ in range(200):
        if norm < 1e-10:
            break
        ra = _residuals(x[0] + step, x[1], lo, hi)
        rb = _residuals(x[0], x[1] + step, lo, hi)
        j11, j21 = (ra[0] - r[0]) / step, (ra[1] - r[1]) / step
        j12, j22 = (rb[0] - r[0]) / step, (rb[1] - r[1]) / step
        det = j11 * j22 - j12 * j21
        if det == 0.0 or not math.isfinite(det):
            break
        dx0 = -(j22 * r[0] - j12 * r[1]) / det
        dx1 = -(-j21 * r[0] + j11 * r[1]) / det
        damping = 1.0
        while damping > 1e-4:  # backtrack until the residual shrinks
            trial = [x[0] + damping * dx0, x[1] + damping * dx1]
            r_trial = _residuals(trial[0], trial[1], lo, hi)
            norm_trial = math.hypot(*r_trial)
            if math.isfinite(norm_trial) and norm_trial < norm:
                x, r, norm = trial, r_trial, norm_trial
                break
            damping *= 0.5
        else:
            break
    if norm > 1e-6:
        # Newton starts from the logit-normal guess, which is poor for very skewed ranges such
        # as [1e-6, 0.5]: fall back to nested bisection, slower but sure.
        return _fit_by_bisection(lo, hi)
    return math.exp(x[0]), math.exp(x[1])


# log a and log b are searched in this range: wider than any judgment (1e8 is the limit).
_LOG_BOUNDS = (-20.0, 19.0)


def _bisect(f, lo: float, hi: float, iterations: int = 80) -> float:
    """The root of an increasing function on [lo, hi] (an end if there is none inside)."""
    for _ in range(iterations):
        mid = 0.5 * (lo + hi)
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _fit_by_bisection(lo: float, hi: float) -> tuple[float, float]:
    """For each a, the b that puts the 95% quantile at `hi` (the CDF at `hi` grows with b);
    then the a that puts the 5% quantile at `lo` (with b following, the CDF at `lo` falls as a
    grows)."""

    def log_b_for(log_a: float) -> float:
        a = math.exp(log_a)
        return _bisect(lambda log_b: beta_cdf(hi, a, math.exp(log_b)) - UPPER_Q, *_LOG_BOUNDS)

    def low_gap(log_a: float) -> float:  # increasing in log a after the sign flip
        return LOWER_Q - beta_cdf(lo, math.exp(log_a), math.exp(log_b_for(log_a)))

    log_a = _bisect(low_gap, *_LOG_BOUNDS, iterations=60)
    a, b = math.exp(log_a), math.exp(log_b_for(log_a))
    residual = max(abs(beta_cdf(lo, a, b) - LOWER_Q), abs(beta_cdf(hi, a, b) - UPPER_Q))
    if residual > 1e-6:
        raise ValueError(f"could not fit a Beta distribution to the range [{lo}, {hi}]")
    return a, b


def _continued_fraction_array(a: float, b: float, x: np.ndarray) -> np.ndarray:
    """Vectorised modified Lentz (as `_continued_fraction`), a fixed number of terms."""
    import numpy as np

    qab, qap, qam = a + b, a + 1.0, a - 1.0

    def guard(v: np.ndarray) -> np.ndarray:
        return np.where(np.abs(v) > _TINY, v, _TINY)

    c = np.ones_like(x)
    d = 1.0 / guard(1.0 - qab * x / qap)
    h = d.copy()
    for m in range(1, 200 + int(10 * math.sqrt(max(a, b)))):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 / guard(1.0 + aa * d)
        c = guard(1.0 + aa / c)
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 / guard(1.0 + aa * d)
        c = guard(1.0 + aa / c)
        delta = d * c
        h *= delta
        if np.all(np.abs(delta - 1.0) < _EPS):
            break
    return h


def beta_cdf_array(x: np.ndarray, a: float, b: float) -> np.ndarray:
    """`beta_cdf` for an array of x, vectorised with NumPy."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    out = np.where(x >= 1.0, 1.0, 0.0)
    inside = (x > 0.0) & (x < 1.0)
    xi = x[inside]
    with np.errstate(divide="ignore"):
        log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * np.log(xi) + b * np.log1p(-xi)
    direct = xi < (a + 1.0) / (a + b + 2.0)
    values = np.empty_like(xi)
    if direct.any():
        values[direct] = np.exp(log_front[direct]) * _continued_fraction_array(a, b, xi[direct]) / a
    if (~direct).any():
        flip = ~direct
        values[flip] = 1.0 - np.exp(log_front[flip]) * _continued_fraction_array(b, a, 1.0 - xi[flip]) / b
    out[inside] = np.clip(values, 0.0, 1.0)
    return out


# Quantiles computed ahead, many at once (`prime_quantiles`): (q, a, b) -> x.
_PRIMED: dict[tuple[float, float, float], float] = {}


def _cf_each(a: np.ndarray, b: np.ndarray, x: np.ndarray) -> np.ndarray:
    """`_continued_fraction` elementwise over arrays a, b, x: the same operations in the same
    order, each element frozen once it has converged (as the scalar loop stops)."""
    import numpy as np

    qab, qap, qam = a + b, a + 1.0, a - 1.0

    def guard(v: np.ndarray) -> np.ndarray:
        return np.where(np.abs(v) > _TINY, v, _TINY)

    c = np.ones_like(x)
    d = 1.0 / guard(1.0 - qab * x / qap)
    h = d.copy()
    active = np.ones(x.shape, dtype=bool)
    terms = 200 + 10 * np.sqrt(np.maximum(a, b)).astype(int)
    for m in range(1, int(terms.max()) if terms.size else 1):
        active &= m < terms
        if not active.any():
            break
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = np.where(active, 1.0 / guard(1.0 + aa * d), d)
        c = np.where(active, guard(1.0 + aa / c), c)
        h = np.where(active, h * (d * c), h)
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = np.where(active, 1.0 / guard(1.0 + aa * d), d)
        c = np.where(active, guard(1.0 + aa / c), c)
        delta = d * c
        h = np.where(active, h * delta, h)
        active &= ~(np.abs(delta - 1.0) < _EPS)
    return h


def _cdf_each(x: np.ndarray, a: np.ndarray, b: np.ndarray, log_beta: np.ndarray) -> np.ndarray:
    """`beta_cdf` elementwise, for x strictly inside (0, 1); log_beta = log B(a, b)."""
    import numpy as np

    with np.errstate(divide="ignore"):
        log_front = a * np.log(x) + b * np.log1p(-x) - log_beta
    direct = x < (a + 1.0) / (a + b + 2.0)
    out = np.empty_like(x)
    if direct.any():
        i = direct
        out[i] = np.exp(log_front[i]) * _cf_each(a[i], b[i], x[i]) / a[i]
    if (~direct).any():
        i = ~direct
        out[i] = 1.0 - np.exp(log_front[i]) * _cf_each(b[i], a[i], 1.0 - x[i]) / b[i]
    return out


def prime_quantiles(shapes: list[tuple[float, float]], qs: tuple[float, ...] = (LOWER_Q, UPPER_Q)) -> None:
    """Compute the quantiles `qs` of many Betas at once, by the bisection `beta_quantile` does,
    vectorised: a case with thousands of {beta: [a, b]} judgments needs them all for its
    tornado, where one at a time took milliseconds each."""
    import numpy as np

    todo = sorted({(q, a, b) for a, b in shapes for q in qs if (q, a, b) not in _PRIMED})
    if not todo:
        return
    q = np.array([t[0] for t in todo])
    a = np.array([t[1] for t in todo])
    b = np.array([t[2] for t in todo])
    log_beta = np.array(
        [math.lgamma(x) + math.lgamma(y) - math.lgamma(x + y) for x, y in zip(a, b, strict=True)]
    )
    lo, hi = np.zeros(q.size), np.ones(q.size)
    active = np.ones(q.size, dtype=bool)
    for _ in range(200):
        i = np.flatnonzero(active)
        if i.size == 0:
            break
        mid = 0.5 * (lo[i] + hi[i])
        below = _cdf_each(mid, a[i], b[i], log_beta[i]) < q[i]
        lo[i] = np.where(below, mid, lo[i])
        hi[i] = np.where(below, hi[i], mid)
        active[i] = ~(hi[i] - lo[i] < 1e-13 * np.maximum(mid, 1e-300))
    for t, x in zip(todo, 0.5 * (lo + hi), strict=True):
        _PRIMED[t] = float(x)


@lru_cache(maxsize=8192)
def beta_quantile(q: float, a: float, b: float) -> float:
    """The q-quantile of Beta(a, b), by bisection on `beta_cdf` (sensitivity analysis needs
    only a few, and this keeps scipy off the CLI's path)."""
    primed = _PRIMED.get((q, a, b))
    if primed is not None:
        return primed
    lo, hi = 0.0, 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if beta_cdf(mid, a, b) < q:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-13 * max(mid, 1e-300):
            break
    return 0.5 * (lo + hi)
