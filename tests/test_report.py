"""The HTML report (self-contained, auditable, deterministic), the browser check, and `init`."""

from __future__ import annotations

import base64
import hashlib
import html
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from hypotheses import Case, load_case, score
from hypotheses.output.report import render_report
from hypotheses.output.text import explanation_markdown
from hypotheses.output.wording import flip_sentence
from hypotheses.text import visible
from tests.helpers import CHROMIUM_FLAGS, EXAMPLES, make_case, page_markup, page_scripts

SEED_CASE = EXAMPLES / "al-bab-2017.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def seed_report() -> str:
    case = load_case(SEED_CASE)
    return render_report(case, score(case), generated=date(2026, 11, 25))


def test_report_is_self_contained(seed_report: str) -> None:
    assert seed_report.startswith("<!doctype html>")
    assert "<link" not in seed_report and " src=" not in seed_report
    data, script = page_scripts(seed_report)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', seed_report)
    assert csp and csp[1] == f"default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{digest}'"
    assert [h["id"] for h in data["hypotheses"]] == ["mistake", "deliberate", "true_claim"]
    assert "fetch(" not in script and "XMLHttpRequest" not in script and "innerHTML" not in script
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", seed_report)
    assert "@import" not in seed_report
    assert re.findall(r"url\(([^)]*)\)", seed_report) and all(
        ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", seed_report)
    )  # only the SVG clip paths inside the page
    assert seed_report.count("<svg") == 3  # prior/posterior, waterfall, tornado
    assert "@media print" in seed_report and "size: A4" in seed_report


def test_report_carries_the_findings_and_the_audit_trail(seed_report: str) -> None:
    case = load_case(SEED_CASE)
    card = score(case)
    for text in (
        "Assessment",
        "Evidence",
        "Sensitivity",
        "What would change the conclusion",
        "Case inputs",
        "very likely (80-95%)",
        "us_denial",
        "prior/deliberate/motive",
        card.sha256,
        "hypscore 0.1.0",
        "2026-11-25",
        "engine numpy",
    ):
        assert text in seed_report, text
    assert (
        'motive: <span data-hs-place="prior/deliberate/motive">very unlikely (mean 11.6%)</span>'
        in seed_report
    )


def test_report_and_markdown_share_their_words() -> None:
    case = load_case(SEED_CASE)
    card = score(case)
    sentence = flip_sentence(card).removeprefix("• ")
    assert html.escape(sentence) in render_report(case, card)
    assert sentence in explanation_markdown(card)


def test_report_is_deterministic() -> None:
    case = load_case(EXAMPLES / "leaked-memo.yaml")
    day = date(2026, 1, 2)
    assert render_report(case, score(case, seed=4), day) == render_report(case, score(case, seed=4), day)


def test_the_report_renders_the_page_data_it_is_handed() -> None:
    """The engine-computed part comes from analysis/page_data.py; handed in, it is the same page."""
    from hypotheses.analysis.page_data import page_data

    case = load_case(EXAMPLES / "leaked-memo.yaml")
    card, day = score(case, seed=4), date(2026, 1, 2)
    assert render_report(case, card, day, data=page_data(case, card)) == render_report(case, card, day)


def test_report_command_writes_one_file(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(SEED_CASE), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").endswith("</html>\n")
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]
    assert runner.invoke(app, ["report", str(SEED_CASE)]).exit_code == 2  # -o is required


def test_report_of_a_case_without_evidence_or_uncertainty(tmp_path: Path) -> None:
    target = tmp_path / "r.html"
    case = tmp_path / "c.yaml"
    case.write_text("schema: 1\ntitle: Bare\nhypotheses:\n  - {id: a, label: A}\n  - {id: b, label: B}\n")
    assert runner.invoke(app, ["report", str(case), "-o", str(target)]).exit_code == 0
    text = target.read_text()
    assert "No evidence: the posterior is the prior." in text and "no range to move" in text


def _three_way_tie() -> Case:
    return make_case(
        {
            "schema": 1,
            "title": "Three-way tie",
            "hypotheses": [{"id": h, "label": h.upper()} for h in ("a", "b", "c")],
            "evidence": [],
        }
    )


