"""A newcomer's honest mistakes (issue 33, items 1-5): each message names the cause, the line
and a fix that does not change what was meant."""

from __future__ import annotations

import re

import pytest

from hypotheses import CaseError
from hypotheses.case.loading import case_from_text

HEAD = "schema: 1\ntitle: t\nhypotheses:\n  - {id: a, label: A}\n  - {id: b, label: B}\n"


def _problems(text: str) -> str:
    with pytest.raises(CaseError) as caught:
        case_from_text(text, "case.yaml")
    return str(caught.value)


def test_a_comma_inside_a_flow_map_value_says_what_happened_and_how_to_quote_it() -> None:
    text = HEAD + "sources:\n  wapo: {label: The Washington Post, via the Discord leak, reliability: B}\n"
    said = _problems(text)
    assert "case.yaml:7: unknown field 'via the Discord leak'" in said
    assert "A comma inside {...} ends a value: 'The Washington Post' stopped at it" in said
    assert 'label: "The Washington Post, via the Discord leak"' in said
    said = _problems(HEAD + "sources:\n  times: {label: The Times, London, reliability: B}\n")
    assert "'The Times' stopped at it and 'London' became a key" in said
    # A misspelt key is still just a misspelt key (no comma story).
    said = _problems(HEAD + "sources:\n  wapo: {lable: The Post}\n")
    assert "did you mean 'label'?" in said and "comma" not in said


def test_a_value_cut_at_several_commas_is_quoted_whole() -> None:
    """The fix named the first piece only ('label: "JIT (NL, AU"'): quoting it as suggested left
    the rest as keys."""
    text = HEAD + "sources:\n  jit: {label: Joint Investigation Team (NL, AU, BE, MY, UA), reliability: B}\n"
    said = _problems(text)
    assert 'label: "Joint Investigation Team (NL, AU, BE, MY, UA)"' in said
    assert "'BE' is a piece of label's value, cut at a comma: see 'AU'" in said


def test_a_decimal_comma_is_named_as_such() -> None:
    """`{b: 0,1}` reads as b: 0 and a key 1: the message was about a judgment '1' of None."""
    text = HEAD + "evidence:\n  - {id: x, label: X, likelihoods: {a: 0.7, b: 0,1}}\n"
    said = _problems(text)
    assert "'b: 0,1' reads as b: 0 and a key 1: a decimal comma; write a decimal point: b: 0.1" in said


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("US-Norway", "us_norway"), ("2nd try", "id_2nd_try"), ("Big  Bang!", "big_bang")],
)
def test_an_invalid_id_gets_a_valid_suggestion(typed: str, suggested: str) -> None:
    from hypotheses.case.format import ID_PATTERN

    said = _problems(HEAD.replace("id: b,", f"id: '{typed}',"))
    assert f"(e.g. '{suggested}')" in said

    assert re.fullmatch(ID_PATTERN, suggested)


def test_a_source_typed_in_another_case_gets_did_you_mean() -> None:
    text = HEAD + (
        "sources:\n  wapo: {label: WaPo}\n  us_norway: {label: x}\n"
        "evidence:\n  - {id: x, label: X, likelihoods: {a: 0.8, b: 0.3}, source: WaPo}\n"
        "  - {id: y, label: Y, likelihoods: {a: 0.8, b: 0.3}, source: US-Norway}\n"
    )
    said = _problems(text)
    assert "case.yaml:10: unknown source 'WaPo' (did you mean 'wapo'?)" in said
    assert "case.yaml:11: unknown source 'US-Norway' (did you mean 'us_norway'?)" in said


def test_a_word_of_another_scale_names_that_scale_and_the_nearest_word_on_the_same_side() -> None:
    text = (
        HEAD + "evidence:\n  - {id: x, label: X, likelihoods: {a: highly likely, b: realistic possibility}}\n"
    )
    said = _problems(text)
    assert "unknown word 'realistic possibility' for scale icd203: a word of the phia scale (40-50%)" in said
    assert "the nearest of icd203 is 'roughly even chance' (45-55%);" in said
    # Kent's 'probably not' (20-40%) never gets a word above even chance.
    said = _problems(HEAD + "evidence:\n  - {id: x, label: X, likelihoods: {a: probably not, b: 0.5}}\n")
    assert "'unlikely'" in said and "kent" in said


def test_a_word_prior_beside_a_weight_is_warned_like_a_number() -> None:
    text = HEAD.replace("{id: a, label: A}", "{id: a, label: A, prior: likely}").replace(
        "{id: b, label: B}", "{id: b, label: B, prior: 3}"
    )
    case = case_from_text(text, "case.yaml")
    (warning,) = [w for w in case.warnings if "mix weights above 1" in str(w)]
    assert "(a)" in str(warning) and str(warning).startswith("case.yaml:3:")


def test_the_readmes_sample_output_is_what_an_80_column_terminal_shows() -> None:
    """Issue 33 item 7: the README shows the seed case's table as 80 columns print it (a table,
    not records), with the analysts' footer (issue 33 item 6)."""
    from typer.testing import CliRunner

    from cli import app
    from tests.helpers import EXAMPLES, ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ hypscore score examples/al-bab-2017.yaml   # at 80 columns\n")
    block = readme[start : readme.index("```", start)].splitlines()[1:]
    out = CliRunner().invoke(app, ["score", str(EXAMPLES / "al-bab-2017.yaml")], terminal_width=80)
    assert out.exit_code == 0
    assert [line.rstrip() for line in out.stdout.splitlines()] == [line.rstrip() for line in block]


