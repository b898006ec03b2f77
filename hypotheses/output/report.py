"""A self-contained HTML report of a scored case: the product readers who never run a command see.

Plots are matplotlib SVG inlined in the page; CSS and the one script are inline and there is no
network resource, so the file can be mailed, archived and printed (A4) as it is. The script
(templates/interactive.js) lets a reader move any judgment or leave an item out and recomputes
the posterior means, weights and bottom line in the page; the case reaches it only as JSON data,
and a Content-Security-Policy admits no script but that one, by its hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from hypotheses._version import __version__
from hypotheses.analysis.edits import as_judged as _as_judged
from hypotheses.analysis.explain import TIE_TOLERANCE
from hypotheses.analysis.page_data import page_data
from hypotheses.analysis.scorecard import HypothesisScore, Scorecard
from hypotheses.case import Case
from hypotheses.model.places import (
    MODEL_ERROR_PLACE,
    credibility_place,
    likelihood_place,
    prior_place,
    reliability_place,
    reporting_places,
    shared_place,
)
from hypotheses.output.page import (
    BLUE,
    GREEN,
    GREY,
    ORANGE,
    PALETTE,
    VERMILLION,
    escape,
    page_end,
    page_start,
    plot_text,
    pyplot,
    svg,
    xerr,
)
from hypotheses.output.wording import (
    ASSUMPTIONS_KEY,
    as_of_line,
    assumption_line,
    bits,
    closest_sentence,
    conflict,
    db,
    draws_phrase,
    flip_sentence,
    in_words,
    source_note,
    source_notes,
)
from hypotheses.text import interval, percent
from priors import Judgment, LogNormal


def prior_posterior_plot(card: Scorecard) -> str:
    plt = pyplot()
    ranked = card.ranked()[::-1]
    figure, axes = plt.subplots(figsize=(7.5, 0.55 * len(ranked) + 1.0))
    for row, h in enumerate(ranked):
        axes.errorbar(
            h.prior.mean * 100,
            row + 0.17,
            xerr=xerr(h.prior),
            fmt="o",
            color=GREY,
            capsize=3,
            label="prior" if row == 0 else None,
        )
        axes.errorbar(
            h.posterior.mean * 100,
            row - 0.17,
            xerr=xerr(h.posterior),
            fmt="s",
            color=BLUE,
            capsize=3,
            label="posterior" if row == 0 else None,
        )
    axes.set_yticks(range(len(ranked)), [plot_text(h.id) for h in ranked])
    axes.set_xlim(0, 100)
    axes.set_xlabel("probability (%), with 90% credible interval")
    axes.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    axes.grid(axis="x", color="#e5e5e5")
    return svg(figure)


def timeline_days(card: Scorecard) -> list[float]:
    """Where each point of the timeline stands on the x-axis, in days from the first date: spaced
    by date, so that a week and a year do not look alike. The first point ("before", the undated
    items) stands a step before the first date: a tenth of the dates' span, at least one day."""
    days = [date.fromisoformat(day).toordinal() for day, _ in card.timeline[1:] if day is not None]
    if not days:
        return [0.0]
    first = days[0]
    step = max(1.0, (days[-1] - first) / 10)
    return [-step, *(float(d - first) for d in days)]


def timeline_plot(card: Scorecard) -> str:
    """P(h | E) after each date of the dated items, one line per hypothesis (Okabe-Ito), the
    x-axis spaced by date (timeline_days)."""
    plt = pyplot()
    dated = [day for day, _ in card.timeline[1:] if day is not None]
    x = timeline_days(card)
    figure, axes = plt.subplots(figsize=(7.5, 3.2))
    for index, h in enumerate(card.hypotheses):
        values = [100 * posterior[h.id] for _, posterior in card.timeline]
        axes.plot(x, values, marker="o", color=PALETTE[index % len(PALETTE)], label=plot_text(h.id))
    # Every date labelled while they fit; beyond a dozen, about a dozen spread over the span
    # (always the first and the last), so that labels never overprint.
    shown = sorted(set(range(1, len(x), max(1, math.ceil((len(x) - 1) / 12)))) | {len(x) - 1})
    labels = ["before", *(plot_text(dated[k - 1]) for k in shown)]
    axes.set_xticks([x[0], *(x[k] for k in shown)], labels, rotation=30, ha="right")
    axes.set_ylim(0, 100)
    axes.set_ylabel("P(h | evidence so far), %")
    axes.set_xlabel("date (spaced by time)")
    axes.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(4, len(card.hypotheses)), frameon=False
    )
    axes.grid(axis="y", color="#e5e5e5")
    return svg(figure)


