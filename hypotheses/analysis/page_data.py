"""The interactive report's data: what its script (templates/interactive.js, the numpy engine's
port) needs to recompute the posterior means when a reader edits a judgment.

`page_data` is the one builder, computed here (it runs the numpy engine for E[pi_h]) so that the
renderer (output/report.py) only reads its result. `engine_constants` hands the script the
engine's own settings, imported from where the engine defines them, so the port cannot drift
from a constant copied by hand.
"""

from __future__ import annotations

from typing import Any

from hypotheses.analysis.page_case import download_data
from hypotheses.analysis.scorecard import Scorecard
from hypotheses.case import Case
from hypotheses.case.types import SINGLE_PRIOR
from hypotheses.model import components, numpy_engine, prior, quadrature
from hypotheses.model.factors import MODEL_ERROR, compile_case
from hypotheses.model.places import (
    MODEL_ERROR_PLACE,
    likelihood_place,
    prior_place,
    reliability_place,
    reporting_places,
    shared_place,
)
from hypotheses.text import visible
from priors import Beta, Judgment, LogNormal
from priors.judgment import SAMPLE_FLOOR
from priors.reliability import ADMIRALTY, CREDIBILITY, admiralty_judgment, credibility_judgment


def engine_constants() -> dict[str, float]:
    """The numpy engine's settings the page's port uses, under the names the script reads (read
    from their modules at each call, so that the page follows whatever the engine runs with)."""
    return {
        "grid_cells": components.GRID_CELLS,
        "grid_zooms": components.GRID_ZOOMS,
        "source_draws": components.SOURCE_DRAWS,
        "source_batches": components.SOURCE_BATCHES,
        "pool_elements": components.POOL_ELEMENTS,
        "pool_floor": components.POOL_FLOOR,
        "quadrature_nodes": quadrature.QUADRATURE_NODES,
        "rule_nodes": quadrature.RULE_NODES,
        "prior_draws": prior.PRIOR_MEAN_DRAWS,
        "prior_floor": prior.PRIOR_MEAN_FLOOR,
        "prior_batches": prior.PRIOR_MEAN_BATCHES,
        "prior_budget": prior.PRIOR_MEAN_BUDGET,
        # Where Judgment.sample clips Beta draws (numpy's finfo(float).tiny).
        "tiny": SAMPLE_FLOOR,
    }


def judgment_data(judgment: Judgment) -> dict[str, Any]:
    """A judgment as the script reads it: {p}, {beta: [a, b]} or {lognormal: [mu, sigma]}."""
    if isinstance(judgment, Beta):
        return {"beta": [judgment.a, judgment.b]}
    if isinstance(judgment, LogNormal):
        return {"lognormal": [judgment.mu, judgment.sigma]}
    return {"p": judgment.mean}


