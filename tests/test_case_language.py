"""The case language's second edition (docs/case-format.md, More of the language), as far as
it is built: the forms probabilities are published in, priors as relative weights and the two
prior warnings, and messages that say which form a number above 1 was probably meant in."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest

from hypotheses import CaseError, case_from_text, score
from hypotheses.output.text import to_json
from priors import Beta, LogNormal, Point, get_scale, parse_judgment, parse_weight
from tests.helpers import make_case

ICD = get_scale("icd203")


@pytest.mark.parametrize(
    ("text", "exact"),
    [
        ("16/60", Fraction(16, 60)),
        ("1 in 20", Fraction(1, 20)),
        ("12 in 1000", Fraction(12, 1000)),
        ("1:3", Fraction(1, 4)),
        ("3:1", Fraction(3, 4)),
        ("30 %", Fraction(30, 100)),
        ("30%", Fraction(30, 100)),
        ("0.3", Fraction(3, 10)),
    ],
)
def test_published_forms_are_read_exactly(text: str, exact: Fraction) -> None:
    judgment = parse_judgment(text, ICD)
    assert isinstance(judgment, Point)
    assert judgment.value == pytest.approx(float(exact), rel=1e-15)
    assert judgment.text == text


def _document(priors: list[object], likelihoods: list[object] | None = None) -> str:
    """YAML text written by hand (not through a YAML dumper, which would quote 1:3)."""
    lines = ["schema: 1", "title: forms", "hypotheses:"]
    for k, prior in enumerate(priors):
        lines += [f"  - id: h{k}", f"    label: H{k}", f"    prior: {prior}"]
    if likelihoods is not None:
        lines += ["evidence:", "  - id: e", "    label: E", "    likelihoods:"]
        lines += [f"      h{k}: {value}" for k, value in enumerate(likelihoods)]
    return "\n".join(lines) + "\n"


def test_unquoted_odds_are_odds_not_base_60() -> None:
    """YAML 1.1 reads an unquoted 1:3 as the base-60 number 63."""
    case = case_from_text(_document(["1:3", "3:1"]))
    assert [h.prior[0][1].mean for h in case.hypotheses] == [0.25, 0.75]


def test_rootclaim_priors_as_published() -> None:
    """Rootclaim's 200:40:3 typed as written: relative weights, normalised, no warning."""
    case = case_from_text(_document([200, 40, 3]))
    assert not case.warnings
    card = score(case, engine="numpy", explain=False)
    assert [h.prior.mean for h in card.hypotheses] == pytest.approx([200 / 243, 40 / 243, 3 / 243], rel=1e-12)


def test_a_court_case_in_odds_and_counts() -> None:
    """Prior odds 30:1 and evidence given as counts: the posterior by hand, exactly."""
    case = case_from_text(_document(["30:1", "1:30"], ["16/60", "4 in 5"]))
    card = score(case, engine="numpy", explain=False)
    odds = (30 / 1) * (16 / 60) / (4 / 5)
    assert card.hypotheses[0].posterior.mean == pytest.approx(odds / (1 + odds), rel=1e-12)


def test_probabilities_that_do_not_add_up_are_normalised_with_a_warning() -> None:
    case = case_from_text(_document([0.5, 0.3]))
    said = " ".join(str(w) for w in case.warnings)
    assert "add up to 0.8, not 1" in said and "h0 0.625, h1 0.375" in said
    assert not case_from_text(_document([0.25, 0.75])).warnings


def test_different_factor_sets_are_named() -> None:
    case = make_case(
        {
            "schema": 1,
            "title": "factors",
            "hypotheses": [
                {"id": "a", "label": "A", "prior": {"motive": 0.5, "means": 0.9}},
                {"id": "b", "label": "B", "prior": {"motive": 0.4}},
            ],
        }
    )
    said = " ".join(str(w) for w in case.warnings)
    assert "b does not state means" in said and "counts as 1" in said


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (30, "for a percentage write '30%' (0.3); only a prior may be a weight above 1"),
        (250, "only a prior may be a weight above 1"),
        ("150%", "is outside 0 to 1 (0% to 100%)"),
    ],
)
def test_a_likelihood_above_1_says_which_form_was_meant(value: object, says: str) -> None:
    with pytest.raises(CaseError) as caught:
        case_from_text(_document([0.5, 0.5], [value, 0.5]))
    assert says in str(caught.value)


