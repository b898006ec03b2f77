"""Issue 34 item 18, what remained: an event reported through many different uncertain sources.
Each report left out was a new pool and a regrouping (n pools of n sources), the pool held
65,536 draws of every source (10,000 sources: 5 GB), and explain's tornado recomputed every
report for every source moved (n^2 items' rates): 100 outlets graded C took minutes."""

from __future__ import annotations

import copy
from collections import defaultdict
from typing import Any

import numpy as np
import pytest

from hypotheses.model import components, factors, quadrature
from hypotheses.model.factors import compile_case
from tests.helpers import make_case


@pytest.fixture(autouse=True)
def _sampled(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the importance pool's machinery (its streams, sizes and
    leave-one-out), so every coupled component here is sampled: with a tensor rule allowed, one
    node per outlet (each used by one report) would integrate these cases exactly
    (tests/test_quadrature.py holds that path to the same properties)."""
    monkeypatch.setattr(quadrature, "QUADRATURE_NODES", 0)


def _outlets(n: int, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One event reported by n outlets, each through a source of its own graded C or B (an
    uncertain reliability), two of them also through a shared wire service."""
    document: dict[str, Any] = {
        "schema": 1,
        "title": "outlets",
        "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}, {"id": "c", "label": "C"}],
        "sources": {
            **{f"s{k}": {"label": f"outlet {k}", "reliability": "BC"[k % 2]} for k in range(n)},
            "wire": {"label": "wire", "reliability": "C"},
        },
        "events": {"g": {"label": "G", "likelihoods": {"a": 0.7, "b": 0.3, "c": 0.1}}},
        "evidence": [
            {"id": f"e{k}", "label": f"report {k}", "reports": "g", "source": f"s{k}",
             **({"via": ["wire"]} if k < 2 else {}), "credibility": round(0.6 + 0.3 * k / n, 6)}
            for k in range(n)
        ],
    }  # fmt: skip
    document.update(extra or {})
    return document


def _scorer(document: dict[str, Any]) -> components.ComponentScore:
    case = make_case(document)
    compiled = compile_case(case)
    (component,) = compiled.components
    return components.score_component(component, 3, compiled.reliability, 1)


def test_leaving_out_a_report_equals_scoring_the_case_without_it() -> None:
    """Each source's draws are its own stream, so the pool's weights less one report are the
    case without that report scored anew, to rounding; a report whose wire link another report
    keeps, and one on its own source alone, both."""
    n = 8
    scorer = _scorer(_outlets(n))
    assert scorer.method == "sampled"
    without = scorer.log_factor_without()
    for k in (0, 1, 5, n - 1):
        document = _outlets(n)
        del document["evidence"][k]
        meant = _scorer(document).log_factor()
        assert np.allclose(without[f"e{k}"], meant, rtol=0, atol=1e-10), k


def test_a_report_left_out_neither_regroups_nor_redraws(monkeypatch: pytest.MonkeyPatch) -> None:
    scorer = _scorer(_outlets(40))
    calls: dict[str, int] = defaultdict(int)
    real_regroup, real_sample = components.regroup, components.source_stream

    def regroup(*args: Any) -> Any:
        calls["regroup"] += 1
        return real_regroup(*args)

    def stream(*args: Any) -> Any:
        calls["stream"] += 1
        return real_sample(*args)

    monkeypatch.setattr(components, "regroup", regroup)
    monkeypatch.setattr(components, "source_stream", stream)
    without = scorer.log_factor_without()
    assert calls["stream"] == 0
    assert calls["regroup"] == 1  # the whole event only
    assert np.array_equal(without["g"], np.zeros(3))


