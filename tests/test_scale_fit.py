"""Scales learned from the track record (`hypscore calibration --fit-scale`, docs/model.md
section 7): the Beta update by hand, what counts as a word coming true, recovery of a known
miscalibration on 60 generated resolved cases, the written scale file read back and used by a
case (`scale: desk.yaml`), and the command's refusals."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from hypotheses import (
    CaseError,
    Settings,
    calibration,
    find_cases,
    fit_scale,
    load_case,
    scale_yaml,
    score,
    score_many,
)
from hypotheses.analysis.calibration import word_outcomes
from hypotheses.analysis.scale_fit import ScaleFitError, _fitted, beta_update
from priors import Beta, ScaleError, get_scale
from tests.track_record import TRUE_RATES, write_track_record

runner = CliRunner()
ICD203 = yaml.safe_load((Path(__file__).parent.parent / "priors/scales/icd203.yaml").read_text())
# The published Betas, read from the scale file itself (not through the code under test).
PUBLISHED = {t["term"]: tuple(t["beta"]) for t in ICD203["terms"]}
RANGES = {t["term"]: (t["range"][0] / 100, t["range"][1] / 100) for t in ICD203["terms"]}


def _write(path: Path, document: dict[str, Any]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _case(truth: str = "a", evidence: list[dict[str, Any]] | None = None, **more: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "title": "t",
        "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        "evidence": evidence or [],
        "resolution": {"hypothesis": truth},
        **more,
    }


def _wire_case(scale: str) -> dict[str, Any]:
    """One item, 'likely' against 'unlikely', from a source graded B, on the scale `scale`."""
    return _case(
        "a",
        [{"id": "e", "label": "E", "source": "wire", "likelihoods": {"a": "likely", "b": "unlikely"}}],
        scale=scale,
        sources={"wire": {"label": "W", "reliability": "B"}},
    )


# -- the update, by hand ----------------------------------------------------------------------


def test_beta_update_by_hand() -> None:
    # Beta(2, 3) and 4 successes in 10: Beta(2 + 4, 3 + 6).
    assert beta_update((2.0, 3.0), 4, 10) == (6.0, 9.0)
    assert beta_update((2.0, 3.0), 0, 0) == (2.0, 3.0)


@settings(max_examples=200, deadline=None)
@given(
    a=st.floats(0.5, 500),
    b=st.floats(0.5, 500),
    n1=st.integers(0, 300),
    n2=st.integers(0, 300),
    data=st.data(),
)
def test_the_update_is_a_weighted_mean_and_order_free(
    a: float, b: float, n1: int, n2: int, data: Any
) -> None:
    """The fitted mean lies between the published mean and the observed rate, weighted a + b
    against n; two batches of statements give what one batch of both gives."""
    k1, k2 = data.draw(st.integers(0, n1)), data.draw(st.integers(0, n2))
    fitted = _fitted("w", "", 0.1, 0.9, Beta(a, b), k1, n1)
    assert fitted.mean == pytest.approx((a + k1) / (a + b + n1), rel=1e-12)
    if n1:
        lo, hi = sorted((a / (a + b), k1 / n1))
        assert lo - 1e-12 <= fitted.mean <= hi + 1e-12
        assert fitted.lo < fitted.mean < fitted.hi
    assert beta_update(beta_update((a, b), k1, n1), k2, n2) == pytest.approx(
        beta_update((a, b), k1 + k2, n1 + n2), rel=1e-12
    )


def test_one_case_fits_likely_by_hand_and_scipy(tmp_path: Path) -> None:
    """One 'likely' seen, one 'very likely' looked for and not found: likely's Beta gains a
    success, very likely's a failure; the interval is the Beta's 5% and 95% quantiles (scipy)."""
    stats = pytest.importorskip("scipy.stats")
    evidence = [
        {"id": "e1", "label": "E1", "likelihoods": {"a": "likely", "b": "unlikely"}},
        {"id": "e2", "label": "E2", "likelihoods": {"a": "very likely", "b": 0.3}, "observed": False},
    ]
    case = load_case(_write(tmp_path / "one.yaml", _case("a", evidence)))
    fit = fit_scale([(case, score(case))], "desk")
    terms = {t.name: t for t in fit.terms}
    a, b = PUBLISHED["likely"]
    assert terms["likely"].beta == (a + 1, b) and (terms["likely"].n, terms["likely"].hits) == (1, 1)
    assert terms["likely"].mean == pytest.approx((a + 1) / (a + b + 1), rel=1e-12)
    assert terms["likely"].lo == pytest.approx(stats.beta.ppf(0.05, a + 1, b), abs=1e-9)
    assert terms["likely"].hi == pytest.approx(stats.beta.ppf(0.95, a + 1, b), abs=1e-9)
    a, b = PUBLISHED["very likely"]
    assert terms["very likely"].beta == (a, b + 1) and terms["very likely"].hits == 0
    # 'unlikely' was said only of b, which was false: a statement about what did not happen.
    assert terms["unlikely"].n == 0 and terms["unlikely"].beta == PUBLISHED["unlikely"]
    assert (terms["unlikely"].lo, terms["unlikely"].hi) == RANGES["unlikely"]
    assert fit.statements == 2 and fit.paths == (case.path,)


def test_a_track_record_with_no_miss_is_said_to_fit_every_word_upward(tmp_path: Path) -> None:
    """Every item seen, none looked for and not found: every word can only move up. The fit says
    so (a warning, in the JSON and on the terminal); one miss anywhere and it does not."""
    seen = [{"id": "e1", "label": "E1", "likelihoods": {"a": "unlikely", "b": 0.5}}]
    case = load_case(_write(tmp_path / "seen.yaml", _case("a", seen)))
    fit = fit_scale([(case, score(case))], "desk")
    (said,) = fit.warnings
    assert "every one of the 1 word statements came true" in said and "observed: false" in said
    assert list(fit.to_dict()["warnings"]) == [said]
    missed = [*seen, {"id": "e2", "label": "E2", "likelihoods": {"a": "likely", "b": 0.3}, "observed": False}]
    case = load_case(_write(tmp_path / "missed.yaml", _case("a", missed)))
    assert fit_scale([(case, score(case))], "desk").warnings == ()


def test_what_counts_as_a_word_coming_true(tmp_path: Path) -> None:
    """Only P(e | true h) written as a word of the case's scale, of an item seen or looked for
    and not found: not pending items, items after as_of, ratios, numbers, reports of events."""
    evidence = [
        {"id": "seen", "label": "s", "likelihoods": {"a": "Probable", "b": "likely"}},  # a synonym
        {"id": "absent", "label": "x", "likelihoods": {"a": "likely", "b": 0.5}, "observed": False},
        {"id": "wait", "label": "w", "likelihoods": {"a": "likely", "b": 0.5}, "observed": "pending"},
        {"id": "late", "label": "l", "likelihoods": {"a": "likely", "b": 0.5}, "date": "2020-02-01"},
        {"id": "number", "label": "n", "likelihoods": {"a": 0.7, "b": "likely"}},
        {"id": "ratio", "label": "r", "ratios": {"a": 2, "b": 1}},
        {"id": "said", "label": "rep", "reports": "ev"},
        {"id": "default", "label": "d", "likelihoods": {"b": 0.2, "default": "very likely"}},
    ]
    document = _case(
        "a",
        evidence,
        as_of="2020-01-01",
        events={"ev": {"label": "event", "likelihoods": {"a": "likely", "b": "unlikely"}}},
    )
    case = load_case(_write(tmp_path / "w.yaml", document))
    assert sorted(word_outcomes(case)) == [("likely", False), ("likely", True), ("very likely", True)]
    # The same statements when b is the truth: b's words, and only those.
    document["resolution"] = {"hypothesis": "b"}
    case = load_case(_write(tmp_path / "w.yaml", document))
    assert sorted(word_outcomes(case)) == [("likely", True), ("likely", True)]


# -- a known miscalibration, recovered --------------------------------------------------------


@pytest.fixture(scope="module")
def track(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any, Any]:
    directory = tmp_path_factory.mktemp("track")
    write_track_record(directory / "cases")
    outcomes = score_many(find_cases([directory / "cases"]), Settings(resolved_only=True))
    return directory, outcomes, fit_scale(outcomes, "desk")


def test_the_fit_recovers_a_known_miscalibration(track: tuple[Path, Any, Any]) -> None:
    """60 cases, 600 statements: 'likely' (stated 55-80%) came true 40% of the time, 'very
    likely' 95%, 'unlikely' 30%. Each fitted 90% interval holds the true rate; 'likely's lies
    wholly below its published range (the miscalibration found); words never said of the true
    hypothesis keep their published range and Beta exactly."""
    _, _, fit = track
    assert len(fit.paths) == 60 and fit.statements == 600
    terms = {t.name: t for t in fit.terms}
    for word, rate in TRUE_RATES.items():
        t = terms[word]
        assert t.lo <= rate <= t.hi, (word, rate, t.lo, t.hi)
        assert t.hits == math.floor(t.n * rate + 1e-9) or t.hits == math.ceil(t.n * rate - 1e-9)
        assert t.beta == beta_update(PUBLISHED[word], t.hits, t.n)
        prior_mean = PUBLISHED[word][0] / sum(PUBLISHED[word])
        assert abs(t.mean - rate) < abs(prior_mean - rate)  # the data moved it towards the truth
    assert terms["likely"].hi < RANGES["likely"][0]
    for word in ("almost no chance", "very unlikely", "roughly even chance", "almost certain"):
        assert terms[word].n == 0 and terms[word].beta == PUBLISHED[word]
        assert (terms[word].lo, terms[word].hi) == RANGES[word]


def test_grades_count_as_calibration_counts_them(track: tuple[Path, Any, Any]) -> None:
    """A grade's hits are calibration's `by_source` counts (one definition), updated from the
    grade's standard range; a grade nobody used keeps it."""
    _, outcomes, fit = track
    by_source = {s.code: s for s in calibration(outcomes).by_source}
    grades = {g.name: g for g in fit.grades}
    standard = {"B": (80, 95), "D": (30, 55)}
    for code, (lo, hi) in standard.items():
        g = grades[code]
        assert g.n == by_source[code].n and g.hits == round(by_source[code].towards_truth * g.n)
        prior = Beta(*g.prior) if g.prior else None
        assert prior is not None and g.range == (lo / 100, hi / 100)
        assert g.beta == beta_update(g.prior, g.hits, g.n)
    assert grades["A"].n == 0 and (grades["A"].lo, grades["A"].hi) == (0.95, 0.99)


