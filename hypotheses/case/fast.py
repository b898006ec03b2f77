"""The format's happy path without pydantic: a case file whose every key and value is of the
plain kind the format names (str, int 1, bool, list, mapping, judgments that parse) is read
straight into light spec objects with the same attributes as format.py's models, which the
Checker reads alike. Anything else, an error included, returns None and goes through pydantic,
so every message stays pydantic's (translated in loading.py): this path can only accept what
pydantic accepts, with the same values (tests/test_fast_path.py holds it to that).

Why: building the pydantic models costs a tenth of a second on every command that reads a case
(issue 17), for a validation that a correct file passes anyway.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from hypotheses.case import keys
from hypotheses.case.keys import PENDING, Block
from priors import (
    JudgmentError,
    Scale,
    parse_credibility,
    parse_grading,
    parse_judgment,
    parse_model_error,
    parse_ratio,
    parse_reliability,
    parse_weight,
)

ID = re.compile(
    r"[a-z][a-z0-9_]*"
)  # format.ID_PATTERN without pydantic; fullmatch: `$` would let "a\n" through


# The specs below are only read, never compared or printed (the Checker reads pydantic's models
# alike, and no spec reaches the Case: tests/test_fast_path.py compares the Cases' reprs), so
# they get no generated __eq__, __hash__ or __repr__ (hashing is by identity): each generated
# method is its own `exec` at import, ~0.3 ms a class of a cold command's start-up (benchmarks/
# README.md section 18). Each has a docstring: a dataclass without one is given one made from
# inspect.signature, ~0.1 ms a class.


class Decline(Exception):
    """Not plainly valid: let pydantic decide, and word the errors."""


@dataclass(frozen=True, eq=False, repr=False)
class Factors:
    """format.PriorFactors: iterates as (name, judgment or None), in the model's field order."""

    values: dict[str, Any]

    def __iter__(self):
        return iter((name, self.values.get(name)) for name in keys.FACTORS.keys)


@dataclass(frozen=True, eq=False, repr=False)
class HypothesisSpec:
    """format.HypothesisSpec's light twin: a `hypotheses:` entry."""

    id: str
    label: str
    prior: Any = None
    notes: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class SourceSpec:
    """format.SourceSpec's light twin: a `sources:` entry."""

    label: str | None = None
    reliability: Any = None
    notes: str | None = None
    links: list[str] = field(default_factory=list)


@dataclass(frozen=True, eq=False, repr=False)
class EvidenceSpec:
    """format.EvidenceSpec's light twin: an `evidence:` entry."""

    id: str
    label: str
    source: str | None = None
    credibility: Any = None
    likelihoods: dict[str, Any] | None = None
    grading: Any = None
    ratios: dict[str, Any] | None = None
    observed: bool | str = True
    date: datetime.date | None = None
    reports: str | None = None
    via: list[str] = field(default_factory=list)
    hit: Any = None
    false_alarm: Any = None
    notes: str | None = None
    links: list[str] = field(default_factory=list)
    quote: str | None = None
    document: str | None = None
    page: str | int | None = None
    accessed: datetime.date | None = None


@dataclass(frozen=True, eq=False, repr=False)
class EventSpec:
    """format.EventSpec's light twin: an `events:` entry."""

    label: str
    likelihoods: dict[str, Any]
    notes: str | None = None
    links: list[str] = field(default_factory=list)


@dataclass(frozen=True, eq=False, repr=False)
class OriginSpec:
    """format.OriginSpec's light twin: an `origins:` entry."""

    label: str
    items: list[str]
    shared: Any
    likelihoods: dict[str, Any] | None = None
    notes: str | None = None
    links: list[str] = field(default_factory=list)


@dataclass(frozen=True, eq=False, repr=False)
class GroupSpec:
    """format.GroupSpec's light twin: a `groups:` entry."""

    label: str
    members: list[str]


@dataclass(frozen=True, eq=False, repr=False)
class ResolutionSpec:
    """format.ResolutionSpec's light twin: the case's `resolution:`."""

    hypothesis: str
    date: datetime.date | None = None
    notes: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class AssumptionSpec:
    """format.AssumptionSpec's light twin: an `assumptions:` entry."""

    label: str
    if_wrong: dict[str, Any]  # as written: the case's rules read each by its place
    notes: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class CaseSpec:
    """format.CaseSpec's light twin: the whole file, as the case builder takes it."""

    schema_version: int
    title: str
    question: str | None
    scale: str
    model_error: Any
    hypotheses: list[HypothesisSpec]
    sources: dict[str, SourceSpec]
    events: dict[str, EventSpec]
    evidence: list[EvidenceSpec]
    origins: dict[str, OriginSpec]
    notes: str | None
    groups: dict[str, GroupSpec]
    resolution: ResolutionSpec | None
    as_of: datetime.date | None = None
    assumptions: dict[str, AssumptionSpec] = field(default_factory=dict)


