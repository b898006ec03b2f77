"""Read a case file safely into plain data, remembering the line of every key and item.

PyYAML's composer (libyaml when available) gives nodes with line marks; we build the Python
values ourselves so that we can keep those lines, reject duplicate keys, and refuse alias bombs.
"""

from __future__ import annotations

import gc
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from hypotheses.case.keys import ALL_KEYS, CASE, listed
from hypotheses.case.messages import CaseError, Problem

MAX_BYTES = 16 * 1024 * 1024
# Aliases may repeat a part of the document, but not blow it up (the "billion laughs" attack).
MAX_EXPANSION = 10
# libyaml's composer is C (fast) and keeps line marks; the pure-Python one is the fallback.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_TAG = "tag:yaml.org,2002:"
_SEQ, _MAP, _MERGE, _STR, _NULL = (_TAG + t for t in ("seq", "map", "merge", "str", "null"))
# Scalars a case file may hold: text, numbers, booleans, null, and dates (YAML reads an unquoted
# 2017-01-05 as a date; an evidence item's `date:` wants it). Everything else (!!binary, !!set,
# !!omap, custom !tags, python/...) is refused, so no input can construct an unexpected type.
_VALUE_TAGS = {_TAG + t for t in ("null", "bool", "int", "float", "timestamp")}
_REQUIRED = listed(CASE.required_in_order())  # "schema, title and hypotheses"
_BOMB = (
    "YAML aliases expand this document enormously (an alias bomb?); "
    "write the values out instead of using & and *"
)

Key = str | int
Path_ = tuple[Key, ...]


class LineMap:
    """Line numbers (1-based) of the keys and items of a document, by their path."""

    def __init__(self) -> None:
        self.lines: dict[Path_, int] = {}

    def line(self, path: Path_) -> int | None:
        """The line of `path`, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return None


def _refuse(name: str, message: str, line: int | None = None) -> CaseError:
    return CaseError([Problem(name, line, message)])


def _too_big(name: str, size: str) -> CaseError:
    return _refuse(name, f"file is {size}; case files are limited to {MAX_BYTES // 2**20} MiB")


def _check_kind(name: str, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise _refuse(name, "is a directory; give the path of a .yaml case file")
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(
            name,
            "is not a regular file (it is a device, pipe or socket); give the path of a .yaml case file",
        )
    if info.st_size > MAX_BYTES:
        raise _too_big(name, f"{info.st_size / 2**20:.1f} MiB")


def read_bytes(path: Path) -> bytes:
    """The file's bytes (at most MAX_BYTES), or a CaseError saying why it cannot be read."""
    name = str(path)
    try:
        # Look before opening: opening a device can have effects of its own, and a FIFO with no
        # writer would block. The descriptor is checked again (O_NONBLOCK: never waits) so that
        # the file cannot be swapped between the look and the read.
        _check_kind(name, path.stat())
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        with os.fdopen(fd, "rb") as stream:
            _check_kind(name, os.fstat(stream.fileno()))
            # Bounded even if the file grows meanwhile or misreports its size (/proc files say 0).
            raw = stream.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise _refuse(name, "no such file; check the path") from None
    except PermissionError:
        raise _refuse(name, "permission denied; check the file's permissions") from None
    except OSError as exc:
        raise _refuse(name, f"cannot read the file: {exc.strerror or exc}") from None
    if len(raw) > MAX_BYTES:
        raise _too_big(name, f"larger than {MAX_BYTES // 2**20} MiB")
    return raw


def read_text(path: Path) -> str:
    """The file's text, or a CaseError saying why it is not a readable case file."""
    name = str(path)
    text = decode_yaml(read_bytes(path), name, "YAML case file")
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise _refuse(
            name,
            f"is empty; a case file needs at least {_REQUIRED} (run `hypscore init` for a starter)",
        )
    return text


def decode_yaml(raw: bytes, name: str, what: str) -> str:
    """The text of a YAML file (a case, an ACH mapping): UTF-8, with or without a BOM; UTF-16 or
    UTF-32 (by BOM or look) and binary files refused, saying which they are."""
    wide = wide_encoding(raw)
    if wide:
        raise _refuse(
            name, f"is {wide} text; save it as UTF-8 (in most editors: Save As... > Encoding: UTF-8)"
        )
    if b"\x00" in raw:
        raise _refuse(name, f"is a binary file, not a {what}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _refuse(
            name,
            f"is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file with UTF-8 encoding",
            line,
        ) from None


