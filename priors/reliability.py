"""Source reliability and information credibility: the Admiralty (NATO) codes as judgments.

A source's reliability is a letter A-F (or any judgment); an item's two-part grading such as
"B2" adds a digit 1-6, the credibility of the information itself (docs/case-format.md, Judgments). The
six credibility meanings are also words that `credibility:` accepts, ahead of the case's scale.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from typing import Any

from priors.judgment import Judgment, JudgmentError, from_range, parse_judgment
from priors.scales import Scale, normalise_word

# Code -> (meaning, range in percent), docs/case-format.md, Judgments.
ADMIRALTY: dict[str, tuple[str, float, float]] = {
    "A": ("completely reliable", 95, 99),
    "B": ("usually reliable", 80, 95),
    "C": ("fairly reliable", 55, 80),
    "D": ("not usually reliable", 30, 55),
    "E": ("unreliable", 5, 30),
    "F": ("reliability cannot be judged", 5, 95),
}

# Digit -> (meaning, range in percent): the information credibility of docs/case-format.md, Judgments.
CREDIBILITY: dict[str, tuple[str, float, float]] = {
    "1": ("confirmed", 95, 99),
    "2": ("probably true", 80, 95),
    "3": ("possibly true", 55, 80),
    "4": ("doubtful", 30, 55),
    "5": ("improbable", 5, 30),
    "6": ("cannot be judged", 5, 95),
}

GRADING_EXAMPLE = "grading: B2 = source usually reliable (B), information probably true (2)"
# A letter and a digit, any case, spaces around and between: 'B2', 'b2', 'B 2'.
_GRADING = re.compile(r"^\s*([A-Za-z])\s*([0-9])\s*$")
_CREDIBILITY_WORDS = {normalise_word(meaning): digit for digit, (meaning, _, _) in CREDIBILITY.items()}


def admiralty_judgment(code: str, scale: Scale | None = None) -> Judgment:
    """The reliability of Admiralty letter `code`: as `scale` re-states it (a scale fitted to a
    track record, docs/model.md section 7), else the standard range fitted like a word."""
    stated = scale.grade(code) if scale is not None else None
    if stated is None:
        return _standard_grade(code)
    return replace(stated, text=f"{code} ({ADMIRALTY[code][0]})")


@cache
def _standard_grade(code: str) -> Judgment:
    meaning, lo, hi = ADMIRALTY[code]
    return from_range(lo / 100.0, hi / 100.0, f"{code} ({meaning})")


@cache
def credibility_judgment(digit: str) -> Judgment:
    """The judgment of an information credibility code '1'..'6', fitted like a word."""
    meaning, lo, hi = CREDIBILITY[digit]
    return from_range(lo / 100.0, hi / 100.0, f"{digit} ({meaning})")


def _looks_like_grading(value: Any) -> bool:
    return isinstance(value, str) and _GRADING.match(value) is not None


def parse_grading(value: Any) -> tuple[str, Judgment]:
    """A two-part Admiralty grading such as 'B2' (any case, spaces allowed: 'b 2') ->
    (the reliability letter in upper case, the credibility judgment of the digit)."""
    match = _GRADING.match(value) if isinstance(value, str) else None
    if match is not None:
        letter, digit = match[1].upper(), match[2]
        if letter in ADMIRALTY and digit in CREDIBILITY:
            return letter, credibility_judgment(digit)
        wrong = (
            f"the letter must be A-F, not '{match[1]}'"
            if letter not in ADMIRALTY
            else f"the digit must be 1-6, not '{digit}'"
        )
        raise JudgmentError(f"unknown grading {value!r}: {wrong}; {_GRADING_HELP}")
    raise JudgmentError(f"unknown grading {value!r}; {_GRADING_HELP}")


_GRADING_HELP = (
    "a grading is a source reliability letter A (completely reliable) to F (cannot be judged) "
    "followed by an information credibility digit 1 (confirmed) to 6 (cannot be judged), "
    f"e.g. {GRADING_EXAMPLE}"
)


def credibility_word(value: str) -> Judgment | None:
    """The judgment of one of the six credibility words ('probably true', 'Doubtful',
    'cannot-be-judged'), matched like a scale's words; None for any other text."""
    digit = _CREDIBILITY_WORDS.get(normalise_word(value))
    return None if digit is None else credibility_judgment(digit)


def parse_credibility(value: Any, scale: Scale) -> tuple[Judgment, str | None]:
    """An item's credibility: one of the six credibility words, which take precedence over the
    scale's words, or any judgment of the case's forms (a bare number such as 0.9 or 1 is a
    probability, never a credibility code). Returns the judgment and a warning when the word is
    also a word of `scale` with another meaning, else None."""
    if isinstance(value, str):
        digit = _CREDIBILITY_WORDS.get(normalise_word(value))
        if digit is not None:
            return credibility_judgment(digit), _shadowed(value, digit, scale)
        if _looks_like_grading(value):
            raise JudgmentError(_grading_as_credibility(value))
        letter = value.strip().upper()
        if letter in ADMIRALTY and scale.lookup(value) is None:
            raise JudgmentError(
                f"credibility {value!r} is an Admiralty letter, which grades a source's reliability: "
                f"give the source `reliability: {letter}`, or the item a grading, the letter then its "
                f"information's digit ({GRADING_EXAMPLE}); an item's credibility is a probability or "
                "a word such as 'probably true'"
            )
    if _credibility_digit(value) is not None:
        digit = _credibility_digit(value)
        meaning = CREDIBILITY[digit][0]
        raise JudgmentError(
            f"credibility {value!r} is outside 0 to 1 (0% to 100%); if it is Admiralty information "
            f"credibility {digit} ({meaning}), write `credibility: {meaning}`, or a grading with the "
            f"source's reliability letter, e.g. `grading: B{digit}` (the letter must be the source's "
            "reliability); as a probability write e.g. 0.9 or 90%"
        )
    if _on_a_scale_of_ten(value):
        # 7 to 10 is no Admiralty digit and, as a credibility, as likely a mark out of ten (0.7)
        # as a percentage (7%): no reading is suggested, since either could change the meaning.
        raise JudgmentError(
            f"credibility {value!r} is outside 0 to 1 (0% to 100%) and no Admiralty digit (1-6): write "
            "it as a probability, e.g. 0.85 or 85%, or an Admiralty credibility word such as 'probably true'"
        )
    return parse_judgment(value, scale), None


