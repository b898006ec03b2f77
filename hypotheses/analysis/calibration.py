"""Calibration over resolved cases (docs/model.md section 7): did the desk's "likely" come true
55-80% of the time? Scores, reliability bins, verbal terms and source grades, from the
posterior means `score` gives each case; computing only."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from hypotheses.analysis.batch import CaseOutcome
from hypotheses.analysis.scorecard import Scorecard
from hypotheses.case import Case
from priors import get_scale
from priors.reliability import ADMIRALTY, admiralty_judgment

BINS = 10
Z90 = 1.6448536269514722  # the 95% quantile of the standard normal: a 90% Wilson interval
# An item this close to 0 dB for the true hypothesis pointed nowhere (the outputs print it as 0.0 dB).
NEUTRAL_DB = 0.05


def wilson(successes: int, n: int, z: float = Z90) -> tuple[float | None, float | None]:
    """Wilson's score interval for a binomial proportion (90% by default): unlike the normal
    approximation it stays inside [0, 1] and is honest for the small counts of a few cases."""
    if n == 0:
        return None, None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # At 0 or n successes the bound is exactly 0 or 1 on paper; floats land a hair inside.
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == n else min(1.0, centre + half)
    return lo, hi


@dataclass(frozen=True)
class Bin:
    """Case x hypothesis pairs whose P(h | E) fell in [lo, hi): how often h was the truth."""

    lo: float
    hi: float
    n: int
    predicted: float | None  # mean P(h | E) of the pairs
    observed: float | None  # share of the pairs whose h was the truth
    observed_lo: float | None  # 90% Wilson interval of `observed`
    observed_hi: float | None


@dataclass(frozen=True)
class TermRow:
    """The pairs whose posterior the case's scale puts in words as `term`."""

    scale: str
    term: str
    range: tuple[float, float]  # the term's stated range: a calibrated desk's `observed` falls in it
    n: int
    predicted: float
    observed: float
    observed_lo: float | None
    observed_hi: float | None


def verdict(observed_lo: float | None, observed_hi: float | None, lo: float, hi: float) -> str:
    """How a term (or a grade) held up: its 90% interval of the observed rate against its
    stated range: "less often" / "more often" (than stated) only for a clear miss, where the
    two do not overlap (a handful of cases rarely is one), else "as stated"."""
    if observed_lo is None or observed_hi is None:
        return ""
    if observed_hi < lo:
        return "less often"
    if observed_lo > hi:
        return "more often"
    return "as stated"


@dataclass(frozen=True)
class SourceRow:
    """Items from sources of one Admiralty grade, in resolved cases: how often they pointed
    towards the true hypothesis (weight of evidence for it > 0 dB). Items that pointed nowhere
    (|weight| < 0.05 dB) are not counted."""

    code: str
    meaning: str
    range: tuple[float, float]
    n: int
    towards_truth: float
    observed_lo: float | None
    observed_hi: float | None


@dataclass(frozen=True)
class Calibration:
    cases: int
    brier: float  # mean over cases of sum_h (P(h | E) - [h is true])^2
    log_loss: float  # mean over cases of -ln P(true h | E); inf if a true h was given 0
    bins: tuple[Bin, ...]
    by_term: tuple[TermRow, ...]
    by_source: tuple[SourceRow, ...]
    paths: tuple[str, ...]  # the resolved cases used, in order
    # The analysts' own words, P(e | true h) = term, against whether e was seen (`word_outcomes`):
    # `predicted` is the word's mean on its scale. What `--fit-scale` re-fits.
    by_word: tuple[TermRow, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["log_loss"] = d["log_loss"] if math.isfinite(d["log_loss"]) else "inf"
        for row in (*d["by_term"], *d["by_source"], *d["by_word"]):
            row["range"] = list(row["range"])
        return d


class NoResolvedCases(ValueError):
    """Nothing to calibrate against: none of the cases says which hypothesis was true."""


def calibration(scored: Sequence[CaseOutcome | tuple[Case, Scorecard]]) -> Calibration:
    """Calibration of the resolved cases among `scored`: the outcomes of `score_many` (as
    `hypscore calibration` does) or (case, scorecard) pairs. Unresolved and failed cases are
    left out.

    Raises NoResolvedCases when none is resolved: there is nothing to compare with.

    >>> from hypotheses import calibration, find_cases, score_many
    >>> calibration(score_many(find_cases(["cases/"]))).brier  # doctest: +SKIP
    """
    pairs_in = [(o.case, o.card) if isinstance(o, CaseOutcome) else o for o in scored]
    resolved = [
        (case, card)
        for case, card in pairs_in
        if case is not None and card is not None and case.resolution is not None
    ]
    if not resolved:
        raise NoResolvedCases(
            f"none of the {len(pairs_in)} case{'s' * (len(pairs_in) != 1)} scored has a `resolution:`; "
            "add `resolution: {hypothesis: ID}` to the cases whose truth is known"
        )
    pairs: list[tuple[float, bool, str, str]] = []  # (P, is true, scale, term)
    brier = log_loss = 0.0
    towards: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # code -> [towards truth, counted]
    said: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])  # (scale, word) -> [true, n]
    for case, card in resolved:
        assert case.resolution is not None
        truth = case.resolution.hypothesis
        scale = get_scale(case.scale_name)
        for h in card.hypotheses:
            p = h.posterior.mean
            brier += (p - (h.id == truth)) ** 2
            pairs.append((p, h.id == truth, case.scale_name, scale.term_for(p)))
        p_true = next(h.posterior.mean for h in card.hypotheses if h.id == truth)
        log_loss += -math.log(p_true) if p_true > 0 else math.inf
        for code, pointed in grade_outcomes(case, card):
            towards[code][0] += pointed
            towards[code][1] += 1
        for word, came_true in word_outcomes(case):
            said[(case.scale_name, word)][0] += came_true
            said[(case.scale_name, word)][1] += 1
    n_cases = len(resolved)
    bins = []
    for k in range(BINS):
        lo, hi = k / BINS, (k + 1) / BINS
        inside = [(p, t) for p, t, _, _ in pairs if lo <= p < hi or (k == BINS - 1 and p == 1.0)]
        hits = sum(t for _, t in inside)
        bins.append(
            Bin(
                lo,
                hi,
                len(inside),
                math.fsum(p for p, _ in inside) / len(inside) if inside else None,
                hits / len(inside) if inside else None,
                *wilson(hits, len(inside)),
            )
        )
    terms: dict[tuple[str, str], list[tuple[float, bool]]] = defaultdict(list)
    for p, t, scale_name, term in pairs:
        terms[(scale_name, term)].append((p, t))
    by_term = []
    for scale_name in dict.fromkeys(s for _, _, s, _ in pairs):  # scales in order of first use
        for word, word_lo, word_hi in _words(scale_name):
            rows = terms.get((scale_name, word))
            if not rows:
                continue
            hits = sum(t for _, t in rows)
            by_term.append(
                TermRow(
                    scale_name,
                    word,
                    (word_lo, word_hi),
                    len(rows),
                    math.fsum(p for p, _ in rows) / len(rows),
                    hits / len(rows),
                    *wilson(hits, len(rows)),
                )
            )
    by_source = []
    for code, (meaning, lo, hi) in ADMIRALTY.items():
        if code in towards:
            hits, n = towards[code]
            by_source.append(SourceRow(code, meaning, (lo / 100, hi / 100), n, hits / n, *wilson(hits, n)))
    by_word = []
    for scale_name in dict.fromkeys(case.scale_name for case, _ in resolved):
        for term in get_scale(scale_name).terms:
            if (scale_name, term.term) in said:
                hits, n = said[(scale_name, term.term)]
                by_word.append(
                    TermRow(
                        scale_name,
                        term.term,
                        (term.lo, term.hi),
                        n,
                        term.judgment.mean,
                        hits / n,
                        *wilson(hits, n),
                    )
                )
    return Calibration(
        n_cases,
        brier / n_cases,
        log_loss / n_cases,
        tuple(bins),
        tuple(by_term),
        tuple(by_source),
        tuple(card.path for _, card in resolved),
        tuple(by_word),
    )


