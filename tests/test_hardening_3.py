"""Issue 34, third round: hostile file names and case text in pool, export-ach, Markdown and the
plots; edge cases of the report's waterfall; scales that shadow a built-in one; intervals of tiny
posteriors."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console
from typer.testing import CliRunner

from cli import app

runner = CliRunner()

# What must never reach a terminal, a spreadsheet or a page raw: C0 controls but the newline, DEL,
# C1 controls, bidi overrides and isolates.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
OSC_TITLE = "\x1b]0;pwned\x07"  # retitles the terminal
CLEAR = "\x1b[2J"


def write_case(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def simple_case(prior_a: float = 0.5, b_given: float = 0.3, **label: str) -> dict[str, Any]:
    return {
        "schema": 1,
        "title": label.get("title", "T"),
        "hypotheses": [
            {"id": "a", "label": "first", "prior": prior_a},
            {"id": "b", "label": "second", "prior": 1 - prior_a},
        ],
        "evidence": [
            {"id": "e1", "label": label.get("item", "item"), "likelihoods": {"a": [0.2, 0.6], "b": b_given}}
        ],
    }


def terminal_output(renderable: object) -> str:
    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=200)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


# --- item 1: every user string reaches rich as Text --------------------------------------------


def _two_analysts(tmp_path: Path, first: str, second: str) -> list[str]:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    return [
        str(write_case(tmp_path / "one" / first, simple_case(0.5))),
        str(write_case(tmp_path / "two" / second, simple_case(0.5, 0.1))),  # a crux: e1 under b
    ]


def test_pool_shows_file_names_with_markup_as_written(tmp_path: Path) -> None:
    from hypotheses import load_case
    from hypotheses.analysis.team import pool
    from hypotheses.output.team_report import render_pool

    files = _two_analysts(tmp_path, "[link=https:evil.example]official.yaml", "x.yaml")
    screen = terminal_output(render_pool(pool([load_case(f) for f in files])))
    assert "\x1b]8;" not in screen  # OSC 8: a hyperlink
    assert "[link=https:evil.example]official" in screen


def test_pool_survives_closing_tags_in_paths(tmp_path: Path) -> None:
    # Same stem in two folders: the analysts are named by their paths, which contain "[/]".
    for folder in ("x[/]", "y[/]"):
        (tmp_path / folder).mkdir(parents=True)  # "x[" holding "]"
    files = [
        str(write_case(tmp_path / "x[/]" / "case.yaml", simple_case(0.5))),
        str(write_case(tmp_path / "y[/]" / "case.yaml", simple_case(0.5, 0.1))),
    ]
    result = runner.invoke(app, ["pool", *files])
    assert result.exit_code == 0, result.output
    assert "[/]" in result.stdout


def test_rich_tables_get_no_user_string_as_markup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The class of bug: a header or cell given to rich as `str` is parsed as markup. The tables
    whose headers and cells come from data (pool's and diff's) take Text only."""
    from rich.table import Table

    from hypotheses import load_case
    from hypotheses.analysis.diff import diff
    from hypotheses.analysis.team import pool
    from hypotheses.output.team_report import render_diff, render_pool

    seen: list[object] = []
    add_column, add_row = Table.add_column, Table.add_row

    def column(self: Table, header: object = "", *args: Any, **kwargs: Any) -> None:
        seen.append(header)
        add_column(self, header, *args, **kwargs)  # type: ignore[arg-type]

    def row(self: Table, *cells: object, **kwargs: Any) -> None:
        seen.extend(cells)
        add_row(self, *cells, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Table, "add_column", column)
    monkeypatch.setattr(Table, "add_row", row)
    files = _two_analysts(tmp_path, "a.yaml", "b.yaml")
    terminal_output(render_pool(pool([load_case(f) for f in files])))
    terminal_output(render_diff(diff(load_case(files[0]), load_case(files[1]))))
    assert seen and not [c for c in seen if isinstance(c, str)]


# --- item 2: every export-ach cell through one neutraliser -------------------------------------