def _vanishing_prior(evidence: bool) -> Case:
    """beta [1e-300, 1]: every draw underflows to the smallest floats, so b's share rounds to 1."""
    return make_case(
        {
            "schema": 1,
            "title": "Vanishing prior",
            "hypotheses": [
                {"id": "a", "label": "A", "prior": {"beta": [1e-300, 1]}},
                {"id": "b", "label": "B", "prior": 0.5},
            ],
            "evidence": [{"id": "e1", "label": "E", "likelihoods": {"a": 0.9, "b": 0.2}}] if evidence else [],
        }
    )


def _ruled_out() -> Case:
    """One item has likelihood 0 under b: a's weight of evidence is +inf dB."""
    return make_case(
        {
            "schema": 1,
            "title": "Ruled out",
            "hypotheses": [{"id": "a", "label": "A", "prior": 0.5}, {"id": "b", "label": "B", "prior": 0.5}],
            "evidence": [
                {"id": "e1", "label": "E", "likelihoods": {"a": 0.9, "b": 0}},
                {"id": "e2", "label": "F", "likelihoods": {"a": 0.9, "b": 0.2}},
            ],
        }
    )


REPORT_CASES: dict[str, Callable[[], Case]] = {
    **{f"example-{p.stem}": (lambda p=p: load_case(p)) for p in sorted(EXAMPLES.glob("*.yaml"))},
    "three-way-tie-no-evidence": _three_way_tie,
    "vanishing-beta-prior": lambda: _vanishing_prior(evidence=False),
    "vanishing-beta-prior-with-evidence": lambda: _vanishing_prior(evidence=True),
    "rival-ruled-out": _ruled_out,
}


@pytest.mark.parametrize("name", REPORT_CASES)
def test_report_renders_every_example_and_degenerate_case(name: str) -> None:
    # Point priors whose mean of draws lies a rounding error outside its own quantiles, exact ties, and
    # probabilities at the edge of the floats used to crash the plots (negative error bars) or leave
    # infinite odds in the waterfall; RuntimeWarnings are errors here (pyproject), so NaN arithmetic fails.
    case = REPORT_CASES[name]()
    card = score(case)
    page = render_report(case, card, generated=date(2026, 1, 2))
    assert page.startswith("<!doctype html>") and page.endswith("</html>\n")
    for h in case.hypothesis_ids:
        assert f"<span class=id>{h}</span>" in page, h
    assert not re.search(r"\bnan\b", page_markup(page), re.IGNORECASE)
    assert page.count("<svg") == 1 + bool(card.evidence) + bool(card.explanation.tornado)


def test_report_of_a_tie_names_no_leader() -> None:
    case = _three_way_tie()
    page = page_markup(render_report(case, score(case)))
    assert "No hypothesis leads:" in page and "are tied at 33.3% each" in page
    assert "runner-up" not in page
    assert re.findall(r"<tr><td[^>]*>(\d+)</td>", page) == ["1", "1", "1"]  # a shared rank, not file order


def test_report_waterfall_draws_infinite_odds_as_such_and_tiny_odds_as_finite() -> None:
    ruled = _ruled_out()
    assert "+\u221e" in render_report(ruled, score(ruled))  # the bar runs to the edge, marked infinite
    vanishing = _vanishing_prior(evidence=True)
    # P(a) ~ 1e-307 leaves b's odds huge but finite; 1 - P(b) would round them to infinity.
    assert "\u221e" not in render_report(vanishing, score(vanishing))


