"""The format's happy path without pydantic (hypotheses/case/fast.py) accepts only what pydantic
accepts, and then gives the same case: on every example, on random valid cases, and on random
mutations of the examples (wrong types, unknown keys, missing keys), where pydantic decides."""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from hypotheses.case.checks import Checker
from hypotheses.case.fast import plain_spec
from hypotheses.case.format import CaseSpec
from hypotheses.case.loading import _without_likelihoods
from hypotheses.case.messages import CaseError
from hypotheses.case.reading import parse
from priors import DEFAULT_SCALE, get_scale, scale_names
from tests.helpers import DATA, EXAMPLES, random_uncertain_case

CASES = (
    sorted(EXAMPLES.glob("*.yaml")) + sorted(EXAMPLES.glob("team/*.yaml")) + sorted(DATA.glob("**/*.yaml"))
)


def _outcome(spec: Any, text: str, lines: Any) -> tuple[str, Any]:
    """What the Checker makes of a spec: the case (its repr shows every judgment's text) or
    its problems."""
    try:
        case = Checker(spec, lines, "<t>", hashlib.sha256(text.encode()).hexdigest()).case()
    except CaseError as exc:
        return "error", [str(p) for p in exc.problems]
    return "case", (case, repr(case))


def _both(text: str) -> tuple[Any, Any, Any]:
    try:
        data, lines = parse(text, "<t>")
    except CaseError:  # not YAML this far: neither path sees it
        return None, None, None
    name = data.get("scale", DEFAULT_SCALE) if isinstance(data, dict) else DEFAULT_SCALE
    if not isinstance(data, dict) or not isinstance(name, str) or name not in scale_names():
        return None, None, lines
    if _without_likelihoods(data, lines, "<t>"):  # refused before either path, as loading does
        return None, None, lines
    fast = plain_spec(data, get_scale(name), name)
    try:
        slow = CaseSpec.model_validate(data, context={"scale": name})
    except ValidationError:
        slow = None
    return fast, slow, lines


def _same(text: str) -> bool:
    """fast accepts only where pydantic does, and then the Checker makes the same of both.
    Returns whether the fast path took the document."""
    fast, slow, lines = _both(text)
    if fast is None:
        return False
    assert slow is not None, "the fast path accepted what pydantic rejects"
    assert _outcome(fast, text, lines) == _outcome(slow, text, lines)
    return True


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_every_example_takes_the_fast_path_to_the_same_case(path) -> None:
    text = path.read_text(encoding="utf-8")
    fast, slow, _ = _both(text)
    if slow is None:
        assert fast is None  # a fixture of a bad case
        return
    assert _same(text)


def test_random_valid_cases_take_the_fast_path_to_the_same_case() -> None:
    rng = np.random.default_rng(11)
    taken = sum(_same(yaml.safe_dump(random_uncertain_case(rng), sort_keys=False)) for _ in range(150))
    assert taken == 150


BASES = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.yaml"))]
ODD_VALUES = [
    None,
    1,
    0,
    True,
    False,
    "x",
    "pending",
    [],
    {},
    "likely",
    1.5,
    -1,
    [0.2, 0.4],
    {"beta": [1, 2]},
    "2026-01-01",
    "B",
    "B2",
    {"x": 1},
    ["a", "b"],
    "a",
]


def _paths(node: Any, at: tuple = ()) -> list[tuple]:
    out = [at]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*at, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*at, i))
    return out


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_examples_are_decided_by_pydantic(data) -> None:
    document = copy.deepcopy(data.draw(st.sampled_from(BASES)))
    for _ in range(data.draw(st.integers(1, 3))):
        paths = [p for p in _paths(document) if p]
        at = data.draw(st.sampled_from(paths))
        parent = document
        for key in at[:-1]:
            parent = parent[key]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[at[-1]] = copy.deepcopy(data.draw(st.sampled_from(ODD_VALUES)))
        elif action == "delete" and isinstance(parent, dict):
            del parent[at[-1]]
        elif isinstance(parent, dict):
            key = data.draw(st.sampled_from(["extra", "id", "label", "notes", "links", "via", "default"]))
            parent[key] = copy.deepcopy(data.draw(st.sampled_from(ODD_VALUES)))  # never shared
    _same(yaml.safe_dump(document, sort_keys=False))


@pytest.mark.parametrize(
    "snippet",
    [
        "hypotheses:\n  - id: |\n      a\n    label: A\n  - {id: b, label: B}\n",  # an id "a\n"
        "hypotheses:\n  - {id: a, label: A, prior: {beta: ['1/2', 2]}}\n  - {id: b, label: B, prior: 0.5}\n",
        "hypotheses:\n  - {id: a, label: A, prior: " + "9" * 400 + "}\n  - {id: b, label: B, prior: 0.5}\n",
    ],
)
def test_what_pydantic_refuses_the_fast_path_leaves_to_it(snippet: str, tmp_path) -> None:
    """Found in review: re's `$` matches before a final newline, a '1/2' Beta parameter raised
    a bare ValueError, a 400-digit number overflowed float(): each a clean error, exit 2."""
    from typer.testing import CliRunner

    from cli import app

    text = (
        "schema: 1\ntitle: T\n" + snippet + "evidence:\n  - {id: e, label: E, likelihoods: {default: 0.3}}\n"
    )
    fast, slow, _ = _both(text)
    assert fast is None and slow is None
    path = tmp_path / "case.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2 and "internal error" not in result.output, result.output
