"""Extremes are shown as judgments, not as rounding (docs/model.md, How extremes are shown): no
output writes 100.0% or 0.0% for a probability that is not exactly 1 or 0, a verbal term never
claims a range its number lies outside, and `explain` says when the leader's strongest item is
held back by the scale's extreme words. The page's own formatting of the same numbers is
compared in test_page_engine.py (the shared formatting cases and `termFor`)."""

from __future__ import annotations

import html
import json
import random
import re
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from hypotheses import score
from hypotheses.analysis.explain import word_cap
from hypotheses.output.report import render_report
from hypotheses.output.text import explanation_markdown, to_csv, to_json, to_markdown
from hypotheses.output.wording import in_words, verbal
from hypotheses.text import interval, percent
from priors import get_scale
from tests.helpers import make_case

runner = CliRunner()
# A rounded certainty as any output would write it: a cell or word that is exactly this.
ROUNDED_CERTAINTY = re.compile(r"(?<![\d.])(?:100\.0|0\.0)%")


def test_only_an_exact_0_or_1_reads_as_certain() -> None:
    assert percent(1.0) == "100.0%"
    assert percent(0.0) == "0%"
    assert percent(0.9995) == percent(0.99995) == percent(1 - 2**-53) == ">99.9%"
    assert percent(0.99949) == "99.9%"
    assert percent(0.00049) == percent(1e-300) == percent(5e-324) == "<0.1%"
    assert percent(0.0005) == "0.1%"  # 0.05 rounds up: the binary value is above it
    assert percent(0.5625) == "56.2%"  # half to even, as before
    rng = random.Random(3)
    for _ in range(5000):
        p = rng.random() ** rng.choice([1, 10, 100]) if rng.random() < 0.5 else 1 - rng.random() ** 30
        if 0 < p < 1:
            assert percent(p) not in ("100.0%", "0.0%", "0%"), p


def test_an_interval_end_that_is_not_1_never_reads_100_percent() -> None:
    assert interval(0.995, 0.9999) == "99.5% to >99.9%"
    assert interval(0.995, 0.9999, " - ") == "99.5% - >99.9%"
    assert interval(0.995, 0.9999, one_sign=True) == "99.5% to >99.9%"
    assert interval(0.0001, 0.02, one_sign=True) == "<0.1%-2.0%"
    assert interval(0.00001, 0.0002) == "<0.1% to <0.1%"
    assert interval(0.0, 1.0, one_sign=True) == "0-100.0%"  # exact ends stay as they are


def test_a_verbal_term_never_claims_a_range_its_number_is_outside() -> None:
    icd = SimpleNamespace(scale="icd203")
    assert in_words(icd, 0.995) == "almost certain (above the scale's 99%)"
    assert in_words(icd, 0.005) == "almost no chance (below the scale's 1%)"
    assert in_words(icd, 0.99) == "almost certain (95-99%)"
    assert in_words(icd, 0.01) == "almost no chance (1-5%)"
    assert in_words(icd, 0.5) == "roughly even chance (45-55%)"
    assert verbal(icd, 0.995) == "almost certain (above the scale's 99%)"
    assert verbal(icd, 0.97) == "almost certain"
    # A scale whose words reach 0 and 100% has nothing beyond them.
    assert in_words(SimpleNamespace(scale="phia"), 0.9999) == "almost certain (95-100%)"
    # Kent's 'certain' is exactly 100%: just below it lies the gap, which claims no range.
    assert in_words(SimpleNamespace(scale="kent"), 0.995) == "between almost certain and certain"


def _case(likelihoods: dict[str, dict[str, Any]], labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "schema": 1,
        "title": "extremes",
        "hypotheses": [
            {"id": "a", "label": "A did it", "prior": 0.5},
            {"id": "b", "label": "B did it", "prior": 0.5},
        ],
        "evidence": [
            {"id": i, "label": (labels or {}).get(i, f"item {i}"), "likelihoods": lik}
            for i, lik in likelihoods.items()
        ],
    }


NEAR_CERTAIN = _case({"dna": {"a": 0.9999, "b": 0.0001}})  # posterior 0.9999: not 1


