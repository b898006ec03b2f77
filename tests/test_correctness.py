"""Issue 10's wrong and misleading numbers, each against an independent reference: scipy's
Beta and quadrature (never hypscore's own earlier output)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from hypotheses import CaseError, score
from hypotheses.model import numpy_engine
from hypotheses.output.text import to_json
from priors import Beta, get_scale, parse_judgment
from priors.reliability import admiralty_judgment
from tests.helpers import make_case


def _two(likelihoods: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "schema": 1,
        "title": "t",
        "hypotheses": [{"id": "rare", "label": "r"}, {"id": "usual", "label": "u"}],
        "evidence": [{"id": "e", "label": "e", "likelihoods": likelihoods, **extra}],
    }


def _scipy_beta_through(lo: float, hi: float) -> tuple[float, float]:
    """The Beta whose 5% and 95% quantiles are lo and hi, found by scipy on its own."""

    def gap(log_ab: np.ndarray) -> np.ndarray:
        a, b = np.exp(log_ab)
        return np.array([stats.beta.ppf(0.05, a, b) / lo - 1, stats.beta.ppf(0.95, a, b) / hi - 1])

    a, b = np.exp(optimize.fsolve(gap, [np.log(2.0), np.log(2.0 / lo)], xtol=1e-13))
    return float(a), float(b)


def test_interval_end_below_half_a_percent_is_fitted_as_written() -> None:
    """[0.001, 0.01] was silently moved to [0.005, 0.01]: P(rare) 0.01443 instead of 0.00889."""
    card = score(make_case(_two({"rare": [0.001, 0.01], "usual": 0.5})), engine="numpy", explain=False)
    a, b = _scipy_beta_through(0.001, 0.01)
    expected = (a / (a + b)) / (a / (a + b) + 0.5)
    assert card.hypotheses[0].posterior.mean == pytest.approx(expected, rel=1e-6)
    assert card.hypotheses[0].posterior.mean == pytest.approx(0.00889, abs=5e-6)


@pytest.mark.parametrize(
    "interval", [[0.001, 0.004], [0.996, 0.999], [1e-6, 2e-6], [1e-6, 0.5], [1e-7, 0.1], [1e-12, 0.3]]
)
def test_narrow_intervals_near_the_ends_are_valid(interval: list[float]) -> None:
    judgment = parse_judgment(interval, get_scale("icd203"))
    assert isinstance(judgment, Beta)
    assert stats.beta.ppf([0.05, 0.95], judgment.a, judgment.b) == pytest.approx(interval, rel=1e-6)


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ([0, 0.004], "an end of 0 is fitted as 0.005"),
        ([0.999, 1], "an end of 1 is fitted as 0.995"),
        ([0.3, 0.30000000001], "too narrow"),
        ({"beta": [1e17, 1e17]}, "more precise than any judgment"),
        ({"beta": [1e308, 1]}, "more precise than any judgment"),
    ],
)
def test_impossible_precision_is_a_clean_error(value: Any, says: str) -> None:
    with pytest.raises(CaseError) as caught:
        make_case(_two({"rare": value, "usual": 0.5}))
    message = str(caught.value)
    assert says in message
    for noise in ("Value error", "got a list", "lo=", "need 0 <"):
        assert noise not in message


def _one_source_case(reliability: str | list[float], groups: list[tuple[int, float, float]]) -> dict:
    evidence = [
        {"id": f"e{g}_{i}", "label": "x", "source": "s", "likelihoods": {"p": tp, "q": tq}}
        for g, (count, tp, tq) in enumerate(groups)
        for i in range(count)
    ]
    return {
        "schema": 1,
        "title": "one source",
        "hypotheses": [{"id": "p", "label": "p"}, {"id": "q", "label": "q"}],
        "sources": {"s": {"reliability": reliability}},
        "evidence": evidence,
    }


def _quadrature_p(a: float, b: float, groups: list[tuple[int, float, float]]) -> float:
    """P(p | E) = int Beta(r) prod lambda_p(r) dr / (same + same for q), by scipy quad on a
    log-scaled integrand around each hypothesis's own peak."""
    r = np.linspace(1e-9, 1 - 1e-9, 400_001)

    def log_integrand(x: np.ndarray, h: int) -> np.ndarray:
        out = stats.beta.logpdf(x, a, b)
        for count, tp, tq in groups:
            theta, mix = (tp, tq)[h], 0.5 * (tp + tq)
            out = out + count * np.log(x * theta + (1 - x) * mix)
        return out

    logs = []
    for h in (0, 1):
        peak = float(np.max(log_integrand(r, h)))
        value, _ = integrate.quad(
            lambda x, h=h, peak=peak: float(np.exp(log_integrand(np.array([x]), h)[0] - peak)),
            0,
            1,
            points=list(np.linspace(0.05, 0.95, 19)),
            limit=2000,
            epsabs=0,
            epsrel=1e-12,
        )
        logs.append(peak + np.log(value))
    return float(1 / (1 + np.exp(logs[1] - logs[0])))


