"""The tensor Gauss rule over coupled uncertain sources (hypotheses/model/quadrature.py,
components.Quadrature; docs/model.md section 3): the rule against the Beta's moments and
Gauss-Legendre; a component against an independent exact computation (each factor expanded
into monomials of the reliabilities, their expectations from the Beta's raw moments); leave-one-
out against that computation on the case without the item; past the budget, the pool."""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

from hypotheses import Case, score
from hypotheses.model import numpy_engine, quadrature
from hypotheses.model.factors import compile_case
from hypotheses.model.quadrature import beta_rule, nodes_needed, tensor_rule
from priors import Beta
from tests.helpers import make_case


def _moment(a: float, b: float, k: int) -> float:
    """E[X^k] for X ~ Beta(a, b): prod_{i < k} (a + i) / (a + b + i)."""
    return math.prod((a + i) / (a + b + i) for i in range(k))


@pytest.mark.parametrize(
    ("a", "b"), [(1, 1), (0.5, 0.5), (24.9, 11.7), (162.8, 4.5), (0.3, 7), (2, 0.2), (1000, 3), (5.4, 41.5)]
)
@pytest.mark.parametrize("n", [1, 2, 3, 5, 8, 16, 64])
def test_the_rule_integrates_every_power_up_to_its_degree(a: float, b: float, n: int) -> None:
    r, log_w = beta_rule(a, b, n)
    w = np.exp(log_w)
    assert r.shape == (n,) and np.all(np.diff(r) > 0) and np.all((r >= 0) & (r <= 1))
    for k in range(2 * n):
        assert float(np.sum(w * r**k)) == pytest.approx(_moment(a, b, k), rel=1e-11, abs=0), k


@pytest.mark.parametrize("n", [2, 5, 12, 40])
def test_the_uniform_rule_is_gauss_legendre(n: int) -> None:
    x, w = np.polynomial.legendre.leggauss(n)
    r, log_w = beta_rule(1.0, 1.0, n)
    assert r == pytest.approx((x + 1) / 2, abs=1e-14)
    assert np.exp(log_w) == pytest.approx(w / 2, rel=1e-12)


def test_a_tail_node_keeps_its_weight() -> None:
    """Weights far below 1e-80 (Christoffel's sum, rescaled in log space; not from eigenvectors,
    whose tiny components carry only absolute accuracy) still integrate the top power."""
    r, log_w = beta_rule(1000.0, 3.0, 64)
    assert log_w.min() < -80 * math.log(10) and np.isfinite(log_w).all()
    assert float(np.sum(np.exp(log_w) * r**127)) == pytest.approx(_moment(1000, 3, 127), rel=1e-11)


def test_the_tensor_rule_is_the_product_and_takes_hundreds_of_sources() -> None:
    (r1, w1), (r2, w2) = beta_rule(2, 3, 2), beta_rule(5, 1, 3)
    nodes, log_w = tensor_rule([(r1, w1), (r2, w2)])
    assert nodes.tolist() == [[x, y] for x in r1 for y in r2]  # the first source slowest
    assert log_w == pytest.approx([u + v for u in w1 for v in w2], abs=1e-15)
    many, log_many = tensor_rule([beta_rule(2 + k % 3, 3, 1) for k in range(300)])
    assert many.shape == (1, 300) and log_many.tolist() == [0.0]
    assert nodes_needed(0) == 1 and nodes_needed(1) == 1 and nodes_needed(2) == 2 and nodes_needed(5) == 3


# ---------- an independent exact computation (docs/model.md section 2) ----------
Poly = dict[tuple[int, ...], float]


def _affine(alpha: float, beta: float, uses: list[int], size: int) -> Poly:
    """alpha + beta prod_{k in uses} r_k."""
    power = tuple(int(k in uses) for k in range(size))
    out: Poly = {(0,) * size: alpha}
    out[power] = out.get(power, 0.0) + beta
    return out


def _times(p: Poly, q: Poly) -> Poly:
    out: Poly = {}
    for e, c in p.items():
        for f, d in q.items():
            key = tuple(x + y for x, y in zip(e, f, strict=True))
            out[key] = out.get(key, 0.0) + c * d
    return out


def _plus(p: Poly, q: Poly, wp: float, wq: float) -> Poly:
    out = {e: wp * c for e, c in p.items()}
    for e, c in q.items():
        out[e] = out.get(e, 0.0) + wq * c
    return out