def wide_codec(raw: bytes) -> str | None:
    """The codec of UTF-16 or UTF-32 text (by its BOM, else by which byte of each unit is the
    NUL), or None for anything else: decoding by it reads either byte order, BOM or not."""
    wide = wide_encoding(raw)
    if wide is None:
        return None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return wide.lower()  # Python's utf-16 / utf-32 read the BOM and drop it
    return f"{wide.lower()}-{'be' if raw[0] == 0 else 'le'}"


def wide_encoding(raw: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' if `raw` looks like such text (a BOM, or mostly-ASCII text whose
    bytes are interleaved with NULs); these are text files, not binary ones."""
    if raw.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "UTF-32"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16"
    sample = raw[:4096]
    if len(sample) < 4 or b"\x00" not in sample:
        return None

    def nul_share(lane: bytes) -> float:
        return lane.count(0) / len(lane) if lane else 0.0

    unit32 = sample[: len(sample) // 4 * 4]
    lanes32 = [nul_share(unit32[k::4]) for k in range(4)]
    for text_lane in (0, 3):  # little-endian text in lane 0, big-endian in lane 3
        others = [share for k, share in enumerate(lanes32) if k != text_lane]
        if lanes32[text_lane] < 0.1 and min(others) > 0.9:
            return "UTF-32"
    even, odd = nul_share(sample[0::2]), nul_share(sample[1::2])
    if min(even, odd) < 0.1 and max(even, odd) > 0.6:
        return "UTF-16"
    return None


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a large document is millions of small acyclic
    objects, which the collector would rescan again and again while they are made (most of the
    time of a 16 MiB file). Nests; the collector is back on afterwards if it was on before."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _syntax_error(exc: yaml.MarkedYAMLError, text: str) -> tuple[int | None, str]:
    """The line and words for a YAML syntax error, with the fix for the mistakes people make:
    a tab in the indentation, a colon inside an unquoted value, a quote never closed."""
    problem, context = exc.problem or "", exc.context or ""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else None
    what = f"YAML syntax error: {' '.join(part for part in (context, problem) if part)}"
    lines = text.splitlines()
    at = lines[mark.line] if mark and mark.line < len(lines) else ""
    if "cannot start any token" in problem and mark and at[mark.column : mark.column + 1] == "\t":
        return line, "a tab character: YAML indents with spaces only; replace the tab with spaces"
    if "tab character" in problem:  # a tab indenting a value's next line, say
        return line, "a tab character where YAML expects indentation: it takes spaces only; replace the tab"
    if "mapping values are not allowed" in problem:
        key_colon = at.find(":")
        if mark and 0 <= key_colon < mark.column:  # a second colon: inside this line's value
            return line, (
                f"{what}; a value that contains ': ' must be quoted, "
                'e.g. label: "The insider theory: a leak"'
            )
        # The line's own key is the one refused: a case's key indented under the value above
        # it; any other word is as likely a wrapped value going on with ': ' in it.
        indent = (
            "this line is indented further than the key above it, so YAML reads it as part of that "
            "key's value: line it up with its sibling keys (with spaces)"
        )
        if at[:key_colon].strip() in ALL_KEYS:  # a refused colon after a key: a key out of line
            return line, f"{what}; {indent}"
        return line, (
            f"{what}; either {indent}, or it goes on a value from the line above that contains "
            "': ': then quote that whole value"
        )
    if "simple key" in context and "expected ':'" in problem and exc.context_mark is not None:
        # YAML notices only on the next line; the key without its colon is where it started.
        start = exc.context_mark.line + 1
        return start, f"{what}; this line has no ':' after its key: write it as `key: value`"
    if "quoted scalar" in context and "end of stream" in problem and exc.context_mark is not None:
        start = exc.context_mark.line + 1
        return start, "a quoted value starting here is never closed; add the closing quote"
    if "expected <block end>" in problem or "did not find expected" in problem:
        return line, (
            f"{what}; check the indentation of this line and the one above it: entries of one list or "
            "mapping line up, and a nested one is indented further (with spaces)"
        )
    return line, what


def parse(text: str, name: str, duplicates: list[tuple[Problem, Path_]] | None = None) -> tuple[Any, LineMap]:
    """Plain Python data and its line map; YAML errors become Problems. With `duplicates` (a
    list), a duplicate key below the top level is not fatal on its own: the first value is kept,
    and its problem goes to that list with the key's path, for the case's checks to report with
    the rest (loading.py); any other problem still stops the reading."""
    with gc_paused():
        return _parse(text, name, duplicates)


def _parse(
    text: str, name: str, duplicates: list[tuple[Problem, Path_]] | None = None
) -> tuple[Any, LineMap]:
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        line, message = _syntax_error(exc, text)
        raise _refuse(name, message, line) from None
    except yaml.YAMLError as exc:
        raise _refuse(name, f"YAML error: {exc}") from None
    except RecursionError:
        raise _refuse(name, "the document is nested too deeply") from None
    finally:
        loader.dispose()
    if root is None:
        raise _refuse(name, f"is empty; a case file needs at least {_REQUIRED}")
    builder = _Builder(name, root, len(text))
    try:
        data = builder.build(root, ())
    except RecursionError:
        # Aliases can nest anchored values deeper than the parser's own limit allows.
        raise _refuse(
            name, "the document is nested too deeply (through its & anchors and * aliases)"
        ) from None
    deferred = [(p, at) for p, at in builder.duplicates if len(at) > 1] if duplicates is not None else []
    if deferred and len(deferred) == len(builder.problems):
        duplicates.extend(deferred)  # type: ignore[union-attr]
    elif builder.problems:
        raise CaseError(builder.problems)
    return data, builder.lines


def _count_nodes(root: yaml.Node) -> int:
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack.append(key)
                stack.append(value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return len(seen)


Pairs = list[tuple[yaml.Node, yaml.Node]]


class _Builder:
    def __init__(self, name: str, root: yaml.Node, text_length: int) -> None:
        self.constructor = yaml.constructor.SafeConstructor()
        self.name = name
        self.lines = LineMap()
        self.problems: list[Problem] = []
        self.duplicates: list[tuple[Problem, Path_]] = []  # also in problems, with their paths
        # Every node built, and every key a merge (<<) brings in, costs 1: a document may repeat
        # itself through aliases, but only up to MAX_EXPANSION times its own size in nodes. Counting
        # the distinct nodes is a pass over the whole document, so it is done only once the spending
        # passes a bound that a document without aliases stays under (it has fewer nodes than twice
        # its characters).
        self.root = root
        self.spent = 0
        self.limit = 2 * text_length + 1000
        self.counted = False
        self.scalars: dict[tuple[str, str], Any] = {}
        self.merged: dict[int, Pairs] = {}
        # Containers being built, and mappings whose merges are being resolved: meeting one of
        # them again inside itself means a recursive anchor (`&a [*a]`), which would never end.
        self.active: set[int] = set()
        self.merging: set[int] = set()

    def _error(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(self.name, node.start_mark.line + 1, message))

    def _spend(self, node: yaml.Node, cost: int = 1) -> None:
        self.spent += cost
        if self.spent > self.limit:
            if not self.counted:
                self.counted = True
                self.limit = MAX_EXPANSION * _count_nodes(self.root) + 1000
                if self.spent <= self.limit:
                    return
            raise _refuse(self.name, _BOMB, node.start_mark.line + 1)

    def _recursive(self, node: yaml.Node) -> None:
        self._error(
            node,
            "this anchored value contains an alias of itself (a recursive & anchor); "
            "YAML case files cannot refer to themselves: write the values out instead",
        )

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self._spend(node)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node)
        if node.tag not in (_SEQ, _MAP):
            self._error(node, f"unsupported YAML tag {node.tag!r}; write plain values")
            return None
        if id(node) in self.active:
            self._recursive(node)
            return None
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return self._sequence(node, path)
            return self._mapping(node, path)
        finally:
            self.active.discard(id(node))

    def _scalar(self, node: yaml.ScalarNode) -> Any:
        tag, text = node.tag, node.value
        if tag in (_STR, _MERGE):  # a `<<` that is not a key is just text
            return text
        if ":" in text and tag in (_TAG + "int", _TAG + "float"):
            # YAML 1.1 reads 1:3 as a base-60 number (63); in a case it is odds: keep the text.
            return text
        if tag not in _VALUE_TAGS:
            self._error(node, f"unsupported YAML tag {tag!r}; write plain values")
            return None
        # Numbers, booleans and dates repeat (0.9, true, ...): read each distinct one once.
        key = (tag, text)
        if key in self.scalars:
            return self.scalars[key]
        construct: Callable[[Any, yaml.Node], Any] = self.constructor.yaml_constructors[tag]
        try:
            value = construct(self.constructor, node)
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            if tag == _TAG + "timestamp" and isinstance(exc, ValueError):
                # 2025-09-31: YAML's shape of a date, but no such day. Kept as text, so that the
                # case's checks name the field, in one pass with every other problem.
                self.scalars[key] = text
                return text
            reason = getattr(exc, "problem", None) or str(exc)
            self._error(node, f"cannot read value {text!r}: {reason}")
            return None
        if (
            value == 0.0
            and tag == _TAG + "float"
            and any(c in "123456789" for c in text.lower().partition("e")[0])
        ):
            # 1.0e-400 underflowed to 0; kept as written, so that the judgment it is refuses it
            # (priors/judgment.py, `_number`) instead of ruling a hypothesis out that nobody ruled out.
            value = text
        self.scalars[key] = value
        return value

    def _sequence(self, node: yaml.SequenceNode, path: Path_) -> list[Any]:
        items = []
        setline = self.lines.lines.setdefault
        for index, item in enumerate(node.value):
            where = (*path, index)
            setline(where, item.start_mark.line + 1)
            items.append(self.build(item, where))
        return items

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        mapping: dict[str, Any] = {}
        first_line: dict[str, int] = {}
        setline = self.lines.lines.setdefault
        for key_node, value_node in self._merged(node):
            self._spend(key_node)
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _NULL:
                self.problems.append(Problem(self.name, line, "a key must be a plain word"))
                continue
            if key_node.tag not in _VALUE_TAGS and key_node.tag != _STR:
                self._error(key_node, f"unsupported YAML tag {key_node.tag!r}; write plain values")
                continue
            # Keys are names: keep them as written (YAML would turn `no:` into False, `1:` into 1).
            key = key_node.value
            if key in first_line:
                problem = Problem(
                    self.name,
                    line,
                    f"duplicate key '{key}' (first at line {first_line[key]}); remove one of them",
                )
                self.problems.append(problem)
                self.duplicates.append((problem, (*path, key)))
                continue
            first_line[key] = line
            where = (*path, key)
            setline(where, line)
            mapping[key] = self.build(value_node, where)
        return mapping

    def _merged(self, node: yaml.MappingNode) -> Pairs:
        """Key/value pairs with YAML merge keys (<<) resolved: explicit keys win, then earlier
        merged mappings over later ones. Each mapping's result is worked out once and every key
        it brings in is charged to the budget, so nested merges cannot blow up."""
        if not any(key.tag == _MERGE for key, _ in node.value):
            return node.value
        done = self.merged.get(id(node))
        if done is not None:
            self._spend(node, len(done))
            return done
        self.merging.add(id(node))
        try:
            explicit: Pairs = []
            sources: list[yaml.MappingNode] = []
            for key_node, value_node in node.value:
                if key_node.tag != _MERGE:
                    explicit.append((key_node, value_node))
                    continue
                named = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in named:
                    if isinstance(source, yaml.MappingNode) and source.tag == _MAP:
                        if id(source) in self.merging:
                            self._recursive(source)
                        else:
                            sources.append(source)
                    else:
                        self._error(
                            value_node,
                            "a merge key (<<) must name a mapping: `<<: *defaults` or "
                            "`<<: [*one, *two]`, where each & anchor is on a mapping of keys",
                        )
            taken = {k.value for k, _ in explicit if isinstance(k, yaml.ScalarNode)}
            pairs = list(explicit)
            for source in sources:
                for key_node, value_node in self._merged(source):
                    self._spend(key_node)
                    if isinstance(key_node, yaml.ScalarNode):
                        if key_node.value in taken:
                            continue
                        taken.add(key_node.value)
                    pairs.append((key_node, value_node))
        finally:
            self.merging.discard(id(node))
        self.merged[id(node)] = pairs
        return pairs
