"""Issue 34, third round (items 10, 13, 14, 16-21, 23): numbers at the ends of floating point,
case paths that loop or vanish, work that grew with the square of the case, and the command
line's own edges (--dask, --jobs, Ctrl-C during sampling). Each must end in a clear message and
exit 2 (130 for Ctrl-C), or in an answer computed with bounded work, never a traceback."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from hypotheses.settings import SAMPLER_VARIABLE
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


@pytest.mark.parametrize("written", ["1e-400%", "1e-400", "1e-400:1", "1e-200/1e200", "1e-330 in 1"])
def test_a_probability_that_underflows_to_zero_is_refused(written: Any) -> None:
    with pytest.raises(JudgmentError, match="too small to tell from 0"):
        parse_judgment(written, get_scale("icd203"))


@pytest.mark.parametrize("written", [[1.0e-320, 2.0e-320], [2.0e-320, 0.5], [1e-305, 1e-3]])
def test_an_interval_end_below_the_fit_is_refused(written: Any) -> None:
    with pytest.raises(JudgmentError, match="below 1e-300, too small to fit a Beta"):
        parse_judgment(written, get_scale("icd203"))


def test_a_subnormal_point_probability_is_read_as_written() -> None:
    assert parse_judgment(5e-310, get_scale("icd203")).value == 5e-310


def test_subnormal_interval_on_the_command_line(tmp_path: Path) -> None:
    path = write_case(tmp_path, two_hypotheses([1.0e-320, 2.0e-320]))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2, result.output
    assert f"{path}:" in result.output and "too small to fit a Beta" in result.output
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


# 14, 19, 23. Case paths that loop, vanish, cannot be read, or never end ------------------------


@pytest.fixture
def scandir_calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Count os.scandir calls (glob and pathlib list directories with it), failing fast past a
    bound so that a walk that never ends fails the test instead of hanging it; `fail` maps a
    directory to the OSError listing it raises (a directory that vanished or is unreadable:
    running as root, chmod cannot make one)."""
    import os

    real = os.scandir
    state: dict[str, Any] = {"calls": 0, "fail": {}}

    def counted(path: Any = ".") -> Any:
        state["calls"] += 1
        if state["calls"] > 2000:
            raise AssertionError("the walk did not end: over 2,000 directories listed")
        error = state["fail"].get(os.path.abspath(os.fsdecode(path)))
        if error is not None:
            raise error
        return real(path)

    monkeypatch.setattr(os, "scandir", counted)
    return state


def _self_linked(tmp_path: Path) -> Path:
    """d/a.yaml, with d/self1 and d/self2 links back to d: 2^depth paths to every file."""
    d = tmp_path / "d"
    d.mkdir()
    write_case(d, two_hypotheses(0.25), "a.yaml")
    (d / "self1").symlink_to("../d")
    (d / "self2").symlink_to("../d")
    return d


def test_a_recursive_glob_through_links_back_to_itself_ends(tmp_path: Path, scandir_calls: dict) -> None:
    from hypotheses import find_cases

    d = _self_linked(tmp_path)
    assert find_cases([str(d / "**" / "*.yaml")]) == [d / "a.yaml"]
    assert find_cases([d]) == [d / "a.yaml"]


def test_a_symlink_loop_among_case_paths_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "x1").symlink_to("x2")
    (tmp_path / "x2").symlink_to("x1")
    good = write_case(tmp_path, two_hypotheses(0.25), "good.yaml")
    result = runner.invoke(app, ["score", str(tmp_path / "x1"), str(tmp_path / "x2"), str(good)])
    assert result.exit_code == 2, result.output
    assert f"{tmp_path / 'x1'}:" in result.stderr and "internal error" not in result.output
    assert "2 with errors" in result.stderr


