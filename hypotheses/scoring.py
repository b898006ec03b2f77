"""score(case) -> Scorecard: run an engine and summarise its draws (the library's entry point)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np

from hypotheses import engine_numpy
from hypotheses._version import __version__
from hypotheses.case import Case, load_case
from hypotheses.scorecard import Diagnostics, Estimate, EvidenceScore, HypothesisScore, Scorecard
from hypotheses.weights import evidence_weights

Engine = Literal["auto", "numpy", "pymc"]
DEFAULT_DRAWS = 20_000
MIN_DRAWS = 100
INTERVAL = (0.05, 0.95)


class UsageError(ValueError):
    """A request the library cannot serve as asked (bad engine or draws)."""


def score(
    case: Case | str | Path,
    engine: Engine = "auto",
    draws: int = DEFAULT_DRAWS,
    seed: int | None = 0,
    explain: bool = True,
) -> Scorecard:
    """Posterior probability, with a 90% credible interval, of every hypothesis of `case`;
    with `explain`, also what drove it and what would flip it (`Scorecard.explanation`)."""
    if not isinstance(case, Case):
        case = load_case(case)
    if draws < MIN_DRAWS:
        raise UsageError(f"--draws must be at least {MIN_DRAWS}, got {draws}")
    if engine == "pymc":
        raise UsageError("the pymc engine is not available yet (it is planned); use --engine numpy or auto")
    if engine not in ("auto", "numpy"):
        raise UsageError(f"unknown engine '{engine}'; choose auto, numpy or pymc")
    started = time.perf_counter()
    result = engine_numpy.run(case, draws=draws, seed=seed)
    reason = "auto: the numpy engine answers exactly for this model" if engine == "auto" else ""
    seconds = time.perf_counter() - started
    diagnostics = Diagnostics(
        engine=result.engine,
        draws=result.draws,
        ess=result.ess,
        seed=seed,
        seconds=seconds,
        version=__version__,
        reason=reason,
    )
    card = summarise(case, result.prior_draws, result.posterior_mean, result.posterior_draws, diagnostics)
    if explain:
        from hypotheses.explain import explain as explain_card

        card = replace(card, explanation=explain_card(case, card, draws=draws, seed=seed))
    return card


def _estimates(mean: np.ndarray, draws: np.ndarray) -> list[Estimate]:
    lo, hi = np.quantile(draws, INTERVAL, axis=0)
    return [Estimate(float(m), float(a), float(b)) for m, a, b in zip(mean, lo, hi, strict=True)]


def summarise(
    case: Case,
    prior_draws: np.ndarray,
    posterior_mean: np.ndarray,
    posterior_draws: np.ndarray,
    diagnostics: Diagnostics,
) -> Scorecard:
    """The Scorecard of any engine's output."""
    prior_mean = prior_draws.mean(axis=0)
    priors = _estimates(prior_mean, prior_draws)
    posteriors = _estimates(posterior_mean, posterior_draws)
    scale = case.scale
    hypotheses = tuple(
        HypothesisScore(h.id, h.label, prior, posterior, scale.term_for(posterior.mean))
        for h, prior, posterior in zip(case.hypotheses, priors, posteriors, strict=True)
    )
    ids = case.hypothesis_ids
    evidence = tuple(
        EvidenceScore(
            item.id,
            item.label,
            {h: (None if np.isnan(w) else float(w)) for h, w in zip(ids, iw.weight_db, strict=True)},
            iw.diagnosticity,
        )
        for item, iw in zip(case.evidence, evidence_weights(case, prior_mean), strict=True)
    )
    return Scorecard(
        title=case.title,
        question=case.question,
        path=case.path,
        sha256=case.sha256,
        scale=case.scale_name,
        hypotheses=hypotheses,
        evidence=evidence,
        diagnostics=diagnostics,
        warnings=tuple(str(w) for w in case.warnings),
    )