def test_weights_are_only_for_priors() -> None:
    assert parse_weight(200, ICD) == Point(200.0)
    assert parse_weight("0.3", ICD).mean == pytest.approx(0.3)
    with pytest.raises(ValueError, match="outside 0 to 1"):
        parse_weight("150%", ICD)


def _items_case(*items: dict, **top: object) -> dict:
    return {
        "schema": 1,
        "title": "items",
        "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}, {"id": "c", "label": "C"}],
        "evidence": list(items),
        **top,
    }


def test_absent_evidence_equals_hand_written_complements() -> None:
    """observed: false uses 1 - P(E | h): Beta(a, b) -> Beta(b, a), p -> 1 - p; with credibility."""
    from hypotheses.model import numpy_engine

    for credibility in (1.0, 0.7):
        absent = make_case(
            _items_case(
                {
                    "id": "e",
                    "label": "x",
                    "observed": False,
                    "credibility": credibility,
                    "likelihoods": {"a": 0.2, "b": {"beta": [2, 5]}, "c": [0.6, 0.9]},
                }
            )
        )
        fit = absent.evidence[0].likelihoods[2]
        assert isinstance(fit, Beta)
        written = make_case(
            _items_case(
                {
                    "id": "e",
                    "label": "x",
                    "credibility": credibility,
                    "likelihoods": {"a": 0.8, "b": {"beta": [5, 2]}, "c": {"beta": [fit.a, fit.b]}},
                }
            )
        )
        assert numpy_engine.posterior_mean(absent) == pytest.approx(
            numpy_engine.posterior_mean(written), abs=1e-12
        )


def test_pending_items_are_left_out_and_listed() -> None:
    from hypotheses.model import numpy_engine
    from hypotheses.output.text import to_json, to_markdown

    pending = {"id": "p", "label": "later", "observed": "pending", "likelihoods": {"a": 0.9, "default": 0.1}}
    seen = {"id": "e", "label": "seen", "likelihoods": {"a": 0.3, "b": 0.6, "c": 0.5}}
    with_pending, without = make_case(_items_case(seen, pending)), make_case(_items_case(seen))
    assert [i.id for i in with_pending.evidence] == ["e"] and [i.id for i in with_pending.pending] == ["p"]
    assert numpy_engine.posterior_mean(with_pending) == pytest.approx(numpy_engine.posterior_mean(without))
    card = score(with_pending, engine="numpy")
    assert json.loads(to_json(card))["pending"] == [{"id": "p", "label": "later"}]
    assert "## Pending" in to_markdown(card)


def test_groups_are_the_sum_of_their_members_draw_by_draw() -> None:
    document = _items_case(
        {"id": "e", "label": "x", "likelihoods": {"a": [0.2, 0.5], "b": "likely", "c": 0.3}},
        groups={"ab": {"label": "a or b", "members": ["a", "b"]}},
    )
    card = score(make_case(document), engine="numpy", keep_draws=True)
    draws = card.engine_result.posterior_draws[:, :2].sum(axis=1)
    (group,) = card.groups
    assert group.posterior.mean == pytest.approx(
        card.hypotheses[0].posterior.mean + card.hypotheses[1].posterior.mean
    )
    assert group.posterior.lo == pytest.approx(float(np.quantile(draws, 0.05)))
    assert group.posterior.hi == pytest.approx(float(np.quantile(draws, 0.95)))
    from hypotheses.output.text import to_csv, to_json

    data = json.loads(to_json(card))
    assert data["groups"][0]["id"] == "ab" and data["groups"][0]["members"] == ["a", "b"]
    # The keys of docs/model.md section 6.
    assert set(data["groups"][0]) == {"id", "label", "members", "posterior", "verbal"}
    assert "ab,a or b" in to_csv(card)
    # The prior's interval is the sum's too (the CSV row had none): a + b = 1 - c, draw by draw.
    c = card.hypotheses[2].prior
    assert group.prior is not None
    assert group.prior.lo == pytest.approx(1 - c.hi, abs=1e-9) and group.prior.hi == pytest.approx(
        1 - c.lo, abs=1e-9
    )
    row = next(r for r in card.rows() if r["hypothesis"] == "ab")
    assert row["prior_lo"] == group.prior.lo and row["prior_hi"] == group.prior.hi


