"""Why the leading hypothesis leads: sensitivity to each judgment (tornado), leave-one-out,
and what would flip the conclusion. Plain data for the renderers, like the Scorecard."""

from __future__ import annotations

import math

import numpy as np

from hypotheses.analysis.scorecard import Explanation, FlipThreshold, LeaveOneOut, Scorecard, Swing
from hypotheses.case import Case
from hypotheses.model.likelihood import effective_likelihood
from hypotheses.model.logspace import log, softmax
from hypotheses.model.places import credibility_place, likelihood_place, prior_place, reliability_place
from hypotheses.text import percent
from priors import Judgment, LogNormal

# Posteriors this close are equal: arithmetic exact on paper (1/3 + 1/3 + 1/3) rounds apart.
TIE_TOLERANCE = 1e-9

# Kass & Raftery (1995), "Bayes factors", on the likelihood ratio.
EVIDENCE_STRENGTH = (
    (1.0, "none"),
    (3.2, "barely worth mentioning"),
    (10.0, "substantial"),
    (100.0, "strong"),
    (float("inf"), "decisive"),
)


def _strength(ratio: float) -> str:
    if not np.isfinite(ratio):
        return "impossible (the runner-up is ruled out)"
    return next(words for bound, words in EVIDENCE_STRENGTH if ratio < bound)


class _PlugIn:
    """The model with every judgment at its mean; one judgment at a time can be moved, and
    the posterior follows by adjusting only the log terms that judgment enters."""

    def __init__(self, case: Case) -> None:
        self.case = case
        self.theta = np.array([[j.mean for j in item.likelihoods] for item in case.evidence]).reshape(
            len(case.evidence), len(case.hypotheses)
        )
        self.kappa = np.array([item.credibility.mean for item in case.evidence])
        self.source_of = [item.source for item in case.evidence]
        self.reliability = {s.id: s.reliability.mean for s in case.sources}
        self.log_w = np.array([sum(log(j.mean) for _, j in h.prior) for h in case.hypotheses], dtype=float)
        self.log_lam = np.array(
            [self._log_lam(self.theta[j], self.kappa[j], self._r(j)) for j in range(len(case.evidence))]
        ).reshape(self.theta.shape)
        self.total = self.log_w + self.log_lam.sum(axis=0)
        # Sums of log lambda before and after each item: moving one item never subtracts -inf.
        zero = np.zeros((1, len(case.hypotheses)))
        self.before = np.cumsum(np.vstack([zero, self.log_lam]), axis=0)
        self.after = np.cumsum(np.vstack([zero, self.log_lam[::-1]]), axis=0)[::-1]

    def without(self, j: int) -> np.ndarray:
        """log w + sum of log lambda over every item but j."""
        return self.log_w + self.before[j] + self.after[j + 1]

    def _r(self, j: int, override: dict[str, float] | None = None) -> float:
        source = self.source_of[j]
        if source is None:
            return 1.0
        return (override or {}).get(source, self.reliability[source])

    @staticmethod
    def _log_lam(theta: np.ndarray, kappa: float, r: float) -> np.ndarray:
        return log(effective_likelihood(r * kappa, theta, theta.mean()))

    def posterior(self, total: np.ndarray) -> np.ndarray:
        return softmax(total)

    def judgments(self):
        """(name, judgment, function value -> posterior) for every uncertain judgment."""
        case = self.case
        for k, h in enumerate(case.hypotheses):
            for factor, judgment in h.prior:
                name = prior_place(h.id, factor)

                def moved(v: float, k: int = k, judgment: Judgment = judgment) -> np.ndarray:
                    total = self.total.copy()
                    with np.errstate(divide="ignore"):
                        total[k] += np.log(v) - np.log(judgment.mean)
                    return self.posterior(total)

                yield name, judgment, moved
        for j, item in enumerate(case.evidence):
            for k, judgment in enumerate(item.likelihoods):

                def moved(v: float, j: int = j, k: int = k) -> np.ndarray:
                    theta = self.theta[j].copy()
                    theta[k] = v
                    new = self._log_lam(theta, self.kappa[j], self._r(j))
                    return self.posterior(self.without(j) + new)

                yield likelihood_place(item.id, case.hypotheses[k].id), judgment, moved

            def moved_kappa(v: float, j: int = j) -> np.ndarray:
                new = self._log_lam(self.theta[j], v, self._r(j))
                return self.posterior(self.without(j) + new)

            yield credibility_place(item.id), item.credibility, moved_kappa
        for source in case.sources:

            def moved_r(v: float, sid: str = source.id) -> np.ndarray:
                log_lam = self.log_lam.copy()
                for j, s in enumerate(self.source_of):
                    if s == sid:
                        log_lam[j] = self._log_lam(self.theta[j], self.kappa[j], v)
                return self.posterior(self.log_w + log_lam.sum(axis=0))

            yield reliability_place(source.id), source.reliability, moved_r


