"""Reports of one event and chains of sources (docs/model.md section 2), checked against pgmpy's
exact inference, closed forms, an independent brute force and the model's bounds."""

from __future__ import annotations

import logging
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypotheses import CaseError, score
from hypotheses.model import numpy_engine, quadrature
from tests.brute_force import brute_force
from tests.helpers import make_case

H3 = ["a", "b", "c"]


def _case(
    events: dict[str, dict[str, float]],
    reports: list[tuple[str, float]],
    items: list[tuple[dict[str, float], float]] = (),  # type: ignore[assignment]
    priors: list[float] | None = None,
    sources: dict[str, Any] | None = None,
    extra: list[dict[str, Any]] | None = None,
    ids: list[str] = H3,
) -> dict[str, Any]:
    evidence: list[dict[str, Any]] = [
        {"id": f"r{k}", "label": f"report {k}", "reports": event, "credibility": c}
        for k, (event, c) in enumerate(reports)
    ]
    evidence += [
        {"id": f"e{k}", "label": f"item {k}", "likelihoods": lik, "credibility": c}
        for k, (lik, c) in enumerate(items)
    ]
    document: dict[str, Any] = {
        "schema": 1,
        "title": "events",
        "hypotheses": [
            {"id": h, "label": h, **({"prior": priors[k]} if priors else {})} for k, h in enumerate(ids)
        ],
        "events": {g: {"label": f"event {g}", "likelihoods": lik} for g, lik in events.items()},
        "evidence": evidence + (extra or []),
    }
    if sources:
        document["sources"] = sources
    return document


def _posterior(document: dict[str, Any], **options: Any) -> np.ndarray:
    card = score(make_case(document), explain=False, **options)
    return np.array([h.posterior.mean for h in card.hypotheses])


# -- pgmpy: h -> E -> R_i ---------------------------------------------------------------------

pgmpy_models = pytest.importorskip("pgmpy.models")
from pgmpy.factors.discrete import TabularCPD  # noqa: E402
from pgmpy.inference import VariableElimination  # noqa: E402

logging.getLogger("pgmpy").setLevel(logging.ERROR)


def _pgmpy(priors, events, reports, items) -> np.ndarray:
    """The network of section 7: each event a node under H, each report a node under its event
    (hit c + (1 - c) b, false alarm (1 - c) b); standalone items as Schum's pair of nodes."""
    n_hyp = len(priors)
    edges: list[tuple[str, str]] = []
    cpds = [TabularCPD("H", n_hyp, (np.array(priors) / sum(priors))[:, None].tolist())]
    observed = {}

    def report(node: str, parent: str, c: float, b: float) -> None:
        hit, false_alarm = c + (1 - c) * b, (1 - c) * b
        edges.append((parent, node))
        cpds.append(
            TabularCPD(
                node,
                2,
                [[1 - false_alarm, 1 - hit], [false_alarm, hit]],
                evidence=[parent],
                evidence_card=[2],
            )
        )
        observed[node] = 1

    for g, row in events.items():
        edges.append(("H", f"E_{g}"))
        cpds.append(
            TabularCPD(f"E_{g}", 2, [list(1 - row), list(row)], evidence=["H"], evidence_card=[n_hyp])
        )
    for k, (g, c) in enumerate(reports):
        report(f"R{k}", f"E_{g}", c, float(events[g].mean()))
    for k, (row, c) in enumerate(items):
        edges.append(("H", f"I{k}"))
        cpds.append(TabularCPD(f"I{k}", 2, [list(1 - row), list(row)], evidence=["H"], evidence_card=[n_hyp]))
        report(f"S{k}", f"I{k}", c, float(row.mean()))
    model = pgmpy_models.DiscreteBayesianNetwork(edges)
    model.add_cpds(*cpds)
    result = VariableElimination(model).query(["H"], evidence=observed, show_progress=False)
    return np.asarray(result.values)


