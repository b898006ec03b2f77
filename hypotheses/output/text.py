"""Text exports of a Scorecard (JSON, CSV, Markdown) and the atomic file write they share."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from typing import TYPE_CHECKING, Protocol, TextIO

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
    headline,
    in_words,
    others_said,
    question_said,
    source_note,
    source_notes,
    span,
    summary,
)
from hypotheses.text import csv_text, interval, odds_shift, percent, visible

if TYPE_CHECKING:
    from hypotheses.analysis.batch import CaseOutcome
    from hypotheses.analysis.decision import Candidate, NextResult


class _HasDict(Protocol):
    def to_dict(self) -> dict[str, object]: ...


# Characters json.dumps(ensure_ascii=False) leaves raw that a terminal or an editor would act on
# (C1 controls, DEL, bidi overrides, line separators): escaped as \uXXXX they mean the same string.
_JSON_RAW = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def to_json(card: Scorecard, indent: int | None = 2) -> str:
    """The JSON document (keys: docs/model.md section 6); `indent=None`: on one line (JSONL)."""
    return json_document(card.to_dict(), indent)


def to_json_line(card: Scorecard) -> str:
    """One case's JSON document on one line (`--format jsonl` of a single case)."""
    return to_json(card, indent=None)


def result_json(result: _HasDict) -> str:
    """A pool, diff, calibration or `next` result as its JSON document (their `to_dict`)."""
    return json_document(result.to_dict())


def schema_json() -> str:
    """`hypscore schema`: the JSON Schema of the case file, ASCII only (editors read it as is)."""
    from hypotheses.case.format import case_json_schema

    return json.dumps(case_json_schema(), indent=2) + "\n"


def json_document(document: object, indent: int | None = 2) -> str:
    """`document` as JSON: Unicode as itself, the characters a terminal would act on escaped."""
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n"


def case_columns(card: Scorecard) -> dict[str, object]:
    """Facts of the whole case repeated on each of its CSV rows (the CSV has no other place for
    them): its analytic confidence and reasons ('; '-joined), and `as_of` when it has one."""
    out: dict[str, object] = {}
    if card.confidence is not None:
        out |= {"confidence": card.confidence.level, "confidence_reasons": "; ".join(card.confidence.reasons)}
    if card.as_of is not None:
        out["as_of"] = card.as_of
    return out


def to_csv(card: Scorecard) -> str:
    """One row per hypothesis (and group), with the case's facts (confidence, as_of) on each, then
    one per evidence item with its sourcing: the item columns come after the hypothesis columns,
    each row leaving the other kind's empty (`label` is shared); a case without evidence keeps the
    hypothesis columns alone."""
    rows: list[dict[str, object]] = [{**row, **case_columns(card)} for row in card.rows()]
    # `observed` (true/false) after the sourcing columns: without it an item looked for and not
    # found reads, row by row, as a fact (docs/model.md section 6, an added column).
    items = [{**e.sourcing_row(), "observed": "true" if e.observed else "false"} for e in card.evidence]
    columns = list(dict.fromkeys([*rows[0], *(items[0] if items else ())]))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n", restval="")
    writer.writeheader()
    for row in [*rows, *items]:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


# Markdown punctuation that could format, link or break out of a table cell; an underscore only
# where it could open or close emphasis (inside a word, as in `true_claim`, it cannot).
_MD_SPECIAL = re.compile(r"[\\`*\[\]|~#]|(?<![^\W_])_|_(?![^\W_])")


# GFM's autolink extension links text that merely looks like an address: `www.`, `scheme://`
# (cmark-gfm: http, https, ftp; other renderers: any scheme) and e-mail addresses (also after
# `mailto:` and `xmpp:`). A backslash before the `.` or `:` stops the first two and renders as
# nothing; an e-mail address is found in the text after escapes are resolved, so a word joiner
# (U+2060, invisible) goes before its `@`, leaving the address no local part.
_WWW = re.compile(r"(?i)(www)\.")
_SCHEME = re.compile(r":(?=//)")


