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