def test_calibration_shows_the_words_the_fit_counts(track: tuple[Path, Any, Any]) -> None:
    """`by_word` of `hypscore calibration` holds the statements the fit updates with, the word's
    published mean as `predicted`, and a Wilson interval; a word never said is not listed."""
    directory, outcomes, fit = track
    rows = {r.term: r for r in calibration(outcomes).by_word}
    assert set(rows) == set(TRUE_RATES)
    for t in fit.terms:
        if t.n:
            row = rows[t.name]
            assert (row.n, round(row.observed * row.n)) == (t.n, t.hits)
            assert row.predicted == pytest.approx(PUBLISHED[t.name][0] / sum(PUBLISHED[t.name]), rel=1e-12)
            assert row.observed_lo < row.observed < row.observed_hi
    assert rows["likely"].observed_hi < 0.55  # the table's verdict: "less often"
    data = runner.invoke(app, ["calibration", str(directory / "cases"), "-f", "json"])
    assert data.exit_code == 0 and "by_word" in data.stdout


# -- the scale file ---------------------------------------------------------------------------


def test_the_scale_file_reads_back_and_scores_a_case(track: tuple[Path, Any, Any], tmp_path: Path) -> None:
    """The written file is a scale: its words are the fitted Betas, its grades too; a case that
    says `scale: desk.yaml` is scored with them: here, by hand, E[lambda] of one item citing a
    source graded B (docs/model.md section 3, closed form with the expected base rate)."""
    _, _, fit = track
    path = tmp_path / "scales" / "desk.yaml"
    path.parent.mkdir()
    path.write_text(scale_yaml(fit), encoding="utf-8")
    scale = get_scale(str(path))
    terms = {t.name: t for t in fit.terms}
    for word in ("likely", "unlikely", "roughly even chance"):
        j = scale.judgment(word)
        assert isinstance(j, Beta) and (j.a, j.b) == pytest.approx(terms[word].beta, rel=1e-15)
    b_grade = next(g for g in fit.grades if g.name == "B")
    assert scale.grade("B") is not None and scale.grade("B").mean == pytest.approx(b_grade.mean, rel=1e-12)
    document = _wire_case("scales/desk.yaml")
    case = load_case(_write(tmp_path / "case.yaml", document))
    card = score(case, engine="numpy", seed=1)
    t_a, t_b, c = terms["likely"].mean, terms["unlikely"].mean, b_grade.mean
    base = (t_a + t_b) / 2
    lam_a, lam_b = c * t_a + (1 - c) * base, c * t_b + (1 - c) * base
    assert card.hypotheses[0].posterior.mean == pytest.approx(lam_a / (lam_a + lam_b), abs=1e-9)
    assert card.scale_file == card.scale == str(path)  # as the case loader resolved it
    # The same case on icd203 gives another answer: the file was used.
    plain = load_case(_write(tmp_path / "plain.yaml", {**document, "scale": "icd203"}))
    assert score(plain).hypotheses[0].posterior.mean != pytest.approx(card.hypotheses[0].posterior.mean)


