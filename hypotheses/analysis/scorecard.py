"""The results of scoring a case: plain frozen data that every renderer consumes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from hypotheses.analysis.explained import AssumptionScore, Explanation

JSON_SCHEMA_VERSION = 1

# The parts of an explanation (explain, --for, the assumptions) live in analysis/explained.py,
# imported when first asked for: `score` without them builds six frozen dataclasses fewer
# (Python writes and compiles each one's methods at import; issue 32).
_EXPLAINED = ("AssumptionScore", "Swing", "LeaveOneOut", "FlipThreshold", "Question", "Explanation")


def __getattr__(name: str) -> Any:
    if name in _EXPLAINED:
        from hypotheses.analysis import explained

        return getattr(explained, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass(frozen=True)
class Estimate:
    """A probability and its 90% credible interval (5% and 95% quantiles)."""

    mean: float
    lo: float
    hi: float


@dataclass(frozen=True)
class HypothesisScore:
    """One hypothesis: its prior and posterior with their intervals, and the posterior in words."""

    id: str
    label: str
    prior: Estimate
    posterior: Estimate
    verbal: str  # the case scale's term for the posterior mean
    notes: str | None = None


@dataclass(frozen=True)
class EvidenceScore:
    """One item: its weight against the others per hypothesis, its diagnosticity, its sourcing."""

    id: str
    label: str
    weight_db: dict[str, float | None]  # per hypothesis, against the others; None if undefined
    diagnosticity: float  # bits of expected information gain
    observed: bool = True  # False: looked for and not found (weights are those of its absence)
    date: str | None = None  # ISO 8601
    notes: str | None = None
    links: tuple[str, ...] = ()
    reports: str | None = None  # the event this item reports (its weight: given the reports above it)
    via: tuple[str, ...] = ()  # the sources it passed through
    # log2 P(e_j) / P(e_j | the other items): > 0 when the rest makes it surprising (with the
    # explanation only: it needs every item left out in turn); inf: impossible given the rest.
    conflict_bits: float | None = None
    # Sourcing (docs/case-format.md, "Sourcing"): who said it and where it can be read. `source`
    # is the cited source's id (an item graded without one has none), `document` a URL or a
    # path relative to the case's folder, with `document_sha256` for a local file.
    source: str | None = None
    source_label: str | None = None
    grading: str | None = None  # as written, e.g. "B2"
    quote: str | None = None
    document: str | None = None
    document_sha256: str | None = None
    page: str | None = None
    accessed: str | None = None  # ISO 8601

    def sourcing_row(self) -> dict[str, str]:
        """Its sourcing as a flat record (the CSV's row after the hypotheses'): every key always
        present, '' when not given; `via` '+'-joined like `members`, `links` space-joined."""
        return {
            "evidence": self.id,
            "label": self.label,
            "source": self.source or "",
            "source_label": self.source_label or "",
            "grading": self.grading or "",
            "via": "+".join(self.via),
            "quote": self.quote or "",
            "document": self.document or "",
            "document_sha256": self.document_sha256 or "",
            "page": self.page or "",
            "accessed": self.accessed or "",
            "links": " ".join(self.links),
            "date": self.date or "",
        }

    @property
    def sourced(self) -> bool:
        """Whether it has anything to cite beyond its id and label (it then gets a source note)."""
        return any(
            (self.source, self.grading, self.via, self.quote, self.document, self.page, self.accessed)
        ) or bool(self.links or self.date)


@dataclass(frozen=True)
class EventScore:
    """An event and its reports, or a possible common origin and its items: their weight
    together (as the model counts them), and counted as independent items."""

    id: str
    label: str
    reports: tuple[str, ...]  # an event's reports, or an origin's items
    weight_db: dict[str, float | None]  # all reports together, against the others
    independent_db: dict[str, float | None]  # the same reports counted as independent
    notes: str | None = None
    links: tuple[str, ...] = ()
    shared: str | None = None  # an origin's `shared:` as judged; None for an event

    @property
    def kind(self) -> str:
        return "event" if self.shared is None else "origin"

    @property
    def summary(self) -> str:
        """'3 reports'; '2 items, shared 50%'."""
        n = len(self.reports)
        if self.shared is None:
            return f"{n} report{'s' * (n != 1)}"
        return f"{n} item{'s' * (n != 1)}, shared {self.shared}"

    @property
    def together(self) -> str:
        """What its row stands for: '3 reports together', '2 items together, shared 50%'."""
        head, _, shared = self.summary.partition(", ")
        return f"{head} together" + (f", {shared}" if shared else "")


@dataclass(frozen=True)
class GroupScore:
    """Hypotheses reported together: P(one of the members | E) with its 90% interval (of the
    sum of the members' P(h | E, params), draw by draw)."""

    id: str
    label: str
    members: tuple[str, ...]
    posterior: Estimate
    verbal: str
    # The same sum under the prior (CSV and Markdown; the JSON keeps the keys of docs/model.md section 6).
    prior: Estimate | None = None


@dataclass(frozen=True)
class SourceNote:
    """A source's notes and links, as the analyst wrote them (they change no number)."""

    id: str
    label: str
    notes: str | None = None
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class PendingItem:
    """An item whose observation is pending: not in the posterior, listed so nobody forgets it."""

    id: str
    label: str
    date: str | None = None
    notes: str | None = None
    links: tuple[str, ...] = ()


@dataclass(frozen=True)
class Confidence:
    """Analytic confidence (docs/model.md section 10): `low`, `moderate` or `high`, and why."""

    level: str
    reasons: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "reasons": list(self.reasons)}

    @property
    def line(self) -> str:
        """'Confidence: moderate: reason; reason' (the table's footer, the Markdown)."""
        return f"Confidence: {self.level}" + (f": {'; '.join(self.reasons)}" if self.reasons else "")