# ---- plain values ---------------------------------------------------------------------------


def _mapping(value: Any, block: Block) -> dict[str, Any]:
    if type(value) is not dict or not all(type(k) is str for k in value):
        raise Decline
    if not block.allowed.issuperset(value) or not block.required.issubset(value):
        raise Decline
    return value


def _text(value: Any) -> str:
    if type(value) is not str:
        raise Decline
    return value


def _optional_text(value: Any) -> str | None:
    return None if value is None else _text(value)


def _ident(value: Any) -> str:
    if type(value) is not str or not ID.fullmatch(value):
        raise Decline
    return value


def _texts(value: Any) -> list[str]:
    if value is None:
        raise Decline  # pydantic: a list is required when the key is given
    if type(value) is not list:
        raise Decline
    return [_text(v) for v in value]


def read_date(value: Any) -> datetime.date:
    """A date as YAML reads it (unquoted 2026-01-05) or the same text quoted; nothing else (a
    number would otherwise become a day of 1970). ValueError otherwise. format.py's validator
    words that error; this path declines."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        return datetime.date.fromisoformat(value.strip())
    raise ValueError(f"date {value!r} is not a date")


def _date(value: Any) -> datetime.date | None:
    if value is None:
        return None
    try:
        return read_date(value)
    except ValueError:
        raise Decline from None


def _read(parse, value: Any, scale: Scale | None = None) -> Any:
    try:
        return parse(value) if scale is None else parse(value, scale)
    except (JudgmentError, ValueError, TypeError, ArithmeticError):  # pydantic words them all
        raise Decline from None


def _optional_judgment(value: Any, scale: Scale) -> Any:
    return None if value is None else _read(parse_judgment, value, scale)


def _judgments(value: Any, parse, scale: Scale | None) -> dict[str, Any]:
    if type(value) is not dict or not all(type(k) is str for k in value):
        raise Decline
    return {k: _read(parse, v, scale) for k, v in value.items()}


# ---- the document ---------------------------------------------------------------------------


def _prior(value: Any, scale: Scale) -> Any:
    if value is None:
        return None
    if isinstance(value, dict) and "beta" not in value:  # format._prior_kind: factors
        given = _mapping(value, keys.FACTORS)
        return Factors({k: None if v is None else _read(parse_judgment, v, scale) for k, v in given.items()})
    return _read(parse_weight, value, scale)


def _hypothesis(value: Any, scale: Scale) -> HypothesisSpec:
    d = _mapping(value, keys.HYPOTHESIS)
    return HypothesisSpec(
        _ident(d["id"]), _text(d["label"]), _prior(d.get("prior"), scale), _optional_text(d.get("notes"))
    )


def _source(value: Any, scale: Scale) -> SourceSpec:
    d = _mapping(value, keys.SOURCE)
    reliability = d.get("reliability")
    return SourceSpec(
        _optional_text(d.get("label")),
        None if reliability is None else _read(parse_reliability, reliability, scale),
        _optional_text(d.get("notes")),
        _texts(d["links"]) if "links" in d else [],
    )


def _evidence(value: Any, scale: Scale) -> EvidenceSpec:
    d = _mapping(value, keys.EVIDENCE)
    observed = d.get("observed", True)
    if not (type(observed) is bool or observed == PENDING):
        raise Decline
    credibility, likelihoods, grading, ratios = (
        d.get(k) for k in ("credibility", "likelihoods", "grading", "ratios")
    )
    return EvidenceSpec(
        id=_ident(d["id"]),
        label=_text(d["label"]),
        source=_optional_text(d.get("source")),
        credibility=None if credibility is None else _read(parse_credibility, credibility, scale),
        likelihoods=None if likelihoods is None else _judgments(likelihoods, parse_judgment, scale),
        grading=None if grading is None else _read(parse_grading, grading),
        ratios=None if ratios is None else _judgments(ratios, parse_ratio, None),
        observed=observed,
        date=_date(d.get("date")),
        reports=None if d.get("reports") is None else _ident(d["reports"]),
        via=_texts(d["via"]) if "via" in d else [],
        hit=_optional_judgment(d.get("hit"), scale),
        false_alarm=_optional_judgment(d.get("false_alarm"), scale),
        notes=_optional_text(d.get("notes")),
        links=_texts(d["links"]) if "links" in d else [],
        quote=_optional_text(d.get("quote")),
        document=_optional_text(d.get("document")),
        page=_page(d.get("page")),
        accessed=_date(d.get("accessed")),
    )


def _page(value: Any) -> str | int | None:
    """format._as_page: text or a whole number (not a bool, which is an int to Python)."""
    if value is None or type(value) is str or type(value) is int:
        return value
    raise Decline


def _event(value: Any, scale: Scale) -> EventSpec:
    d = _mapping(value, keys.EVENT)
    return EventSpec(
        _text(d["label"]),
        _judgments(d["likelihoods"], parse_judgment, scale),
        _optional_text(d.get("notes")),
        _texts(d["links"]) if "links" in d else [],
    )


def _origin(value: Any, scale: Scale) -> OriginSpec:
    d = _mapping(value, keys.ORIGIN)
    if d["shared"] is None:
        raise Decline  # required: pydantic says so
    likelihoods = d.get("likelihoods")
    return OriginSpec(
        _text(d["label"]),
        _texts(d["items"]),
        _read(parse_judgment, d["shared"], scale),
        None if likelihoods is None else _judgments(likelihoods, parse_judgment, scale),
        _optional_text(d.get("notes")),
        _texts(d["links"]) if "links" in d else [],
    )


def _group(value: Any) -> GroupSpec:
    d = _mapping(value, keys.GROUP)
    if type(d["members"]) is not list or len(d["members"]) < 2:
        raise Decline
    return GroupSpec(_text(d["label"]), [_ident(m) for m in d["members"]])


def _assumption(value: Any) -> AssumptionSpec:
    d = _mapping(value, keys.ASSUMPTION)
    if_wrong = d["if_wrong"]
    if type(if_wrong) is not dict or not if_wrong or not all(type(k) is str for k in if_wrong):
        raise Decline
    return AssumptionSpec(_text(d["label"]), dict(if_wrong), _optional_text(d.get("notes")))


def _keyed(value: Any, read) -> dict[str, Any]:
    if value is None:
        raise Decline  # `sources:` with nothing under it: pydantic says what it wants
    if type(value) is not dict:
        raise Decline
    return {_ident(k): read(v) for k, v in value.items()}


def plain_spec(data: dict[str, Any], scale: Scale, scale_name: str) -> CaseSpec | None:
    """The spec of a plainly valid document, or None (pydantic then validates it)."""
    try:
        d = _mapping(data, keys.CASE)
        if type(d["schema"]) is not int or d["schema"] != 1:
            raise Decline
        if "scale" in d and type(d["scale"]) is not str:
            raise Decline
        hypotheses = d["hypotheses"]
        if type(hypotheses) is not list or len(hypotheses) < 2:
            raise Decline
        evidence = d.get("evidence", [])
        if type(evidence) is not list:
            raise Decline
        resolution = d.get("resolution")
        if resolution is not None:
            r = _mapping(resolution, keys.RESOLUTION)
            resolution = ResolutionSpec(
                _ident(r["hypothesis"]), _date(r.get("date")), _optional_text(r.get("notes"))
            )
        return CaseSpec(
            schema_version=1,
            title=_text(d["title"]),
            question=_optional_text(d.get("question")),
            scale=scale_name,
            model_error=None
            if d.get("model_error") is None
            else _read(parse_model_error, d["model_error"], scale),
            hypotheses=[_hypothesis(h, scale) for h in hypotheses],
            sources=_keyed(d["sources"], lambda v: _source(v, scale)) if "sources" in d else {},
            events=_keyed(d["events"], lambda v: _event(v, scale)) if "events" in d else {},
            evidence=[_evidence(e, scale) for e in evidence],
            origins=_keyed(d["origins"], lambda v: _origin(v, scale)) if "origins" in d else {},
            notes=_optional_text(d.get("notes")),
            groups=_keyed(d["groups"], _group) if "groups" in d else {},
            resolution=resolution,
            as_of=_date(d.get("as_of")),
            assumptions=_keyed(d["assumptions"], _assumption) if "assumptions" in d else {},
        )
    except Decline:
        return None
