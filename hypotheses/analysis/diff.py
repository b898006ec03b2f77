"""What changed between two versions of a case (`hypscore diff`, docs/model.md section 9): every
changed, added or removed judgment, item, hypothesis, source, event and origin, a changed
information cut-off (`as_of`), and each change's effect alone. Computing only: nothing here
writes a file.

A change's effect is the numpy engine's posterior means, as for the cruxes of `team`, whose
ways of comparing two cases' judgments (places, proportions, items' standing) it shares: their
one home is team.py for now (its private helpers, imported here), until the pool code's own
renovation gives them a module of their own.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from hypotheses.analysis.alone import EVERYTHING, PRIOR, Alone, Touch
from hypotheses.analysis.edits import (
    NOT_STATED,
    EditError,
    _by_id,
    _event_by_id,
    _scale_groups,
    in_order,
    judged_places,
    with_item_from,
    with_judgment,
    without_item,
    without_members,
)
from hypotheses.analysis.team import (
    _adopted,
    _item_ids,
    _key,
    _loaded,
    _means,
    _places,
    _shown,
    _stated,
    _structure,
    describe_item,
    written,
)
from hypotheses.case import Case, EvidenceItem, Source
from hypotheses.case.types import Origin
from hypotheses.model.places import likelihoods_place, prior_place
from hypotheses.settings import DEFAULT_SEED


@dataclass(frozen=True)
class Change:
    place: str
    before: str | None  # as written in OLD; None: not there
    after: str | None
    alone: dict[str, float] | None  # change in P(h | E) with only this change applied to OLD
    text: bool = False  # text the model does not read (a label, a quote): it changes no number
    # The order of the items both cases observe (place ORDER_PLACE, with `text` set): no posterior
    # depends on it, but the per-item weights, diagnosticity and the timeline are measured in
    # file order (docs/model.md section 5), so they change.
    order: bool = False


# The place of a change of the items' order (no item id has a space, so it names no item).
ORDER_PLACE = "order of items"


@dataclass(frozen=True)
class DiffResult:
    old: str
    new: str
    before: dict[str, float]
    after: dict[str, float]
    changes: tuple[Change, ...]

    def to_dict(self) -> dict[str, object]:
        return {
            "old": self.old,
            "new": self.new,
            "before": self.before,
            "after": self.after,
            "changes": [
                {
                    "place": c.place,
                    "before": c.before,
                    "after": c.after,
                    "alone": c.alone,
                    "text": c.text,
                    **({"order": True} if c.order else {}),
                }
                for c in self.changes
            ],
        }


def diff(old: Case | str | Path, new: Case | str | Path, seed: int | None = DEFAULT_SEED) -> DiffResult:
    """Every changed, added or removed judgment, item, hypothesis, source, event and origin of
    `new` against `old`, and a changed `as_of`, each as a place (docs/model.md section 4's names;
    `hypothesis/ID`, `source/ID`, `event/ID`, `origin/ID` and `evidence/ID` for whole ones,
    `origin/ID/items` for an origin's items), with each change's effect alone:
    P(h | E) of OLD with only that change applied, minus P(h | E) of OLD (None where a change
    cannot stand alone, e.g. a new hypothesis, which every item must then judge). Text the model
    does not read (labels, the question, notes, quotes, sourcing, the resolution) is listed too,
    after the rest, as changes with `text` set and no effect."""
    a, b = _loaded(old), _loaded(new)
    if set(a.hypothesis_ids) == set(b.hypothesis_ids):
        b = in_order(b, a.hypothesis_ids)
    ids = a.hypothesis_ids
    # Every what-if below is OLD with one change, scored from OLD's parts and the sub-case of
    # the items the change touches (analysis/alone.py): rescoring the whole case per change was
    # changes x items.
    alone = Alone(a, seed)
    start = _means(a, seed, alone.cache)
    changes: list[Change] = []
    nothing = Touch()

    def effect(make: Callable[[Case], Case] | None, touch: Touch) -> dict[str, float] | None:
        if make is None:
            return None
        try:
            after = alone.posterior(touch, make)
        except EditError:
            return None
        if np.isnan(after).any():
            return None  # alone, the change rules every hypothesis out: no posterior to compare
        return {h: float(x) for h, x in zip(ids, after - start, strict=True)}

    def add(
        place: str,
        before: str | None,
        after: str | None,
        make: Callable[[Case], Case] | None,
        touch: Touch = nothing,
    ) -> None:
        changes.append(Change(place, before, after, effect(make, touch)))

    if a.scale_name != b.scale_name:
        add("scale", a.scale_name, b.scale_name, None)  # its words re-read show as their own changes
    if a.as_of != b.as_of:
        # The cut-off decides which items count: a change of the model, scored whole (it moves
        # items in or out, their events and origins with them). Each item it moves is also a row
        # of its own (below), marked as cut off rather than removed: it is still in the file.
        add("as_of", _as_text(a.as_of), _as_text(b.as_of), lambda c: _with_as_of(c, b), EVERYTHING)
    old_h = {h.id: h for h in a.hypotheses}
    new_h = {h.id: h for h in b.hypotheses}
    for h in a.hypotheses:
        if h.id not in new_h:
            add(f"hypothesis/{h.id}", h.label, None, None)
    for h in b.hypotheses:
        if h.id not in old_h:
            add(f"hypothesis/{h.id}", None, h.label, None)
    old_s = {s.id: s for s in a.sources}
    new_s = {s.id: s for s in b.sources}
    cited = {s for it in (*a.evidence, *a.pending) for s in it.chain}
    for s in a.sources:
        if s.id not in new_s:
            add(
                f"source/{s.id}",
                s.label,
                None,
                None if s.id in cited else (lambda c, s=s: _without_source(c, s.id)),
            )
    for s in b.sources:
        if s.id not in old_s:
            add(f"source/{s.id}", None, s.label, lambda c, s=s: _with_source(c, s))
    old_e = {e.id for e in a.events}
    new_e = {e.id for e in b.events}
    for e in a.events:
        if e.id not in new_e:
            add(f"event/{e.id}", e.label, None, None)  # its reports change with it (below)
    for e in b.events:
        if e.id not in old_e:
            add(f"event/{e.id}", None, e.label, lambda c: c)  # nothing in OLD reports it

    # Origins: added or removed whole, or their items changed (among the items both cases
    # observe: an item added or removed is a change of its own, and brings its origin along).
    # An origin's `shared` and likelihoods are judgments at shared/ID and lik/ID/h (below).
    old_o = {o.id: o for o in a.origins}
    new_o = {o.id: o for o in b.origins}
    seen_a, seen_b = {it.id for it in a.evidence}, {it.id for it in b.evidence}
    for o in a.origins:
        if o.id not in new_o and set(o.items) & seen_b:  # else it went with its items
            add(
                f"origin/{o.id}",
                describe_origin(o),
                None,
                lambda c, o=o: replace(c, origins=tuple(x for x in c.origins if x.id != o.id)),
                Touch(frozenset(o.items), origins=frozenset({o.id})),
            )
    for o in b.origins:
        if o.id not in old_o and set(o.items) & seen_a:  # else it comes with its items
            add(
                f"origin/{o.id}",
                None,
                describe_origin(o),
                lambda c, o=o: _with_origin(c, b, o),
                Touch(frozenset(set(o.items) & seen_a)),
            )
    both = seen_a & seen_b
    for o in a.origins:
        theirs = new_o.get(o.id)
        if theirs is None or set(o.items) & both == set(theirs.items) & both:
            continue
        wanted = (set(o.items) - both) | (set(theirs.items) & both)
        add(
            f"origin/{o.id}/items",
            ", ".join(o.items),
            ", ".join(theirs.items),
            lambda c, o=o, wanted=wanted: _with_origin_items(c, o.id, wanted),
            Touch(frozenset(set(o.items) | (set(theirs.items) & seen_a)), origins=frozenset({o.id})),
        )

    items_a, items_b = _items_by_id(a), _items_by_id(b)
    cut_a, cut_b = {it.id for it in a.after_as_of}, {it.id for it in b.after_as_of}
    origin_b = {i: o.id for o in b.origins for i in o.items}
    structures = {i: (_structure(items_a.get(i)), _structure(items_b.get(i))) for i in _item_ids([a, b])}
    places, (pa, pb), (ta, tb) = _places([a, b])
    ra, rb = judged_places(a), judged_places(b)
    # A group of relative judgments (point prior weights of one factor, an item's point ratios)
    # that both cases state as one: a change of one weight moves every share, so the group is
    # one change, as written ('3:1:1' -> '4:1:1'), not a row per hypothesis.
    groups_b = _scale_groups(b)
    grouped: set[str] = set()
    for name, members in _scale_groups(a).items():
        if groups_b.get(name) != members:
            continue  # stated as a group in one case only: compared place by place, below
        grouped |= set(members)
        kind, _, owner = name.partition(":")
        if kind == "ratios" and structures[owner][0] != structures[owner][1]:
            continue  # the item itself changed: below
        if all(_key(pa[p]) == _key(pb[p]) for p in members):
            continue
        adopted = [(p, _adopted(p, 1, 0, [pa[p], pb[p]], [ra, rb], [ta, tb])) for p in members]
        # every hypothesis's prior (factor) is prior/*(/factor)
        group_place = likelihoods_place(owner) if kind == "ratios" else prior_place("*", owner)
        add(
            group_place,
            ":".join(written(ra[p]) for p in members),
            ":".join(written(rb[p]) for p in members),
            lambda c, adopted=adopted: _with_judgments(c, adopted),
            PRIOR if kind == "prior" else alone.of_place(group_place),
        )
    for place in places:
        if place in grouped:
            continue
        kind, _, rest = place.partition("/")
        h_part = rest.rpartition("/")[2] if kind == "lik" else rest.partition("/")[0]
        if kind in ("lik", "prior") and (h_part not in old_h or h_part not in new_h):
            continue  # comes with its hypothesis
        owner = rest.rpartition("/")[0] if kind == "lik" else rest
        if (
            kind in ("lik", "credibility")
            and owner in structures
            and structures[owner][0] != structures[owner][1]
        ):
            continue  # the item itself changed: below
        if kind == "lik" and owner in old_e ^ new_e:
            continue  # comes with its event
        if kind == "reliability" and (owner not in old_s or owner not in new_s):
            continue  # comes with its source
        x, y = _stated(place, pa), _stated(place, pb)
        if x is None or y is None or _key(x) == _key(y):
            continue
        adopted = None if y is NOT_STATED else _adopted(place, 1, 0, [x, y], [ra, rb], [ta, tb])
        add(
            place,
            _shown(place, x, ra, ta),
            _shown(place, y, rb, tb),
            lambda c, place=place, adopted=adopted: with_judgment(c, place, adopted),
            alone.of_place(place),
        )
    for item_id, (before, after) in structures.items():
        x, y = items_a.get(item_id), items_b.get(item_id)
        same = before == after and (before is None or before[0] != "pending" or _pending_same(x, y, a, b))
        if same:
            continue
        if y is None:
            add(
                f"evidence/{item_id}",
                describe_item(x),
                _cut_off(b) if item_id in cut_b else None,  # still in the file: not removed
                lambda c, item_id=item_id: without_item(c, item_id),
                alone.of_item(item_id, None),
            )
        else:
            joins = origin_b.get(item_id) if origin_b.get(item_id) in old_o else None
            touch = alone.of_item(item_id, y)
            if joins is not None:  # it brings its origin along (one OLD has)
                touch = replace(
                    touch, items=touch.items | set(old_o[joins].items), origins=touch.origins | {joins}
                )
            add(
                f"evidence/{item_id}",
                describe_item(x) if x is not None else _cut_off(a) if item_id in cut_a else None,
                describe_item(y),
                lambda c, item_id=item_id, joins=joins: _joined(
                    with_item_from(c, b, item_id), item_id, joins
                ),
                touch,
            )
    changes += [Change(place, x, y, None, text=True) for place, x, y in text_changes(a, b)]
    moved = order_change(a, b)
    if moved is not None:
        changes.append(Change(ORDER_PLACE, *moved, None, text=True, order=True))
    return DiffResult(
        a.path,
        b.path,
        {h: float(p) for h, p in zip(ids, start, strict=True)},
        {h: float(p) for h, p in zip(b.hypothesis_ids, _means(b, seed), strict=True)},
        tuple(changes),
    )


def order_change(a: Case, b: Case) -> tuple[str, str] | None:
    """(before, after): the ids of the observed items both cases have, each in its file's order,
    when that order differs; else None. Items added or removed are changes of their own and do
    not count as a reordering."""
    both = {it.id for it in a.evidence} & {it.id for it in b.evidence}
    before = [it.id for it in a.evidence if it.id in both]
    after = [it.id for it in b.evidence if it.id in both]
    return None if before == after else (", ".join(before), ", ".join(after))


def _cut_off(case: Case) -> str:
    """An item the case's `as_of` leaves out, as a diff shows it: not removed from the file."""
    return f"cut off by as_of {_as_text(case.as_of)} (still in the file)"


def describe_origin(origin: Origin) -> str:
    """An origin as a diff shows it whole: its items and its `shared`."""
    return f"items {', '.join(origin.items)}; shared {written(origin.shared)}"


def _with_as_of(case: Case, donor: Case) -> Case:
    """`case` with the donor's information cut-off (case-format.md, `as_of`): every item of the
    case's file (observed, pending or after its own cut-off) dated after it is left out, the
    rest counts; an event or origin only items left out hold goes with them. An item moved in
    takes back its origin and event from the case, else from the donor (by id)."""
    cut = donor.as_of
    pool = (*case.evidence, *case.pending, *case.after_as_of)
    kept = [it for it in pool if cut is None or it.date is None or it.date <= cut]
    # the file's order: the donor's where it has the item (the case lost the order of the items
    # it had cut off), the case's otherwise
    rank = {it.id: k for k, it in enumerate((*donor.evidence, *donor.pending, *donor.after_as_of))}
    first = {it.id: k for k, it in enumerate(pool)}
    kept.sort(key=lambda it: (rank.get(it.id, len(rank)), first[it.id]))
    evidence = tuple(it for it in kept if it.observed != "pending")
    ids = {it.id for it in evidence}
    reported = {it.reports for it in evidence if it.reports is not None}
    events = [e for e in case.events if e.id in reported]
    for event_id in sorted(reported - {e.id for e in events}):
        event = donor.event(event_id)
        if event is None:
            raise EditError(f"no event '{event_id}' for as_of")
        events.append(_event_by_id(event, donor, case))
    was = {it.id for it in case.evidence}
    origins = {o.id: set(o.items) & ids for o in case.origins}
    theirs = {o.id: o for o in donor.origins}
    for o in donor.origins:  # the items moved in rejoin their origins
        for i in (set(o.items) & ids) - was:
            origins.setdefault(o.id, set()).add(i)
    order = {it.id: k for k, it in enumerate(evidence)}
    made: list[Origin] = []
    for origin_id, items in origins.items():
        if not items:
            continue
        mine = next((o for o in case.origins if o.id == origin_id), None)
        o = mine or replace(
            theirs[origin_id], likelihoods=_by_id(theirs[origin_id].likelihoods, donor, case, "as_of")
        )
        made.append(replace(o, items=tuple(sorted(items, key=order.__getitem__))))
    return replace(
        case,
        evidence=evidence,
        pending=tuple(it for it in kept if it.observed == "pending"),
        after_as_of=tuple(it for it in pool if it not in kept),
        events=tuple(events),
        origins=tuple(made),
        as_of=cut,
    )


def _with_origin(case: Case, donor: Case, origin: Origin) -> Case:
    """`case` with the donor's origin added, over the items of it the case observes (taken from
    any other origin: an item has one at most); its likelihoods by hypothesis id, or, where the
    donor's are one of its items' own (an origin without likelihoods of its own), the case's
    version of that item's."""
    order = {it.id: k for k, it in enumerate(case.evidence)}
    items = tuple(sorted((i for i in origin.items if i in order), key=order.__getitem__))
    if not items:
        raise EditError(f"the case observes none of origin '{origin.id}'s items")
    donors = {it.id: it for it in donor.evidence}
    same = next(
        (
            i
            for i in origin.items
            if i in donors
            and i in order
            and [_key(j) for j in donors[i].likelihoods] == [_key(j) for j in origin.likelihoods]
        ),
        None,
    )
    likelihoods = (
        case.evidence[order[same]].likelihoods
        if same is not None
        else _by_id(origin.likelihoods, donor, case, f"origin/{origin.id}")
    )
    others = without_members(case.origins, set(items))
    return replace(case, origins=(*others, replace(origin, items=items, likelihoods=likelihoods)))


def _with_origin_items(case: Case, origin_id: str, wanted: set[str]) -> Case:
    """`case` with the origin holding the wanted items the case observes (taken from any other
    origin); with none left, the origin goes."""
    order = {it.id: k for k, it in enumerate(case.evidence)}
    items = tuple(sorted((i for i in wanted if i in order), key=order.__getitem__))
    others = without_members(tuple(o for o in case.origins if o.id != origin_id), set(items))
    origins = tuple(replace(o, items=items) for o in case.origins if o.id == origin_id and items)
    return replace(case, origins=(*others, *origins))


def _joined(case: Case, item_id: str, origin_id: str | None) -> Case:
    """`case` with the item joining the origin (one the case has)."""
    if origin_id is None or not any(o.id == origin_id for o in case.origins):
        return case
    order = {it.id: k for k, it in enumerate(case.evidence)}
    if item_id not in order:
        return case  # pending: in no origin
    return replace(
        case,
        origins=tuple(
            replace(o, items=tuple(sorted({*o.items, item_id}, key=order.__getitem__)))
            if o.id == origin_id
            else o
            for o in without_members(case.origins, {item_id})
        ),
    )


def _pending_same(x: EvidenceItem | None, y: EvidenceItem | None, a: Case, b: Case) -> bool:
    """Two pending versions of an item: the same unless a judgment differs (compared by id)."""
    assert x is not None and y is not None
    if _key(x.credibility) != _key(y.credibility):
        return False
    mine = dict(zip(a.hypothesis_ids, x.likelihoods, strict=True))
    theirs = dict(zip(b.hypothesis_ids, y.likelihoods, strict=True))
    return all(h in theirs and _key(mine[h]) == _key(theirs[h]) for h in mine)


def _items_by_id(case: Case) -> dict[str, EvidenceItem]:
    """Observed and pending items by id (find_item's, indexed: one scan, not one per item)."""
    return {it.id: it for it in (*case.pending, *case.evidence)}


def _with_source(case: Case, source: Source) -> Case:
    return replace(case, sources=(*case.sources, source))


def _without_source(case: Case, source_id: str) -> Case:
    return replace(case, sources=tuple(s for s in case.sources if s.id != source_id))


def _with_judgments(case: Case, judgments: Sequence[tuple[str, object]]) -> Case:
    for place, judgment in judgments:
        case = with_judgment(case, place, judgment)  # type: ignore[arg-type]
    return case


# ---- text the model does not read ------------------------------------------------------------

_NAMED = ("label", "notes", "links")
_ITEM = (*_NAMED, "date", "grading", "quote", "document", "document_sha256", "page", "accessed")


def _as_text(value: object) -> str | None:
    """A text field as shown in a diff; None when not stated."""
    if value is None or value == ():
        return None
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, tuple):
        return ", ".join(f"{v[0]} = {written(v[1])}" if isinstance(v, tuple) else str(v) for v in value)
    return str(value)


