"""The output formats (issue 27): one formatter for each kind of number, one table of format ->
renderer that every command writes through, and the NetCDF export saying how to redo its draws."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import cli
from cli import app
from hypotheses.output.formats import RENDERERS, choose, explains
from hypotheses.settings import UsageError
from hypotheses.text import decibans, interval, percent
from tests.helpers import EXAMPLES, score_with_netcdf

runner = CliRunner()


def test_an_interval_is_written_one_way_with_the_joiner_the_output_needs() -> None:
    assert interval(0.123, 0.456) == "12.3%-45.6%"
    assert interval(0.123, 0.456, " - ") == "12.3% - 45.6%"
    assert interval(0.123, 0.456, " to ") == "12.3% to 45.6%"
    assert interval(0.123, 0.456, one_sign=True) == "12.3-45.6%"
    assert interval(0.0, 1.0, one_sign=True) == "0-100.0%"
    assert interval(0.00012, 0.5) == f"{percent(0.00012)}-50.0%"


def test_decibans_never_show_a_direction_for_nothing() -> None:
    assert decibans(6.12) == "+6.1 dB"
    assert decibans(-6.16) == "-6.2 dB"
    assert decibans(0.04) == decibans(-0.04) == "0.0 dB"
    assert decibans(2.49, signed=False) == "2.5 dB"


@pytest.mark.parametrize(
    ("command", "kind"),
    [
        ("score", "score"),
        ("explain", "explain"),
        ("next", "next"),
        ("diff", "diff"),
        ("pool", "pool"),
        ("calibration", "calibration"),
    ],
)
def test_each_commands_formats_are_the_ones_it_renders(command: str, kind: str) -> None:
    """--format's choices come from the table of renderers: a choice without a renderer (or a
    renderer no one can choose) cannot exist."""
    import typer.main

    group = typer.main.get_command(app)
    option = next(p for p in group.commands[command].params if p.name == "output_format")  # type: ignore[attr-defined]
    assert list(option.type.choices) == list(RENDERERS[kind])


@pytest.mark.parametrize("kind", sorted(RENDERERS))
def test_every_renderer_named_in_the_table_exists(kind: str) -> None:
    """Renderers are named as strings (imported only when used): a misspelt one fails here,
    not in front of a user."""
    for fmt, renderer in RENDERERS[kind].items():
        assert (renderer.refused is None) == bool(renderer.function), (kind, fmt)
        if renderer.function:
            assert callable(renderer.load()), (kind, fmt)


def test_several_cases_offer_the_formats_of_one() -> None:
    assert list(RENDERERS["batch"]) == list(RENDERERS["score"])
    with pytest.raises(UsageError, match="use --format jsonl"):
        choose("batch", None, Path("out.json"))
    with pytest.raises(UsageError, match=r"give -o pool\.html"):
        choose("pool", "html", Path("-"))
    assert choose("explain", None, Path("why.MD")) == "md"
    # A table written into why.csv would look like CSV and not be it (it used to be written).
    with pytest.raises(UsageError, match=r"writes no \.csv file"):
        choose("explain", None, Path("why.csv"))
    assert choose("explain", None, Path("why.txt")) == "table"
    assert explains("score", "jsonl") and not explains("score", "csv")


def test_batch_jsonl_named_by_the_file_extension_is_the_jsonl_of_format(tmp_path: Path) -> None:
    """`score DIR -o out.jsonl` wrote documents without their `explain` section, unlike
    `--format jsonl`: the explanation was asked for only when --format named the format."""
    cases = [str(EXAMPLES / "taxicab.yaml"), str(EXAMPLES / "monty-hall.yaml")]
    by_name, by_format = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    options = ["--engine", "numpy", "--draws", "500"]
    first = runner.invoke(app, ["score", *cases, *options, "-o", str(by_name)])
    second = runner.invoke(app, ["score", *cases, *options, "-f", "jsonl", "-o", str(by_format)])
    assert first.exit_code == second.exit_code == 0, (first.output, second.output)

    def documents(path: Path) -> list[dict[str, object]]:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]

    assert all("explain" in d for d in documents(by_format))
    assert [sorted(d) for d in documents(by_name)] == [sorted(d) for d in documents(by_format)]


def test_explain_json_escapes_a_bidi_override_as_score_json_does(tmp_path: Path) -> None:
    """`explain --format json` wrote a label's U+202E raw (it reorders a terminal's line);
    the JSON export of `score` always escaped it."""
    case = tmp_path / "bidi.yaml"
    case.write_text(
        "schema: 1\ntitle: bidi\nhypotheses:\n  - {id: a, label: A}\n  - {id: b, label: B}\n"
        "evidence:\n"
        "  - {id: e1, label: one, likelihoods: {a: 0.9, b: 0.01}}\n"
        "  - {id: e2, label: two, likelihoods: {a: 0.9, b: 0.01}}\n"
        '  - {id: e3, label: "evil \\u202e label", likelihoods: {a: 0.001, b: 0.9}}\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["explain", str(case), "--engine", "numpy", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert "\u202e" not in result.stdout and "\\u202e" in result.stdout
    assert any("evil \u202e label" in line for line in json.loads(result.stdout)["conflicts"])


def test_netcdf_says_which_hypscore_and_seed_made_its_draws(tmp_path: Path) -> None:
    pytest.importorskip("arviz")
    import arviz as az

    from hypotheses import __version__

    target = tmp_path / "d.nc"
    result = runner.invoke(
        app,
        [
            *("score", str(EXAMPLES / "leaked-memo.yaml"), "--engine", "numpy", "--draws", "500"),
            *("--seed", "7", "--netcdf", str(target), "-f", "json"),
        ],
    )
    assert result.exit_code == 0, result.output
    attrs = az.from_netcdf(target).posterior.attrs
    assert attrs["hypscore_version"] == __version__
    assert int(attrs["seed"]) == 7
    unseeded = tmp_path / "u.nc"
    score_with_netcdf(EXAMPLES / "taxicab.yaml", unseeded, engine="numpy", draws=500, seed=None)
    assert "seed" not in az.from_netcdf(unseeded).posterior.attrs


def test_the_command_line_builds_no_table_or_json_itself() -> None:
    """cli.py stays thin: rendering is output/formats.py's (issue 27)."""
    source = Path(cli.__file__).read_text(encoding="utf-8")
    for built in ("json_document(", "json.dumps(", "Table(", "Console(record", "to_dict()"):
        assert built not in source, built


def test_a_file_named_for_a_format_the_command_does_not_write_is_refused(tmp_path: Path) -> None:
    """`score -o x.html` used to write the terminal table into x.html: now exit 2, nothing
    written, and the command that writes HTML named; an explicit --format still wins."""
    from typer.testing import CliRunner

    from cli import app
    from tests.helpers import EXAMPLES

    target = tmp_path / "x.html"
    result = CliRunner().invoke(app, ["score", str(EXAMPLES / "taxicab.yaml"), "-o", str(target)])
    assert result.exit_code == 2 and "hypscore report CASE -o FILE.html" in result.output
    assert not target.exists()
    result = CliRunner().invoke(
        app, ["explain", str(EXAMPLES / "taxicab.yaml"), "-o", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 2 and "writes no .csv file" in result.output
    result = CliRunner().invoke(
        app, ["score", str(EXAMPLES / "taxicab.yaml"), "-f", "table", "-o", str(target)]
    )
    assert result.exit_code == 0 and target.exists()
