"""A validated case: what the analyst wrote, typed. The input of every engine."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from hypotheses.case.messages import Problem
from priors import Judgment, Point, Scale, complement, get_scale

DEFAULT_KEY = "default"  # in `likelihoods:`, fills the hypotheses not listed
SINGLE_PRIOR = "prior"  # the factor name of a prior given as one judgment (not factors)
NO_MODEL_ERROR = Point(0.0, "0 (default)")


def judged_complement(judgment: Judgment) -> Judgment:
    """1 - a stored judgment, with the text as the analyst wrote it: the stored one reads
    '1 - likely' when the analyst wrote 'likely' of what was not found."""
    return replace(complement(judgment), text=judgment.text.removeprefix("1 - "))


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
    # Schum's two rates given directly (docs/model.md section 2): P(reported | what it reports
    # is true) and P(reported | it is not), as the model conditions on them (for an item looked
    # for and not found: 1 - false_alarm and 1 - hit). None: from credibility and the chain.
    hit: Judgment | None = None
    false_alarm: Judgment | None = None
    # Sourcing (docs/case-format.md, "Sourcing"): changes no number. `grading` as written ("B2");
    # `document` a URL as written or a local path relative to the case's folder, with the
    # file's `document_sha256`; `page` as written, `accessed` a date.
    grading: str | None = None
    quote: str | None = None
    document: str | None = None
    document_sha256: str | None = None
    page: str | None = None
    accessed: datetime.date | None = None

    @property
    def rated(self) -> bool:
        """Whether its hit and false-alarm rates are given (then credibility plays no part)."""
        return self.hit is not None

    def judged_rates(self) -> tuple[Judgment, Judgment] | None:
        """(hit, false_alarm) as the analyst judged them: an absent item stores them swapped
        and complemented (the rates of not being reported), turned back here."""
        if self.hit is None or self.false_alarm is None:
            return None
        if self.observed is not False:
            return self.hit, self.false_alarm
        return judged_complement(self.false_alarm), judged_complement(self.hit)

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
class Origin:
    """Items that may all repeat one origin (docs/model.md section 2): with probability `shared`
    they are reports of one event whose P(. | h) is `likelihoods`; otherwise independent items."""

    id: str
    label: str
    items: tuple[str, ...]  # 2+ observed items with likelihoods of their own, in case order
    shared: Judgment
    likelihoods: tuple[Judgment, ...]  # the origin's P(. | h): as given, or its first item's
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
class Assumption:
    """A key assumption: the judgments, by place (docs/model.md section 4) and as judged, that
    the analyst would write were it wrong; `explain` scores the case so edited."""

    id: str
    label: str
    if_wrong: tuple[tuple[str, Judgment], ...]
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
    origins: tuple[Origin, ...] = ()  # possible common origins of observed items
    # P(any one item's judgment is simply wrong, and the item says nothing): docs/model.md
    # section 2. Multiplies every item's and report's credibility by 1 - model_error.
    model_error: Judgment = NO_MODEL_ERROR
    # The information cut-off: items dated after it are not in `evidence` nor `pending` (nor the
    # posterior) but in `after_as_of`, listed as such; undated items stay.
    as_of: datetime.date | None = None
    after_as_of: tuple[EvidenceItem, ...] = ()
    assumptions: tuple[Assumption, ...] = ()

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

    def origin_of(self, item_id: str) -> Origin | None:
        return next((o for o in self.origins if item_id in o.items), None)

    def reports_of(self, event_id: str) -> tuple[EvidenceItem, ...]:
        """The items reporting an event, in case order."""
        return tuple(item for item in self.evidence if item.reports == event_id)
