"""score(case) -> Scorecard: run an engine and summarise its draws (the library's entry point)."""

from __future__ import annotations

import datetime
import math
import time
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np

from hypotheses._version import __version__
from hypotheses.analysis import detection
from hypotheses.analysis.scorecard import (
    Confidence,
    Diagnostics,
    Estimate,
    EventScore,
    EvidenceScore,
    GroupScore,
    HypothesisScore,
    PendingItem,
    Scorecard,
    SourceNote,
    SuspectedOrigin,
)
from hypotheses.analysis.weights import event_weights, evidence_weights, origin_weights
from hypotheses.case import Case, load_case
from hypotheses.case.types import EvidenceItem
from hypotheses.model import numpy_engine
from hypotheses.model.result import INTERVAL, EngineResult, linear_quantiles
from hypotheses.settings import (  # noqa: F401 (MAX_* re-exported: their home is settings)
    DEFAULT_SEED,
    DEFAULT_TARGET_ACCEPT,
    DEFAULT_TUNE,
    INTERVAL_MCSE_WARNING,
    MAX_DRAW_CELLS,
    MAX_DRAWS,
    MAX_SEED,
    MAX_TUNE,
    MIN_DRAWS,
    PYMC_DEFAULT_DRAWS,
    UsageError,
    check_settings,
)

Engine = Literal["auto", "numpy", "pymc"]
DEFAULT_DRAWS = numpy_engine.DEFAULT_DRAWS
AUTO_ESS_FRACTION = 0.05


def score(
    case: Case | str | Path,
    engine: Engine = "auto",
    draws: int | None = None,
    seed: int | None = DEFAULT_SEED,
    explain: bool = True,
    tune: int | None = None,
    target_accept: float | None = None,
    progressbar: bool = False,
    keep_draws: bool = False,
    for_: str | None = None,
) -> Scorecard:
    """Posterior probability, with a 90% credible interval, of every hypothesis of `case`;
    with `explain`, also what drove it and what would flip it (`Scorecard.explanation`).

    engine: "numpy" (fast, exact means), "pymc" (NUTS on the reference model) or "auto" (numpy,
    unless its effective sample size is below 5% of the draws; see docs/model.md). `draws`
    counts all draws (default: numpy chooses 2,000 to 20,000, enough for interval ends within
    0.5 points of Monte Carlo error, `diagnostics.interval_mcse`; pymc 4,000 over 4 chains). With
    `keep_draws`, `Scorecard.engine_result` keeps the engine's draws of every uncertain
    judgment (for `hypotheses.output.netcdf`). `for_`: the explanation is about this hypothesis
    or group (its id) against its rival, as `hypscore explain --for` (docs/model.md section 5),
    rather than the leader against the runner-up. Computes only: writes no file.

    Raises UsageError for an unknown engine or impossible settings, before any work; CaseError
    when `case` is a path to a bad case file.
    """
    if not isinstance(case, Case):
        case = load_case(case)
    warnings: list[str] = []
    if engine not in ("auto", "numpy", "pymc"):
        raise UsageError(f"unknown engine '{engine}'; choose auto, numpy or pymc")
    check_settings(draws, seed, tune, target_accept)
    if for_ is not None:
        from hypotheses.analysis.explain import question_members

        question_members(case, for_)  # an unknown id: UsageError before any work
    n_hyp = len(case.hypotheses)
    most = max(MIN_DRAWS, MAX_DRAW_CELLS // n_hyp)
    if draws is not None and draws > most:
        raise UsageError(
            f"--draws {draws:,} with {n_hyp:,} hypotheses exceeds hypscore's limit of "
            f"{MAX_DRAW_CELLS:,} draws x hypotheses; use --draws {most:,} or fewer"
        )
    # Without --draws the numpy engine chooses how many, up to this (DEFAULT_DRAWS but for the
    # memory limit); the warning is given only if it needed more than it was allowed.
    max_draws = min(DEFAULT_DRAWS, most)
    started = time.perf_counter()
    reason = ""
    exact: EngineResult | None = None  # the numpy engine's result: exact means, leave-one-out
    if engine in ("auto", "numpy"):
        exact = numpy_engine.run(
            case,
            draws=draws,
            seed=seed,
            keep_judgments=keep_draws,
            with_leave_one_out=True,  # analytic confidence reads it, explained or not
            max_draws=max_draws,
        )
        result = exact
        notes: list[str] = []
        if engine == "auto":
            result, reason, notes = _auto(case, exact, draws, seed, tune, target_accept, progressbar)
            warnings += notes
        # Only about intervals that are shown: not when pymc replaced them, nor twice.
        if result is exact and not notes and exact.interval_mcse > INTERVAL_MCSE_WARNING:
            warnings.append(_rough_intervals(exact, most))
    else:
        result = _run_pymc(case, draws, seed, tune, target_accept, progressbar)
        warnings += pymc_diagnostic_warnings(result)
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
        mean_mcse=result.mean_mcse,
        interval_mcse=result.interval_mcse,
        components=exact.components if exact is not None else (),
        sampler=result.sampler,
    )
    card = summarise(
        case,
        result.prior_draws,
        result.posterior_mean,
        result.posterior_draws,
        diagnostics,
        prior_mean=result.prior_mean,
    )
    suspected = suspected_with_if_shared(case, card, seed)
    warnings += [s.warning for s in suspected]
    skipped = detection.labels_skipped(case)
    warnings += [skipped] if skipped else []
    card = replace(card, suspected_origins=suspected)
    if warnings:
        card = replace(card, warnings=(*card.warnings, *warnings))
    if exact is None:  # the pymc engine: the leave-one-out comes from the factorisation
        exact = numpy_engine.run(case, draws=MIN_DRAWS, seed=seed, with_leave_one_out=True)
    card = replace(card, confidence=assess_confidence(case, card, exact, seed))
    if explain or for_ is not None:
        from hypotheses.analysis.assumptions import if_wrong_posteriors
        from hypotheses.analysis.explain import explain as explain_card
        from hypotheses.analysis.explain import explain_for

        assert exact.leave_one_out is not None and exact.log_predictive is not None
        card = with_conflicts(card, case, exact)
        loo = (exact.leave_one_out, exact.posterior_mean, exact.event_leave_one_out)
        card = replace(
            card,
            explanation=explain_card(case, card, *loo)
            if for_ is None
            else explain_for(case, card, for_, *loo),
            assumptions=if_wrong_posteriors(case, seed),
        )
    if any(item.date is not None for item in case.evidence):
        card = replace(card, timeline=timeline(case, seed))
    if keep_draws:
        card = replace(card, engine_result=result, scored_case=case)
    return card