def test_a_directory_that_vanishes_while_walked_is_skipped(tmp_path: Path, scandir_calls: dict) -> None:
    from hypotheses import find_cases

    for sub in ("gone", "kept"):
        (tmp_path / sub).mkdir()
        write_case(tmp_path / sub, two_hypotheses(0.25), "a.yaml")
    scandir_calls["fail"][str(tmp_path / "gone")] = FileNotFoundError(2, "No such file or directory")
    assert find_cases([tmp_path]) == [tmp_path / "kept" / "a.yaml"]
    assert find_cases([str(tmp_path / "**" / "*.yaml")]) == [tmp_path / "kept" / "a.yaml"]


def test_an_unreadable_subdirectory_is_named_on_stderr(tmp_path: Path, scandir_calls: dict) -> None:
    for sub in ("secret", "open"):
        (tmp_path / sub).mkdir()
        write_case(tmp_path / sub, two_hypotheses(0.25), "a.yaml")
    write_case(tmp_path, two_hypotheses(0.25), "b.yaml")
    scandir_calls["fail"][str(tmp_path / "secret")] = PermissionError(13, "Permission denied")
    for named in (str(tmp_path), str(tmp_path / "**" / "*.yaml")):
        result = runner.invoke(app, ["score", named])
        assert result.exit_code == 0, result.output
        assert f"{tmp_path / 'secret'}: skipped, cannot be read (Permission denied)" in result.stderr
        assert "2 cases: 2 scored" in result.stderr


def test_a_walk_past_its_bound_is_refused_with_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scandir_calls: dict
) -> None:
    from hypotheses.analysis import batch

    monkeypatch.setattr(batch, "MAX_WALKED", 50)
    for k in range(30):
        (tmp_path / f"s{k}").mkdir()
        (tmp_path / f"s{k}" / "notes.txt").write_text("x", encoding="utf-8")
    write_case(tmp_path, two_hypotheses(0.25), "a.yaml")
    for named in (str(tmp_path), str(tmp_path / "**")):
        result = runner.invoke(app, ["score", named])
        assert result.exit_code == 2, result.output
        assert "more than 50 files and directories" in result.stderr and "Traceback" not in result.output


def test_proc_ends_in_an_answer_or_a_refusal() -> None:
    """/proc changes while walked and holds links back to the whole tree (/proc/self/root)."""
    from hypotheses import find_cases
    from hypotheses.settings import UsageError

    if not Path("/proc/self").exists():
        pytest.skip("no /proc here")
    for named in ("/proc/**", "/proc"):
        skipped: list[str] = []
        with pytest.raises(UsageError):
            find_cases([named], warn=skipped.append)
        assert len(skipped) <= 11


@pytest.mark.parametrize("command", ["score", "report"])
def test_dask_and_jobs_with_one_case_say_they_are_not_used(tmp_path: Path, command: str) -> None:
    case = write_case(tmp_path, two_hypotheses(0.25))
    extra = ["-o", str(tmp_path / "r.html")] if command == "report" else []
    result = runner.invoke(app, [command, str(case), "--dask", "tcp://127.0.0.1:1", "-j", "2", *extra])
    assert result.exit_code == 0, result.output
    assert "--dask and --jobs 2 not used" in result.stderr and "one case is scored here" in result.stderr
    plain = runner.invoke(app, [command, str(case), *extra])
    assert "not used" not in plain.stderr


# 17. Weights of many hypotheses ------------------------------------------------------------------


def _weights_by_hand(log_p: np.ndarray, log_lik: np.ndarray) -> np.ndarray:
    """W(h) = 10 log10(L_h / (sum_{k != h} p_k L_k / sum_{k != h} p_k)), term by term."""
    out = np.full(log_p.shape, np.nan)
    for j in range(log_p.shape[0]):
        for h in range(log_p.shape[1]):
            others = [k for k in range(log_p.shape[1]) if k != h]
            num = math.fsum(math.exp(log_p[j, k] + log_lik[j, k]) for k in others)
            den = math.fsum(math.exp(log_p[j, k]) for k in others)
            if den > 0:
                alt = math.log(num) if num > 0 else -math.inf
                out[j, h] = 10 / math.log(10) * (log_lik[j, h] - (alt - math.log(den)))
    return out


