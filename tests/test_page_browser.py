"""The interactive report in Chromium (slow): the edited case downloaded from the page scores
to the page's numbers; every table fits the window at 1280 px and an A4 printout, with up to
eight hypotheses."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from tests.helpers import EXAMPLES
from tests.test_interactive import Page, browser, posteriors, report  # noqa: F401 (the fixture)

pytestmark = pytest.mark.slow
runner = CliRunner()


def test_the_downloaded_case_scores_to_the_page_numbers(browser: Any, tmp_path: Path) -> None:  # noqa: F811
    """A word, a percent typed, an item left out, then the button: the file Chromium saves is a
    case file in the case's own keys, and `hypscore score` of it gives the page's posteriors."""
    path = EXAMPLES / "leaked-memo.yaml"
    page = Page(browser, report(tmp_path, path))
    assert not page.page.is_visible("#hs-download")  # nothing to download before an edit
    page.word("lik/access_logs_quiet/contractor", "likely")
    box = page.page.locator('input[aria-label="lik/printed_copy/accident: number"]')
    box.fill("12.5%")
    box.press("Tab")
    page.leave_out("staff_argument")
    with page.page.expect_download() as info:
        page.page.click("#hs-download")
    download = info.value
    assert download.suggested_filename == "leaked-memo-edited.yaml"
    saved = tmp_path / "out" / download.suggested_filename
    saved.parent.mkdir()
    download.save_as(saved)
    for cited in EXAMPLES.glob("*.txt"):  # documents a case may quote, beside it
        shutil.copy(cited, saved.parent / cited.name)
    document = yaml.safe_load(saved.read_text(encoding="utf-8"))
    memo = {e["id"]: e for e in document["evidence"]}
    assert memo["access_logs_quiet"]["likelihoods"]["contractor"] == "likely"
    assert memo["printed_copy"]["likelihoods"]["accident"] == "12.5%"
    assert "staff_argument" not in memo and "weekday" in memo  # pending: kept
    result = runner.invoke(app, ["score", str(saved), "-f", "json", "--seed", "0"])
    assert result.exit_code == 0, result.output
    assert page.values("post") == pytest.approx(posteriors(json.loads(result.stdout)), abs=1e-6)
    assert page.errors == []