@pytest.mark.parametrize("seed", range(12))
def test_events_agree_with_pgmpy_variable_elimination(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_events = int(rng.integers(1, 4))
    priors = rng.uniform(0.05, 1.0, 3).round(4)
    events = {f"g{k}": rng.uniform(0.01, 0.99, 3).round(4) for k in range(n_events)}
    reports = [
        (f"g{int(rng.integers(n_events))}", round(float(rng.uniform(0, 1)), 3))
        for _ in range(int(rng.integers(1, 7)))
    ]
    reports += [(g, 0.7) for g in events]  # every event reported at least once
    items = [
        (rng.uniform(0.01, 0.99, 3).round(4), round(float(rng.uniform(0, 1)), 3))
        for _ in range(int(rng.integers(0, 3)))
    ]
    document = _case(
        {g: dict(zip(H3, row.tolist(), strict=True)) for g, row in events.items()},
        reports,
        [(dict(zip(H3, row.tolist(), strict=True)), c) for row, c in items],
        priors.tolist(),
    )
    assert _posterior(document) == pytest.approx(_pgmpy(priors, events, reports, items), rel=1e-9, abs=1e-12)


# -- closed forms --------------------------------------------------------------------------------

EVENT = {"a": 0.9, "b": 0.3, "c": 0.05}


def test_perfect_reports_equal_observing_the_event_once() -> None:
    once = _case({}, [], [(EVENT, 1.0)])
    for n in (1, 2, 5):
        assert _posterior(_case({"g": EVENT}, [("g", 1.0)] * n)) == pytest.approx(_posterior(once), rel=1e-12)


def test_reports_with_credibility_zero_change_nothing() -> None:
    base = _case({}, [], [({"a": 0.2, "b": 0.6, "c": 0.5}, 0.8)], priors=[0.5, 0.3, 0.2])
    with_reports = _case(
        {"g": EVENT}, [("g", 0.0)] * 3, [({"a": 0.2, "b": 0.6, "c": 0.5}, 0.8)], priors=[0.5, 0.3, 0.2]
    )
    assert _posterior(with_reports) == pytest.approx(_posterior(base), rel=1e-12)


def test_a_single_report_equals_the_same_item_with_uncertain_judgments() -> None:
    """One report of an event through an uncertain source is exactly today's item: same
    likelihoods, credibility and source (the grid and the closed form alike)."""
    sources = {"s": {"label": "S", "reliability": "C"}, "t": {"label": "T", "reliability": [0.4, 0.9]}}
    lik = {"a": "likely", "b": [0.1, 0.4], "c": {"beta": [2, 5]}}
    other = {"id": "x", "label": "x", "likelihoods": {"a": 0.3, "b": 0.6, "c": 0.5}, "source": "s"}
    report = _case(
        {"g": lik},
        [],
        sources=sources,
        extra=[
            {
                "id": "r",
                "label": "r",
                "reports": "g",
                "source": "s",
                "via": ["t"],
                "credibility": "probably true",
            },
            other,
        ],
    )
    item = _case(
        {},
        [],
        sources=sources,
        extra=[
            {
                "id": "r",
                "label": "r",
                "likelihoods": lik,
                "source": "s",
                "via": ["t"],
                "credibility": "probably true",
            },
            other,
        ],
    )
    assert _posterior(report, engine="numpy") == pytest.approx(_posterior(item, engine="numpy"), rel=1e-9)


def test_the_exact_expectation_over_uncertain_event_likelihoods_matches_brute_force() -> None:
    """Beta likelihoods of an event with three reports and point sources: the exact expectation
    (linear in theta_h once the noise rate b is a point) against importance sampling from the
    joint prior (tolerance 5 standard errors)."""
    document = _case(
        {"g": {"a": "likely", "b": [0.1, 0.5], "c": {"beta": [1, 3]}}},
        [("g", 0.9), ("g", 0.6), ("g", "likely")],
    )
    case = make_case(document)
    ours = numpy_engine.posterior_mean(case)
    mean, draws, weights = brute_force(case, 400_000)
    se = np.sqrt((weights[:, None] ** 2 * (draws - mean) ** 2).sum(axis=0))
    assert np.all(np.abs(ours - mean) < 5 * se + 1e-12)


@pytest.mark.parametrize("method", ["quadrature", "sampled"])
def test_shared_sources_across_events_match_brute_force_and_say_what_was_done(
    method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two events whose reports share two uncertain sources (one component) and a third
    source: means within Monte Carlo error of brute force, integrated by the tensor rule
    (exact: no error of its own) or, beyond its budget, sampled (its error reported)."""
    if method == "sampled":
        monkeypatch.setattr(quadrature, "QUADRATURE_NODES", 0)
    sources = {"s": {"label": "S", "reliability": "C"}, "t": {"label": "T", "reliability": "B"}}
    extra = [
        {"id": "p1", "label": "p1", "reports": "g", "source": "s"},
        {"id": "p2", "label": "p2", "reports": "g", "source": "t", "via": ["s"]},
        {"id": "q1", "label": "q1", "reports": "k", "source": "t"},
        {"id": "q2", "label": "q2", "reports": "k", "source": "s", "credibility": "likely"},
    ]
    document = _case({"g": EVENT, "k": {"a": 0.2, "b": 0.7, "c": "likely"}}, [], sources=sources, extra=extra)
    card = score(make_case(document), engine="numpy", explain=False)
    (component,) = card.diagnostics.components
    assert component["method"] == method and set(component["events"]) == {"g", "k"}
    if method == "sampled":
        assert 0 < card.diagnostics.mean_mcse < 1e-3
    else:  # the priors are points: nothing left to estimate
        assert card.diagnostics.mean_mcse == 0 and component["nodes"] == 2 * 2
    mean, draws, weights = brute_force(make_case(document), 400_000)
    se = np.sqrt((weights[:, None] ** 2 * (draws - mean) ** 2).sum(axis=0))
    ours = np.array([h.posterior.mean for h in card.hypotheses])
    assert np.all(np.abs(ours - mean) < 5 * np.hypot(se, card.diagnostics.mean_mcse))


def test_one_shared_uncertain_source_stays_exact_on_its_grid() -> None:
    sources = {"s": {"label": "S", "reliability": "C"}}
    extra = [
        {"id": "p1", "label": "p1", "reports": "g", "source": "s"},
        {"id": "p2", "label": "p2", "reports": "g", "source": "s"},
        {"id": "x", "label": "x", "likelihoods": {"a": 0.3, "b": 0.6, "c": 0.5}, "source": "s"},
    ]
    case = make_case(_case({"g": EVENT}, [], sources=sources, extra=extra))
    card = score(case, engine="numpy", explain=False)
    assert card.diagnostics.components[0]["method"] == "grid" and card.diagnostics.mean_mcse == 0.0
    # Quadrature over r by hand (scipy), with the event and the item given r in closed form.
    from scipy import integrate, stats

    theta, item = np.array([0.9, 0.3, 0.05]), np.array([0.3, 0.6, 0.5])
    rel = case.source("s").reliability
    b = theta.mean()

    def integrand(r: float, k: int) -> float:
        event = theta[k] * (r + (1 - r) * b) ** 2 + (1 - theta[k]) * ((1 - r) * b) ** 2
        return stats.beta.pdf(r, rel.a, rel.b) * event * (r * item[k] + (1 - r) * item.mean())

    joint = np.array([integrate.quad(integrand, 0, 1, args=(k,), epsabs=1e-14)[0] for k in range(3)])
    assert [h.posterior.mean for h in card.hypotheses] == pytest.approx(joint / joint.sum(), rel=1e-9)


def test_report_weights_add_up_to_the_event_and_never_exceed_it() -> None:
    card = score(make_case(_case({"g": EVENT}, [("g", 0.9), ("g", 0.8), ("g", 0.7)], ids=H3)))
    (event,) = card.events
    summed = {h: sum(e.weight_db[h] for e in card.evidence) for h in H3}
    assert summed == pytest.approx(event.weight_db, rel=1e-9)
    assert event.independent_db["a"] > event.weight_db["a"] > 0
    assert card.explanation is not None and "3 reports of 'event g'" in card.explanation.events[0]


# -- the bound: echoes of one event never outweigh the event -----------------------------------

probability = st.floats(0.01, 0.99)


def _within_the_event(before: np.ndarray, seen: np.ndarray, echoed: np.ndarray) -> None:
    """Between any two hypotheses the echoes move the log odds between 0 and what the event
    observed directly moves them."""
    for h in range(3):
        for k in range(3):
            move, full = (
                math.log(echoed[h] / echoed[k]) - math.log(before[h] / before[k]),
                math.log(seen[h] / seen[k]) - math.log(before[h] / before[k]),
            )
            assert min(0.0, full) - 1e-9 <= move <= max(0.0, full) + 1e-9


@settings(max_examples=60, deadline=None)
@given(
    theta=st.lists(probability, min_size=3, max_size=3),
    credibility=st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6),
)
def test_reports_never_move_odds_past_the_event_itself(theta: list[float], credibility: list[float]) -> None:
    """P(R | h) = B + theta_h (A - B) with A >= B: between any two hypotheses the reports'
    likelihood ratio lies between 1 and the event's, so no number of echoes outweighs it."""
    event = dict(zip(H3, theta, strict=True))
    before = _posterior(_case({}, [], []))
    seen = _posterior(_case({}, [], [(event, 1.0)]))
    echoed = _posterior(_case({"g": event}, [("g", c) for c in credibility]))
    _within_the_event(before, seen, echoed)


uncertain_likelihood = st.one_of(
    st.sampled_from(["almost no chance", "very unlikely", "unlikely", "roughly even chance", "likely",
                     "very likely", "almost certain"]),
    st.tuples(st.floats(0.02, 0.6), st.floats(0.05, 0.35)).map(
        lambda t: [round(t[0], 3), round(t[0] + t[1], 3)]
    ),
)  # fmt: skip


@settings(max_examples=40, deadline=None)
@given(
    theta=st.lists(uncertain_likelihood, min_size=3, max_size=3),
    echoes=st.integers(1, 12),
    grade=st.sampled_from([None, "A", "C", "E"]),
)
def test_echoes_of_uncertain_likelihoods_never_outweigh_the_event(
    theta: list[object], echoes: int, grade: str | None
) -> None:
    """The bound for every judgment form (docs/model.md section 2): with words and intervals
    for P(event | h), n reports (through an outlet of any grade) never move the odds past the
    event observed directly. With the noise rate as the draws' mean they did: twelve echoes of
    an E-graded outlet gave 61.9% where the event itself gave 41.7%."""
    event = dict(zip(H3, theta, strict=True))
    sources = {"outlet": {"label": "outlet", "reliability": grade}} if grade else None
    echo = [{"source": "outlet"} if grade else {}] * echoes
    extra = [
        {"id": f"x{k}", "label": "echo", "reports": "g", "credibility": 0.9, **more}
        for k, more in enumerate(echo)
    ]
    before = _posterior(_case({}, [], []), engine="numpy")
    seen = _posterior(_case({}, [], [(event, 1.0)]), engine="numpy")
    echoed = _posterior(_case({"g": event}, [], sources=sources, extra=extra), engine="numpy")
    _within_the_event(before, seen, echoed)


# -- the case format's rules -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "says"),
    [
        ({"reports": "nope"}, "reports unknown event 'nope'"),
        ({"reports": "g", "likelihoods": {"default": 0.5}}, "both `reports:` and `likelihoods:`"),
        ({"reports": "g", "observed": False}, "a report with `observed: false`"),
        ({"reports": "g", "via": ["nowhere"]}, "unknown source 'nowhere' in `via:`"),
        ({"ratios": {"a": 2, "default": 1}, "via": ["s"]}, "has ratios and `via:`"),
        ({"reports": "g", "source": "s", "via": ["s"]}, "names a source twice"),
        ({"id": "g", "reports": "g"}, "evidence id 'g' is also an event id"),
        ({"reports": "g", "via": [0]}, "`via:` entry 1 of evidence 'bad'"),
    ],
)
def test_bad_reports_are_clean_errors_with_their_line(item: dict[str, Any], says: str) -> None:
    document = _case({"g": EVENT}, [("g", 0.9)], sources={"s": {"label": "S", "reliability": "B"}})
    document["evidence"].append({"id": "bad", "label": "bad", **item})
    with pytest.raises(CaseError, match=says) as error:
        make_case(document)
    (problem,) = [p for p in error.value.problems if says.split("'")[0] in p.message]
    assert problem.line > 1


def test_an_event_nobody_reports_is_a_warning_and_changes_nothing() -> None:
    document = _case({"g": EVENT, "lonely": {"default": 0.5}}, [("g", 0.9)])
    case = make_case(document)
    assert any("no item reports event 'lonely'" in w.message for w in case.warnings)
    assert [e.id for e in case.events] == ["g"]


def test_an_event_that_a_certain_report_rules_out_everywhere_is_an_error_and_zero_is_a_warning() -> None:
    """theta_a = 0 with a report of credibility 1: P(R | a) = 0. With an item ruling b out too,
    nothing survives: a clean error (it printed nan% before), like two such items."""
    document = _case({"g": {"a": 0.0, "b": 1.0, "c": 1.0}}, [("g", 1.0)])
    document["evidence"].append({"id": "x", "label": "x", "likelihoods": {"a": 1.0, "b": 0.0, "c": 0.0}})
    with pytest.raises(CaseError, match="every hypothesis is ruled out"):
        make_case(document)
    case = make_case(_case({"g": {"a": 0.0, "b": 1.0, "c": 0.5}}, [("g", 0.8)]))
    said = [w.message for w in case.warnings]
    assert any("likelihood of 'a' for event 'g' is 0" in m for m in said)
    assert any("likelihood of 'b' for event 'g' is exactly 1" in m for m in said)
    assert np.isfinite(_posterior(_case({"g": {"a": 0.0, "b": 1.0, "c": 0.5}}, [("g", 1.0)]))).all()


# -- both engines ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_pymc_agrees_with_numpy_on_events_sharing_sources() -> None:
    """A vague case: two events whose reports share uncertain sources (one via the other), a
    standalone item on a chain, Beta event likelihoods and report credibilities. PyMC marginalises
    each event like the hypothesis; the means must agree within Monte Carlo error (both
    engines' errors) and the 90% intervals overlap."""
    import arviz as az

    from hypotheses.model import pymc_engine

    sources = {"s": {"label": "S", "reliability": "C"}, "t": {"label": "T", "reliability": [0.5, 0.95]}}
    extra = [
        {"id": "p1", "label": "p1", "reports": "g", "source": "s", "credibility": "likely"},
        {"id": "p2", "label": "p2", "reports": "g", "source": "t", "via": ["s"]},
        {"id": "q1", "label": "q1", "reports": "k", "source": "t"},
        {"id": "q2", "label": "q2", "reports": "k", "source": "s"},
        {
            "id": "x",
            "label": "x",
            "likelihoods": {"a": "unlikely", "b": "likely", "c": [0.3, 0.6]},
            "via": ["t"],
        },
    ]
    events = {
        "g": {"a": "very likely", "b": [0.2, 0.5], "c": "unlikely"},
        "k": {"a": 0.3, "b": "likely", "c": 0.5},
    }
    case = make_case(_case(events, [], sources=sources, extra=extra))
    result = pymc_engine.run(case, draws=4_000, tune=1_000, seed=1)
    assert result.rhat is not None and result.rhat < 1.01 and result.divergences == 0
    mcse = az.mcse(result.inference_data, var_names=["p_hypothesis"])["p_hypothesis"].values
    ours = numpy_engine.run(case, draws=20_000, seed=0)
    tolerance = 4 * np.sqrt(mcse**2 + ours.mean_mcse**2) + 1e-9
    assert np.all(np.abs(result.posterior_mean - ours.posterior_mean) < tolerance)
    lo_p, hi_p = np.quantile(result.posterior_draws, [0.05, 0.95], axis=0)
    lo_n, hi_n = np.quantile(ours.posterior_draws, [0.05, 0.95], axis=0)
    assert np.all((lo_p <= hi_n) & (lo_n <= hi_p))
    assert np.all(np.abs(lo_p - lo_n) < 0.03) and np.all(np.abs(hi_p - hi_n) < 0.03)


def _weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: list[float]) -> np.ndarray:
    order = np.argsort(values)
    cumulative = np.cumsum(weights[order]) / weights.sum()
    return np.array([values[order][np.searchsorted(cumulative, q)] for q in qs])


