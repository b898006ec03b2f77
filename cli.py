"""The `hypscore` command line: parse arguments, call the library, render. No computation here."""

from __future__ import annotations

import sys

try:  # Ctrl-C while the imports run (most of start-up) is an interruption, not a crash
    import functools
    import traceback
    from collections.abc import Callable
    from enum import StrEnum
    from pathlib import Path
    from typing import Annotated, Any, NoReturn, ParamSpec

    import typer

    # Only what every command needs, none of it NumPy, pydantic or rich: --help and the error
    # paths stay at the interpreter's floor; each command imports the library it uses.
    from hypotheses._version import __version__
    from hypotheses.case.messages import CaseError
    from hypotheses.output.files import (
        OutputError,
        Terminated,
        check_output,
        same_file,
        to_stdout,
        write_atomic,
    )
    from hypotheses.output.formats import RENDERERS, choose, emit, explains, write
    from hypotheses.settings import (
        DEFAULT_SEED,
        DEFAULT_TARGET_ACCEPT,
        DEFAULT_TUNE,
        INTERVAL_MCSE_TARGET,
        MAX_DRAW_CELLS,
        MAX_DRAWS,
        MAX_SEED,
        MAX_TUNE,
        MIN_DRAWS,
        NUMPY_DEFAULT_DRAWS,
        PILOT_DRAWS,
        PYMC_CHAINS,
        PYMC_DEFAULT_DRAWS,
        UsageError,
        check_settings,
    )
    from hypotheses.text import visible
except KeyboardInterrupt:
    sys.stderr.write("hypscore: interrupted\n")
    raise SystemExit(130) from None

# Where an internal error goes (README.md, "Reporting a bug"); no tracker address is assumed.
BUG_REPORT = (
    "and the case file (or a smaller case that shows the same error) to whoever maintains your "
    "hypscore installation"
)

app = typer.Typer(
    name="hypscore",
    help="Score competing hypotheses from a case file: posterior probabilities with credible "
    "intervals, the evidence that drove them, and exports for other tools.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class EngineChoice(StrEnum):
    auto = "auto"
    numpy = "numpy"
    pymc = "pymc"


# The options several commands share, declared once; their defaults are the library's (settings).
SEED = DEFAULT_SEED
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
        help=f"Draws in all, {MIN_DRAWS} to {MAX_DRAWS:,}: at most {MAX_DRAW_CELLS:,} draws x hypotheses, "
        f"so {MAX_DRAWS:,} at two hypotheses and fewer with more (default: numpy chooses {PILOT_DRAWS:,} to "
        f"{NUMPY_DEFAULT_DRAWS:,} for interval ends within {100 * INTERVAL_MCSE_TARGET:g} points of Monte "
        f"Carlo error; pymc {PYMC_DEFAULT_DRAWS:,} over {PYMC_CHAINS} chains).",
        show_default=False,
    ),
]
TuneOpt = Annotated[
    int | None,
    typer.Option(
        help=f"pymc: tuning steps per chain, 0 to {MAX_TUNE:,} (default {DEFAULT_TUNE:,}).",
        show_default=False,
    ),
]
TargetAcceptOpt = Annotated[
    float | None,
    typer.Option(
        help=f"pymc: NUTS target acceptance, strictly between 0 and 1 (default {DEFAULT_TARGET_ACCEPT}); "
        "raise it on divergences.",
        show_default=False,
    ),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Write to this file instead of the terminal (-: standard output)."),
]
EngineOpt = Annotated[
    EngineChoice,
    typer.Option(help="Inference engine; auto runs numpy and falls back to pymc if its ESS is low."),
]
# Shared by every command with formats (each with its own): the -o file's extension decides
# when --format is not given (see output/formats.py, `choose`).
_FORMAT_OPTION = typer.Option(
    "--format",
    "-f",
    help="Output format (default: from the -o file's extension, else table).",
    show_default=False,
)


def _format_option(kind: str) -> Any:
    """A command's --format: its choices are the formats output/formats.py renders `kind` in."""
    choices = StrEnum(f"{kind.capitalize()}Format", [(fmt, fmt) for fmt in RENDERERS[kind]])
    return Annotated[choices | None, _FORMAT_OPTION]


ScoreFormatOpt = _format_option("score")
ExplainFormatOpt = _format_option("explain")
NextFormatOpt = _format_option("next")
DiffFormatOpt = _format_option("diff")
PoolFormatOpt = _format_option("pool")
CalibrationFormatOpt = _format_option("calibration")
P = ParamSpec("P")

_state = {"debug": False, "interrupt_reported": False}


def load_case(path: Path) -> Any:
    """hypotheses.load_case, imported when a command first reads a case."""
    from hypotheses.case.loading import load_case as load

    return load(path)


def score(*args: Any, **kwargs: Any) -> Any:
    """hypotheses.score, imported when a command first scores."""
    from hypotheses.analysis.scoring import score as run

    return run(*args, **kwargs)


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
    """priors.ScaleError (a bad scale file: bad input), if priors was imported at all (else no
    scale was read and none can be at fault)."""
    priors = sys.modules.get("priors")
    return getattr(priors, "ScaleError", None)


def _bad_input(exc: Exception) -> bool:
    scale_error = _scale_error()
    return scale_error is not None and isinstance(exc, scale_error)


