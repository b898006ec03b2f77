"""Many cases (issue 16): batch scoring in every mode equals scoring each case alone, bad cases
are reported while the rest are scored, and calibration against hand computation."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from hypotheses import (
    NoResolvedCases,
    Settings,
    UsageError,
    calibration,
    find_cases,
    load_case,
    score,
    score_many,
)
from hypotheses.analysis.calibration import verdict, wilson
from tests.helpers import EXAMPLES

runner = CliRunner()


def _without_time(document: dict[str, Any]) -> dict[str, Any]:
    """A section-5 document minus the one thing allowed to differ between runs: the wall time."""
    document = json.loads(json.dumps(document))
    document["diagnostics"].pop("seconds", None)
    return document


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


VAGUE = {
    "schema": 1,
    "title": "vague",
    "hypotheses": [
        {"id": "a", "label": "A", "prior": "likely"},
        {"id": "b", "label": "B", "prior": "unlikely"},
    ],
    "sources": {"s": {"label": "S", "reliability": {"beta": [4, 2]}}},
    "evidence": [
        {"id": "e1", "label": "one", "source": "s", "likelihoods": {"a": "likely", "b": [0.2, 0.5]}},
        {"id": "e2", "label": "two", "likelihoods": {"a": {"beta": [2, 3]}, "b": "very likely"}},
    ],
}


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The bundled examples and a vague case (uncertain judgments, a shared uncertain source)."""
    folder = tmp_path_factory.mktemp("cases")
    for example in sorted(EXAMPLES.glob("*.yaml")):
        shutil.copy(example, folder / example.name)
    shutil.copy(EXAMPLES / "al-bab-article.txt", folder)  # the document the seed case quotes
    _write(folder / "vague.yaml", VAGUE)
    return find_cases([folder])


@pytest.fixture(scope="module")
def alone(cases: list[Path]) -> dict[str, dict[str, Any]]:
    settings = Settings(draws=4_000, seed=7, explain=True)
    return {
        str(p): _without_time(score(load_case(p), draws=settings.draws, seed=settings.seed).to_dict())
        for p in cases
    }


def _check_same(outcomes: list[Any], cases: list[Path], alone: dict[str, dict[str, Any]]) -> None:
    assert [o.path for o in outcomes] == [str(p) for p in cases]  # in the order named
    for outcome in outcomes:
        assert outcome.ok and outcome.card is not None, outcome.problems
        assert _without_time(outcome.card.to_dict()) == alone[outcome.path]


def test_a_batch_scored_one_after_another_equals_each_case_alone(cases, alone) -> None:
    _check_same(score_many(cases, Settings(draws=4_000, seed=7, explain=True)), cases, alone)


def test_a_batch_in_two_processes_equals_each_case_alone(cases, alone) -> None:
    _check_same(score_many(cases, Settings(draws=4_000, seed=7, explain=True), jobs=2), cases, alone)


def test_a_batch_on_a_dask_cluster_equals_each_case_alone(cases, alone) -> None:
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        _check_same(score_many(cases, Settings(draws=4_000, seed=7, explain=True), dask=client), cases, alone)
        # By address, as `--dask tcp://...` does: the command connects and disconnects itself.
        _check_same(
            score_many(cases, Settings(draws=4_000, seed=7, explain=True), dask=cluster.scheduler_address),
            cases,
            alone,
        )


def test_an_unreachable_scheduler_is_a_usage_error(cases) -> None:
    pytest.importorskip("distributed")
    with pytest.raises(UsageError, match="cannot reach a Dask scheduler"):
        score_many(cases[:1], dask="tcp://127.0.0.1:9")