def test_a_case_scored_with_a_fitted_scale_agrees_with_the_page(
    track: tuple[Path, Any, Any], tmp_path: Path
) -> None:
    """The report's script gets the resolved numbers (the fitted Betas) and computes the same
    posterior as the numpy engine."""
    from tests.test_page_engine import assert_posterior, recompute, scored

    mini_racer = pytest.importorskip("py_mini_racer", reason="pip install mini-racer (the test extra)")
    from importlib import resources

    from tests.test_page_engine import HARNESS

    _, _, fit = track
    (tmp_path / "desk.yaml").write_text(scale_yaml(fit), encoding="utf-8")
    document = _case(
        "a",
        [
            {"id": "e1", "label": "E1", "source": "wire", "likelihoods": {"a": "likely", "b": "unlikely"}},
            {"id": "e2", "label": "E2", "grading": "D3", "likelihoods": {"a": "very likely", "b": "likely"}},
        ],
        scale="desk.yaml",
        sources={"wire": {"label": "W", "reliability": "B"}},
    )
    case = load_case(_write(tmp_path / "case.yaml", document))
    script = resources.files("hypotheses").joinpath("templates/interactive.js").read_text(encoding="utf-8")
    js = mini_racer.MiniRacer()
    try:
        js.eval(script)
        js.eval(HARNESS)
        card, data = scored(case)
        assert_posterior(recompute(js, data), card, "desk.yaml case")
    finally:
        js.close()