def _guarded(command: Callable[P, None]) -> Callable[P, None]:
    """Wrap a command: bad input -> its messages and exit 2; anything unexpected -> one line and
    exit 1; Ctrl-C -> exit 130. Typer reads the wrapped signature (functools.wraps)."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            command(*args, **kwargs)
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

    return run


def _inputs(*paths: Path | None) -> list[Path]:
    """Every input of a command, for its outputs to be checked against: the files it names (a
    case, a mapping), every scale file on the scale path (a case may name its scale by name) and
    the scale files the cases name by path (`scale: desk.yaml`)."""
    from hypotheses.case.loading import named_scale_files
    from priors.scales import scale_files

    named = [p for p in paths if p is not None]
    return (
        named + scale_files() + named_scale_files(p for p in named if p.suffix.lower() in (".yaml", ".yml"))
    )


def _check_outputs(case: Path, output: Path | None, netcdf: Path | None = None, *more: Path | None) -> None:
    """Refuse, before any work, outputs that cannot be written or would overwrite an input (the
    case, its scale, `more`) or each other (`None`: standard output)."""
    for path in (output, netcdf):
        if path is not None:
            check_output(path, inputs=_inputs(case, *more))
    if netcdf is not None and same_file(netcdf, output if output is not None else "-"):
        where = "standard output" if str(netcdf) == "-" else str(netcdf)
        raise UsageError(f"--netcdf and the scorecard would both go to {where}; give them different files")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hypscore {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[  # noqa: ARG001 -- declares --version; its eager callback does the work
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


def _warn_line(line: str) -> None:
    _warn((line,))


CasesArg = Annotated[
    list[Path],
    typer.Argument(
        help="Case files (YAML), directories (every *.yaml and *.yml under them) or quoted glob "
        "patterns ('cases/**/*.yaml'). One file: the full scorecard; several: one row per case.",
        show_default=False,
        metavar="CASE...",
    ),
]
JobsOpt = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        help="Several cases: score them in this many processes (default: one per CPU that other programs "
        "leave idle, once the first cases show the rest take long enough to pay for starting them).",
        min=1,
        show_default=False,
    ),
]
DaskOpt = Annotated[
    str | None,
    typer.Option(
        "--dask",
        help="Several cases: score them on the Dask scheduler at this address (tcp://HOST:8786); "
        "needs pip install 'hypscore[dask]'.",
        show_default=False,
    ),
]


def _one_place(jobs: int | None, dask: str | None) -> None:
    """--jobs and --dask spread several cases; one case is scored here, in this process (its
    numbers are the same either way): say so rather than ignore them without a word."""
    given = [
        name for name, used in (("--dask", dask is not None), (f"--jobs {jobs}", (jobs or 1) > 1)) if used
    ]
    if given:
        _warn_line(
            f"hypscore: {' and '.join(given)} not used: they spread several cases over processes or "
            "machines, and one case is scored here, in this process"
        )


def _single(cases: list[Path]) -> Path | None:
    """The one case file named, if that is all that was named (not a directory or pattern)."""
    if (
        len(cases) == 1
        and not cases[0].is_dir()
        and (cases[0].exists() or not set("*?[") & set(str(cases[0])))
    ):
        return cases[0]
    return None


@app.command("score")
@_guarded
def score_command(
    cases: CasesArg,
    engine: EngineOpt = EngineChoice.auto,
    seed: SeedOpt = SEED,
    draws: DrawsOpt = None,
    tune: TuneOpt = None,
    target_accept: TargetAcceptOpt = None,
    output_format: ScoreFormatOpt = None,
    output: OutputOpt = None,
    netcdf: Annotated[
        Path | None, typer.Option(help="Also write the draws as ArviZ InferenceData (NetCDF) to this file.")
    ] = None,
    quiet: QuietOpt = False,
    jobs: JobsOpt = None,
    dask: DaskOpt = None,
    taxii: TaxiiOpt = None,
    collection: CollectionOpt = None,
    user: UserOpt = None,
    password_file: PasswordFileOpt = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", "-v", help="The table's footer gives the engine's details (draws, ESS, why)."
        ),
    ] = False,
) -> None:
    """Posterior probability and 90% credible interval of every hypothesis; for several cases,
    one summary row per case (--format jsonl: one JSON document per line)."""
    check_settings(draws, seed, tune, target_accept)
    push = _taxii_target(taxii, collection, user, password_file)
    _need_exchange(output_format, output, push is not None)
    if engine is EngineChoice.numpy and (tune is not None or target_accept is not None):
        raise UsageError("--tune and --target-accept set the pymc engine; drop them or use --engine pymc")
    case = _single(cases)
    if case is None:
        from hypotheses.analysis.batch import Settings

        if netcdf is not None:
            raise UsageError("--netcdf writes one case's draws; score that case on its own to save them")
        settings = Settings(engine.value, draws, seed, tune=tune, target_accept=target_accept)
        _score_batch(cases, settings, output_format, output, quiet, jobs, dask, push)
        return
    _check_outputs(case, output, netcdf)
    _one_place(jobs, dask)
    fmt = choose("score", output_format, output)
    loaded = load_case(case)
    card = score(
        loaded,
        engine=engine.value,
        draws=draws,
        seed=seed,
        explain=explains("score", fmt),
        tune=tune,
        target_accept=target_accept,
        progressbar=not quiet and sys.stderr.isatty(),
        keep_draws=netcdf is not None,
    )
    _warn(card.warnings)
    if netcdf is not None:
        from hypotheses.output.netcdf import inference_data, write_netcdf

        write_netcdf(inference_data(loaded, card.engine_result, seed), netcdf, inputs=_inputs(case))
    _wrote(emit("score", card, fmt, output, _inputs(case), case=loaded, verbose=verbose), output)
    if push is not None:
        from hypotheses.exchange.stix import stix_json

        _push(push, stix_json(card, loaded))


# --taxii and its companions: the password only ever from a file or the environment.
TaxiiOpt = Annotated[
    str | None,
    typer.Option(
        "--taxii",
        help="Also push the STIX bundle to this TAXII 2.1 API root (http(s)://HOST/API_ROOT/), "
        "into --collection; needs pip install 'hypscore[exchange]'.",
        show_default=False,
    ),
]
CollectionOpt = Annotated[
    str | None, typer.Option("--collection", help="The TAXII collection's id.", show_default=False)
]
UserOpt = Annotated[str | None, typer.Option("--user", help="The TAXII user.", show_default=False)]
PasswordFileOpt = Annotated[
    Path | None,
    typer.Option(
        "--password-file",
        help="A file whose first line is the TAXII password (else the environment variable "
        "HYPSCORE_TAXII_PASSWORD); never give a password on the command line.",
        show_default=False,
    ),
]


def _taxii_target(
    url: str | None, collection: str | None, user: str | None, password_file: Path | None
) -> tuple[str, str, str | None, str | None] | None:
    """(url, collection, user, password) of a --taxii push, checked before any work; None without --taxii."""
    if url is None:
        if collection is not None or user is not None or password_file is not None:
            raise UsageError("--collection, --user and --password-file go with --taxii URL")
        return None
    if collection is None:
        raise UsageError("--taxii needs --collection ID (the collection to push to)")
    from hypotheses.exchange.taxii import collection_url, read_password

    collection_url(url, collection)
    password = read_password(password_file)
    if password is not None and user is None:
        raise UsageError("a TAXII password needs a user: give --user")
    return url, collection, user, password


def _need_exchange(output_format: str | None, output: Path | None, taxii: bool) -> None:
    """A one-line refusal, before any work, when STIX, MISP or TAXII is asked for without the
    optional libraries."""
    import importlib.util

    from hypotheses.output.formats import EXCHANGE_FORMATS

    name = "".join(output.suffixes[-2:]).lower() if output is not None else ""
    wanted = {str(output_format or "")} | {f for f in EXCHANGE_FORMATS if name == f".{f}.json"}
    needs = {"stix": ["stix2"], "misp": ["pymisp"]}
    modules = [m for f in wanted for m in needs.get(f, [])] + (["stix2", "taxii2client"] if taxii else [])
    missing = sorted({m for m in modules if importlib.util.find_spec(m) is None})
    if missing:
        raise UsageError(
            f"STIX, MISP and TAXII need the optional libraries ({', '.join(missing)} missing): "
            "pip install 'hypscore[exchange]'"
        )


def _push(target: tuple[str, str, str | None, str | None], bundle: str) -> None:
    from hypotheses.exchange.taxii import push_taxii

    url, collection, user, password = target
    typer.echo(visible(push_taxii(bundle, url, collection, user, password).line), err=True)


def _score_batch(
    inputs: list[Path],
    settings: Any,
    output_format: str | None,
    output: Path | None,
    quiet: bool,
    jobs: int | None,
    dask: str | None,
    push: tuple[str, str, str | None, str | None] | None = None,
) -> None:
    """Several cases: each scored as alone, a bad one reported and the rest still scored; each
    written as it comes, in the order named, so a batch of any size holds few outcomes."""
    from contextlib import closing
    from dataclasses import replace

    from hypotheses.analysis.batch import Tally, find_cases, iter_scored
    from hypotheses.output.formats import EXCHANGE_FORMATS, batch_output

    paths = find_cases(inputs, warn=_warn_line)
    # An exchange format into a directory (one there already, or a name without an extension).
    exchange = output_format in EXCHANGE_FORMATS
    if exchange and output is not None and (output.is_dir() or not output.suffix):
        assert output is not None and output_format is not None
        _exchange_files(paths, settings, str(output_format), output, quiet, jobs, dask, push)
        return
    if output is not None:
        check_output(output, inputs=_inputs(*paths))
    fmt = choose("batch", output_format, output)
    # The format decides, whether named by --format or by the -o file's extension.
    settings = replace(settings, explain=explains("batch", fmt))
    tally, kept = Tally(), list[Any]()  # kept: only for a TAXII push (one bundle of every case)
    # closing: a write that fails (or Ctrl-C) stops the workers now, not when garbage is collected.
    with (
        closing(iter_scored(paths, settings, jobs=jobs, dask=dask)) as outcomes,
        batch_output(fmt, output, _inputs(*paths)) as add,
        _progress(len(paths), quiet) as advance,
    ):
        for outcome in outcomes:
            _scored(tally, outcome, advance)
            add(outcome)
            if push is not None:
                kept.append(outcome)
    _wrote(output is not None and not to_stdout(output), output)
    if push is not None:
        from hypotheses.exchange.stix import stix_batch

        _push(push, stix_batch(kept))
    _batch_end(tally)


def _scored(tally: Any, outcome: Any, advance: Callable[[], None]) -> None:
    """One case of a batch done: counted, its problems printed (in the order named, whatever
    order the cases finished in; warnings are counted in the table and kept in JSONL, not
    repeated here), the progress bar moved."""
    tally.add(outcome)
    _warn(outcome.problems)
    advance()


def _one_file_each(paths: list[Path], folder: Path, suffix: str, what: str, verb: str) -> dict[str, Path]:
    """Each case's file in `folder`, named after the case file (CASE_NAME + suffix); a UsageError,
    before any work, when `folder` is a file or two cases would write one name."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"-o {folder}: several cases write {what} each; give a directory")
    names: dict[str, Path] = {}
    for path in paths:
        other = names.setdefault(path.stem, path)
        if other != path:
            raise UsageError(
                f"{other} and {path} would both write {path.stem}{suffix}; "
                f"{verb} them into separate directories"
            )
    return {str(p): folder / f"{p.stem}{suffix}" for p in paths}