def md_text(text: str) -> str:
    """Text from a case as inert Markdown: one line, no control characters, no link, image,
    emphasis or raw HTML it could form (nor an autolink of a URL or an e-mail address), and no
    `|` that would split a table cell."""
    text = _MD_SPECIAL.sub(lambda m: "\\" + m.group(), visible(text))
    text = _SCHEME.sub(r"\:", _WWW.sub(r"\1\.", text)).replace("@", "\u2060@")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# The batch formats are writers: `add` takes each case's outcome as it is scored (in the order
# named) and writes what it can at once; `finish` writes the rest. A batch of 100,000 cases then
# never holds every outcome: what must wait for the last case (the CSV's columns, Markdown's list
# of errors) waits in a temporary file, not in memory.


class BatchJsonl:
    """`hypscore score ... --format jsonl`: one JSON document per scored case, per line."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def add(self, outcome: CaseOutcome) -> None:
        if outcome.card is not None:
            self.out.write(to_json(outcome.card, indent=None))

    def finish(self) -> None:
        """Every line is written as its case comes."""


class BatchCsv:
    """One row per case x hypothesis: the single case's CSV columns after a `case` column (the
    path); cases with groups add their `members` column, empty for the others. The header is the
    union of every row's columns, known at the end: rows wait in a temporary file till then."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.columns: dict[str, None] = {}
        # Closed by `finish`; a TemporaryFile has no name on disk, so an early end leaves nothing.
        import tempfile  # a batch's only (~1 ms of a single case's start-up otherwise)

        self.spool = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115

    def add(self, outcome: CaseOutcome) -> None:
        if outcome.card is None:
            return
        for row in outcome.card.rows():
            cells = {"case": outcome.path, **row, **case_columns(outcome.card)}
            self.columns.update(dict.fromkeys(cells))
            self.spool.write(json.dumps({k: _cell(v) for k, v in cells.items()}) + "\n")

    def finish(self) -> None:
        with self.spool:
            if not self.columns:
                return
            writer = csv.DictWriter(self.out, fieldnames=list(self.columns), lineterminator="\n", restval="")
            writer.writeheader()
            self.spool.seek(0)
            for line in self.spool:
                writer.writerow(json.loads(line))


def _cell(value: object) -> object:
    return (
        f"{value:.10g}" if isinstance(value, float) else csv_text(value) if isinstance(value, str) else value
    )