def test_leaving_out_a_bridge_still_regroups() -> None:
    """A standalone item on two sources shared with two others joins them: without it they
    are two components, scored each as in a case without it (not the pool's weights)."""
    document = {
        "schema": 1,
        "title": "bridge",
        "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
        "sources": {k: {"label": k, "reliability": "C"} for k in ("p", "q", "r", "s")},
        "evidence": [
            {"id": "x", "label": "x", "likelihoods": {"a": 0.8, "b": 0.3}, "source": "p", "via": ["q"]},
            {"id": "y", "label": "y", "likelihoods": {"a": 0.6, "b": 0.4}, "source": "p", "via": ["r"]},
            {"id": "z", "label": "z", "likelihoods": {"a": 0.3, "b": 0.6}, "source": "q", "via": ["s"]},
        ],
    }
    case = make_case(document)
    compiled = compile_case(case)
    (component,) = compiled.components
    scorer = components.score_component(component, 2, compiled.reliability, 1)
    assert not scorer._stays_whole("x")
    assert len(factors.regroup(component, "x", compiled.reliability)) == 2
    rest = scorer.log_factor_without()["x"]
    del document["evidence"][0]
    smaller = make_case(document)
    parts = compile_case(smaller).components
    meant = sum(
        components.score_component(p, 2, compile_case(smaller).reliability, 1).log_factor() for p in parts
    )
    assert np.allclose(rest, meant, rtol=0, atol=1e-12)


def test_the_pool_of_thousands_of_sources_stays_in_bounded_memory() -> None:
    """pool_draws: at most POOL_ELEMENTS reliabilities held, never fewer than POOL_FLOOR draws."""
    assert components.pool_draws(2) == components.SOURCE_DRAWS
    assert components.pool_draws(256) == components.SOURCE_DRAWS
    for n in (300, 1_000, 10_000, 100_000):
        draws = components.pool_draws(n)
        assert draws % components.SOURCE_BATCHES == 0
        assert draws * n <= components.POOL_ELEMENTS or draws == components.POOL_FLOOR
        assert components.POOL_FLOOR <= draws < components.SOURCE_DRAWS
    scorer = _scorer(_outlets(600))
    assert scorer.pool.shape == (components.pool_draws(601), 601)
    assert scorer.mcse_batches is not None and np.isfinite(scorer.mcse_batches).all()


def test_the_page_draws_the_same_pool_size() -> None:
    """The page's port sizes its pool with pool_draws' rule (its constants from the engine)."""
    from pathlib import Path

    from hypotheses.analysis.page_data import engine_constants

    script = (Path(components.__file__).parents[1] / "templates" / "interactive.js").read_text(
        encoding="utf-8"
    )
    assert "Math.min(SOURCE_DRAWS, Math.max(POOL_FLOOR, fits))" in script
    constants = engine_constants()
    assert constants["pool_elements"] == components.POOL_ELEMENTS


class _EveryItem(dict):  # type: ignore[type-arg]
    """A place -> items map that says every item of the group is entered by every place."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def get(self, place: str, default: Any = None) -> range:
        return range(self.n)


def test_explain_moves_one_source_without_recomputing_every_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tornado moves each outlet's reliability: only that outlet's report is recomputed,
    and the posterior is the one every report recomputed gives."""
    from hypotheses.analysis import explain

    n = 12
    document = _outlets(n, {"model_error": [0.01, 0.05]})
    for k, item in enumerate(document["evidence"]):
        item["credibility"] = round(0.15 + 0.2 * k / n, 6)  # weak reports: each one moves the answer
    case = make_case(document)
    plug = explain._PlugIn(case)
    calls = {"rates": 0}
    real = explain._PlugIn._rates

    def counted(self: Any, *args: Any) -> Any:
        calls["rates"] += 1
        return real(self, *args)

    monkeypatch.setattr(explain._PlugIn, "_rates", counted)
    moves = [
        (name, fn) for name, _, fn in plug.judgments() if name.startswith(("reliability/", "credibility/"))
    ]
    fast = {name: (fn(0.05), fn(0.95)) for name, fn in moves}
    assert calls["rates"] <= 2 * len(moves) * 2 + 3 * n  # a report or two per move, plus the means once
    assert all(np.abs(low - high).max() > 1e-4 for low, high in fast.values())  # every move matters
    # Every report recomputed for every move (what the plug-in did before): the same numbers.
    every = explain._PlugIn(case)
    monkeypatch.setattr(explain._PlugIn, "_entered", lambda self, k: _EveryItem(len(self.factors[k].items)))
    recomputed = {"rates": calls["rates"]}
    for name, fn in ((name, fn) for name, _, fn in every.judgments() if name in fast):
        assert np.allclose(fn(0.05), fast[name][0], rtol=1e-12, atol=1e-15), name
        assert np.allclose(fn(0.95), fast[name][1], rtol=1e-12, atol=1e-15), name
    assert calls["rates"] - recomputed["rates"] >= 2 * len(fast) * n  # the reference did recompute all
    assert {name.split("/")[0] for name in fast} == {"reliability", "credibility"}


