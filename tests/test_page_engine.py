"""The interactive report's script is the third engine: its numerics, run without a browser.

`interactive.js` defines `engine(data)`, a pure function of the page's data (no DOM), exported as
`globalThis.hypscoreEngine`. Here V8 (the `mini-racer` package: an embedded engine that runs the
script's modern JavaScript as Chromium does) evaluates the script and its engine recomputes every
bundled example and random cases, as printed and edited (another judgment, an item left out).
Its numbers must equal the numpy engine's (`hypotheses.model.numpy_engine`, through `score`):
to 1e-10 where both are exact (closed forms, the grid over one shared reliability, E[pi_h] as
printed), within four combined Monte Carlo errors where both sample (an edited uncertain prior,
two uncertain sources coupled). So a change to the numpy engine that the page does not follow
fails here, in the default test run; the browser tests (test_interactive.py, slow) check the
page's wiring on top of this.
"""

from __future__ import annotations

import copy
import json
import math
import random
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hypotheses import Case, load_case, score
from hypotheses.analysis.edits import judged_places, with_judgment, without_item
from hypotheses.analysis.page_data import engine_constants, judgment_data, page_data
from hypotheses.analysis.scorecard import Scorecard
from hypotheses.model import components, prior, quadrature
from hypotheses.model.places import MODEL_ERROR_PLACE
from hypotheses.output.wording import db
from hypotheses.text import percent
from priors import Beta, Judgment, Point
from tests.helpers import EXAMPLES, make_case, random_uncertain_case

EXACT = 1e-10  # both sides exact: the same arithmetic in another order (they agree to ~1e-15)
WEIGHT_DB = 1e-6  # weights of evidence, in decibans

# Runs the engine on a case at `current` (place -> judgment) less the items `included` marks
# false, returning non-finite numbers as strings (JSON has none).
HARNESS = """
globalThis.recompute = (data, current, included) => {
  const e = hypscoreEngine(data);
  const kase = e.caseAt(current, included);
  const p = e.posterior(kase);
  const w = Number.isFinite(p.post[0]) ? e.weights(kase, p.prior) : null;
  const finite = (k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v);
  return JSON.stringify({ ...p, weights: w }, finite);
};
globalThis.worded = (data, values) => values.map(hypscoreEngine(data).inWords);
globalThis.formatted = (values, weights) => {
  const f = hypscoreEngine({ hypotheses: [], places: [], priors: [], engine: {} }).format;
  return [values.map(f.percent), weights.map(f.db)];
};
"""


@pytest.fixture(scope="module")
def js() -> Iterator[Any]:
    mini_racer = pytest.importorskip("py_mini_racer", reason="pip install mini-racer (the test extra)")
    script = resources.files("hypotheses").joinpath("templates/interactive.js").read_text(encoding="utf-8")
    context = mini_racer.MiniRacer()
    context.eval(script)  # no document: only the engine is defined
    context.eval(HARNESS)
    yield context
    context.close()


def _number(value: Any) -> Any:
    if isinstance(value, str) and value in ("Infinity", "-Infinity", "NaN"):
        return float(value)
    if isinstance(value, list):
        return [_number(v) for v in value]
    if isinstance(value, dict):
        return {k: _number(v) for k, v in value.items()}
    return value


def recompute(
    js: Any,
    data: dict[str, Any],
    current: dict[str, Any] | None = None,
    included: dict[str, bool] | None = None,
) -> dict[str, Any]:
    # Through JSON, as the page reads its data (the report's JSON admits no NaN or infinity).
    data = json.loads(json.dumps(data, allow_nan=False))
    return _number(json.loads(js.call("recompute", data, current or {}, included or {}, timeout_sec=120)))


def scored(case: Case, seed: int = 0) -> tuple[Scorecard, dict[str, Any]]:
    """The numpy engine's card (few interval draws: the means do not depend on them) and the
    page's data for it."""
    card = score(case, engine="numpy", draws=100, seed=seed)
    return card, page_data(case, card)


