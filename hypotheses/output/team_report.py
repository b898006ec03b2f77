"""`pool` and `diff` in print: terminal tables, Markdown and (pool) a self-contained HTML page.

Renderers only read a PoolResult or DiffResult; every rendering takes its rows from one place
(`pool_tables`, `diff_rows`) so that the table, the Markdown and the page say the same thing."""

from __future__ import annotations

from datetime import date

from hypotheses._version import __version__
from hypotheses.analysis.diff import DiffResult
from hypotheses.analysis.rounds import POOLS, RoundsResult
from hypotheses.analysis.scorecard import Estimate
from hypotheses.analysis.team import PoolResult
from hypotheses.output.page import (
    ANALYST_COLOURS,
    ANALYST_MARKERS,
    BLUE,
    GREEN,
    ORANGE,
    escape,
    page_end,
    page_start,
    plot_text,
    pyplot,
    svg,
    table,
    xerr,
)
from hypotheses.text import interval, odds_shift, percent, points_change

POOL_NOTE = (
    "Each analyst's case is scored on its own, then pooled: linear = the weighted mean of their "
    "P(h | E); log = their weighted geometric mean, normalised (it sides with confident analysts "
    "who agree). Intervals: 90%, from pooling the analysts' posterior draws draw by draw; the log "
    "pool's mean is the mean of those pooled draws, the linear pool's the pool of the means."
)
CRUX_NOTE = (
    "Cruxes: the judgments stated differently, by how far the leading hypothesis of one analyst "
    "moves when that analyst adopts another's value (swing, in percentage points)."
)


def _cell(e: Estimate) -> str:
    return f"{percent(e.mean)} ({interval(e.lo, e.hi, one_sign=True)})"


def consensus_lines(result: PoolResult) -> list[str]:
    """The model-based pool's consensus judgments, one line each."""
    if result.consensus_places is None:
        return []
    head = (
        f"Consensus model: disagreement tau = {result.disagreement:.2f} (logit units); the judgments "
        "stated differently, at their consensus:"
    )
    prior = ""
    if result.consensus_prior is not None:
        shares = ", ".join(f"{h} {percent(p)}" for h, p in result.consensus_prior.items())
        prior = f"Consensus prior P(h): {shares}."
    lines = [head, *(f"{p}: {text}" for p, text in result.consensus_places.items())]
    return [*lines, prior] if prior else lines