@pytest.mark.parametrize(
    ("groups", "says"),
    [
        ({"a": {"label": "x", "members": ["a", "b"]}}, "is a hypothesis id"),
        ({"g": {"label": "x", "members": ["a", "zz"]}}, "unknown hypothesis 'zz'"),
        ({"g": {"label": "x", "members": ["a", "a"]}}, "lists a hypothesis twice"),
        ({"g": {"label": "x", "members": ["a"]}}, "at least 2"),
    ],
)
def test_bad_groups_are_clean_errors(groups: dict, says: str) -> None:
    with pytest.raises(CaseError, match=says):
        make_case(_items_case(groups=groups))


def test_notes_dates_links_and_resolution_reach_the_json() -> None:
    from hypotheses.output.text import to_json, to_markdown

    document = _items_case(
        {
            "id": "e",
            "label": "x",
            "date": "2026-01-05",
            "notes": "seen twice",
            "links": ["https://example.org/a"],
            "likelihoods": {"a": 0.3, "b": 0.6, "c": 0.5},
        },
        notes="the case's note",
        resolution={"hypothesis": "b", "date": "2026-03-01"},
    )
    card = score(make_case(document), engine="numpy")
    data = json.loads(to_json(card))
    assert data["case"]["notes"] == "the case's note"
    assert {k: data["evidence"][0][k] for k in ("date", "notes", "links")} == {
        "date": "2026-01-05",
        "notes": "seen twice",
        "links": ["https://example.org/a"],
    }
    assert data["resolution"] == {"hypothesis": "b", "date": "2026-03-01", "notes": None}
    markdown = to_markdown(card)
    assert "seen twice" in markdown and "](" not in markdown  # the link is text, never a live link
    with pytest.raises(CaseError, match="unknown hypothesis 'zz'"):
        make_case({**document, "resolution": {"hypothesis": "zz"}})


def test_a_grading_is_the_sources_letter_and_the_items_credibility() -> None:
    from priors import admiralty_judgment, credibility_judgment

    graded = make_case(
        {
            **_items_case(
                {"id": "e", "label": "x", "grading": "B2", "likelihoods": {"a": 0.9, "default": 0.2}}
            ),
        }
    )
    item = graded.evidence[0]
    assert item.credibility == credibility_judgment("2")
    assert graded.source(item.source) is not None
    assert graded.source(item.source).reliability == admiralty_judgment("B")
    cited = _items_case(
        {"id": "e", "label": "x", "source": "s", "grading": "B2", "likelihoods": {"a": 0.9, "default": 0.2}},
        sources={"s": {"reliability": "C"}},
    )
    with pytest.raises(CaseError, match="make them agree"):
        make_case(cited)
    both = _items_case(
        {
            "id": "e",
            "label": "x",
            "grading": "B2",
            "credibility": 0.5,
            "likelihoods": {"a": 0.9, "default": 0.2},
        }
    )
    with pytest.raises(CaseError, match="both a grading and a credibility"):
        make_case(both)
    with pytest.raises(CaseError, match="grading"):
        make_case(_items_case({"id": "e", "label": "x", "grading": "G9", "likelihoods": {"default": 0.5}}))


