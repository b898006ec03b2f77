"""The case-file format (docs/case-format.md) as pydantic models: validator and JSON Schema in one.
Their fields are the keys declared in keys.py (tests/test_case_keys.py holds them to it).

Judgments are parsed here, with the case's verbal scale passed in the validation context, so
an unknown word is reported at its own key like any other error.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    StringConstraints,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    create_model,
)
from pydantic_core import PydanticCustomError

from hypotheses.case import keys
from hypotheses.case.fast import read_date
from priors import (
    DEFAULT_SCALE,
    PRIOR_FACTORS,
    JudgmentError,
    ScaleError,
    get_scale,
    parse_credibility,
    parse_grading,
    parse_judgment,
    parse_model_error,
    parse_ratio,
    parse_reliability,
    parse_weight,
    scale_names,
)
from priors.judgment import WholeJudgmentError
from priors.reliability import ADMIRALTY

ID_PATTERN = r"^[a-z][a-z0-9_]*$"
Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]

_PROBABILITY = {"type": "number", "minimum": 0, "maximum": 1}
_PERCENT = {"type": "string", "pattern": r"^\s*[0-9]+(\.[0-9]+)?\s*%\s*$"}


def _scale_words(name: str) -> list[str]:
    """A scale's words for the schema's examples; a broken scale file (on HYPSCORE_SCALE_PATH)
    must not stop the package from importing: it is reported where a case uses it."""
    try:
        return get_scale(name).words()
    except ScaleError:
        return []


def _judgment_schema() -> dict[str, Any]:
    words = sorted({w for name in scale_names() for w in _scale_words(name)})
    return {
        "description": "A probability: number, percent, word of the case's scale, interval "
        "[low, high] (5% and 95% quantiles) or {beta: [a, b]}",
        "anyOf": [
            _PROBABILITY,
            _PERCENT,
            {"type": "string", "description": "a word or phrase of the case's scale", "examples": words},
            {"type": "array", "items": {"anyOf": [_PROBABILITY, _PERCENT]}, "minItems": 2, "maxItems": 2},
            {
                "type": "object",
                "properties": {
                    "beta": {
                        "type": "array",
                        "items": {"type": "number", "exclusiveMinimum": 0},
                        "minItems": 2,
                        "maxItems": 2,
                    }
                },
                "required": ["beta"],
                "additionalProperties": False,
            },
        ],
    }


def _scale(info: ValidationInfo) -> Any:
    return get_scale((info.context or {}).get("scale", DEFAULT_SCALE))


def _reading(parse: Callable[..., Any], with_scale: bool = True) -> Callable[[Any, ValidationInfo], Any]:
    """A pydantic validator that reads a value with `parse` (given the case's scale when it
    takes one) and reports its JudgmentError at the value's own key."""

    def read(value: Any, info: ValidationInfo) -> Any:
        try:
            return parse(value, _scale(info)) if with_scale else parse(value)
        except JudgmentError as exc:
            raise PydanticCustomError("judgment", "{message}", {"message": str(exc)}) from None

    return read


_as_judgment = _reading(parse_judgment)
_as_weight = _reading(parse_weight)
_as_credibility = _reading(parse_credibility)  # (judgment, warning)
_as_grading = _reading(parse_grading, with_scale=False)  # (letter, credibility judgment)
_as_ratio = _reading(parse_ratio, with_scale=False)
_as_reliability = _reading(parse_reliability)


def _probability(meaning: str, parse: Callable[[Any, Any], Any] = parse_judgment) -> Any:
    """A judgment field that is a probability and nothing else (an origin's `shared`, a rate,
    the model error): its error says what the probability means, and leaves out the judgment
    parser's hint about weights and ratios, which this key takes neither of."""

    def read(value: Any, info: ValidationInfo) -> Any:
        try:
            return parse(value, _scale(info))
        except WholeJudgmentError as exc:  # parse_model_error's own: complete
            raise PydanticCustomError("judgment", "{message}", {"message": str(exc)}) from None
        except JudgmentError as exc:
            said = str(exc).split("; only a prior may be")[0]
            message = f"must be a probability from 0 to 1 ({meaning}); {said}"
            raise PydanticCustomError("judgment", "{message}", {"message": message}) from None

    return Annotated[Any, PlainValidator(read), WithJsonSchema(_judgment_schema())]


