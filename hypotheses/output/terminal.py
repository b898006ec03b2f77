"""The terminal rendering of a Scorecard: a compact rich table, hypotheses ranked, then a legend
of their labels (labels are sentences; in table cells they would wrap to a word per line).

Every piece of text from the case goes in as a `Text` built by `_plain` (never a string, which
rich would parse as markup: `[/]` crashes, `[source 3]` vanishes, `[link=...]` makes a link),
with its control characters made visible (an escape sequence in a label must not drive the
terminal)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from rich import box
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment, Segments
from rich.table import Table
from rich.text import Text

from hypotheses.analysis.scorecard import Scorecard
from hypotheses.output.wording import (
    ASSUMPTIONS_KEY,
    NOT_FOUND,
    SUSPECTED_KEY,
    as_of_line,
    assumption_line,
    beyond_two,
    bits,
    closest_sentence,
    conflict,
    db,
    draws_phrase,
    explanation_columns,
    extra_weight_columns,
    flip_sentence,
    others_said,
    precision_phrase,
    question_said,
    source_note,
    source_notes,
    span,
    summary,
    verbal,
)
from hypotheses.output.wording import headline as headline_words
from hypotheses.text import interval, odds_shift, percent, visible
from priors.judgment import Beta
from priors.reliability import ADMIRALTY, CREDIBILITY, admiralty_judgment, credibility_judgment
from priors.scales import Scale

if TYPE_CHECKING:
    from hypotheses.analysis.batch import CaseOutcome
    from hypotheses.analysis.decision import NextResult

BAR_WIDTH = 10
# Below these widths the decorative bars go, so that no verbal term, id or place name is ever
# cut or wrapped mid-word (they are what the reader copies into a case or a search).
WIDE_TABLE = 90
WIDE_TORNADO = 100


class _AtWidth:
    """A renderable built for the width it is given: narrow terminals drop decoration first;
    a table that still does not fit becomes one record per row (`_records`), which wraps at
    spaces. Numbers, verbal terms, ids and place names are never cut."""

    def __init__(self, build: Callable[[int], Table | list[Table]]) -> None:
        self.build = build  # one table, or several from the fullest to the most compact

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        built = self.build(options.max_width)
        tables = built if isinstance(built, list) else [built]
        for table in tables:
            if _needed(console, options, table) <= options.max_width:
                yield table
                return
        yield _records(tables[0])  # records have room for the full headers


def _needed(console: Console, options: ConsoleOptions, table: Table) -> int:
    """The width `table` needs: its natural width, less what its wrapping columns (the verbal
    qualifier) can give up by wrapping at spaces; a no_wrap column needs its widest cell
    (rich would otherwise cut it with an ellipsis)."""
    wide = options.update_width(10_000)
    needed = Measurement.get(console, wide, table).maximum
    for column in table.columns:
        if column.no_wrap:
            continue
        cells = [Measurement.get(console, wide, cell) for cell in column.cells]
        most = max([c.maximum for c in cells], default=0)
        least = max([c.minimum for c in cells] + [column.min_width or 0, len(str(column.header))])
        needed -= max(0, most - least)
    return needed


def _records(table: Table) -> Group:
    """The rows of `table` as paragraphs: the first cell, then `header: value` for the others
    (columns without a header are decoration and are left out)."""
    parts: list[RenderableType] = []
    if isinstance(table.title, Text):
        parts.append(table.title)
    cells = [list(column.cells) for column in table.columns]
    headers = [column.header for column in table.columns]
    for row in range(table.row_count):
        line = Text.assemble(_as_text(cells[0][row], "bold"), "  ")
        # An empty cell (an event's row has no bits of its own) is left out, not shown as "bits ".
        shown = [
            (h, c[row])
            for h, c in zip(headers[1:], cells[1:], strict=True)
            if str(h) and _as_text(c[row]).plain
        ]
        for index, (header, cell) in enumerate(shown):
            line.append_text(Text.assemble((_as_text(header).plain + " ", "dim"), _as_text(cell)))
            if index < len(shown) - 1:
                line.append(" · ", style="dim")
        parts.append(line)
    if isinstance(table.caption, Text):
        parts.append(table.caption)
    return Group(*parts)


def _as_text(cell: RenderableType, style: str = "") -> Text:
    text = cell.copy() if isinstance(cell, Text) else Text(str(cell))
    if style:
        text.stylize(style)
    return text


def _plain(text: str, style: str = "") -> Text:
    """Text from a case, shown as written: no markup, no control characters."""
    return Text(visible(text), style=style)


def bar(mean: float, hi: float, width: int = BAR_WIDTH) -> Text:
    """█ up to the posterior mean, ░ on to the top of the 90% interval."""
    solid = round(mean * width)
    shade = max(round(hi * width) - solid, 0)
    return (
        Text("█" * solid, style="bold cyan")
        + Text("░" * shade, style="cyan")
        + Text(" " * max(width - solid - shade, 0))
    )


def render_table(card: Scorecard, timing: bool = True, verbose: bool = False) -> Group:
    """The ranked table; `timing` adds the run's wall time to the footer (for the terminal only:
    a file written twice with the same seed must come out the same)."""

    def ranked(width: int) -> list[Table]:
        # Full headers where they fit; narrow terminals get short ones (the numbers are
        # narrower than the words), then records.
        return [table_of(width, short=False), table_of(width, short=True)]

    def table_of(width: int, short: bool) -> Table:
        wide = width >= WIDE_TABLE
        table = Table(box=box.SIMPLE_HEAD, pad_edge=not short)  # compact: no outer padding
        table.add_column("#", justify="right", style="dim", no_wrap=True)
        table.add_column("Hypothesis", style="bold", no_wrap=True)
        table.add_column("Prior", justify="right", no_wrap=True)
        table.add_column("Post." if short else "Posterior", justify="right", no_wrap=True, style="bold")
        table.add_column("90% int." if short else "90% interval", justify="right", no_wrap=True)
        if wide:
            table.add_column("", no_wrap=True)
        # A qualifier wraps at spaces ('almost no chance' / "(below the scale's 1%)"), never the
        # term itself (its width is the column's least): six hypotheses with long ids keep a
        # table at 80 columns.
        terms = [verbal(card, h.posterior.mean) for h in card.ranked()]
        table.add_column("In words", min_width=max(len(t.split(" (")[0]) for t in terms), no_wrap=False)
        for rank, h in enumerate(card.ranked(), 1):
            cells = [
                Text(str(rank)),
                _plain(h.id),
                Text(percent(h.prior.mean)),
                Text(percent(h.posterior.mean)),
                Text(interval(h.posterior.lo, h.posterior.hi, one_sign=True)),
            ]
            cells += [bar(h.posterior.mean, h.posterior.hi)] if wide else []
            table.add_row(*cells, _plain(verbal(card, h.posterior.mean)))
        if card.groups:
            table.add_section()
        by_id = {h.id: h for h in card.hypotheses}
        for g in card.groups:
            cells = [
                Text(""),
                _plain(g.id),
                Text(percent(sum(by_id[m].prior.mean for m in g.members))),
                Text(percent(g.posterior.mean)),
                Text(interval(g.posterior.lo, g.posterior.hi, one_sign=True)),
            ]
            cells += [bar(g.posterior.mean, g.posterior.hi)] if wide else []
            table.add_row(*cells, _plain(verbal(card, g.posterior.mean)))
        return table

    legend = Table.grid(padding=(0, 2))
    legend.add_column(style="bold", no_wrap=True)
    legend.add_column()
    for h in card.ranked():
        legend.add_row(_plain(h.id), _plain(h.label))
    for g in card.groups:
        legend.add_row(_plain(g.id), _plain(f"{g.label} ({' + '.join(g.members)})"))
    d = card.diagnostics
    took = f" · {d.seconds * 1000:,.0f} ms" if timing else ""
    shown = card.scale_file and card.scale_file != card.scale  # `scale: /abs/desk.yaml` once
    scale = visible(card.scale) + (f" ({visible(card.scale_file or '')})" if shown else "")
    if verbose:  # the engine's details, for whoever checks the sampler (always in the JSON)
        mcmc = "" if d.rhat is None else f" · R-hat {d.rhat:.3f} · {d.divergences} divergences"
        said = (
            f"\nscale {scale} · engine {d.engine} · {draws_phrase(d.draws, d.interval_mcse)} · "
            f"ESS {d.ess:,.0f}{mcmc} · seed {d.seed}{took}" + (f"\n{visible(d.reason)}" if d.reason else "")
        )
    else:  # what an analyst needs: how far to trust the last digit, and how to get it again
        said = f"\n{precision_phrase(d.interval_mcse)} · scale {scale} · seed {d.seed}{took}"
    footer = Text(said, style="dim")
    if card.pending:
        footer.append(
            "\npending (not yet known, not in the posterior): "
            + ", ".join(visible(p.id) for p in card.pending),
            style="yellow",
        )
    _said_of_case(footer, card)
    parts: list[RenderableType] = [_plain(card.title, "bold")]
    if card.question:
        parts.append(_plain(card.question, "italic"))
    return Group(*parts, _AtWidth(ranked), legend, footer)


def _said_of_case(footer: Text, card: Scorecard) -> None:
    """The information cut-off and the analytic confidence, under a table (score and explain)."""
    line = as_of_line(card)
    if line:
        footer.append("\n" + visible(line), style="yellow" if card.after_as_of else "")
    if card.confidence is not None:
        footer.append("\n" + visible(card.confidence.line), style="bold")


# The batch table is printed in blocks of this many rows, each at the widths of the whole batch, so
# that the blocks read as one table while no more than one block is ever held.
BATCH_BLOCK = 1_000
_BATCH_HEADERS = ("Case", "Leader", "Posterior", "90% interval", "In words", "Warnings")
_BATCH_RIGHT = ("Posterior", "90% interval", "Warnings")
_BATCH_BOLD = ("Case", "Posterior")


def _batch_cells(o: CaseOutcome) -> list[tuple[str, str]]:
    """A case's row of the batch table: each cell's text and style (leader, its posterior with
    interval, words, warnings; a bad case says so)."""
    if o.card is None:
        # Read across, or as a record when the table is too wide: "Leader not scored · In words
        # 13 problems, listed above" (the problems go to stderr before the table).
        problems = f"{len(o.problems)} problem{'s' * (len(o.problems) != 1)}, listed above"
        return [(visible(o.path), ""), ("not scored", "red"), ("", ""), ("", ""), (problems, "red"), ("", "")]
    row = summary(o.card)
    return [
        (visible(o.path), ""),
        (visible(str(row["leader"])), ""),
        (percent(float(row["p"])), ""),
        (interval(float(row["lo"]), float(row["hi"]), one_sign=True), ""),
        (visible(str(row["words"])), ""),
        (str(row["warnings"]) if row["warnings"] else "", ""),
    ]


class BatchTable:
    """Several cases, one row each, written as they are scored (`add`) and printed by `finish`.
    A table's columns are as wide as their widest cell, known only at the end: rows wait in a
    temporary file (a few short strings each) while the widths are kept, then print in blocks
    of BATCH_BLOCK at those widths, the same text as one table of every row. Too wide for the
    console: one record per row (`_records`), as every table here."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.widths = [cell_len(h) for h in _BATCH_HEADERS]
        self.rows = 0
        # Closed by `finish`; a TemporaryFile has no name on disk, so an early end leaves nothing.
        import tempfile  # a batch's only: a single case's table needs none of it

        self.spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115

    def add(self, outcome: CaseOutcome) -> None:
        import json  # here, not at the top: a single case's table needs none of it

        cells = _batch_cells(outcome)
        self.widths = [max(w, cell_len(text)) for w, (text, _) in zip(self.widths, cells, strict=True)]
        self.spool.write(json.dumps(cells) + "\n")
        self.rows += 1

    def _table(self, rows: list[list[list[str]]], header: bool) -> Table:
        table = Table(box=box.SIMPLE_HEAD, show_header=header)
        for name, width in zip(_BATCH_HEADERS, self.widths, strict=True):
            table.add_column(
                name,
                style="bold" if name in _BATCH_BOLD else "",
                justify="right" if name in _BATCH_RIGHT else "left",
                no_wrap=True,
                min_width=width,
                max_width=width,
            )
        for cells in rows:
            table.add_row(*(Text(text, style=style) for text, style in cells))
        return table

    def finish(self) -> None:
        import json

        with self.spool:
            self.spool.seek(0)
            options = self.console.options
            fits = _needed(self.console, options, self._table([], header=True)) <= options.max_width
            blocks = -(-self.rows // BATCH_BLOCK)
            for index in range(blocks):
                rows = [json.loads(self.spool.readline()) for _ in range(min(BATCH_BLOCK, self.rows))]
                self.rows -= len(rows)
                table = self._table(rows, header=index == 0)
                if not fits:
                    self.console.print(_records(table))
                    continue
                # One table cut in blocks: the blank edge above only before the first block, the
                # one below only after the last.
                lines = self.console.render_lines(table, options, pad=False, new_lines=False)
                lines = lines[1 if index else 0 : None if index == blocks - 1 else -1]
                self.console.print(Segments(segment for line in lines for segment in (*line, Segment.line())))


TORNADO_ROWS = 6
TORNADO_WIDTH = 16


def _span(low: float, high: float, centre: float, lo: float, hi: float, width: int = TORNADO_WIDTH) -> Text:
    """A bar from `low` to `high` on the axis [lo, hi], with the centre marked ┃."""

    def at(p: float) -> int:
        return min(width - 1, max(0, round((p - lo) / (hi - lo) * (width - 1)))) if hi > lo else width // 2

    a, b, c = at(min(low, high)), at(max(low, high)), at(centre)
    cells = [" "] * width
    for i in range(a, b + 1):
        cells[i] = "━"
    cells[c] = "┃"
    return Text("".join(cells), style="magenta")


def render_explanation(card: Scorecard) -> Group:
    """One screen: why the leader leads, which evidence matters, what would change the answer."""
    explanation = card.explanation
    assert explanation is not None
    lead_id, rival_id = visible(explanation.leading), visible(explanation.runner_up)
    mine, theirs, p_without, order = explanation_columns(card)
    if explanation.question is not None:
        said = question_said(card) + "\n"
    elif len(explanation.tied) > 1:
        lead = next(h for h in card.hypotheses if h.id == explanation.leading)
        said = f" at {percent(lead.posterior.mean)} each.\n"
    else:
        by_id = {h.id: h for h in card.hypotheses}
        lead, rival = by_id[explanation.leading], by_id[explanation.runner_up]
        said = (
            f": {percent(lead.posterior.mean)} "
            f"(90% interval {interval(lead.posterior.lo, lead.posterior.hi)}), "
            f"{visible(verbal(card, lead.posterior.mean))}; "
            f"runner-up {rival_id} {percent(rival.posterior.mean)}{others_said(card)}.\n"
        )
    headline = Text.assemble((headline_words(card), "bold"), said)
    extra = extra_weight_columns(card)
    blocks = card.evidence_blocks()
    group = explanation.question is not None and explanation.question.kind == "group"
    weighed = (
        "weight of evidence (dB) for the group against the other hypotheses, and the reverse"
        if group
        else "weight of evidence (dB) for each hypothesis against the others"
    )
    caption = (
        weighed + "; diagnosticity (bits); "
        f"P({lead_id}) without the item; conflict: log2 P(item) / P(item | the rest), positive when "
        "the other evidence makes it surprising"
    )
    if card.events:
        caption += (
            "; an event's row is its reports together (and without: the whole event left out), "
            "each report's weight is given the reports above it"
        )
    if card.origins:
        caption += (
            "; an origin's row is its items together as the mixture counts them (and without: all "
            "of them left out), each item's weight is given the items above it"
        )

    def evidence(_width: int) -> Table:
        table = Table(
            title=Text("Evidence, by its weight for " + lead_id, style="table.title"),
            title_justify="left",
            box=box.SIMPLE_HEAD,
            caption=Text(caption, style="table.caption"),
            caption_justify="left",
        )
        table.add_column("Item", style="bold", no_wrap=True)
        table.add_column(Text(lead_id), justify="right", no_wrap=True)
        table.add_column(Text(rival_id), justify="right", no_wrap=True)
        for h in extra:
            table.add_column(Text(visible(h)), justify="right", no_wrap=True)
        table.add_column("bits", justify="right", no_wrap=True)
        table.add_column("without", justify="right", no_wrap=True)
        table.add_column("conflict", justify="right", no_wrap=True)
        for event, items in sorted(blocks, key=order):
            if event is not None:
                table.add_row(
                    Text.assemble(
                        (f"{event.kind} ", "dim"), visible(event.id), (f" ({visible(event.summary)})", "dim")
                    ),
                    Text(db(mine(event))),
                    Text(db(theirs(event))),
                    *(Text(db(event.weight_db[h])) for h in extra),
                    Text(""),
                    Text(percent(p_without(event.id))),
                    Text(""),
                )
            for item in items:
                nested = "  ↳ " if event is not None else ""
                table.add_row(
                    Text.assemble(
                        (nested, "dim"),
                        (visible(item.id), "" if nested else "bold"),
                        (NOT_FOUND if not item.observed else "", "dim"),
                    ),
                    Text(db(mine(item))),
                    Text(db(theirs(item))),
                    *(Text(db(item.weight_db[h])) for h in extra),
                    Text(bits(item.diagnosticity)),
                    Text(percent(p_without(item.id))),
                    Text(conflict(item.conflict_bits)),
                )
        return table

    parts: list[RenderableType] = [_plain(card.title, "bold"), headline]
    scope = beyond_two(card)
    if scope:
        parts.append(Text(scope + "\n", style="dim"))
    if card.evidence:
        parts.append(_AtWidth(evidence))
        parts += [Text("• " + visible(line)) for line in explanation.events]
        parts += [Text("• " + visible(line), style="yellow") for line in explanation.conflicts]
        parts += [Text("• " + visible(explanation.capped))] if explanation.capped else []
        if explanation.events or explanation.conflicts or explanation.capped:
            parts.append(Text(""))
    else:
        parts.append(Text("No evidence items: the posterior is the prior.\n"))
    if explanation.tornado:
        shown = explanation.tornado[:TORNADO_ROWS]
        lo = min(min(s.leading_at_low, s.leading_at_high) for s in shown)
        hi = max(max(s.leading_at_low, s.leading_at_high) for s in shown)

        def tornado(width: int) -> Table:
            table = Table(
                title=Text(
                    f"Judgments the answer rests on: P({lead_id}) as each moves over its "
                    "90% range, the others at their means",
                    style="table.title",
                ),
                title_justify="left",
                box=box.SIMPLE_HEAD,
            )
            wide = width >= WIDE_TORNADO
            table.add_column("Judgment", no_wrap=True)
            table.add_column("range", justify="right", no_wrap=True)
            table.add_column(Text(f"P({lead_id})"), justify="right", no_wrap=True)
            if wide:
                table.add_column(interval(lo, hi, " … "), no_wrap=True)
            for s in shown:
                cells = [
                    Text.assemble((visible(s.name), "bold"), "\n", (f"'{visible(s.text)}'", "dim")),
                    Text(span(s.low, s.high, s.ratio)),
                    Text(
                        f"{percent(s.leading_at_low)} → {percent(s.leading_at_high)}"
                        f"{odds_shift(s.leading_at_low, s.leading_at_high)}"
                    ),
                ]
                if wide:
                    cells.append(_span(s.leading_at_low, s.leading_at_high, explanation.baseline, lo, hi))
                table.add_row(*cells)
            if len(explanation.tornado) > TORNADO_ROWS:
                table.caption = Text(
                    f"{len(explanation.tornado) - TORNADO_ROWS} smaller swings not shown (see --format json)",
                    style="table.caption",
                )
            return table

        parts.append(_AtWidth(tornado))
    # The sentences quote the case through `visible` (their default) and go in as plain Text.
    parts += [Text("What would change the conclusion", style="bold"), Text(flip_sentence(card))]
    closest = closest_sentence(card)
    if closest:
        parts.append(Text(closest))
    if card.pending:
        parts.append(
            Text(
                "• Pending, not yet in the answer: " + ", ".join(visible(p.id) for p in card.pending),
                style="yellow",
            )
        )
    if card.suspected_origins:
        parts += [Text(""), Text("Suspected common origins", style="bold"), Text(SUSPECTED_KEY, style="dim")]
        parts += [Text("• " + visible(s.warning), style="yellow") for s in card.suspected_origins]
    if card.assumptions:
        parts += [Text(""), Text("Key assumptions", style="bold"), Text(ASSUMPTIONS_KEY, style="dim")]
        for a in card.assumptions:
            parts.append(
                Text.assemble(
                    "• ", (visible(a.id), "bold"), f" ({visible(a.label)}): ", assumption_line(card, a.id)
                )
            )
    said = Text("")
    _said_of_case(said, card)
    if said.plain:
        parts.append(said)
    # Who said each item and where it can be read: at the end, as text that wraps (a column of
    # the evidence table would not fit 80 columns). `source_note` makes the case's text visible.
    notes = source_notes(card)
    if notes:
        by_id = {e.id: e for e in card.evidence}
        parts += [Text(""), Text("Source notes", style="bold")]
        parts += [Text(f"{n}. {source_note(by_id[i])}") for i, n in notes.items()]
    return Group(*parts)


def render_scale(scale: Scale) -> Table:
    """`hypscore scales`: a scale's words, synonyms, ranges and the Beta each word stands for."""
    # Scale files are data: their words go in as Text (never parsed as rich markup).
    table = Table(title=_plain(f"{scale.name}: {scale.title}", "table.title"), title_justify="left")
    table.add_column("Term", style="bold")
    table.add_column("Synonyms")
    table.add_column("Range", justify="right", no_wrap=True)
    table.add_column("Judgment (5%/95% quantiles at the range ends)")
    for term in scale.terms:
        table.add_row(
            _plain(term.term),
            _plain(", ".join(term.synonyms)),
            Text(term.range_text()),
            _plain(repr(term.judgment).split(" from ")[0]),
        )
    for code, judgment in scale.grades:  # a scale fitted to a track record re-states these
        lo, hi = judgment.quantiles() if isinstance(judgment, Beta) else (judgment.mean, judgment.mean)
        table.add_row(
            _plain(f"grade {code}"),
            _plain(f"reliability: {code} ({ADMIRALTY[code][0]})"),
            Text(f"{lo * 100:.4g}-{hi * 100:.4g}%"),
            _plain(repr(judgment).split(" from ")[0]),
        )
    return table


def render_admiralty() -> Group:
    """`hypscore scales`: the two Admiralty tables, source reliability A-F and information
    credibility 1-6, with each code's meaning, range and the Beta it stands for."""
    tables = []
    for title, codes, judgment in (
        (
            "Admiralty source reliability: reliability: B, or the letter of grading: B2",
            ADMIRALTY,
            admiralty_judgment,
        ),
        (
            "Admiralty information credibility: the digit of grading: B2, or the word as credibility:",
            CREDIBILITY,
            credibility_judgment,
        ),
    ):
        table = Table(title=_plain(title, "table.title"), title_justify="left")
        table.add_column("Code", style="bold", justify="center", no_wrap=True)
        table.add_column("Meaning")
        table.add_column("Range", justify="right", no_wrap=True)
        table.add_column("Judgment (5%/95% quantiles at the range ends)")
        for code, (meaning, lo, hi) in codes.items():
            table.add_row(
                _plain(code),
                _plain(meaning),
                Text(f"{lo:g}-{hi:g}%"),
                _plain(repr(judgment(code)).split(" from ")[0]),
            )
        tables.append(table)
    return Group(*tables)


def render_next(result: NextResult) -> Group:
    """The ranked pending items: what each would tell, and how likely it is to change the answer."""
    from hypotheses.output.text import NEAR_NOW, NO_PENDING, next_cells, next_for_cells, next_for_head

    lead = result.leader
    head = _plain(
        f"Now: {lead} leads at {percent(result.posterior[lead])}. For each pending item, most informative "
        f"first: P({lead}) if it is observed and if it is looked for and absent{NEAR_NOW}; the expected "
        "information (bits); the chance the leader changes."
    )
    if result.for_ is not None:
        head = _plain(next_for_head(result))
    if not result.candidates:
        return Group(head, _plain(NO_PENDING))
    asked = result.for_ is not None

    def rows(_width: int) -> Table:
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True, show_edge=False)
        table.add_column("Pending item", style="bold", no_wrap=True)
        table.add_column("P(observed)", justify="right", no_wrap=True)
        table.add_column("if observed", justify="right", no_wrap=True)
        table.add_column("if absent", justify="right", no_wrap=True)
        table.add_column("bits", justify="right", no_wrap=True)
        table.add_column("P(change)", justify="right", no_wrap=True)
        for c in result.candidates:
            if asked:  # the question's numbers in the same columns
                seen, unseen = next_for_cells(c, result.p_for)
                table.add_row(
                    _plain(c.id),
                    Text(percent(c.p_observed)),
                    Text(seen),
                    Text(unseen),
                    Text(f"{c.expected_bits_for or 0.0:.3f}"),
                    Text(percent(c.p_answer_changes or 0.0)),
                )
                continue
            seen, unseen = next_cells(result, c)
            table.add_row(
                _plain(c.id),
                Text(percent(c.p_observed)),
                Text(seen),
                Text(unseen),
                Text(f"{c.expected_bits:.3f}"),
                Text(percent(c.p_leader_changes)),
            )
        return table

    return Group(head, _AtWidth(rows))
