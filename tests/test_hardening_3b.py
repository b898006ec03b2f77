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
