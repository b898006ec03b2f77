"""ACH matrices: import -> score equals the hand-encoded case; export -> import round-trips the
ratings; XLSX and .achz fixtures of our own read like the CSV; Heuer's weighted inconsistency by
hand; bad matrices are clean `file:line` errors."""

from __future__ import annotations

import gzip
import math
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from typer.testing import CliRunner

from cli import app
from hypotheses import case_from_text, score
from hypotheses.exchange.ach import import_ach, read_mapping, read_matrix, weighted_inconsistency
from tests.helpers import EXAMPLES, make_case

runner = CliRunner()
HEADER = ["ID", "Evidence", "Credibility", "Relevance", "Mistake", "Deliberate", "True claim", "Notes"]
ROWS = [
    ["", "A denial", "High", "", "C", "C", "I", "quoted"],
    ["mod", "The statement", "Medium", "High", "CC", "+", "N", ""],
    ["", "A fact", "", "", "++", "CC", "NA", ""],
    ["", "Against", "Low", "Low", "I", "--", "C", ""],
]


def _csv(tmp_path: Path, rows: list[list[str]] = ROWS, header: list[str] = HEADER) -> Path:
    path = tmp_path / "matrix.csv"
    text = "\n".join(",".join(cells) for cells in [header, *rows]) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def test_import_then_score_equals_the_hand_encoded_case(tmp_path: Path) -> None:
    case = case_from_text(import_ach(_csv(tmp_path)), "imported.yaml")
    hand = make_case(
        {
            "schema": 1,
            "title": "by hand",
            "hypotheses": [
                {"id": "mistake", "label": "Mistake"},
                {"id": "deliberate", "label": "Deliberate"},
                {"id": "true_claim", "label": "True claim"},
            ],
            "evidence": [
                {
                    "id": "a",
                    "label": "x",
                    "credibility": 0.9,
                    "likelihoods": {"mistake": 0.8, "deliberate": 0.8, "true_claim": 0.2},
                },
                {
                    "id": "b",
                    "label": "x",
                    "credibility": 0.7,
                    "likelihoods": {"mistake": 0.95, "deliberate": 0.8, "true_claim": 0.5},
                },
                {
                    "id": "c",
                    "label": "x",
                    "likelihoods": {"mistake": 0.95, "deliberate": 0.95, "true_claim": 0.5},
                },
                {
                    "id": "d",
                    "label": "x",
                    "credibility": 0.35,
                    "likelihoods": {"mistake": 0.2, "deliberate": 0.05, "true_claim": 0.8},
                },
            ],
        }
    )
    ours = score(case, explain=False)
    theirs = score(hand, explain=False)
    for h, g in zip(ours.hypotheses, theirs.hypotheses, strict=True):
        assert h.id == g.id and h.posterior.mean == pytest.approx(g.posterior.mean, abs=1e-12)
    assert [it.id for it in case.evidence] == ["a_denial", "mod", "a_fact", "against"]
    assert case.evidence[0].notes == "quoted" and case.hypotheses[2].label == "True claim"


def test_export_then_import_round_trips_the_ratings(tmp_path: Path) -> None:
    source = _csv(tmp_path)
    imported = tmp_path / "case.yaml"
    assert runner.invoke(app, ["import-ach", str(source), "-o", str(imported)]).exit_code == 0
    exported = tmp_path / "again.csv"
    result = runner.invoke(app, ["export-ach", str(imported), "-o", str(exported)])
    assert result.exit_code == 0, result.output
    first, again = read_matrix(source), read_matrix(exported)
    assert [r.id for r in again.rows] == [r.id for r in first.rows]  # score rows are comments
    na_as_n = {"NA": "N"}  # NA and N share a likelihood (0.5) in the default mapping
    for a, b in zip(first.rows, again.rows, strict=True):
        assert [na_as_n.get(v, v) for v in a.ratings.values()] == list(b.ratings.values())
    # A credibility level alone (no relevance) comes back as itself.
    assert again.rows[0].credibility == "High"


def test_weighted_inconsistency_matches_hand_computation() -> None:
    rows = [
        ({"a": "I", "b": "C"}, "High", None),  # sqrt 2 x 1 x -1 on a
        ({"a": "II", "b": "I"}, "Low", "High"),  # 1/sqrt 2 x sqrt 2 x (-2, -1)
        ({"a": "CC", "b": "NA"}, None, None),
    ]
    got = weighted_inconsistency(rows, ["a", "b"])
    assert got["a"] == pytest.approx(-math.sqrt(2) - 2.0, abs=1e-12)
    assert got["b"] == pytest.approx(-1.0, abs=1e-12)


