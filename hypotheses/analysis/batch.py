"""Many cases at once (docs/model.md section 7): find them, then score each exactly as it would be
scored alone (its own seed), one after another, in N processes, or on a Dask cluster.

Computing only: returns one `CaseOutcome` per case, in the order the cases were named, and
never writes a file. A bad case is an outcome with its problems, not an exception, so that one
broken file never stops a desk's nightly rescore."""

from __future__ import annotations

import glob
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypotheses.analysis.scorecard import Scorecard
from hypotheses.analysis.scoring import UsageError, check_settings, score
from hypotheses.case import Case, CaseError, case_from_text
from hypotheses.case.reading import gc_paused, read_text
from hypotheses.settings import DEFAULT_SEED

CASE_SUFFIXES = (".yaml", ".yml")
_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class Settings:
    """What `score` is asked for, the same for every case of a batch."""

    engine: str = "auto"
    draws: int | None = None
    seed: int = DEFAULT_SEED
    explain: bool = False
    tune: int | None = None
    target_accept: float | None = None
    # calibration: a case without `resolution:` is read (and checked) but not scored, since
    # nothing would use its numbers.
    resolved_only: bool = False


@dataclass(frozen=True)
class CaseOutcome:
    """One case of a batch: its scorecard, or why it has none.

    `problems` are `file:line: message` lines for bad input (exit 2); `crashed` marks an
    internal error (a bug, exit 1), its one line in `problems`. `case` is kept for the
    commands that read the case as written (calibration reads sources' grades)."""

    path: str
    card: Scorecard | None = None
    case: Case | None = None
    problems: tuple[str, ...] = ()
    crashed: bool = False

    @property
    def ok(self) -> bool:
        """Scored, or (calibration) read and left unscored as unresolved: no problem to report."""
        return not self.problems


def find_cases(inputs: Sequence[str | Path]) -> list[Path]:
    """The case files named by files, directories (every *.yaml and *.yml under them, sorted)
    and glob patterns (`cases/**/*.yaml`), in the order given, each once.

    A named file is taken whatever its suffix (the user chose it) and even if it does not exist
    (scoring it then reports "no such file" like any bad case). Raises UsageError, before any
    work, for a directory or pattern that names no case file: an empty batch is a mistake."""
    found: list[Path] = []
    for entry in map(str, inputs):
        path = Path(entry)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.suffix.lower() in CASE_SUFFIXES and p.is_file())
            if not files:
                raise UsageError(f"{entry}: no case files (*.yaml, *.yml) in this directory")
        elif not path.exists() and _GLOB_CHARS & set(entry):
            files = sorted(
                Path(p) for p in glob.glob(entry, recursive=True) if Path(p).suffix.lower() in CASE_SUFFIXES
            )
            files = [p for p in files if p.is_file()]
            if not files:
                raise UsageError(f"{entry}: the pattern matches no case file (*.yaml, *.yml)")
        else:
            files = [path]
        found += files
    seen: set[Path] = set()
    unique = []
    for path in found:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


def score_text(text: str, path: str, settings: Settings) -> CaseOutcome:
    """Score one case given as text (what a worker on another machine receives): the same
    `score` call `hypscore score PATH` makes, so the numbers are those of scoring it alone."""
    try:
        with gc_paused():
            case = case_from_text(text, path)
        if settings.resolved_only and case.resolution is None:
            return CaseOutcome(path, case=case)
        card = score(
            case,
            engine=settings.engine,
            draws=settings.draws,
            seed=settings.seed,
            explain=settings.explain,
            tune=settings.tune,
            target_accept=settings.target_accept,
        )
    except CaseError as exc:
        return CaseOutcome(path, problems=tuple(str(p) for p in exc.problems))
    except UsageError as exc:  # a setting this case cannot take (--draws too many for its size)
        return CaseOutcome(path, problems=(f"{path}: {exc}",))
    except Exception as exc:
        if _is_scale_error(exc):
            return CaseOutcome(path, problems=(str(exc),))
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
        line = f"{path}: internal error ({type(exc).__name__}: {exc}){at}; this is a bug"
        return CaseOutcome(path, problems=(line,), crashed=True)
    return CaseOutcome(path, card=card, case=case)


def _is_scale_error(exc: Exception) -> bool:
    import priors

    scale_error = getattr(priors, "ScaleError", None)
    return scale_error is not None and isinstance(exc, scale_error)


def _read(path: Path) -> str | CaseOutcome:
    try:
        return read_text(path)
    except CaseError as exc:
        return CaseOutcome(str(path), problems=tuple(str(p) for p in exc.problems))