def test_shared_reliability_grid_follows_the_posterior_into_the_prior_tail() -> None:
    """Issue 10's case: 200 items from one Admiralty-A source pull r far below its prior; the
    grid spanned the prior mean +- 12 sd and said 0.50096 at every seed (exact 0.48035)."""
    groups = [(80, 0.9, 0.1), (120, 0.2, 0.8)]
    case = make_case(_one_source_case("A", groups))
    a = admiralty_judgment("A")
    exact = _quadrature_p(a.a, a.b, groups)  # type: ignore[union-attr]
    assert exact == pytest.approx(0.48035, abs=1e-5)
    for seed in (0, 1):
        card = score(case, engine="numpy", seed=seed, explain=False)
        assert card.hypotheses[0].posterior.mean == pytest.approx(exact, abs=1e-9)


def test_shared_reliability_grid_in_the_upper_tail() -> None:
    """The mirror case: a source judged unreliable (E, 5-30%) whose 300 consistent reports make
    r's posterior sit far above its prior."""
    groups = [(300, 0.95, 0.05)]
    case = make_case(_one_source_case("E", groups))
    e = admiralty_judgment("E")
    exact = _quadrature_p(e.a, e.b, groups)  # type: ignore[union-attr]
    assert numpy_engine.posterior_mean(case)[0] == pytest.approx(exact, abs=1e-9)


def test_leave_one_out_on_a_shared_grid_equals_rescoring_without_the_item() -> None:
    """Leave-one-out reuses the group's grid (one pass, not a grid per item); each answer must
    equal scoring the case with that item deleted."""
    groups = [(12, 0.9, 0.2), (5, 0.3, 0.7)]
    document = _one_source_case([0.5, 0.9], groups)
    case = make_case(document)
    without = numpy_engine.leave_one_out(case)
    for index in (0, 11, 12, 16):
        reduced = dict(document, evidence=[e for k, e in enumerate(document["evidence"]) if k != index])
        expected = numpy_engine.posterior_mean(make_case(reduced))
        np.testing.assert_allclose(without[index], expected, atol=1e-9)


def _uncertain_priors() -> dict:
    return {
        "schema": 1,
        "title": "uncertain priors",
        "hypotheses": [
            {"id": "a", "label": "a", "prior": {"beta": [2, 3]}},
            {"id": "b", "label": "b", "prior": {"motive": "likely", "means": [0.2, 0.6]}},
            {"id": "c", "label": "c", "prior": 0.3},
        ],
        "evidence": [{"id": "e", "label": "e", "likelihoods": {"a": 0.8, "b": 0.4, "c": 0.5}}],
    }


def test_prior_means_do_not_depend_on_draws_and_carry_their_error() -> None:
    """E[pi_h] was averaged over the --draws prior draws: a spread of 0.026 between seeds at
    --draws 100. Now it has its own estimator, whose error is reported."""
    case = make_case(_uncertain_priors())
    means = np.array(
        [
            [
                h.posterior.mean
                for h in score(case, engine="numpy", draws=100, seed=s, explain=False).hypotheses
            ]
            for s in range(6)
        ]
    )
    card = score(case, engine="numpy", draws=100, seed=0, explain=False)
    mcse = card.diagnostics.mean_mcse
    assert 0 < mcse < 1e-3
    assert np.ptp(means, axis=0).max() < 8 * mcse
    assert json.loads(to_json(card))["diagnostics"]["mean_mcse"] > 0