def _xlsx(path: Path, rows: list[list[str]], replace: dict[str, str | bytes] | None = None) -> None:
    """A minimal workbook: shared strings for the header, inline strings for the rest; `replace`
    swaps in members of one's own."""
    shared = rows[0]
    sheet_rows = []
    for r, cells in enumerate(rows, 1):
        out = []
        for c, text in enumerate(cells):
            ref = f"{chr(65 + c)}{r}"
            if not text:
                continue
            if r == 1:
                out.append(f'<c r="{ref}" t="s"><v>{shared.index(text)}</v></c>')
            else:
                out.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(text)}</t></is></c>')
        sheet_rows.append(f'<row r="{r}">{"".join(out)}</row>')
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    replace = replace or {}
    with zipfile.ZipFile(path, "w") as book:
        original = book.writestr

        def writestr(name: str, data: str | bytes) -> None:
            original(name, replace.get(name, data))

        book.writestr = writestr  # type: ignore[method-assign]
        book.writestr(
            "xl/workbook.xml",
            f'<workbook {ns} {rel}><sheets><sheet name="Matrix" sheetId="1" r:id="rId1"/>'
            "</sheets></workbook>",
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
        )
        strings = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
        book.writestr("xl/sharedStrings.xml", f"<sst {ns}>{strings}</sst>")
        book.writestr(
            "xl/worksheets/sheet1.xml",
            f"<worksheet {ns}><sheetData>{''.join(sheet_rows)}</sheetData></worksheet>",
        )


def _achz(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> None:
    """PARC ACH 2.0's container: gzip-compressed UTF-16 XML (the elements docs/ach.md lists)."""
    hyps = header[4:7]
    parts = ['<?xml version="1.0" encoding="UTF-16"?>', '<ACH title="Matrix"><Hypotheses>']
    parts += [f'<Hypothesis id="H{k}" name="{escape(h)}"/>' for k, h in enumerate(hyps, 1)]
    parts.append("</Hypotheses><EvidenceList>")
    for cells in rows:
        attrs = f'name="{escape(cells[1])}" credibility="{cells[2]}" relevance="{cells[3]}"'
        attrs += f' notes="{escape(cells[7])}"'
        if cells[0]:
            attrs += f' id="{cells[0]}"'
        ratings = "".join(
            f'<Consistency hypothesis="H{k}" rating="{escape(v)}"/>' for k, v in enumerate(cells[4:7], 1)
        )
        parts.append(f"<Evidence {attrs}>{ratings}</Evidence>")
    parts.append("</EvidenceList></ACH>")
    path.write_bytes(gzip.compress("".join(parts).encode("utf-16")))


def test_xlsx_and_achz_read_like_the_csv(tmp_path: Path) -> None:
    csv_matrix = read_matrix(_csv(tmp_path))
    book = tmp_path / "matrix.xlsx"
    _xlsx(book, [HEADER, *ROWS])
    packed = tmp_path / "matrix.achz"
    _achz(packed, ROWS)
    for other in (read_matrix(book), read_matrix(packed)):
        assert other.hypotheses == csv_matrix.hypotheses
        for a, b in zip(csv_matrix.rows, other.rows, strict=True):
            assert (a.id, a.label, a.ratings, a.credibility, a.relevance, a.notes) == (
                b.id,
                b.label,
                b.ratings,
                b.credibility,
                b.relevance,
                b.notes,
            )
    assert read_matrix(book).title == "Matrix"
    result = runner.invoke(app, ["import-ach", str(packed)])
    assert result.exit_code == 0 and "true_claim: 0.5   # NA" in result.stdout


def test_the_example_matrix_imports_and_scores() -> None:
    case = case_from_text(import_ach(EXAMPLES / "ach" / "al-bab-matrix.csv"), "al-bab.yaml")
    card = score(case, explain=False)
    assert card.ranked()[0].id == "mistake" and len(case.evidence) == 6


def test_a_custom_mapping_changes_the_likelihoods(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        "ratings: {CC: 0.9, C: 0.7, N: 0.5, I: 0.3, II: 0.1, NA: 0.5}\n"
        "credibility: {High: 1.0, Medium: 0.8, Low: 0.6}\n"
        "relevance: {High: 1.0, Medium: 1.0, Low: 1.0}\n",
        encoding="utf-8",
    )
    case = case_from_text(import_ach(_csv(tmp_path), mapping), "x.yaml")
    assert [j.mean for j in case.evidence[0].likelihoods] == [0.7, 0.7, 0.3]
    assert case.evidence[1].credibility.mean == pytest.approx(0.8)
    assert read_mapping(mapping).ratings["II"] == 0.1


@pytest.mark.parametrize(
    ("rows", "header", "line", "message"),
    [
        (
            [["", "A denial", "High", "", "C", "X", "I", ""]],
            HEADER,
            2,
            "as 'X', which is no ACH rating; use CC, C, N, I, II or NA",
        ),
        ([], HEADER, None, "no evidence rows"),
        (
            [["", "A denial", "Very", "", "C", "C", "I", ""]],
            HEADER,
            2,
            "credibility 'Very'; use High, Medium or Low",
        ),
        ([["", "", "High", "", "C", "C", "I", ""]], HEADER, 2, "has no description"),
        ([["", "x", "C"]], ["Evidence", "Only"], 1, "one hypothesis column"),
    ],
)
def test_bad_matrices_are_clean_errors(tmp_path: Path, rows, header, line, message) -> None:
    path = _csv(tmp_path, rows, header)
    result = runner.invoke(app, ["import-ach", str(path), "-o", str(tmp_path / "out.yaml")])
    assert result.exit_code == 2, result.output
    where = f"{path}:{line}:" if line else f"{path}:"
    assert where in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "out.yaml").exists()


