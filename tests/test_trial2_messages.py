"""Messages from the second new-user trial: a suggestion is made only where the intended reading
is clear, following it leads to no new error, and no Python wording reaches the analyst."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli import app
from hypotheses import CaseError, case_from_text
from tests.helpers import DATA

CASE = """schema: 1
title: trial
hypotheses:
  - {id: gru, label: A state operation, prior: {motive: likely, means: likely}}
  - {id: rogue, label: Rogue actors, PRIOR}
sources:
  kremlin: {label: Kremlin, reliability: RELIABILITY}
evidence:
  - {id: e1, label: A statement, source: kremlin, CREDIBILITY likelihoods: {gru: LIKELIHOOD, rogue: 0.3}}
  - {id: e2, label: Another statement, likelihoods: {gru: 0.6, rogue: 0.3}}
ORIGINS"""


def _error(
    prior: str = "prior: {motive: unlikely}",
    reliability: str = "E",
    credibility: str = "",
    likelihood: str = "0.7",
    origins: str = "",
) -> str:
    text = (
        CASE.replace("PRIOR", prior)
        .replace("RELIABILITY", reliability)
        .replace("CREDIBILITY", credibility)
        .replace("LIKELIHOOD", likelihood)
        .replace("ORIGINS", origins)
    )
    with pytest.raises(CaseError) as caught:
        case_from_text(text)
    return str(caught.value)


@pytest.mark.parametrize("value", ["1.2", "2", "4.9"])
def test_a_number_just_above_1_gets_no_percentage_reading(value: str) -> None:
    said = _error(likelihood=value)
    assert f"'{value}%'" not in said and "for a percentage write" not in said
    assert "write it as a probability between 0 and 1, like 0.12, or a percentage, like 12%" in said


def test_a_number_that_reads_as_a_percentage_is_still_suggested_as_one() -> None:
    assert "for a percentage write '30%' (0.3)" in _error(likelihood="30")
    assert "for a percentage write '5%' (0.05)" in _error(likelihood="5")


def test_shared_just_above_1_gets_no_percentage_reading() -> None:
    origins = "origins:\n  o: {label: One briefing, items: [e1, e2], shared: 1.5}\n"
    said = _error(origins=origins)
    assert "'1.5%'" not in said and "like 0.12, or a percentage, like 12%" in said


@pytest.mark.parametrize(("value", "word"), [("2", "probably true"), ("5", "improbable")])
def test_a_credibility_of_2_to_6_points_to_the_admiralty_scale(value: str, word: str) -> None:
    said = _error(credibility=f"credibility: {value},")
    assert f"'{value}%'" not in said and "for a percentage write" not in said
    assert f"Admiralty information credibility {value} ({word})" in said
    assert f"`credibility: {word}`" in said and f"`grading: B{value}`" in said
    assert "the letter must be the source's reliability" in said
    # Following the suggestion reads.
    case_from_text(
        CASE.replace("PRIOR", "prior: 0.5")
        .replace("RELIABILITY", "E")
        .replace("CREDIBILITY", f"credibility: {word},")
        .replace("LIKELIHOOD", "0.7")
        .replace("ORIGINS", "")
    )


def test_a_grading_given_as_credibility_suggests_what_works_with_the_sources_letter() -> None:
    # The source is graded E: `grading: B2` would conflict with it; `credibility: probably true` not.
    said = _error(credibility="credibility: B2,")
    assert "`credibility: probably true`" in said
    assert "a grading's letter must be its source's reliability" in said


def test_a_factor_already_given_is_not_suggested_again() -> None:
    said = _error(prior="prior: {motive: unlikely, means: very unlikely, capability: unlikely}")
    assert "did you mean 'means'" not in said
    assert (
        "'means' (already given) judges" in said
        and "fold 'capability' into that judgment, or drop it" in said
    )
    # Not given: the suggestion stands.
    assert "did you mean 'means'?" in _error(prior="prior: {motive: unlikely, capability: unlikely}")


def test_an_empty_value_says_so_without_python_words() -> None:
    said = _error(likelihood="")
    assert "None" not in said
    assert "the value is empty" in said and "write a probability as" in said


def test_a_reliability_that_is_no_letter_names_the_admiralty_letters() -> None:
    said = _error(reliability="B+")
    assert "Admiralty letter alone, A (completely reliable) to E (unreliable) or F (cannot be judged)" in said
    assert "there is no 'B+'" in said


def test_explain_for_a_misspelt_hypothesis_suggests_the_id() -> None:
    result = CliRunner().invoke(app, ["explain", str(DATA / "skripal-v2c.yaml"), "--for", "uk_flase_flag"])
    assert result.exit_code == 2
    assert "(did you mean 'uk_false_flag'?)" in result.output


@pytest.mark.parametrize("written", ["7", "9", "10"])
def test_a_credibility_of_7_to_10_gets_no_reading_suggested(tmp_path, written: str) -> None:
    """7-10 as a credibility is as likely a mark out of ten (0.7) as a percentage (7%): the
    message offers neither reading (review: 7 was told "write '7%'")."""
    from priors import JudgmentError
    from priors.reliability import parse_credibility
    from priors.scales import get_scale

    with pytest.raises(JudgmentError) as refused:
        parse_credibility(int(written), get_scale("icd203"))
    said = str(refused.value)
    assert f"'{written}%'" not in said and f"0.{written}" not in said and "no Admiralty digit" in said


@pytest.mark.parametrize(
    ("written", "hint"), [("0,6", "write a decimal point, 0.6"), ("1 out of 20", "write '1 in 20'")]
)
def test_a_number_in_another_form_is_named_before_the_word_list(written: str, hint: str) -> None:
    """'0,6' (quoted) and '1 out of 20' only got the scale's word list: the same number in the
    form the reader takes is named first (never another number)."""
    from priors import JudgmentError
    from priors.scales import get_scale

    with pytest.raises(JudgmentError) as refused:
        get_scale("icd203").judgment(written)
    assert hint in str(refused.value)
    with pytest.raises(JudgmentError) as refused:
        get_scale("icd203").judgment("1,5")  # 1.5 is no probability: no reading offered
    assert "decimal point" not in str(refused.value)
