"""Hostile case text and hostile output paths: every export inert, every output written safely,
every usage error caught before any work, and the command line's own edges (Ctrl-C, bugs)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import signal
import stat
import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt
from rich.console import Console
from typer.testing import CliRunner

import cli
from cli import app
from hypotheses import Problem, load_case, score
from hypotheses.output.terminal import render_explanation, render_table
from hypotheses.output.text import to_csv, to_json, to_markdown
from hypotheses.text import percent
from tests.helpers import DATA, EXAMPLES, ROOT

runner = CliRunner()
SEED_CASE = EXAMPLES / "al-bab-2017.yaml"
TAXICAB = EXAMPLES / "taxicab.yaml"

# What must never reach a terminal, a Markdown renderer or a spreadsheet raw: C0 controls but
# the newline, DEL, C1 controls, bidi overrides and isolates.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

OSC_TITLE = "\x1b]0;pwned\x07"  # sets the window title; click's ANSI stripping misses it
OSC_LINK = "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\"
CSI = "\x1b[2J\x1b[8mhidden\x9b31m"  # clear screen, hidden text, one-byte CSI
BIDI = "\u202eevil\u2066"


def write_case(directory: Path, document: dict[str, Any], name: str = "case.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def hostile_document(labels: tuple[str, str] = ("", "")) -> dict[str, Any]:
    return {
        "schema": 1,
        "title": f"T [/] [bold]b[/bold] {OSC_TITLE}",
        "question": f"Q [link=https://evil.example]click[/link] {BIDI}",
        "hypotheses": [
            {"id": "a", "label": labels[0] or f"first [/] [source 3] {OSC_LINK}", "prior": 0.5},
            {"id": "b", "label": labels[1] or f"second {CSI}", "prior": 0.5},
        ],
        "evidence": [
            {"id": "e1", "label": f"[red]item[/red] {OSC_TITLE}", "likelihoods": {"a": [0.2, 0.6], "b": 0.3}}
        ],
    }


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    return write_case(tmp_path, hostile_document())


def render_markdown(text: str) -> str:
    """HTML as a GitHub-flavoured renderer would make it (tables, strikethrough)."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(text)


def terminal_output(renderable: object) -> str:
    """What a colour terminal would receive."""
    console = Console(file=io.StringIO(), force_terminal=True, color_system="truecolor", width=120)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


# --- A: user text is never rich markup -------------------------------------------------------


def test_markup_in_labels_is_shown_as_written(hostile: Path) -> None:
    result = runner.invoke(app, ["score", str(hostile)])
    assert result.exit_code == 0, result.output
    assert "first [/] [source 3]" in result.stdout
    assert "T [/] [bold]b[/bold]" in result.stdout
    assert "[red]item[/red]" not in result.stdout  # evidence labels are not in the table
    card = score(load_case(hostile))
    screen = terminal_output(render_table(card))
    assert "[source 3]" in screen and "[link=https://evil.example]click[/link]" in screen


def test_link_markup_in_a_case_makes_no_link(tmp_path: Path) -> None:
    labels = ("[link=https://evil.example]click me[/link]", "[bold red]shout[/]")
    card = score(load_case(write_case(tmp_path, hostile_document(labels))))
    screen = terminal_output(render_table(card))
    assert "\x1b]8;" not in screen  # OSC 8: a hyperlink
    assert "[link=https://evil.example]click me[/link]" in screen and "[bold red]shout[/]" in screen


def test_explanation_shows_case_text_as_written(hostile: Path) -> None:
    card = score(load_case(hostile))
    screen = terminal_output(render_explanation(card))
    assert "T [/] [bold]b[/bold]" in screen
    assert "\x1b]0;" not in screen and "\x1b]8;" not in screen


# --- B: control characters are made visible everywhere -------------------------------------


def test_visible_escapes_controls_and_keeps_ordinary_text() -> None:
    from hypotheses.text import visible

    assert visible("Drafting mistake - café [x] (90%)") == "Drafting mistake - café [x] (90%)"
    assert visible("a\x1b[2Jb\x07\x9b\x7f") == "a\\x1b[2Jb\\x07\\x9b\\x7f"
    assert visible("\u202eevil") == "\\u202eevil"
    assert visible("one\r\ntwo\rthree\u2028four\u2029five\x0bsix\x0cseven\x85eight\tnine") == (
        "one two three four five six seven eight nine"
    )
    assert visible("one\r\ntwo\u2028three\x1b", newlines=True) == "one\ntwo\nthree\\x1b"


