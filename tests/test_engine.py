"""The numpy engine against independent references: brute-force importance sampling from the
joint prior, and exact rational arithmetic. Tolerances are derived from Monte Carlo errors."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from hypotheses import load_case, score
from hypotheses.model import components, numpy_engine, quadrature
from hypotheses.model.components import resample_columns
from tests.brute_force import brute_force
from tests.helpers import EXAMPLES, make_case, point_case, random_uncertain_case


def _assert_agrees_with_brute_force(case, draws: int = 40_000, samples: int = 300_000) -> None:
    reference, per_draw, weights = brute_force(case, samples)
    ess_reference = 1.0 / np.sum(weights**2)
    # Standard error of the self-normalised importance-sampling estimate of P(h | E).
    se_reference = np.sqrt(np.sum(weights[:, None] ** 2 * (per_draw - reference) ** 2, axis=0))
    # The engine's own Monte Carlo error, from independent seeds.
    runs = [numpy_engine.run(case, draws=draws, seed=s) for s in range(4)]
    means = np.array([r.posterior_mean for r in runs])
    se_engine = means.std(axis=0, ddof=1) + 1e-12
    tolerance = 5 * np.sqrt(se_reference**2 + se_engine**2) + 1e-9
    assert np.all(np.abs(means[0] - reference) < tolerance), (means[0], reference, tolerance)
    # Interval ends: the engine's 5% and 95% quantiles must sit at the reference's 5% and 95%
    # CDF levels, within the binomial error of both estimates.
    for k in range(per_draw.shape[1]):
        lo, hi = np.quantile(runs[0].posterior_draws[:, k], [0.05, 0.95])
        for end, level in ((lo, 0.05), (hi, 0.95)):
            cdf = weights[per_draw[:, k] <= end].sum()
            slack = 5 * np.sqrt(level * (1 - level) * (1 / ess_reference + 1 / runs[0].ess)) + 0.002
            assert abs(cdf - level) < slack, (k, level, cdf)


@pytest.mark.parametrize("example", ["al-bab-2017.yaml", "leaked-memo.yaml"])
def test_examples_agree_with_brute_force(example: str) -> None:
    _assert_agrees_with_brute_force(load_case(EXAMPLES / example))


@pytest.mark.parametrize("seed", range(6))
def test_random_uncertain_cases_agree_with_brute_force(seed: int) -> None:
    _assert_agrees_with_brute_force(make_case(random_uncertain_case(np.random.default_rng(seed))))


def test_many_items_from_one_source_keep_their_ess() -> None:
    """Importance sampling from the joint prior collapses here; per-group resampling does not."""
    ids = ["a", "b", "c"]
    evidence = [
        {
            "id": f"e{j}",
            "label": "x",
            "source": "s",
            "likelihoods": {"a": "likely", "b": "unlikely", "c": "roughly even chance"},
        }
        for j in range(150)
    ]
    case = make_case(
        {
            "schema": 1,
            "title": "t",
            "sources": {"s": {"reliability": "C"}},
            "hypotheses": [{"id": h, "label": h} for h in ids],
            "evidence": evidence,
        }
    )
    result = numpy_engine.run(case, draws=20_000, seed=1)
    _, _, weights = brute_force(case, 20_000)
    assert 1.0 / np.sum(weights**2) < 1_000  # the naive estimator's ESS collapses (~200)
    assert result.ess > 10_000
    assert np.isfinite(result.posterior_draws).all()


def test_underflowing_case_matches_exact_rational_arithmetic() -> None:
    """8 hypotheses x 300 items: the likelihood products are ~1e-600, far below float64."""
    rng = np.random.default_rng(7)
    priors = rng.uniform(0.05, 1.0, 8).round(4).tolist()
    likelihoods = rng.uniform(0.001, 0.1, (300, 8)).round(5).tolist()
    assert np.prod(np.array(likelihoods)[:, 0]) == 0.0  # underflows in linear space
    exact = []
    for k in range(8):
        value = Fraction(priors[k])
        for row in likelihoods:
            value *= Fraction(row[k])
        exact.append(value)
    total = sum(exact)
    expected = np.array([float(v / total) for v in exact])
    card = score(point_case(priors, likelihoods))
    got = np.array([h.posterior.mean for h in card.hypotheses])
    assert np.allclose(got, expected, rtol=1e-9, atol=1e-300)
    assert got.sum() == pytest.approx(1.0)


def test_large_uncertain_case_is_finite() -> None:
    ids = [f"h{k}" for k in range(8)]
    words = ["almost no chance", "very unlikely", "unlikely", "likely"]
    evidence = [
        {"id": f"e{j}", "label": "x", "likelihoods": {h: words[(j + k) % 4] for k, h in enumerate(ids)}}
        for j in range(300)
    ]
    case = make_case(
        {"schema": 1, "title": "t", "hypotheses": [{"id": h, "label": h} for h in ids], "evidence": evidence}
    )
    result = numpy_engine.run(case, draws=5_000, seed=0)
    assert np.isfinite(result.posterior_draws).all()
    assert np.allclose(result.posterior_draws.sum(axis=1), 1.0)
    assert result.posterior_mean.sum() == pytest.approx(1.0)


def test_same_seed_same_draws_other_seed_other_draws() -> None:
    case = load_case(EXAMPLES / "leaked-memo.yaml")
    a, b = numpy_engine.run(case, seed=3), numpy_engine.run(case, seed=3)
    c = numpy_engine.run(case, seed=4)
    assert np.array_equal(a.posterior_draws, b.posterior_draws)
    assert not np.array_equal(a.posterior_draws, c.posterior_draws)


def test_point_case_draws_collapse_to_the_exact_answer() -> None:
    result = numpy_engine.run(point_case([0.2, 0.8], [[0.9, 0.3]]), draws=1000)
    assert np.all(result.posterior_draws == result.posterior_mean)
    assert result.ess == 1000


def test_resample_columns_follows_each_columns_weights() -> None:
    rng = np.random.default_rng(0)
    weights = np.array([[1.0, 0.0], [3.0, 1.0], [0.0, 1.0]])
    column = np.repeat([0, 1], 40_000)
    index = resample_columns(weights, column, rng)
    first = np.bincount(index[:40_000], minlength=3) / 40_000
    second = np.bincount(index[40_000:], minlength=3) / 40_000
    assert first == pytest.approx([0.25, 0.75, 0.0], abs=0.01)
    assert second == pytest.approx([0.0, 0.5, 0.5], abs=0.01)


# ---- The number of interval draws, chosen from the Monte Carlo error of the interval ends ----


def _wide_case():
    """Few, vague items: wide posteriors whose interval ends need more than the pilot draws."""
    return make_case(
        {
            "schema": 1,
            "title": "wide",
            "hypotheses": [
                {"id": "a", "label": "A", "prior": {"beta": [1, 1]}},
                {"id": "b", "label": "B", "prior": {"beta": [1, 1]}},
            ],
            "evidence": [
                {"id": "e", "label": "E", "likelihoods": {"a": [0.05, 0.95], "b": [0.05, 0.95]}},
            ],
        }
    )


@pytest.mark.parametrize(
    "case", [_wide_case(), load_case(EXAMPLES / "leaked-memo.yaml")], ids=["wide", "memo"]
)
def test_chosen_draws_are_a_run_with_that_many_draws(case) -> None:
    """Choosing the draws changes only how many: the answer is `run(draws=n)` for the n chosen,
    bit for bit, and its interval error meets the target."""
    from hypotheses.settings import INTERVAL_MCSE_TARGET, PILOT_DRAWS

    chosen = numpy_engine.run(case, seed=5)
    fixed = numpy_engine.run(case, draws=chosen.draws, seed=5)
    assert np.array_equal(chosen.posterior_draws, fixed.posterior_draws)
    assert np.array_equal(chosen.prior_draws, fixed.prior_draws)
    assert chosen.interval_mcse == fixed.interval_mcse <= INTERVAL_MCSE_TARGET
    pilot = numpy_engine.run(case, draws=PILOT_DRAWS, seed=5)
    if chosen.draws > PILOT_DRAWS:  # more were drawn only because the pilot fell short
        assert pilot.interval_mcse > INTERVAL_MCSE_TARGET


def test_wide_case_gets_more_draws_than_the_pilot() -> None:
    from hypotheses.settings import NUMPY_DEFAULT_DRAWS, PILOT_DRAWS

    chosen = numpy_engine.run(_wide_case(), seed=0)
    assert PILOT_DRAWS < chosen.draws <= NUMPY_DEFAULT_DRAWS


def _pool_limited_case():
    """Two uncertain sources on one chain: a sampled component, whose interval draws resample a
    fixed pool of reliability draws (its ESS does not grow with the draws)."""
    return make_case(
        {
            "schema": 1,
            "title": "pool",
            "hypotheses": [{"id": "a", "label": "A", "prior": 0.5}, {"id": "b", "label": "B", "prior": 0.5}],
            "sources": {"s1": {"label": "S1", "reliability": "C"}, "s2": {"label": "S2", "reliability": "C"}},
            "evidence": [
                {
                    "id": f"e{j}",
                    "label": "E",
                    "source": "s1",
                    "via": ["s2"],
                    "likelihoods": {"a": 0.9, "b": 0.2},
                }
                for j in range(2)
            ],
        }
    )


def _cases_for_the_error():
    from tests.test_correctness import _low_ess_case

    return [_wide_case(), load_case(EXAMPLES / "al-bab-2017.yaml"), _low_ess_case()]


def _spread_ratio(case, draws: int, seeds: int) -> float:
    runs = [numpy_engine.run(case, draws=draws, seed=s) for s in range(seeds)]
    ends = np.array([np.quantile(r.posterior_draws, [0.05, 0.95], axis=0) for r in runs])  # (S, 2, H)
    return float(np.mean([r.interval_mcse for r in runs]) / ends.std(axis=0, ddof=1).max())


@pytest.mark.parametrize("case", _cases_for_the_error(), ids=["wide", "seed", "heavy-tailed"])
def test_interval_mcse_is_the_spread_of_the_interval_ends_over_seeds(case) -> None:
    """The reported error against the one thing it estimates: how much the 5% and 95%
    quantiles move between independent seeds (40 runs: the sd of 40 values is within about
    +-25% of the truth), on a wide posterior, the seed case (resampled joint pool) and a
    heavy-tailed prior whose resampling ESS is a few percent of the draws. A shared pool's
    error is counted as moving every hypothesis's draws together, an upper bound: the
    estimate may be high by a third, never low by more than the test's own noise."""
    assert 0.8 < _spread_ratio(case, 2_000, 40) < 1.5


