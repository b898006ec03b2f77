"""The report's and the pool page's plots: the timeline spaced by date, the analysts in
distinguishable colours."""

from __future__ import annotations

import re

import pytest

from hypotheses import score
from hypotheses.output.report import timeline_days, timeline_plot
from tests.helpers import make_case


def _dated_case(*days: str):
    items = [
        {"id": f"e{k}", "label": f"item {k}", "date": day, "likelihoods": {"a": 0.7, "b": 0.4}}
        for k, day in enumerate(days)
    ]
    items.append({"id": "undated", "label": "u", "likelihoods": {"a": 0.5, "b": 0.6}})
    return make_case(
        {
            "schema": 1,
            "title": "dated",
            "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
            "evidence": items,
        }
    )


def _tick_x(svg: str, label: str) -> float:
    """The x of a tick label in the SVG (matplotlib writes rotated text as translate(x y) rotate)."""
    at = svg.index(f">{label}<")
    found = re.findall(r'transform="translate\(([-\d.]+) ([-\d.]+)\)', svg[at - 600 : at])
    assert found, label
    return float(found[-1][0])


def test_timeline_days_are_spaced_by_date() -> None:
    """One day, then 59 days later: positions 0, 1, 60 (days from the first date); "before"
    stands a tenth of the span (6 days) ahead of the first date."""
    card = score(_dated_case("2026-01-05", "2026-01-06", "2026-03-06"), engine="numpy")
    assert [d for d, _ in card.timeline] == [None, "2026-01-05", "2026-01-06", "2026-03-06"]
    assert timeline_days(card) == [-6.0, 0.0, 1.0, 60.0]


def test_timeline_days_of_a_single_date_step_one_day() -> None:
    card = score(_dated_case("2026-01-05", "2026-01-05"), engine="numpy")
    assert timeline_days(card) == [-1.0, 0.0]


def test_the_timeline_plot_places_its_dates_by_time() -> None:
    """Read back from the drawn SVG: the gap between the first two dates (1 day) is a sixtieth of
    the gap from the first to the last (60 days), as on a calendar; by index it would be a half."""
    card = score(_dated_case("2026-01-05", "2026-01-06", "2026-03-06"), engine="numpy")
    svg = timeline_plot(card)
    x0, x1, x2 = (_tick_x(svg, day) for day in ("2026-01-05", "2026-01-06", "2026-03-06"))
    assert (x1 - x0) / (x2 - x0) == pytest.approx(1 / 60, abs=0.01)
    assert _tick_x(svg, "before") < x0


def test_the_pool_plot_draws_each_analyst_in_a_colour_and_marker_of_its_own() -> None:
    """Up to eight analysts: eight different colours, none a pool's (blue, green, orange) nor
    grey, each with its name in the legend; markers differ too, so colour is not the only cue."""
    from hypotheses.analysis.team import pool
    from hypotheses.output.page import ANALYST_COLOURS, ANALYST_MARKERS, BLUE, GREEN, GREY, ORANGE
    from hypotheses.output.team_report import pool_plot

    assert len(set(ANALYST_COLOURS)) == len(ANALYST_COLOURS) == 8
    assert not {c.lower() for c in ANALYST_COLOURS} & {c.lower() for c in (BLUE, GREEN, ORANGE, GREY)}
    assert len(set(ANALYST_MARKERS)) == len(ANALYST_MARKERS) == 8
    cases = []
    for k in range(8):
        document = {
            "schema": 1,
            "title": f"analyst {k}",
            "hypotheses": [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}],
            "evidence": [{"id": "e", "label": "e", "likelihoods": {"a": 0.3 + 0.05 * k, "b": 0.5}}],
        }
        cases.append(make_case(document, name=f"analyst{k}.yaml"))
    svg = pool_plot(pool(cases)).lower()
    for colour in ANALYST_COLOURS:
        assert colour.lower() in svg, colour
    legend = svg[svg.index('id="legend_1"') :]
    for k in range(8):
        assert f">analyst{k}<" in legend


def test_a_near_certain_tornado_prints_its_percentages_without_an_offset() -> None:
    """Near 100% matplotlib wrote the ticks as 0.0004... with '+9.9990e1' over the axis label."""
    from hypotheses.output.report import tornado_plot
    from tests.helpers import near_certain_case

    card = score(near_certain_case(), engine="numpy")
    assert card.hypotheses[0].posterior.mean > 0.99999
    svg = tornado_plot(card)
    ticks = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert not any(
        re.search(r"\d\s*e\s*[+\-\u2212]?\d", t) or t.startswith(("+", "\u00d7")) for t in ticks
    ), ticks
    assert any(t.startswith("99.") for t in ticks), ticks
