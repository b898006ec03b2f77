"""The HTML report (self-contained, auditable, deterministic), the browser check, and `init`."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from hypotheses import load_case, score
from hypotheses.exports import explanation_markdown
from hypotheses.report import render_report
from hypotheses.wording import flip_sentence
from tests.conftest import EXAMPLES

SEED_CASE = EXAMPLES / "al-bab-2017.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def seed_report() -> str:
    case = load_case(SEED_CASE)
    return render_report(case, score(case), generated=date(2026, 11, 25))


def test_report_is_self_contained(seed_report: str) -> None:
    assert seed_report.startswith("<!doctype html>")
    assert "<script" not in seed_report and "<link" not in seed_report
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
    assert "motive: very unlikely (mean 11.6%)" in seed_report  # the inputs as written


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


def test_init_writes_a_case_that_scores_and_will_not_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "case.yaml"
    assert runner.invoke(app, ["init", str(target)]).exit_code == 0
    case = load_case(target)
    assert len(case.hypotheses) == 2 and len(case.sources) == 1 and len(case.evidence) == 2
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
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
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
