"""A new user's third trial (input side): numbers read silently as something else, suggestions
that would change a meaning, and messages that name an item by position or say too little."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from hypotheses import CaseError
from hypotheses.case.loading import case_from_text, load_case
from priors import get_scale

HEAD = "schema: 1\ntitle: t\n"
TWO = "hypotheses:\n  - {id: a, label: A}\n  - {id: b, label: B}\n"
ITEM = "evidence:\n  - {id: e1, label: E, likelihoods: {a: 0.8, b: 0.3}}\n"
FACTORED = (
    "hypotheses:\n"
    "  - {id: a, label: A, prior: {motive: likely, means: likely}}\n"
    "  - {id: b, label: B, prior: {motive: unlikely, means: likely}}\n"
)


def _problems(text: str) -> str:
    with pytest.raises(CaseError) as caught:
        case_from_text(text, "case.yaml")
    return str(caught.value)


def _warnings(text: str) -> list[str]:
    return [str(w) for w in case_from_text(text, "case.yaml").warnings]


# 1. model_error: a bare number of 0.5 or more is most likely a percentage without its sign.


@pytest.mark.parametrize("value", ["1", "5", "0.5", "'1'"])
def test_a_bare_model_error_of_a_half_or_more_is_an_error_asking_what_was_meant(value: str) -> None:
    said = _problems(HEAD + f"model_error: {value}\n" + TWO + ITEM)
    assert "case.yaml:3: " in said
    shown = value.strip("'")
    assert f"'model_error': {shown} as a bare number would mean" in said
    assert f"if you meant {shown} percent, write '{shown}%'" in said


def test_model_error_1_says_every_report_would_be_noise() -> None:
    said = _problems(HEAD + "model_error: 1\n" + TWO + ITEM)
    assert "every report is noise (100%)" in said and "'1%' or 0.01" in said


@pytest.mark.parametrize("value", ["0.01", "1%", "0.2", "0.49", "0"])
def test_a_valid_small_model_error_is_read_unchanged(value: str) -> None:
    case = case_from_text(HEAD + f"model_error: {value}\n" + TWO + ITEM, "case.yaml")
    expected = float(value.rstrip("%")) / (100 if "%" in value else 1)
    assert case.model_error.mean == pytest.approx(expected)
    assert not [w for w in case.warnings if "model_error" in str(w)]


def test_a_model_error_stated_as_a_percentage_of_a_half_or_more_is_a_warning() -> None:
    (warning,) = [w for w in _warnings(HEAD + "model_error: 60%\n" + TWO + ITEM) if "model_error" in w]
    assert warning.startswith("case.yaml:3: ")
    assert "60%" in warning and "0.4" in warning  # what it does: credibility times 1 - 0.6


# 2. A single-number prior beside factored priors.


def test_a_weight_above_1_beside_factored_priors_is_an_error() -> None:
    text = HEAD + FACTORED + "  - {id: c, label: C, prior: 60}\n"
    said = _problems(text)
    assert "case.yaml:6: " in said
    assert "prior 60 of 'c'" in said and "factored" in said
    assert "60%" not in said  # no reading of 60 is suggested: that would guess a meaning


def test_a_huge_weight_beside_factored_priors_is_an_error() -> None:
    said = _problems(HEAD + FACTORED + "  - {id: c, label: C, prior: 1e308}\n")
    assert "of 'c'" in said


def test_a_probability_beside_factored_priors_is_warned_with_the_priors_it_gives() -> None:
    warnings = _warnings(HEAD + FACTORED + "  - {id: c, label: C, prior: '60%'}\n")
    (warning,) = [w for w in warnings if "factored" in w and "single" in w]
    assert warning.startswith("case.yaml:6: ")
    assert "product of its factors" in warning and "normalised together" in warning
    # The shares listed are the priors the case is scored with: they add up to 1.
    shares = [
        float(part.split()[-1])
        for part in warning.split("normalised together to ")[1].split(";")[0].split(", ")
    ]
    assert sum(shares) == pytest.approx(1.0, abs=0.01)
    likely, unlikely = (get_scale("icd203").judgment(w).mean for w in ("likely", "unlikely"))
    expected = 0.6 / (0.6 + likely * likely + unlikely * likely)  # weights: products of the factors
    assert f"c {expected:.3g}" in warning


def test_factored_priors_alone_are_not_warned_as_mixed() -> None:
    assert not [w for w in _warnings(HEAD + FACTORED + ITEM) if "single" in w]


# 3. A word of another scale: no `scale:` switch, which would re-read every other word.


def test_a_word_of_another_scale_does_not_suggest_switching_the_case_scale() -> None:
    said = _problems(
        HEAD
        + TWO
        + "evidence:\n  - {id: e1, label: E, likelihoods: {a: highly likely, b: realistic possibility}}\n"
    )
    assert "a word of the phia scale" in said and "the nearest of icd203 is" in said
    assert "scale: phia" not in said


# 4. A prior factor is a probability.


def test_a_prior_factor_above_1_says_a_factor_is_a_probability() -> None:
    said = _problems(
        HEAD + "hypotheses:\n  - {id: a, label: A, prior: {base_rate: 3}}\n  - {id: b, label: B}\n"
    )
    assert (
        "a prior factor is a probability; only a hypothesis's single `prior:` number may be a weight above 1"
        in said
    )
    assert "only a prior may be" not in said


def test_a_fraction_over_zero_says_division_by_zero() -> None:
    said = _problems(HEAD + TWO + "evidence:\n  - {id: e1, label: E, likelihoods: {a: '3/0', b: 0.3}}\n")
    assert "division by zero" in said and "outside 0 to 1" not in said


# 5. Odds written in words.


@pytest.mark.parametrize("odds", ["1 to 9", "9:1 against", "9 to 1 on", "odds of 1 to 9"])
def test_odds_in_words_name_the_accepted_forms(odds: str) -> None:
    said = _problems(
        HEAD + TWO + f"evidence:\n  - {{id: e1, label: E, likelihoods: {{a: '{odds}', b: 0.3}}}}\n"
    )
    assert "odds are written" in said and "'1 in 4'" in said
    assert "'1:9'" not in said and "'9:1'" not in said  # no reading of the analyst's numbers


# 6. Items and hypotheses named by their id.


def test_a_likelihood_error_names_the_item_by_its_id() -> None:
    said = _problems(HEAD + TWO + "evidence:\n  - {id: e1, label: E, likelihoods: {a: 3, b: 0.3}}\n")
    assert "likelihood of 'a' of evidence 'e1'" in said


def test_a_missing_label_names_the_item_by_its_id() -> None:
    said = _problems(HEAD + TWO + "evidence:\n  - {id: ss750, likelihoods: {a: 0.8, b: 0.3}}\n")
    assert "missing required field 'label' in evidence 'ss750'" in said


def test_an_entry_without_a_valid_id_keeps_its_position() -> None:
    said = _problems(HEAD + TWO + "evidence:\n  - {id: Bad Id, label: E, likelihoods: {a: 3, b: 0.3}}\n")
    assert "likelihood of 'a' of evidence item 1" in said
    said = _problems(HEAD + "hypotheses:\n  - {label: A}\n  - {id: b, label: B}\n")
    assert "missing required field 'id' in hypothesis 1" in said


def test_a_duplicated_id_keeps_the_position() -> None:
    text = HEAD + TWO + "evidence:\n  - {id: e1, label: E, likelihoods: {a: 0.8, b: 0.3}}\n"
    said = _problems(text + "  - {id: e1, likelihoods: {a: 0.8, b: 0.3}}\n")
    assert "missing required field 'label' in evidence item 2" in said


def test_a_prior_error_names_the_hypothesis_by_its_id() -> None:
    said = _problems(
        HEAD + "hypotheses:\n  - {id: a, label: A, prior: -1}\n  - {id: b, label: B, prior: 1}\n"
    )
    assert "'prior' of hypothesis 'a'" in said


# 7. validate counts the items cut off by as_of.


def test_validate_says_how_many_items_as_of_cut_off(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(
        HEAD + "as_of: 2024-01-01\n" + TWO + "evidence:\n"
        "  - {id: e1, label: E, likelihoods: {a: 0.8, b: 0.3}, date: 2023-05-01}\n"
        "  - {id: e2, label: F, likelihoods: {a: 0.8, b: 0.3}, date: 2024-05-01}\n"
        "  - {id: e3, label: G, likelihoods: {a: 0.8, b: 0.3}, observed: pending}\n"
    )
    result = CliRunner().invoke(app, ["validate", str(case)])
    assert result.exit_code == 0, result.output
    assert "1 evidence item and 1 pending (1 cut off by as_of 2024-01-01)" in result.output


# 8. Help strings.


def test_next_for_help_is_worded_for_next() -> None:
    result = CliRunner().invoke(app, ["next", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert "explain it against" not in result.output


def test_validate_usage_shows_several_files() -> None:
    result = CliRunner().invoke(app, ["validate", "--help"], terminal_width=200)
    assert "CASE..." in result.output or "CASES..." in result.output


# 9. A quote pasted with typographic quote marks.

DOCUMENT = "The Danish defence command confirmed that the ship's crew was seen near Bornholm.\n"


def _quoted(tmp_path: Path, quote: str) -> str:
    (tmp_path / "doc.txt").write_text(DOCUMENT, encoding="utf-8")
    case = tmp_path / "case.yaml"
    case.write_text(
        HEAD + TWO + "evidence:\n  - id: e1\n    label: E\n    likelihoods: {a: 0.8, b: 0.3}\n"
        f"    quote: {quote}\n    document: doc.txt\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseError) as caught:
        load_case(case)
    return str(caught.value).split("case.yaml:", 1)[1]  # the message, without tmp_path's test name


def test_a_quote_in_typographic_marks_says_the_marks_are_the_difference(tmp_path: Path) -> None:
    said = _quoted(tmp_path, "“the ship’s crew was seen near Bornholm”")
    assert "it is there without the quote marks around it" in said and "apostrophes" in said
    assert said.startswith("10: ")  # at the quote's line, and still an error (exit 2)


def test_a_typographic_apostrophe_alone_is_named(tmp_path: Path) -> None:
    said = _quoted(tmp_path, "the ship’s crew")
    assert "it differs only in its quote marks or apostrophes" in said


def test_a_quote_that_differs_in_words_is_not_blamed_on_its_marks(tmp_path: Path) -> None:
    said = _quoted(tmp_path, "“the ship’s crew was seen east of Bornholm”")
    assert "differs only in its quote marks" not in said and "without the quote marks" not in said
    assert (
        "its first 5 words are there (quote marks and apostrophes aside), then it differs at 'east'" in said
    )


# 10. Factors stated for some hypotheses only: the warning says, per hypothesis, what it leaves out.


def test_factors_stated_unevenly_are_named_per_hypothesis() -> None:
    text = (
        HEAD
        + "hypotheses:\n"
        + "  - {id: a, label: A, prior: {motive: likely, means: likely, opportunity: likely}}\n"
        + "  - {id: b, label: B, prior: {motive: unlikely, means: likely, opportunity: likely}}\n"
        + "  - {id: c, label: C, prior: {base_rate: unlikely}}\n"
        + ITEM.replace("b: 0.3}", "b: 0.3, c: 0.5}")
    )
    (said,) = [w for w in _warnings(text) if "different factors" in w]
    assert "a and b do not state base_rate; c does not state means, motive or opportunity" in said
    assert "each prior is lowered only by the factors it states" in said
