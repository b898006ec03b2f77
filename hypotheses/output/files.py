"""Writing outputs safely: never onto an input, never half-written (a temporary file renamed
into place), devices and FIFOs written into rather than replaced, an existing file's mode kept,
and the temporary file removed when a signal ends the run. Every export goes through here."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import stat
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO


class OutputError(Exception):
    """An export could not be written (missing directory, no permission, ...)."""


class Terminated(SystemExit):
    """SIGTERM or SIGHUP arrived while an output was being written: raised (rather than dying
    on the spot) so that the temporary file is removed on the way out. Uncaught, it exits with
    128 + the signal number, as the shell reports a process killed by that signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def to_stdout(path: str | Path | None) -> bool:
    """Whether an output goes to standard output: no -o, or `-o -`."""
    return path is None or str(path) == "-"


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name one file: through symlinks, `..`, and hard links when both exist."""
    if str(a) == "-" or str(b) == "-":
        return str(a) == str(b)
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@dataclass(frozen=True, eq=False, repr=False)  # never compared or printed: no generated methods to build
class _Target:
    """Where and how an output goes, decided before anything is written."""

    path: Path  # as the user gave it (for messages)
    real: Path  # through symlinks: the file that gets replaced (the link itself is kept)
    stdout: bool = False  # `-`
    stream: bool = False  # an existing device or FIFO: written into, never renamed onto
    append: bool = False  # a stream that is a regular file (`>> log` behind /dev/stdout)
    mode: int | None = None  # an existing regular file's permissions, kept
    owner: tuple[int, int] | None = None  # and its owner and group


def _via_proc(path: Path) -> bool:
    """Whether `path`'s links lead through /proc, as /dev/stdout and /dev/fd/N do: there a link
    names a file some process has open, which must be written into, not renamed onto."""
    current = Path(os.path.realpath(Path(os.path.abspath(path)).parent)) / Path(path).name
    for _ in range(40):  # the kernel's own limit on links followed
        if current.parts[1:2] == ("proc",):
            return True
        if not current.is_symlink():
            return False
        link = current.parent / os.readlink(current)  # an absolute link replaces the parent
        current = Path(os.path.realpath(link.parent)) / link.name
    return False


def _target(path: str | Path, inputs: Iterable[str | Path] = ()) -> _Target:
    path = Path(path)
    if str(path) == "-":
        return _Target(path, path, stdout=True)
    for source in inputs:
        if same_file(path, source):
            raise OutputError(
                f"{path}: is the same file as the input {source}; writing there would overwrite "
                "it, so choose another output file"
            )
    try:
        st: os.stat_result | None = os.stat(path)  # the kernel follows links, /proc's too
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{path}: is a directory; give a file name for the output")
    if st is not None and (not stat.S_ISREG(st.st_mode) or _via_proc(path)):
        # /dev/null, a terminal, a FIFO, /dev/stdout: a rename would replace the device with a
        # regular file (as root, for everyone) or miss the open file a /proc link names, so
        # these are opened through the path as given and written into instead.
        return _Target(path, path, stream=True, append=stat.S_ISREG(st.st_mode))
    real = Path(os.path.realpath(path))
    directory = real.parent
    shown = directory if os.path.islink(path) else (path.parent if str(path.parent) else Path("."))
    if not directory.is_dir():
        raise OutputError(f"{path}: directory {shown} does not exist; create it first")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: cannot write in {shown} (permission denied)")
    if st is None:
        return _Target(path, real)
    # A rename needs only the directory's permission (and root may rename over anything): the
    # file's own permissions say whether it may be replaced.
    if not st.st_mode & 0o222:
        raise OutputError(
            f"{path}: is read-only; choose another output file, or make it writable "
            f"(chmod u+w {path}) if it is meant to be replaced"
        )
    if not os.access(real, os.W_OK):
        raise OutputError(f"{path}: is not writable by you (permission denied); choose another output file")
    return _Target(path, real, mode=stat.S_IMODE(st.st_mode) & 0o777, owner=(st.st_uid, st.st_gid))


def check_output(path: str | Path, inputs: Iterable[str | Path] = ()) -> None:
    """Raise OutputError now, before any work, if `path` could not or must not be written:
    a directory, the same file as one of `inputs` (the case, mapping and scale files), a read-only file, a
    missing directory."""
    _target(path, inputs)


_CLEANUP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def _raise_terminated(signum: int, _frame: object) -> None:  # a signal handler's signature
    raise Terminated(signum)


@contextmanager
def _signals_unwind() -> Iterator[None]:
    """While a temporary file exists, SIGTERM and SIGHUP raise `Terminated` (and SIGINT
    KeyboardInterrupt) instead of killing the process, so the `finally` that removes it runs."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set from the main thread
        return
    previous = {}
    for signum in (*_CLEANUP_SIGNALS, signal.SIGINT):
        handler = signal.getsignal(signum)
        if handler is signal.SIG_IGN or (signum == signal.SIGINT and handler is not signal.SIG_DFL):
            continue  # ignored (nohup, a background job) stays ignored; Python's own SIGINT raises
        previous[signum] = handler
        signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else _raise_terminated)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _hold_signals() -> set[int] | None:
    """Hold SIGINT, SIGTERM and SIGHUP back (they arrive at `_release`); the previous mask."""
    if not hasattr(signal, "pthread_sigmask"):
        return None
    return signal.pthread_sigmask(signal.SIG_BLOCK, (*_CLEANUP_SIGNALS, signal.SIGINT))


