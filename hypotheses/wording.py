"""The words and numbers every rendering of a Scorecard shares (terminal, Markdown, HTML), so
that a reader sees the same sentence whichever format they were handed."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # only for annotations: errors.py imports this module, keep it light
    from hypotheses.scorecard import Scorecard

# Everything a renderer would treat as a line break (Python's, Markdown's and Unicode's).
_LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x85\u2028\u2029]")
# Characters that act on a terminal or reorder text instead of showing themselves: C0 and C1
# controls (ESC starts CSI and OSC sequences, \x9b is a one-byte CSI), DEL, the bidirectional
# embeddings, overrides and isolates ("Trojan Source") and lone surrogates (unencodable).
_HIDDEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, newlines: bool = False) -> str:
    """`text` from a case made safe to show anywhere: every control character becomes a visible
    escape such as `\\x1b` (so nothing a case contains can drive a terminal), tabs and line
    breaks become spaces (or, with `newlines`, line breaks become `\\n`). Ordinary text is
    returned unchanged."""
    text = _LINE_BREAK.sub("\n" if newlines else " ", text).replace("\t", " ")
    if newlines:
        return "\n".join(_HIDDEN.sub(_escape, line) for line in text.split("\n"))
    return _HIDDEN.sub(_escape, text)


def percent(p: float) -> str:
    """A probability as readers expect it: 0.1234 -> '12.3%', tiny values kept visible."""
    if p == 0:
        return "0%"
    if p < 0.001:
        return f"{p * 100:.2g}%"
    return f"{p * 100:.1f}%"


def in_words(card: Scorecard, p: float) -> str:
    """The scale's term with its range, e.g. 'very likely (80-95%)': what readers of any format see."""
    from priors import get_scale

    return get_scale(card.scale).describe(p)


def db(value: float | None) -> str:
    if value is None:
        return "n/a"
    return "0.0 dB" if abs(value) < 0.05 else f"{value:+.1f} dB"


def flip_sentence(card: Scorecard, quote: Callable[[str], str] = visible) -> str:
    """What new evidence would make the runner-up lead; `quote` renders the case's own words
    (ids, scale words) for the output at hand: `visible` for terminals and HTML, Markdown
    escaping for Markdown, while the sentence's own punctuation stays as it is."""
    e = card.explanation
    assert e is not None
    f = e.flip
    runner_up, leading, example = quote(f.runner_up), quote(e.leading), quote(f.example)
    if not math.isfinite(f.likelihood_ratio):
        return f"• {runner_up} cannot lead whatever new evidence comes: {example}."
    return (
        f"• {runner_up} would lead only after new, independent evidence {f.likelihood_ratio:.3g} times "
        f"({f.decibans:.1f} dB) more likely under {runner_up} than under {leading}: "
        f"{f.strength} evidence (Kass & Raftery); {example}."
    )


def closest_sentence(card: Scorecard, quote: Callable[[str], str] = visible) -> str:
    """The judgment nearest to flipping the answer (`quote` as in `flip_sentence`)."""
    e = card.explanation
    assert e is not None
    s = e.closest
    if s is None:
        return "• Every judgment is a point value: there is no range to move."
    verdict = "flips the answer" if s.margin < 0 else "does not flip the answer"
    return (
        f"• The judgment closest to flipping it is {quote(s.name)} ('{quote(s.text)}'): moved within its "
        f"90% range ({percent(s.low)}-{percent(s.high)}), {quote(e.leading)}'s lead over {quote(s.rival)} "
        f"falls to {s.margin * 100:+.1f} points, which {verdict}."
    )
