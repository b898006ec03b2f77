"""Shared test helpers: build cases from Python data, locate fixtures, score to NetCDF.
Imported by the tests (`from tests.helpers import ...`), never from conftest."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from hypotheses import Case, case_from_text

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
EXAMPLES = ROOT / "examples"


# Runs the command line in a fresh interpreter and lists every module it imported.
_IMPORT_CHECK = """
import sys
from cli import app
try:
    app(sys.argv[1:], prog_name="hypscore")
except SystemExit:
    pass
print("LOADED:", " ".join(sorted(sys.modules)), file=sys.stderr)
"""


def modules_loaded(args: list[str]) -> set[str]:
    """Every module `hypscore ARGS` imports (full dotted names), run from the repository root."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_CHECK, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0 and "LOADED:" in result.stderr, result.stderr[-2000:]
    return set(result.stderr.split("LOADED:")[-1].split())


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


def random_uncertain_case(rng: np.random.Generator) -> dict:
    """Words, intervals, Betas, factors, credibility and shared sources, at random."""
    n_hyp, n_items = int(rng.integers(2, 5)), int(rng.integers(1, 6))
    words = ["very unlikely", "unlikely", "roughly even chance", "likely", "very likely"]

    def judgment() -> object:
        kind = rng.integers(4)
        if kind == 0:
            return str(rng.choice(words))
        if kind == 1:
            lo = float(rng.uniform(0.05, 0.7))
            return [round(lo, 3), round(lo + float(rng.uniform(0.05, 0.25)), 3)]
        if kind == 2:
            return {"beta": [round(float(rng.uniform(1, 20)), 2), round(float(rng.uniform(1, 20)), 2)]}
        return round(float(rng.uniform(0.05, 0.95)), 3)

    ids = [f"h{k}" for k in range(n_hyp)]
    hypotheses = [{"id": h, "label": h, "prior": {"motive": judgment(), "means": judgment()}} for h in ids]
    sources = {"s1": {"reliability": str(rng.choice(list("ABCDE")))}, "s2": {"reliability": [0.5, 0.9]}}
    evidence = []
    for j in range(n_items):
        item = {"id": f"e{j}", "label": "x", "likelihoods": {h: judgment() for h in ids}}
        if rng.random() < 0.6:
            item["source"] = str(rng.choice(["s1", "s2"]))
        if rng.random() < 0.5:
            item["credibility"] = judgment()
        evidence.append(item)
    return {
        "schema": 1,
        "title": "random",
        "hypotheses": hypotheses,
        "sources": sources,
        "evidence": evidence,
    }


def score_with_netcdf(case: Any, target: Path, **options: Any) -> Any:
    """Score and write the NetCDF export as `hypscore score --netcdf` does: score keeps the
    draws, an export writes them."""
    from hypotheses import load_case, score
    from hypotheses.output.netcdf import inference_data, write_netcdf

    loaded = case if isinstance(case, Case) else load_case(case)
    card = score(loaded, keep_draws=True, **options)
    write_netcdf(inference_data(loaded, card.engine_result), target)
    return card


# The HTML report's two scripts: its data (JSON) and the interactive script (a fixed asset).
SCRIPTS = re.compile(r"<script([^>]*)>(.*?)</script>", re.DOTALL)


def page_markup(page: str) -> str:
    """The page without its two script elements (the interactive script is a fixed asset,
    tested in a browser by test_interactive.py; the data is JSON, checked below)."""
    return SCRIPTS.sub("", page)


def page_scripts(page: str) -> tuple[dict, str]:
    """The page's data (parsed) and its one script, checking that there is nothing else."""
    found = SCRIPTS.findall(page)
    assert [attrs for attrs, _ in found] == [' type="application/json" id="hypscore-data"', ""]
    data, script = found[0][1], found[1][1]
    assert "<" not in data and ">" not in data and "&" not in data  # cannot end its element
    return json.loads(data), script


# Chromium on the closed network: without these flags it keeps trying to reach Google's hosts.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def near_certain_case() -> Case:
    """Four reports 999:1 for a, each with a credibility in [0.97, 0.99]: P(a) above 99.99%,
    whose judgments move it in the fourth decimal only (outputs that speak in points go flat)."""
    evidence = [
        {
            "id": f"e{k}",
            "label": f"Report {k}",
            "credibility": [0.97, 0.99],
            "likelihoods": {"a": 0.999, "b": 0.001},
        }
        for k in range(4)
    ]
    hypotheses = [{"id": "a", "label": "A"}, {"id": "b", "label": "B"}]
    return make_case({"schema": 1, "title": "sure", "hypotheses": hypotheses, "evidence": evidence})