def test_export_ach_cells_are_inert_even_after_a_hash(tmp_path: Path) -> None:
    import csv

    document = simple_case(item=f"# {OSC_TITLE}{CLEAR}retitled\r\n=HYPERLINK(1)")
    document["evidence"][0]["notes"] = "line one\r\nline two\x9b31m\x85"
    document["evidence"].append(
        {"id": "e2", "label": "=cmd|' /C calc'!A0", "likelihoods": {"a": 0.5, "b": 0.4}}
    )
    document["evidence"].append({"id": "e3", "label": "\t+1+1", "likelihoods": {"a": 0.5, "b": 0.4}})
    result = runner.invoke(app, ["export-ach", str(write_case(tmp_path / "case.yaml", document))])
    assert result.exit_code == 0, result.output
    assert not RAW_CONTROL.search(result.stdout) and "\r" not in result.stdout
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert len(rows) == 6  # header, three items, two score rows: no cell broke a line
    assert rows[1][1].startswith("# \\x1b]0;pwned\\x07\\x1b[2Jretitled")
    assert rows[1][4] == "line one line two\\x9b31m "
    assert rows[2][1].startswith("'=") and rows[3][1].startswith("' +1+1")
    assert rows[4][0] == "# weighted inconsistency (Heuer)"  # our comment rows stay comments


# --- items 3 and 15: every text that reaches matplotlib is visible() and not mathtext -----------


@pytest.fixture
def scale_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A directory on HYPSCORE_SCALE_PATH, with the scale caches emptied around the test."""
    from priors import scales

    directory = tmp_path / "scales"
    directory.mkdir()
    monkeypatch.setenv("HYPSCORE_SCALE_PATH", str(directory))
    scales._all_scales.cache_clear()
    scales.get_scale.cache_clear()
    yield directory
    scales._all_scales.cache_clear()
    scales.get_scale.cache_clear()


def test_pool_page_and_plot_get_no_raw_control_from_file_names(tmp_path: Path) -> None:
    import warnings

    from hypotheses import load_case
    from hypotheses.analysis.team import pool
    from hypotheses.output.team_report import pool_html

    files = _two_analysts(tmp_path, f"{OSC_TITLE}{CLEAR}a$x$.yaml", "\u202eb\x9b.yaml")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        page = pool_html(pool([load_case(f) for f in files]))
    assert not RAW_CONTROL.search(page.replace("\t", " "))
    assert "\\x1b]0;pwned\\x07" in page  # the name shown, its controls as visible escapes
    assert not [w for w in caught if RAW_CONTROL.search(str(w.message))]
    assert not [w for w in caught if "Glyph" in str(w.message)]


def test_scale_term_with_dollars_in_the_calibration_page(scale_dir: Path, tmp_path: Path) -> None:
    (scale_dir / "house.yaml").write_text(
        "name: house\nterms:\n  - term: maybe $x^$\n    range: [30, 70]\n"
        "  - term: surely $y^$\n    range: [90, 99]\n  - term: never\n    range: [1, 10]\n",
        encoding="utf-8",
    )
    cases = tmp_path / "cases"
    cases.mkdir()
    for name, truth in (("one", "a"), ("two", "b")):
        document = simple_case(0.5)
        document.update(scale="house", resolution={"hypothesis": truth})
        write_case(cases / f"{name}.yaml", document)
    page = tmp_path / "cal.html"
    result = runner.invoke(app, ["calibration", str(cases), "-o", str(page)])
    assert result.exit_code == 0, result.output
    assert "maybe $x^$" in page.read_text(encoding="utf-8")


# --- item 12: the waterfall with no finite level or weight -------------------------------------


def test_report_with_priors_one_and_zero(tmp_path: Path) -> None:
    """Priors 1 and 0: every level of the leader's log-odds is infinite and the item's weight
    undefined, so nothing finite sets the plot's scale (max() of one number was a TypeError)."""
    document = simple_case(1.0)
    document["evidence"][0]["likelihoods"] = {"a": 0.2, "b": 0.3}
    case, page = write_case(tmp_path / "case.yaml", document), tmp_path / "r.html"
    result = runner.invoke(app, ["report", str(case), "-o", str(page)])
    assert result.exit_code == 0, result.output
    assert "<svg" in page.read_text(encoding="utf-8")


# --- item 4: no URL or e-mail address in case text becomes a live link in GitHub's renderer -----

AUTOLINKED = [  # what cmark-gfm's autolink extension links
    "www.evil.example",
    "see www.evil.example/x now",
    "_www.evil.example_ (www.evil.example)",
    "http://evil.example",
    "HTTPS://evil.example/path?q=1",
    "ftp://evil.example",
    "bob@evil.example",
    "a.b+c@d-e.example",
    "mailto:bob@evil.example",
    "xmpp:bob@evil.example/x",
]


