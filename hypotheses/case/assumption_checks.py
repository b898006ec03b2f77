"""The rules of `assumptions:` (docs/case-format.md, "Key assumptions"): every `if_wrong:` key is
a place of the case (docs/model.md section 4) and its value a judgment that place takes, read
with the case's scale. An unknown place is an error at its line, with a did-you-mean.

The place names are spelt once, in places.py (the engines' hypotheses/model/places.py takes them
from there); tests/test_assumptions.py checks that every place of a case may be named.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hypotheses.case.building import hypothesis as built_hypothesis
from hypotheses.case.building import own_source
from hypotheses.case.keys import FACTORS
from hypotheses.case.messages import Findings
from hypotheses.case.places import (
    MODEL_ERROR_PLACE,
    credibility_place,
    false_alarm_place,
    hit_place,
    likelihood_place,
    prior_place,
    reliability_place,
    shared_place,
)
from hypotheses.case.types import SINGLE_PRIOR, Assumption
from priors import (
    Judgment,
    JudgmentError,
    Scale,
    get_scale,
    parse_credibility,
    parse_judgment,
    parse_ratio,
    parse_reliability,
    parse_weight,
)
from priors.suggest import did_you_mean

if TYPE_CHECKING:
    from hypotheses.case.format import CaseSpec


def _credibility(value: Any, scale: Scale) -> Judgment:
    return parse_credibility(value, scale)[0]  # (judgment, warning): the warning is the item's


def _judgment(value: Any, scale: Scale) -> Judgment:
    return parse_judgment(value, scale)


def _ratio(value: Any, _scale: Scale) -> Judgment:
    return parse_ratio(value)


Reader = Callable[[Any, Scale], Judgment]


def assumption_places(spec: CaseSpec) -> dict[str, Reader]:
    """Every place an assumption may name, with how its judgment is read: the case's places,
    those of its items out of the posterior (pending, after `as_of`), every prior factor of a
    hypothesis judged by factors or not at all (a factor not stated counts as 1: stating one is
    an edit like any other) and `model_error`. From the document alone (the built case's
    sources are its `sources:` and each graded item's own), so that they are checked in one
    pass with the case's other rules."""
    ids = [h.id for h in spec.hypotheses]
    places: dict[str, Reader] = {MODEL_ERROR_PLACE: _judgment}
    for h in spec.hypotheses:
        prior = built_hypothesis(h).prior
        single = len(prior) == 1 and prior[0][0] == SINGLE_PRIOR
        if single or not prior:
            places[prior_place(h.id, SINGLE_PRIOR)] = parse_weight
        if not single:
            places |= {prior_place(h.id, factor): _judgment for factor in FACTORS.keys}
    graded = [own.id for e in spec.evidence if (own := own_source(e)) is not None]
    places |= {reliability_place(s): parse_reliability for s in (*spec.sources, *graded)}
    for owner in (*spec.events, *spec.origins):
        places |= {likelihood_place(owner, h): _judgment for h in ids}
    places |= {shared_place(origin): _judgment for origin in spec.origins}
    for e in spec.evidence:
        if e.reports is None:
            places |= {likelihood_place(e.id, h): _ratio if e.ratios is not None else _judgment for h in ids}
        if e.hit is not None and e.false_alarm is not None:
            places |= {hit_place(e.id): _judgment, false_alarm_place(e.id): _judgment}
        elif e.ratios is None:
            places[credibility_place(e.id)] = _credibility
    return places


def check_assumptions(spec: CaseSpec, found: Findings) -> tuple[Assumption, ...]:
    """The assumptions, their judgments read; each problem found at its line. An unknown place
    that only names an id a duplicate may have been meant to be is left to the duplicate's
    message (Findings.unknown)."""
    if not spec.assumptions:
        return ()
    places = assumption_places(spec)
    scale = get_scale(spec.scale)
    out = []
    for assumption_id, a in spec.assumptions.items():
        at = ("assumptions", assumption_id, "if_wrong")
        if not a.if_wrong:
            found.error(at, f"assumption '{assumption_id}' names no place; give if_wrong: {{PLACE: value}}")
            continue
        edits = []
        for place, value in a.if_wrong.items():
            read = places.get(place)
            if read is None:
                found.unknown(
                    *_named(spec, place),
                    (*at, place),
                    f"unknown place '{place}'{did_you_mean(place, list(places))} in assumption "
                    f"'{assumption_id}'; places are named as in docs/model.md section 4 (prior/<h>, "
                    "prior/<h>/<factor>, lik/<item>/<h>, credibility/<item>, reliability/<source>, "
                    "hit/<item>, false_alarm/<item>, shared/<origin>, model_error)",
                )
                continue
            try:
                if value is None:
                    raise JudgmentError("no judgment given")
                edits.append((place, read(value, scale)))
            except (JudgmentError, ValueError, TypeError, ArithmeticError) as exc:
                found.error((*at, place), f"{place} in assumption '{assumption_id}': {exc}")
        out.append(Assumption(assumption_id, a.label, tuple(edits), a.notes))
    return tuple(out)


def _named(spec: CaseSpec, place: str) -> tuple[str, str]:
    """(section, id) of the first part of an unknown place that no entry of its section has
    ('lik/e9/a': evidence e9), for Findings.unknown; ('', place) when every id exists (the place
    is wrong in its kind or shape, never explained by a duplicate)."""
    kind, _, rest = place.partition("/")
    owner, _, hypothesis = rest.partition("/")
    ids = {h.id for h in spec.hypotheses}
    items = {e.id for e in spec.evidence}
    if kind == "prior":
        return ("hypotheses", owner) if owner not in ids else ("", place)
    if kind == "lik":
        if owner not in items and owner not in spec.events and owner not in spec.origins:
            return "evidence", owner
        return ("hypotheses", hypothesis) if hypothesis and hypothesis not in ids else ("", place)
    if kind in ("credibility", "hit", "false_alarm"):
        return ("evidence", owner) if owner not in items else ("", place)
    if kind == "reliability":
        return ("sources", owner) if owner not in spec.sources else ("", place)
    if kind == "shared":
        return ("origins", owner) if owner not in spec.origins else ("", place)
    return "", place