def pool_tables(result: PoolResult) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The posteriors table (one row per analyst and per pool) and the cruxes table."""
    header = ["Analyst", "weight", *result.ids]
    rows = [
        [a.name, f"{a.weight:.2f}", *(_cell(h.posterior) for h in a.card.hypotheses)] for a in result.analysts
    ]
    rows.append(["linear pool", "", *(_cell(result.linear[h]) for h in result.ids)])
    if result.log is not None:
        rows.append(["log pool", "", *(_cell(result.log[h]) for h in result.ids)])
    if result.consensus is not None:
        rows.append(["consensus model", "", *(_cell(result.consensus[h]) for h in result.ids)])
    crux_header = ["Place", *(a.name for a in result.analysts), "swing"]
    cruxes = [
        [c.place, *(c.values[a.path] for a in result.analysts), f"{100 * c.swing:.1f}"] for c in result.cruxes
    ]
    return {"Posterior, mean (90% interval)": (header, rows), "Cruxes": (crux_header, cruxes)}


def _rich_table(title: str, header: list[str], rows: list[list[str]], left: tuple[str, ...] = ()):
    """A titled terminal table, every user string as Text (never markup); the first column and
    those named in `left` left-aligned, numbers right."""
    from rich import box
    from rich.table import Table
    from rich.text import Text

    from hypotheses.output.terminal import _AtWidth
    from hypotheses.text import visible

    def build(_width: int) -> Table:
        table = Table(
            title=Text(title, style="bold"), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False
        )
        for k, name in enumerate(header):
            justify = "left" if k == 0 or name in left else "right"
            table.add_column(Text(visible(name)), justify=justify, no_wrap=True)
        for row in rows:
            table.add_row(*(Text(visible(cell)) for cell in row))
        return table

    return _AtWidth(build)


def render_pool(result: PoolResult):
    """The rich renderable of `hypscore pool`."""
    from rich.console import Group
    from rich.text import Text

    from hypotheses.text import visible

    parts: list[object] = [Text(visible(POOL_NOTE))]
    for title, (header, rows) in pool_tables(result).items():
        if not rows:
            parts.append(Text("No cruxes: the analysts state every shared judgment alike."))
            continue
        parts.append(_rich_table(title, header, rows))
    parts += [
        Text(visible(line)) for line in (*result.sentences(), *result.warnings, *consensus_lines(result))
    ]
    return Group(*parts)


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    from hypotheses.output.text import md_text

    return [
        "| " + " | ".join(md_text(h) for h in header) + " |",
        "|---|" + "---:|" * (len(header) - 1),
        *("| " + " | ".join(md_text(c) for c in row) + " |" for row in rows),
    ]


def pool_markdown(result: PoolResult) -> str:
    from hypotheses.output.text import md_text

    tables = pool_tables(result)
    lines = ["# Pooled assessment", "", md_text(POOL_NOTE), ""]
    lines += _md_table(*tables["Posterior, mean (90% interval)"])
    lines += ["", "## Cruxes", "", md_text(CRUX_NOTE), ""]
    header, rows = tables["Cruxes"]
    lines += (
        _md_table(header, rows) if rows else ["No cruxes: the analysts state every shared judgment alike."]
    )
    lines += ["", *(f"- {md_text(s)}" for s in (*result.sentences(), *result.warnings))]
    model = consensus_lines(result)
    if model:
        lines += [
            "",
            "## Consensus model",
            "",
            md_text(model[0]),
            "",
            *(f"- {md_text(s)}" for s in model[1:]),
        ]
    return "\n".join(lines).rstrip() + "\n"


def pool_plot(result: PoolResult) -> str:
    """Each analyst's posterior with its 90% interval, and the pools, per hypothesis."""
    plt = pyplot()
    rows = [
        (
            a.name,
            {h.id: h.posterior for h in a.card.hypotheses},
            ANALYST_COLOURS[k % len(ANALYST_COLOURS)],
            ANALYST_MARKERS[k % len(ANALYST_MARKERS)],
        )
        for k, a in enumerate(result.analysts)
    ]
    rows.append(("linear pool", result.linear, BLUE, "s"))
    if result.consensus is not None:
        rows.append(("consensus model", result.consensus, GREEN, "^"))
    if result.log is not None:
        rows.append(("log pool", result.log, ORANGE, "D"))
    n = len(rows)
    figure, axes = plt.subplots(figsize=(7.5, 0.3 * n * len(result.ids) + 1.2))
    for k, h in enumerate(result.ids[::-1]):
        for r, (_, values, colour, marker) in enumerate(rows):
            y = k + 0.8 * (0.5 - (r + 0.5) / n)
            e = values[h]
            axes.errorbar(e.mean * 100, y, xerr=xerr(e), fmt=marker, color=colour, capsize=2, markersize=4)
    # The legend: each analyst's and pool's marker in its colour beside its name.
    handles = [
        axes.plot([], [], marker, color=colour, markersize=5, label=plot_text(name))[0]
        for name, _, colour, marker in rows
    ]
    axes.legend(
        handles=handles,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=min(4, n),
        frameon=False,
        fontsize=8,
    )
    axes.set_yticks(range(len(result.ids)), [plot_text(h) for h in result.ids[::-1]])
    axes.set_xlim(0, 100)
    axes.set_xlabel("P(h | E) (%), with 90% credible interval")
    axes.grid(axis="x", color="#e5e5e5")
    return svg(figure)


