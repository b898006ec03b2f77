"""Weights of evidence (decibans) and diagnosticity."""

from __future__ import annotations

import math

import numpy as np
import pytest

from hypotheses import score
from tests.helpers import point_case


def _odds_db(p: float) -> float:
    return 10 * math.log10(p / (1 - p))


@pytest.mark.parametrize("seed", range(10))
def test_weights_add_up_to_the_posterior_log_odds(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_hyp, n_items = int(rng.integers(2, 6)), int(rng.integers(1, 8))
    priors = rng.uniform(0.05, 1, n_hyp).round(3).tolist()
    likelihoods = rng.uniform(0.02, 0.98, (n_items, n_hyp)).round(3).tolist()
    credibility = rng.uniform(0.2, 1, n_items).round(3).tolist()
    card = score(point_case(priors, likelihoods, credibility))
    for h in card.hypotheses:
        total = _odds_db(h.prior.mean) + sum(e.weight_db[h.id] for e in card.evidence)
        assert total == pytest.approx(_odds_db(h.posterior.mean), abs=1e-9)


def test_equal_likelihoods_weigh_nothing_and_tell_nothing() -> None:
    card = score(point_case([0.2, 0.3, 0.5], [[0.4, 0.4, 0.4], [0.9, 0.1, 0.5]]))
    neutral, telling = card.evidence
    assert all(w == pytest.approx(0.0, abs=1e-12) for w in neutral.weight_db.values())
    assert neutral.diagnosticity == pytest.approx(0.0, abs=1e-12)
    assert telling.diagnosticity > 0.1


def test_two_hypothesis_weight_is_the_likelihood_ratio() -> None:
    card = score(point_case([0.5, 0.5], [[0.8, 0.2]]))
    assert card.evidence[0].weight_db["h0"] == pytest.approx(10 * math.log10(4))
    assert card.evidence[0].weight_db["h1"] == pytest.approx(-10 * math.log10(4))


def test_weights_when_an_item_is_impossible_under_every_hypothesis_left() -> None:
    """With the posterior before an item all on hypotheses it rules out, the item leaves that
    posterior as it was (nothing to condition on): the next item is weighed against it."""
    from hypotheses.analysis.weights import evidence_weights

    case = point_case([0.2, 0.4, 0.4], [[0.5, 0.0, 0.0], [0.2, 0.6, 0.3]])
    first, second = evidence_weights(case, np.array([0.0, 0.5, 0.5]))
    assert first.weight_db[0] == np.inf  # only a could report it
    # Second item against p = (0, 0.5, 0.5): W(b) = 10 log10(0.6 / 0.3).
    assert second.weight_db[1] == pytest.approx(10 * np.log10(0.6 / 0.3))