@pytest.mark.slow
def test_pymc_scores_a_case_with_a_fitted_scale_as_numpy_does(
    track: tuple[Path, Any, Any], tmp_path: Path
) -> None:
    from hypotheses.model import numpy_engine, pymc_engine

    _, _, fit = track
    (tmp_path / "desk.yaml").write_text(scale_yaml(fit), encoding="utf-8")
    case = load_case(_write(tmp_path / "case.yaml", _wire_case("desk.yaml")))
    ours = pymc_engine.run(case, draws=4_000, tune=1_000, seed=0)
    exact = numpy_engine.run(case, draws=20_000, seed=0).posterior_mean
    assert ours.posterior_mean == pytest.approx(exact, abs=0.01)


def test_the_scale_file_is_inert_and_names_its_origin(tmp_path: Path) -> None:
    """Case paths go into comments JSON-quoted: a folder named with a line break and a key
    cannot add a key to the scale file."""
    folder = tmp_path / "x\nname: evil\n#"
    path = _write(
        folder / "c.yaml", _case("a", [{"id": "e", "label": "E", "likelihoods": {"a": "likely", "b": 0.2}}])
    )
    case = load_case(path)
    text = scale_yaml(fit_scale([(case, score(case))], "desk"))
    assert yaml.safe_load(text)["name"] == "desk"
    assert '"likely": published 55-80%, came true 1 of 1' in text and "Cases used:" in text
    (tmp_path / "desk.yaml").write_text(text, encoding="utf-8")
    assert get_scale(str(tmp_path / "desk.yaml")).name == "desk"


