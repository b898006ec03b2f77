"""A scored case as an ACH matrix (`hypscore export-ach`, docs/ach.md): each item's likelihoods
as the nearest consistency rating of the mapping, its credibility as a level, and two comment
rows (read back as comments by `import-ach`): Heuer's weighted inconsistency score per
hypothesis and our posterior beside it. Cells are inert in a spreadsheet (csv_text)."""

from __future__ import annotations

import csv
import io

from hypotheses.analysis.scorecard import Scorecard
from hypotheses.case import Case
from hypotheses.case.ach import Mapping, nearest, weighted_inconsistency
from hypotheses.model.factors import compile_case
from hypotheses.output.text import csv_text

# An item through no source with the default credibility counts fully: no level is written
# (import-ach reads a blank level as 1).
_FULL = 0.999


def ach_rows(case: Case, card: Scorecard, mapping: Mapping) -> tuple[list[str], list[list[str]]]:
    """The matrix: a header and one row per observed item, then the two score rows."""
    ids = case.hypothesis_ids
    compiled = compile_case(case)
    rows, scored = [], []
    means = zip(case.evidence, compiled.theta_mean, compiled.credibility_mean, strict=True)
    for item, theta_mean, c in means:
        theta = [float(t) for t in theta_mean]
        if item.ratios:  # ratios are relative: the largest is read as the most consistent
            top = max(theta)
            theta = [t / top if top > 0 else 0.0 for t in theta]
        ratings = {
            h: nearest(t, {r: v for r, v in mapping.ratings.items() if r != "NA"})
            for h, t in zip(ids, theta, strict=True)
        }
        level = None if c >= _FULL else nearest(c, mapping.credibility)
        label = item.label + (" (looked for, not found)" if item.observed is False else "")
        rows.append([item.id, label, level or "", "", item.notes or "", *(ratings[h] for h in ids)])
        scored.append((ratings, level, None))
    scores = weighted_inconsistency(scored, ids)
    posterior = {h.id: h.posterior.mean for h in card.hypotheses}
    rows.append(["# weighted inconsistency (Heuer)", "", "", "", "", *(f"{scores[h]:.3f}" for h in ids)])
    rows.append(["# posterior P(h | E), hypscore", "", "", "", "", *(f"{posterior[h]:.4f}" for h in ids)])
    return ["ID", "Evidence", "Credibility", "Relevance", "Notes", *ids], rows


def ach_csv(case: Case, card: Scorecard, mapping: Mapping) -> str:
    header, rows = ach_rows(case, card, mapping)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_text(h) for h in header])
    for row in rows:
        writer.writerow([csv_text(cell) if not cell.startswith("# ") else cell for cell in row])
    return buffer.getvalue()
