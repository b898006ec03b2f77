"""One change's effect alone, rescoring only what it touches (`diff`'s "alone", docs/model.md
section 9). Computing only: nothing here writes a file.

The numpy engine's unnormalised log posterior is a sum over independent components:

    J(h) = log E[pi_h] + sum_c log f_c(h)

(a component: the items joined by an uncertain source, an event or a possible common origin;
a component's score is a pure function of its content and the seed). A change of one item's
judgment enters the components that hold the items it touches, so

    J_new = J_old - sum_{c in S} log f_c + sum_{c in S'} log f'_c

where S are OLD's components holding the touched items and S' what they become. Both sums are
scored on the *sub-case* of those items alone (uniform prior, so J_sub = sum of its log
factors, up to a constant that cancels), so a change costs the size of what it touches, not of
the case: rescoring the whole edited case per change made `diff` of two 20,000-item cases
changes x items (it never finished). A prior's change keeps every factor: J_new = J_old - log
E[pi] + log E[pi'].

Where the subtraction is undefined (a touched component rules a hypothesis out, so the rest's
factor is unknown; a prior of 0) or a change reaches every item (`model_error`), the edited
case is scored whole, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TypeVar

import numpy as np

from hypotheses.case import Case, EvidenceItem
from hypotheses.case.types import SINGLE_PRIOR
from hypotheses.model import numpy_engine
from hypotheses.model.factors import compile_case
from hypotheses.model.logspace import log, softmax
from hypotheses.settings import DEFAULT_SEED
from priors import Point

UNIFORM = ((SINGLE_PRIOR, Point(1.0, "1")),)
T = TypeVar("T")


@dataclass(frozen=True)
class Touch:
    """What a change reaches in OLD: observed items (by id), the prior, or everything."""

    items: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()  # OLD's sources the edit needs (a reliability edited)
    events: frozenset[str] = frozenset()
    origins: frozenset[str] = frozenset()
    prior: bool = False
    everything: bool = False


PRIOR = Touch(prior=True)
EVERYTHING = Touch(everything=True)


class Alone:
    """OLD scored once, and indexed: which component holds each item, which items cite each
    source, report each event, belong to each origin. `posterior(touch, make)` is P(h | E) of
    `make(OLD)`, scoring `make(sub-case)` instead where it may."""

    def __init__(
        self, case: Case, seed: int | None = DEFAULT_SEED, cache: numpy_engine.ScoreCache | None = None
    ):
        self.case, self.seed = case, seed
        # OLD's components kept: each change's "before" is then a look-up, not a rescoring
        size = len(case.evidence) + len(case.events) + len(case.origins) + 512
        self.cache = cache or numpy_engine.ScoreCache(size=size)
        self.start, self.joint = _log_joint(case, seed, self.cache)
        self.rebuilt = 0  # items in every sub-case and whole case scored (what the tests count)
        self.position = {it.id: k for k, it in enumerate(case.evidence)}
        self.component_of: dict[str, int] = {}
        self.members: list[list[str]] = []
        for component in compile_case(case).components:
            # The point items' block is one component of independent items (each exact alone):
            # a change to one of them touches that item only.
            groups = (
                [[it.id] for it in component.members]
                if component.points_only
                else [[it.id for it in component.members]]
            )
            for group in groups:
                self.component_of |= dict.fromkeys(group, len(self.members))
                self.members.append(group)
        self.citing: dict[str, list[str]] = {}
        self.reporting: dict[str, list[str]] = {}
        for it in case.evidence:
            for s in it.chain:
                self.citing.setdefault(s, []).append(it.id)
            if it.reports is not None:
                self.reporting.setdefault(it.reports, []).append(it.id)
        self.in_origin = {o.id: list(o.items) for o in case.origins}
        self.origin_of = {i: o.id for o in case.origins for i in o.items}
        self._sources = {s.id: s for s in case.sources}
        self._events = {e.id: e for e in case.events}
        self._origins = {o.id: o for o in case.origins}
        self._order = [
            {x.id: k for k, x in enumerate(group)} for group in (case.sources, case.events, case.origins)
        ]

    # ---- what a change touches ---------------------------------------------------------------

    def of_place(self, place: str) -> Touch:
        """The items a judgment at `place` enters (docs/model.md section 4's names)."""
        kind, _, rest = place.partition("/")
        if kind == "prior":
            return PRIOR
        if kind in ("credibility", "hit", "false_alarm"):
            return Touch(frozenset({rest}))
        if kind == "reliability":
            return Touch(frozenset(self.citing.get(rest, ())), sources=frozenset({rest}))
        if kind == "shared":
            return Touch(frozenset(self.in_origin.get(rest, ())), origins=frozenset({rest}))
        if kind == "lik":
            owner = rest.rpartition("/")[0] if "/" in rest else rest
            if owner in self._events:
                return Touch(frozenset(self.reporting.get(owner, ())), events=frozenset({owner}))
            if owner in self._origins:
                return Touch(frozenset(self.in_origin[owner]), origins=frozenset({owner}))
            return Touch(frozenset({owner}))
        return EVERYTHING  # model_error reaches every item

    def of_item(self, item_id: str, donor: EvidenceItem | None) -> Touch:
        """An item removed, or replaced by (added as) the donor's version: the item, and every
        item of OLD the donor's version would join (its uncertain sources, event, origin)."""
        items = {item_id}
        sources: set[str] = set()
        if donor is not None:
            for s in donor.chain:
                mine = self._sources.get(s)
                if mine is not None:
                    sources.add(s)  # OLD's version, as with_item_from keeps it
                    if not mine.reliability.is_point:  # it joins the items that cite it
                        items |= set(self.citing.get(s, ()))
            if donor.reports is not None:
                items |= set(self.reporting.get(donor.reports, ()))
        if item_id in self.origin_of:
            items |= set(self.in_origin[self.origin_of[item_id]])
        events = {donor.reports} if donor is not None and donor.reports in self._events else set()
        return Touch(frozenset(items), frozenset(sources), frozenset(events))  # type: ignore[arg-type]

    # ---- scoring -----------------------------------------------------------------------------

    def posterior(self, touch: Touch, make: Callable[[Case], Case]) -> np.ndarray:
        """P(h | E) of make(OLD); NaN everywhere when it rules out every hypothesis. Raises what
        `make` raises (EditError)."""
        if touch.prior:
            edited = make(self.case)
            old_prior, _ = numpy_engine.prior_estimate(self.case, self.seed)
            if (old_prior > 0).all():
                new_prior, _ = numpy_engine.prior_estimate(edited, self.seed)
                with np.errstate(divide="ignore"):
                    return _normalised(self.joint - np.log(old_prior) + log(new_prior))
            return self._whole(edited)
        if touch.everything:
            return self._whole(make(self.case))
        sub = self._sub_case(touch)
        _, before = _log_joint(sub, self.seed, self.cache)
        self.rebuilt += len(sub.evidence)
        if not np.isfinite(before).all():  # the rest's factor of a ruled-out h is unknown
            return self._whole(make(self.case))
        edited = make(sub)
        if not sub.evidence and not edited.evidence:
            return self.start.copy()  # it reaches no observed item (a source nobody cites): exact
        self.rebuilt += len(edited.evidence)
        _, after = _log_joint(edited, self.seed, self.cache)
        return _normalised(self.joint - before + after)

    def _whole(self, edited: Case) -> np.ndarray:
        self.rebuilt += len(edited.evidence)
        return _normalised(_log_joint(edited, self.seed, self.cache)[1])

    def _sub_case(self, touch: Touch) -> Case:
        """OLD with only the items of the components `touch` reaches (in OLD's order), the
        sources, events and origins they need, and a uniform prior."""
        components = {self.component_of[i] for i in touch.items if i in self.component_of}
        kept = sorted((i for k in components for i in self.members[k]), key=self.position.__getitem__)
        evidence = tuple(self.case.evidence[self.position[i]] for i in kept)
        sources = set(touch.sources) | {s for it in evidence for s in it.chain}
        events = set(touch.events) | {it.reports for it in evidence if it.reports is not None}
        origins = set(touch.origins) | {self.origin_of[i] for i in kept if i in self.origin_of}
        return replace(
            self.case,
            hypotheses=tuple(replace(h, prior=UNIFORM) for h in self.case.hypotheses),
            evidence=evidence,
            pending=(),
            sources=_by_id(self._sources, self._order[0], sources),
            events=_by_id(self._events, self._order[1], events),
            origins=_by_id(self._origins, self._order[2], origins),
        )


def _by_id(table: dict[str, T], order: dict[str, int], wanted: Iterable[str]) -> tuple[T, ...]:
    """The entries of `table` whose ids are wanted, in OLD's order (sorting only those)."""
    return tuple(table[k] for k in sorted((k for k in set(wanted) if k in table), key=order.__getitem__))


def _log_joint(case: Case, seed: int | None, cache: numpy_engine.ScoreCache) -> tuple[np.ndarray, np.ndarray]:
    """P(h | E) and J(h) = log E[pi_h] + sum_c log f_c(h) = log P(h | E) + log P(E), the latter
    unnormalised (log P(h | E) from a posterior underflowing to 0 would be -inf: a sub-case
    whose factors differ by more than ~745 nats read as ruling a hypothesis out)."""
    with np.errstate(all="ignore"):
        posterior, joint = numpy_engine.log_joint(case, seed, cache)
        if not np.isfinite(joint).any():
            return posterior, np.full(joint.shape, -np.inf)
        return posterior, joint


def _normalised(joint: np.ndarray) -> np.ndarray:
    if not np.isfinite(joint).any():
        return np.full(joint.shape, np.nan)
    with np.errstate(invalid="ignore"):
        return softmax(joint)