def pool_html(result: PoolResult, generated: date | None = None) -> str:
    """The pooled page: one file, inline SVG and CSS, no script, no network."""
    tables = pool_tables(result)

    def numbers(header: list[str], rows: list[list[str]]) -> str:  # every column but the first
        return table(header, rows, [k > 0 for k in range(len(header))], " class=num")

    first = result.analysts[0].card
    title = first.title or "the analysts' question"  # anonymous: no title one analyst chose
    parts = [
        *page_start(f"Pooled: {title}"),
        "<header>",
        f"<h1>Pooled: {escape(title)}</h1>",
        f'<p class="question">{escape(first.question)}</p>' if first.question else "",
        f"<p>{len(result.analysts)} analysts: "
        + ", ".join(
            escape(a.name) + (f" ({escape(a.path)})" if a.path != a.name else "") for a in result.analysts
        )
        + "</p>",
        "</header>",
        "<section>",
        "<h2>Posteriors</h2>",
        f"<p>{escape(POOL_NOTE)}</p>",
        numbers(*tables["Posterior, mean (90% interval)"]),
        f"<figure>{pool_plot(result)}<figcaption>Each analyst's posterior (a colour and a marker "
        "each, as in the legend) and the pools, with their 90% intervals.</figcaption></figure>",
        "</section>",
        "<section>",
        "<h2>Cruxes</h2>",
        f"<p>{escape(CRUX_NOTE)}</p>",
    ]
    header, rows = tables["Cruxes"]
    parts.append(
        numbers(header, rows) if rows else "<p>No cruxes: the analysts state every shared judgment alike.</p>"
    )
    lines = (*result.sentences(), *result.warnings)
    if lines:
        parts += ['<ul class="plain">', *(f"<li>{escape(s)}</li>" for s in lines), "</ul>"]
    model = consensus_lines(result)
    if model:
        parts += [f"<h3>Consensus model</h3><p>{escape(model[0])}</p>", '<ul class="plain">']
        parts += [*(f"<li>{escape(s)}</li>" for s in model[1:]), "</ul>"]
    parts += [
        "</section>",
        *page_end(
            f"hypscore {escape(__version__)} pool"
            + (f" · {escape(generated.isoformat())}" if generated else "")
        ),
    ]
    return "\n".join(p for p in parts if p) + "\n"


# ---- diff -----------------------------------------------------------------------------------


def _points(value: float | None) -> str:
    if value is None:
        return ""
    shown = f"{100 * value:+.1f}"
    return "0.0" if shown in ("+0.0", "-0.0") else shown


def diff_rows(result: DiffResult) -> tuple[list[str], list[list[str]]]:
    """One row per change: place, before, after, and its effect alone on each hypothesis (points;
    where they print 0.0 but the odds move, as near certainty, the odds' change in dB too)."""
    ids = list(result.before)
    header = ["Place", "before", "after", *(f"{h} alone" for h in ids)]
    rows = []
    for c in result.changes:
        if c.order:
            alone = ["order"] * len(ids)
        elif c.text:
            alone = ["text"] * len(ids)
        elif c.alone is None:
            alone = ["n/a"] * len(ids)
        else:
            alone = [points_change(result.before[h], result.before[h] + c.alone[h]) for h in ids]
        rows.append([c.place, _short(c.before or "-"), _short(c.after or "-"), *alone])
    return header, rows


# A quote or a note can be paragraphs long: the table shows its start (the JSON all of it).
SHORT = 60


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT else text[: SHORT - 3] + "..."