def _release(held: set[int] | None) -> None:
    if held is not None:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


@contextmanager
def atomic_output(path: str | Path, inputs: Iterable[str | Path] = ()) -> Iterator[Path]:
    """A temporary path, put in place of `path` when the block succeeds, so a failed or
    interrupted write leaves nothing half-done; every export (text or NetCDF) goes through here.

    An existing file keeps its permissions (a new one gets 0666 & ~umask) and a symlink keeps
    pointing at it; a read-only file or one of `inputs` is refused; `-` is standard output, and
    a device or FIFO (/dev/null, /dev/stdout) is written into rather than replaced."""
    import tempfile  # here: a table on the terminal writes no file (~1 ms of start-up)

    target = _target(path, inputs)
    # Devices and stdout need a staging file somewhere writable: /dev is not, for most users.
    directory = Path(tempfile.gettempdir()) if target.stdout or target.stream else target.real.parent
    with _signals_unwind():
        # No signal may land between creating the file and the `try` whose `finally` removes it.
        held = _hold_signals()
        try:
            # A short name of our own: any name the output may have (up to NAME_MAX) still works.
            handle, name = tempfile.mkstemp(prefix=".hs-", suffix=".tmp", dir=directory)
        except OSError as exc:
            _release(held)
            if isinstance(exc, FileNotFoundError):
                raise OutputError(f"{path}: directory {directory} does not exist; create it first") from None
            if isinstance(exc, PermissionError):
                raise OutputError(f"{path}: cannot write in {directory} (permission denied)") from None
            raise OutputError(f"{path}: cannot write: {exc.strerror}") from None
        temporary = Path(name)
        try:
            os.close(handle)
            _release(held)  # a signal that came meanwhile is raised here, inside the `try`
            yield temporary
            if target.stdout:
                sys.stdout.flush()
                with temporary.open("rb") as source:
                    shutil.copyfileobj(source, sys.stdout.buffer)
                sys.stdout.buffer.flush()
            elif target.stream:
                with temporary.open("rb") as source, _open_stream(target) as sink:
                    shutil.copyfileobj(source, sink)
            else:
                _settle(temporary, target)
                os.replace(temporary, target.real)
        except OSError as exc:
            raise OutputError(f"{path}: cannot write: {exc.strerror or exc}") from None
        finally:
            temporary.unlink(missing_ok=True)


def _open_stream(target: _Target) -> BinaryIO:
    """The device or FIFO opened to write into. A FIFO is opened without waiting: a plain open
    blocks until some process reads it, so a FIFO nobody reads hung the command for good."""
    flags = os.O_WRONLY | (os.O_APPEND if target.append else 0)
    try:
        fd = os.open(target.real, flags | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno == errno.ENXIO and stat.S_ISFIFO(os.stat(target.real).st_mode):
            raise OutputError(
                f"{target.path}: is a FIFO with no reader; start the reader first (cat {target.path}), "
                "or write to a file"
            ) from None
        raise
    os.set_blocking(fd, True)  # a reader is there: write as to any file, waiting while it reads
    return os.fdopen(fd, "ab" if target.append else "wb")


def _settle(temporary: Path, target: _Target) -> None:
    """Give the temporary file the permissions (and, if we may, the owner) of the file it
    replaces: never wider; a new file as a plain open() would make it (mkstemp makes 0600)."""
    if target.owner is not None and target.owner != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):  # only root may give a file away; then keep ours
            os.chown(temporary, *target.owner)
    os.chmod(temporary, target.mode if target.mode is not None else 0o666 & ~_umask())


def write_atomic(path: str | Path, text: str, inputs: Iterable[str | Path] = ()) -> None:
    """Write `text` to `path` atomically (see `atomic_output`)."""
    with atomic_output(path, inputs) as temporary:
        temporary.write_text(text, encoding="utf-8", newline="")
