"""Delphi: `pool --anonymous` names no analyst, and `pool --rounds` pools each round and shows
how far each crux and the pooled answer moved, on three analysts over two rounds whose numbers
are computed by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from hypotheses import pool, pool_rounds
from hypotheses.analysis.rounds import letter
from hypotheses.settings import UsageError
from tests.helpers import make_case

runner = CliRunner()


def _case(v: float, title: str) -> dict:
    """P(a | E) = v / (v + 0.2) by hand: e1 = (v, 0.2), e2 says nothing, equal priors."""
    return {
        "schema": 1,
        "title": title,
        "question": "A or B?",
        "hypotheses": [{"id": "a", "label": "A", "prior": 0.5}, {"id": "b", "label": "B", "prior": 0.5}],
        "evidence": [
            {"id": "e1", "label": "first", "likelihoods": {"a": v, "b": 0.2}},
            {"id": "e2", "label": "second", "likelihoods": {"a": 0.5, "b": 0.5}},
        ],
    }


NAMES = ("anastasia", "benedikt", "cleopatra")
ROUND_1 = (0.8, 0.6, 0.4)
ROUND_2 = (0.7, 0.6, 0.6)


def _rounds(tmp_path: Path) -> list[Path]:
    folders = []
    for r, values in enumerate((ROUND_1, ROUND_2), 1):
        folder = tmp_path / f"round{r}"
        folder.mkdir()
        for name, v in zip(NAMES, values, strict=True):
            text = yaml.safe_dump(_case(v, f"{name.capitalize()} notebook"), sort_keys=False)
            (folder / f"{name}.yaml").write_text(text, encoding="utf-8")
        folders.append(folder)
    return folders


def p_a(v: float) -> float:
    return v / (v + 0.2)


def test_letters_run_as_spreadsheet_columns() -> None:
    assert [letter(k) for k in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"
    ]  # fmt: skip


def test_three_analysts_over_two_rounds_by_hand(tmp_path: Path) -> None:
    result = pool_rounds(_rounds(tmp_path), anonymous=True)
    assert result.analysts == ("A", "B", "C")  # file order
    linear = result.pooled("linear")
    assert linear is not None
    for r, values in enumerate((ROUND_1, ROUND_2)):
        assert linear["a"][r] == pytest.approx(sum(p_a(v) for v in values) / 3, abs=1e-12)
    # Round 1: 0.8, 0.75, 0.6667; the largest move of a leader (a for all): A adopting C's
    # 0.4 or C A's 0.8, |0.6667 - 0.8| = 2/15. Round 2: 0.7778, 0.75, 0.75: 1/36.
    (crux,) = result.cruxes
    assert crux.place == "lik/e1/a"
    assert crux.swings == pytest.approx((p_a(0.8) - p_a(0.4), p_a(0.7) - p_a(0.6)), abs=1e-12)
    assert crux.moved == pytest.approx((p_a(0.7) - p_a(0.6)) - (p_a(0.8) - p_a(0.4)), abs=1e-12)
    assert crux.values[0] == {"A": "0.8", "B": "0.6", "C": "0.4"}
    assert crux.values[1] == {"A": "0.7", "B": "0.6", "C": "0.6"}
    document = result.to_dict()
    moved = (sum(map(p_a, ROUND_2)) - sum(map(p_a, ROUND_1))) / 3
    assert document["moved"]["linear"]["a"] == pytest.approx(moved, abs=1e-12)  # type: ignore[index]
    log = result.pooled("log")
    assert log is not None
    geometric = [(p_a(v), 1 - p_a(v)) for v in ROUND_2]
    a = (geometric[0][0] * geometric[1][0] * geometric[2][0]) ** (1 / 3)
    b = (geometric[0][1] * geometric[1][1] * geometric[2][1]) ** (1 / 3)
    assert log["a"][1] == pytest.approx(a / (a + b), abs=1e-12)


def test_a_crux_settled_in_the_second_round_shows_swing_zero_and_the_agreed_judgments(
    tmp_path: Path,
) -> None:
    folders = _rounds(tmp_path)
    for name in NAMES:
        (folders[1] / f"{name}.yaml").write_text(yaml.safe_dump(_case(0.6, "x")), encoding="utf-8")
    result = pool_rounds(folders)
    (crux,) = result.cruxes
    assert crux.swings[1] == 0.0 and crux.values[1] == {f"{n}.yaml": "0.6" for n in NAMES}
    assert result.analysts == tuple(f"{n}.yaml" for n in NAMES)


def test_anonymous_pool_names_no_analyst_in_any_output(tmp_path: Path) -> None:
    folder = _rounds(tmp_path)[0]
    files = [str(folder / f"{n}.yaml") for n in NAMES]
    result = pool(files, anonymous=True, consensus=True)
    assert [a.name for a in result.analysts] == ["A", "B", "C"]
    assert result.sentences()[0].startswith(("If A ", "If C "))
    outputs = [json.dumps(result.to_dict())]
    for fmt in ("table", "json", "md"):
        shown = runner.invoke(app, ["pool", *files, "--anonymous", "--consensus", "-f", fmt])
        assert shown.exit_code == 0, shown.output
        outputs.append(shown.stdout)
    page = tmp_path / "pool.html"
    assert runner.invoke(app, ["pool", *files, "--anonymous", "-o", str(page)]).exit_code == 0
    outputs.append(page.read_text(encoding="utf-8"))
    rounds = runner.invoke(
        app, ["pool", "--rounds", str(folder), str(tmp_path / "round2"), "--anonymous", "-f", "json"]
    )
    assert rounds.exit_code == 0, rounds.output
    outputs.append(rounds.stdout)
    for text in outputs:
        for name in NAMES:
            assert name not in text.lower(), name
        assert "notebook" not in text and str(tmp_path) not in text
    assert '"A"' in outputs[0] and "| A |" in outputs[3]


def test_rounds_refuses_files_weights_and_html_before_any_work(tmp_path: Path) -> None:
    folders = _rounds(tmp_path)
    one_file = str(folders[0] / "anastasia.yaml")
    for args, message in (
        ([one_file, str(folders[1])], "is not a directory"),
        ([str(folders[0])], "two rounds or more"),
        ([str(folders[0]), str(folders[1]), "--weights", "1,1,1"], "--weights does not go with --rounds"),
        ([str(folders[0]), str(folders[1]), "-f", "html"], "not html"),
    ):
        result = runner.invoke(app, ["pool", "--rounds", *args])
        assert result.exit_code == 2 and message in result.stderr and "Traceback" not in result.output


def test_rounds_in_every_format(tmp_path: Path) -> None:
    folders = [str(f) for f in _rounds(tmp_path)]
    table = runner.invoke(app, ["pool", "--rounds", *folders])
    assert table.exit_code == 0 and "lik/e1/a" in table.stdout and "moved" in table.stdout
    md = runner.invoke(app, ["pool", "--rounds", *folders, "-f", "md"])
    assert md.exit_code == 0 and md.stdout.startswith("# Rounds") and "| lik/e1/a |" in md.stdout
    out = tmp_path / "rounds.json"
    assert runner.invoke(app, ["pool", "--rounds", *folders, "-o", str(out)]).exit_code == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert set(document) == {"rounds", "analysts", "pooled", "moved", "cruxes", "each"}
    assert document["rounds"] == folders and len(document["each"]) == 2


def test_anonymous_pool_of_cases_in_memory_keeps_a_shared_title() -> None:
    cases = [make_case(_case(v, "Shared title"), f"{n}.yaml") for n, v in zip(NAMES, ROUND_1, strict=True)]
    result = pool(cases, anonymous=True, cruxes=False)
    assert {a.card.title for a in result.analysts} == {"Shared title"}
    assert [a.path for a in result.analysts] == ["A", "B", "C"]


def test_rounds_that_are_not_anonymous_keep_each_analysts_title(tmp_path: Path) -> None:
    """Named by file name across rounds, each case otherwise as written (only --anonymous strips
    titles and notes)."""
    result = pool_rounds(_rounds(tmp_path))
    titles = [a.card.title for a in result.pools[0].analysts]
    assert titles == [f"{n.capitalize()} notebook" for n in NAMES]
    anonymous = pool_rounds([tmp_path / "round1", tmp_path / "round2"], anonymous=True)
    assert {a.card.title for a in anonymous.pools[0].analysts} == {""}


def test_a_round_of_one_case_is_refused_by_name(tmp_path: Path) -> None:
    folders = _rounds(tmp_path)
    for name in NAMES[1:]:
        (folders[1] / f"{name}.yaml").unlink()
    with pytest.raises(UsageError, match=r"round 2 \(.*round2\) has 1 case"):
        pool_rounds(folders)


def test_one_file_or_one_round_named_twice_is_refused_as_such(tmp_path: Path) -> None:
    folders = _rounds(tmp_path)
    one = folders[0] / "anastasia.yaml"
    said = CliRunner().invoke(app, ["pool", str(one), str(one)])
    assert said.exit_code == 2 and "the same file twice counts once" in said.output
    said = CliRunner().invoke(app, ["pool", "--rounds", str(folders[0]), str(folders[0])])
    assert said.exit_code == 2 and "names one directory twice" in said.output
