"""Edits of a validated case by place (docs/model.md section 4): what `pool`'s cruxes and
`diff`'s "alone" effects score. Each returns a new Case, as if the file had been written so.

Judgments are exchanged *as judged*: P(E | h) for an item looked for and not found, although the
case holds 1 - P(E | h) there (the engine's view), so that two analysts who both wrote `likely`
for an absent item state the same judgment.
"""

from __future__ import annotations

from dataclasses import replace

from hypotheses.case import Case, EvidenceItem
from hypotheses.case.types import SINGLE_PRIOR, Event, Hypothesis, Origin, judged_complement
from hypotheses.model.places import (
    MODEL_ERROR_PLACE,
    likelihood_place,
    prior_place,
    reliability_place,
    reporting_places,
    shared_place,
)
from priors import Judgment, Point, complement

# A prior factor a case does not state counts as 1 (docs/case-format.md): how it is compared.
NOT_STATED = Point(1.0, "not stated")


class EditError(ValueError):
    """An edit that the case cannot take (a place it does not have)."""


def as_judged(item: EvidenceItem, judgment: Judgment) -> Judgment:
    """P(E | h) as the analyst judged it: an absent item's stored 1 - P(E | h) turned back."""
    if item.observed is not False:
        return judgment
    return judged_complement(judgment)


def judged_places(case: Case) -> dict[str, Judgment]:
    """Every judgment of the case by place, as judged (see the module docstring)."""
    out: dict[str, Judgment] = {}
    for h in case.hypotheses:
        out |= {prior_place(h.id, factor): j for factor, j in h.prior}
    out |= {reliability_place(s.id): s.reliability for s in case.sources}
    for event in case.events:
        out |= {
            likelihood_place(event.id, h): j
            for h, j in zip(case.hypothesis_ids, event.likelihoods, strict=True)
        }
    for origin in case.origins:
        out |= {
            likelihood_place(origin.id, h): j
            for h, j in zip(case.hypothesis_ids, origin.likelihoods, strict=True)
        }
        out[shared_place(origin.id)] = origin.shared
    for item in case.evidence:
        if item.reports is None:
            out |= {
                likelihood_place(item.id, h): as_judged(item, j)
                for h, j in zip(case.hypothesis_ids, item.likelihoods, strict=True)
            }
        out |= dict(reporting_places(item, judged=True))
    if not (case.model_error.is_point and case.model_error.mean == 0.0):
        out[MODEL_ERROR_PLACE] = case.model_error
    return out