def test_no_output_rounds_a_near_certainty(tmp_path: Path) -> None:
    case = make_case(NEAR_CERTAIN)
    card = score(case)
    assert 0.9995 < card.hypotheses[0].posterior.mean < 1
    report = render_report(case, card, generated=date(2026, 12, 5))
    markdown = to_markdown(card)
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(NEAR_CERTAIN, sort_keys=False), encoding="utf-8")
    table = runner.invoke(app, ["score", str(path)], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    page = re.sub(r"<(script|style)\b.*?</\1>", "", report, flags=re.S)  # the page's code is not output
    for shown in (html.unescape(page), html.unescape(markdown), table.output):
        assert not ROUNDED_CERTAINTY.search(shown), ROUNDED_CERTAINTY.search(shown)
        assert ">99.9%" in shown
        assert "<0.1%" in shown
        assert "above the scale's 99%" in shown
    # JSON and CSV are for machines: they keep the number.
    assert json.loads(to_json(card))["hypotheses"][0]["posterior"]["mean"] == pytest.approx(0.9999, abs=1e-12)
    assert ">99.9" not in to_csv(card) and "<0.1" not in to_csv(card)


def test_the_scale_caps_a_word_only_item_at_its_extreme_words_ratio() -> None:
    assert word_cap(get_scale("icd203")) == pytest.approx(36.3, abs=0.05)
    assert round(word_cap(get_scale("icd203"))) == 36


CAPPED = _case(
    {
        "dna": {"a": "almost certain", "b": "almost no chance"},
        "motive": {"a": "likely", "b": "unlikely"},
    },
    {"dna": "DNA <b>matches</b> A"},
)


def test_explain_says_when_the_strongest_item_is_capped_by_the_scale_words() -> None:
    card = score(make_case(CAPPED))
    said = card.explanation.capped
    assert said is not None
    assert said.startswith("dna ('DNA <b>matches</b> A'), the strongest item for a (+15.6 dB)")
    assert "extreme words 'almost certain' and 'almost no chance'" in said
    assert "at most about 36:1 on icd203 ('almost certain' against 'almost no chance', 15.6 dB)" in said
    assert "a number (0.999), a percentage (99.9%), odds (999:1) or a range ([0.99, 0.999])" in said
    assert json.loads(to_json(card))["explain"]["capped"] == said
    # Every rendering shows it, inert.
    assert "DNA \\<b\\>matches\\</b\\> A" in explanation_markdown(
        card
    ) or "&lt;b&gt;" in explanation_markdown(card)
    report = render_report(make_case(CAPPED), card, generated=date(2026, 12, 5))
    assert "DNA &lt;b&gt;matches&lt;/b&gt; A" in report and "<b>matches" not in report


@pytest.mark.parametrize(
    "likelihoods",
    [
        # The strongest item is a number: it says what it means.
        {"dna": {"a": 0.999, "b": 0.001}, "motive": {"a": "almost certain", "b": "almost no chance"}},
        # Words only, but none at the scale's ends: the scale is not what holds it back.
        {"dna": {"a": "very likely", "b": "very unlikely"}, "motive": {"a": "likely", "b": "unlikely"}},
        # Against the leader only: the leader's strongest item is the other one.
        {
            "dna": {"a": "likely", "b": "unlikely"},
            "alibi": {"a": "almost no chance", "b": "almost no chance"},
        },
        # One extreme word (the seed case's event): the item's ratio stops short of the cap.
        {"dna": {"a": "almost certain", "b": "likely"}, "motive": {"a": "likely", "b": "unlikely"}},
    ],
    ids=["number", "middle words", "no extreme word in the strongest", "one extreme word only"],
)
def test_explain_says_nothing_of_the_cap_otherwise(likelihoods: dict[str, dict[str, Any]]) -> None:
    card = score(make_case(_case(likelihoods)))
    assert card.explanation.capped is None
    assert "36:1" not in explanation_markdown(card)


def test_explain_table_shows_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(CAPPED, sort_keys=False), encoding="utf-8")
    result = runner.invoke(app, ["explain", str(path)], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    assert "at most about 36:1 on icd203" in result.output
