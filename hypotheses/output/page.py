"""The page kit: what every HTML page hypscore writes is made of (the case report, the pooled
page, the calibration page): the shell with its inline CSS, the escaping of text, the plots'
colours and their inline SVG, and a plain table. One place, so that the pages look alike and
escape alike; each renderer imports these public names.

Every page is inert and self-contained: case text reaches it only through `escape`, plots are
inline SVG, and there is no network resource.
"""

from __future__ import annotations

import html
import io
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from hypotheses.text import visible

if TYPE_CHECKING:
    from hypotheses.analysis.scorecard import Estimate

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print.
BLUE, ORANGE, GREEN, VERMILLION, GREY = "#0072B2", "#E69F00", "#009E73", "#D55E00", "#8C8C8C"
# One line per hypothesis, in this order (Okabe-Ito's remaining colours after the five above).
PALETTE = (BLUE, ORANGE, GREEN, VERMILLION, GREY, "#CC79A7", "#56B4E9", "#F0E442")
# One colour per analyst on the pool page, beside the pools' blue, green and orange: Okabe-Ito's
# other colours first (yellow left out: too faint on white), then Paul Tol's colour-blind-safe
# "muted" colours that differ most from those. Each analyst also gets a marker of its own
# (ANALYST_MARKERS), so that no one is told apart by colour alone.
ANALYST_COLOURS = (VERMILLION, "#CC79A7", "#000000", "#56B4E9", "#882255", "#44AA99", "#999933", "#332288")
ANALYST_MARKERS = ("o", "v", "P", "X", "<", "h", ">", "*")

CSS = """
:root { --ink: #1a1a1a; --muted: #5a5a5a; --rule: #d0d0d0; --accent: #0072B2; }
* { box-sizing: border-box; }
body { font: 15px/1.5 "Source Sans Pro", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--ink);
       margin: 0; background: #fff; }
main { max-width: 78rem; margin: 0 auto; padding: 2rem 2rem 3rem; }
/* Text at a readable measure; tables may use the whole width (eight hypotheses' columns). */
main p, main ul, main ol, figure, header, .bottom-line, .hs-intro, table:not(.hs-wide) { max-width: 60rem; }
h1 { font-size: 1.7rem; margin: 0 0 .3rem; line-height: 1.25; }
h2 { font-size: 1.2rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 2px solid var(--accent); }
h3 { font-size: 1rem; margin: 1.2rem 0 .4rem; }
.question { font-style: italic; margin: .2rem 0 .6rem; }
.meta, .caption, footer { color: var(--muted); font-size: .85rem; }
.bottom-line { font-size: 1.15rem; background: #eef5fb; border-left: 4px solid var(--accent);
               padding: .7rem 1rem; margin: 1rem 0; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { background: #f4f4f4; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
th.num { white-space: normal; }
table.hs-wide td, table.hs-wide th { padding: .3rem .35rem; }
.id { font-weight: 600; white-space: nowrap; }
.label { color: var(--muted); }
figure { margin: .5rem 0 1rem; }
figure svg { width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: .85rem; }
.warning { color: #8a3b00; }
tr.event td { border-bottom: none; }
tr.report td:first-child { padding-left: 1.6rem; border-left: 3px solid var(--rule); }
ul.plain { padding-left: 1.2rem; }
footer { margin-top: 2.5rem; border-top: 1px solid var(--rule); padding-top: .6rem; word-break: break-all; }
.hs-live { position: sticky; top: 0; z-index: 1; background: #fff4e0; border: 2px solid #E69F00;
           padding: .3rem .8rem; margin: 1rem 0; font-size: .85rem; max-height: 40vh; overflow-y: auto; }
.hs-live p { margin: 0 0 .3rem; }
.hs-live ul { margin: 0 0 .3rem; padding-left: 1.2rem; }
.scroll { overflow-x: auto; }
.hs-changed { background: #fff4e0; outline: 1px solid #E69F00; }
body.hs-edited .hs-printed { opacity: .45; }
body.hs-edited .hs-printed::before { content: "Printed case: not recomputed for the edit"; display: block;
  font-size: .8rem; font-weight: 600; color: #8a3b00; opacity: 1; }
.hs-live, .hs-changed { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
.hs-intro { background: #f4f4f4; padding: .5rem 1rem; }
/* A control wraps (the number under the word) where its column is narrow. */
.hs-control { display: flex; flex-wrap: wrap; gap: .2rem; margin: .15rem 0; font-size: .8rem; }
.hs-control select { font: inherit; width: 4.5rem; max-width: 9rem; flex: 1 1 4.5rem; }
.hs-control input[type=text] { font: inherit; width: 4rem; flex: 0 1 4rem; }
label.hs-control { font-weight: normal; }
tr.hs-out td { color: #9a9a9a; }
@page { size: A4; margin: 14mm; }
@media print {
  .hs-control, #hs-intro, #hs-reset, #hs-download, #hs-download-error { display: none !important; }
  .hs-live { position: static; }
  body { font-size: 10.5pt; }
  table { font-size: 8.5pt; }
  table.hs-wide { font-size: 7.5pt; }
  .scroll { overflow: visible; }
  main { max-width: none; padding: 0; }
  section, figure, table, .bottom-line { break-inside: avoid; }
  h2 { break-after: avoid; }
  .bottom-line { background: none; }
}
"""


