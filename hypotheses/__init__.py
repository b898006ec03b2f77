"""hypscore: Bayesian scoring of competing hypotheses from an analyst's case file.

>>> from hypotheses import load_case, score
>>> card = score(load_case("examples/al-bab-2017.yaml"))
>>> card.to_frame()

Many cases, as `hypscore score DIR/` and `hypscore calibration DIR/` do:

>>> from hypotheses import calibration, find_cases, score_many
>>> outcomes = score_many(find_cases(["cases/"]), jobs=2)  # or dask="tcp://host:8786"
>>> calibration(outcomes).brier

A team's cases of one question, and two versions of one case, as `hypscore pool` and `diff` do:

>>> pool(["ana.yaml", "ben.yaml"], weights=[2, 1]).linear["insider"].mean
>>> diff("v1.yaml", "v2.yaml").changes
"""

from hypotheses._version import __version__
from hypotheses.analysis.batch import CaseOutcome, Settings, find_cases, score_many
from hypotheses.analysis.calibration import Calibration, NoResolvedCases, calibration
from hypotheses.analysis.decision import NextResult, next_items
from hypotheses.analysis.scorecard import Scorecard
from hypotheses.analysis.scoring import UsageError, score
from hypotheses.analysis.team import DiffResult, PoolResult, diff, pool
from hypotheses.case import (
    Case,
    CaseError,
    EvidenceItem,
    Hypothesis,
    Problem,
    Source,
    case_from_text,
    load_case,
)
from hypotheses.case.format import case_json_schema
from hypotheses.output.files import OutputError


def __getattr__(name: str):
    """`hypotheses.build_model` imports PyMC only when asked for (it costs seconds)."""
    if name == "build_model":
        from hypotheses.model.pymc_model import build_model

        return build_model
    raise AttributeError(f"module 'hypotheses' has no attribute {name!r}")


__all__ = [
    "Calibration",
    "Case",
    "CaseError",
    "CaseOutcome",
    "DiffResult",
    "EvidenceItem",
    "Hypothesis",
    "NextResult",
    "NoResolvedCases",
    "OutputError",
    "PoolResult",
    "Problem",
    "Scorecard",
    "Settings",
    "Source",
    "UsageError",
    "__version__",
    "build_model",
    "calibration",
    "case_from_text",
    "case_json_schema",
    "diff",
    "find_cases",
    "load_case",
    "next_items",
    "pool",
    "score",
    "score_many",
]
