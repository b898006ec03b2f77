"""The case: a YAML file read with the line of every key (`reading`), validated against the
format (`format`, pydantic models that are also the JSON Schema), checked against the rules
the format cannot express (`checks`), and typed (`types`); every problem located in
`messages`. `loading` ties them together.

May import `priors` only: the case knows no engine, no analysis and no renderer.
"""

from hypotheses.case.loading import case_from_text, load_case
from hypotheses.case.messages import CaseError, Problem
from hypotheses.case.types import DEFAULT_KEY, Case, EvidenceItem, Hypothesis, Source

__all__ = [
    "DEFAULT_KEY",
    "Case",
    "CaseError",
    "EvidenceItem",
    "Hypothesis",
    "Problem",
    "Source",
    "case_from_text",
    "load_case",
]
