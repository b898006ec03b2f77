"""Text exports of a Scorecard (JSON, CSV, Markdown) and the atomic file write they share."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypotheses.errors import OutputError
from hypotheses.scorecard import Scorecard
from hypotheses.wording import closest_sentence, db, flip_sentence, in_words, percent


def to_json(card: Scorecard) -> str:
    return json.dumps(card.to_dict(), indent=2, ensure_ascii=False) + "\n"


def to_csv(card: Scorecard) -> str:
    rows = card.rows()
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:.10g}" if isinstance(v, float) else v) for k, v in row.items()})
    return buffer.getvalue()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(card: Scorecard) -> str:
    d = card.diagnostics
    lines = [f"# {_cell(card.title)}", ""]
    if card.question:
        lines += [f"**Question:** {_cell(card.question)}", ""]
    lines += [
        "| # | Hypothesis | Prior | Posterior | 90% interval | In words |",
        "|---|---|---:|---:|---|---|",
    ]
    for rank, h in enumerate(card.ranked(), 1):
        lines.append(
            f"| {rank} | **{h.id}**: {_cell(h.label)} | {percent(h.prior.mean)} | "
            f"{percent(h.posterior.mean)} | {percent(h.posterior.lo)} - {percent(h.posterior.hi)} | "
            f"{in_words(card, h.posterior.mean)} |"
        )
    if card.evidence:
        ids = [h.id for h in card.hypotheses]
        lines += [
            "",
            "## Evidence",
            "",
            "Weight of evidence for each hypothesis against the others, in decibans "
            "(+10 dB = 10:1 in favour); diagnosticity in bits.",
            "",
            "| Evidence | " + " | ".join(ids) + " | Diagnosticity |",
            "|---|" + "---:|" * len(ids) + "---:|",
        ]
        for e in card.evidence:
            weights = " | ".join(db(e.weight_db[h]) for h in ids)
            lines.append(f"| **{e.id}**: {_cell(e.label)} | {weights} | {e.diagnosticity:.3f} |")
    lines += [
        "",
        f"_Engine {d.engine}, {d.draws} draws, ESS {d.ess:.0f}, seed {d.seed}, "
        f"hypscore {d.version}; case SHA-256 `{card.sha256[:16]}`._",
    ]
    if card.warnings:
        lines += ["", "**Warnings**", ""] + [f"- {_cell(w)}" for w in card.warnings]
    return "\n".join(lines) + "\n"


def explanation_markdown(card: Scorecard) -> str:
    """`hypscore explain --format md`: the same facts as the terminal screen."""
    e = card.explanation
    assert e is not None
    by_id = {h.id: h for h in card.hypotheses}
    lead, rival = by_id[e.leading], by_id[e.runner_up]
    lines = [
        f"# Why {lead.id} leads: {_cell(card.title)}",
        "",
        f"**{lead.id}** {percent(lead.posterior.mean)} (90% interval {percent(lead.posterior.lo)} - "
        f"{percent(lead.posterior.hi)}), {in_words(card, lead.posterior.mean)}; runner-up **{rival.id}** "
        f"{percent(rival.posterior.mean)}.",
        "",
        "## Evidence",
        "",
        f"| Item | for {lead.id} | for {rival.id} | Diagnosticity | {lead.id} without it |",
        "|---|---:|---:|---:|---:|",
    ]
    without = {loo.evidence: loo for loo in e.leave_one_out}
    for item in sorted(card.evidence, key=lambda i: -abs(i.weight_db[lead.id] or 0.0)):
        lines.append(
            f"| {item.id} | {db(item.weight_db[lead.id])} | {db(item.weight_db[rival.id])} | "
            f"{item.diagnosticity:.3f} bits | {percent(without[item.id].posterior[lead.id])} |"
        )
    if e.tornado:
        lines += [
            "",
            "## Sensitivity",
            "",
            f"P({lead.id}) with each judgment at its 5% and 95% quantile, the others at their means "
            f"(centre {percent(e.baseline)}).",
            "",
            "| Judgment | As written | Range | At 5% | At 95% | Swing |",
            "|---|---|---|---:|---:|---:|",
        ]
        for s in e.tornado:
            lines.append(
                f"| {s.name} | {_cell(s.text)} | {percent(s.low)} - {percent(s.high)} | "
                f"{percent(s.leading_at_low)} | {percent(s.leading_at_high)} | {s.swing * 100:.1f} pts |"
            )
    lines += [
        "",
        "## What would change the conclusion",
        "",
        flip_sentence(card).replace("• ", "- "),
        closest_sentence(card).replace("• ", "- "),
    ]
    return "\n".join(lines) + "\n"


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed onto it when the block succeeds, so a failed
    write leaves nothing half-done; every export (text or NetCDF) goes through here."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise OutputError(f"{path}: is a directory; give a file name for the output")
    try:
        handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
        os.close(handle)
    except FileNotFoundError:
        raise OutputError(f"{path}: directory {directory} does not exist; create it first") from None
    except PermissionError:
        raise OutputError(f"{path}: cannot write in {directory} (permission denied)") from None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())  # as a plain open() would: mkstemp makes it 0600
        os.replace(temporary, path)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    finally:
        temporary.unlink(missing_ok=True)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` atomically (see `atomic_output`)."""
    with atomic_output(path) as temporary:
        temporary.write_text(text, encoding="utf-8", newline="")
