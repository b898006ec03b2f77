"""Suspected common origins (issue 28 item 4, DESIGN section 9): which items are flagged and why,
what is never flagged, the clusters' stability, the JSON key and the warning, and the false
alarms measured on the bundled examples and a realistic case."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli import app
from hypotheses import load_case, score
from hypotheses.analysis.detection import (
    MAX_LABELS,
    comparable,
    if_shared,
    labels_skipped,
    link_key,
    similar_pairs,
    suspected_origins,
    warning,
)
from tests.helpers import DATA, EXAMPLES, ROOT, make_case


def _item(item_id: str, label: str | None = None, **keys: Any) -> dict[str, Any]:
    return {
        "id": item_id,
        "label": label or item_id,  # ids of one letter: 0% alike
        "likelihoods": {"a": "likely", "b": "unlikely"},
        **keys,
    }


def _case(*items: dict[str, Any], name: str = "<test>", **top: Any) -> Any:
    return make_case(
        {
            "schema": 1,
            "title": "detection",
            "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
            "sources": {
                "reuters": {"label": "Reuters", "reliability": "B"},
                "afp": {"label": "AFP", "reliability": "B"},
                "paper": {"label": "A paper", "reliability": "C"},
                "other": {"label": "Another paper", "reliability": "C"},
            },
            **top,
            "evidence": list(items),
        },
        name,
    )


def _found(case: Any) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    return [(s.items, s.reasons) for s in suspected_origins(case)]


# --- each reason flags -------------------------------------------------------------------


def test_the_same_link_with_different_queries_fragments_and_slashes_flags() -> None:
    case = _case(
        _item("x", links=["https://Example.org/news/42?utm_source=feed"]),
        _item("y", links=["https://example.org/news/42/#comments"]),
        _item("z", links=["https://example.org/news/43"]),
    )
    assert _found(case) == [(("x", "y"), ("same link https://example.org/news/42",))]


def test_link_keys() -> None:
    assert link_key("HTTPS://Example.ORG/a/?q=1#f") == "https://example.org/a"
    assert link_key("https://example.org:8443/a") == "https://example.org:8443/a"
    assert link_key("https://example.org/") is None  # a site, not a document
    assert link_key("https://example.org") is None
    assert link_key("  ") is None
    assert link_key("notes/interview.txt") == "notes/interview.txt"
    assert link_key("doi:10.1000/xyz") == "doi:10.1000/xyz"
    # The scheme is part of the document's name (DESIGN: scheme, host and path equal).
    assert link_key("http://example.org/a") != link_key("https://example.org/a")


def test_a_shared_home_page_does_not_flag() -> None:
    case = _case(
        _item("x", links=["https://www.reuters.com/"]), _item("y", links=["https://www.reuters.com"])
    )
    assert _found(case) == []


def test_the_same_last_via_flags() -> None:
    case = _case(
        _item("x", source="paper", via=["afp", "reuters"]),
        _item("y", source="other", via=["reuters"]),
        _item("z", source="other", via=["reuters", "afp"]),  # reuters, but not last
    )
    assert _found(case) == [(("x", "y"), ("same last via: reuters",))]


def test_near_identical_labels_flag() -> None:
    case = _case(
        _item("x", "Minister seen at the port on Monday, witnesses say"),
        _item("y", "Witnesses say: minister seen at the port on Monday."),  # reordered, punctuated
        _item("z", "Customs records show no ship docked on Monday"),
    )
    assert _found(case) == [(("x", "y"), ("near-identical labels (100%)",))]


def test_the_same_local_document_flags_however_its_path_is_written(tmp_path: Any) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "memo.txt").write_text("The minister knew.", encoding="utf-8")
    (tmp_path / "other.txt").write_text("Nobody knew.", encoding="utf-8")
    case = _case(
        _item("x", document="memo.txt"),
        _item("y", document="./sub/../memo.txt"),  # the same file, resolved
        _item("z", document="other.txt"),
        name=str(tmp_path / "case.yaml"),
    )
    assert _found(case) == [(("x", "y"), ("same document memo.txt",))]


def test_the_same_document_url_flags_by_the_rule_of_links() -> None:
    case = _case(
        _item("x", document="https://Example.org/report/7?utm_source=feed"),
        _item("y", document="https://example.org/report/7/#page=4"),
        _item("z", document="https://example.org/"),  # a site, not a document
        _item("w", document="https://example.org"),
    )
    assert _found(case) == [(("x", "y"), ("same document https://example.org/report/7",))]


def test_near_identical_quotes_flag() -> None:
    words = "We have no information that the vessel was in the area on the night of the blasts"
    case = _case(
        _item("x", "An official denies the ship was there", quote=words),
        _item("y", "The ministry says it has no record of the ship", quote=words.replace("blasts", "blast")),
        _item("z", "Customs records show no ship docked on Monday", quote="No ship docked on Monday."),
        _item("v", "A satellite image shows a ship near the site"),  # no quote: not compared
        _item("u", "A fisherman saw lights at sea"),
    )
    assert _found(case) == [(("x", "y"), ("near-identical quotes (99%)",))]


def test_a_reworded_label_flags_with_its_score() -> None:
    case = _case(
        _item("x", "Two explosions recorded by Swedish seismographs near Bornholm"),
        _item("y", "Two explosions were recorded by Swedish seismographs near Bornholm"),
    )
    assert _found(case) == [(("x", "y"), ("near-identical labels (96%)",))]


# --- near misses do not flag --------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # 88%: one word names another witness; the two reports may well be independent.
        (
            "Two explosions recorded by Swedish seismographs near Bornholm",
            "Two explosions recorded by Danish seismographs near Bornholm",
        ),
        # 83%: the same topic told differently.
        (
            "Two explosions recorded by seismographs near Bornholm",
            "Seismographs near Bornholm recorded one large explosion",
        ),
    ],
)
def test_similar_but_not_near_identical_labels_do_not_flag(a: str, b: str) -> None:
    assert _found(_case(_item("x", a), _item("y", b))) == []


def test_the_same_source_alone_does_not_flag() -> None:
    """An outlet's several independent reports are normal, not a shared origin."""
    case = _case(_item("x", source="paper"), _item("y", source="paper"), _item("z", source="paper"))
    assert _found(case) == []