def diff_headline(result: DiffResult) -> str:
    ids = [*result.before, *(h for h in result.after if h not in result.before)]

    def p(values: dict[str, float], h: str) -> str:
        return percent(values[h]) if h in values else "-"

    def shift(h: str) -> str:
        # Whose odds: h's against every other hypothesis together (a bare "odds" read as h's
        # against the leader, or as the leader's).
        if h in result.before and h in result.after:
            return odds_shift(result.before[h], result.after[h], f"odds of {h} against the rest")
        return ""

    moves = ", ".join(f"{h} {p(result.before, h)} -> {p(result.after, h)}{shift(h)}" for h in ids)
    n = len(result.changes)
    texts = sum(c.text and not c.order for c in result.changes)
    said = [f"{texts} of text, which changes no number"] if texts else []
    if any(c.order for c in result.changes):
        said.append(
            "the order of the items, which changes no posterior but the per-item weights, "
            "diagnosticity and timeline, measured in file order"
        )
    of_text = f" ({'; '.join(said)})" if said else ""
    return (
        f"{result.old} -> {result.new}: {n} change{'s' * (n != 1)}{of_text}. P(h | E): {moves}. "
        "'alone': the change in percentage points when only that change is made to the old case "
        "(where that prints 0.0 but the odds move, as near certainty, the odds' change in dB; "
        "n/a: it cannot stand alone; text: the model does not read it; order: the items' order, "
        "which no posterior depends on); the effects need not add up, the evidence interacts."
    )


def render_diff(result: DiffResult):
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from hypotheses.output.terminal import _AtWidth
    from hypotheses.text import visible

    header, rows = diff_rows(result)
    if not rows:
        return Group(
            Text(visible(diff_headline(result))),
            Text("The two cases state the same model and the same text."),
        )

    def build(_width: int) -> Table:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        for k, name in enumerate(header):
            table.add_column(Text(visible(name)), justify="right" if k > 2 else "left", no_wrap=True)
        for row in rows:
            table.add_row(*(Text(visible(cell)) for cell in row))
        return table

    return Group(Text(visible(diff_headline(result))), _AtWidth(build))


def diff_markdown(result: DiffResult) -> str:
    from hypotheses.output.text import md_text

    header, rows = diff_rows(result)
    lines = ["# What changed", "", md_text(diff_headline(result)), ""]
    lines += _md_table(header, rows) if rows else ["The two cases state the same model and the same text."]
    return "\n".join(lines) + "\n"


# ---- rounds (Delphi) ------------------------------------------------------------------------

ROUNDS_NOTE = (
    "Each round pooled on its own (equal weights), the analysts matched across rounds by file "
    "name. moved: the last round minus the first, in percentage points. A crux's swing is 0 in a "
    "round where the analysts state that judgment alike."
)


def rounds_tables(result: RoundsResult) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The pooled answer by round, the cruxes' swings by round, and each analyst's judgment at
    each crux by round."""
    names = list(result.rounds)
    pooled = []
    for kind in POOLS:
        values = result.pooled(kind)
        for h, means in (values or {}).items():
            pooled.append([f"{kind} pool", h, *(percent(m) for m in means), _points(means[-1] - means[0])])
    swings = [[c.place, *(f"{100 * s:.1f}" for s in c.swings), _points(c.moved)] for c in result.cruxes]
    judgments = [
        [c.place, who, *(c.values[r].get(who, "-") for r in range(len(names)))]
        for c in result.cruxes
        for who in result.analysts
    ]
    return {
        "Pooled P(h | E) by round": (["Pool", "hypothesis", *names, "moved"], pooled),
        "Cruxes: swing by round (points)": (["Place", *names, "moved"], swings),
        "Judgments at the cruxes": (["Place", "analyst", *names], judgments),
    }


def render_rounds(result: RoundsResult):
    """The rich renderable of `hypscore pool --rounds`."""
    from rich.console import Group
    from rich.text import Text

    from hypotheses.text import visible

    parts: list[object] = [Text(visible(ROUNDS_NOTE))]
    for title, (header, rows) in rounds_tables(result).items():
        if rows:
            parts.append(_rich_table(title, header, rows, left=("hypothesis", "analyst")))
    if not result.cruxes:
        parts.append(Text("No cruxes in any round: the analysts state every shared judgment alike."))
    return Group(*parts)


def rounds_markdown(result: RoundsResult) -> str:
    from hypotheses.output.text import md_text

    lines = ["# Rounds", "", md_text(ROUNDS_NOTE)]
    for title, (header, rows) in rounds_tables(result).items():
        lines += ["", f"## {md_text(title)}", ""]
        lines += _md_table(header, rows) if rows else ["None."]
    return "\n".join(lines) + "\n"