@pytest.mark.parametrize("text", AUTOLINKED)
def test_markdown_text_is_never_autolinked(text: str) -> None:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    from hypotheses.output.text import md_text

    assert "<a " in cmarkgfm.github_flavored_markdown_to_html(text)  # the pattern is live raw
    html = cmarkgfm.github_flavored_markdown_to_html(f"| x |\n|---|\n| {md_text(text)} |\n\n{md_text(text)}")
    assert "<a " not in html
    # Shown as written (the word joiner before an @ is invisible).
    assert html.count(text.replace("@", "\u2060@").replace("&", "&amp;")) == 2


def test_markdown_export_links_and_notes_are_text(tmp_path: Path) -> None:
    cmarkgfm = pytest.importorskip("cmarkgfm")
    document = simple_case(title="T www.evil.example", item="see http://evil.example")
    document["evidence"][0].update(notes="mail bob@evil.example", links=["https://evil.example/copy"])
    result = runner.invoke(app, ["score", str(write_case(tmp_path / "case.yaml", document)), "-f", "md"])
    assert result.exit_code == 0, result.output
    html = cmarkgfm.github_flavored_markdown_to_html(result.stdout)
    assert "evil.example/copy" in html and "<a " not in html


# --- item 22: a scale file that shadows a built-in scale is named -------------------------------


def test_scale_file_shadowing_a_builtin_is_warned_and_named(scale_dir: Path, tmp_path: Path) -> None:
    import json

    from hypotheses.output.text import md_text
    from priors.scales import _BUILTIN_DIR

    shadow = scale_dir / "icd203.yaml"
    shadow.write_text((_BUILTIN_DIR / "icd203.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    document = simple_case(0.5)
    document["evidence"][0]["likelihoods"] = {"a": "likely", "b": "unlikely"}
    case = str(write_case(tmp_path / "case.yaml", document))
    table = runner.invoke(app, ["score", case])
    assert table.exit_code == 0, table.output
    # The default scale, not stated in the case: the warning is at line 1 and names the file.
    assert f"case.yaml:1: warning: the scale 'icd203' is read from {shadow}" in table.stderr
    assert f"scaleicd203({shadow})" in "".join(table.stdout.split())  # the footer wraps
    document = json.loads(runner.invoke(app, ["score", case, "-f", "json"]).stdout)
    assert document["case"]["scale_file"] == str(shadow)
    assert any(str(shadow) in w for w in document["warnings"])
    markdown = runner.invoke(app, ["score", case, "-f", "md"]).stdout
    assert f"scale icd203 from {md_text(str(shadow))}" in markdown


def test_builtin_scale_is_not_named_as_a_file(tmp_path: Path) -> None:
    import json

    case = str(write_case(tmp_path / "case.yaml", simple_case(0.5)))
    document = json.loads(runner.invoke(app, ["score", case, "-f", "json"]).stdout)
    assert "scale_file" not in document["case"] and not document["warnings"]


# --- item 24: a tiny posterior's interval holds its mean ----------------------------------------


def test_tiny_posterior_interval_holds_its_mean() -> None:
    """Eight items each far likelier under `a`, `b`'s likelihood a Beta(0.3, 3): P(b | E) per
    draw spans ~15 orders of magnitude, and its mean (exact, ~1e-8) rests on the rare large draws,
    above their 95% quantile. The interval is widened to hold it, and a warning says so."""
    from hypotheses import score
    from hypotheses.case import case_from_text

    document = simple_case(0.5)
    document["evidence"] = [
        {"id": f"e{i}", "label": "x", "likelihoods": {"a": 0.9, "b": {"beta": [0.3, 3]}}} for i in range(8)
    ]
    card = score(case_from_text(yaml.safe_dump(document), "tiny.yaml"))
    b = next(h for h in card.hypotheses if h.id == "b")
    assert b.posterior.lo <= b.posterior.mean <= b.posterior.hi
    assert b.posterior.hi == b.posterior.mean  # widened to the mean, no further
    assert [w for w in card.warnings if "'b'" in w and "widened" in w]
    assert not [w for w in card.warnings if "'a'" in w and "widened" in w]
