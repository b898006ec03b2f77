"""The keys of a case file, declared once (docs/case-format.md): which keys each block accepts,
in the format's order, and which it requires.

Pure Python, no pydantic: the fast reader (fast.py) reads documents by it without paying for
the models, format.py's models are held to it (tests/test_case_keys.py), the YAML reader
(reading.py) tells a key out of line by it, and the messages list keys from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from priors.factors import PRIOR_FACTORS


@dataclass(frozen=True)
class Block:
    """The keys of one kind of mapping in a case file."""

    keys: tuple[str, ...]  # in the format's order: the order "allowed: ..." lists them
    required: frozenset[str] = frozenset()
    allowed: frozenset[str] = field(init=False, repr=False)  # the keys, for a fast subset test

    def __post_init__(self) -> None:
        object.__setattr__(self, "allowed", frozenset(self.keys))

    def required_in_order(self) -> list[str]:
        return [key for key in self.keys if key in self.required]


CASE = Block(
    ("schema", "title", "question", "scale", "model_error", "hypotheses", "sources", "events",
     "evidence", "origins", "notes", "groups", "resolution", "as_of", "assumptions"),
    frozenset({"schema", "title", "hypotheses"}),
)  # fmt: skip
HYPOTHESIS = Block(("id", "label", "prior", "notes"), frozenset({"id", "label"}))
FACTORS = Block(tuple(PRIOR_FACTORS))  # a prior given as factors: every one optional
SOURCE = Block(("label", "reliability", "notes", "links"))
EVIDENCE = Block(
    ("id", "label", "source", "credibility", "likelihoods", "grading", "ratios", "observed", "date",
     "reports", "via", "hit", "false_alarm", "notes", "links", "quote", "document", "page", "accessed"),
    frozenset({"id", "label"}),
)  # fmt: skip
EVENT = Block(("label", "likelihoods", "notes", "links"), frozenset({"label", "likelihoods"}))
# Items that may all repeat one origin (docs/case-format.md, "Possible common origins").
ORIGIN = Block(
    ("label", "items", "shared", "likelihoods", "notes", "links"), frozenset({"label", "items", "shared"})
)
GROUP = Block(("label", "members"), frozenset({"label", "members"}))
RESOLUTION = Block(("hypothesis", "date", "notes"), frozenset({"hypothesis"}))
# A key assumption (docs/case-format.md, "Key assumptions"): its judgments by place were it wrong.
ASSUMPTION = Block(("label", "if_wrong", "notes"), frozenset({"label", "if_wrong"}))

# `observed:` is true, false, or this word: not yet known (the item stays out of the posterior).
PENDING = "pending"

# Where in a document each block sits: "#" stands for a list index, "*" for an id of a section
# keyed by id.
BLOCK_AT: dict[tuple[str, ...], Block] = {
    (): CASE,
    ("hypotheses", "#"): HYPOTHESIS,
    ("hypotheses", "#", "prior"): FACTORS,
    ("evidence", "#"): EVIDENCE,
    ("sources", "*"): SOURCE,
    ("events", "*"): EVENT,
    ("origins", "*"): ORIGIN,
    ("groups", "*"): GROUP,
    ("resolution",): RESOLUTION,
    ("assumptions", "*"): ASSUMPTION,
}
_KEYED = {shape[0] for shape in BLOCK_AT if shape[1:] == ("*",)}

# Every key of the case language: a word that is one of these is a key, wherever it stands.
ALL_KEYS = frozenset(key for block in BLOCK_AT.values() for key in block.keys)


def block_at(path: tuple[Any, ...]) -> Block | None:
    """The block at a place in a document (a path of keys and list indexes), if one sits there."""
    shape = tuple("#" if isinstance(part, int) else part for part in path)
    if len(shape) == 2 and shape[0] in _KEYED:
        shape = (shape[0], "*")
    return BLOCK_AT.get(shape)


def listed(words: list[str], conjunction: str = "and") -> str:
    """'a, b and c' (or 'a, b or c'): required keys, ids, named in a sentence."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"
