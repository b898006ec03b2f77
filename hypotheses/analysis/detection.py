"""Suspected common origins (docs/case-format.md, "Suspected common origins"): independent items
that may repeat one origin though the analyst declared none. Counting such items as independent
is how real cases reach 99%, so hypscore looks for the traces a shared origin leaves (the same
link, the same last `via:` source, the same document, near-identical quotes or labels) and says
what sharing would change.

`suspected_origins` is pure and cheap (no engine, no NumPy unless it is already loaded), so
`validate` can run it; `if_shared` scores one variant of the case per cluster.
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from hypotheses.analysis.scorecard import SuspectedOrigin
from hypotheses.case.sourcing import is_url
from hypotheses.case.types import Case, EvidenceItem, Origin
from hypotheses.settings import DEFAULT_SEED
from hypotheses.text import odds_shift, percent
from priors import Point

# Normalised similarity at or above which two texts count as near-identical, on rapidfuzz's
# 0-100 scale (DESIGN section 9: 0.9).
NEAR_IDENTICAL = 90.0
SHARED = 0.5  # the `shared:` judgment of the what-if: as likely one origin as not
# Labels are compared only among this many candidates at most: all pairs is n^2 comparisons
# (2,000: about 0.15 s in cdist), and templated labels ("Evidence item number 1", "... 2") are
# all near-identical, so their pairs alone would be millions. Above it, `labels_skipped` says so.
MAX_LABELS = 2_000
_ROWS = 512  # rows of the similarity matrix computed at once (memory: 8 bytes x _ROWS x items)
_PUNCTUATION = re.compile(r"[^\w\s]")


def link_key(link: str) -> str | None:
    """A link as the document it names: scheme, host (lower-case, with its port) and path, without
    query, fragment or trailing slash; None for a bare site (a shared home page is no shared
    origin) or an empty link. A link without a scheme (a relative path) is compared as written."""
    try:
        parts = urlsplit(link.strip())
        port = parts.port
    except ValueError:  # an unreadable port or bracketed host: compare the text as written
        return link.strip() or None
    path = parts.path.rstrip("/")
    if not path:
        return None
    if not parts.scheme:
        return path
    host = (parts.hostname or "") + (f":{port}" if port is not None else "")
    return f"{parts.scheme.lower()}://{host}{path}" if parts.netloc else f"{parts.scheme.lower()}:{path}"


def _links(item: EvidenceItem) -> Iterable[str]:
    return {key for key in map(link_key, item.links) if key is not None}


def _last_via(item: EvidenceItem) -> Iterable[str]:
    return item.via[-1:]


def _document(item: EvidenceItem) -> Iterable[str]:
    """The document it cites: a URL as a link is compared, a local file by its path relative to
    the case's folder (the loader resolved it, so `./a.txt` and `a.txt` are one file)."""
    if item.document is None:
        return ()
    key = link_key(item.document) if is_url(item.document) else item.document
    return () if key is None else (key,)


def comparable(text: str) -> str:
    """Text as near-identity compares it: case folded, punctuation dropped, words sorted (so
    that a headline reworded only in its word order still matches, as rapidfuzz's
    token_sort_ratio would, but sorted once per item instead of once per pair)."""
    return " ".join(sorted(_PUNCTUATION.sub(" ", text.casefold()).split()))


# The reasons, by name. Exact ones: items sharing a key share the reason ("same link KEY").
# Near ones: items whose texts reach NEAR_IDENTICAL ("near-identical labels (94%)"); an item
# without the text (no `quote:`) is not compared.
EXACT_REASONS: dict[str, Callable[[EvidenceItem], Iterable[str]]] = {
    "same link": _links,
    "same last via:": _last_via,
    "same document": _document,
}
NEAR_REASONS: dict[str, Callable[[EvidenceItem], str]] = {
    "labels": lambda item: item.label,
    "quotes": lambda item: item.quote or "",
}


def candidates(case: Case) -> list[EvidenceItem]:
    """The items that could join an origin and are not already in one: observed, with likelihoods
    of their own (not reports of an event, not ratios), in no declared origin."""
    declared = {item_id for origin in case.origins for item_id in origin.items}
    return [
        item
        for item in case.evidence
        if item.observed is True and item.reports is None and not item.ratios and item.id not in declared
    ]


def similar_pairs(texts: list[str], cutoff: float = NEAR_IDENTICAL) -> list[tuple[int, int, float]]:
    """(i, j, score) with i < j for every pair of `texts` whose fuzz.ratio reaches `cutoff`.
    All pairs are compared in rapidfuzz's C code: with NumPy already loaded (any scoring run),
    cdist a block of rows at a time; without it (`validate`, which must stay light), extract
    row by row. Both give the same pairs (tests/test_detection.py)."""
    from rapidfuzz import fuzz, process

    pairs: list[tuple[int, int, float]] = []
    if "numpy" in sys.modules:
        import numpy as np

        for start in range(0, len(texts), _ROWS):
            block = process.cdist(
                texts[start : start + _ROWS], texts, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float64
            )
            for row, col in zip(*np.nonzero(block), strict=True):
                i = start + int(row)
                if i < col:
                    pairs.append((i, int(col), float(block[row, col])))
        return pairs
    for i, text in enumerate(texts):
        for _, found, j in process.extract(text, texts, scorer=fuzz.ratio, score_cutoff=cutoff, limit=None):
            if i < j:
                pairs.append((i, j, float(found)))
    return sorted(pairs)