def waterfall_plot(card: Scorecard) -> str:
    """How each item moved the leading hypothesis's log-odds (decibans), from prior to posterior."""
    plt = pyplot()
    e = card.explanation
    assert e is not None
    lead = next(h for h in card.hypotheses if h.id == e.leading)
    others = [h for h in card.hypotheses if h.id != lead.id]
    start = _odds_db(lead.prior.mean, math.fsum(h.prior.mean for h in others))
    # In the order the items were weighed (an event's reports together): so the steps add up.
    steps = [
        (item.id, _finite_or_none(item.weight_db[lead.id]))
        for _, items in card.evidence_blocks()
        for item in items
    ]
    levels = [start]
    for _, weight in steps:
        levels.append(levels[-1] + (weight or 0.0))
    if math.isnan(levels[-1]):  # opposite infinities (ruled in, then out): show where it ended up
        levels[-1] = _odds_db(lead.posterior.mean, math.fsum(h.posterior.mean for h in others))
    # An infinite weight or odds (a likelihood or prior of exactly 0 or 1) cannot be drawn to scale:
    # its bar runs past every finite one to the axis edge and is labelled with its sign and infinity.
    finite = [abs(v) for v in (*levels, *(w for _, w in steps if w is not None)) if math.isfinite(v)]
    edge = 1.15 * max([10.0, *finite])  # a list: with nothing finite (priors 1 and 0), max(10.0) fails

    def x(value: float) -> float:
        return 0.0 if math.isnan(value) else max(-edge, min(edge, value))

    figure, axes = plt.subplots(figsize=(7.5, 0.42 * (len(steps) + 2) + 1.0))
    labels = ["prior", *[plot_text(s[0]) for s in steps], "after all items"]
    axes.barh(0, x(start), color=GREY)
    for row, (_, weight) in enumerate(steps, 1):
        level, after = levels[row - 1], levels[row]
        positive = weight is None or weight >= 0
        axes.barh(row, x(after) - x(level), left=x(level), color=GREEN if positive else VERMILLION)
        axes.text(
            x(after),
            row,
            f" {_signed_db(weight)}",
            va="center",
            ha="left" if positive else "right",
            fontsize=8,
        )
    axes.barh(len(steps) + 1, x(levels[-1]), color=BLUE)
    for row, level in ((0, start), (len(steps) + 1, levels[-1])):
        if math.isinf(level):
            side = "left" if level > 0 else "right"
            axes.text(x(level), row, f" {_signed_db(level)} ", va="center", ha=side)
    axes.axvline(0, color="#444", linewidth=0.8)
    axes.set_yticks(range(len(labels)), labels)
    axes.invert_yaxis()
    axes.set_xlabel(f"log-odds of {plot_text(lead.id)} against the others (dB; 0 = even odds, +10 = 10:1)")
    return svg(figure)


def _finite_or_none(weight: float | None) -> float | None:
    """A weight of evidence; NaN (undefined, like None) would poison every level after it."""
    return None if weight is None or math.isnan(weight) else weight


def _signed_db(weight: float | None) -> str:
    if weight is None:
        return "n/a"
    if math.isinf(weight):
        return "+\u221e" if weight > 0 else "\u2212\u221e"
    return f"{weight:+.1f}"


def tornado_plot(card: Scorecard, rows: int = 10) -> str:
    plt = pyplot()
    e = card.explanation
    assert e is not None
    shown = list(e.tornado[:rows])[::-1]
    figure, axes = plt.subplots(figsize=(7.5, 0.42 * len(shown) + 1.0))
    for row, s in enumerate(shown):
        low, high = sorted((s.leading_at_low, s.leading_at_high))
        axes.barh(row, (high - low) * 100, left=low * 100, color=ORANGE if s.margin > 0 else VERMILLION)
    axes.axvline(e.baseline * 100, color="#333", linewidth=1)
    # Near 100% the ticks differ in the fourth decimal: matplotlib would print them as an offset
    # ("+9.9990e1") over the axis label; the percentages themselves read better.
    axes.ticklabel_format(axis="x", useOffset=False, style="plain")
    axes.set_yticks(range(len(shown)), [plot_text(s.name) for s in shown], fontsize=8)
    axes.set_xlabel(
        f"P({plot_text(e.leading)}) (%) with the judgment at its 5% and 95% quantiles; "
        "line: all at their means"
    )
    return svg(figure)