def test_control_characters_never_reach_any_output(hostile: Path, tmp_path: Path) -> None:
    for args in (
        [],
        ["-f", "md"],
        ["-f", "csv"],
        ["-f", "json"],
        ["-o", str(tmp_path / "out.txt")],
    ):
        result = runner.invoke(app, ["score", str(hostile), *args])
        assert result.exit_code == 0, result.output
        assert not RAW_CONTROL.search(result.stdout), (args, result.stdout)
        assert not RAW_CONTROL.search(result.stderr)
    assert not RAW_CONTROL.search((tmp_path / "out.txt").read_text(encoding="utf-8"))
    for fmt in ("table", "md", "json"):
        result = runner.invoke(app, ["explain", str(hostile), "-f", fmt])
        assert result.exit_code == 0 and not RAW_CONTROL.search(result.stdout), fmt
    assert "\\x1b]0;pwned\\x07" in runner.invoke(app, ["score", str(hostile)]).stdout


def test_json_escapes_controls_but_keeps_the_text(hostile: Path) -> None:
    card = score(load_case(hostile))
    text = to_json(card)
    assert not RAW_CONTROL.search(text)
    data = json.loads(text)
    assert data["hypotheses"][1]["label"] == f"second {CSI}"
    assert data["case"]["title"].endswith(OSC_TITLE)


def test_problem_messages_escape_control_characters(tmp_path: Path) -> None:
    problem = Problem(f"case{OSC_TITLE}.yaml", 3, f"unknown hypothesis '{CSI}'")
    assert (
        str(problem) == "case\\x1b]0;pwned\\x07.yaml:3: unknown hypothesis '\\x1b[2J\\x1b[8mhidden\\x9b31m'"
    )
    document = hostile_document()
    document["evidence"][0]["likelihoods"] = {"a": 0.5, f"x{OSC_TITLE}": 0.5}
    result = runner.invoke(app, ["score", str(write_case(tmp_path, document))])
    assert result.exit_code == 2
    assert "\\x1b]0;pwned\\x07" in result.stderr and not RAW_CONTROL.search(result.stderr)


def test_warnings_and_file_names_escape_control_characters(tmp_path: Path) -> None:
    path = tmp_path / f"zero{OSC_TITLE}.yaml"
    path.write_bytes((DATA / "warn" / "zero_prior.yaml").read_bytes())
    scored = runner.invoke(app, ["score", str(path), "-f", "json"])
    assert scored.exit_code == 0, scored.output
    assert "prior of 'beta' is 0" in scored.stderr and not RAW_CONTROL.search(scored.stderr)
    checked = runner.invoke(app, ["validate", str(path)])
    assert checked.exit_code == 0 and ": ok (" in checked.stdout
    assert not RAW_CONTROL.search(checked.stdout + checked.stderr)


# --- C: CSV and Markdown are inert ---------------------------------------------------------


def test_csv_neutralises_formulas_and_keeps_numbers(tmp_path: Path) -> None:
    labels = {
        '=HYPERLINK("https://evil.example","x")': '\'=HYPERLINK("https://evil.example","x")',
        "+1+1": "'+1+1",
        "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
        "@SUM(A1:A2)": "'@SUM(A1:A2)",
        "\t=1+1": "' =1+1",
        "\r=1+1": "' =1+1",
        "\uff1dcmd": "'\uff1dcmd",
        "-0.5": "-0.5",
        "+3e5": "+3e5",
        "an ordinary label - with a dash": "an ordinary label - with a dash",
    }
    document = {
        "schema": 1,
        "title": "csv",
        "hypotheses": [{"id": f"h{k}", "label": label} for k, label in enumerate(labels)],
    }
    card = score(load_case(write_case(tmp_path, document)))
    rows = list(csv.DictReader(io.StringIO(to_csv(card))))
    assert [row["label"] for row in rows] == list(labels.values())
    for row in rows:
        for column in (
            "prior_mean",
            "prior_lo",
            "prior_hi",
            "posterior_mean",
            "posterior_lo",
            "posterior_hi",
        ):
            float(row[column])  # numbers stay numbers: no quote prefix on a negative or any value
        assert row["hypothesis"].startswith("h")