class _Tags(HTMLParser):
    """Every start tag and attribute the browser would build from the page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))


HOSTILE = (
    '<script>alert(1)</script> <a href="javascript:alert(2)">click</a> " onmouseover=alert(3) x=" '
    "' onfocus='alert(4)' \x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x07osc\x1b]8;;\x07 "
    "[link=https://evil.example]rich[/link] \x00\x08\r\x7f\x9b\u202eevil"
)


def test_report_stays_inert_for_hostile_case_text() -> None:
    case = make_case(
        {
            "schema": 1,
            "title": HOSTILE,
            "question": HOSTILE,
            "hypotheses": [
                {"id": "a", "label": HOSTILE, "prior": 0.6},
                {"id": "b", "label": HOSTILE, "prior": 0.4},
            ],
            "sources": {"s1": {"label": HOSTILE, "reliability": "B"}},
            "evidence": [{"id": "e1", "label": HOSTILE, "source": "s1", "likelihoods": {"a": 0.8, "b": 0.3}}],
        },
        name=HOSTILE,
    )
    page = render_report(case, score(case))
    data, _ = page_scripts(page)  # the page's own two scripts and nothing else
    assert data["hypotheses"][0]["label"] == visible(HOSTILE, newlines=True)  # as data, for textContent
    markup = page_markup(page)
    parser = _Tags()
    parser.feed(markup)
    parser.close()
    tags = {tag for tag, _ in parser.tags}
    assert "script" not in tags and "a" not in tags and "<script" not in markup.lower()
    for tag, attrs in parser.tags:
        for name, value in attrs:
            assert not name.startswith("on"), (tag, name)  # no event handler escaped its quotes
            assert "javascript:" not in (value or "").lower(), (tag, name)
            if name.endswith("href"):
                assert (value or "").startswith("#"), (tag, value)  # only SVG references inside the page
    assert not re.search(r"""(href|src)\s*=\s*["']?\s*javascript:""", page, re.IGNORECASE)
    raw = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
    assert not raw.search(page), raw.search(page)
    assert "\\x1b[31mred" in page and "\\u202eevil" in page  # shown, as visible escapes
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the text survives, as text


def test_init_writes_a_case_that_scores_and_will_not_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "case.yaml"
    assert runner.invoke(app, ["init", str(target)]).exit_code == 0
    case = load_case(target)
    assert len(case.hypotheses) == 2 and len(case.sources) == 1 and len(case.evidence) == 4
    absent, ratio = case.evidence[-2], case.evidence[-1]
    assert absent.observed is False and absent.notes and ratio.ratios  # an absent item, a note, a ratio
    assert [f for f, _ in case.hypotheses[0].prior] == ["motive", "opportunity"]
    assert runner.invoke(app, ["score", str(target)]).exit_code == 0
    target.write_text("mine")
    again = runner.invoke(app, ["init", str(target)])
    assert again.exit_code == 2 and "--force" in again.stderr and target.read_text() == "mine"
    assert runner.invoke(app, ["init", str(target), "--force"]).exit_code == 0
    assert load_case(target).title == "Who sent the anonymous letter?"


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium); .ci/run installs it"
)
def test_report_renders_in_headless_chromium(tmp_path: Path, seed_report: str) -> None:
    from PIL import Image, ImageStat

    page = tmp_path / "report.html"
    page.write_text(seed_report, encoding="utf-8")
    shot = tmp_path / "report.png"
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--hide-scrollbars",
            "--window-size=1100,3800",
            "--enable-logging=stderr",
            "--v=0",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    assert shot.exists(), result.stderr[-2000:]
    console = [line for line in result.stderr.splitlines() if ":CONSOLE(" in line or "Uncaught" in line]
    assert console == []
    image = Image.open(shot).convert("L")
    assert image.size == (1100, 3800)
    assert ImageStat.Stat(image).stddev[0] > 20  # not a blank page
    dark = sum(image.histogram()[:128]) / (image.size[0] * image.size[1])
    assert dark > 0.01  # text and plots, not just background


def test_the_page_is_dated_by_the_case_never_by_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same case and seed give the same page on any day: dated by its as_of or latest item
    (as STIX and MISP are), or not at all (new-user trial: 'Assessed <today>')."""
    import datetime as real

    from hypotheses.output import report

    class Tomorrow(real.date):
        @classmethod
        def today(cls) -> real.date:
            return real.date(2099, 1, 1)

    case = load_case(EXAMPLES / "al-bab-2017.yaml")
    card = score(case)
    first = render_report(case, card)
    monkeypatch.setattr(report, "date", Tomorrow)
    assert render_report(case, card) == first
    assert "2099-01-01" not in first and "Assessed " not in first
    dated = make_case({**yaml.safe_load((EXAMPLES / "taxicab.yaml").read_text()), "as_of": "2020-05-01"})
    assert "Information as of 2020-05-01 · " in render_report(dated, score(dated))