@dataclass(frozen=True)
class Diagnostics:
    """How the numbers were computed: the engine, its draws and their Monte Carlo errors."""

    engine: str
    draws: int
    ess: float
    seed: int | None
    seconds: float
    version: str
    rhat: float | None = None
    divergences: int | None = None
    reason: str = ""  # why this engine ran, when `auto` chose it
    mean_mcse: float = 0.0  # largest Monte Carlo standard error of the posterior means (0: exact)
    # Components coupled by uncertain sources or events, and how each was computed.
    components: tuple[dict[str, Any], ...] = ()
    sampler: str | None = None  # the pymc engine's NUTS implementation (numpyro or pymc)
    interval_mcse: float = 0.0  # largest Monte Carlo standard error of the interval ends


@dataclass(frozen=True)
class SuspectedOrigin:
    """Independent items that may repeat one origin though none is declared (docs/case-format.md,
    "Suspected common origins"): found by `hypotheses.analysis.detection`, shown as a warning."""

    items: tuple[str, ...]  # 2+ item ids, in case order
    reasons: tuple[str, ...]  # sorted, e.g. "same link https://example.org/a", "near-identical labels (94%)"
    # P(h | E) were the items one origin at shared 0.5, per hypothesis; empty when not computed
    # (`validate` does not score).
    if_shared: dict[str, float] = field(default_factory=dict)
    warning: str = ""  # the sentence of the warnings (and of explain's section)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": list(self.items),
            "reasons": list(self.reasons),
            "if_shared": {h: _number(p) for h, p in self.if_shared.items()},
        }