def _exact_posterior(case: Case) -> np.ndarray:
    """P(h | E) with point priors and point judgments but uncertain (Beta) reliabilities: each
    item's lambda_h = b + kappa rho (theta_h - b) and each report's H = b_G + c (1 - b_G), F =
    b_G - c b_G (c = kappa rho, rho the product of its chain's reliabilities), multiplied out as
    polynomials in the uncertain reliabilities, and E over them from their raw moments."""
    uncertain = [s for s in case.sources if isinstance(s.reliability, Beta)]
    column = {s.id: k for k, s in enumerate(uncertain)}
    point = {s.id: s.reliability.mean for s in case.sources if not isinstance(s.reliability, Beta)}
    size, n_hyp = len(uncertain), len(case.hypotheses)

    def rate(item: Any, alpha: float, slope: float) -> Poly:
        const = math.prod(point.get(s, 1.0) for s in set(item.chain) if s not in column)
        uses = sorted({column[s] for s in item.chain if s in column})
        return _affine(alpha, slope * item.credibility.mean * const, uses, size)

    joint = [{(0,) * size: 1.0} for _ in range(n_hyp)]
    for item in case.evidence:
        if item.reports is not None or item.observed == "pending":
            continue
        theta = [j.mean for j in item.likelihoods]
        base = sum(theta) / n_hyp
        for h in range(n_hyp):
            joint[h] = _times(joint[h], rate(item, base, theta[h] - base))
    for event in case.events:
        reports = [it for it in case.evidence if it.reports == event.id]
        if not reports:
            continue
        theta = [j.mean for j in event.likelihoods]
        base = sum(theta) / n_hyp
        hit: Poly = {(0,) * size: 1.0}
        false_alarm: Poly = {(0,) * size: 1.0}
        for it in reports:
            hit = _times(hit, rate(it, base, 1.0 - base))
            false_alarm = _times(false_alarm, rate(it, base, -base))
        for h in range(n_hyp):
            joint[h] = _times(joint[h], _plus(hit, false_alarm, theta[h], 1.0 - theta[h]))
    params = [(s.reliability.a, s.reliability.b) for s in uncertain]
    expected = np.array(
        [
            sum(
                c * math.prod(_moment(a, b, e) for (a, b), e in zip(params, power, strict=True))
                for power, c in p.items()
            )
            for p in joint
        ]
    )
    return expected / expected.sum()


def _coupled_document(seed: int) -> dict[str, Any]:
    """Three sources of uncertain reliability and one of a point, items and an event's reports
    on chains through them at random (one component or several), point judgments otherwise."""
    rng = np.random.default_rng(seed)
    ids = ["a", "b", "c"][: int(rng.integers(2, 4))]
    sources: dict[str, Any] = {}
    for k, name in enumerate(["s1", "s2", "s3"]):
        lo = round(float(rng.uniform(0.3, 0.8)), 3)
        sources[name] = {
            "label": name,
            "reliability": [lo, round(min(0.99, lo + float(rng.uniform(0.05, 0.3))), 3)],
        }
        if k == 0 and seed % 3 == 0:
            sources[name]["reliability"] = "C"  # an Admiralty letter's Beta
    sources["p"] = {"label": "p", "reliability": 0.9}
    names = list(sources)

    def chain() -> dict[str, Any]:
        picked = [str(x) for x in rng.choice(names, size=int(rng.integers(1, 4)), replace=False)]
        out: dict[str, Any] = {"source": picked[0], "credibility": round(float(rng.uniform(0.5, 1.0)), 3)}
        if len(picked) > 1:
            out["via"] = picked[1:]
        return out

    def likelihoods() -> dict[str, float]:
        return {h: round(float(rng.uniform(0.02, 0.98)), 3) for h in ids}

    evidence = [
        {"id": f"e{j}", "label": f"item {j}", "likelihoods": likelihoods(), **chain()}
        for j in range(int(rng.integers(2, 6)))
    ]
    document: dict[str, Any] = {
        "schema": 1,
        "title": "coupled",
        "hypotheses": [{"id": h, "label": h.upper()} for h in ids],
        "sources": sources,
        "evidence": evidence,
    }
    if rng.random() < 0.7:
        document["events"] = {"g": {"label": "G", "likelihoods": likelihoods()}}
        for k in range(int(rng.integers(2, 4))):
            evidence.append({"id": f"r{k}", "label": f"report {k}", "reports": "g", **chain()})
    return document


SEEDS = range(16)