def test_weights_against_each_alternative_agree_with_the_hand_sum() -> None:
    from hypotheses.analysis.weights import _weights_given

    rng = np.random.default_rng(7)
    log_p = np.log(rng.dirichlet(np.ones(6), size=40))
    log_lik = np.log(rng.uniform(0.01, 1, size=(40, 6)))
    log_p[0, 2] = -np.inf  # a hypothesis ruled out
    log_p[1, :] = [0.0, -700, -700, -700, -700, -700]  # one term dominates: nothing subtracted from it
    log_lik[2, 3] = -np.inf  # an item impossible under one hypothesis
    log_p[3, :] = [0.0, -np.inf, -np.inf, -np.inf, -np.inf, -np.inf]  # no alternative left: NaN
    got, meant = _weights_given(log_p, log_lik), _weights_by_hand(log_p, log_lik)
    assert np.array_equal(np.isnan(got), np.isnan(meant)) and np.isnan(got[3, 0])
    assert np.allclose(got[~np.isnan(got)], meant[~np.isnan(meant)], rtol=1e-12, atol=1e-9)


def test_weights_of_thousands_of_hypotheses_take_memory_linear_in_them() -> None:
    """items x H x H was 12.7 GB at 20,000 hypotheses; 2,000 is 32 MB an array, rows x H is 16 kB."""
    import tracemalloc

    from hypotheses.analysis.weights import _weights_given

    n_hyp = 2000
    log_p = np.full((1, n_hyp), -math.log(n_hyp))
    log_lik = np.log(np.linspace(0.1, 0.9, n_hyp))[None, :]
    tracemalloc.start()
    try:
        weights = _weights_given(log_p, log_lik)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * n_hyp * 8  # a few (1, H) arrays, never (1, H, H)
    assert np.isfinite(weights).all() and weights[0, -1] > 0 > weights[0, 0]


# 18. Many reports of one event -------------------------------------------------------------------


def _reported_event(n_reports: int, theta: Any = None) -> dict[str, Any]:
    return {
        "schema": 1,
        "title": "echoes",
        "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}, {"id": "c", "label": "C"}],
        "events": {"g": {"label": "G", "likelihoods": theta or {"a": 0.7, "b": 0.3, "c": 0.1}}},
        "evidence": [
            {
                "id": f"e{k}",
                "label": f"r{k}",
                "reports": "g",
                "credibility": round(0.5 + 0.4 * k / n_reports, 6),
            }
            for k in range(n_reports)
        ],
    }


