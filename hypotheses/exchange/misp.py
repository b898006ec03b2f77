"""A scored case as a MISP event (docs/exchange.md), built offline with PyMISP's `MISPEvent`.

MISP already has taxonomies for hypscore's vocabulary: `estimative-language` (ICD 203's
likelihood words, and low/moderate/high confidence in an analytic judgment) and
`admiralty-scale` (source reliability a-f, information credibility 1-6). The event carries the
case's analytic confidence; each hypothesis is a text attribute tagged with the likelihood of its
posterior; each item a text attribute tagged with its grading. UUIDs and timestamps come from
the case (its sha256, its dates), never the clock: the same case gives the same event."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hypotheses.exchange.stix import (
    ABSENT_TEXT,
    CONFIDENCE_VALUE,
    NAMESPACE,
    absence_tags,
    case_timestamp,
    item_grading,
    likelihood_tag,
    machine_tag,
    not_carried,
)

if TYPE_CHECKING:
    from hypotheses.analysis.scorecard import Scorecard
    from hypotheses.case.types import Case

# MISP's fixed codes: threat level 4 is "undefined" (a case is not a threat rating), analysis 2
# "completed" (a scored case is a finished assessment), distribution 0 "your organisation only"
# (the analyst widens it in MISP, never hypscore by default).
THREAT_LEVEL_UNDEFINED = 4
ANALYSIS_COMPLETED = 2
DISTRIBUTION_ORGANISATION = 0


def misp_uuid(sha256: str, place: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{sha256}/misp/{place}"))


def to_misp(card: Scorecard, case: Case | None = None) -> Any:
    """The scored case as a `pymisp.MISPEvent` (`.to_json()` for its JSON)."""
    from pymisp import MISPAttribute, MISPEvent

    from hypotheses.exchange.stix import _pct, _range

    when = datetime.fromisoformat(case_timestamp(card).replace("Z", "+00:00")).astimezone(UTC)
    event = MISPEvent()
    event.uuid = misp_uuid(card.sha256, "event")
    event.info = card.title
    event.date = when.date()
    event.timestamp = when
    event.threat_level_id = THREAT_LEVEL_UNDEFINED
    event.analysis = ANALYSIS_COMPLETED
    event.distribution = DISTRIBUTION_ORGANISATION
    confidence = card.confidence
    if confidence is not None and confidence.level in CONFIDENCE_VALUE:
        event.add_tag(machine_tag("estimative-language", "confidence-in-analytic-judgment", confidence.level))

    def attribute(place: str, value: str, comment: str, tags: list[str]) -> None:
        a = MISPAttribute()
        a.from_dict(type="text", category="Other", value=value, comment=comment, to_ids=False)
        a.uuid = misp_uuid(card.sha256, place)
        a.timestamp = when
        a.distribution = 5  # inherit the event's
        for tag in tags:
            a.add_tag(tag)
        event.add_attribute(**a.to_dict())
        event.attributes[-1].timestamp = when

    if card.question:
        attribute("question", card.question, "hypscore: the question", [])
    left_out = not_carried(card, weights=False)
    if left_out:  # MISP's event has no description: what it does not carry is an attribute
        attribute("not-carried", left_out, "hypscore: what this event does not carry", [])
    for h in card.hypotheses:
        attribute(
            f"hypothesis/{h.id}",
            h.label,
            f"hypscore hypothesis {h.id}: posterior {_pct(h.posterior.mean)} (90% credible interval "
            f"{_range(h.posterior)}), {h.verbal} ({card.scale})",
            [likelihood_tag(h.posterior.mean)],
        )
    for e in card.evidence:
        letter, digit = item_grading(e, case)
        tags = absence_tags(e)
        if letter:
            tags.append(machine_tag("admiralty-scale", "source-reliability", letter.lower()))
        if digit:
            tags.append(machine_tag("admiralty-scale", "information-credibility", digit))
        attribute(
            f"evidence/{e.id}",
            e.label,
            f"hypscore evidence {e.id}"
            + (f", graded {letter}{digit}" if letter and digit else "")
            + ("" if e.observed else f": {ABSENT_TEXT[0].lower()}{ABSENT_TEXT[1:]}"),
            tags,
        )
    return event


def misp_json(card: Scorecard, case: Case | None = None) -> str:
    """The event as MISP's JSON ({"Event": ...}), keys sorted: what `score -f misp` writes."""
    import json

    event = json.loads(to_misp(card, case).to_json())
    return json.dumps({"Event": event}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
