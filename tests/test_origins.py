"""Possible common origins (docs/model.md section 2, DESIGN section 9): the mixture
s Lambda(origin) + (1 - s) prod lambda, checked against plain items (s = 0), the event (s = 1),
hand computation (s = 0.5), pgmpy's exact inference on the equivalent network, and an
independent importance sampler on a vague case; then what the outputs show of it."""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypotheses import score
from hypotheses.model import numpy_engine
from tests.brute_force import brute_force, weighted_quantile
from tests.helpers import make_case

HYPS = [{"id": "a", "label": "A", "prior": 0.4}, {"id": "b", "label": "B", "prior": 0.6}]
X = {"id": "x", "label": "X", "likelihoods": {"a": 0.8, "b": 0.3}, "credibility": 0.9}
Y = {"id": "y", "label": "Y", "likelihoods": {"a": 0.6, "b": 0.2}, "credibility": 0.8, "source": "wire"}
Z = {"id": "z", "label": "Z", "likelihoods": {"a": 0.7, "b": 0.4}}


def _doc(evidence: list[dict[str, Any]], **top: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "title": "origins",
        "hypotheses": HYPS,
        "sources": {"wire": {"label": "wire", "reliability": 0.7}},
        "evidence": evidence,
        **top,
    }


def _origin(shared: Any, **keys: Any) -> dict[str, Any]:
    return {"o": {"label": "one briefing", "items": ["x", "y"], "shared": shared, **keys}}


def _lam(c: float, theta: np.ndarray, b: float) -> np.ndarray:
    return c * theta + (1 - c) * b


def _hand(s: float) -> np.ndarray:
    """The mixture by hand: x (c 0.9) and y (c 0.8 x 0.7) with the origin's likelihoods x's."""
    prior = np.array([0.4, 0.6])
    theta_x, theta_y, theta_z = np.array([0.8, 0.3]), np.array([0.6, 0.2]), np.array([0.7, 0.4])
    cx, cy = 0.9, 0.8 * 0.7
    alone = _lam(cx, theta_x, 0.55) * _lam(cy, theta_y, 0.4)
    b = 0.55  # the origin's base rate
    shared = theta_x * (cx + (1 - cx) * b) * (cy + (1 - cy) * b) + (1 - theta_x) * (1 - cx) * b * (1 - cy) * b
    joint = prior * (s * shared + (1 - s) * alone) * _lam(1.0, theta_z, 0.55)
    return joint / joint.sum()


def _mean(case) -> np.ndarray:
    return numpy_engine.posterior_mean(case)


def test_shared_zero_is_plain_items_and_one_is_the_event_and_a_half_is_the_mixture() -> None:
    plain = make_case(_doc([X, Y, Z]))
    event = make_case(
        _doc(
            [
                {k: v for k, v in X.items() if k != "likelihoods"} | {"reports": "o"},
                {k: v for k, v in Y.items() if k != "likelihoods"} | {"reports": "o"},
                Z,
            ],
            events={"o": {"label": "o", "likelihoods": X["likelihoods"]}},
        )
    )
    for s, reference in ((0.0, _mean(plain)), (1.0, _mean(event)), (0.5, _hand(0.5))):
        case = make_case(_doc([X, Y, Z], origins=_origin(s)))
        assert _mean(case) == pytest.approx(reference, rel=1e-12), s
        assert _mean(case) == pytest.approx(_hand(s), rel=1e-12), s


def test_the_origins_own_likelihoods_replace_the_first_items_in_the_shared_branch() -> None:
    own = make_case(_doc([X, Y, Z], origins=_origin(1.0, likelihoods={"a": 0.9, "b": 0.1})))
    event = make_case(
        _doc(
            [
                {k: v for k, v in X.items() if k != "likelihoods"} | {"reports": "o"},
                {k: v for k, v in Y.items() if k != "likelihoods"} | {"reports": "o"},
                Z,
            ],
            events={"o": {"label": "o", "likelihoods": {"a": 0.9, "b": 0.1}}},
        )
    )
    assert _mean(own) == pytest.approx(_mean(event), rel=1e-12)


pgmpy_models = pytest.importorskip("pgmpy.models")
from pgmpy.factors.discrete import TabularCPD  # noqa: E402
from pgmpy.inference import VariableElimination  # noqa: E402

logging.getLogger("pgmpy").setLevel(logging.ERROR)