JudgmentField = Annotated[Any, PlainValidator(_as_judgment), WithJsonSchema(_judgment_schema())]


def _as_factor(value: Any, info: ValidationInfo) -> Any:
    """A prior factor: a probability. The judgment parser's hint that "only a prior may be a
    weight" would contradict itself here (a factor is part of the prior), so it is made exact."""
    try:
        return parse_judgment(value, _scale(info))
    except JudgmentError as exc:
        said = str(exc).split("; only a prior may be")[0]
        if said != str(exc):
            said += (
                "; a prior factor is a probability; only a hypothesis's single `prior:` number may "
                "be a weight above 1"
            )
        raise PydanticCustomError("judgment", "{message}", {"message": said}) from None


FactorField = Annotated[Any, PlainValidator(_as_factor), WithJsonSchema(_judgment_schema())]
SharedField = _probability("that the items all repeat one origin")
HitField = _probability("P(reported | what it reports is true)")
FalseAlarmField = _probability("P(reported | what it reports is not true)")
ModelErrorField = _probability("that any one judgment is simply wrong", parse_model_error)
# (judgment, warning): one of the six Admiralty credibility words, or a judgment of the scale.
CredibilityField = Annotated[
    Any,
    PlainValidator(_as_credibility),
    WithJsonSchema(
        {
            "description": "a judgment, or an Admiralty information-credibility word (confirmed, "
            "probably true, possibly true, doubtful, improbable, cannot be judged)",
            "anyOf": [_judgment_schema()],
        }
    ),
]
GradingField = Annotated[
    Any,
    PlainValidator(_as_grading),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^\\s*[A-Fa-f]\\s*[1-6]\\s*$",
            "description": "two-part Admiralty grading, e.g. B2: source reliability letter A-F, "
            "information credibility digit 1-6",
        }
    ),
]
RatioField = Annotated[
    Any,
    PlainValidator(_as_ratio),
    WithJsonSchema(
        {
            "description": "a likelihood ratio: positive number, fraction, or interval [low, high] "
            "(a log-normal with 5% and 95% quantiles at the ends)",
            "anyOf": [
                {"type": "number", "exclusiveMinimum": 0},
                {"type": "string"},
                {
                    "type": "array",
                    "items": {"type": "number", "exclusiveMinimum": 0},
                    "minItems": 2,
                    "maxItems": 2,
                },
            ],
        }
    ),
]
WeightField = Annotated[
    Any,
    PlainValidator(_as_weight),
    WithJsonSchema(
        {
            "description": "a prior: a probability judgment or any positive number (a relative weight)",
            "anyOf": [{"type": "number", "exclusiveMinimum": 0}, _judgment_schema()],
        }
    ),
]
ReliabilityField = Annotated[
    Any,
    PlainValidator(_as_reliability),
    WithJsonSchema(
        {
            "description": "Admiralty code A-F or a judgment",
            "anyOf": [{"type": "string", "enum": list(ADMIRALTY)}, _judgment_schema()],
        }
    ),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# Built from the declared factor names (priors/factors.py), so that a new factor needs no edit here.
PriorFactors = create_model(
    "PriorFactors",
    __base__=_Strict,
    __doc__="A prior weight given as a product of factors; a missing factor counts as 1.",
    __module__=__name__,
    **{
        name: (FactorField | None, Field(default=None, description=PRIOR_FACTORS[name]))
        for name in keys.FACTORS.keys
    },
)


def _prior_kind(value: Any) -> str:
    if isinstance(value, PriorFactors):
        return "factors"
    return "factors" if isinstance(value, dict) and "beta" not in value else "judgment"


PriorField = Annotated[
    Annotated[WeightField, Tag("judgment")] | Annotated[PriorFactors, Tag("factors")],
    Discriminator(_prior_kind),
]


def _as_date(value: Any) -> datetime.date:
    """fast.read_date, its failure as this key's error."""
    try:
        return read_date(value)
    except ValueError:
        text = value.strip() if isinstance(value, str) else ""
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):  # the right shape, but no such day
            message = f"date {value!r} is not a day of the calendar (check the month and the day)"
        else:
            message = f"date {value!r} is not a date; write YYYY-MM-DD"
        raise PydanticCustomError("judgment", "{message}", {"message": message}) from None


