"""The `hypscore` command line: parse arguments, call the library, render. No computation here."""

from __future__ import annotations

import sys

try:  # Ctrl-C while the imports run (most of start-up) is an interruption, not a crash
    import io
    import json
    import math
    import traceback
    from collections.abc import Callable
    from enum import StrEnum
    from pathlib import Path
    from typing import Annotated, NoReturn

    import typer

    from hypotheses import CaseError, OutputError, UsageError, __version__, load_case, score
    from hypotheses.errors import Terminated
    from hypotheses.exports import check_output, same_file, to_csv, to_json, to_markdown, write_atomic
    from hypotheses.scoring import MIN_DRAWS
    from hypotheses.wording import visible
except KeyboardInterrupt:
    sys.stderr.write("hypscore: interrupted\n")
    raise SystemExit(130) from None

# Where an internal error goes (README.md, "Reporting a bug"); no tracker address is assumed.
BUG_REPORT = (
    "and the case file (or a smaller case that shows the same error) to whoever maintains your "
    "hypscore installation"
)

# Limits of the numeric options, checked before any work (see _check_numbers).
MAX_SEED = 2**32 - 1  # numpy's legacy seeding and PyMC's per-chain seeds take 32-bit values
MAX_DRAWS = 1_000_000  # every draw of every hypothesis is held in memory (a few arrays of them)
MAX_TUNE = 100_000

