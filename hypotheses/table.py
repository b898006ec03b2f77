"""The terminal rendering of a Scorecard: a compact rich table, hypotheses ranked, then a legend
of their labels (labels are sentences; in table cells they would wrap to a word per line)."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from hypotheses.exports import percent
from hypotheses.scorecard import Scorecard

BAR_WIDTH = 10


def bar(mean: float, hi: float, width: int = BAR_WIDTH) -> Text:
    """█ up to the posterior mean, ░ on to the top of the 90% interval."""
    solid = round(mean * width)
    shade = max(round(hi * width) - solid, 0)
    return (
        Text("█" * solid, style="bold cyan")
        + Text("░" * shade, style="cyan")
        + Text(" " * max(width - solid - shade, 0))
    )


def render_table(card: Scorecard) -> Group:
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("Hypothesis", style="bold", no_wrap=True)
    table.add_column("Prior", justify="right", no_wrap=True)
    table.add_column("Posterior", justify="right", no_wrap=True, style="bold")
    table.add_column("90% interval", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("In words", overflow="fold", min_width=13)
    legend = Table.grid(padding=(0, 2))
    legend.add_column(style="bold", no_wrap=True)
    legend.add_column(overflow="fold")
    for rank, h in enumerate(card.ranked(), 1):
        table.add_row(
            str(rank),
            h.id,
            percent(h.prior.mean),
            percent(h.posterior.mean),
            f"{percent(h.posterior.lo).rstrip('%')}-{percent(h.posterior.hi)}",
            bar(h.posterior.mean, h.posterior.hi),
            h.verbal,
        )
        legend.add_row(h.id, h.label)
    d = card.diagnostics
    footer = Text(
        f"\nscale {card.scale} · engine {d.engine} · {d.draws:,} draws · ESS {d.ess:,.0f} · "
        f"seed {d.seed} · {d.seconds * 1000:.0f} ms",
        style="dim",
    )
    parts: list[Text | Table] = [Text(card.title, style="bold")]
    if card.question:
        parts.append(Text(card.question, style="italic"))
    return Group(*parts, table, legend, footer)
