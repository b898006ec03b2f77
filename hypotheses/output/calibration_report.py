"""Calibration in print: the terminal table and a self-contained HTML reliability diagram.

Renderers only read a `Calibration`; the page is built like the case report (inline CSS and
SVG, no script, no network) so that it can be mailed, archived and printed as it is."""

from __future__ import annotations

from datetime import date

from hypotheses._version import __version__
from hypotheses.analysis.calibration import Calibration, TermRow, verdict
from hypotheses.output.page import (
    BLUE,
    GREY,
    ORANGE,
    escape,
    page_end,
    page_start,
    plot_text,
    pyplot,
    svg,
    table,
)
from hypotheses.text import interval, percent

# Columns of numbers, right-aligned in every rendering.
_COUNTS = ("Pairs", "Items", "Statements", "Predicted", "Came true", "Pointed to the truth")


def _share(p: float | None) -> str:
    return "" if p is None else percent(p)


def _interval(lo: float | None, hi: float | None) -> str:
    return "" if lo is None or hi is None else interval(lo, hi, one_sign=True)


def _range(r: tuple[float, float]) -> str:
    return f"{r[0] * 100:g}-{r[1] * 100:g}%"


def headline(cal: Calibration) -> str:
    loss = f"{cal.log_loss:.3f}" if cal.log_loss != float("inf") else "infinite (a true hypothesis got 0)"
    return (
        f"{cal.cases} resolved case{'s' * (cal.cases != 1)} · Brier score {cal.brier:.3f} "
        f"(0 is perfect; always saying 'even chance' on two hypotheses scores 0.5) · log loss {loss}"
    )


def _term_rows(rows: tuple[TermRow, ...]) -> list[list[str]]:
    return [
        [
            t.term,
            _range(t.range),
            str(t.n),
            percent(t.predicted),
            percent(t.observed),
            _interval(t.observed_lo, t.observed_hi),
            verdict(t.observed_lo, t.observed_hi, *t.range),
        ]
        for t in rows
    ]


def table_rows(cal: Calibration) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The three tables (headers, rows) every rendering shows: one place for their wording."""
    bins = [
        [
            f"{b.lo * 100:g}-{b.hi * 100:g}%",
            str(b.n),
            _share(b.predicted),
            _share(b.observed),
            _interval(b.observed_lo, b.observed_hi),
        ]
        for b in cal.bins
        if b.n
    ]
    terms, words = _term_rows(cal.by_term), _term_rows(cal.by_word)
    sources = [
        [
            f"{s.code} ({s.meaning})",
            _range(s.range),
            str(s.n),
            percent(s.towards_truth),
            _interval(s.observed_lo, s.observed_hi),
            verdict(s.observed_lo, s.observed_hi, *s.range),
        ]
        for s in cal.by_source
    ]
    return {
        "P(h | E)": (["P(h | E)", "Pairs", "Predicted", "Came true", "90% interval"], bins),
        "Verbal terms": (
            ["Term", "Stated", "Pairs", "Predicted", "Came true", "90% interval", "Verdict"],
            terms,
        ),
        "Words as written": (
            ["Word", "Stated", "Statements", "Predicted", "Came true", "90% interval", "Verdict"],
            words,
        ),
        "Sources": (
            ["Reliability", "Stated", "Items", "Pointed to the truth", "90% interval", "Verdict"],
            sources,
        ),
    }


def render_terminal(cal: Calibration):
    """The rich renderable of `hypscore calibration`."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from hypotheses.output.terminal import _AtWidth
    from hypotheses.text import visible

    parts: list[object] = [Text(headline(cal))]
    for title, (header, rows) in table_rows(cal).items():
        if not rows:
            continue

        def build(_width: int, title: str = title, header: list[str] = header, rows: list[list[str]] = rows):
            # Every column no_wrap: too narrow a terminal gets one record per row, never a cut word.
            table = Table(
                title=Text(title, style="bold"), title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False
            )
            for name in header:
                numeric = name in _COUNTS
                table.add_column(Text(visible(name)), justify="right" if numeric else "left", no_wrap=True)
            for row in rows:
                table.add_row(*(Text(visible(cell)) for cell in row))
            return table

        parts.append(_AtWidth(build))
    scales = sorted({t.scale for t in cal.by_term})
    parts.append(
        Text(
            f"Terms of the case scale{'s' * (len(scales) != 1)} ({', '.join(scales)}): each case x "
            "hypothesis pair by the words its posterior is put in. Words as written: each likelihood of the "
            "true hypothesis written as a word, P(e | true h), against whether e was seen (what "
            "--fit-scale re-fits). Sources: items from sources of each "
            "Admiralty grade whose weight pointed towards the true hypothesis (items near 0 dB left out). "
            "Verdict: 'less/more often' where the 90% interval misses the stated range."
        )
    )
    return Group(*parts)


