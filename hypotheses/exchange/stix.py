"""A scored case as a STIX 2.1 bundle (docs/exchange.md): the case a `report`, each hypothesis
and each item a `note` the report lists, each source an `identity`.

Built with the OASIS `stix2` library (the optional extra `hypscore[exchange]`), imported here
only: choosing the format costs nothing. Every id is a UUIDv5 of the case's sha256 and the
object's place, and every timestamp comes from the case's dates, never the clock: the same case
gives the same bytes on any machine. The case's text only ever fills string properties, which
the library serialises as JSON strings: nothing a case says can add a property or an object."""

from __future__ import annotations

import json
import math
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hypotheses.analysis.scorecard import EvidenceScore, HypothesisScore, Scorecard
    from hypotheses.case.types import Case

# hypscore's own UUIDv5 namespace: uuid5(NAMESPACE_URL, "hypscore"), written out so that it
# can never change with the code that derives it.
NAMESPACE = uuid.UUID("aa61cab1-7f20-5b8b-83c8-958a6056f8f7")
# No date anywhere in the case: a fixed instant (not the clock), so the bundle stays the same.
NO_DATE = "1970-01-01T00:00:00.000Z"
# The analytic confidence levels as STIX confidence: the spec's None/Low/Med/High scale
# (STIX 2.1 Appendix A), the one scale that has exactly these three words.
CONFIDENCE_VALUE = {"low": 15, "moderate": 50, "high": 85}
# Admiralty information credibility digits as STIX confidence (STIX 2.1 Appendix A); 6 (truth
# cannot be judged) has no value there, so an item graded 6 carries none.
CREDIBILITY_VALUE = {"1": 90, "2": 70, "3": 50, "4": 30, "5": 10}
# A link that is a URL goes in `url`; anything else an analyst wrote is a description.
_URL = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)


def machine_tag(namespace: str, predicate: str, value: str) -> str:
    """A MISP taxonomy's machine tag, `namespace:predicate="value"` (the exact form MISP uses)."""
    return f'{namespace}:{predicate}="{value}"'


def likelihood_tag(p: float) -> str:
    """The `estimative-language` likelihood tag of a probability: ICD 203's word for it (the
    taxonomy's values are ICD 203's seven words and ranges), whatever scale the case uses."""
    from priors import get_scale

    word = get_scale("icd203").term_for(p)
    return machine_tag("estimative-language", "likelihood-probability", word.replace(" ", "-"))


def stix_id(kind: str, sha256: str, place: str) -> str:
    """`kind--UUIDv5(sha256/place)`: the same case and place give the same id everywhere."""
    return f"{kind}--{uuid.uuid5(NAMESPACE, f'{sha256}/{place}')}"


def to_stix(card: Scorecard, case: Case | None = None) -> Any:
    """The scored case as a `stix2.v21.Bundle` (`.serialize()` for its JSON). `case` adds what
    the Scorecard does not carry: every source's reliability and each item's credibility."""
    from stix2.v21 import Bundle

    return Bundle(objects=stix_objects(card, case), id=stix_id("bundle", card.sha256, "bundle"))


def stix_json(card: Scorecard, case: Case | None = None) -> str:
    """The bundle as JSON text (pretty, stable key order): what `score -f stix` writes."""
    return to_stix(card, case).serialize(pretty=True) + "\n"


def stix_batch(outcomes: list[Any]) -> str:
    """Several cases as one bundle: every scored case's objects (their ids never collide: each
    case's ids derive from its own sha256). The bundle's id is that of the cases' hashes."""
    from stix2.v21 import Bundle

    cards = [(o.card, o.case) for o in outcomes if o.card is not None]
    objects = [obj for card, case in cards for obj in stix_objects(card, case)]
    digest = "+".join(card.sha256 for card, _ in cards)
    if not objects:
        return json.dumps({"type": "bundle", "id": stix_id("bundle", digest, "bundle")}, indent=4) + "\n"
    return Bundle(objects=objects, id=stix_id("bundle", digest, "bundle")).serialize(pretty=True) + "\n"


