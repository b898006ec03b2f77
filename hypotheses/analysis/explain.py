"""Why the leading hypothesis leads: sensitivity to each judgment (tornado), leave-one-out,
and what would flip the conclusion. Plain data for the renderers, like the Scorecard."""

from __future__ import annotations

import math
from collections.abc import Iterator

import numpy as np

from hypotheses.analysis.scorecard import (
    Estimate,
    EventScore,
    Explanation,
    FlipThreshold,
    LeaveOneOut,
    Question,
    Scorecard,
    Swing,
)
from hypotheses.analysis.weights import group_weights
from hypotheses.case import Case, EvidenceItem
from hypotheses.model.factors import MODEL_ERROR, Factor, compile_case, item_rates, link_place
from hypotheses.model.likelihood import event_log_likelihood, origin_log_likelihood, rated_likelihood
from hypotheses.model.logspace import log, softmax
from hypotheses.model.places import (
    MODEL_ERROR_PLACE,
    credibility_place,
    likelihood_place,
    prior_place,
    reliability_place,
    reporting_places,
    shared_place,
)
from hypotheses.settings import UsageError
from hypotheses.text import decibans, percent
from priors import Beta, Judgment, LogNormal
from priors.betafit import prime_quantiles
from priors.scales import Scale, Term
from priors.suggest import did_you_mean

# Posteriors this close are equal: arithmetic exact on paper (1/3 + 1/3 + 1/3) rounds apart.
TIE_TOLERANCE = 1e-9

# Kass & Raftery (1995), "Bayes factors", on the likelihood ratio.
EVIDENCE_STRENGTH = (
    (1.0, "none"),
    (3.2, "barely worth mentioning"),
    (10.0, "substantial"),
    (100.0, "strong"),
    (float("inf"), "decisive"),
)


def _strength(ratio: float) -> str:
    if not np.isfinite(ratio):
        return "impossible (the runner-up is ruled out)"
    return next(words for bound, words in EVIDENCE_STRENGTH if ratio < bound)


