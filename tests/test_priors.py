"""Judgments and scales: Beta fits hit their quantiles, stored fits are current, words map both ways."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import special

from priors import ADMIRALTY, JudgmentError, get_scale, parse_judgment, parse_reliability, scale_names
from priors.betafit import beta_cdf, beta_cdf_array, fit_beta
from priors.judgment import Beta, Point
from priors.scales import _read_scale


@settings(max_examples=200, deadline=None)
@given(st.floats(0.001, 0.99), st.floats(0.002, 0.99))
def test_fit_hits_the_5_and_95_percent_quantiles(lo: float, width: float) -> None:
    hi = min(lo + width, 0.999)
    if hi - lo < 1e-3:
        return
    a, b = fit_beta(lo, hi)
    q05, q95 = special.betaincinv(a, b, [0.05, 0.95])
    assert q05 == pytest.approx(lo, rel=1e-6)
    assert q95 == pytest.approx(hi, rel=1e-6)


@pytest.mark.parametrize(("a", "b"), [(0.5, 0.5), (2, 5), (41.5, 5.4), (135, 135), (1e4, 1e3)])
def test_incomplete_beta_matches_scipy(a: float, b: float) -> None:
    x = np.linspace(0, 1, 401)
    assert np.allclose(beta_cdf_array(x, a, b), special.betainc(a, b, x), atol=1e-11)
    assert beta_cdf(0.3, a, b) == pytest.approx(special.betainc(a, b, 0.3), abs=1e-11)


@pytest.mark.parametrize("name", ["icd203", "phia", "kent"])
def test_stored_scale_fits_are_current(name: str) -> None:
    scale = get_scale(name)
    for term in scale.terms:
        if term.lo == term.hi:
            assert isinstance(term.judgment, Point)
            continue
        a, b = fit_beta(max(term.lo, 0.005), min(term.hi, 0.995))
        assert (term.judgment.a, term.judgment.b) == pytest.approx((a, b), rel=1e-6)


def test_scale_without_stored_fit_is_fitted_on_load(tmp_path) -> None:
    path = tmp_path / "house.yaml"
    path.write_text("name: house\nterms:\n  - term: maybe\n    range: [30, 70]\n")
    term = _read_scale(path).terms[0]
    assert special.betaincinv(term.judgment.a, term.judgment.b, 0.05) == pytest.approx(0.3, rel=1e-6)


def test_range_ends_of_0_and_100_become_half_a_percent() -> None:
    remote = get_scale("phia").lookup("remote chance").judgment
    assert special.betaincinv(remote.a, remote.b, 0.05) == pytest.approx(0.005, rel=1e-6)


def test_the_three_scales_and_their_synonyms() -> None:
    assert scale_names()[:3] == ["icd203", "kent", "phia"]
    icd = get_scale("icd203")
    assert icd.judgment("Highly  Probable") == icd.judgment("very likely")
    assert icd.judgment("probably") == icd.judgment("likely")
    assert get_scale("kent").judgment("impossible") == Point(0.0)


@pytest.mark.parametrize(
    ("scale", "p", "words"),
    [
        ("icd203", 0.001, "almost no chance"),
        ("icd203", 0.3, "unlikely"),
        ("icd203", 0.8, "very likely"),
        ("icd203", 0.999, "almost certain"),
        ("phia", 0.07, "between remote chance and highly unlikely"),
        ("phia", 0.85, "highly likely"),
        ("phia", 1.0, "almost certain"),
        ("kent", 0.0, "impossible"),
        ("kent", 0.62, "between chances about even and probable"),
        ("kent", 1.0, "certain"),
    ],
)
def test_probability_to_words(scale: str, p: float, words: str) -> None:
    assert get_scale(scale).term_for(p) == words


def test_admiralty_codes() -> None:
    icd = get_scale("icd203")
    for code, (_, lo, hi) in ADMIRALTY.items():
        judgment = parse_reliability(code.lower(), icd)
        assert isinstance(judgment, Beta)
        assert special.betaincinv(judgment.a, judgment.b, [0.05, 0.95]) == pytest.approx(
            [lo / 100, hi / 100], rel=1e-6
        )
    assert parse_reliability(0.7, icd) == Point(0.7)
    with pytest.raises(JudgmentError, match="unknown Admiralty reliability code 'G'"):
        parse_reliability("G", icd)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "cannot be True"),
        ([0.1, 0.2, 0.3], "an interval has two ends"),
        ({"gamma": [1, 2]}, "a distribution is written {beta: [a, b]}"),
        ({"beta": [1, -2]}, "Beta parameters must be positive"),
        ("150%", "outside 0 to 1"),
        (["10%", 0.05], "is reversed"),
    ],
)
def test_bad_judgments(value: object, message: str) -> None:
    with pytest.raises(JudgmentError, match=message.replace("[", r"\[").replace("{", r"\{")):
        parse_judgment(value, get_scale("icd203"))


def test_equal_interval_ends_are_a_point() -> None:
    assert parse_judgment([0.3, 0.3], get_scale("icd203")) == Point(0.3)
    assert parse_judgment(["20%", "40%"], get_scale("icd203")).mean == pytest.approx(
        parse_judgment([0.2, 0.4], get_scale("icd203")).mean
    )


def test_fitted_judgments_know_their_quantiles() -> None:
    icd = get_scale("icd203")
    for judgment in (icd.judgment("likely"), parse_judgment([0.2, 0.4], icd), parse_reliability("F", icd)):
        fitted = judgment.quantiles()
        bisected = Beta(judgment.a, judgment.b).quantiles()
        assert fitted == pytest.approx(bisected, rel=1e-6)
