"""Every validation rule: each fixture under tests/data/bad names the message and line it must
produce (`# expect: LINE: text`); warnings under tests/data/warn likewise (`# warn:`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hypotheses import CaseError, load_case
from tests.helpers import DATA, make_case

BAD = sorted((DATA / "bad").glob("*.yaml"))
WARN = sorted((DATA / "warn").glob("*.yaml"))


def _expectations(path: Path, tag: str) -> list[tuple[int, str]]:
    found = re.findall(rf"^# {tag}: (\d+): (.*)$", path.read_text(encoding="utf-8"), re.M)
    assert found, f"{path.name} declares no expectation"
    return [(int(line), text) for line, text in found]


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_case_reports_message_and_line(path: Path) -> None:
    with pytest.raises(CaseError) as caught:
        load_case(path)
    problems = caught.value.problems
    for line, text in _expectations(path, "expect"):
        matching = [p for p in problems if text in p.message]
        assert matching, f"no problem says {text!r}; got {[str(p) for p in problems]}"
        assert (matching[0].line or 0) == line, str(matching[0])
        assert str(matching[0]).startswith(f"{path}:{line}: " if line else f"{path}: ")


@pytest.mark.parametrize("path", WARN, ids=[p.stem for p in WARN])
def test_warnings_do_not_stop_scoring(path: Path) -> None:
    case = load_case(path)
    for line, text in _expectations(path, "warn"):
        matching = [w for w in case.warnings if text in w.message]
        assert matching and matching[0].line == line and matching[0].severity == "warning"


def test_at_least_25_kinds_of_bad_input() -> None:
    assert len(BAD) >= 25


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("schema: 1\ntitle: caf\xe9\n".encode("latin-1"))
    with pytest.raises(CaseError, match=r"latin1.yaml:2: is not UTF-8 text \(byte 0xe9\)"):
        load_case(path)


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "blob.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(CaseError, match="is a binary file"):
        load_case(path)


def test_directory_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="is a directory"):
        load_case(tmp_path)
    with pytest.raises(CaseError, match="no such file"):
        load_case(tmp_path / "nope.yaml")


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("wb") as stream:
        stream.truncate(50 * 2**20)
    with pytest.raises(CaseError, match=r"file is 50.0 MiB; case files are limited to 16 MiB"):
        load_case(path)


def test_deep_nesting(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text("schema: 1\ntitle: " + "[" * 5000 + "]" * 5000 + "\n")
    with pytest.raises(CaseError, match="YAML syntax error"):
        load_case(path)


def test_several_problems_reported_at_once() -> None:
    with pytest.raises(CaseError) as caught:
        load_case(DATA / "bad" / "unknown_field_typo.yaml")
    assert len(caught.value.problems) == 2


def test_default_fills_missing_likelihoods() -> None:
    case = make_case(
        {
            "schema": 1,
            "title": "t",
            "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}, {"id": "c", "label": "C"}],
            "evidence": [{"id": "e", "label": "E", "likelihoods": {"a": 0.9, "default": 0.2}}],
        }
    )
    assert [j.mean for j in case.evidence[0].likelihoods] == [0.9, 0.2, 0.2]


def test_equal_priors_when_none_given() -> None:
    case = make_case(
        {"schema": 1, "title": "t", "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]}
    )
    assert all(h.prior == () for h in case.hypotheses)


def test_every_judgment_form() -> None:
    case = make_case(
        {
            "schema": 1,
            "title": "t",
            "scale": "kent",
            "hypotheses": [
                {"id": "a", "label": "A", "prior": 0.3},
                {"id": "b", "label": "B", "prior": "30%"},
                {"id": "c", "label": "C", "prior": "Probable"},
                {"id": "d", "label": "D", "prior": [0.2, 0.4]},
                {"id": "e", "label": "E", "prior": {"beta": [2, 5]}},
                {"id": "f", "label": "F", "prior": "certain"},
            ],
        }
    )
    judgments = [h.prior[0][1] for h in case.hypotheses]
    assert judgments[0].is_point and judgments[0].value == 0.3
    assert judgments[1].is_point and judgments[1].value == pytest.approx(0.3)
    assert not judgments[2].is_point and 0.63 < judgments[2].mean < 0.87
    assert not judgments[3].is_point and 0.2 < judgments[3].mean < 0.4
    assert (judgments[4].a, judgments[4].b) == (2.0, 5.0)
    assert judgments[5].is_point and judgments[5].value == 1.0


def test_an_unknown_source_is_reported_with_the_items_other_problems() -> None:
    """A missing likelihood used to hide the unknown source until the next pass."""
    document = {
        "schema": 1,
        "title": "t",
        "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        "evidence": [{"id": "e", "label": "E", "source": "press", "likelihoods": {"a": 0.5}}],
    }
    with pytest.raises(CaseError) as caught:
        make_case(document)
    said = str(caught.value)
    assert "unknown source 'press'" in said and "gives no likelihood for 'b'" in said


def test_a_misspelt_observation_and_a_misspelt_default_get_one_clear_message() -> None:
    document = {
        "schema": 1,
        "title": "x",
        "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        "evidence": [{"id": "e", "label": "E", "observed": "absent", "likelihoods": {"a": 0.8, "b": 0.3}}],
    }
    with pytest.raises(CaseError) as caught:
        make_case(document)
    (problem,) = caught.value.problems
    assert "'absent' is not an observation; write true (seen), false" in problem.message
    document["evidence"][0] = {"id": "e", "label": "E", "likelihoods": {"a": 0.8, "defualt": 0.3}}
    with pytest.raises(CaseError) as caught:
        make_case(document)
    assert "unknown hypothesis 'defualt' (did you mean 'default'?)" in str(caught.value)


@pytest.mark.parametrize(
    ("line", "advice"),
    [
        # A colon inside an unquoted value: the fix is quoting, not indentation.
        ("    label: The insider theory: a leak", "must be quoted"),
        # A key indented under the label above it (one space too many): the fix is indentation.
        ("    label: Our own analysis\n     prior: 0.5", "indented further than the key above it"),
        # A wrapped value going on with ': ': not a key of the case, so both causes are named.
        ("    label: A long note\n      that continues: here", "then quote that whole value"),
    ],
)
def test_a_refused_colon_gets_the_fix_for_its_cause(tmp_path: Path, line: str, advice: str) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(f"schema: 1\ntitle: t\nhypotheses:\n  - id: a\n{line}\n", encoding="utf-8")
    with pytest.raises(CaseError) as raised:
        load_case(path)
    message = str(raised.value)
    assert "mapping values are not allowed" in message and advice in message
    if advice == "must be quoted":
        assert "indented further" not in message
    elif advice.startswith("indented"):
        assert "quote" not in message


def test_an_impossible_date_is_reported_with_its_field_and_the_other_problems(tmp_path: Path) -> None:
    """2025-09-31 has YAML's shape of a date but is no day: it used to stop the reading with
    an error naming no field, hiding the file's other problems until it was fixed."""
    path = tmp_path / "case.yaml"
    path.write_text(
        "schema: 1\ntitle: t\nhypotheses:\n"
        "  - {id: a, label: A, prior: 0.5}\n  - {id: b, label: B, prior: 0.5}\n"
        "evidence:\n"
        "  - {id: e, label: E, date: 2025-09-31, likelihoods: {a: 0.5, b: 0.2}}\n"
        "  - {id: f, label: F, date: 02/09/2025, likelihoods: {a: 0.5, b: 0.2}}\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseError) as raised:
        load_case(path)
    lines = str(raised.value).splitlines()
    assert any(
        ":7:" in x and "'date'" in x and "'2025-09-31' is not a day of the calendar" in x for x in lines
    )
    assert any(":8:" in x and "'02/09/2025' is not a date; write YYYY-MM-DD" in x for x in lines)


def test_a_key_without_its_colon_is_named_on_its_own_line(tmp_path: Path) -> None:
    """`label Staged for the camera` (no colon): YAML notices on the next line; the message
    points at the line to fix and says how."""
    path = tmp_path / "case.yaml"
    path.write_text(
        "schema: 1\ntitle: t\nhypotheses:\n  - id: a\n    label Staged for the camera\n    prior: 0.5\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseError) as raised:
        load_case(path)
    message = str(raised.value)
    assert ":5: YAML syntax error" in message and "no ':' after its key" in message
