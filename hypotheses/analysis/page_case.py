"""What the interactive report needs to write the edited case back as YAML ("Download the edited
case"): the case file as parsed (plain data, in the file's own keys and order) and, for every
judgment place the page can edit (docs/model.md section 4), where in that document it is
written. The page's script (templates/interactive.js, `caseYaml`) applies the reader's edits to
the document at those paths and writes YAML, all in the page.

Reading the case file is the one input here; nothing is written.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import re
from pathlib import Path
from typing import Any

from hypotheses.case import Case
from hypotheses.case.messages import CaseError
from hypotheses.case.reading import parse, read_text
from hypotheses.case.types import SINGLE_PRIOR
from hypotheses.model.places import (
    MODEL_ERROR_PLACE,
    credibility_place,
    false_alarm_place,
    hit_place,
    likelihood_place,
    prior_place,
    reliability_place,
    shared_place,
)

# A value the page writes as it stands, unquoted: a YAML date or timestamp, or a non-finite
# float. Its own key, so that no case text can pass for one (the script checks its form too).
PLAIN = "__yaml__"
OWN_SOURCE = "grading:"  # the id prefix of a graded item's own source (case/building.own_source)


def _plain(value: Any) -> Any:
    """The parsed document as JSON-able data: dates and non-finite floats as {PLAIN: text}."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.date):  # a datetime too
        return {PLAIN: value.isoformat()}
    if isinstance(value, float) and not math.isfinite(value):
        return {PLAIN: ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")}
    return value


def _case_text(case: Case) -> str | None:
    """The case file's text, if it is still the one scored (same SHA-256); None otherwise."""
    try:
        text = read_text(Path(case.path))
    except (OSError, ValueError, CaseError):  # gone, unreadable, or no path at all ("<case>", a NUL)
        return None
    return text if hashlib.sha256(text.encode("utf-8")).hexdigest() == case.sha256 else None


def download_data(case: Case, text: str | None = None) -> dict[str, Any] | None:
    """The document and, by place, where each judgment is written: {"path": [key, ...]} and, for
    a graded item, what the grading holds ("grading": "letter" or "digit"), for an origin that
    takes its first item's likelihoods, the path to copy them from ("fill"). `text` is the case
    file's text (read from `case.path` when not given). None when there is no text, or when it
    is not the case that was scored."""
    if text is None:
        text = _case_text(case)
    if text is None or hashlib.sha256(text.encode("utf-8")).hexdigest() != case.sha256:
        return None
    document, _ = parse(text, case.path)
    rows = {str(e.get("id")): k for k, e in enumerate(document.get("evidence") or []) if isinstance(e, dict)}
    hypotheses = {str(h.get("id")): k for k, h in enumerate(document["hypotheses"]) if isinstance(h, dict)}
    at: dict[str, dict[str, Any]] = {}
    for h in case.hypotheses:
        for factor, _ in h.prior:
            path: list[Any] = ["hypotheses", hypotheses[h.id], "prior"]
            at[prior_place(h.id, factor)] = {"path": path if factor == SINGLE_PRIOR else [*path, factor]}
    for s in case.sources:
        if s.id.startswith(OWN_SOURCE):  # the letter of a grading without a cited source
            item = s.id.removeprefix(OWN_SOURCE)
            at[reliability_place(s.id)] = {"path": ["evidence", rows[item], "grading"], "grading": "letter"}
        else:
            at[reliability_place(s.id)] = {"path": ["sources", s.id, "reliability"]}
    at[MODEL_ERROR_PLACE] = {"path": ["model_error"]}
    for event in case.events:
        for h in case.hypothesis_ids:
            at[likelihood_place(event.id, h)] = {"path": ["events", event.id, "likelihoods", h]}
    for origin in case.origins:
        written = (document.get("origins") or {}).get(origin.id) or {}
        fill = None if "likelihoods" in written else ["evidence", rows[origin.items[0]], "likelihoods"]
        for h in case.hypothesis_ids:
            at[likelihood_place(origin.id, h)] = {
                "path": ["origins", origin.id, "likelihoods", h],
                **({"fill": fill} if fill else {}),
            }
        at[shared_place(origin.id)] = {"path": ["origins", origin.id, "shared"]}
    for item in case.evidence:
        row = ["evidence", rows[item.id]]
        key = "ratios" if item.ratios else "likelihoods"
        for h in case.hypothesis_ids:
            at[likelihood_place(item.id, h)] = {"path": [*row, key, h]}
        graded = (
            {"grading": "digit"} if document["evidence"][rows[item.id]].get("grading") is not None else {}
        )
        at[credibility_place(item.id)] = {"path": [*row, "credibility"], **graded}
        at[hit_place(item.id)] = {"path": [*row, "hit"]}
        at[false_alarm_place(item.id)] = {"path": [*row, "false_alarm"]}
    name = re.sub(r"[^A-Za-z0-9._-]", "_", Path(case.path).stem) or "case"  # a file name, nothing more
    return {"document": _plain(document), "at": at, "rows": rows, "file": f"{name}-edited.yaml"}