def case_timestamp(card: Scorecard) -> str:
    """The case's own date as a STIX timestamp: its as-of date, else the latest date it gives
    (items, resolution), else NO_DATE."""
    day = card.case_date()
    return f"{day}T00:00:00.000Z" if day else NO_DATE


def stix_objects(card: Scorecard, case: Case | None = None) -> list[Any]:
    """The report first, then the hypotheses' notes, the items' notes and the sources."""
    from stix2.v21 import ExternalReference, Identity, Note, Report

    when = case_timestamp(card)
    stamp = {"created": when, "modified": when}
    report_id = stix_id("report", card.sha256, "report")
    sources = _sources(card, case)
    identities = [
        Identity(
            id=stix_id("identity", card.sha256, f"source/{sid}"),
            name=label,
            identity_class="unknown",
            description=_join(notes, f"Reliability: {reliability}" if reliability else None),
            labels=tags or None,
            external_references=_links(links, ExternalReference) or None,
            **stamp,
        )
        for sid, label, notes, links, reliability, tags in sources
    ]
    known = {sid for sid, *_ in sources}
    notes = [
        Note(
            id=stix_id("note", card.sha256, f"hypothesis/{h.id}"),
            abstract=_clip(f"Hypothesis {h.id}: {h.verbal} ({_pct(h.posterior.mean)})"),
            content=_hypothesis_text(h, card.scale),
            object_refs=[report_id],
            confidence=_percent(h.posterior.mean),
            labels=["hypscore:hypothesis", likelihood_tag(h.posterior.mean)],
            **stamp,
        )
        for h in card.hypotheses
    ]
    items = [_item_note(card, e, case, report_id, known, stamp) for e in card.evidence]
    confidence = card.confidence
    report = Report(
        id=report_id,
        name=card.title,
        description=_report_text(card, confidence),
        published=when,
        report_types=["threat-report"],
        object_refs=[o.id for o in (*notes, *items, *identities)],
        confidence=None if confidence is None else CONFIDENCE_VALUE.get(confidence.level),
        labels=(
            [machine_tag("estimative-language", "confidence-in-analytic-judgment", confidence.level)]
            if confidence is not None and confidence.level in CONFIDENCE_VALUE
            else None
        ),
        external_references=[
            ExternalReference(
                source_name="hypscore",
                description=f"case file {Path(card.path).name}, "
                f"scored by hypscore {card.diagnostics.version}",
                external_id=card.sha256,
            )
        ],
        **stamp,
    )
    return [report, *notes, *items, *identities]


def _item_note(
    card: Scorecard, e: EvidenceScore, case: Case | None, report_id: str, known: set[str], stamp: dict
) -> Any:
    from stix2.v21 import ExternalReference, Note

    letter, digit = item_grading(e, case)
    grading = f"{letter}{digit}" if letter and digit else None
    source = e.source or _item_source(e, case)
    chain = [s for s in ((source,) if source else ()) + tuple(e.via) if s in known]
    tags = ["hypscore:evidence", *absence_tags(e)]
    if letter:
        tags.append(machine_tag("admiralty-scale", "source-reliability", letter.lower()))
    if digit:
        tags.append(machine_tag("admiralty-scale", "information-credibility", digit))
    refs = [ExternalReference(**ref) for ref in _sourcing(e)] + _links(e.links, ExternalReference)
    return Note(
        id=stix_id("note", card.sha256, f"evidence/{e.id}"),
        abstract=_clip(f"Evidence {e.id}: {e.label}"),
        content=_item_text(e, grading),
        object_refs=[report_id, *(stix_id("identity", card.sha256, f"source/{s}") for s in chain)],
        confidence=CREDIBILITY_VALUE.get(digit or ""),
        labels=tags,
        external_references=refs or None,
        **stamp,
    )


