"""The numpy engine's points-only component (docs/model.md section 3): standalone items whose
judgments are all points, on no uncertain source, are scored as one vectorised block. Checked
against the closed form computed here by hand, and against scoring each such item as a
component of its own (the engine's general path, forced by switching the merge off): same
posteriors, leave-one-out and interval draws (the block draws no random number)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypotheses.model import factors, numpy_engine
from hypotheses.model.components import PointItems, score_component
from hypotheses.model.factors import compile_case
from tests.helpers import make_case


def _point_document(rng: np.random.Generator, n_hyp: int, n_items: int) -> dict[str, Any]:
    ids = [f"h{k}" for k in range(n_hyp)]
    evidence = []
    for j in range(n_items):
        row = rng.uniform(0.02, 0.98, n_hyp).round(4)
        if j == 4:
            row[0] = 0.0  # rules h0 out: leave-one-out must bring it back, never NaN
        item: dict[str, Any] = {
            "id": f"e{j}",
            "label": "x",
            "likelihoods": dict(zip(ids, row.tolist(), strict=True)),
        }
        if j % 3 == 0:
            item["credibility"] = round(float(rng.uniform(0.3, 1.0)), 3)
        if j % 4 == 1:
            item["source"] = "wire"
        evidence.append(item)
    return {
        "schema": 1,
        "title": "points",
        "hypotheses": [
            {"id": h, "label": h, "prior": round(float(p), 3)}
            for h, p in zip(ids, rng.uniform(0.1, 1, n_hyp), strict=True)
        ],
        "sources": {"wire": {"label": "wire", "reliability": 0.7}},
        "evidence": evidence,
    }


def _by_hand(document: dict[str, Any], leave_out: int | None = None) -> np.ndarray:
    """P(h | E) = pi_h prod_j (c_j theta_jh + (1 - c_j) mean_k theta_jk), normalised, in logs."""
    ids = [h["id"] for h in document["hypotheses"]]
    pi = np.array([h["prior"] for h in document["hypotheses"]], dtype=float)
    total = np.log(pi / pi.sum())
    reliability = {s: v["reliability"] for s, v in document.get("sources", {}).items()}
    for j, item in enumerate(document["evidence"]):
        if j == leave_out:
            continue
        theta = np.array([item["likelihoods"][h] for h in ids], dtype=float)
        c = item.get("credibility", 1.0) * reliability.get(item.get("source"), 1.0)
        with np.errstate(divide="ignore"):
            total = total + np.log(c * theta + (1 - c) * theta.mean())
    weights = np.exp(total - total.max())
    return weights / weights.sum()


def test_a_thousand_point_items_are_one_block_with_the_closed_form_posterior() -> None:
    document = _point_document(np.random.default_rng(5), 4, 1000)
    case = make_case(document)
    compiled = compile_case(case)
    (block,) = compiled.components
    assert block.points_only and len(block.members) == 1000
    result = numpy_engine.run(case, with_leave_one_out=True)
    assert result.posterior_mean == pytest.approx(_by_hand(document), rel=1e-12, abs=1e-300)
    assert result.posterior_mean[0] == 0.0  # e4 rules h0 out
    assert result.leave_one_out is not None
    for j in (0, 4, 500, 999):
        assert result.leave_one_out[j] == pytest.approx(
            _by_hand(document, leave_out=j), rel=1e-10, abs=1e-300
        )
    assert result.leave_one_out[4][0] > 0.0


def test_point_items_and_an_uncertain_source_keep_their_own_components() -> None:
    document = _point_document(np.random.default_rng(6), 3, 6)
    document["sources"]["vague"] = {"label": "vague", "reliability": "C"}
    document["evidence"][2]["source"] = "vague"  # on an uncertain source: a grid of its own
    document["evidence"][4]["likelihoods"]["h1"] = "likely"  # an uncertain likelihood: its own
    compiled = compile_case(make_case(document))
    shape = [(c.points_only, c.method, [it.id for it in c.members]) for c in compiled.components]
    assert shape == [
        (True, "exact", ["e0", "e1", "e3", "e5"]),
        (False, "grid", ["e2"]),
        (False, "exact", ["e4"]),
    ]


@st.composite
def _mixed_documents(draw: Any) -> dict[str, Any]:
    """Point items (some on a point source, some with a credibility) among items on uncertain
    sources, with uncertain likelihoods, and reports of an event."""
    n_hyp = draw(st.integers(2, 4))
    ids = [f"h{k}" for k in range(n_hyp)]
    p = st.floats(0.03, 0.97).map(lambda x: round(x, 3))
    evidence = []
    for j in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["point", "point", "pointsource", "uncertain", "vague", "report"]))
        item: dict[str, Any] = {"id": f"e{j}", "label": "x"}
        if kind == "report":
            item["reports"] = "g"
            item["source"] = draw(st.sampled_from(["u", "wire"]))
        else:
            item["likelihoods"] = {h: draw(p) for h in ids}
        if kind == "uncertain":
            item["likelihoods"][ids[0]] = "likely"
        if kind == "pointsource":
            item["source"] = "wire"
        if kind == "vague":
            item["source"] = draw(st.sampled_from(["u", "v"]))
        if draw(st.booleans()):
            item["credibility"] = draw(p)
        evidence.append(item)
    document: dict[str, Any] = {
        "schema": 1,
        "title": "mixed",
        "hypotheses": [{"id": h, "label": h, "prior": draw(p)} for h in ids],
        "sources": {
            "wire": {"label": "wire", "reliability": 0.8},
            "u": {"label": "u", "reliability": "C"},
            "v": {"label": "v", "reliability": [0.4, 0.9]},
        },
        "evidence": evidence,
    }
    if any("reports" in it for it in evidence):
        document["events"] = {"g": {"label": "g", "likelihoods": {h: draw(p) for h in ids}}}
    return document


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mixed_documents(), st.integers(0, 2**16))
def test_the_block_gives_what_a_component_per_item_gives(document: dict[str, Any], seed: int) -> None:
    merged = numpy_engine.run(make_case(document), draws=300, seed=seed, with_leave_one_out=True)
    original = factors._point_standalone
    factors._point_standalone = lambda *_: False  # every point item a component of its own
    try:
        case = make_case(document)
        assert not any(c.points_only for c in compile_case(case).components)
        apart = numpy_engine.run(case, draws=300, seed=seed, with_leave_one_out=True)
    finally:
        factors._point_standalone = original
    np.testing.assert_allclose(merged.posterior_mean, apart.posterior_mean, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(merged.leave_one_out, apart.leave_one_out, rtol=1e-10, atol=1e-15)
    np.testing.assert_allclose(merged.posterior_draws, apart.posterior_draws, rtol=1e-9, atol=1e-13)
    assert merged.mean_mcse == pytest.approx(apart.mean_mcse, rel=1e-9, abs=1e-15)
    assert merged.components == apart.components


def test_the_block_built_from_its_items_equals_the_compiled_rows() -> None:
    """score_component on a points-only component computes the rows from its items."""
    document = _point_document(np.random.default_rng(7), 2, 4)
    compiled = compile_case(make_case(document))
    (component,) = compiled.components
    alone = score_component(component, 2, compiled.reliability, 0)
    assert isinstance(alone, PointItems)
    hand = np.log([_lambda(it, document) for it in document["evidence"]])
    np.testing.assert_allclose(alone.rows, hand, rtol=1e-13)
    np.testing.assert_array_equal(alone.rows, compiled.point_rows)  # the same arithmetic
    without = alone.log_factor_without()
    np.testing.assert_allclose(without["e2"], np.delete(hand, 2, axis=0).sum(axis=0), rtol=1e-13)


def _lambda(item: dict[str, Any], document: dict[str, Any]) -> np.ndarray:
    ids = [h["id"] for h in document["hypotheses"]]
    theta = np.array([item["likelihoods"][h] for h in ids], dtype=float)
    c = item.get("credibility", 1.0) * (0.7 if item.get("source") == "wire" else 1.0)
    return c * theta + (1 - c) * theta.mean()