@pytest.mark.slow
def test_both_engines_agree_on_a_case_with_every_new_form() -> None:
    """Weights, odds, fractions, an absent item, a pending one, a graded one and a group: the
    PyMC model and the numpy engine, within Monte Carlo error."""
    import arviz as az

    from hypotheses.model import numpy_engine, pymc_engine

    case = case_from_text(
        "\n".join(
            [
                "schema: 1",
                "title: every form",
                "hypotheses:",
                "  - {id: a, label: A, prior: 200}",
                "  - {id: b, label: B, prior: 40}",
                "  - {id: c, label: C, prior: 3:1}",
                "groups: {ab: {label: a or b, members: [a, b]}}",
                "evidence:",
                "  - {id: e1, label: x, likelihoods: {a: 16/60, b: 1 in 5, c: '30 %'}}",
                "  - {id: e2, label: y, observed: false, likelihoods: {a: [0.1, 0.4], b: likely, c: 0.5}}",
                "  - {id: e3, label: z, grading: C3, likelihoods: {a: 0.2, b: 0.7, c: [0.3, 0.6]}}",
                "  - {id: e4, label: w, observed: pending, likelihoods: {default: 0.5, a: 0.99}}",
            ]
        )
        + "\n"
    )
    result = pymc_engine.run(case, draws=4_000, tune=1_000, seed=3)
    mcse = az.mcse(result.inference_data, var_names=["p_hypothesis"])["p_hypothesis"].values
    exact = numpy_engine.posterior_mean(case)
    assert result.rhat is not None and result.rhat < 1.01
    assert np.all(np.abs(result.posterior_mean - exact) < 4 * mcse + 1e-3)


def test_ratios_equal_proportional_likelihoods() -> None:
    """Only the ratios matter at credibility 1: 3:1:1 is 0.6:0.2:0.2 is 0.3:0.1:0.1."""
    from hypotheses.model import numpy_engine

    ratios = make_case(_items_case({"id": "e", "label": "x", "ratios": {"a": 3, "b": "1/1", "default": 1}}))
    likelihoods = make_case(_items_case({"id": "e", "label": "x", "likelihoods": {"a": 0.6, "default": 0.2}}))
    np.testing.assert_allclose(
        numpy_engine.posterior_mean(ratios), numpy_engine.posterior_mean(likelihoods), atol=1e-15
    )
    card = score(ratios, engine="numpy")
    assert math.isnan(card.evidence[0].diagnosticity)
    assert json.loads(to_json(card))["evidence"][0]["diagnosticity"] is None


def test_an_interval_ratio_is_a_log_normal_with_those_quantiles() -> None:
    from scipy import stats

    from hypotheses.model import numpy_engine

    case = make_case(_items_case({"id": "e", "label": "x", "ratios": {"a": [2, 10], "default": 1}}))
    judgment = case.evidence[0].likelihoods[0]
    assert isinstance(judgment, LogNormal)
    quantiles = stats.lognorm.ppf([0.05, 0.95], judgment.sigma, scale=math.exp(judgment.mu))
    np.testing.assert_allclose(quantiles, [2, 10], rtol=1e-12)
    mean = stats.lognorm.mean(judgment.sigma, scale=math.exp(judgment.mu))
    assert numpy_engine.posterior_mean(case)[0] == pytest.approx(mean / (mean + 2), rel=1e-12)
    card = score(case, engine="numpy")
    assert card.explanation is not None
    swing = next(s for s in card.explanation.tornado if s.name == "lik/e/a")
    assert (swing.low, swing.high) == pytest.approx((2, 10))


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        ({"likelihoods": {"default": 0.5}}, "both `likelihoods:` and `ratios:`"),
        ({"credibility": 0.8}, "credibility below 1"),
        ({"grading": "B2"}, "source or grading"),
        ({"observed": False}, "observed: false"),
    ],
)
def test_ratios_where_credibility_would_need_likelihoods_are_refused(extra: dict, says: str) -> None:
    item = {"id": "e", "label": "x", "ratios": {"a": 3, "default": 1}, **extra}
    with pytest.raises(CaseError, match=says):
        make_case(_items_case(item))


