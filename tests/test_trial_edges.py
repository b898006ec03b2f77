"""Rough edges a new-user trial found (an MH17 case typed from public reporting): outputs that
went flat near certainty, an explanation that named two hypotheses of four, knock-on errors,
prior factors without a suggestion, a shared document as the only reason for a suspected origin,
and errors reported in stages."""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from rich.console import Console

from hypotheses.text import points_change


def _render(renderable: object, width: int = 200) -> str:
    console = Console(file=io.StringIO(), width=width, color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


def _write(path: Path, document: dict) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


# ---- 1. diff and next near certainty: the odds' change where the points print 0.0 -------------


def _near_certain(b_in_e2: float, pending: bool = False) -> dict:
    evidence = [
        {"id": "e0", "label": "Report 0", "likelihoods": {"a": 0.999, "b": 0.001, "c": 0.002}},
        {"id": "e1", "label": "Report 1", "likelihoods": {"a": 0.999, "b": 0.001, "c": 0.002}},
        {"id": "e2", "label": "Report 2", "likelihoods": {"a": 0.99, "b": b_in_e2, "c": 0.01}},
    ]
    if pending:
        evidence.append(
            {
                "id": "p1",
                "label": "Pending",
                "observed": "pending",
                "likelihoods": {"a": 0.9, "b": 0.1, "c": 0.2},
            }
        )
    hypotheses = [{"id": h, "label": h.upper()} for h in "abc"]
    return {"schema": 1, "title": "sure", "hypotheses": hypotheses, "evidence": evidence}


def test_points_change_adds_the_odds_only_where_the_points_print_zero() -> None:
    assert points_change(0.5, 0.6) == "+10.0"
    assert points_change(0.5, 0.5) == "0.0"
    assert points_change(0.9995, 0.99995) == "0.0 (odds +10.0 dB)"
    assert points_change(1e-5, 1e-6) == "0.0 (odds -10.0 dB)"
    assert points_change(0.0, 0.0004) == "0.0"  # from 0 the odds have no finite change


def test_diff_near_certainty_shows_the_odds_change_of_an_effect_the_points_cannot(tmp_path: Path) -> None:
    from hypotheses.analysis.diff import diff
    from hypotheses.output.team_report import diff_markdown, diff_rows, render_diff

    old = _write(tmp_path / "old.yaml", _near_certain(0.01))
    new = _write(tmp_path / "new.yaml", _near_certain(0.001))
    result = diff(old, new)
    header, rows = diff_rows(result)
    assert header[3:] == ["a alone", "b alone", "c alone"]
    (row,) = rows
    # b's P(h | E) falls tenfold (1e-5 -> 1e-6): -10 dB, though both print <0.1% and 0.0 points
    assert row[4] == "0.0 (odds -10.0 dB)"
    assert row[3].startswith("0.0 (odds +")
    for text in (_render(render_diff(result)), diff_markdown(result)):
        assert "(odds -10.0 dB)" in text
        # the headline names whose odds: b <0.1% -> <0.1% (odds of b against the rest -10.0 dB), c ...
        assert "(odds of b against the rest -10.0 dB), c " in text
    assert result.to_dict()["changes"][0]["alone"]["b"] < 0  # JSON keeps its numbers, no new key
    assert set(result.to_dict()["changes"][0]) == {"place", "before", "after", "alone", "text"}


def test_next_near_certainty_shows_the_odds_change_either_way(tmp_path: Path) -> None:
    from hypotheses.analysis.decision import next_items
    from hypotheses.output.terminal import render_next
    from hypotheses.output.text import next_markdown

    case = _write(tmp_path / "sure.yaml", _near_certain(0.01, pending=True))
    result = next_items(case)
    assert result.leader == "a"
    for text in (_render(render_next(result)), next_markdown(result)):
        assert ">99.9% (odds +" in text  # observed: a's odds rise
        assert ">99.9% (odds -" in text  # looked for and absent: they fall
    asked = next_items(case, for_="b")
    for text in (_render(render_next(asked)), next_markdown(asked)):
        assert "<0.1% (odds -" in text and "<0.1% (odds +" in text


# ---- 4. prior factors: a fixed list, with the factor an unknown name means -----------------


def _factored(prior: dict) -> str:
    return yaml.safe_dump(
        {
            "schema": 1,
            "title": "factors",
            "hypotheses": [
                {"id": "a", "label": "A", "prior": prior},
                {"id": "b", "label": "B", "prior": 0.5},
            ],
            "evidence": [],
        },
        sort_keys=False,
    )


def _errors(text: str) -> list[str]:
    import pytest

    from hypotheses import case_from_text
    from hypotheses.case import CaseError

    with pytest.raises(CaseError) as caught:
        case_from_text(text, "t.yaml")
    return [str(p) for p in caught.value.problems]


def test_an_unknown_prior_factor_gets_the_factor_it_means_as_a_suggestion() -> None:
    (message,) = _errors(_factored({"capability": "likely", "motive": "likely"}))
    assert "unknown prior factor 'capability' (did you mean 'means'?" in message
    assert "allowed: base_rate, motive, opportunity, means, past_practice" in message
    # by meaning before spelling: 'reason' is spelt like 'means' but is a motive
    (message,) = _errors(_factored({"reason": "likely"}))
    assert "(did you mean 'motive'?" in message
    (message,) = _errors(_factored({"leverage": "likely"}))
    assert "did you mean" not in message and "allowed: base_rate" in message
    assert "the list is fixed" in message
    # 'access' to the weapon is means, to the target opportunity: no suggestion rather than a guess
    (message,) = _errors(_factored({"access": "likely"}))
    assert "did you mean" not in message


def test_a_suggested_factor_is_never_applied() -> None:
    from hypotheses import case_from_text

    # the same case with the suggested factor is valid: the one with the unknown name is not
    case_from_text(_factored({"means": "likely"}), "t.yaml")
    assert _errors(_factored({"capability": "likely"}))


# ---- 2. explain with three or more hypotheses: each one's standing, and what is left out ----


def _hypotheses(n: int) -> dict:
    ids = ["sep", "rus", "ukr", "jet", "bomb"][:n]
    rows = [[0.9, 0.9, 0.9, 0.05, 0.02], [0.8, 0.7, 0.05, 0.1, 0.1]]
    evidence = [
        {"id": f"e{k}", "label": f"Report {k}", "likelihoods": dict(zip(ids, row, strict=False))}
        for k, row in enumerate(rows)
    ]
    return {
        "schema": 1,
        "title": "mh17",
        "hypotheses": [{"id": h, "label": h.upper()} for h in ids],
        "evidence": evidence,
    }


def test_explain_weighs_every_hypothesis_of_a_few_and_names_their_standing() -> None:
    from hypotheses import score
    from hypotheses.output.terminal import render_explanation
    from hypotheses.output.text import explanation_markdown
    from tests.helpers import make_case

    card = score(make_case(_hypotheses(4)), engine="numpy")
    e = card.explanation
    assert e is not None and (e.leading, e.runner_up) == ("sep", "rus")
    terminal, markdown = _render(render_explanation(card)), explanation_markdown(card)
    for text in (terminal, markdown):
        assert "then ukr 3." in text and ", jet " in text  # every hypothesis's standing
        assert "--for ID explains another hypothesis (e.g. --for ukr)" in text
        assert "weighs every hypothesis" in text
    header = next(line for line in terminal.splitlines() if line.strip().startswith("Item"))
    assert header.split()[:5] == ["Item", "sep", "rus", "ukr", "jet"]
    assert "| Item | for sep | for rus | for ukr | for jet | Diagnosticity" in markdown


def test_explain_of_many_hypotheses_says_which_it_leaves_out_and_how_to_see_them() -> None:
    from hypotheses import score
    from hypotheses.output.terminal import render_explanation
    from hypotheses.output.text import explanation_markdown
    from tests.helpers import make_case

    card = score(make_case(_hypotheses(5)), engine="numpy")
    terminal, markdown = _render(render_explanation(card)), explanation_markdown(card)
    for text in (terminal, markdown):
        assert "then ukr 3.2%, jet 0.4%, bomb 0.1%" in text
        assert "weighs sep and rus only (every hypothesis's weights: --format json)" in text
        assert "--for ID explains another hypothesis" in text
    header = next(line for line in terminal.splitlines() if line.strip().startswith("Item"))
    assert header.split()[:4] == ["Item", "sep", "rus", "bits"]


def test_explain_of_two_hypotheses_stays_as_it_was() -> None:
    from hypotheses import score
    from hypotheses.output.terminal import render_explanation
    from tests.helpers import make_case

    terminal = _render(render_explanation(score(make_case(_hypotheses(2)), engine="numpy")))
    assert "--for ID" not in terminal and "; then " not in terminal


# ---- 3. a duplicate id is reported, not the errors that only follow from it -----------------

_HEAD = "schema: 1\ntitle: t\n"


def test_a_duplicate_hypothesis_id_explains_the_unknown_names_instead_of_an_error_each() -> None:
    text = _HEAD + (
        "hypotheses:\n"
        "  - {id: sep, label: Separatists}\n"
        "  - {id: sep, label: Ukrainian jet}\n"  # meant: jet
        "  - {id: rus, label: Russian crew}\n"
        "groups:\n  russia: {label: R, members: [sep, rus]}\n"
        "events:\n  ev: {label: E, likelihoods: {sep: 0.8, rus: 0.2, jet: 0.1}}\n"
        "evidence:\n"
        "  - {id: e1, label: One, likelihoods: {sep: 0.9, rus: 0.1, jet: 0.1}}\n"
        "  - {id: e2, label: Two, reports: ev}\n"
        "resolution: {hypothesis: jet}\n"
    )
    (message,) = _errors(text)
    assert message.startswith("t.yaml:5: duplicate hypothesis id 'sep' (first used at line 4)")
    assert "no hypothesis has that id: 'jet' (lines 10, 12, 14)" in message
    assert "unknown hypothesis" not in message


def test_a_duplicate_item_id_is_not_judged_by_its_second_item() -> None:
    text = _HEAD + (
        "hypotheses: [{id: a, label: A}, {id: b, label: B}]\n"
        "origins:\n  o: {label: O, items: [e1, e2], shared: 0.5}\n"
        "evidence:\n"
        "  - {id: e1, label: One, likelihoods: {a: 0.9, b: 0.1}}\n"
        "  - {id: e1, label: Later, observed: pending, likelihoods: {a: 0.9, b: 0.1}}\n"
        "  - {id: e2, label: Two, likelihoods: {a: 0.7, b: 0.3}}\n"
    )
    # the origin lists e1, the observed item: not "e1 is pending, an origin joins observed ones"
    assert _errors(text) == [
        "t.yaml:8: duplicate evidence id 'e1' (first used at line 7); ids must be unique"
    ]


def test_a_duplicate_source_key_explains_the_unknown_sources() -> None:
    text = _HEAD + (
        "hypotheses: [{id: a, label: A}, {id: b, label: B}]\n"
        "sources:\n  s1: {label: One, reliability: B}\n  s1: {label: Two, reliability: C}\n"
        "evidence:\n"
        "  - {id: e1, label: One, source: s1, likelihoods: {a: 0.9, b: 0.1}}\n"
        "  - {id: e2, label: Two, source: s2, likelihoods: {a: 0.9, b: 0.2}}\n"
        "  - {id: e3, label: Three, likelihoods: {a: 0.9, b: 0.2}, credibility: sure}\n"
    )
    errors = _errors(text)
    assert errors[0].startswith("t.yaml:6: duplicate key 's1' (first at line 5)")
    assert "no source has that id: 's2' (line 9)" in errors[0]
    assert len(errors) == 2 and "unknown word 'sure'" in errors[1]  # the rest in the same run


def test_a_misspelt_key_is_not_also_a_missing_field() -> None:
    text = _HEAD + (
        "hypotheses: [{id: a, label: A}, {id: b, label: B}]\n"
        "evidence:\n"
        "  - {id: e1, lable: One, likelihoods: {a: 0.9, b: 0.1}}\n"
        "  - {id: e2, label: Two, likelihods: {a: 0.9, b: 0.1}}\n"
        "  - {id: e3, label: Three, likelihoods: {a: 0.9, c: 0.1}}\n"
    )
    errors = _errors(text)
    assert [e.split(": ", 1)[1][:30] for e in errors] == [
        "unknown field 'lable' (did you",
        "unknown field 'likelihods' (di",
        "unknown hypothesis 'c' in the ",
    ]
    assert "no likelihood is given for 'b': if 'c' is meant to be it" in errors[2]


# ---- 6. a file's independent errors in one run ---------------------------------------------


def test_the_formats_errors_and_the_rules_errors_come_in_one_run() -> None:
    text = _HEAD + (
        "hypotheses:\n"
        "  - {id: a, label: A, prior: likley}\n"  # 4: the format's
        "  - {id: b, label: B, prior: 0.5}\n"
        "sources:\n"
        "  s1: {label: S1, reliability: Q}\n"  # 7: the format's
        "events:\n  ev: {label: E, likelihoods: {a: 0.8, b: 0.2}}\n"
        "evidence:\n"
        "  - {id: e1, label: One, source: s9, likelihoods: {a: very likley, b: 0.1}}\n"  # 11: both
        "  - {id: e2, label: Two, source: s1, grading: B2, likelihoods: {a: 0.7, b: 0.3}}\n"  # 12: none
        "  - {id: e3, label: Three, reports: evv}\n"  # 13: the rules'
        "  - {id: e4, label: Four}\n"  # 14: the format's
        "assumptions:\n  x: {label: X, if_wrong: {lik/e1/c: 0.5}}\n"  # 16: the rules'
    )
    errors = _errors(text)
    said = [(int(e.split(":")[1]), e) for e in errors]
    assert [line for line, _ in said] == [4, 7, 11, 11, 13, 14, 16]
    assert "unknown word 'likley'" in said[0][1] and "code 'Q'" in said[1][1]
    assert "unknown word 'very likley'" in said[2][1] and "unknown source 's9'" in said[3][1]
    assert "unknown event 'evv'" in said[4][1] and "missing required field 'likelihoods'" in said[5][1]
    assert "unknown place 'lik/e1/c'" in said[6][1]
    # e2's grading B2 against s1's refused reliability would only follow from it: not reported
    assert not any("grading" in e for e in errors)


def test_validate_reports_them_all_and_exits_2(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from cli import app

    case = tmp_path / "c.yaml"
    case.write_text(
        _HEAD
        + "hypotheses: [{id: a, label: A}, {id: b, label: B}]\n"
        + "evidence:\n"
        + "  - {id: e1, label: One, source: s9, likelihoods: {a: likley, b: 0.1}, credibility: sure}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["validate", str(case)])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.startswith(f"{case}:")]
    assert len(lines) == 3, result.output  # both judgments and the unknown source, in one run
    assert all(line.startswith(f"{case}:5: ") for line in lines)


def test_an_id_key_written_twice_explains_the_names_that_follow_from_it() -> None:
    text = _HEAD + (
        "hypotheses:\n  - {id: a, label: A}\n  - {id: b, id: c, label: B}\n"  # c is dropped
        "evidence:\n  - {id: e1, label: One, likelihoods: {a: 0.9, c: 0.1}}\n"
    )
    (message,) = _errors(text)
    assert message.startswith("t.yaml:5: duplicate key 'id' (first at line 5)")
    assert "no hypothesis has that id: 'c' (line 7)" in message