@pytest.mark.parametrize("seed", SEEDS)
def test_coupled_sources_are_integrated_exactly(seed: int) -> None:
    case = make_case(_coupled_document(seed))
    methods = [c.method for c in compile_case(case).components]
    card = score(case, engine="numpy", explain=False)
    assert [h.posterior.mean for h in card.hypotheses] == pytest.approx(
        _exact_posterior(case), abs=1e-12, rel=0
    )
    assert card.diagnostics.mean_mcse == 0  # point priors, nothing sampled
    if "quadrature" in methods:
        (entry,) = [c for c in card.diagnostics.components if c["method"] == "quadrature"]
        assert 1 <= entry["nodes"] <= quadrature.QUADRATURE_NODES


def test_the_seeds_cover_coupled_components() -> None:
    """The cases above tie two or three uncertain sources together (else they test the grid)."""
    covered = sum(
        any(c.method == "quadrature" for c in compile_case(make_case(_coupled_document(s))).components)
        for s in SEEDS
    )
    assert covered >= len(SEEDS) // 2


@pytest.mark.parametrize("seed", [1, 2, 4, 7])
def test_leaving_an_item_out_is_the_exact_posterior_without_it(seed: int) -> None:
    document = _coupled_document(seed)
    case = make_case(document)
    without = numpy_engine.leave_one_out(case)
    for j, item in enumerate(case.evidence):
        smaller = copy.deepcopy(document)
        smaller["evidence"] = [e for e in smaller["evidence"] if e["id"] != item.id]
        if not any("reports" not in e for e in smaller["evidence"]) and not smaller["evidence"]:
            continue
        expected = _exact_posterior(make_case(smaller))
        assert without[j] == pytest.approx(expected, abs=1e-12, rel=0), item.id


def test_past_the_budget_the_pool_samples_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """With no nodes allowed the component is importance-sampled: within its own error."""
    case = make_case(_coupled_document(4))
    exact = _exact_posterior(case)
    monkeypatch.setattr(quadrature, "QUADRATURE_NODES", 0)
    card = score(case, engine="numpy", explain=False)
    assert any(c["method"] == "sampled" for c in card.diagnostics.components)
    assert card.diagnostics.mean_mcse > 0
    ours = np.array([h.posterior.mean for h in card.hypotheses])
    assert np.abs(ours - exact).max() < 5 * card.diagnostics.mean_mcse


def test_an_uncertain_model_error_is_a_source_of_every_item() -> None:
    """model_error as a range: a source on every item's chain, its degree the number of items
    (the component then holds every item), still within the budget and exact: checked against
    the pool at a million draws."""
    document = _coupled_document(2)
    document["model_error"] = [0.01, 0.05]
    case = make_case(document)
    compiled = compile_case(case)
    (component,) = [c for c in compiled.components if len(c.sources) >= 2]
    assert component.method == "quadrature" and max(component.degrees) == len(case.evidence)
    ours = numpy_engine.posterior_mean(case)
    from hypotheses.model import components

    pool = [
        components.Sampled(component, len(case.hypotheses), compiled.reliability, seed).log_factor()
        for seed in range(4)
    ]
    quad = components.Quadrature(component, len(case.hypotheses), compiled.reliability, 0).log_factor()
    spread = np.std(pool, axis=0) / math.sqrt(len(pool))
    assert np.all(np.abs(np.mean(pool, axis=0) - quad) < 5 * spread + 1e-12)
    assert np.isclose(ours.sum(), 1.0)


