"""Key assumptions and the information cut-off (docs/case-format.md): an assumption's posterior
if wrong equals scoring the YAML edited at its places; `as_of` equals deleting the later items;
an unknown place is an error at its line; every output says both."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from hypotheses.analysis.edits import judged_places
from hypotheses.analysis.scoring import score
from hypotheses.case import Case, CaseError, load_case
from hypotheses.case import case_from_text as _from_text
from hypotheses.model import numpy_engine
from tests.helpers import EXAMPLES
from tests.test_fast_path import _same

SEED = EXAMPLES / "al-bab-2017.yaml"


def case_from_text(text: str, name: str = "al-bab-2017.yaml") -> Case:
    """The case from text, named as if it stood beside the seed case (its `document:` paths
    are relative to the case's folder)."""
    return _from_text(text, str(EXAMPLES / name))


def _assumption(text: str, places: dict[str, str]) -> str:
    said = "\n".join(f"      {place}: {value}" for place, value in places.items())
    return text + f"\nassumptions:\n  k1:\n    label: The assumption\n    if_wrong:\n{said}\n"


def test_if_wrong_equals_editing_the_yaml() -> None:
    text = SEED.read_text()
    card = score(
        case_from_text(
            _assumption(
                text,
                {
                    "reliability/column": "D",
                    "lik/turkish_jets/deliberate": "almost certain",
                    "prior/mistake/motive": "unlikely",  # mistake states it as 1 (not in question)
                    "credibility/mod_coalition_jets": "roughly even chance",
                },
            )
        )
    )
    column = "The column's author, from the Defence Ministry statement and press reports\n    reliability: "
    edited = (
        text.replace(column + "C", column + "D")
        .replace("deliberate: likely             # a stretch", "deliberate: almost certain  # a stretch")
        .replace("      motive: 1  ", "      motive: unlikely  ", 1)
        .replace("    credibility: likely\n", "    credibility: roughly even chance\n", 1)
    )
    assert edited.count("reliability: D") == 1 and "deliberate: almost certain" in edited
    wrong = numpy_engine.posterior_mean(case_from_text(edited), seed=0)
    (assumption,) = card.assumptions
    assert assumption.id == "k1" and assumption.label == "The assumption"
    assert [assumption.if_wrong[h] for h in ("mistake", "deliberate", "true_claim")] == pytest.approx(
        list(wrong), abs=1e-12
    )
    assert abs(assumption.if_wrong["mistake"] - card.hypotheses[0].posterior.mean) > 0.01  # it matters


def test_if_wrong_of_an_item_not_found_is_as_judged() -> None:
    # e2 was looked for and not found: its likelihoods are P(E | h) as written, in the file and
    # in if_wrong alike.
    text = """schema: 1
title: absent
hypotheses:
  - {id: a, label: A}
  - {id: b, label: B}
evidence:
  - {id: e1, label: one, likelihoods: {a: 0.7, b: 0.4}}
  - {id: e2, label: two, likelihoods: {a: 0.6, b: 0.3}, observed: false}
"""
    card = score(case_from_text(_assumption(text, {"lik/e2/b": 0.9})), explain=True)
    edited = text.replace("{a: 0.6, b: 0.3}", "{a: 0.6, b: 0.9}")
    # By hand: 0.7 * 0.4 against 0.4 * 0.1.
    assert card.assumptions[0].if_wrong["a"] == pytest.approx(0.28 / (0.28 + 0.04))
    assert card.assumptions[0].if_wrong["a"] == pytest.approx(
        float(numpy_engine.posterior_mean(case_from_text(edited))[0])
    )


def test_every_place_of_a_case_may_be_named() -> None:
    """The places the case's rules accept include every place of the model's (places.py)."""
    for path in (SEED, EXAMPLES / "nord-stream-2022.yaml", EXAMPLES / "leaked-memo.yaml"):
        places = {place: 0.5 for place in judged_places(load_case(path))}
        case = case_from_text(_assumption(path.read_text(), places))
        assert dict(case.assumptions[0].if_wrong).keys() == places.keys()


def test_an_unknown_place_is_an_error_at_its_line() -> None:
    text = _assumption(SEED.read_text(), {"reliability/column": "D", "lik/turkish_jet/mistake": "likely"})
    with pytest.raises(CaseError) as caught:
        case_from_text(text, "case.yaml")
    (problem,) = caught.value.problems
    line = text.splitlines().index("      lik/turkish_jet/mistake: likely") + 1
    assert problem.line == line
    assert "unknown place 'lik/turkish_jet/mistake' (did you mean 'lik/turkish_jets/mistake'?)" in str(
        problem
    )


def test_a_judgment_the_place_cannot_take_is_an_error_at_its_line() -> None:
    text = _assumption(SEED.read_text(), {"reliability/column": "G", "shared/nowhere": 0.5})
    with pytest.raises(CaseError) as caught:
        case_from_text(text, "case.yaml")
    lines = text.splitlines()
    assert sorted(p.line for p in caught.value.problems) == [
        lines.index("      reliability/column: G") + 1,
        lines.index("      shared/nowhere: 0.5") + 1,
    ]


AS_OF = """schema: 1
title: cut-off
as_of: 2024-03-01
hypotheses:
  - {id: a, label: A}
  - {id: b, label: B}
  - {id: c, label: C}
sources:
  s: {label: S, reliability: C}
events:
  g:
    label: The meeting took place
    likelihoods: {a: 0.8, b: 0.3, c: 0.5}
evidence:
  - {id: e1, label: one, source: s, likelihoods: {a: 0.7, b: 0.4, c: 0.5}, date: 2024-02-01}
  - {id: e2, label: two, source: s, likelihoods: {a: 0.1, b: 0.8, c: 0.5}, date: 2024-03-02}
  - {id: e3, label: three, likelihoods: {a: 0.6, b: 0.5, c: 0.3}}
  - {id: e4, label: four, likelihoods: {a: 0.5, b: 0.6, c: 0.4}, date: 2024-03-01}
  - {id: r1, label: report one, reports: g, source: s, date: 2024-01-15}
  - {id: r2, label: report two, reports: g, credibility: likely, date: 2024-04-01}
  - {id: p1, label: pending early, likelihoods: {a: 0.2, b: 0.9, c: 0.5}, observed: pending, date: 2024-01-01}
  - {id: p2, label: pending late, likelihoods: {a: 0.9, b: 0.2, c: 0.5}, observed: pending, date: 2024-05-01}
"""
LATER = ("e2", "r2", "p2")  # dated after 2024-03-01 (e4, on the day, stays; e3 has no date)


def test_as_of_equals_deleting_the_later_items() -> None:
    deleted = "\n".join(
        line for line in AS_OF.splitlines() if not re.match(rf"  - {{id: ({'|'.join(LATER)}),", line)
    ).replace("as_of: 2024-03-01\n", "")
    cut, gone = case_from_text(AS_OF), case_from_text(deleted + "\n")
    for field in ("hypotheses", "sources", "evidence", "events", "origins", "pending"):
        assert getattr(cut, field) == getattr(gone, field), field
    assert [item.id for item in cut.after_as_of] == list(LATER)
    a, b = score(cut), score(gone)
    assert a.hypotheses == b.hypotheses and a.evidence == b.evidence and a.confidence == b.confidence
    assert a.as_of == "2024-03-01" and [(p.id, p.date) for p in a.after_as_of] == [
        ("e2", "2024-03-02"),
        ("r2", "2024-04-01"),
        ("p2", "2024-05-01"),
    ]
    document = a.to_dict()
    assert document["case"]["as_of"] == "2024-03-01"
    assert [p["id"] for p in document["after_as_of"]] == list(LATER)
    assert "as_of" not in b.to_dict()["case"] and "after_as_of" not in b.to_dict()


def test_as_of_leaves_a_later_item_out_of_its_origin() -> None:
    text = AS_OF.replace("events:", "origins:\n  o: {label: O, items: [e3, e2], shared: 0.5}\nevents:")
    case = case_from_text(text)
    assert [(o.id, o.items) for o in case.origins] == [("o", ("e3",))]
    assert case.origins[0].likelihoods == case.evidence[[e.id for e in case.evidence].index("e3")].likelihoods


def test_the_fast_path_reads_them_as_pydantic_does() -> None:
    assert _same(_assumption(AS_OF, {"reliability/s": "B", "lik/g/a": "likely", "prior/b": 2}))


def test_every_output_says_them() -> None:
    text = _assumption(AS_OF, {"reliability/s": "E", "lik/e1/a": 0.2})
    runner = CliRunner()

    def out(*args: str, path: str) -> str:
        result = runner.invoke(app, [args[0], path, *args[1:]])
        assert result.exit_code == 0, result.output
        return result.stdout

    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.yaml"
        path.write_text(text)
        p = str(path)
        said = "Information as of 2024-03-01; left out, dated after it: e2, r2, p2"
        for fmt in ("table", "md"):
            assert said in " ".join(out("score", "-f", fmt, path=p).split()).replace("\\_", "_")
            assert said in " ".join(out("explain", "-f", fmt, path=p).split()).replace("\\_", "_")
        assert "k1 (The assumption): if wrong: " in " ".join(out("explain", path=p).split())
        assert "**k1** (The assumption): if wrong: " in out("explain", "-f", "md", path=p)
        data = json.loads(out("score", "-f", "json", path=p))
        assert data["case"]["as_of"] == "2024-03-01"
        (assumption,) = data["assumptions"]
        assert assumption["id"] == "k1" and set(assumption["if_wrong"]) == {"a", "b", "c"}
        explained = json.loads(out("explain", "-f", "json", path=p))
        assert explained["assumptions"] == data["assumptions"] and explained["as_of"] == "2024-03-01"
        import csv
        import io

        table = list(csv.DictReader(io.StringIO(out("score", "-f", "csv", path=p))))
        hypothesis_rows = [row for row in table if row["hypothesis"]]
        assert hypothesis_rows and all(row["as_of"] == "2024-03-01" for row in hypothesis_rows)
        report = Path(folder) / "r.html"
        assert runner.invoke(app, ["report", p, "-o", str(report)]).exit_code == 0
        html = report.read_text()
        assert said in html and "Key assumptions" in html and "After the information cut-off" in html


def test_the_schema_documents_them() -> None:
    from hypotheses.case.format import case_json_schema

    schema = case_json_schema()
    assert schema["properties"]["as_of"]["anyOf"][0]["format"] == "date"
    assert "if_wrong" in schema["$defs"]["AssumptionSpec"]["properties"]
    assert yaml.safe_load(AS_OF)["as_of"].isoformat() == "2024-03-01"
