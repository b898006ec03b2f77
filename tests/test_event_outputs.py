"""Events in every rendering: the event with its reports nested under it, the whole-event
leave-one-out, the plain-language line, and hostile event text kept inert (docs/model.md section 2)."""

from __future__ import annotations

import io
import json
import math
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cli import app
from hypotheses import load_case, score
from hypotheses.output.report import render_report
from hypotheses.output.terminal import render_explanation
from hypotheses.output.text import explanation_markdown, to_markdown
from tests.helpers import EXAMPLES, make_case, page_markup

HOSTILE_LABEL = "call <script>alert(1)</script> | **bold** [x](javascript:alert(1)) \x1b[31mred [bold]"


def _case() -> dict:
    return {
        "schema": 1,
        "title": "intercepted call",
        "hypotheses": [{"id": "a", "label": "A", "prior": 0.5}, {"id": "b", "label": "B", "prior": 0.5}],
        "sources": {"wire": {"label": "wire service", "reliability": 0.8}},
        "events": {
            "call": {"label": HOSTILE_LABEL, "likelihoods": {"a": 0.9, "b": 0.2}, "notes": "one call"},
        },
        "evidence": [
            {"id": "first", "label": "first outlet", "reports": "call", "credibility": 0.9},
            {"id": "other", "label": "other item", "likelihoods": {"a": 0.4, "b": 0.6}},
            {
                "id": "second",
                "label": "second outlet",
                "reports": "call",
                "credibility": 0.7,
                "via": ["wire"],
            },
        ],
    }


@pytest.fixture(scope="module")
def card():
    return score(make_case(_case()), explain=True)


def test_blocks_nest_each_events_reports_where_its_first_report_stands(card) -> None:
    blocks = card.evidence_blocks()
    assert [(None if g is None else g.id, [i.id for i in items]) for g, items in blocks] == [
        ("call", ["first", "second"]),
        (None, ["other"]),
    ]


def test_markdown_nests_reports_under_their_event_and_stays_inert(card) -> None:
    text = to_markdown(card)
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    event_row = next(i for i, r in enumerate(rows) if r.startswith("| event **call**"))
    assert rows[event_row + 1].startswith("| ↳ **first**") and rows[event_row + 2].startswith(
        "| ↳ **second**"
    )
    assert "(via wire)" in rows[event_row + 2]
    # The event's combined weight for a is what its reports add up to (chain rule), to the printed digit.
    (event,) = card.events
    reports = [e for e in card.evidence if e.reports == "call"]
    assert event.weight_db["a"] == pytest.approx(sum(e.weight_db["a"] for e in reports), abs=1e-9)
    assert f"{event.weight_db['a']:+.1f} dB" in rows[event_row]
    # The hostile label: no raw tag, no link, no unescaped cell separator, the escape visible.
    assert "<script>" not in text and "\x1b" not in text
    assert not re.search(r"(?<!\\)\]\(", text)  # a `](` only escaped: never a link
    assert "call &lt;script&gt;" in text and "\\| \\*\\*bold\\*\\*" in text
    table = rows[next(i for i, r in enumerate(rows) if r.startswith("| Evidence |")) :]
    cells = {len(re.findall(r"(?<!\\)\|", r)) for r in table}
    assert len(cells) == 1, table  # no label split a table cell
    assert "- event **call**: one call" in text  # the event's notes


def test_explain_markdown_has_event_rows_its_leave_one_out_and_the_line(card) -> None:
    text = explanation_markdown(card)
    loo = {entry.evidence: entry for entry in card.explanation.leave_one_out}
    assert loo["call"].event and not loo["first"].event
    event_row = next(line for line in text.splitlines() if line.startswith("| event call"))
    assert event_row.rstrip(" |").endswith(f"{loo['call'].posterior['a'] * 100:.1f}%")
    assert "| ↳ first |" in text and "| ↳ second |" in text
    assert "2 reports of 'call &lt;script&gt;" in text and "counted as independent they would give" in text


def test_terminal_explain_shows_events_and_keeps_markup_and_escapes_inert(card) -> None:
    console = Console(file=io.StringIO(), width=200, color_system=None)
    console.print(render_explanation(card))
    out = console.file.getvalue()
    assert "event call (2 reports)" in out and "↳ first" in out and "↳ second" in out
    assert "[bold]" in out and "\x1b" not in out and "\\x1b[31mred" in out
    assert "2 reports of 'call <script>" in out  # a terminal shows the text as written