class BatchMarkdown:
    """A row per case: the leader, its posterior with interval and words; errors say so, and
    are listed under the table (they wait in a temporary file till then)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        import tempfile

        self.problems = tempfile.TemporaryFile("w+", encoding="utf-8")  # noqa: SIM115 -- as BatchCsv.spool
        self.out.write(
            "| Case | Title | Leader | Posterior | 90% interval | In words | Warnings |\n"
            "|---|---|---|---:|---|---|---:|\n"
        )

    def add(self, o: CaseOutcome) -> None:
        self.problems.writelines(f"- {md_text(line)}\n" for line in o.problems)
        if o.card is None:
            self.out.write(f"| {md_text(o.path)} | | error: see below | | | | |\n")
            return
        s = summary(o.card)
        self.out.write(
            f"| {md_text(o.path)} | {md_text(o.card.title)} | **{md_text(str(s['leader']))}** | "
            f"{percent(float(s['p']))} | {interval(float(s['lo']), float(s['hi']), ' - ')} | "
            f"{md_text(str(s['words']))} | {s['warnings']} |\n"
        )

    def finish(self) -> None:
        with self.problems:
            if self.problems.tell():
                self.out.write("\n**Errors**\n\n")
                self.problems.seek(0)
                shutil.copyfileobj(self.problems, self.out)


def to_markdown(card: Scorecard) -> str:
    d = card.diagnostics
    lines = [f"# {md_text(card.title)}", ""]
    if card.question:
        lines += [f"**Question:** {md_text(card.question)}", ""]
    if card.notes:
        lines += [f"**Notes:** {md_text(card.notes)}", ""]
    lines += [
        "| # | Hypothesis | Prior | Posterior | 90% interval | In words |",
        "|---|---|---:|---:|---|---|",
    ]
    for rank, h in enumerate(card.ranked(), 1):
        lines.append(
            f"| {rank} | **{md_text(h.id)}**: {md_text(h.label)} | {percent(h.prior.mean)} | "
            f"{percent(h.posterior.mean)} | {interval(h.posterior.lo, h.posterior.hi, ' - ')} | "
            f"{md_text(in_words(card, h.posterior.mean))} |"
        )
    for g in card.groups:
        members = " + ".join(md_text(m) for m in g.members)
        p = g.posterior
        prior = sum(h.prior.mean for h in card.hypotheses if h.id in g.members)
        lines.append(
            f"| group | **{md_text(g.id)}** ({members}): {md_text(g.label)} | {percent(prior)} | "
            f"{percent(p.mean)} | {interval(p.lo, p.hi, ' - ')} | {md_text(in_words(card, p.mean))} |"
        )
    lines += _case_lines(card)
    if card.evidence:
        ids = [h.id for h in card.hypotheses]
        lines += [
            "",
            "## Evidence",
            "",
            "Weight of evidence for each hypothesis against the others, in decibans "
            "(+10 dB = 10:1 in favour); diagnosticity in bits.",
            "",
            "| Evidence | " + " | ".join(md_text(h) for h in ids) + " | Diagnosticity |",
            "|---|" + "---:|" * len(ids) + "---:|",
        ]
        notes = source_notes(card)
        for event, items in card.evidence_blocks():
            if event is not None:
                weights = " | ".join(db(event.weight_db[h]) for h in ids)
                lines.append(
                    f"| {event.kind} **{md_text(event.id)}**: {md_text(event.label)} "
                    f"({md_text(event.together)}) | {weights} | |"
                )
            for e in items:
                weights = " | ".join(db(e.weight_db[h]) for h in ids)
                absent = NOT_FOUND if not e.observed else ""
                nested = "↳ " if event is not None else ""
                via = f" (via {', '.join(md_text(v) for v in e.via)})" if e.via else ""
                via += f" \\[{notes[e.id]}\\]" if e.id in notes else ""  # its source note
                lines.append(
                    f"| {nested}**{md_text(e.id)}**{absent}: {md_text(e.label)}{via} | {weights} | "
                    f"{bits(e.diagnosticity)} |"
                )
        if card.events or card.origins:
            lines += ["", _EVENT_KEY]
            if card.explanation:
                lines += ["", *(f"- {md_text(line)}" for line in card.explanation.events)]
    if card.pending:
        lines += ["", "## Pending", "", "Not yet known, so not in the posterior:", ""]
        for p in card.pending:
            said = [md_text(x) for x in (p.date, p.notes, *p.links) if x]
            lines.append(
                f"- **{md_text(p.id)}**: {md_text(p.label)}" + (f" ({'; '.join(said)})" if said else "")
            )
    if card.after_as_of:
        lines += ["", "## After the information cut-off", "", f"Dated after {card.as_of}, so left out:", ""]
        for p in card.after_as_of:
            said = [md_text(x) for x in (p.date, p.notes, *p.links) if x]
            lines.append(
                f"- **{md_text(p.id)}**: {md_text(p.label)}" + (f" ({'; '.join(said)})" if said else "")
            )
    if card.resolution:
        r = card.resolution
        lines += [
            "",
            f"**Resolved:** {md_text(str(r['hypothesis']))}"
            + (f", {md_text(str(r['date']))}" if r["date"] else ""),
        ]
    noted = _notes(card)
    if noted:
        lines += ["", "## Notes", "", *noted]
    lines += [
        "",
        f"_Engine {d.engine}, {draws_phrase(d.draws, d.interval_mcse)}, ESS {d.ess:.0f}, seed {d.seed}, "
        f"hypscore {d.version}; case SHA-256 `{card.sha256[:16]}`"
        + (f"; scale {md_text(card.scale)} from {md_text(card.scale_file)}" if card.scale_file else "")
        + "._",
    ]
    if card.warnings:
        lines += ["", "**Warnings**", ""] + [f"- {md_text(w)}" for w in card.warnings]
    lines += _source_notes(card)
    return "\n".join(lines) + "\n"


def _case_lines(card: Scorecard) -> list[str]:
    """The information cut-off and the analytic confidence, as paragraphs (score and explain)."""
    lines = []
    line = as_of_line(card)
    if line:
        lines += ["", f"_{md_text(line)}_"]
    if card.confidence is not None:
        c = card.confidence
        lines += [
            "",
            f"**Confidence: {c.level}**" + (f": {md_text('; '.join(c.reasons))}" if c.reasons else ""),
        ]
    return lines


def _source_notes(card: Scorecard) -> list[str]:
    """The numbered source notes (ICD 206) that end the document, one per sourced item."""
    by_id = {e.id: e for e in card.evidence}
    notes = source_notes(card)
    if not notes:
        return []
    return ["", "## Source notes", ""] + [f"{n}. {source_note(by_id[i], md_text)}" for i, n in notes.items()]


_EVENT_KEY = (
    "An event's (or a possible common origin's) row is its items taken together; each item (↳) "
    "weighs what it adds given the items above it, so their weights add up to the row's."
)


def _notes(card: Scorecard) -> list[str]:
    """The analyst's notes, dates and links of hypotheses and items, one bullet each."""
    out = [f"- **{md_text(h.id)}**: {md_text(h.notes)}" for h in card.hypotheses if h.notes]
    for s in card.sources:
        said = ([md_text(s.notes)] if s.notes else []) + [md_text(link) for link in s.links]
        out.append(f"- source **{md_text(s.id)}**: " + "; ".join(said))
    for g in (*card.events, *card.origins):
        said = ([md_text(g.notes)] if g.notes else []) + [md_text(link) for link in g.links]
        if said:
            out.append(f"- {g.kind} **{md_text(g.id)}**: " + "; ".join(said))
    for e in card.evidence:
        said = [md_text(e.date)] if e.date else []
        said += [md_text(e.notes)] if e.notes else []
        said += [md_text(link) for link in e.links]  # escaped text: never a Markdown link of ours
        if said:
            out.append(f"- **{md_text(e.id)}**: " + "; ".join(said))
    return out


