"""Decision support (issue 15): `next` over pending items and `conflict_bits`, against hand
computation, against scoring the edited case, and their defining properties."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from hypotheses import case_from_text, load_case, score
from hypotheses.analysis.decision import CONFLICT_THRESHOLD_BITS, next_items, with_outcome
from hypotheses.model import numpy_engine
from tests.helpers import EXAMPLES

runner = CliRunner()


def _case(document: dict, name: str = "case.yaml"):
    return case_from_text(yaml.safe_dump(document, sort_keys=False), name)


def _point_case(pending: dict | None = None, evidence: list | None = None) -> dict:
    doc = {
        "schema": 1,
        "title": "hand",
        "hypotheses": [{"id": "a", "label": "A", "prior": 0.5}, {"id": "b", "label": "B", "prior": 0.5}],
        "evidence": evidence
        if evidence is not None
        else [{"id": "e1", "label": "one", "likelihoods": {"a": 0.8, "b": 0.3}}],
    }
    if pending is not None:
        doc["evidence"].append({"observed": "pending", **pending})
    return doc


def _entropy(p) -> float:
    p = np.asarray(p, dtype=float)
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def test_next_matches_hand_computation_on_a_point_case() -> None:
    case = _case(_point_case({"id": "p", "label": "pending", "likelihoods": {"a": 0.9, "b": 0.2}}))
    result = next_items(case)
    post = np.array([0.5 * 0.8, 0.5 * 0.3])
    post /= post.sum()
    p_obs = post @ [0.9, 0.2]
    seen = post * [0.9, 0.2] / p_obs
    unseen = post * [0.1, 0.8] / (1 - p_obs)
    (c,) = result.candidates
    assert c.p_observed == pytest.approx(p_obs, abs=1e-12)
    assert [c.if_observed["a"], c.if_observed["b"]] == pytest.approx(seen, abs=1e-12)
    assert [c.if_absent["a"], c.if_absent["b"]] == pytest.approx(unseen, abs=1e-12)
    bits = _entropy(post) - p_obs * _entropy(seen) - (1 - p_obs) * _entropy(unseen)
    assert c.expected_bits == pytest.approx(bits, abs=1e-12)
    # Absent, b leads (0.2182 against 0.0727 for a): the leader changes exactly then.
    assert unseen[1] > unseen[0]
    assert c.p_leader_changes == pytest.approx(1 - p_obs, abs=1e-12)
    assert (c.leader_if_observed, c.leader_if_absent) == ("a", "b")


def test_an_item_with_equal_likelihoods_tells_nothing() -> None:
    case = _case(_point_case({"id": "p", "label": "flat", "likelihoods": {"default": 0.7}}))
    (c,) = next_items(case).candidates
    assert c.expected_bits == pytest.approx(0.0, abs=1e-12)
    assert c.p_leader_changes == 0.0
    assert c.p_observed == pytest.approx(0.7, abs=1e-12)


def test_candidates_are_ranked_by_expected_information() -> None:
    doc = _point_case({"id": "weak", "label": "weak", "likelihoods": {"a": 0.6, "b": 0.5}})
    doc["evidence"].append(
        {"id": "strong", "label": "strong", "observed": "pending", "likelihoods": {"a": 0.95, "b": 0.05}}
    )
    ranked = next_items(_case(doc)).candidates
    assert [c.id for c in ranked] == ["strong", "weak"]
    assert ranked[0].expected_bits > ranked[1].expected_bits > 0


def _memo_with(item_id: str, observed: bool) -> str:
    """The leaked-memo example's text with one pending item settled, as an analyst would edit it."""
    document = yaml.safe_load((EXAMPLES / "leaked-memo.yaml").read_text(encoding="utf-8"))
    for entry in document["evidence"]:
        if entry["id"] == item_id:
            entry["observed"] = observed
    return yaml.safe_dump(document, sort_keys=False)


@pytest.mark.parametrize("item_id", ["printer_log", "informant_saw_contractor"])
def test_if_observed_and_if_absent_equal_scoring_the_edited_case(item_id: str) -> None:
    """informant_saw_contractor cites the informant, an uncertain source two observed items
    share: its outcome goes through the grid over that reliability, like the posterior."""
    result = next_items(load_case(EXAMPLES / "leaked-memo.yaml"), seed=3)
    candidate = next(c for c in result.candidates if c.id == item_id)
    for observed, expected in ((True, candidate.if_observed), (False, candidate.if_absent)):
        card = score(
            case_from_text(_memo_with(item_id, observed), "memo.yaml"), seed=3, draws=200, explain=False
        )
        got = {h.id: h.posterior.mean for h in card.hypotheses}
        assert got == pytest.approx(expected, abs=1e-12)


def test_p_observed_and_p_absent_add_up_under_the_model() -> None:
    """P(E, o) + P(E, not o) = P(E): the marginal likelihoods come from one integration (here
    the grid over the informant's reliability), so they must add up before any normalising."""
    case = load_case(EXAMPLES / "leaked-memo.yaml")
    item = next(p for p in case.pending if p.id == "informant_saw_contractor")
    _, log_z = numpy_engine.log_marginal(case, 0)
    _, seen = numpy_engine.log_marginal(with_outcome(case, item, True), 0)
    _, unseen = numpy_engine.log_marginal(with_outcome(case, item, False), 0)
    assert math.exp(seen - log_z) + math.exp(unseen - log_z) == pytest.approx(1.0, abs=1e-9)


def _conflicts(document: dict) -> dict[str, float | None]:
    card = score(_case(document), draws=200)
    return {e.id: e.conflict_bits for e in card.evidence}


