"""The case language's second edition (DESIGN.md section 7), as far as it is built: the forms
probabilities are published in, priors as relative weights and the two prior warnings, and
messages that say which form a number above 1 was probably meant in."""

from __future__ import annotations

from fractions import Fraction

import pytest

from hypotheses import CaseError, case_from_text, score
from priors import Point, get_scale, parse_judgment, parse_weight
from tests.helpers import make_case

ICD = get_scale("icd203")


@pytest.mark.parametrize(
    ("text", "exact"),
    [
        ("16/60", Fraction(16, 60)),
        ("1 in 20", Fraction(1, 20)),
        ("12 in 1000", Fraction(12, 1000)),
        ("1:3", Fraction(1, 4)),
        ("3:1", Fraction(3, 4)),
        ("30 %", Fraction(30, 100)),
        ("30%", Fraction(30, 100)),
        ("0.3", Fraction(3, 10)),
    ],
)
def test_published_forms_are_read_exactly(text: str, exact: Fraction) -> None:
    judgment = parse_judgment(text, ICD)
    assert isinstance(judgment, Point)
    assert judgment.value == pytest.approx(float(exact), rel=1e-15)
    assert judgment.text == text


def _document(priors: list[object], likelihoods: list[object] | None = None) -> str:
    """YAML text written by hand (not through a YAML dumper, which would quote 1:3)."""
    lines = ["schema: 1", "title: forms", "hypotheses:"]
    for k, prior in enumerate(priors):
        lines += [f"  - id: h{k}", f"    label: H{k}", f"    prior: {prior}"]
    if likelihoods is not None:
        lines += ["evidence:", "  - id: e", "    label: E", "    likelihoods:"]
        lines += [f"      h{k}: {value}" for k, value in enumerate(likelihoods)]
    return "\n".join(lines) + "\n"


def test_unquoted_odds_are_odds_not_base_60() -> None:
    """YAML 1.1 reads an unquoted 1:3 as the base-60 number 63."""
    case = case_from_text(_document(["1:3", "3:1"]))
    assert [h.prior[0][1].mean for h in case.hypotheses] == [0.25, 0.75]


def test_rootclaim_priors_as_published() -> None:
    """Rootclaim's 200:40:3 typed as written: relative weights, normalised, no warning."""
    case = case_from_text(_document([200, 40, 3]))
    assert not case.warnings
    card = score(case, engine="numpy", explain=False)
    assert [h.prior.mean for h in card.hypotheses] == pytest.approx([200 / 243, 40 / 243, 3 / 243], rel=1e-12)


def test_a_court_case_in_odds_and_counts() -> None:
    """Prior odds 30:1 and evidence given as counts: the posterior by hand, exactly."""
    case = case_from_text(_document(["30:1", "1:30"], ["16/60", "4 in 5"]))
    card = score(case, engine="numpy", explain=False)
    odds = (30 / 1) * (16 / 60) / (4 / 5)
    assert card.hypotheses[0].posterior.mean == pytest.approx(odds / (1 + odds), rel=1e-12)


def test_probabilities_that_do_not_add_up_are_normalised_with_a_warning() -> None:
    case = case_from_text(_document([0.5, 0.3]))
    said = " ".join(str(w) for w in case.warnings)
    assert "add up to 0.8, not 1" in said and "h0 0.625, h1 0.375" in said
    assert not case_from_text(_document([0.25, 0.75])).warnings


def test_different_factor_sets_are_named() -> None:
    case = make_case(
        {
            "schema": 1,
            "title": "factors",
            "hypotheses": [
                {"id": "a", "label": "A", "prior": {"motive": 0.5, "means": 0.9}},
                {"id": "b", "label": "B", "prior": {"motive": 0.4}},
            ],
        }
    )
    said = " ".join(str(w) for w in case.warnings)
    assert "means for b" in said and "counts as 1" in said


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (30, "for a percentage write '30%' (0.3); only a prior may be a weight above 1"),
        (250, "only a prior may be a weight above 1"),
        ("150%", "is outside 0 to 1 (0% to 100%)"),
    ],
)
def test_a_likelihood_above_1_says_which_form_was_meant(value: object, says: str) -> None:
    with pytest.raises(CaseError) as caught:
        case_from_text(_document([0.5, 0.5], [value, 0.5]))
    assert says in str(caught.value)


def test_weights_are_only_for_priors() -> None:
    assert parse_weight(200, ICD) == Point(200.0)
    assert parse_weight("0.3", ICD).mean == pytest.approx(0.3)
    with pytest.raises(ValueError, match="outside 0 to 1"):
        parse_weight("150%", ICD)
