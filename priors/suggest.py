"""The one "did you mean" of every message: ids, field names, scale names and words.

Ids and names have no meaning to flip, so the closest spelling is suggested; a word of a scale
is suggested only through `Scale.suggest`, which never crosses to the other side of the scale.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(typed: str, candidates: Iterable[str] | None = None, found: str | None = None) -> str:
    """ " (did you mean 'x'?)" for the candidate closest to `typed` (or for `found`, a suggestion
    already made), or "" when nothing is close: ready to append to a message."""
    if found is None and candidates is not None:
        # Compared without case, and with '-' and spaces as '_': `WaPo` finds `wapo`,
        # `US-Norway` finds `us_norway`; the suggestion is always the candidate as written.
        by_form: dict[str, str] = {}
        for candidate in candidates:
            by_form.setdefault(_form(candidate), candidate)
        form = _form(str(typed))
        close = [form] if form in by_form else difflib.get_close_matches(form, list(by_form), n=1)
        found = by_form[close[0]] if close else None
    return f" (did you mean '{found}'?)" if found else ""


def _form(text: str) -> str:
    return "_".join(text.casefold().replace("-", " ").split())
