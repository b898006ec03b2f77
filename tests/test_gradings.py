"""Two-part Admiralty gradings, credibility words and the scales' common synonyms (docs/case-format.md,
Judgments)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console
from scipy import stats

from hypotheses.output.terminal import render_admiralty
from priors import (
    CREDIBILITY,
    Beta,
    JudgmentError,
    Point,
    credibility_word,
    get_scale,
    parse_credibility,
    parse_grading,
    parse_judgment,
    parse_reliability,
)
from priors.reliability import credibility_judgment


@pytest.mark.parametrize(("digit", "meaning", "lo", "hi"), [(d, *v) for d, v in CREDIBILITY.items()])
def test_each_credibility_code_is_fitted_to_its_range(digit: str, meaning: str, lo: float, hi: float) -> None:
    judgment = credibility_judgment(digit)
    assert isinstance(judgment, Beta)
    quantiles = stats.beta.ppf([0.05, 0.95], judgment.a, judgment.b)
    assert quantiles == pytest.approx([lo / 100, hi / 100], abs=1e-6)
    assert credibility_word(meaning) == judgment
    assert credibility_judgment(digit) is judgment  # cached, like admiralty_judgment


def test_the_six_credibility_codes() -> None:
    assert {d: (m, lo, hi) for d, (m, lo, hi) in CREDIBILITY.items()} == {
        "1": ("confirmed", 95, 99),
        "2": ("probably true", 80, 95),
        "3": ("possibly true", 55, 80),
        "4": ("doubtful", 30, 55),
        "5": ("improbable", 5, 30),
        "6": ("cannot be judged", 5, 95),
    }


@pytest.mark.parametrize("typed", ["B2", "b2", "B 2", " b 2 "])
def test_parse_grading_accepts(typed: str) -> None:
    letter, judgment = parse_grading(typed)
    assert letter == "B"
    assert judgment == credibility_judgment("2")
    assert stats.beta.ppf(0.05, judgment.a, judgment.b) == pytest.approx(0.80, abs=1e-6)


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("G2", "the letter must be A-F, not 'G'"),
        ("B7", "the digit must be 1-6, not '7'"),
        ("B", "unknown grading 'B'"),
        ("2", "unknown grading '2'"),
        ("BB", "unknown grading 'BB'"),
        ("B22", "unknown grading 'B22'"),
        (2, "unknown grading 2"),
        (None, "unknown grading None"),
    ],
)
def test_parse_grading_refuses(typed: object, why: str) -> None:
    with pytest.raises(JudgmentError) as caught:
        parse_grading(typed)
    message = str(caught.value)
    assert why in message
    assert "grading: B2 = source usually reliable (B), information probably true (2)" in message


@pytest.mark.parametrize("typed", ["Probably True", "probably-true", "probably  true", "CANNOT BE JUDGED"])
def test_credibility_words_match_like_scale_words(typed: str) -> None:
    assert credibility_word(typed) is not None
    assert credibility_word("likely") is None
    assert credibility_word("2") is None  # a digit is a credibility only inside a grading


def test_credibility_words_take_precedence_over_the_scale() -> None:
    icd = get_scale("icd203")
    assert icd.lookup("improbable") is not None  # icd203's 'unlikely', 20-45%
    judgment, warning = parse_credibility("improbable", icd)
    assert judgment == credibility_judgment("5")
    assert stats.beta.ppf(0.95, judgment.a, judgment.b) == pytest.approx(0.30, abs=1e-6)
    assert warning is not None
    assert "Admiralty information credibility 5 (improbable, 5-30%)" in warning
    assert "icd203" in warning and "'unlikely'" in warning and "20-45%" in warning


@pytest.mark.parametrize("word", ["doubtful", "probably true", "confirmed"])
def test_no_warning_for_a_credibility_word_the_scale_lacks(word: str) -> None:
    icd = get_scale("icd203")
    assert icd.lookup(word) is None
    judgment, warning = parse_credibility(word, icd)
    assert judgment == credibility_word(word)
    assert warning is None


def test_other_credibilities_are_judgments_of_the_scale() -> None:
    icd = get_scale("icd203")
    assert parse_credibility(0.9, icd) == (Point(0.9), None)
    assert parse_credibility("1", icd) == (parse_judgment("1", icd), None)  # a probability, not code 1
    assert parse_credibility("1", icd)[0] == Point(1.0)
    assert parse_credibility("likely", icd) == (icd.judgment("likely"), None)
    with pytest.raises(JudgmentError, match="grading: B2"):
        parse_credibility("B2", icd)


def test_a_grading_given_as_reliability_says_where_it_goes() -> None:
    with pytest.raises(JudgmentError) as caught:
        parse_reliability("B2", get_scale("icd203"))
    message = str(caught.value)
    assert "unknown word" not in message
    assert "`grading:`" in message and "reliability: B" in message


@pytest.mark.parametrize(
    ("name", "synonym", "term"),
    [
        ("kent", "likely", "probable"),
        ("kent", "unlikely", "probably not"),
        ("kent", "very unlikely", "almost certainly not"),
        ("kent", "very likely", "almost certain"),
        ("kent", "even chance", "chances about even"),
        ("kent", "roughly even chance", "chances about even"),
        ("kent", "Fifty-Fifty", "chances about even"),
        ("icd203", "highly likely", "very likely"),
        ("icd203", "highly unlikely", "very unlikely"),
        ("icd203", "fifty fifty", "roughly even chance"),
        ("phia", "very likely", "highly likely"),
        ("phia", "very unlikely", "highly unlikely"),
    ],
)
def test_common_synonyms(name: str, synonym: str, term: str) -> None:
    scale = get_scale(name)
    found = scale.lookup(synonym)
    assert found is not None and found.term == term
    assert scale.judgment(synonym) == scale.judgment(term)


@pytest.mark.parametrize("name", ["icd203", "kent", "phia"])
def test_no_synonym_crosses_even_chance_or_repeats_a_word(name: str) -> None:
    scale = get_scale(name)
    for term in scale.terms:
        for synonym in term.synonyms:
            for other in ("icd203", "kent", "phia"):
                elsewhere = get_scale(other).lookup(synonym)
                if elsewhere is not None:
                    assert elsewhere.side == term.side, (name, synonym, other)
    assert len(set(scale.words())) == len(scale.words())


def test_render_admiralty() -> None:
    console = Console(file=io.StringIO(), width=100)
    console.print(render_admiralty())
    shown = console.file.getvalue()
    for meaning, *_ in CREDIBILITY.values():
        assert meaning in shown
    assert "usually reliable" in shown and "probably true" in shown
    assert "80-95%" in shown and "Beta(41.49, 5.426" in shown