def with_judgment(case: Case, place: str, judgment: Judgment | None) -> Case:
    """`case` with the judgment at `place` replaced (as judged); None removes a prior factor
    (it then counts as 1) and, at a prior place the case does not state, a judgment adds it."""
    kind, _, rest = place.partition("/")
    if kind == "prior":
        h_id, _, factor = rest.partition("/")
        factor = factor or SINGLE_PRIOR
        hypotheses = []
        for h in case.hypotheses:
            if h.id == h_id:
                kept = tuple((f, j) for f, j in h.prior if f != factor)
                h = replace(h, prior=kept if judgment is None else (*kept, (factor, judgment)))
            hypotheses.append(h)
        if h_id not in case.hypothesis_ids:
            raise EditError(f"no hypothesis '{h_id}' for {place}")
        return replace(case, hypotheses=tuple(hypotheses))
    if judgment is None:
        raise EditError(f"only a prior factor can be removed, not {place}")
    if kind == "reliability":
        if case.source(rest) is None:
            raise EditError(f"no source '{rest}' for {place}")
        return replace(
            case, sources=tuple(replace(s, reliability=judgment) if s.id == rest else s for s in case.sources)
        )
    if kind == "credibility":
        return _with_item(case, rest, place, lambda item: replace(item, credibility=judgment))
    if place == MODEL_ERROR_PLACE:
        return replace(case, model_error=judgment)
    if kind == "shared":
        if not any(o.id == rest for o in case.origins):
            raise EditError(f"no origin '{rest}' for {place}")
        return replace(
            case, origins=tuple(replace(o, shared=judgment) if o.id == rest else o for o in case.origins)
        )
    if kind in ("hit", "false_alarm"):

        def rate(item: EvidenceItem) -> EvidenceItem:
            if item.hit is None:
                raise EditError(f"evidence '{item.id}' gives no rates for {place}")
            if item.observed is False:  # stored as 1 - the other rate (see judged_places)
                other = "false_alarm" if kind == "hit" else "hit"
                return replace(item, **{other: complement(judgment)})
            return replace(item, **{kind: judgment})

        return _with_item(case, rest, place, rate)
    if kind == "lik":
        owner, _, h_id = rest.rpartition("/")
        if h_id not in case.hypothesis_ids:
            raise EditError(f"no hypothesis '{h_id}' for {place}")
        column = case.hypothesis_ids.index(h_id)
        event = case.event(owner)
        if event is not None:
            likelihoods = list(event.likelihoods)
            likelihoods[column] = judgment
            events = tuple(
                replace(e, likelihoods=tuple(likelihoods)) if e.id == owner else e for e in case.events
            )
            return replace(case, events=events)
        if any(o.id == owner for o in case.origins):
            return replace(
                case,
                origins=tuple(
                    replace(o, likelihoods=_replaced(o.likelihoods, column, judgment)) if o.id == owner else o
                    for o in case.origins
                ),
            )

        def edit(item: EvidenceItem) -> EvidenceItem:
            likelihoods = list(item.likelihoods)
            likelihoods[column] = judgment if item.observed is not False else complement(judgment)
            return replace(item, likelihoods=tuple(likelihoods))

        return _with_item(case, owner, place, edit)
    raise EditError(f"unknown place {place}")


def _replaced(judgments: tuple[Judgment, ...], column: int, judgment: Judgment) -> tuple[Judgment, ...]:
    return tuple(judgment if k == column else j for k, j in enumerate(judgments))


def _with_item(case: Case, item_id: str, place: str, edit) -> Case:
    if not any(item.id == item_id for item in case.evidence):
        raise EditError(f"no observed item '{item_id}' for {place}")
    return replace(case, evidence=tuple(edit(item) if item.id == item_id else item for item in case.evidence))


def find_item(case: Case, item_id: str) -> EvidenceItem | None:
    """An item by id, observed or pending."""
    return next((it for it in (*case.evidence, *case.pending) if it.id == item_id), None)


def without_item(case: Case, item_id: str) -> Case:
    """`case` without the item (observed or pending); an event it alone reported goes with it,
    and it leaves its origin (which keeps the rest: the mixture's marginal over them)."""
    evidence = tuple(it for it in case.evidence if it.id != item_id)
    reported = {it.reports for it in evidence}
    return replace(
        case,
        evidence=evidence,
        pending=tuple(it for it in case.pending if it.id != item_id),
        events=tuple(e for e in case.events if e.id in reported),
        origins=without_members(case.origins, {item_id}),
    )


def without_members(origins: tuple[Origin, ...], items: set[str]) -> tuple[Origin, ...]:
    """The origins less the given items (an item belongs to one origin at most); empty ones go."""
    kept = (replace(o, items=tuple(i for i in o.items if i not in items)) for o in origins)
    return tuple(o for o in kept if o.items)


def with_item_from(case: Case, donor: Case, item_id: str) -> Case:
    """`case` with the donor's version of an item in place of its own (or added at the end),
    bringing the donor's sources on its chain and its event where the case lacks them, its
    likelihoods taken by hypothesis id. Raises EditError when the donor's item does not state
    a likelihood for one of the case's hypotheses."""
    item = find_item(donor, item_id)
    if item is None:
        raise EditError(f"no item '{item_id}' in {donor.path}")
    if item.reports is None:
        item = replace(item, likelihoods=_by_id(item.likelihoods, donor, case, f"evidence/{item_id}"))
    sources = case.sources + tuple(
        s for s in donor.sources if s.id in item.chain and case.source(s.id) is None
    )
    events = case.events
    if item.reports is not None and case.event(item.reports) is None:
        event = donor.event(item.reports)
        assert event is not None
        events = (*events, _event_by_id(event, donor, case))
    edited = replace(without_item(case, item_id), sources=sources)
    if item.observed == "pending":
        return replace(edited, pending=(*edited.pending, item))
    reported = {it.reports for it in edited.evidence} | {item.reports}
    ids = [it.id for it in case.evidence]
    evidence = list(edited.evidence)
    evidence.insert(ids.index(item_id) if item_id in ids else len(evidence), item)
    return replace(edited, evidence=tuple(evidence), events=tuple(e for e in events if e.id in reported))