def _exchange_files(
    paths: list[Path],
    settings: Any,
    fmt: str,
    folder: Path,
    quiet: bool,
    jobs: int | None,
    dask: str | None,
    push: tuple[str, str, str | None, str | None] | None,
) -> None:
    """`score DIR/ -f stix -o OUT`: one CASE_NAME.stix.json (or .misp.json) per case into OUT,
    each written as its case is scored."""
    from contextlib import closing

    from hypotheses.analysis.batch import Tally, iter_scored
    from hypotheses.output.formats import RENDERERS

    targets = _one_file_each(paths, folder, f".{fmt}.json", "one file", "score")
    protected = _inputs(*paths)
    folder.mkdir(parents=True, exist_ok=True)
    for target in targets.values():
        check_output(target, inputs=protected)
    render = RENDERERS["score"][fmt].load()
    tally, kept = Tally(), list[Any]()
    with (
        closing(iter_scored(paths, settings, jobs=jobs, dask=dask)) as outcomes,
        _progress(len(paths), quiet) as advance,
    ):
        for outcome in outcomes:
            _scored(tally, outcome, advance)
            if outcome.card is not None:
                write_atomic(targets[outcome.path], str(render(outcome.card, outcome.case)), inputs=protected)
            if push is not None:
                kept.append(outcome)
    written = tally.scored
    typer.echo(visible(f"wrote {written} file{'s' * (written != 1)} into {folder}"), err=True)
    if push is not None:
        from hypotheses.exchange.stix import stix_batch

        _push(push, stix_batch(kept))
    _batch_end(tally)