def _tie(a: HypothesisScore, b: HypothesisScore) -> bool:
    """Equal posteriors, up to the rounding of arithmetic that is exact on paper (1/3 + 1/3 + 1/3)."""
    return math.isclose(a.posterior.mean, b.posterior.mean, rel_tol=TIE_TOLERANCE, abs_tol=1e-12)


def _bottom_line(card: Scorecard, lead: HypothesisScore, rival: HypothesisScore) -> str:
    tied = [h for h in card.ranked() if _tie(h, lead)]
    if len(tied) > 1:
        # The explanation still names a leader (the first in file order); saying so would invent a verdict.
        names = [f"<strong>{escape(h.label)}</strong> ({escape(h.id)})" for h in tied]
        listed = ", ".join(names[:-1]) + f" and {names[-1]}"
        return (
            f'<p class="bottom-line" id="hs-bottom">No hypothesis leads: {listed} are tied at '
            f"{percent(lead.posterior.mean)} each, <strong>{escape(in_words(card, lead.posterior.mean))}"
            "</strong>.</p>"
        )
    return (
        f'<p class="bottom-line" id="hs-bottom"><strong>{escape(lead.label)}</strong> ({escape(lead.id)}) is '
        f"<strong>{escape(in_words(card, lead.posterior.mean))}</strong>: {percent(lead.posterior.mean)}, "
        f"90% credible interval {interval(lead.posterior.lo, lead.posterior.hi, ' to ')}. "
        f"The runner-up, {escape(rival.id)}, is {escape(in_words(card, rival.posterior.mean))}: "
        f"{percent(rival.posterior.mean)}.</p>"
    )


def _dated(card: Scorecard, generated: date | None) -> str:
    """'Assessed 2026-01-02 · ' when the caller gives the day; else the case's own date, or
    nothing: never the clock, so the same case and seed give the same page on any day. Only a
    case's `as_of:` is an analyst's cut-off ('Information as of 2018-09-20 · '); without one the
    date is merely the latest the case gives, and reads so ('Latest item dated 2018-09-20 · ',
    or 'Resolved ...' when the resolution is later than every item)."""
    if generated is not None:
        return f"Assessed {escape(generated.isoformat())} · "
    day = card.case_date()
    if not day:
        return ""
    if card.as_of:
        return f"Information as of {escape(day)} · "
    items = [str(e.date)[:10] for e in card.evidence if e.date]
    if items and max(items) == day:
        return f"Latest item dated {escape(day)} · "
    return f"Resolved {escape(day)} · "


def _named(item_id: str, label: str) -> str:
    """The cell content for anything with an id and a label."""
    return f"<span class=id>{escape(item_id)}</span><br><span class=label>{escape(label)}</span>"


def _breakable(text: str) -> str:
    """An id for a narrow column's header: escaped, and allowed to break after its underscores
    (russia_<wbr>state), so that eight hypotheses' columns fit the page."""
    return escape(text).replace("_", "_<wbr>")


def _odds_db(p: float, rest: float) -> float:
    """10 log10(p / rest), p against the others, given their total rather than as 1 - p.

    1 - p rounds to 0 once the others hold less than about 1e-16 (a prior such as beta [1e-300, 1]),
    which made finite odds infinite.
    """
    if p <= 0 and rest <= 0:
        return math.nan
    if p <= 0:
        return -math.inf
    if rest <= 0:
        return math.inf
    return 10 * (math.log10(p) - math.log10(rest))


def _as_written(judgment: Judgment) -> str:
    text = judgment.text or f"{judgment.mean:g}"
    if judgment.is_point:
        return text
    mean = f"{judgment.mean:.3g}" if isinstance(judgment, LogNormal) else percent(judgment.mean)
    return f"{text} (mean {mean})"


