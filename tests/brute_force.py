"""An independent reference for tests: importance sampling from the joint prior of docs/model.md
section 2, written from the model's equations without any of the engine's code."""

from __future__ import annotations

import numpy as np

from hypotheses.case import Case


def brute_force(case: Case, n: int, seed: int = 12345) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(posterior mean, per-draw P(h | E, params), normalised importance weights)."""
    rng = np.random.default_rng(seed)
    n_hyp = len(case.hypotheses)
    log_w = np.zeros((n, n_hyp))
    for k, h in enumerate(case.hypotheses):
        for _, judgment in h.prior:
            log_w[:, k] += np.log(judgment.sample(rng, n))
    log_pi = log_w - np.logaddexp.reduce(log_w, axis=1, keepdims=True)
    reliability = {s.id: s.reliability.sample(rng, n) for s in case.sources}
    log_joint = log_pi.copy()
    # Section 7: each event's P(event | h), and for its reports P(report | event happened) and
    # P(report | it did not), multiplied over the reports, the event then summed out.
    event_theta = {e.id: np.column_stack([j.sample(rng, n) for j in e.likelihoods]) for e in case.events}
    happened = {e.id: np.ones((n, 1)) for e in case.events}
    not_happened = {e.id: np.ones((n, 1)) for e in case.events}
    # With probability model_error any one item says nothing: (1 - model_error) on every chain.
    kept = 1.0 - case.model_error.sample(rng, n)
    # Section 9: with probability s an origin's items are reports of one event with the origin's
    # likelihoods (noise at the origin's base rate); otherwise each counts alone.
    origin_of = {item_id: o for o in case.origins for item_id in o.items}
    origin_theta = {o.id: np.column_stack([j.sample(rng, n) for j in o.likelihoods]) for o in case.origins}
    origin_happened = {o.id: np.ones((n, 1)) for o in case.origins}
    origin_not = {o.id: np.ones((n, 1)) for o in case.origins}
    origin_alone = {o.id: np.zeros((n, n_hyp)) for o in case.origins}

    def rates(item, b, c_draw, hit_draw, false_draw):  # (H, F) given the drawn parameters
        if item.hit is not None and item.false_alarm is not None:
            q = item.hit.mean * b + item.false_alarm.mean * (1 - b)
            return (kept * hit_draw + (1 - kept) * q)[:, None], (kept * false_draw + (1 - kept) * q)[:, None]
        return (c_draw + (1 - c_draw) * b)[:, None], ((1 - c_draw) * b)[:, None]

    for item in case.evidence:
        origin = origin_of.get(item.id)
        if origin is not None:
            c = item.credibility.sample(rng, n) * kept
            for source in item.chain:
                c = c * reliability[source]
            hit_draw = item.hit.sample(rng, n) if item.hit is not None else None
            false_draw = item.false_alarm.sample(rng, n) if item.false_alarm is not None else None
            b_origin = np.mean([j.mean for j in origin.likelihoods])
            hit, false = rates(item, b_origin, c, hit_draw, false_draw)
            origin_happened[origin.id] = origin_happened[origin.id] * hit
            origin_not[origin.id] = origin_not[origin.id] * false
            hit, false = rates(item, np.mean([j.mean for j in item.likelihoods]), c, hit_draw, false_draw)
            theta = np.column_stack([j.sample(rng, n) for j in item.likelihoods])
            with np.errstate(divide="ignore"):
                origin_alone[origin.id] += np.log(theta * hit + (1 - theta) * false)
            continue
        # A report that says nothing occurs at the expected base rate: a point, the mean of the
        # judgments' means (docs/model.md section 2), never the mean of this draw's values.
        event = next((e for e in case.events if e.id == item.reports), None)
        judged = event.likelihoods if event is not None else item.likelihoods
        b = np.mean([j.mean for j in judged])
        if item.hit is not None and item.false_alarm is not None:
            # Given rates (Schum): the item's own source is for the record; model error mixes
            # each rate with the item's expected rate q.
            q = item.hit.mean * b + item.false_alarm.mean * (1 - b)
            hit = (kept * item.hit.sample(rng, n) + (1 - kept) * q)[:, None]
            false = (kept * item.false_alarm.sample(rng, n) + (1 - kept) * q)[:, None]
        else:
            c = item.credibility.sample(rng, n) * kept
            for source in item.chain:
                c = c * reliability[source]
            hit, false = (c + (1 - c) * b)[:, None], ((1 - c) * b)[:, None]
        if item.reports is not None:
            happened[item.reports] = happened[item.reports] * hit
            not_happened[item.reports] = not_happened[item.reports] * false
            continue
        theta = np.column_stack([j.sample(rng, n) for j in item.likelihoods])
        with np.errstate(divide="ignore"):
            log_joint += np.log(theta * hit + (1 - theta) * false)
    for event_id, theta in event_theta.items():
        with np.errstate(divide="ignore"):
            log_joint += np.log(theta * happened[event_id] + (1 - theta) * not_happened[event_id])
    for o in case.origins:
        share = o.shared.sample(rng, n)[:, None]
        theta = origin_theta[o.id]
        shared = theta * origin_happened[o.id] + (1 - theta) * origin_not[o.id]
        with np.errstate(divide="ignore"):
            log_joint += np.log(share * shared + (1 - share) * np.exp(origin_alone[o.id]))
    log_evidence = np.logaddexp.reduce(log_joint, axis=1)
    p_given_params = np.exp(log_joint - log_evidence[:, None])
    weights = np.exp(log_evidence - log_evidence.max())
    weights /= weights.sum()
    return weights @ p_given_params, p_given_params, weights


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    order = np.argsort(values)
    cdf = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cdf, q * cdf[-1])])