def assert_posterior(ours: dict[str, Any], card: Scorecard, what: str) -> None:
    """The page's posterior and prior means against the card's: exact where neither side sampled."""
    expected = [h.posterior.mean for h in card.hypotheses]
    sampled = ours["estimated"] or card.diagnostics.mean_mcse > 0
    tolerance = EXACT + 4 * math.hypot(ours["mcse"], card.diagnostics.mean_mcse) if sampled else EXACT
    assert ours["post"] == pytest.approx(expected, abs=tolerance, rel=0), what
    if not sampled:
        assert ours["prior"] == pytest.approx([h.prior.mean for h in card.hypotheses], abs=EXACT), what


def assert_weights(ours: dict[str, Any], card: Scorecard, what: str) -> None:
    """Weights of evidence (dB) and diagnosticity (bits) at the means, items, events and origins."""
    ids = [h.id for h in card.hypotheses]
    for item in card.evidence:
        mine = ours["weights"]["items"][item.id]
        for h, w in zip(ids, mine["w"], strict=True):
            expected = item.weight_db[h]
            if expected is None or math.isnan(expected):
                assert math.isnan(w), (what, item.id, h)
            elif math.isinf(expected):
                assert w == expected, (what, item.id, h)
            else:
                assert w == pytest.approx(expected, abs=WEIGHT_DB), (what, item.id, h)
        if math.isnan(item.diagnosticity):
            assert math.isnan(mine["bits"]), (what, item.id)
        else:
            assert mine["bits"] == pytest.approx(item.diagnosticity, abs=1e-9), (what, item.id)
    together = [("events", g) for g in card.events] + [("origins", g) for g in card.origins]
    assert sorted(ours["weights"]["origins"]) == sorted(g.id for g in card.origins), what
    for kind, event in together:
        for h, w in zip(ids, ours["weights"][kind][event.id], strict=True):
            expected = event.weight_db[h]
            if expected is None or math.isnan(expected):
                assert math.isnan(w), (what, event.id, h)
            else:
                assert w == pytest.approx(expected, abs=WEIGHT_DB), (what, event.id, h)


EXAMPLE_CASES = sorted(EXAMPLES.glob("*.yaml")) + sorted((EXAMPLES / "team").glob("*.yaml"))


