"""New-user trial 3 (the Nord Stream case): what the outputs said that misled. Each test states
the promise the output broke and checks it against the case's own numbers or on paper, never
against an earlier output of the code."""

from __future__ import annotations

import csv
import io
import json
import math
import re

import numpy as np
import pytest
import yaml

from hypotheses import case_from_text, score
from hypotheses.analysis.diff import diff
from hypotheses.output.report import render_report
from hypotheses.output.team_report import diff_headline, diff_markdown
from hypotheses.output.text import explanation_json, explanation_markdown, to_csv, to_json
from hypotheses.output.wording import closest_sentence, flip_sentence

# The trial's case, cut to what the findings need: four hypotheses, a group, model_error 1%,
# no as_of, dated items, an item looked for and not found, a pending item, two events and a
# possible common origin.
NORD_STREAM = """
schema: 1
title: Who blew up the Nord Stream pipelines? (September 2022)
scale: icd203
model_error: 1%
hypotheses:
  - id: ukraine_linked
    label: A Ukrainian-linked team
    prior: {motive: very likely, means: likely, opportunity: likely}
  - id: russia
    label: Russia sabotaged its own pipelines
    prior: {motive: unlikely, means: almost certain, opportunity: very likely}
  - id: us_norway
    label: The United States, helped by Norway
    prior: {motive: likely, means: almost certain, opportunity: likely}
  - id: other
    label: Another state or actor
    prior: {motive: very unlikely, means: very unlikely, opportunity: very unlikely}
groups:
  western_state: {label: A NATO state's operation, members: [us_norway, other]}
sources:
  hersh: {label: Seymour Hersh, reliability: D}
  zeit_ard: {label: Die Zeit / ARD, reliability: B}
  gba: {label: German Federal Prosecutor, reliability: A}
  spiegel: {label: Der Spiegel, reliability: B}
  wapo: {label: The Washington Post, reliability: B}
  wsj: {label: The Wall Street Journal, reliability: [0.75, 0.9]}
  information_dk: {label: Information, reliability: C}
events:
  hersh_story:
    label: A reporter publishes an account naming US Navy divers
    likelihoods: {us_norway: likely, default: very unlikely}
  andromeda_trail:
    label: Investigators trace a chartered yacht, Andromeda
    likelihoods: {ukraine_linked: likely, russia: very unlikely, us_norway: very unlikely, other: unlikely}
evidence:
  - id: seismic
    label: Seismographs record two underwater explosions
    date: 2022-09-26
    likelihoods: {default: almost certain}
  - id: biden_feb
    label: Biden - we will bring an end to it
    date: 2022-02-07
    ratios: {us_norway: [1.5, 4], default: 1}
  - id: hersh_post
    label: Hersh's Substack post
    reports: hersh_story
    source: hersh
    date: 2023-02-08
  - id: no_second_source
    label: A second, independent source corroborating Hersh's account surfaces
    observed: false
    date: 2024-12-31
    likelihoods: {us_norway: unlikely, default: 1 in 50}
  - id: zeit_andromeda
    label: Die Zeit/ARD - yacht Andromeda rented by a Polish firm owned by Ukrainians
    reports: andromeda_trail
    source: zeit_ard
    date: 2023-03-07
  - id: gba_yacht_search
    label: The prosecutor confirms search of a ship
    reports: andromeda_trail
    source: gba
    date: 2023-03-08
  - id: spiegel_chervinsky
    label: Spiegel - a Ukrainian officer coordinated the operation
    source: spiegel
    date: 2023-11-11
    likelihoods: {ukraine_linked: likely, default: very unlikely}
  - id: wapo_chervinsky
    label: Washington Post - a Ukrainian officer coordinated the operation
    source: wapo
    date: 2023-11-11
    likelihoods: {ukraine_linked: likely, default: very unlikely}
  - id: wsj_zaluzhny
    label: WSJ - Zaluzhny approved a privately funded plan
    source: wsj
    date: 2024-08-14
    likelihoods: {ukraine_linked: very likely, default: very unlikely}
  - id: ss750
    label: Russian submarine-rescue ship SS-750 near the site days before
    source: information_dk
    date: 2023-04-28
    likelihoods: {russia: likely, default: unlikely}
  - id: italy_arrest
    label: Italy arrests a Ukrainian on a German warrant
    source: gba
    date: 2025-08-21
    likelihoods: {ukraine_linked: very likely, default: almost no chance}
  - id: trial_forensics
    label: Trial evidence ties the residue to the charges
    observed: pending
    likelihoods: {ukraine_linked: likely, default: very unlikely}
origins:
  chervinsky_joint:
    label: Spiegel and WaPo published a joint investigation
    items: [spiegel_chervinsky, wapo_chervinsky]
    shared: [0.6, 0.95]
"""


