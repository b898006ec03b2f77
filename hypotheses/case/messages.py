"""Problems found in a case file, each pinned to `path:line`, and the error that carries them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hypotheses.text import visible


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