def test_six_hypotheses_with_long_ids_keep_a_table_at_80_columns() -> None:
    from typer.testing import CliRunner

    from cli import app

    ids = ["russia_state_operation", "ukraine_linked", "us_norway", "accident", "poland", "other"]
    text = "schema: 1\ntitle: six\nhypotheses:\n" + "".join(f"  - {{id: {h}, label: {h}}}\n" for h in ids)
    text += "evidence:\n  - {id: x, label: x, likelihoods: {accident: 0.001, default: likely}}\n"
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "six.yaml"
        path.write_text(text, encoding="utf-8")
        out = CliRunner().invoke(app, ["score", str(path)], terminal_width=80).stdout
    lines = out.splitlines()
    assert any(line.split()[:2] == ["#", "Hypothesis"] for line in lines)  # a table, not records
    assert all(len(line.rstrip()) <= 80 for line in lines)
    for h in ids:  # every id whole on its row, every verbal term whole
        assert any(f"   {h}   " in line for line in lines)
    assert any("almost no chance" in line for line in lines)


def test_a_script_without_the_main_guard_fails_at_once_with_the_fix(tmp_path) -> None:
    """Issue 33 item 8: score_many(..., jobs=2) at a script's top level re-ran in every spawned
    worker and failed after minutes (BrokenProcessPool); now it stops at once and says what to
    add, and the guarded script scores."""
    import shutil
    import subprocess
    import sys

    from tests.helpers import EXAMPLES

    for name in ("taxicab.yaml", "monty-hall.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    call = f"score_many(find_cases([{str(tmp_path)!r}]), Settings(seed=0), jobs=2)"
    head = "from hypotheses import Settings, find_cases, score_many\n"
    bare = tmp_path / "bare.py"
    bare.write_text(head + f"print(len({call}))\n", encoding="utf-8")
    guarded = tmp_path / "guarded.py"
    guarded.write_text(head + f'if __name__ == "__main__":\n    print(len({call}))\n', encoding="utf-8")
    run = subprocess.run(
        [sys.executable, str(bare)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert run.returncode != 0 and 'if __name__ == "__main__":' in run.stderr
    run = subprocess.run(
        [sys.executable, str(guarded)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert run.returncode == 0 and run.stdout.strip() == "2"


def test_a_batch_over_a_folder_skips_yaml_that_is_not_a_case_and_says_so(tmp_path) -> None:
    """Issue 33 item 10: an ACH mapping file beside the cases was scored as a broken case; now
    files found in a folder or by a pattern without a top-level `schema:` or `hypotheses:` are
    listed as skipped. A file named on its own is always read (the user chose it)."""
    import shutil

    from typer.testing import CliRunner

    from cli import app
    from tests.helpers import EXAMPLES

    shutil.copy(EXAMPLES / "taxicab.yaml", tmp_path / "taxicab.yaml")
    (tmp_path / "mapping.yaml").write_text("ratings:\n  CC: 0.9\n  C: 0.7\n", encoding="utf-8")
    (tmp_path / "wide.yaml").write_bytes("schema: 1\n".encode("utf-16"))  # kept: the reader says why
    out = CliRunner().invoke(app, ["score", str(tmp_path), "-f", "jsonl"])
    assert "skipped, not case files" in out.stderr and "mapping.yaml" in out.stderr
    assert "taxicab" in out.stdout and "wide.yaml" in out.output and "UTF-16" in out.output
    assert "mapping.yaml" not in out.stdout
    alone = CliRunner().invoke(app, ["score", str(tmp_path / "mapping.yaml")])
    assert alone.exit_code == 2 and "hypotheses" in alone.output  # named alone: read, and refused


def test_an_admiralty_letter_as_credibility_points_to_grading_and_reliability() -> None:
    text = HEAD + "evidence:\n  - {id: x, label: X, credibility: B, likelihoods: {a: 0.7, b: 0.2}}\n"
    said = _problems(text)
    assert "credibility 'B' is an Admiralty letter" in said and "`reliability: B`" in said
    assert "grading: B2" in said


def test_a_word_of_degree_is_never_dropped_from_a_suggestion() -> None:
    """'very probable' (meant: 80-95%) was offered 'probable' (55-80%): weaker, another meaning."""
    said = _problems(HEAD + "evidence:\n  - {id: x, label: X, likelihoods: {a: very probable, b: 0.2}}\n")
    assert "unknown word 'very probable'" in said and "did you mean" not in said
    said = _problems(HEAD + "evidence:\n  - {id: x, label: X, likelihoods: {a: very likly, b: 0.2}}\n")
    assert "did you mean 'very likely'?" in said


def test_a_tab_indenting_a_values_next_line_is_named() -> None:
    """PyYAML's own words ('while scanning a plain scalar found a tab character that violates
    indentation') were all the analyst got."""
    text = (
        HEAD + "evidence:\n  - id: x\n    label: Joint\n\tInvestigation\n    likelihoods: {a: 0.7, b: 0.2}\n"
    )
    said = _problems(text)
    assert "case.yaml:9: a tab character where YAML expects indentation" in said and "replace the tab" in said