def test_the_same_first_via_alone_does_not_flag() -> None:
    case = _case(_item("x", via=["reuters", "afp"]), _item("y", via=["reuters", "paper"]))
    assert _found(case) == []


def test_reports_of_an_event_are_never_flagged() -> None:
    link = "https://example.org/story"
    case = _case(
        {"id": "x", "label": "Same words", "reports": "ev", "via": ["reuters"], "links": [link]},
        {"id": "y", "label": "Same words", "reports": "ev", "via": ["reuters"], "links": [link]},
        _item("z", "Other words"),
        events={"ev": {"label": "It happened", "likelihoods": {"a": "likely", "b": "unlikely"}}},
    )
    assert _found(case) == []


def test_items_in_a_declared_origin_are_never_flagged() -> None:
    link = "https://example.org/story"
    case = _case(
        _item("x", "Same words", links=[link]),
        _item("y", "Same words", links=[link]),
        _item("z", "Same words", links=[link]),
        origins={"o": {"label": "one briefing", "items": ["x", "y"], "shared": 0.5}},
    )
    # z shares the link with x and y, but they are declared: nothing left to pair z with.
    assert _found(case) == []


def test_ratio_items_and_absent_and_pending_items_are_skipped() -> None:
    link = "https://example.org/story"
    case = _case(
        _item("x", "Same words", links=[link]),
        {"id": "r", "label": "Same words", "ratios": {"a": 2, "b": 1}, "links": [link]},
        _item("gone", "Same words", links=[link], observed=False),
        _item("later", "Same words", links=[link], observed="pending"),
    )
    assert _found(case) == []


# --- clusters ------------------------------------------------------------------------------


def test_clusters_merge_transitively_and_keep_every_reason() -> None:
    case = _case(
        _item("w", "Unrelated first item"),
        _item("x", links=["https://example.org/a"]),
        _item("y", links=["https://example.org/a"], via=["reuters"]),
        _item("z", via=["reuters"]),
        _item("p", "Port closed after the blast, officials say"),
        _item("q", "Port closed after the blast, officials said"),
    )
    assert _found(case) == [
        (("x", "y", "z"), ("same last via: reuters", "same link https://example.org/a")),
        (("p", "q"), ("near-identical labels (96%)",)),
    ]


ITEMS = [
    _item("x", "Port closed after the blast, officials say", links=["https://example.org/a"]),
    _item("y", "Something else entirely was reported", links=["https://example.org/a?x=1"]),
    _item("z", "A third item with a separate story", via=["reuters"]),
    _item("w", "Port closed after the blast, officials said", via=["reuters"]),
    _item("v", "Nothing in common with anything"),
    _item("u", "Ships photographed near the site", via=["afp"]),
    _item("t", "Ships photographed near the site!", source="paper"),
]