def assess_confidence(case: Case, card: Scorecard, exact: EngineResult, seed: int | None) -> Confidence:
    """Analytic confidence (analysis/confidence.py) from the card and the numpy engine's
    leave-one-out and components; `next`'s P(leader changes) only when items are pending."""
    from hypotheses.analysis import confidence

    changes: dict[str, float] = {}
    if case.pending:
        from hypotheses.analysis.decision import next_items

        found = next_items(case, seed, numpy_engine.ScoreCache())
        changes = {c.id: c.p_leader_changes for c in found.candidates}
    line_factors, line_sources, line_items = confidence.lines_of_evidence(case)
    facts = confidence.Facts(
        card,
        [item.id for item in case.evidence],
        exact.leave_one_out,
        [g.id for g in (*case.events, *case.origins)],
        exact.event_leave_one_out,
        line_factors,
        line_sources,
        weak=confidence.weak_items(case),
        p_leader_changes=changes,
        unsourced=confidence.unsourced_items(case),
        line_items=line_items,
        ratio_items=confidence.ratio_items(case),
    )
    return confidence.assess(facts)


def suspected_with_if_shared(case: Case, card: Scorecard, seed: int | None) -> tuple[SuspectedOrigin, ...]:
    """The case's suspected common origins, each with P(h | E) were its items one origin at
    shared 0.5 (same seed as the score) and its warning naming the leader's change (and the
    hypothesis that would move most, when another)."""
    leader = card.ranked()[0]
    now = {h.id: h.posterior.mean for h in card.hypotheses}
    out = []
    for found in detection.suspected_origins(case):
        found = replace(found, if_shared=detection.if_shared(case, found, seed))
        out.append(replace(found, warning=detection.warning(found, leader.id, now)))
    return tuple(out)


def _rough_intervals(result: EngineResult, most: int) -> str:
    """Why the numpy engine's intervals are rougher than it aims for, and what would help."""
    said = (
        f"numpy engine: the 90% interval ends carry a Monte Carlo error of up to "
        f"{100 * result.interval_mcse:.2g} points (aimed at 0.5) after {result.draws:,} draws; the "
        "posterior means are unaffected; "
    )
    if result.interval_capped:
        return said + (
            f"more draws would not help (their effective sample size, {result.ess:,.0f}, is set by an "
            "importance pool, not by the draws): --engine pymc samples such a case directly"
        )
    need = numpy_engine.draws_needed(result.draws, result.interval_mcse)
    if need > most:
        return said + (
            f"the limit of {MAX_DRAW_CELLS:,} draws x hypotheses allows --draws {most:,} at most for "
            f"{len(result.posterior_mean):,} hypotheses; --engine pymc samples without that limit"
        )
    return said + f"--draws {need:,} should bring it to 0.5 points"


