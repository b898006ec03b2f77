"""The command line, through Typer's runner and as a real subprocess."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from tests.helpers import DATA, EXAMPLES, modules_loaded

SEED_CASE = str(EXAMPLES / "al-bab-2017.yaml")
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args))


def test_score_table_ranks_hypotheses() -> None:
    result = run("score", SEED_CASE)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.index("mistake") < out.index("deliberate") < out.index("true_claim")
    assert "very likely" in out and "90% interval" in out


def test_score_json_follows_design_section_5() -> None:
    result = run("score", SEED_CASE, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data)[:4] == ["schema", "case", "hypotheses", "evidence"]
    assert "diagnostics" in data  # keys of the case language (events, ...) may come between
    assert data["schema"] == 1
    assert set(data["case"]) == {"title", "path", "sha256"}
    hypothesis = data["hypotheses"][0]
    assert set(hypothesis) == {"id", "label", "prior", "posterior", "verbal"}
    assert set(hypothesis["prior"]) == set(hypothesis["posterior"]) == {"mean", "lo", "hi"}
    item = data["evidence"][0]
    assert (
        {"id", "weight_db", "diagnosticity", "conflict_bits"}
        <= set(item)
        <= {"id", "weight_db", "diagnosticity", "conflict_bits", "via", "reports"}
        | {"label", "source", "grading", "quote", "document", "document_sha256", "page", "accessed"}
    )
    assert set(item["weight_db"]) == {h["id"] for h in data["hypotheses"]}
    assert {"engine", "draws", "ess", "seed", "seconds"} <= set(data["diagnostics"])
    assert data["diagnostics"]["engine"] == "numpy"
    # The draws are chosen for interval ends within 0.5 points of Monte Carlo error.
    assert 2_000 <= data["diagnostics"]["draws"] <= 20_000 and data["diagnostics"]["interval_mcse"] <= 0.005
    assert sum(h["posterior"]["mean"] for h in data["hypotheses"]) == pytest.approx(1.0)


def test_score_csv_and_markdown() -> None:
    csv_out = run("score", SEED_CASE, "-f", "csv").stdout.splitlines()
    assert csv_out[0].startswith(
        "hypothesis,label,prior_mean,prior_lo,prior_hi,posterior_mean,posterior_lo,posterior_hi,verbal,"
        "confidence,confidence_reasons,evidence,"  # then the items' sourcing columns
    )
    assert len(csv_out) == 1 + 3 + 5  # the header, 3 hypotheses, 5 items
    md = run("score", SEED_CASE, "--format", "md").stdout
    assert md.startswith("# Russian MoD claim") and "| 1 | **mistake**" in md


def test_output_file_is_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    assert run("score", SEED_CASE, "-f", "json", "-o", str(target)).exit_code == 0
    assert json.loads(target.read_text())["case"]["title"].startswith("Russian MoD")
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_unwritable_output_fails_cleanly(tmp_path: Path) -> None:
    result = run("score", SEED_CASE, "-f", "json", "-o", str(tmp_path / "missing" / "out.json"))
    assert result.exit_code == 2
    assert "does not exist; create it first" in result.stderr
    assert "Traceback" not in result.output


def test_same_seed_same_output_apart_from_seconds() -> None:
    def strip(text: str) -> dict:
        data = json.loads(text)
        data["diagnostics"].pop("seconds")
        return data

    first = run("score", SEED_CASE, "-f", "json", "--seed", "5").stdout
    second = run("score", SEED_CASE, "-f", "json", "--seed", "5").stdout
    assert strip(first) == strip(second)


def test_bad_case_exit_2_with_lines_and_no_traceback() -> None:
    path = DATA / "bad" / "unknown_hypothesis_id.yaml"
    result = run("score", str(path))
    assert result.exit_code == 2
    assert f"{path}:14: unknown hypothesis 'betta' (did you mean 'beta'?)" in result.stderr
    assert "Traceback" not in result.output


def test_explain_screen_json_and_markdown() -> None:
    screen = run("explain", SEED_CASE)
    assert screen.exit_code == 0, screen.output
    for words in (
        "Why mistake leads",
        "Evidence, by its weight for mistake",
        "prior/deliberate/motive",
        "What would change the conclusion",
        "deliberate would lead only after",
    ):
        assert words in screen.stdout
    data = json.loads(run("explain", SEED_CASE, "--format", "json").stdout)
    assert data["leading"] == "mistake" and data["runner_up"] == "deliberate"
    assert {"tornado", "leave_one_out", "flip", "closest", "baseline"} <= set(data)
    scored = json.loads(run("score", SEED_CASE, "-f", "json").stdout)
    # explain's JSON: the score's `explain` section and, beside it, the suspected common origins
    # and the analytic confidence
    assert data == {
        **scored["explain"],
        "suspected_origins": scored["suspected_origins"],
        "confidence": scored["confidence"],
    }
    md = run("explain", SEED_CASE, "--format", "md").stdout
    assert md.startswith("# Why mistake leads") and "## Sensitivity" in md


def test_validate_reports_each_file() -> None:
    good = run("validate", SEED_CASE, str(EXAMPLES / "taxicab.yaml"))
    assert good.exit_code == 0 and good.stdout.count(": ok (") == 2
    mixed = run("validate", SEED_CASE, str(DATA / "bad" / "mixed_priors.yaml"))
    assert mixed.exit_code == 2
    assert ": ok (" in mixed.stdout and "has no prior while others do" in mixed.stderr


def test_auto_says_why_it_chose_numpy() -> None:
    data = json.loads(run("score", SEED_CASE, "-f", "json").stdout)
    assert data["diagnostics"]["engine"] == "numpy"
    assert data["diagnostics"]["reason"].startswith("numpy engine: its effective sample size")


def test_too_few_draws_is_a_usage_error() -> None:
    result = run("score", SEED_CASE, "--draws", "5")
    assert result.exit_code == 2 and "--draws must be at least 100" in result.stderr


def test_scales_schema_version() -> None:
    scales = run("scales", "phia")
    assert scales.exit_code == 0 and "realistic possibility" in scales.stdout
    assert run("scales", "nope").exit_code == 2
    schema = json.loads(run("schema").stdout)
    assert schema["required"] == ["schema", "title", "hypotheses"]
    assert "likelihoods" in schema["$defs"]["EvidenceSpec"]["properties"]
    assert run("--version").stdout.startswith("hypscore ")


def test_internal_error_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    import hypotheses.analysis.scoring

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(hypotheses.analysis.scoring.numpy_engine, "run", broken)
    result = run("score", SEED_CASE)
    assert result.exit_code == 1
    assert "internal error (ZeroDivisionError: boom)" in result.stderr and "This is a bug" in result.stderr
    assert "Traceback" not in result.output


SCORING = {"pymc", "arviz", "pytensor", "jax", "scipy", "pandas", "matplotlib", "pydantic"}


@pytest.mark.parametrize(
    ("args", "never"),
    [
        # --help and validate stay near the interpreter's floor: not even NumPy.
        (["--help"], SCORING | {"numpy", "yaml", "rich"}),
        (["validate", SEED_CASE], SCORING | {"numpy", "rich"}),
        (["score", SEED_CASE, "--engine", "numpy"], SCORING),
        (["score", SEED_CASE], SCORING),
    ],
)
def test_fast_paths_import_only_what_they_use(args: list[str], never: set[str]) -> None:
    loaded = {name.split(".")[0] for name in modules_loaded(args)}
    assert "hypotheses" in loaded and not loaded & never, sorted(loaded & never)


def test_installed_console_script() -> None:
    exe = shutil.which("hypscore", path=os.path.dirname(sys.executable)) or shutil.which("hypscore")
    if exe is None:
        pytest.skip("the hypscore console script is not installed (pip install -e .)")
    result = subprocess.run(
        [exe, "score", SEED_CASE, "--format", "json"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["hypotheses"][0]["id"] == "mistake"
    bad = subprocess.run(
        [exe, "score", str(DATA / "bad" / "empty.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2 and "is empty" in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize(
    ("name", "starts"), [("out.json", "{"), ("out.md", "# "), ("out.csv", "hypothesis,")]
)
def test_output_format_follows_the_file_extension(tmp_path: Path, name: str, starts: str) -> None:
    """`-o out.json` wrote the terminal table into a .json file; the extension now decides
    unless --format is given."""
    target = tmp_path / name
    result = CliRunner().invoke(app, ["score", str(EXAMPLES / "taxicab.yaml"), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").startswith(starts)
    assert f"wrote {target}" in result.stderr
    explicit = tmp_path / "table.json"
    CliRunner().invoke(app, ["score", str(EXAMPLES / "taxicab.yaml"), "-f", "table", "-o", str(explicit)])
    assert not explicit.read_text(encoding="utf-8").startswith("{")


def test_pymc_settings_with_the_numpy_engine_are_refused() -> None:
    result = CliRunner().invoke(
        app, ["score", str(EXAMPLES / "taxicab.yaml"), "--engine", "numpy", "--tune", "5"]
    )
    assert result.exit_code == 2
    assert "--tune and --target-accept set the pymc engine" in result.stderr


def test_every_format_says_how_precise_the_interval_ends_are() -> None:
    """The draws chosen come with their interval error in the table's footer, the Markdown and
    the report: the same number as diagnostics.interval_mcse, so the last digit has a meaning."""
    error = json.loads(run("score", SEED_CASE, "-f", "json").stdout)["diagnostics"]["interval_mcse"]
    said = f"(interval ends ±{100 * error:.2g} points)"
    assert 0 < error <= 0.005
    # The table's footer speaks to analysts (issue 33 item 6); --verbose gives the engine's details.
    table = run("score", SEED_CASE).stdout.replace("\n", " ")
    assert f"90% intervals precise to about ±{math.ceil(1000 * error) / 10:g} points" in table
    assert "ESS" not in table and "auto kept" not in table
    assert said in run("score", SEED_CASE, "--verbose").stdout.replace("\n", " ")
    assert said in run("score", SEED_CASE, "-f", "md").stdout
    exact = run("score", str(EXAMPLES / "monty-hall.yaml")).stdout
    assert "exact 90% intervals" in exact
    assert "(exact intervals)" in run("score", str(EXAMPLES / "monty-hall.yaml"), "-v").stdout


def test_narrow_explain_leaves_out_empty_cells() -> None:
    """At 80 columns the evidence table becomes paragraphs: an event's row has no bits or
    conflict of its own, and said so as 'bits  ·' and a dangling 'conflict'."""
    out = runner.invoke(app, ["explain", SEED_CASE], terminal_width=80).stdout
    event = next(line for line in out.splitlines() if line.startswith("event turkish_jets"))
    assert "bits" not in event and "conflict" not in event
    assert "bits  ·" not in out and not any(line.rstrip().endswith("conflict") for line in out.splitlines())