@pytest.mark.slow
def test_interval_mcse_holds_where_one_shared_pool_limits_the_draws() -> None:
    """Many draws resampled from one joint pool (3 events x 40 reports on an uncertain source):
    at 20,000 draws the pool, not the draws, sets the error, the same for every hypothesis;
    counting each stratum's share of it as independent reported 0.62 of the true spread."""
    events = {
        f"ev{e}": {
            "label": "X",
            "likelihoods": {f"h{k}": "likely" if k % 2 else "unlikely" for k in range(6)},
        }
        for e in range(3)
    }
    evidence = [
        {"id": f"r{e}_{j}", "label": "R", "reports": f"ev{e}", "source": "s1", "credibility": "likely"}
        for e in range(3)
        for j in range(40)
    ]
    case = make_case(
        {
            "schema": 1,
            "title": "pool",
            "hypotheses": [{"id": f"h{k}", "label": "H", "prior": 1 / 6} for k in range(6)],
            "sources": {"s1": {"label": "S1", "reliability": "C"}},
            "events": events,
            "evidence": evidence,
        }
    )
    assert 0.8 < _spread_ratio(case, 20_000, 30) < 1.5


def test_rough_intervals_are_reported_with_the_remedy() -> None:
    """A case whose interval draws stay poor at the most draws chosen (a heavy-tailed prior:
    ESS ~540 of 20,000) says so and by how many draws to sharpen them; so does a --draws that
    falls short."""
    from tests.test_correctness import _low_ess_case

    card = score(_low_ess_case(), engine="numpy", explain=False)
    assert card.diagnostics.draws == 20_000 and card.diagnostics.interval_mcse > 0.005
    (said,) = [w for w in card.warnings if "Monte Carlo error" in w]
    need = numpy_engine.draws_needed(20_000, card.diagnostics.interval_mcse)
    if need <= 1_000_000:  # the limit for 2 hypotheses: say the draws, else the limit
        assert f"--draws {need:,} should bring it to 0.5 points" in said
    else:
        assert "allows --draws 1,000,000 at most" in said
    few = score(load_case(EXAMPLES / "leaked-memo.yaml"), engine="numpy", draws=100, explain=False)
    assert any("Monte Carlo error" in w and "after 100 draws" in w for w in few.warnings)
    enough = score(load_case(EXAMPLES / "leaked-memo.yaml"), engine="numpy", draws=20_000, explain=False)
    assert not any("Monte Carlo error" in w for w in enough.warnings)