def _by_id(judgments: tuple[Judgment, ...], donor: Case, case: Case, place: str) -> tuple[Judgment, ...]:
    stated = dict(zip(donor.hypothesis_ids, judgments, strict=True))
    missing = [h for h in case.hypothesis_ids if h not in stated]
    if missing:
        raise EditError(f"{place} in {donor.path} states nothing for {', '.join(missing)}")
    return tuple(stated[h] for h in case.hypothesis_ids)


def _event_by_id(event: Event, donor: Case, case: Case) -> Event:
    return replace(event, likelihoods=_by_id(event.likelihoods, donor, case, f"event/{event.id}"))


def in_order(case: Case, ids: list[str]) -> Case:
    """The same case with its hypotheses in the order `ids` (the same set): every likelihood
    tuple follows. The posterior does not depend on the order; the outputs do."""
    if case.hypothesis_ids == ids:
        return case
    by_id = {h.id: h for h in case.hypotheses}
    hypotheses: tuple[Hypothesis, ...] = tuple(by_id[h] for h in ids)

    def item(it: EvidenceItem) -> EvidenceItem:
        return (
            it
            if it.reports is not None
            else replace(it, likelihoods=_by_id(it.likelihoods, case, target, ""))
        )

    target = replace(case, hypotheses=hypotheses)
    return replace(
        target,
        evidence=tuple(item(it) for it in case.evidence),
        pending=tuple(item(it) for it in case.pending),
        events=tuple(_event_by_id(e, case, target) for e in case.events),
        origins=tuple(
            replace(o, likelihoods=_by_id(o.likelihoods, case, target, f"origin/{o.id}"))
            for o in case.origins
        ),
    )


def _scale_groups(case: Case) -> dict[str, list[str]]:
    """Places whose judgments only matter relative to each other: a prior factor stated as a
    point for every hypothesis (200:40:3 is 0.8:0.16:0.012), and an item's `ratios:` (3:1 is
    6:2). Group name -> its places."""
    groups: dict[str, list[str]] = {}
    factors = {f for h in case.hypotheses for f, _ in h.prior}
    for factor in factors:
        judged = [dict(h.prior).get(factor) for h in case.hypotheses]
        if all(j is not None and j.is_point for j in judged):
            groups[f"prior:{factor}"] = [prior_place(h.id, factor) for h in case.hypotheses]
    for item in case.evidence:
        if item.ratios and all(j.is_point for j in item.likelihoods):
            groups[f"ratios:{item.id}"] = [likelihood_place(item.id, h) for h in case.hypothesis_ids]
    return groups


def relative_places(case: Case) -> tuple[dict[str, Judgment], dict[str, float]]:
    """`judged_places`, with every relative group (see `_scale_groups`) divided by its total so
    that analysts who state the same proportions state the same judgments; and each such place's
    total, to turn another analyst's proportion back into this case's units."""
    places = judged_places(case)
    totals: dict[str, float] = {}
    for members in _scale_groups(case).values():
        total = sum(places[p].mean for p in members)
        if not total > 0:
            continue
        for p in members:
            places[p] = Point(places[p].mean / total, places[p].text)
            totals[p] = total
    return places, totals


def in_units(judgment: Judgment, place: str, totals: dict[str, float]) -> Judgment:
    """A proportion from `relative_places` in the units of the case whose totals are given."""
    if place in totals and judgment.is_point:
        return Point(judgment.mean * totals[place], judgment.text)
    return judgment