def _pgmpy(prior, own, cred, origin_theta, s) -> np.ndarray:
    """The equivalent network: S (shared or not), G (the origin's claim true) given H, and each
    report R_j given (H, S, G): if shared, Schum's hit and false alarm on G with the origin's base
    rate; if not, the item alone, c theta_jh + (1 - c) b_j given H."""
    n_hyp = prior.size
    edges = [("H", "G")]
    cpds = [
        TabularCPD("H", n_hyp, (prior / prior.sum())[:, None].tolist()),
        TabularCPD("S", 2, [[1 - s], [s]]),
        TabularCPD(
            "G", 2, [list(1 - origin_theta), list(origin_theta)], evidence=["H"], evidence_card=[n_hyp]
        ),
    ]
    b_origin = origin_theta.mean()
    for j, (row, c) in enumerate(zip(own, cred, strict=True)):
        alone = c * row + (1 - c) * row.mean()
        hit, false_alarm = c + (1 - c) * b_origin, (1 - c) * b_origin
        yes = []  # P(R_j = 1 | H, S, G), columns in pgmpy's order (H slowest, then S, then G)
        for h in range(n_hyp):
            for shared in (0, 1):
                for happened in (0, 1):
                    yes.append(alone[h] if not shared else (hit if happened else false_alarm))
        yes_arr = np.array(yes)
        node = f"R{j}"
        edges += [("H", node), ("S", node), ("G", node)]
        cpds.append(
            TabularCPD(
                node,
                2,
                [list(1 - yes_arr), list(yes_arr)],
                evidence=["H", "S", "G"],
                evidence_card=[n_hyp, 2, 2],
            )
        )
    model = pgmpy_models.DiscreteBayesianNetwork(edges)
    model.add_cpds(*cpds)
    evidence = {f"R{j}": 1 for j in range(len(own))}
    return np.asarray(VariableElimination(model).query(["H"], evidence=evidence, show_progress=False).values)


