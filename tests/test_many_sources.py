"""Issue 34 item 18, what remained: an event reported through many different uncertain sources.
Each report left out was a new pool and a regrouping (n pools of n sources), the pool held
65,536 draws of every source (10,000 sources: 5 GB), and explain's tornado recomputed every
report for every source moved (n^2 items' rates): 100 outlets graded C took minutes."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pytest

from hypotheses.model import components, factors
from hypotheses.model.factors import compile_case
from tests.helpers import make_case


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


def test_explain_moves_one_source_without_recomputing_every_report(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tornado moves each outlet's reliability: only that outlet's report is recomputed,
    and the posterior is the one every report recomputed gives."""
    from hypotheses.analysis import explain

    n = 30
    case = make_case(_outlets(n, {"model_error": [0.01, 0.05]}))
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
    fast = {name: (fn(0.25), fn(0.9)) for name, fn in moves}
    assert calls["rates"] <= 2 * len(moves) * 2 + 3 * n  # a report or two per move, plus the means once
    # Every report recomputed for every move (what the plug-in did before): the same numbers.
    every = explain._PlugIn(case)
    monkeypatch.setattr(explain._PlugIn, "_entered", lambda self, k: defaultdict(lambda: range(n)))
    for name, fn in ((name, fn) for name, _, fn in every.judgments() if name in fast):
        assert np.allclose(fn(0.25), fast[name][0], rtol=1e-12, atol=1e-15), name
        assert np.allclose(fn(0.9), fast[name][1], rtol=1e-12, atol=1e-15), name
    assert {name.split("/")[0] for name in fast} == {"reliability", "credibility"}