def test_cases_on_two_scales_are_not_fitted_together(tmp_path: Path) -> None:
    one = load_case(_write(tmp_path / "a.yaml", _case("a")))
    two = load_case(_write(tmp_path / "b.yaml", _case("a", scale="kent")))
    with pytest.raises(ScaleFitError, match="2 scales"):
        fit_scale([(one, score(one)), (two, score(two))], "desk")
    with pytest.raises(ScaleFitError, match="scale name"):
        fit_scale([(one, score(one))], "../desk")


# -- `scale:` naming a file -------------------------------------------------------------------


def test_a_missing_or_broken_scale_file_is_an_error_at_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "c.yaml", _case("a", scale="nowhere.yaml"))
    with pytest.raises(CaseError) as caught:
        load_case(path)
    message = str(caught.value)
    assert f"{path}:" in message and "scale file 'nowhere.yaml' not found" in message
    (tmp_path / "nowhere.yaml").write_text("name: nowhere\nterms:\n  - {term: likely, range: [80, 55]}\n")
    with pytest.raises(ScaleError, match=r"nowhere\.yaml:3: range of 'likely' is \[80, 55\]"):
        load_case(path)
    (tmp_path / "nowhere.yaml").write_text(
        "name: nowhere\nterms: [{term: x, range: [1, 2]}]\ngrades: [{grade: G}]\n"
    )
    with pytest.raises(ScaleError, match=r"nowhere\.yaml:3: grade must be an Admiralty letter A-F"):
        load_case(path)
    (tmp_path / "nowhere.yaml").write_text("name: nowhere\nterms: []\nterms: [{term: x, range: [1, 2]}]\n")
    with pytest.raises(ScaleError, match=r"nowhere\.yaml:3: the key 'terms' appears twice here"):
        load_case(path)
    (tmp_path / "nowhere.yaml").write_text(
        "name: nowhere\nterms: &t [{term: x, range: [1, 2]}]\ngrades: *t\n"
    )
    with pytest.raises(ScaleError, match="anchor"):
        load_case(path)


def test_the_scale_file_is_found_beside_the_case_whatever_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "desk.yaml").write_text(
        "name: desk\nterms:\n  - {term: likely, range: [30, 50]}\n  - {term: unlikely, range: [5, 20]}\n"
    )
    document = _case("a", [{"id": "e", "label": "E", "likelihoods": {"a": "likely", "b": "unlikely"}}])
    _write(tmp_path / "cases" / "c.yaml", {**document, "scale": "desk.yaml"})
    monkeypatch.chdir(tmp_path)
    case = load_case("cases/c.yaml")
    assert case.scale.name == "desk" and case.scale.judgment("likely").quantiles() == pytest.approx(
        (0.3, 0.5)
    )


