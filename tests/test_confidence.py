"""Analytic confidence (docs/model.md section 10): each rule on a case built so that it alone
holds, its level and reason derived by hand from the case; the seed case's line; the outputs."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from cli import app
from hypotheses.analysis.confidence import weak_items
from hypotheses.analysis.scoring import score
from hypotheses.case import case_from_text, load_case
from hypotheses.text import interval, percent
from tests.helpers import DATA, EXAMPLES

HEAD = """schema: 1
title: confidence
hypotheses:
  - {id: a, label: The first explanation, prior: PA}
  - {id: b, label: The second explanation, prior: PB}
"""


def _card(evidence: str, prior_a: float = 0.5, extra: str = ""):
    text = HEAD.replace("PA", str(prior_a)).replace("PB", str(round(1 - prior_a, 10))) + extra + evidence
    return score(case_from_text(text), explain=False)


def test_high_when_no_rule_holds() -> None:
    # Two independent items, each 9:1 for a: P(a) = 81/82 as points (the interval is the point);
    # leaving out either leaves 9:1 for a.
    card = _card(
        """evidence:
  - {id: e1, label: A witness saw the blue car, credibility: 1, likelihoods: {a: 0.9, b: 0.1}}
  - {id: e2, label: The ledger shows a payment, credibility: 1, likelihoods: {a: 0.9, b: 0.1}}
"""
    )
    assert card.hypotheses[0].posterior.mean == pytest.approx(81 / 82)
    assert card.confidence.level == "high"
    assert card.confidence.reasons == (
        f"the 90% interval of a lies above 80% ({interval(81 / 82, 81 / 82)})",
        "2 lines of evidence with no source in common each favour a over b",
        "leaving out any one item, event or origin would make no other hypothesis lead",
        "no item's source is graded D-F or judged below 0.5, nor its credibility below 0.5",
        "every observed item states a source, grading or credibility",
        "no common origin is suspected among the items",
    )


def test_low_when_leaving_out_one_item_changes_the_leader() -> None:
    # e1 9:1 for a, e2 3:1 for b: a leads 3:1 (75%); without e1, b leads 3:1; without e2, a 9:1.
    card = _card(
        """evidence:
  - {id: e1, label: A witness saw the blue car, likelihoods: {a: 0.9, b: 0.1}}
  - {id: e2, label: The ledger shows a payment, likelihoods: {a: 0.2, b: 0.6}}
"""
    )
    assert card.ranked()[0].id == "a" and card.ranked()[0].posterior.mean == pytest.approx(0.75)
    assert card.confidence.level == "low"
    assert card.confidence.reasons == ("leaving out e1 would make b lead",)


def test_low_when_the_intervals_overlap() -> None:
    # One item whose P(E | a) is anywhere in 10-90% (mean 0.5) against P(E | b) = 0.5: P(a) has
    # mean 0.55 (the prior) and a 90% interval from about 20% to 70%, b's the mirror: they
    # overlap. Without the item a still leads (55%).
    card = _card(
        """evidence:
  - {id: e1, label: A witness saw the blue car, likelihoods: {a: [0.1, 0.9], b: 0.5}}
""",
        prior_a=0.55,
    )
    a, b = card.ranked()
    assert a.id == "a" and a.posterior.mean == pytest.approx(0.55, abs=1e-6)
    assert a.posterior.lo < 0.4 and b.posterior.hi > 0.6  # well apart from any rounding
    assert card.confidence.level == "low"
    assert card.confidence.reasons == (
        f"the 90% intervals of a ({interval(a.posterior.lo, a.posterior.hi)}) and b "
        f"({interval(b.posterior.lo, b.posterior.hi)}) overlap",
    )


def test_low_when_most_of_the_leaders_weight_is_weakly_sourced() -> None:
    # e1 (9:1 for a) from a source graded D (reliability about 0.43): about 2:1, 3 dB; e2 1.5:1
    # (1.8 dB) from nowhere in doubt: e1 brings over half of a's weight. Without e1, e2 still
    # favours a; the intervals (D spans 30-55%) stay apart: a about 71-79%.
    card = _card(
        """evidence:
  - {id: e1, label: A witness saw the blue car, source: s, likelihoods: {a: 0.9, b: 0.1}}
  - {id: e2, label: The ledger shows a payment, likelihoods: {a: 0.6, b: 0.4}}