def test_prior_mean_against_quadrature() -> None:
    """E[w_a / (w_a + w_c)] for w_a ~ Beta(2, 3), w_c = 0.3, by scipy quad."""
    document = _uncertain_priors()
    document["hypotheses"] = [document["hypotheses"][0], document["hypotheses"][2]]
    document["evidence"] = []
    case = make_case(document)
    exact, _ = integrate.quad(lambda x: x / (x + 0.3) * stats.beta.pdf(x, 2, 3), 0, 1, epsabs=1e-13)
    mean, batches = numpy_engine.prior_mean(case, np.random.default_rng(0))
    assert batches is not None
    se = batches.std(axis=0, ddof=1) / np.sqrt(len(batches))
    assert se[0] > 0
    assert abs(mean[0] - exact) < 4 * se[0]
    assert mean.sum() == pytest.approx(1.0)


def test_point_priors_are_exact_and_say_so() -> None:
    card = score(make_case(_two({"rare": 0.2, "usual": 0.5})), engine="numpy", explain=False)
    assert card.diagnostics.mean_mcse == 0.0


def test_zero_likelihood_under_doubt_does_not_claim_to_rule_out() -> None:
    case = make_case(_two({"rare": 0, "usual": 0.5}, credibility=0.8))
    said = " ".join(str(w) for w in case.warnings)
    assert "for good" not in said and "without ruling it out" in said
    card = score(case, engine="numpy", explain=False)
    assert card.hypotheses[0].posterior.mean > 0.05
    certain = make_case(_two({"rare": 0, "usual": 0.5}))
    assert "for good" in " ".join(str(w) for w in certain.warnings)


def test_minus_infinite_weight_is_not_written_like_undefined() -> None:
    card = score(make_case(_two({"rare": 0, "usual": 0.5})), engine="numpy")
    weights = json.loads(to_json(card))["evidence"][0]["weight_db"]
    assert weights["rare"] == "-inf"
    assert isinstance(weights["usual"], float | str)


class _Fake:
    """A stand-in PyMC result with chosen diagnostics (the real sampler is a slow test)."""

    def __init__(self, rhat: float, ess: float, divergences: int) -> None:
        self.rhat, self.ess, self.divergences = rhat, ess, divergences


def _low_ess_case() -> Any:
    """A case whose interval draws are poor in the numpy engine: a prior so heavy-tailed
    (Beta(0.005, 5) against 0.002) that resampling the prior draws given h leaves an ESS of
    ~540 of 20,000. (Uncertain likelihoods no longer do: each item is drawn exactly.)"""
    return make_case(
        {
            "schema": 1,
            "title": "t",
            "hypotheses": [
                {"id": "rare", "label": "R", "prior": {"beta": [0.005, 5]}},
                {"id": "usual", "label": "U", "prior": 0.002},
            ],
            "evidence": [{"id": "e", "label": "E", "likelihoods": {"rare": 0.9, "usual": 0.3}}],
        }
    )


def test_auto_keeps_the_exact_numpy_answer_when_pymc_fails_its_checks(monkeypatch) -> None:
    """Like the audit's case: numpy's mean stands but its interval draws' ESS is low; PyMC
    answered 0.782 with R-hat 1.15 there. PyMC's own diagnostics now veto it."""
    from dataclasses import replace

    from hypotheses.model import pymc_engine

    exact = numpy_engine.run(_low_ess_case(), draws=20_000, seed=0)
    assert exact.ess < 0.05 * exact.draws
    poor = replace(exact, engine="pymc", rhat=1.15, ess=49.0, divergences=26)
    monkeypatch.setattr(pymc_engine, "run", lambda *a, **k: poor)
    card = score(_low_ess_case(), engine="auto", explain=False)
    assert card.diagnostics.engine == "numpy"
    assert card.hypotheses[0].posterior.mean == pytest.approx(exact.posterior_mean[0], abs=1e-12)
    assert "failed its own checks" in card.diagnostics.reason
    assert any("rejected" in w for w in card.warnings)


def test_auto_takes_only_the_intervals_from_a_healthy_pymc_run(monkeypatch) -> None:
    from dataclasses import replace

    from hypotheses.model import pymc_engine

    exact = numpy_engine.run(_low_ess_case(), draws=20_000, seed=0)
    shifted = np.clip(exact.posterior_draws + 0.01, 0, 1)
    healthy = replace(
        exact,
        engine="pymc",
        rhat=1.001,
        ess=3000.0,
        divergences=0,
        posterior_mean=exact.posterior_mean + 0.01,
        posterior_draws=shifted,
    )
    monkeypatch.setattr(pymc_engine, "run", lambda *a, **k: healthy)
    card = score(_low_ess_case(), engine="auto", explain=False)
    assert card.diagnostics.engine == "pymc"
    assert card.hypotheses[0].posterior.mean == pytest.approx(float(exact.posterior_mean[0]), abs=1e-12)


