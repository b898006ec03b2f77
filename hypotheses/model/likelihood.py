"""The effective likelihood of docs/model.md section 2, written once for every engine and analysis.

`lambda_jh = c_j theta_jh + (1 - c_j) b_j`: with probability 1 - c_j (credibility times the
reliabilities on its chain) the report says nothing about which hypothesis is true, and occurs
at the expected base rate `b_j = mean_k E[theta_jk]`. In Schum's terms every item has a hit rate
H and a false-alarm rate F, P(E* | h) = theta_h H + (1 - theta_h) F: from its credibility (H = c +
(1 - c) b, F = (1 - c) b) or given as `hit:` and `false_alarm:`; a chain's reliabilities rho
(and 1 - model_error) then mix them with the item's expected rate q: rho H + (1 - rho) q.
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def effective_likelihood(credibility: T, theta: T, mix: T) -> T:
    """lambda = c theta + (1 - c) mix, for NumPy arrays and PyTensor tensors alike (the caller
    broadcasts: `mix` is mean_k theta_k).

    Written c theta + (1 - c) mix, never mix + c (theta - mix): the latter cancels a likelihood
    of 1e-300 to exactly 0 and would rule its hypothesis out."""
    return credibility * theta + (1.0 - credibility) * mix  # type: ignore[operator]


def hit_and_false_alarm(credibility: T, mix: T) -> tuple[T, T]:
    """Schum's hit and false-alarm rates of a report of credibility c: H = c + (1 - c) mix and
    F = (1 - c) mix: `effective_likelihood` at theta = 0, and at theta = 1 to the last bit (c * 1
    is c, and c * 0 + x is x for c in [0, 1], x >= 0), so H = c + F: five passes over an array
    rather than eight."""
    false_alarm = effective_likelihood(credibility, 0.0, mix)
    return credibility + false_alarm, false_alarm  # type: ignore[operator]


def chained_rate(rho: T, rate: T, q: T) -> T:
    """A rate seen through a chain of reliability rho: rho rate + (1 - rho) q, where q is the
    rate at which an item that says nothing occurs (its expected rate, a point)."""
    return rho * rate + (1.0 - rho) * q  # type: ignore[operator]


def rated_likelihood(theta: T, hit: T, false_alarm: T) -> T:
    """P(E* | h) = theta_h hit + (1 - theta_h) false_alarm (Schum): every term non-negative, so
    a likelihood of 1e-300 never cancels to 0."""
    return theta * hit + (1.0 - theta) * false_alarm  # type: ignore[operator]


def event_log_likelihood(log_theta, log_not_theta, log_hit, log_false_alarm, logaddexp):
    """log P(R_1..R_n | h) of docs/model.md section 2 for the reports of one event:
    theta_h prod_i [c_i + (1 - c_i) b] + (1 - theta_h) prod_i [(1 - c_i) b], from
    log theta_h, log(1 - theta_h) and the sums over reports of log hit_i = log lambda(c_i, 1, b)
    and log false_alarm_i = log lambda(c_i, 0, b) (Schum's hit and false alarm). `logaddexp`
    is NumPy's or PyTensor's, so both engines use this one formula. With one report it is
    exactly `effective_likelihood`."""
    return logaddexp(log_theta + log_hit, log_not_theta + log_false_alarm)


def origin_log_likelihood(log_shared, log_not_shared, log_event, log_independent, logaddexp):
    """log P(E_1..E_n | h) of a possible common origin (docs/model.md section 2):
    s Lambda_h + (1 - s) prod_j lambda_jh, from log s, log(1 - s), log Lambda_h (the items as
    reports of one event with the origin's likelihoods) and sum_j log lambda_jh (each item
    alone). `logaddexp` is NumPy's or PyTensor's; s = 0 or 1 gives -inf + a finite term, never
    -inf - -inf."""
    return logaddexp(log_shared + log_event, log_not_shared + log_independent)