""",
        extra="sources:\n  s: {label: An informant, reliability: D}\n",
    )
    w1, w2 = (e.weight_db["a"] for e in card.evidence)
    assert w1 > w2 > 0
    a, b = card.ranked()
    assert a.id == "a" and a.posterior.lo > b.posterior.hi
    assert card.confidence.level == "low"
    assert card.confidence.reasons == (
        f"{percent(w1 / (w1 + w2))} of the weight for a comes from weakly sourced items "
        "(e1: source s graded D)",
    )


def test_weak_items_are_graded_d_to_f_or_judged_below_one_half() -> None:
    case = case_from_text(
        HEAD.replace("PA", "0.5").replace("PB", "0.5")
        + """sources:
  good: {label: Good, reliability: B}
  poor: {label: Poor, reliability: unlikely}
evidence:
  - {id: e1, label: one, source: good, credibility: unlikely, likelihoods: {a: 0.9, b: 0.1}}
  - {id: e2, label: two, source: good, via: [poor], likelihoods: {a: 0.9, b: 0.1}}
  - {id: e3, label: three, grading: E2, likelihoods: {a: 0.9, b: 0.1}}
  - {id: e4, label: four, grading: B2, likelihoods: {a: 0.9, b: 0.1}}
"""
    )
    assert weak_items(case) == {
        "e1": "credibility unlikely",
        "e2": "source poor judged unlikely",
        "e3": "graded E",
    }


def test_low_when_a_pending_item_may_change_the_leader() -> None:
    # Prior 60:40; e1 2:1 for a: P(a) = 0.75. Pending p1 (P(E | a) = 0.1, P(E | b) = 0.9) is
    # observed with P = 0.75 * 0.1 + 0.25 * 0.9 = 0.30, and then b leads (0.075 against 0.225);
    # absent, a leads: P(leader changes) = 0.30.
    card = _card(
        """evidence:
  - {id: e1, label: A witness saw the blue car, likelihoods: {a: 0.5, b: 0.25}}
  - {id: p1, label: The ledger shows a payment, likelihoods: {a: 0.1, b: 0.9}, observed: pending}