# -- the command --------------------------------------------------------------------------------


def test_the_command_writes_the_scale_and_refuses_to_overwrite_inputs(tmp_path: Path) -> None:
    write_track_record(tmp_path / "cases", cases=4, items=3)
    out = tmp_path / "out" / "desk.yaml"
    out.parent.mkdir()
    result = runner.invoke(
        app, ["calibration", str(tmp_path / "cases"), "--fit-scale", "desk", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "likely" in result.stdout and get_scale(str(out)).name == "desk"
    for args, said in [
        (["--fit-scale", "desk"], "give -o desk.yaml"),
        (["--fit-scale", "desk", "-o", str(tmp_path / "other.yaml")], "must be desk.yaml"),
        (["--fit-scale", "desk", "-o", str(out), "-f", "html"], "table or json"),
    ]:
        refused = runner.invoke(app, ["calibration", str(tmp_path / "cases"), *args])
        assert refused.exit_code == 2 and said in refused.output, refused.output
        assert "Traceback" not in refused.output
    # A case that reads out/desk.yaml: neither a refit nor a score may overwrite it.
    before = out.read_text()
    user = _write(tmp_path / "out" / "user.yaml", {**_case("a"), "scale": "desk.yaml"})
    refit = runner.invoke(app, ["calibration", str(user), "--fit-scale", "desk", "-o", str(out)])
    assert refit.exit_code == 2 and "overwrite" in refit.output
    scored_over = runner.invoke(app, ["score", str(user), "-o", str(out)])
    assert scored_over.exit_code == 2 and "overwrite" in scored_over.output
    assert out.read_text() == before


def test_a_refit_starts_from_the_fitted_scale(track: tuple[Path, Any, Any], tmp_path: Path) -> None:
    """Cases on a fitted scale are fitted again from its Betas, words and grades alike (the first
    fit's posterior is the second's prior), and calibration knows its grades' letters."""
    from io import StringIO

    from rich.console import Console

    from hypotheses.output.terminal import render_scale

    _, _, fit = track
    (tmp_path / "desk.yaml").write_text(scale_yaml(fit), encoding="utf-8")
    case = load_case(_write(tmp_path / "case.yaml", _wire_case("desk.yaml")))  # 'likely' of a, seen
    card = score(case)
    refit = fit_scale([(case, card)], "desk2")
    first = {t.name: t for t in (*fit.terms, *fit.grades)}
    again = {t.name: t for t in (*refit.terms, *refit.grades)}
    assert refit.base == "desk"
    assert again["likely"].prior == pytest.approx(first["likely"].beta, rel=1e-15)
    assert again["likely"].beta == pytest.approx((first["likely"].beta[0] + 1, first["likely"].beta[1]))
    assert again["B"].prior == pytest.approx(first["B"].beta, rel=1e-15) and again["B"].n == 1
    assert again["B"].range == pytest.approx(
        (first["B"].lo, first["B"].hi), abs=1e-4
    )  # as the file states it
    assert [s.code for s in calibration([(case, card)]).by_source] == ["B"]
    console = Console(file=StringIO(), width=200)
    console.print(render_scale(get_scale(str(tmp_path / "desk.yaml"))))
    shown = console.file.getvalue()
    assert "grade B" in shown and "reliability: B (usually reliable)" in shown


def test_a_scale_name_that_cannot_be_a_file_name_is_refused_first(tmp_path: Path) -> None:
    said = CliRunner().invoke(app, ["calibration", str(tmp_path), "--fit-scale", "bad name", "-o", "x.yaml"])
    assert said.exit_code == 2 and "--fit-scale 'bad name': a scale's name uses letters" in said.output
    assert "give -o bad name.yaml" not in said.output