def test_conflict_matches_hand_computation() -> None:
    evidence = [
        {"id": "e1", "label": "one", "likelihoods": {"a": 0.8, "b": 0.3}},
        {"id": "e2", "label": "two", "likelihoods": {"a": 0.7, "b": 0.4}},
        {"id": "e3", "label": "three", "likelihoods": {"a": 0.1, "b": 0.6}},
    ]
    doc = _point_case(evidence=evidence)
    doc["hypotheses"][0]["prior"] = 0.3
    doc["hypotheses"][1]["prior"] = 0.7
    got = _conflicts(doc)
    prior = np.array([0.3, 0.7])
    lik = np.array([[0.8, 0.3], [0.7, 0.4], [0.1, 0.6]])
    for j, item in enumerate(evidence):
        rest = prior * np.prod(np.delete(lik, j, axis=0), axis=0)
        rest /= rest.sum()
        expected = math.log2((prior @ lik[j]) / (rest @ lik[j]))
        assert got[item["id"]] == pytest.approx(expected, abs=1e-12)


def test_an_item_that_agrees_with_the_rest_has_no_conflict() -> None:
    evidence = [
        {"id": "e1", "label": "one", "likelihoods": {"a": 0.9, "b": 0.2}},
        {"id": "e2", "label": "two", "likelihoods": {"a": 0.8, "b": 0.3}},
    ]
    got = _conflicts(_point_case(evidence=evidence))
    assert got["e1"] <= 0 and got["e2"] <= 0


def test_a_contradicting_item_is_flagged_in_words() -> None:
    evidence = [
        {"id": f"e{k}", "label": f"for a {k}", "likelihoods": {"a": 0.9, "b": 0.1}} for k in range(3)
    ] + [{"id": "odd", "label": "the odd one", "likelihoods": {"a": 0.01, "b": 0.9}}]
    card = score(_case(_point_case(evidence=evidence)), draws=200)
    odd = next(e for e in card.evidence if e.id == "odd")
    assert odd.conflict_bits > CONFLICT_THRESHOLD_BITS
    (line,) = card.explanation.conflicts
    assert line.startswith("odd (the odd one) is ") and "less expected given the other evidence" in line
    assert f"{2**odd.conflict_bits:,.0f} times" in line
    # The bound says what it bounds: the chance of so much surprise when nothing is wrong.
    assert f"this surprising with chance at most 1 in {2**odd.conflict_bits:,.0f}" in line
    assert "false alarm" not in line


def test_conflict_of_a_report_uses_its_event_and_the_other_reports() -> None:
    """Two reports of one event through sources of reliability 0.9 and 0.6 (points): by hand from
    docs/model.md section 2's P(R_1..R_n | h)."""
    doc = {
        "schema": 1,
        "title": "echo",
        "hypotheses": [{"id": "a", "label": "A", "prior": 0.4}, {"id": "b", "label": "B", "prior": 0.6}],
        "sources": {"s": {"label": "S", "reliability": 0.9}, "t": {"label": "T", "reliability": 0.6}},
        "events": {"g": {"label": "G", "likelihoods": {"a": 0.8, "b": 0.2}}},
        "evidence": [
            {"id": "r1", "label": "first", "reports": "g", "source": "s"},
            {"id": "r2", "label": "second", "reports": "g", "source": "t"},
        ],
    }
    got = _conflicts(doc)
    prior, theta = np.array([0.4, 0.6]), np.array([0.8, 0.2])
    b = theta.mean()

    def joint(cs: list[float]) -> np.ndarray:
        hit = np.prod([c + (1 - c) * b for c in cs])
        miss = np.prod([(1 - c) * b for c in cs])
        return theta * hit + (1 - theta) * miss

    both = prior @ joint([0.9, 0.6])
    for rid, mine, other in (("r1", 0.9, 0.6), ("r2", 0.6, 0.9)):
        alone = prior @ joint([mine])
        given_rest = both / (prior @ joint([other]))
        assert got[rid] == pytest.approx(math.log2(alone / given_rest), abs=1e-12)


def test_next_command_outputs() -> None:
    path = str(EXAMPLES / "leaked-memo.yaml")
    result = runner.invoke(app, ["next", path, "-f", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["candidates"][0]["id"] == "printer_log"
    keys = {"id", "p_observed", "if_observed", "if_absent", "expected_bits", "p_leader_changes"}
    assert keys <= set(document["candidates"][0])
    table = runner.invoke(app, ["next", path])
    assert table.exit_code == 0 and "printer_log" in table.stdout and "P(observed)" in table.stdout
    md = runner.invoke(app, ["next", path, "-f", "md"])
    assert md.exit_code == 0 and "| printer_log" in md.stdout


def test_next_without_pending_items_says_how_to_mark_one() -> None:
    result = runner.invoke(app, ["next", str(EXAMPLES / "taxicab.yaml")])
    assert result.exit_code == 0
    assert "observed: pending" in result.stdout


def test_next_on_a_bad_case_is_a_clean_error(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema: 1\ntitle: x\nhypotheses: []\n", encoding="utf-8")
    result = runner.invoke(app, ["next", str(bad)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output and f"{bad}:" in result.output


def test_explain_json_carries_conflict_bits() -> None:
    result = runner.invoke(app, ["score", str(EXAMPLES / "al-bab-2017.yaml"), "-f", "json"])
    document = json.loads(result.stdout)
    assert all(isinstance(e["conflict_bits"], float) for e in document["evidence"])
