"""diff's "alone" effects from the components a change touches (analysis/alone.py), against
scoring each edited case whole (a fresh engine, no cache), on a case with every kind of
coupling: uncertain sources shared by items, an event with reports, a possible common origin,
`via:` chains, ratios, absent items, uncertain priors; and the work each change costs."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest

from hypotheses.analysis import alone as alone_module
from hypotheses.analysis.diff import diff
from hypotheses.model import numpy_engine
from tests.helpers import make_case, point_case

OLD: dict[str, Any] = {
    "schema": 1,
    "title": "coupled",
    "hypotheses": [
        {"id": "a", "label": "A", "prior": {"base_rate": [0.2, 0.5]}},
        {"id": "b", "label": "B", "prior": {"base_rate": 0.3}},
        {"id": "c", "label": "C", "prior": {"base_rate": [0.1, 0.3]}},
    ],
    "sources": {
        "desk": {"label": "desk", "reliability": [0.6, 0.9]},  # uncertain: joins e1, e2
        "wire": {"label": "wire", "reliability": 0.8},
        "paper": {"label": "paper", "reliability": "C"},
        "spare": {"label": "spare", "reliability": 0.7},
    },
    "events": {"ev": {"label": "event", "likelihoods": {"a": 0.7, "b": 0.3, "c": 0.4}}},
    "origins": {
        "brief": {"label": "one briefing", "items": ["o1", "o2"], "shared": 0.5},
    },
    "evidence": [
        {"id": "e1", "label": "one", "source": "desk", "likelihoods": {"a": 0.7, "b": 0.4, "c": 0.3}},
        {
            "id": "e2",
            "label": "two",
            "source": "desk",
            "via": ["wire"],
            "likelihoods": {"a": 0.6, "b": 0.5, "c": 0.2},
        },
        {"id": "e3", "label": "three", "observed": False, "likelihoods": {"a": 0.2, "b": 0.6, "c": 0.5}},
        {"id": "r1", "label": "report 1", "reports": "ev", "source": "paper"},
        {"id": "r2", "label": "report 2", "reports": "ev", "source": "wire", "credibility": 0.8},
        {"id": "o1", "label": "story 1", "likelihoods": {"a": 0.8, "b": 0.3, "c": 0.3}},
        {"id": "o2", "label": "story 2", "likelihoods": {"a": 0.7, "b": 0.4, "c": 0.3}},
        {"id": "q", "label": "ratios", "ratios": {"a": 3, "b": 1, "c": 1}},
        {
            "id": "w",
            "label": "wire alone",
            "source": "wire",
            "likelihoods": {"a": {"beta": [4, 6]}, "b": 0.5, "c": 0.5},
        },
        {"id": "x", "label": "removed", "source": "desk", "likelihoods": {"a": 0.3, "b": 0.6, "c": 0.5}},
        {"id": "p", "label": "pending", "observed": "pending", "likelihoods": {"a": 0.9, "b": 0.1, "c": 0.5}},
    ],
}


def _edits() -> dict[str, Any]:
    """Each change of NEW against OLD, as an edit of a copy of OLD (one place each)."""

    def item(d: dict, item_id: str) -> dict:
        return next(e for e in d["evidence"] if e["id"] == item_id)

    return {
        "lik/e1/b": lambda d: item(d, "e1")["likelihoods"].__setitem__("b", 0.6),
        "reliability/desk": lambda d: d["sources"]["desk"].__setitem__("reliability", [0.3, 0.6]),
        "reliability/wire": lambda d: d["sources"]["wire"].__setitem__("reliability", [0.5, 0.9]),
        "lik/ev/a": lambda d: d["events"]["ev"]["likelihoods"].__setitem__("a", 0.9),
        "credibility/r1": lambda d: item(d, "r1").__setitem__("credibility", 0.5),
        "shared/brief": lambda d: d["origins"]["brief"].__setitem__("shared", 0.2),
        "lik/o2/a": lambda d: item(d, "o2")["likelihoods"].__setitem__("a", 0.5),
        "lik/e3/a": lambda d: item(d, "e3")["likelihoods"].__setitem__("a", 0.4),
        "lik/q": lambda d: item(d, "q").__setitem__("ratios", {"a": 4, "b": 1, "c": 1}),
        "prior/b/base_rate": lambda d: d["hypotheses"][1]["prior"].__setitem__("base_rate", 0.4),
        "evidence/n1": lambda d: d["evidence"].append(
            {
                "id": "n1",
                "label": "new, via the desk",
                "source": "desk",
                "likelihoods": {"a": 0.9, "b": 0.2, "c": 0.2},
            }
        ),
        "evidence/n2": lambda d: d["evidence"].append({"id": "n2", "label": "new report", "reports": "ev"}),
        "evidence/w": lambda d: item(d, "w").__setitem__("source", "spare"),
        "evidence/x": lambda d: d["evidence"].remove(item(d, "x")),
        "evidence/p": lambda d: item(d, "p").__setitem__("observed", True),
    }


def test_each_alone_effect_equals_scoring_the_edited_case_whole() -> None:
    edits = _edits()
    new = copy.deepcopy(OLD)
    for edit in edits.values():
        edit(new)
    result = diff(make_case(OLD, "old.yaml"), make_case(new, "new.yaml"))
    changes = {c.place: c for c in result.changes if not c.text}
    assert set(changes) == set(edits)
    start = numpy_engine.posterior_mean(make_case(OLD))
    for place, edit in edits.items():
        document = copy.deepcopy(OLD)
        edit(document)
        whole = numpy_engine.posterior_mean(make_case(document))  # fresh: no cache, whole case
        expected = dict(zip("abc", (whole - start).tolist(), strict=True))
        assert changes[place].alone == pytest.approx(expected, abs=1e-9), place


def test_model_error_and_a_ruled_out_hypothesis_fall_back_to_the_whole_case() -> None:
    """model_error reaches every item; an item that rules b out leaves b's other factors unknown."""
    old = copy.deepcopy(OLD)
    old["model_error"] = "1%"
    old["evidence"][0]["likelihoods"]["b"] = 0.0
    new = copy.deepcopy(old)
    new["model_error"] = "5%"
    new["evidence"][0]["likelihoods"]["a"] = 0.5
    result = diff(make_case(old, "old.yaml"), make_case(new, "new.yaml"))
    changes = {c.place: c for c in result.changes}
    start = numpy_engine.posterior_mean(make_case(old))
    for place, edit in {
        "model_error": lambda d: d.__setitem__("model_error", "5%"),
        "lik/e1/a": lambda d: d["evidence"][0]["likelihoods"].__setitem__("a", 0.5),
    }.items():
        document = copy.deepcopy(old)
        edit(document)
        whole = numpy_engine.posterior_mean(make_case(document))
        assert changes[place].alone == pytest.approx(
            dict(zip("abc", (whole - start).tolist(), strict=True)), abs=1e-9
        ), place


