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
AUTO_ESS_FRACTION = 0.05
INTERVAL = (0.05, 0.95)


class UsageError(ValueError):
    """A request the library cannot serve as asked (bad engine or draws)."""


def score(
    case: Case | str | Path,
    engine: Engine = "auto",
    draws: int | None = None,
    seed: int | None = 0,
    explain: bool = True,
    tune: int | None = None,
    target_accept: float | None = None,
    progressbar: bool = False,
    netcdf: str | Path | None = None,
) -> Scorecard:
    """Posterior probability, with a 90% credible interval, of every hypothesis of `case`;
    with `explain`, also what drove it and what would flip it (`Scorecard.explanation`).

    engine: "numpy" (fast, exact means), "pymc" (NUTS on the reference model) or "auto" (numpy,
    unless its effective sample size is below 5% of the draws, then pymc). `draws` counts all
    draws (default 20,000 for numpy, 4,000 over 4 chains for pymc). `netcdf` writes the draws as
    ArviZ InferenceData.
    """
    if not isinstance(case, Case):
        case = load_case(case)
    if engine not in ("auto", "numpy", "pymc"):
        raise UsageError(f"unknown engine '{engine}'; choose auto, numpy or pymc")
    if draws is not None and draws < MIN_DRAWS:
        raise UsageError(f"--draws must be at least {MIN_DRAWS}, got {draws}")
    started = time.perf_counter()
    keep = netcdf is not None
    reason = ""
    warnings: list[str] = []
    if engine in ("auto", "numpy"):
        result = engine_numpy.run(case, draws=draws or DEFAULT_DRAWS, seed=seed, keep_judgments=keep)
        if engine == "auto":
            floor = AUTO_ESS_FRACTION * result.draws
            if result.ess >= floor:
                reason = f"numpy engine: its effective sample size {result.ess:,.0f} is at least {floor:,.0f}"
            else:
                reason = (
                    f"pymc engine: the numpy engine's effective sample size {result.ess:,.0f} was "
                    f"below {floor:,.0f} (5% of its draws)"
                )
                engine = "pymc"
    if engine == "pymc":
        from hypotheses import engine_pymc

        result = engine_pymc.run(
            case,
            draws=draws or engine_pymc.DEFAULT_DRAWS,
            seed=seed,
            tune=tune or engine_pymc.DEFAULT_TUNE,
            target_accept=target_accept or engine_pymc.DEFAULT_TARGET_ACCEPT,
            progressbar=progressbar,
        )
        warnings += engine_pymc.diagnostic_warnings(result)
    seconds = time.perf_counter() - started
    diagnostics = Diagnostics(
        engine=result.engine,
        draws=result.draws,
        ess=result.ess,
        seed=seed,
        seconds=seconds,
        version=__version__,
        rhat=result.rhat,
        divergences=result.divergences,
        reason=reason,
    )
    card = summarise(case, result.prior_draws, result.posterior_mean, result.posterior_draws, diagnostics)
    if warnings:
        card = replace(card, warnings=(*card.warnings, *warnings))
    if explain:
        from hypotheses.explain import explain as explain_card

        card = replace(card, explanation=explain_card(case, card, draws=DEFAULT_DRAWS, seed=seed))
    if netcdf is not None:
        from hypotheses import engine_pymc

        engine_pymc.write_netcdf(engine_pymc.inference_data(case, result), netcdf)
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
