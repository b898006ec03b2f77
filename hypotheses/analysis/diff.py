"""What changed between two versions of a case (`hypscore diff`, docs/model.md section 9): every
changed, added or removed judgment, item, hypothesis, source and event, and each change's effect
alone. Computing only: nothing here writes a file.

A change's effect is the numpy engine's posterior means, as for the cruxes of `team`, whose
ways of comparing two cases' judgments (places, proportions, items' standing) it shares: their
one home is team.py for now (its private helpers, imported here), until the pool code's own
renovation gives them a module of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from hypotheses.analysis.edits import (
    NOT_STATED,
    EditError,
    find_item,
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
)
from hypotheses.case import Case, EvidenceItem, Source
from hypotheses.model import numpy_engine
from hypotheses.settings import DEFAULT_SEED


@dataclass(frozen=True)
class Change:
    place: str
    before: str | None  # as written in OLD; None: not there
    after: str | None
    alone: dict[str, float] | None  # change in P(h | E) with only this change applied to OLD


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
                {"place": c.place, "before": c.before, "after": c.after, "alone": c.alone}
                for c in self.changes
            ],
        }


def diff(old: Case | str | Path, new: Case | str | Path, seed: int | None = DEFAULT_SEED) -> DiffResult:
    """Every changed, added or removed judgment, item, hypothesis, source and event of `new`
    against `old`, each as a place (docs/model.md section 4's names; `hypothesis/ID`,
    `source/ID`, `event/ID` and `evidence/ID` for whole ones), with each change's effect alone:
    P(h | E) of OLD with only that change applied, minus P(h | E) of OLD (None where a change
    cannot stand alone, e.g. a new hypothesis, which every item must then judge)."""
    a, b = _loaded(old), _loaded(new)
    if set(a.hypothesis_ids) == set(b.hypothesis_ids):
        b = in_order(b, a.hypothesis_ids)
    ids = a.hypothesis_ids
    # Every what-if below is OLD with one change: with a cache that holds all of OLD's components
    # (one per item at most, and the prior), each scores only the component its change enters,
    # where rescoring the whole case per change was changes x items.
    cache = numpy_engine.ScoreCache(size=len(a.evidence) + len(a.events) + len(a.origins) + 512)
    start = _means(a, seed, cache)
    changes: list[Change] = []

    def effect(make: Callable[[], Case] | None) -> dict[str, float] | None:
        if make is None:
            return None
        try:
            edited = make()
        except EditError:
            return None
        after = _means(edited, seed, cache)
        if np.isnan(after).any():
            return None  # alone, the change rules every hypothesis out: no posterior to compare
        return {h: float(x) for h, x in zip(ids, after - start, strict=True)}

    def add(place: str, before: str | None, after: str | None, make: Callable[[], Case] | None) -> None:
        changes.append(Change(place, before, after, effect(make)))

    if a.scale_name != b.scale_name:
        add("scale", a.scale_name, b.scale_name, None)  # its words re-read show as their own changes
    old_h = {h.id: h for h in a.hypotheses}
    new_h = {h.id: h for h in b.hypotheses}
    for h in a.hypotheses:
        if h.id not in new_h:
            add(f"hypothesis/{h.id}", h.label, None, None)
        elif new_h[h.id].label != h.label:
            add(f"hypothesis/{h.id}", h.label, new_h[h.id].label, lambda: a)
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
                None if s.id in cited else (lambda s=s: _without_source(a, s.id)),
            )
    for s in b.sources:
        if s.id not in old_s:
            add(f"source/{s.id}", None, s.label, lambda s=s: _with_source(a, s))
    old_e = {e.id for e in a.events}
    new_e = {e.id for e in b.events}
    for e in a.events:
        if e.id not in new_e:
            add(f"event/{e.id}", e.label, None, None)  # its reports change with it (below)
    for e in b.events:
        if e.id not in old_e:
            add(f"event/{e.id}", None, e.label, lambda: a)  # nothing in OLD reports it

    structures = {i: (_structure(find_item(a, i)), _structure(find_item(b, i))) for i in _item_ids([a, b])}
    places, (pa, pb), (ta, tb) = _places([a, b])
    ra, rb = judged_places(a), judged_places(b)
    for place in places:
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
            lambda place=place, adopted=adopted: with_judgment(a, place, adopted),
        )
    for item_id, (before, after) in structures.items():
        x, y = find_item(a, item_id), find_item(b, item_id)
        same = before == after and (before is None or before[0] != "pending" or _pending_same(x, y, a, b))
        if same:
            continue
        if y is None:
            add(
                f"evidence/{item_id}",
                describe_item(x),
                None,
                lambda item_id=item_id: without_item(a, item_id),
            )
        else:
            add(
                f"evidence/{item_id}",
                None if x is None else describe_item(x),
                describe_item(y),
                lambda item_id=item_id: with_item_from(a, b, item_id),
            )
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


def _with_source(case: Case, source: Source) -> Case:
    return replace(case, sources=(*case.sources, source))


def _without_source(case: Case, source_id: str) -> Case:
    return replace(case, sources=tuple(s for s in case.sources if s.id != source_id))