def test_unreadable_matrices_are_clean_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"not a zip")
    bomb = tmp_path / "entity.achz"
    bomb.write_bytes(gzip.compress('<!DOCTYPE x [<!ENTITY a "aaaa">]><ACH>&a;</ACH>'.encode("utf-16")))
    odd = tmp_path / "matrix.docx"
    odd.write_bytes(b"x")
    bad_mapping = tmp_path / "mapping.yaml"
    bad_mapping.write_text("ratings: {CC: 1.5}\n", encoding="utf-8")
    cases = [
        ([str(empty)], "the matrix is empty"),
        ([str(broken)], "not an .xlsx workbook"),
        ([str(bomb)], "declares a DTD or entities"),
        ([str(odd)], "unknown matrix type '.docx'"),
        ([str(tmp_path / "missing.csv")], "no such file"),
        (
            [str(_csv(tmp_path)), "--mapping", str(bad_mapping)],
            "must give a number for each of CC, C, N, I, II, NA",
        ),
    ]
    for args, message in cases:
        result = runner.invoke(app, ["import-ach", *args])
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output


def test_awkward_but_valid_csvs_read_as_written(tmp_path: Path) -> None:
    """An apostrophe is no quote; a semicolon file with commas in its labels splits on semicolons;
    a hypothesis headed 'Default' gets an id of its own (default is reserved)."""
    apostrophe = tmp_path / "apostrophe.csv"
    apostrophe.write_text(
        "Evidence,A,B\n'90s-style leak,C,I\nsecond,N,N\nthe 'two jets' claim,I,C\n", encoding="utf-8"
    )
    assert [r.label for r in read_matrix(apostrophe).rows] == [
        "'90s-style leak",
        "second",
        "the 'two jets' claim",
    ]
    semicolons = tmp_path / "semicolons.csv"
    semicolons.write_text("Evidence;Mistake;Deliberate\nas reported, twice;C;I\n", encoding="utf-8")
    matrix = read_matrix(semicolons)
    assert [h for h, _ in matrix.hypotheses] == ["mistake", "deliberate"] and matrix.rows[
        0
    ].label == "as reported, twice"
    named = tmp_path / "default.csv"
    named.write_text("Evidence,Default,Other\nx,C,I\n", encoding="utf-8")
    case = case_from_text(import_ach(named), "d.yaml")
    assert case.hypothesis_ids == ["default_2", "other"]


def test_hostile_or_mislabelled_matrices_are_clean_errors(tmp_path: Path) -> None:
    latin = tmp_path / "latin.csv"
    latin.write_bytes("Evidence,A,B\ncaf\xe9 r\xe9sum\xe9,C,I\n".encode("cp1252") + b"x")  # even length
    assert len(latin.read_bytes()) % 2 == 0
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    wide = tmp_path / "wide.xlsx"
    cell = '<row r="1"><c r="AAAAAAA1" t="inlineStr"><is><t>x</t></is></c></row>'
    _xlsx(
        wide,
        [["x"]],
        {"xl/worksheets/sheet1.xml": f"<worksheet {ns}><sheetData>{cell}</sheetData></worksheet>"},
    )
    sixteen = tmp_path / "sixteen.xlsx"
    entity = '<!DOCTYPE x [<!ENTITY e "INJECTED">]>'
    xml = f'<?xml version="1.0" encoding="UTF-16"?>{entity}<sst {ns}><si><t>&e;</t></si></sst>'
    _xlsx(sixteen, [["Evidence", "A", "B"], ["x", "C", "I"]], {"xl/sharedStrings.xml": xml.encode("utf-16")})
    damaged = tmp_path / "damaged.achz"
    damaged.write_bytes(gzip.compress(b"x" * 1000)[:20] + b"\x00" * 40)
    for path, message in [
        (latin, "is not UTF-8"),
        (wide, "beyond a worksheet's last column"),
        (sixteen, "declares a DTD or entities"),
        (damaged, "not gzip-compressed, or damaged"),
    ]:
        result = runner.invoke(app, ["import-ach", str(path)])
        assert result.exit_code == 2 and message in result.stderr, (path, result.stderr)
        assert "Traceback" not in result.output and "INJECTED" not in result.output
