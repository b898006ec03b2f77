"""Which renderer makes each output format of each command's result, and the one routine that
writes a result (`emit`): the format chosen (`choose`), the result rendered, the text printed or
written atomically through `files`.

Renderers are named, not imported ("module:function"), and imported only when used: choosing a
format costs nothing, and a JSON export never loads rich (or matplotlib, for the HTML pages)."""

from __future__ import annotations

import functools
import importlib
import io
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from hypotheses.output.files import atomic_output, to_stdout, write_atomic
from hypotheses.settings import UsageError

if TYPE_CHECKING:
    from rich.console import Console

# Wide enough that no verbal term or place name is ever cut in a file; the terminal's own width
# otherwise (rich wraps at spaces and never folds a word of ours: see output/terminal.py).
FILE_WIDTH = 120


@dataclass(frozen=True)
class Renderer:
    """One format of one result: `function` ("module:name") turns the result into text, or
    (`rich`) into a rich renderable, printed on a terminal or written as plain text."""

    function: str = ""
    rich: bool = False
    # `function` takes `timing=` (wall times only where a person watches) and `verbose=`.
    timing: bool = False
    explains: bool = False  # the format shows the explanation: the result must carry one
    file_only: str | None = None  # refused on standard output, with this message
    refused: str | None = None  # a format of the command this result cannot take, and why
    # `function` also takes the case as written (what the Scorecard does not carry: sources'
    # reliabilities, items' credibilities): the exchange formats.
    with_case: bool = False
    # A batch format whose `function` takes every outcome at once (a writer class otherwise).
    collects: bool = False

    def load(self) -> Callable[..., object]:
        module, _, name = self.function.partition(":")
        return getattr(importlib.import_module(module), name)


_TERMINAL = "hypotheses.output.terminal"
_TEXT = "hypotheses.output.text"
_TEAM = "hypotheses.output.team_report"
_CALIBRATION = "hypotheses.output.calibration_report"
_SCALE_FILE = "hypotheses.output.scale_file"
# STIX and MISP (hypotheses/exchange, the optional extra `hypscore[exchange]`).
_STIX = "hypotheses.exchange.stix"
_MISP = "hypotheses.exchange.misp"
# A result with `to_dict()` as a JSON document.
_JSON = Renderer(f"{_TEXT}:result_json")

# Command's result -> format -> renderer; each command's --format choices are these keys, in
# this order (cli.py makes its choices from them).
RENDERERS: dict[str, dict[str, Renderer]] = {
    "score": {
        "table": Renderer(f"{_TERMINAL}:render_table", rich=True, timing=True),
        "json": Renderer(f"{_TEXT}:to_json", explains=True),
        "jsonl": Renderer(f"{_TEXT}:to_json_line", explains=True),  # one case: one line
        "csv": Renderer(f"{_TEXT}:to_csv"),
        "md": Renderer(f"{_TEXT}:to_markdown"),
        "stix": Renderer(f"{_STIX}:stix_json", with_case=True),
        "misp": Renderer(f"{_MISP}:misp_json", with_case=True),
    },
    # `score` of several cases: writers (`batch_output`), fed each case as it is scored.
    "batch": {
        "table": Renderer(f"{_TERMINAL}:BatchTable", rich=True),
        "json": Renderer(
            refused="several cases make several JSON documents: use --format jsonl (one document per line)"
        ),
        "jsonl": Renderer(f"{_TEXT}:BatchJsonl", explains=True),
        "csv": Renderer(f"{_TEXT}:BatchCsv"),
        "md": Renderer(f"{_TEXT}:BatchMarkdown"),
        # One bundle of every case, built at the end (-o DIR writes one file per case instead).
        "stix": Renderer(f"{_STIX}:stix_batch", collects=True),
        "misp": Renderer(
            refused="several cases make several MISP events: give -o DIR to write one file per case"
        ),
    },
    # The explanation is several tables of different shapes: no single CSV holds it.
    "explain": {
        "table": Renderer(f"{_TERMINAL}:render_explanation", rich=True),
        "json": Renderer(f"{_TEXT}:explanation_json"),
        "md": Renderer(f"{_TEXT}:explanation_markdown"),
    },
    "next": {
        "table": Renderer(f"{_TERMINAL}:render_next", rich=True),
        "json": _JSON,
        "md": Renderer(f"{_TEXT}:next_markdown"),
    },
    "diff": {
        "table": Renderer(f"{_TEAM}:render_diff", rich=True),
        "json": _JSON,
        "md": Renderer(f"{_TEAM}:diff_markdown"),
    },
    "pool": {
        "table": Renderer(f"{_TEAM}:render_pool", rich=True),
        "json": _JSON,
        "md": Renderer(f"{_TEAM}:pool_markdown"),
        "html": Renderer(f"{_TEAM}:pool_html", file_only="the pooled HTML page is a file: give -o pool.html"),
    },
    "rounds": {  # `pool --rounds`
        "table": Renderer(f"{_TEAM}:render_rounds", rich=True),
        "json": _JSON,
        "md": Renderer(f"{_TEAM}:rounds_markdown"),
    },
    "calibration": {
        "table": Renderer(f"{_CALIBRATION}:render_terminal", rich=True),
        "json": _JSON,
        "html": Renderer(
            f"{_CALIBRATION}:render_html",
            file_only="the HTML reliability diagram is a file: give -o calibration.html",
        ),
    },
    # `calibration --fit-scale`: the scale file (-o NAME.yaml), and the fit on the terminal.
    "scale_fit": {
        "table": Renderer(f"{_SCALE_FILE}:render_terminal", rich=True),
        "json": _JSON,
        "yaml": Renderer(f"{_SCALE_FILE}:scale_yaml"),
    },
}