def _print_problems(outcomes: list[Any]) -> None:
    for outcome in outcomes:  # in the order the cases were named, whatever order they finished in
        _warn(outcome.problems)  # warnings are counted in the table and kept in JSONL, not repeated here


def _tally(outcomes: list[Any]) -> Any:
    from hypotheses.analysis.batch import Tally

    tally = Tally()
    for outcome in outcomes:
        tally.add(outcome)
    return tally


def _batch_end(tally: Any) -> None:
    """The last line of a batch (the counts), and its exit code: 2 if a case was bad."""
    t = tally
    typer.echo(
        f"{t.cases} case{'s' * (t.cases != 1)}: {t.scored} scored, {t.bad} with errors"
        + (" (listed above)" if t.bad else "")
        + (f", {t.unresolved} without a resolution (not scored)" if t.unresolved else "")
        + (f"; {t.warned} with warnings (score one alone to read them)" if t.warned else ""),
        err=True,
    )
    if t.bad:
        raise typer.Exit(1 if t.crashed else 2)


class _progress:
    """A progress bar on standard error when a person watches (and not --quiet); else nothing."""

    def __init__(self, total: int, quiet: bool) -> None:
        self.bar = None
        if not quiet and sys.stderr.isatty() and total > 1:
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.task = self.bar.add_task("scoring", total=total)

    def __enter__(self) -> Callable[[], None]:
        if self.bar is not None:
            self.bar.start()
        return self.advance

    def advance(self) -> None:
        if self.bar is not None:
            self.bar.advance(self.task)

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