def test_draws_stop_growing_when_a_fixed_pool_limits_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pool of 64 reliability draws caps the ESS at ~63 whatever the draws: the engine stops
    adding draws once it sees that, and the warning says more would not help (no --draws)."""
    monkeypatch.setattr(quadrature, "QUADRATURE_NODES", 0)  # the pool, not the tensor rule
    monkeypatch.setattr(components, "SOURCE_DRAWS", 64)
    result = numpy_engine.run(_pool_limited_case(), seed=0)
    assert result.interval_capped and result.ess < 64
    card = score(_pool_limited_case(), engine="numpy", explain=False)
    (said,) = [w for w in card.warnings if "Monte Carlo error" in w]
    assert "more draws would not help" in said and "--draws" not in said
    monkeypatch.setattr(components, "SOURCE_DRAWS", 2**16)  # the real pool: no cap, no warning
    assert not numpy_engine.run(_pool_limited_case(), seed=0).interval_capped


def test_suggested_draws_respect_the_memory_limit() -> None:
    """150 hypotheses allow 13,333 draws: a case needing more is told the limit, never a
    --draws that would be refused."""
    from hypotheses.analysis.scoring import MAX_DRAW_CELLS

    hypotheses = [{"id": "rare", "label": "R", "prior": {"beta": [0.005, 5]}}]
    hypotheses += [{"id": f"u{k}", "label": "U", "prior": 0.00001} for k in range(149)]
    case = make_case(
        {
            "schema": 1,
            "title": "many",
            "hypotheses": hypotheses,
            "evidence": [{"id": "e", "label": "E", "likelihoods": {"rare": 0.9, "default": 0.3}}],
        }
    )
    card = score(case, engine="numpy", explain=False)
    most = MAX_DRAW_CELLS // 150
    assert card.diagnostics.draws <= most
    (said,) = [w for w in card.warnings if "Monte Carlo error" in w]
    assert f"--draws {most:,} at most" in said