# Case text is the analyst's, or whoever wrote the file: control characters would reach a terminal that
# `cat`s the page raw (ESC sequences), break HTML parsing (NUL), or reorder what readers see (bidi
# overrides), so they are shown as visible escapes instead. Tab and newline are harmless in HTML.
def escape(text: object) -> str:
    """Case text for HTML: control characters visible (as everywhere), then HTML-escaped."""
    return html.escape(visible(str(text), newlines=True), quote=True)


def page_start(title: str, *head: str) -> list[str]:
    """The opening of every page hypscore writes, to `<main>`: the title (case text, escaped
    here), inline CSS, and any further `head` elements (already markup)."""
    return [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        *head,
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
    ]


def page_end(footer: str, *after_main: str) -> list[str]:
    """The close of every page: the footer (markup, already escaped), `</main>`, then any
    elements that follow it (the report's data and script)."""
    return ["<footer>", footer, "</footer>", "</main>", *after_main, "</body>", "</html>"]


def table(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool], num: str) -> str:
    """A plain table of text cells (escaped here): the columns where `numeric` is true carry
    the attribute `num` (right-aligned by the CSS)."""

    def cells(tag: str, row: Sequence[str]) -> str:
        return "".join(
            f"<{tag}{num if right else ''}>{escape(c)}</{tag}>" for c, right in zip(row, numeric, strict=True)
        )

    body = "".join(f"<tr>{cells('td', row)}</tr>" for row in rows)
    return f"<table><thead><tr>{cells('th', header)}</tr></thead><tbody>{body}</tbody></table>"


def pyplot() -> Any:
    """matplotlib's pyplot, headless, with the settings that make every plot's SVG stable."""
    import matplotlib

    matplotlib.use("Agg")
    matplotlib.rcParams.update(
        {
            "svg.hashsalt": "hypscore",
            "font.size": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "svg.fonttype": "none",
        }
    )
    import matplotlib.pyplot as plt

    return plt


def plot_text(text: object) -> str:
    """Case text (an id, a label, a file name, a scale's word) for a matplotlib text: control
    characters visible, as everywhere (svg.fonttype "none" writes the text into the SVG as it is),
    and every `$` escaped, since matplotlib reads text between two `$` as mathtext: `$x^$` would
    crash the plot and `$\\alpha$` would not show as written. Every string a plot shows from
    a case goes through here; our own fixed labels need not."""
    return visible(str(text)).replace("$", r"\$")


def svg(figure: Any) -> str:
    """The figure as inline SVG, without the XML prologue and with stable element ids."""
    import warnings

    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    with warnings.catch_warnings():
        # A character the font lacks is written into the SVG all the same (fonttype "none": the
        # browser's fonts draw it); the warning would only quote case text on standard error.
        warnings.filterwarnings("ignore", message="Glyph .* missing from font")
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def xerr(estimate: Estimate) -> list[list[float]]:
    """Error-bar extents in percentage points, never negative.

    The mean of the draws can sit a rounding error (or, for a degenerate distribution, more) outside
    its own 5%-95% quantiles, and matplotlib rejects negative extents: the bar then spans the interval
    and the mean, which is what it should show.
    """
    below, above = estimate.mean - estimate.lo, estimate.hi - estimate.mean
    return [
        [100 * max(below, 0.0) if math.isfinite(below) else 0.0],
        [100 * max(above, 0.0) if math.isfinite(above) else 0.0],
    ]
