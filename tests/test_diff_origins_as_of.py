"""`hypscore diff` sees an `origins:` block added, removed or regrouped, and an `as_of:` change
as a change of the model (not of text), the items it cuts off shown as cut off, not removed.
Each change's `alone` is checked against scoring OLD with only that change written into the
file (load_case and score, the public API), never against diff's own earlier output."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from hypotheses import load_case, score
from hypotheses.analysis.diff import diff

BASE: dict[str, Any] = {
    "schema": 1,
    "title": "origins and cut-off",
    "hypotheses": [
        {"id": "a", "label": "A", "prior": 0.5},
        {"id": "b", "label": "B", "prior": 0.3},
        {"id": "c", "label": "C", "prior": 0.2},
    ],
    "sources": {"paper": {"label": "paper", "reliability": 0.8}},
    "events": {"ev": {"label": "event", "likelihoods": {"a": 0.7, "b": 0.3, "c": 0.4}}},
    "evidence": [
        {"id": "e1", "label": "one", "date": "2020-01-05", "likelihoods": {"a": 0.7, "b": 0.4, "c": 0.3}},
        {"id": "s1", "label": "story 1", "date": "2020-01-10", "likelihoods": {"a": 0.8, "b": 0.3, "c": 0.3}},
        {"id": "s2", "label": "story 2", "date": "2020-02-10", "likelihoods": {"a": 0.7, "b": 0.4, "c": 0.3}},
        {"id": "s3", "label": "story 3", "date": "2020-01-12", "likelihoods": {"a": 0.9, "b": 0.2, "c": 0.4}},
        {"id": "r1", "label": "report", "date": "2020-03-01", "reports": "ev", "source": "paper"},
        {"id": "e2", "label": "undated", "likelihoods": {"a": 0.4, "b": 0.6, "c": 0.5}},
        {"id": "e3", "label": "late", "date": "2020-02-20", "likelihoods": {"a": 0.3, "b": 0.7, "c": 0.5}},
    ],
}

ORIGIN = {"label": "one briefing", "items": ["s1", "s2"], "shared": "80%"}


def _other(d: dict[str, Any]) -> None:
    """An unrelated change, so that no `alone` can be read off `after - before`."""
    d["evidence"][0]["likelihoods"]["b"] = 0.2


def _write(tmp_path: Path, name: str, document: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def _means(path: Path) -> dict[str, float]:
    card = score(load_case(path), engine="numpy", explain=False)
    return {h.id: h.posterior.mean for h in card.hypotheses}


def _check(tmp_path: Path, old: dict[str, Any], edits: dict[str, Any]) -> dict[str, Any]:
    """diff OLD against OLD with every edit; each edit's `alone` against OLD with that edit
    alone, written to a file and scored. Returns the changes by place."""
    new = copy.deepcopy(old)
    for edit in edits.values():
        edit(new)
    old_path, new_path = _write(tmp_path, "old.yaml", old), _write(tmp_path, "new.yaml", new)
    result = diff(load_case(old_path), load_case(new_path))
    changes = {c.place: c for c in result.changes}
    start = _means(old_path)
    assert result.before == pytest.approx(start, abs=1e-9)
    for place, edit in edits.items():
        document = copy.deepcopy(old)
        edit(document)
        whole = _means(_write(tmp_path, "one.yaml", document))
        assert place in changes, (place, list(changes))
        assert not changes[place].text, place
        assert changes[place].alone == pytest.approx({h: whole[h] - start[h] for h in start}, abs=1e-9), place
    return changes


def test_an_origin_added_is_a_change_with_its_effect_alone(tmp_path: Path) -> None:
    changes = _check(
        tmp_path,
        BASE,
        {
            "origin/brief": lambda d: d.__setitem__("origins", {"brief": copy.deepcopy(ORIGIN)}),
            "lik/e1/b": _other,
        },
    )
    row = changes["origin/brief"]
    assert (row.before, row.after) == (None, "items s1, s2; shared 80%")
    assert max(abs(x) for x in row.alone.values()) > 1e-4  # it does move the posterior


def test_an_origin_removed_is_a_change_with_its_effect_alone(tmp_path: Path) -> None:
    old = copy.deepcopy(BASE)
    old["origins"] = {"brief": {**ORIGIN, "likelihoods": {"a": 0.9, "b": 0.2, "c": 0.2}}}
    changes = _check(tmp_path, old, {"origin/brief": lambda d: d.pop("origins"), "lik/e1/b": _other})
    assert changes["origin/brief"].before == "items s1, s2; shared 80%"
    assert changes["origin/brief"].after is None


def test_an_origins_items_and_likelihoods_changed(tmp_path: Path) -> None:
    old = copy.deepcopy(BASE)
    old["origins"] = {"brief": {**ORIGIN, "likelihoods": {"a": 0.9, "b": 0.2, "c": 0.2}}}
    changes = _check(
        tmp_path,
        old,
        {
            "origin/brief/items": lambda d: d["origins"]["brief"].__setitem__("items", ["s1", "s2", "s3"]),
            "lik/brief/a": lambda d: d["origins"]["brief"]["likelihoods"].__setitem__("a", 0.6),
            "shared/brief": lambda d: d["origins"]["brief"].__setitem__("shared", "30%"),
            "lik/e1/b": _other,
        },
    )
    assert (changes["origin/brief/items"].before, changes["origin/brief/items"].after) == (
        "s1, s2",
        "s1, s2, s3",
    )


def _with_origin() -> dict[str, Any]:
    old = copy.deepcopy(BASE)
    old["origins"] = {"brief": copy.deepcopy(ORIGIN)}
    return old


def test_as_of_is_a_model_change_and_its_cut_items_are_cut_off_not_removed(tmp_path: Path) -> None:
    """The cut-off leaves out s2 (and with it the origin, down to s1), e3, and r1 (and its event)."""
    changes = _check(
        tmp_path,
        _with_origin(),
        {"as_of": lambda d: d.__setitem__("as_of", "2020-02-01"), "lik/e1/b": _other},
    )
    assert (changes["as_of"].before, changes["as_of"].after) == (None, "2020-02-01")
    assert max(abs(x) for x in changes["as_of"].alone.values()) > 1e-3
    for item in ("s2", "e3", "r1"):
        row = changes[f"evidence/{item}"]
        assert row.after == "cut off by as_of 2020-02-01 (still in the file)", item
        assert row.alone is not None and not row.text
    assert not any(c.text for c in changes.values())  # as_of is no text change


@pytest.mark.parametrize("new_as_of", [None, "2020-02-15"])
def test_as_of_removed_or_moved_later_brings_items_back_with_their_origin_and_event(
    tmp_path: Path, new_as_of: str | None
) -> None:
    old = _with_origin()
    old["as_of"] = "2020-01-20"

    def edit(d: dict[str, Any]) -> None:
        if new_as_of is None:
            d.pop("as_of")
        else:
            d["as_of"] = new_as_of

    changes = _check(tmp_path, old, {"as_of": edit, "lik/e1/b": _other})
    assert changes["evidence/s2"].before == "cut off by as_of 2020-01-20 (still in the file)"
    assert changes["evidence/s2"].after == "observed"


def test_an_item_added_to_an_origin_brings_its_membership_along(tmp_path: Path) -> None:
    def add(d: dict[str, Any]) -> None:
        d["evidence"].append({"id": "s4", "label": "story 4", "likelihoods": {"a": 0.9, "b": 0.3, "c": 0.2}})
        d["origins"]["brief"]["items"].append("s4")

    changes = _check(tmp_path, _with_origin(), {"evidence/s4": add, "lik/e1/b": _other})
    assert "origin/brief/items" not in changes  # the item's own change carries it


def test_the_table_no_longer_calls_as_of_text(tmp_path: Path) -> None:
    from hypotheses.output.team_report import diff_headline, diff_rows

    new = _with_origin()
    new["as_of"] = "2020-02-01"
    result = diff(
        load_case(_write(tmp_path, "old.yaml", _with_origin())), load_case(_write(tmp_path, "new.yaml", new))
    )
    assert "of text" not in diff_headline(result)
    rows = {row[0]: row for row in diff_rows(result)[1]}
    assert "text" not in rows["as_of"] and "n/a" not in rows["as_of"]
    assert rows["evidence/s2"][2] == "cut off by as_of 2020-02-01 (still in the file)"