def explanation_json(card: Scorecard) -> str:
    """`hypscore explain --format json`: the `explain` section of the JSON export, its case text
    escaped as the export's is (a bidi override in a label must not reorder a terminal's line)."""
    document = card.to_dict()
    said = {key: document[key] for key in ("confidence", "assumptions") if key in document}
    if "as_of" in document["case"]:
        said["as_of"] = document["case"]["as_of"]
    return json_document({**document["explain"], "suspected_origins": document["suspected_origins"], **said})


def explanation_markdown(card: Scorecard) -> str:
    """`hypscore explain --format md`: the same facts as the terminal screen."""
    e = card.explanation
    assert e is not None
    lead_id, rival_id = md_text(e.leading), md_text(e.runner_up)
    mine, theirs, p_without, order = explanation_columns(card)
    if e.question is not None:
        said = f"**{lead_id}**{question_said(card, md_text, ' - ')}"
    else:
        by_id = {h.id: h for h in card.hypotheses}
        lead, rival = by_id[e.leading], by_id[e.runner_up]
        said = (
            f"**{lead_id}** {percent(lead.posterior.mean)} (90% interval "
            f"{interval(lead.posterior.lo, lead.posterior.hi, ' - ')}), "
            f"{md_text(in_words(card, lead.posterior.mean))}; runner-up "
            f"**{rival_id}** {percent(rival.posterior.mean)}{others_said(card, md_text)}."
        )
    scope = beyond_two(card, md_text)
    extra = extra_weight_columns(card)
    lines = [
        f"# {headline(card, md_text)}: {md_text(card.title)}",
        "",
        said,
        *(["", scope] if scope else []),
        "",
        "## Evidence",
        "",
        f"| Item | for {lead_id} | for {rival_id} | "
        + "".join(f"for {md_text(h)} | " for h in extra)
        + f"Diagnosticity (bits) | {lead_id} without it | Conflict (bits) |",
        "|---|---:|---:|" + "---:|" * len(extra) + "---:|---:|---:|",
    ]
    for event, items in sorted(card.evidence_blocks(), key=order):
        if event is not None:
            more = "".join(f" {db(event.weight_db[h])} |" for h in extra)
            lines.append(
                f"| {event.kind} {md_text(event.id)} ({md_text(event.together)}) | "
                f"{db(mine(event))} | {db(theirs(event))} |{more} | "
                f"{percent(p_without(event.id))} | |"
            )
        for item in items:
            nested = "↳ " if event is not None else ""
            more = "".join(f" {db(item.weight_db[h])} |" for h in extra)
            lines.append(
                f"| {nested}{md_text(item.id)}{NOT_FOUND if not item.observed else ''} | {db(mine(item))} | "
                f"{db(theirs(item))} |{more} {bits(item.diagnosticity)} | "
                f"{percent(p_without(item.id))} | {conflict(item.conflict_bits)} |"
            )
    if card.events or card.origins:
        lines += ["", _EVENT_KEY + " Without an event (origin): all its items left out.", ""]
        lines += [f"- {md_text(line)}" for line in e.events]
    lines += [""] + [f"- {md_text(line)}" for line in e.conflicts] if e.conflicts else []
    lines += ["", f"- {md_text(e.capped)}"] if e.capped else []
    if e.tornado:
        lines += [
            "",
            "## Sensitivity",
            "",
            f"P({lead_id}) with each judgment at its 5% and 95% quantile, the others at their means "
            f"(centre {percent(e.baseline)}).",
            "",
            "| Judgment | As written | Range | At 5% | At 95% | Swing |",
            "|---|---|---|---:|---:|---:|",
        ]
        for s in e.tornado:
            lines.append(
                f"| {md_text(s.name)} | {md_text(s.text)} | {span(s.low, s.high, s.ratio)} | "
                f"{percent(s.leading_at_low)} | {percent(s.leading_at_high)} | {s.swing * 100:.1f} pts |"
            )
    lines += [
        "",
        "## What would change the conclusion",
        "",
        flip_sentence(card, md_text).replace("• ", "- "),
        closest_sentence(card, md_text).replace("• ", "- "),
    ]
    if card.pending:
        lines.append("- Pending, not yet in the answer: " + ", ".join(md_text(p.id) for p in card.pending))
    if card.suspected_origins:
        lines += ["", "## Suspected common origins", "", SUSPECTED_KEY, ""]
        lines += [f"- {md_text(s.warning)}" for s in card.suspected_origins]
    if card.assumptions:
        lines += ["", "## Key assumptions", "", ASSUMPTIONS_KEY, ""]
        lines += [
            f"- **{md_text(a.id)}** ({md_text(a.label)}): {md_text(assumption_line(card, a.id))}"
            for a in card.assumptions
        ]
    lines += _case_lines(card)
    lines += _source_notes(card)
    return "\n".join(lines) + "\n"