class _PlugIn:
    """The model with every judgment at its mean; one judgment at a time can be moved, and
    the posterior follows by recomputing only the factors that judgment enters. A factor is a
    standalone item, an event with all its reports or a possible common origin with all its items
    (docs/model.md section 2)."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.compiled = compile_case(case)
        # Standalone items, then events and origins: the order the tornado lists tied judgments in.
        factors = self.compiled.factors
        self.factors = tuple(f for f in factors if not f.grouped) + tuple(f for f in factors if f.grouped)
        self.log_w = np.array([sum(log(j.mean) for _, j in h.prior) for h in case.hypotheses], dtype=float)
        self._means_cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._places_cache: dict[int, dict[str, list[int]]] = {}
        n_hyp = len(case.hypotheses)
        self.log_f = np.array([self._log_factor(k, {}) for k in range(len(self.factors))]).reshape(-1, n_hyp)
        self.total = self.log_w + self.log_f.sum(axis=0)
        # Sums of log factors before and after each one: moving one never subtracts -inf.
        zero = np.zeros((1, n_hyp))
        self.before = np.cumsum(np.vstack([zero, self.log_f]), axis=0)
        self.after = np.cumsum(np.vstack([zero, self.log_f[::-1]]), axis=0)[::-1]

    def _rates(self, item: EvidenceItem, b: float, moved: dict[str, float]) -> tuple[float, float]:
        """The item's (H, F) with the judgments at their means but those `moved` (by place)."""
        links = {s: _link_value(s, moved[link_place(s)]) for s in item.chain if link_place(s) in moved}
        rho = self.compiled.chain_reliability(item, links)
        own = {place: moved.get(place, judgment.mean) for place, judgment in reporting_places(item)}
        if item.rated:
            hit, false_alarm = own.values()
            return item_rates(item, rho, b, rates=(hit, false_alarm))
        return item_rates(item, rho, b, kappa=own[credibility_place(item.id)])

    def _theta(self, owner: str, judged: tuple[Judgment, ...], moved: dict[str, float]) -> np.ndarray:
        return np.array(
            [
                moved.get(likelihood_place(owner, h), j.mean)
                for h, j in zip(self.case.hypothesis_ids, judged, strict=True)
            ]
        )

    def _log_factor(self, k: int, moved: dict[str, float]) -> np.ndarray:
        """log of factor k with the judgments at their means, except those named in `moved`."""
        factor = self.factors[k]
        theta = self._theta(factor.owner, factor.judged, moved)
        b = float(theta.mean())
        if not factor.grouped:
            hit, false_alarm = self._rates(factor.items[0], b, moved)
            return log(rated_likelihood(theta, hit, false_alarm))
        if moved and not any(likelihood_place(factor.owner, h) in moved for h in self.case.hypothesis_ids):
            # One judgment moved, not the group's likelihoods (so not b): only the items it
            # enters are recomputed, the rest read from the means' (n reports of one event
            # moved one source at a time were n^2 items' rates).
            hit, false_alarm, own = (x.copy() for x in self._at_means(k))
            for i in {i for place in moved for i in self._entered(k).get(place, ())}:
                hit[i], false_alarm[i], own[i] = self._item_terms(factor, factor.items[i], b, moved)
        else:
            terms = [self._item_terms(factor, it, b, moved) for it in factor.items]
            hit, false_alarm = (np.array([t[0] for t in terms]), np.array([t[1] for t in terms]))
            own = np.array([t[2] for t in terms])
        with np.errstate(divide="ignore"):
            log_hit, log_false = np.log(hit).sum(), np.log(false_alarm).sum()
            shared = event_log_likelihood(np.log(theta), np.log1p(-theta), log_hit, log_false, np.logaddexp)
            if factor.origin is None:
                return shared
            s = moved.get(shared_place(factor.owner), factor.origin.shared.mean)
            return origin_log_likelihood(np.log(s), np.log1p(-s), shared, own.sum(axis=0), np.logaddexp)

    def _item_terms(
        self, factor: Factor, item: EvidenceItem, b: float, moved: dict[str, float]
    ) -> tuple[float, float, np.ndarray]:
        """An item's (H, F) in its group, and for an origin its log likelihood alone (its own
        likelihoods and base rate; zeros for an event's report)."""
        hit, false_alarm = self._rates(item, b, moved)
        own = np.zeros(len(self.case.hypothesis_ids))
        if factor.origin is not None:
            own_theta = self._theta(item.id, item.likelihoods, moved)
            own_hit, own_false = self._rates(item, float(own_theta.mean()), moved)
            own = np.log(rated_likelihood(own_theta, own_hit, own_false))
        return hit, false_alarm, own

    def _at_means(self, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Group k's items' terms with every judgment at its mean, computed once."""
        if k not in self._means_cache:
            factor = self.factors[k]
            b = float(self._theta(factor.owner, factor.judged, {}).mean())
            terms = [self._item_terms(factor, it, b, {}) for it in factor.items]
            self._means_cache[k] = (
                np.array([t[0] for t in terms]),
                np.array([t[1] for t in terms]),
                np.array([t[2] for t in terms]),
            )
        return self._means_cache[k]

    def _entered(self, k: int) -> dict[str, list[int]]:
        """For group k, each place to the indexes of the items it enters (their chains' links,
        their own reporting judgments and, in an origin, their own likelihoods)."""
        if k not in self._places_cache:
            factor, entered = self.factors[k], {}
            for i, item in enumerate(factor.items):
                places = {link_place(s) for s in item.chain} | {p for p, _ in reporting_places(item)}
                places |= {likelihood_place(item.id, h) for h in self.case.hypothesis_ids}
                for place in places:
                    entered.setdefault(place, []).append(i)
            self._places_cache[k] = entered
        return self._places_cache[k]

    def _moved(self, place: str, affected: list[int]):
        """value -> posterior with the judgment at `place` set to value."""

        def posterior(v: float) -> np.ndarray:
            if len(affected) == 1:
                k = affected[0]
                rest = self.log_w + self.before[k] + self.after[k + 1]
            else:
                keep = np.ones(len(self.factors), dtype=bool)
                keep[affected] = False
                rest = self.log_w + self.log_f[keep].sum(axis=0)
            new = sum((self._log_factor(k, {place: v}) for k in affected), np.zeros_like(self.log_w))
            return self.posterior(rest + new)

        return posterior

    def posterior(self, total: np.ndarray) -> np.ndarray:
        return softmax(total)

    def judgments(self):
        """(name, judgment, function value -> posterior) for every judgment."""
        case = self.case
        for k, h in enumerate(case.hypotheses):
            for factor, judgment in h.prior:
                name = prior_place(h.id, factor)

                def moved(v: float, k: int = k, judgment: Judgment = judgment) -> np.ndarray:
                    total = self.total.copy()
                    with np.errstate(divide="ignore"):
                        total[k] += np.log(v) - np.log(judgment.mean)
                    return self.posterior(total)

                yield name, judgment, moved
        users: dict[str, list[int]] = {}
        for k, factor in enumerate(self.factors):
            for h, judgment in zip(case.hypothesis_ids, factor.judged, strict=True):
                place = likelihood_place(factor.owner, h)
                yield place, judgment, self._moved(place, [k])
            if factor.origin is not None:
                place = shared_place(factor.owner)
                yield place, factor.origin.shared, self._moved(place, [k])
            for member in factor.items:
                if factor.origin is not None:  # its own likelihoods, in the independent branch
                    for h, judgment in zip(case.hypothesis_ids, member.likelihoods, strict=True):
                        place = likelihood_place(member.id, h)
                        yield place, judgment, self._moved(place, [k])
                for place, judgment in reporting_places(member):
                    yield place, judgment, self._moved(place, [k])
                for s in member.chain:
                    users.setdefault(s, [])
                    if k not in users[s]:
                        users[s].append(k)
        for source in case.sources:
            if source.id in users:
                place = reliability_place(source.id)
                yield place, source.reliability, self._moved(place, users[source.id])
        if MODEL_ERROR in users:
            yield MODEL_ERROR_PLACE, case.model_error, self._moved(MODEL_ERROR_PLACE, users[MODEL_ERROR])


def _moved_to_ends(plug: _PlugIn) -> Iterator[tuple[str, Judgment, float, float, np.ndarray, np.ndarray]]:
    """Each uncertain judgment (name, judgment, its 5% and 95% quantiles) and the posterior with
    it moved to each, the rest at their means: what the tornado of `explain` and of `--for` reads."""
    judged = list(plug.judgments())
    # Every Beta's 5% and 95% quantiles at once (a fitted range already knows its own).
    prime_quantiles([(j.a, j.b) for _, j, _ in judged if isinstance(j, Beta) and j.fitted_range is None])
    for name, judgment, moved in judged:
        if not judgment.is_point:
            low, high = judgment.quantiles()
            yield name, judgment, low, high, moved(low), moved(high)


def _link_value(link: str, value: float) -> float:
    """A moved judgment's value as its link's reliability: model_error m is the link 1 - m."""
    return 1.0 - value if link == MODEL_ERROR else value


def explain(
    case: Case,
    card: Scorecard,
    without: np.ndarray,
    exact: np.ndarray,
    without_event: np.ndarray | None = None,
) -> Explanation:
    """The explanation of `card`, the Scorecard of `case`, given the numpy engine's
    leave-one-out posteriors `without` (J, H), `without_event` (G + O, H) for each whole event
    then each whole origin, and the posterior `exact` (H,) they are measured against: all from
    the model's factorisation, whichever engine drew the intervals."""
    ids = case.hypothesis_ids
    posterior = np.array([h.posterior.mean for h in card.hypotheses])
    order = np.argsort(-posterior, kind="stable")
    lead, rival = int(order[0]), int(order[1])

    plug = _PlugIn(case)
    baseline = float(plug.posterior(plug.total)[lead])
    swings = []
    for name, judgment, low, high, at_low, at_high in _moved_to_ends(plug):
        margins = []
        for p in (at_low, at_high):
            others = np.delete(p, lead)
            best = int(np.argmax(others))
            margins.append((p[lead] - others[best], ids[best + (best >= lead)]))
        margin, best_rival = min(margins)
        swings.append(
            Swing(
                name,
                judgment.text,
                low,
                high,
                float(at_low[lead]),
                float(at_high[lead]),
                float(abs(at_high[lead] - at_low[lead])),
                float(margin),
                best_rival,
                isinstance(judgment, LogNormal),
            )
        )
    swings.sort(key=lambda s: -s.swing)
    closest = min(swings, key=lambda s: s.margin) if swings else None

    loo = tuple(
        LeaveOneOut(item.id, dict(zip(ids, map(float, row), strict=True)), float(exact[lead] - row[lead]))
        for item, row in zip(case.evidence, without, strict=True)
    )
    if without_event is not None:
        loo += tuple(
            LeaveOneOut(
                event.id, dict(zip(ids, map(float, row), strict=True)), float(exact[lead] - row[lead]), True
            )
            for event, row in zip((*case.events, *case.origins), without_event, strict=True)
        )
    lines = tuple(_event_line(event, ids[lead]) for event in (*card.events, *card.origins))

    # What a new independent item must carry for the runner-up to draw level.
    flip = _flip(case, float(posterior[lead]), float(posterior[rival]), ids[rival], ids[lead])
    tied = tuple(
        ids[k]
        for k in order
        if math.isclose(posterior[k], posterior[lead], rel_tol=TIE_TOLERANCE, abs_tol=1e-12)
    )
    return Explanation(
        ids[lead],
        ids[rival],
        baseline,
        tuple(swings),
        loo,
        flip,
        closest,
        tied,
        lines,
        _conflict_lines(card),
        capped_by_words(case, card, ids[lead]) if len(tied) == 1 else None,
    )


def question_members(case: Case, target: str) -> tuple[str, tuple[str, ...]]:
    """("hypothesis" or "group", its member ids) for `explain --for` / `next --for`; UsageError
    naming what the case offers when `target` is neither (before any scoring)."""
    if target in case.hypothesis_ids:
        return "hypothesis", (target,)
    for group in case.groups:
        if group.id == target:
            return "group", group.members
    groups = ", ".join(g.id for g in case.groups) or "none"
    hint = did_you_mean(target, [*case.hypothesis_ids, *(g.id for g in case.groups)])
    raise UsageError(
        f"--for {target}: no hypothesis or group has that id in {case.path}{hint}; "
        f"hypotheses: {', '.join(case.hypothesis_ids)}; groups: {groups}"
    )


def explain_for(
    case: Case,
    card: Scorecard,
    target: str,
    without: np.ndarray,
    exact: np.ndarray,
    without_event: np.ndarray | None = None,
) -> Explanation:
    """`explain` about a chosen hypothesis or group T (`question_members`) against its rival
    instead of the leader against the runner-up (docs/model.md section 5): the same plug-in
    model, leave-one-out posteriors and tie tolerance, with P(T) the sum of its members'."""
    ids = case.hypothesis_ids
    kind, members = question_members(case, target)
    mask = np.array([h in members for h in ids], dtype=bool)
    group = kind == "group"
    posterior = np.array([h.posterior.mean for h in card.hypotheses])

    def rival_of(p: np.ndarray) -> tuple[float, str]:
        """The rival's probability and name under the posterior p."""
        if group:
            return float(p[~mask].sum()), f"not {target}"
        others = np.where(mask, -np.inf, p)
        best = int(np.argmax(others))  # the first of tied others, as the leader everywhere
        return float(p[best]), ids[best]

    p_for = float(posterior[mask].sum())
    p_rival, rival = rival_of(posterior)
    tied = math.isclose(p_for, p_rival, rel_tol=TIE_TOLERANCE, abs_tol=1e-12)
    # Ahead (or tied): the answer about T changes when its margin falls below 0; behind: above 0.
    ahead = p_for >= p_rival or tied
    pick = min if ahead else max

    plug = _PlugIn(case)
    baseline = float(plug.posterior(plug.total)[mask].sum())
    swings = []
    # How near each judgment brings the answer to changing: the log of P(T) / P(rival) at its
    # nearer end (the flip's measure, a ratio), not the points margin P(T) - P(rival). The two
    # share their sign, so the verdict is the same; but behind a near-certain rival, points move
    # most with a judgment that shifts the rival's share to a third hypothesis and leaves P(T)
    # where it is, which is no nearer to T leading (docs/model.md section 5, A chosen question).
    nearness: dict[str, float] = {}
    for name, judgment, low, high, at_low, at_high in _moved_to_ends(plug):
        p_low, p_high = float(at_low[mask].sum()), float(at_high[mask].sum())
        ends = [
            (_log_ratio(p, r), p - r, who)
            for p, (r, who) in ((p_low, rival_of(at_low)), (p_high, rival_of(at_high)))
        ]
        near, margin, best_rival = pick(ends)
        nearness[name] = near
        swings.append(
            Swing(
                name,
                judgment.text,
                low,
                high,
                p_low,
                p_high,
                abs(p_high - p_low),
                float(margin),
                best_rival,
                isinstance(judgment, LogNormal),
            )
        )
    swings.sort(key=lambda s: -s.swing)
    closest = pick(swings, key=lambda s: nearness[s.name]) if swings else None

    exact_for = float(np.asarray(exact)[mask].sum())
    left_out = [(item.id, row, False) for item, row in zip(case.evidence, without, strict=True)]
    if without_event is not None:
        left_out += [
            (g.id, row, True) for g, row in zip((*case.events, *case.origins), without_event, strict=True)
        ]
    loo = tuple(
        LeaveOneOut(
            i, dict(zip(ids, map(float, row), strict=True)), exact_for - float(row[mask].sum()), event
        )
        for i, row, event in left_out
    )

    weight, rival_weight = _question_weights(case, card, mask, target if not group else None, rival)
    favoured, against = (rival, target) if ahead else (target, rival)
    flip = _flip(case, max(p_for, p_rival), min(p_for, p_rival), favoured, against)
    blocks = (*card.events, *card.origins)
    if group:
        lines = tuple(_group_event_line(event, target, weight[event.id]) for event in blocks)
    else:
        lines = tuple(_event_line(event, target) for event in blocks)
    question = Question(
        target,
        kind,
        tuple(members),
        rival,
        tuple(h for h in ids if h not in members) if group else (rival,),
        _probability(card, target, kind),
        p_rival,
        ids[int(np.argmax(posterior))],
        weight,
        rival_weight,
        {i: float(row[mask].sum()) for i, row, _ in left_out},
    )
    return Explanation(
        target,
        rival,
        baseline,
        tuple(swings),
        loo,
        flip,
        closest,
        (target, rival) if tied else (target,),
        lines,
        _conflict_lines(card),
        capped_by_words(case, card, target) if not group and not tied else None,
        question,
    )


def _log_ratio(p: float, rival: float) -> float:
    """log(p / rival), with 0 against 0 level (0.0) and a side at 0 at -inf or +inf."""
    if p == rival:
        return 0.0
    with np.errstate(divide="ignore"):
        return float(np.log(p) - np.log(rival))


def _probability(card: Scorecard, target: str, kind: str) -> Estimate:
    """The question's posterior mean and 90% interval as the card reports it."""
    rows = card.groups if kind == "group" else card.hypotheses
    return next(row.posterior for row in rows if row.id == target)


def _question_weights(
    case: Case, card: Scorecard, mask: np.ndarray, hypothesis: str | None, rival: str
) -> tuple[dict[str, float | None], dict[str, float | None]]:
    """Per item, event and origin: the question's weight and its rival's. A hypothesis's are the
    card's (against every other hypothesis); a group's come from `group_weights`, its
    complement's are their negatives, and an event's (origin's) is the sum of its items' (the
    chain rule makes the group's weights add up as a hypothesis's do)."""
    rows = (*card.evidence, *card.events, *card.origins)
    if hypothesis is not None:
        return {r.id: r.weight_db[hypothesis] for r in rows}, {r.id: r.weight_db[rival] for r in rows}
    prior = np.array([h.prior.mean for h in card.hypotheses])
    values = group_weights(case, prior, mask)
    by_item = {item.id: float(w) for item, w in zip(case.evidence, values, strict=True)}
    for block in (*card.events, *card.origins):
        by_item[block.id] = float(sum(by_item[i] for i in block.reports))
    weight = {i: None if math.isnan(w) else w for i, w in by_item.items()}
    return weight, {i: None if w is None else 0.0 - w for i, w in weight.items()}  # 0.0, never -0.0


def item_cap(case: Case) -> float:
    """The largest likelihood ratio between two hypotheses that one new item can carry under the
    case's `model_error:` m (DESIGN.md, "Out-of-model error"; docs/model.md section 5, Flip):
    every item's credibility is at most c = 1 - m, so with the item certain under the favoured
    hypothesis and impossible under the n - 1 others (the base rate b = 1/n, its least),
    lambda_f / lambda_a = (c + (1 - c) b) / ((1 - c) b) = 1 + n (1 - m) / m: 'about 1/m', times n.
    inf without model error (m = 0: no such cap)."""
    m = float(case.model_error.mean)
    if m <= 0.0:
        return float("inf")
    return 1.0 + len(case.hypotheses) * (1.0 - m) / m


def _one_in(p: float) -> str:
    """A small probability a reader can picture: '2.5%', or '1 in 11,700' below 0.1% (where a
    percentage would print '<0.1%', a bound that says nothing of how small)."""
    if p >= 0.001:
        return percent(p)
    n = float(f"{1.0 / p:.3g}")
    return f"1 in {n:,.0f}" if n < 1e9 else f"1 in {n:.2g}"


def _flip(case: Case, high: float, low: float, favoured: str, against: str) -> FlipThreshold:
    """The ratio an independent new item needs, favouring `favoured` (now at `low`) over
    `against` (at `high`), to bring them level; as `explain`'s flip, with the scale's example.
    When that ratio is more than one item can carry under the case's own model error
    (`item_cap`), a single report would be an impossible example: the example says so and how
    many items at the cap it would take instead."""
    with np.errstate(divide="ignore"):
        log_ratio = float(np.log(high) - np.log(low))
    ratio = float(np.exp(log_ratio)) if log_ratio < 700 else float("inf")
    scale = case.scale
    cap = item_cap(case)
    items_needed = None
    if np.isfinite(ratio) and ratio > cap:
        items_needed = max(2, math.ceil(log_ratio / math.log(cap)))
        example = (
            f"but under the case's model_error ({case.model_error.text}) one item can carry at most "
            f"{cap:,.0f}:1 ({decibans(10 * math.log10(cap), signed=False)}: certain under {favoured}, "
            f"impossible under every other hypothesis), so no single report can; it would take at "
            f"least {items_needed} such items, each independent of the others and of the evidence so far"
        )
    elif np.isfinite(ratio):
        top = scale.terms[-1]
        top_word = top.term if top.lo != top.hi else scale.terms[-2].term
        at_most = float(np.exp(np.log(scale.lookup(top_word).judgment.mean) - log_ratio))
        # Below the scale's bottom word, that word's own range (ICD 203: 1-5%) would contradict
        # the number: name the end it passes instead (docs/model.md, How extremes are shown).
        words = scale.beyond(at_most) or f"'{scale.term_for(at_most)}'"  # at_most <= the top word's mean
        example = (
            f"e.g. a report '{top_word}' if {favoured} but no more likely than {_one_in(at_most)} "
            f"({words}) if {against}"
        )
    else:
        example = f"no evidence can: {favoured} has posterior probability 0"
    db = 10 * log_ratio / np.log(10) if np.isfinite(log_ratio) else float("inf")
    return FlipThreshold(
        favoured,
        ratio,
        db,
        _strength(ratio),
        example,
        cap if math.isfinite(cap) else None,
        items_needed,
    )


def _group_event_line(event: EventScore, target: str, weight: float | None) -> str:
    """'3 reports of 'intercepted call': +6.1 dB together for g (against not g)'."""
    n = len(event.reports)
    said = "undefined" if weight is None else decibans(weight)
    what = (
        f"{n} items that may repeat one origin, '{event.label}'"
        if event.shared is not None
        else (f"{n} {'report' if n == 1 else 'reports'} of '{event.label}'")
    )
    return f"{what}: {said} together for {target} (against not {target})"


def extreme_words(scale: Scale) -> tuple[Term, Term]:
    """The scale's most extreme words that are ranges (a word for exactly 0 or 1, as Kent's
    'impossible' and 'certain', is a certainty, not a judgment that carries a ratio)."""
    ranged = [t for t in scale.terms if t.lo != t.hi]
    return ranged[0], ranged[-1]


def word_cap(scale: Scale) -> float:
    """The most an item judged only in words can carry (docs/model.md, How extremes are shown):
    the ratio of the scale's top word's mean to its bottom word's (icd203: about 36:1)."""
    bottom, top = extreme_words(scale)
    return top.judgment.mean / bottom.judgment.mean


def capped_by_words(case: Case, card: Scorecard, lead: str) -> str | None:
    """A sentence when the leader's strongest item (by its weight for the leader) is judged only
    in the scale's words and uses both its top and its bottom word: its ratio is then the most
    any words can say, so the item may be held back by the scale rather than by the evidence;
    the reader learns which forms can say more. None otherwise (an item whose words stop short of
    the extremes says what the analyst chose, not what the scale allows)."""
    scale = case.scale
    weights = {
        e.id: w
        for e in card.evidence
        if (w := e.weight_db.get(lead)) is not None and math.isfinite(w) and w > 0
    }
    if not weights:
        return None
    strongest = max(weights, key=lambda i: weights[i])
    item = next(e for e in case.evidence if e.id == strongest)
    events = {ev.id: ev for ev in case.events}
    judged = events[item.reports].likelihoods if item.reports in events else item.likelihoods
    if item.ratios or not judged:
        return None
    terms = [scale.lookup(j.text.removeprefix("1 - ")) for j in judged]
    if any(t is None for t in terms):
        return None
    bottom, top = extreme_words(scale)
    if not (top in terms and bottom in terms):
        return None
    cap = word_cap(scale)
    if not math.isfinite(cap):
        return None
    return (
        f"{item.id} ('{item.label}'), the strongest item for {lead} ({decibans(weights[strongest])}), "
        f"is judged only in words and uses the scale's extreme words '{top.term}' and '{bottom.term}': "
        f"words can carry at most about {cap:.0f}:1 on {scale.name} ('{top.term}' against "
        f"'{bottom.term}', {10 * math.log10(cap):.1f} dB). If the evidence says more, write it as a number "
        "(0.999), a percentage (99.9%), odds (999:1) or a range ([0.99, 0.999])."
    )


def _conflict_lines(card: Scorecard) -> tuple[str, ...]:
    """A sentence per item whose conflict reaches the threshold (decision.py says why 3 bits),
    worst first."""
    from hypotheses.analysis.decision import CONFLICT_THRESHOLD_BITS, conflict_sentence

    flagged = [
        e for e in card.evidence if e.conflict_bits is not None and e.conflict_bits >= CONFLICT_THRESHOLD_BITS
    ]
    flagged.sort(key=lambda e: -(e.conflict_bits or 0.0))
    return tuple(conflict_sentence(e.id, e.label, e.conflict_bits or 0.0) for e in flagged)


def _event_line(event: EventScore, lead: str) -> str:
    """'3 reports of 'intercepted call': +6.1 dB together for h; counted as independent they
    would give +14.2 dB'."""

    def db(value: float | None) -> str:
        if value is None:
            return "undefined"
        return (
            "rules it out"
            if value == -np.inf
            else ("makes it certain" if value == np.inf else decibans(value))
        )

    n = len(event.reports)
    if event.shared is not None:
        return (
            f"{n} items that may repeat one origin, '{event.label}' (shared {event.shared}): "
            f"{db(event.weight_db[lead])} together for {lead}; if independent they would give "
            f"{db(event.independent_db[lead])}"
        )
    noun = "report" if n == 1 else "reports"
    return (
        f"{n} {noun} of '{event.label}': {db(event.weight_db[lead])} together for {lead}; counted as "
        f"independent they would give {db(event.independent_db[lead])}"
    )