# ---- the interactive page: what the script reads (data-hs cells, the JSON) --------------------

# A cell the page does not recompute (leave-one-out, conflict): marked stale once the case is edited.
STALE = ' data-hs="stale"'


def _hs(kind: str, *names: str, value: float | None = None) -> str:
    """The attributes of a cell the script updates: `data-hs="kind:name..."` and the printed
    number in `data-value`, full precision (so a test or a reader's tool can read it back)."""
    name = ":".join((kind, *names))
    if value is None:
        return f' data-hs="{escape(name)}"'
    if math.isnan(value):  # undefined (a ratio item's diagnosticity): no number to read back
        return f' data-hs="{escape(name)}"'
    # As JavaScript's Number() and Python's float() both read them.
    number = repr(value) if math.isfinite(value) else f"{'-' * (value < 0)}Infinity"
    return f' data-hs="{escape(name)}" data-value="{number}"'


def _place(place: str, judgment: Judgment) -> str:
    """A judgment as written, where the script puts its control (words of the scale, a number)."""
    return f'<span data-hs-place="{escape(place)}">{escape(_as_written(judgment))}</span>'


def _json_for_html(data: dict[str, Any]) -> str:
    """JSON that cannot end its <script> element or start markup: <, > and & as \\u escapes
    (JSON.parse reads them back); ensure_ascii escapes U+2028/9 and every control character."""
    text = json.dumps(data, ensure_ascii=True, allow_nan=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@cache
def _script() -> str:
    text = resources.files("hypotheses").joinpath("templates/interactive.js").read_text(encoding="utf-8")
    assert "</" not in text  # it must not end its own <script> element
    return text


def _script_hash() -> str:
    """The CSP source of the page's script: 'sha256-<base64 of its digest>'."""
    return "sha256-" + base64.b64encode(hashlib.sha256(_script().encode()).digest()).decode()


def render_report(
    case: Case, card: Scorecard, generated: date | None = None, data: dict[str, Any] | None = None
) -> str:
    """The HTML page; `card` must carry its explanation (score(..., explain=True)). `data` is the
    script's data, `hypotheses.analysis.page_data.page_data(case, card)`: the one part of the page
    computed by the engine, done there when not handed in."""
    if data is None:
        data = page_data(case, card)
    e = card.explanation
    assert e is not None, "score the case with explain=True"
    d = card.diagnostics
    lead = next(h for h in card.hypotheses if h.id == e.leading)
    rival = next(h for h in card.hypotheses if h.id == e.runner_up)
    # Nothing may load or run but this page's own script, identified by its hash.
    policy = (
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        f"style-src 'unsafe-inline'; script-src '{_script_hash()}'\">"
    )
    parts = [
        *page_start(card.title, policy),
        # Shown by the script once a reader edits the case; sticky, so it stays in view while they do.
        '<div class="hs-live" id="hs-live" hidden><p id="hs-live-text"></p><ul id="hs-edits"></ul>'
        '<button type="button" id="hs-reset">Reset to the printed case</button> '
        '<button type="button" id="hs-download">Download the edited case</button>'
        '<span class="warning" id="hs-download-error" hidden></span></div>',
        "<header>",
        f"<h1>{escape(card.title)}</h1>",
    ]
    if card.question:
        parts.append(f'<p class="question">{escape(card.question)}</p>')
    if card.notes:
        parts.append(f"<p>{escape(card.notes)}</p>")
    if card.resolution:
        r = card.resolution
        when = f" ({escape(r['date'])})" if r["date"] else ""
        parts.append(
            f"<p><strong>Resolved{when}:</strong> {escape(r['hypothesis'])}{_said(None, r['notes'], ())}</p>"
        )
    # Draws that never vary (point judgments) can leave ESS and R-hat undefined (NaN).
    ess = f"{d.ess:,.0f}" if math.isfinite(d.ess) else "n/a"
    rhat = "n/a" if d.rhat is None or not math.isfinite(d.rhat) else f"{d.rhat:.3f}"
    mcmc = "" if d.rhat is None else f" · R-hat {rhat} · {d.divergences} divergences"
    parts += [
        f'<p class="meta">{_dated(card, generated)}'
        f"engine {escape(d.engine)} · "
        f"{draws_phrase(d.draws, d.interval_mcse)} · effective sample size {ess}{mcmc} · seed {d.seed} · "
        f"verbal scale {escape(case.scale.title)}"
        + (f" (from {escape(case.scale.file)})" if case.scale.file else "")
        + "</p>",
        "</header>",
        "<section>",
        "<h2>Assessment</h2>",
        _bottom_line(card, lead, rival),
        *_case_said(card),
        "<table><thead><tr><th>#</th><th>Hypothesis</th><th class=num>Prior</th><th class=num>Posterior</th>"
        "<th class=num>90% interval</th><th>In words</th></tr></thead><tbody>",
    ]
    ranked = card.ranked()
    for h in ranked:
        # Competition ranking: equal posteriors share a rank rather than being ordered by file position.
        rank = 1 + sum(1 for g in ranked if g.posterior.mean > h.posterior.mean and not _tie(g, h))
        parts.append(
            f"<tr><td{_hs('rank', h.id)}>{rank}</td>"
            f"<td>{_named(h.id, h.label)}{_said(None, h.notes, ())}</td>"
            f"<td class=num{_hs('prior', h.id, value=h.prior.mean)}>{percent(h.prior.mean)}</td>"
            f"<td class=num><strong{_hs('post', h.id, value=h.posterior.mean)}>"
            f"{percent(h.posterior.mean)}</strong></td>"
            f"<td class=num{_hs('interval', h.id)}>{interval(h.posterior.lo, h.posterior.hi, ' - ')}</td>"
            f"<td{_hs('words', h.id)}>{escape(in_words(card, h.posterior.mean))}</td></tr>"
        )
    for g in card.groups:
        members = " + ".join(g.members)
        prior = sum(h.prior.mean for h in card.hypotheses if h.id in g.members)
        parts.append(
            f"<tr><td></td><td>{_named(g.id, f'{g.label} ({members})')}</td>"
            f"<td class=num{_hs('gprior', g.id, value=prior)}>{percent(prior)}</td>"
            f"<td class=num><strong{_hs('gpost', g.id, value=g.posterior.mean)}>"
            f"{percent(g.posterior.mean)}</strong></td>"
            f"<td class=num{_hs('ginterval', g.id)}>"
            f"{interval(g.posterior.lo, g.posterior.hi, ' - ')}</td>"
            f"<td{_hs('gwords', g.id)}>{escape(in_words(card, g.posterior.mean))}</td></tr>"
        )
    parts += [
        "</tbody></table>",
        f"<figure class=hs-printed>{prior_posterior_plot(card)}"
        f"<figcaption>Prior and posterior probability of each "
        "hypothesis with its 90% credible interval: how far the answer could move given how vague "
        "the judgments are.</figcaption></figure>",
        "</section>",
    ]
    if card.warnings:
        parts += [
            '<section class="hs-printed">',
            "<h2>Warnings</h2>",
            '<ul class="plain warning">',
            *[f"<li>{escape(w)}</li>" for w in card.warnings],
            "</ul>",
            "</section>",
        ]
    ids = [h.id for h in card.hypotheses]
    without = {loo.evidence: loo for loo in e.leave_one_out}
    notes = source_notes(card)
    parts += ["<section>", "<h2>Evidence</h2>"]
    if card.evidence:
        parts += [
            "<p>Weight of evidence for each hypothesis against the others, in decibans (+10 dB: ten "
            "times likelier under that hypothesis than under the others); diagnosticity: the "
            "information the item gives about the hypotheses, in bits; and "
            f"P({escape(lead.id)}) had the item been left out; conflict: log<sub>2</sub> P(item) / "
            "P(item | the other evidence), in bits, positive when the rest of the evidence makes the "
            "item surprising.</p>",
            '<div class="scroll"><table class="hs-wide"><thead><tr><th>Evidence</th>'
            + "".join(f"<th class=num>{_breakable(h)}</th>" for h in ids)
            + f"<th class=num>bits</th><th class=num>{escape(lead.id)} without it</th>"
            "<th class=num>conflict</th></tr></thead><tbody>",
        ]
        for event, items in card.evidence_blocks():
            if event is not None:
                cells = "".join(
                    f"<td class=num{_hs('ew', event.id, h, value=event.weight_db[h])}>"
                    f"{db(event.weight_db[h])}</td>"
                    for h in ids
                )
                parts.append(
                    f"<tr class=event><td>{event.kind} {_named(event.id, event.label)}"
                    f"<br><small>{escape(event.together)}</small>"
                    f"{_said(None, event.notes, event.links)}</td>{cells}<td class=num></td>"
                    f"<td class=num{STALE}>{percent(without[event.id].posterior[lead.id])}</td><td></td></tr>"
                )
            for item in items:
                cells = "".join(
                    f"<td class=num{_hs('w', item.id, h, value=item.weight_db[h])}>"
                    f"{db(item.weight_db[h])}</td>"
                    for h in ids
                )
                absent = " (looked for, not found)" if not item.observed else ""
                via = f" (via {', '.join(item.via)})" if item.via else ""
                said = _said(item.date, item.notes, item.links)
                said += f" <sup>[{notes[item.id]}]</sup>" if item.id in notes else ""  # its source note
                nested = " class=report" if event is not None else ""
                parts.append(
                    f'<tr{nested} data-hs-row="{escape(item.id)}">'
                    f"<td>{_named(item.id, item.label + absent + via)}{said}</td>"
                    f"{cells}<td class=num{_hs('bits', item.id, value=item.diagnosticity)}>"
                    f"{bits(item.diagnosticity)}</td>"
                    f"<td class=num{STALE}>{percent(without[item.id].posterior[lead.id])}</td>"
                    f"<td class=num{STALE}>{conflict(item.conflict_bits)}</td></tr>"
                )
        parts.append("</tbody></table></div>")
        if e.conflicts:
            parts += [
                '<ul class="plain warning hs-printed">',
                *[f"<li>{escape(line)}</li>" for line in e.conflicts],
                "</ul>",
            ]
        if e.capped:
            parts.append(f'<p class="hs-printed">{escape(e.capped)}</p>')
        if card.events or card.origins:
            parts += [
                "<p>An event's (or a possible common origin's) row is its items taken together, and "
                f"the last column P({escape(lead.id)}) with all of them left out; each item under it "
                "weighs what it adds given the items above it, so their weights add up to the row's.</p>",
                '<ul class="plain hs-printed">',
                *[f"<li>{escape(line)}</li>" for line in e.events],
                "</ul>",
            ]
        parts += [
            f"<figure class=hs-printed>{waterfall_plot(card)}"
            f"<figcaption>How each item moved the log-odds of {escape(lead.id)}, "
            "taken in the case's order (each item's likelihoods are conditional on the items above it; "
            "an event's reports together, where its first report stands)."
            "</figcaption></figure>",
        ]
    else:
        parts.append("<p>No evidence: the posterior is the prior.</p>")
    if card.timeline:
        parts += [
            f"<figure class=hs-printed>{timeline_plot(card)}"
            f"<figcaption>The posterior after each date of the dated items "
            "(items without a date count from the start).</figcaption></figure>",
        ]
    if card.pending:
        parts += [
            "<h3>Pending</h3>",
            "<p>Not yet known, so not in the posterior:</p>",
            '<ul class="plain">',
            *[f"<li>{_named(p.id, p.label)}{_said(p.date, p.notes, p.links)}</li>" for p in card.pending],
            "</ul>",
        ]
    if card.after_as_of:
        parts += [
            "<h3>After the information cut-off</h3>",
            f"<p>Dated after {escape(str(card.as_of))}, so left out:</p>",
            '<ul class="plain">',
            *[f"<li>{_named(p.id, p.label)}{_said(p.date, p.notes, p.links)}</li>" for p in card.after_as_of],
            "</ul>",
        ]
    parts.append("</section>")
    parts += ['<section class="hs-printed">', "<h2>Sensitivity</h2>"]
    if e.tornado:
        parts += [
            f"<figure class=hs-printed>{tornado_plot(card)}"
            f"<figcaption>The judgments the answer rests on: P({escape(lead.id)}) "
            "with one judgment at its 5% and at its 95% quantile, all others at their means. Red: "
            "that judgment alone can flip the answer.</figcaption></figure>",
        ]
    else:
        parts.append("<p>Every judgment is a point value: there is no range to move.</p>")
    parts += [
        "</section>",
        '<section class="hs-printed">',
        "<h2>What would change the conclusion</h2>",
        '<ul class="plain">',
        f"<li>{escape(flip_sentence(card).removeprefix('• '))}</li>",
        f"<li>{escape(closest_sentence(card).removeprefix('• '))}</li>",
        "</ul>",
        "</section>",
    ]
    if card.assumptions:
        parts += [
            '<section class="hs-printed">',
            "<h2>Key assumptions</h2>",
            f"<p>{escape(ASSUMPTIONS_KEY)}</p>",
            '<ul class="plain">',
            *[
                f"<li>{_named(a.id, a.label)}<br>{escape(assumption_line(card, a.id))}</li>"
                for a in card.assumptions
            ],
            "</ul>",
            "</section>",
        ]
    parts += _inputs(case)
    parts += _source_notes(card, notes)
    parts += page_end(
        f"Case file {escape(case.path)} · SHA-256 {escape(card.sha256)} · hypscore {escape(__version__)}",
        f'<script type="application/json" id="hypscore-data">{_json_for_html(data)}</script>',
        f"<script>{_script()}</script>",
    )
    return "\n".join(parts) + "\n"


def _case_said(card: Scorecard) -> list[str]:
    """The information cut-off and the analytic confidence under the bottom line (the confidence
    is the printed case's: the page's script does not recompute it when a reader edits)."""
    out = []
    line = as_of_line(card)
    if line:
        out.append(f'<p class="as-of">{escape(line)}</p>')
    c = card.confidence
    if c is not None:
        reasons = "".join(f"<li>{escape(r)}</li>" for r in c.reasons)
        out.append(
            f'<div class="hs-printed confidence"><p><strong>Confidence: {escape(c.level)}</strong></p>'
            + (f'<ul class="plain">{reasons}</ul>' if reasons else "")
            + "</div>"
        )
    return out


def _said(day: str | None, notes: str | None, links: tuple[str, ...]) -> str:
    """An item's date, notes and links under its label; links as text, never live (a case
    must not be able to send a reader anywhere)."""
    said = [escape(day)] if day else []
    said += [escape(notes)] if notes else []
    said += [f"<code>{escape(link)}</code>" for link in links]
    return f"<br><small>{' · '.join(said)}</small>" if said else ""


def _source_notes(card: Scorecard, notes: dict[str, int]) -> list[str]:
    """The numbered source notes (ICD 206) that end the report: who said each item, where its
    words can be read (a document's path or URL as text, never a live link) and its hash."""
    if not notes:
        return []
    by_id = {e.id: e for e in card.evidence}
    return [
        "<section>",
        "<h2>Source notes</h2>",
        "<ol class=notes>",
        *(f'<li id="hs-note-{n}">{source_note(by_id[i], escape)}</li>' for i, n in notes.items()),
        "</ol>",
        "</section>",
    ]


def _inputs(case: Case) -> list[str]:
    """The case as the analyst wrote it, so that every number above can be audited."""
    parts = [
        "<section>",
        "<h2>Case inputs</h2>",
        '<p class="hs-intro" id="hs-intro" hidden>Question this assessment: pick another word or type '
        "a number for any judgment below, or untick an item, and the posteriors, the weights of "
        "evidence and the bottom line above follow, computed in this page by the same model. "
        "For an item looked for and not found, the controls set the chance of finding it under "
        "each hypothesis. The page then says it shows an edited case; Reset returns to the "
        "printed one.</p>",
        "<h3>Hypotheses and priors</h3>",
        "<table><thead><tr><th>Hypothesis</th><th>Prior, as written</th></tr></thead><tbody>",
    ]
    for h in case.hypotheses:
        prior = (
            "<br>".join(f"{escape(f)}: {_place(prior_place(h.id, f), j)}" for f, j in h.prior)
            or "equal priors"
        )
        parts.append(f"<tr><td>{_named(h.id, h.label)}</td><td>{prior or 'equal priors'}</td></tr>")
    parts.append("</tbody></table>")
    if not (case.model_error.is_point and case.model_error.mean == 0.0):
        parts.append(
            "<p>Model error (the chance that any one judgment is simply wrong, and its item says "
            f"nothing): {_place(MODEL_ERROR_PLACE, case.model_error)}</p>"
        )
    if case.sources:
        parts += [
            "<h3>Sources</h3>",
            "<table><thead><tr><th>Source</th><th>Reliability</th></tr></thead><tbody>",
        ]
        for s in case.sources:
            parts.append(
                f"<tr><td>{_named(s.id, s.label)}{_said(None, s.notes, s.links)}</td>"
                f"<td>{_place(reliability_place(s.id), s.reliability)}</td></tr>"
            )
        parts.append("</tbody></table>")
    if case.evidence:
        ids = case.hypothesis_ids
        parts += [
            "<h3>Evidence: P(evidence | hypothesis), as written</h3>",
            '<div class="scroll"><table class="hs-wide"><thead><tr><th>Evidence</th>'
            "<th>Source, credibility</th>"
            + "".join(f"<th>{_breakable(h)}</th>" for h in ids)
            + "</tr></thead><tbody>",
        ]
        for item in case.evidence:
            chain = (item.source or "-") + (f" via {', '.join(item.via)}" if item.via else "")
            # A `ratios:` item's credibility is 1 by rule (docs/case-format.md): nothing to move.
            credibility = (
                escape(_as_written(item.credibility))
                if item.ratios
                else _place(credibility_place(item.id), item.credibility)
            )
            if item.rated:  # given rates, as judged
                (hit, hit_j), (fa, fa_j) = reporting_places(item, judged=True)
                credibility = f"hit {_place(hit, hit_j)}, false alarm {_place(fa, fa_j)}"
            source = escape(chain) + "<br>" + credibility
            if item.reports is not None:
                cells = f"<td colspan={len(ids)}>reports event {escape(item.reports)} (below)</td>"
            else:
                # An absent item as the analyst judged it, P(E | h), as its control sets it: the
                # case holds 1 - P(E | h) there (the row says it was looked for and not found).
                cells = "".join(
                    f"<td>{_place(likelihood_place(item.id, h), _as_judged(item, j))}</td>"
                    for h, j in zip(ids, item.likelihoods, strict=True)
                )
            absent = " (looked for, not found)" if not item.observed else ""
            parts.append(
                f'<tr data-hs-row="{escape(item.id)}"><td data-hs-toggle="{escape(item.id)}">'
                f"{_named(item.id, item.label + absent)}</td><td>{source}</td>{cells}</tr>"
            )
        parts.append("</tbody></table></div>")
    if case.events:
        ids = case.hypothesis_ids
        parts += [
            "<h3>Events: P(event | hypothesis), as written</h3>",
            '<div class="scroll"><table class="hs-wide"><thead><tr><th>Event</th><th>Reported by</th>'
            + "".join(f"<th>{_breakable(h)}</th>" for h in ids)
            + "</tr></thead><tbody>",
        ]
        for event in case.events:
            reporters = "<br>".join(escape(item.id) for item in case.reports_of(event.id))
            cells = "".join(
                f"<td>{_place(likelihood_place(event.id, h), j)}</td>"
                for h, j in zip(ids, event.likelihoods, strict=True)
            )
            parts.append(f"<tr><td>{_named(event.id, event.label)}</td><td>{reporters}</td>{cells}</tr>")
        parts.append("</tbody></table></div>")
    if case.origins:
        ids = case.hypothesis_ids
        parts += [
            "<h3>Possible common origins: P(shared) and P(origin's claim | hypothesis), as written</h3>",
            '<div class="scroll"><table class="hs-wide"><thead><tr><th>Origin</th><th>Items</th>'
            "<th>Shared</th>" + "".join(f"<th>{_breakable(h)}</th>" for h in ids) + "</tr></thead><tbody>",
        ]
        for origin in case.origins:
            members = "<br>".join(escape(item_id) for item_id in origin.items)
            cells = "".join(
                f"<td>{_place(likelihood_place(origin.id, h), j)}</td>"
                for h, j in zip(ids, origin.likelihoods, strict=True)
            )
            parts.append(
                f"<tr><td>{_named(origin.id, origin.label)}</td><td>{members}</td>"
                f"<td>{_place(shared_place(origin.id), origin.shared)}</td>{cells}</tr>"
            )
        parts.append("</tbody></table></div>")
    parts.append("</section>")
    return parts