def test_csv_of_an_ordinary_case_is_unchanged() -> None:
    card = score(load_case(SEED_CASE))
    rows = list(csv.reader(io.StringIO(to_csv(card))))
    for h, row in zip(card.hypotheses, rows[1 : 1 + len(card.hypotheses)], strict=True):
        numbers = [h.prior.mean, h.prior.lo, h.prior.hi, h.posterior.mean, h.posterior.lo, h.posterior.hi]
        confidence = [card.confidence.level, "; ".join(card.confidence.reasons)]  # the case's, every row
        assert row[:11] == [h.id, h.label, *(f"{x:.10g}" for x in numbers), h.verbal, *confidence]
        assert not any(row[11:])  # the items' columns follow, empty in a hypothesis's row


LINE_SEPARATORS = ["\r", "\r\n", "\n", "\u2028", "\u2029", "\x0b", "\x0c", "\x85"]


def test_markdown_rows_survive_line_separators(tmp_path: Path) -> None:
    document = {
        "schema": 1,
        "title": "title\rwith a break",
        "hypotheses": [
            {"id": f"h{k}", "label": f"before{sep}| injected | row |{sep}after"}
            for k, sep in enumerate(LINE_SEPARATORS)
        ],
        "evidence": [
            {
                "id": "e1",
                "label": "item\r| x |",
                "likelihoods": {f"h{k}": 0.5 for k in range(len(LINE_SEPARATORS))},
            }
        ],
    }
    card = score(load_case(write_case(tmp_path, document)))
    md = to_markdown(card)
    rows = [line for line in md.splitlines() if line.startswith("| ") and "**h" in line]
    assert len(rows) == len(LINE_SEPARATORS)
    assert all("before \\| injected \\| row \\| after" in row for row in rows)
    assert md.startswith("# title with a break\n")
    assert not re.search("[\r\x0b\x0c\x85\u2028\u2029]", md)
    html = render_markdown(md)
    assert html.count("<tr>") == 1 + len(LINE_SEPARATORS) + 1 + 1  # two headers, the rows, one item


def test_markdown_cannot_form_html_links_or_images(tmp_path: Path) -> None:
    labels = (
        "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1))",
        "![i](https://evil.example/i.png) <javascript:alert(1)> **bold** _em_ `code` ~~s~~ &#106;",
    )
    document = hostile_document(labels)
    document["title"] = "[click](javascript:alert(document.cookie)) <b>t</b>"
    card = score(load_case(write_case(tmp_path, document)))
    md = to_markdown(card)
    assert "<script" not in md and "<img" not in md
    assert not re.search(r"(?<!\\)\]\(javascript:", md)  # only as an escaped \](
    html = render_markdown(md)
    for tag in ("<a ", "<script", "<img", "<strong>bold", "<em>em", "<code>code", "<del>", "<b>"):
        assert tag not in html, tag
    # ... and the reader still sees the label as written.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "[x](javascript:alert(1))" in html
    assert "**bold** _em_ `code` ~~s~~ &amp;#106;" in html


def test_markdown_of_an_ordinary_case_is_unchanged() -> None:
    card = score(load_case(SEED_CASE))
    md = to_markdown(card)
    for rank, h in enumerate(card.ranked(), 1):
        assert (
            f"| {rank} | **{h.id}**: {h.label} | {percent(h.prior.mean)} | {percent(h.posterior.mean)} |"
            in md
        )
    assert "**true_claim**" in md  # an underscore inside a word is left alone


# --- D: writing outputs -------------------------------------------------------------------


def test_output_onto_the_case_is_refused_before_any_work(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_bytes(TAXICAB.read_bytes())
    original = case.read_bytes()
    (tmp_path / "link.yaml").symlink_to(case)
    os.link(case, tmp_path / "hard.yaml")
    attempts = [
        ["score", str(case), "-o", str(case)],
        ["score", str(case), "-f", "json", "-o", str(tmp_path / "link.yaml")],
        ["score", str(case), "-o", str(tmp_path / "hard.yaml")],
        ["score", str(case), "-o", str(tmp_path / "." / "case.yaml")],
        ["score", str(case), "--netcdf", str(case)],
        ["explain", str(case), "-o", str(case)],
        ["report", str(case), "-o", str(case)],
    ]
    for args in attempts:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "is the same file as the input" in result.stderr, args
        assert len(result.stderr.strip().splitlines()) == 1
        assert case.read_bytes() == original
    both = runner.invoke(
        app, ["score", str(case), "-o", str(tmp_path / "x"), "--netcdf", str(tmp_path / "x")]
    )
    assert both.exit_code == 2 and "--netcdf and the scorecard would both go to" in both.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case.yaml", "hard.yaml", "link.yaml"]


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[bytes]]]:
    path = tmp_path / "pipe"
    os.mkfifo(path)
    reader = subprocess.Popen(["cat", str(path)], stdout=subprocess.PIPE)
    yield path, reader
    if reader.poll() is None:
        reader.kill()
        reader.wait()


