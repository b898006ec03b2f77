"""A validated case: what the analyst wrote, typed. The input of every engine."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from hypotheses.case.messages import Problem
from priors import Judgment, Scale, get_scale

DEFAULT_KEY = "default"  # in `likelihoods:`, fills the hypotheses not listed
SINGLE_PRIOR = "prior"  # the factor name of a prior given as one judgment (not factors)


@dataclass(frozen=True)
class Hypothesis:
    """An explanation with its prior weight as named factors (empty: weight 1)."""

    id: str
    label: str
    prior: tuple[tuple[str, Judgment], ...]
    notes: str | None = None


@dataclass(frozen=True)
class Source:
    """A source of reports; its reliability is shared by every item that cites it."""

    id: str
    label: str
    reliability: Judgment
    notes: str | None = None
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class EvidenceItem:
    """A report, its credibility and P(report | h) for each hypothesis, in hypothesis order."""

    id: str
    label: str
    source: str | None
    credibility: Judgment
    # P(what the model conditions on | h): P(E | h) as judged, or 1 - P(E | h) when the item
    # was looked for and not found (observed false).
    likelihoods: tuple[Judgment, ...]
    observed: bool | str = True  # True, False (absent) or "pending" (not in the posterior)
    date: datetime.date | None = None
    notes: str | None = None
    links: tuple[str, ...] = ()
    ratios: bool = False  # likelihoods given as ratios: proportional, not probabilities
    # A report of an event (docs/case-format.md, "Reports of one event, and chains"): no
    # likelihoods of its own (empty), P(event | h) is the event's; `via` the sources it passed
    # through, each multiplying its credibility.
    reports: str | None = None
    via: tuple[str, ...] = ()

    @property
    def chain(self) -> tuple[str, ...]:
        """Every source whose reliability multiplies this item's credibility, in order."""
        return ((self.source,) if self.source else ()) + self.via


@dataclass(frozen=True)
class Event:
    """Something several items report: P(event | h) per hypothesis, in hypothesis order."""

    id: str
    label: str
    likelihoods: tuple[Judgment, ...]
    notes: str | None = None
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Group:
    """Hypotheses reported together (their probabilities add)."""

    id: str
    label: str
    members: tuple[str, ...]


@dataclass(frozen=True)
class Resolution:
    """The truth, once known (read by calibration; changes no number)."""

    hypothesis: str
    date: datetime.date | None = None
    notes: str | None = None


@dataclass(frozen=True)
class Case:
    """What the analyst wrote, validated: the input of every engine."""

    title: str
    question: str | None
    scale_name: str
    hypotheses: tuple[Hypothesis, ...]
    sources: tuple[Source, ...]
    evidence: tuple[EvidenceItem, ...]
    path: str
    sha256: str
    warnings: tuple[Problem, ...] = ()
    notes: str | None = None
    groups: tuple[Group, ...] = ()
    resolution: Resolution | None = None
    # Items whose observation is pending: not in `evidence` (nor the posterior), listed as such.
    pending: tuple[EvidenceItem, ...] = ()
    events: tuple[Event, ...] = ()  # reported events (an event nobody reports is left out)

    @property
    def scale(self) -> Scale:
        return get_scale(self.scale_name)

    @property
    def hypothesis_ids(self) -> list[str]:
        return [h.id for h in self.hypotheses]

    def source(self, source_id: str | None) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)

    def event(self, event_id: str | None) -> Event | None:
        return next((e for e in self.events if e.id == event_id), None)

    def reports_of(self, event_id: str) -> tuple[EvidenceItem, ...]:
        """The items reporting an event, in case order."""
        return tuple(item for item in self.evidence if item.reports == event_id)
