"""The `hypscore` command line: parse arguments, call the library, render. No computation here."""

from __future__ import annotations

import io
import json
import sys
import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from hypotheses import CaseError, OutputError, UsageError, __version__, load_case, score
from hypotheses.exports import to_csv, to_json, to_markdown, write_atomic

ISSUES_URL = "https://github.com/hypscore/hypscore/issues"

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


_state = {"debug": False}


def _fail(lines: list[str], code: int = 2) -> NoReturn:
    for line in lines:
        typer.echo(line, err=True)
    raise typer.Exit(code)


def _internal_error(exc: BaseException) -> NoReturn:
    if _state["debug"]:
        traceback.print_exception(exc)
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
    _fail(
        [
            f"hypscore: internal error ({type(exc).__name__}: {exc}){at}. This is a bug; please "
            f"report it at {ISSUES_URL} with the case file (run with --debug for the traceback)."
        ],
        1,
    )


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
        _fail(["hypscore: interrupted"], 130)
    except Exception as exc:
        _internal_error(exc)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hypscore {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")] = False,
) -> None:
    """Score competing hypotheses from a case file."""
    _state["debug"] = debug


def _warn(lines: tuple[str, ...]) -> None:
    for line in lines:
        typer.echo(line, err=True)


@app.command("score")
def score_command(
    case: Annotated[Path, typer.Argument(help="The case file (YAML).", show_default=False)],
    engine: Annotated[
        EngineChoice,
        typer.Option(help="Inference engine; auto runs numpy and falls back to pymc if its ESS is low."),
    ] = EngineChoice.auto,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same numbers.")] = 0,
    draws: Annotated[
        int | None,
        typer.Option(help="Draws in all (default 20,000 for numpy, 4,000 over 4 chains for pymc)."),
    ] = None,
    tune: Annotated[int | None, typer.Option(help="pymc: tuning steps per chain (default 1,000).")] = None,
    target_accept: Annotated[
        float | None,
        typer.Option(help="pymc: NUTS target acceptance (default 0.9); raise it on divergences."),
    ] = None,
    output_format: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.table,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of the terminal.")
    ] = None,
    netcdf: Annotated[
        Path | None, typer.Option(help="Also write the draws as ArviZ InferenceData (NetCDF) to this file.")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """Posterior probability and 90% credible interval of every hypothesis."""

    def action() -> None:
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

            _emit_rich(render_table(card), output)
            return
        _emit({Format.json: to_json, Format.csv: to_csv, Format.md: to_markdown}[output_format](card), output)

    _guarded(action)


@app.command()
def explain(
    case: Annotated[Path, typer.Argument(help="The case file (YAML).", show_default=False)],
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same numbers.")] = 0,
    draws: Annotated[int, typer.Option(help="Monte Carlo draws for the credible intervals.")] = 20_000,
    output_format: Annotated[
        Format, typer.Option("--format", "-f", help="Output format (csv: as json).")
    ] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to this file.")] = None,
) -> None:
    """Why the leading hypothesis leads: evidence weights, sensitivity, what would flip it."""

    def action() -> None:
        card = score(load_case(case), engine="numpy", draws=draws, seed=seed)
        _warn(card.warnings)
        if output_format is Format.table:
            from hypotheses.table import render_explanation

            _emit_rich(render_explanation(card), output)
            return
        if output_format is Format.md:
            from hypotheses.exports import explanation_markdown

            text = explanation_markdown(card)
        else:
            text = json.dumps(card.to_dict()["explain"], indent=2) + "\n"
        _emit(text, output)

    _guarded(action)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
    else:
        write_atomic(output, text)


def _emit_rich(renderable: object, output: Path | None) -> None:
    """Print to the terminal, or write the plain-text rendering to `output`."""
    from rich.console import Console

    if output is None:
        Console().print(renderable)
        return
    console = Console(record=True, width=120, file=io.StringIO())
    console.print(renderable)
    write_atomic(output, console.export_text())


@app.command()
def report(
    case: Annotated[Path, typer.Argument(help="The case file (YAML).", show_default=False)],
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The HTML file to write.", show_default=False)
    ],
    engine: Annotated[EngineChoice, typer.Option(help="Inference engine.")] = EngineChoice.auto,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same numbers.")] = 0,
    draws: Annotated[int | None, typer.Option(help="Draws in all (engine default if not given).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
) -> None:
    """A self-contained HTML report (plots inline, no network) for readers who never run hypscore."""

    def action() -> None:
        from hypotheses.report import render_report

        loaded = load_case(case)
        card = score(
            loaded, engine=engine.value, draws=draws, seed=seed, progressbar=not quiet and sys.stderr.isatty()
        )
        _warn(card.warnings)
        write_atomic(output, render_report(loaded, card))
        typer.echo(f"wrote {output}", err=True)

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
        typer.echo(f"wrote {path}; next: hypscore score {path}", err=True)

    _guarded(action)


@app.command()
def validate(
    cases: Annotated[list[Path], typer.Argument(help="Case files to check.", show_default=False)],
) -> None:
    """Check case files without scoring them; every problem is reported with its line."""

    def action() -> None:
        failed = False
        for path in cases:
            try:
                case = load_case(path)
            except CaseError as exc:
                failed = True
                for problem in exc.problems:
                    typer.echo(str(problem), err=True)
                continue
            _warn(tuple(str(w) for w in case.warnings))
            typer.echo(
                f"{path}: ok ({len(case.hypotheses)} hypotheses, {len(case.evidence)} "
                f"evidence items, scale {case.scale_name})"
            )
        if failed:
            raise typer.Exit(2)

    _guarded(action)


@app.command()
def scales(
    name: Annotated[str | None, typer.Argument(help="One scale to show (default: all).")] = None,
) -> None:
    """The verbal probability scales: words, ranges and the Beta each word stands for."""

    def action() -> None:
        from rich.console import Console
        from rich.table import Table

        from priors import get_scale, scale_names

        names = scale_names()
        if name is not None and name not in names:
            raise UsageError(f"unknown scale '{name}'; known scales: {', '.join(names)}")
        console = Console()
        for scale_name in [name] if name else names:
            scale = get_scale(scale_name)
            table = Table(title=f"{scale.name}: {scale.title}", title_justify="left")
            table.add_column("Term", style="bold")
            table.add_column("Synonyms")
            table.add_column("Range", justify="right")
            table.add_column("Judgment (5%/95% quantiles at the range ends)")
            for term in scale.terms:
                table.add_row(
                    term.term,
                    ", ".join(term.synonyms),
                    term.range_text(),
                    repr(term.judgment).split(" from ")[0],
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


if __name__ == "__main__":
    app()
