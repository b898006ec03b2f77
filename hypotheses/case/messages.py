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


class Findings:
    """The errors and warnings the rules find in one document, each at the line of its place
    (a path of keys and indexes), in the order found: the rules of the case and of its items
    (checks.py, item_checks.py) add to the same findings, so that a sort by line keeps that
    order among problems of one line."""

    def __init__(self, name: str, lines: LineMap) -> None:
        self.name, self.lines = name, lines
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, path: tuple[Any, ...], message: str) -> None:
        self.errors.append(Problem(self.name, self.lines.line(path) or 1, message))

    def warn(self, path: tuple[Any, ...], message: str) -> None:
        self.warnings.append(Problem(self.name, self.lines.line(path) or 1, message, "warning"))

    def unique_ids(self, section: str, ids: list[str], noun: str) -> None:
        """Ids are unique within their section: the rule every list of the case shares."""
        first: dict[str, int] = {}
        for index, item_id in enumerate(ids):
            if item_id in first:
                line = self.lines.line((section, first[item_id], "id"))
                self.error(
                    (section, index, "id"),
                    f"duplicate {noun} id '{item_id}' (first used at line {line}); ids must be unique",
                )
            else:
                first[item_id] = index

    def raise_errors(self) -> None:
        """A CaseError with every error, by line, if there is one."""
        if self.errors:
            raise CaseError(sorted(self.errors, key=lambda p: p.line or 0))

    def sorted_warnings(self) -> tuple[Problem, ...]:
        return tuple(sorted(self.warnings, key=lambda p: p.line or 0))