def reliability_plot(cal: Calibration) -> str:
    """Observed against predicted per bin, 90% Wilson bars, the diagonal a calibrated desk follows."""
    plt = pyplot()
    figure, axes = plt.subplots(figsize=(5.5, 5.0))
    axes.plot([0, 100], [0, 100], color=GREY, linewidth=1, linestyle="--", label="calibrated")
    shown = [b for b in cal.bins if b.n]
    x = [100 * (b.predicted or 0.0) for b in shown]
    y = [100 * (b.observed or 0.0) for b in shown]
    below = [max(0.0, 100 * ((b.observed or 0.0) - (b.observed_lo or 0.0))) for b in shown]
    above = [max(0.0, 100 * ((b.observed_hi or 0.0) - (b.observed or 0.0))) for b in shown]
    axes.errorbar(x, y, yerr=[below, above], fmt="o", color=BLUE, ecolor=BLUE, capsize=3, label="bins")
    for xi, yi, b in zip(x, y, shown, strict=True):
        axes.annotate(f"n={b.n}", (xi, yi), textcoords="offset points", xytext=(6, -10), fontsize=8)
    axes.set_xlim(0, 100)
    axes.set_ylim(0, 100)
    axes.set_xlabel("Predicted P(h | E) (%): mean of the pairs in the bin")
    axes.set_ylabel("Came true (%), with 90% Wilson interval")
    axes.legend(loc="upper left", frameon=False)
    return svg(figure)


def terms_plot(cal: Calibration) -> str:
    """Per verbal term: its stated range (band) and how often it came true (point and bar)."""
    plt = pyplot()
    rows = list(cal.by_term)[::-1]
    figure, axes = plt.subplots(figsize=(7.0, 0.45 * len(rows) + 1.0))
    for row, t in enumerate(rows):
        axes.barh(row, 100 * (t.range[1] - t.range[0]), left=100 * t.range[0], color=ORANGE, alpha=0.35)
        if t.observed_lo is not None and t.observed_hi is not None:
            axes.errorbar(
                100 * t.observed,
                row,
                xerr=[
                    [100 * max(0.0, t.observed - t.observed_lo)],
                    [100 * max(0.0, t.observed_hi - t.observed)],
                ],
                fmt="o",
                color=BLUE,
                capsize=3,
            )
    axes.set_yticks(range(len(rows)), [f"{plot_text(t.term)} (n={t.n})" for t in rows], fontsize=8)
    axes.set_xlim(0, 100)
    axes.set_xlabel("Came true (%): point and 90% interval; band: the term's stated range")
    return svg(figure)


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    numeric = {*_COUNTS, "90% interval"}
    return table(header, rows, [h in numeric for h in header], ' class="num"')


def render_html(cal: Calibration, generated: date | None = None) -> str:
    """The reliability page: one file, inline SVG, no script."""
    tables = table_rows(cal)
    parts = [
        *page_start("Calibration"),
        "<header>",
        "<h1>Calibration</h1>",
        f'<p class="bottom-line">{escape(headline(cal))}</p>',
        "</header>",
        "<section>",
        "<h2>Reliability diagram</h2>",
        f"<figure>{reliability_plot(cal)}<figcaption>Every case x hypothesis pair, in ten bins of its "
        "posterior: a calibrated desk's points lie on the diagonal, within their bars.</figcaption></figure>",
        _html_table(*tables["P(h | E)"]),
        "</section>",
    ]
    if cal.by_term:
        parts += [
            "<section>",
            "<h2>Did the words come true as often as they say?</h2>",
            f"<figure>{terms_plot(cal)}<figcaption>Each pair by the words its posterior is put in on "
            "its case's scale.</figcaption></figure>",
            _html_table(*tables["Verbal terms"]),
            "</section>",
        ]
    if cal.by_word:
        parts += [
            "<section>",
            "<h2>Did the words the analysts wrote come true?</h2>",
            "<p>Each likelihood of the true hypothesis written as a word, P(e | true h), against whether "
            "e was seen (<code>observed: true</code>) or looked for and not found (<code>observed: "
            "false</code>): what <code>hypscore calibration --fit-scale</code> re-fits.</p>",
            _html_table(*tables["Words as written"]),
            "</section>",
        ]
    if cal.by_source:
        parts += [
            "<section>",
            "<h2>Sources by reliability grade</h2>",
            "<p>Items from sources of each Admiralty grade whose weight of evidence pointed towards the "
            "true hypothesis (items within 0.05 dB of 0 left out).</p>",
            _html_table(*tables["Sources"]),
            "</section>",
        ]
    parts += [
        "<section>",
        "<h2>Cases</h2>",
        '<ul class="plain">',
        *(f"<li>{escape(path)}</li>" for path in cal.paths),
        "</ul>",
        "</section>",
        *page_end(
            f"hypscore {escape(__version__)} calibration"
            + (f" · {escape(generated.isoformat())}" if generated else "")
        ),
    ]
    return "\n".join(parts) + "\n"