def _as_sets(case: Any) -> set[tuple[frozenset[str], tuple[str, ...]]]:
    return {(frozenset(s.items), s.reasons) for s in suspected_origins(case)}


@settings(max_examples=25, deadline=None)
@given(st.permutations(ITEMS))
def test_the_order_of_the_items_does_not_change_the_clusters(items: list[dict[str, Any]]) -> None:
    case = _case(*items)
    assert _as_sets(case) == _as_sets(_case(*ITEMS))
    order = [item["id"] for item in items]
    for found in suspected_origins(case):  # each cluster's items in case order, clusters too
        assert list(found.items) == sorted(found.items, key=order.index)
    firsts = [order.index(s.items[0]) for s in suspected_origins(case)]
    assert firsts == sorted(firsts)


def test_the_expected_clusters_of_the_permuted_case() -> None:
    assert _as_sets(_case(*ITEMS)) == {
        (
            frozenset("xyzw"),
            ("near-identical labels (96%)", "same last via: reuters", "same link https://example.org/a"),
        ),
        (frozenset("ut"), ("near-identical labels (100%)",)),
    }


def test_both_ways_of_comparing_labels_agree() -> None:
    """cdist (NumPy loaded) and extract (validate, without NumPy) find the same pairs."""
    labels = [comparable(item["label"]) for item in ITEMS] + ["", "a", "a b", "a b", "ab"]
    with_numpy = similar_pairs(labels)
    script = (
        "import sys, json\n"
        "from hypotheses.analysis.detection import similar_pairs\n"
        f"pairs = similar_pairs({labels!r})\n"
        "assert 'numpy' not in sys.modules\n"
        "print(json.dumps(pairs))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert [tuple(p) for p in json.loads(out.stdout)] == with_numpy
    assert [p[:2] for p in with_numpy] == [(0, 3), (5, 6), (9, 10)]


def test_detection_is_fast_on_thousands_of_items() -> None:
    import random
    import time

    rng = random.Random(0)
    letters = "abcdefghijklmnopqrstuvwxyz"

    def label() -> str:
        return " ".join("".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(rng.randint(4, 10)))

    items = [_item(f"i{k}", label()) for k in range(MAX_LABELS - 1)]
    items += [_item("dup", items[10]["label"].upper() + ".")]
    case = _case(*items)
    started = time.perf_counter()
    found = suspected_origins(case)
    # About 0.15 s on one core (rapidfuzz's cdist); 20 s would mean a Python loop over pairs.
    assert time.perf_counter() - started < 20
    assert [s.items for s in found] == [("i10", "dup")]


def test_over_the_limit_labels_are_not_compared_but_links_are() -> None:
    """Templated labels ("Evidence item number 1", "... 2") are all near-identical: above
    MAX_LABELS candidates their pairs are not sought (a warning says so); links still are."""
    items = [_item(f"i{k}", f"Evidence item number {k}") for k in range(MAX_LABELS + 1)]
    items[5]["links"] = items[7]["links"] = ["https://example.org/a"]
    case = _case(*items)
    assert _found(case) == [(("i5", "i7"), ("same link https://example.org/a",))]
    assert labels_skipped(case) == (
        f"suspected common origins: labels and quotes not compared ({MAX_LABELS + 1:,} independent "
        f"items, more than {MAX_LABELS:,}); links, via: and documents were"
    )
    assert labels_skipped(_case(*items[:MAX_LABELS])) is None


# --- where it shows ------------------------------------------------------------------------


def test_the_warning_names_the_items_and_the_reasons() -> None:
    case = _case(_item("x", via=["reuters"]), _item("y", via=["reuters"]), _item("z", via=["reuters"]))
    (found,) = suspected_origins(case)
    said = warning(found)
    assert said == (
        "possible common origin: items x, y and z (same last via: reuters); "
        "declare it under origins: or ignore"
    )


def test_a_long_cluster_names_ten_items() -> None:
    case = _case(*(_item(f"i{k}", via=["reuters"]) for k in range(12)))
    (found,) = suspected_origins(case)
    assert len(found.items) == 12
    assert found.warning.startswith(
        "possible common origin: items i0, i1, i2, i3, i4, i5, i6, i7, i8, i9 and 2 more ("
    )


def test_the_warning_with_the_leaders_change() -> None:
    case = _case(_item("x", via=["reuters"]), _item("y", via=["reuters"]))
    (found,) = suspected_origins(case)
    from dataclasses import replace

    said = warning(replace(found, if_shared={"a": 0.712, "b": 0.288}), "a", {"a": 0.888, "b": 0.112})
    assert said == (
        "possible common origin: items x and y (same last via: reuters): if they repeated one origin "
        "(shared 50%), P(a) would be 71.2% instead of 88.8%; declare it under origins: or ignore"
    )


def test_json_always_has_the_key() -> None:
    card = score(EXAMPLES / "burglar-alarm.yaml", explain=False)
    assert card.to_dict()["suspected_origins"] == []


def test_score_json_and_explain_json_list_the_clusters(tmp_path: Any) -> None:
    case = _case(_item("x", "Same words", via=["reuters"]), _item("y", "Same words", via=["reuters"]))
    card = score(case)
    (entry,) = card.to_dict()["suspected_origins"]
    assert entry["items"] == ["x", "y"]
    assert entry["reasons"] == ["near-identical labels (100%)", "same last via: reuters"]
    assert set(entry) == {"items", "reasons", "if_shared"}
    assert any(w.startswith("possible common origin: items x and y") for w in card.warnings)
    from hypotheses.output.text import explanation_json, explanation_markdown, to_markdown

    assert json.loads(explanation_json(card))["suspected_origins"] == [entry]
    assert "possible common origin: items x and y" in explanation_markdown(card)
    assert "possible common origin: items x and y" in to_markdown(card)


def test_the_cli_shows_them(tmp_path: Any) -> None:
    path = tmp_path / "case.yaml"
    import yaml

    path.write_text(
        yaml.safe_dump(
            {
                "schema": 1,
                "title": "cli",
                "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
                "evidence": [
                    _item("x", links=["https://example.org/a"]),
                    _item("y", links=["https://example.org/a/"]),
                ],
            }
        )
    )
    runner = CliRunner()
    scored = runner.invoke(app, ["score", str(path), "-f", "json"])
    assert scored.exit_code == 0, scored.output
    assert json.loads(scored.stdout)["suspected_origins"][0]["items"] == ["x", "y"]
    explained = runner.invoke(app, ["explain", str(path)])
    assert explained.exit_code == 0 and "Suspected common origins" in explained.stdout
    assert "items x and y" in explained.stdout
    checked = runner.invoke(app, ["validate", str(path)])
    assert checked.exit_code == 0
    assert (
        "possible common origin: items x and y (same link https://example.org/a); declare it under "
        "origins: or ignore" in checked.stderr
    )


# --- the what-if ------------------------------------------------


def test_if_shared_lowers_the_leader_of_two_echoes() -> None:
    """Two items that may repeat one origin weigh less than two independent ones, more than one."""
    from dataclasses import replace

    two = _case(_item("x", "Same words", via=["reuters"]), _item("y", "Same words", via=["reuters"]))
    (found,) = suspected_origins(two)
    shared = if_shared(two, found, seed=0)
    independent = score(two, explain=False).hypotheses[0].posterior.mean
    one = score(replace(two, evidence=two.evidence[:1]), explain=False).hypotheses[0].posterior.mean
    assert set(shared) == {"a", "b"} and sum(shared.values()) == pytest.approx(1)
    assert one < shared["a"] < independent


def test_the_score_warning_gives_the_leaders_number() -> None:
    case = _case(_item("x", "Same words", via=["reuters"]), _item("y", "Same words", via=["reuters"]))
    (found,) = suspected_origins(case)
    card = score(case, explain=False)
    (entry,) = card.suspected_origins
    assert entry.if_shared == pytest.approx(if_shared(case, found, seed=0))
    assert "if they repeated one origin (shared 50%), P(a) would be" in entry.warning


def test_if_shared_picks_a_free_origin_id() -> None:
    """The what-if's origin id is used by nothing else: an item named like it changes nothing."""
    named = _case(
        _item("suspected_origin", "Same words", via=["reuters"]),
        _item("y", "Same words", via=["reuters"]),
    )
    plain = _case(_item("x", "Same words", via=["reuters"]), _item("y", "Same words", via=["reuters"]))
    (a,), (b,) = suspected_origins(named), suspected_origins(plain)
    assert if_shared(named, a) == pytest.approx(if_shared(plain, b))


# --- false alarms --------------------------------------------------------------------------

BUNDLED = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*/*.yaml")])
# What detection flags on each bundled case, read by eye (issue 28 item 4): none of them links
# its items, only al-bab has a via: (one item), and their labels are at most 62% alike.
EXPECTED_FLAGS: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {
    path.relative_to(EXAMPLES).as_posix(): [] for path in BUNDLED
}


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.relative_to(EXAMPLES).as_posix())
def test_the_bundled_examples_flag_only_what_is_expected(path: Any) -> None:
    assert _found(load_case(path)) == EXPECTED_FLAGS[path.relative_to(EXAMPLES).as_posix()]


def test_the_nord_stream_case_as_first_written_flags_nothing() -> None:
    """The realistic case as first typed (12 items, 9 outlets): the reports of the German
    investigation (yacht, warrant) are already declared as events, so never candidates; the NYT
    intelligence item and the two WSJ items share no link (the case gives none), no last via:
    (only nyt_intel has one) and no near-identical label (the closest pair is about 50%); the two
    WSJ items share only their source, which is not a reason. Detection cannot see an origin the
    case does not trace."""
    case = load_case(DATA / "nord-stream-as-first-written.yaml")
    assert len(case.evidence) == 12
    assert _found(case) == []


def test_the_nord_stream_case_with_its_sourcing_traced_flags_the_wsj_pair() -> None:
    """The bundled version traces the WSJ's two stories to the investigation (source
    german_probe, via: [wsj]) and declares the origin; without the declaration, detection
    flags exactly those two, for their shared last via:."""
    case = load_case(EXAMPLES / "nord-stream-2022.yaml")
    assert len(case.evidence) == 12 and case.origins
    assert _found(case) == []  # declared: nothing to suspect
    undeclared = replace(case, origins=())
    assert _found(undeclared) == [(("wsj_plan", "suspect_fled"), ("same last via: wsj",))]


def test_the_realistic_case_is_bundled() -> None:
    assert "nord-stream-2022.yaml" in EXPECTED_FLAGS


def test_the_public_function_takes_a_path_and_warns_without_scoring(tmp_path: Any) -> None:
    import yaml

    import hypotheses

    path = tmp_path / "case.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "schema": 1,
                "title": "api",
                "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
                "evidence": [_item("x", "Same words"), _item("y", "Same words")],
            }
        )
    )
    (found,) = hypotheses.suspected_origins(path)
    assert isinstance(found, hypotheses.SuspectedOrigin) and found.if_shared == {}
    assert found.warning == (
        "possible common origin: items x and y (near-identical labels (100%)); "
        "declare it under origins: or ignore"
    )


def test_the_warning_near_certainty_gives_the_odds_change() -> None:
    """'>99.9% instead of >99.9%' says nothing: where the percentages print alike, the change
    in the leader's odds follows, as the tornado's and diff's do (new-user trial)."""
    case = _case(_item("x", via=["reuters"]), _item("y", via=["reuters"]))
    (found,) = suspected_origins(case)
    from dataclasses import replace

    said = warning(replace(found, if_shared={"a": 0.9999, "b": 0.0001}), "a", {"a": 0.99999, "b": 0.00001})
    assert "P(a) would be >99.9% instead of >99.9% (odds of a against the rest -10.0 dB);" in said


def test_the_warning_names_the_hypothesis_that_moves_most_beside_the_leader() -> None:
    """Near certainty the leader barely moves; the hypothesis the repeated items carried is the
    one that does (new-user trial 3: only the leader was named)."""
    case = _case(_item("x", via=["reuters"]), _item("y", via=["reuters"]))
    (found,) = suspected_origins(case)
    from dataclasses import replace

    now = {"a": 0.9650, "b": 0.0340, "c": 0.0010}
    shared = {"a": 0.9750, "b": 0.0050, "c": 0.0200}  # the items carried b: a gains 1, b loses 2.9
    said = warning(replace(found, if_shared=shared), "a", now)
    assert "P(b) would be 0.5% instead of 3.4% and P(a) would be 97.5% instead of 96.5%;" in said
    level = warning(replace(found, if_shared={"a": 0.5, "b": 0.499, "c": 0.001}), "a", now)
    assert "P(a) would be 50.0% instead of 96.5%;" in level and "P(b)" not in level  # the leader moved most