# An item looked for and not found (`observed: false`) is tagged so, beside its text: its label
# states what was looked for, and without the tag a platform would show it as a fact.
ABSENT_TAG = machine_tag("hypscore", "observed", "false")
ABSENT_TEXT = "Looked for and not found."


def absence_tags(e: EvidenceScore) -> list[str]:
    """[ABSENT_TAG] for an item looked for and not found, else []."""
    return [] if e.observed else [ABSENT_TAG]


def _sources(card: Scorecard, case: Case | None) -> list[tuple[str, str, str | None, tuple, str, list]]:
    """(id, label, notes, links, reliability as said, tags) of every source: the case's when
    given (with reliabilities), else those the Scorecard names."""
    from priors.reliability import ADMIRALTY, admiralty_judgment

    said = {s.id: s for s in card.sources}
    if case is None:
        return [(s.id, s.label, s.notes, s.links, "", []) for s in card.sources]
    found = []
    for s in case.sources:
        letter = next((c for c in ADMIRALTY if s.reliability.text == admiralty_judgment(c).text), None)
        tags = [machine_tag("admiralty-scale", "source-reliability", letter.lower())] if letter else []
        reliability = s.reliability.text or ""
        extra = said.get(s.id)
        links = extra.links if extra is not None else s.links
        found.append((s.id, s.label, s.notes, links, reliability, tags))
    return found


def item_grading(e: EvidenceScore, case: Case | None) -> tuple[str | None, str | None]:
    """An item's Admiralty source letter and information credibility digit, each None when its
    judgment is not one of the codes: from its grading as written, else from the case (its
    source's reliability, its credibility)."""
    written = e.grading
    if written:
        return written[0].upper(), written[1:]
    item = next((i for i in case.evidence if i.id == e.id), None) if case is not None else None
    if item is None:
        return None, None
    from priors.reliability import ADMIRALTY, CREDIBILITY, admiralty_judgment, credibility_judgment

    source = case.source(item.source) if case is not None else None
    # By the judgment's text: "almost certain" is the same Beta as credibility 1, but the analyst
    # who wrote it made no Admiralty grading, and the tags must not say one was made.
    letter = next(
        (c for c in ADMIRALTY if source and source.reliability.text == admiralty_judgment(c).text), None
    )
    digit = next((d for d in CREDIBILITY if item.credibility.text == credibility_judgment(d).text), None)
    return letter, digit


def _item_source(e: EvidenceScore, case: Case | None) -> str | None:
    item = next((i for i in case.evidence if i.id == e.id), None) if case is not None else None
    return item.source if item is not None else None


def _sourcing(e: EvidenceScore) -> list[dict[str, Any]]:
    """The item's quote, document and page (the case's sourcing keys) as external references:
    the document by URL or path, with its SHA-256."""
    quote, document, page, sha = e.quote, e.document, e.page, e.document_sha256
    refs: list[dict[str, Any]] = []
    if document:
        ref: dict[str, Any] = {"source_name": "document"}
        if _URL.match(document):
            ref["url"] = document
        else:
            ref["external_id"] = document
        said = _join(f"page {page}" if page else None, f'"{quote}"' if quote else None)
        if said:
            ref["description"] = said
        if sha and "url" in ref:
            ref["hashes"] = {"SHA-256": sha}
        elif sha:
            ref["description"] = _join(ref.get("description"), f"SHA-256 {sha}")
        refs.append(ref)
    elif quote:
        said = _join(f'"{quote}"', f"page {page}" if page else None)
        refs.append({"source_name": "quote", "description": said})
    return refs


def _links(links: tuple[str, ...], make: Any) -> list[Any]:
    return [
        make(source_name="link", url=link) if _URL.match(link) else make(source_name="link", description=link)
        for link in links
    ]


def _report_text(card: Scorecard, confidence: Any) -> str:
    leader = card.ranked()[0]
    return _join(
        card.question,
        card.notes,
        f"Leading hypothesis: {leader.id} ({leader.label}), {leader.verbal}, "
        f"{_pct(leader.posterior.mean)} (90% credible interval {_range(leader.posterior)}).",
        _confidence_text(confidence),
        f"Information as of {card.as_of}." if card.as_of else None,
        f"Verbal scale: {card.scale}.",
        not_carried(card),
    )


