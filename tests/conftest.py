"""Shared helpers: build cases from Python data, locate fixtures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from hypotheses import Case, case_from_text

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = ROOT / "examples"


def make_case(document: dict[str, Any], name: str = "<test>") -> Case:
    """A validated Case from a plain dict, through the same YAML path as a file."""
    return case_from_text(yaml.safe_dump(document, sort_keys=False), name)


def point_case(
    priors: list[float], likelihoods: list[list[float]], credibility: list[float] | None = None
) -> Case:
    ids = [f"h{k}" for k in range(len(priors))]
    evidence = []
    for j, row in enumerate(likelihoods):
        item: dict[str, Any] = {
            "id": f"e{j}",
            "label": f"item {j}",
            "likelihoods": dict(zip(ids, row, strict=True)),
        }
        if credibility is not None:
            item["credibility"] = credibility[j]
        evidence.append(item)
    return make_case(
        {
            "schema": 1,
            "title": "generated",
            "hypotheses": [{"id": h, "label": h, "prior": p} for h, p in zip(ids, priors, strict=True)],
            "evidence": evidence,
        }
    )


@pytest.fixture
def examples() -> Path:
    return EXAMPLES