def score_many(
    paths: Iterable[str | Path],
    settings: Settings | None = None,
    jobs: int = 1,
    dask: Any = None,
    on_done: Callable[[CaseOutcome], None] | None = None,
) -> list[CaseOutcome]:
    """Score every case; outcomes in the order of `paths`, `on_done` called as each finishes.

    jobs > 1: that many processes on this machine. dask: a scheduler address
    ("tcp://host:8786") or a `distributed.Client`; the cases' text is sent to the workers, so
    they need hypscore installed but not the files. Every mode gives the same numbers."""
    settings = settings or Settings()
    check_settings(settings.draws, settings.seed, settings.tune, settings.target_accept)
    if jobs < 1:
        raise UsageError(f"--jobs {jobs}: give 1 or more processes")
    if dask is not None and jobs != 1:
        raise UsageError("--jobs and --dask both choose where to run; give one of them")
    if jobs > 1:
        _refuse_inside_a_worker()
    paths = [Path(p) for p in paths]
    outcomes: list[CaseOutcome | None] = [None] * len(paths)
    work: list[tuple[int, str, str]] = []
    for index, path in enumerate(paths):
        text = _read(path)
        if isinstance(text, CaseOutcome):
            outcomes[index] = text
            if on_done:
                on_done(text)
        else:
            work.append((index, text, str(path)))

    def done(index: int, outcome: CaseOutcome) -> None:
        outcomes[index] = outcome
        if on_done:
            on_done(outcome)

    if dask is not None:
        _on_dask(dask, work, settings, done)
    elif jobs > 1 and len(work) > 1:
        _in_processes(min(jobs, len(work)), work, settings, done)
    else:
        for index, text, name in work:
            done(index, score_text(text, name, settings))
    assert all(o is not None for o in outcomes)
    return [o for o in outcomes if o is not None]


def score_chunk(texts: Sequence[tuple[str, str]], settings: Settings) -> list[CaseOutcome]:
    """Several cases in one task: a point case scores in milliseconds, about what sending a
    task costs, so workers get cases in chunks (the numbers are those of each case alone)."""
    return [score_text(text, name, settings) for text, name in texts]


def _chunks(work: list[tuple[int, str, str]], workers: int) -> list[list[tuple[int, str, str]]]:
    """About 8 chunks per worker (load balance for cases of unequal cost), at most 64 cases
    each (progress and memory), at least 1."""
    size = max(1, min(64, len(work) // (8 * workers)))
    return [work[start : start + size] for start in range(0, len(work), size)]


_MAIN_GUARD = (
    "score_many(..., jobs=N) starts worker processes, and each worker imports your script: a "
    "call at the script's top level runs again in every worker. Put it under "
    '`if __name__ == "__main__":` (see the README, Python API)'
)


def _refuse_inside_a_worker() -> None:
    """Fail at once, with the fix, where a script without the `__main__` guard would have each
    spawned worker start workers of its own (it used to fail after minutes as BrokenProcessPool)."""
    import multiprocessing

    if (
        multiprocessing.parent_process() is not None
        and multiprocessing.current_process().name != "MainProcess"
    ):
        raise UsageError(_MAIN_GUARD)


def _in_processes(
    jobs: int, work: list[tuple[int, str, str]], settings: Settings, done: Callable[[int, CaseOutcome], None]
) -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    # spawn: a fresh interpreter per worker, the same on every platform (fork would copy
    # whatever threads the parent holds, a known way to deadlock numerical libraries).
    context = multiprocessing.get_context("spawn")
    from concurrent.futures.process import BrokenProcessPool

    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            futures = {
                pool.submit(score_chunk, [(text, name) for _, text, name in chunk], settings): chunk
                for chunk in _chunks(work, jobs)
            }
            for future in as_completed(futures):
                for (index, _, _), outcome in zip(futures[future], future.result(), strict=True):
                    done(index, outcome)
    except BrokenProcessPool:
        # A worker died while starting: most often a script that scores at its top level.
        raise UsageError(f"a worker process failed to start. {_MAIN_GUARD}") from None


def _on_dask(
    dask: Any, work: list[tuple[int, str, str]], settings: Settings, done: Callable[[int, CaseOutcome], None]
) -> None:
    try:
        import distributed
    except ImportError:
        raise UsageError(
            "--dask needs the optional Dask extra: pip install 'hypscore[dask]' (distributed)"
        ) from None
    client = dask
    own = isinstance(dask, str)
    if own:
        try:
            client = distributed.Client(dask, timeout="10s", set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(
                f"cannot reach a Dask scheduler at {dask} ({exc}); check the address "
                "(tcp://HOST:8786) and that `dask scheduler` runs there"
            ) from None
    try:
        workers = max(1, len(client.scheduler_info().get("workers", {})))
        chunks = _chunks(work, workers)
        # pure=False: each chunk is its own task even when two hold the same text.
        futures = client.map(
            score_chunk,
            [[(text, name) for _, text, name in chunk] for chunk in chunks],
            settings=settings,
            pure=False,
        )
        chunk_of = {future.key: chunk for future, chunk in zip(futures, chunks, strict=True)}
        for future in distributed.as_completed(futures):
            for (index, _, _), outcome in zip(chunk_of[future.key], future.result(), strict=True):
                done(index, outcome)
    finally:
        if own:
            client.close()