def test_many_hypotheses_get_fewer_default_draws_and_a_clear_limit() -> None:
    """1,000 hypotheses x 10 items needed (draws x hypotheses) arrays per item: 1.5 GB."""
    from hypotheses.analysis.scoring import MAX_DRAW_CELLS, UsageError

    hypotheses = [{"id": f"h{k}", "label": "x", "prior": "likely"} for k in range(1000)]
    evidence = [
        {"id": f"e{j}", "label": "x", "likelihoods": {"default": "unlikely", "h1": "likely"}}
        for j in range(2)
    ]
    case = make_case({"schema": 1, "title": "many", "hypotheses": hypotheses, "evidence": evidence})
    card = score(case, engine="numpy", explain=False)
    assert card.diagnostics.draws * 1000 <= MAX_DRAW_CELLS
    # Point judgments: the intervals are exact at any number of draws, so nothing to warn about.
    assert not any("Monte Carlo error" in w for w in card.warnings)
    uncertain = make_case(
        {
            "schema": 1,
            "title": "many",
            "hypotheses": [{"id": f"h{k}", "label": "x", "prior": {"beta": [0.5, 0.5]}} for k in range(1000)],
            "evidence": evidence,
        }
    )
    card = score(uncertain, engine="numpy", explain=False)
    assert card.diagnostics.draws * 1000 <= MAX_DRAW_CELLS
    with pytest.raises(UsageError, match="--draws 2,000 or fewer"):
        score(case, engine="numpy", draws=20_000, explain=False)


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("draws", 10**12, "at most 1,000,000"),
        ("draws", 2**63, "at most 1,000,000"),
        ("draws", 5, "at least 100"),
        ("seed", -1, "--seed must be"),
        ("seed", 2**63, "--seed must be"),
        ("tune", -5, "--tune must be"),
        ("target_accept", 1.5, "strictly between 0 and 1"),
        ("target_accept", float("nan"), "strictly between 0 and 1"),
    ],
)
def test_impossible_settings_are_refused_before_any_work(option: str, value: Any, says: str) -> None:
    from hypotheses.analysis.scoring import UsageError

    with pytest.raises(UsageError, match=says):
        score(make_case(_two({"rare": 0.2, "usual": 0.5})), engine="pymc", **{option: value})


def test_netcdf_title_with_a_nul(tmp_path) -> None:
    """A NUL in the title crashed the NetCDF writer (attributes are C strings)."""
    pytest.importorskip("arviz")
    from hypotheses.output import netcdf

    document = _two({"rare": [0.1, 0.3], "usual": 0.5})
    document["title"] = "nul\x00here \x1b[2J"
    case = make_case(document)
    assert "\x00" in case.title
    result = numpy_engine.run(case, draws=500, keep_judgments=True)
    target = tmp_path / "d.nc"
    netcdf.write_netcdf(netcdf.inference_data(case, result), target)
    import arviz as az

    title = az.from_netcdf(target).posterior.attrs["case_title"]
    assert "\\x00" in title and "\x1b" not in title


def test_beta_parameters_written_without_a_dot_are_numbers() -> None:
    """YAML 1.1 reads an unquoted 1e-3 as text; {beta: [1e-3, 2]} is still two numbers."""
    case = make_case(_two({"rare": {"beta": ["1e-3", 2]}, "usual": 0.5}))
    assert case.evidence[0].likelihoods[0].mean == pytest.approx(1e-3 / 2.001)


@pytest.mark.slow
def test_auto_with_the_real_sampler_keeps_the_exact_means() -> None:
    """Whatever NUTS does on this awkward posterior (the audit saw R-hat 1.15 and divergences),
    `auto` reports the exact mean, and uses PyMC's intervals only when PyMC passed its checks."""
    card = score(_low_ess_case(), engine="auto", explain=False, seed=1)
    exact = numpy_engine.posterior_mean(_low_ess_case(), seed=1)  # the numpy engine's means
    assert card.hypotheses[0].posterior.mean == pytest.approx(float(exact[0]), abs=1e-12)
    d = card.diagnostics
    if d.engine == "pymc":
        assert d.rhat is not None and d.rhat <= 1.01 and d.ess >= 400 and not d.divergences
    else:
        assert "failed its own checks" in d.reason


