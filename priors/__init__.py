"""Judgments: how analysts' numbers, words and ranges become probability distributions."""

from priors.factors import PRIOR_FACTORS
from priors.judgment import Beta, Judgment, JudgmentError, Point, from_range, parse_judgment, parse_weight
from priors.reliability import ADMIRALTY, parse_reliability
from priors.scales import DEFAULT_SCALE, Scale, ScaleError, Term, get_scale, scale_names

__all__ = [
    "ADMIRALTY",
    "DEFAULT_SCALE",
    "PRIOR_FACTORS",
    "Beta",
    "Judgment",
    "JudgmentError",
    "Point",
    "Scale",
    "ScaleError",
    "Term",
    "from_range",
    "get_scale",
    "parse_judgment",
    "parse_reliability",
    "parse_weight",
    "scale_names",
]
