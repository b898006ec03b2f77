"""Sourcing on every item (docs/case-format.md, "Sourcing"): `quote:`, `document:`, `page:`,
`accessed:`; the quote checked in a local text document; every output carries the sourcing."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from hypotheses import load_case
from hypotheses.case import CaseError
from tests.helpers import EXAMPLES

ARTICLE = "The Department of Defence is not coordinating air strikes\nwith the Russian military in Syria.\n"


def _write(folder: Path, *items: dict[str, Any], name: str = "case.yaml") -> Path:
    document = {
        "schema": 1,
        "title": "sourcing",
        "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        "sources": {
            "wapo": {"label": "The Washington Post", "reliability": "B"},
            "reuters": {"label": "Reuters", "reliability": "A"},
        },
        "evidence": [{"likelihoods": {"a": 0.8, "b": 0.3}, **item} for item in items],
    }
    path = folder / name
    path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(CaseError) as caught:
        load_case(path)
    return [str(p) for p in caught.value.problems]


def _line_of(path: Path, key: str, nth: int = 0) -> int:
    lines = [
        n for n, line in enumerate(path.read_text().splitlines(), 1) if line.lstrip("- ").startswith(key)
    ]
    return lines[nth]


# --- the quote check -------------------------------------------------------------------------


def test_a_quote_found_with_whitespace_and_case_folded(tmp_path: Path) -> None:
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    path = _write(
        tmp_path,
        {
            "id": "denial",
            "label": "DoD denies",
            "quote": "the department of DEFENCE is not coordinating   air strikes with the Russian",
            "document": "article.txt",
            "page": 4,
            "accessed": "2024-03-01",
        },
    )
    (item,) = load_case(path).evidence
    assert item.document == "article.txt"
    assert item.document_sha256 == hashlib.sha256(ARTICLE.encode()).hexdigest()
    assert (item.page, item.accessed.isoformat()) == ("4", "2024-03-01")


def test_a_quote_not_found_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    path = _write(
        tmp_path,
        {
            "id": "denial",
            "label": "DoD denies",
            "quote": "is not coordinating air raids",
            "document": "article.txt",
        },
    )
    (problem,) = _problems(path)
    assert problem == (
        f"{path}:{_line_of(path, 'quote:')}: the quote of evidence 'denial' is not in document "
        "'article.txt' (whitespace and case folded); its first 4 words are there, then it differs at "
        "'raids'; copy the source's words exactly"
    )


def test_a_quote_in_a_file_that_is_not_text_is_an_error_not_a_crash(tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7\n\x00\x01\xff\xfe binary")
    (tmp_path / "latin.txt").write_bytes("caf\xe9 cr\xe8me".encode("latin-1"))
    path = _write(
        tmp_path,
        {"id": "scan", "label": "A scan", "quote": "anything", "document": "scan.pdf"},
        {"id": "latin", "label": "Latin-1", "quote": "café", "document": "latin.txt"},
    )
    problems = _problems(path)
    assert [p.split(": ", 1)[0] for p in problems] == [
        f"{path}:{_line_of(path, 'document:', 0)}",
        f"{path}:{_line_of(path, 'document:', 1)}",
    ]
    assert "document 'scan.pdf' of evidence 'scan' is not a text file" in problems[0]
    assert "document 'latin.txt' of evidence 'latin' is not a text file" in problems[1]


def test_a_document_without_a_quote_need_not_be_text_and_is_hashed(tmp_path: Path) -> None:
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.7\n\x00\x01")
    (item,) = load_case(_write(tmp_path, {"id": "scan", "label": "A scan", "document": "scan.pdf"})).evidence
    assert item.document_sha256 == hashlib.sha256(b"%PDF-1.7\n\x00\x01").hexdigest()


def test_a_missing_document_or_a_folder_is_an_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()
    path = _write(
        tmp_path,
        {"id": "gone", "label": "Gone", "quote": "words", "document": "missing.txt"},
        {"id": "dir", "label": "A folder", "document": "folder"},
    )
    assert _problems(path) == [
        f"{path}:{_line_of(path, 'document:', 0)}: document 'missing.txt' of evidence 'gone' cannot be "
        "read: no such file; check the path (a path is relative to the case file's folder)",
        f"{path}:{_line_of(path, 'document:', 1)}: document 'folder' of evidence 'dir' cannot be read: "
        "is a directory; give the path of a .yaml case file (a path is relative to the case file's folder)",
    ]


def test_a_document_outside_the_case_folder_is_shown_relative_to_the_case(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "cases").mkdir()
    (tmp_path / "shared" / "article.txt").write_text(ARTICLE, encoding="utf-8")
    for written in ("../shared/article.txt", str(tmp_path / "shared" / "article.txt")):
        path = _write(
            tmp_path / "cases",
            {"id": "x", "label": "X", "quote": "in Syria.", "document": written},
        )
        assert load_case(path).evidence[0].document == "../shared/article.txt"  # never the absolute path


def test_a_url_is_never_fetched_and_its_quote_is_kept_as_written(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        {"id": "x", "label": "X", "quote": "not on that page", "document": "https://example.invalid/a.pdf"},
    )
    (item,) = load_case(path).evidence
    assert (item.document, item.document_sha256, item.quote) == (
        "https://example.invalid/a.pdf",
        None,
        "not on that page",
    )


def test_an_empty_quote_and_a_bad_page_or_date_are_errors(tmp_path: Path) -> None:
    path = _write(tmp_path, {"id": "x", "label": "X", "quote": "  "})
    assert _problems(path) == [
        f"{path}:{_line_of(path, 'quote:')}: the quote of evidence 'x' is empty; give the source's words"
    ]
    path = _write(tmp_path, {"id": "y", "label": "Y", "page": True, "accessed": "last week"})
    problems = "\n".join(_problems(path))
    assert "page True is not a page" in problems
    assert "date 'last week' is not a date; write YYYY-MM-DD" in problems


def test_the_flagship_example_quotes_its_document() -> None:
    case = load_case(EXAMPLES / "al-bab-2017.yaml")
    quoted = [item for item in case.evidence if item.quote]
    assert len(quoted) >= 3 and {item.document for item in quoted} == {"al-bab-article.txt"}
    assert not case.warnings  # a newcomer's first screen opens on no warning


# --- every output carries the sourcing --------------------------------------------------------

ITEM = {
    "id": "wapo_leak",
    "label": "The memo leaked to the Post",
    "source": "wapo",
    "grading": "B2",
    "via": ["reuters"],
    "quote": "is not coordinating air strikes",
    "document": "article.txt",
    "page": "12-14",
    "accessed": "2024-03-01",
    "links": ["https://example.org/memo"],
    "date": "2024-02-28",
}


def _outputs(path: Path, tmp_path: Path) -> dict[str, str]:
    """Every output of `score`, `explain` and `report` for the case, by name."""
    runner = CliRunner()
    out: dict[str, str] = {}
    for name, args in {
        "score json": ["score", str(path), "-f", "json"],
        "score csv": ["score", str(path), "-f", "csv"],
        "score md": ["score", str(path), "-f", "md"],
        "explain table": ["explain", str(path)],
        "explain md": ["explain", str(path), "-f", "md"],
    }.items():
        result = runner.invoke(app, args, env={"COLUMNS": "400"})
        assert result.exit_code == 0, result.output
        out[name] = result.stdout
    html = tmp_path / "report.html"
    result = runner.invoke(app, ["report", str(path), "-o", str(html)])
    assert result.exit_code == 0, result.output
    out["report html"] = html.read_text(encoding="utf-8")
    return out


def test_every_output_carries_the_sourcing_of_an_item(tmp_path: Path) -> None:
    (tmp_path / "article.txt").write_text(ARTICLE, encoding="utf-8")
    path = _write(tmp_path, ITEM)
    sha = hashlib.sha256(ARTICLE.encode()).hexdigest()
    out = _outputs(path, tmp_path)

    (item,) = json.loads(out["score json"])["evidence"]
    assert {key: item[key] for key in (*ITEM, "document_sha256")} == {
        **ITEM,
        "source": {"id": "wapo", "label": "The Washington Post"},
        "document_sha256": sha,
    }
    rows = list(csv.DictReader(io.StringIO(out["score csv"])))
    (row,) = [r for r in rows if r["evidence"]]
    assert row == {
        **{key: "" for key in row},
        **{key: value for key, value in ITEM.items() if isinstance(value, str) and key != "id"},
        "evidence": "wapo_leak",
        "source_label": "The Washington Post",
        "via": "reuters",
        "links": "https://example.org/memo",
        "document_sha256": sha,
        "observed": "true",  # the column trial 3 added (docs/model.md section 6)
    }
    said = ["wapo_leak", "The Washington Post", "wapo", "B2", "reuters", "is not coordinating air strikes"]
    said += ["article.txt", "12-14", "2024-03-01", "https://example.org/memo", "2024-02-28", sha]
    for name in ("score md", "explain table", "explain md", "report html"):
        text = out[name]
        notes = text[text.index("Source notes") :]  # the numbered notes at the end
        if name.endswith("md"):  # Markdown shows a URL as text, never as a live link
            notes = notes.replace("https\\://", "https://")
        assert all(word in notes for word in said), name
        first = "wapo_leak: The Washington Post (source wapo, graded B2), via reuters"
        assert (f'<li id="hs-note-1">{first}' if name == "report html" else f"1. {first}") in notes, name
        assert "“is not coordinating air strikes” — article.txt, p. 12-14, accessed 2024-03-01" in notes
    # The item's row names its note; its label is there (the terminal's explanation shows ids only).
    assert "**wapo_leak**: The memo leaked to the Post (via reuters) \\[1\\]" in out["score md"]
    assert "The memo leaked to the Post" in out["report html"] and "<sup>[1]</sup>" in out["report html"]


HOSTILE = '=HYPERLINK("https://evil.example")<script>alert(1)</script>[red]x[/] **b** |c| \x1b[31m\u202e'


def test_a_hostile_quote_is_inert_in_every_output(tmp_path: Path) -> None:
    path = _write(tmp_path, {**ITEM, "quote": HOSTILE, "document": "https://example.org/memo"})
    out = _outputs(path, tmp_path)
    for name, text in out.items():
        assert "\x1b" not in text and "\u202e" not in text, name
        # JSON and CSV are data, a terminal shows text: markup matters in Markdown and HTML.
        assert "<script>alert" not in text or name in ("score json", "score csv", "explain table"), name
    assert json.loads(out["score json"])["evidence"][0]["quote"] == HOSTILE  # the data, as written
    (row,) = [r for r in csv.DictReader(io.StringIO(out["score csv"])) if r["evidence"]]
    assert row["quote"].startswith("'=HYPERLINK(")  # text to a spreadsheet, never a formula
    for name in ("score md", "explain md"):
        assert "\\*\\*b\\*\\* \\|c\\|" in out[name] and "&lt;script&gt;" in out[name], name
    assert "[red]x[/]" in out["explain table"] and "\\x1b[31m" in out["explain table"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out["report html"]
