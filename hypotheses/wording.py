"""The words and numbers every rendering of a Scorecard shares (terminal, Markdown, HTML), so
that a reader sees the same sentence whichever format they were handed."""

from __future__ import annotations

import math

from hypotheses.scorecard import Scorecard


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


def flip_sentence(card: Scorecard) -> str:
    e = card.explanation
    assert e is not None
    f = e.flip
    if not math.isfinite(f.likelihood_ratio):
        return f"• {f.runner_up} cannot lead whatever new evidence comes: {f.example}."
    return (
        f"• {f.runner_up} would lead only after new, independent evidence {f.likelihood_ratio:.3g} times "
        f"({f.decibans:.1f} dB) more likely under {f.runner_up} than under {e.leading}: "
        f"{f.strength} evidence (Kass & Raftery); {f.example}."
    )


def closest_sentence(card: Scorecard) -> str:
    e = card.explanation
    assert e is not None
    s = e.closest
    if s is None:
        return "• Every judgment is a point value: there is no range to move."
    verdict = "flips the answer" if s.margin < 0 else "does not flip the answer"
    return (
        f"• The judgment closest to flipping it is {s.name} ('{s.text}'): moved within its 90% range "
        f"({percent(s.low)}-{percent(s.high)}), {e.leading}'s lead over {s.rival} falls to "
        f"{s.margin * 100:+.1f} points, which {verdict}."
    )