@pytest.mark.parametrize(
    ("a", "b"), [(3.0, 0.2), (4.156, 0.095), (0.477, 0.477), (0.3, 5.0), (2.0, 3.0), (0.5, 20.0)]
)
def test_shared_reliability_with_an_infinite_density_at_an_end(a: float, b: float) -> None:
    """A reliability Beta with a < 1 or b < 1 (an interval with an end of 1, say) has an
    infinite density at 0 or 1: the grid was 1.2e-4 off there (a review's Beta(3, 0.2) case).
    Reference: scipy quad with the algebraic weight r^(a-1) (1-r)^(b-1)."""
    from scipy.special import betaln

    items = [(0.0, 0.5, 1.0), (0.8, 0.3, 1.0), (0.6, 0.1, 0.7), (0.9, 0.2, 1.0)]
    evidence = [
        {"id": f"e{k}", "label": "x", "source": "s", "credibility": c, "likelihoods": {"p": tp, "q": tq}}
        for k, (tp, tq, c) in enumerate(items)
    ]
    case = make_case(
        {
            "schema": 1,
            "title": "singular",
            "hypotheses": [{"id": "p", "label": "p"}, {"id": "q", "label": "q"}],
            "sources": {"s": {"reliability": {"beta": [a, b]}}},
            "evidence": evidence,
        }
    )

    def likelihood(r: float, h: int) -> float:
        value = np.exp(-betaln(a, b))
        for tp, tq, c in items:
            theta, mix = (tp, tq)[h], 0.5 * (tp + tq)
            value *= r * c * theta + (1 - r * c) * mix
        return float(value)

    marginal = [
        integrate.quad(
            lambda r, h=h: likelihood(r, h), 0, 1, weight="alg", wvar=(a - 1, b - 1), limit=500, epsrel=1e-13
        )[0]
        for h in (0, 1)
    ]
    assert numpy_engine.posterior_mean(case)[0] == pytest.approx(marginal[0] / sum(marginal), abs=1e-9)
    reduced = make_case(
        {
            "schema": 1,
            "title": "singular",
            "hypotheses": [{"id": "p", "label": "p"}, {"id": "q", "label": "q"}],
            "sources": {"s": {"reliability": {"beta": [a, b]}}},
            "evidence": evidence[1:],
        }
    )
    np.testing.assert_allclose(
        numpy_engine.leave_one_out(case)[0], numpy_engine.posterior_mean(reduced), atol=1e-9
    )


def test_the_reported_error_of_the_means_matches_their_spread_between_seeds() -> None:
    """mean_mcse treated each hypothesis's error as independent, but the estimates sum to 1:
    it under-reported by about sqrt(2). The spread of P(h | E) over seeds must match it."""
    document = _uncertain_priors()
    document["hypotheses"] = document["hypotheses"][:2]
    document["evidence"] = [{"id": "e", "label": "e", "likelihoods": {"a": 0.2, "b": 0.6}}]
    case = make_case(document)
    runs = [numpy_engine.run(case, draws=100, seed=seed) for seed in range(60)]
    spread = np.std([r.posterior_mean[0] for r in runs], ddof=1)
    reported = float(np.sqrt(np.mean([r.mean_mcse**2 for r in runs])))
    assert 0.8 < reported / spread < 1.25


def test_auto_keeps_numpy_when_the_sampler_fails(monkeypatch) -> None:
    from hypotheses.model import pymc_engine

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("sampler crashed")

    monkeypatch.setattr(pymc_engine, "run", broken)
    card = score(_low_ess_case(), engine="auto", explain=False)
    assert card.diagnostics.engine == "numpy" and "sampler crashed" in card.diagnostics.reason


def test_a_nan_diagnostic_fails_its_check() -> None:
    from dataclasses import replace

    from hypotheses.analysis.scoring import pymc_diagnostic_warnings

    result = numpy_engine.run(_low_ess_case(), draws=500, seed=0)
    warnings = pymc_diagnostic_warnings(replace(result, rhat=float("nan"), ess=float("nan"), divergences=0))
    assert len(warnings) == 2