def test_a_bad_ratio_says_what_a_ratio_is() -> None:
    with pytest.raises(CaseError, match="not a positive number"):
        make_case(_items_case({"id": "e", "label": "x", "ratios": {"a": "likely", "default": 1}}))
    with pytest.raises(CaseError, match="missing required field 'likelihoods'"):
        make_case(_items_case({"id": "e", "label": "x"}))


@pytest.mark.slow
def test_both_engines_agree_on_interval_ratios() -> None:
    import arviz as az

    from hypotheses.model import numpy_engine, pymc_engine

    case = make_case(
        _items_case(
            {"id": "e", "label": "x", "ratios": {"a": [2, 10], "b": [0.5, 2], "c": 1}},
            {"id": "f", "label": "y", "likelihoods": {"a": "likely", "b": 0.5, "c": [0.2, 0.6]}},
        )
    )
    result = pymc_engine.run(case, draws=4_000, tune=1_000, seed=5)
    mcse = az.mcse(result.inference_data, var_names=["p_hypothesis"])["p_hypothesis"].values
    assert result.rhat is not None and result.rhat < 1.01
    assert np.all(np.abs(result.posterior_mean - numpy_engine.posterior_mean(case)) < 4 * mcse + 1e-3)


def test_the_posterior_after_each_date() -> None:
    """With dated items, JSON `timeline` (and the report's plot) give P(h | E) after each date,
    equal to scoring the case with only the items known by then."""
    from hypotheses.model import numpy_engine
    from hypotheses.output.report import render_report

    first = {"id": "e1", "label": "x", "date": "2026-01-05", "likelihoods": {"a": 0.9, "default": 0.3}}
    second = {"id": "e2", "label": "y", "date": "2026-02-01", "likelihoods": {"b": 0.9, "default": 0.2}}
    undated = {"id": "e0", "label": "z", "likelihoods": {"c": 0.6, "default": 0.4}}
    case = make_case(_items_case(second, undated, first))
    card = score(case, engine="numpy")
    days = [day for day, _ in card.timeline]
    assert days == [None, "2026-01-05", "2026-02-01"]
    for (_, posterior), known in zip(
        card.timeline, ([undated], [undated, first], [second, undated, first]), strict=True
    ):
        expected = numpy_engine.posterior_mean(make_case(_items_case(*known)))
        assert [posterior[h] for h in ("a", "b", "c")] == pytest.approx(list(expected), abs=1e-12)
    assert json.loads(to_json(card))["timeline"][2]["date"] == "2026-02-01"
    assert "after each date" in render_report(case, card)


@pytest.mark.parametrize(
    ("item", "says"),
    [
        ({"id": "e", "label": "x", "likelihoods": None}, "missing required field 'likelihoods'"),
        ({"id": "e", "label": "x", "ratios": {"a": [0.01, 100], "default": 1}}, "spans more than a factor"),
        ({"id": "e", "label": "x", "ratios": {"a": 1e300, "default": 1}}, "beyond 1e-100 to 1e100"),
        ({"id": "e", "label": "x", "ratios": {"a": "1:0", "default": 1}}, "not a positive number"),
        ({"id": "e", "label": "x", "likelihoods": {"a": "1 in 1e400", "default": 0.5}}, "outside 0 to 1"),
        ({"id": "e", "label": "x", "date": 0, "likelihoods": {"default": 0.5}}, "is not a date"),
        (
            {"id": "e", "label": "x", "source": "s", "grading": "A1", "likelihoods": {"default": 0.5}},
            "no reliability",
        ),
    ],
)
def test_review_findings_are_clean_errors(item: dict, says: str) -> None:
    """Inputs a review found crashing (exit 1) or read wrongly: each a clean message now."""
    with pytest.raises(CaseError, match=says):
        make_case(_items_case(item, sources={"s": {"label": "S"}}))


