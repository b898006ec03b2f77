"""Many cases at once (docs/model.md section 7): find them, then score each exactly as it would be
scored alone (its own seed), one after another, in N processes, or on a Dask cluster.

Computing only: returns one `CaseOutcome` per case, in the order the cases were named, and
never writes a file. A bad case is an outcome with its problems, not an exception, so that one
broken file never stops a desk's nightly rescore."""

from __future__ import annotations

import fnmatch
import itertools
import os
import re
import time
import traceback
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
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


@dataclass
class Tally:
    """A batch's counts, kept as its outcomes pass (the outcomes themselves need not be kept):
    the command's last line and its exit code come from them."""

    cases: int = 0
    scored: int = 0
    bad: int = 0  # with problems: bad input, or a crash
    crashed: int = 0
    warned: int = 0  # scored with warnings
    unresolved: int = 0  # calibration: read, and left unscored without a resolution

    def add(self, outcome: CaseOutcome) -> CaseOutcome:
        """Count `outcome`, and return it (to count as a stream passes)."""
        self.cases += 1
        self.scored += outcome.card is not None
        self.bad += not outcome.ok
        self.crashed += outcome.crashed
        self.warned += outcome.card is not None and bool(outcome.card.warnings)
        self.unresolved += outcome.ok and outcome.card is None
        return outcome


# A directory or pattern is walked through at most this many entries (files and directories).
# A desk's case tree holds thousands (a batch of 100,000 cases fits); a million is a whole disk,
# /proc or a loop of mounts, which would otherwise be listed for hours before anything is scored.
# Listing a million entries takes a few seconds.
MAX_WALKED = 1_000_000


_NAMED_UNREADABLE = 10  # directories named one by one; past that a count (/proc has thousands)


class _Walk:
    """One bounded listing of directories for `find_cases`: links to directories are not
    followed below a named path (a link back to its parent makes 2^depth paths to every file),
    real directories are listed once each by (device, inode) (a bind mount of a parent), a
    directory that vanished while walked (/proc) is skipped, and one that cannot be read is
    named through `warn` instead of being skipped without a word."""

    def __init__(self, named: str, warn: Callable[[str], None]) -> None:
        self.named, self.warn = named, warn
        self.walked = self.unreadable = 0

    def entries(self, directory: str, seen: set[tuple[int, int]] | None = None) -> list[os.DirEntry[str]]:
        """The entries of `directory`, sorted by name; none if it is in `seen` (by device and
        inode), which it then joins."""
        try:
            if seen is not None:
                info = os.stat(directory)
                if (info.st_dev, info.st_ino) in seen:
                    return []
                seen.add((info.st_dev, info.st_ino))
            with os.scandir(directory) as listing:
                found = []
                for entry in listing:
                    self.walked += 1
                    if self.walked > MAX_WALKED:
                        raise UsageError(
                            f"{self.named}: walked more than {MAX_WALKED:,} files and directories without "
                            "finishing; name a smaller directory or a narrower pattern (cases/**/*.yaml)"
                        )
                    found.append(entry)
        except (FileNotFoundError, NotADirectoryError):
            return []  # gone since it was listed: nothing of it to score
        except OSError as exc:
            self.unreadable += 1
            if self.unreadable <= _NAMED_UNREADABLE:
                self.warn(f"{directory}: skipped, cannot be read ({exc.strerror or exc})")
            return []
        return sorted(found, key=lambda entry: entry.name)

    def end(self) -> None:
        if self.unreadable > _NAMED_UNREADABLE:
            more = self.unreadable - _NAMED_UNREADABLE
            self.warn(f"{self.named}: {more:,} more directories skipped, cannot be read")

    def below(self, directory: str, hidden: bool) -> Iterator[tuple[os.DirEntry[str], bool]]:
        """Every entry under `directory` with whether it is a real directory, depth first;
        hidden (dot) names only if `hidden`, as glob's `**` skips them and a directory does not."""
        stack, seen = [directory], set[tuple[int, int]]()
        while stack:
            subdirectories = []
            for entry in self.entries(stack.pop(), seen):
                if not hidden and entry.name.startswith("."):
                    continue
                is_dir = _is_dir(entry, follow=False)
                yield entry, is_dir
                if is_dir:
                    subdirectories.append(entry.path)
            stack += reversed(subdirectories)

    def glob(self, directory: str, parts: Sequence[str]) -> Iterator[str]:
        """The paths under `directory` matching the pattern's `parts`, as glob.glob(recursive=True)
        finds them but for the bounds of this walk."""
        if not parts:
            yield directory
            return
        head, rest = parts[0], parts[1:]
        if head == "**":
            if not rest:  # `dir/**`: everything below, files too
                yield from (entry.path for entry, _ in self.below(directory, hidden=False))
                return
            yield from self.glob(directory, rest)
            for entry, is_dir in list(self.below(directory, hidden=False)):
                if is_dir:
                    yield from self.glob(entry.path, rest)
        elif _GLOB_CHARS & set(head):
            for entry in self.entries(directory):
                if entry.name.startswith(".") and not head.startswith("."):
                    continue
                # One level per pattern part: a link may be followed here, it cannot loop.
                if fnmatch.fnmatch(entry.name, head) and (not rest or _is_dir(entry, follow=True)):
                    yield from self.glob(entry.path, rest)
        else:
            path = os.path.join(directory, head)
            if os.path.lexists(path) and (not rest or os.path.isdir(path)):
                yield from self.glob(path, rest)