@pytest.mark.parametrize("reliability", [None, "C"])
def test_event_interval_draws_match_direct_importance_sampling(reliability: str | None) -> None:
    """The interval draws of P(a | E, params) for twenty reports of one event with uncertain
    likelihoods (and, second, a shared uncertain source): their 5% and 95% quantiles and their
    mean against 2 million prior draws weighted by the formula of docs/model.md section 2, written
    out here. (Per-draw resampling from 16 candidates missed the 95% quantile by 0.07.)"""
    likelihoods = {"a": [0.05, 0.95], "b": [0.05, 0.6], "c": [0.02, 0.5]}
    reports = [{"id": f"r{i}", "label": "r", "reports": "g", "credibility": 0.3} for i in range(20)]
    document: dict[str, Any] = {
        "schema": 1,
        "title": "echoes",
        "hypotheses": [{"id": h, "label": h} for h in H3],
        "events": {"g": {"label": "g", "likelihoods": likelihoods}},
        "evidence": reports,
    }
    if reliability:
        document["sources"] = {"s": {"label": "s", "reliability": reliability}}
        for item in reports[:10]:
            item["source"] = "s"
    case = make_case(document)
    result = numpy_engine.run(case, draws=20_000, seed=1)

    rng = np.random.default_rng(7)
    n = 2_000_000
    event = case.events[0]
    theta = np.column_stack([rng.beta(j.a, j.b, n) for j in event.likelihoods])  # (n, 3)
    r = (
        rng.beta(case.sources[0].reliability.a, case.sources[0].reliability.b, n)
        if reliability
        else np.ones(n)
    )
    c = np.column_stack([0.3 * r] * 10 + [np.full(n, 0.3)] * 10)  # (n, 20)
    b = np.mean([j.mean for j in event.likelihoods])  # the expected base rate: a point
    hit = np.log(c + (1 - c) * b).sum(axis=1, keepdims=True)
    false = np.log((1 - c) * b).sum(axis=1, keepdims=True)
    lam = theta * np.exp(hit) + (1 - theta) * np.exp(false)  # P(R_1..R_20 | h, theta, r)
    weight = lam.sum(axis=1)  # equal priors: the joint posterior of (theta, r), up to a constant
    p_a = lam[:, 0] / weight
    reference = _weighted_quantiles(p_a, weight, [0.05, 0.95])
    ess = weight.sum() ** 2 / np.square(weight).sum()
    assert ess > 10_000  # the reference itself is precise

    draws = result.posterior_draws[:, 0]
    assert np.quantile(draws, [0.05, 0.95]) == pytest.approx(reference, abs=0.015)
    assert draws.mean() == pytest.approx(float(np.average(p_a, weights=weight)), abs=0.006)
    assert draws.mean() == pytest.approx(result.posterior_mean[0], abs=0.006)
