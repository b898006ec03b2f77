"""Hostile input, numerical extremes and reproducibility: never a crash, a hang or a wrong number."""

from __future__ import annotations

import contextlib
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from hypotheses import Case, CaseError, EvidenceItem, Hypothesis, case_from_text, score
from priors import Point
from tests.helpers import DATA, EXAMPLES, ROOT

runner = CliRunner()
BAD = sorted((DATA / "bad").glob("*.yaml"))


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_input_through_the_cli(path: Path, tmp_path: Path) -> None:
    """Exit 2, every line `path[:line]: message`, no traceback, no output file left behind."""
    target = tmp_path / "out.json"
    result = runner.invoke(app, ["score", str(path), "-f", "json", "-o", str(target)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert lines
    for line in lines:
        assert re.match(rf"^{re.escape(str(path))}(:\d+)?: \S", line), line
    assert list(tmp_path.iterdir()) == []


def test_generated_bad_files_through_the_cli(tmp_path: Path) -> None:
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(bytes(range(256)))
    latin1 = tmp_path / "latin1.yaml"
    latin1.write_bytes(b"schema: 1\ntitle: caf\xe9\n")
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as stream:
        stream.truncate(50 * 2**20)
    for path in (binary, latin1, huge, tmp_path, tmp_path / "missing.yaml"):
        result = runner.invoke(app, ["score", str(path)])
        assert result.exit_code == 2, path
        assert result.stderr.startswith(str(path)) and "Traceback" not in result.output


def test_unwritable_output_leaves_nothing(tmp_path: Path) -> None:
    not_a_directory = tmp_path / "file.txt"
    not_a_directory.write_text("x")
    result = runner.invoke(
        app, ["score", str(EXAMPLES / "taxicab.yaml"), "-o", str(not_a_directory / "out.md")]
    )
    assert result.exit_code == 2 and "cannot write" in result.stderr
    assert "Traceback" not in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["file.txt"]


def test_output_to_a_directory_is_refused(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", str(EXAMPLES / "taxicab.yaml"), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "is a directory" in result.stderr


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    import hypotheses.analysis.scoring

    def broken(*args: object, **kwargs: object) -> None:
        raise KeyError("boom")

    monkeypatch.setattr(hypotheses.analysis.scoring.numpy_engine, "run", broken)
    result = runner.invoke(app, ["--debug", "score", str(EXAMPLES / "taxicab.yaml")])
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "This is a bug" in result.stderr


# --- fuzzing -------------------------------------------------------------------------------

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["likely", "very likely", "30%", "150%", "nonsense", "B", "", "default", "h0"]),
    st.text(max_size=8),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["beta", "motive", "x", "h0", "default"]), inner, max_size=3),
    ),
    max_leaves=8,
)


