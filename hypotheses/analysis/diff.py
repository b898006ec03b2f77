"""What changed between two versions of a case (`hypscore diff`, docs/model.md section 9): every
changed, added or removed judgment, item, hypothesis, source and event, and each change's effect
alone. Computing only: nothing here writes a file.

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

from hypotheses.analysis.alone import PRIOR, Alone, Touch
from hypotheses.analysis.edits import (
    NOT_STATED,
    EditError,
    _scale_groups,
    in_order,
    judged_places,
    with_item_from,
    with_judgment,
    without_item,
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
from hypotheses.model.places import likelihoods_place, prior_place
from hypotheses.settings import DEFAULT_SEED


@dataclass(frozen=True)
class Change:
    place: str
    before: str | None  # as written in OLD; None: not there
    after: str | None
    alone: dict[str, float] | None  # change in P(h | E) with only this change applied to OLD
    text: bool = False  # text the model does not read (a label, a quote): it changes no number


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
                {"place": c.place, "before": c.before, "after": c.after, "alone": c.alone, "text": c.text}
                for c in self.changes
            ],
        }


def diff(old: Case | str | Path, new: Case | str | Path, seed: int | None = DEFAULT_SEED) -> DiffResult:
    """Every changed, added or removed judgment, item, hypothesis, source and event of `new`
    against `old`, each as a place (docs/model.md section 4's names; `hypothesis/ID`,
    `source/ID`, `event/ID` and `evidence/ID` for whole ones), with each change's effect alone:
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

    items_a, items_b = _items_by_id(a), _items_by_id(b)
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
                None,
                lambda c, item_id=item_id: without_item(c, item_id),
                alone.of_item(item_id, None),
            )
        else:
            add(
                f"evidence/{item_id}",
                None if x is None else describe_item(x),
                describe_item(y),
                lambda c, item_id=item_id: with_item_from(c, b, item_id),
                alone.of_item(item_id, y),
            )
    changes += [Change(place, x, y, None, text=True) for place, x, y in text_changes(a, b)]
    return DiffResult(
        a.path,
        b.path,
        {h: float(p) for h, p in zip(ids, start, strict=True)},
        {h: float(p) for h, p in zip(b.hypothesis_ids, _means(b, seed), strict=True)},
        tuple(changes),
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
    question, notes and as_of, the resolution, and the texts of every hypothesis, source, item
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

    compare("", a, b, ("title", "question", "notes", "as_of"))
    compare("resolution/", a.resolution, b.resolution, ("hypothesis", "date", "notes"))
    by_id("hypothesis", a.hypotheses, b.hypotheses, ("label", "notes"))
    by_id("source", a.sources, b.sources, _NAMED)
    by_id("evidence", _all_items(a), _all_items(b), _ITEM)
    by_id("event", a.events, b.events, _NAMED)
    by_id("origin", a.origins, b.origins, _NAMED)
    by_id("group", a.groups, b.groups, ("label", "members"), whole=True)
    by_id("assumption", a.assumptions, b.assumptions, ("label", "notes", "if_wrong"), whole=True)
    return out