def not_carried(card: Scorecard, weights: bool = True) -> str | None:
    """What the case holds that the exchange formats do not (docs/exchange.md, "Not exported
    (yet)"), said to their consumer: a pending item is not in the posterior, and an origin's
    items read as independent notes although the model weighed them together; and each item's
    weight depends on the items above it (`weights`: the format carries weights, as STIX's notes
    do and MISP's attributes do not). Counts and ids only (ids are the case's own names,
    carried as text like its labels); None when nothing is left out."""
    parts, why = [], []
    if card.pending:
        n = len(card.pending)
        parts.append(f"{n} pending item{'s' * (n != 1)} ({', '.join(p.id for p in card.pending)})")
        why.append("a pending item is not in the posterior")
    if card.origins:
        n = len(card.origins)
        parts.append(f"{n} possible common origin{'s' * (n != 1)} ({', '.join(o.id for o in card.origins)})")
        why.append("an origin's items, listed as separate evidence, were weighed together")
    if not parts:
        return None
    said = f"Not carried here: {' and '.join(parts)}. {'; '.join(why).capitalize()}."
    if weights:
        said += " Each item's weight is conditional on the items listed before it."
    return said + " (hypscore, docs/exchange.md)"


def _confidence_text(confidence: Any) -> str | None:
    if confidence is None:
        return None
    why = f" ({'; '.join(confidence.reasons)})" if confidence.reasons else ""
    return f"Analytic confidence: {confidence.level}{why}."


def _hypothesis_text(h: HypothesisScore, scale: str) -> str:
    return _join(
        h.label,
        f"Posterior probability {_pct(h.posterior.mean)} (90% credible interval {_range(h.posterior)}): "
        f"{h.verbal} ({scale}).",
        f"Prior probability {_pct(h.prior.mean)} (90% credible interval {_range(h.prior)}).",
        h.notes,
    )


def _item_text(e: EvidenceScore, grading: str | None) -> str:
    weights = ", ".join(f"{h} {_decibans(w)}" for h, w in e.weight_db.items())
    label = e.source_label
    return _join(
        e.label,
        None if e.observed else ABSENT_TEXT,
        f"Source: {label}" + (f" ({grading})" if grading else "") if label else None,
        f"Graded {grading}." if grading and not label else None,
        f"Reports the event {e.reports}." if e.reports else None,
        f"Passed through: {', '.join(e.via)}." if e.via else None,
        f"Dated {e.date}." if e.date else None,
        f"Weight of evidence for each hypothesis against the others (decibans): {weights}.",
        e.notes,
    )


def _decibans(w: float | None) -> str:
    """A weight as the terminal shows it: signed, one decimal, never '-0.0'; 'undefined' when
    no alternative is left, +inf/-inf when the item settles it."""
    if w is None:
        return "undefined"
    if math.isinf(w):
        return "+inf" if w > 0 else "-inf"
    return f"{round(w, 1) + 0.0:+.1f}" if round(w, 1) != 0 else "0.0"


def _join(*parts: str | None) -> str:
    return "\n\n".join(p for p in parts if p)


def _clip(text: str, limit: int = 200) -> str:
    """An abstract is a brief summary: a long label is cut at a word, with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _percent(p: float) -> int:
    """A probability as STIX confidence: an integer 0-100, rounded, but 0 and 100 only for an
    exact 0 and 1 (a hypothesis at 99.97% is not certain: it reads 99, as the other outputs read
    '>99.9%', never 100%)."""
    if p <= 0.0 or p >= 1.0:
        return 0 if p <= 0.0 else 100
    return max(1, min(99, round(100 * p)))


def _pct(p: float) -> str:
    from hypotheses.text import percent

    return percent(p)


def _range(e: Any) -> str:
    from hypotheses.text import interval

    return interval(e.lo, e.hi)
