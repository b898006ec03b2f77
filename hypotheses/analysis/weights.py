"""Weight of evidence (decibans) and diagnosticity of each evidence item.

Items are taken in case order, each against the posterior after the items above it (their
likelihoods are conditional on those items), with the effective likelihoods at their means.
With point judgments the weights add up: 10 log10 prior odds + sum_j W_j = 10 log10 posterior odds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hypotheses.case import Case
from hypotheses.model.likelihood import mean_effective_likelihoods
from hypotheses.model.logspace import log

DECIBANS_PER_NAT = 10.0 / np.log(10.0)


@dataclass(frozen=True)
class ItemWeight:
    weight_db: np.ndarray  # (H,): nan where undefined (no alternative left)
    diagnosticity: float  # bits of expected information about the hypothesis


def _entropy_bits(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log2(p), 0.0).sum(axis=-1)


def evidence_weights(case: Case, prior_mean: np.ndarray) -> list[ItemWeight]:
    """W_j(h) = 10 log10(L_jh / mean of L_jk over k != h, weighted by p_{j-1}(k))."""
    n_hyp = len(case.hypotheses)
    off_diagonal = ~np.eye(n_hyp, dtype=bool)
    p = np.asarray(prior_mean, dtype=float)
    out = []
    for lik in mean_effective_likelihoods(case):
        log_p, log_lik = log(p), log(lik)
        others = np.where(off_diagonal, log_p[None, :], -np.inf)  # row h: p_k for k != h
        with np.errstate(invalid="ignore"):
            log_alt = np.logaddexp.reduce(others + log_lik[None, :], axis=1) - np.logaddexp.reduce(
                others, axis=1
            )
            weight = DECIBANS_PER_NAT * (log_lik - log_alt)
        weight = np.where(np.isnan(weight) | np.isposinf(log_alt), np.nan, weight)
        # Expected information gain about h from learning whether the report occurs.
        seen = p * lik
        p_seen = seen.sum()
        unseen = p * (1.0 - lik)
        p_unseen = unseen.sum()
        gain = _entropy_bits(p)
        if p_seen > 0:
            gain -= p_seen * _entropy_bits(seen / p_seen)
        if p_unseen > 0:
            gain -= p_unseen * _entropy_bits(unseen / p_unseen)
        out.append(ItemWeight(weight, float(max(gain, 0.0))))
        if p_seen > 0:
            p = seen / p_seen
    return out