def test_leaving_out_each_report_of_an_event_does_not_rebuild_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each report left out was a new component of the other n - 1 reports: n^2 work (2,000
    reports of one event gave no answer in 120 s). The leave-one-out must match the event
    scored without that report, and never regroup."""
    from hypotheses.model import components, factors
    from hypotheses.model.factors import compile_case
    from tests.helpers import make_case

    n = 300
    case = make_case(_reported_event(n))
    (component,) = compile_case(case).components
    scorer = components.score_component(component, 3, compile_case(case).reliability, 1)
    calls = {"regroup": 0}
    real = factors.regroup

    def counted(*args: Any) -> Any:
        calls["regroup"] += 1
        return real(*args)

    monkeypatch.setattr(components, "regroup", counted)
    without = scorer.log_factor_without()
    assert calls["regroup"] == 0
    monkeypatch.undo()
    for k in (0, 17, n - 1):
        document = _reported_event(n)
        del document["evidence"][k]
        smaller = make_case(document)
        (rest,) = compile_case(smaller).components
        meant = components.score_component(rest, 3, compile_case(smaller).reliability, 1).log_factor()
        assert np.allclose(without[f"e{k}"], meant, rtol=1e-12, atol=1e-12)
    assert np.array_equal(without["g"], np.zeros(3))


def test_one_report_left_out_of_one_leaves_nothing() -> None:
    from hypotheses.model import components
    from hypotheses.model.factors import compile_case
    from tests.helpers import make_case

    case = make_case(_reported_event(1))
    (component,) = compile_case(case).components
    without = components.score_component(component, 3, compile_case(case).reliability, 1).log_factor_without()
    assert np.array_equal(without["e0"], np.zeros(3)) and np.array_equal(without["g"], np.zeros(3))


def test_an_uncertain_event_with_many_reports_takes_memory_independent_of_them() -> None:
    """The joint pool held (pool, reports) arrays of every report's point credibility, its
    chain and its rates: 3.6 GB at 1,000 reports. The peak must not grow with the reports."""
    import tracemalloc

    from hypotheses import score
    from hypotheses.model.components import JOINT_POOL
    from tests.helpers import make_case

    peaks = []
    for n in (100, 400):
        case = make_case(_reported_event(n, {"a": "likely", "b": "unlikely", "c": [0.1, 0.3]}))
        tracemalloc.start()
        try:
            score(case, engine="numpy", seed=1)
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    assert peaks[1] - peaks[0] < JOINT_POOL * 300 * 8 / 2  # one (pool, 300) array would be twice this


# 10. Ctrl-C during PyMC sampling -----------------------------------------------------------------


def _uncertain_case(tmp_path: Path) -> Path:
    return write_case(tmp_path, two_hypotheses([0.2, 0.4]))


def _short_chains(**kwargs: Any) -> Any:
    """What pm.sample returns when Ctrl-C stops it: the chains so far, shorter than asked."""
    import arviz as az

    half = max(1, kwargs["draws"] // 2)
    return az.from_dict(
        posterior={
            "p_hypothesis": np.full((kwargs["chains"], half, 2), 0.5),
            "judgment": np.full((4, half), 0.3),
        },
        sample_stats={"diverging": np.zeros((kwargs["chains"], half), dtype=bool)},
    )


def _broken_pipe(**kwargs: Any) -> Any:
    """Ctrl-C at the sampler's start-up: the workers die with the signal, the parent sees a
    broken pipe."""
    import contextlib
    import signal

    with contextlib.suppress(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)
    raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize("fake", [_short_chains, _broken_pipe])
def test_ctrl_c_during_sampling_is_exit_130_and_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake: Any
) -> None:
    import pymc

    monkeypatch.setenv(SAMPLER_VARIABLE, "pymc")  # PyMC's own sampler is the one pm.sample runs
    monkeypatch.setattr(pymc, "sample", lambda **kwargs: fake(**kwargs))
    case, out = _uncertain_case(tmp_path), tmp_path / "out.json"
    result = runner.invoke(app, ["score", str(case), "--engine", "pymc", "-o", str(out), "--draws", "400"])
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.stderr and "internal error" not in result.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["case.yaml"]


@pytest.mark.slow  # NumPyro is the `jax` extra, installed for the slow tests
def test_ctrl_c_while_numpyro_samples_is_exit_130_and_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NumPyro's compiled sampler cannot be stopped mid-way: Ctrl-C is noted, the sampler
    finishes, and the result is thrown away (exit 130, nothing written)."""
    import contextlib
    import signal

    pytest.importorskip("numpyro")
    from hypotheses.model import jax_sampler

    real = jax_sampler.sample

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        with contextlib.suppress(KeyboardInterrupt):
            signal.raise_signal(signal.SIGINT)
        return real(*args, **kwargs)

    monkeypatch.setenv(SAMPLER_VARIABLE, "numpyro")
    monkeypatch.setattr(jax_sampler, "sample", interrupted)
    case, out = _uncertain_case(tmp_path), tmp_path / "out.json"
    result = runner.invoke(app, ["score", str(case), "--engine", "pymc", "-o", str(out), "--draws", "400"])
    assert result.exit_code == 130, result.output
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["case.yaml"]


