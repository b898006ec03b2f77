"""The layout's promises (issue 11): each concept has one home, the engines are siblings,
computing writes nothing, and the terminal never cuts a word the reader copies."""

from __future__ import annotations

import ast
import io
import os
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from cli import app
from hypotheses import load_case, score
from hypotheses.output.terminal import render_explanation, render_table
from tests.helpers import EXAMPLES, ROOT, score_with_netcdf

PACKAGE = ROOT / "hypotheses"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_no_engine_imports_the_other() -> None:
    assert not any("pymc_engine" in m for m in _imports(PACKAGE / "model" / "numpy_engine.py"))
    assert not any("numpy_engine" in m for m in _imports(PACKAGE / "model" / "pymc_engine.py"))


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("case", ("hypotheses.model", "hypotheses.analysis", "hypotheses.output", "hypotheses.exchange")),
        ("model", ("hypotheses.analysis", "hypotheses.output", "hypotheses.exchange")),
        ("analysis", ("hypotheses.output", "hypotheses.exchange")),
        ("output", ("hypotheses.exchange",)),
    ],
)
def test_each_layer_imports_only_below_it(layer: str, forbidden: tuple[str, ...]) -> None:
    """The data path: case -> model -> analysis -> output, with exchange (formats of other
    tools, read and written) beside output; nothing imports upwards."""
    root = PACKAGE / layer
    files = [root.with_suffix(".py")] if root.with_suffix(".py").exists() else sorted(root.glob("*.py"))
    assert files
    for path in files:
        bad = [m for m in _imports(path) if m.startswith(forbidden)]
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


BASE = ("hypotheses._version", "hypotheses.settings", "hypotheses.text")


def _every_module() -> list[Path]:
    return sorted([*PACKAGE.rglob("*.py"), *(ROOT / "priors").rglob("*.py"), ROOT / "cli.py"])


@pytest.mark.parametrize(
    ("place", "allowed"),
    [
        ("priors", ("priors",)),  # judgments and scales: below everything, knows no case
        ("hypotheses/_version.py", ()),
        ("hypotheses/settings.py", ()),
        ("hypotheses/text.py", ()),
    ],
)
def test_the_ground_floor_imports_nothing_above_it(place: str, allowed: tuple[str, ...]) -> None:
    """priors and the shared basics (version, settings, text) import no layer of hypotheses:
    every layer may use them, so an import upwards from them would close a loop."""
    root = ROOT / place
    files = [root] if root.suffix == ".py" else sorted(root.rglob("*.py"))
    for path in files:
        bad = [
            m for m in _imports(path)
            if m.startswith(("hypotheses", "cli")) and not m.startswith(allowed)
        ]  # fmt: skip
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_only_the_command_line_imports_the_command_line() -> None:
    """cli.py is the top floor: no module of the package imports it."""
    for path in _every_module():
        if path.name != "cli.py":
            assert not [m for m in _imports(path) if m == "cli" or m.startswith("cli.")], path


def test_no_class_is_over_250_lines() -> None:
    """Each class keeps to one job (issue 27): over the whole package, priors and cli.py."""
    sizes = {}
    for path in _every_module():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                assert node.end_lineno is not None
                sizes[f"{path.relative_to(ROOT)}:{node.name}"] = node.end_lineno - node.lineno + 1
    assert len(sizes) > 50  # every module was read
    assert {name: n for name, n in sizes.items() if n > 250} == {}


def test_exchange_imports_only_the_layers_below_output() -> None:
    """exchange (formats of other tools, read and written) sits beside output: it may import
    case, model and analysis, but neither output nor the command line."""
    files = sorted((PACKAGE / "exchange").glob("*.py"))
    assert files
    for path in files:
        bad = [m for m in _imports(path) if m.startswith(("hypotheses.output", "cli"))]
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def _code_lines() -> list[tuple[Path, str]]:
    out = []
    for path in sorted([*PACKAGE.rglob("*.py"), ROOT / "cli.py"]):
        for line in path.read_text(encoding="utf-8").splitlines():
            code = line.split("#", 1)[0]
            if code.strip() and not code.strip().startswith(('"', "'")):
                out.append((path, code))
    return out


def test_the_effective_likelihood_and_place_names_are_written_once() -> None:
    formula = [p for p, code in _code_lines() if re.search(r"\(1(\.0)? - c\w*(\[[^\]]*\])?\) \*", code)]
    assert [p.name for p in formula] == ["likelihood.py"]
    places = [p for p, code in _code_lines() if re.search(r'f"(lik|prior|credibility|reliability)/', code)]
    assert {p.name for p in places} == {"places.py"}


