"""Explanations are checked by re-scoring: the tornado, leave-one-out and flip threshold each
claim what the engine would say about a modified case, so we build that case and ask it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hypotheses import EvidenceItem, load_case, score
from hypotheses.case import Hypothesis
from priors import Point
from tests.helpers import EXAMPLES

CASES = ["al-bab-2017.yaml", "leaked-memo.yaml", "taxicab.yaml", "monty-hall.yaml"]


def _at_means(case, name: str | None = None, value: float | None = None):
    """The case with every judgment a point at its mean, except `name` set to `value`."""

    def fix(n: str, judgment):
        return Point(value) if n == name else Point(judgment.mean)

    hypotheses = tuple(
        Hypothesis(
            h.id,
            h.label,
            tuple((f, fix(f"prior/{h.id}" + ("" if f == "prior" else f"/{f}"), j)) for f, j in h.prior),
        )
        for h in case.hypotheses
    )
    evidence = tuple(
        EvidenceItem(
            e.id,
            e.label,
            e.source,
            fix(f"credibility/{e.id}", e.credibility),
            tuple(
                fix(f"lik/{e.id}/{h}", j) for h, j in zip(case.hypothesis_ids, e.likelihoods, strict=False)
            ),
            reports=e.reports,
            via=e.via,
        )
        for e in case.evidence
    )
    events = tuple(
        replace(
            g,
            likelihoods=tuple(
                fix(f"lik/{g.id}/{h}", j) for h, j in zip(case.hypothesis_ids, g.likelihoods, strict=True)
            ),
        )
        for g in case.events
    )
    sources = tuple(replace(s, reliability=fix(f"reliability/{s.id}", s.reliability)) for s in case.sources)
    return replace(case, hypotheses=hypotheses, evidence=evidence, sources=sources, events=events)


def _posterior(case) -> dict[str, float]:
    return {h.id: h.posterior.mean for h in score(case, explain=False).hypotheses}


@pytest.mark.parametrize("example", CASES)
def test_tornado_values_equal_rescoring_with_the_judgment_fixed(example: str) -> None:
    case = load_case(EXAMPLES / example)
    explanation = score(case).explanation
    assert explanation is not None
    lead = explanation.leading
    assert _posterior(_at_means(case))[lead] == pytest.approx(explanation.baseline, rel=1e-9)
    for swing in explanation.tornado:
        assert _posterior(_at_means(case, swing.name, swing.low))[lead] == pytest.approx(
            swing.leading_at_low, rel=1e-9
        )
        assert _posterior(_at_means(case, swing.name, swing.high))[lead] == pytest.approx(
            swing.leading_at_high, rel=1e-9
        )
    swings = [s.swing for s in explanation.tornado]
    assert swings == sorted(swings, reverse=True)


@pytest.mark.parametrize("example", CASES)
def test_leave_one_out_equals_rescoring_without_the_item(example: str) -> None:
    case = load_case(EXAMPLES / example)
    explanation = score(case).explanation
    assert explanation is not None
    assert len(explanation.leave_one_out) == len(case.evidence) + len(case.events)
    for loo in explanation.leave_one_out:
        # An item, or (event: true) a whole event with every report of it.
        kept = tuple(e for e in case.evidence if loo.evidence not in (e.id, e.reports if loo.event else None))
        assert len(kept) < len(case.evidence)
        without = replace(case, evidence=kept)
        expected = {h.id: h.posterior.mean for h in score(without, explain=False).hypotheses}
        assert loo.posterior == pytest.approx(expected, rel=1e-9)


def test_leave_one_out_of_a_ruling_out_item() -> None:
    explanation = score(EXAMPLES / "monty-hall.yaml").explanation
    assert explanation is not None
    assert explanation.leave_one_out[0].posterior == pytest.approx(
        dict.fromkeys(["door1", "door2", "door3"], 1 / 3)
    )


@pytest.mark.parametrize("example", CASES)
def test_flip_ratio_makes_the_runner_up_lead(example: str) -> None:
    case = load_case(EXAMPLES / example)
    explanation = score(case).explanation
    assert explanation is not None
    ratio, rival = explanation.flip.likelihood_ratio, explanation.runner_up

    def with_new_item(lr: float) -> dict[str, float]:
        likelihoods = tuple(Point(1.0) if h == rival else Point(1.0 / lr) for h in case.hypothesis_ids)
        item = EvidenceItem("new", "new", None, Point(1.0), likelihoods)
        return _posterior(replace(case, evidence=(*case.evidence, item)))

    above, below = with_new_item(ratio * 1.001), with_new_item(ratio * 0.999)
    assert max(above, key=above.get) == rival
    assert max(below, key=below.get) == explanation.leading
    assert explanation.flip.decibans == pytest.approx(10 * np.log10(ratio))


def test_closest_judgment_is_the_smallest_margin() -> None:
    explanation = score(EXAMPLES / "al-bab-2017.yaml").explanation
    assert explanation is not None and explanation.closest is not None
    assert explanation.closest.margin == min(s.margin for s in explanation.tornado)
    assert explanation.leading == "mistake"
    assert explanation.closest.name == "prior/deliberate/motive"


def test_point_case_has_no_tornado() -> None:
    explanation = score(EXAMPLES / "taxicab.yaml").explanation
    assert explanation is not None
    assert explanation.tornado == () and explanation.closest is None
    assert explanation.flip.likelihood_ratio == pytest.approx((0.85 * 0.2) / (0.15 * 0.8))


def test_a_tie_names_no_leader() -> None:
    """Two hypotheses with equal posteriors: no 'why a leads', no flip ratio of 1."""
    from hypotheses.output.terminal import render_explanation
    from hypotheses.output.text import explanation_markdown
    from hypotheses.output.wording import flip_sentence
    from tests.helpers import point_case

    card = score(point_case([0.5, 0.5], [[0.6, 0.6]]), engine="numpy")
    assert card.explanation is not None and card.explanation.tied == ("h0", "h1")
    assert "are tied" in flip_sentence(card) and "times" not in flip_sentence(card)
    assert explanation_markdown(card).startswith("# No hypothesis leads: h0 and h1 are tied")
    import io

    from rich.console import Console

    console = Console(width=100, file=io.StringIO())
    console.print(render_explanation(card))
    assert "Why h0 leads" not in console.file.getvalue()


def test_near_certainty_the_closest_judgment_leaves_the_lead_where_it_stays() -> None:
    """'the lead falls to +100.0 points' read as a fall where the lead printed +100.0 before."""
    from hypotheses.output.wording import closest_sentence
    from tests.helpers import near_certain_case

    said = closest_sentence(score(near_certain_case(), engine="numpy"))
    assert "stays at +100.0 points, which does not flip the answer" in said and "falls to" not in said


def test_the_flip_example_never_names_a_word_whose_range_its_number_lies_below() -> None:
    """Near certainty the runner-up's likelihood in the flip example falls below the scale's
    bottom word (ICD 203's 'almost no chance' is 1-5%): naming that word beside '<0.1%' would
    claim a range the number lies outside (new-user trial); the example names the end it passes."""
    from tests.helpers import near_certain_case

    case = near_certain_case()
    explanation = score(case, engine="numpy").explanation
    assert explanation is not None
    example = explanation.flip.example
    bottom = case.scale.terms[0]
    assert f"below the scale's {bottom.lo * 100:g}%" in example
    assert f"'{bottom.term}'" not in example
    # Within the scale the word stays, its range holding the number.
    seed = score(load_case(EXAMPLES / "al-bab-2017.yaml")).explanation
    assert seed is not None and "('very unlikely')" in seed.flip.example
