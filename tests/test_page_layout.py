"""The renderers' layout: they only read results, and share one page kit.

Checked on the source with `ast` (every import, at module level or inside a function), so a
renderer that starts running an engine, or a page that grows its own shell again, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

OUTPUT = Path(__file__).resolve().parent.parent / "hypotheses" / "output"
ENGINES = {"hypotheses.model.numpy_engine", "hypotheses.model.pymc_engine"}
PAGES = ["report.py", "calibration_report.py", "team_report.py"]


def imports(path: Path) -> set[str]:
    """Every module `path` imports, and every `module.name` it imports from a module."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("path", sorted(OUTPUT.glob("*.py")), ids=lambda p: p.name)
def test_no_renderer_imports_an_engine(path: Path) -> None:
    """The page's one engine-computed part (E[pi_h]) comes from hypotheses.analysis.page_data."""
    assert not imports(path) & ENGINES, path.name


@pytest.mark.parametrize("name", PAGES)
def test_every_page_takes_its_kit_from_the_page_module(name: str) -> None:
    """No page imports another's private helpers, or defines its own shell or escaping."""
    found = imports(OUTPUT / name)
    assert "hypotheses.output.page.page_start" in found and "hypotheses.output.page.escape" in found
    assert not any(i.startswith("hypotheses.output.report.") for i in found), name
    tree = ast.parse((OUTPUT / name).read_text(encoding="utf-8"))
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert not defined & {
        "_e",
        "escape",
        "page_start",
        "page_end",
        "_svg",
        "svg",
        "_pyplot",
        "pyplot",
        "_xerr",
    }
    assigned = {
        t.id
        for n in ast.walk(tree)
        if isinstance(n, ast.Assign)
        for t in n.targets
        if isinstance(t, ast.Name)
    }
    assert "CSS" not in assigned and "BLUE" not in assigned
