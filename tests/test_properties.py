"""Laws of the posterior, checked on generated cases with the `hypothesis` library.

Cases use point priors and uncertain (interval) likelihoods without shared sources, where the
engine's P(h | E) is exact, so the laws hold to rounding error, not Monte Carlo error.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from hypotheses import CaseError, score
from tests.helpers import make_case

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
probability = st.floats(0.02, 0.98).map(lambda p: round(p, 4))


@st.composite
def cases(draw: Any) -> dict[str, Any]:
    n_hyp = draw(st.integers(2, 5))
    n_items = draw(st.integers(0, 5))
    ids = [f"h{k}" for k in range(n_hyp)]

    def judgment() -> Any:
        lo = draw(probability)
        if draw(st.booleans()):
            return lo
        return [round(lo * 0.8, 4), round(min(lo * 1.2, 0.99), 4)]

    return {
        "schema": 1,
        "title": "generated",
        "hypotheses": [{"id": h, "label": h, "prior": draw(probability)} for h in ids],
        "evidence": [
            {
                "id": f"e{j}",
                "label": "x",
                "credibility": draw(probability),
                "likelihoods": {h: judgment() for h in ids},
            }
            for j in range(n_items)
        ],
    }


def posterior(document: dict[str, Any]) -> dict[str, float]:
    card = score(make_case(document), draws=200)
    return {h.id: h.posterior.mean for h in card.hypotheses}


def assert_same_posterior(first: dict[str, Any], second: dict[str, Any]) -> None:
    """Equal to rounding error: the posteriors here are exact, not Monte Carlo estimates."""
    a, b = posterior(first), posterior(second)
    assert all(a[h] == pytest.approx(b[h], rel=1e-9, abs=1e-15) for h in a)


@SETTINGS
@given(cases())
def test_posteriors_sum_to_one(document: dict[str, Any]) -> None:
    assert sum(posterior(document).values()) == pytest.approx(1.0, abs=1e-12)


@SETTINGS
@given(cases(), st.randoms(use_true_random=False))
def test_invariant_to_hypothesis_order(document: dict[str, Any], random: Any) -> None:
    shuffled = dict(document, hypotheses=random.sample(document["hypotheses"], len(document["hypotheses"])))
    assert_same_posterior(document, shuffled)


@SETTINGS
@given(cases(), st.randoms(use_true_random=False))
def test_invariant_to_evidence_order(document: dict[str, Any], random: Any) -> None:
    shuffled = dict(document, evidence=random.sample(document["evidence"], len(document["evidence"])))
    assert_same_posterior(document, shuffled)


@SETTINGS
@given(cases(), probability)
def test_evidence_with_equal_likelihoods_changes_nothing(document: dict[str, Any], p: float) -> None:
    ids = [h["id"] for h in document["hypotheses"]]
    neutral = {"id": "neutral", "label": "x", "likelihoods": dict.fromkeys(ids, p)}
    assert_same_posterior(document, dict(document, evidence=[*document["evidence"], neutral]))


@SETTINGS
@given(cases(), st.lists(probability, min_size=5, max_size=5))
def test_evidence_from_a_source_of_no_credibility_changes_nothing(
    document: dict[str, Any], values: list[float]
) -> None:
    ids = [h["id"] for h in document["hypotheses"]]
    item = {
        "id": "rumour",
        "label": "x",
        "credibility": 0,
        "likelihoods": {h: values[k] for k, h in enumerate(ids)},
    }
    assert_same_posterior(document, dict(document, evidence=[*document["evidence"], item]))


@SETTINGS
@given(cases(), st.data())
def test_monotone_in_each_likelihood(document: dict[str, Any], data: Any) -> None:
    assume(document["evidence"])
    j = data.draw(st.integers(0, len(document["evidence"]) - 1))
    h = data.draw(st.sampled_from([x["id"] for x in document["hypotheses"]]))
    item = document["evidence"][j]
    low = data.draw(probability)
    high = min(low + data.draw(st.floats(0.01, 0.5)), 0.99)

    def with_likelihood(value: float) -> dict[str, Any]:
        changed = dict(item, likelihoods=dict(item["likelihoods"], **{h: value}))
        evidence = [changed if k == j else e for k, e in enumerate(document["evidence"])]
        return dict(document, evidence=evidence)

    try:
        below, above = posterior(with_likelihood(low))[h], posterior(with_likelihood(high))[h]
    except CaseError:
        assume(False)
    assert above >= below - 1e-12


def test_interval_contains_the_truth_for_points() -> None:
    card = score(
        make_case(
            {
                "schema": 1,
                "title": "t",
                "hypotheses": [
                    {"id": "a", "label": "a", "prior": 0.5},
                    {"id": "b", "label": "b", "prior": 0.5},
                ],
                "evidence": [{"id": "e", "label": "e", "likelihoods": {"a": 0.9, "b": 0.1}}],
            }
        )
    )
    a = card.hypotheses[0].posterior
    assert a.lo == a.mean == a.hi == pytest.approx(0.9)
    assert np.isclose(sum(h.prior.mean for h in card.hypotheses), 1.0)