app = typer.Typer(
    name="hypscore",
    help="Score competing hypotheses from a case file: posterior probabilities with credible "
    "intervals, the evidence that drove them, and exports for other tools.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class EngineChoice(StrEnum):
    auto = "auto"
    numpy = "numpy"
    pymc = "pymc"


class Format(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


# The options several commands share, declared once.
CaseArg = Annotated[Path, typer.Argument(help="The case file (YAML).", show_default=False)]
SeedOpt = Annotated[
    int,
    typer.Option(
        help=f"Random seed, 0 to {MAX_SEED} (2**32 - 1, what PyMC accepts): the same seed gives "
        "the same numbers."
    ),
]
DrawsOpt = Annotated[
    int | None,
    typer.Option(
        help=f"Draws in all, {MIN_DRAWS} to {MAX_DRAWS:,} (default 20,000 for numpy, 4,000 over 4 "
        "chains for pymc).",
        show_default=False,
    ),
]
TuneOpt = Annotated[
    int | None,
    typer.Option(
        help=f"pymc: tuning steps per chain, 0 to {MAX_TUNE:,} (default 1,000).", show_default=False
    ),
]
TargetAcceptOpt = Annotated[
    float | None,
    typer.Option(
        help="pymc: NUTS target acceptance, strictly between 0 and 1 (default 0.9); raise it on divergences.",
        show_default=False,
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]

_state = {"debug": False, "interrupt_reported": False}


def _fail(lines: list[str], code: int = 2) -> NoReturn:
    for line in lines:
        typer.echo(visible(line), err=True)
    raise typer.Exit(code)


def _interrupted() -> NoReturn:
    _state["interrupt_reported"] = True
    _fail(["hypscore: interrupted"], 130)


def _bug_line(what: str, exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    # With --debug the traceback is already on the screen; without, say how to get it.
    if _state["debug"]:
        how = "send the traceback above, the command"
    else:
        how = "run it again as `hypscore --debug ...` and send the traceback, the command"
    return (
        f"{what}: internal error ({type(exc).__name__}: {exc}){at}. This is a bug; please {how} {BUG_REPORT}."
    )


def _print_traceback(exc: BaseException) -> None:
    # The traceback quotes the exception's message, which may quote the case.
    sys.stderr.write(visible("".join(traceback.format_exception(exc)), newlines=True))


def _internal_error(exc: BaseException) -> NoReturn:
    if _state["debug"]:
        _print_traceback(exc)
    _fail([_bug_line("hypscore", exc)], 1)


def _scale_error() -> type[Exception] | None:
    """priors.ScaleError (a bad scale file: bad input) once it exists; looked up when needed."""
    import priors

    return getattr(priors, "ScaleError", None)


def _bad_input(exc: Exception) -> bool:
    scale_error = _scale_error()
    return scale_error is not None and isinstance(exc, scale_error)


def _guarded(action: Callable[[], None]) -> None:
    """Bad input -> its messages and exit 2; anything unexpected -> one line and exit 1."""
    try:
        action()
    except CaseError as exc:
        _fail([str(p) for p in exc.problems])
    except (OutputError, UsageError) as exc:
        _fail([f"hypscore: {exc}"])
    except typer.Exit:
        raise
    except KeyboardInterrupt:
        _interrupted()
    except Terminated as exc:
        _fail([f"hypscore: terminated by signal {exc.signum}; no output was written"], exc.signum + 128)
    except Exception as exc:
        if _bad_input(exc):
            _fail([str(exc)])  # its message is already `PATH: what is wrong, how to fix it`
        _internal_error(exc)


def _check_numbers(
    seed: int, draws: int | None = None, tune: int | None = None, target_accept: float | None = None
) -> None:
    """Every numeric option, before any work: out of range is a usage error (exit 2) with the
    range, never an internal error or a crash a minute into sampling."""
    if not 0 <= seed <= MAX_SEED:
        raise UsageError(
            f"--seed must be between 0 and {MAX_SEED} (2**32 - 1), got {seed}; pick one in that range"
        )
    if draws is not None and draws < MIN_DRAWS:
        raise UsageError(
            f"--draws must be at least {MIN_DRAWS}, got {draws:,}; fewer give no usable interval"
        )
    if draws is not None and draws > MAX_DRAWS:
        raise UsageError(
            f"--draws must be at most {MAX_DRAWS:,}, got {draws:,}: the draws are held in memory; "
            "use fewer (numpy's default is 20,000)"
        )
    if tune is not None and not 0 <= tune <= MAX_TUNE:
        raise UsageError(f"--tune must be between 0 and {MAX_TUNE:,}, got {tune:,}; the default is 1,000")
    if target_accept is not None and not (math.isfinite(target_accept) and 0 < target_accept < 1):
        raise UsageError(
            f"--target-accept must be strictly between 0 and 1, got {target_accept}; the default is 0.9, "
            "0.95 or 0.99 against divergences"
        )


def _check_outputs(case: Path, output: Path | None, netcdf: Path | None = None) -> None:
    """Refuse, before any work, outputs that cannot be written or would overwrite the case or
    each other (`None`: standard output)."""
    for path in (output, netcdf):
        if path is not None:
            check_output(path, inputs=[case])
    if netcdf is not None and same_file(netcdf, output if output is not None else "-"):
        where = "standard output" if str(netcdf) == "-" else str(netcdf)
        raise UsageError(f"--netcdf and the scorecard would both go to {where}; give them different files")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hypscore {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors (to send with a bug report).")
    ] = False,
) -> None:
    """Score competing hypotheses from a case file."""
    _state["debug"] = debug


def _warn(lines: tuple[str, ...]) -> None:
    for line in lines:
        typer.echo(visible(line), err=True)


@app.command("score")
def score_command(
    case: CaseArg,
    engine: Annotated[
        EngineChoice,
        typer.Option(help="Inference engine; auto runs numpy and falls back to pymc if its ESS is low."),
    ] = EngineChoice.auto,
    seed: SeedOpt = 0,
    draws: DrawsOpt = None,
    tune: TuneOpt = None,
    target_accept: TargetAcceptOpt = None,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write to this file instead of the terminal (-: standard output)."
        ),
    ] = None,
    netcdf: Annotated[
        Path | None, typer.Option(help="Also write the draws as ArviZ InferenceData (NetCDF) to this file.")
    ] = None,
    quiet: QuietOpt = False,
) -> None:
    """Posterior probability and 90% credible interval of every hypothesis."""

    def action() -> None:
        _check_numbers(seed, draws, tune, target_accept)
        _check_outputs(case, output, netcdf)
        card = score(
            load_case(case),
            engine=engine.value,
            draws=draws,
            seed=seed,
            tune=tune,
            target_accept=target_accept,
            progressbar=not quiet and sys.stderr.isatty(),
            netcdf=netcdf,
        )
        _warn(card.warnings)
        if output_format is Format.table:
            from hypotheses.table import render_table

            _emit_rich(lambda live: render_table(card, timing=live), output, case)
            return
        text = {Format.json: to_json, Format.csv: to_csv, Format.md: to_markdown}[output_format](card)
        _emit(text, output, case)

    _guarded(action)


@app.command()
def explain(
    case: CaseArg,
    seed: SeedOpt = 0,
    draws: DrawsOpt = None,
    output_format: Annotated[
        Format, typer.Option("--format", "-f", help="Output format (csv: as json).")
    ] = Format.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file (-: standard output).")
    ] = None,
) -> None:
    """Why the leading hypothesis leads: evidence weights, sensitivity, what would flip it."""

    def action() -> None:
        _check_numbers(seed, draws)
        _check_outputs(case, output)
        card = score(load_case(case), engine="numpy", draws=draws, seed=seed)
        _warn(card.warnings)
        if output_format is Format.table:
            from hypotheses.table import render_explanation

            _emit_rich(lambda live: render_explanation(card), output, case)
            return
        if output_format is Format.md:
            from hypotheses.exports import explanation_markdown

            text = explanation_markdown(card)
        else:
            text = json.dumps(card.to_dict()["explain"], indent=2) + "\n"
        _emit(text, output, case)

    _guarded(action)


def _to_stdout(output: Path | None) -> bool:
    return output is None or str(output) == "-"


def _emit(text: str, output: Path | None, case: Path) -> None:
    if _to_stdout(output):
        sys.stdout.write(text)
    else:
        write_atomic(output, text, inputs=[case])