@pytest.mark.parametrize("path", EXAMPLE_CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_page_recomputes_every_bundled_example_as_the_engine_does(js: Any, path: Path) -> None:
    case = load_case(path)
    card, data = scored(case)
    ours = recompute(js, data)
    assert_posterior(ours, card, path.name)
    assert_weights(ours, card, path.name)
    # It says it estimated exactly when the engine did (uncertain priors, coupled sources).
    assert ours["estimated"] == (card.diagnostics.mean_mcse > 0), path.name


# ---- random cases: uncertain priors, Admiralty codes, intervals and Betas, events, chains ----


def _random_document(seed: int) -> dict[str, Any]:
    """tests.helpers' random case, with an event (reports through the sources, some with
    credibility) and, at random, a chain through both uncertain sources (the tensor rule)."""
    rng = np.random.default_rng(seed)
    document = random_uncertain_case(rng)
    ids = [h["id"] for h in document["hypotheses"]]
    if rng.random() < 0.6:
        words = ["unlikely", "roughly even chance", "likely", 0.3, [0.2, 0.5], {"beta": [4, 2]}]
        document["events"] = {
            "ev": {"label": "an event", "likelihoods": {h: words[int(rng.integers(len(words)))] for h in ids}}
        }
        for k in range(int(rng.integers(1, 4))):
            report: dict[str, Any] = {"id": f"r{k}", "label": "a report", "reports": "ev"}
            if rng.random() < 0.7:
                report["source"] = str(rng.choice(["s1", "s2"]))
            if rng.random() < 0.5:
                report["credibility"] = [0.6, 0.9] if rng.random() < 0.5 else 0.8
            document["evidence"].append(report)
    return document


def _coupled(document: dict[str, Any]) -> dict[str, Any]:
    """The same case with its first item reaching s1 via s2: both uncertain sources in one
    component, which both engines integrate by the tensor rule (by sampling past its budget)."""
    out = copy.deepcopy(document)
    first = out["evidence"][0]
    first["source"], first["via"] = "s1", ["s2"]
    return out


RANDOM_SEEDS = range(12)


@pytest.mark.parametrize("seed", RANDOM_SEEDS)
def test_random_cases_as_printed_and_edited(js: Any, seed: int) -> None:
    """As printed (exact: the grid, closed forms, E[pi_h] as printed); one likelihood edited and
    one item left out (exact still); one prior factor edited (both sides sample E[pi_h])."""
    document = _random_document(seed)
    card, data = scored(make_case(document))
    ours = recompute(js, data)
    assert_posterior(ours, card, f"seed {seed} as printed")
    assert_weights(ours, card, f"seed {seed} as printed")

    pick = random.Random(seed)
    edited = copy.deepcopy(document)
    plain = [e for e in edited["evidence"] if "likelihoods" in e]
    item = pick.choice(plain)
    hypothesis = pick.choice(list(item["likelihoods"]))
    item["likelihoods"][hypothesis] = pick.choice(["very likely", 0.05, [0.1, 0.3], {"beta": [2, 9]}])
    included: dict[str, bool] = {}
    if len(edited["evidence"]) > 1:
        dropped = pick.choice(edited["evidence"])
        edited["evidence"].remove(dropped)
        included[dropped["id"]] = False
    card_edited, data_edited = scored(make_case(edited))
    ours = recompute(js, data, _edits(data, data_edited), included)
    assert_posterior(ours, card_edited, f"seed {seed} evidence edited")
    assert_weights(ours, card_edited, f"seed {seed} evidence edited")

    reprior = copy.deepcopy(document)
    first = reprior["hypotheses"][0]
    first["prior"]["motive"] = pick.choice([{"beta": [2, 3]}, [0.3, 0.6], "likely"])
    card_prior, data_prior = scored(make_case(reprior))
    ours = recompute(js, data, _edits(data, data_prior))
    assert ours["estimated"]
    assert_posterior(ours, card_prior, f"seed {seed} prior edited")


def _edits(printed: dict[str, Any], edited: dict[str, Any]) -> dict[str, Any]:
    """The judgments a reader changed: the edited case's, where they differ from the printed."""
    before = {p["place"]: p["j"] for p in printed["places"]}
    return {p["place"]: p["j"] for p in edited["places"] if before.get(p["place"]) != p["j"]}


@pytest.mark.parametrize("seed", [3, 4, 8])
def test_coupled_uncertain_sources_integrate_exactly_on_both_sides(js: Any, seed: int) -> None:
    """Coupled uncertain sources within the tensor rule's budget: both sides exact (the same
    rule, the page's own eigenvalues), so they agree to EXACT, as where nothing is sampled."""
    case = make_case(_coupled(_random_document(seed)))
    card, data = scored(case)
    assert any(c["method"] == "quadrature" for c in card.diagnostics.components)
    ours = recompute(js, data)
    if card.diagnostics.mean_mcse == 0:  # point priors: nothing estimated anywhere
        assert not ours["estimated"] and ours["mcse"] == 0
    assert_posterior(ours, card, f"seed {seed} coupled")


@pytest.mark.parametrize("seed", [3])
def test_coupled_uncertain_sources_sample_on_both_sides(
    js: Any, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """Past the tensor rule's budget (here none) both sides sample: the page takes the budget
    from its data."""
    monkeypatch.setattr(quadrature, "QUADRATURE_NODES", 0)
    case = make_case(_coupled(_random_document(seed)))
    card, data = scored(case)
    assert any(c["method"] == "sampled" for c in card.diagnostics.components)
    ours = recompute(js, data)
    assert ours["estimated"] and ours["mcse"] > 0
    assert_posterior(ours, card, f"seed {seed} coupled")


def _failing_document(seed: int) -> dict[str, Any]:
    """A random case with the ways evidence fails (docs/model.md section 2): given hit and
    false-alarm rates on items and reports (a deceptive one, an absent one) and a model error,
    a point or a range (a range ties every item into one component)."""
    rng = np.random.default_rng(seed)
    document = _random_document(seed)
    rates = [(0.8, 0.1), ("likely", [0.01, 0.1]), (0.2, 0.6), ([0.6, 0.9], "unlikely")]
    for k, entry in enumerate(document["evidence"]):
        if rng.random() < 0.5:
            for key in ("credibility", "via", "grading"):
                entry.pop(key, None)
            entry["hit"], entry["false_alarm"] = rates[int(rng.integers(len(rates)))]
            if k == 0 and "likelihoods" in entry:
                entry["observed"] = False
    document["model_error"] = [0.01, 0.05] if seed % 2 else 0.02
    return document


@pytest.mark.parametrize("seed", range(6))
def test_rates_and_model_error_as_printed_and_edited(js: Any, seed: int) -> None:
    """The page follows the engine with rates and model error, as printed and after the reader
    edits a hit rate, a false-alarm rate and the model error."""
    document = _failing_document(seed)
    card, data = scored(make_case(document))
    ours = recompute(js, data)
    assert_posterior(ours, card, f"seed {seed} as printed")
    assert_weights(ours, card, f"seed {seed} as printed")
    edited = copy.deepcopy(document)
    rated = [e for e in edited["evidence"] if "hit" in e]
    if rated:
        rated[0]["hit"], rated[-1]["false_alarm"] = 0.55, [0.3, 0.5]
    edited["model_error"] = 0.1
    card_edited, data_edited = scored(make_case(edited))
    changes = _edits(data, data_edited)
    assert "model_error" in changes
    ours = recompute(js, data, changes)
    assert_posterior(ours, card_edited, f"seed {seed} edited")
    assert_weights(ours, card_edited, f"seed {seed} edited")


# ---- possible common origins: s Lambda(origin) + (1 - s) prod lambda, one factor -------------


def _origin_document(
    shared: Any, wire: Any = 0.7, rated: bool = False, model_error: Any = None
) -> dict[str, Any]:
    """docs/model.md's one briefing: papers x and y may repeat one origin o (likelihoods of its
    own) and z stands alone. x and y reach their claims through the wire, so an uncertain wire
    puts the origin on the grid; `rated` gives y hit and false-alarm rates in place of its
    credibility."""
    y = {"id": "y", "label": "Y", "likelihoods": {"a": 0.6, "b": 0.2}, "source": "wire"}
    y |= {"hit": 0.7, "false_alarm": 0.15} if rated else {"credibility": 0.8}
    document: dict[str, Any] = {
        "schema": 1,
        "title": "one briefing",
        "hypotheses": [{"id": "a", "label": "A", "prior": 0.4}, {"id": "b", "label": "B", "prior": 0.6}],
        "sources": {"wire": {"label": "wire", "reliability": wire}},
        "evidence": [
            {"id": "x", "label": "X", "likelihoods": {"a": 0.8, "b": 0.3}, "credibility": 0.9,
             "source": "wire"},
            {"id": "z", "label": "Z", "likelihoods": {"a": 0.7, "b": 0.4}},
            y,
        ],
        "origins": {
            "o": {"label": "one briefing", "items": ["x", "y"], "shared": shared,
                  "likelihoods": {"a": 0.85, "b": [0.2, 0.4]}},
        },
    }  # fmt: skip
    if model_error is not None:
        document["model_error"] = model_error
    return document


ORIGIN_CASES = {
    "point": {},
    "grid": {"wire": [0.5, 0.9]},
    "rated": {"rated": True},
    "model error": {"model_error": 0.02},
    "rated, model error on the grid": {"rated": True, "model_error": [0.01, 0.05]},
}


def _origin_edits(case: Case) -> list[tuple[str, Judgment]]:
    """The judgments of the origin a reader may move: shared, the origin's likelihood, a member's
    hit rate or credibility and its own likelihood, and the model error where the case has one."""
    y = next(it for it in case.evidence if it.id == "y")
    out = [
        ("shared/o", Point(0.2)),
        ("shared/o", Beta(3.0, 2.0)),
        ("lik/o/b", Point(0.05)),
        ("hit/y", Point(0.9)) if y.rated else ("credibility/y", Beta(6.0, 2.0)),
        ("lik/x/a", Point(0.4)),  # a member's own likelihood: its branch alone
    ]
    if MODEL_ERROR_PLACE in judged_places(case):
        out.append((MODEL_ERROR_PLACE, Point(0.1)))
    return out


@pytest.mark.parametrize("shared", [0.0, 1.0, 0.5])
@pytest.mark.parametrize("variant", list(ORIGIN_CASES))
def test_origins_as_printed_edited_and_with_a_member_left_out(js: Any, variant: str, shared: float) -> None:
    """The page scores a possible common origin as the numpy engine does, exactly (closed forms,
    the grid over one uncertain source): as printed, after each edit of its judgments (numpy
    on edits.with_judgment), with each member left out (numpy on edits.without_item: the
    other stays a mixture of one) and with both (the origin goes)."""
    case = make_case(_origin_document(shared, **ORIGIN_CASES[variant]))
    card, data = scored(case)
    on_grid = "grid" in variant
    assert [c["method"] for c in card.diagnostics.components if "o" in c.get("origins", [])] == [
        "grid" if on_grid else "exact"
    ]
    ours = recompute(js, data)
    assert not ours["estimated"]
    assert_posterior(ours, card, f"{variant} as printed")
    assert_weights(ours, card, f"{variant} as printed")
    for place, judgment in _origin_edits(case):
        what = f"{variant}, shared {shared}, {place} edited"
        card_edited, _ = scored(with_judgment(case, place, judgment))
        ours = recompute(js, data, {place: judgment_data(judgment)})
        assert_posterior(ours, card_edited, what)
        assert_weights(ours, card_edited, what)
    for out in (["x"], ["y"], ["x", "y"]):
        left = case
        for item_id in out:
            left = without_item(left, item_id)
        assert len(left.origins) == (len(out) == 1)
        card_left, _ = scored(left)
        ours = recompute(js, data, included={item_id: False for item_id in out})
        assert_posterior(ours, card_left, f"{variant}, shared {shared}, {out} left out")
        assert_weights(ours, card_left, f"{variant}, shared {shared}, {out} left out")


def test_the_page_data_places_an_origins_judgments() -> None:
    _, data = scored(make_case(_origin_document({"beta": [2, 2]})))
    origin = {"id": "o", "items": ["x", "y"], "lik": ["lik/o/a", "lik/o/b"], "shared": "shared/o"}
    assert data["origins"] == [origin]
    kinds = {p["place"]: p["kind"] for p in data["places"]}
    assert kinds["shared/o"] == "shared" and kinds["lik/o/a"] == "event"
    assert kinds["lik/x/a"] == "likelihood"  # its members keep their own places
    assert data["words"]["shared"] == data["words"]["event"]


def _with_random_origin(document: dict[str, Any], seed: int) -> dict[str, Any]:
    """A random case (_random_document, _failing_document) with a possible common origin over two
    or three of its observed items with likelihoods of their own (one added when too few),
    `shared` a point or a range, at random with likelihoods of its own."""
    pick = random.Random(seed)
    out = copy.deepcopy(document)
    ids = [h["id"] for h in out["hypotheses"]]
    plain = [e for e in out["evidence"] if "likelihoods" in e and e.get("observed", True) is True]
    while len(plain) < 2:
        plain.append({"id": f"extra{len(plain)}", "label": "x", "likelihoods": {h: "likely" for h in ids}})
        out["evidence"].append(plain[-1])
    members = pick.sample(plain, min(len(plain), pick.choice([2, 3])))
    origin: dict[str, Any] = {
        "label": "one origin",
        "items": [e["id"] for e in members],
        "shared": pick.choice([0.0, 1.0, 0.5, 0.3, [0.2, 0.6], {"beta": [2, 3]}]),
    }
    if pick.random() < 0.5:
        origin["likelihoods"] = {h: pick.choice(["unlikely", 0.7, [0.1, 0.4]]) for h in ids}
    out["origins"] = {"o": origin}
    return out


@pytest.mark.parametrize("seed", range(8))
def test_random_cases_with_an_origin(js: Any, seed: int) -> None:
    """Random cases with an origin (events, chains, rates and model error at random; some
    sampled, then within the Monte Carlo errors), as printed, with `shared` and a member's
    likelihood edited, and with a member left out."""
    base = _failing_document(seed) if seed % 2 else _random_document(seed)
    case = make_case(_with_random_origin(base, seed))
    card, data = scored(case)
    ours = recompute(js, data)
    assert_posterior(ours, card, f"seed {seed} as printed")
    assert_weights(ours, card, f"seed {seed} as printed")
    member = case.origins[0].items[0]
    edits = {"shared/o": Beta(2.0, 5.0), f"lik/{member}/{case.hypothesis_ids[0]}": Point(0.9)}
    edited = case
    for place, judgment in edits.items():
        edited = with_judgment(edited, place, judgment)
    card_edited, _ = scored(edited)
    ours = recompute(js, data, {place: judgment_data(j) for place, j in edits.items()})
    assert_posterior(ours, card_edited, f"seed {seed} edited")
    assert_weights(ours, card_edited, f"seed {seed} edited")
    card_left, _ = scored(without_item(case, member))
    ours = recompute(js, data, included={member: False})
    assert_posterior(ours, card_left, f"seed {seed} {member} left out")
    assert_weights(ours, card_left, f"seed {seed} {member} left out")


# ---- the engine's constants reach the page from the engine's own names ----------------------


def test_the_page_data_carries_the_engines_constants() -> None:
    constants = engine_constants()
    assert constants["grid_cells"] is components.GRID_CELLS
    assert constants["grid_zooms"] is components.GRID_ZOOMS
    assert constants["source_draws"] is components.SOURCE_DRAWS
    assert constants["source_batches"] is components.SOURCE_BATCHES
    assert constants["pool_elements"] is components.POOL_ELEMENTS
    assert constants["pool_floor"] is components.POOL_FLOOR
    assert constants["quadrature_nodes"] is quadrature.QUADRATURE_NODES
    assert constants["rule_nodes"] is quadrature.RULE_NODES
    assert constants["prior_draws"] is prior.PRIOR_MEAN_DRAWS
    assert constants["prior_floor"] is prior.PRIOR_MEAN_FLOOR
    assert constants["prior_batches"] is prior.PRIOR_MEAN_BATCHES
    assert constants["prior_budget"] is prior.PRIOR_MEAN_BUDGET
    assert constants["tiny"] == np.finfo(float).tiny


GRID_CASES = [("leaked-memo", EXAMPLES / "leaked-memo.yaml"), ("seed 1", 1), ("seed 5", 5)]


def _case(which: Path | int) -> Case:
    return load_case(which) if isinstance(which, Path) else make_case(_random_document(which))


@pytest.mark.parametrize(("name", "which"), GRID_CASES, ids=[n for n, _ in GRID_CASES])
def test_the_page_follows_the_engines_grid_settings(
    js: Any, monkeypatch: pytest.MonkeyPatch, name: str, which: Path | int
) -> None:
    """With a grid too coarse to converge, both engines move alike: the page takes the engine's
    cells and zooms from its data, not from a copy. (A source's factor comes from the grid only
    past its Gauss rule's RULE_NODES, here none, which the page also takes from its data.)"""
    monkeypatch.setattr(quadrature, "RULE_NODES", 0)
    case = _case(which)
    fine = recompute(js, scored(case)[1])["post"]
    monkeypatch.setattr(components, "GRID_CELLS", 4)
    monkeypatch.setattr(components, "GRID_ZOOMS", 1)
    card, data = scored(case)
    ours = recompute(js, data)
    assert max(abs(a - b) for a, b in zip(ours["post"], fine, strict=True)) > 100 * EXACT  # it matters
    assert ours["post"] == pytest.approx([h.posterior.mean for h in card.hypotheses], abs=EXACT, rel=0)


def test_the_page_samples_as_many_draws_as_the_engine(js: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """With fewer draws the Monte Carlo errors grow alike on both sides (coupled sources, an
    edited uncertain prior): the page takes the engine's draws and batches from its data. At
    the default draws they would differ about sixfold."""
    monkeypatch.setattr(quadrature, "QUADRATURE_NODES", 0)  # the coupled sources sampled
    monkeypatch.setattr(components, "SOURCE_DRAWS", 2048)
    monkeypatch.setattr(components, "SOURCE_BATCHES", 8)
    monkeypatch.setattr(prior, "PRIOR_MEAN_DRAWS", 2048)
    monkeypatch.setattr(prior, "PRIOR_MEAN_FLOOR", 2048)
    monkeypatch.setattr(prior, "PRIOR_MEAN_BATCHES", 8)
    document = _random_document(0)  # its event couples both uncertain sources
    card, data = scored(make_case(document))
    ours = recompute(js, data)
    assert 1 / 3 < ours["mcse"] / card.diagnostics.mean_mcse < 3
    assert_posterior(ours, card, "coupled, few draws")
    edited = copy.deepcopy(document)
    edited["hypotheses"][0]["prior"]["motive"] = {"beta": [2, 3]}
    edited["evidence"] = []  # the prior's error alone
    card, edited_data = scored(make_case(edited))
    ours = recompute(js, data, _edits(data, edited_data), {e["id"]: False for e in document["evidence"]})
    assert 1 / 3 < ours["mcse"] / card.diagnostics.mean_mcse < 3
    assert_posterior(ours, card, "prior edited, few draws")


def test_the_script_restates_none_of_them() -> None:
    script = resources.files("hypotheses").joinpath("templates/interactive.js").read_text(encoding="utf-8")
    # The large ones would be unmistakable (small ones such as 8 or 16 occur for other reasons).
    for value in (v for v in engine_constants().values() if v > 100 or v < 1e-300):
        assert repr(value) not in script, value


def formatting_cases() -> tuple[list[float], list[float]]:
    """Probabilities and weights (dB) on which JavaScript's rounding and Python's differ unless
    the page rounds as Python does (ties, tiny values, carries), and many at random."""
    rng = random.Random(7)
    values = [0.5625, 0.0625, 0.9375, 9.97e-7, 1e-300, 5e-324, 0.000995, 0.001, 0.00125, 0.99995, 1.0]
    # Extremes (docs/model.md, How extremes are shown): only an exact 0 or 1 reads as certain;
    # either side of the rounding to 0.0% and 100.0%.
    values += [0.0, 0.0005, 0.00049999, 0.0004999999999999999, 0.00005, 0.9995, 0.99949999, 0.99950001]
    values += [0.9999, 1 - 1e-16, 1 - 2**-53, 0.999, 0.001, 1e-12]
    values += [rng.random() ** rng.choice([1, 3, 10, 30]) for _ in range(2000)]
    values += [k / 2 ** rng.randint(1, 12) for k in range(1, 200)]
    values = [v for v in values if 0 <= v <= 1]
    weights = [rng.uniform(-80, 80) for _ in range(500)] + [0.05, -0.05, 0.25, -0.25, 1.25, 2.75]
    return values, weights


def test_numbers_are_formatted_as_python_formats_them(js: Any) -> None:
    """The page prints as hypscore does (half to even on the exact binary value): the same
    check as the browser's, in the default run."""
    values, weights = formatting_cases()
    shown, shown_db = js.call("formatted", values, weights)
    assert shown == [percent(v) for v in values]
    assert shown_db == [db(w) for w in weights]
    # Extremes as judgments (docs/model.md, How extremes are shown), in the page too.
    assert all(s not in ("0.0%", "100.0%") for v, s in zip(values, shown, strict=True) if 0 < v < 1)
    assert js.call("formatted", [0.9995, 0.00049, 1.0, 0.0], [])[0] == [">99.9%", "<0.1%", "100.0%", "0%"]


@pytest.mark.parametrize("scale", ["icd203", "kent", "phia"])
def test_the_page_puts_numbers_in_words_as_python_does(js: Any, scale: str) -> None:
    """The page's `termFor` and output/wording.py's `in_words` agree everywhere, beyond the
    scale's ends too ('almost certain (above the scale's 99%)', docs/model.md)."""
    from types import SimpleNamespace

    from hypotheses.output.wording import in_words

    document = {
        "schema": 1,
        "title": "words",
        "scale": scale,
        "hypotheses": [{"id": "a", "label": "a", "prior": 0.5}, {"id": "b", "label": "b", "prior": 0.5}],
        "evidence": [],
    }
    _, data = scored(make_case(document))
    values, _ = formatting_cases()
    values += [t[k] for t in data["scale"] for k in ("lo", "hi")]
    values += [v + d for v in (0.01, 0.05, 0.95, 0.99) for d in (-1e-12, 1e-12)]
    shown = js.call("worded", json.loads(json.dumps(data)), values)
    assert shown == [in_words(SimpleNamespace(scale=scale), v) for v in values]
    if scale == "icd203":
        ends = js.call("worded", json.loads(json.dumps(data)), [0.995, 0.005, 0.99])
        assert ends == [
            "almost certain (above the scale's 99%)",
            "almost no chance (below the scale's 1%)",
            "almost certain (95-99%)",
        ]


# One engine through a sequence of edits, as the page runs it (its draws and each unit's factor
# kept between edits), against a fresh engine for each edit.
SEQUENCE = """
globalThis.sequence = (data, steps) => {
  const kept = hypscoreEngine(data);
  return JSON.stringify(steps.map(([current, included]) => {
    const fresh = hypscoreEngine(data);
    const one = (e) => {
      const k = e.caseAt(current, included);
      const p = e.posterior(k);
      return [p.post, p.mcse, e.weights(k, p.prior)];
    };
    return [one(kept), one(fresh)];
  }), (k, v) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v));
};
"""


@pytest.mark.parametrize("name", ["al-bab-2017", "nord-stream-2022", "leaked-memo"])
def test_what_the_page_keeps_between_edits_changes_no_number(js: Any, name: str) -> None:
    """The page keeps the importance draws and each unit's factor while they are unchanged, so
    that an edit recomputes only what it changes: every number after each edit of a sequence
    (likelihoods, a reliability, an item left out, back to as printed) is exactly what a fresh
    engine computes for that case."""
    js.eval(SEQUENCE)
    case = load_case(EXAMPLES / f"{name}.yaml")
    _, data = scored(case)
    rng = random.Random(name)
    liks = [p for p in data["places"] if p["place"].startswith("lik/")]
    steps: list[tuple[dict[str, Any], dict[str, bool]]] = []
    current: dict[str, Any] = {}
    for k in range(3):
        place = rng.choice(liks)["place"]
        current = {**current, place: {"p": round(rng.uniform(0.1, 0.9), 3)}}
        steps.append((current, {}))
        if k == 1 and data["sources"]:
            source = data["sources"][0]["place"]
            steps.append(({**current, source: {"beta": [8.0, 2.0]}}, {}))
    steps.append((current, {data["items"][-1]["id"]: False}))
    steps.append(({}, {}))
    out = json.loads(js.call("sequence", json.loads(json.dumps(data)), steps, timeout_sec=300))
    for kept, fresh in out:
        assert kept == fresh