def test_hundreds_of_sources_one_report_each_take_one_node_and_a_bounded_candidate_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An event told by 300 outlets, each through a graded source of its own: every source's
    degree is 1 (two share a wire: 2), so the rule needs 2 nodes; the interval draws' candidate
    pool holds no more reliabilities than the importance pool may (pool_draws)."""
    from hypotheses.model import components
    from tests.test_many_sources import _outlets

    case = make_case(_outlets(300))
    (component,) = compile_case(case).components
    assert component.method == "quadrature" and quadrature.tensor_size(component.degrees) == 2
    sizes: list[int] = []
    candidates = components.ComponentScore._candidates

    def spy(self: Any, size: int, rng: np.random.Generator) -> Any:
        sizes.append(size)
        return candidates(self, size, rng)

    monkeypatch.setattr(components.ComponentScore, "_candidates", spy)
    card = score(case, engine="numpy", explain=False)
    assert sizes and sum(sizes) * len(component.sources) <= components.POOL_ELEMENTS
    assert card.diagnostics.components[0]["nodes"] == 2


def test_a_sampled_components_leave_one_out_is_exact_where_the_rest_fits_the_rule(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sources used by 4 and 3 items need 3 x 2 nodes: past a budget of 4, sampled. Without an
    item on the first source alone the rest needs 2 x 2: within it, so scoring the case without
    the item is exact, and leave-one-out must give that, not the pool's estimate (review)."""
    monkeypatch.setattr(quadrature, "QUADRATURE_NODES", 4)
    likelihoods = [{"a": 0.8, "b": 0.3}, {"a": 0.4, "b": 0.6}, {"a": 0.7, "b": 0.2}, {"a": 0.5, "b": 0.5}]
    evidence = [
        {"id": "x1", "label": "x1", "likelihoods": likelihoods[0], "source": "s1", "credibility": 0.9},
        {"id": "x2", "label": "x2", "likelihoods": likelihoods[1], "source": "s1", "credibility": 0.8},
        {"id": "x3", "label": "x3", "likelihoods": likelihoods[2], "source": "s1", "via": ["s2"]},
        {"id": "y1", "label": "y1", "likelihoods": likelihoods[3], "source": "s2", "credibility": 0.7},
        {"id": "y2", "label": "y2", "likelihoods": likelihoods[0], "source": "s2", "via": ["s1"]},
    ]
    document = {
        "schema": 1,
        "title": "budget",
        "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        "sources": {
            "s1": {"label": "s1", "reliability": [0.5, 0.9]},
            "s2": {"label": "s2", "reliability": "C"},
        },
        "evidence": evidence,
    }
    case = make_case(document)
    (component,) = compile_case(case).components
    assert component.degrees == (4, 3) and component.method == "sampled"
    without = numpy_engine.leave_one_out(case)
    smaller = copy.deepcopy(document)
    smaller["evidence"] = [e for e in evidence if e["id"] != "x1"]
    assert compile_case(make_case(smaller)).components[0].method == "quadrature"
    assert without[0] == pytest.approx(_exact_posterior(make_case(smaller)), abs=1e-12, rel=0)


@pytest.mark.parametrize(("a_", "b_"), [(16.5, 1.476), (2.0, 1.1), (1.1, 1.1), (10.0, 1.9)])
def test_one_source_with_a_shape_between_1_and_2_is_exact(a_: float, b_: float) -> None:
    """One uncertain source whose Beta has a shape parameter between 1 and 2 (a range such as
    [0.794, 0.99] fits Beta(16.5, 1.48)): the grid's cells were off by up to 6e-6 in log P(E)
    next to that end (review); the source's Gauss rule is exact."""
    document = {
        "schema": 1,
        "title": "one source",
        "hypotheses": [{"id": "x", "label": "X"}, {"id": "y", "label": "Y"}],
        "sources": {"s": {"label": "s", "reliability": {"beta": [a_, b_]}}},
        "evidence": [
            {
                "id": f"e{k}",
                "label": f"e{k}",
                "likelihoods": {"x": 0.8 - 0.1 * k, "y": 0.1 + 0.1 * k},
                "source": "s",
            }
            for k in range(4)
        ],
    }
    case = make_case(document)
    (component,) = compile_case(case).components
    assert component.method == "grid"
    ours = numpy_engine.posterior_mean(case)
    assert ours == pytest.approx(_exact_posterior(case), abs=1e-13, rel=0)