@st.composite
def documents(draw: Any) -> Any:
    """Mostly-plausible case documents with random corruption anywhere."""
    ids = draw(st.lists(st.sampled_from(["h0", "h1", "h2", "H 3", "default"]), min_size=0, max_size=4))
    judgment = st.one_of(
        st.floats(0, 1),
        st.sampled_from(["likely", "unlikely", "almost certain"]),
        st.just([0.2, 0.4]),
        st.just({"beta": [2, 5]}),
        values,
    )
    hypotheses = [
        {"id": h, "label": h, **({"prior": draw(judgment)} if draw(st.booleans()) else {})} for h in ids
    ]
    evidence = [
        {
            "id": f"e{k}",
            "label": "x",
            "likelihoods": {h: draw(judgment) for h in ids},
            **({"source": "s"} if draw(st.booleans()) else {}),
            **({"credibility": draw(judgment)} if draw(st.booleans()) else {}),
        }
        for k in range(draw(st.integers(0, 3)))
    ]
    document: dict[str, Any] = {
        "schema": 1,
        "title": "fuzz",
        "hypotheses": hypotheses,
        "evidence": evidence,
        "sources": {"s": {"reliability": draw(st.one_of(st.just("C"), judgment))}},
    }
    for _ in range(draw(st.integers(0, 2))):  # corrupt a random top-level key
        document[
            draw(st.sampled_from(["schema", "title", "hypotheses", "evidence", "sources", "scale", "extra"]))
        ] = draw(values)
    return document


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(documents())
def test_loader_returns_a_case_or_a_case_error(document: Any) -> None:
    text = yaml.safe_dump(document, sort_keys=False)
    try:
        case = case_from_text(text, "fuzz.yaml")
    except CaseError as exc:
        assert exc.problems and all(p.path == "fuzz.yaml" for p in exc.problems)
        return
    assert isinstance(case, Case)
    card = score(case, draws=200)
    posterior = [h.posterior.mean for h in card.hypotheses]
    assert all(math.isfinite(p) and 0 <= p <= 1 for p in posterior)
    assert sum(posterior) == pytest.approx(1.0)
    json.dumps(card.to_dict(), allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes_the_loader(text: str) -> None:
    with contextlib.suppress(CaseError):
        case_from_text(text, "text.yaml")


# --- numerical extremes ------------------------------------------------------------------


def _point_case(priors: np.ndarray, likelihoods: np.ndarray) -> Case:
    ids = [f"h{k}" for k in range(priors.size)]
    return Case(
        title="extreme",
        question=None,
        scale_name="icd203",
        hypotheses=tuple(
            Hypothesis(h, h, (("prior", Point(float(p))),)) for h, p in zip(ids, priors, strict=True)
        ),
        sources=(),
        evidence=tuple(
            EvidenceItem(f"e{j}", "x", None, Point(1.0), tuple(Point(float(x)) for x in row))
            for j, row in enumerate(likelihoods)
        ),
        path="<extreme>",
        sha256="0" * 64,
    )


def _exact(priors: np.ndarray, likelihoods: np.ndarray) -> np.ndarray:
    """Exactly rounded log-space sums (math.fsum), then a max-shifted normalisation."""
    logs = [math.fsum([math.log(p), *(math.log(x) for x in likelihoods[:, k])]) for k, p in enumerate(priors)]
    top = max(logs)
    weights = [math.exp(v - top) for v in logs]
    total = math.fsum(weights)
    return np.array([w / total for w in weights])


@pytest.mark.parametrize(("n_hyp", "n_items"), [(2, 0), (2, 5_000), (200, 1), (200, 500), (20, 5_000)])
def test_extreme_sizes_and_tiny_numbers(n_hyp: int, n_items: int) -> None:
    rng = np.random.default_rng(n_hyp * 10_007 + n_items)
    priors = 10.0 ** rng.uniform(-12, 0, n_hyp)
    likelihoods = 10.0 ** rng.uniform(-300, 0, (n_items, n_hyp)) if n_items else np.empty((0, n_hyp))
    card = score(_point_case(priors, likelihoods), draws=100, explain=False)
    got = np.array([h.posterior.mean for h in card.hypotheses])
    assert np.all(np.isfinite(got)) and got.sum() == pytest.approx(1.0)
    assert np.allclose(got, _exact(priors, likelihoods), rtol=1e-6, atol=1e-300)


def test_explanation_of_an_extreme_case_is_finite() -> None:
    rng = np.random.default_rng(3)
    priors = 10.0 ** rng.uniform(-12, 0, 50)
    likelihoods = 10.0 ** rng.uniform(-300, 0, (300, 50))
    card = score(_point_case(priors, likelihoods), draws=100)
    json.dumps(card.to_dict(), allow_nan=False)


# --- reproducibility ---------------------------------------------------------------------


def _run_cli(*args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", "from cli import app; app()", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize("output_format", ["json", "csv", "md"])
def test_same_seed_same_export_across_processes(output_format: str) -> None:
    args = ("score", str(EXAMPLES / "leaked-memo.yaml"), "--seed", "11", "--format", output_format)
    first, second = _run_cli(*args), _run_cli(*args)
    if output_format == "json":
        a, b = json.loads(first), json.loads(second)
        assert a["diagnostics"].pop("seconds") >= 0 and b["diagnostics"].pop("seconds") >= 0
        assert a == b
        assert {"seed": 11, "engine": "numpy"}.items() <= a["diagnostics"].items()
        assert a["diagnostics"]["version"]
    else:
        assert first == second