""",
        prior_a=0.6,
    )
    assert card.ranked()[0].posterior.mean == pytest.approx(0.75)
    assert card.confidence.level == "low"
    assert card.confidence.reasons == (
        f"the pending item p1 has a {percent(0.30)} chance of changing the leader once it is known",
    )


def test_low_when_a_common_origin_is_suspected_but_not_declared() -> None:
    # Two items for a (9:1, 4:1) citing the same link: detection suspects one origin.
    card = _card(
        """evidence:
  - {id: e1, label: A witness saw the blue car, likelihoods: {a: 0.9, b: 0.1}, links: [https://example.org/x]}
  - {id: e2, label: The ledger shows a payment, likelihoods: {a: 0.8, b: 0.2}, links: [https://example.org/x]}
"""
    )
    assert [s.items for s in card.suspected_origins] == [("e1", "e2")]
    assert card.confidence.level == "low"
    assert card.confidence.reasons == ("e1 and e2 may repeat one origin that the case does not declare",)


def test_moderate_when_the_leaders_interval_reaches_below_80_percent() -> None:
    # Two independent items 1.5:1 each (1.8 dB): P(a) = 2.25 / 3.25 = 69% as a point.
    card = _card(
        """evidence:
  - {id: e1, label: A witness saw the blue car, credibility: 1, likelihoods: {a: 0.6, b: 0.4}}
  - {id: e2, label: The ledger shows a payment, credibility: 1, likelihoods: {a: 0.6, b: 0.4}}
"""
    )
    assert card.confidence.level == "moderate"
    assert card.confidence.reasons == (
        f"the 90% interval of a reaches down to {percent(2.25 / 3.25)} (high needs it above 80%)",
    )


def test_moderate_with_one_line_of_evidence() -> None:
    # One item 99:1 for a on a 60:40 prior: P(a) over 99%, but one line of evidence.
    card = _card(
        """evidence:
  - {id: e1, label: A witness saw the blue car, credibility: 1, likelihoods: {a: 0.99, b: 0.01}}
""",
        prior_a=0.6,
    )
    assert card.confidence.level == "moderate"
    assert card.confidence.reasons == ("only one independent line of evidence favours a over b",)


def test_a_component_that_barely_moves_the_odds_is_no_line_of_support() -> None:
    # The second item is 1.1:1 (0.4 dB, under the 1 dB a person can tell): one line, not two.
    card = _card(
        """evidence:
  - {id: e1, label: A witness saw the blue car, credibility: 1, likelihoods: {a: 0.99, b: 0.01}}
  - {id: e2, label: The ledger shows a payment, credibility: 1, likelihoods: {a: 0.55, b: 0.5}}
""",
        prior_a=0.6,
    )
    assert card.confidence.reasons == ("only one independent line of evidence favours a over b",)


def test_the_seed_cases_line() -> None:
    # Every item of the seed case passes through the column (reliability C, uncertain): one
    # component, whose sources are the column, the Ministry and the DoD. mistake's interval lies
    # above 80% (82-94%) and nothing else holds.
    card = score(EXAMPLES / "al-bab-2017.yaml", explain=False)
    assert card.confidence.line == (
        "Confidence: moderate: only one independent line of evidence favours mistake over deliberate "
        "(its items hang together through the sources column, mod and us_dod)"
    )


def test_every_output_carries_it() -> None:
    runner = CliRunner()
    seed = str(EXAMPLES / "al-bab-2017.yaml")

    def out(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, result.output
        return result.stdout

    reason = "only one independent line of evidence favours mistake over deliberate"
    assert "Confidence: moderate" in " ".join(out("score", seed).split())
    data = json.loads(out("score", seed, "-f", "json"))
    assert data["confidence"]["level"] == "moderate" and data["confidence"]["reasons"][0].startswith(reason)
    header, first = out("score", seed, "-f", "csv").splitlines()[:2]
    assert ",confidence,confidence_reasons," in header and f',moderate,"{reason}' in first
    assert f"**Confidence: moderate**: {reason}" in out("score", seed, "-f", "md")
    assert "Confidence: moderate" in " ".join(out("explain", seed).split())
    assert json.loads(out("explain", seed, "-f", "json"))["confidence"] == data["confidence"]
    assert f"**Confidence: moderate**: {reason}" in out("explain", seed, "-f", "md")


def test_lines_of_evidence_do_not_depend_on_how_a_reliability_is_written() -> None:
    """Review finding: lines were the engine's components, joined only by uncertain sources, so
    three items from one informant of reliability 0.9 counted as three lines and with `B` as
    one, and an uncertain model_error joined every item. Lines are the case's structure: items
    sharing any source (point or uncertain) are one line; model error joins nothing."""
    from hypotheses import score
    from tests.helpers import make_case

    seen = set()
    for reliability in (0.9, "B", [0.85, 0.95]):
        for model_error in (0, [0.005, 0.02]):
            document = {
                "schema": 1,
                "title": "one informant",
                "model_error": model_error,
                "hypotheses": [
                    {"id": "a", "label": "a", "prior": 0.5},
                    {"id": "b", "label": "b", "prior": 0.5},
                ],
                "sources": {"inf": {"label": "informant", "reliability": reliability}},
                "evidence": [
                    {"id": f"e{k}", "label": f"e{k}", "likelihoods": {"a": 0.9, "b": 0.1}, "source": "inf"}
                    for k in range(3)
                ],
            }
            card = score(make_case(document))
            assert card.confidence is not None
            seen.add((card.confidence.level, card.confidence.reasons))
    assert seen == {
        ("moderate", ("only one independent line of evidence favours a over b (its items hang together "
                      "through the source inf)",))
    }  # fmt: skip


def test_a_suspected_origin_that_would_change_nothing_is_no_reason_for_doubt() -> None:
    """New-user trial: a suspected origin whose declaration (shared 0.5) moves the leader's odds
    by less than 1 dB was still 'low'. Two items that say nothing (equal likelihoods) and share a
    link: declaring them one origin changes nothing, so confidence does not drop for them."""
    card = _card(
        """evidence:
  - {id: e1, label: A witness saw the blue car, likelihoods: {a: 0.9, b: 0.1}}
  - {id: e2, label: The ledger shows a payment, likelihoods: {a: 0.8, b: 0.2}}
  - {id: e3, label: A note, likelihoods: {a: 0.5, b: 0.5}, links: [https://example.org/x]}
  - {id: e4, label: A memo, likelihoods: {a: 0.5, b: 0.5}, links: [https://example.org/x]}
"""
    )
    assert [s.items for s in card.suspected_origins] == [("e3", "e4")]
    assert not any("may repeat one origin" in reason for reason in card.confidence.reasons)


def test_not_high_while_an_item_states_no_source_grading_or_credibility() -> None:
    # As test_high_when_no_rule_holds, but e2 states nothing of its sourcing: counted at
    # credibility 1 by default, nothing in the case says it is sound.
    card = _card(
        """evidence:
  - {id: e1, label: A witness saw the blue car, credibility: 1, likelihoods: {a: 0.9, b: 0.1}}
  - {id: e2, label: A post since deleted, likelihoods: {a: 0.9, b: 0.1}}
"""
    )
    assert card.confidence.level == "moderate"
    assert card.confidence.reasons == ("e2 states no source, grading or credibility (counted as sound)",)


def test_low_with_no_observed_evidence() -> None:
    card = _card(
        """evidence:
  - {id: e1, label: Still to be looked for, observed: pending, likelihoods: {a: 0.9, b: 0.1}}
""",
        prior_a=0.9,
    )
    assert card.confidence.level == "low"
    assert card.confidence.reasons[0] == "no observed evidence counts yet: the answer is the priors alone"


def test_a_suspected_origin_that_cannot_move_a_near_certain_answer_is_no_reason_for_doubt() -> None:
    # Three items 99:1 each on one link: P(a) = 1 - 1e-6 or so; declared as one origin at shared
    # 0.5 the odds fall by ~23 dB, yet P(a) moves half a point (99.9999% to 99.5%): no doubt.
    items = "\n".join(
        f"  - {{id: e{k}, label: Report {k} of the crash site, credibility: 1, links: [https://x.example/one],"
        f" likelihoods: {{a: 0.99, b: 0.01}}}}"
        for k in range(3)
    )
    card = _card(f"evidence:\n{items}\n")
    assert card.suspected_origins and card.hypotheses[0].posterior.mean > 0.99999
    (origin,) = card.suspected_origins
    assert 0.99 < dict(origin.if_shared)["a"] < card.hypotheses[0].posterior.mean - 0.001
    assert card.confidence.level != "low"
    assert not any("may repeat one origin" in r for r in card.confidence.reasons)


def test_high_reasons_say_what_the_rules_checked_not_more() -> None:
    # New-user trial (skripal-v2c): a high level said "7 independent lines of evidence", "none is
    # weakly sourced or unsourced" and "no undeclared common origin is suspected" while the same
    # result listed two suspected origins, an item given as ratios (no source possible) and two
    # items from sources graded E.
    card = score(load_case(DATA / "skripal-v2c.yaml"), explain=False)
    assert card.confidence.level == "high" and len(card.suspected_origins) == 2
    reasons = card.confidence.reasons
    said = " | ".join(reasons)
    for false in ("independent lines", "none is weakly sourced", "no undeclared common origin"):
        assert false not in said
    assert any(
        r.startswith(
            "7 lines of evidence with no source in common each favour gru over rogue, but "
            "times_29155 and telegraph_29155 (on 2 of them) is a suspected common origin"
        )
        for r in reasons
    )
    weak = "rt_tourists (source rt graded E) and putin_civilians (source kremlin graded E)"
    assert any(weak in r for r in reasons)
    ratios = "except russia_theories: given as ratios, it cannot carry one (not counted as unsourced)"
    assert any(ratios in r for r in reasons)
    origins = "no suspected common origin (chepiga and mishkin; times_29155 and telegraph_29155) would change"
    assert any(origins in r for r in reasons)
