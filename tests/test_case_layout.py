"""hypotheses/case keeps each class to one job (issue 27): the rules of the case, the rules of
its items and the building of the Case are separate classes, none over 250 lines."""

from __future__ import annotations

import ast

from tests.helpers import ROOT

LIMIT = 250


def test_no_class_of_the_case_is_over_250_lines() -> None:
    sizes = {}
    for path in sorted((ROOT / "hypotheses" / "case").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                sizes[f"{path.name}:{node.name}"] = node.end_lineno - node.lineno + 1
    assert "checks.py:Checker" in sizes and "building.py:CaseBuilder" in sizes
    assert {name: n for name, n in sizes.items() if n > LIMIT} == {}
