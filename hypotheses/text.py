"""How hypscore writes a case's text and its numbers for people: control characters made
visible, probabilities as percentages. The bottom of the package: every layer may import it,
and it imports nothing of ours."""

from __future__ import annotations

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


def percent(p: float) -> str:
    """A probability as readers expect it: 0.1234 -> '12.3%', tiny values kept visible."""
    if p == 0:
        return "0%"
    if p < 0.001:
        return f"{p * 100:.2g}%"
    return f"{p * 100:.1f}%"
