"""Verbal probability scales (ICD 203, PHIA, Kent): words -> judgments and probabilities -> words.

Scales are YAML data files in `priors/scales/`; an organisation can add its own there or in a
directory named by the HYPSCORE_SCALE_PATH environment variable (os.pathsep-separated).
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from priors.judgment import RANGE_CEIL, RANGE_FLOOR, Beta, Judgment, JudgmentError, Point, from_range

DEFAULT_SCALE = "icd203"
_BUILTIN_DIR = Path(__file__).with_name("scales")


def normalise_word(text: str) -> str:
    """Words match case-insensitively and ignore repeated spaces and hyphens."""
    return " ".join(text.replace("-", " ").lower().split())


@dataclass(frozen=True)
class Term:
    """One word of a scale, its range in percent and its fitted judgment."""

    term: str
    synonyms: tuple[str, ...]
    lo: float
    hi: float
    judgment: Judgment

    def range_text(self) -> str:
        if self.lo == self.hi:
            return f"{self.lo * 100:g}%"
        return f"{self.lo * 100:g}-{self.hi * 100:g}%"


@dataclass(frozen=True)
class Scale:
    """A named verbal scale: ordered, possibly gapped, ranges of probability."""

    name: str
    title: str
    terms: tuple[Term, ...]

    def words(self) -> list[str]:
        return [w for t in self.terms for w in (t.term, *t.synonyms)]

    def lookup(self, word: str) -> Term | None:
        key = normalise_word(word)
        for term in self.terms:
            if key in {normalise_word(w) for w in (term.term, *term.synonyms)}:
                return term
        return None

    def judgment(self, word: str) -> Judgment:
        term = self.lookup(word)
        if term is None:
            close = difflib.get_close_matches(normalise_word(word), self.words(), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise JudgmentError(
                f"unknown word '{word}' for scale {self.name}{hint}; known words: " + ", ".join(self.words())
            )
        judgment = term.judgment
        if isinstance(judgment, Beta):
            return Beta(judgment.a, judgment.b, word, judgment.fitted_range)
        return Point(judgment.value, word)

    def term_for(self, p: float) -> str:
        """The scale's words for probability `p`: its term, or 'between X and Y' in a gap."""
        for term in self.terms:
            if term.lo <= p < term.hi or term.lo == term.hi == p:
                return term.term
        for term in self.terms:
            if p == term.hi:
                return term.term
        if p < self.terms[0].lo:
            return self.terms[0].term
        for below, above in zip(self.terms, self.terms[1:], strict=False):
            if below.hi < p < above.lo:
                return f"between {below.term} and {above.term}"
        return self.terms[-1].term

    def describe(self, p: float) -> str:
        """The term with its range, e.g. 'very likely (80-95%)', as reports show it."""
        word = self.term_for(p)
        term = self.lookup(word)
        return f"{word} ({term.range_text()})" if term else word


def _scale_dirs() -> list[Path]:
    extra = os.environ.get("HYPSCORE_SCALE_PATH", "")
    return [_BUILTIN_DIR, *(Path(p) for p in extra.split(os.pathsep) if p)]


def _read_scale(path: Path) -> Scale:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    terms = []
    for entry in data["terms"]:
        lo, hi = (float(x) / 100.0 for x in entry["range"])
        stored = entry.get("beta")
        judgment: Judgment
        if stored is not None and lo != hi:
            fitted = (max(lo, RANGE_FLOOR), min(hi, RANGE_CEIL))
            judgment = Beta(float(stored[0]), float(stored[1]), entry["term"], fitted)
        else:
            judgment = from_range(lo, hi, entry["term"])
        terms.append(Term(entry["term"], tuple(entry.get("synonyms", ())), lo, hi, judgment))
    terms.sort(key=lambda t: (t.lo, t.hi))
    return Scale(name=data["name"], title=data.get("title", data["name"]), terms=tuple(terms))


@cache
def _all_scales() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for directory in _scale_dirs():
        if directory.is_dir():
            for path in sorted(directory.glob("*.yaml")):
                found[path.stem] = path
    return found


def scale_names() -> list[str]:
    return list(_all_scales())


@cache
def get_scale(name: str) -> Scale:
    """The scale called `name`; KeyError names the known ones."""
    paths = _all_scales()
    if name not in paths:
        raise KeyError(name)
    return _read_scale(paths[name])