def test_odds_under_ratios_are_the_ratio() -> None:
    """'5:1' under ratios: is five times likelier (it was read as the probability 5/6)."""
    from hypotheses.model import numpy_engine

    odds = make_case(_items_case({"id": "e", "label": "x", "ratios": {"a": "5:1", "default": 1}}))
    number = make_case(_items_case({"id": "e", "label": "x", "ratios": {"a": 5, "default": 1}}))
    np.testing.assert_allclose(
        numpy_engine.posterior_mean(odds), numpy_engine.posterior_mean(number), atol=1e-15
    )


def test_source_notes_resolution_and_hypothesis_notes_reach_every_text_output() -> None:
    from hypotheses.output.report import render_report
    from hypotheses.output.text import to_markdown

    document = _items_case(
        {"id": "e", "label": "x", "source": "s", "likelihoods": {"a": 0.3, "default": 0.5}},
        sources={
            "s": {"label": "S", "reliability": "C", "notes": "met twice", "links": ["https://ex.org/s"]}
        },
        resolution={"hypothesis": "b", "date": "2026-03-01", "notes": "confessed"},
    )
    document["hypotheses"][0]["notes"] = "the usual suspect"
    case = make_case(document)
    card = score(case, engine="numpy")
    data = json.loads(to_json(card))
    assert data["sources"] == [{"id": "s", "label": "S", "notes": "met twice", "links": ["https://ex.org/s"]}]
    markdown, report = to_markdown(card), render_report(case, card)
    for text in ("met twice", "the usual suspect", "2026-03-01"):
        assert text in markdown and text in report
    assert "<a " not in report


def test_a_group_of_every_hypothesis_is_warned_about() -> None:
    case = make_case(_items_case(groups={"all": {"label": "any", "members": ["a", "b", "c"]}}))
    assert "always 1" in " ".join(str(w) for w in case.warnings)


def test_netcdf_keeps_ratios_apart_as_the_pymc_model_does(tmp_path) -> None:
    pytest.importorskip("arviz")
    import arviz as az

    from tests.helpers import score_with_netcdf

    case = make_case(
        _items_case(
            {"id": "e", "label": "x", "ratios": {"a": [2, 10], "default": 1}},
            {"id": "f", "label": "y", "likelihoods": {"a": "likely", "default": 0.5}},
        )
    )
    score_with_netcdf(case, tmp_path / "d.nc", engine="numpy", draws=500)
    posterior = az.from_netcdf(tmp_path / "d.nc").posterior
    assert list(posterior["ratio_place"].values) == ["lik/e/a"]
    assert "lik/f/a" in list(posterior["place"].values)


@pytest.mark.parametrize("odd_one", ["1:4", 0.2, "20%"])
def test_a_probability_among_weights_is_flagged_with_its_share(odd_one) -> None:
    """Odds 1:4 beside weights 3 and 1 are read as a weight of 0.2: 4.8%, not the 20% meant.
    The case still scores (the rule is the documented one), with a warning giving the shares."""
    case = make_case(
        {
            "schema": 1,
            "title": "t",
            "hypotheses": [
                {"id": "authentic", "label": "A", "prior": odd_one},
                {"id": "edited", "label": "E", "prior": 3},
                {"id": "staged", "label": "S", "prior": 1},
            ],
            "evidence": [{"id": "e", "label": "E", "likelihoods": {"default": 0.5}}],
        }
    )
    (said,) = [w.message for w in case.warnings if "mix weights above 1" in w.message]
    assert "(authentic)" in said and "authentic 0.0476" in said
    weights_only = make_case(
        {
            "schema": 1,
            "title": "t",
            "hypotheses": [{"id": f"h{k}", "label": "x", "prior": w} for k, w in enumerate([2, 3, 1])],
            "evidence": [{"id": "e", "label": "E", "likelihoods": {"default": 0.5}}],
        }
    )
    assert not any("mix weights" in w.message for w in weights_only.warnings)