def _words(scale_name: str) -> list[tuple[str, float, float]]:
    """The scale's terms with their ranges, and its gaps as `term_for` names them, in order."""
    terms = get_scale(scale_name).terms
    words = []
    for index, term in enumerate(terms):
        words.append((term.term, term.lo, term.hi))
        above = terms[index + 1] if index + 1 < len(terms) else None
        if above is not None and term.hi < above.lo:
            words.append((f"between {term.term} and {above.term}", term.hi, above.lo))
    return words


def grade_outcomes(case: Case, card: Scorecard) -> list[tuple[str, bool]]:
    """(Admiralty letter, pointed to the truth) for each item of a resolved case citing a graded
    source: its weight of evidence for the true hypothesis was above 0 dB. Items within
    NEUTRAL_DB of 0 pointed nowhere and are left out. The one definition of a grade's outcome,
    for `by_source` and for re-fitting the grades (scale_fit.py)."""
    assert case.resolution is not None
    truth = case.resolution.hypothesis
    weights = {e.id: e.weight_db[truth] for e in card.evidence}
    outcomes = []
    for item in case.evidence:
        code = _grade(case, item.source)
        weight = weights.get(item.id)
        if code is None or weight is None or math.isnan(weight) or abs(weight) < NEUTRAL_DB:
            continue
        outcomes.append((code, weight > 0))
    return outcomes


def word_outcomes(case: Case) -> list[tuple[str, bool]]:
    """(term, came true) for each checkable statement a resolved case makes in its scale's words:
    an item's likelihood under the true hypothesis, P(e | h_true) = term, written as a word and
    checked against whether e was seen (`observed: true`) or looked for and not found
    (`observed: false`). Pending items, items after `as_of`, reports of events and `ratios:`
    (no probabilities) say nothing checkable; neither do the likelihoods under the false
    hypotheses (counterfactual) nor priors (relative weights, not probabilities). The one
    definition of a word's outcome, for re-fitting a scale (docs/model.md section 7)."""
    assert case.resolution is not None
    scale = case.scale
    truth = case.hypothesis_ids.index(case.resolution.hypothesis)
    outcomes = []
    for item in case.evidence:
        if item.ratios or not item.likelihoods or item.observed not in (True, False):
            continue
        stated = item.likelihoods[truth]
        # An absent item stores 1 - P(e | h): its text then reads '1 - likely'.
        word = stated.text.removeprefix("1 - ") if item.observed is False else stated.text
        term = scale.lookup(word) if word else None
        if term is not None:
            outcomes.append((term.term, item.observed is True))
    return outcomes


def _grade(case: Case, source_id: str | None) -> str | None:
    """The Admiralty letter a source's reliability was written as (`reliability: B`, or the
    letter of an item's grading), None for any other judgment."""
    source = case.source(source_id)
    if source is None:
        return None
    for code in ADMIRALTY:
        if source.reliability == admiralty_judgment(code, case.scale):
            return code
    return None
