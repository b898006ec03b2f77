"""`explain --for ID` and `next --for ID` (issue 29 item 5): a hypothesis or a group against its
rival, checked against hand computation and against the default path's own numbers."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from hypotheses import UsageError, case_from_text, load_case, next_items, score
from hypotheses.analysis.weights import group_weights
from tests.helpers import EXAMPLES

runner = CliRunner()

PRIORS = {"a": 0.5, "b": 0.3, "c": 0.2}
LIKELIHOODS = [{"a": 0.8, "b": 0.3, "c": 0.6}, {"a": 0.2, "b": 0.7, "c": 0.4}]


def _hand_case():
    """Three hypotheses, the group g = a + b, two items: every judgment a point."""
    document = {
        "schema": 1,
        "title": "hand",
        "hypotheses": [{"id": h, "label": h.upper(), "prior": p} for h, p in PRIORS.items()],
        "groups": {"g": {"label": "A or B", "members": ["a", "b"]}},
        "evidence": [
            {"id": f"e{j}", "label": f"item {j}", "likelihoods": row} for j, row in enumerate(LIKELIHOODS)
        ],
    }
    return case_from_text(yaml.safe_dump(document, sort_keys=False), "hand.yaml")


def _hand_group_weights() -> list[float]:
    """W_j(g) = 10 log10(P(e_j | g, E_<j) / P(e_j | not g, E_<j)), on paper."""
    p = dict(PRIORS)
    out = []
    for row in LIKELIHOODS:
        inside = sum(p[h] * row[h] for h in "ab") / sum(p[h] for h in "ab")
        outside = p["c"] * row["c"] / p["c"]
        out.append(10 * math.log10(inside / outside))
        total = sum(p[h] * row[h] for h in p)
        p = {h: p[h] * row[h] / total for h in p}
    return out


def test_group_weights_equal_the_hand_computation():
    case = _hand_case()
    hand = _hand_group_weights()
    mask = np.array([True, True, False])
    assert group_weights(case, np.array(list(PRIORS.values())), mask) == pytest.approx(hand, abs=1e-9)
    card = score(case, engine="numpy", for_="g")
    q = card.explanation.question
    assert q.kind == "group" and q.members == ("a", "b") and q.rival == "not g"
    assert [q.weight_db["e0"], q.weight_db["e1"]] == pytest.approx(hand, abs=1e-9)
    assert [q.rival_weight_db["e0"], q.rival_weight_db["e1"]] == pytest.approx([-w for w in hand], abs=1e-9)
    # With point judgments the weights add up: prior log odds + sum W = posterior log odds of g.
    prior_g, post_g = 0.8, q.probability.mean
    assert 10 * math.log10(prior_g / (1 - prior_g)) + sum(hand) == pytest.approx(
        10 * math.log10(post_g / (1 - post_g)), abs=1e-9
    )


def test_a_one_member_group_weighs_as_its_hypothesis():
    case = load_case(EXAMPLES / "leaked-memo.yaml")
    card = score(case, engine="numpy", explain=False)
    prior = np.array([h.prior.mean for h in card.hypotheses])
    for k, h in enumerate(case.hypothesis_ids):
        mask = np.arange(len(prior)) == k
        mine = group_weights(case, prior, mask)
        assert mine == pytest.approx([e.weight_db[h] for e in card.evidence], abs=1e-9)


def test_for_a_hypothesis_that_does_not_lead():
    case = load_case(EXAMPLES / "leaked-memo.yaml")
    default = score(case, engine="numpy").explanation
    target = next(h for h in case.hypothesis_ids if h != default.leading)
    card = score(case, engine="numpy", for_=target)
    e, q = card.explanation, card.explanation.question
    assert (e.leading, q.kind, q.leader) == (target, "hypothesis", default.leading)
    assert e.runner_up == default.leading  # the strongest other hypothesis is the leader
    # Leave-one-out: the same posteriors as the default path's, read for the target.
    by_item = {loo.evidence: loo for loo in default.leave_one_out}
    for loo in e.leave_one_out:
        assert loo.posterior == by_item[loo.evidence].posterior
        assert q.without[loo.evidence] == pytest.approx(loo.posterior[target])
    for item in card.evidence:
        assert q.weight_db[item.id] == item.weight_db[target]
        assert q.rival_weight_db[item.id] == item.weight_db[default.leading]
    # Behind: the flip is what it takes for the target to overtake the leader.
    ranked = {h.id: h.posterior.mean for h in card.hypotheses}
    assert e.flip.runner_up == target
    assert e.flip.likelihood_ratio == pytest.approx(ranked[default.leading] / ranked[target])
    # The closest judgment is the one that brings the target nearest to leading.
    assert e.closest.margin == max(s.margin for s in e.tornado)
    assert all(s.margin < 0 for s in e.tornado)  # no single judgment makes it lead


def test_two_hypotheses_the_tornado_of_the_other_is_the_complement():
    """With two hypotheses P(runner-up) = 1 - P(leader) at every point: the runner-up's tornado,
    margins and flip mirror the default's."""
    document = {
        "schema": 1,
        "title": "two",
        "hypotheses": [{"id": "x", "label": "X", "prior": "likely"}, {"id": "y", "label": "Y", "prior": 0.3}],
        "evidence": [
            {"id": "e0", "label": "one", "likelihoods": {"x": "likely", "y": [0.2, 0.5]}},
            {"id": "e1", "label": "two", "credibility": [0.6, 0.9], "likelihoods": {"x": 0.3, "y": 0.6}},
        ],
    }
    case = case_from_text(yaml.safe_dump(document, sort_keys=False), "two.yaml")
    default = score(case, engine="numpy").explanation
    assert default.tornado
    card = score(case, engine="numpy", for_=default.runner_up)
    e = card.explanation
    swings = {s.name: s for s in default.tornado}
    assert len(e.tornado) == len(default.tornado)
    for s in e.tornado:
        d = swings[s.name]
        assert s.leading_at_low == pytest.approx(1 - d.leading_at_low)
        assert s.leading_at_high == pytest.approx(1 - d.leading_at_high)
        assert s.margin == pytest.approx(-d.margin)
    assert e.closest.name == default.closest.name
    assert e.flip.likelihood_ratio == pytest.approx(default.flip.likelihood_ratio)
    assert e.baseline == pytest.approx(1 - default.baseline)