def test_report_shows_events_nested_with_inputs_and_no_live_markup(card) -> None:
    page = page_markup(render_report(make_case(_case()), card))
    assert "<script" not in page.lower() and "javascript:alert" not in page.replace(
        "javascript:alert(1))", ""
    )
    assert page.count("<tr class=event>") == 1 and page.count("<tr class=report data-hs-row=") == 2
    evidence = page[page.index("<tr class=event>") :]
    assert evidence.index("first") < evidence.index("second") < evidence.index("other")
    assert "<h3>Events: P(event | hypothesis), as written</h3>" in page
    assert "reports event call (below)" in page and "wire via" not in page and "- via wire" in page
    assert "counted as independent they would give" in page and "call &lt;script&gt;" in page


def test_json_carries_events_with_reports_and_via(card) -> None:
    d = card.to_dict()
    (event,) = d["events"]
    assert event["id"] == "call" and event["reports"] == ["first", "second"]
    assert {e["id"]: e.get("reports") for e in d["evidence"]} == {
        "first": "call",
        "other": None,
        "second": "call",
    }
    assert next(e for e in d["evidence"] if e["id"] == "second")["via"] == ["wire"]
    entry = next(x for x in d["explain"]["leave_one_out"] if x["evidence"] == "call")
    assert entry["event"] is True


def test_the_seed_examples_outputs_show_its_event(tmp_path: Path) -> None:
    runner = CliRunner()
    path = str(EXAMPLES / "al-bab-2017.yaml")
    result = runner.invoke(app, ["explain", path, "--format", "md"])
    assert result.exit_code == 0, result.output
    assert "| event turkish_jets (2 reports together) |" in result.output
    out = tmp_path / "r.html"
    assert runner.invoke(app, ["report", path, "-o", str(out)]).exit_code == 0
    assert out.read_text().count("<tr class=report data-hs-row=") == 2


def test_netcdf_carries_the_event_likelihood_places(tmp_path: Path) -> None:
    arviz = pytest.importorskip("arviz")
    out = tmp_path / "draws.nc"
    result = CliRunner().invoke(
        app, ["score", str(EXAMPLES / "al-bab-2017.yaml"), "--netcdf", str(out), "-q"]
    )
    assert result.exit_code == 0, result.output
    places = set(arviz.from_netcdf(out).posterior["place"].values.tolist())
    case = load_case(EXAMPLES / "al-bab-2017.yaml")
    assert {f"lik/turkish_jets/{h}" for h in case.hypothesis_ids} <= places


def test_explain_json_lists_the_event_lines() -> None:
    result = CliRunner().invoke(app, ["explain", str(EXAMPLES / "al-bab-2017.yaml"), "--format", "json"])
    assert result.exit_code == 0
    lines = json.loads(result.output[result.output.index("{") :])["events"]
    assert len(lines) == 1 and re.match(r"2 reports of '.*': [+-]\d+\.\d dB together for mistake", lines[0])


def test_weights_add_up_with_three_hypotheses_and_items_between_the_reports() -> None:
    """Weighed in the order every output shows (an event's reports together where the first
    stands), the reports add up to their event and all the weights to the posterior log odds,
    whatever the other items between the reports (three hypotheses: weights against 'the
    others' depend on the posterior they are taken against)."""
    document = {
        "schema": 1,
        "title": "interleaved",
        "hypotheses": [
            {"id": "a", "label": "A", "prior": 0.5},
            {"id": "b", "label": "B", "prior": 0.3},
            {"id": "c", "label": "C", "prior": 0.2},
        ],
        "events": {"g": {"label": "g", "likelihoods": {"a": 0.9, "b": 0.3, "c": 0.6}}},
        "evidence": [
            {"id": "x", "label": "x", "likelihoods": {"a": 0.2, "b": 0.7, "c": 0.4}},
            {"id": "r1", "label": "r1", "reports": "g", "credibility": 0.7},
            {"id": "y", "label": "y", "likelihoods": {"a": 0.5, "b": 0.9, "c": 0.1}},
            {"id": "r2", "label": "r2", "reports": "g", "credibility": 0.6},
            {"id": "z", "label": "z", "likelihoods": {"a": 0.3, "b": 0.3, "c": 0.9}},
        ],
    }
    card = score(make_case(document), explain=False)
    (event,) = card.events
    by_id = {e.id: e for e in card.evidence}
    for h in "abc":
        assert event.weight_db[h] == pytest.approx(
            by_id["r1"].weight_db[h] + by_id["r2"].weight_db[h], abs=1e-9
        )
        prior = {x.id: x.prior.mean for x in card.hypotheses}
        post = {x.id: x.posterior.mean for x in card.hypotheses}

        def odds_db(p: dict[str, float], h: str = h) -> float:
            return 10 * math.log10(p[h] / sum(v for k, v in p.items() if k != h))

        total = sum(e.weight_db[h] for e in card.evidence)
        assert odds_db(prior) + total == pytest.approx(odds_db(post), abs=1e-9)