def suspected_origins(case: Case | str | Path) -> list[SuspectedOrigin]:
    """Clusters of 2+ independent items that may repeat one origin, in case order of their first
    item: any two items sharing a reason join (transitively), each with its sorted reasons.
    `if_shared` is left empty (see `if_shared`), the warning says nothing of it; a path is loaded
    first."""
    if not isinstance(case, Case):
        from hypotheses.case import load_case

        case = load_case(case)
    items = candidates(case)
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        a, b = root(i), root(j)
        parent[max(a, b)] = min(a, b)

    said: list[tuple[int, str]] = []  # (an item the reason holds for, the reason)
    for name, keys in EXACT_REASONS.items():
        by_key: dict[str, list[int]] = {}
        for i, item in enumerate(items):
            for key in keys(item):
                by_key.setdefault(key, []).append(i)
        for key, members in by_key.items():
            if len(members) > 1:
                for j in members[1:]:
                    join(members[0], j)
                said.append((members[0], f"{name} {key}"))
    for name, text_of in NEAR_REASONS.items() if len(items) <= MAX_LABELS else ():
        texts = [comparable(text_of(item)) for item in items]
        shown = [i for i, text in enumerate(texts) if text]
        for a, b, found in similar_pairs([texts[i] for i in shown]):
            join(shown[a], shown[b])
            # floor: 99.6 is not identical, so never "100%"
            said.append((shown[a], f"near-identical {name} ({math.floor(found)}%)"))
    members: dict[int, list[int]] = {}
    for i in range(len(items)):
        members.setdefault(root(i), []).append(i)
    reasons: dict[int, set[str]] = {}
    for i, reason in said:
        reasons.setdefault(root(i), set()).add(reason)
    found = [
        SuspectedOrigin(tuple(items[i].id for i in group), tuple(sorted(reasons[top])))
        for top, group in sorted(members.items())
        if len(group) > 1
    ]
    return [replace(cluster, warning=warning(cluster)) for cluster in found]


def labels_skipped(case: Case) -> str | None:
    """The warning when the case has too many candidates for their labels to be compared."""
    n = len(candidates(case))
    if n <= MAX_LABELS:
        return None
    return (
        f"suspected common origins: labels and quotes not compared ({n:,} independent items, more "
        f"than {MAX_LABELS:,}); links, via: and documents were"
    )


def if_shared(case: Case, suspected: SuspectedOrigin, seed: int | None = DEFAULT_SEED) -> dict[str, float]:
    """P(h | E) were the items one possible origin at `shared: 0.5` whose likelihoods are its
    first item's (what declaring it under `origins:` would give), from the numpy engine's exact
    means with `seed`."""
    from hypotheses.model import numpy_engine

    by_id = {item.id: item for item in case.evidence}
    taken = {
        *by_id,
        *(i.id for i in case.pending),
        *(e.id for e in case.events),
        *(o.id for o in case.origins),
    }
    origin_id = "suspected_origin"
    n = 1
    while origin_id in taken:
        n += 1
        origin_id = f"suspected_origin_{n}"
    origin = Origin(
        origin_id,
        "suspected common origin of " + ", ".join(suspected.items),
        suspected.items,
        Point(SHARED, f"{SHARED:.0%} (suspected)"),
        by_id[suspected.items[0]].likelihoods,
    )
    posterior = numpy_engine.posterior_mean(replace(case, origins=(*case.origins, origin)), seed=seed)
    return {h: float(p) for h, p in zip(case.hypothesis_ids, posterior, strict=True)}


_NAMED = 10  # ids a warning names before "and N more" (the JSON lists them all)


def _names(ids: tuple[str, ...]) -> str:
    if len(ids) > _NAMED:
        return ", ".join(ids[:_NAMED]) + f" and {len(ids) - _NAMED:,} more"
    return ids[0] if len(ids) == 1 else ", ".join(ids[:-1]) + " and " + ids[-1]


def warning(
    suspected: SuspectedOrigin, leader: str | None = None, now: dict[str, float] | None = None
) -> str:
    """The warning of one cluster: its items, its reasons and, when `if_shared` is known, what
    the leader's posterior (`now`: every hypothesis's P(h | E)) would be were they one origin,
    and, when another hypothesis would move more (the leader near certainty barely moves), that
    one's too: the reader sees which conclusion the repetition carries."""
    said = f"possible common origin: items {_names(suspected.items)} ({'; '.join(suspected.reasons)})"
    if leader is not None and now is not None and leader in suspected.if_shared:
        moves = {h: abs(p - now[h]) for h, p in suspected.if_shared.items() if h in now}
        most = max(moves, key=lambda h: moves[h])
        named = [leader] if moves[most] <= moves[leader] else [most, leader]
        parts = [
            f"P({h}) would be {percent(suspected.if_shared[h])} instead of {percent(now[h])}"
            f"{odds_shift(now[h], suspected.if_shared[h], f'odds of {h} against the rest')}"
            for h in named
        ]
        said += f": if they repeated one origin (shared {SHARED:.0%}), " + " and ".join(parts)
    return said + "; declare it under origins: or ignore"