def test_a_worker_that_breaks_without_ctrl_c_is_still_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pymc

    def broken(**kwargs: Any) -> Any:
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setenv(SAMPLER_VARIABLE, "pymc")
    monkeypatch.setattr(pymc, "sample", broken)
    result = runner.invoke(
        app, ["score", str(_uncertain_case(tmp_path)), "--engine", "pymc", "--draws", "400"]
    )
    assert result.exit_code == 1 and "BrokenPipeError" in result.stderr


# 16. --dask addresses that fail ------------------------------------------------------------------


def _two_cases(tmp_path: Path) -> list[str]:
    return [str(write_case(tmp_path, two_hypotheses(0.25), f"{name}.yaml")) for name in ("a", "b")]


@pytest.mark.parametrize(
    ("address", "said"),
    [
        ("bad-address", "missing port"),
        ("tcp://host", "missing port"),
        ("tls://127.0.0.1:1", "TLS"),
        ("udp://127.0.0.1:8786", "tcp://HOST:8786"),
    ],
)
def test_a_bad_dask_address_is_one_message_and_exit_2(tmp_path: Path, address: str, said: str) -> None:
    pytest.importorskip("distributed")
    result = runner.invoke(app, ["score", *_two_cases(tmp_path), "--dask", address])
    assert result.exit_code == 2, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"hypscore: --dask {address}:") and said in line
    assert "internal error" not in line


def test_a_dask_port_that_never_answers_is_refused_in_bounded_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A port that accepts and never answers hung past 120 s (the client's 10 s timeout covers
    the connection, not the reply). The whole wait is bounded by DASK_CONNECT_SECONDS."""
    import socket

    pytest.importorskip("distributed")
    from hypotheses.analysis import batch

    monkeypatch.setattr(batch, "DASK_CONNECT_SECONDS", 1.0)
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        result = runner.invoke(app, ["score", *_two_cases(tmp_path), "--dask", address])
    assert result.exit_code == 2, result.output
    assert "no answer" in result.stderr and "1 s" in result.stderr


# 20. Bounds on the command line: output FIFOs, --jobs ---------------------------------------------


@pytest.mark.parametrize("command", [["init", "--force"], ["score", "EXAMPLE", "-f", "json", "-o"]])
def test_output_to_a_fifo_without_a_reader_is_refused_not_blocked(tmp_path: Path, command: list[str]) -> None:
    """Opening a FIFO to write blocks until a reader comes: the command never ended."""
    import os
    import subprocess
    import sys

    from tests.helpers import EXAMPLES, ROOT

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    args = [str(EXAMPLES / "taxicab.yaml") if a == "EXAMPLE" else a for a in command]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "cli", *args, str(fifo)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("writing to a FIFO without a reader blocked")
    assert done.returncode == 2, done.stderr
    assert f"hypscore: {fifo}: is a FIFO with no reader" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


def test_jobs_beyond_the_cpus_are_refused_with_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--jobs 100000 started that many interpreters (hundreds of MB each) on a 2-CPU machine."""
    from hypotheses.analysis import batch

    monkeypatch.setattr(batch, "usable_cpus", lambda: 2)
    cases = _two_cases(tmp_path)
    result = runner.invoke(app, ["score", *cases, "-j", "100000"])
    assert result.exit_code == 2, result.output
    assert "--jobs 100000: this machine has 2 CPUs" in result.stderr and "at most 4" in result.stderr
    assert runner.invoke(app, ["score", *cases, "-j", "4"]).exit_code == 0


