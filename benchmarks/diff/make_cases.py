"""Two versions of an N-item case for `hypscore diff` (benchmarks/README.md section 14): every
K-th item's likelihood under `a` moved by 0.01 in the new one.

    python benchmarks/diff/make_cases.py 20000 1 /tmp/diff   # writes old.yaml and new.yaml
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml


def case(n: int, every: int, changed: bool) -> dict:
    return {
        "schema": 1,
        "title": f"{n} items",
        "hypotheses": [{"id": "a", "label": "A", "prior": 0.5}, {"id": "b", "label": "B", "prior": 0.5}],
        "evidence": [
            {
                "id": f"e{j}",
                "label": f"item {j}",
                "likelihoods": {
                    "a": round(0.5 + 0.0001 * (j % 1000) + (0.01 if changed and j % every == 0 else 0), 6),
                    "b": 0.5,
                },
            }
            for j in range(n)
        ],
    }


def main() -> None:
    n, every, folder = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    folder.mkdir(parents=True, exist_ok=True)
    for name, changed in (("old.yaml", False), ("new.yaml", True)):
        text = yaml.safe_dump(case(n, every, changed), sort_keys=False)
        (folder / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
