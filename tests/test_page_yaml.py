"""The interactive report's "Download the edited case": the YAML the page writes (the script's
`caseYaml`, pure JavaScript, run here in V8 by mini-racer) is a case file that `load_case`
accepts, states exactly the edited judgments in the case's own keys (everything else as the file
had it), and scores, with the numpy engine, to the page's own numbers for the edited case.

The browser test (test_interactive.py, slow) clicks the button and reads the download."""

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
import yaml

from hypotheses import load_case, score
from hypotheses.analysis.page_data import page_data
from hypotheses.case.loading import case_from_text
from tests.helpers import EXAMPLES, random_uncertain_case

EXAMPLE_CASES = sorted(EXAMPLES.glob("*.yaml")) + sorted((EXAMPLES / "team").glob("*.yaml"))

# One engine for the whole sequence of edits, as the page runs it (what it keeps between edits
# changes no number: tests/test_page_engine.py).
HARNESS = """
globalThis.edited = (data, steps) => {
  const e = hypscoreEngine(data);
  return JSON.stringify(steps.map(([written, included]) => {
    const made = hypscoreCaseYaml(data, written, included);
    const current = {};
    for (const [place, j] of Object.entries(written)) current[place] = j.judgment;
    const p = e.posterior(e.caseAt(current, included));
    return { made, post: p.post, mcse: p.mcse, estimated: p.estimated };
  }));
};
"""


@pytest.fixture(scope="module")
def js() -> Iterator[Any]:
    mini_racer = pytest.importorskip("py_mini_racer", reason="pip install mini-racer (the test extra)")
    script = resources.files("hypotheses").joinpath("templates/interactive.js").read_text(encoding="utf-8")
    context = mini_racer.MiniRacer()
    context.eval(script)
    context.eval(HARNESS)
    yield context
    context.close()


def run_all(js: Any, data: dict[str, Any], steps: list[tuple[dict[str, Any], dict[str, bool]]]) -> list[Any]:
    data = json.loads(json.dumps(data, allow_nan=False))
    return json.loads(js.call("edited", data, steps, timeout_sec=300))


def run(js: Any, data: dict[str, Any], written: dict[str, Any], included: dict[str, bool]) -> dict[str, Any]:
    return run_all(js, data, [(written, included)])[0]


def complement(j: dict[str, Any]) -> dict[str, Any]:
    return {"p": 1 - j["p"]} if "p" in j else {"beta": [j["beta"][1], j["beta"][0]]}


def random_edits(data: dict[str, Any], rng: random.Random, n: int) -> dict[str, Any]:
    """`n` places edited at random as the page's controls would: a word of the control's list
    (what the case file then says, and the judgment the engine uses) or a number as typed."""
    written: dict[str, Any] = {}
    # A `ratios:` item's credibility is 1 by rule: the page gives it no control.
    fixed = {it["cred"] for it in data["items"] if it["ratios"]}
    controls = [p for p in data["places"] if p["place"] not in fixed]
    for place in rng.sample(controls, min(n, len(controls))):
        kind = place["kind"]
        words = [] if kind == "ratio" else data["words"][kind]
        if words and rng.random() < 0.6:
            word = rng.choice(words)
            entry = {k: word[k] for k in ("digit", "letter") if k in word}
            entry |= {"value": word["write"], "j": word["j"]}
        else:
            hi = {"ratio": 5.0, "weight": 5.0}.get(kind, 0.95)
            v = round(rng.uniform(0.05, hi), 3)
            as_percent = hi < 1 and rng.random() < 0.3
            entry = {"value": f"{round(100 * v, 1)}%" if as_percent else v}
            entry["j"] = {"p": round(100 * v, 1) / 100 if as_percent else v}
        # The engine's place holds 1 - P(found | h) for an item looked for and not found.
        entry["judgment"] = complement(entry["j"]) if place["absent"] else entry["j"]
        written[place["place"]] = entry
    return written