def _case(text: str = NORD_STREAM, name: str = "nordstream.yaml"):
    return case_from_text(text, name)


@pytest.fixture(scope="module")
def scored():
    case = _case()
    return case, score(case, engine="numpy")


# ---- 1 and 10: the exchange formats -------------------------------------------------------------


def test_misp_carries_looked_for_and_not_found(scored) -> None:
    """An `observed: false` item's MISP attribute says it was not found (comment and tag), as the
    STIX note does; an observed item's does not."""
    pytest.importorskip("pymisp")
    from hypotheses.exchange.misp import misp_json

    case, card = scored
    event = json.loads(misp_json(card, case))["Event"]
    by_comment = {a["comment"].split(":")[0].split(",")[0]: a for a in event["Attribute"]}
    absent = by_comment["hypscore evidence no_second_source"]
    seen = by_comment["hypscore evidence seismic"]
    assert "looked for and not found" in absent["comment"]
    assert 'hypscore:observed="false"' in [t["name"] for t in absent.get("Tag", [])]
    assert "not found" not in seen["comment"]
    assert 'hypscore:observed="false"' not in [t["name"] for t in seen.get("Tag", [])]


def test_stix_tags_the_absent_item_and_says_what_it_leaves_out(scored) -> None:
    """The STIX note of the absent item is labelled so; the report's description names the
    pending item and the origin it does not carry, and says the weights are conditional."""
    pytest.importorskip("stix2")
    from hypotheses.exchange.stix import stix_json

    case, card = scored
    objects = json.loads(stix_json(card, case))["objects"]
    notes = {o["abstract"].split(":")[0]: o for o in objects if o["type"] == "note"}
    assert 'hypscore:observed="false"' in notes["Evidence no_second_source"]["labels"]
    assert 'hypscore:observed="false"' not in notes["Evidence seismic"]["labels"]
    report = next(o for o in objects if o["type"] == "report")
    said = report["description"]
    assert "1 pending item (trial_forensics)" in said
    assert "1 possible common origin (chervinsky_joint)" in said
    assert "conditional on the items listed before it" in said


def test_misp_says_what_it_leaves_out_and_a_complete_case_says_nothing(scored) -> None:
    pytest.importorskip("pymisp")
    from hypotheses.exchange.misp import misp_json

    case, card = scored
    values = [a["value"] for a in json.loads(misp_json(card, case))["Event"]["Attribute"]]
    note = [v for v in values if v.startswith("Not carried here")]
    assert len(note) == 1 and "trial_forensics" in note[0] and "chervinsky_joint" in note[0]
    assert "weight" not in note[0]  # MISP's attributes carry no weights
    plain = _case(NORD_STREAM.split("origins:")[0].replace("observed: pending", "observed: true"))
    card2 = score(plain, engine="numpy", explain=False)
    values = [a["value"] for a in json.loads(misp_json(card2, plain))["Event"]["Attribute"]]
    assert not [v for v in values if v.startswith("Not carried here")]


# ---- 2: explain and the CSV mark an absent item -----------------------------------------------


def test_explain_marks_the_absent_item_as_score_does(scored) -> None:
    from rich.console import Console

    from hypotheses.output.terminal import render_explanation

    _, card = scored
    md = explanation_markdown(card)
    row = next(line for line in md.splitlines() if line.startswith("| no_second_source"))
    assert row.startswith("| no_second_source (not found) |")
    seen = next(line for line in md.splitlines() if line.startswith("| seismic"))
    assert "not found" not in seen
    console = Console(record=True, width=200)
    console.print(render_explanation(card))
    assert "no_second_source (not found)" in console.export_text()


def test_csv_evidence_rows_carry_observed(scored) -> None:
    _, card = scored
    rows = list(csv.DictReader(io.StringIO(to_csv(card))))
    items = {r["evidence"]: r for r in rows if r["evidence"]}
    assert items["no_second_source"]["observed"] == "false"
    assert items["seismic"]["observed"] == "true"
    assert all(r["observed"] == "" for r in rows if not r["evidence"])  # hypothesis rows