@app.command()
@_guarded
def calibration(
    cases: CasesArg,
    output_format: CalibrationFormatOpt = None,
    output: OutputOpt = None,
    engine: EngineOpt = EngineChoice.auto,
    seed: SeedOpt = SEED,
    draws: DrawsOpt = None,
    quiet: QuietOpt = False,
    jobs: JobsOpt = None,
    dask: DaskOpt = None,
    fit_scale: Annotated[
        str | None,
        typer.Option(
            "--fit-scale",
            metavar="NAME",
            help="Write the cases' scale with its words and Admiralty grades re-fitted to how often they "
            "came true, as the scale file -o NAME.yaml (a case can then say `scale: NAME.yaml`).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """How often the resolved cases' probabilities came true: Brier score, log loss, reliability
    bins, verbal terms and source grades (-o FILE.html: a reliability diagram)."""
    check_settings(draws, seed)
    from hypotheses.analysis.batch import Settings, find_cases, score_many
    from hypotheses.analysis.calibration import NoResolvedCases
    from hypotheses.analysis.calibration import calibration as calibrate

    if fit_scale is not None:
        _check_fit_output(fit_scale, output, output_format)
    paths = find_cases(cases, warn=_warn_line)
    if output is not None:
        check_output(output, inputs=_inputs(*paths))
    if fit_scale is not None:
        _fit_scale(
            fit_scale,
            paths,
            output,
            output_format,
            Settings(engine.value, draws, seed, resolved_only=True),
            quiet,
            jobs,
            dask,
        )
        return
    fmt = choose("calibration", output_format, output)
    settings = Settings(engine.value, draws, seed, resolved_only=True)
    with _progress(len(paths), quiet) as advance:
        outcomes = score_many(paths, settings, jobs=jobs, dask=dask, on_done=lambda _: advance())
    _print_problems(outcomes)
    try:
        result = calibrate(outcomes)
    except NoResolvedCases as exc:
        _batch_end(_tally(outcomes))
        _fail([f"{exc}"])
    _wrote(emit("calibration", result, fmt, output, _inputs(*paths)), output)
    _batch_end(_tally(outcomes))


def _check_fit_output(name: str, output: Path | None, output_format: Any) -> None:
    """`--fit-scale NAME` writes the scale file NAME.yaml (a scale's name is its file's name);
    what goes to the terminal is the fit's table or JSON. UsageError before any work."""
    from hypotheses.analysis.scale_fit import SCALE_NAME

    if not SCALE_NAME.match(name):
        raise UsageError(
            f"--fit-scale {name!r}: a scale's name uses letters, digits, '_', '-' and '.', starting with "
            "a letter or digit (it is also its file's name)"
        )
    if output is None or to_stdout(output):
        raise UsageError(f"--fit-scale writes a scale file: give -o {name}.yaml")
    if output.suffix.lower() not in (".yaml", ".yml") or output.stem != name:
        raise UsageError(
            f"--fit-scale {name} writes the scale named {name}, whose file must be {name}.yaml "
            f"(a scale's name is its file's name); give -o {output.with_name(name + '.yaml')}"
        )
    if output_format is not None and output_format.value not in ("table", "json"):
        raise UsageError("with --fit-scale, --format is the terminal's: table or json")


def _fit_scale(
    name: str,
    paths: list[Path],
    output: Path,
    output_format: Any,
    settings: Any,
    quiet: bool,
    jobs: int | None,
    dask: str | None,
) -> None:
    """Score the cases, re-fit their scale, write it to `output` (never onto a case or a scale
    any case reads), and show the fit."""
    from hypotheses.analysis.batch import score_many
    from hypotheses.analysis.calibration import NoResolvedCases
    from hypotheses.analysis.scale_fit import ScaleFitError, fit_scale

    with _progress(len(paths), quiet) as advance:
        outcomes = score_many(paths, settings, jobs=jobs, dask=dask, on_done=lambda _: advance())
    _print_problems(outcomes)
    try:
        fit = fit_scale(outcomes, name)
    except (NoResolvedCases, ScaleFitError) as exc:
        _batch_end(_tally(outcomes))
        _fail([f"{exc}"])
    used = {Path(o.case.scale.file) for o in outcomes if o.case is not None and o.case.scale.file}
    inputs = _inputs(*paths, *used)
    _wrote(emit("scale_fit", fit, "yaml", output, inputs), output)
    emit("scale_fit", fit, output_format.value if output_format is not None else "table", None, inputs)
    _warn(tuple(f"warning: {line}" for line in fit.warnings))
    _batch_end(_tally(outcomes))


# explain and next: the question asked, when it is not "which hypothesis leads".
ForOpt = Annotated[
    str | None,
    typer.Option(
        "--for",
        help="A hypothesis or group id: explain it against its rival (the strongest other hypothesis, "
        "or every hypothesis outside the group) instead of the leader.",
        show_default=False,
    ),
]


@app.command()
@_guarded
def explain(
    case: CaseArg,
    engine: EngineOpt = EngineChoice.auto,
    seed: SeedOpt = SEED,
    draws: DrawsOpt = None,
    output_format: ExplainFormatOpt = None,
    output: OutputOpt = None,
    quiet: QuietOpt = False,
    for_: ForOpt = None,
) -> None:
    """Why the leading hypothesis leads (or, with --for, what the evidence says about one
    hypothesis or group): evidence weights, sensitivity, what would flip it."""
    check_settings(draws, seed)
    _check_outputs(case, output)
    fmt = choose("explain", output_format, output)
    card = score(
        load_case(case),
        engine=engine.value,
        draws=draws,
        seed=seed,
        progressbar=not quiet and sys.stderr.isatty(),
        for_=for_,
    )
    _warn(card.warnings)
    _wrote(emit("explain", card, fmt, output, _inputs(case)), output)


NextForOpt = Annotated[
    str | None,
    typer.Option(
        "--for",
        help="A hypothesis or group id: rank the pending items by what each would tell about it (its "
        "probability either way, the information about it, the chance the answer about it changes) "
        "instead of about the leader.",
        show_default=False,
    ),
]


@app.command("next")
@_guarded
def next_command(
    case: CaseArg,
    seed: SeedOpt = SEED,
    output_format: NextFormatOpt = None,
    output: OutputOpt = None,
    for_: NextForOpt = None,
) -> None:
    """Which `observed: pending` item to collect next: P(observed), the posterior either way,
    the expected information (bits) and the chance the leading hypothesis changes (with --for,
    about one hypothesis or group: its probability either way, the information about it, the
    chance the answer about it changes)."""
    check_settings(None, seed)
    _check_outputs(case, output)
    fmt = choose("next", output_format, output)
    from hypotheses.analysis.decision import next_items

    loaded = load_case(case)
    _warn(tuple(str(w) for w in loaded.warnings))
    result = next_items(loaded, seed=seed, for_=for_)
    _wrote(emit("next", result, fmt, output, _inputs(case)), output)


def _load_all(paths: list[Path]) -> list[Any]:
    """Every case, or every problem of every bad one (exit 2) before any scoring."""
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_case(path))
        except CaseError as exc:
            problems += exc.problems
    if problems:
        raise CaseError(problems)
    for case in loaded:
        _warn(tuple(str(w) for w in case.warnings))
    return loaded


@app.command()
@_guarded
def pool(
    cases: Annotated[
        list[Path],
        typer.Argument(
            help="Two or more analysts' cases of one question (same hypothesis ids), or directories of "
            "them; with --rounds, one directory per round.",
            show_default=False,
            metavar="CASE...",
        ),
    ],
    weights: Annotated[
        str | None,
        typer.Option(help="One weight per case, in order, e.g. 2,1,1 (default: equal).", show_default=False),
    ] = None,
    output_format: PoolFormatOpt = None,
    output: OutputOpt = None,
    engine: EngineOpt = EngineChoice.auto,
    seed: SeedOpt = SEED,
    draws: DrawsOpt = None,
    with_consensus: Annotated[
        bool,
        typer.Option(
            "--consensus",
            help="Also the model-based pool: a hierarchical model of the disputed judgments around a "
            "latent consensus, and the team's case scored (docs/model.md section 9).",
        ),
    ] = False,
    anonymous: Annotated[
        bool,
        typer.Option(
            "--anonymous",
            help="Name the analysts A, B, C (in file order) in every output: no paths, file names or "
            "titles, so the cruxes can be handed back for another round.",
        ),
    ] = False,
    rounds: Annotated[
        bool,
        typer.Option(
            "--rounds",
            help="Each CASE is a directory holding one round's cases (Delphi), analysts matched by file "
            "name: each round pooled, and how far each crux and the pooled answer moved.",
        ),
    ] = False,
) -> None:
    """Pool several analysts' cases: each scored on its own, then the linear and log pools with
    90% intervals, and the cruxes (the judgments whose disagreement moves an answer most)."""
    check_settings(draws, seed)
    from hypotheses.analysis.batch import find_cases
    from hypotheses.analysis.team import parse_weights
    from hypotheses.analysis.team import pool as pool_cases

    if rounds:
        _pool_rounds(cases, weights, output_format, output, engine, seed, draws, with_consensus, anonymous)
        return
    paths = find_cases(cases, warn=_warn_line)
    if len(paths) < 2 and len(cases) >= 2:
        raise UsageError(
            f"pool needs two analysts' cases or more; {len(cases)} arguments name {len(paths)} case "
            "file(s) (the same file twice counts once): name each analyst's own file"
        )
    if output is not None:
        check_output(output, inputs=_inputs(*paths))
    fmt = choose("pool", output_format, output)
    shares = parse_weights(weights, len(paths))
    result = pool_cases(
        _load_all(paths),
        shares,
        seed=seed,
        draws=draws,
        engine=engine.value,
        consensus=with_consensus,
        anonymous=anonymous,
    )
    _wrote(emit("pool", result, fmt, output, _inputs(*paths)), output)


def _pool_rounds(
    folders: list[Path],
    weights: str | None,
    output_format: Any,
    output: Path | None,
    engine: Any,
    seed: int | None,
    draws: int | None,
    with_consensus: bool,
    anonymous: bool,
) -> None:
    """`pool --rounds R1/ R2/ ...`: every argument a directory, each one round."""
    from hypotheses.analysis.batch import find_cases
    from hypotheses.analysis.rounds import pool_rounds

    if weights is not None:
        raise UsageError("--weights does not go with --rounds: each round is pooled with equal weights")
    not_folders = [str(f) for f in folders if not f.is_dir()]
    if not_folders:
        raise UsageError(f"--rounds: {not_folders[0]} is not a directory; give one directory per round")
    if len(folders) < 2:
        raise UsageError("--rounds needs two rounds or more (one directory each)")
    if len({f.resolve() for f in folders}) < len(folders):
        raise UsageError("--rounds names one directory twice: give each round's own directory")
    if output_format is not None and output_format.value not in RENDERERS["rounds"]:
        raise UsageError(f"--rounds writes a table, json or md, not {output_format.value}")
    fmt = choose("rounds", output_format.value if output_format is not None else None, output)
    paths = find_cases(folders, warn=_warn_line)
    if output is not None:
        check_output(output, inputs=_inputs(*paths))
    _load_all(paths)  # every bad case of every round reported (exit 2) before any scoring
    result = pool_rounds(
        folders, seed=seed, draws=draws, engine=engine.value, consensus=with_consensus, anonymous=anonymous
    )
    _wrote(emit("rounds", result, fmt, output, _inputs(*paths)), output)


@app.command()
@_guarded
def diff(
    old: Annotated[Path, typer.Argument(help="The earlier version of the case.", show_default=False)],
    new: Annotated[Path, typer.Argument(help="The later version.", show_default=False)],
    output_format: DiffFormatOpt = None,
    output: OutputOpt = None,
    seed: SeedOpt = SEED,
) -> None:
    """What changed between two versions of a case: every judgment, item, hypothesis, source and
    event as a place, the posterior before and after, and each change's effect alone."""
    check_settings(None, seed)
    if output is not None:
        check_output(output, inputs=_inputs(old, new))
    fmt = choose("diff", output_format, output)
    from hypotheses.analysis.diff import diff as diff_cases

    before, after = _load_all([old, new])
    result = diff_cases(before, after, seed=seed)
    _wrote(emit("diff", result, fmt, output, _inputs(old, new)), output)


MappingOpt = Annotated[
    Path | None,
    typer.Option(
        help="The ratings-to-likelihoods mapping (YAML; default: hypscore's, see docs/ach.md).",
        show_default=False,
    ),
]


@app.command("import-ach")
@_guarded
def import_ach_command(
    matrix: Annotated[Path, typer.Argument(help="The ACH matrix: .csv, .xlsx or .achz.", show_default=False)],
    output: OutputOpt = None,
    mapping: MappingOpt = None,
) -> None:
    """An ACH matrix (hypotheses as columns, CC/C/N/I/II/NA ratings, credibility and relevance)
    as a case file, through an editable mapping from ratings to likelihoods."""
    if output is not None:
        check_output(output, inputs=_inputs(matrix, mapping))
    from hypotheses.exchange.ach import import_ach

    _wrote(write(import_ach(matrix, mapping), output, _inputs(matrix, mapping)), output)


@app.command("export-ach")
@_guarded
def export_ach_command(
    case: CaseArg,
    output: OutputOpt = None,
    mapping: MappingOpt = None,
    seed: SeedOpt = SEED,
) -> None:
    """The case as an ACH matrix (CSV): each item's nearest ratings and credibility level, with
    Heuer's weighted inconsistency score per hypothesis beside hypscore's posterior."""
    check_settings(None, seed)
    _check_outputs(case, output, None, mapping)
    from hypotheses.exchange.ach import ach_csv, read_mapping

    loaded = load_case(case)
    _warn(tuple(str(w) for w in loaded.warnings))
    table = read_mapping(mapping)
    card = score(loaded, engine="numpy", seed=seed, explain=False)
    _wrote(write(ach_csv(loaded, card, table), output, _inputs(case, mapping)), output)


def _wrote(written: bool, output: Path | None) -> None:
    """Say which file a command wrote (what goes to standard output needs no saying)."""
    if written:
        typer.echo(visible(f"wrote {output}"), err=True)


@app.command()
@_guarded
def report(
    cases: CasesArg,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="The HTML file to write; for several cases, a directory (one CASE_NAME.html each).",
            show_default=False,
        ),
    ],
    engine: EngineOpt = EngineChoice.auto,
    seed: SeedOpt = SEED,
    draws: DrawsOpt = None,
    quiet: QuietOpt = False,
    jobs: JobsOpt = None,
    dask: DaskOpt = None,
) -> None:
    """A self-contained HTML report (plots inline, no network) for readers who never run hypscore."""
    check_settings(draws, seed)
    case = _single(cases)
    if case is None:
        _report_batch(cases, output, engine.value, seed, draws, quiet, jobs, dask)
        return
    _check_outputs(case, output)
    _one_place(jobs, dask)
    from hypotheses.output.report import render_report

    loaded = load_case(case)
    card = score(
        loaded, engine=engine.value, draws=draws, seed=seed, progressbar=not quiet and sys.stderr.isatty()
    )
    _warn(card.warnings)
    write_atomic(output, render_report(loaded, card), inputs=_inputs(case))
    _wrote(not to_stdout(output), output)