def test_leave_one_out_where_an_event_rules_a_hypothesis_out_is_not_nan() -> None:
    """A term that is -inf for a hypothesis cannot be taken out of the pool's weights (-inf -
    -inf): such a report is rescored, and gives what the case without it gives."""
    document = _outlets(5)
    document["events"]["g"]["likelihoods"] = {"a": 0.0, "b": 0.3, "c": 0.1}
    document["sources"]["s0"]["reliability"] = 1.0
    document["evidence"][0]["credibility"] = 1.0
    scorer = _scorer(document)
    without = scorer.log_factor_without()
    for k in range(5):
        assert not np.isnan(without[f"e{k}"]).any(), k
        smaller = _outlets(5)
        smaller["events"]["g"]["likelihoods"] = {"a": 0.0, "b": 0.3, "c": 0.1}
        smaller["sources"]["s0"]["reliability"] = 1.0
        smaller["evidence"][0]["credibility"] = 1.0
        del smaller["evidence"][k]
        meant = _scorer(smaller).log_factor()
        assert np.allclose(without[f"e{k}"], meant, rtol=0, atol=1e-10, equal_nan=False), k


def test_an_origins_item_left_out_equals_scoring_the_case_without_it() -> None:
    """An origin keeps its sums (the shared branch's log H and log F, the items' own log lambda)
    and takes an item's share out: n items cost n passes, and equal the case without the item."""
    n = 6
    document = _outlets(n)
    document["evidence"] = [
        {"id": f"e{k}", "label": f"report {k}", "source": f"s{k}",
         "likelihoods": {"a": 0.6 + 0.05 * k, "b": 0.3, "c": 0.2}, **({"via": ["wire"]} if k < 2 else {})}
        for k in range(n)
    ]  # fmt: skip
    del document["events"]
    document["origins"] = {
        "o": {
            "label": "one briefing",
            "shared": 0.6,
            "likelihoods": {"a": 0.8, "b": 0.3, "c": 0.2},
            "items": [f"e{k}" for k in range(n)],
        }
    }
    scorer = _scorer(document)
    assert scorer.method == "sampled" and len(scorer.events) == 1
    without = scorer.log_factor_without()
    for k in (0, 1, 3):
        smaller = copy.deepcopy(document)
        del smaller["evidence"][k]
        smaller["origins"]["o"]["items"].remove(f"e{k}")
        meant = _scorer(smaller).log_factor()
        assert np.allclose(without[f"e{k}"], meant, rtol=0, atol=1e-10), k


def test_two_sources_never_share_a_stream() -> None:
    """Streams are seeded from a hash of the whole id (crc32 gave 'plumless' and 'buckeroo' one
    stream: two sources drawn identical)."""
    a = components.source_stream(1, "plumless").random(1000)
    b = components.source_stream(1, "buckeroo").random(1000)
    assert abs(np.corrcoef(a, b)[0, 1]) < 0.2


def test_past_256_sources_a_report_left_out_is_rescored_with_its_own_pool_size() -> None:
    """The pool's size depends on the sources past 256: the rest without a report's own source
    draws another size, so it is rescored (equal to the case without it, not merely close)."""
    n = 300
    scorer = _scorer(_outlets(n))
    assert scorer.pool.shape[0] != components.pool_draws(n)  # n + 1 sources with the wire
    assert not scorer._stays_whole("e7")
    document = _outlets(n)
    del document["evidence"][7]
    assert np.allclose(scorer.rest_without("e7"), _scorer(document).log_factor(), rtol=0, atol=1e-10)
