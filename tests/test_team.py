"""Teams: pools against hand computation, cruxes on cases whose answer is known, diff's "alone"
effects against scoring the hand-edited case, and clean errors for cases that cannot be pooled."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from hypotheses import load_case, score
from hypotheses.analysis.diff import diff
from hypotheses.analysis.team import find_cruxes, pool
from tests.helpers import EXAMPLES, make_case

runner = CliRunner()
TEAM = EXAMPLES / "team"


def two_item_case(
    e1: tuple[float, float], e2: tuple[float, float], order: tuple[str, str] = ("a", "b")
) -> dict:
    return {
        "schema": 1,
        "title": "two items",
        "hypotheses": [{"id": h, "label": h.upper(), "prior": 0.5} for h in order],
        "evidence": [
            {"id": "e1", "label": "first", "likelihoods": {"a": e1[0], "b": e1[1]}},
            {"id": "e2", "label": "second", "likelihoods": {"a": e2[0], "b": e2[1]}},
        ],
    }


def p_a(e1: tuple[float, float], e2: tuple[float, float]) -> float:
    """P(a | e1, e2) with equal priors, by hand."""
    return e1[0] * e2[0] / (e1[0] * e2[0] + e1[1] * e2[1])


def test_linear_and_log_pools_match_hand_computation() -> None:
    first = make_case(two_item_case((0.8, 0.2), (0.5, 0.5)), "first.yaml")
    second = make_case(two_item_case((0.6, 0.4), (0.5, 0.5)), "second.yaml")
    result = pool([first, second], weights=[0.75, 0.25], cruxes=False)
    pa, pb = 0.8, 0.6  # P(a) of each analyst
    assert result.linear["a"].mean == pytest.approx(0.75 * pa + 0.25 * pb, abs=1e-12)
    geo_a, geo_b = pa**0.75 * pb**0.25, (1 - pa) ** 0.75 * (1 - pb) ** 0.25
    assert result.log is not None
    assert result.log["a"].mean == pytest.approx(geo_a / (geo_a + geo_b), abs=1e-12)
    assert result.log["a"].mean + result.log["b"].mean == pytest.approx(1.0, abs=1e-12)
    # Point judgments: no uncertainty, so each pool's interval is its mean.
    assert result.linear["a"].lo == pytest.approx(result.linear["a"].mean, abs=1e-12)
    assert result.log["b"].hi == pytest.approx(result.log["b"].mean, abs=1e-12)


def test_pool_intervals_come_from_the_analysts_draws() -> None:
    """Uncertain judgments: the linear pool's draws are the weighted mean of the analysts' draws,
    draw by draw, so its interval is narrower than the analysts' own when they are independent."""
    cases = [load_case(p) for p in sorted(TEAM.glob("*.yaml"))]
    result = pool(cases, cruxes=False)
    # Each analyst's draws in an order of its own (the cases share a seed, and so random numbers).
    # The analysts' cases may choose different numbers of draws: the pool scores each with as
    # many as the most demanding one chose.
    n = max(score(c, explain=False).diagnostics.draws for c in cases)
    each = [score(c, draws=n, explain=False, keep_draws=True).engine_result.posterior_draws for c in cases]
    draws = np.stack([d[:n][np.random.default_rng([0, k]).permutation(n)] for k, d in enumerate(each)])
    linear = draws.mean(axis=0)
    lo, hi = np.quantile(linear[:, 0], [0.05, 0.95])
    assert result.linear["insider"].lo == pytest.approx(lo, abs=1e-12)
    assert result.linear["insider"].hi == pytest.approx(hi, abs=1e-12)
    means = [score(c, explain=False).hypotheses[0].posterior.mean for c in cases]
    assert result.linear["insider"].mean == pytest.approx(sum(means) / 3, abs=1e-12)
    width = result.linear["insider"].hi - result.linear["insider"].lo
    assert all(
        width < a.card.hypotheses[0].posterior.hi - a.card.hypotheses[0].posterior.lo for a in result.analysts
    )


def test_pool_is_invariant_to_hypothesis_order() -> None:
    first = make_case(two_item_case((0.8, 0.2), (0.5, 0.5)), "first.yaml")
    second = make_case(two_item_case((0.6, 0.4), (0.3, 0.5), order=("b", "a")), "second.yaml")
    result = pool([first, second], cruxes=False)
    p2 = p_a((0.6, 0.4), (0.3, 0.5))
    assert result.linear["a"].mean == pytest.approx((0.8 + p2) / 2, abs=1e-12)
    assert result.ids == ["a", "b"]


