"""The terminal rendering of a Scorecard: a rich table, hypotheses ranked."""

from __future__ import annotations

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
    return Text("█" * solid, style="bold cyan") + Text("░" * shade, style="cyan") + Text(
        " " * max(width - solid - shade, 0)
    )


def render_table(card: Scorecard) -> Group:
    table = Table(title=card.title, caption=card.question, title_style="bold", caption_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("Hypothesis", overflow="fold", min_width=18, ratio=3)
    table.add_column("Prior", justify="right", no_wrap=True)
    table.add_column("Posterior (90% interval)", justify="right", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("In words", overflow="fold", min_width=10, ratio=2)
    for rank, h in enumerate(card.ranked(), 1):
        table.add_row(
            str(rank),
            Text.assemble((h.id, "bold"), "\n", (h.label, "dim")),
            percent(h.prior.mean),
            Text.assemble((percent(h.posterior.mean), "bold"),
                          f" ({percent(h.posterior.lo)}-{percent(h.posterior.hi)})"),
            bar(h.posterior.mean, h.posterior.hi),
            h.verbal,
        )
    d = card.diagnostics
    footer = Text(
        f"scale {card.scale} · engine {d.engine} · {d.draws:,} draws · ESS {d.ess:,.0f} · "
        f"seed {d.seed} · {d.seconds * 1000:.0f} ms",
        style="dim",
    )
    return Group(table, footer)