def with_conflicts(card: Scorecard, case: Case, exact: EngineResult) -> Scorecard:
    """Each evidence entry's conflict_bits (docs/model.md section 8), from the engine's leave-one-out."""
    from hypotheses.analysis.decision import conflict_bits

    assert exact.prior_mean is not None and exact.log_predictive is not None
    values = conflict_bits(case, exact.prior_mean, exact.log_predictive)
    evidence = tuple(
        replace(e, conflict_bits=None if np.isnan(v) else float(v))
        for e, v in zip(card.evidence, values, strict=True)
    )
    return replace(card, evidence=evidence)


def timeline(case: Case, seed: int | None = DEFAULT_SEED) -> tuple[tuple[str | None, dict[str, float]], ...]:
    """P(h | E) as the dated items arrive: before any of them (undated items count from the
    start), then after each date in date order; exact means from the factorisation."""
    days = sorted({item.date for item in case.evidence if item.date is not None})
    one_pass = _cumulative_timeline(case, days, seed)
    if one_pass is not None:
        return one_pass
    out = []
    for day in [None, *days]:
        known = tuple(
            item for item in case.evidence if item.date is None or (day is not None and item.date <= day)
        )
        posterior = numpy_engine.posterior_mean(replace(case, evidence=known), seed=seed)
        out.append((_iso(day), dict(zip(case.hypothesis_ids, map(float, posterior), strict=True))))
    return tuple(out)


def _cumulative_timeline(
    case: Case, days: list[datetime.date], seed: int | None
) -> tuple[tuple[str | None, dict[str, float]], ...] | None:
    """The timeline in one cumulative pass over the items' log factors, where every item is a
    factor of its own in closed form (no uncertain source shared, no event, no origin): then
    P(h | the items known by a date) is E[pi_h] times theirs, whatever else the case holds.
    Rescoring the case after each date was dates x items (3,000 of each gave no answer). None
    where the factors do not separate so."""
    from hypotheses.model.factors import compile_case
    from hypotheses.model.logspace import log, softmax

    compiled = compile_case(case)
    if case.events or case.origins or any(c.method != "exact" for c in compiled.components):
        return None
    pi_mean, _ = numpy_engine.prior_estimate(case, seed)
    index = {day: k + 1 for k, day in enumerate(days)}  # 0: known from the start
    arrived = np.zeros((len(days) + 1, len(case.hypotheses)))
    rows = [index.get(item.date, 0) for item in case.evidence]
    np.add.at(arrived, rows, compiled.mean_log_likelihoods())
    known = log(pi_mean)[None, :] + np.cumsum(arrived, axis=0)
    if not np.isfinite(known.max(axis=1)).all():
        return None  # everything ruled out at some date: as the engine words it, below
    posterior = softmax(known, axis=1)
    return tuple(
        (_iso(day), dict(zip(case.hypothesis_ids, map(float, row), strict=True)))
        for day, row in zip([None, *days], posterior, strict=True)
    )


def _run_pymc(
    case: Case,
    draws: int | None,
    seed: int | None,
    tune: int | None,
    target_accept: float | None,
    progressbar: bool,
) -> EngineResult:
    from hypotheses.model import pymc_engine

    return pymc_engine.run(
        case,
        draws=draws or PYMC_DEFAULT_DRAWS,
        seed=seed,
        tune=DEFAULT_TUNE if tune is None else tune,
        target_accept=target_accept or DEFAULT_TARGET_ACCEPT,
        progressbar=progressbar,
    )


def pymc_diagnostic_warnings(result: EngineResult) -> list[str]:
    """The usual remedies when NUTS's diagnostics are poor (none for an exact, unsampled run)."""
    out = []
    # "not <=": a NaN R-hat or ESS (a chain that never moved) fails its check too.
    if result.rhat is not None and not result.rhat <= 1.01:
        out.append(
            f"pymc: R-hat is {result.rhat:.3f} (> 1.01): the chains disagree; "
            "run longer with --tune 3000 --draws 8000"
        )
    if not result.ess >= 400:
        out.append(f"pymc: effective sample size is {result.ess:.0f} (< 400); raise --draws")
    if result.divergences:
        out.append(
            f"pymc: {result.divergences} divergent transitions; raise --target-accept "
            "(e.g. 0.95 or 0.99) and --tune"
        )
    return out


