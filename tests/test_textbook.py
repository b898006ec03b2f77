"""Closed-form answers of textbook Bayes problems, through the bundled example files."""

from __future__ import annotations

import pytest

from hypotheses import load_case, score
from tests.helpers import EXAMPLES


@pytest.mark.parametrize(
    ("example", "hypothesis", "expected"),
    [
        ("taxicab.yaml", "blue", 0.15 * 0.8 / (0.15 * 0.8 + 0.85 * 0.2)),  # 0.4138
        ("mammography.yaml", "cancer", 0.008 / (0.008 + 0.99 * 0.096)),  # 0.0776
        ("monty-hall.yaml", "door2", 2 / 3),
    ],
)
def test_textbook_answer(example: str, hypothesis: str, expected: float) -> None:
    card = score(load_case(EXAMPLES / example), engine="numpy")
    result = {h.id: h.posterior for h in card.hypotheses}[hypothesis]
    assert result.mean == pytest.approx(expected, rel=1e-12)
    # Point judgments only: the credible interval collapses onto the exact answer.
    assert result.lo == pytest.approx(expected, rel=1e-12)
    assert result.hi == pytest.approx(expected, rel=1e-12)


def test_rounded_textbook_values() -> None:
    taxi = {h.id: h.posterior.mean for h in score(EXAMPLES / "taxicab.yaml").hypotheses}
    mammo = {h.id: h.posterior.mean for h in score(EXAMPLES / "mammography.yaml").hypotheses}
    assert round(taxi["blue"], 4) == 0.4138
    assert round(mammo["cancer"], 4) == 0.0776


def test_monty_hall_rules_out_door3_with_a_warning() -> None:
    case = load_case(EXAMPLES / "monty-hall.yaml")
    assert any("door3" in w.message and w.severity == "warning" for w in case.warnings)
    card = score(case)
    assert {h.id: h.posterior.mean for h in card.hypotheses}["door3"] == 0.0


def test_court_case_in_odds_and_a_ratio() -> None:
    """Prior odds 30:1 and a likelihood ratio of 5, typed as published: 150:1."""
    card = score(EXAMPLES / "court-odds.yaml", engine="numpy")
    assert card.hypotheses[0].posterior.mean == pytest.approx(150 / 151, rel=1e-12)
