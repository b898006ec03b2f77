"""Place names: the one name of every judgment of a case, shared by the PyMC model's `place`
coordinate, the NetCDF export, the explanation's tornado and the JSON (docs/model.md section 4)."""

from __future__ import annotations

from hypotheses.case import Case, EvidenceItem
from hypotheses.case.places import (  # spelt there, where the case's rules name places too
    MODEL_ERROR_PLACE,
    credibility_place,
    false_alarm_place,
    hit_place,
    likelihood_place,
    likelihoods_place,
    prior_place,
    reliability_place,
    shared_place,
)
from priors import Judgment

__all__ = [
    "MODEL_ERROR_PLACE",
    "credibility_place",
    "false_alarm_place",
    "hit_place",
    "judgment_places",
    "likelihood_place",
    "likelihoods_place",
    "prior_place",
    "reliability_place",
    "reporting_places",
    "shared_place",
]


def reporting_places(item: EvidenceItem, judged: bool = False) -> list[tuple[str, Judgment]]:
    """The places and judgments of how an item is reported: its given hit and false-alarm
    rates, or its credibility; as the model conditions on them, or (`judged`) as the analyst
    wrote them (an absent item's rates turned back)."""
    rates = item.judged_rates() if judged else (item.hit, item.false_alarm)
    if rates is None or rates[0] is None or rates[1] is None:
        return [(credibility_place(item.id), item.credibility)]
    return [(hit_place(item.id), rates[0]), (false_alarm_place(item.id), rates[1])]


def judgment_places(case: Case) -> list[tuple[str, Judgment]]:
    """Every judgment of the case with its place, in a fixed order (priors, reliabilities,
    events' likelihoods, each origin's likelihoods and `shared`, then each item's likelihoods
    (none for a report) and credibility, or its hit and false-alarm rates; `model_error` last,
    where the case has one)."""
    named: list[tuple[str, Judgment]] = []
    for h in case.hypotheses:
        named += [(prior_place(h.id, factor), judgment) for factor, judgment in h.prior]
    named += [(reliability_place(s.id), s.reliability) for s in case.sources]
    for event in case.events:  # event and item ids never coincide: lik/<id>/<h> is unambiguous
        named += [
            (likelihood_place(event.id, h), judgment)
            for h, judgment in zip(case.hypothesis_ids, event.likelihoods, strict=True)
        ]
    for origin in case.origins:  # origin ids are neither item nor event ids
        named += [
            (likelihood_place(origin.id, h), judgment)
            for h, judgment in zip(case.hypothesis_ids, origin.likelihoods, strict=True)
        ]
        named.append((shared_place(origin.id), origin.shared))
    for item in case.evidence:
        named += [
            (likelihood_place(item.id, h), judgment)
            for h, judgment in zip(case.hypothesis_ids, item.likelihoods, strict=False)
        ]
        named += reporting_places(item)
    if not (case.model_error.is_point and case.model_error.mean == 0.0):
        named.append((MODEL_ERROR_PLACE, case.model_error))
    return named
