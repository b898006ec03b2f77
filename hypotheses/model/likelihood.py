"""The effective likelihood of docs/model.md section 3, written once for every engine and analysis.

`lambda_jh = c_j theta_jh + (1 - c_j) mean_k theta_jk`: with probability 1 - c_j (credibility
times the source's reliability) the report says nothing about which hypothesis is true.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from hypotheses.model.factors import CompiledCase

T = TypeVar("T")


def effective_likelihood(credibility: T, theta: T, mix: T) -> T:
    """lambda = c theta + (1 - c) mix, for NumPy arrays and PyTensor tensors alike (the caller
    broadcasts: `mix` is mean_k theta_k).

    Written c theta + (1 - c) mix, never mix + c (theta - mix): the latter cancels a likelihood
    of 1e-300 to exactly 0 and would rule its hypothesis out."""
    return credibility * theta + (1.0 - credibility) * mix  # type: ignore[operator]


def event_log_likelihood(log_theta, log_not_theta, log_hit, log_false_alarm, logaddexp):
    """log P(R_1..R_n | h) of docs/model.md section 7 for the reports of one event:
    theta_h prod_i [c_i + (1 - c_i) b] + (1 - theta_h) prod_i [(1 - c_i) b], from
    log theta_h, log(1 - theta_h) and the sums over reports of log hit_i = log lambda(c_i, 1, b)
    and log false_alarm_i = log lambda(c_i, 0, b) (Schum's hit and false alarm). `logaddexp`
    is NumPy's or PyTensor's, so both engines use this one formula. With one report it is
    exactly `effective_likelihood`."""
    return logaddexp(log_theta + log_hit, log_not_theta + log_false_alarm)


def event_log_lik(theta: np.ndarray, c: np.ndarray, b: float) -> np.ndarray:
    """log P(R | h) for draws of theta (..., H) and the reports' credibilities c (..., n): the
    event's formula with log hit_i = log lambda(c_i, 1, b) and log false alarm_i =
    log((1 - c_i) b). `b`, the rate at which a report that says nothing occurs, is the event's
    expected base rate mean_k E[theta_k] (a point: docs/model.md section 2), never the draws'
    mean, so n reports never weigh more than the event observed directly."""
    with np.errstate(divide="ignore"):
        log_hit = np.log(effective_likelihood(c, 1.0, b)).sum(axis=-1, keepdims=True)
        log_false = (np.log1p(-c) + np.log(b)).sum(axis=-1, keepdims=True)
        return event_log_likelihood(np.log(theta), np.log1p(-theta), log_hit, log_false, np.logaddexp)


def mean_case_log_likelihoods(compiled: CompiledCase) -> np.ndarray:
    """log P(item j | the reports of its event above j, h) with every judgment at its mean:
    (J, H). A standalone item's is log lambda_jh; a report's comes from the chain rule, so the
    reports of one event add up to the event's log P(R_1..R_n | h)."""
    theta_all, credibility = compiled.theta_mean, compiled.credibility_mean
    out = np.empty(theta_all.shape)
    seen: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # event -> running (log hit, log false alarm)
    with np.errstate(divide="ignore"):
        for j, event in enumerate(compiled.event_of):
            c, theta = credibility[j], theta_all[j]
            if event < 0:
                out[j] = np.log(effective_likelihood(c, theta, theta.mean()))
                continue
            b = theta.mean()
            hit, false_alarm = seen.get(event, (np.zeros(1), np.zeros(1)))
            before = event_log_likelihood(np.log(theta), np.log1p(-theta), hit, false_alarm, np.logaddexp)
            hit = hit + np.log(effective_likelihood(c, 1.0, b))
            false_alarm = false_alarm + np.log(effective_likelihood(c, 0.0, b))
            seen[event] = (hit, false_alarm)
            after = event_log_likelihood(np.log(theta), np.log1p(-theta), hit, false_alarm, np.logaddexp)
            with np.errstate(invalid="ignore"):
                out[j] = np.where(np.isneginf(before), -np.inf, after - before)
    return out