@pytest.mark.parametrize("seed", range(8))
def test_agrees_with_pgmpy_on_the_equivalent_network(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_hyp, n_items = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    ids = [f"h{k}" for k in range(n_hyp)]
    prior = rng.uniform(0.05, 1.0, n_hyp).round(4)
    own = rng.uniform(0.01, 0.99, (n_items, n_hyp)).round(4)
    cred = rng.uniform(0.0, 1.0, n_items).round(3)
    origin_theta = rng.uniform(0.01, 0.99, n_hyp).round(4)
    s = round(float(rng.uniform()), 3)
    document = {
        "schema": 1,
        "title": "random origin",
        "hypotheses": [{"id": h, "label": h, "prior": float(p)} for h, p in zip(ids, prior, strict=True)],
        "evidence": [
            {
                "id": f"e{j}",
                "label": f"e{j}",
                "likelihoods": dict(zip(ids, map(float, row), strict=True)),
                "credibility": float(c),
            }
            for j, (row, c) in enumerate(zip(own, cred, strict=True))
        ],
        "origins": {
            "o": {
                "label": "o",
                "items": [f"e{j}" for j in range(n_items)],
                "shared": s,
                "likelihoods": dict(zip(ids, map(float, origin_theta), strict=True)),
            }
        },
    }
    ours = np.array([h.posterior.mean for h in score(make_case(document)).hypotheses])
    assert ours == pytest.approx(_pgmpy(prior, own, cred, origin_theta, s), abs=1e-9)


VAGUE = _doc(
    [
        {
            "id": "x",
            "label": "X",
            "likelihoods": {"a": "likely", "b": "unlikely"},
            "credibility": "likely",
            "source": "wire",
        },
        {
            "id": "y",
            "label": "Y",
            "likelihoods": {"a": [0.5, 0.7], "b": [0.1, 0.3]},
            "credibility": 0.8,
            "source": "paper",
        },
        {
            "id": "w",
            "label": "W",
            "likelihoods": {"a": "very likely", "b": "roughly even chance"},
            "hit": 0.8,
            "false_alarm": [0.05, 0.2],
        },
        {"id": "z", "label": "Z", "likelihoods": {"a": 0.7, "b": 0.4}, "source": "paper"},
    ],
    origins={"o": {"label": "one briefing", "items": ["x", "y", "w"], "shared": [0.3, 0.7]}},
    model_error="2%",
) | {"sources": {"wire": {"label": "wire", "reliability": "C"}, "paper": {"label": "p", "reliability": "B"}}}


def test_a_vague_origin_agrees_with_an_independent_sampler_mean_and_interval() -> None:
    case = make_case(VAGUE)
    result = numpy_engine.run(case, seed=3)
    mean, per_draw, weights = brute_force(case, 400_000)
    assert result.posterior_mean == pytest.approx(mean, abs=3e-3)
    lo, hi = np.quantile(result.posterior_draws[:, 0], [0.05, 0.95])
    assert lo == pytest.approx(weighted_quantile(per_draw[:, 0], weights, 0.05), abs=0.01)
    assert hi == pytest.approx(weighted_quantile(per_draw[:, 0], weights, 0.95), abs=0.01)


def test_leaving_out_the_origin_or_one_of_its_items_marginalises_it() -> None:
    """Without the whole origin: the case without its items. Without one item: the mixture over
    the rest (the other item alone at s, or the origin's event with one report)."""
    case = make_case(_doc([X, Y, Z], origins=_origin(0.5)))
    result = numpy_engine.run(case, with_leave_one_out=True)
    assert result.event_leave_one_out is not None
    assert result.event_leave_one_out[0] == pytest.approx(_mean(make_case(_doc([Z]))), rel=1e-12)
    prior, theta_x, theta_y = np.array([0.4, 0.6]), np.array([0.8, 0.3]), np.array([0.6, 0.2])
    cy, b = 0.56, 0.55
    y_shared = theta_x * (cy + (1 - cy) * b) + (1 - theta_x) * (1 - cy) * b
    joint = prior * (0.5 * y_shared + 0.5 * _lam(cy, theta_y, 0.4)) * _lam(1.0, np.array([0.7, 0.4]), 0.55)
    x_index = [it.id for it in case.evidence].index("x")
    assert result.leave_one_out[x_index] == pytest.approx(joint / joint.sum(), rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.floats(0.05, 0.95), min_size=6, max_size=6),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
)
def test_an_origin_lies_between_its_event_and_its_items_counted_alone(
    thetas: list[float], s: float, c1: float, c2: float
) -> None:
    """Linear in s: the posterior of a possible origin lies between s = 0 and s = 1 (weakly),
    and an origin whose items all say nothing (equal likelihoods) changes nothing."""
    x = {"id": "x", "label": "x", "likelihoods": {"a": thetas[0], "b": thetas[1]}, "credibility": c1}
    y = {"id": "y", "label": "y", "likelihoods": {"a": thetas[2], "b": thetas[3]}, "credibility": c2}
    at = {v: _mean(make_case(_doc([x, y], origins=_origin(v))))[0] for v in (0.0, s, 1.0)}
    low, high = sorted((at[0.0], at[1.0]))
    assert low - 1e-12 <= at[s] <= high + 1e-12
    flat = [dict(item, likelihoods={"a": t, "b": t}) for item, t in ((x, thetas[4]), (y, thetas[5]))]
    plain = _mean(make_case(_doc([Z])))
    with_flat = _mean(make_case(_doc([*flat, Z], origins=_origin(s))))
    assert with_flat == pytest.approx(plain, rel=1e-9)


def test_json_and_explain_show_the_origin_with_its_items_and_if_independent() -> None:
    from hypotheses.output.text import to_json

    case = make_case(_doc([X, Y, Z], origins=_origin(0.5)))
    card = score(case, explain=True)
    data = json.loads(to_json(card))
    (origin,) = data["origins"]
    assert origin["items"] == ["x", "y"] and origin["shared"] == "0.5"
    # Together it weighs what the mixture gives; if independent, the items' own weights added.
    assert origin["weight_db"]["a"] < origin["independent_db"]["a"]
    lines = data["explain"]["events"]
    assert any("may repeat one origin" in line and "if independent" in line for line in lines)
    assert any(row["evidence"] == "o" for row in data["explain"]["leave_one_out"])


def test_an_origins_judgments_are_edited_by_place_like_any_other() -> None:
    from hypotheses.analysis.edits import judged_places, with_judgment, without_item
    from priors import Point

    case = make_case(_doc([X, Y, Z], origins=_origin(0.5)))
    assert {"shared/o", "lik/o/a", "lik/o/b"} <= set(judged_places(case))
    edited = with_judgment(with_judgment(case, "shared/o", Point(1.0)), "lik/o/a", Point(0.9))
    again = make_case(_doc([X, Y, Z], origins=_origin(1.0, likelihoods={"a": 0.9, "b": 0.3})))
    assert _mean(edited) == pytest.approx(_mean(again), rel=1e-12)
    # An item taken out leaves its origin; the origin's marginal over the rest remains.
    loo = numpy_engine.run(case, with_leave_one_out=True).leave_one_out
    assert loo is not None
    assert _mean(without_item(case, "x")) == pytest.approx(loo[0], rel=1e-12)