def put(document: Any, path: list[Any], value: Any) -> None:
    """The value at `path`, made where missing (an item's new key, a `default:` filled in)."""
    for key in path[:-1]:
        if document[key] is None:
            document[key] = {}
        document = document[key]
    document[path[-1]] = value


def check(js: Any, path: Path, text: str, seed: int, rng: random.Random, rounds: int) -> int:
    """Edit the case at random `rounds` times; every YAML the page writes must load and score
    to the page's numbers. Returns how many were written (the rest refused, with a reason)."""
    case = case_from_text(text, str(path))
    card = score(case, engine="numpy", draws=100, seed=seed)
    data = page_data(case, card, text=text)
    assert data["download"] is not None
    original = yaml.safe_load(text)
    written_ok = 0
    steps = []
    for r in range(rounds):
        written = random_edits(data, rng, 1 + r % 3) if r else {}
        included = {it["id"]: rng.random() > 0.25 for it in data["items"]} if r % 2 else {}
        steps.append((written, included))
    for (written, included), out in zip(steps, run_all(js, data, steps), strict=True):
        made = out["made"]
        if "error" in made:  # what a case file cannot state: said, never written wrong
            assert "grading" in made["error"] or "origin" in made["error"], made["error"]
            continue
        written_ok += 1
        document = yaml.safe_load(made["yaml"])
        if not written and not included:
            assert document == original  # everything the case had, in its own keys
        # Only the edited places changed, as the controls chose them (where no grading or
        # origin is rewritten and no item left out, the document is the original with those).
        at = data["download"]["at"]
        plain = all(not at[p].get("grading") and not at[p].get("fill") for p in written)
        if plain and all(included.values()):
            expected = copy.deepcopy(original)
            for place, entry in written.items():
                put(expected, at[place]["path"], entry["value"])
            assert document == expected, (path.name, written)
        edited = case_from_text(made["yaml"], str(path.parent / "edited.yaml"))
        again = score(edited, engine="numpy", draws=100, seed=seed)
        expected = [h.posterior.mean for h in again.hypotheses]
        sampled = out["estimated"] or again.diagnostics.mean_mcse > 0
        tolerance = 1e-9 + (4 * math.hypot(out["mcse"], again.diagnostics.mean_mcse) if sampled else 0)
        if all(math.isfinite(p) for p in out["post"]):
            assert out["post"] == pytest.approx(expected, abs=tolerance, rel=0), (
                path.name,
                written,
                included,
            )
    return written_ok


@pytest.mark.parametrize("path", EXAMPLE_CASES, ids=lambda p: p.stem)
def test_the_edited_case_scores_to_the_page_numbers(js: Any, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    written = check(js, path, text, seed=0, rng=random.Random(path.stem), rounds=5)
    assert written >= 3, path.name


@pytest.mark.parametrize("seed", range(8))
def test_random_cases_round_trip(js: Any, seed: int) -> None:
    document = random_uncertain_case(np.random.default_rng(seed))
    text = yaml.safe_dump(document, sort_keys=False)
    assert check(js, EXAMPLES / f"random{seed}.yaml", text, seed=seed, rng=random.Random(seed), rounds=4) >= 2


def test_the_written_case_keeps_hostile_text_inert(js: Any) -> None:
    """Case text that looks like YAML structure, comments, anchors, tags, line separators and
    control characters comes back as the same strings, never as keys or values of its own."""
    nasty = [
        'x"\n- evil: 1\nkey: "y',
        "# not a comment &anchor *alias !!python/object:os.system",
        "tab\there, bell\x07, esc\x1b[31m, nel\x85, ls\u2028, ps\u2029, bom\ufeff, del\x7f",
        "yes",
        "2017-01-05",
        "{a: 1}",
        "emoji \U0001f600 and ünïcödé",
        "</script><b>",
    ]
    document = {
        "schema": 1,
        "title": nasty[0],
        "question": nasty[1],
        "notes": nasty[2],
        "hypotheses": [
            {"id": "a", "label": nasty[3], "prior": 0.5, "notes": nasty[5]},
            {"id": "b", "label": nasty[4], "prior": 0.5},
        ],
        "evidence": [
            {"id": "e", "label": nasty[6], "notes": nasty[7], "likelihoods": {"a": "likely", "b": 0.3}},
        ],
    }
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=False)
    case = case_from_text(text, "/tmp/nasty.yaml")
    data = page_data(case, score(case, engine="numpy", draws=100), text=text)
    out = run(js, data, {"lik/e/b": {"value": "very likely", "judgment": {"p": 0.5}}}, {})
    edited = yaml.safe_load(out["made"]["yaml"])
    expected = copy.deepcopy(document)
    expected["evidence"][0]["likelihoods"]["b"] = "very likely"
    assert edited == expected
    assert out["made"]["file"] == "nasty-edited.yaml"


