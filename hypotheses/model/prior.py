"""The prior over hypotheses, pi_h = w_h / sum_k w_k with w_h a product of factor judgments:
draws of it for both engines, and E[pi_h] for the numpy engine's exact factorisation."""

from __future__ import annotations

import math

import numpy as np

from hypotheses.case import Case
from hypotheses.model.logspace import column_sums, log, logsumexp, softmax
from hypotheses.model.places import prior_place
from hypotheses.settings import MEAN_MCSE_TARGET


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
# error does not depend on how many interval draws were asked for. Drawn in rounds, doubling from
# PRIOR_MEAN_START, until the error it can bring to any posterior is below MEAN_MCSE_TARGET
# (`prior_error_bound`), never more than PRIOR_MEAN_DRAWS; fewer (down to the floor) when there
# are so many uncertain factors that the draws would take seconds. They come in batches, whose
# spread gives the error of everything computed from E[pi_h] (batch means).
PRIOR_MEAN_START = 2**12
PRIOR_MEAN_DRAWS = 2**16
PRIOR_MEAN_FLOOR = 2**12
PRIOR_MEAN_BATCHES = 16
# The draws x uncertain factors one estimate may cost: many uncertain factors get fewer draws.
PRIOR_MEAN_BUDGET = 2**22


def prior_draw_sizes(case: Case) -> tuple[int, int]:
    """The first round's draws and the most draws E[pi_h] may take (PRIOR_MEAN_DRAWS, fewer with
    many uncertain factors), the cap a power-of-two multiple of the first round's."""
    uncertain = sum(not j.is_point for h in case.hypotheses for _, j in h.prior)
    cap = max(PRIOR_MEAN_FLOOR, min(PRIOR_MEAN_DRAWS, PRIOR_MEAN_BUDGET // max(uncertain, 1)))
    start = min(PRIOR_MEAN_START, cap)
    return start, start * 2 ** int(math.log2(cap / start))


def prior_error_bound(batches: np.ndarray) -> float:
    """The largest Monte Carlo error that E[pi_h]'s batch estimates (batches, H) can bring to
    P(h | E) = E[pi_h] L_h / sum_k E[pi_k] L_k, whatever the evidence L: with e_h the relative
    error of E[pi_h], P_h's error is P_h sum_k P_k (e_h - e_k), whose sd is at most
    max_{h,k} sd(e_h - e_k) / 4. The same E[pi_h] then serves every case with these priors (what-ifs
    over the evidence subtract log P(E) between cases), which an evidence-aware rule would break.
    Hypotheses whose every batch is 0 (a zero prior: exact) are left out; a 0 in some batches
    only is an unbounded error."""
    with np.errstate(divide="ignore"):
        logs = np.log(batches[:, (batches > 0).any(axis=0)])
    if not np.isfinite(logs).all():
        return math.inf
    differences = logs[:, :, None] - logs[:, None, :]
    return float(differences.std(axis=0, ddof=1).max() / math.sqrt(len(batches)) / 4)


def prior_mean(case: Case, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray | None]:
    """E[pi_h] = E[w_h / sum_k w_k], and the same estimate from each batch of draws
    (batches, H), or None when the priors are points and the answer is exact.

    The ratio has no closed form, so it is estimated, with control variates whose means are
    exact: the weight w_h itself and the total sum_k w_k (products of independent factors'
    means). They track pi_h closely, which cuts the error several-fold. Drawn in rounds that
    double the draws until `prior_error_bound` is below MEAN_MCSE_TARGET or the cap is reached;
    the batches are PRIOR_MEAN_BATCHES equal runs of consecutive draws. Streamed: a thousand
    hypotheses need no (draws, hypotheses) array beyond one round's."""
    n_hyp = len(case.hypotheses)
    if all(j.is_point for h in case.hypotheses for _, j in h.prior):
        log_w, _ = prior_weight_draws(case, 1, rng)
        return np.exp(log_w[0] - logsumexp(log_w, axis=1)[0]), None
    start, cap = prior_draw_sizes(case)
    with np.errstate(divide="ignore"):
        log_mean_w = np.array(
            [sum(math.log(j.mean) if j.mean > 0 else -np.inf for _, j in h.prior) for h in case.hypotheses]
        )
    shift = -float(np.max(log_mean_w))  # the largest weight's mean scaled to 1: no under/overflow
    mean_w = np.exp(log_mean_w + shift)
    keys = ("p", "x", "s", "pp", "xx", "ss", "px", "ps", "xs")
    sums = dict.fromkeys(keys, 0.0)
    # Means of p, x, s over runs of `run` consecutive draws; a batch is a sixteenth of them.
    run = max(1, start // PRIOR_MEAN_BATCHES)
    runs: dict[str, list[np.ndarray]] = {"p": [], "x": [], "s": []}
    n = 0
    while True:
        size = max(start, n)  # each round doubles the draws: 1, 1, 2, 4, ... times the first
        log_w, _ = prior_weight_draws(case, size, rng)
        pi = np.exp(log_w - logsumexp(log_w, axis=1)[:, None])
        w = np.exp(log_w + shift)
        x = w - mean_w
        total = (w.sum(axis=1) - mean_w.sum())[:, None]
        for key, value in zip(
            keys,
            (pi, x, total, pi * pi, x * x, total * total, pi * x, pi * total, x * total),
            strict=True,
        ):
            sums[key] = sums[key] + column_sums(value)
        for key, value in (("p", pi), ("x", x), ("s", total)):
            # Means of runs along contiguous rows (NumPy reduces a middle axis of few columns slowly).
            runs[key].append(np.ascontiguousarray(value.T).reshape(value.shape[1], -1, run).mean(axis=2).T)
        n += size
        estimate, batches = _adjusted(sums, runs, n, n_hyp)
        if n >= cap or prior_error_bound(batches) <= MEAN_MCSE_TARGET:
            return estimate, batches


def _adjusted(
    sums: dict[str, np.ndarray | float], runs: dict[str, list[np.ndarray]], n: int, n_hyp: int
) -> tuple[np.ndarray, np.ndarray]:
    """E[pi_h] with its control variates from the sums over all n draws, and the same from
    each batch (PRIOR_MEAN_BATCHES equal runs of consecutive draws)."""
    mean = {k: np.asarray(v) / n for k, v in sums.items()}

    def cov(a: str, b: str, both: str) -> np.ndarray:
        return (mean[both] - mean[a] * mean[b]) * n / (n - 1)

    v_xx, v_ss, v_xs = cov("x", "x", "xx"), cov("s", "s", "ss"), cov("x", "s", "xs")
    v_px, v_ps = cov("p", "x", "px"), cov("p", "s", "ps")
    gram = np.empty((n_hyp, 2, 2))
    gram[:, 0, 0], gram[:, 1, 1] = v_xx, v_ss
    gram[:, 0, 1] = gram[:, 1, 0] = v_xs
    target = np.stack([v_px, np.broadcast_to(v_ps, (n_hyp,))], axis=1)[:, :, None]
    beta = (np.linalg.pinv(gram) @ target)[:, :, 0]  # (H, 2); pinv: a point prior's x is constant

    def adjusted(p: np.ndarray, x: np.ndarray, s: np.ndarray) -> np.ndarray:
        value = np.clip(p - beta[:, 0] * x - beta[:, 1] * s, 0.0, None)
        return value / value.sum(axis=-1, keepdims=True)

    batch = {
        key: np.concatenate(parts).reshape(PRIOR_MEAN_BATCHES, -1, parts[0].shape[1]).mean(axis=1)
        for key, parts in runs.items()
    }
    return adjusted(mean["p"], mean["x"], mean["s"]), adjusted(batch["p"], batch["x"], batch["s"])


def posterior_mcse(batches: np.ndarray | None, log_factors: np.ndarray) -> float:
    """The largest Monte Carlo standard error of P(h | E) ∝ E[pi_h] * exp(log_factors): the
    posterior computed from each batch's E[pi_h], their spread over sqrt(batches). The batch
    estimates carry every correlation (they sum to 1), which a per-hypothesis error would miss.
    0 when E[pi_h] is exact."""
    if batches is None:
        return 0.0
    each = softmax(log(batches) + log_factors[None, :], axis=1)
    return float((each.std(axis=0, ddof=1) / math.sqrt(len(each))).max())