def page_data(case: Case, card: Scorecard, text: str | None = None) -> dict[str, Any]:
    """Everything the page's script needs to recompute the posterior means: each judgment at its
    place as the engine uses it, the words a control offers (the case's scale, Admiralty codes for
    reliabilities, the six credibility words) and how each is written in a case file, E[pi_h] as
    the engine estimated it (reused while the priors are as printed, so that an edit elsewhere
    gives the engine's numbers exactly), and the case file as parsed, to write the edited case
    back (page_case.download_data; `text` is the file's text, read from case.path if not given)."""
    scale = case.scale
    places: list[dict[str, Any]] = []

    def place(name: str, kind: str, judgment: Judgment, absent: bool = False) -> str:
        places.append({"place": name, "kind": kind, "j": judgment_data(judgment), "absent": absent})
        return name

    # "write": the word as a case file states it there (a credibility word or an Admiralty code
    # also says what it is in a grading such as B2).
    terms = [
        {"word": t.term, "j": judgment_data(scale.judgment(t.term)), "write": t.term} for t in scale.terms
    ]
    # A prior given as one judgment may be a relative weight (any number from 0); a factor is a probability.
    priors = [
        [place(prior_place(h.id, f), "weight" if f == SINGLE_PRIOR else "prior", j) for f, j in h.prior]
        for h in case.hypotheses
    ]
    sources = [
        {"id": s.id, "place": place(reliability_place(s.id), "reliability", s.reliability)}
        for s in case.sources
    ]
    compiled = compile_case(case)
    if MODEL_ERROR in compiled.reliability:
        # One more link on every chain, whose reliability is 1 - model_error (factors.py).
        error = place(MODEL_ERROR_PLACE, "model_error", case.model_error)
        sources.append({"id": MODEL_ERROR, "place": error, "complement": True})
    events = [
        {
            "id": e.id,
            "lik": [
                place(likelihood_place(e.id, h), "event", j)
                for h, j in zip(case.hypothesis_ids, e.likelihoods, strict=True)
            ],
        }
        for e in case.events
    ]
    # Possible common origins: their items keep their own places (each counts alone with
    # probability 1 - shared); the origin's likelihoods have places of their own.
    origins = [
        {
            "id": o.id,
            "items": list(o.items),
            "lik": [
                place(likelihood_place(o.id, h), "event", j)
                for h, j in zip(case.hypothesis_ids, o.likelihoods, strict=True)
            ],
            "shared": place(shared_place(o.id), "shared", o.shared),
        }
        for o in case.origins
    ]
    items = []
    for item, linked in zip(case.evidence, compiled.items, strict=True):
        kind = "ratio" if item.ratios else "likelihood"
        lik = None
        if item.reports is None:
            lik = [
                place(likelihood_place(item.id, h), kind, j, absent=not item.observed)
                for h, j in zip(case.hypothesis_ids, item.likelihoods, strict=True)
            ]
        entry: dict[str, Any] = {
            "id": item.id,
            "chain": list(linked.chain),  # as the engine reads it: model error's link included
            "lik": lik,
            "reports": item.reports,
            "ratios": item.ratios,
        }
        reporting = reporting_places(item, judged=True)  # controls show the rates as judged
        if item.rated:
            # An absent item stores its rates swapped and complemented (building.py), which
            # `swap` tells the script to redo.
            (hit, hit_j), (fa, fa_j) = reporting
            entry |= {
                "cred": None,
                "hit": place(hit, "rate", hit_j),
                "fa": place(fa, "rate", fa_j),
                "swap": item.observed is False,
            }
        else:
            ((cred, judgment),) = reporting
            entry["cred"] = place(cred, "credibility", judgment)
        items.append(entry)
    # E[pi_h] as the numpy engine estimates it for this seed (the page is that engine's port),
    # with its batch estimates, from which the page gives the Monte Carlo error of what it shows.
    # The one step that runs the engine: here, so that the renderer only reads.
    prior_mean, prior_batches = numpy_engine.prior_estimate(case, card.diagnostics.seed)
    return {
        "hypotheses": [{"id": h.id, "label": visible(h.label, newlines=True)} for h in case.hypotheses],
        "scale": [
            {"term": t.term, "lo": t.lo, "hi": t.hi, "text": f"{t.term} ({t.range_text()})"}
            for t in scale.terms
        ],
        "words": {
            "likelihood": terms,
            "event": terms,
            "prior": terms,
            "weight": terms,
            "rate": terms,
            "model_error": terms,
            "shared": terms,
            "credibility": [
                {
                    "word": f"{d} ({meaning})",
                    "j": judgment_data(credibility_judgment(d)),
                    "write": meaning,
                    "digit": d,
                }
                for d, (meaning, _, _) in CREDIBILITY.items()
            ]
            + terms,
            "reliability": [
                {
                    "word": f"{code} ({meaning})",
                    "j": judgment_data(admiralty_judgment(code, scale)),
                    "write": code,
                    "letter": code,
                }
                for code, (meaning, _, _) in ADMIRALTY.items()
            ]
            + terms,
        },
        "places": places,
        "priors": priors,
        "prior_mean": [float(x) for x in prior_mean],
        "prior_batches": None if prior_batches is None else prior_batches.tolist(),
        "sources": sources,
        "items": items,
        "events": events,
        "origins": origins,
        "groups": [{"id": g.id, "members": list(g.members)} for g in card.groups],
        "download": download_data(case, text),
        "seed": card.diagnostics.seed or 0,
        "engine": engine_constants(),
    }