def _drain(reader: subprocess.Popen[bytes]) -> bytes:
    try:
        out, _ = reader.communicate(timeout=20)
    except subprocess.TimeoutExpired:  # the writer renamed a file over the FIFO instead
        reader.kill()
        out, _ = reader.communicate()
    return out


def test_output_to_a_fifo_writes_into_it(fifo: tuple[Path, subprocess.Popen[bytes]]) -> None:
    path, reader = fifo
    result = runner.invoke(app, ["score", str(TAXICAB), "-f", "json", "-o", str(path)])
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(os.lstat(path).st_mode)
    assert json.loads(_drain(reader))["case"]["title"]
    assert [p.name for p in path.parent.iterdir()] == ["pipe"]


def test_output_to_a_symlink_to_a_fifo_keeps_both(fifo: tuple[Path, subprocess.Popen[bytes]]) -> None:
    path, reader = fifo
    link = path.parent / "link"
    link.symlink_to(path)
    result = runner.invoke(app, ["score", str(TAXICAB), "-f", "csv", "-o", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and stat.S_ISFIFO(os.lstat(path).st_mode)
    assert _drain(reader).startswith(b"hypothesis,label,")


def test_output_to_a_character_device_stays_a_device(tmp_path: Path) -> None:
    """`-o /dev/null` as root used to replace the device with a regular file; a private null
    device node stands in for it here."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    result = runner.invoke(app, ["score", str(TAXICAB), "-o", str(node)])
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(os.lstat(node).st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]


CSV_TO_FD1 = ["-f", "csv", "-o", "/dev/fd/1"]


def test_output_to_an_open_file_descriptor_writes_into_it(tmp_path: Path) -> None:
    """`-o /dev/fd/1` (or /dev/stdout) names the file the shell opened, e.g. `>> log`: write
    into it (appending, as the shell asked), never rename a file over the /proc link."""
    log = tmp_path / "log.txt"
    log.write_text("earlier\n")
    with log.open("a") as stream:
        result = subprocess.run(
            [sys.executable, "-c", "import cli; cli.main_entry()", "score", str(TAXICAB), *CSV_TO_FD1],
            cwd=ROOT,
            stdout=stream,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    lines = log.read_text().splitlines()
    # The header, 2 hypotheses and the case's one item.
    assert lines[0] == "earlier" and lines[1].startswith("hypothesis,label,") and len(lines) == 5
    assert [p.name for p in tmp_path.iterdir()] == ["log.txt"]


def test_output_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real.json"
    target.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(target)
    result = runner.invoke(app, ["score", str(TAXICAB), "-f", "json", "-o", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["case"]["title"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o660])
def test_output_keeps_an_existing_files_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    target.chmod(mode)
    assert runner.invoke(app, ["score", str(TAXICAB), "-f", "json", "-o", str(target)]).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == mode
    assert json.loads(target.read_text())


def test_new_output_file_follows_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o027)
    try:
        assert runner.invoke(app, ["score", str(TAXICAB), "-o", str(tmp_path / "new.txt")]).exit_code == 0
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


def test_read_only_output_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "keep.md"
    target.write_text("precious")
    target.chmod(0o444)
    result = runner.invoke(app, ["score", str(TAXICAB), "-f", "md", "-o", str(target)])
    assert result.exit_code == 2
    assert f"{target}: is read-only;" in result.stderr and "Traceback" not in result.output
    assert target.read_text() == "precious" and stat.S_IMODE(target.stat().st_mode) == 0o444
    assert [p.name for p in tmp_path.iterdir()] == ["keep.md"]


def test_dash_output_is_standard_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["score", str(TAXICAB), "-f", "json", "-o", "-"])
    assert result.exit_code == 0 and json.loads(result.stdout)["case"]["title"]
    table = runner.invoke(app, ["score", str(TAXICAB), "-o", "-"])
    assert table.exit_code == 0 and "90% interval" in table.stdout
    assert list(tmp_path.iterdir()) == []


SLOW_WRITE = """
import os, sys, time
from cli import app
real_replace = os.replace

def slow_replace(source, destination):
    print("ready", flush=True)  # the temporary file is written; now hold it open
    time.sleep(60)
    real_replace(source, destination)

os.replace = slow_replace
app(sys.argv[1:], prog_name="hypscore")
"""


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_during_the_write_leaves_no_temporary_file(tmp_path: Path, signum: int, code: int) -> None:
    out = tmp_path / "out"
    out.mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_WRITE, "score", str(TAXICAB), "-f", "json", "-o", str(out / "out.json")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # SIGINT raises KeyboardInterrupt only if the child does not inherit it ignored.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        assert [p.suffix for p in out.iterdir()] == [".tmp"]
        child.send_signal(signum)
        _, stderr = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == code, stderr
    assert list(out.iterdir()) == []
    assert "Traceback" not in stderr and stderr.startswith("hypscore: ")


# --- E: numeric options ---------------------------------------------------------------------

BAD_NUMBERS = [
    (["--seed", "-1"], "--seed must be between 0 and 4294967295"),
    (["--seed", str(2**32)], "--seed must be between 0 and 4294967295"),
    (["--draws", str(10**12)], "--draws must be at most 1,000,000"),
    (["--draws", str(2**63)], "--draws must be at most 1,000,000"),
    (["--draws", "99"], "--draws must be at least 100"),
    (["--tune", "-5"], "--tune must be between 0 and 100,000"),
    (["--tune", str(10**9)], "--tune must be between 0 and 100,000"),
    (["--target-accept", "1.5"], "--target-accept must be strictly between 0 and 1"),
    (["--target-accept", "0"], "--target-accept must be strictly between 0 and 1"),
    (["--target-accept", "nan"], "--target-accept must be strictly between 0 and 1"),
    (["--target-accept", "inf"], "--target-accept must be strictly between 0 and 1"),
]


@pytest.mark.parametrize(("args", "message"), BAD_NUMBERS, ids=[" ".join(a) for a, _ in BAD_NUMBERS])
def test_bad_numeric_options_are_usage_errors_before_any_work(
    tmp_path: Path, args: list[str], message: str
) -> None:
    # A case that does not exist: the option must be refused before the case is even read.
    missing = str(tmp_path / "missing.yaml")
    commands = [["score", missing, *args]]
    if args[0] in ("--seed", "--draws"):
        commands += [["explain", missing, *args], ["report", missing, "-o", str(tmp_path / "r.html"), *args]]
    for command in commands:
        result = runner.invoke(app, command)
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr.startswith(f"hypscore: {message}"), (command, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1
        assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_help_gives_the_ranges() -> None:
    text = " ".join(runner.invoke(app, ["score", "--help"]).stdout.split())
    assert "0 to 4294967295" in text and "100 to 1,000,000" in text and "strictly between 0 and 1" in text


def test_boundary_values_are_accepted() -> None:
    result = runner.invoke(app, ["score", str(TAXICAB), "--seed", str(2**32 - 1), "--draws", "100"])
    assert result.exit_code == 0, result.output


# --- F, G: internal errors ---------------------------------------------------------------------


def _break_scoring(monkeypatch: pytest.MonkeyPatch) -> None:
    import hypotheses.analysis.scoring

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(hypotheses.analysis.scoring.numpy_engine, "run", broken)


def test_internal_error_says_what_to_send_and_where(monkeypatch: pytest.MonkeyPatch) -> None:
    _break_scoring(monkeypatch)
    result = runner.invoke(app, ["score", str(TAXICAB)])
    assert result.exit_code == 1
    line = result.stderr.strip()
    assert "\n" not in line and "github.com" not in line and "http" not in line
    assert "This is a bug" in line and "hypscore --debug" in line
    assert "the case file" in line and "whoever maintains your hypscore installation" in line
    readme = (ROOT / "README.md").read_text()
    assert "**Reporting a bug.**" in readme and "whoever" in readme
    debug = runner.invoke(app, ["--debug", "score", str(TAXICAB)])
    assert "Traceback" in debug.stderr and "send the traceback above" in debug.stderr


def test_validate_checks_every_file_after_an_internal_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real = cli.load_case

    def flaky(path: Path) -> Any:
        if Path(path).name == "taxicab.yaml":
            raise KeyError("boom")
        return real(path)

    monkeypatch.setattr(cli, "load_case", flaky)
    bad = DATA / "bad" / "mixed_priors.yaml"
    result = runner.invoke(app, ["validate", str(TAXICAB), str(SEED_CASE), str(bad)])
    assert result.exit_code == 1, result.output
    assert f"{TAXICAB}: internal error (KeyError: 'boom')" in result.stderr
    assert f"{SEED_CASE}: ok (" in result.stdout
    assert "has no prior while others do" in result.stderr
    only_bad = runner.invoke(app, ["validate", str(SEED_CASE), str(bad)])
    assert only_bad.exit_code == 2


# --- H: deterministic outputs -----------------------------------------------------------------


def test_outputs_written_twice_are_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The same case and seed give byte-identical files, however long each run took."""
    import hypotheses.analysis.scoring

    clock = iter(float(t) ** 2 for t in range(1000))  # every run a different duration
    monkeypatch.setattr(
        hypotheses.analysis.scoring, "time", types.SimpleNamespace(perf_counter=lambda: next(clock))
    )
    for fmt in ("table", "md", "csv"):
        files = []
        for run in (1, 2):
            target = tmp_path / f"{fmt}{run}"
            result = runner.invoke(
                app, ["score", str(SEED_CASE), "-f", fmt, "--seed", "3", "-o", str(target)]
            )
            assert result.exit_code == 0, result.output
            files.append(target.read_bytes())
        assert files[0] == files[1], fmt
    assert b" ms" not in (tmp_path / "table1").read_bytes()
    piped = runner.invoke(app, ["score", str(SEED_CASE)]).stdout
    assert not re.search(r"\d ms\b", piped)  # not a terminal either
    card = score(load_case(SEED_CASE))
    assert re.search(r"seed 0 · [\d,]+ ms", terminal_output(render_table(card)))  # a person watching


# --- I, J: interruptions and other engineers' errors --------------------------------------------

STARTUP_INTERRUPT = """
import sys

class Interrupt:  # Ctrl-C arriving while cli.py imports its dependencies
    def find_spec(self, name, path=None, target=None):
        if name == "typer":
            raise KeyboardInterrupt
        return None

sys.meta_path.insert(0, Interrupt())
sys.argv = ["hypscore", "--help"]
from cli import main_entry  # what the console script does
sys.exit(main_entry())
"""


def test_ctrl_c_during_start_up_is_one_line_and_exit_130() -> None:
    result = subprocess.run(
        [sys.executable, "-c", STARTUP_INTERRUPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr == "hypscore: interrupted\n"


@pytest.mark.parametrize("raised", ["KeyboardInterrupt()", "SystemExit(130)"])
def test_ctrl_c_outside_a_command_is_one_line_and_exit_130(raised: str) -> None:
    """Outside a command (while Typer parses, say) Typer exits 130 silently: the entry says why."""
    program = textwrap.dedent(
        f"""
        import cli

        def app(**kwargs):
            raise {raised}

        cli.app = app
        cli.main_entry()
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 130 and result.stderr == "hypscore: interrupted\n", result.stderr


def test_console_script_is_the_interrupt_safe_entry() -> None:
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "hypscore"]
    assert script.value == "cli:main_entry"
    text = (ROOT / "pyproject.toml").read_text()
    assert 'hypscore = "cli:main_entry"' in text


def test_keyboard_interrupt_in_a_command_is_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "load_case", interrupted)
    for command in (["score", str(TAXICAB)], ["validate", str(TAXICAB)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 130 and result.stderr == "hypscore: interrupted\n"


def test_scale_error_is_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    """priors.ScaleError (a ValueError whose message is `PATH: what is wrong`) is exit 2."""
    import priors

    class ScaleError(ValueError):
        pass

    monkeypatch.setattr(priors, "ScaleError", ScaleError, raising=False)
    message = "scales/mine.yaml: term 'likely' overlaps 'very likely'; make the ranges disjoint"

    def bad_scale(path: Path) -> None:
        raise ScaleError(message)

    monkeypatch.setattr(cli, "load_case", bad_scale)
    for command in (["score", str(TAXICAB)], ["validate", str(TAXICAB)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert result.stderr == message + "\n"
