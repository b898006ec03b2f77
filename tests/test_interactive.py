"""The interactive report in a real browser (Playwright driving Chromium): the numbers the page
computes for an edited case equal `hypscore score` of that case, edited in its YAML and scored
by the command line; reset returns the printed page; no console errors."""

from __future__ import annotations

import copy
import json
import math
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from cli import app
from hypotheses import load_case, score
from hypotheses.output.report import render_report
from tests.helpers import CHROMIUM_FLAGS, EXAMPLES

pytestmark = pytest.mark.slow
runner = CliRunner()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = CHROMIUM_FLAGS


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (the test extra)")
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (apt-get install chromium); .ci/run installs it")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


class Page:
    """A report open in the browser, with every console message and page error it produced."""

    def __init__(self, browser: Any, path: Path) -> None:
        self.page = browser.new_page()
        self.errors: list[str] = []
        self.page.on(
            "console", lambda m: self.errors.append(f"{m.type}: {m.text}") if m.type != "log" else None
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.goto(path.as_uri())

    def values(self, kind: str) -> dict[str, float]:
        """data-value of every `data-hs="kind:..."` cell, by the rest of its name."""
        pairs = self.page.eval_on_selector_all(
            f'[data-hs^="{kind}:"]', "els => els.map(e => [e.dataset.hs, e.dataset.value ?? null])"
        )
        return {name.split(":", 1)[1]: float(v) for name, v in pairs if v not in (None, "")}

    def texts(self) -> list[str]:
        return self.page.eval_on_selector_all("[data-hs], #hs-bottom", "els => els.map(e => e.textContent)")

    def word(self, place: str, word: str) -> None:
        self.page.select_option(f'select[aria-label="{place}: word"]', label=word)

    def number(self, place: str, value: float) -> None:
        box = self.page.locator(f'input[aria-label="{place}: number"]')
        box.fill(repr(value))
        box.press("Tab")  # commits the value: the change event

    def leave_out(self, item: str) -> None:
        self.page.uncheck(f'input[data-hs-include="{item}"]')

    def edited(self) -> bool:
        return self.page.is_visible("#hs-live")


def report(tmp_path: Path, case_path: Path, seed: int = 0) -> Path:
    case = load_case(case_path)
    out = tmp_path / f"{case_path.stem}.html"
    out.write_text(render_report(case, score(case, seed=seed, explain=True)), encoding="utf-8")
    return out


def cli_score(tmp_path: Path, document: dict[str, Any], seed: int = 0) -> dict[str, Any]:
    """The edited case as a file, scored by the command line."""
    path = tmp_path / "edited.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    for item in document.get("evidence", []):  # the documents it quotes, beside it (the seed case's)
        cited = item.get("document") if isinstance(item, dict) else None
        if cited and (EXAMPLES / cited).is_file() and not (tmp_path / cited).exists():
            shutil.copy(EXAMPLES / cited, tmp_path / cited)
    result = runner.invoke(app, ["score", str(path), "-f", "json", "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def posteriors(scored: dict[str, Any]) -> dict[str, float]:
    return {h["id"]: h["posterior"]["mean"] for h in scored["hypotheses"]}


def weights(scored: dict[str, Any]) -> dict[str, float]:
    return {
        f"{e['id']}:{h}": float(w)
        for e in scored["evidence"]
        for h, w in e["weight_db"].items()
        if w is not None and w not in ("inf", "-inf")
    }


def item(document: dict[str, Any], item_id: str) -> dict[str, Any]:
    return next(e for e in document["evidence"] if e["id"] == item_id)


@pytest.mark.parametrize("name", sorted(p.stem for p in EXAMPLES.glob("*.yaml")))
def test_page_recomputes_every_example_as_printed(browser: Any, tmp_path: Path, name: str) -> None:
    """The page's own computation of the unedited case is the engine's: exact where the engine
    is exact, within Monte Carlo error where both sample (the seed case's coupled sources)."""
    path = EXAMPLES / f"{name}.yaml"
    card = score(load_case(path), explain=True)
    page = Page(browser, report(tmp_path, path))
    ours = page.page.evaluate("window.hypscore.posterior()")
    tolerance = 1e-9 + 4 * math.hypot(ours["mcse"], card.diagnostics.mean_mcse)
    for h, p in zip(card.hypotheses, ours["post"], strict=True):
        assert p == pytest.approx(h.posterior.mean, abs=tolerance), h.id
    assert page.values("post") == {h.id: h.posterior.mean for h in card.hypotheses}  # printed
    assert not page.edited() and page.page.is_visible("#hs-intro")
    assert page.errors == []


def test_a_word_and_a_toggle_give_the_cli_numbers_on_the_edited_case(browser: Any, tmp_path: Path) -> None:
    """leaked-memo: the informant's two items share an uncertain reliability (the grid) and the
    prior is uncertain (E[pi_h] as the engine estimated it, unchanged by evidence edits)."""
    path = EXAMPLES / "leaked-memo.yaml"
    page = Page(browser, report(tmp_path, path))
    printed = page.texts()
    page.word("lik/access_logs_quiet/contractor", "likely")
    page.leave_out("printed_copy")
    assert page.edited()

    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    item(document, "access_logs_quiet")["likelihoods"]["contractor"] = "likely"
    document["evidence"] = [e for e in document["evidence"] if e["id"] != "printed_copy"]
    cli = cli_score(tmp_path, document)
    assert page.values("post") == pytest.approx(posteriors(cli), abs=1e-6)
    assert page.values("prior") == pytest.approx(
        {h["id"]: h["prior"]["mean"] for h in cli["hypotheses"]}, abs=1e-9
    )
    assert page.values("w") == pytest.approx(weights(cli), abs=1e-6)
    assert "left out" in page.page.text_content('[data-hs="w:printed_copy:insider"]')
    leader = max(cli["hypotheses"], key=lambda h: h["posterior"]["mean"])
    bottom = page.page.text_content("#hs-bottom")
    assert f"({leader['id']})" in bottom and "not recomputed" in bottom
    assert "Edited case" in page.page.text_content("#hs-live")
    edits = page.page.eval_on_selector_all("#hs-edits li", "els => els.map(e => e.textContent)")
    assert edits == [
        "lik/access_logs_quiet/contractor: likely instead of beta [3, 7] (mean 30.0%) as written",
        "printed_copy: left out",
    ]  # printed with the page, so a printout of an edit can be reproduced
    assert page.page.is_visible(".hs-printed")  # the plots stay, dimmed and marked as printed

    page.page.click("#hs-reset")
    assert not page.edited() and page.texts() == printed
    assert page.page.is_checked('input[data-hs-include="printed_copy"]')
    assert page.errors == []


def test_numbers_on_a_point_case_give_the_cli_numbers(browser: Any, tmp_path: Path) -> None:
    path = EXAMPLES / "taxicab.yaml"
    page = Page(browser, report(tmp_path, path))
    page.number("lik/witness_says_blue/green", 0.35)
    page.page.locator('input[aria-label="prior/blue: number"]').fill("30%")  # as a case file may say
    page.page.locator('input[aria-label="prior/blue: number"]').press("Tab")
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    item(document, "witness_says_blue")["likelihoods"]["green"] = 0.35
    document["hypotheses"][0]["prior"] = 0.3
    cli = cli_score(tmp_path, document)
    assert page.values("post") == pytest.approx(posteriors(cli), abs=1e-9)  # JSON: 10 digits
    # 0.3 * 0.8 / (0.3 * 0.8 + 0.85 * 0.35), by hand (the priors are relative weights)
    assert page.values("post")["blue"] == pytest.approx(0.24 / (0.24 + 0.85 * 0.35), abs=1e-12)
    assert page.values("w") == pytest.approx(weights(cli), abs=1e-9)
    page.number("lik/witness_says_blue/green", 1.5)  # out of range: refused, nothing changes
    assert page.values("post")["blue"] == pytest.approx(0.24 / (0.24 + 0.85 * 0.35), abs=1e-12)
    assert page.errors == []


CONSTRUCTED: dict[str, Any] = {
    "schema": 1,
    "title": "Every kind of judgment",
    "scale": "icd203",
    "hypotheses": [
        {"id": "a", "label": "A", "prior": 0.5},
        {"id": "b", "label": "B", "prior": 0.3},
        {"id": "c", "label": "C", "prior": 0.2},
    ],
    "groups": {"not_a": {"label": "B or C", "members": ["b", "c"]}},
    "sources": {
        "desk": {"label": "a desk, uncertain", "reliability": [0.6, 0.9]},
        "wire": {"label": "a wire service", "reliability": 0.9},
    },
    "events": {
        "meeting": {
            "label": "a meeting took place",
            "likelihoods": {"a": "likely", "b": 0.3, "c": [0.1, 0.4]},
        }
    },
    "evidence": [
        {
            "id": "not_found",
            "label": "looked for, not found",
            "source": "desk",
            "observed": False,
            "likelihoods": {"a": "unlikely", "b": "likely", "c": 0.5},
        },
        {
            "id": "r1",
            "label": "the desk's report",
            "reports": "meeting",
            "source": "desk",
            "credibility": 0.8,
        },
        {"id": "r2", "label": "the wire's report", "reports": "meeting", "source": "wire", "via": ["desk"]},
        {"id": "plain", "label": "a plain item", "likelihoods": {"a": 0.7, "b": 0.4, "c": 0.2}},
    ],
}


def test_absent_items_events_chains_and_codes_give_the_cli_numbers(browser: Any, tmp_path: Path) -> None:
    """One uncertain source shared by an absent item and an event's two reports (one via it):
    the grid over its reliability, with the event's exact moments inside it."""
    original = tmp_path / "constructed.yaml"
    original.write_text(yaml.safe_dump(CONSTRUCTED, sort_keys=False), encoding="utf-8")
    page = Page(browser, report(tmp_path, original))
    assert page.page.evaluate("window.hypscore.posterior().estimated") is False
    page.word("lik/not_found/a", "very unlikely")  # P(found | a), as the analyst judges it
    page.number("lik/meeting/b", 0.45)
    page.word("credibility/r1", "4 (doubtful)")
    page.number("reliability/wire", 0.7)
    page.leave_out("plain")
    document = copy.deepcopy(CONSTRUCTED)
    item(document, "not_found")["likelihoods"]["a"] = "very unlikely"
    document["events"]["meeting"]["likelihoods"]["b"] = 0.45
    item(document, "r1")["credibility"] = "doubtful"
    document["sources"]["wire"]["reliability"] = 0.7
    document["evidence"] = [e for e in document["evidence"] if e["id"] != "plain"]
    cli = cli_score(tmp_path, document)
    assert page.values("post") == pytest.approx(posteriors(cli), abs=1e-6)
    assert page.values("w") == pytest.approx(weights(cli), abs=1e-6)
    events = {f"{e['id']}:{h}": w for e in cli["events"] for h, w in e["weight_db"].items()}
    assert page.values("ew") == pytest.approx(events, abs=1e-6)
    group = next(g for g in cli["groups"] if g["id"] == "not_a")
    assert page.values("gpost")["not_a"] == pytest.approx(group["posterior"]["mean"], abs=1e-6)
    assert page.page.evaluate("window.hypscore.posterior().estimated") is False

    # An Admiralty code makes the wire uncertain too: r2's chain couples two uncertain sources,
    # which both the engine and the page integrate exactly by the tensor Gauss rule.
    page.word("reliability/wire", "B (usually reliable)")
    document["sources"]["wire"]["reliability"] = "B"
    cli = cli_score(tmp_path, document)
    assert any(c["method"] == "quadrature" for c in cli["diagnostics"]["components"])
    assert page.page.evaluate("window.hypscore.posterior().estimated") is False
    assert page.values("post") == pytest.approx(posteriors(cli), abs=1e-6)
    assert page.errors == []


def test_where_the_engine_samples_the_page_samples_and_says_so(browser: Any, tmp_path: Path) -> None:
    """An uncertain prior factor edited (leaked-memo's base rate) and an event of the seed case
    (its uncertain prior factors): both sides estimate, so they agree within their Monte Carlo
    errors, and the page says it estimated."""
    path = EXAMPLES / "leaked-memo.yaml"
    page = Page(browser, report(tmp_path, path))
    page.word("prior/accident/base_rate", "likely")
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["hypotheses"][2]["prior"]["base_rate"] = "likely"
    cli = cli_score(tmp_path, document)
    mcse = float(page.page.get_attribute("#hs-live", "data-mcse"))
    assert 0 < mcse < 1e-3 and "Monte Carlo error" in page.page.text_content("#hs-live")
    tolerance = 4 * math.hypot(mcse, cli["diagnostics"]["mean_mcse"])
    assert page.values("post") == pytest.approx(posteriors(cli), abs=tolerance)

    seed_case = EXAMPLES / "al-bab-2017.yaml"
    page = Page(browser, report(tmp_path, seed_case))
    page.word("lik/turkish_jets/true_claim", "likely")
    document = yaml.safe_load(seed_case.read_text(encoding="utf-8"))
    document["events"]["turkish_jets"]["likelihoods"]["true_claim"] = "likely"
    cli = cli_score(tmp_path, document)
    mcse = float(page.page.get_attribute("#hs-live", "data-mcse"))
    tolerance = 4 * math.hypot(mcse, cli["diagnostics"]["mean_mcse"])
    assert page.values("post") == pytest.approx(posteriors(cli), abs=tolerance)
    assert page.errors == []


def test_numbers_are_formatted_as_the_printed_page_formats_them(browser: Any, tmp_path: Path) -> None:
    """Python rounds the exact binary value half to even, JavaScript's toFixed rounds ties up:
    the page must print 56.2% for 0.5625, as hypscore does, and the same for every value."""
    from hypotheses.output.wording import db
    from hypotheses.text import percent
    from tests.test_page_engine import formatting_cases

    values, weights = formatting_cases()
    page = Page(browser, report(tmp_path, EXAMPLES / "taxicab.yaml"))
    shown = page.page.evaluate("vs => vs.map(v => window.hypscore.format.percent(v))", values)
    assert shown == [percent(v) for v in values]
    shown = page.page.evaluate("vs => vs.map(v => window.hypscore.format.db(v))", weights)
    assert shown == [db(w) for w in weights]


def test_an_edit_that_rules_out_every_hypothesis_shows_no_posterior(browser: Any, tmp_path: Path) -> None:
    """The CLI refuses such a case: the page says so instead of showing NaN; Reset restores the
    bottom line with its markup."""
    path = EXAMPLES / "taxicab.yaml"
    page = Page(browser, report(tmp_path, path))
    printed = page.page.inner_html("#hs-bottom")
    page.number("lik/witness_says_blue/blue", 0)
    page.number("lik/witness_says_blue/green", 0)
    bottom = page.page.text_content("#hs-bottom")
    assert "No posterior" in bottom and "NaN" not in page.page.text_content("main")
    assert page.values("post") == {}
    page.page.click("#hs-reset")
    assert page.page.inner_html("#hs-bottom") == printed
    assert page.errors == []


def test_a_ratio_item_has_no_credibility_control_and_weights_accept_what_the_file_does(
    browser: Any, tmp_path: Path
) -> None:
    page = Page(browser, report(tmp_path, EXAMPLES / "court-odds.yaml"))
    assert page.page.locator('select[aria-label^="credibility/"]').count() == 0  # credibility 1 by rule
    path = EXAMPLES / "taxicab.yaml"
    page = Page(browser, report(tmp_path, path))
    page.number("prior/blue", 15)  # a single prior may be a relative weight (15:85)
    blue = 15 * 0.8 / (15 * 0.8 + 0.85 * 0.2)
    assert page.values("post")["blue"] == pytest.approx(blue, abs=1e-12)
    assert page.errors == []


def test_rates_and_model_error_edited_in_the_page_give_the_cli_numbers(browser: Any, tmp_path: Path) -> None:
    """The alarm's callers with their own hit and false-alarm rates, an absent item with rates
    and a point model error: the reader edits a hit rate, a false-alarm rate and the model
    error in the page, and gets what `hypscore score` gives for the case so edited."""
    document = {
        "schema": 1,
        "title": "alarm",
        "model_error": 0.02,
        "hypotheses": [
            {"id": "burglary", "label": "B", "prior": 0.01},
            {"id": "none", "label": "N", "prior": 0.99},
        ],
        "events": {"alarm": {"label": "the alarm rang", "likelihoods": {"burglary": 0.94, "none": 0.0016}}},
        "evidence": [
            {"id": "john", "label": "John calls", "reports": "alarm", "hit": 0.9, "false_alarm": 0.05},
            {"id": "mary", "label": "Mary calls", "reports": "alarm", "hit": 0.7, "false_alarm": 0.01},
            {"id": "dog", "label": "the dog barked", "likelihoods": {"burglary": 0.8, "none": 0.3},
             "hit": 0.6, "false_alarm": 0.2, "observed": False},
        ],
    }  # fmt: skip
    original = tmp_path / "alarm.yaml"
    original.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    page = Page(browser, report(tmp_path, original))
    assert page.values("post") == pytest.approx(posteriors(cli_score(tmp_path, document)), abs=1e-9)
    page.number("hit/john", 0.5)
    page.number("false_alarm/dog", 0.4)
    page.number("model_error", 0.1)
    item(document, "john")["hit"] = 0.5
    item(document, "dog")["false_alarm"] = 0.4
    document["model_error"] = 0.1
    cli = cli_score(tmp_path, document)
    assert page.edited()
    assert page.values("post") == pytest.approx(posteriors(cli), abs=1e-6)
    assert page.values("w") == pytest.approx(weights(cli), abs=1e-6)
    assert page.errors == []


def test_an_origins_shared_edited_in_the_page_gives_the_cli_numbers(browser: Any, tmp_path: Path) -> None:
    """A possible common origin over two papers through an uncertain wire (the grid): the reader
    moves its `shared` and then leaves one paper out, and the page's posteriors, the items'
    weights and the origin's row equal `hypscore score` of the case so edited."""
    document = {
        "schema": 1,
        "title": "one briefing",
        "hypotheses": [{"id": "a", "label": "A", "prior": 0.4}, {"id": "b", "label": "B", "prior": 0.6}],
        "sources": {"wire": {"label": "wire", "reliability": [0.5, 0.9]}},
        "evidence": [
            {"id": "x", "label": "X", "likelihoods": {"a": 0.8, "b": 0.3}, "credibility": 0.9,
             "source": "wire"},
            {"id": "z", "label": "Z", "likelihoods": {"a": 0.7, "b": 0.4}},
            {"id": "y", "label": "Y", "likelihoods": {"a": 0.6, "b": 0.2}, "source": "wire",
             "hit": 0.7, "false_alarm": 0.15},
            {"id": "w", "label": "W", "likelihoods": {"a": 0.5, "b": 0.25}, "source": "wire"},
        ],
        "origins": {"o": {"label": "one briefing", "items": ["x", "y", "w"], "shared": 0.5}},
    }  # fmt: skip
    original = tmp_path / "origin.yaml"
    original.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    page = Page(browser, report(tmp_path, original))

    def origin_rows(scored: dict[str, Any]) -> dict[str, float]:
        return {f"{o['id']}:{h}": w for o in scored["origins"] for h, w in o["weight_db"].items()}

    page.number("shared/o", 0.2)
    document["origins"]["o"]["shared"] = 0.2
    cli = cli_score(tmp_path, document)
    assert page.edited()
    assert page.page.evaluate("window.hypscore.posterior().estimated") is False
    assert page.values("post") == pytest.approx(posteriors(cli), abs=1e-9)
    assert page.values("w") == pytest.approx(weights(cli), abs=1e-6)
    assert page.values("ew") == pytest.approx(origin_rows(cli), abs=1e-6)

    page.word("shared/o", "likely")
    page.leave_out("w")
    document["origins"]["o"]["shared"] = "likely"
    document["origins"]["o"]["items"] = ["x", "y"]
    document["evidence"] = [e for e in document["evidence"] if e["id"] != "w"]
    cli = cli_score(tmp_path, document)
    assert page.values("post") == pytest.approx(posteriors(cli), abs=1e-9)
    assert page.values("w") == pytest.approx(weights(cli), abs=1e-6)
    assert page.values("ew") == pytest.approx(origin_rows(cli), abs=1e-6)
    assert page.errors == []
