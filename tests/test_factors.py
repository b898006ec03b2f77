"""The compiled case (hypotheses/model/factors.py), by hand: which items form which factor, which
factors share a component, each item's credibility at the means, and one compilation per case."""

from __future__ import annotations

import gc
from typing import Any

import numpy as np
import pytest

from hypotheses.analysis.edits import judged_places, with_judgment
from hypotheses.model import factors, numpy_engine, quadrature
from hypotheses.model.factors import compile_case, regroup
from priors import Point
from tests.helpers import make_case, random_uncertain_case

H2 = {"h0": {"label": "A", "prior": 0.5}, "h1": {"label": "B", "prior": 0.5}}


def _case(evidence: list[dict[str, Any]], sources: dict[str, Any], events: dict[str, Any] | None = None):
    document: dict[str, Any] = {
        "schema": 1,
        "title": "compiled",
        "hypotheses": [{"id": k, **v} for k, v in H2.items()],
        "sources": sources,
        "evidence": evidence,
    }
    if events:
        document["events"] = events
    return make_case(document)


def _item(item_id: str, source: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": item_id, "label": item_id, **extra}
    if source:
        out["source"] = source
    if "reports" not in extra:
        out.setdefault("likelihoods", {"h0": 0.8, "h1": 0.3})
    return out


SOURCES = {
    "u": {"label": "uncertain U", "reliability": [0.5, 0.9]},
    "v": {"label": "uncertain V", "reliability": [0.2, 0.7]},
    "p": {"label": "point P", "reliability": 0.6},
}


def _shape(compiled: factors.CompiledCase) -> list[tuple[list[str], list[str], str]]:
    return [
        ([name for name, _ in c.sources], [it.id for it in c.members], c.method) for c in compiled.components
    ]


def test_items_join_only_through_a_shared_uncertain_source() -> None:
    case = _case(
        [
            _item("a", "u"),
            _item("b", "p"),
            _item("c", "u", via=["p"]),
            _item("d", "p"),
            _item("e"),
        ],
        SOURCES,
    )
    compiled = compile_case(case)
    assert [[it.id for it in f.items] for f in compiled.factors] == [["a"], ["b"], ["c"], ["d"], ["e"]]
    # b and d share only a point source: independent given h; with e (no source) they are
    # point items, each exact alone, scored together as one vectorised block.
    assert _shape(compiled) == [
        (["u"], ["a", "c"], "grid"),
        ([], ["b", "d", "e"], "exact"),
    ]
    assert [c.points_only for c in compiled.components] == [False, True]


def test_an_event_and_a_via_chain_tie_two_sources_into_one_sampled_component() -> None:
    events = {"g": {"label": "G", "likelihoods": {"h0": 0.9, "h1": 0.2}}}
    case = _case(
        [
            _item("r1", "u", reports="g"),
            _item("x", "v"),
            _item("r2", "v", reports="g"),
            _item("y", "p"),
        ],
        SOURCES,
        events,
    )
    compiled = compile_case(case)
    assert [([it.id for it in f.items], f.event and f.event.id) for f in compiled.factors] == [
        (["r1", "r2"], "g"),
        (["x"], None),
        (["y"], None),
    ]
    (tied, alone) = compiled.components
    assert ([n for n, _ in tied.sources], tied.method, tied.units) == (
        ["u", "v"],
        "quadrature",  # u is used by r1 alone, v by x and r2: degrees 1 and 2, one node by two
        ["x", "g", "r1", "r2"],
    )
    assert tied.degrees == (1, 2) and quadrature.tensor_size(tied.degrees) == 2
    assert [it.id for it in tied.members] == ["r1", "x", "r2"]
    assert alone.method == "exact"
    # Without r2 the event no longer reaches v: u's report and v's item come apart.
    assert [
        ([n for n, _ in c.sources], [it.id for it in c.members])
        for c in regroup(tied, "r2", compiled.reliability)
    ] == [
        (["u"], ["r1"]),
        (["v"], ["x"]),
    ]
    # Without the whole event only x is left.
    assert [[it.id for it in c.members] for c in regroup(tied, "g", compiled.reliability)] == [["x"]]


def test_credibility_at_the_means_is_kappa_times_every_reliability_on_the_chain() -> None:
    events = {"g": {"label": "G", "likelihoods": {"h0": 0.9, "h1": 0.2}}}
    case = _case(
        [
            _item("a", "u", via=["p"], credibility=0.5),
            _item("r", "p", reports="g", credibility=0.8),
            _item("plain"),
        ],
        SOURCES,
        events,
    )
    compiled = compile_case(case)
    # u is a Beta fitted to the range [0.5, 0.9]: its mean is read from the case itself.
    u_mean = case.source("u").reliability.mean
    assert compiled.credibility_mean.tolist() == pytest.approx([0.5 * u_mean * 0.6, 0.8 * 0.6, 1.0 * 1.0])
    # A report's likelihoods at the means are its event's; a standalone item's its own.
    assert compiled.theta_mean.tolist() == [[0.8, 0.3], [0.9, 0.2], [0.8, 0.3]]
    assert compiled.event_of.tolist() == [-1, 0, -1]


def test_a_case_is_compiled_once_and_freed_with_it() -> None:
    case = _case([_item("a", "u")], SOURCES)
    first = compile_case(case)
    assert compile_case(case) is first
    twin = _case([_item("a", "u")], SOURCES)  # equal, but another object: its own compilation
    assert compile_case(twin) is not first
    key = id(case)
    del case, first
    gc.collect()
    assert key not in factors._compiled


@pytest.mark.parametrize("seed", range(4))
def test_a_shared_score_cache_changes_no_number(seed: int) -> None:
    """`pool`'s cruxes score many one-judgment edits of a case through one ScoreCache: each
    edit's P(h | E) must be what scoring it afresh gives (components and priors are reused only
    where the edit left them as they were; a sampled one's pool only where its sources are)."""
    rng = np.random.default_rng(seed)
    document = random_uncertain_case(rng)
    document["evidence"][0]["via"] = ["s1"]  # a chain through two uncertain sources: sampled
    document["evidence"][0]["source"] = "s2"
    # A point source: its value is in no component's sources, only in the cache's key.
    document["sources"]["s3"] = {"reliability": 0.6}
    document["evidence"][-1]["source"] = "s3"
    case = make_case(document)
    cache = numpy_engine.ScoreCache()
    assert (
        numpy_engine.posterior_mean(case, 3, cache).tolist() == numpy_engine.posterior_mean(case, 3).tolist()
    )
    for place in judged_places(case):
        edited = with_judgment(case, place, Point(0.3))
        fresh = numpy_engine.posterior_mean(edited, 3)
        # A sampled component reweights its kept pool (log terms out and in): equal but for the
        # last bits of the sums.
        assert numpy_engine.posterior_mean(edited, 3, cache) == pytest.approx(fresh, rel=1e-12, abs=1e-15), (
            place
        )
