"""The typed `Case` built from a document the rules have passed (checks.py): what the analyst
wrote, as the engines read it. Nothing here judges the document: the rules ran first, so every
reference resolves and every hypothesis has its likelihood. The small readings below (a prior's
factors, an item's credibility, its likelihoods in hypothesis order) are shared with the rules,
which judge the same values the case is built from."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from hypotheses.case.fast import Factors
from hypotheses.case.keys import PENDING
from hypotheses.case.messages import Problem
from hypotheses.case.sourcing import Document
from hypotheses.case.types import (
    DEFAULT_KEY,
    NO_MODEL_ERROR,
    SINGLE_PRIOR,
    Case,
    Event,
    EvidenceItem,
    Group,
    Hypothesis,
    Origin,
    Resolution,
    Source,
)
from priors import Judgment, Point, Scale, admiralty_judgment, complement, get_scale

if TYPE_CHECKING:  # built from format.py's models or fast.py's, alike
    from hypotheses.case.format import CaseSpec, EvidenceSpec


def point_one(judgment: Judgment | None) -> bool:
    """Exactly 1, or not given (counts as 1)."""
    return judgment is None or (isinstance(judgment, Point) and judgment.value == 1)


def point_zero(judgment: Judgment | None) -> bool:
    """Exactly 0."""
    return isinstance(judgment, Point) and judgment.value == 0


def _factored(prior: Any) -> bool:
    """A prior given as factors: fast.Factors, or format.PriorFactors when pydantic read the
    file (looked up only if that module was imported: no file was read by it otherwise)."""
    if isinstance(prior, Factors):
        return True
    form = sys.modules.get("hypotheses.case.format")
    return form is not None and isinstance(prior, form.PriorFactors)


def hypothesis(spec: Any) -> Hypothesis:
    """A hypothesis with its prior as named factors: those stated, or the one judgment as the
    factor SINGLE_PRIOR, or none (weight 1)."""
    factors: tuple[tuple[str, Judgment], ...]
    if spec.prior is None:
        factors = ()
    elif _factored(spec.prior):
        factors = tuple((k, v) for k, v in spec.prior if v is not None)
    else:
        factors = ((SINGLE_PRIOR, spec.prior),)
    return Hypothesis(spec.id, spec.label, factors, spec.notes)


def in_order(given: dict[str, Judgment], ids: list[str]) -> tuple[Judgment, ...] | None:
    """One value per hypothesis, in hypothesis order, `default:` filling those not listed; None
    when a hypothesis has neither."""
    default = given.get(DEFAULT_KEY)
    if default is None:
        try:
            return tuple([given[h] for h in ids])
        except KeyError:
            return None
    return tuple([given.get(h, default) for h in ids])


def conditioned(e: EvidenceSpec, likelihoods: tuple[Judgment, ...]) -> tuple[Judgment, ...]:
    """What the model conditions on: P(E | h), or 1 - P(E | h) for an item not found."""
    return tuple(complement(j) for j in likelihoods) if e.observed is False else likelihoods


def rates(e: EvidenceSpec) -> tuple[Judgment | None, Judgment | None]:
    """The item's hit and false-alarm rates as the model conditions on them (docs/model.md
    section 2): as given, or for an item looked for and not found, P(not reported | true) =
    1 - hit and P(not reported | not true) = 1 - false_alarm, swapped onto its stored
    1 - P(E | h), so that P(E* | h) = hit * theta_h + false_alarm * (1 - theta_h) always holds."""
    if e.hit is None or e.false_alarm is None:
        return None, None
    if e.observed is False:
        return complement(e.false_alarm), complement(e.hit)
    return e.hit, e.false_alarm


def own_source(e: EvidenceSpec, scale: Scale | None = None) -> Source | None:
    """The source of an item graded (B2) without a cited source: the letter is its reliability
    (as the case's scale states it, when it re-states the grades)."""
    if e.grading is None or e.source is not None:
        return None
    letter, _ = e.grading
    return Source(
        f"grading:{e.id}", f"{e.id}'s own source, graded {letter}", admiralty_judgment(letter, scale)
    )


def credibility(e: EvidenceSpec) -> tuple[Judgment, str | None]:
    """The item's credibility and source. A grading (B2) gives both: the digit is the
    credibility; with no source cited, the letter is the item's own source's reliability."""
    if e.grading is not None:
        own = own_source(e)
        return e.grading[1], own.id if own else e.source
    if e.credibility is not None:
        return e.credibility[0], e.source
    return Point(1.0, "1 (default)"), e.source


class CaseBuilder:
    """Builds the typed Case from a validated document that broke none of the rules."""

    def __init__(
        self, spec: CaseSpec, name: str, sha256: str, documents: dict[str, Document] | None = None
    ) -> None:
        self.spec, self.name, self.sha256 = spec, name, sha256
        self.ids = [h.id for h in spec.hypotheses]
        self.documents = documents or {}  # the items' cited documents, as sourcing.py read them

    def case(self, warnings: tuple[Problem, ...]) -> Case:
        spec = self.spec
        items = [self._item(e) for e in spec.evidence]
        # `as_of:` leaves out what was not yet known then, as if those items were not written
        # (an undated item cannot be placed in time: it stays).
        cut = spec.as_of
        later = [it for it in items if cut is not None and it.date is not None and it.date > cut]
        if later:
            items = [it for it in items if cut is None or it.date is None or it.date <= cut]
        evidence = [item for item in items if item.observed != PENDING]
        reported = {item.reports for item in evidence}
        sources = [
            Source(sid, s.label or sid, s.reliability or Point(1.0, "1 (default)"), s.notes, tuple(s.links))
            for sid, s in spec.sources.items()
        ]
        scale = get_scale(spec.scale)
        graded = [own for e in spec.evidence if (own := own_source(e, scale)) is not None]
        events = [
            Event(event_id, e.label, in_order(e.likelihoods, self.ids), e.notes, tuple(e.links))
            for event_id, e in spec.events.items()
            if event_id in reported  # an event nobody reports changes nothing: left out
        ]
        resolution = spec.resolution
        order = {item.id: index for index, item in enumerate(evidence)}
        origins = []
        for origin_id, o in spec.origins.items():
            listed = [item for item in o.items if item in order]  # less those after as_of
            if not listed:
                continue
            # Without likelihoods of its own, the origin's are its first listed item's.
            given = in_order(o.likelihoods, self.ids) if o.likelihoods is not None else None
            likelihoods = given or evidence[order[listed[0]]].likelihoods
            members = tuple(sorted(listed, key=order.__getitem__))  # in case order
            origins.append(
                Origin(origin_id, o.label, members, o.shared, likelihoods, o.notes, tuple(o.links))
            )
        return Case(
            title=spec.title,
            question=spec.question,
            scale_name=spec.scale,
            hypotheses=tuple(hypothesis(h) for h in spec.hypotheses),
            sources=tuple(sources + graded),
            evidence=tuple(evidence),
            path=self.name,
            sha256=self.sha256,
            warnings=warnings,
            notes=spec.notes,
            groups=tuple(Group(gid, g.label, tuple(g.members)) for gid, g in spec.groups.items()),
            resolution=None
            if resolution is None
            else Resolution(resolution.hypothesis, resolution.date, resolution.notes),
            pending=tuple(item for item in items if item.observed == PENDING),
            events=tuple(events),
            origins=tuple(origins),
            model_error=NO_MODEL_ERROR if spec.model_error is None else spec.model_error,
            as_of=spec.as_of,
            after_as_of=tuple(later),
        )

    def _item(self, e: EvidenceSpec) -> EvidenceItem:
        """An item with its sourcing (which changes no number)."""
        document = self.documents.get(e.id)
        return replace(
            self._weighed(e),
            grading=None if e.grading is None else f"{e.grading[0]}{e.grading[1].text[:1]}",
            quote=e.quote,
            document=None if document is None else document.shown,
            document_sha256=None if document is None else document.sha256,
            page=None if e.page is None else str(e.page),
            accessed=e.accessed,
        )

    def _weighed(self, e: EvidenceSpec) -> EvidenceItem:
        """An item: a report of an event (no likelihoods of its own), ratios (only the ratios
        matter: credibility 1), or likelihoods as the model conditions on them."""
        hit, false_alarm = rates(e)
        if e.reports is not None:
            judged, source_id = credibility(e)
            return EvidenceItem(
                e.id, e.label, source_id, judged, (), True, e.date, e.notes, tuple(e.links),
                reports=e.reports, via=tuple(e.via), hit=hit, false_alarm=false_alarm,
            )  # fmt: skip
        if e.ratios is not None:
            return EvidenceItem(
                e.id, e.label, None, Point(1.0, "1 (ratios)"), in_order(e.ratios, self.ids), True,
                e.date, e.notes, tuple(e.links), ratios=True,
            )  # fmt: skip
        assert e.likelihoods is not None  # the loader refused an item with neither
        judged, source_id = credibility(e)
        likelihoods = conditioned(e, in_order(e.likelihoods, self.ids))
        return EvidenceItem(
            e.id, e.label, source_id, judged, likelihoods, e.observed, e.date, e.notes, tuple(e.links),
            via=tuple(e.via), hit=hit, false_alarm=false_alarm,
        )  # fmt: skip