IsoDate = Annotated[Any, PlainValidator(_as_date), WithJsonSchema({"type": "string", "format": "date"})]


def _as_page(value: Any) -> str | int:
    """A page as written: text ('12-14', 'iv') or a whole number; not a yes-or-no or a decimal."""
    if isinstance(value, str) or (type(value) is int):
        return value
    raise PydanticCustomError(
        "judgment",
        "{message}",
        {"message": f"page {value!r} is not a page; write a number or text such as 12-14"},
    )


PageField = Annotated[
    Any, PlainValidator(_as_page), WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "integer"}]})
]
Notes = Annotated[str | None, Field(default=None, description="the analyst's reasoning; changes no number")]
Links = Annotated[list[str], Field(default_factory=list, description="where to read more; changes no number")]


class HypothesisSpec(_Strict):
    """One explanation; mutually exclusive with the others."""

    id: Id
    label: str
    prior: PriorField | None = Field(
        default=None, description="a judgment, or factors whose product is the prior weight"
    )
    notes: Notes = None


class SourceSpec(_Strict):
    """Where reports come from; items citing one source share its reliability."""

    label: str | None = None
    reliability: ReliabilityField | None = None
    notes: Notes = None
    links: Links


class EvidenceSpec(_Strict):
    """An observed report with P(report | hypothesis) for every hypothesis."""

    id: Id
    label: str
    source: str | None = None
    credibility: CredibilityField | None = None
    likelihoods: dict[str, JudgmentField] | None = Field(
        default=None,
        description="P(this evidence | hypothesis) per hypothesis id; `default` fills the rest",
    )
    grading: GradingField | None = None
    ratios: dict[str, RatioField] | None = Field(
        default=None,
        description="instead of likelihoods: numbers proportional to P(E | h) per hypothesis id "
        "(`default` allowed); only with credibility 1 and no source or grading",
    )
    observed: bool | Literal["pending"] = Field(
        default=True,
        description="true (default): seen; false: looked for and absent (P(not E | h) = 1 - P(E | h)); "
        "pending: not yet known (left out of the posterior)",
    )
    date: IsoDate | None = Field(default=None, description="when the item was observed (YYYY-MM-DD)")
    reports: Id | None = Field(
        default=None,
        description="instead of likelihoods: the id of the event (under `events:`) this item reports",
    )
    via: list[str] = Field(
        default_factory=list,
        description="the sources the report passed through, in turn; each one's reliability "
        "multiplies the item's credibility",
    )
    hit: HitField | None = Field(
        default=None,
        description="P(the item is reported | what it reports is true); with `false_alarm:`, "
        "instead of credibility, grading and `via:` (a source's reliability is then not applied)",
    )
    false_alarm: FalseAlarmField | None = Field(
        default=None,
        description="P(the item is reported | what it reports is not true); with `hit:`; above "
        "`hit` the item counts against what it says (a planted report)",
    )
    notes: Notes = None
    links: Links
    # Sourcing (docs/case-format.md, "Sourcing"): where the item's words can be read; no number.
    quote: str | None = Field(default=None, description="the source's words, verbatim")
    document: str | None = Field(
        default=None,
        description="where the quote can be read: a path relative to the case file (a local text "
        "file is checked for the quote) or a URL (never fetched)",
    )
    page: PageField | None = Field(default=None, description="the page (or pages) of the document")
    accessed: IsoDate | None = Field(default=None, description="when the document was read (YYYY-MM-DD)")