def _dated(n_items: int, n_days: int, uncertain_source: bool = False) -> dict[str, Any]:
    import datetime

    words = ["likely", "unlikely", [0.2, 0.5], 0.35, "1:3", {"beta": [2, 5]}]
    document: dict[str, Any] = {
        "schema": 1,
        "title": "dated",
        "hypotheses": [
            {"id": "a", "label": "A", "prior": 0.5},
            {"id": "b", "label": "B", "prior": "unlikely"},
            {"id": "c", "label": "C", "prior": 0.2},
        ],
        "sources": {"s": {"label": "S", "reliability": "B" if uncertain_source else 0.8}},
        "evidence": [
            {
                "id": f"e{k}",
                "label": f"item {k}",
                "likelihoods": {"a": words[k % 6], "b": words[(k + 1) % 6], "c": 0.3},
                **(
                    {"date": str(datetime.date(2026, 1, 1) + datetime.timedelta(days=k % n_days))}
                    if k % 7
                    else {}
                ),
                **({"source": "s"} if k % 3 == 0 else {}),
                **({"credibility": "likely"} if k % 5 == 0 else {}),
            }
            for k in range(n_items)
        ],
    }
    return document


@pytest.mark.parametrize("uncertain_source", [False, True])
def test_the_timeline_is_one_pass_where_the_factors_allow(
    monkeypatch: pytest.MonkeyPatch, uncertain_source: bool
) -> None:
    """3,000 items on 3,000 dates rescored the case after each date (n^2). Where every item is a
    factor of its own in closed form, one cumulative pass gives the same numbers; otherwise
    (an uncertain source shared) the rescoring stays."""
    from dataclasses import replace

    from hypotheses.analysis import scoring
    from hypotheses.model import numpy_engine
    from tests.helpers import make_case

    case = make_case(_dated(60, 25, uncertain_source))
    real = numpy_engine.posterior_mean
    calls = {"n": 0}

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(numpy_engine, "posterior_mean", counted)
    got = scoring.timeline(case, seed=3)
    assert calls["n"] == (26 if uncertain_source else 0)
    monkeypatch.undo()
    days = [None, *sorted({it.date for it in case.evidence if it.date is not None})]
    assert [day for day, _ in got] == [None if d is None else d.isoformat() for d in days]
    for (_, posterior), day in zip(got, days, strict=True):
        known = tuple(it for it in case.evidence if it.date is None or (day is not None and it.date <= day))
        meant = real(replace(case, evidence=known), seed=3)
        assert np.allclose(list(posterior.values()), meant, rtol=1e-10, atol=1e-13)


def test_an_item_uncertain_under_one_hypothesis_of_many_draws_only_that_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each item's draws passed over every draw once per hypothesis (items x H x draws: 1,000
    hypotheses x 1,000 interval items took 36 s); points are now taken as they are."""
    from hypotheses import score
    from hypotheses.model import components
    from priors import Point
    from tests.helpers import make_case

    n_hyp = 40
    case = make_case(
        {
            "schema": 1,
            "title": "wide",
            "hypotheses": [{"id": f"h{k}", "label": f"H{k}"} for k in range(n_hyp)],
            "evidence": [
                {"id": f"e{j}", "label": f"x{j}", "likelihoods": {"h0": [0.2, 0.4], "default": 0.3}}
                for j in range(5)
            ],
        }
    )
    drawn: list[Any] = []
    real = components._tilted
    monkeypatch.setattr(
        components, "_tilted", lambda judgment, *a: drawn.append(judgment) or real(judgment, *a)
    )
    card = score(case, engine="numpy", seed=2)
    assert drawn and not any(isinstance(j, Point) for j in drawn)
    assert card.hypotheses[0].posterior.mean < 1.0 / n_hyp  # E[theta_h0] = 0.29... < 0.3


def test_diff_scores_each_component_of_old_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each change's effect rescored the whole of OLD (changes x items: two 20,000-item cases
    gave no answer); OLD's components are now scored once and each change only its own."""
    from hypotheses.analysis.diff import diff
    from hypotheses.model import components, numpy_engine
    from tests.helpers import point_case

    n_items, changed = 200, range(0, 200, 10)
    old = point_case([0.5, 0.5], [[0.2 + 0.003 * j, 0.5] for j in range(n_items)])
    new = point_case([0.5, 0.5], [[0.2 + 0.003 * j + 0.1 * (j in changed), 0.5] for j in range(n_items)])
    calls = {"n": 0}
    real = components.score_component

    def counted(*args: Any) -> Any:
        calls["n"] += 1
        return real(*args)

    monkeypatch.setattr(numpy_engine, "score_component", counted)
    result = diff(old, new)
    assert len(result.changes) == len(changed) and all(c.alone is not None for c in result.changes)
    assert calls["n"] <= 2 * n_items + 2 * len(changed)


