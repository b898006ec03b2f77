"""Judgments: how analysts' numbers, words and ranges become probability distributions."""

from priors.factors import PRIOR_FACTORS
from priors.judgment import (
    Beta,
    Judgment,
    JudgmentError,
    LogNormal,
    Point,
    complement,
    from_range,
    parse_judgment,
    parse_model_error,
    parse_ratio,
    parse_weight,
)
from priors.reliability import (
    ADMIRALTY,
    CREDIBILITY,
    admiralty_judgment,
    credibility_judgment,
    credibility_word,
    parse_credibility,
    parse_grading,
    parse_reliability,
)
from priors.scales import DEFAULT_SCALE, Scale, ScaleError, Term, get_scale, scale_names

__all__ = [
    "ADMIRALTY",
    "CREDIBILITY",
    "DEFAULT_SCALE",
    "PRIOR_FACTORS",
    "Beta",
    "Judgment",
    "JudgmentError",
    "LogNormal",
    "Point",
    "Scale",
    "ScaleError",
    "Term",
    "admiralty_judgment",
    "complement",
    "credibility_judgment",
    "credibility_word",
    "from_range",
    "get_scale",
    "parse_credibility",
    "parse_grading",
    "parse_judgment",
    "parse_model_error",
    "parse_ratio",
    "parse_reliability",
    "parse_weight",
    "scale_names",
]