def test_jsonl_lines_are_the_single_case_json(cases) -> None:
    result = runner.invoke(app, ["score", *map(str, cases), "--format", "jsonl", "--draws", "4000"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == len(cases)
    for path, line in zip(cases, lines, strict=True):
        single = runner.invoke(app, ["score", str(path), "--format", "json", "--draws", "4000"])
        assert _without_time(json.loads(line)) == _without_time(json.loads(single.stdout))


def test_the_table_has_one_row_per_case_and_csv_one_per_case_and_hypothesis(cases) -> None:
    folder = str(cases[0].parent)
    table = runner.invoke(app, ["score", folder, "--draws", "4000"], env={"COLUMNS": "200"})
    assert table.exit_code == 0, table.output
    for path in cases:
        card = score(load_case(path), draws=4000)
        lead = card.ranked()[0]
        row = next(line for line in table.stdout.splitlines() if path.name in line)
        assert lead.id in row and f"{lead.posterior.mean * 100:.1f}%" in row
    assert f"{len(cases)} cases: {len(cases)} scored, 0 with errors" in table.stderr
    csv_out = runner.invoke(app, ["score", folder, "-f", "csv", "--draws", "4000"]).stdout.splitlines()
    assert csv_out[0].startswith("case,hypothesis,")
    assert len(csv_out) - 1 == sum(len(load_case(p).hypotheses) for p in cases)


def test_a_bad_case_is_reported_and_the_rest_are_scored(tmp_path: Path) -> None:
    good = _write(tmp_path / "good.yaml", VAGUE)
    bad = dict(VAGUE, evidence=[{"id": "e1", "label": "one", "likelihoods": {"a": 1.5, "b": 0.2}}])
    _write(tmp_path / "bad.yaml", bad)
    (tmp_path / "broken.yaml").write_text("schema: 1\ntitle: [unclosed\n", encoding="utf-8")
    result = runner.invoke(app, ["score", str(tmp_path), "--format", "jsonl"])
    assert result.exit_code == 2
    assert [json.loads(line)["case"]["path"] for line in result.stdout.splitlines()] == [str(good)]
    assert f"{tmp_path / 'bad.yaml'}:21: likelihood of 'a'" in result.stderr
    assert f"{tmp_path / 'broken.yaml'}:" in result.stderr
    assert "Traceback" not in result.output
    assert result.stderr.rstrip().endswith("3 cases: 1 scored, 2 with errors (listed above)")
    table = runner.invoke(app, ["score", str(tmp_path)])
    assert table.exit_code == 2 and "not scored" in table.stdout and "good.yaml" in table.stdout


def test_empty_directories_and_patterns_are_clean_usage_errors(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score", str(tmp_path)])
    assert result.exit_code == 2 and "no case files" in result.stderr
    result = runner.invoke(app, ["score", str(tmp_path / "*.yaml")])
    assert result.exit_code == 2 and "matches no case file" in result.stderr
    with pytest.raises(UsageError):
        find_cases([tmp_path])


def test_globs_and_directories_are_expanded_sorted_and_each_case_once(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    for name in ("b.yaml", "a.yml", "sub/c.yaml", "notes.txt"):
        (tmp_path / name).write_text("schema: 1\n", encoding="utf-8")  # a case's key: not skipped
    found = find_cases([tmp_path, str(tmp_path / "*.yaml"), tmp_path / "a.yml"])
    assert found == [tmp_path / "a.yml", tmp_path / "b.yaml", tmp_path / "sub" / "c.yaml"]


def test_several_cases_refuse_plain_json_and_netcdf(cases) -> None:
    result = runner.invoke(app, ["score", *map(str, cases[:2]), "--format", "json"])
    assert result.exit_code == 2 and "--format jsonl" in result.stderr


# -- calibration ---------------------------------------------------------------------------------


def _resolved(name: str, priors: dict[str, float], likelihoods: dict[str, float] | None, truth: str | None):
    document: dict[str, Any] = {
        "schema": 1,
        "title": name,
        "hypotheses": [{"id": h, "label": h.upper(), "prior": p} for h, p in priors.items()],
        "evidence": [{"id": "e", "label": "E", "likelihoods": likelihoods}] if likelihoods else [],
    }
    if truth:
        document["resolution"] = {"hypothesis": truth}
    return document


@pytest.fixture
def resolved_set(tmp_path: Path) -> Path:
    """Posteriors known on paper: 0.5/0.5 priors and likelihoods 0.75/0.25 give 0.75/0.25;
    a case without evidence keeps its priors."""
    _write(tmp_path / "a.yaml", _resolved("a", {"x": 0.5, "y": 0.5}, {"x": 0.75, "y": 0.25}, "x"))
    _write(tmp_path / "b.yaml", _resolved("b", {"x": 0.5, "y": 0.5}, {"x": 0.75, "y": 0.25}, "y"))
    _write(tmp_path / "c.yaml", _resolved("c", {"x": 0.58, "y": 0.3, "z": 0.12}, None, "z"))
    _write(tmp_path / "open.yaml", _resolved("open", {"x": 0.58, "y": 0.3, "z": 0.12}, None, None))
    return tmp_path


def test_calibration_equals_hand_computation(resolved_set: Path) -> None:
    cal = calibration(score_many(find_cases([resolved_set]), Settings(resolved_only=True)))
    assert cal.cases == 3
    # Brier: a (0.75-1)^2 + 0.25^2; b 0.75^2 + (0.25-1)^2; c 0.58^2 + 0.3^2 + (0.12-1)^2
    assert cal.brier == pytest.approx((0.125 + 1.125 + (0.58**2 + 0.3**2 + 0.88**2)) / 3, abs=1e-12)
    assert cal.log_loss == pytest.approx(-(math.log(0.75) + math.log(0.25) + math.log(0.12)) / 3, abs=1e-12)
    by_bin = {round(b.lo * 10): b for b in cal.bins}
    assert [b.n for b in cal.bins] == [0, 1, 2, 1, 0, 1, 0, 2, 0, 0]
    assert (by_bin[1].observed, by_bin[2].observed, by_bin[3].observed) == (1.0, 0.5, 0.0)
    assert by_bin[7].predicted == pytest.approx(0.75) and by_bin[7].observed == 0.5
    terms = {t.term: t for t in cal.by_term}  # icd203: likely 55-80, unlikely 20-45, very unlikely 5-20
    assert (terms["likely"].n, terms["likely"].observed) == (3, pytest.approx(1 / 3))
    assert terms["likely"].predicted == pytest.approx((0.75 + 0.75 + 0.58) / 3)
    assert (terms["unlikely"].n, terms["very unlikely"].n, terms["very unlikely"].observed) == (3, 1, 1.0)
    assert terms["likely"].range == (0.55, 0.80)


def test_wilson_intervals_match_published_values() -> None:
    # 95% (z = 1.96): 0 of 10 -> [0, 0.2775] (the "rule of three"'s honest cousin); 5 of 10 ->
    # [0.2366, 0.7634] (Newcombe 1998, table I, method 3).
    assert wilson(0, 10, 1.959964) == (0.0, pytest.approx(0.2775, abs=1e-4))
    lo, hi = wilson(5, 10, 1.959964)
    assert (lo, hi) == (pytest.approx(0.2366, abs=1e-4), pytest.approx(0.7634, abs=1e-4))
    assert wilson(10, 10)[1] == 1.0 and wilson(0, 0) == (None, None)
    assert verdict(0.1, 0.3, 0.55, 0.8) == "less often" and verdict(0.5, 0.9, 0.55, 0.8) == "as stated"


def test_source_grades_count_items_that_pointed_to_the_truth(tmp_path: Path) -> None:
    document = _resolved("s", {"x": 0.5, "y": 0.5}, None, "x")
    document["sources"] = {
        "good": {"label": "G", "reliability": "A"},
        "poor": {"label": "P", "reliability": "E"},
    }
    document["evidence"] = [
        {"id": "g1", "label": "g1", "source": "good", "likelihoods": {"x": 0.9, "y": 0.1}},
        {"id": "g2", "label": "g2", "source": "good", "likelihoods": {"x": 0.8, "y": 0.3}},
        {"id": "p1", "label": "p1", "source": "poor", "likelihoods": {"x": 0.2, "y": 0.7}},
        {"id": "flat", "label": "flat", "source": "poor", "likelihoods": {"x": 0.5, "y": 0.5}},
        {"id": "own", "label": "own", "likelihoods": {"x": 0.9, "y": 0.2}},  # no source: not counted
    ]
    cal = calibration([(case := load_case(_write(tmp_path / "s.yaml", document)), score(case))])
    rows = {s.code: s for s in cal.by_source}
    assert (rows["A"].n, rows["A"].towards_truth) == (2, 1.0)
    assert (rows["E"].n, rows["E"].towards_truth) == (1, 0.0)  # the flat item pointed nowhere


def test_calibration_command_table_json_and_html(resolved_set: Path, tmp_path: Path) -> None:
    table = runner.invoke(app, ["calibration", str(resolved_set)])
    assert table.exit_code == 0, table.output
    assert "3 resolved cases" in table.stdout and "likely" in table.stdout
    assert "1 without a resolution (not scored)" in table.stderr
    data = json.loads(runner.invoke(app, ["calibration", str(resolved_set), "-f", "json"]).stdout)
    assert {"cases", "brier", "log_loss", "bins", "by_term"} <= set(data)
    assert set(data["bins"][0]) >= {"lo", "hi", "n", "predicted", "observed"}
    assert set(data["by_term"][0]) >= {"n", "predicted", "observed"}
    page = tmp_path / "out" / "calibration.html"
    page.parent.mkdir()
    result = runner.invoke(app, ["calibration", str(resolved_set), "-o", str(page)])
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "<script" not in html.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)  # nothing fetched from a network


def test_calibration_html_is_inert(tmp_path: Path) -> None:
    document = _resolved("t", {"x": 0.5, "y": 0.5}, {"x": 0.75, "y": 0.25}, "x")
    _write(tmp_path / "<img src=x onerror=alert(1)>.yaml", document)
    page = tmp_path / "c.html"
    assert runner.invoke(app, ["calibration", str(tmp_path), "-o", str(page)]).exit_code == 0
    assert "<img" not in page.read_text(encoding="utf-8")


def test_no_resolved_case_is_a_clear_error(tmp_path: Path) -> None:
    _write(tmp_path / "open.yaml", _resolved("open", {"x": 0.5, "y": 0.5}, None, None))
    result = runner.invoke(app, ["calibration", str(tmp_path)])
    assert result.exit_code == 2
    assert "has a `resolution:`" in result.stderr and "Traceback" not in result.output
    with pytest.raises(NoResolvedCases):
        calibration(score_many([tmp_path / "open.yaml"]))


def test_reports_of_several_cases_equal_each_report_alone(tmp_path: Path) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    _write(cases / "vague.yaml", VAGUE)
    shutil.copy(EXAMPLES / "taxicab.yaml", cases / "taxicab.yaml")
    _write(cases / "bad.yaml", dict(VAGUE, hypotheses=VAGUE["hypotheses"][:1]))
    result = runner.invoke(app, ["report", str(cases), "-o", str(tmp_path / "out"), "--draws", "2000"])
    assert result.exit_code == 2  # the bad case, listed; the others written
    assert "a case needs at least 2 hypotheses" in result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["taxicab.html", "vague.html"]
    for name in ("vague", "taxicab"):
        alone = tmp_path / f"{name}-alone.html"
        single = runner.invoke(
            app, ["report", str(cases / f"{name}.yaml"), "-o", str(alone), "--draws", "2000"]
        )
        assert single.exit_code == 0, single.output
        assert (tmp_path / "out" / f"{name}.html").read_text() == alone.read_text()


def test_reports_that_would_share_a_name_are_refused_before_any_work(tmp_path: Path) -> None:
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        _write(tmp_path / folder / "same.yaml", VAGUE)
    result = runner.invoke(
        app, ["report", str(tmp_path / "a"), str(tmp_path / "b"), "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 2 and "would both write same.html" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_dask_from_the_command_line_with_a_scheduler_and_workers_of_their_own(tmp_path: Path) -> None:
    """Issue 32: `hypscore score DIR --dask tcp://...` against `dask scheduler` and `dask worker`
    started as separate processes, as the README tells a user (no client in this process), gives
    what scoring serially gives; the worker runs in another folder, and the seed case's quotes are
    checked against the document sent with its text."""
    import os
    import shutil
    import socket
    import subprocess
    import sys
    import time

    folder = tmp_path / "cases"
    folder.mkdir()
    for name in ("al-bab-2017.yaml", "al-bab-article.txt", "taxicab.yaml", "leaked-memo.yaml"):
        shutil.copy(EXAMPLES / name, folder / name)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dask = str(Path(sys.executable).with_name("dask"))
    elsewhere = tmp_path / "worker"
    elsewhere.mkdir()
    scheduler = subprocess.Popen([dask, "scheduler", "--port", str(port), "--no-dashboard"], cwd=elsewhere,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    worker = None
    try:
        time.sleep(3)
        address = f"tcp://127.0.0.1:{port}"
        worker = subprocess.Popen(
            [dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
            cwd=elsewhere, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=dict(os.environ),
        )  # fmt: skip
        time.sleep(5)
        cli = [
            sys.executable,
            "-c",
            "from cli import main_entry; main_entry()",
            "score",
            "cases",
            "-f",
            "jsonl",
        ]
        serial = subprocess.run(cli, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        spread = subprocess.run([*cli, "--dask", f"tcp://127.0.0.1:{port}"], cwd=tmp_path,
                                capture_output=True, text=True, timeout=300)  # fmt: skip
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)
    assert serial.returncode == 0 and spread.returncode == 0, spread.stderr

    def documents(out: str) -> list[dict]:
        return [
            {k: v for k, v in json.loads(line).items() if k != "diagnostics"} for line in out.splitlines()
        ]

    assert len(documents(serial.stdout)) == 3
    assert documents(spread.stdout) == documents(serial.stdout)