@dataclass(frozen=True)
class Scorecard:
    """Per hypothesis: prior and posterior with intervals; per item: weights; diagnostics."""

    title: str
    question: str | None
    path: str
    sha256: str
    scale: str
    hypotheses: tuple[HypothesisScore, ...]
    evidence: tuple[EvidenceScore, ...]
    diagnostics: Diagnostics
    warnings: tuple[str, ...] = field(default=())
    explanation: Explanation | None = None
    notes: str | None = None
    groups: tuple[GroupScore, ...] = ()
    pending: tuple[PendingItem, ...] = ()
    resolution: dict[str, str | None] | None = None  # {hypothesis, date, notes}
    # P(h | E) after each date of the dated items (undated items count from the start): the
    # first entry, date None, is before any dated item.
    timeline: tuple[tuple[str | None, dict[str, float]], ...] = ()
    sources: tuple[SourceNote, ...] = ()  # the sources with notes or links (the rest say nothing)
    events: tuple[EventScore, ...] = ()
    origins: tuple[EventScore, ...] = ()  # possible common origins (each with `shared`)
    # Undeclared common origins that the items suggest (always in the JSON, [] when none).
    suspected_origins: tuple[SuspectedOrigin, ...] = ()
    scale_file: str | None = None  # the scale's file when it is not built in (HYPSCORE_SCALE_PATH)
    # Analytic confidence (analysis/confidence.py): None only for a Scorecard built by hand.
    confidence: Confidence | None = None
    as_of: str | None = None  # the case's information cut-off (ISO 8601)
    # Items dated after `as_of`: left out of the posterior, listed like the pending ones.
    after_as_of: tuple[PendingItem, ...] = ()
    # Key assumptions and the posterior were each wrong (with the explanation only).
    assumptions: tuple[AssumptionScore, ...] = ()
    # The engine's draws (an EngineResult), kept only when score(keep_draws=True) is asked for
    # them, for the NetCDF export; never part of the JSON.
    engine_result: Any = field(default=None, compare=False, repr=False)
    scored_case: Any = field(default=None, compare=False, repr=False)  # kept with the draws

    def to_inference_data(self):  # -> arviz.InferenceData
        """The draws as ArviZ InferenceData, as `score --netcdf` writes them (`draws_of`)."""
        return draws_of(self)

    def _repr_html_(self) -> str:
        """A notebook's view (`notebook_html`)."""
        return notebook_html(self)

    def case_date(self) -> str | None:
        """The case's own date (YYYY-MM-DD): its `as_of:`, else the latest date of its items and
        resolution, else None. Outputs date an assessment by this, never by the clock, so the
        same case gives the same bytes on any day (docs/exchange.md, Ids, timestamps and versions)."""
        dates = [self.as_of] if self.as_of else [e.date for e in self.evidence if e.date]
        if not self.as_of and self.resolution and self.resolution.get("date"):
            dates.append(str(self.resolution["date"]))
        return max(str(d)[:10] for d in dates) if dates else None

    def ranked(self) -> list[HypothesisScore]:
        """Hypotheses by posterior probability, highest first (ties keep case order)."""
        return sorted(self.hypotheses, key=lambda h: -h.posterior.mean)

    def evidence_blocks(self) -> list[tuple[EventScore | None, tuple[EvidenceScore, ...]]]:
        """The evidence as a reader takes it in: an independent item on its own (None, (item,)),
        an event with its reports nested under it (event, reports), and an origin with its items
        likewise, placed where its first item stands in the case. Every renderer shows events
        and origins this one way."""
        events = {g.id: g for g in self.events}
        member = {item: o for o in self.origins for item in o.reports}
        blocks: list[tuple[EventScore | None, tuple[EvidenceScore, ...]]] = []
        shown: set[str] = set()
        for item in self.evidence:
            if item.reports in events:
                event = events.pop(item.reports)
                reports = tuple(e for e in self.evidence if e.reports == event.id)
                blocks.append((event, reports))
            elif item.id in member:
                origin = member[item.id]
                if origin.id not in shown:
                    shown.add(origin.id)
                    blocks.append((origin, tuple(e for e in self.evidence if e.id in origin.reports)))
            elif item.reports is None:
                blocks.append((None, (item,)))
        return blocks

    def to_dict(self) -> dict[str, Any]:
        """The JSON layout of docs/model.md section 6 (the stable interface for other tools)."""
        d = self.diagnostics
        return {
            "schema": JSON_SCHEMA_VERSION,
            "case": {
                "title": self.title,
                "path": self.path,
                "sha256": self.sha256,
                **_said(notes=self.notes, scale_file=self.scale_file, as_of=self.as_of),
            },
            "hypotheses": [
                {
                    "id": h.id,
                    "label": h.label,
                    "prior": _estimate(h.prior),
                    "posterior": _estimate(h.posterior),
                    "verbal": h.verbal,
                    **_said(notes=h.notes),
                }
                for h in self.hypotheses
            ],
            "evidence": [
                {
                    "id": e.id,
                    "weight_db": {k: _weight(v) for k, v in e.weight_db.items()},
                    "diagnosticity": _number(e.diagnosticity),
                    "conflict_bits": _weight(e.conflict_bits),
                    **({} if e.observed else {"observed": False}),
                    **_said(reports=e.reports, via=list(e.via)),
                    **_said(date=e.date, notes=e.notes, links=list(e.links)),
                    "label": e.label,
                    **({"source": {"id": e.source, "label": e.source_label}} if e.source else {}),
                    **_said(grading=e.grading, quote=e.quote, document=e.document),
                    **_said(document_sha256=e.document_sha256, page=e.page, accessed=e.accessed),
                }
                for e in self.evidence
            ],
            **(
                {
                    "groups": [
                        {
                            "id": g.id,
                            "label": g.label,
                            "members": list(g.members),
                            "posterior": _estimate(g.posterior),
                            "verbal": g.verbal,
                        }
                        for g in self.groups
                    ]
                }
                if self.groups
                else {}
            ),
            **(
                {
                    "pending": [
                        {
                            "id": p.id,
                            "label": p.label,
                            **_said(date=p.date, notes=p.notes, links=list(p.links)),
                        }
                        for p in self.pending
                    ]
                }
                if self.pending
                else {}
            ),
            **_groups_json(self),
            **_after_as_of(self),
            **({"resolution": self.resolution} if self.resolution else {}),
            **(
                {
                    "sources": [
                        {"id": s.id, "label": s.label, **_said(notes=s.notes, links=list(s.links))}
                        for s in self.sources
                    ]
                }
                if self.sources
                else {}
            ),
            **(
                {"timeline": [{"date": day, "posterior": _clean(p)} for day, p in self.timeline]}
                if self.timeline
                else {}
            ),
            "diagnostics": {
                "engine": d.engine,
                "draws": d.draws,
                "ess": _number(d.ess),
                "seed": d.seed,
                "seconds": round(d.seconds, 4),
                "rhat": _number(d.rhat),
                "divergences": d.divergences,
                "reason": d.reason,
                "version": d.version,
                "mean_mcse": _number(d.mean_mcse),
                "interval_mcse": _number(d.interval_mcse),
                **({"components": _clean(list(d.components))} if d.components else {}),
                **({"sampler": d.sampler} if d.sampler else {}),
            },
            "suspected_origins": [s.to_dict() for s in self.suspected_origins],
            **_confidence_and_assumptions(self),
            "warnings": list(self.warnings),
            **({"explain": _clean(self.explanation.to_dict())} if self.explanation else {}),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per hypothesis (case order), for notebooks; needs pandas."""
        import pandas as pd

        return pd.DataFrame.from_records(self.rows()).set_index("hypothesis")

    def rows(self) -> list[dict[str, Any]]:
        """Flat per-hypothesis records: the CSV export and `to_frame` share them. A case with
        groups adds one row per group and a `members` column ('+'-joined; empty for a
        hypothesis), so a case without groups keeps its columns."""
        rows = [
            {
                "hypothesis": h.id,
                "label": h.label,
                "prior_mean": h.prior.mean,
                "prior_lo": h.prior.lo,
                "prior_hi": h.prior.hi,
                "posterior_mean": h.posterior.mean,
                "posterior_lo": h.posterior.lo,
                "posterior_hi": h.posterior.hi,
                "verbal": h.verbal,
            }
            for h in self.hypotheses
        ]
        if not self.groups:
            return rows
        for row in rows:
            row["members"] = ""
        by_id = {h.id: h for h in self.hypotheses}
        for g in self.groups:
            rows.append(
                {
                    "hypothesis": g.id,
                    "label": g.label,
                    "prior_mean": sum(by_id[m].prior.mean for m in g.members),
                    "prior_lo": None if g.prior is None else g.prior.lo,
                    "prior_hi": None if g.prior is None else g.prior.hi,
                    "posterior_mean": g.posterior.mean,
                    "posterior_lo": g.posterior.lo,
                    "posterior_hi": g.posterior.hi,
                    "verbal": g.verbal,
                    "members": "+".join(g.members),
                }
            )
        return rows


def _groups_json(card: Scorecard) -> dict[str, Any]:
    """`events` and `origins` of the JSON, each present only when the case has some."""

    def entry(g: EventScore, members: str) -> dict[str, Any]:
        return {
            "id": g.id,
            "label": g.label,
            members: list(g.reports),
            **({"shared": g.shared} if g.shared is not None else {}),
            "weight_db": {k: _weight(v) for k, v in g.weight_db.items()},
            "independent_db": {k: _weight(v) for k, v in g.independent_db.items()},
            **_said(notes=g.notes, links=list(g.links)),
        }

    out: dict[str, Any] = {}
    if card.events:
        out["events"] = [entry(g, "reports") for g in card.events]
    if card.origins:
        out["origins"] = [entry(g, "items") for g in card.origins]
    return out


def _after_as_of(card: Scorecard) -> dict[str, Any]:
    """JSON `after_as_of`: the items the information cut-off left out, listed like `pending`."""
    if not card.after_as_of:
        return {}
    return {
        "after_as_of": [
            {"id": p.id, "label": p.label, **_said(date=p.date, notes=p.notes, links=list(p.links))}
            for p in card.after_as_of
        ]
    }


def _confidence_and_assumptions(card: Scorecard) -> dict[str, Any]:
    """JSON `confidence` {level, reasons} and `assumptions` [{id, label, if_wrong: {h: mean}}]."""
    out: dict[str, Any] = {"confidence": card.confidence.to_dict()} if card.confidence else {}
    if card.assumptions:
        out["assumptions"] = [
            {"id": a.id, "label": a.label, "if_wrong": _clean(a.if_wrong), **_said(notes=a.notes)}
            for a in card.assumptions
        ]
    return out


def _number(x: float | None) -> float | None:
    """JSON has no NaN or infinity: those become null. Ten significant digits are plenty."""
    if x is None or not math.isfinite(x):
        return None
    return float(f"{x:.10g}")


def _said(**fields: Any) -> dict[str, Any]:
    """The analyst's optional text (notes, date, links) under its own key, only when given."""
    return {key: value for key, value in fields.items() if value not in (None, [], ())}


def _weight(x: float | None) -> float | str | None:
    """A weight of evidence for JSON: null when undefined (no alternative hypothesis left),
    the strings "inf" / "-inf" when the item makes the hypothesis certain / rules it out:
    JSON has no infinity, and a reader must be able to tell the two apart."""
    if x is not None and math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return _number(x)


def _clean(value: Any) -> Any:
    """Round floats and turn NaN/infinity into null throughout a nested structure."""
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _estimate(e: Estimate) -> dict[str, float | None]:
    return {"mean": _number(e.mean), "lo": _number(e.lo), "hi": _number(e.hi)}


def draws_of(card: Scorecard):  # -> arviz.InferenceData (imported only here: it costs seconds)
    """A notebook user's `az.plot_forest`, `az.summary` and prior-against-posterior plots of the
    judgments. Needs the draws: `score(case, keep_draws=True)`."""
    if card.engine_result is None or card.scored_case is None:
        raise ValueError(
            "this Scorecard has no draws: score the case with keep_draws=True, e.g. "
            "score(case, keep_draws=True).to_inference_data()"
        )
    from hypotheses.model.draws import inference_data

    return inference_data(card.scored_case, card.engine_result, card.diagnostics.seed)


def notebook_html(card: Scorecard) -> str:
    """A notebook's view of a Scorecard: each hypothesis's prior, posterior, 90% interval and
    words, every string escaped (a case's labels are data, never markup)."""
    from html import escape

    from hypotheses.text import interval, percent

    rows = "".join(
        f"<tr><td>{escape(h.id)}</td><td>{escape(h.label)}</td><td>{percent(h.prior.mean)}</td>"
        f"<td><b>{percent(h.posterior.mean)}</b></td><td>{interval(h.posterior.lo, h.posterior.hi)}</td>"
        f"<td>{escape(h.verbal)}</td></tr>"
        for h in card.ranked()
    )
    warnings = "".join(f"<li>{escape(w)}</li>" for w in card.warnings)
    return (
        f"<div><b>{escape(card.title)}</b><table><thead><tr><th>id</th><th>hypothesis</th>"
        "<th>prior</th><th>posterior</th><th>90% interval</th><th>in words</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>" + (f"<ul>{warnings}</ul>" if warnings else "") + "</div>"
    )
