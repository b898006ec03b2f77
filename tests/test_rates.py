"""How evidence really fails (docs/model.md section 2): an item's own hit and false-alarm rates
(Schum), a deceptive source, and model error, against hand computation, a textbook answer,
pgmpy's exact inference and an independent brute force, in both engines."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pytest

from hypotheses import score
from hypotheses.model import numpy_engine
from tests.brute_force import brute_force, weighted_quantile
from tests.helpers import make_case

ALARM_NONE = 0.29 * 0.002 + 0.001 * 0.998  # P(alarm | no burglary), the earthquake summed out
ALARM_BURGLARY = 0.95 * 0.002 + 0.94 * 0.998


def _alarm(reports: list[dict[str, Any]], model_error: object = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "schema": 1,
        "title": "alarm",
        "hypotheses": [
            {"id": "burglary", "label": "a burglary", "prior": 0.001},
            {"id": "none", "label": "no burglary", "prior": 0.999},
        ],
        "events": {
            "alarm": {
                "label": "the alarm rang",
                "likelihoods": {"burglary": ALARM_BURGLARY, "none": ALARM_NONE},
            }
        },
        "evidence": reports,
    }
    if model_error is not None:
        document["model_error"] = model_error
    return document


CALLS = [
    {"id": "john", "label": "John calls", "reports": "alarm", "hit": 0.9, "false_alarm": 0.05},
    {"id": "mary", "label": "Mary calls", "reports": "alarm", "hit": 0.7, "false_alarm": 0.01},
]


def _p(document: dict[str, Any], **options: Any) -> np.ndarray:
    card = score(make_case(document), explain=False, **options)
    return np.array([h.posterior.mean for h in card.hypotheses])


def test_the_burglary_alarm_with_two_callers_gives_the_textbook_answer() -> None:
    """Russell and Norvig's network: P(burglary | John and Mary call) = 0.284, by hand below;
    the calls counted as two independent items would give 0.496."""
    p = _p(_alarm(CALLS))
    a_b, a_n = ALARM_BURGLARY, ALARM_NONE
    joint_b = 0.001 * (a_b * 0.9 * 0.7 + (1 - a_b) * 0.05 * 0.01)
    joint_n = 0.999 * (a_n * 0.9 * 0.7 + (1 - a_n) * 0.05 * 0.01)
    assert p[0] == pytest.approx(joint_b / (joint_b + joint_n), rel=1e-12)
    assert round(p[0], 3) == 0.284
    alarm = {"burglary": a_b, "none": a_n}
    apart = [
        {
            "id": c["id"],
            "label": c["label"],
            "likelihoods": alarm,
            "hit": c["hit"],
            "false_alarm": c["false_alarm"],
        }
        for c in CALLS
    ]
    assert round(_p(_alarm(apart))[0], 3) == 0.496


def test_a_deceptive_source_counts_against_what_it_says() -> None:
    """false_alarm > hit (a planted report): P(E* | h) = hit theta_h + false_alarm (1 - theta_h)
    (Schum's closed form) lowers the hypothesis the item would support when it is genuine."""
    item = {"id": "leak", "label": "a leaked memo", "likelihoods": {"burglary": 0.9, "none": 0.1}}
    genuine = _p(_alarm([{**item, "hit": 0.8, "false_alarm": 0.1}]))
    planted = _p(_alarm([{**item, "hit": 0.2, "false_alarm": 0.6}]))
    lam = np.array([0.2 * 0.9 + 0.6 * 0.1, 0.2 * 0.1 + 0.6 * 0.9])
    expected = np.array([0.001, 0.999]) * lam
    assert planted == pytest.approx(expected / expected.sum(), rel=1e-12)
    assert genuine[0] > 0.001 > planted[0]


def test_an_item_looked_for_and_not_found_uses_the_complementary_rates() -> None:
    """Not reported: P(not E* | h) = 1 - hit theta_h - false_alarm (1 - theta_h)."""
    item = {
        "id": "x",
        "label": "x",
        "likelihoods": {"burglary": 0.9, "none": 0.1},
        "hit": 0.8,
        "false_alarm": 0.1,
    }
    p = _p(_alarm([{**item, "observed": False}]))
    lam = np.array([1 - (0.8 * 0.9 + 0.1 * 0.1), 1 - (0.8 * 0.1 + 0.1 * 0.9)])
    expected = np.array([0.001, 0.999]) * lam
    assert p == pytest.approx(expected / expected.sum(), rel=1e-12)


def test_model_error_caps_what_one_item_can_say() -> None:
    """With model error m every chain gains 1 - m: a certain item (theta = 1 vs 0, credibility 1)
    becomes lambda = (1 - m) theta + m b, a ratio of (1 - m/2) / (m/2) ~ 2/m, not infinity; a rated
    item's rates mix with its expected rate q = hit b + false_alarm (1 - b)."""
    certain = {"id": "x", "label": "x", "likelihoods": {"burglary": 1.0, "none": 0.0}}
    p = _p(_alarm([certain], model_error=0.01))
    lam = np.array([0.99 + 0.01 * 0.5, 0.01 * 0.5])
    expected = np.array([0.001, 0.999]) * lam
    assert p == pytest.approx(expected / expected.sum(), rel=1e-12)
    rated = {**certain, "likelihoods": {"burglary": 0.9, "none": 0.1}, "hit": 0.9, "false_alarm": 0.05}
    q = 0.9 * 0.5 + 0.05 * 0.5
    hit, false = 0.98 * 0.9 + 0.02 * q, 0.98 * 0.05 + 0.02 * q
    lam = np.array([0.9 * hit + 0.1 * false, 0.1 * hit + 0.9 * false])
    expected = np.array([0.001, 0.999]) * lam
    assert _p(_alarm([rated], model_error="2%")) == pytest.approx(expected / expected.sum(), rel=1e-12)


# -- pgmpy: h -> alarm -> calls, each call a CPD of its own rates -------------------------------

pgmpy_models = pytest.importorskip("pgmpy.models")
from pgmpy.factors.discrete import TabularCPD  # noqa: E402
from pgmpy.inference import VariableElimination  # noqa: E402

logging.getLogger("pgmpy").setLevel(logging.ERROR)


@pytest.mark.parametrize("seed", range(8))
def test_rated_reports_and_items_agree_with_pgmpy(seed: int) -> None:
    """Random rates (deceptive ones included) on an event's reports and on standalone items,
    against variable elimination on the equivalent network."""
    rng = np.random.default_rng(seed)
    prior = rng.dirichlet(np.ones(3))
    event = rng.uniform(0.02, 0.98, 3)
    ids = ["a", "b", "c"]
    reports = [
        {
            "id": f"r{k}",
            "label": "r",
            "reports": "g",
            "hit": round(float(h), 3),
            "false_alarm": round(float(f), 3),
        }
        for k, (h, f) in enumerate(rng.uniform(0.01, 0.99, (int(rng.integers(1, 4)), 2)))
    ]
    items = []
    for k in range(int(rng.integers(1, 3))):
        theta = rng.uniform(0.02, 0.98, 3).round(3)
        h, f = rng.uniform(0.01, 0.99, 2).round(3)
        items.append(
            {"id": f"e{k}", "label": "e", "likelihoods": dict(zip(ids, theta.tolist(), strict=True)),
             "hit": float(h), "false_alarm": float(f)}
        )  # fmt: skip
    document = {
        "schema": 1,
        "title": "pgmpy",
        "hypotheses": [
            {"id": h, "label": h, "prior": round(float(p), 6)} for h, p in zip(ids, prior, strict=True)
        ],
        "events": {"g": {"label": "g", "likelihoods": dict(zip(ids, event.round(4).tolist(), strict=True))}},
        "evidence": reports + items,
    }
    case = make_case(document)
    ours = numpy_engine.posterior_mean(case)

    model = pgmpy_models.DiscreteBayesianNetwork(
        [("H", "G")] + [("G", r["id"]) for r in reports] + [("H", i["id"]) for i in items]
    )
    weights = np.array([float(f"{p:.6g}") for p in (round(float(p), 6) for p in prior)])
    cpds = [TabularCPD("H", 3, (weights / weights.sum())[:, None].tolist())]
    g = np.array([case.events[0].likelihoods[k].mean for k in range(3)])
    cpds.append(TabularCPD("G", 2, [(1 - g).tolist(), g.tolist()], evidence=["H"], evidence_card=[3]))
    for r in reports:
        h, f = r["hit"], r["false_alarm"]
        cpds.append(TabularCPD(r["id"], 2, [[1 - f, 1 - h], [f, h]], evidence=["G"], evidence_card=[2]))
    for item in items:
        theta = np.array([item["likelihoods"][k] for k in ids])
        seen = item["hit"] * theta + item["false_alarm"] * (1 - theta)
        cpds.append(
            TabularCPD(item["id"], 2, [(1 - seen).tolist(), seen.tolist()], evidence=["H"], evidence_card=[3])
        )
    model.add_cpds(*cpds)
    observed = {r["id"]: 1 for r in reports} | {i["id"]: 1 for i in items}
    exact = VariableElimination(model).query(["H"], evidence=observed, show_progress=False).values
    assert ours == pytest.approx(exact, rel=1e-9, abs=1e-12)


# -- uncertain rates and model error: the interval draws against an independent brute force --


def _vague(memo: tuple[object, object], priors: tuple[float, float], *more: dict[str, Any]) -> dict[str, Any]:
    """The alarm with uncertain rates on both calls and on a memo (its hit and false-alarm
    rates `memo`), any `more` items, an uncertain model error and the priors `priors`."""
    hit, false_alarm = memo
    document = _alarm(
        [
            {**CALLS[0], "hit": [0.7, 0.95], "false_alarm": [0.02, 0.1]},
            {**CALLS[1], "hit": "likely", "false_alarm": [0.005, 0.05]},
            {
                "id": "memo",
                "label": "memo",
                "likelihoods": {"burglary": "likely", "none": [0.1, 0.3]},
                "hit": hit,
                "false_alarm": false_alarm,
            },
            *more,
        ],
        model_error=[0.01, 0.1],
    )
    for hypothesis, prior in zip(document["hypotheses"], priors, strict=True):
        hypothesis["prior"] = prior
    return document


def test_uncertain_rates_and_model_error_match_brute_force() -> None:
    """Beta rates on an item and on an event's reports, an uncertain model error tying every
    item together: the posterior mean and the 90% interval of the numpy engine against
    importance sampling from the joint prior, written from the equations (tests/brute_force.py)."""
    document = _vague(([0.3, 0.6], [0.2, 0.5]), (0.05, 0.95))
    case = make_case(document)
    result = numpy_engine.run(case, draws=20_000, seed=3)
    mean, draws, weights = brute_force(case, 1_000_000)
    se = np.sqrt((weights[:, None] ** 2 * (draws - mean) ** 2).sum(axis=0))
    assert np.all(np.abs(result.posterior_mean - mean) < 5 * se + 1e-9)
    lo, hi = (weighted_quantile(draws[:, 0], weights, q) for q in (0.05, 0.95))
    ours_lo, ours_hi = np.quantile(result.posterior_draws[:, 0], [0.05, 0.95])
    assert ours_lo == pytest.approx(lo, abs=0.01) and ours_hi == pytest.approx(hi, abs=0.01)
    assert not math.isnan(result.ess)


@pytest.mark.slow
def test_the_pymc_model_gives_the_textbook_alarm_exactly() -> None:
    """Point rates and a point model error: the PyMC model has nothing to sample and its
    p_hypothesis equals the numpy engine's exact answer."""
    import pytensor

    from hypotheses.model.pymc_model import build_model

    for document in (_alarm(CALLS), _alarm(CALLS, model_error=0.01)):
        case = make_case(document)
        model = build_model(case)
        assert model.free_RVs == []
        p = pytensor.function([], model["p_hypothesis"])()
        assert p == pytest.approx(numpy_engine.posterior_mean(case), rel=1e-10)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_both_engines_agree_on_a_vague_case_with_rates_and_model_error(seed: int) -> None:
    """Uncertain rates (one deceptive), credibility items, an event, a shared source and an
    uncertain model error: PyMC's NUTS and the numpy engine within Monte Carlo error, and
    their 90% intervals overlap."""
    import arviz as az

    from hypotheses.model import pymc_engine

    tip = {
        "id": "tip",
        "label": "tip",
        "likelihoods": {"burglary": [0.4, 0.8], "none": "unlikely"},
        "source": "neighbour",
        "credibility": "likely",
    }
    document = _vague(([0.2, 0.4], [0.4, 0.7]), (0.2, 0.8), tip)
    document["sources"] = {"neighbour": {"label": "neighbour", "reliability": "C"}}
    case = make_case(document)
    result = pymc_engine.run(case, draws=4_000, tune=1_000, seed=seed, sampler="pymc")
    mcse = az.mcse(result.inference_data, var_names=["p_hypothesis"])["p_hypothesis"].values
    numpy_runs = np.array([numpy_engine.run(case, draws=20_000, seed=s).posterior_mean for s in range(3)])
    tolerance = 4 * np.sqrt(mcse**2 + numpy_runs.std(axis=0, ddof=1) ** 2) + 1e-9
    assert np.all(np.abs(result.posterior_mean - numpy_runs[0]) < tolerance)
    lo_p, hi_p = np.quantile(result.posterior_draws, [0.05, 0.95], axis=0)
    lo_n, hi_n = np.quantile(
        numpy_engine.run(case, draws=20_000, seed=0).posterior_draws, [0.05, 0.95], axis=0
    )
    assert np.all((lo_p <= hi_n) & (lo_n <= hi_p))


def test_a_rate_or_model_error_edited_like_any_judgment() -> None:
    """`pool`'s cruxes and `diff` edit judgments by place: hit/, false_alarm/ and model_error
    (an absent item's rates as judged, not as stored)."""
    from hypotheses.analysis.edits import judged_places, with_judgment
    from priors import Point

    absent = {"id": "x", "label": "x", "likelihoods": {"burglary": 0.9, "none": 0.1}, "hit": 0.8,
              "false_alarm": 0.1, "observed": False}  # fmt: skip
    case = make_case(_alarm([*CALLS, absent], model_error=0.02))
    places = judged_places(case)
    assert (places["hit/x"].mean, places["false_alarm/x"].mean) == pytest.approx((0.8, 0.1))
    assert places["model_error"].mean == 0.02
    edited = with_judgment(with_judgment(case, "hit/john", Point(0.5)), "model_error", Point(0.0))
    again = make_case(_alarm([{**CALLS[0], "hit": 0.5}, CALLS[1], absent], model_error=0.0))
    assert numpy_engine.posterior_mean(edited) == pytest.approx(numpy_engine.posterior_mean(again), rel=1e-12)
    edited = with_judgment(case, "hit/x", Point(0.6))
    again = make_case(_alarm([*CALLS, {**absent, "hit": 0.6}], model_error=0.02))
    assert numpy_engine.posterior_mean(edited) == pytest.approx(numpy_engine.posterior_mean(again), rel=1e-12)