def _emit_rich(render: Callable[[bool], object], output: Path | None, case: Path) -> None:
    """Print to the terminal, or write the plain-text rendering to `output`; `render(live)`
    builds the renderable, `live` when a person watches (the only place for wall times)."""
    from rich.console import Console

    if _to_stdout(output):
        console = Console()
        console.print(render(console.is_terminal))
        return
    console = Console(record=True, width=120, file=io.StringIO())
    console.print(render(False))
    write_atomic(output, console.export_text(), inputs=[case])


@app.command()
def report(
    case: CaseArg,
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The HTML file to write.", show_default=False)
    ],
    engine: Annotated[EngineChoice, typer.Option(help="Inference engine.")] = EngineChoice.auto,
    seed: SeedOpt = 0,
    draws: DrawsOpt = None,
    quiet: QuietOpt = False,
) -> None:
    """A self-contained HTML report (plots inline, no network) for readers who never run hypscore."""

    def action() -> None:
        _check_numbers(seed, draws)
        _check_outputs(case, output)
        from hypotheses.report import render_report

        loaded = load_case(case)
        card = score(
            loaded, engine=engine.value, draws=draws, seed=seed, progressbar=not quiet and sys.stderr.isatty()
        )
        _warn(card.warnings)
        write_atomic(output, render_report(loaded, card), inputs=[case])
        if not _to_stdout(output):
            typer.echo(visible(f"wrote {output}"), err=True)

    _guarded(action)


@app.command()
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the starter case.")] = Path("case.yaml"),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter case (two hypotheses, factored priors, a source, two items)."""

    def action() -> None:
        from importlib.resources import files

        if path.exists() and not force:
            raise UsageError(f"{path} already exists; choose another path or add --force to overwrite it")
        write_atomic(path, files("hypotheses").joinpath("templates/starter.yaml").read_text(encoding="utf-8"))
        if not _to_stdout(path):
            typer.echo(visible(f"wrote {path}; next: hypscore score {path}"), err=True)

    _guarded(action)


@app.command()
def validate(
    cases: Annotated[list[Path], typer.Argument(help="Case files to check.", show_default=False)],
) -> None:
    """Check case files without scoring them; every problem is reported with its line."""

    def action() -> None:
        failed = crashed = False
        for path in cases:
            try:
                case = load_case(path)
            except CaseError as exc:
                failed = True
                for problem in exc.problems:
                    typer.echo(str(problem), err=True)
                continue
            except Exception as exc:  # one file's bug must not hide what the others say
                if _bad_input(exc):
                    failed = True
                    typer.echo(visible(str(exc)), err=True)
                    continue
                crashed = True
                if _state["debug"]:
                    _print_traceback(exc)
                typer.echo(visible(_bug_line(str(path), exc)), err=True)
                continue
            _warn(tuple(str(w) for w in case.warnings))
            typer.echo(
                visible(
                    f"{path}: ok ({len(case.hypotheses)} hypotheses, {len(case.evidence)} "
                    f"evidence items, scale {case.scale_name})"
                )
            )
        if crashed or failed:
            raise typer.Exit(1 if crashed else 2)

    _guarded(action)


@app.command()
def scales(
    name: Annotated[str | None, typer.Argument(help="One scale to show (default: all).")] = None,
) -> None:
    """The verbal scales: words, ranges and the Beta each word stands for."""

    def action() -> None:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text

        from priors import get_scale, scale_names

        names = scale_names()
        if name is not None and name not in names:
            raise UsageError(f"unknown scale '{name}'; known scales: {', '.join(names)}")
        console = Console()
        for scale_name in [name] if name else names:
            scale = get_scale(scale_name)
            # Scale files are data: their words go in as Text (never parsed as rich markup).
            table = Table(
                title=Text(visible(f"{scale.name}: {scale.title}"), style="table.title"), title_justify="left"
            )
            table.add_column("Term", style="bold")
            table.add_column("Synonyms")
            table.add_column("Range", justify="right")
            table.add_column("Judgment (5%/95% quantiles at the range ends)")
            for term in scale.terms:
                table.add_row(
                    Text(visible(term.term)),
                    Text(visible(", ".join(term.synonyms))),
                    Text(term.range_text()),
                    Text(visible(repr(term.judgment).split(" from ")[0])),
                )
            console.print(table)

    _guarded(action)


@app.command()
def schema() -> None:
    """JSON Schema of the case-file format (for editor completion and validation)."""

    def action() -> None:
        from hypotheses import case_json_schema

        sys.stdout.write(json.dumps(case_json_schema(), indent=2) + "\n")

    _guarded(action)


def main_entry() -> None:
    """The console script: `app`, with Ctrl-C at any moment one line and exit 130."""
    _state["interrupt_reported"] = False
    try:
        app(prog_name="hypscore")
    except KeyboardInterrupt:
        sys.stderr.write("hypscore: interrupted\n")
        raise SystemExit(130) from None
    except SystemExit as exc:
        # Typer turns a Ctrl-C outside a command's own handling (while parsing the arguments,
        # say) into a silent exit 130: say what happened, once.
        if exc.code == 130 and not _state["interrupt_reported"]:
            sys.stderr.write("hypscore: interrupted\n")
        raise


if __name__ == "__main__":
    main_entry()