def test_cruxes_on_a_constructed_case_match_hand_computation() -> None:
    """A and B differ in two judgments: each crux's swing is the larger of the two analysts'
    moves when adopting the other's value of that judgment alone, all by hand."""
    a1, a2 = (0.8, 0.2), (0.6, 0.5)
    b1, b2 = (0.4, 0.2), (0.55, 0.5)
    first = make_case(two_item_case(a1, a2), "A.yaml")
    second = make_case(two_item_case(b1, b2), "B.yaml")
    cruxes = {c.place: c for c in find_cruxes([first, second])}
    assert set(cruxes) == {"lik/e1/a", "lik/e2/a"}
    base_a, base_b = p_a(a1, a2), p_a(b1, b2)  # both lead with a
    e1 = max(abs(p_a(b1, a2) - base_a), abs(p_a(a1, b2) - base_b))
    e2 = max(abs(p_a(a1, b2) - base_a), abs(p_a(b1, a2) - base_b))
    assert cruxes["lik/e1/a"].swing == pytest.approx(e1, abs=1e-12)
    assert cruxes["lik/e2/a"].swing == pytest.approx(e2, abs=1e-12)
    assert e1 > e2  # the first item's disagreement matters more, and is ranked first
    result = pool([first, second])
    assert [c.place for c in result.cruxes] == ["lik/e1/a", "lik/e2/a"]
    top = result.cruxes[0]
    assert top.values == {"A.yaml": "0.8", "B.yaml": "0.4"}
    sentence = result.sentences()[0]
    assert (
        sentence.startswith("If ") and f"from {100 * top.before:.1f}% to {100 * top.after:.1f}%" in sentence
    )


def test_an_item_one_analyst_lacks_is_a_crux_of_its_own() -> None:
    """B lacks e2: B adopting A's view adds A's item, which makes B's case A's exactly."""
    full = two_item_case((0.8, 0.2), (0.9, 0.3))
    short = copy.deepcopy(full)
    short["evidence"] = short["evidence"][:1]
    first, second = make_case(full, "A.yaml"), make_case(short, "B.yaml")
    (crux,) = find_cruxes([first, second])
    assert crux.place == "evidence/e2" and crux.values == {"A.yaml": "observed", "B.yaml": "not in the case"}
    with_it, without_it = p_a((0.8, 0.2), (0.9, 0.3)), 0.8
    assert crux.swing == pytest.approx(abs(with_it - without_it), abs=1e-12)


def test_equal_cases_have_no_cruxes_and_words_equal_to_their_numbers_agree() -> None:
    words = two_item_case((0.8, 0.2), (0.5, 0.5))
    words["scale"] = "icd203"
    words["evidence"][0]["likelihoods"] = {"a": "likely", "b": 0.2}
    numbers = copy.deepcopy(words)
    numbers["evidence"][0]["likelihoods"]["a"] = [0.55, 0.80]  # the range 'likely' stands for
    assert find_cruxes([make_case(words, "A.yaml"), make_case(numbers, "B.yaml")]) == ()


OLD: dict[str, Any] = {
    "schema": 1,
    "title": "versions",
    "scale": "icd203",
    "hypotheses": [
        {"id": "a", "label": "A", "prior": {"motive": "likely"}},
        {"id": "b", "label": "B", "prior": {"motive": "unlikely"}},
        {"id": "c", "label": "C", "prior": {"base_rate": 0.3}},
    ],
    "sources": {"desk": {"label": "desk", "reliability": 0.8}},
    "evidence": [
        {"id": "e1", "label": "one", "source": "desk", "likelihoods": {"a": 0.7, "b": 0.4, "c": 0.3}},
        {"id": "e2", "label": "two", "observed": False, "likelihoods": {"a": "unlikely", "default": 0.5}},
        {"id": "e3", "label": "three", "likelihoods": {"a": 0.2, "b": 0.6, "c": 0.5}},
    ],
}


def _edits() -> dict[str, Any]:
    """Each change of NEW against OLD, as a function applying it alone to a copy of OLD."""

    def lik(d: dict) -> None:
        d["evidence"][0]["likelihoods"]["b"] = 0.6

    def absent(d: dict) -> None:
        d["evidence"][1]["likelihoods"]["a"] = "likely"  # judged P(E | a), the item still not found

    def removed(d: dict) -> None:
        d["evidence"] = [e for e in d["evidence"] if e["id"] != "e3"]

    def added(d: dict) -> None:
        d["sources"]["wire"] = {"label": "wire", "reliability": "C"}
        d["evidence"].append(
            {"id": "e4", "label": "four", "source": "wire", "likelihoods": {"a": 0.9, "b": 0.3, "c": 0.3}}
        )

    def reliability(d: dict) -> None:
        d["sources"]["desk"]["reliability"] = 0.6

    def factor(d: dict) -> None:
        d["hypotheses"][2]["prior"]["motive"] = "roughly even chance"

    return {
        "lik/e1/b": lik,
        "lik/e2/a": absent,
        "evidence/e3": removed,
        "evidence/e4": added,
        "reliability/desk": reliability,
        "prior/c/motive": factor,
    }