GRADED = {
    "schema": 1,
    "title": "graded",
    "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
    "sources": {"wire": {"reliability": "B"}},
    "evidence": [
        {"id": "own", "label": "graded, no source", "grading": "C3", "likelihoods": {"a": 0.8, "b": 0.3}},
        {
            "id": "cited",
            "label": "graded, cited",
            "source": "wire",
            "grading": "B2",
            "likelihoods": {"a": 0.6, "b": 0.2},
        },
    ],
}


@pytest.mark.parametrize(
    ("written", "grading"),
    [
        ({"credibility/own": ("doubtful", {"digit": "4"})}, {"own": "C4", "cited": "B2"}),
        ({"reliability/grading:own": ("E", {"letter": "E"})}, {"own": "E3", "cited": "B2"}),
        ({"credibility/cited": ("1 in 4", {})}, {"own": "C3", "cited": None}),
        ({"credibility/own": ("likely", {})}, None),
    ],
)
def test_a_graded_item_keeps_its_grading_where_it_can(
    js: Any, written: dict[str, Any], grading: dict[str, Any] | None
) -> None:
    """An Admiralty credibility word is written as the grading's digit, an Admiralty letter as its
    letter; another credibility replaces the grading where a cited source stands for its letter;
    and on an item whose grading is its only source it cannot be written: the page says so."""
    text = yaml.safe_dump(GRADED, sort_keys=False)
    case = case_from_text(text, "/tmp/graded.yaml")
    data = page_data(case, score(case, engine="numpy", draws=100), text=text)
    words = {w["write"]: w["j"] for kind in ("credibility", "reliability") for w in data["words"][kind]}
    edits = {
        place: {"value": value, **extra, "judgment": words.get(value, {"p": 0.25})}
        for place, (value, extra) in written.items()
    }
    out = run(js, data, edits, {})
    if grading is None:
        assert "grading can only hold" in out["made"]["error"]
        return
    document = yaml.safe_load(out["made"]["yaml"])
    assert {e["id"]: e.get("grading") for e in document["evidence"]} == grading
    again = score(case_from_text(out["made"]["yaml"], "/tmp/graded-edited.yaml"), engine="numpy", draws=100)
    assert out["post"] == pytest.approx([h.posterior.mean for h in again.hypotheses], abs=1e-9)


def test_an_origin_left_with_one_item_is_refused_with_a_reason(js: Any) -> None:
    path = EXAMPLES / "nord-stream-2022.yaml"
    text = path.read_text(encoding="utf-8")
    case = load_case(path)
    data = page_data(case, score(case, engine="numpy", draws=100), text=text)
    origin = data["origins"][0]
    out = run(js, data, {}, {i: False for i in origin["items"][1:]})
    if len(origin["items"]) == 2:
        assert "would keep one item" in out["made"]["error"]
    out = run(js, data, {}, {i: False for i in origin["items"]})
    assert "yaml" in out["made"]
    assert origin["id"] not in (yaml.safe_load(out["made"]["yaml"]).get("origins") or {})