def _memo_with_group(tmp_path):
    document = yaml.safe_load((EXAMPLES / "leaked-memo.yaml").read_text())
    document["groups"] = {"deliberate": {"label": "Someone meant it", "members": ["insider", "contractor"]}}
    path = tmp_path / "memo.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_explain_for_a_group_leave_one_out_and_tornado(tmp_path):
    case = load_case(_memo_with_group(tmp_path))
    card = score(case, engine="numpy", for_="deliberate")
    e, q = card.explanation, card.explanation.question
    default = score(case, engine="numpy").explanation
    group = next(g for g in card.groups if g.id == "deliberate")
    assert q.probability == group.posterior
    assert q.rival_probability == pytest.approx(1 - group.posterior.mean)
    for loo in default.leave_one_out:  # P(g) without an item: the sum of its members'
        assert q.without[loo.evidence] == pytest.approx(
            loo.posterior["insider"] + loo.posterior["contractor"]
        )
    for s in e.tornado:  # margin against the complement: P(g) - (1 - P(g)) at the nearer end
        assert s.rival == "not deliberate"
        assert s.margin == pytest.approx(min(2 * s.leading_at_low - 1, 2 * s.leading_at_high - 1))
    p = group.posterior.mean
    assert e.flip.runner_up == "not deliberate"
    assert e.flip.likelihood_ratio == pytest.approx(p / (1 - p))


def test_next_for_a_group_against_hand_computation(tmp_path):
    case = load_case(_memo_with_group(tmp_path))
    plain = next_items(case)
    asked = next_items(case, for_="deliberate")
    members = ("insider", "contractor")
    assert (asked.for_, asked.members, asked.rival) == ("deliberate", members, "not deliberate")
    p_now = sum(plain.posterior[h] for h in members)
    assert asked.p_for == pytest.approx(p_now)

    def h2(p: float) -> float:
        return 0.0 if p in (0.0, 1.0) else -(p * math.log2(p) + (1 - p) * math.log2(1 - p))

    by_id = {c.id: c for c in plain.candidates}
    for c in asked.candidates:
        d = by_id[c.id]
        seen = sum(d.if_observed[h] for h in members)
        unseen = sum(d.if_absent[h] for h in members)
        assert c.p_for_if_observed == pytest.approx(seen)
        assert c.p_for_if_absent == pytest.approx(unseen)
        q = d.p_observed
        assert c.expected_bits_for == pytest.approx(
            h2(p_now) - q * h2(seen) - (1 - q) * h2(unseen), abs=1e-12
        )
        ahead = p_now >= 0.5
        changes = q * ((seen >= 0.5) != ahead) + (1 - q) * ((unseen >= 0.5) != ahead)
        assert c.p_answer_changes == pytest.approx(changes)
        assert (c.expected_bits, c.p_leader_changes) == (d.expected_bits, d.p_leader_changes)
    bits = [c.expected_bits_for for c in asked.candidates]
    assert bits == sorted(bits, reverse=True)
    # Every key of the default JSON is kept; the question's are added only with --for.
    old, new = plain.to_dict(), asked.to_dict()
    assert "for" not in old and "p_for_if_observed" not in old["candidates"][0]
    assert set(old) < set(new) and new["for"] == "deliberate"
    assert set(old["candidates"][0]) < set(new["candidates"][0])


def test_unknown_id_is_a_usage_error(tmp_path):
    path = _memo_with_group(tmp_path)
    for command in ("explain", "next"):
        result = runner.invoke(app, [command, str(path), "--for", "nobody"])
        assert result.exit_code == 2
        said = result.output
        assert "--for nobody" in said and "insider, contractor, accident" in said and "deliberate" in said
    with pytest.raises(UsageError):
        score(load_case(path), engine="numpy", for_="nobody")
    with pytest.raises(UsageError):
        next_items(load_case(path), for_="nobody")


@pytest.mark.parametrize("target", ["deliberate", "accident"])
def test_every_format_names_the_question(tmp_path, target):
    path = _memo_with_group(tmp_path)
    for fmt in ("table", "json", "md"):
        result = runner.invoke(app, ["explain", str(path), "--for", target, "-f", fmt, "--engine", "numpy"])
        assert result.exit_code == 0, result.output
        assert f"About {target}" in result.output or fmt == "json"
        if fmt == "json":
            document = json.loads(result.stdout)
            assert document["for"] == target and document["leading"] == target
            assert document["question"]["kind"] == ("group" if target == "deliberate" else "hypothesis")
        result = runner.invoke(app, ["next", str(path), "--for", target, "-f", fmt])
        assert result.exit_code == 0, result.output
        assert f"P({target})" in result.output or fmt == "json"
        if fmt == "json":
            assert json.loads(result.stdout)["for"] == target


def test_default_explain_json_has_no_question():
    card = score(load_case(EXAMPLES / "taxicab.yaml"), engine="numpy")
    document = card.to_dict()["explain"]
    assert "for" not in document and "question" not in document