# ---- 3: "as of" only for a case's as_of ---------------------------------------------------------


def test_report_says_as_of_only_when_the_case_sets_it(scored) -> None:
    case, card = scored
    page = render_report(case, card)
    assert "Information as of" not in page
    assert "Latest item dated 2025-08-21 · " in page  # italy_arrest, the latest dated item
    dated = _case(NORD_STREAM.replace("model_error: 1%", "model_error: 1%\nas_of: 2024-12-31"))
    page = render_report(dated, score(dated, engine="numpy"))
    assert "Information as of 2024-12-31 · " in page and "Latest item dated" not in page


# ---- 4: the flip example respects model_error --------------------------------------------------


def _weight_of_one_item_at_the_cap(favoured: str, model_error: str) -> float:
    """On the model itself: the posterior odds change (favoured against one other hypothesis)
    from adding one item certain under `favoured` and impossible under the rest."""
    doc = yaml.safe_load(NORD_STREAM)
    doc["model_error"] = model_error
    doc.pop("origins")
    doc["evidence"] = [doc["evidence"][0]]
    base = score(case_from_text(yaml.safe_dump(doc), "a.yaml"), engine="numpy", explain=False)
    doc["evidence"].append({"id": "cap", "label": "cap", "likelihoods": {favoured: 1, "default": 0}})
    more = score(case_from_text(yaml.safe_dump(doc), "b.yaml"), engine="numpy", explain=False)
    p0 = {h.id: h.posterior.mean for h in base.hypotheses}
    p1 = {h.id: h.posterior.mean for h in more.hypotheses}
    return (p1[favoured] / p1["ukraine_linked"]) / (p0[favoured] / p0["ukraine_linked"])


def test_flip_beyond_what_one_item_can_carry_counts_items_at_the_cap(scored) -> None:
    """us_norway needs about 40 dB; one item can carry only the cap under model_error 1%, which
    the model itself gives for an item certain under us_norway and impossible elsewhere: the
    example names the number of such items, not an impossible single report."""
    _, card = scored
    f = card.explanation.flip
    cap = _weight_of_one_item_at_the_cap(f.runner_up, "1%")
    assert f.item_cap == pytest.approx(cap, rel=1e-6)
    assert f.likelihood_ratio > cap
    needed = math.ceil(math.log(f.likelihood_ratio) / math.log(cap))
    assert f.items_needed == needed and cap**needed >= f.likelihood_ratio > cap ** (needed - 1)
    said = flip_sentence(card)
    assert "a report 'almost certain'" not in said
    assert f"{cap:,.0f}:1" in said and f"at least {needed} such items" in said
    assert json.loads(to_json(card))["explain"]["flip"]["items_needed"] == needed


def test_flip_within_the_cap_keeps_one_report_worded_plainly() -> None:
    """Without model error there is no cap: a single report, its small chance written '1 in N'
    (never 'at most <0.1%')."""
    case = _case(NORD_STREAM.replace("model_error: 1%", "model_error: 0"))
    card = score(case, engine="numpy")
    f = card.explanation.flip
    assert f.item_cap is None and f.items_needed is None
    said = flip_sentence(card)
    assert "e.g. a report 'almost certain'" in said
    assert "<0.1%" not in said and "at most" not in said
    n = float(re.search(r"than 1 in ([\d,.e+]+)", said).group(1).replace(",", ""))
    # 0.973 (the top word's mean) / (1/n) is the ratio needed, to the 3 digits n is shown with
    assert 0.973 * n == pytest.approx(f.likelihood_ratio, rel=0.01)


# ---- 5: explain --for: the closest judgment ------------------------------------------------------


def test_for_a_hypothesis_far_behind_the_closest_judgment_is_one_that_moves_it(scored) -> None:
    """russia trails a near-certain ukraine_linked: the judgment closest to changing the answer
    is the one that raises P(russia) against it the most (the flip's measure, a ratio), not one
    that moves ukraine_linked's share to us_norway and leaves P(russia) where it is."""
    case, _ = scored
    card = score(case, engine="numpy", for_="russia")
    e = card.explanation
    best = max(e.tornado, key=lambda s: max(s.leading_at_low, s.leading_at_high))
    assert e.closest.name == best.name
    assert e.closest.swing == max(s.swing for s in e.tornado) or e.closest.swing > 1e-6
    assert "does not change the answer" in closest_sentence(card)