def test_odds_whose_against_underflows_are_refused_not_read_as_certain() -> None:
    """Review finding: '1e-400:1' was refused but '1:1e-400' read as exactly 1, which on an
    item looked for and not found rules a hypothesis out; '-0%' read as a negative zero."""
    from priors import get_scale, parse_judgment
    from priors.judgment import JudgmentError

    icd = get_scale("icd203")
    with pytest.raises(JudgmentError, match="too close to 1 to tell from certainty"):
        parse_judgment("1:1e-400", icd)
    assert parse_judgment("1:0", icd).mean == 1.0  # written as certainty: certainty
    zero = parse_judgment("-0%", icd).mean
    assert zero == 0.0 and str(zero) == "0.0"


def test_pool_cruxes_score_each_distinct_view_once_per_analyst(tmp_path, monkeypatch) -> None:
    """Issue 34 item 20: pool's cruxes rescored every ordered pair of analysts per place (400
    point analysts: no answer). Analysts who state the same judgment make the same edit of
    another's case: it is scored once, so the edits grow with the distinct views, not the pairs."""
    import yaml

    from hypotheses.analysis import team

    paths = []
    for n in range(30):
        doc = {
            "schema": 1,
            "title": "team",
            "hypotheses": [{"id": "a", "label": "A", "prior": 0.5}, {"id": "b", "label": "B", "prior": 0.5}],
            "evidence": [{"id": "e", "label": "e", "likelihoods": {"a": (0.2, 0.8)[n % 2], "b": 0.5}}],
        }
        path = tmp_path / f"an{n:02d}.yaml"
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        paths.append(path)
    made = []
    real = team.with_judgment
    monkeypatch.setattr(team, "with_judgment", lambda *a, **k: made.append(a[1]) or real(*a, **k))
    result = team.pool(paths)
    # One place where views differ (lik/e/a), two views: each analyst tries the other view once.
    assert made.count("lik/e/a") == 30
    assert [c.place for c in result.cruxes] == ["lik/e/a"]


def test_a_chain_of_thousands_of_sources_is_refused_at_its_line() -> None:
    """Issue 34 item 18: a `via:` chain of 10,000 uncertain sources took 10 GB (the sampled pool
    holds draws of each); one item's chain is bounded (MAX_CHAIN) and refused at its line."""
    from hypotheses import CaseError
    from hypotheses.case.item_checks import MAX_CHAIN
    from tests.helpers import make_case

    sources = {f"s{k}": {"label": f"s{k}", "reliability": "C"} for k in range(MAX_CHAIN + 1)}
    document = {
        "schema": 1,
        "title": "long chain",
        "hypotheses": [{"id": "a", "label": "a"}, {"id": "b", "label": "b"}],
        "sources": sources,
        "evidence": [
            {"id": "x", "label": "x", "likelihoods": {"a": 0.8, "b": 0.2}, "source": "s0",
             "via": [f"s{k}" for k in range(1, MAX_CHAIN + 1)]}
        ],
    }  # fmt: skip
    with pytest.raises(CaseError, match=f"passes through {MAX_CHAIN + 1} sources; hypscore takes at most"):
        make_case(document)
    document["evidence"][0]["via"] = document["evidence"][0]["via"][:-1]  # MAX_CHAIN exactly: taken
    assert make_case(document).evidence[0].chain[-1] == f"s{MAX_CHAIN - 1}"
