"""A re-fitted scale in print: the scale file (YAML that priors/scales.py reads, its origin in
comments) and the terminal table of the fit. Renderers only read a `ScaleFit`."""

from __future__ import annotations

import json

from hypotheses._version import __version__
from hypotheses.analysis.scale_fit import Fitted, ScaleFit
from hypotheses.text import interval, percent


def _pct(p: float) -> float:
    """A probability as the percent a scale file states, to 4 significant digits (a float, so
    that YAML writes it as a number: 1e-06 would be read back as text, 1.0e-06 is not)."""
    return float(f"{p * 100:.4g}")


def _counts(f: Fitted, none: str = "no data") -> str:
    return f"{f.hits} of {f.n}" if f.n else none


def scale_yaml(fit: ScaleFit) -> str:
    """The scale file: `name`, `title`, `terms` (each with its fitted `range` and `beta`) and
    `grades`. Case text appears only in comments, JSON-quoted (no line break can end a comment)."""
    import yaml

    header = [
        f"# Verbal scale {json.dumps(fit.name)}: the words of {json.dumps(fit.base)} re-fitted to "
        f"{len(fit.paths)} resolved case{'s' * (len(fit.paths) != 1)}",
        f"# by hypscore {__version__} (`hypscore calibration --fit-scale`; docs/model.md section 7).",
        "# Each word's probability is a Beta: its prior the published range's Beta (5% and 95%",
        "# quantiles at the range's ends), updated with how often the word came true as P(e | true",
        "# hypothesis) (`beta`); `range` is the fitted Beta's 5% and 95% quantiles. Grades: how often",
        "# items from sources of each Admiralty grade pointed to the true hypothesis.",
        f"# Statements counted: {fit.statements} (words), {fit.graded_items} (graded items).",
        *(
            f"#   {json.dumps(f.name)}: published {_pct(f.range[0]):g}-{_pct(f.range[1]):g}%, "
            f"came true {_counts(f, 'no data: kept as published')}"
            for f in fit.terms
        ),
        *(
            f"#   grade {f.name}: pointed to the truth {_counts(f, 'no data: kept as published')}"
            for f in fit.grades
        ),
        "# Cases used:",
        *(f"#   {json.dumps(path)}" for path in fit.paths),
    ]
    terms = []
    for f, synonyms in zip(fit.terms, fit.synonyms, strict=True):
        entry: dict[str, object] = {"term": f.name}
        if synonyms:
            entry["synonyms"] = list(synonyms)
        if f.beta is None or f.n == 0:  # a point, or no data: exactly as published
            entry["range"] = [_pct(f.range[0]), _pct(f.range[1])]
            if f.prior is not None:
                entry["beta"] = list(f.prior)
        else:
            entry["range"] = [_pct(f.lo), _pct(f.hi)]
            entry["beta"] = list(f.beta)
        terms.append(entry)
    grades = []
    for f in fit.grades:
        stated = f.range if f.n == 0 else (f.lo, f.hi)
        assert f.beta is not None
        grades.append({"grade": f.name, "range": [_pct(stated[0]), _pct(stated[1])], "beta": list(f.beta)})
    body = {
        "name": fit.name,
        "title": f"{fit.base_title}, re-fitted to {len(fit.paths)} resolved cases",
        "terms": terms,
        "grades": grades,
    }
    dumped = yaml.safe_dump(body, sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
    return "\n".join(header) + "\n" + dumped


def table_rows(fit: ScaleFit) -> tuple[list[str], list[list[str]]]:
    """Header and rows shared by every rendering: one place for their wording."""
    header = ["Word or grade", "Published", "Came true", "Fitted mean", "Fitted 90% interval"]
    named = [(f.name, f) for f in fit.terms] + [(f"{f.name} ({f.meaning})", f) for f in fit.grades]
    rows = [
        [
            name,
            f"{_pct(f.range[0]):g}-{_pct(f.range[1]):g}%",
            _counts(f),
            percent(f.mean),
            interval(f.lo, f.hi, one_sign=True),
        ]
        for name, f in named
    ]
    return header, rows


def render_terminal(fit: ScaleFit):
    """The rich renderable of `hypscore calibration --fit-scale`."""
    from rich import box
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from hypotheses.text import visible

    header, rows = table_rows(fit)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for name in header:
        table.add_column(Text(name), justify="left" if name in ("Word or grade", "Published") else "right")
    for row in rows:
        table.add_row(*(Text(visible(cell)) for cell in row))
    said = (
        f"Scale {fit.name}: {fit.base}'s words re-fitted to {len(fit.paths)} resolved cases "
        f"({fit.statements} word statements, {fit.graded_items} graded items). Words: P(e | true "
        "hypothesis) against whether e was seen; grades: items that pointed to the truth."
    )
    return Group(Text(visible(said)), table)