def test_diff_alone_effects_equal_scoring_the_hand_edited_case() -> None:
    edits = _edits()
    new = copy.deepcopy(OLD)
    for edit in edits.values():
        edit(new)
    result = diff(make_case(OLD, "old.yaml"), make_case(new, "new.yaml"))
    before = score(make_case(OLD), explain=False)
    after = score(make_case(new), explain=False)
    assert result.before == pytest.approx({h.id: h.posterior.mean for h in before.hypotheses}, abs=1e-12)
    assert result.after == pytest.approx({h.id: h.posterior.mean for h in after.hypotheses}, abs=1e-12)
    changes = {c.place: c for c in result.changes}
    assert set(changes) == set(edits) | {"source/wire"}
    for place, edit in edits.items():
        alone = copy.deepcopy(OLD)
        edit(alone)
        scored = score(make_case(alone), explain=False)
        expected = {
            h.id: h.posterior.mean - b.posterior.mean
            for h, b in zip(scored.hypotheses, before.hypotheses, strict=True)
        }
        assert changes[place].alone == pytest.approx(expected, abs=1e-12), place
    assert changes["source/wire"].alone == {"a": 0.0, "b": 0.0, "c": 0.0}  # nothing in OLD cites it
    assert (changes["lik/e2/a"].before, changes["lik/e2/a"].after) == ("unlikely", "likely")
    assert (changes["evidence/e3"].before, changes["evidence/e3"].after) == ("observed", None)
    assert (changes["prior/c/motive"].before, changes["prior/c/motive"].after) == (
        "not stated",
        "roughly even chance",
    )


def test_diff_of_a_case_with_itself_is_empty_and_a_new_hypothesis_cannot_stand_alone() -> None:
    case = make_case(OLD, "old.yaml")
    assert diff(case, case).changes == ()
    grown = copy.deepcopy(OLD)
    grown["hypotheses"].append({"id": "d", "label": "D", "prior": {"base_rate": 0.1}})
    for e in grown["evidence"]:
        if "default" not in e["likelihoods"]:
            e["likelihoods"]["d"] = 0.5
    result = diff(case, make_case(grown, "new.yaml"))
    (change,) = result.changes
    assert change.place == "hypothesis/d" and change.before is None and change.alone is None
    assert set(result.after) == {"a", "b", "c", "d"} and set(result.before) == {"a", "b", "c"}