# Limits of the settings, checked before any work (a NaN target_accept used to crash PyMC
# after a minute of compiling; --draws 10**12 was an internal error).
def _auto(
    case: Case,
    result: EngineResult,
    draws: int | None,
    seed: int | None,
    tune: int | None,
    target_accept: float | None,
    progressbar: bool,
) -> tuple[EngineResult, str, list[str]]:
    """`auto`: keep the numpy result unless its interval draws are poor (ESS below 5% of the
    draws); then take the intervals from PyMC, but only if PyMC passes its own checks (R-hat,
    ESS, divergences). The posterior means stay the numpy engine's either way: they come from
    the model's factorisation, not from the draws, so no sampler can improve on them."""
    floor = AUTO_ESS_FRACTION * result.draws
    if result.ess >= floor:
        return (
            result,
            f"numpy engine: its effective sample size {result.ess:,.0f} is at least {floor:,.0f} "
            f"(5% of its {result.draws:,} draws), so auto kept it",
            [],
        )
    try:
        reference = _run_pymc(case, draws, seed, tune, target_accept, progressbar)
    except UsageError:
        raise  # a request (e.g. HYPSCORE_NUTS_SAMPLER=numpyro without JAX) is the user's to fix
    except (ImportError, RuntimeError, ValueError, FloatingPointError) as exc:
        # The sampler failing must not cost the answer numpy already has.
        return (
            result,
            f"numpy engine: the pymc engine tried for the intervals failed ({type(exc).__name__}: {exc})",
            [f"numpy engine: the 90% intervals rest on an effective sample size of {result.ess:,.0f}"],
        )
    low = (
        f"the numpy engine's effective sample size {result.ess:,.0f} was below {floor:,.0f} (5% of its draws)"
    )
    failed = pymc_diagnostic_warnings(reference)
    if failed:
        reason = (
            f"numpy engine: {low}, and the pymc engine tried instead failed its own checks, so the "
            "numpy result stands (its posterior means are exact; its intervals rest on few distinct draws)"
        )
        note = (
            f"numpy engine: the 90% intervals rest on an effective sample size of {result.ess:,.0f}; "
            f"raise --draws to sharpen them (pymc was tried and rejected: {'; '.join(failed)})"
        )
        return result, reason, [note]
    reason = f"pymc engine for the intervals: {low}; the posterior means are the numpy engine's"
    mixed = replace(
        reference,
        posterior_mean=result.posterior_mean,
        prior_mean=result.prior_mean,
        mean_mcse=result.mean_mcse,
    )
    return mixed, reason, []


# The draws' 5%-95% quantiles need not hold their mean: a probability spread over orders of
# magnitude (P(h | E, params) from 1e-24 to 1e-8 across draws) has its mean set by its rare
# largest draws, above the 95% quantile. The mean is the better-known number (exact, or with its
# own error, mean_mcse), and an interval that leaves out the estimate it is shown with reads as a
# contradiction: so the interval is widened just to the mean, and a warning names the hypotheses
# (docs/model.md section 3). Beyond a relative 1e-6 only: point judgments put the mean a
# rounding error off the draws, which is no news.
_OUTSIDE = 1e-6


def interval_estimates(mean: np.ndarray, draws: np.ndarray) -> tuple[list[Estimate], list[int]]:
    """Mean and 90% interval per column, the interval widened to hold the mean; and the columns
    whose mean lay outside the draws' interval by more than rounding."""
    lo, hi = linear_quantiles(np.sort(draws, axis=0), INTERVAL)
    estimates, widened = [], []
    for k, (m, a, b) in enumerate(zip(mean.tolist(), lo.tolist(), hi.tolist(), strict=True)):
        if m - b > _OUTSIDE * abs(m) or a - m > _OUTSIDE * abs(a):
            widened.append(k)
        estimates.append(Estimate(m, min(a, m), max(b, m)) if math.isfinite(m) else Estimate(m, a, b))
    return estimates, widened


def _widened_warning(outside: list[tuple[str, float]]) -> str:
    said = ", ".join(f"'{name}' ({mean:.2g})" for name, mean in outside)
    return (
        f"the 90% interval of {said} is widened to include the posterior mean, which lies outside "
        "the middle 90% of the draws: the probability varies over orders of magnitude with the "
        "judgments, and its mean rests on the rare draws where it is largest (docs/model.md section 3)"
    )


