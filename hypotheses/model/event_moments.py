"""Exact expectations of an event's likelihood over its Beta judgments (the numpy engine's).

For an event with P(event | h) = theta_h (independent Betas or points) and n reports with
credibilities c_i (given the sources' reliabilities), docs/model.md section 2 gives

    P(R | h) = theta_h prod_i [c_i + (1 - c_i) b] + (1 - theta_h) b^n prod_i (1 - c_i),
    b = mean_k theta_k.

It is multilinear in the c_i (each enters one factor, and the c_i are independent given the
reliabilities), so their means can be plugged in. Over theta it is a polynomial in theta_h and
b: expanding prod_i [c_i + (1 - c_i) b] = sum_m coef_m b^m leaves E[theta_h b^m] and
E[(1 - theta_h) b^n], exact from the Betas' raw moments (b = (theta_h + S_-h) / H, the moments
of the sum S_-h of the other thetas by binomial convolution). Every term is positive, so all of
it runs in log space without cancellation.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from hypotheses.model.logspace import logsumexp
from priors import Beta, Judgment


def _log_raw_moments(judgment: Judgment, top: int) -> tuple[np.ndarray, np.ndarray]:
    """log E[theta^p] and log E[(1 - theta) theta^p] for p = 0..top."""
    p = np.arange(top + 1, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        if isinstance(judgment, Beta):
            a, b = judgment.a, judgment.b
            steps = np.log(a + p[:-1]) - np.log(a + b + p[:-1])
            log_m = np.concatenate([[0.0], np.cumsum(steps)])
            return log_m, log_m + math.log(b) - np.log(a + b + p)
        v = float(judgment.mean)
        log_m = np.where(p == 0, 0.0, p * np.log(v))
        return log_m, log_m + np.log1p(-v)


def _log_binomials(top: int) -> np.ndarray:
    """log C(m, p) for m, p = 0..top (-inf above the diagonal), from cumulative log factorials
    (one pass: a Python double loop here was the explanation's bottleneck at 80 reports)."""
    log_fact = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, top + 1, dtype=float)))])
    m = np.arange(top + 1)[:, None]
    p = np.arange(top + 1)[None, :]
    inside = p <= m
    out = np.full((top + 1, top + 1), -np.inf)
    out[inside] = (log_fact[m] - log_fact[p] - log_fact[np.where(inside, m - p, 0)])[inside]
    return out


def _convolve(a: np.ndarray, b: np.ndarray, log_c: np.ndarray) -> np.ndarray:
    """log E[(X + Y)^m] from log E[X^p] and log E[Y^q] (X, Y independent), m = 0..top."""
    top = a.size - 1
    m = np.arange(top + 1)[:, None]
    p = np.arange(top + 1)[None, :]
    rest = np.where(p <= m, m - p, 0)
    terms = np.where(p <= m, log_c + a[None, :] + b[rest], -np.inf)
    return logsumexp(terms, axis=1)


def _product_coefficients(c: np.ndarray, log_c: np.ndarray, log_1mc: np.ndarray) -> np.ndarray:
    """log coefficients of b^m in prod_i (c_i + (1 - c_i) b), m = 0..n, per row of c (M, n).

    Reports with the same credibility in every row (one source, one wording: the usual echo)
    form a binomial, (c + (1 - c) b)^k, in closed form; only distinct classes are multiplied
    out, so n equal reports cost O(M n), not O(M n^2)."""
    n_draws = c.shape[0]
    # Equal columns by their bytes (np.unique(axis=1) sorts M-long columns: 25 ms a call on
    # the seed case, most of its scoring time), in order of first appearance.
    alike: dict[bytes, list[int]] = {}
    for j in range(c.shape[1]):
        alike.setdefault(np.ascontiguousarray(c[:, j]).tobytes(), []).append(j)
    first = [members[0] for members in alike.values()]
    counts = [len(members) for members in alike.values()]
    coef = np.full((n_draws, 1), 0.0)
    for i, k in zip(first, counts, strict=True):
        m = np.arange(k + 1)
        with np.errstate(invalid="ignore"):  # 0 * -inf where c is 0 or 1: that term is 0
            binomial = (
                _log_binomials(int(k))[k][None, :]
                + np.where(m[None, :] < k, (k - m)[None, :] * log_c[:, i, None], 0.0)
                + np.where(m[None, :] > 0, m[None, :] * log_1mc[:, i, None], 0.0)
            )
        if coef.shape[1] == 1:
            coef = binomial + coef
            continue
        out = np.full((n_draws, coef.shape[1] + k), -np.inf)
        width = coef.shape[1]
        for q in range(k + 1):  # each term of the binomial's factor adds a shifted copy
            out[:, q : q + width] = np.logaddexp(out[:, q : q + width], coef + binomial[:, q, None])
        coef = out
    return coef


class EventMoments:
    """log E[theta_h b^m] (m = 0..n) and log E[(1 - theta_h) b^n] for one event's judgments."""

    def __init__(self, likelihoods: Sequence[Judgment], n_reports: int) -> None:
        n_hyp, n = len(likelihoods), n_reports
        log_c = _log_binomials(n + 1)
        raw = [_log_raw_moments(j, n + 1) for j in likelihoods]
        empty = np.full(n + 1, -np.inf)
        empty[0] = 0.0  # the sum of no thetas is 0: E[0^0] = 1
        prefix = [empty]
        for log_m, _ in raw[:-1]:
            prefix.append(_convolve(prefix[-1], log_m[: n + 1], log_c[: n + 1, : n + 1]))
        suffix = [empty]
        for log_m, _ in raw[:0:-1]:
            suffix.append(_convolve(suffix[-1], log_m[: n + 1], log_c[: n + 1, : n + 1]))
        suffix = suffix[::-1]
        scale = np.arange(n + 1) * math.log(n_hyp)  # b^m = (sum theta)^m / H^m
        self.log_theta_b = np.empty((n_hyp, n + 1))  # E[theta_h b^m]
        self.log_not_theta_b = np.empty(n_hyp)  # E[(1 - theta_h) b^n]
        m = np.arange(n + 1)[:, None]
        p = np.arange(n + 1)[None, :]
        rest = np.where(p <= m, m - p, 0)
        inside = p <= m
        for h, (log_m, log_not) in enumerate(raw):
            others = _convolve(prefix[h], suffix[h], log_c[: n + 1, : n + 1])  # E[S_-h^q]
            terms = np.where(
                inside, log_c[: n + 1, : n + 1] + log_m[1 : n + 2][None, :] + others[rest], -np.inf
            )
            self.log_theta_b[h] = logsumexp(terms, axis=1) - scale
            last = log_c[n, : n + 1] + log_not[: n + 1] + others[n - np.arange(n + 1)]
            self.log_not_theta_b[h] = logsumexp(last[None, :], axis=1)[0] - scale[n]

    def log_expected(self, c: np.ndarray, columns: Sequence[int] | slice = slice(None)) -> np.ndarray:
        """log E[P(R | h) | c] for credibilities c of shape (M, n): (M, hypotheses in columns)."""
        with np.errstate(divide="ignore"):
            log_c, log_1mc = np.log(c), np.log1p(-c)
        coef = _product_coefficients(c, log_c, log_1mc)
        theta_b = self.log_theta_b[columns]  # (cols, n + 1)
        happened = logsumexp(coef[:, None, :] + theta_b[None, :, :], axis=2)
        not_happened = log_1mc.sum(axis=1)[:, None] + self.log_not_theta_b[columns][None, :]
        return np.logaddexp(happened, not_happened)
