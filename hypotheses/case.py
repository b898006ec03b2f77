"""Load a case file into a validated, typed `Case`: every rule of DESIGN.md section 2, all
problems reported at once with their line."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hypotheses.errors import CaseError, Problem
from hypotheses.spec import ID_PATTERN, MODEL_AT, CaseSpec, PriorFactors, field_names
from hypotheses.yamlsource import LineMap, parse, read_text
from priors import DEFAULT_SCALE, Judgment, Point, Scale, get_scale, scale_names

DEFAULT_KEY = "default"


@dataclass(frozen=True)
class Hypothesis:
    """An explanation with its prior weight as named factors (empty: weight 1)."""

    id: str
    label: str
    prior: tuple[tuple[str, Judgment], ...]


@dataclass(frozen=True)
class Source:
    """A source of reports; its reliability is shared by every item that cites it."""

    id: str
    label: str
    reliability: Judgment


@dataclass(frozen=True)
class EvidenceItem:
    """A report, its credibility and P(report | h) for each hypothesis, in hypothesis order."""

    id: str
    label: str
    source: str | None
    credibility: Judgment
    likelihoods: tuple[Judgment, ...]


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

    @property
    def scale(self) -> Scale:
        return get_scale(self.scale_name)

    @property
    def hypothesis_ids(self) -> list[str]:
        return [h.id for h in self.hypotheses]

    def source(self, source_id: str | None) -> Source | None:
        return next((s for s in self.sources if s.id == source_id), None)


def load_case(path: str | Path) -> Case:
    """Read and validate a case file; raises CaseError listing every problem found."""
    path = Path(path)
    return case_from_text(read_text(path), str(path))


def case_from_text(text: str, path: str = "<case>") -> Case:
    """Validate a case given as YAML text (`path` names it in messages and exports)."""
    data, lines = parse(text, path)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a single value ({data!r})"
        raise CaseError(
            [
                Problem(
                    path,
                    1,
                    f"a case file must be a mapping with keys schema, title, "
                    f"hypotheses, ...; this document is {kind}",
                )
            ]
        )
    scale_name = data.get("scale", DEFAULT_SCALE)
    if not isinstance(scale_name, str) or scale_name not in scale_names():
        close = difflib.get_close_matches(str(scale_name), scale_names(), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise CaseError(
            [
                Problem(
                    path,
                    lines.line(("scale",)),
                    f"unknown scale '{scale_name}'{hint}; known scales: {', '.join(scale_names())}",
                )
            ]
        )
    try:
        spec = CaseSpec.model_validate(data, context={"scale": scale_name})
    except ValidationError as exc:
        raise CaseError(_problems_from_pydantic(exc, data, lines, path)) from None
    return _Checker(spec, lines, path, hashlib.sha256(text.encode("utf-8")).hexdigest()).case()


def _clean_path(loc: Iterable[Any], data: Any) -> tuple[Any, ...]:
    """The part of a pydantic location that exists in the document (drops union tags)."""
    path: list[Any] = []
    node = data
    for part in loc:
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and part == "schema_version":
            path.append("schema")
            node = node.get("schema")
    return tuple(path)


def _model_at(path: tuple[Any, ...]) -> Any:
    shape = tuple("#" if isinstance(p, int) else p for p in path)
    if len(shape) == 2 and shape[0] == "sources":
        shape = ("sources", "*")
    return MODEL_AT.get(shape)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def _problems_from_pydantic(exc: ValidationError, data: Any, lines: LineMap, name: str) -> list[Problem]:
    problems = []
    for error in exc.errors():
        kind, loc = error["type"], error["loc"]
        path = _clean_path(loc, data)
        field = str(path[-1]) if path else "case"
        line = lines.line(path) or 1
        if kind == "missing":
            missing = "schema" if loc[-1] == "schema_version" else loc[-1]
            where = f" in {_where(path)}" if path else ""
            message = f"missing required field '{missing}'{where}"
        elif kind == "extra_forbidden":
            model = _model_at(path[:-1])
            allowed = field_names(model) if model else []
            close = difflib.get_close_matches(field, allowed, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            noun = "prior factor" if model is PriorFactors else "field"
            message = f"unknown {noun} '{field}'{hint}; allowed: {', '.join(allowed)}"
        elif kind == "string_pattern_mismatch":
            value = error["input"]
            suggestion = "_".join(str(value).lower().split()) or "my_id"
            message = (
                f"invalid id '{value}': ids start with a lowercase letter and use only "
                f"a-z, 0-9 and _ (e.g. '{suggestion}'); pattern {ID_PATTERN}"
            )
        elif kind == "literal_error" and path == ("schema",):
            message = f"unsupported schema {error['input']!r}; this hypscore reads `schema: 1`"
        elif kind == "too_short" and path == ("hypotheses",):
            message = (
                f"a case needs at least 2 hypotheses (found {len(error['input'])}); "
                "add the alternatives you are weighing"
            )
        elif kind == "judgment":
            message = f"{_where(path)}: {error['ctx']['message']}"
        else:
            said = error["msg"][0].lower() + error["msg"][1:]
            message = f"{_where(path)}: {said}, got {_describe(error['input'])}"
            if isinstance(error["input"], bool):
                message += (
                    "; YAML reads unquoted yes/no/on/off/true/false as a yes-or-no value: "
                    "put the word in quotes, e.g. 'no'"
                )
        problems.append(Problem(name, line, message))
    return _unique(problems)


def _where(path: tuple[Any, ...]) -> str:
    """A human name for a place in the document, e.g. "likelihood of 'mistake' in evidence 2"."""
    if not path:
        return "case"
    parts = list(path)
    head = f"'{parts[-1]}'"
    if len(parts) >= 3 and parts[-2] == "likelihoods":
        head = f"likelihood of '{parts[-1]}'"
    if parts[0] in ("hypotheses", "evidence") and len(parts) >= 2 and isinstance(parts[1], int):
        noun = "hypothesis" if parts[0] == "hypotheses" else "evidence item"
        return f"{noun} {parts[1] + 1}" if len(parts) == 2 else f"{head} of {noun} {parts[1] + 1}"
    if parts[0] == "sources" and len(parts) >= 3:
        return f"{head} of source '{parts[1]}'"
    return head


def _unique(problems: list[Problem]) -> list[Problem]:
    seen, out = set(), []
    for p in problems:
        if (p.line, p.message) not in seen:
            seen.add((p.line, p.message))
            out.append(p)
    return out


class _Checker:
    """The cross-reference rules pydantic cannot see: ids, priors, likelihood coverage."""

    def __init__(self, spec: CaseSpec, lines: LineMap, name: str, sha256: str) -> None:
        self.spec, self.lines, self.name, self.sha256 = spec, lines, name, sha256
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, path: tuple[Any, ...], message: str) -> None:
        self.errors.append(Problem(self.name, self.lines.line(path) or 1, message))

    def warn(self, path: tuple[Any, ...], message: str) -> None:
        self.warnings.append(Problem(self.name, self.lines.line(path) or 1, message, "warning"))

    def case(self) -> Case:
        hypotheses = self._hypotheses()
        ids = [h.id for h in hypotheses]
        sources = self._sources()
        evidence = self._evidence(ids, {s.id for s in sources})
        self._something_survives(hypotheses, evidence)
        if self.errors:
            raise CaseError(sorted(self.errors, key=lambda p: p.line or 0))
        spec = self.spec
        return Case(
            title=spec.title,
            question=spec.question,
            scale_name=spec.scale,
            hypotheses=tuple(hypotheses),
            sources=tuple(sources),
            evidence=tuple(evidence),
            path=self.name,
            sha256=self.sha256,
            warnings=tuple(sorted(self.warnings, key=lambda p: p.line or 0)),
        )

    def _duplicates(self, section: str, ids: list[str], noun: str) -> None:
        first: dict[str, int] = {}
        for index, item_id in enumerate(ids):
            if item_id in first:
                line = self.lines.line((section, first[item_id], "id"))
                self.error(
                    (section, index, "id"),
                    f"duplicate {noun} id '{item_id}' (first used at line {line}); ids must be unique",
                )
            else:
                first[item_id] = index

    def _hypotheses(self) -> list[Hypothesis]:
        specs = self.spec.hypotheses
        self._duplicates("hypotheses", [h.id for h in specs], "hypothesis")
        stated = [h.prior is not None for h in specs]
        if any(stated) and not all(stated):
            for index, h in enumerate(specs):
                if h.prior is None:
                    self.error(
                        ("hypotheses", index),
                        f"hypothesis '{h.id}' has no prior while "
                        "others do; give every hypothesis a prior, or none (equal priors)",
                    )
        out = []
        for index, h in enumerate(specs):
            if h.id == DEFAULT_KEY:
                self.error(
                    ("hypotheses", index, "id"),
                    "'default' is reserved (it fills missing likelihoods); choose another hypothesis id",
                )
            factors: tuple[tuple[str, Judgment], ...]
            if h.prior is None:
                factors = ()
            elif isinstance(h.prior, PriorFactors):
                factors = tuple((k, v) for k, v in h.prior if v is not None)
                if not factors:
                    self.error(
                        ("hypotheses", index, "prior"),
                        "a factored prior needs at least "
                        "one factor (base_rate, motive, opportunity, means, past_practice)",
                    )
            else:
                factors = (("prior", h.prior),)
            for factor, judgment in factors:
                if isinstance(judgment, Point) and judgment.value == 0:
                    where = ("hypotheses", index, "prior") + (() if factor == "prior" else (factor,))
                    what = "prior" if factor == "prior" else f"prior factor {factor}"
                    self.warn(
                        where,
                        f"{what} of '{h.id}' is 0: this rules the hypothesis "
                        "out whatever the evidence (Cromwell's rule); use a small value "
                        "such as 0.01 if it is merely unlikely",
                    )
            out.append(Hypothesis(h.id, h.label, factors))
        return out

    def _sources(self) -> list[Source]:
        return [
            Source(sid, s.label or sid, s.reliability or Point(1.0, "1 (default)"))
            for sid, s in self.spec.sources.items()
        ]

    def _evidence(self, ids: list[str], source_ids: set[str]) -> list[EvidenceItem]:
        specs = self.spec.evidence
        self._duplicates("evidence", [e.id for e in specs], "evidence")
        out = []
        for index, e in enumerate(specs):
            at = ("evidence", index)
            for key in e.likelihoods:
                if key != DEFAULT_KEY and key not in ids:
                    close = difflib.get_close_matches(key, ids, n=1)
                    hint = f" (did you mean '{close[0]}'?)" if close else ""
                    self.error(
                        (*at, "likelihoods", key),
                        f"unknown hypothesis '{key}'{hint} in "
                        f"the likelihoods of '{e.id}'; hypotheses: {', '.join(ids)}",
                    )
            missing = [h for h in ids if h not in e.likelihoods]
            default = e.likelihoods.get(DEFAULT_KEY)
            if missing and default is None:
                self.error(
                    (*at, "likelihoods"),
                    f"evidence '{e.id}' gives no likelihood for "
                    f"{', '.join(repr(m) for m in missing)}; add them or a `default:`",
                )
                continue
            likelihoods = tuple(e.likelihoods.get(h, default) for h in ids)
            if e.source is not None and e.source not in source_ids:
                known = sorted(source_ids)
                close = difflib.get_close_matches(e.source, known, n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                listing = f"; sources: {', '.join(known)}" if known else "; define it under `sources:`"
                self.error((*at, "source"), f"unknown source '{e.source}'{hint}{listing}")
            if all(isinstance(j, Point) and j.value == 0 for j in likelihoods):
                self.error(
                    (*at, "likelihoods"),
                    f"evidence '{e.id}' is impossible under every "
                    "hypothesis (all likelihoods 0); if it was observed, some hypothesis "
                    "must allow it",
                )
                continue
            for h, j in zip(ids, likelihoods, strict=True):
                key = h if h in e.likelihoods else DEFAULT_KEY
                if isinstance(j, Point) and j.value == 0:
                    source = self.spec.sources.get(e.source) if e.source is not None else None
                    doubted = not _point_one(e.credibility) or (
                        source is not None and not _point_one(source.reliability)
                    )
                    self.warn(
                        (*at, "likelihoods", key),
                        f"likelihood of '{h}' for '{e.id}' is 0, but the report may be unfounded "
                        "(credibility or source reliability below 1), so it weakens the hypothesis "
                        "without ruling it out"
                        if doubted
                        else f"likelihood of '{h}' for '{e.id}' is 0: "
                        "this evidence rules the hypothesis out for good (Cromwell's rule)",
                    )
                elif isinstance(j, Point) and j.value == 1:
                    self.warn(
                        (*at, "likelihoods", key),
                        f"likelihood of '{h}' for '{e.id}' is exactly 1 (certain); if there is any "
                        "doubt, write 0.99 or a word such as 'almost certain' (Cromwell's rule)",
                    )
            credibility = e.credibility if e.credibility is not None else Point(1.0, "1 (default)")
            out.append(EvidenceItem(e.id, e.label, e.source, credibility, likelihoods))
        return out

    def _something_survives(self, hypotheses: list[Hypothesis], evidence: list[EvidenceItem]) -> None:
        if self.errors:
            return

        def ruled_out(index: int) -> bool:
            prior_zero = any(isinstance(j, Point) and j.value == 0 for _, j in hypotheses[index].prior)
            evidence_zero = any(
                isinstance(e.likelihoods[index], Point)
                and e.likelihoods[index].value == 0
                and isinstance(e.credibility, Point)
                and e.credibility.value == 1
                and (e.source is None or _point_one(self.spec.sources[e.source].reliability))
                for e in evidence
            )
            return prior_zero or evidence_zero

        if all(ruled_out(i) for i in range(len(hypotheses))):
            self.error(
                ("hypotheses",),
                "every hypothesis is ruled out by a zero prior or a zero "
                "likelihood; at least one must remain possible",
            )


def _point_one(judgment: Judgment | None) -> bool:
    return judgment is None or (isinstance(judgment, Point) and judgment.value == 1)
