"""Read a case file safely into plain data, remembering the line of every key and item.

PyYAML's composer (libyaml when available) gives nodes with line marks; we build the Python
values ourselves so that we can keep those lines, reject duplicate keys, and refuse alias bombs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hypotheses.errors import CaseError, Problem

MAX_BYTES = 16 * 1024 * 1024
# Aliases may repeat a part of the document, but not blow it up (the "billion laughs" attack).
MAX_EXPANSION = 10
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PLAIN_TAGS = {"tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"}

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


def read_text(path: Path) -> str:
    """The file's text, or a CaseError saying why it is not a readable case file."""
    name = str(path)
    try:
        if path.is_dir():
            raise CaseError([Problem(name, None, "is a directory; give the path of a .yaml case file")])
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise CaseError(
                [
                    Problem(
                        name,
                        None,
                        f"file is {size / 2**20:.1f} MiB; case files are limited to {MAX_BYTES // 2**20} MiB",
                    )
                ]
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CaseError([Problem(name, None, "no such file; check the path")]) from None
    except PermissionError:
        raise CaseError([Problem(name, None, "permission denied; check the file's permissions")]) from None
    except OSError as exc:
        raise CaseError([Problem(name, None, f"cannot read the file: {exc.strerror}")]) from None
    if b"\x00" in raw:
        raise CaseError([Problem(name, None, "is a binary file, not a YAML case file")])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CaseError(
            [
                Problem(
                    name,
                    line,
                    f"is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file with UTF-8 encoding",
                )
            ]
        ) from None
    if not text.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()):
        raise CaseError(
            [
                Problem(
                    name,
                    None,
                    "is empty; a case file needs at least schema, title "
                    "and hypotheses (run `hypscore init` for a starter)",
                )
            ]
        )
    return text


def parse(text: str, name: str) -> tuple[Any, LineMap]:
    """Plain Python data and its line map; YAML errors become Problems."""
    loader = _Loader(text)
    try:
        root = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        raise CaseError([Problem(name, line, f"YAML syntax error: {what}")]) from None
    except yaml.YAMLError as exc:
        raise CaseError([Problem(name, None, f"YAML error: {exc}")]) from None
    except RecursionError:
        raise CaseError([Problem(name, None, "the document is nested too deeply")]) from None
    finally:
        loader.dispose()
    if root is None:
        raise CaseError(
            [Problem(name, None, "is empty; a case file needs at least schema, title and hypotheses")]
        )
    builder = _Builder(loader, name, _count_nodes(root))
    data = builder.build(root, ())
    if builder.problems:
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
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return len(seen)


class _Builder:
    def __init__(self, loader: Any, name: str, distinct_nodes: int) -> None:
        self.constructor = yaml.constructor.SafeConstructor()
        self.name = name
        self.lines = LineMap()
        self.problems: list[Problem] = []
        self.budget = MAX_EXPANSION * distinct_nodes + 1000

    def _spend(self, node: yaml.Node) -> None:
        self.budget -= 1
        if self.budget < 0:
            raise CaseError(
                [
                    Problem(
                        self.name,
                        node.start_mark.line + 1,
                        "YAML aliases expand this document enormously (an alias bomb?); "
                        "write the values out instead of using & and *",
                    )
                ]
            )

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self._spend(node)
        if isinstance(node, yaml.ScalarNode):
            try:
                return self.constructor.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError) as exc:
                reason = getattr(exc, "problem", None) or str(exc)
                self.problems.append(
                    Problem(
                        self.name, node.start_mark.line + 1, f"cannot read value {node.value!r}: {reason}"
                    )
                )
                return None
        if node.tag not in _PLAIN_TAGS:
            self.problems.append(
                Problem(
                    self.name,
                    node.start_mark.line + 1,
                    f"unsupported YAML tag {node.tag!r}; write plain values",
                )
            )
            return None
        if isinstance(node, yaml.SequenceNode):
            items = []
            for index, item in enumerate(node.value):
                self.lines.lines.setdefault((*path, index), item.start_mark.line + 1)
                items.append(self.build(item, (*path, index)))
            return items
        mapping: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in self._merged(node):
            key = self.build(key_node, path)
            line = key_node.start_mark.line + 1
            if isinstance(key, list | dict) or key is None:
                self.problems.append(Problem(self.name, line, "a key must be a plain word"))
                continue
            # Keys are names: keep them as written (YAML would turn `no:` into False, `1:` into 1).
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(key)
            if key in first_line:
                self.problems.append(
                    Problem(
                        self.name,
                        line,
                        f"duplicate key '{key}' (first at line {first_line[key]}); remove one of them",
                    )
                )
                continue
            first_line[key] = line
            self.lines.lines.setdefault((*path, key), line)
            mapping[key] = self.build(value_node, (*path, key))
        return mapping

    def _merged(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
        """Key/value pairs with YAML merge keys (<<) resolved; explicit keys win."""
        pairs, merged = [], []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    if isinstance(source, yaml.MappingNode):
                        merged.extend(self._merged(source))
            else:
                pairs.append((key_node, value_node))
        explicit = {k.value for k, _ in pairs if isinstance(k, yaml.ScalarNode)}
        return pairs + [
            (k, v) for k, v in merged if not (isinstance(k, yaml.ScalarNode) and k.value in explicit)
        ]