def test_score_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    card = score(EXAMPLES / "leaked-memo.yaml", engine="numpy", draws=500, keep_draws=True)
    assert card.engine_result is not None
    assert list(tmp_path.iterdir()) == []


def test_netcdf_has_the_groups_arviz_users_expect(tmp_path: Path) -> None:
    pytest.importorskip("arviz")
    import arviz as az

    target = tmp_path / "d.nc"
    score_with_netcdf(EXAMPLES / "leaked-memo.yaml", target, engine="numpy", draws=500)
    idata = az.from_netcdf(target)
    assert {"posterior", "prior", "sample_stats"} <= set(idata.groups())
    assert idata.prior["p_hypothesis"].shape == (1, 500, 3)
    assert idata.sample_stats["log_evidence"].shape == (1, 500)


def test_a_failed_output_writes_no_netcdf_either(tmp_path: Path) -> None:
    """`--netcdf d.nc -o missing/out.json` used to write d.nc, then fail."""
    netcdf = tmp_path / "d.nc"
    result = CliRunner().invoke(
        app,
        [
            "score",
            str(EXAMPLES / "leaked-memo.yaml"),
            "--netcdf",
            str(netcdf),
            "-o",
            str(tmp_path / "missing" / "out.json"),
        ],
    )
    assert result.exit_code == 2
    assert not netcdf.exists()


def test_explain_csv_is_refused_not_silently_json() -> None:
    result = CliRunner().invoke(app, ["explain", str(EXAMPLES / "taxicab.yaml"), "-f", "csv"])
    assert result.exit_code == 2
    assert "csv" in result.output


def test_shell_completion_is_offered() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert "--install-completion" in result.output


def _render(renderable: object, width: int) -> str:
    console = Console(width=width, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.file.getvalue()  # type: ignore[attr-defined]


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.glob("*.yaml")))
def test_at_80_columns_no_term_or_place_is_cut(example: str) -> None:
    card = score(load_case(EXAMPLES / example), engine="numpy", draws=1_000)
    table = _render(render_table(card, timing=False), 80)
    for h in card.hypotheses:
        assert any(h.verbal in line for line in table.splitlines()), h.verbal
        assert any(re.search(rf"\b{re.escape(h.id)}\b", line) for line in table.splitlines())
    explanation = _render(render_explanation(card), 80)
    assert card.explanation is not None
    for swing in card.explanation.tornado[:6]:
        assert any(swing.name in line for line in explanation.splitlines()), swing.name
    for item in card.evidence:
        assert any(item.id in line for line in explanation.splitlines()), item.id


def test_ci_turns_skips_into_failures() -> None:
    """.ci/run sets the variable the conftest reads: pgmpy and Chromium may not skip there."""
    run = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "HYPSCORE_REQUIRE_ALL_DEPS=1" in run
    assert os.environ.get("HYPSCORE_REQUIRE_ALL_DEPS") in (None, "0", "1")


def test_at_80_columns_long_ids_and_words_keep_every_number_whole() -> None:
    """Realistic ids (and PHIA's 'between X and Y') made the table wider than 80 columns, and
    rich cut the numbers themselves ('3…' for a prior): now the rows become records instead."""
    from hypotheses.text import percent
    from tests.helpers import make_case

    ids = ["russian_military_intelligence_gru", "independent_hacktivist_collective", "insider"]
    case = make_case(
        {
            "schema": 1,
            "title": "long ids",
            "scale": "phia",
            "hypotheses": [{"id": h, "label": h} for h in ids],
            "evidence": [
                {
                    "id": "cyrillic_metadata_in_document_properties",
                    "label": "x",
                    "likelihoods": {ids[0]: [0.3, 0.6], ids[1]: 0.1, ids[2]: 0.12},
                }
            ],
        }
    )
    card = score(case, engine="numpy", draws=1_000)
    table = _render(render_table(card, timing=False), 80)
    assert "…" not in table
    flat = " ".join(table.split())
    for h in card.hypotheses:
        for number in (percent(h.prior.mean), percent(h.posterior.mean)):
            assert number in flat
        assert h.id in table and " ".join(h.verbal.split()) in flat
    explanation = _render(render_explanation(card), 80)
    assert "…" not in explanation
    assert card.explanation is not None
    for swing in card.explanation.tornado:
        assert swing.name in explanation


def test_every_package_is_installed_by_a_regular_install() -> None:
    """`pip install .` (the README's first command) installs the packages pyproject.toml lists:
    a subpackage missing there works in an editable install and fails for a user."""
    import tomllib

    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"]
    )
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("hypotheses", "priors")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found <= listed, found - listed