def _whole_number(value: Any) -> int | None:
    """A credibility written as a whole number (5, 5.0 or '5'), else None: the forms in which a
    code or a mark may have been meant instead of a probability."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*([0-9]|10)\s*", value):
        return int(value)
    return None


def _on_a_scale_of_ten(value: Any) -> bool:
    """A credibility written as a whole number from 7 to 10 (a mark out of ten, or a percentage
    without its sign: nobody can tell which)."""
    number = _whole_number(value)
    return number is not None and 7 <= number <= 10


def _credibility_digit(value: Any) -> str | None:
    """The Admiralty credibility digit '2'..'6' a credibility written 2..6 almost surely is
    (1 is a probability, certain), else None."""
    number = _whole_number(value)
    return str(number) if number is not None and 2 <= number <= 6 else None


def _grading_as_credibility(value: str) -> str:
    """A two-part grading written as a credibility ('B2'): its digit is the credibility, which
    `credibility:` takes as a word; `grading:` also works, but its letter must be the source's."""
    match = _GRADING.match(value)
    assert match is not None
    letter, digit = match[1].upper(), match[2]
    if letter not in ADMIRALTY or digit not in CREDIBILITY:
        return f"credibility {value!r} looks like a two-part grading, but {_GRADING_HELP}"
    meaning = CREDIBILITY[digit][0]
    return (
        f"credibility {value!r} looks like a two-part grading: its digit {digit} is the information's "
        f"credibility, written `credibility: {meaning}`; or replace it with `grading: {letter}{digit}` "
        f"if the item's source is graded {letter} (a grading's letter must be its source's "
        f"reliability) ({GRADING_EXAMPLE})"
    )


def _shadowed(word: str, digit: str, scale: Scale) -> str | None:
    """The warning for a credibility word that `scale` reads otherwise, or None."""
    term = scale.lookup(word)
    meaning, lo, hi = CREDIBILITY[digit]
    if term is None or (abs(term.lo - lo / 100.0) < 1e-9 and abs(term.hi - hi / 100.0) < 1e-9):
        return None
    same = [w for w in (term.term, *term.synonyms) if normalise_word(w) not in _CREDIBILITY_WORDS]
    if term.lo == term.hi:
        instead = f"{term.lo:g}"
    elif same:
        instead = f"'{same[0]}'"
    else:
        instead = f"[{term.lo:g}, {term.hi:g}]"
    typed = f"'{word}'" if normalise_word(word) == normalise_word(term.term) else f"'{word}' = '{term.term}'"
    return (
        f"credibility '{word}' is read as Admiralty information credibility {digit} ({meaning}, "
        f"{lo:g}-{hi:g}%), not as {scale.name}'s {typed} ({term.range_text()}); "
        f"to mean {scale.name}'s, write {instead}"
    )


def parse_reliability(value: Any, scale: Scale) -> Judgment:
    """An Admiralty letter (any case) or a judgment of the case's forms."""
    if isinstance(value, str) and len(value.strip()) == 1 and value.strip().isalpha():
        code = value.strip().upper()
        if code not in ADMIRALTY:
            raise JudgmentError(
                f"unknown Admiralty reliability code '{value}'; use A (completely reliable) "
                "to E (unreliable), F (cannot be judged), or a judgment such as 0.8"
            )
        return admiralty_judgment(code, scale)
    if _looks_like_grading(value):
        letter = value.strip()[0].upper()
        letter = letter if letter in ADMIRALTY else "B"
        raise JudgmentError(
            f"reliability {value!r} looks like a two-part grading (source reliability letter and "
            f"information credibility digit); a source's reliability is the letter alone "
            f"(reliability: {letter}), and the grading goes under `grading:` on the evidence item "
            f"({GRADING_EXAMPLE})"
        )
    try:
        return parse_judgment(value, scale)
    except JudgmentError as error:
        if not str(error).startswith("unknown word"):
            raise
        # Not a word of the scale: it may be meant as a letter ('B+', 'B/C'), which only A-F are.
        typed = value.strip()
        letter_like = 1 < len(typed) <= 3 and typed[0].upper() in ADMIRALTY and not typed[1:].isalpha()
        no_such = f": there is no {typed!r}, so write one letter" if letter_like else ""
        raise JudgmentError(
            f"{error}; a reliability may also be an Admiralty letter alone, A (completely reliable) "
            f"to E (unreliable) or F (cannot be judged){no_such}, or give a judgment of its own "
            "such as an interval [0.6, 0.9]"
        ) from None
