"""A verbal scale re-fitted to the track record (docs/model.md section 7, "A scale learned from
the track record"): each word's probability is a Beta whose prior is the word's judgment on the
cases' scale (the Beta with the published range as its 5% and 95% quantiles), updated with how
often the word came true in the resolved cases; each Admiralty grade's reliability likewise, with
how often its items pointed to the truth. Computing only: output/scale_file.py writes the file."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from hypotheses.analysis.batch import CaseOutcome
from hypotheses.analysis.calibration import NoResolvedCases, grade_outcomes, word_outcomes
from hypotheses.analysis.scorecard import Scorecard
from hypotheses.case import Case
from priors import Beta, Scale, get_scale
from priors.betafit import LOWER_Q, UPPER_Q, beta_quantile
from priors.reliability import ADMIRALTY, admiralty_judgment

# A scale's name is its file's name (priors/scales.py): a plain word, so `-o NAME.yaml` is it.
SCALE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ScaleFitError(ValueError):
    """Cases that cannot be fitted together (several scales), or a bad scale name."""


@dataclass(frozen=True)
class Fitted:
    """One word (or grade): its published range and prior Beta, the statements that checked it,
    and the Beta updated with them (the prior itself when there were none)."""

    name: str  # the term, or the Admiralty letter
    meaning: str  # a grade's meaning ('usually reliable'); '' for a word
    range: tuple[float, float]  # published, as probabilities
    prior: tuple[float, float] | None  # (a, b); None for a point word (Kent's 'impossible')
    n: int  # statements checked
    hits: int  # of them, came true (a grade: pointed to the truth)
    beta: tuple[float, float] | None  # (a + hits, b + n - hits)
    mean: float
    lo: float  # the fitted Beta's 5% and 95% quantiles: the range the scale file states
    hi: float


@dataclass(frozen=True)
class ScaleFit:
    """The re-fitted scale: `terms` in the base scale's order, `grades` A-F."""

    name: str
    base: str  # the scale the cases use
    base_title: str
    terms: tuple[Fitted, ...]
    synonyms: tuple[tuple[str, ...], ...]  # per term, copied from the base scale
    grades: tuple[Fitted, ...]
    paths: tuple[str, ...]  # the resolved cases used, in order
    statements: int  # word statements counted over all terms
    graded_items: int

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["synonyms"] = [list(s) for s in self.synonyms]
        return d


def beta_update(prior: tuple[float, float], hits: int, n: int) -> tuple[float, float]:
    """The conjugate update of Beta(a, b) by `hits` successes in `n` Bernoulli trials."""
    a, b = prior
    return a + hits, b + (n - hits)


def _fitted(name: str, meaning: str, lo: float, hi: float, judgment: Any, hits: int, n: int) -> Fitted:
    if not isinstance(judgment, Beta):  # a point word: no uncertainty to update; kept as it is
        return Fitted(name, meaning, (lo, hi), None, n, hits, None, judgment.mean, lo, hi)
    prior = (judgment.a, judgment.b)
    a, b = beta_update(prior, hits, n)
    if n == 0:  # no data: the published range, exactly
        q_lo, q_hi = lo, hi
    else:
        q_lo, q_hi = beta_quantile(LOWER_Q, a, b), beta_quantile(UPPER_Q, a, b)
    return Fitted(name, meaning, (lo, hi), prior, n, hits, (a, b), a / (a + b), q_lo, q_hi)


def _grade_range(scale: Scale, code: str) -> tuple[float, float]:
    """A grade's range as `scale` states it (a scale fitted before: its Beta's 5% and 95%
    quantiles), else the standard Admiralty range."""
    stated = scale.grade(code)
    if isinstance(stated, Beta):
        return stated.quantiles()
    if stated is not None:
        return stated.mean, stated.mean
    _, lo, hi = ADMIRALTY[code]
    return lo / 100, hi / 100


def fit_scale(scored: Sequence[CaseOutcome | tuple[Case, Scorecard]], name: str) -> ScaleFit:
    """The cases' scale with its words and Admiralty grades re-fitted to the resolved cases among
    `scored` (outcomes of `score_many`, or (case, scorecard) pairs), as `hypscore calibration
    --fit-scale NAME` does. Raises NoResolvedCases when none is resolved, ScaleFitError when
    they use several scales or `name` is no scale name.

    >>> from hypotheses import find_cases, fit_scale, score_many
    >>> fit = fit_scale(score_many(find_cases(["cases/"])), "desk")  # doctest: +SKIP
    """
    if not SCALE_NAME.match(name):
        raise ScaleFitError(
            f"scale name {name!r}: use letters, digits, '_', '-' and '.', starting with a letter or digit"
        )
    pairs_in = [(o.case, o.card) if isinstance(o, CaseOutcome) else o for o in scored]
    resolved = [(c, k) for c, k in pairs_in if c is not None and k is not None and c.resolution is not None]
    if not resolved:
        raise NoResolvedCases(
            f"none of the {len(pairs_in)} case{'s' * (len(pairs_in) != 1)} scored has a `resolution:`; "
            "add `resolution: {hypothesis: ID}` to the cases whose truth is known"
        )
    scales = list(dict.fromkeys(case.scale_name for case, _ in resolved))
    if len(scales) > 1:
        raise ScaleFitError(
            f"the resolved cases use {len(scales)} scales ({', '.join(scales)}); a fit re-fits one "
            "scale's words: give only the cases of one scale"
        )
    base = get_scale(scales[0])
    words: Counter[tuple[str, bool]] = Counter()
    grades: Counter[tuple[str, bool]] = Counter()
    for case, card in resolved:
        words.update(word_outcomes(case))
        grades.update(grade_outcomes(case, card))
    terms = tuple(
        _fitted(
            t.term,
            "",
            t.lo,
            t.hi,
            t.judgment,
            words[(t.term, True)],
            words[(t.term, True)] + words[(t.term, False)],
        )
        for t in base.terms
    )
    fitted_grades = tuple(
        _fitted(
            code,
            meaning,
            *_grade_range(base, code),
            admiralty_judgment(code, base),
            grades[(code, True)],
            grades[(code, True)] + grades[(code, False)],
        )
        for code, (meaning, _, _) in ADMIRALTY.items()
    )
    return ScaleFit(
        name=name,
        base=base.name,
        base_title=base.title,
        terms=terms,
        synonyms=tuple(t.synonyms for t in base.terms),
        grades=fitted_grades,
        paths=tuple(card.path for _, card in resolved),
        statements=sum(words.values()),
        graded_items=sum(grades.values()),
    )
