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

HYPOTHESES = [
    "russia_state",
    "ukraine_linked",
    "us_norway",
    "criminal_group",
    "accidental_leak",
    "insider_sabotage",
    "proxy_militia",
    "third_country",
]
WORDS = ["roughly even chance", "very unlikely", "likely", "almost no chance", "very likely", "unlikely"]


def wide_case(n: int) -> dict[str, Any]:
    """A case as wide as the page gets with `n` hypotheses (long ids, the scale's longest words,
    sources, an event and an origin, so that every table of the page is there)."""
    ids = HYPOTHESES[:n]

    def lik(j: int) -> dict[str, str]:
        return {h: WORDS[(j + k) % len(WORDS)] for k, h in enumerate(ids)}

    evidence: list[dict[str, Any]] = [
        {"id": f"item_{j}", "label": f"A report of the kind analysts write, number {j}", "source": "wire",
         "credibility": "probably true", "date": f"2024-0{1 + j}-01", "likelihoods": lik(j)}
        for j in range(4)
    ]  # fmt: skip
    evidence += [
        {
            "id": f"report_{j}",
            "label": "one of two reports of one event",
            "source": "outlet",
            "reports": "blast",
        }
        for j in range(2)
    ]
    return {
        "schema": 1,
        "title": f"A case with {n} hypotheses",
        "hypotheses": [
            {"id": h, "label": f"Hypothesis {h}", "prior": WORDS[k % 6]} for k, h in enumerate(ids)
        ],
        "sources": {
            "wire": {"label": "a wire", "reliability": "B"},
            "outlet": {"label": "an outlet", "reliability": "C"},
        },
        "events": {"blast": {"label": "the blast", "likelihoods": lik(7)}},
        "origins": {"briefing": {"label": "one briefing", "items": ["item_0", "item_1"], "shared": "likely"}},
        "evidence": evidence,
    }


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


# Every table's width against its container's and the window's, and the conflict column's header.
FITS = """() => {
  const width = document.documentElement.clientWidth;
  const tables = [...document.querySelectorAll("table")].map((t) => ({
    head: t.querySelector("th").textContent,
    scroll: t.scrollWidth,
    box: t.parentElement.clientWidth,
    right: t.getBoundingClientRect().right,
  }));
  const conflict = [...document.querySelectorAll("th")].find((th) => th.textContent === "conflict");
  const page = document.documentElement.scrollWidth;
  return { width, page, tables, conflict: conflict.getBoundingClientRect().right };
}"""
A4_WIDTH = 688  # px at 96 dpi: 210 mm less the page's two 14 mm margins (@page in output/page.py)


@pytest.mark.parametrize("n", [4, 8])
def test_every_table_fits_1280_px_and_a4_print(browser: Any, tmp_path: Path, n: int) -> None:  # noqa: F811
    """With 4 and 8 hypotheses (long ids, the scale's longest words, a control in every cell):
    no table is wider than its container or the window, at 1280 x 800 and printed on A4, and
    the evidence table's last column (conflict) is in view."""
    from hypotheses import score
    from hypotheses.case.loading import case_from_text
    from hypotheses.output.report import render_report

    text = yaml.safe_dump(wide_case(n), sort_keys=False)
    case = case_from_text(text, str(tmp_path / f"wide{n}.yaml"))
    out = tmp_path / f"wide{n}.html"
    out.write_text(render_report(case, score(case, explain=True)), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(out.as_uri())
    for media, width in (("screen", 1280), ("print", A4_WIDTH)):
        page.emulate_media(media=media)
        page.set_viewport_size({"width": width, "height": 800})
        fits = page.evaluate(FITS)
        assert len(fits["tables"]) == 7, media  # assessment, evidence, 5 of the case's inputs
        for table in fits["tables"]:
            assert table["scroll"] <= table["box"] + 1, (media, table)
            assert table["right"] <= fits["width"] + 1, (media, table)
        assert fits["page"] <= fits["width"], media  # no sideways scrolling
        assert fits["conflict"] <= fits["width"], media
    page.close()