def _all_items(case: Case) -> tuple[EvidenceItem, ...]:
    return (*case.evidence, *case.pending, *case.after_as_of)


def text_changes(a: Case, b: Case) -> list[tuple[str, str | None, str | None]]:
    """(place, before, after) for every text of the case that differs: the case's title,
    question and notes, the resolution, and the texts of every hypothesis, source, item
    (observed, pending or after as_of), event, origin, group and key assumption both cases have
    (groups and assumptions also when added or removed: they change no P(h | E))."""
    out: list[tuple[str, str | None, str | None]] = []

    def compare(prefix: str, x: object, y: object, fields: Sequence[str]) -> None:
        for field in fields:
            before, after = _as_text(getattr(x, field, None)), _as_text(getattr(y, field, None))
            if before != after:
                out.append((f"{prefix}{field}", before, after))

    def by_id(prefix: str, xs: Sequence, ys: Sequence, fields: Sequence[str], whole: bool = False) -> None:
        old, new = {x.id: x for x in xs}, {y.id: y for y in ys}
        for key in (*old, *(k for k in new if k not in old)):
            if key in old and key in new:
                compare(f"{prefix}/{key}/", old[key], new[key], fields)
            elif whole:  # added or removed, and nothing else lists it
                out.append(
                    (
                        f"{prefix}/{key}",
                        _as_text(getattr(old.get(key), "label", None)),
                        _as_text(getattr(new.get(key), "label", None)),
                    )
                )

    compare("", a, b, ("title", "question", "notes"))  # as_of: a change of the model, above
    compare("resolution/", a.resolution, b.resolution, ("hypothesis", "date", "notes"))
    by_id("hypothesis", a.hypotheses, b.hypotheses, ("label", "notes"))
    by_id("source", a.sources, b.sources, _NAMED)
    by_id("evidence", _all_items(a), _all_items(b), _ITEM)
    by_id("event", a.events, b.events, _NAMED)
    by_id("origin", a.origins, b.origins, _NAMED)
    by_id("group", a.groups, b.groups, ("label", "members"), whole=True)
    by_id("assumption", a.assumptions, b.assumptions, ("label", "notes", "if_wrong"), whole=True)
    return out