class EventSpec(_Strict):
    """Something several items report: they are not independent given the hypothesis."""

    label: str
    likelihoods: dict[str, JudgmentField] = Field(
        description="P(the event happened | hypothesis) per hypothesis id; `default` fills the rest",
    )
    notes: Notes = None
    links: Links


class OriginSpec(_Strict):
    """Items that may all repeat one origin: with probability `shared` they are reports of one
    event, otherwise independent items."""

    label: str
    items: list[str] = Field(
        description="two or more ids of observed evidence items with likelihoods of their own",
        json_schema_extra={"minItems": 2},
    )
    shared: SharedField = Field(description="the probability that the items all repeat one origin")
    likelihoods: dict[str, JudgmentField] | None = Field(
        default=None,
        description="P(the origin's report | hypothesis) per hypothesis id (`default` fills the "
        "rest); when not given, those of the first item listed",
    )
    notes: Notes = None
    links: Links


class GroupSpec(_Strict):
    """Hypotheses reported together: the probability that one of them is true."""

    label: str
    members: list[Id] = Field(min_length=2, description="two or more hypothesis ids")


class ResolutionSpec(_Strict):
    """The truth, once known: changes no number (calibration reads it)."""

    hypothesis: Id
    date: IsoDate | None = None
    notes: Notes = None


# A judgment of `if_wrong:`, kept as written: what it may be (a weight, a ratio, an Admiralty
# letter, a probability) depends on its place, so the case's rules read it (checks.py).
IfWrongValue = Annotated[
    Any,
    WithJsonSchema(
        {
            "description": "the judgment at that place were the assumption wrong, written as "
            "the place takes it (a probability, a prior weight, a ratio, a reliability letter)",
            "anyOf": [{"type": "number"}, {"type": "string"}, _judgment_schema()],
        }
    ),
]


class AssumptionSpec(_Strict):
    """A key assumption: what the analyst would judge differently were it wrong."""

    label: str
    if_wrong: dict[str, IfWrongValue] = Field(
        description="place (docs/model.md section 4: prior/<h>, lik/<item>/<h>, credibility/<item>, "
        "reliability/<source>, ...) -> the judgment there were the assumption wrong",
        json_schema_extra={"minProperties": 1},
    )
    notes: Notes = None


class CaseSpec(_Strict):
    """A case file, schema 1."""

    schema_version: Literal[1] = Field(alias="schema")
    title: str
    question: str | None = None
    scale: str = DEFAULT_SCALE
    model_error: ModelErrorField | None = Field(
        default=None,
        description="the probability that any single item's judgment is simply wrong (the item then "
        "says nothing); default 0",
    )
    hypotheses: list[HypothesisSpec] = Field(min_length=2)
    sources: dict[Id, SourceSpec] = Field(default_factory=dict)
    events: dict[Id, EventSpec] = Field(default_factory=dict)
    evidence: list[EvidenceSpec] = Field(default_factory=list)
    origins: dict[Id, OriginSpec] = Field(default_factory=dict)
    notes: Notes = None
    groups: dict[Id, GroupSpec] = Field(default_factory=dict)
    resolution: ResolutionSpec | None = None
    as_of: IsoDate | None = Field(
        default=None,
        description="the information cut-off (YYYY-MM-DD): items dated after it are left out and listed",
    )
    assumptions: dict[Id, AssumptionSpec] = Field(default_factory=dict)


def case_json_schema() -> dict[str, Any]:
    """JSON Schema of the case format, from the same models the loader validates with."""
    schema = CaseSpec.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "hypscore case file (schema 1)"
    return schema


__all__ = [
    "ID_PATTERN",
    "AssumptionSpec",
    "CaseSpec",
    "EvidenceSpec",
    "HypothesisSpec",
    "OriginSpec",
    "PriorFactors",
    "SourceSpec",
    "case_json_schema",
]
