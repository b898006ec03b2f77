"""Weight of evidence (decibans) and diagnosticity of each evidence item.

Items are taken in case order, each against the posterior after the items above it (their
likelihoods are conditional on those items), with the effective likelihoods at their means,
except that the reports of an event are weighed together where its first report stands (the
order `weighing_order` gives, and every output shows): so a report's weight is what it adds
given the reports above it, and an event's reports' weights add up to the event's.
With point judgments the weights add up: 10 log10 prior odds + sum_j W_j = 10 log10 posterior odds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hypotheses.case import Case
from hypotheses.model.factors import compile_case
from hypotheses.model.likelihood import rated_likelihood
from hypotheses.model.logspace import log, logsumexp

DECIBANS_PER_NAT = 10.0 / np.log(10.0)
# A weight of evidence smaller than this (in dB) is floating-point residue, not evidence: an item
# as likely under every hypothesis weighs the log of a ratio that is 1 on paper but computed from
# renormalised posteriors (3.3e-16 dB). 1e-9 dB is a likelihood ratio of 1 + 2.3e-10, far finer
# than any judgment an analyst states, so nothing meant is rounded away (docs/model.md section 6).
WEIGHT_ZERO_DB = 1e-9


def _decibans(log_ratio: np.ndarray) -> np.ndarray:
    """A log likelihood ratio (nats) in decibans, its residue (WEIGHT_ZERO_DB) read as 0; NaN and
    infinities as they are."""
    weight = DECIBANS_PER_NAT * log_ratio
    return np.where(np.abs(weight) < WEIGHT_ZERO_DB, 0.0, weight)


# Records of arrays: a generated __eq__ would raise on them (an array has no single truth
# value), so none is generated (nor __hash__).
@dataclass(frozen=True, eq=False)
class ItemWeight:
    """One item's weight of evidence per hypothesis and its diagnosticity."""

    weight_db: np.ndarray  # (H,): nan where undefined (no alternative left)
    diagnosticity: float  # bits of expected information about the hypothesis


def _entropy_bits(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log2(p), 0.0).sum(axis=-1)


def evidence_weights(case: Case, prior_mean: np.ndarray) -> list[ItemWeight]:
    """W_j(h) = 10 log10(L_jh / mean of L_jk over k != h, weighted by p_{j-1}(k)).

    p_{j-1}, the posterior after the items above j, is a cumulative sum in log space, so all
    items are weighed at once (a case of 150,000 items in a second, not a Python loop) and no
    hypothesis's probability underflows to exactly 0 along the way."""
    order = weighing_order(case)
    log_lik = compile_case(case).mean_log_likelihoods()[order]  # (J, H), in weighing order
    if not len(log_lik):
        return []
    return [
        w for _, w in sorted(zip(order, _weights_in_order(case, log_lik, prior_mean, order), strict=True))
    ]


def group_of(case: Case) -> list[str | None]:
    """Each item's event or origin (the id of the one term it is weighed in), None alone."""
    origin = {item_id: o.id for o in case.origins for item_id in o.items}
    return [item.reports if item.reports is not None else origin.get(item.id) for item in case.evidence]


def weighing_order(case: Case) -> np.ndarray:
    """The items' indices in the order they are weighed: case order, with each event's reports
    (an origin's items) moved up to follow its first one (their relative order, and so the
    chain rule, kept)."""
    order: list[int] = []
    placed: set[str] = set()
    groups = group_of(case)
    for index, group in enumerate(groups):
        if group is None:
            order.append(index)
        elif group not in placed:
            placed.add(group)
            order += [j for j, other in enumerate(groups) if other == group]
    return np.array(order, dtype=np.intp)