def _report_batch(
    inputs: list[Path],
    folder: Path,
    engine: str,
    seed: int,
    draws: int | None,
    quiet: bool,
    jobs: int | None,
    dask: str | None,
) -> None:
    """One report per case into `folder`, named after the case file, each written as its case is
    scored; a bad case is listed and the others are still written."""
    from contextlib import closing

    from hypotheses.analysis.batch import Settings, Tally, find_cases, iter_scored
    from hypotheses.output.report import render_report

    paths = find_cases(inputs, warn=_warn_line)
    targets = _one_file_each(paths, folder, ".html", "one report", "report")
    # The directories this batch makes (the folder and any missing parents, deepest first): a
    # batch that writes no report, or fails part-way, takes them away again with what it wrote.
    made = [d for d in (folder, *folder.parents) if not d.exists()] if not folder.exists() else []
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    try:
        protected = _inputs(*paths)
        for target in targets.values():
            check_output(target, inputs=protected)
        settings, tally = Settings(engine, draws, seed, explain=True), Tally()
        with (
            closing(iter_scored(paths, settings, jobs=jobs, dask=dask)) as outcomes,
            _progress(len(paths), quiet) as advance,
        ):
            for outcome in outcomes:
                _scored(tally, outcome, advance)
                if outcome.card is not None and outcome.case is not None:
                    target = targets[outcome.path]
                    write_atomic(target, render_report(outcome.case, outcome.card), inputs=protected)
                    written.append(target)
    except BaseException:
        for target in written:
            target.unlink(missing_ok=True)
        _remove_dirs(made)
        raise
    if written:
        typer.echo(visible(f"wrote {len(written)} report{'s' * (len(written) != 1)} into {folder}"), err=True)
    else:
        _remove_dirs(made)
        typer.echo("wrote no reports", err=True)
    _batch_end(tally)