def summarise(
    case: Case,
    prior_draws: np.ndarray,
    posterior_mean: np.ndarray,
    posterior_draws: np.ndarray,
    diagnostics: Diagnostics,
    prior_mean: np.ndarray | None = None,
) -> Scorecard:
    """The Scorecard of any engine's output; `prior_mean` when the engine estimated E[pi_h]
    better than the mean of its prior draws."""
    if prior_mean is None:
        prior_mean = prior_draws.mean(axis=0)
    priors, _ = interval_estimates(prior_mean, prior_draws)  # said of the posterior, the answer, only
    posteriors, widened = interval_estimates(posterior_mean, posterior_draws)
    outside = [(case.hypotheses[k].id, posteriors[k].mean) for k in widened]
    scale = case.scale
    hypotheses = tuple(
        HypothesisScore(h.id, h.label, prior, posterior, scale.term_for(posterior.mean), h.notes)
        for h, prior, posterior in zip(case.hypotheses, priors, posteriors, strict=True)
    )
    ids = case.hypothesis_ids
    groups = []
    for group in case.groups:
        columns = [ids.index(m) for m in group.members]
        (estimate,), group_widened = interval_estimates(
            posterior_mean[columns].sum(keepdims=True), posterior_draws[:, columns].sum(axis=1, keepdims=True)
        )
        outside += [(group.id, estimate.mean)] if group_widened else []
        (prior,), _ = interval_estimates(
            prior_mean[columns].sum(keepdims=True), prior_draws[:, columns].sum(axis=1, keepdims=True)
        )
        groups.append(
            GroupScore(group.id, group.label, group.members, estimate, scale.term_for(estimate.mean), prior)
        )
    pending = tuple(
        PendingItem(item.id, item.label, _iso(item.date), item.notes, item.links) for item in case.pending
    )
    resolution = None
    if case.resolution is not None:
        r = case.resolution
        resolution = {"hypothesis": r.hypothesis, "date": _iso(r.date), "notes": r.notes}
    evidence = tuple(
        EvidenceScore(
            item.id,
            item.label,
            _weight_dict(ids, iw.weight_db),
            iw.diagnosticity,
            item.observed is True,
            _iso(item.date),
            item.notes,
            item.links,
            item.reports,
            item.via,
            **_sourcing(case, item),
        )
        for item, iw in zip(case.evidence, evidence_weights(case, prior_mean), strict=True)
    )
    events = tuple(
        EventScore(
            event.id,
            event.label,
            tuple(item.id for item in case.reports_of(event.id)),
            _weight_dict(ids, weight.combined_db),
            _weight_dict(ids, weight.independent_db),
            event.notes,
            event.links,
        )
        for event, weight in zip(case.events, event_weights(case, prior_mean), strict=True)
    )
    origins = tuple(
        EventScore(
            origin.id,
            origin.label,
            tuple(item.id for item in case.evidence if item.id in origin.items),
            _weight_dict(ids, weight.combined_db),
            _weight_dict(ids, weight.independent_db),
            origin.notes,
            origin.links,
            origin.shared.text,
        )
        for origin, weight in zip(case.origins, origin_weights(case, prior_mean), strict=True)
    )
    return Scorecard(
        title=case.title,
        question=case.question,
        path=case.path,
        sha256=case.sha256,
        scale=case.scale_name,
        scale_file=case.scale.file,
        hypotheses=hypotheses,
        evidence=evidence,
        diagnostics=diagnostics,
        warnings=tuple(str(w) for w in case.warnings) + ((_widened_warning(outside),) if outside else ()),
        notes=case.notes,
        groups=tuple(groups),
        pending=pending,
        resolution=resolution,
        sources=tuple(
            SourceNote(s.id, s.label, s.notes, s.links) for s in case.sources if s.notes or s.links
        ),
        events=events,
        origins=origins,
        as_of=_iso(case.as_of),
        after_as_of=tuple(
            PendingItem(item.id, item.label, _iso(item.date), item.notes, item.links)
            for item in case.after_as_of
        ),
    )


def _sourcing(case: Case, item: EvidenceItem) -> dict[str, str | None]:
    """An item's sourcing as the exports carry it: the source it cites (an item graded without
    one has only its own, which is no source to name), its grading, quote and document."""
    # An id cannot hold ':', the id of an item's own source does (building.own_source).
    source = case.source(item.source) if item.source and ":" not in item.source else None
    return {
        "source": None if source is None else source.id,
        "source_label": None if source is None else source.label,
        "grading": item.grading,
        "quote": item.quote,
        "document": item.document,
        "document_sha256": item.document_sha256,
        "page": item.page,
        "accessed": _iso(item.accessed),
    }


def _weight_dict(ids: list[str], weights: np.ndarray) -> dict[str, float | None]:
    return {h: (None if np.isnan(w) else float(w)) for h, w in zip(ids, weights, strict=True)}


def _iso(day: datetime.date | None) -> str | None:
    return None if day is None else day.isoformat()