def explain(case: Case, card: Scorecard, without: np.ndarray, exact: np.ndarray) -> Explanation:
    """The explanation of `card`, the Scorecard of `case`, given the numpy engine's
    leave-one-out posteriors `without` (J, H) and the posterior `exact` (H,) they are measured
    against: both from the model's factorisation, whichever engine drew the intervals."""
    ids = case.hypothesis_ids
    posterior = np.array([h.posterior.mean for h in card.hypotheses])
    order = np.argsort(-posterior, kind="stable")
    lead, rival = int(order[0]), int(order[1])

    plug = _PlugIn(case)
    baseline = float(plug.posterior(plug.total)[lead])
    swings = []
    for name, judgment, moved in plug.judgments():
        if judgment.is_point:
            continue
        low, high = judgment.quantiles()
        at_low, at_high = moved(low), moved(high)
        margins = []
        for p in (at_low, at_high):
            others = np.delete(p, lead)
            best = int(np.argmax(others))
            margins.append((p[lead] - others[best], ids[best + (best >= lead)]))
        margin, best_rival = min(margins)
        swings.append(
            Swing(
                name,
                judgment.text,
                low,
                high,
                float(at_low[lead]),
                float(at_high[lead]),
                float(abs(at_high[lead] - at_low[lead])),
                float(margin),
                best_rival,
                isinstance(judgment, LogNormal),
            )
        )
    swings.sort(key=lambda s: -s.swing)
    closest = min(swings, key=lambda s: s.margin) if swings else None

    loo = tuple(
        LeaveOneOut(item.id, dict(zip(ids, map(float, row), strict=True)), float(exact[lead] - row[lead]))
        for item, row in zip(case.evidence, without, strict=True)
    )

    with np.errstate(divide="ignore"):
        log_ratio = float(np.log(posterior[lead]) - np.log(posterior[rival]))
    ratio = float(np.exp(log_ratio)) if log_ratio < 700 else float("inf")
    scale = case.scale
    if np.isfinite(ratio):
        top = scale.terms[-1]
        top_word = top.term if top.lo != top.hi else scale.terms[-2].term
        at_most = float(np.exp(np.log(scale.lookup(top_word).judgment.mean) - log_ratio))
        example = (
            f"e.g. a report '{top_word}' if {ids[rival]} but at most '{scale.term_for(at_most)}' "
            f"({percent(at_most)}) if {ids[lead]}"
        )
    else:
        example = f"no evidence can: {ids[rival]} has posterior probability 0"
    flip = FlipThreshold(
        ids[rival],
        ratio,
        10 * log_ratio / np.log(10) if np.isfinite(log_ratio) else float("inf"),
        _strength(ratio),
        example,
    )
    tied = tuple(
        ids[k]
        for k in order
        if math.isclose(posterior[k], posterior[lead], rel_tol=TIE_TOLERANCE, abs_tol=1e-12)
    )
    return Explanation(ids[lead], ids[rival], baseline, tuple(swings), loo, flip, closest, tied)