def _remove_dirs(made: list[Path]) -> None:
    """Remove the directories a command made (deepest first), if still empty: never one that
    existed before, nor a file someone else put there meanwhile."""
    for directory in made:
        try:
            directory.rmdir()
        except OSError:
            return


# The starter's default name, which its comments use in the commands they suggest.
STARTER = Path("case.yaml")


@app.command()
@_guarded
def init(
    path: Annotated[Path, typer.Argument(help="Where to write the starter case.")] = STARTER,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented starter case: two hypotheses, factored priors, a source, four items."""
    from importlib.resources import files

    if path.exists() and not force:
        raise UsageError(f"{path} already exists; choose another path or add --force to overwrite it")
    starter = files("hypotheses").joinpath("templates/starter.yaml").read_text(encoding="utf-8")
    # Its comments name the commands to run next: on the file the user chose, if a plain name.
    name = path.name if path.name.replace("-", "").replace("_", "").replace(".", "").isalnum() else None
    write_atomic(path, starter.replace(f" {STARTER} ", f" {name} ") if name else starter)
    if not to_stdout(path):
        typer.echo(visible(f"wrote {path}; next: hypscore score {path}"), err=True)


@app.command()
@_guarded
def validate(
    cases: Annotated[
        list[Path], typer.Argument(help="Case files to check.", show_default=False, metavar="CASE...")
    ],
) -> None:
    """Check case files without scoring them; every problem is reported with its line."""
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
        # Suspected common origins, without the what-if (validate scores nothing): rapidfuzz
        # costs about 11 ms to import, and detection uses no NumPy here.
        from hypotheses.analysis.detection import labels_skipped, suspected_origins

        said = [found.warning for found in suspected_origins(case)] + [labels_skipped(case) or ""]
        _warn(tuple(f"{path}: warning: {line}" for line in said if line))
        typer.echo(
            visible(
                f"{path}: ok ({len(case.hypotheses)} hypotheses, {len(case.evidence)} evidence "
                f"item{'' if len(case.evidence) == 1 else 's'}"
                + (f" and {len(case.pending)} pending" if case.pending else "")
                # Items after as_of are in the file but in neither count: say where they went.
                + (f" ({len(case.after_as_of)} cut off by as_of {case.as_of})" if case.after_as_of else "")
                + f", scale {case.scale_name})"
            )
        )
    if crashed or failed:
        raise typer.Exit(1 if crashed else 2)


@app.command()
@_guarded
def scales(
    name: Annotated[
        str | None,
        typer.Argument(help="One scale to show, or 'admiralty' (default: all and the Admiralty codes)."),
    ] = None,
) -> None:
    """The verbal scales: words, ranges and the Beta each word stands for."""
    from rich.console import Console

    from hypotheses.output.terminal import render_admiralty, render_scale
    from priors import get_scale, scale_names

    names = scale_names()
    if name is not None and name not in [*names, "admiralty"]:
        raise UsageError(f"unknown scale '{name}'; known scales: {', '.join(names)}, admiralty")
    console = Console()
    for scale_name in [name] if name and name != "admiralty" else [] if name else names:
        console.print(render_scale(get_scale(scale_name)))
    if name in (None, "admiralty"):  # the source and credibility codes of `reliability:` and `grading:`
        console.print(render_admiralty())


@app.command()
@_guarded
def schema() -> None:
    """JSON Schema of the case-file format (for editor completion and validation)."""
    from hypotheses.output.text import schema_json

    write(schema_json(), None, [])


def _keep_freed_memory() -> None:
    """Let glibc's malloc keep freed memory for reuse rather than hand it back at once. The
    engine's pools are arrays of a megabyte or more (65,536 draws x 3 sources); by default each
    such array is mapped fresh from the kernel and unmapped on free, and the heap's top is
    trimmed whenever more than twice that is free, so a command that scores one case spends
    about a third of the engine's time faulting in zeroed pages it had a moment before. Set
    once per process (a command is short-lived; a batch reuses the same blocks case after
    case: its peak memory is unchanged, one case's ~6 MB higher); Linux only (musl's mallopt
    does nothing; macOS and Windows have none)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes  # NumPy imports it anyway

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError, TypeError):
        return
    m_trim_threshold, m_mmap_threshold = -1, -3
    mallopt(m_mmap_threshold, 32 * 2**20)  # blocks below this come from the heap
    mallopt(m_trim_threshold, 128 * 2**20)  # free space the heap's top keeps