def _is_dir(entry: os.DirEntry[str], follow: bool) -> bool:
    try:
        return entry.is_dir(follow_symlinks=follow)
    except OSError:
        return False


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # permission denied on the way, or a link loop: not a case file to read
        return False


def _glob(entry: str, walk: _Walk) -> list[Path]:
    parts = Path(entry).parts
    fixed = next(i for i, part in enumerate(parts) if _GLOB_CHARS & set(part))
    start = os.path.join(*parts[:fixed]) if fixed else os.curdir
    found = (Path(p) for p in walk.glob(start, parts[fixed:]))  # ./a.yaml is Path a.yaml
    return sorted({p for p in found if p.suffix.lower() in CASE_SUFFIXES and _is_file(p)})


def find_cases(inputs: Sequence[str | Path], warn: Callable[[str], None] | None = None) -> list[Path]:
    """The case files named by files, directories (every *.yaml and *.yml under them, sorted)
    and glob patterns (`cases/**/*.yaml`), in the order given, each once.

    A named file is taken whatever its suffix (the user chose it) and even if it does not exist
    (scoring it then reports "no such file" like any bad case). Raises UsageError, before any
    work, for a directory or pattern that names no case file (an empty batch is a mistake) or
    that needs more than MAX_WALKED entries listed. `warn` gets one line per directory that
    could not be read (default: a Python warning)."""
    warn = warn or (lambda line: warnings.warn(line, stacklevel=3))
    found: list[Path] = []
    for entry in map(str, inputs):
        path = Path(entry)
        walk = _Walk(entry, warn)
        if path.is_dir():
            files = sorted(
                Path(e.path)
                for e, is_dir in walk.below(entry, hidden=True)
                if not is_dir and Path(e.name).suffix.lower() in CASE_SUFFIXES and _is_file(Path(e.path))
            )
            if not files:
                raise UsageError(f"{entry}: no case files (*.yaml, *.yml) in this directory")
            files = _cases_only(files, entry, warn)
        elif not os.path.lexists(path) and _GLOB_CHARS & set(entry):
            files = _glob(entry, walk)
            if not files:
                raise UsageError(f"{entry}: the pattern matches no case file (*.yaml, *.yml)")
            files = _cases_only(files, entry, warn)
        else:
            files = [path]
        walk.end()
        found += files
    seen: set[str] = set()
    unique = []
    for path in found:
        key = os.path.realpath(path)  # never raises, unlike Path.resolve on a link loop
        if key not in seen:
            seen.add(key)
            unique.append(path)
    return unique


# A top-level key that only a case file has (an ACH --mapping file, a scale file or a CI config
# has neither): a YAML file found in a folder or by a pattern without one is not a case.
_CASE_KEY = re.compile(rb"^(schema|hypotheses)[ \t]*:", re.MULTILINE)


