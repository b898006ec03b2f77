"""Key assumptions (docs/case-format.md, "Key assumptions"): P(h | E) were each wrong, that is
with every judgment its `if_wrong:` names put in the case, as if the file had been written so."""

from __future__ import annotations

from hypotheses.analysis.edits import judged_places, with_judgment
from hypotheses.analysis.scorecard import AssumptionScore
from hypotheses.case import Case
from hypotheses.case.types import Assumption
from hypotheses.model import numpy_engine
from hypotheses.model.places import MODEL_ERROR_PLACE
from hypotheses.settings import DEFAULT_SEED


def if_wrong_case(case: Case, assumption: Assumption) -> Case:
    """`case` with the assumption's judgments in place. A place of an item that is not in the
    posterior (pending, after `as_of`), or of an event only such items report, changes nothing
    and is passed over; a prior factor the case does not state is added (it counted as 1)."""
    places = judged_places(case)
    for place, judgment in assumption.if_wrong:
        if place in places or place.startswith("prior/") or place == MODEL_ERROR_PLACE:
            case = with_judgment(case, place, judgment)
    return case


def if_wrong_posteriors(case: Case, seed: int | None = DEFAULT_SEED) -> tuple[AssumptionScore, ...]:
    """Each assumption with P(h | E) were it wrong: exact means from the factorisation with the
    score's seed; one cache, so each edit rescoring only the components it touches."""
    cache = numpy_engine.ScoreCache()
    out = []
    for assumption in case.assumptions:
        posterior = numpy_engine.posterior_mean(if_wrong_case(case, assumption), seed, cache)
        means = {h: float(p) for h, p in zip(case.hypothesis_ids, posterior, strict=True)}
        out.append(AssumptionScore(assumption.id, assumption.label, means, assumption.notes))
    return tuple(out)
