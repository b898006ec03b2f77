"""The case file's keys are declared once (hypotheses/case/keys.py): the pydantic models, the
fast reader's specs, the prior factors and the messages cannot drift from that declaration."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import typing

import pytest
from pydantic import BaseModel

from hypotheses.case import fast, format, keys
from hypotheses.case.keys import Block
from priors import PRIOR_FACTORS

# Each declared block, the pydantic model that validates it and the fast reader's spec of it.
PAIRS: list[tuple[Block, type[BaseModel], type | None]] = [
    (keys.CASE, format.CaseSpec, fast.CaseSpec),
    (keys.HYPOTHESIS, format.HypothesisSpec, fast.HypothesisSpec),
    (keys.FACTORS, format.PriorFactors, None),  # fast.Factors holds whichever factors are given
    (keys.SOURCE, format.SourceSpec, fast.SourceSpec),
    (keys.EVIDENCE, format.EvidenceSpec, fast.EvidenceSpec),
    (keys.EVENT, format.EventSpec, fast.EventSpec),
    (keys.ORIGIN, format.OriginSpec, fast.OriginSpec),
    (keys.GROUP, format.GroupSpec, fast.GroupSpec),
    (keys.RESOLUTION, format.ResolutionSpec, fast.ResolutionSpec),
    (keys.ASSUMPTION, format.AssumptionSpec, fast.AssumptionSpec),
]


def test_every_block_is_paired() -> None:
    assert {id(block) for block, _, _ in PAIRS} == {id(block) for block in keys.BLOCK_AT.values()}


@pytest.mark.parametrize(("block", "model", "spec"), PAIRS, ids=lambda v: getattr(v, "__name__", ""))
def test_models_accept_the_declared_keys_in_order(
    block: Block, model: type[BaseModel], spec: type | None
) -> None:
    fields = model.model_fields
    assert [f.alias or name for name, f in fields.items()] == list(block.keys)
    assert {f.alias or name for name, f in fields.items() if f.is_required()} == block.required
    if spec is not None:  # the same attributes as the model's, so the Checker reads either
        assert [f.name for f in dataclasses.fields(spec)] == list(fields)


def test_prior_factors_have_one_home() -> None:
    assert keys.FACTORS.keys == tuple(PRIOR_FACTORS)
    assert list(fast.Factors({"motive": 0.5})) == [
        (name, 0.5 if name == "motive" else None) for name in PRIOR_FACTORS
    ]


def test_pending_is_the_declared_word() -> None:
    observed = format.EvidenceSpec.model_fields["observed"].annotation
    assert keys.PENDING in {arg for part in typing.get_args(observed) for arg in typing.get_args(part)}


def test_the_places_of_blocks() -> None:
    assert keys.block_at(()) is keys.CASE
    assert keys.block_at(("evidence", 3)) is keys.EVIDENCE
    assert keys.block_at(("hypotheses", 0, "prior")) is keys.FACTORS
    assert keys.block_at(("sources", "any_id")) is keys.SOURCE
    assert keys.block_at(("evidence", 3, "likelihoods")) is None
    assert keys.listed(["schema", "title", "hypotheses"]) == "schema, title and hypotheses"


def test_the_declaration_needs_no_pydantic() -> None:
    """The fast reader reads by it: importing it (and the fast reader) must not load pydantic."""
    code = "import sys, hypotheses.case.keys, hypotheses.case.fast; print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
