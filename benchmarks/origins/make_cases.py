"""Issue 28's speed goal: a case of 30 items in 5 possible common origins, every judgment
uncertain (words, ranges, an uncertain `shared`), written once by this script (deterministic)
as thirty-items.yaml, and the same items without origins (independent.yaml) as the yardstick."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

WORDS = ["very unlikely", "unlikely", "roughly even chance", "likely", "very likely"]


def cases() -> tuple[dict, dict]:
    rng = np.random.default_rng(28)
    hypotheses = [{"id": h, "label": f"hypothesis {h}", "prior": "roughly even chance"} for h in "abc"]
    sources = {f"outlet{k}": {"label": f"outlet {k}", "reliability": "BCD"[k % 3]} for k in range(6)}
    evidence = []
    for j in range(30):
        likelihoods = {}
        for h in "abc":
            if rng.random() < 0.5:
                likelihoods[h] = WORDS[int(rng.integers(len(WORDS)))]
            else:
                lo = round(float(rng.uniform(0.05, 0.7)), 2)
                likelihoods[h] = [lo, round(lo + float(rng.uniform(0.1, 0.25)), 2)]
        evidence.append(
            {
                "id": f"item{j}",
                "label": f"report {j}",
                "source": f"outlet{j % 6}",
                "credibility": WORDS[2 + int(rng.integers(3))],
                "likelihoods": likelihoods,
            }
        )
    origins = {
        f"briefing{k}": {
            "label": f"briefing {k}",
            "items": [f"item{j}" for j in range(6 * k, 6 * k + 6)],
            "shared": [0.3, 0.7],
        }
        for k in range(5)
    }
    base = {
        "schema": 1,
        "title": "30 items",
        "hypotheses": hypotheses,
        "sources": sources,
        "evidence": evidence,
    }
    return {**base, "title": "30 items in 5 origins", "origins": origins}, base


if __name__ == "__main__":
    here = Path(__file__).parent
    with_origins, independent = cases()
    for name, doc in (("thirty-items.yaml", with_origins), ("independent.yaml", independent)):
        (here / name).write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
