"""Pools sized by their own Monte Carlo error (docs/model.md section 3, issue 32): E[pi_h]'s
prior draws grow until the error they can bring to any posterior is below MEAN_MCSE_TARGET; the
joint pool of an uncertain event's interval draws grows until its Kish ESS is JOINT_ESS_RATIO
times the draws. Both are capped and deterministic with the seed."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypotheses import load_case
from hypotheses.model import components, numpy_engine, prior
from hypotheses.model.logspace import column_sums, logsumexp, row_sums, softmax
from hypotheses.settings import MEAN_MCSE_TARGET
from tests.helpers import EXAMPLES

SEED_CASE = EXAMPLES / "al-bab-2017.yaml"


def _prior_draws(case: Any, seed: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, np.ndarray]:
    """The prior draws E[pi_h] took, and its batch estimates."""
    counted: list[int] = []
    original = prior.prior_weight_draws

    def counting(case: Any, n: int, rng: np.random.Generator) -> Any:
        counted.append(n)
        return original(case, n, rng)

    monkeypatch.setattr(prior, "prior_weight_draws", counting)
    _, batches = prior.prior_mean(case, np.random.default_rng(seed))
    monkeypatch.setattr(prior, "prior_weight_draws", original)
    assert batches is not None
    return sum(counted), batches


@pytest.mark.parametrize("seed", range(3))
def test_the_prior_draws_stop_at_the_first_size_whose_error_meets_the_target(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = load_case(SEED_CASE)
    n, batches = _prior_draws(case, seed, monkeypatch)
    start, cap = prior.prior_draw_sizes(case)
    assert n in [start * 2**k for k in range(8)] and n <= cap
    assert prior.prior_error_bound(batches) <= MEAN_MCSE_TARGET or n == cap
    if n > start:  # the size before (the same draws, in the same order, cut short) was not enough
        monkeypatch.setattr(prior, "PRIOR_MEAN_DRAWS", n // 2)
        fewer, short = _prior_draws(case, seed, monkeypatch)
        assert fewer == n // 2 and prior.prior_error_bound(short) > MEAN_MCSE_TARGET


def test_the_cap_still_holds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(prior, "PRIOR_MEAN_START", 1024)
    monkeypatch.setattr(prior, "PRIOR_MEAN_DRAWS", 2048)
    monkeypatch.setattr(prior, "PRIOR_MEAN_FLOOR", 1024)
    n, _ = _prior_draws(load_case(SEED_CASE), 0, monkeypatch)
    assert n == 2048  # 2,048 draws cannot reach 1e-4 on the seed case's priors


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.floats(-30, 30), min_size=3, max_size=3), st.integers(0, 3))
def test_the_bound_holds_for_any_evidence(log_factors: list[float], seed: int) -> None:
    """Whatever the evidence (any likelihood per hypothesis), the error of P(h | E) estimated
    from the batches (as `mean_mcse` reports it) stays within the bound, up to its second-order
    terms."""
    _, batches = prior.prior_mean(load_case(SEED_CASE), np.random.default_rng(seed))
    assert batches is not None
    each = softmax(np.log(batches) + np.array(log_factors)[None, :], axis=1)
    error = float((each.std(axis=0, ddof=1) / math.sqrt(len(each))).max())
    assert error <= 1.05 * prior.prior_error_bound(batches)


def test_the_bound_is_reached_when_the_evidence_sets_two_hypotheses_level() -> None:
    """The bound is not loose: evidence that leaves the two hypotheses whose errors differ most
    level comes close to it (so the rule wastes no draws it could know it does not need)."""
    _, batches = prior.prior_mean(load_case(SEED_CASE), np.random.default_rng(0))
    assert batches is not None
    logs = np.log(batches)
    spread = (logs[:, :, None] - logs[:, None, :]).std(axis=0, ddof=1)
    h, k = np.unravel_index(np.argmax(spread), spread.shape)
    level = np.full(3, -50.0)
    level[h] = -float(np.log(batches[:, h].mean()))
    level[k] = -float(np.log(batches[:, k].mean()))
    each = softmax(logs + level[None, :], axis=1)
    error = float((each.std(axis=0, ddof=1) / math.sqrt(len(each))).max())
    assert error >= 0.95 * prior.prior_error_bound(batches)


def test_the_joint_pool_grows_until_its_ess_covers_the_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    """The seed case's uncertain event: its joint pool starts at JOINT_START candidates and
    doubles until every hypothesis that counts has a Kish ESS of JOINT_ESS_RATIO x draws."""
    sizes: list[int] = []
    noted: list[np.ndarray] = []
    original = components.ComponentScore._candidates

    def candidates(self: Any, size: int, rng: np.random.Generator) -> Any:
        sizes.append(size)
        return original(self, size, rng)

    monkeypatch.setattr(components.ComponentScore, "_candidates", candidates)
    monkeypatch.setattr(
        components.DrawState, "note_ess", lambda self, w: noted.append(components.kish_ess(w))
    )
    result = numpy_engine.run(load_case(SEED_CASE), draws=2000, seed=0)
    counted = result.posterior_mean >= components.ESS_POSTERIOR_FLOOR
    total = sum(sizes)
    assert sizes[0] == components.JOINT_START and total <= components.JOINT_POOL
    (joint,) = [k for k in noted if k.shape == result.posterior_mean.shape and k.max() > 2000][-1:]
    assert joint[counted].min() >= components.JOINT_ESS_RATIO * 2000 or total == components.JOINT_POOL
    if len(sizes) > 1:  # half the pool was not enough: its ESS is about half
        assert joint[counted].min() / 2 < components.JOINT_ESS_RATIO * 2000 * 1.05


def test_the_engine_stays_deterministic_with_the_seed() -> None:
    case = load_case(SEED_CASE)
    first, again = numpy_engine.run(case, seed=11), numpy_engine.run(case, seed=11)
    assert first.posterior_mean.tolist() == again.posterior_mean.tolist()
    assert first.posterior_draws.tolist() == again.posterior_draws.tolist()
    assert first.mean_mcse == again.mean_mcse and first.interval_mcse == again.interval_mcse


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.integers(1, 5), st.integers(0, 2**16))
def test_the_pools_fast_sums_are_numpys_sums(rows: int, cols: int, seed: int) -> None:
    """column_sums, row_sums and logsumexp along the first axis take contiguous routes for
    speed (a pool's (65,536, H) weights): the same numbers as NumPy's plain reductions, -inf
    columns included."""
    x = np.random.default_rng(seed).normal(size=(rows, cols)) * 50
    x[:, 0] = -np.inf if seed % 3 == 0 else x[:, 0]
    np.testing.assert_allclose(column_sums(np.exp(x)), np.exp(x).sum(axis=0), rtol=1e-12)
    np.testing.assert_allclose(row_sums(np.exp(x)), np.exp(x).sum(axis=1), rtol=1e-12)
    peak = np.max(x, axis=0)
    safe = np.where(np.isfinite(peak), peak, 0.0)
    with np.errstate(divide="ignore"):
        expected = safe + np.log(np.exp(x - safe).sum(axis=0))
    np.testing.assert_allclose(logsumexp(x, axis=0), expected, rtol=1e-12)
