"""The prior over hypotheses, pi_h = w_h / sum_k w_k with w_h a product of factor judgments:
draws of it for both engines, and E[pi_h] for the numpy engine's exact factorisation."""

from __future__ import annotations

import math

import numpy as np

from hypotheses.case import Case
from hypotheses.model.logspace import log, logsumexp
from hypotheses.model.places import prior_place


def prior_weight_draws(
    case: Case, n: int, rng: np.random.Generator
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """log w_h = sum_f log phi_hf for n draws from the prior: (n, H); and the factor draws."""
    log_w = np.zeros((n, len(case.hypotheses)))
    factors: dict[str, np.ndarray] = {}
    for column, hypothesis in enumerate(case.hypotheses):
        for factor, judgment in hypothesis.prior:
            values = judgment.sample(rng, n)
            log_w[:, column] += log(values)
            if not judgment.is_point:
                factors[prior_place(hypothesis.id, factor)] = values
    return log_w, factors


# Draws for E[pi_h] when priors are uncertain, whatever --draws is, so that its Monte Carlo
# error does not depend on how many interval draws were asked for; fewer (down to the floor)
# when there are so many uncertain factors that the draws would take seconds.
PRIOR_MEAN_DRAWS = 2**16
PRIOR_MEAN_FLOOR = 2**12
_PRIOR_MEAN_CHUNK = 2**12


def prior_mean(case: Case, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """E[pi_h] = E[w_h / sum_k w_k] and its Monte Carlo standard error per h.

    The ratio has no closed form, so it is estimated, with control variates whose means are
    exact: the weight w_h itself and the total sum_k w_k (products of independent factors'
    means). They track pi_h closely, which cuts the error several-fold. Streamed in chunks:
    a thousand hypotheses need no (draws, hypotheses) array."""
    n_hyp = len(case.hypotheses)
    if all(j.is_point for h in case.hypotheses for _, j in h.prior):
        log_w, _ = prior_weight_draws(case, 1, rng)
        return np.exp(log_w[0] - logsumexp(log_w, axis=1)[0]), np.zeros(n_hyp)
    uncertain = sum(not j.is_point for h in case.hypotheses for _, j in h.prior)
    chunks = max(PRIOR_MEAN_FLOOR, min(PRIOR_MEAN_DRAWS, 2**22 // uncertain)) // _PRIOR_MEAN_CHUNK
    with np.errstate(divide="ignore"):
        log_mean_w = np.array(
            [sum(math.log(j.mean) if j.mean > 0 else -np.inf for _, j in h.prior) for h in case.hypotheses]
        )
    shift = -float(np.max(log_mean_w))  # the largest weight's mean scaled to 1: no under/overflow
    mean_w = np.exp(log_mean_w + shift)
    keys = ("p", "x", "s", "pp", "xx", "ss", "px", "ps", "xs")
    sums = dict.fromkeys(keys, 0.0)
    for _ in range(chunks):
        log_w, _ = prior_weight_draws(case, _PRIOR_MEAN_CHUNK, rng)
        pi = np.exp(log_w - logsumexp(log_w, axis=1)[:, None])
        w = np.exp(log_w + shift)
        x = w - mean_w
        total = (w.sum(axis=1) - mean_w.sum())[:, None]
        for key, value in zip(
            keys,
            (pi, x, total, pi * pi, x * x, total * total, pi * x, pi * total, x * total),
            strict=True,
        ):
            sums[key] = sums[key] + value.sum(axis=0)
    n = chunks * _PRIOR_MEAN_CHUNK
    mean = {k: v / n for k, v in sums.items()}

    def cov(a: str, b: str, both: str) -> np.ndarray:
        return (mean[both] - mean[a] * mean[b]) * n / (n - 1)

    v_xx, v_ss, v_xs = cov("x", "x", "xx"), cov("s", "s", "ss"), cov("x", "s", "xs")
    v_px, v_ps, v_pp = cov("p", "x", "px"), cov("p", "s", "ps"), cov("p", "p", "pp")
    gram = np.empty((n_hyp, 2, 2))
    gram[:, 0, 0], gram[:, 1, 1] = v_xx, v_ss
    gram[:, 0, 1] = gram[:, 1, 0] = v_xs
    target = np.stack([v_px, np.broadcast_to(v_ps, (n_hyp,))], axis=1)[:, :, None]
    beta = (np.linalg.pinv(gram) @ target)[:, :, 0]  # (H, 2); pinv: a point prior's x is constant
    estimate = mean["p"] - beta[:, 0] * mean["x"] - beta[:, 1] * mean["s"]
    residual = np.maximum(v_pp - beta[:, 0] * v_px - beta[:, 1] * v_ps, 0.0)
    estimate = np.clip(estimate, 0.0, None)
    return estimate / estimate.sum(), np.sqrt(residual / n)


def posterior_mcse(posterior: np.ndarray, prior: np.ndarray, prior_se: np.ndarray) -> float:
    """Largest standard error of P(h | E) = pi_h F_h / sum_k pi_k F_k carried from pi's error.

    Delta method with relative errors rho_k = se_k / pi_k taken as independent:
    Var P(h | E) = P_h^2 [(1 - P_h)^2 rho_h^2 + sum_{k != h} P_k^2 rho_k^2]."""
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = np.where(prior > 0, prior_se / prior, 0.0)
    terms = np.square(posterior * rho)
    variance = np.square(posterior) * (np.square(1 - posterior) * rho**2 + terms.sum() - terms)
    return float(np.sqrt(variance.max()))
