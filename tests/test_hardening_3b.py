"""Issue 34, third round (items 5, 6, 7, 8, 9, 11, 25): hostile or mistaken input to import-ach,
export-ach and report is refused quickly as `file: what is wrong, and how to fix it` (exit 2),
and no command writes over one of its own inputs."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tests.test_ach import _xlsx

runner = CliRunner()
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _refused(args: list[str], message: str, seconds: float = 10.0) -> str:
    """Run hypscore; it must exit 2 with `message`, no traceback, within `seconds`."""
    started = time.perf_counter()
    result = runner.invoke(app, args)
    elapsed = time.perf_counter() - started
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert message in result.stderr and "Traceback" not in result.output, result.stderr
    assert elapsed < seconds, elapsed
    return result.stderr


# ---- item 5: DTDs and entities in any encoding ------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16-le", "utf-8"])
def test_achz_entities_are_refused_in_every_encoding_without_a_bom(tmp_path: Path, encoding: str) -> None:
    entity = '<!DOCTYPE ACH [<!ENTITY e "INJECTED">]>'
    hyps = '<Hypothesis id="H1" name="A"/><Hypothesis id="H2" name="B"/>'
    xml = (
        f'<?xml version="1.0" encoding="{encoding[:6].upper()}"?>{entity}<ACH title="&e;"><Hypotheses>{hyps}'
        '</Hypotheses><EvidenceList><Evidence name="&e;"><Consistency hypothesis="H1" rating="C"/>'
        "</Evidence></EvidenceList></ACH>"
    )
    path = tmp_path / "bomb.achz"
    path.write_bytes(gzip.compress(xml.encode(encoding)))  # no byte-order mark
    stderr = _refused(["import-ach", str(path)], "declares a DTD or entities")
    assert f"{path}:" in stderr and "INJECTED" not in stderr


@pytest.mark.parametrize("encoding", ["utf-16-be", "utf-16-le"])
def test_xlsx_entities_are_refused_in_utf16_without_a_bom(tmp_path: Path, encoding: str) -> None:
    entity = '<!DOCTYPE sst [<!ENTITY e "INJECTED">]>'
    xml = f'<?xml version="1.0" encoding="UTF-16"?>{entity}<sst {NS}><si><t>&e;</t></si></sst>'
    path = tmp_path / "entity.xlsx"
    _xlsx(path, [["Evidence", "A", "B"], ["x", "C", "I"]], {"xl/sharedStrings.xml": xml.encode(encoding)})
    stderr = _refused(["import-ach", str(path)], "declares a DTD or entities")
    assert "INJECTED" not in stderr


def test_an_achz_in_utf16_without_a_bom_still_imports(tmp_path: Path) -> None:
    hyps = '<Hypothesis id="H1" name="A"/><Hypothesis id="H2" name="B"/>'
    xml = (
        f'<?xml version="1.0" encoding="UTF-16"?><ACH title="t"><Hypotheses>{hyps}</Hypotheses>'
        '<EvidenceList><Evidence name="x"><Consistency hypothesis="H1" rating="C"/></Evidence>'
        "</EvidenceList></ACH>"
    )
    path = tmp_path / "plain.achz"
    path.write_bytes(gzip.compress(xml.encode("utf-16-be")))
    result = runner.invoke(app, ["import-ach", str(path)])
    assert result.exit_code == 0, result.output
    assert "label: A" in result.stdout


# ---- item 7: a quote never closed ---------------------------------------------------------------


def test_a_csv_quote_never_closed_is_refused_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "unclosed.csv"
    path.write_text('Evidence,A,B\nfirst,C,I\n"second,N,N\nthird,C,C\n', encoding="utf-8")
    stderr = _refused(["import-ach", str(path)], "never closed")
    assert f"{path}:3:" in stderr, stderr


# ---- item 8: the mapping read like a case file; encodings named ----------------------------------

MAPPING = (
    "ratings: {CC: 0.95, C: 0.8, N: 0.5, I: 0.2, II: 0.05, NA: 0.5}\n"
    "credibility: {High: 0.9, Medium: 0.7, Low: 0.5}\n"
    "relevance: {High: 1.0, Medium: 0.85, Low: 0.7}\n"
)


def _matrix(tmp_path: Path) -> Path:
    path = tmp_path / "matrix.csv"
    path.write_text("Evidence,A,B\nfirst,C,I\nsecond,N,II\n", encoding="utf-8")
    return path


def test_a_mapping_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{k}: &a{k} [{', '.join([f'*a{k - 1}'] * 9)}]" for k in range(1, 10)]
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n" + MAPPING, encoding="utf-8")
    assert bomb.stat().st_size < 2048
    stderr = _refused(["import-ach", str(_matrix(tmp_path)), "--mapping", str(bomb)], "alias bomb")
    assert f"{bomb}:" in stderr


def test_a_mapping_error_names_its_line(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING.replace("C: 0.8", "C: 1.8"), encoding="utf-8")
    _refused(["import-ach", str(_matrix(tmp_path)), "--mapping", str(mapping)], f"{mapping}:1: `ratings: C`")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le"])
def test_a_utf16_mapping_is_named_as_such(tmp_path: Path, encoding: str) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_bytes(MAPPING.encode(encoding))
    _refused(
        ["import-ach", str(_matrix(tmp_path)), "--mapping", str(mapping)], "is UTF-16 text; save it as UTF-8"
    )


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-16-le", "utf-32"])
def test_a_wide_csv_reads_like_its_utf8_twin(tmp_path: Path, encoding: str) -> None:
    plain = runner.invoke(app, ["import-ach", str(_matrix(tmp_path))])
    (tmp_path / "wide").mkdir()
    wide = tmp_path / "wide" / "matrix.csv"
    wide.write_bytes(_matrix(tmp_path).read_text(encoding="utf-8").encode(encoding))
    result = runner.invoke(app, ["import-ach", str(wide)])
    assert result.exit_code == 0 and plain.exit_code == 0, result.output
    assert result.stdout == plain.stdout


# ---- item 6: the matrix bounded before anything dense is built ------------------------------------


def _sheet(path: Path, rows: list[str]) -> None:
    xml = f"<worksheet {NS}><sheetData>{''.join(rows)}</sheetData></worksheet>"
    _xlsx(path, [["Evidence", "A", "B"], ["x", "C", "I"]], {"xl/worksheets/sheet1.xml": xml})


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_an_xlsx_padded_to_column_xfd_reads_in_little_memory(tmp_path: Path) -> None:
    import tracemalloc

    from hypotheses.exchange.ach import read_matrix

    header = '<row r="1">' + _inline("A1", "Evidence") + _inline("B1", "A") + _inline("C1", "B") + "</row>"
    rows = [
        f'<row r="{r}">{_inline(f"A{r}", f"e{r}")}{_inline(f"B{r}", "C")}<c r="XFD{r}"/></row>'
        for r in range(2, 2002)
    ]
    path = tmp_path / "padded.xlsx"
    _sheet(path, [header, *rows])
    tracemalloc.start()
    try:
        matrix = read_matrix(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(matrix.rows) == 2000 and matrix.rows[0].ratings == {"a": "C", "b": "NA"}
    assert peak < 64 * 2**20, peak  # dense rows to XFD would hold 2,000 x 16,384 cells


def test_an_xlsx_value_beyond_the_header_is_refused(tmp_path: Path) -> None:
    header = '<row r="1">' + _inline("A1", "Evidence") + _inline("B1", "A") + _inline("C1", "B") + "</row>"
    row = f'<row r="2">{_inline("A2", "x")}{_inline("B2", "C")}{_inline("XFD2", "I")}</row>'
    path = tmp_path / "beyond.xlsx"
    _sheet(path, [header, row])
    _refused(["import-ach", str(path)], f"{path}:2: cell XFD2 holds 'I' beyond the header's last column (C)")


def test_too_many_achz_hypotheses_are_refused_quickly(tmp_path: Path) -> None:
    hyps = "".join(f'<Hypothesis id="H{k}" name="same"/>' for k in range(25_000))
    xml = f'<ACH title="t"><Hypotheses>{hyps}</Hypotheses><EvidenceList/></ACH>'
    path = tmp_path / "many.achz"
    path.write_bytes(gzip.compress(xml.encode("utf-16")))
    _refused(["import-ach", str(path)], "25,000 hypotheses; hypscore scores at most 20,000", seconds=5)


def test_equal_names_get_ids_in_linear_time() -> None:
    from hypotheses.exchange.ach import Ids

    ids = Ids("default")
    started = time.perf_counter()
    made = [ids.make("same", "h") for _ in range(20_000)]
    assert time.perf_counter() - started < 1.0
    assert made[:3] == ["same", "same_2", "same_3"] and len(set(made)) == 20_000


def test_a_csv_too_large_for_a_case_is_refused_quickly(tmp_path: Path) -> None:
    hypotheses, rows = 1_000, 1_100  # 1.1 million ratings: more than a 16 MiB case can hold
    path = tmp_path / "big.csv"
    lines = ["Evidence," + ",".join(f"h{k}" for k in range(hypotheses))]
    lines += [f"e{r}," + ",".join(["C"] * hypotheses) for r in range(rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _refused(["import-ach", str(path)], "ratings a case file can hold", seconds=8)


# ---- item 9: no command writes over one of its inputs -------------------------------------------


def test_import_ach_does_not_write_over_its_mapping(tmp_path: Path) -> None:
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    args = ["import-ach", str(_matrix(tmp_path)), "--mapping", str(mapping), "-o", str(mapping)]
    _refused(args, f"{mapping}: is the same file as the input {mapping}")
    assert mapping.read_text(encoding="utf-8") == MAPPING


def test_export_ach_does_not_write_over_its_mapping(tmp_path: Path) -> None:
    from tests.helpers import EXAMPLES

    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    case = sorted(EXAMPLES.glob("*.yaml"))[0]
    _refused(["export-ach", str(case), "--mapping", str(mapping), "-o", str(mapping)], "is the same file")
    assert mapping.read_text(encoding="utf-8") == MAPPING


HOUSE = "name: house\nterms:\n  - term: maybe\n    range: [30, 70]\n  - term: surely\n    range: [90, 99]\n"


@pytest.mark.parametrize("command", ["score", "explain", "next", "export-ach", "report"])
def test_no_output_overwrites_the_scale_file_a_case_uses(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    from priors import scales

    directory = tmp_path / "scales"
    directory.mkdir()
    scale = directory / "house.yaml"
    scale.write_text(HOUSE, encoding="utf-8")
    monkeypatch.setenv("HYPSCORE_SCALE_PATH", str(directory))
    scales._all_scales.cache_clear()
    scales.get_scale.cache_clear()
    try:
        case = tmp_path / "case.yaml"
        case.write_text(
            "schema: 1\ntitle: t\nscale: house\nhypotheses:\n"
            "  - {id: a, prior: 0.5}\n  - {id: b, prior: 0.5}\n"
            "evidence:\n  - id: e\n    label: x\n    likelihoods: {a: maybe, b: surely}\n",
            encoding="utf-8",
        )
        _refused([command, str(case), "-o", str(scale)], "is the same file as the input")
        assert scale.read_text(encoding="utf-8") == HOUSE
    finally:
        scales._all_scales.cache_clear()
        scales.get_scale.cache_clear()


# ---- item 11: a failed report batch leaves no directory of its own ----------------------------------


def test_a_failed_report_batch_removes_the_directory_it_made(tmp_path: Path) -> None:
    bad = []
    for name in ("one", "two"):
        path = tmp_path / f"{name}.yaml"
        path.write_text("schema: 1\ntitle: broken\n", encoding="utf-8")
        bad.append(str(path))
    new = tmp_path / "made" / "reports"
    result = runner.invoke(app, ["report", *bad, "-o", str(new), "--quiet"])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert not (tmp_path / "made").exists()
    existing = tmp_path / "existing"
    existing.mkdir()
    (existing / "keep.txt").write_text("mine", encoding="utf-8")
    result = runner.invoke(app, ["report", *bad, "-o", str(existing), "--quiet"])
    assert result.exit_code == 2
    assert sorted(p.name for p in existing.iterdir()) == ["keep.txt"]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert runner.invoke(app, ["report", *bad, "-o", str(empty), "--quiet"]).exit_code == 2
    assert empty.is_dir()


# ---- item 25: long output names, negative counts, the --draws cap in --help -------------------------


def test_an_output_name_of_249_characters_is_written(tmp_path: Path) -> None:
    from tests.helpers import EXAMPLES

    case = sorted(EXAMPLES.glob("*.yaml"))[0]
    output = tmp_path / ("x" * 244 + ".json")
    assert len(output.name) == 249
    result = runner.invoke(app, ["next", str(case), "-o", str(output)])
    assert result.exit_code == 0, result.output
    assert output.read_text(encoding="utf-8").startswith("{")
    assert [p.name for p in tmp_path.iterdir()] == [output.name]


@pytest.mark.parametrize(
    ("written", "fix"),
    [("-1 in 20", "'1 in 20'"), ("-30%", "'30%'"), ("-1/20", "'1/20'"), ("1 in -20", "'1 in 20'")],
)
def test_a_negative_count_is_named_so(tmp_path: Path, written: str, fix: str) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(
        "schema: 1\ntitle: t\nhypotheses:\n  - {id: a, prior: 0.5}\n  - {id: b, prior: 0.5}\n"
        f"evidence:\n  - id: e\n    label: x\n    likelihoods: {{a: '{written}', b: 0.5}}\n",
        encoding="utf-8",
    )
    stderr = _refused(["validate", str(case)], "negative")
    assert fix in stderr and "unknown word" not in stderr, stderr


def test_draws_help_states_the_real_cap() -> None:
    result = runner.invoke(app, ["score", "--help"], terminal_width=200)
    text = " ".join(result.output.split())
    assert "2,000,000 draws x hypotheses" in text, text