def _named_command() -> list[Any] | None:
    """The one registered command that the first argument names (`hypscore score ...`), or None
    (no command, an option first, shell completion, a name that is no command): Typer builds
    a Click command of every registered one, reading each signature and its annotations (~9
    ms of a command's start-up, issue 32), where the command line needs only the one it runs.
    Otherwise the whole group is built, so --help, errors and completion are Typer's own."""
    import os

    from typer.main import get_command_name

    if len(sys.argv) < 2 or any(key.endswith("_COMPLETE") for key in os.environ):
        return None
    named = [
        info
        for info in app.registered_commands
        if (info.name or get_command_name(info.callback.__name__)) == sys.argv[1]  # type: ignore[union-attr]
    ]
    return named or None


def _no_collection_at_exit() -> None:
    """At exit, before the interpreter tears its modules down, move every object to the
    collector's permanent generation: the tear-down's collections then walk none of the ~35,000
    objects a scored case leaves (the engine, the scorecard, Typer's, NumPy's), ~20 ms of CPU
    (issue 32) to find garbage that the process's end frees anyway. Only at exit (atexit), so a
    process that calls this entry in-process (a test) keeps collecting as before."""
    import atexit
    import gc

    atexit.register(gc.freeze)


def main_entry() -> None:
    """The console script: `app`, with Ctrl-C at any moment one line and exit 130."""
    _state["interrupt_reported"] = False
    _keep_freed_memory()
    _no_collection_at_exit()
    every = app.registered_commands if isinstance(app, typer.Typer) else None
    try:
        named = _named_command() if every is not None else None
        if named is not None:  # Typer parses as always, from a group of the command it runs
            app.registered_commands = named
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
    finally:
        if every is not None:
            app.registered_commands = every


if __name__ == "__main__":
    main_entry()