def _write(tmp_path: Path, name: str, document: dict) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def test_pool_and_diff_commands_write_every_format(tmp_path: Path) -> None:
    files = [str(p) for p in sorted(TEAM.glob("*.yaml"))]
    result = runner.invoke(app, ["pool", *files, "--weights", "2,1,1", "-f", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert [a["path"] for a in document["analysts"]] == files
    assert set(document["pooled"]) == {"linear", "log"}
    assert {"place", "values", "swing"} <= set(document["cruxes"][0])
    assert document["analysts"][0]["weight"] == pytest.approx(0.5)
    means = [a["posterior"]["insider"]["mean"] for a in document["analysts"]]
    assert document["pooled"]["linear"]["insider"]["mean"] == pytest.approx(
        0.5 * means[0] + 0.25 * (means[1] + means[2])
    )
    for fmt in ("table", "md"):
        shown = runner.invoke(app, ["pool", *files, "-f", fmt])
        assert shown.exit_code == 0 and "prior/accident/base_rate" in shown.stdout
    page = tmp_path / "pool.html"
    assert runner.invoke(app, ["pool", *files, "-o", str(page)]).exit_code == 0
    text = page.read_text()
    assert text.startswith("<!doctype html>") and "<svg" in text and "<script" not in text
    out = runner.invoke(app, ["diff", files[0], files[1], "-f", "json"])
    assert out.exit_code == 0, out.output
    changes = {c["place"] for c in json.loads(out.stdout)["changes"]}
    assert changes == {"reliability/informant", "lik/access_logs_quiet/contractor"}
    for fmt in ("table", "md"):
        assert "reliability/informant" in runner.invoke(app, ["diff", files[0], files[1], "-f", fmt]).stdout


def test_pool_refuses_cases_of_different_questions_with_the_line(tmp_path: Path) -> None:
    first = _write(tmp_path, "a.yaml", two_item_case((0.8, 0.2), (0.5, 0.5)))
    other = two_item_case((0.8, 0.2), (0.5, 0.5))
    other["hypotheses"][1]["id"] = "z"
    for e in other["evidence"]:
        e["likelihoods"]["z"] = e["likelihoods"].pop("b")
    second = _write(tmp_path, "b.yaml", other)
    result = runner.invoke(app, ["pool", str(first), str(second)])
    assert result.exit_code == 2
    line = yaml.safe_dump(other, sort_keys=False).splitlines().index("hypotheses:") + 1
    assert f"{second}:{line}: its hypotheses differ" in result.stderr
    assert "z not in" in result.stderr and "b missing here" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("weights", "message"),
    [("1,2,3", "3 weights for 2 cases"), ("1,x", "numbers separated by commas"), ("0,0", "not all 0")],
)
def test_pool_refuses_bad_weights_before_any_work(tmp_path: Path, weights: str, message: str) -> None:
    a = _write(tmp_path, "a.yaml", two_item_case((0.8, 0.2), (0.5, 0.5)))
    b = _write(tmp_path, "b.yaml", two_item_case((0.6, 0.2), (0.5, 0.5)))
    result = runner.invoke(app, ["pool", str(a), str(b), "--weights", weights])
    assert result.exit_code == 2 and message in result.stderr


def test_pool_of_one_case_and_of_a_bad_case_are_clean_errors(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.yaml", two_item_case((0.8, 0.2), (0.5, 0.5)))
    one = runner.invoke(app, ["pool", str(a)])
    assert one.exit_code == 2 and "two cases or more" in one.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1\ntitle: x\nhypotheses: []\n", encoding="utf-8")
    result = runner.invoke(app, ["pool", str(a), str(bad)])
    assert result.exit_code == 2 and f"{bad}:" in result.stderr and "Traceback" not in result.output


def test_log_pool_of_analysts_who_rule_out_each_others_answer_is_undefined() -> None:
    first = make_case(two_item_case((1.0, 0.0), (0.5, 0.5)), "A.yaml")
    second = make_case(two_item_case((0.0, 1.0), (0.5, 0.5)), "B.yaml")
    result = pool([first, second], cruxes=False)
    assert result.log is None and "log pool is undefined" in result.warnings[0]
    assert result.linear["a"].mean == pytest.approx(0.5) and math.isclose(result.linear["b"].mean, 0.5)


def _one_place(values: list[float]) -> list:
    """Analysts who differ only in lik/e1/a."""
    return [make_case(two_item_case((v, 0.2), (0.5, 0.5)), f"{k}.yaml") for k, v in enumerate(values)]


def test_consensus_with_a_known_disagreement_matches_the_closed_form() -> None:
    """tau fixed, mu flat: mu | y ~ Normal(mean(y), tau^2 / n); the consensus judgment is the
    Beta with mean logistic(mean(y)) whose logit has variance tau^2 / n, its Var[logit X]
    checked by quadrature of the Beta itself (scipy, an independent implementation)."""
    from scipy import integrate, special, stats

    from hypotheses.analysis.consensus import consensus

    values, tau = [0.8, 0.6, 0.7], 0.5
    y = [math.log(v / (1 - v)) for v in values]
    m, variance = sum(y) / len(y), tau**2 / len(y)

    got = consensus(_one_place(values), tau=tau)
    (judgment,) = got.places.values()
    assert list(got.places) == ["lik/e1/a"]
    assert judgment.mean == pytest.approx(1 / (1 + math.exp(-m)), abs=1e-12)
    assert special.polygamma(1, judgment.a) + special.polygamma(1, judgment.b) == pytest.approx(
        variance, rel=1e-9
    )
    dist = stats.beta(judgment.a, judgment.b)
    logit = lambda x: math.log(x / (1 - x))  # noqa: E731
    first = integrate.quad(lambda x: logit(x) * dist.pdf(x), 0, 1, epsabs=1e-12)[0]
    second = integrate.quad(lambda x: logit(x) ** 2 * dist.pdf(x), 0, 1, epsabs=1e-12)[0]
    assert second - first**2 == pytest.approx(variance, rel=1e-6)
    # The team's case is the first analyst's with that one judgment at its consensus.
    assert got.case.evidence[0].likelihoods[0] == judgment


def test_trigamma_matches_scipy() -> None:
    from scipy import special

    from hypotheses.analysis.consensus import trigamma

    for x in (1e-3, 0.1, 0.5, 1.0, 2.5, 9.99, 10.0, 13.3, 40.0, 1e4):
        assert trigamma(x) == pytest.approx(float(special.polygamma(1, x)), rel=1e-10)


def _three_priors(priors: list[tuple[float, float, float]], names: str = "ABC") -> list:
    """The leaked-memo question with single point priors, one case per analyst."""
    out = []
    for name, (i, c, a) in zip(names, priors, strict=True):
        document = load_yaml(EXAMPLES / "leaked-memo.yaml")
        for h in document["hypotheses"]:
            h["prior"] = {"insider": i, "contractor": c, "accident": a}[h["id"]]
        out.append(make_case(document, f"{name}.yaml"))
    return out


def load_yaml(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_a_prior_every_analyst_states_passes_through_the_consensus() -> None:
    """Three analysts give accident 0.2 and dispute the rest (0.5/0.3, 0.6/0.2, 0.7/0.1): the
    consensus prior is the mean of the shares, (0.6, 0.2, 0.2), by hand, which is B's prior,
    so the team's answer is B's. (Pooling shares one by one on the log scale gave accident
    0.2 / 1.043 = 0.192 and P(accident | E) 0.0791 for B's 0.0836.)"""
    cases = _three_priors([(0.5, 0.3, 0.2), (0.6, 0.2, 0.2), (0.7, 0.1, 0.2)])
    result = pool(cases, consensus=True, cruxes=False)
    assert result.consensus_prior == pytest.approx(
        {"insider": 0.6, "contractor": 0.2, "accident": 0.2}, abs=1e-12
    )
    assert result.consensus is not None
    ben = result.analysts[1].card.hypotheses
    for k, h in enumerate(result.ids):
        assert result.consensus[h].mean == pytest.approx(ben[k].posterior.mean, abs=1e-12)
    document = json.loads(json.dumps(result.to_dict()))
    assert document["consensus_prior"]["accident"] == pytest.approx(0.2, abs=1e-12)
    assert sum(document["consensus_prior"].values()) == pytest.approx(1.0)


def test_agreeing_analysts_have_no_disputed_place_and_their_own_answer() -> None:
    from hypotheses.analysis.consensus import consensus

    cases = _one_place([0.8, 0.8])
    assert consensus(cases).places == {}
    result = pool(cases, consensus=True, cruxes=False)
    assert result.consensus is not None
    assert result.consensus["a"].mean == pytest.approx(p_a((0.8, 0.2), (0.5, 0.5)), abs=1e-12)


def test_pool_with_the_consensus_model_in_json() -> None:
    files = [str(p) for p in sorted(TEAM.glob("*.yaml"))]
    result = runner.invoke(app, ["pool", *files, "--consensus", "-f", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    consensus = document["pooled"]["consensus"]
    assert sum(v["mean"] for v in consensus.values()) == pytest.approx(1.0)
    assert set(document["consensus_places"]) == {
        "prior/accident/base_rate",
        "reliability/informant",
        "lik/access_logs_quiet/contractor",
    }
    assert document["disagreement"] > 0


@pytest.mark.slow
def test_consensus_agrees_with_the_pymc_model_within_monte_carlo_error() -> None:
    """The grid over tau (mu integrated out) against NUTS on the same hierarchical model."""
    import pymc as pm
    from scipy import special

    from hypotheses.analysis.consensus import consensus, consensus_model

    cases = [load_case(p) for p in sorted(TEAM.glob("*.yaml"))]
    exact = consensus(cases)
    with consensus_model(cases):
        idata = pm.sample(
            2000, tune=1000, chains=2, cores=1, random_seed=3, progressbar=False, target_accept=0.95
        )
    assert int(idata.sample_stats["diverging"].sum()) == 0
    mu = idata.posterior["consensus"].stack(sample=("chain", "draw")).values  # (places, draws)
    ess = 1000.0  # conservative: NUTS on this model gives more (checked by R-hat below)
    import arviz as az

    assert float(az.rhat(idata)["consensus"].max()) < 1.01
    for k, judgment in enumerate(exact.places.values()):
        # The consensus is logistic(E[mu]) (log for a ratio), its logit spread Var[mu].
        centre = math.log(judgment.mean / (1 - judgment.mean))
        error = mu[k].std() / math.sqrt(ess)
        assert mu[k].mean() == pytest.approx(centre, abs=4 * error)
        spread = float(special.polygamma(1, judgment.a) + special.polygamma(1, judgment.b))
        assert mu[k].var() == pytest.approx(spread, rel=0.15)
    tau = idata.posterior["disagreement"].values.ravel()
    assert tau.mean() == pytest.approx(exact.disagreement, abs=4 * tau.std() / math.sqrt(ess))


def _weights_case(priors: tuple[float, float, float], ratios: tuple[float, float, float]) -> dict:
    return {
        "schema": 1,
        "title": "weights",
        "hypotheses": [{"id": h, "label": h.upper(), "prior": p} for h, p in zip("abc", priors, strict=True)],
        "evidence": [
            {"id": "e", "label": "E", "likelihoods": {"a": 0.3, "b": 0.6, "c": 0.5}},
            {"id": "r", "label": "R", "ratios": dict(zip("abc", ratios, strict=True))},
        ],
    }


def test_relative_judgments_are_compared_as_shares() -> None:
    """200:40:3 and 0.8:0.16:0.012, ratios 3:1:1 and 6:2:2: one analysis, written twice."""
    first = make_case(_weights_case((200, 40, 3), (3, 1, 1)), "A.yaml")
    second = make_case(_weights_case((0.8, 0.16, 0.012), (6, 2, 2)), "B.yaml")
    assert find_cruxes([first, second]) == ()
    assert diff(first, second).changes == ()
    result = pool([first, second], consensus=True)
    assert result.consensus is not None and result.consensus_places == {}
    assert result.consensus["a"].mean == pytest.approx(
        result.analysts[0].card.hypotheses[0].posterior.mean, abs=1e-12
    )
    # A different share is a crux, and adopting it keeps the adopter's own total.
    third = make_case(_weights_case((100, 40, 3), (3, 1, 1)), "C.yaml")
    crux = next(c for c in find_cruxes([first, third]) if c.place == "prior/a")
    assert crux.values["A.yaml"] == "200 (82.3% of the total)"

    def p_a(weights: tuple[float, float, float]) -> float:
        joint = [w * e * r for w, e, r in zip(weights, (0.3, 0.6, 0.5), (3, 1, 1), strict=True)]
        return joint[0] / sum(joint)

    c_takes_a = abs(p_a((200 / 243 * 143, 40, 3)) - p_a((100, 40, 3)))  # A's share, C's total
    a_takes_c = abs(p_a((100 / 143 * 243, 40, 3)) - p_a((200, 40, 3)))
    assert crux.swing == pytest.approx(max(c_takes_a, a_takes_c), abs=1e-12)


def test_a_judgment_is_a_crux_between_the_analysts_whose_item_stands_alike() -> None:
    """A and B both looked for y and did not find it; C observed it. A and B's disagreement on
    lik/y/b is still a crux between them."""

    def case(observed: bool, lik_b: float) -> dict:
        document = two_item_case((0.8, 0.2), (0.5, 0.5))
        document["evidence"].append(
            {"id": "y", "label": "Y", "observed": observed, "likelihoods": {"a": 0.7, "b": lik_b}}
        )
        return document

    cases = [
        make_case(case(False, 0.2), "A.yaml"),
        make_case(case(False, 0.4), "B.yaml"),
        make_case(case(True, 0.2), "C.yaml"),
    ]
    places = {c.place for c in find_cruxes(cases)}
    assert "lik/y/b" in places and "evidence/y" in places


def test_an_edit_that_rules_out_every_hypothesis_has_no_alone_effect() -> None:
    old = two_item_case((0.8, 0.2), (0.5, 0.5))
    old["evidence"].append({"id": "z", "label": "Z", "likelihoods": {"a": 0.0, "b": 0.5}})
    new = copy.deepcopy(old)
    new["evidence"][0]["likelihoods"]["b"] = 0.0  # with z, no hypothesis survives this alone
    new["evidence"][2]["likelihoods"]["a"] = 0.5
    result = diff(make_case(old, "old.yaml"), make_case(new, "new.yaml"))
    alone = {c.place: c.alone for c in result.changes}
    assert alone["lik/e1/b"] is None and alone["lik/z/a"] is not None
    assert all(v is None or all(math.isfinite(x) for x in v.values()) for v in alone.values())


# ---- the consensus keeps what all agree on, and stays within the analysts' range -------------

_UNIT = st.floats(0.02, 0.98).map(lambda x: round(x, 3))
_JUDGMENT = st.one_of(
    _UNIT,
    st.tuples(st.floats(0.5, 40), st.floats(0.5, 40)).map(
        lambda ab: {"beta": [round(ab[0], 2), round(ab[1], 2)]}
    ),
)


@st.composite
def _analyst_sets(draw: Any) -> list[dict]:
    """2-4 analysts of one question (hypotheses a, b, c): point priors (a composition), an
    item's likelihoods (points or Betas), an item's point ratios; each judgment either stated
    alike by every analyst or drawn for each."""
    n = draw(st.integers(2, 4))

    def column(strategy: Any) -> list[Any]:
        return [draw(strategy)] * n if draw(st.booleans()) else [draw(strategy) for _ in range(n)]

    priors = {h: column(st.floats(0.05, 5).map(lambda x: round(x, 3))) for h in "abc"}
    liks = {h: column(_JUDGMENT) for h in "abc"}
    ratios = {h: column(st.floats(0.2, 8).map(lambda x: round(x, 2))) for h in "abc"}
    return [
        {
            "schema": 1,
            "title": "t",
            "hypotheses": [{"id": h, "label": h, "prior": priors[h][i]} for h in "abc"],
            "evidence": [
                {"id": "e", "label": "E", "likelihoods": {h: liks[h][i] for h in "abc"}},
                {"id": "r", "label": "R", "ratios": {h: ratios[h][i] for h in "abc"}},
            ],
        }
        for i in range(n)
    ]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_analyst_sets())
def test_consensus_keeps_agreed_judgments_and_stays_within_the_analysts_range(documents: list[dict]) -> None:
    from hypotheses.analysis.consensus import consensus
    from hypotheses.analysis.edits import relative_places

    cases = [make_case(d, f"{k}.yaml") for k, d in enumerate(documents)]
    stated = [relative_places(c)[0] for c in cases]  # shares for the compositions
    team = relative_places(consensus(cases).case)[0]
    for place, judgment in team.items():
        means = [s[place].mean for s in stated]
        if len({_key_of(s[place]) for s in stated}) == 1:  # every analyst states it alike
            assert _key_of(judgment) == _key_of(stated[0][place]) or judgment.mean == pytest.approx(
                stated[0][place].mean, rel=1e-12
            ), place
        assert min(means) * (1 - 1e-9) <= judgment.mean <= max(means) * (1 + 1e-9), place
    # The normalised prior: what every analyst agrees on passes through; the rest stays in range.
    for h in "abc":
        shares = [s[f"prior/{h}"].mean for s in stated]
        if max(shares) - min(shares) < 1e-12:
            assert team[f"prior/{h}"].mean == pytest.approx(shares[0], rel=1e-12)


def _key_of(judgment: Any) -> tuple[object, ...]:
    from hypotheses.analysis.team import _key

    return _key(judgment)


def test_log_pool_mean_is_the_mean_of_the_distribution_its_interval_comes_from() -> None:
    """A is all points (every draw is A's exact answer); B has an uncertain likelihood. The log
    pool's draws are then normalise(P_A^(1/2) P_B,k^(1/2)) whatever order B's draws come in: the
    pool's mean is their mean, by hand from B's own draws, not the pool of the two means."""
    a = make_case(two_item_case((0.8, 0.2), (0.5, 0.5)), "A.yaml")
    document = two_item_case((0.8, 0.2), (0.5, 0.5))
    document["evidence"][1]["likelihoods"] = {"a": {"beta": [0.5, 0.5]}, "b": {"beta": [0.5, 0.5]}}
    b = make_case(document, "B.yaml")
    result = pool([a, b], draws=4000, cruxes=False)
    p_a_exact = np.array([0.8, 0.2])
    draws_b = score(b, draws=4000, keep_draws=True, explain=False).engine_result.posterior_draws
    joint = np.sqrt(p_a_exact[None, :] * draws_b)
    by_hand = (joint / joint.sum(axis=1, keepdims=True)).mean(axis=0)
    assert result.log is not None
    assert result.log["a"].mean == pytest.approx(by_hand[0], rel=1e-9)
    mean_b = result.analysts[1].card.hypotheses[0].posterior.mean
    of_means = math.sqrt(0.8 * mean_b) / (math.sqrt(0.8 * mean_b) + math.sqrt(0.2 * (1 - mean_b)))
    assert abs(of_means - by_hand[0]) > 1e-4  # the two definitions differ here: the test can tell


# ---- diff: text changes, and relative groups as one change --------------------------------


def _texts_case() -> dict:
    document = copy.deepcopy(OLD)
    document["question"] = "Which one?"
    document["notes"] = "first notes"
    document["as_of"] = "2026-01-10"
    document["resolution"] = {"hypothesis": "a", "date": "2026-02-01"}
    document["groups"] = {"ab": {"label": "A or B", "members": ["a", "b"]}}
    document["assumptions"] = {"fair": {"label": "The desk is fair", "if_wrong": {"reliability/desk": "D"}}}
    document["evidence"][0] |= {
        "quote": "We saw a Buk.",
        "document": "https://example.org/report",
        "page": 4,
        "accessed": "2026-01-05",
        "date": "2026-01-04",
    }
    document["evidence"][0]["label"] = "a Buk was seen"
    return document


def test_diff_lists_text_changes_as_changing_no_number() -> None:
    old = _texts_case()
    new = copy.deepcopy(old)
    new["title"] = "versions, second"
    new["question"] = "Which one, really?"
    new["notes"] = "second notes"
    new["resolution"]["notes"] = "confirmed"
    new["groups"]["ab"]["label"] = "A or B (inside)"
    new["assumptions"]["fair"]["label"] = "The desk reports fairly"
    new["hypotheses"][0]["label"] = "A, restated"
    new["sources"]["desk"]["label"] = "the desk"
    new["evidence"][0] |= {
        "label": "a tank was seen",
        "quote": "We saw a tank.",
        "document": "https://example.org/report-2",
        "page": "4-5",
        "accessed": "2026-01-06",
    }
    result = diff(make_case(old, "old.yaml"), make_case(new, "new.yaml"))
    got = {c.place: (c.before, c.after) for c in result.changes}
    assert got == {
        "title": ("versions", "versions, second"),
        "question": ("Which one?", "Which one, really?"),
        "notes": ("first notes", "second notes"),
        "resolution/notes": (None, "confirmed"),
        "hypothesis/a/label": ("A", "A, restated"),
        "source/desk/label": ("desk", "the desk"),
        "evidence/e1/label": ("a Buk was seen", "a tank was seen"),
        "evidence/e1/quote": ("We saw a Buk.", "We saw a tank."),
        "evidence/e1/document": ("https://example.org/report", "https://example.org/report-2"),
        "evidence/e1/page": ("4", "4-5"),
        "evidence/e1/accessed": ("2026-01-05", "2026-01-06"),
        "group/ab/label": ("A or B", "A or B (inside)"),
        "assumption/fair/label": ("The desk is fair", "The desk reports fairly"),
    }
    assert all(c.text and c.alone is None for c in result.changes)
    assert result.before == result.after
    # The JSON marks them; the table says so instead of a number.
    document = result.to_dict()
    assert all(c["text"] is True and c["alone"] is None for c in document["changes"])  # type: ignore[index]
    from hypotheses.output.team_report import diff_headline, diff_rows

    _, rows = diff_rows(result)
    assert all(row[3:] == ["text"] * 3 for row in rows)
    assert "13 changes (13 of text, which changes no number)" in diff_headline(result)


def test_diff_text_of_as_of_resolution_and_a_number_together(tmp_path: Path) -> None:
    """A moved cut-off, a new resolution and a likelihood: two text rows and two rows of the
    model (the cut-off decides which items count: here it moves none, so its effect is 0)."""
    old = _texts_case()
    new = copy.deepcopy(old)
    new["as_of"] = "2026-01-11"  # no item dated between: it moves nothing
    new["resolution"] = {"hypothesis": "b", "date": "2026-02-02"}
    new["evidence"][0]["likelihoods"]["b"] = 0.6
    a, b = _write(tmp_path, "old.yaml", old), _write(tmp_path, "new.yaml", new)
    out = runner.invoke(app, ["diff", str(a), str(b), "-f", "json"])
    assert out.exit_code == 0, out.output
    changes = {c["place"]: c for c in json.loads(out.stdout)["changes"]}
    assert set(changes) == {"as_of", "resolution/hypothesis", "resolution/date", "lik/e1/b"}
    assert changes["as_of"]["before"] == "2026-01-10" and changes["as_of"]["text"] is False
    moved = changes["as_of"]["alone"]
    assert moved == pytest.approx(dict.fromkeys(moved, 0.0), abs=1e-12)
    assert changes["resolution/hypothesis"] == {
        "place": "resolution/hypothesis",
        "before": "a",
        "after": "b",
        "alone": None,
        "text": True,
    }
    assert changes["lik/e1/b"]["text"] is False and changes["lik/e1/b"]["alone"]["a"] < 0


def test_one_ratio_change_is_one_row_whose_effect_is_the_hand_computed_one() -> None:
    """Ratios 3:1:1 -> 4:1:1 change every share but are one judgment changed; with equal priors
    and E's likelihoods (0.3, 0.6, 0.5), P(a | E, R) = 0.3 r_a / sum_h L_h r_h by hand."""
    old_document = _weights_case((1, 1, 1), (3, 1, 1))
    new_document = _weights_case((1, 1, 1), (4, 1, 1))
    result = diff(make_case(old_document, "old.yaml"), make_case(new_document, "new.yaml"))
    (change,) = result.changes
    assert (change.place, change.before, change.after, change.text) == ("lik/r", "3:1:1", "4:1:1", False)

    def posterior(r: tuple[float, float, float]) -> list[float]:
        joint = [e * x for e, x in zip((0.3, 0.6, 0.5), r, strict=True)]
        return [j / sum(joint) for j in joint]

    expected = [x - y for x, y in zip(posterior((4, 1, 1)), posterior((3, 1, 1)), strict=True)]
    assert change.alone == pytest.approx(dict(zip("abc", expected, strict=True)), abs=1e-12)


def test_one_point_prior_change_is_one_row() -> None:
    """Priors 2:1:1 -> 2:1:2: every share moves; one change, its effect by hand."""
    result = diff(
        make_case(_weights_case((2, 1, 1), (1, 1, 1)), "old.yaml"),
        make_case(_weights_case((2, 1, 2), (1, 1, 1)), "new.yaml"),
    )
    (change,) = result.changes
    assert (change.place, change.before, change.after) == ("prior/*", "2:1:1", "2:1:2")

    def posterior(w: tuple[float, float, float]) -> float:
        joint = [p * e for p, e in zip(w, (0.3, 0.6, 0.5), strict=True)]
        return joint[2] / sum(joint)

    assert change.alone is not None
    assert change.alone["c"] == pytest.approx(posterior((2, 1, 2)) - posterior((2, 1, 1)), abs=1e-12)
