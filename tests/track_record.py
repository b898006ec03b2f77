"""A desk's track record with a known miscalibration, generated deterministically: resolved
cases whose items state P(e | true hypothesis) in icd203's words, and whose items were seen (or
looked for and not found) at a rate the test knows, exactly (the words and the truth are random).
"likely" (stated 55-80%) comes true 40% of the time, "very likely" (80-95%) 95%, "unlikely"
(20-45%) 30%; the other words are never said of the true hypothesis: a fit has no data on them.

    python -m tests.track_record DIR   # writes DIR/case-00.yaml ... (for the docs' demonstration)
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import yaml

# Word said of the true hypothesis -> how often such an item is then seen.
TRUE_RATES = {"likely": 0.40, "very likely": 0.95, "unlikely": 0.30}
# How often each word is the one said of the true hypothesis.
SHARES = {"likely": 0.5, "very likely": 0.25, "unlikely": 0.25}
# Said of the false hypotheses only: a statement about what did not happen cannot be checked.
OTHER_WORDS = ["very unlikely", "unlikely", "likely", "roughly even chance"]
HYPOTHESES = ["a", "b", "c"]
SOURCES = {"wire": "B", "blog": "D"}


def track_record(cases: int = 60, items: int = 10, seed: int = 31) -> list[dict]:
    """The case documents: `cases` resolved cases of `items` items each."""
    rng = np.random.default_rng(seed)
    words = list(SHARES)
    said_so_far = dict.fromkeys(words, 0)
    documents = []
    for k in range(cases):
        truth = HYPOTHESES[int(rng.integers(len(HYPOTHESES)))]
        evidence = []
        for j in range(items):
            said = words[int(rng.choice(len(words), p=list(SHARES.values())))]
            likelihoods = {
                h: said if h == truth else OTHER_WORDS[int(rng.integers(len(OTHER_WORDS)))]
                for h in HYPOTHESES
            }
            item: dict = {"id": f"e{j}", "label": f"item {j}", "likelihoods": likelihoods}
            # Seen exactly as often as the rate says, spread evenly over the word's statements
            # (the k-th is seen when floor((k + 1) r) passes floor(k r)): the test then checks the
            # fit, not the luck of a draw.
            k = said_so_far[said]
            said_so_far[said] += 1
            if math.floor((k + 1) * TRUE_RATES[said]) == math.floor(k * TRUE_RATES[said]):
                item["observed"] = False
            if j % 3 < 2:  # two items in three cite a graded source
                item["source"] = list(SOURCES)[j % 3]
            evidence.append(item)
        documents.append(
            {
                "schema": 1,
                "title": f"Track record case {k}",
                "hypotheses": [{"id": h, "label": h.upper()} for h in HYPOTHESES],
                "sources": {s: {"label": s, "reliability": grade} for s, grade in SOURCES.items()},
                "evidence": evidence,
                "resolution": {"hypothesis": truth},
            }
        )
    return documents


def write_track_record(directory: Path, **kwargs: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, document in enumerate(track_record(**kwargs)):
        path = directory / f"case-{k:02d}.yaml"
        path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
        paths.append(path)
    return paths


if __name__ == "__main__":
    write_track_record(Path(sys.argv[1]))
