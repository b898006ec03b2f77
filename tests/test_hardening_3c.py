"""Issue 34, third round (items 10, 13, 14, 16-21, 23): numbers at the ends of floating point,
case paths that loop or vanish, work that grew with the square of the case, and the command
line's own edges (--dask, --jobs, Ctrl-C during sampling). Each must end in a clear message and
exit 2 (130 for Ctrl-C), or in an answer computed with bounded work, never a traceback."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from priors import JudgmentError, get_scale, parse_judgment, parse_weight
from priors.betafit import fit_beta

runner = CliRunner()


def write_case(directory: Path, document: dict[str, Any], name: str = "case.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def two_hypotheses(likelihood: Any, name: str = "case.yaml", directory: Path | None = None) -> dict[str, Any]:
    return {
        "schema": 1,
        "title": "t",
        "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        "evidence": [{"id": "e1", "label": "x", "likelihoods": {"a": likelihood, "b": 0.5}}],
    }


# 13, 21. Numbers at the ends of floating point ------------------------------------------------


@pytest.mark.parametrize("lo", [1e-300, 1e-200, 0.1, 0.3])
def test_adjacent_interval_ends_are_too_narrow_not_a_crash(lo: float) -> None:
    """Ends one float apart can have the same logit after rounding: the fit must say "too
    narrow", not divide by their zero spread."""
    with pytest.raises(ValueError, match="too narrow"):
        fit_beta(lo, math.nextafter(lo, 1.0))


@pytest.mark.parametrize(
    "written",
    [[1.0e-320, 2.0e-320], [2.0e-320, 0.5], "1e-400%", "1e-400", "1e-400:1", "1e-200/1e200", 5e-310],
)
def test_a_probability_too_small_to_tell_from_zero_is_refused(written: Any) -> None:
    with pytest.raises(JudgmentError, match="too small to tell from 0"):
        parse_judgment(written, get_scale("icd203"))


def test_subnormal_interval_on_the_command_line(tmp_path: Path) -> None:
    path = write_case(tmp_path, two_hypotheses([1.0e-320, 2.0e-320]))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:" in result.output and "too small to tell from 0" in result.output
    assert "internal error" not in result.output and "Traceback" not in result.output


def test_a_yaml_float_that_underflows_is_refused_not_read_as_zero(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(
        yaml.safe_dump(two_hypotheses(0.25), sort_keys=False).replace("0.25", "1.0e-400"), encoding="utf-8"
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert "too small to tell from 0" in result.output and "Cromwell" not in result.output


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("1e308:1e308", 0.5),
        ("1e308:1e307", 1e308 / (1e308 + 1e307)),
        ("1:3", 0.25),
        ("0:5", 0.0),
        ("5:0", 1.0),
    ],
)
def test_odds_are_read_without_overflow(written: str, meant: float) -> None:
    judged = parse_judgment(written, get_scale("icd203"))
    assert judged.value == pytest.approx(meant, rel=1e-15)


def test_even_odds_of_huge_numbers_are_a_prior_of_one_half() -> None:
    assert parse_weight("1e308:1e308", get_scale("icd203")).value == 0.5


@pytest.mark.parametrize("written", [0, 0.0, "0", "0%", "0.0e-5", "0:1", "0/7", [0, 0.1]])
def test_zero_written_as_zero_is_still_zero(written: Any) -> None:
    judged = parse_judgment(written, get_scale("icd203"))
    assert judged.mean == 0.0 if not isinstance(written, list) else judged.mean > 0.0


def test_the_smallest_probability_is_still_read() -> None:
    assert parse_judgment("1e-300", get_scale("icd203")).value == 1e-300