@pytest.mark.slow
def test_the_pymc_model_gives_a_point_origin_exactly() -> None:
    """With every judgment a point the PyMC model samples nothing: its p_hypothesis is the
    mixture, computed through logsumexp, at shared 0, 1 and 0.5."""
    import pytensor

    from hypotheses.model.pymc_model import build_model

    for s in (0.0, 1.0, 0.5):
        case = make_case(_doc([X, Y, Z], origins=_origin(s)))
        model = build_model(case)
        assert model.free_RVs == []
        p = pytensor.function([], model["p_hypothesis"])()
        assert p == pytest.approx(_hand(s), rel=1e-10), s


@pytest.mark.slow
def test_both_engines_agree_on_a_vague_origin() -> None:
    """An uncertain `shared`, word and interval likelihoods, a rated item with an uncertain
    false-alarm rate, two uncertain sources and model error: NUTS and the numpy engine within
    Monte Carlo error, and their 90% intervals overlap."""
    import arviz as az

    from hypotheses.model import pymc_engine

    case = make_case(VAGUE)
    result = pymc_engine.run(case, draws=4_000, tune=1_000, seed=1, sampler="pymc")
    mcse = az.mcse(result.inference_data, var_names=["p_hypothesis"])["p_hypothesis"].values
    numpy_runs = np.array([numpy_engine.run(case, draws=20_000, seed=s).posterior_mean for s in range(3)])
    tolerance = 4 * np.sqrt(mcse**2 + numpy_runs.std(axis=0, ddof=1) ** 2) + 1e-9
    assert np.all(np.abs(result.posterior_mean - numpy_runs[0]) < tolerance)
    lo_p, hi_p = np.quantile(result.posterior_draws, [0.05, 0.95], axis=0)
    lo_n, hi_n = np.quantile(
        numpy_engine.run(case, draws=20_000, seed=0).posterior_draws, [0.05, 0.95], axis=0
    )
    assert np.all((lo_p <= hi_n) & (lo_n <= hi_p))


def test_an_origin_left_with_one_item_in_a_sampled_component_is_scored() -> None:
    """Two uncertain sources on every item: the pool's leave-one-out of an origin's last item
    takes the whole term out (a group left with no item is gone), as the case without it."""
    sources = {"s1": {"label": "s1", "reliability": "C"}, "s2": {"label": "s2", "reliability": "B"}}
    items = [
        {"id": i, "label": i, "likelihoods": {"a": t, "b": 0.3}, "source": "s1", "via": ["s2"]}
        for i, t in (("x", 0.8), ("y", 0.6), ("z", 0.7))
    ]
    from hypotheses.analysis.edits import without_item

    case = make_case(_doc(items, origins=_origin(0.5)) | {"sources": sources})
    alone = without_item(case, "x")
    result = numpy_engine.run(alone, with_leave_one_out=True)
    assert result.leave_one_out is not None
    y_out = without_item(alone, "y")
    assert not y_out.origins
    assert result.leave_one_out[0] == pytest.approx(_mean(y_out), abs=1e-9)


def test_an_origin_that_rules_out_every_hypothesis_is_an_error_not_nan() -> None:
    """Review finding: both readings of an origin 0 under a (its claim impossible under a and a
    certain item; an item alone certain and impossible under a), and z ruling out b: every
    hypothesis ruled out, which scored NaN. It is the same error as any other such case."""
    from hypotheses import CaseError

    evidence = [
        {"id": "x", "label": "x", "likelihoods": {"a": 0.0, "b": 0.5}},
        {"id": "y", "label": "y", "likelihoods": {"a": 0.5, "b": 0.0}},
        {"id": "z", "label": "z", "likelihoods": {"a": 0.5, "b": 0.0}},
    ]
    origins = {"o": {"label": "o", "items": ["x", "y"], "shared": 0.5, "likelihoods": {"a": 0, "b": 1}}}
    with pytest.raises(CaseError, match="every hypothesis is ruled out"):
        make_case(_doc(evidence, origins=origins))
    # One reading left possible under a (shared 0.5 and the event possible): a case like any other.
    origins["o"]["likelihoods"] = {"a": 0.2, "b": 1}
    posterior = _mean(make_case(_doc(evidence, origins=origins)))
    assert np.isfinite(posterior).all() and posterior[0] == pytest.approx(1.0)
