"""Source reliability: the Admiralty (NATO) codes A-F as judgments, or any judgment."""

from __future__ import annotations

from functools import cache
from typing import Any

from priors.judgment import Judgment, JudgmentError, from_range, parse_judgment
from priors.scales import Scale

# Code -> (meaning, range in percent), DESIGN.md section 2.
ADMIRALTY: dict[str, tuple[str, float, float]] = {
    "A": ("completely reliable", 95, 99),
    "B": ("usually reliable", 80, 95),
    "C": ("fairly reliable", 55, 80),
    "D": ("not usually reliable", 30, 55),
    "E": ("unreliable", 5, 30),
    "F": ("reliability cannot be judged", 5, 95),
}


@cache
def admiralty_judgment(code: str) -> Judgment:
    meaning, lo, hi = ADMIRALTY[code]
    return from_range(lo / 100.0, hi / 100.0, f"{code} ({meaning})")


def parse_reliability(value: Any, scale: Scale) -> Judgment:
    """An Admiralty letter (any case) or a judgment of the case's forms."""
    if isinstance(value, str) and len(value.strip()) == 1 and value.strip().isalpha():
        code = value.strip().upper()
        if code not in ADMIRALTY:
            raise JudgmentError(
                f"unknown Admiralty reliability code '{value}'; use A (completely reliable) "
                "to E (unreliable), F (cannot be judged), or a judgment such as 0.8"
            )
        return admiralty_judgment(code)
    return parse_judgment(value, scale)
