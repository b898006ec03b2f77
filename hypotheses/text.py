"""How hypscore writes a case's text and its numbers for people: control characters made
visible, spreadsheet cells inert; probabilities, intervals and weights of evidence each written
by one function, so that every output shows the same number the same way. The bottom of the
package: every layer may import it, and it imports nothing of ours."""

from __future__ import annotations

import math
import re

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


# A spreadsheet reads a cell starting with one of these as a formula (=HYPERLINK(...), DDE); the
# full-width forms too, in some. OWASP's remedy: a leading single quote makes the cell text.
_FORMULA_START = ("=", "+", "-", "@", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def csv_text(text: str) -> str:
    """A text cell that no spreadsheet will evaluate or act on; a plain number stays a number."""
    text = visible(text)  # tab and CR (also formula triggers) become spaces, controls visible
    if text.lstrip().startswith(_FORMULA_START) and not _NUMBER.fullmatch(text.strip()):
        return "'" + text
    return text


def percent(p: float) -> str:
    """A probability as readers expect it: 0.1234 -> '12.3%'. Only an exact 0 or 1 reads '0%' or
    '100.0%': anything else that would round to either is shown as the judgment it is, '<0.1%'
    or '>99.9%', since a rounded certainty claims more than any case can say (docs/model.md,
    How extremes are shown). The page's script writes the same (interactive.js, `percent`)."""
    if p == 0:
        return "0%"
    if p == 1:
        return "100.0%"
    shown = f"{p * 100:.1f}"
    if shown == "0.0":
        return "<0.1%"
    if shown == "100.0":
        return ">99.9%"
    return f"{shown}%"


def odds_shift(before: float, after: float, odds: str = "odds") -> str:
    """Where two probabilities print alike ('>99.9%' and '>99.9%') but differ, the change in
    their odds, ' (odds -12.3 dB)': near certainty a percentage stops moving while the odds
    still fall tenfold. '' where the percentages already show the change. `odds` names them
    where a reader could take them for another pair's ('odds of other against the rest')."""
    if percent(before) != percent(after):
        return ""
    return _odds_change(before, after, odds)


def _odds_change(before: float, after: float, odds: str = "odds") -> str:
    """' (odds -12.3 dB)', the change in the odds of p against 1 - p from `before` to `after`;
    '' where either is 0 or 1 (infinite odds) or the change rounds to 0.0 dB."""
    if not (0 < before < 1 and 0 < after < 1) or before == after:
        return ""
    db = 10 * (math.log10(after / (1 - after)) - math.log10(before / (1 - before)))
    shown = decibans(db)
    return "" if shown == "0.0 dB" else f" ({odds} {shown})"


def points_change(before: float, after: float) -> str:
    """A change of a probability in percentage points, '+1.2' (never '+0.0' or '-0.0': '0.0');
    where that prints 0.0 but the odds still move, as near certainty (99.95% -> 99.995%), their
    change too, as `odds_shift` does for percentages alike: '0.0 (odds +10.0 dB)'."""
    shown = f"{100 * (after - before):+.1f}"
    if shown not in ("+0.0", "-0.0"):
        return shown
    return "0.0" + _odds_change(before, after)


def interval(lo: float, hi: float, between: str = "-", one_sign: bool = False) -> str:
    """A credible interval (or a judgment's range) as percentages: '12.3%-45.6%'. `between`
    joins the ends as the output reads best (' - ' in table cells of Markdown and HTML, ' to '
    in a sentence); `one_sign` writes the sign once, '12.3-45.6%', where columns are narrow.
    An end shown as a bound ('<0.1%') keeps its sign; before an upper end shown so, a bare '-'
    becomes ' to ', so that '99.5%->99.9%' never reads as an arrow."""
    low, high = percent(lo), percent(hi)
    if high[0] in "<>":
        return f"{low}{' to ' if between == '-' else between}{high}"
    return f"{low.rstrip('%') if one_sign and low[0] not in '<>' else low}{between}{high}"


def decibans(value: float, signed: bool = True) -> str:
    """A weight of evidence: '+6.1 dB' (10 dB = 10:1). Anything that rounds to zero is '0.0 dB',
    never '+0.0' or '-0.0', which would suggest a direction; `signed=False` for an amount
    ('6.1 dB more likely')."""
    if abs(value) < 0.05:
        return "0.0 dB"
    return f"{value:+.1f} dB" if signed else f"{value:.1f} dB"