def _cases_only(files: list[Path], entry: str, warn: Callable[[str], None]) -> list[Path]:
    """The files of a folder or pattern that look like cases; the others named as skipped (a
    file named on its own is always scored: the user chose it). A file that cannot be read is
    kept, so that scoring it reports why."""
    kept, skipped = [], []
    for file in files:
        try:
            with open(file, "rb") as handle:
                head = handle.read(MAX_CASE_PEEK)
        except OSError:
            kept.append(file)
            continue
        # A flow mapping, a byte-order mark or NULs (UTF-16/32): kept, so that the reader says
        # what is wrong with it rather than the batch passing it over.
        looks = (
            _CASE_KEY.search(head) is not None
            or head.lstrip().startswith((b"{", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
            or b"\x00" in head[:4096]
        )
        (kept if looks else skipped).append(file)
    if skipped:
        named = ", ".join(str(f) for f in skipped[:10]) + (
            f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
        )
        warn(f"skipped, not case files (no top-level `schema:` or `hypotheses:`): {named}")
    if not kept:
        raise UsageError(
            f"{entry}: no case files here (the YAML files found have no `schema:` or `hypotheses:`)"
        )
    return kept


# How much of a file is read to tell a case from other YAML (a case's keys are near its top;
# the whole file is read once more when it is scored).
MAX_CASE_PEEK = 1 << 20


def score_text(
    text: str, path: str, settings: Settings, documents: dict[str, bytes] | None = None
) -> CaseOutcome:
    """Score one case given as text (what a worker on another machine receives): the same
    `score` call `hypscore score PATH` makes, so the numbers are those of scoring it alone.
    `documents`: the local documents it cites, read beside the case file (`_cited`)."""
    try:
        with gc_paused():
            case = case_from_text(text, path, documents)
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


def _cited(text: str, path: Path) -> dict[str, bytes]:
    """The local documents a case cites, read here (beside the case file) and sent with its text:
    a worker elsewhere, or started in another folder, checks each quote against the same bytes,
    so every mode gives what scoring the file alone gives. A case that cites none (or does not
    parse: the worker says why) sends none, without a second parse."""
    if "document" not in text:
        return {}
    from hypotheses.case.reading import parse
    from hypotheses.case.sourcing import cited_documents

    try:
        data, _ = parse(text, str(path))
    except CaseError:
        return {}
    return cited_documents(data, str(path))


# A case to score: its text, its name, the documents it cites.
Work = tuple[str, str, dict[str, bytes]]


def score_many(
    paths: Iterable[str | Path],
    settings: Settings | None = None,
    jobs: int | None = 1,
    dask: Any = None,
    on_done: Callable[[CaseOutcome], None] | None = None,
) -> list[CaseOutcome]:
    """Score every case; outcomes in the order of `paths`, `on_done` called for each in turn.

    jobs > 1: that many processes on this machine; None: as many as help (`auto_jobs`). dask: a
    scheduler address ("tcp://host:8786") or a `distributed.Client`; the cases' text is sent to
    the workers, so they need hypscore installed but not the files. Every mode gives the same numbers. A batch
    too large to hold every outcome at once: `iter_scored`."""
    outcomes = []
    for outcome in iter_scored(paths, settings, jobs=jobs, dask=dask):
        outcomes.append(outcome)
        if on_done:
            on_done(outcome)
    return outcomes


def iter_scored(
    paths: Iterable[str | Path], settings: Settings | None = None, jobs: int | None = 1, dask: Any = None
) -> Iterator[CaseOutcome]:
    """`score_many`'s outcomes one at a time, in the order of `paths`, as they are scored:
    each case is read only when its chunk is sent, and at most IN_FLIGHT_PER_WORKER chunks per
    worker are out (scored or waiting for an earlier one), so memory stays bounded however
    many cases (a nightly rescore of 100,000) as long as the caller keeps none. The settings
    are checked now, before the first case."""
    settings = settings or Settings()
    check_settings(settings.draws, settings.seed, settings.tune, settings.target_accept)
    if jobs is not None:
        check_jobs(jobs)
    if dask is not None and jobs not in (None, 1):
        raise UsageError("--jobs and --dask both choose where to run; give one of them")
    if jobs is not None and jobs > 1:
        _refuse_inside_a_worker()
    paths = [Path(p) for p in paths]
    if dask is not None:
        return _on_dask(dask, paths, settings)
    if jobs is None:
        return _auto(paths, settings)
    if jobs > 1 and len(paths) > 1:
        return _in_processes(min(jobs, len(paths)), paths, settings)
    return (_score_path(path, settings) for path in paths)


# jobs=None (the command line's default): the first PROBE_SECONDS of CPU score cases here, which
# says what a case costs; the rest go to `auto_jobs` processes. Starting one costs about
# WORKER_START_SECONDS of CPU (an interpreter importing NumPy, YAML and hypscore: 0.3 s measured,
# with margin for spawning and pickling).
PROBE_SECONDS = 0.5
WORKER_START_SECONDS = 0.5


def _auto(paths: list[Path], settings: Settings) -> Iterator[CaseOutcome]:
    start, done = time.process_time(), 0
    while done < len(paths) and (done == 0 or time.process_time() - start < PROBE_SECONDS):
        yield _score_path(paths[done], settings)
        done += 1
    rest = paths[done:]
    jobs = auto_jobs(len(rest) * (time.process_time() - start) / done) if rest else 1
    if jobs > 1 and len(rest) > 1:
        yield from _in_processes(min(jobs, len(rest)), rest, settings)
    else:
        yield from (_score_path(path, settings) for path in rest)


def auto_jobs(seconds: float) -> int:
    """How many processes help with `seconds` of scoring left (CPU seconds, one process): one per
    CPU that other programs leave idle (the 1-minute load average, less this process), and only
    as many as pay for their start: k processes save seconds * (1 - 1/k), which must exceed twice
    the k starts. On a busy machine extra processes only share the same cores: 2,000 point cases
    took 1.15x the wall and 1.2x the CPU with --jobs 2 at a load of 4 on 2 cores
    (benchmarks/README.md, section 7)."""
    cpus = usable_cpus()
    try:
        others = max(0.0, os.getloadavg()[0] - 1)
    except (AttributeError, OSError):  # no load average here: count every CPU as idle
        others = 0.0
    jobs = max(1, min(cpus, int(cpus - others + 0.5)))
    while jobs > 1 and seconds * (1 - 1 / jobs) <= 2 * WORKER_START_SECONDS * jobs:
        jobs -= 1
    return jobs


def _score_path(path: Path, settings: Settings) -> CaseOutcome:
    text = _read(path)
    return (
        text if isinstance(text, CaseOutcome) else score_text(text, str(path), settings, _cited(text, path))
    )


def check_jobs(jobs: int) -> None:
    """A UsageError, before any work, for a --jobs below 1 or above JOBS_PER_CPU per CPU."""
    if jobs < 1:
        raise UsageError(f"--jobs {jobs}: give 1 or more processes")
    if jobs > JOBS_PER_CPU * (cpus := usable_cpus()):
        raise UsageError(
            f"--jobs {jobs}: this machine has {cpus} CPU{'s' * (cpus != 1)} for hypscore; give at most "
            f"{JOBS_PER_CPU * cpus} ({JOBS_PER_CPU} per CPU)"
        )


# --jobs is at most this many processes per CPU. Each is a whole interpreter with NumPy (~100 MB)
# scoring whole cases; one waits on reading and pickling part of the time, so two per CPU still
# keep them busy, while more only share the same CPUs and multiply the memory (--jobs 100000
# started processes until the machine ran out).
JOBS_PER_CPU = 2


def usable_cpus() -> int:
    """The CPUs this process may run on (a container's or taskset's share, not the machine's)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def score_chunk(texts: Sequence[tuple[str, str, dict[str, bytes]]], settings: Settings) -> list[CaseOutcome]:
    """Several cases in one task: a point case scores in milliseconds, about what sending a
    task costs, so workers get cases in chunks (the numbers are those of each case alone)."""
    return [score_text(text, name, settings, documents) for text, name, documents in texts]


# Cases per task at most: a point case scores in ~2 ms, about what sending a task costs, so cases
# go in chunks; 64 keeps the progress bar moving and a chunk's results small.
MAX_CHUNK = 64
# Chunks out per worker at once (being scored, queued, or done and waiting for an earlier chunk to
# be handed on in order): enough that no worker waits for the next chunk while one is slow, few
# enough that a batch holds at most IN_FLIGHT_PER_WORKER * workers * MAX_CHUNK outcomes.
IN_FLIGHT_PER_WORKER = 4


def chunk_size(cases: int, workers: int) -> int:
    """About 8 chunks per worker (load balance for cases of unequal cost), at most MAX_CHUNK
    cases each, at least 1."""
    return max(1, min(MAX_CHUNK, cases // (8 * workers)))


def _ordered(
    paths: list[Path],
    workers: int,
    submit: Callable[[list[Work]], Any],
    settle: Callable[[Any], list[CaseOutcome]],
) -> Iterator[CaseOutcome]:
    """The outcomes of `paths` in order, scored in chunks by `submit` (a future; `settle` waits
    for its outcomes): each chunk read just before it is sent, at most IN_FLIGHT_PER_WORKER chunks
    per worker out at once, the next sent as the oldest is handed on (a bounded reorder buffer)."""
    size = chunk_size(len(paths), workers)
    starts = iter(range(0, len(paths), size))
    pending: deque[tuple[list[CaseOutcome | None], Any]] = deque()

    def send(start: int) -> None:
        slots: list[CaseOutcome | None] = []  # a case that could not be read is its outcome already
        work: list[Work] = []
        for path in paths[start : start + size]:
            text = _read(path)
            if isinstance(text, CaseOutcome):
                slots.append(text)
            else:
                slots.append(None)
                work.append((text, str(path), _cited(text, path)))
        pending.append((slots, submit(work) if work else None))

    for start in itertools.islice(starts, IN_FLIGHT_PER_WORKER * workers):
        send(start)
    while pending:
        slots, future = pending.popleft()
        scored = iter(settle(future) if future is not None else ())
        chunk = [slot if slot is not None else next(scored) for slot in slots]
        if (start := next(starts, None)) is not None:
            send(start)
        yield from chunk


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


def _in_processes(jobs: int, paths: list[Path], settings: Settings) -> Iterator[CaseOutcome]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    # spawn: a fresh interpreter per worker, the same on every platform (fork would copy
    # whatever threads the parent holds, a known way to deadlock numerical libraries).
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context)
    try:
        yield from _ordered(paths, jobs, lambda work: pool.submit(score_chunk, work, settings), _result)
    except BrokenProcessPool:
        # A worker died while starting: most often a script that scores at its top level.
        raise UsageError(f"a worker process failed to start. {_MAIN_GUARD}") from None
    finally:
        # Also when the caller stops early (an error writing, Ctrl-C): nothing more is scored.
        pool.shutdown(wait=True, cancel_futures=True)


def _result(future: Any) -> list[CaseOutcome]:
    return future.result()


# The longest wait for a Dask scheduler to answer, all told. The client's own timeout (10 s)
# covers connecting, not the reply: a port that accepts and never answers held it past 120 s.
# Twice the client's timeout leaves a slow scheduler room to register the client.
DASK_CONNECT_SECONDS = 20.0


def _start_client(distributed: Any, address: str) -> Any:
    """A client of the scheduler at `address`, or a UsageError saying why not: the address read
    first (a client built on a bad one waited 20 s to close and printed a traceback), TLS only
    with Dask's TLS configuration, and the whole wait bounded by DASK_CONNECT_SECONDS."""
    import threading

    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.security import Security

    how = "give tcp://HOST:PORT (tcp://HOST:8786 for a default `dask scheduler`)"
    try:
        scheme, where = parse_address(address)
        parse_host_port(where)
    except ValueError as exc:
        raise UsageError(f"--dask {address}: {exc}; {how}") from None
    if scheme not in ("tcp", "tls"):
        raise UsageError(f"--dask {address}: {scheme}:// is not supported; {how}")
    if scheme == "tls" and Security().get_connection_args("client").get("ssl_context") is None:
        raise UsageError(
            f"--dask {address}: TLS needs Dask's TLS configuration (distributed.comm.tls: ca-file and "
            "the client's cert and key); configure it, or use tcp://"
        )
    started: dict[str, Any] = {}

    def start() -> None:
        try:
            started["client"] = distributed.Client(address, timeout="10s", set_as_default=False)
        except Exception as exc:  # reported below, in the command's thread
            started["error"] = exc

    # A daemon thread: one that never hears back is left behind, and the process still exits.
    thread = threading.Thread(target=start, name="hypscore-dask-connect", daemon=True)
    thread.start()
    thread.join(DASK_CONNECT_SECONDS)
    if thread.is_alive():
        raise UsageError(
            f"--dask {address}: no answer from a Dask scheduler there in {DASK_CONNECT_SECONDS:g} s; check "
            "the address and port and that `dask scheduler` runs there"
        )
    if "error" in started:
        exc = started["error"]
        raise UsageError(
            f"--dask {address}: cannot reach a Dask scheduler there ({type(exc).__name__}: {exc}); check the "
            "address (tcp://HOST:8786) and that `dask scheduler` runs there"
        )
    return started["client"]


def _on_dask(dask: Any, paths: list[Path], settings: Settings) -> Iterator[CaseOutcome]:
    """Connect now (a bad address is a UsageError before any case is read), score as it is read."""
    try:
        import distributed
    except ImportError:
        raise UsageError(
            "--dask needs the optional Dask extra: pip install 'hypscore[dask]' (distributed)"
        ) from None
    own = isinstance(dask, str)
    client = _start_client(distributed, dask) if own else dask
    return _dask_outcomes(client, own, paths, settings)


def _dask_outcomes(client: Any, own: bool, paths: list[Path], settings: Settings) -> Iterator[CaseOutcome]:
    try:
        workers = max(
            1, sum(w.get("nthreads", 1) for w in client.scheduler_info().get("workers", {}).values())
        )
        # pure=False: each chunk is its own task even when two hold the same text. Waiting on
        # each future's own result needs no default client (ours is made with
        # set_as_default=False: a library must not change its caller's default).
        yield from _ordered(
            paths, workers, lambda work: client.submit(score_chunk, work, settings, pure=False), _result
        )
    finally:
        if own:
            client.close()