def _weights_in_order(
    case: Case, log_lik: np.ndarray, prior_mean: np.ndarray, order: np.ndarray
) -> list[ItemWeight]:
    n_hyp = log_lik.shape[1]
    log_start = log(np.asarray(prior_mean, dtype=float))
    before = log_start[None, :] + np.cumsum(np.vstack([np.zeros((1, n_hyp)), log_lik[:-1]]), axis=0)
    with np.errstate(invalid="ignore"):  # a row of -inf (nothing left) is caught just below
        log_p = before - logsumexp(before, axis=1)[:, None]  # (J, H): log p_{j-1}
        reachable = np.isfinite(logsumexp(log_p + log_lik, axis=1)).all()
    if not reachable:
        # An item impossible under every hypothesis still standing: the sequential rule skips
        # it (p stays as it was), which a cumulative sum cannot express.
        return _sequential_weights(log_lik, log_start, [case.evidence[j].ratios for j in order])
    weights = np.empty_like(log_lik)
    step = max(1, 2**22 // max(1, n_hyp))  # rows of (rows, H) temporaries, 32 MB each
    for first in range(0, len(log_lik), step):
        rows = slice(first, first + step)
        weights[rows] = _weights_given(log_p[rows], log_lik[rows])
    ratio = np.array([case.evidence[j].ratios for j in order])
    # Ratios are not probabilities: whether the item occurs has no distribution to learn from.
    safe = np.where(ratio[:, None], 0.5, np.exp(log_lik))
    gains = np.where(ratio, np.nan, _information_gain(np.exp(log_p), safe))
    return [ItemWeight(w, float(g)) for w, g in zip(weights, gains, strict=True)]


def _weights_given(log_p: np.ndarray, log_lik: np.ndarray) -> np.ndarray:
    """Rows of W(h) in decibans for items with posteriors-before `log_p`: (rows, H); NaN where
    no alternative is left. Memory (rows, H): the sums over k != h never build (rows, H, H)."""
    with np.errstate(invalid="ignore"):
        log_alt = _log_sum_without_each(log_p + log_lik) - _log_sum_without_each(log_p)
        weight = _decibans(log_lik - log_alt)
    return np.where(np.isnan(weight) | np.isposinf(log_alt), np.nan, weight)


def _log_sum_without_each(x: np.ndarray) -> np.ndarray:
    """log sum_{k != h} exp(x[:, k]) for every h: the log-sum of the terms before h and of those
    after h (running log-sums from each end). Nothing is subtracted from a total, which would
    lose everything where term h dominates; a row of -inf gives -inf."""
    none = np.full((x.shape[0], 1), -np.inf)
    before = np.hstack([none, np.logaddexp.accumulate(x[:, :-1], axis=1)])
    after = np.hstack([np.logaddexp.accumulate(x[:, :0:-1], axis=1)[:, ::-1], none])
    return np.logaddexp(before, after)


def _information_gain(p: np.ndarray, lik: np.ndarray) -> np.ndarray:
    """Expected information (bits) about h from learning whether each report occurs, given the
    posterior p before it: rows of p and lik."""
    seen, unseen = p * lik, p * (1.0 - lik)
    p_seen, p_unseen = seen.sum(axis=1), unseen.sum(axis=1)
    gain = _entropy_bits(p)
    with np.errstate(invalid="ignore", divide="ignore"):
        gain -= np.where(
            p_seen > 0, p_seen * _entropy_bits(seen / np.where(p_seen > 0, p_seen, 1)[:, None]), 0
        )
        gain -= np.where(
            p_unseen > 0, p_unseen * _entropy_bits(unseen / np.where(p_unseen > 0, p_unseen, 1)[:, None]), 0
        )
    return np.maximum(gain, 0.0)


def _sequential_weights(log_lik: np.ndarray, log_start: np.ndarray, ratios: list[bool]) -> list[ItemWeight]:
    """Item by item, skipping the update after an item impossible under what is left."""
    out = []
    log_p = log_start - logsumexp(log_start[None, :], axis=1)[0]
    for row, ratio in zip(log_lik, ratios, strict=True):
        weight = _weights_given(log_p[None, :], row[None, :])[0]
        gain = np.nan if ratio else _information_gain(np.exp(log_p)[None, :], np.exp(row)[None, :])[0]
        out.append(ItemWeight(weight, float(gain)))
        joint = log_p + row
        total = logsumexp(joint[None, :], axis=1)[0]
        if np.isfinite(total):
            log_p = joint - total
    return out


@dataclass(frozen=True, eq=False)  # arrays: as ItemWeight
class EventWeight:
    """An event's (an origin's) reports weighed together and as if independent."""

    combined_db: np.ndarray  # (H,): the event's reports together, as the model counts them
    independent_db: np.ndarray  # (H,): the same reports counted as independent items


def event_weights(case: Case, prior_mean: np.ndarray) -> list[EventWeight]:
    """Per event, the weight of all its reports together and what they would weigh if they
    were counted as independent items (the double counting the event model avoids), both
    against the posterior where the event is weighed (after the items above its first report,
    see `weighing_order`), with the judgments at their means: the first equals the sum of its
    reports' weights."""
    return _group_weights(case, prior_mean, [e.id for e in case.events])


def origin_weights(case: Case, prior_mean: np.ndarray) -> list[EventWeight]:
    """Per possible common origin, the weight of its items together (the mixture) and what they
    would weigh as independent items (each with its own likelihoods), as `event_weights`."""
    return _group_weights(case, prior_mean, [o.id for o in case.origins])


def _group_weights(case: Case, prior_mean: np.ndarray, ids: list[str]) -> list[EventWeight]:
    if not ids:
        return []
    compiled = compile_case(case)
    log_lik = compiled.mean_log_likelihoods()  # (J, H); a group's rows add up to its term
    log_start = log(np.asarray(prior_mean, dtype=float))
    groups = group_of(case)
    first: dict[str | None, int] = {}
    for index, group in enumerate(groups):
        first.setdefault(group, index)
    events = {e.id: e for e in case.events}
    out = []
    for group_id in ids:
        at = first.get(group_id, len(case.evidence))  # nobody reports it: weighed last, as 0
        rows = np.array([g == group_id for g in groups], dtype=bool)
        # Items alone above its first item; an earlier group's items, all weighed before it.
        above = np.array(
            [(g is None and k < at) or (g is not None and first[g] < at) for k, g in enumerate(groups)],
            dtype=bool,
        )
        rest = log_start + log_lik[above].sum(axis=0)
        with np.errstate(invalid="ignore"):
            log_p = rest - logsumexp(rest[None, :], axis=1)[0]
        independent = np.zeros_like(log_start)
        event = events.get(group_id)
        for j in np.flatnonzero(rows):
            # An event's reports each with the event's likelihoods; an origin's items their own.
            theta = compiled.theta_mean[j] if event is None else np.array([x.mean for x in event.likelihoods])
            hit, false_alarm = compiled.hit_mean[j], compiled.false_alarm_mean[j]
            independent = independent + log(rated_likelihood(theta, hit, false_alarm))
        combined = log_lik[rows].sum(axis=0)
        both = _weights_given(np.vstack([log_p, log_p]), np.vstack([combined, independent]))
        out.append(EventWeight(both[0], both[1]))
    return out


def group_weights(case: Case, prior_mean: np.ndarray, members: np.ndarray) -> np.ndarray:
    """W_j(G) in decibans for the hypotheses `members` (a boolean mask over the hypotheses)
    together against all the others: 10 log10(P(e_j | G, E_<j) / P(e_j | not G, E_<j)), where
    P(e_j | G, E_<j) = sum_{h in G} p_{j-1}(h) L_jh / sum_{h in G} p_{j-1}(h): the order, the
    posteriors before and the likelihoods at their means are those of `evidence_weights`, so a
    one-member group's weights are that hypothesis's. (J,) in case order; NaN where undefined
    (no probability left in G or outside it). Consecutive weights add up (chain rule), so an
    event's weight for G is the sum of its reports'."""
    members = np.asarray(members, dtype=bool)
    order = weighing_order(case)
    log_lik = compile_case(case).mean_log_likelihoods()[order]  # (J, H), in weighing order
    if not len(log_lik):
        return np.empty(0)
    log_p = _log_before(log_lik, log(np.asarray(prior_mean, dtype=float)))

    def log_given(mask: np.ndarray) -> np.ndarray:
        inside = np.where(mask[None, :], log_p, -np.inf)
        return logsumexp(inside + log_lik, axis=1) - logsumexp(inside, axis=1)

    with np.errstate(invalid="ignore"):
        weight = _decibans(log_given(members) - log_given(~members))
    out = np.empty_like(weight)
    out[order] = weight
    return out


def _log_before(log_lik: np.ndarray, log_start: np.ndarray) -> np.ndarray:
    """log p_{j-1}, the posterior before each item (rows in weighing order): a cumulative sum,
    or, when an item is impossible under every hypothesis still standing, item by item with that
    item's update skipped (as `_sequential_weights`)."""
    n_hyp = log_lik.shape[1]
    before = log_start[None, :] + np.cumsum(np.vstack([np.zeros((1, n_hyp)), log_lik[:-1]]), axis=0)
    with np.errstate(invalid="ignore"):
        log_p = before - logsumexp(before, axis=1)[:, None]
        reachable = np.isfinite(logsumexp(log_p + log_lik, axis=1)).all()
    if reachable:
        return log_p
    rows = []
    current = log_start - logsumexp(log_start[None, :], axis=1)[0]
    for row in log_lik:
        rows.append(current)
        joint = current + row
        total = logsumexp(joint[None, :], axis=1)[0]
        if np.isfinite(total):
            current = joint - total
    return np.array(rows)