# ---- 6 and 9: diff ------------------------------------------------------------------------------


def _reordered(text: str) -> str:
    """The case with italy_arrest moved to the front of the evidence."""
    doc = yaml.safe_load(text)
    items = doc["evidence"]
    doc["evidence"] = [items[-2], *items[:-2], items[-1]]
    return yaml.safe_dump(doc, sort_keys=False)


def test_diff_reports_a_reordering_as_a_row_with_no_posterior_change() -> None:
    a, b = _case(), _case(_reordered(NORD_STREAM), "reordered.yaml")
    result = diff(a, b)
    assert [c.place for c in result.changes] == ["order of items"]  # docs/model.md section 9
    row = result.changes[0]
    assert row.text and row.order and row.alone is None
    assert row.before.startswith("seismic, ") and row.after.startswith("italy_arrest, seismic, ")
    for h, p in result.before.items():
        assert result.after[h] == pytest.approx(p, rel=1e-9)  # the posterior ignores the order
    head = diff_headline(result)
    assert "changes no posterior but the per-item weights" in head
    assert "same model and the same text" not in diff_markdown(result)
    # Unchanged order: nothing.
    assert diff(a, _case()).changes == ()
    # And the weights do change with the order (why the row matters).
    w_a = {e.id: e for e in score(a, engine="numpy", explain=False).evidence}["italy_arrest"]
    w_b = {e.id: e for e in score(b, engine="numpy", explain=False).evidence}["italy_arrest"]
    assert abs(w_a.weight_db["us_norway"] - w_b.weight_db["us_norway"]) > 0.01
    assert abs(w_a.diagnosticity - w_b.diagnosticity) > 0.01


def test_diff_headline_names_whose_odds() -> None:
    a = _case()
    # ss750 now points strongly at `other`: every hypothesis's posterior moves
    b = _case(
        NORD_STREAM.replace(
            "likelihoods: {russia: likely, default: unlikely}",
            "likelihoods: {other: almost certain, default: 0.001}",
        ),
        "v2.yaml",
    )
    head = diff_headline(diff(a, b))
    shifts = re.findall(r"(\w+) [<>\d.%]+ -> [<>\d.%]+ \((odds[^)]*)\)", head)
    assert shifts, head
    for h, said in shifts:
        assert said.startswith(f"odds of {h} against the rest ")


# ---- 8: no floating-point residue as a weight ----------------------------------------------------


def test_json_weights_of_a_non_diagnostic_item_are_zero(scored) -> None:
    _, card = scored
    raw = next(e for e in card.evidence if e.id == "seismic").weight_db
    # the engine's arithmetic leaves residue (the premise of the finding); the export does not
    assert all(abs(w) < 1e-9 for w in raw.values())
    document = json.loads(to_json(card))
    seismic = next(e for e in document["evidence"] if e["id"] == "seismic")
    assert set(seismic["weight_db"].values()) == {0.0}
    # a weight that is evidence stays as computed
    italy = next(e for e in document["evidence"] if e["id"] == "italy_arrest")
    computed = next(e for e in card.evidence if e.id == "italy_arrest").weight_db["ukraine_linked"]
    assert italy["weight_db"]["ukraine_linked"] == pytest.approx(computed, rel=1e-9) and computed > 1
    case, _ = scored
    q = json.loads(explanation_json(score(case, engine="numpy", for_="russia")))["question"]
    assert q["weight_db"]["seismic"] == 0.0 and q["rival_weight_db"]["seismic"] == 0.0
    assert np.isfinite(q["weight_db"]["italy_arrest"]) and q["weight_db"]["italy_arrest"] != 0.0


def test_what_is_not_carried_says_only_what_the_case_has() -> None:
    """A case with pending items and no origin is not told about origins (review)."""
    from types import SimpleNamespace

    from hypotheses.exchange.stix import not_carried

    pending_only = SimpleNamespace(pending=(SimpleNamespace(id="p1"),), origins=())
    said = not_carried(pending_only)  # type: ignore[arg-type]
    assert said is not None and "A pending item is not in the posterior." in said and "origin" not in said
    origins_only = SimpleNamespace(pending=(), origins=(SimpleNamespace(id="o1"),))
    said = not_carried(origins_only)  # type: ignore[arg-type]
    assert said is not None and "pending" not in said and "weighed together" in said