# Every kind of factor (review): the degree counted is the degree there is. More nodes than
# counted change nothing (the rule was exact already); one fewer changes the factor (the count
# is not loose). Uncertain judgments everywhere but the reliabilities' chains.
_L1 = {"a": [0.6, 0.9], "b": [0.1, 0.3], "c": 0.4}
_L2 = {"a": 0.2, "b": [0.5, 0.8], "c": [0.05, 0.2]}
_L3 = {"a": 0.7, "b": 0.3, "c": 0.5}
_KINDS: dict[str, tuple[list[dict[str, Any]], dict[str, Any]]] = {
    "credibility": (
        [
            {"id": "e1", "likelihoods": _L1, "credibility": [0.5, 0.9], "source": "s1", "via": ["s2"]},
            {"id": "e2", "likelihoods": _L2, "credibility": 0.8, "source": "s2", "via": ["p", "s3"]},
            {"id": "e3", "likelihoods": _L3, "credibility": [0.3, 0.7], "source": "s3"},
            {"id": "e4", "likelihoods": _L1, "source": "s1"},
            {"id": "e5", "likelihoods": _L2, "source": "s2", "via": ["s1", "s3"]},
        ],
        {},
    ),
    "rated, ratios, model error": (
        [
            {"id": "e1", "likelihoods": _L1, "hit": [0.6, 0.9], "false_alarm": [0.05, 0.2]},
            {"id": "e2", "ratios": {"a": [2, 10], "default": 1}},
            {"id": "e3", "likelihoods": _L3, "credibility": [0.3, 0.7], "source": "s3", "via": ["s1"]},
            {"id": "e4", "likelihoods": _L1, "source": "s1"},
        ],
        {"model_error": [0.02, 0.1]},
    ),
    "absent": (
        [
            {
                "id": "e1",
                "likelihoods": _L1,
                "credibility": [0.5, 0.9],
                "source": "s1",
                "via": ["s2"],
                "observed": False,
            },
            {
                "id": "e2",
                "likelihoods": _L2,
                "hit": [0.6, 0.9],
                "false_alarm": [0.05, 0.2],
                "observed": False,
            },
            {"id": "e3", "likelihoods": _L3, "source": "s2", "via": ["s1"], "observed": False},
            {"id": "e4", "likelihoods": _L1, "source": "s1"},
        ],
        {"model_error": [0.01, 0.05]},
    ),
    "events": (
        [
            {"id": "e1", "likelihoods": _L1, "credibility": [0.5, 0.9], "source": "s1"},
            {"id": "r1", "reports": "g", "credibility": [0.5, 0.9], "source": "s1", "via": ["s2"]},
            {"id": "r2", "reports": "g", "credibility": 0.7, "source": "s2", "via": ["p"]},
            {"id": "r3", "reports": "g", "hit": [0.6, 0.9], "false_alarm": [0.05, 0.2]},
            {"id": "r4", "reports": "g2", "source": "s3", "via": ["s1"], "credibility": [0.2, 0.6]},
            {"id": "r5", "reports": "g2", "source": "s3", "credibility": 0.9},
        ],
        {
            "events": {
                "g": {"label": "G", "likelihoods": {"a": [0.5, 0.9], "b": 0.2, "c": [0.1, 0.4]}},
                "g2": {"label": "G2", "likelihoods": _L3},
            },
            "model_error": [0.01, 0.05],
        },
    ),
    "origins": (
        [
            {"id": "x", "likelihoods": _L1, "credibility": [0.5, 0.9], "source": "s1", "via": ["s2"]},
            {"id": "y", "likelihoods": _L2, "credibility": 0.8, "source": "s2"},
            {"id": "w", "likelihoods": _L3, "hit": 0.8, "false_alarm": [0.05, 0.2]},
            {"id": "z", "likelihoods": _L3, "source": "s1", "via": ["s3"]},
            {"id": "u", "likelihoods": _L2, "source": "s3", "credibility": [0.4, 0.8]},
        ],
        {
            "origins": {
                "o": {"label": "o", "items": ["x", "y", "w"], "shared": [0.3, 0.7]},
                "o2": {"label": "o2", "items": ["z", "u"], "shared": 0.5, "likelihoods": _L3},
            },
            "model_error": [0.01, 0.05],
        },
    ),
}


@pytest.mark.parametrize("kind", list(_KINDS))
def test_every_kind_of_factor_has_the_degree_counted(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from hypotheses.model import components

    evidence, extra = _KINDS[kind]
    document = {
        "schema": 1,
        "title": kind,
        "hypotheses": [{"id": h, "label": h.upper()} for h in "abc"],
        "sources": {
            "s1": {"label": "s1", "reliability": [0.4, 0.8]},
            "s2": {"label": "s2", "reliability": "C"},
            "s3": {"label": "s3", "reliability": [0.6, 0.95]},
            "p": {"label": "p", "reliability": 0.85},
        },
        "evidence": [{"label": e["id"], **e} for e in evidence],
        **extra,
    }
    compiled = compile_case(make_case(document))
    (component,) = [c for c in compiled.components if c.method == "quadrature"]

    def factor(extra_nodes: int) -> np.ndarray:
        monkeypatch.setattr(components, "nodes_needed", lambda d: max(1, nodes_needed(d) + extra_nodes))
        return components.Quadrature(component, 3, compiled.reliability, 0).log_factor()

    exact = factor(0)
    assert np.abs(factor(6) - exact).max() < 1e-13
    assert np.abs(factor(-1) - exact).max() > 1e-7