# Every file format some command writes: an -o file named so is taken to ask for it.
_FILE_FORMATS = {"json", "jsonl", "csv", "md", "html"}
# Formats named by two suffixes: `x.stix.json` is a STIX bundle, while `x.json` stays the JSON export.
_DOUBLE_SUFFIXES = {".stix.json": "stix", ".misp.json": "misp"}
# The exchange formats: written one file per case into a directory when several cases are scored.
EXCHANGE_FORMATS = ("stix", "misp")


def choose(kind: str, chosen: str | None, output: Path | None) -> str:
    """The --format asked for, else the one the -o file's extension names (out.json: JSON, as a
    reader of the command expects), else the table; UsageError, before any work, for a format
    this result cannot take or a file-only format sent to standard output."""
    formats = RENDERERS[kind]
    if chosen is None:
        suffix = output.suffix.lower().lstrip(".") if output is not None else ""
        double = "".join(output.suffixes[-2:]).lower() if output is not None else ""
        if double in _DOUBLE_SUFFIXES and _DOUBLE_SUFFIXES[double] in formats:
            suffix = _DOUBLE_SUFFIXES[double]
        if suffix in _FILE_FORMATS and suffix not in formats:
            # A table written into x.html or x.json would look like the format and not be it.
            offered = ", ".join(f for f in formats if f != "table")
            also = " (`hypscore report CASE -o FILE.html` writes the HTML report)" if suffix == "html" else ""
            raise UsageError(
                f"this command writes no .{suffix} file{also}; name the file for one of {offered}, "
                "or give --format"
            )
        chosen = suffix if suffix in formats and suffix != "table" else "table"
    renderer = formats[chosen]
    if renderer.refused:
        raise UsageError(renderer.refused)
    if renderer.file_only and to_stdout(output):
        raise UsageError(renderer.file_only)
    return chosen


def explains(kind: str, fmt: str) -> bool:
    """Whether the format shows the explanation (only then is it worth computing)."""
    return RENDERERS[kind][fmt].explains


def emit(
    kind: str,
    result: object,
    fmt: str,
    output: Path | None,
    inputs: Iterable[str | Path],
    case: object | None = None,
    verbose: bool = False,
) -> bool:
    """Render `result` in `fmt` and print it, or write it to `output` (never onto `inputs`);
    True when a file was written. A rich renderable goes to the terminal as it is, and into a
    file as plain text at FILE_WIDTH. `case`: the case as written, for the formats that read it;
    `verbose`: the engine's details in the footer. No emoji codes: every text from a case is a
    `Text` already, and the codes' table costs ~2 ms of start-up to read headers with none."""
    renderer = RENDERERS[kind][fmt]
    render = renderer.load()
    if renderer.with_case:
        return write(str(render(result, case)), output, inputs)
    if not renderer.rich:
        return write(str(render(result)), output, inputs)
    from rich.console import Console

    def renderable(console: Console) -> object:
        if renderer.timing:
            return render(result, timing=console.is_terminal, verbose=verbose)
        return render(result)

    if to_stdout(output):
        console = Console(emoji=False)
        console.print(renderable(console))
        return False
    console = Console(record=True, width=FILE_WIDTH, file=io.StringIO(), emoji=False)
    console.print(renderable(console))
    return write(console.export_text(), output, inputs)


def write(text: str, output: Path | None, inputs: Iterable[str | Path]) -> bool:
    """`text` to standard output, or atomically to `output`; True when a file was written."""
    if to_stdout(output):
        sys.stdout.write(text)
        return False
    assert output is not None
    write_atomic(output, text, inputs=inputs)
    return True


class _Collected:
    """A batch format made in one piece from every outcome (a STIX bundle): the one writer that
    holds them all."""

    def __init__(self, render: Callable[[list[object]], object], out: TextIO) -> None:
        self.render, self.out, self.outcomes = render, out, list[object]()

    def add(self, outcome: object) -> None:
        self.outcomes.append(outcome)

    def finish(self) -> None:
        self.out.write(str(self.render(self.outcomes)))


@contextmanager
def batch_output(
    fmt: str, output: Path | None, inputs: Iterable[str | Path]
) -> Iterator[Callable[[object], None]]:
    """Write a batch in `fmt` as its cases are scored: yields `add`, to call with each outcome
    in the order named. Standard output gets each part as soon as it is known (a JSONL line per
    case); a file is written into a temporary file, put in place only when the block ends
    without error (an interrupted batch leaves no half-file)."""
    renderer = RENDERERS["batch"][fmt]
    make = renderer.load()
    if renderer.collects:
        make = functools.partial(_Collected, make)
    if to_stdout(output):
        sys.stdout.flush()
        writer = make(_console(None) if renderer.rich else sys.stdout)
        yield writer.add
        writer.finish()
        return
    assert output is not None
    with (
        atomic_output(output, inputs) as temporary,
        temporary.open("w", encoding="utf-8", newline="") as handle,
    ):
        writer = make(_console(handle) if renderer.rich else handle)
        yield writer.add
        writer.finish()


def _console(handle: TextIO | None) -> Console:
    """The terminal (None), or a file's plain text at FILE_WIDTH."""
    from rich.console import Console

    if handle is None:
        return Console(emoji=False)
    return Console(file=handle, width=FILE_WIDTH, color_system=None, emoji=False)