def next_markdown(result: NextResult) -> str:
    """The ranked pending items as a Markdown table."""
    lines = [f"# What to collect next: {md_text(result.title)}", ""]
    lines.append(
        f"Now: {md_text(result.leader)} leads at {percent(result.posterior[result.leader])}. "
        "Each pending item, most informative first: P(observed), the leader's probability if it is "
        f"observed and if it is looked for and absent{NEAR_NOW}, the expected information about the "
        "hypotheses (bits) and the chance the leader changes."
    )
    if result.for_ is not None:
        lines[-1] = md_text(next_for_head(result))
    lines.append("")
    if not result.candidates:
        lines.append(NO_PENDING)
        return "\n".join(lines) + "\n"
    if result.for_ is not None:
        return _next_for_markdown(result, lines)
    lead = result.leader
    lines += [
        f"| Item | P(observed) | P({md_text(lead)}) if observed | if absent | bits | P(leader changes) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for c in result.candidates:
        seen, unseen = next_cells(result, c)
        lines.append(
            f"| {md_text(c.id)} ({md_text(c.label)}) | {percent(c.p_observed)} | {seen} | {unseen} | "
            f"{c.expected_bits:.3f} | {percent(c.p_leader_changes)} |"
        )
    return "\n".join(lines) + "\n"


def next_for_head(result: NextResult) -> str:
    """The line above `next --for T`'s table: the question now, and what the columns say."""
    t, rival = result.for_, result.rival
    members = f" ({' + '.join(result.members)})" if len(result.members) > 1 else ""
    return (
        f"Now: P({t}){members} = {percent(result.p_for or 0.0)} against {rival}; {result.leader} leads at "
        f"{percent(result.posterior[result.leader])}. For each pending item, most informative about {t} "
        f"first: P({t}) if it is observed and if it is looked for and absent{NEAR_NOW}; the expected "
        f"information about {t} or not (bits); the chance the answer about {t} (ahead of {rival} or "
        "not) changes."
    )


# Near certainty P(leader) prints '>99.9%' now, if observed and if absent alike, while the odds
# still move tenfold: the cells then add the odds' change from now (text.odds_shift).
NEAR_NOW = " (where that prints as now, the change in its odds from now, in dB)"


def _if(now: float, p: float | None) -> str:
    return "impossible" if p is None else f"{percent(p)}{odds_shift(now, p)}"


def next_cells(result: NextResult, c: Candidate) -> tuple[str, str]:
    """P(leader) if observed and if absent, as table cells."""
    lead, now = result.leader, result.posterior[result.leader]
    return (
        _if(now, c.if_observed[lead] if c.if_observed else None),
        _if(now, c.if_absent[lead] if c.if_absent else None),
    )


def next_for_cells(c: Candidate, now: float | None = None) -> tuple[str, str]:
    """P(question) if observed and if absent, as table cells (with `now`, P(question) now, the
    odds' change where a cell prints as now)."""
    if now is None:
        return (
            percent(c.p_for_if_observed) if c.p_for_if_observed is not None else "impossible",
            percent(c.p_for_if_absent) if c.p_for_if_absent is not None else "impossible",
        )
    return _if(now, c.p_for_if_observed), _if(now, c.p_for_if_absent)


def _next_for_markdown(result: NextResult, lines: list[str]) -> str:
    t = md_text(result.for_ or "")
    lines += [
        f"| Item | P(observed) | P({t}) if observed | if absent | bits about {t} | P(answer changes) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for c in result.candidates:
        seen, unseen = next_for_cells(c, result.p_for)
        lines.append(
            f"| {md_text(c.id)} ({md_text(c.label)}) | {percent(c.p_observed)} | {seen} | {unseen} | "
            f"{c.expected_bits_for or 0.0:.3f} | {percent(c.p_answer_changes or 0.0)} |"
        )
    return "\n".join(lines) + "\n"


NO_PENDING = (
    "No pending items: mark an item you could still look for with `observed: pending` (with its "
    "likelihoods), and `hypscore next` ranks it."
)
