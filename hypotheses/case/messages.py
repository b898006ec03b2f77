"""Problems found in a case file, each pinned to `path:line`, the findings that collect them,
and the error that carries them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from hypotheses.text import visible

if TYPE_CHECKING:
    from hypotheses.case.reading import LineMap


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or doubtful) in a case file, located for the analyst."""

    path: str
    line: int | None
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        # Messages quote the case (ids, words, file names): never let its control characters
        # reach the terminal that shows them, and keep each problem on one line.
        where = f"{self.path}:{self.line}" if self.line else self.path
        prefix = "warning: " if self.severity == "warning" else ""
        return visible(f"{where}: {prefix}{self.message}")


class CaseError(Exception):
    """Bad input: the case cannot be scored. Carries every problem found, not just the first."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


# The sections whose entries have ids (a list's `id:`, a mapping's key), and what one is called.
ID_NOUNS = {
    "hypotheses": "hypothesis",
    "evidence": "evidence item",
    "sources": "source",
    "events": "event",
    "origins": "origin",
    "groups": "group",
    "assumptions": "assumption",
}


class Findings:
    """The errors and warnings the rules find in one document, each at the line of its place
    (a path of keys and indexes), in the order found: the rules of the case and of its items
    (checks.py, item_checks.py) add to the same findings, so that a sort by line keeps that
    order among problems of one line.

    Only root errors are reported, not their consequences. A duplicate id is the root of every
    "unknown" reference of its section (the duplicate was often meant to be another id, which
    the rest of the case names): those references are not errors of their own but listed in
    the duplicate's message (`unknown`). A duplicate key elsewhere keeps its first value: the
    errors of the mapping that held it are left out (they may only follow from the value
    dropped), and it is reported alone."""

    def __init__(self, name: str, lines: LineMap) -> None:
        self.name, self.lines = name, lines
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []
        self.roots: dict[str, int] = {}  # section -> index in errors of its first duplicate id
        self.unresolved: dict[str, dict[str, list[int]]] = {}  # section -> name -> lines
        self.quiet: set[tuple[Any, ...]] = set()  # paths whose errors are knock-ons (and below them)

    def error(self, path: tuple[Any, ...], message: str) -> None:
        if self.quieted(path):
            return
        self.errors.append(Problem(self.name, self.lines.line(path) or 1, message))

    def quieted(self, path: tuple[Any, ...]) -> bool:
        """Whether `path` is at or below a quiet path (one look-up per prefix, however many)."""
        return bool(self.quiet) and any(path[:end] in self.quiet for end in range(len(path) + 1))

    def unknown(self, section: str, name: str, path: tuple[Any, ...], message: str) -> None:
        """An id of `section` that no entry has: an error, unless the section has a duplicate
        id, whose message then lists it (the duplicate may be meant to be it)."""
        if section not in self.roots:
            self.error(path, message)
        elif not self.quieted(path):
            lines = self.unresolved.setdefault(section, {}).setdefault(name, [])
            lines.append(self.lines.line(path) or 1)

    def duplicate_key(self, problem: Problem, path: tuple[Any, ...]) -> None:
        """A duplicate key the reader kept the first value of (reading.parse): a duplicate id
        when it is an entry of a section keyed by id (`sources:`, `events:`, ...), else the
        root of its mapping's errors, and of its section's unknown references too when it is
        an entry's `id:` (the id dropped may be the one the rest of the case names)."""
        if len(path) == 2 and path[0] in ID_NOUNS:
            self.roots.setdefault(str(path[0]), len(self.errors))
        else:
            self.quiet.add(tuple(path[:-1]))
            if len(path) == 3 and path[0] in ID_NOUNS and path[2] == "id":  # `{id: b, id: c}`
                self.roots.setdefault(str(path[0]), len(self.errors))
        self.errors.append(problem)

    def warn(self, path: tuple[Any, ...], message: str) -> None:
        self.warnings.append(Problem(self.name, self.lines.line(path) or 1, message, "warning"))

    def unique_ids(self, section: str, ids: list[str], noun: str) -> None:
        """Ids are unique within their section: the rule every list of the case shares."""
        first: dict[str, int] = {}
        for index, item_id in enumerate(ids):
            if item_id in first:
                line = self.lines.line((section, first[item_id], "id"))
                self.roots.setdefault(section, len(self.errors))
                self.error(
                    (section, index, "id"),
                    f"duplicate {noun} id '{item_id}' (first used at line {line}); ids must be unique",
                )
            else:
                first[item_id] = index

    def raise_errors(self) -> None:
        """A CaseError with every error, by line, if there is one."""
        if self.errors:
            raise CaseError(sorted(self.root_errors(), key=lambda p: p.line or 0))

    def root_errors(self) -> list[Problem]:
        """The errors, each duplicate id's message with the unknown references it may explain."""
        errors = list(self.errors)
        for section, names in self.unresolved.items():
            root = errors[self.roots[section]]
            noun = ID_NOUNS[section]
            said = "; ".join(f"'{name}' ({_lines(lines)})" for name, lines in names.items())
            which = "it" if len(names) == 1 else "one of them"
            errors[self.roots[section]] = Problem(
                root.path,
                root.line,
                f"{root.message}. Named elsewhere, but no {noun} has that id: {said}; if the duplicate "
                f"is meant to be {which}, rename it, else add the {noun} or correct the name",
            )
        return errors

    def sorted_warnings(self) -> tuple[Problem, ...]:
        return tuple(sorted(self.warnings, key=lambda p: p.line or 0))


def _lines(lines: list[int]) -> str:
    """'line 10' or 'lines 10, 14, 15' (each once, in order)."""
    distinct = sorted(set(lines))
    return f"line{'s' * (len(distinct) > 1)} {', '.join(map(str, distinct))}"