def test_each_change_rescores_only_the_items_it_touches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 34 item 20: each change compiled and hashed the whole edited case (changes x items:
    two 20,000-item cases never finished). Counted, not timed: the items of every case the
    engine compiles are at most OLD and NEW once each plus a few per change."""
    n_items = 2000

    def rows(changed: Any) -> list[list[float]]:  # balanced pairs: P(h0 | E) stays near 1/2
        return [[(0.4 if j % 2 else 0.6) + 0.01 * changed(j), 0.6 if j % 2 else 0.4] for j in range(n_items)]

    old = point_case([0.5, 0.5], rows(lambda j: False))
    new = point_case([0.5, 0.5], rows(lambda j: True))  # every item changed
    compiled = {"items": 0}
    real = numpy_engine.compile_case

    def counted(case: Any) -> Any:
        compiled["items"] += len(case.evidence)
        return real(case)

    monkeypatch.setattr(numpy_engine, "compile_case", counted)
    monkeypatch.setattr(alone_module, "compile_case", counted)
    result = diff(old, new)
    assert len(result.changes) == n_items and all(c.alone is not None for c in result.changes)
    # OLD four times (its score, its index, before, and the start of `diff`), NEW once, and each
    # change's one-item sub-case before and after; rescoring whole was n_items per change.
    assert compiled["items"] <= 5 * n_items + 2 * len(result.changes)
    # The effects are the whole case's, item by item (a few checked against scoring it whole).
    start = numpy_engine.posterior_mean(old)
    for j in (1234, n_items - 1):
        edited = point_case([0.5, 0.5], rows(lambda k, j=j: k == j))
        effect = numpy_engine.posterior_mean(edited) - start
        assert result.changes[j].alone == pytest.approx(
            dict(zip(["h0", "h1"], effect.tolist(), strict=True)), abs=1e-9
        )
    assert 0.2 < result.before["h0"] < 0.8
    assert np.isfinite([c.alone["h0"] for c in result.changes]).all()  # type: ignore[index]


def _lopsided(reliability: float) -> Any:
    """400 items through one source for a, 455 against it: P(a | E) near 1e-130, the sub-case's
    factors ~870 nats apart (beyond what a probability holds: 1e-308 is ~709 nats)."""
    evidence = [
        {"id": f"s{j}", "label": f"s{j}", "source": "src", "likelihoods": {"a": 0.9, "b": 0.1}}
        for j in range(400)
    ]
    evidence += [{"id": f"o{j}", "label": f"o{j}", "likelihoods": {"a": 0.1, "b": 0.9}} for j in range(455)]
    return make_case(
        {
            "schema": 1,
            "title": "lopsided",
            "hypotheses": [{"id": "a", "label": "A", "prior": 0.5}, {"id": "b", "label": "B", "prior": 0.5}],
            "sources": {"src": {"label": "src", "reliability": reliability}},
            "evidence": evidence,
        }
    )


def test_a_change_far_past_a_probabilitys_range_keeps_its_effect() -> None:
    """J was log P(h | E) + log P(E): a sub-case's posterior of 0 made it -inf, and the one change
    showed as -100 / +100 points (or as not standing alone). With J unnormalised, one change's
    effect alone is the whole difference."""
    result = diff(_lopsided(0.88), _lopsided(0.99), seed=1)
    (change,) = result.changes
    assert change.alone is not None
    for h in ("a", "b"):
        assert change.alone[h] == pytest.approx(result.after[h] - result.before[h], rel=1e-6, abs=1e-300)
    assert 0 < result.before["a"] < 1e-100 and 0 < result.after["a"] < 1e-50
