"""The numpy engine's ways of scoring a component (docs/model.md section 3), one class each
behind one interface: `log_factor`, `log_factor_without`, `draw`.

Given h, a component's factors (`hypotheses.model.factors.Component`) share only the uncertain
reliabilities r of their sources. Given r, every item and event is exact, so a component is
E_r[prod of its factors | h]: with no uncertain source, exact at the means (`Exact`); with one, a
quadrature grid over r (`Grid`), where importance sampling would collapse as items accumulate;
with more, the tensor Gauss rule of their priors (`Quadrature`), exact since the factors are a
polynomial in each r of the degree its users make, or, past QUADRATURE_NODES nodes, importance
sampling over their prior (`Sampled`). Interval draws take r given h from the grid's nodes or
the pool (a candidate pool for the tensor rule, whose nodes are too few to draw from), then each
item's parameters exactly given (h, r); a component with an uncertain event draws (r, the
event's parameters) from one joint pool instead.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property

import numpy as np

from hypotheses.case import EvidenceItem
from hypotheses.case.types import Event
from hypotheses.model import quadrature
from hypotheses.model.factors import MODEL_ERROR, Component, Factor, count_users, regroup
from hypotheses.model.likelihood import (
    chained_rate,
    effective_likelihood,
    event_log_likelihood,
    hit_and_false_alarm,
    origin_log_likelihood,
    rated_likelihood,
)
from hypotheses.model.logspace import column_max, column_sums, log, log_sum_exp_rows, logsumexp, row_sums
from hypotheses.model.places import (
    MODEL_ERROR_PLACE,
    credibility_place,
    false_alarm_place,
    hit_place,
    likelihood_place,
    reliability_place,
    reporting_places,
    shared_place,
)
from hypotheses.model.quadrature import beta_rule, nodes_needed, tensor_rule
from priors import Beta, Judgment, LogNormal, Point
from priors.judgment import SAMPLE_FLOOR

# Cells of the grid over a source's reliability (the one parameter shared between items).
GRID_CELLS = 2048
# Zooms of a hypothesis's grid onto its posterior mass (at least one: the first pass's cells
# are uneven); each narrows it up to ~700-fold.
GRID_ZOOMS = 8
# Largest intermediate array (elements) when evaluating likelihoods over the grid.
CHUNK_ELEMENTS = 2**22
# Largest (candidates, reports) block when weighting a joint pool's candidates.
POOL_BLOCK_ELEMENTS = 2**20
# Hypotheses below this posterior get few draws; their resampling ESS does not limit the answer.
ESS_POSTERIOR_FLOOR = 0.01
# Reliability draws for a component whose items share two or more uncertain sources (no grid):
# importance sampling from their prior, exact given them, in batches for the Monte Carlo error.
SOURCE_DRAWS = 2**16
SOURCE_BATCHES = 16
# The pool's reliabilities held at most (doubles: 128 MB): a component that samples more than 256
# uncertain sources together draws fewer than SOURCE_DRAWS (never fewer than POOL_FLOOR), its
# Monte Carlo error measured and reported as always (thousands of sources were gigabytes).
POOL_ELEMENTS = 2**24
POOL_FLOOR = 16 * SOURCE_BATCHES


def pool_draws(n_sources: int) -> int:
    """The reliability draws of a sampled component on `n_sources` uncertain sources."""
    fits = POOL_ELEMENTS // max(1, n_sources) // SOURCE_BATCHES * SOURCE_BATCHES
    return min(SOURCE_DRAWS, max(POOL_FLOOR, fits))


# Interval draws of a component with an event whose likelihoods or reports' credibilities are
# uncertain: one joint pool of (reliabilities, event parameters) from their prior, importance-
# resampled given h. It starts with JOINT_START candidates (or as many as the draws) and doubles
# until its Kish ESS for each hypothesis that counts is JOINT_ESS_RATIO times the draws (its
# share of the intervals' variance then about 1/JOINT_ESS_RATIO of the draws' own, its bias,
# order 1/pool, far below the intervals' Monte Carlo error), never beyond JOINT_POOL candidates
# (or the draws); its Kish ESS is reported like every other resampling's.
JOINT_START = 2**13
JOINT_ESS_RATIO = 16
JOINT_POOL = 2**16


def kish_ess(weights: np.ndarray) -> np.ndarray:
    """Kish's effective sample size of each column of non-negative weights."""
    total = column_sums(weights)
    squares = column_sums(np.square(weights))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(squares > 0, total**2 / squares, 0.0)


def resample_columns(weights: np.ndarray, column: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each draw i, a row index n with probability weights[n, column[i]] / column total.

    One searchsorted over the columns' stacked CDFs, so there is no loop over hypotheses; the
    targets are searched in sorted order (much faster) and put back in draw order.
    """
    rows, cols = weights.shape
    totals = column_sums(weights)
    safe = np.where(totals > 0, totals, 1.0)
    cdf = np.cumsum(np.ascontiguousarray(weights.T) / safe[:, None], axis=1)  # (cols, rows): CDFs
    cdf[:, -1] = 1.0
    stacked = (cdf + np.arange(cols)[:, None]).ravel()
    targets = column + rng.random(column.shape[0])
    order = np.argsort(targets)
    found = np.empty(column.shape[0], dtype=np.intp)
    found[order] = np.searchsorted(stacked, targets[order], side="right")
    return np.clip(found - column * rows, 0, rows - 1)


@dataclass
class DrawState:
    """Accumulates log pi_h + sum_j log lambda_jh for every draw, and the smallest ESS seen."""

    hypothesis_ids: Sequence[str]  # the places of the judgments kept
    hypothesis: np.ndarray  # (N,) the hypothesis each draw was made under
    posterior: np.ndarray  # (H,) P(h | E), for the ESS floor
    log_weights: np.ndarray  # (N, H)
    ess: float
    judgments: dict[str, np.ndarray] | None = field(default=None)
    # For each pool of candidates resampled given h: its Kish ESS for each h (H,), for the
    # interval ends' Monte Carlo error (items drawn exactly add none).
    pools: list[np.ndarray] = field(default_factory=list)

    def keep(self, name: str, judgment: Judgment, values: np.ndarray) -> None:
        if self.judgments is not None and not judgment.is_point:
            self.judgments[name] = values

    def note_ess(self, weights: np.ndarray) -> None:
        kish = kish_ess(weights)
        counted = self.posterior >= ESS_POSTERIOR_FLOOR
        if counted.any():
            self.ess = min(self.ess, float(kish[counted].min()))
        self.pools.append(kish)


def _rho(const: np.ndarray, index: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Product of the reliabilities on each chain: point ones in `const` (m,), the uncertain
    ones `r` (M, S) at the columns `index` (m, L) names (S: no source there): (M, m). A gather
    per link, not a pass per source: thousands of sources on short chains cost their links."""
    out = np.broadcast_to(const[None, :], (r.shape[0], const.size)).copy()
    for link in range(index.shape[1]):
        column = index[:, link]
        there = column < r.shape[1]
        out *= np.where(there[None, :], r[:, np.where(there, column, 0)], 1.0)
    return out


class _Chains:
    """Each item's chain of reliabilities: its point part and which uncertain sources it uses
    (`index`: their columns, padded with S, one past the last)."""

    def __init__(self, items: Sequence[EvidenceItem], sources: Sequence[str], points: dict[str, float]):
        self.const = np.array([float(np.prod([points.get(s, 1.0) for s in it.chain])) for it in items])
        self.const = self.const.reshape(len(items))
        column = {name: k for k, name in enumerate(sources)}
        used = [sorted({column[s] for s in it.chain if s in column}) for it in items]
        self.index = np.full((len(items), max(map(len, used), default=0)), len(sources), dtype=np.intp)
        for j, links in enumerate(used):
            self.index[j, : len(links)] = links

    def rho(self, r: np.ndarray, rows: slice = slice(None)) -> np.ndarray:
        return _rho(self.const[rows], self.index[rows], r)

    def same_as(self, other: _Chains, j: int | None = None) -> bool:
        """Whether `other` has the same chains (item `j`'s alone, if given)."""
        rows = slice(None) if j is None else slice(j, j + 1)
        return np.array_equal(self.const[rows], other.const[rows]) and np.array_equal(
            np.sort(self.index[rows], axis=1), np.sort(other.index[rows], axis=1)
        )


class _Rates:
    """How a set of items is reported (docs/model.md section 2): each one's credibility kappa,
    or its given hit and false-alarm rates, with b the expected base rate of what it reports.
    Through a chain of reliability rho (model error included): H = c + (1 - c) b and F =
    (1 - c) b with c = kappa rho; or rho hit + (1 - rho) q and rho false_alarm + (1 - rho) q,
    q = hit b + false_alarm (1 - b) the item's expected rate (a point, like b)."""

    def __init__(self, items: Sequence[EvidenceItem], b: np.ndarray) -> None:
        self.items = items
        self.b = b  # (m,)
        self.kappa_mean = np.array([it.credibility.mean for it in items])  # (m,)
        self.rated = np.array([it.rated for it in items], dtype=bool).reshape(len(items))
        self.hit_mean = np.array([it.hit.mean if it.hit else 1.0 for it in items])
        self.false_mean = np.array([it.false_alarm.mean if it.false_alarm else 0.0 for it in items])
        self.q = rated_likelihood(b, self.hit_mean, self.false_mean)  # P(E*) at the base rate

    def given(
        self,
        rho: np.ndarray,
        rows: slice | np.ndarray = slice(None),
        kappa: np.ndarray | None = None,
        hit: np.ndarray | None = None,
        false_alarm: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(H, F) given the chains' reliabilities rho (M, m') of the items `rows`, and their
        kappa, hit and false-alarm values (M, m') where drawn (else at their means)."""
        b, q, rated = self.b[rows][None, :], self.q[rows][None, :], self.rated[rows][None, :]
        c = rho * (self.kappa_mean[rows][None, :] if kappa is None else kappa)
        hit_c, false_c = hit_and_false_alarm(c, b)  # effective_likelihood(c, 1 and 0, b)
        if not rated.any():
            return hit_c, false_c
        own_hit = self.hit_mean[rows][None, :] if hit is None else hit
        own_false = self.false_mean[rows][None, :] if false_alarm is None else false_alarm
        return (
            np.where(rated, chained_rate(rho, own_hit, q), hit_c),
            np.where(rated, chained_rate(rho, own_false, q), false_c),
        )


def _drawn_names(reports: Sequence[EvidenceItem]) -> list[str]:
    """The report parameters a joint pool draws: credibility, and hit and false-alarm rates
    where any report gives them (a report that does not keeps its mean there: unused)."""
    names = ["credibility"]
    if any(it.rated for it in reports):
        names += ["hit", "false_alarm"]
    return names


def _judgment(item: EvidenceItem, name: str) -> Judgment:
    """An item's credibility, hit or false-alarm judgment; an unused rate as the point it
    would be (a report with a credibility has no rates of its own)."""
    value = getattr(item, name)
    return value if value is not None else Point(1.0 if name == "hit" else 0.0)


def _rate_places(item: EvidenceItem) -> list[tuple[str, Judgment, str]]:
    """(place, judgment, drawn name) of how a report is reported, for the kept draws: the
    drawn name is the place's kind (credibility, hit, false_alarm)."""
    return [(place, judgment, place.partition("/")[0]) for place, judgment in reporting_places(item)]


Params = dict[str, np.ndarray]  # a grouped factor's parameters, drawn (M rows) or at their means


class _GroupFactor:
    """What an event's and an origin's factors share: several items (`reports`), one term of
    P(E | h) over them, and the joint pool's interface: `log_expected` given r (exact at the
    judgments' means, every term being linear in each judgment given r, b a point),
    `sample` and `log_given` for the pool, `keep` for the kept draws."""

    factor: Factor
    reports: tuple[EvidenceItem, ...]
    chains: _Chains
    uncertain: bool

    def log_expected(self, r: np.ndarray, columns: Sequence[int] | slice = slice(None)) -> np.ndarray:
        """log E[the factor | r, h]: (M, cols), over r's rows in chunks (a (rows, reports) array of
        each rate: thousands of reports over the whole pool were gigabytes)."""
        params = self.mean_params(columns)
        return _by_rows(r, len(self.reports), lambda rows: self.log_given(self.chains.rho(rows), params))

    def mean_params(self, columns: Sequence[int] | slice = slice(None)) -> Params:
        raise NotImplementedError

    def sample(self, rng: np.random.Generator, size: int) -> Params:
        raise NotImplementedError

    def log_given(self, rho: np.ndarray, params: Params) -> np.ndarray:
        """log of the factor given the reports' chains rho (M, n) and `params`: (M, cols)."""
        raise NotImplementedError

    def keep(self, state: DrawState, params: Params) -> None:
        raise NotImplementedError

    def _sample_reporting(self, rng: np.random.Generator, size: int) -> Params:
        """Draws of the reports' parameters, (size, n) each; a parameter that is a point for
        every report is left out (at its means, as `_drawn` reads it): a point draws nothing,
        and (pool, reports) copies of it were gigabytes for thousands of reports."""
        return {
            name: np.column_stack([_judgment(it, name).sample(rng, size) for it in self.reports])
            for name in _drawn_names(self.reports)
            if not all(_judgment(it, name).is_point for it in self.reports)
        }

    def _keep_reporting(self, state: DrawState, params: Params) -> None:
        for i, item in enumerate(self.reports):
            for place, judgment, name in _rate_places(item):
                if name in params:  # else a point for every report: nothing to keep
                    state.keep(place, judgment, params[name][:, i])


def _by_rows(r: np.ndarray, width: int, of: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """`of` over r's rows in chunks of at most CHUNK_ELEMENTS (rows x width) elements, stacked."""
    step = max(1, CHUNK_ELEMENTS // max(1, width))
    if r.shape[0] <= step:
        return of(r)
    return np.vstack([of(r[start : start + step]) for start in range(0, r.shape[0], step)])


def _log_sums(hit: np.ndarray, false_alarm: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The sums over the reports of log H and log F, row by row: (M, 1) each."""
    with np.errstate(divide="ignore"):
        return row_sums(np.log(hit))[:, None], row_sums(np.log(false_alarm))[:, None]


def _drawn(params: Params) -> dict[str, np.ndarray | None]:
    """The reports' parameters in `params` (None where at their means), as _Rates takes them."""
    return {
        "kappa": params.get("credibility"),
        "hit": params.get("hit"),
        "false_alarm": params.get("false_alarm"),
    }


class _EventFactor(_GroupFactor):
    """One event and the items reporting it: P(R_1..R_n | h) of docs/model.md section 2."""

    def __init__(self, factor: Factor, sources: Sequence[str], points: dict[str, float]) -> None:
        assert factor.event is not None
        self.factor = factor
        self.event, self.reports = factor.event, factor.items
        self.chains = _Chains(self.reports, sources, points)
        self.theta_mean = np.array([j.mean for j in self.event.likelihoods])  # (H,)
        # The rate of a report that says nothing: the event's expected base rate, a point.
        self.b = float(self.theta_mean.mean())
        self.rates = _Rates(self.reports, np.full(len(self.reports), self.b))
        self.uncertain = not all(j.is_point for j in self.event.likelihoods) or not all(
            j.is_point for it in self.reports for _, j in reporting_places(it)
        )

    def mean_params(self, columns: Sequence[int] | slice = slice(None)) -> Params:
        return {"theta": self.theta_mean[columns][None, :]}

    def sample(self, rng: np.random.Generator, size: int) -> Params:
        theta = np.column_stack([j.sample(rng, size) for j in self.event.likelihoods])
        return {"theta": theta, **self._sample_reporting(rng, size)}

    def log_given(self, rho: np.ndarray, params: Params) -> np.ndarray:
        """log P(R | h) for theta (M or 1, cols) and the reports' chains rho (M, n), with the
        reports' parameters drawn (kappa, hit, false_alarm: (M, n)) or at their means."""
        hit, false_alarm = self.rates.given(rho, **_drawn(params))
        return self._log_of(params["theta"], *_log_sums(hit, false_alarm))

    def log_sums(self, r: np.ndarray, rows: slice = slice(None)) -> tuple[np.ndarray, ...]:
        """The factor's sums over the reports `rows` given r, at the means (what leave-one-out
        takes a report's share out of): of log H and of log F, (M, 1) each."""

        def sums(part: np.ndarray) -> np.ndarray:
            return np.hstack(_log_sums(*self.rates.given(self.chains.rho(part, rows), rows)))

        both = _by_rows(r, len(self.reports), sums)
        return both[:, :1], both[:, 1:]

    def log_from_sums(self, log_hit: np.ndarray, log_false: np.ndarray) -> np.ndarray:
        """log E[the factor | r, h] from `log_sums` (some reports' taken out: leave-one-out)."""
        return self._log_of(self.theta_mean[None, :], log_hit, log_false)

    @staticmethod
    def _log_of(theta: np.ndarray, log_hit: np.ndarray, log_false: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return event_log_likelihood(np.log(theta), np.log1p(-theta), log_hit, log_false, np.logaddexp)

    def keep(self, state: DrawState, params: Params) -> None:
        for col, judgment in enumerate(self.event.likelihoods):
            place = likelihood_place(self.event.id, state.hypothesis_ids[col])
            state.keep(place, judgment, params["theta"][:, col])
        self._keep_reporting(state, params)


class _OriginFactor(_GroupFactor):
    """A possible common origin and its items: s Lambda_h + (1 - s) prod_j lambda_jh of
    docs/model.md section 2. Lambda_h is the event with the origin's likelihoods reported by the
    items (the noise rate the origin's base rate); lambda_jh each item alone (its own base rate).
    An item's credibility or rates are the same in both branches."""

    def __init__(self, factor: Factor, sources: Sequence[str], points: dict[str, float]) -> None:
        assert factor.origin is not None
        self.factor = factor
        self.origin, self.reports = factor.origin, factor.items
        as_event = Event(self.origin.id, self.origin.label, self.origin.likelihoods)
        self.event = _EventFactor(Factor(factor.items, as_event), sources, points)
        self.chains = self.event.chains
        self.own_mean = np.array([[j.mean for j in it.likelihoods] for it in self.reports])  # (n, H)
        self.own_rates = _Rates(self.reports, self.own_mean.mean(axis=1))
        self.shared_mean = self.origin.shared.mean
        self.uncertain = (
            self.event.uncertain
            or not self.origin.shared.is_point
            or not all(j.is_point for it in self.reports for j in it.likelihoods)
        )

    def mean_params(self, columns: Sequence[int] | slice = slice(None)) -> Params:
        return {
            "theta": self.event.theta_mean[columns][None, :],
            "own": self.own_mean[:, columns][None],
            "shared": np.array([self.shared_mean]),
        }

    def sample(self, rng: np.random.Generator, size: int) -> Params:
        own = np.stack(
            [np.column_stack([j.sample(rng, size) for j in it.likelihoods]) for it in self.reports], axis=1
        )
        return {**self.event.sample(rng, size), "own": own, "shared": self.origin.shared.sample(rng, size)}

    def log_given(self, rho: np.ndarray, params: Params) -> np.ndarray:
        """The mixture for the origin's theta (M or 1, cols), the items' own theta (M or 1, n,
        cols), s (M or 1,) and the items' chains rho (M, n), their reporting as in an event."""
        shared_log = self.event.log_given(rho, params)
        hit, false_alarm = self.own_rates.given(rho, **_drawn(params))
        with np.errstate(divide="ignore"):
            lam = rated_likelihood(params["own"], hit[:, :, None], false_alarm[:, :, None])
            own = np.ascontiguousarray(np.log(lam).transpose(1, 0, 2)).sum(axis=0)  # over the items
            s = params["shared"][:, None]
            return origin_log_likelihood(np.log(s), np.log1p(-s), shared_log, own, np.logaddexp)

    def log_sums(self, r: np.ndarray, rows: slice = slice(None)) -> tuple[np.ndarray, ...]:
        """As an event's, and the sum of the items' own log lambda (each alone): (M, H)."""

        def sums(part: np.ndarray) -> np.ndarray:
            rho = self.chains.rho(part, rows)
            shared = _log_sums(*self.event.rates.given(rho, rows))
            hit, false_alarm = self.own_rates.given(rho, rows)
            with np.errstate(divide="ignore"):
                lam = rated_likelihood(self.own_mean[rows][None], hit[:, :, None], false_alarm[:, :, None])
                return np.hstack([*shared, np.log(lam).sum(axis=1)])

        both = _by_rows(r, len(self.reports), sums)
        return both[:, :1], both[:, 1:2], both[:, 2:]

    def log_from_sums(self, log_hit: np.ndarray, log_false: np.ndarray, own: np.ndarray) -> np.ndarray:
        shared = self.event.log_from_sums(log_hit, log_false)
        s = self.shared_mean
        with np.errstate(divide="ignore"):
            return origin_log_likelihood(np.log(s), np.log1p(-s), shared, own, np.logaddexp)

    def keep(self, state: DrawState, params: Params) -> None:
        self.event.keep(state, params)  # the origin's likelihoods (its place) and the items' reporting
        for i, item in enumerate(self.reports):
            for col, judgment in enumerate(item.likelihoods):
                place = likelihood_place(item.id, state.hypothesis_ids[col])
                state.keep(place, judgment, params["own"][:, i, col])
        state.keep(shared_place(self.origin.id), self.origin.shared, params["shared"])


def group_factor(factor: Factor, sources: Sequence[str], points: dict[str, float]) -> _GroupFactor:
    """The scorer of an event's or an origin's factor."""
    kind = _OriginFactor if factor.origin is not None else _EventFactor
    return kind(factor, sources, points)


class ComponentScore:
    """What the three strategies share: the component's items and events given r, their
    exact draws given (h, r), and the joint pool for uncertain events. Subclasses say how r is
    integrated out (`log_factor`) and drawn given h (`_draw_reliability`)."""

    def __init__(self, component: Component, n_hyp: int, reliability: dict[str, Judgment], seed: int) -> None:
        self.component = component
        self.reliability = reliability  # every source's judgment: leave-one-out regroups
        self.sources = list(component.sources)  # the uncertain ones
        names = [name for name, _ in self.sources]
        points = {s: j.mean for s, j in reliability.items() if j.is_point}
        self.n_hyp = n_hyp
        self.items = component.items
        self.theta_mean = np.array([[j.mean for j in it.likelihoods] for it in self.items]).reshape(
            len(self.items), n_hyp
        )  # (m, H)
        self.mix_mean = self.theta_mean.mean(axis=1)  # (m,): each item's expected base rate b
        self.rates = _Rates(self.items, self.mix_mean)
        self.kappa_mean = self.rates.kappa_mean
        self.chains = _Chains(self.items, names, points)
        self.events = [group_factor(f, names, points) for f in component.events]
        # The stream of a sampled pool, named by its sources (see Component.seed_key).
        self.seed = [seed, component.seed_key]
        self.mcse_batches: np.ndarray | None = None  # (batches, H) log factors, sampled only

    @property
    def method(self) -> str:
        return self.component.method

    def r_mean(self) -> np.ndarray:
        return np.array([[j.mean for _, j in self.sources]]).reshape(1, len(self.sources))

    def cond_log(self, r: np.ndarray, columns: Sequence[int] | slice = slice(None)) -> np.ndarray:
        """log E[prod of the component's factors | r, h]: (M, cols), r (M, S)."""
        total = self.items_cond_log(r, columns)
        for event in self.events:
            total += event.log_expected(r, columns)
        return total

    def items_cond_log(self, r: np.ndarray, columns: Sequence[int] | slice = slice(None)) -> np.ndarray:
        """log E[prod of the component's items' factors | r, h] (events left out): (M, cols)."""
        theta = self.theta_mean[:, columns]
        total = np.zeros((r.shape[0], theta.shape[1]))
        if self.items:
            step = max(1, CHUNK_ELEMENTS // max(1, theta.size))
            for start in range(0, r.shape[0], step):
                rho = self.chains.rho(r[start : start + step])
                lam = self.item_lambda(rho, columns=columns)  # (M, m, cols)
                # Summed over the items from an (m, M, cols) copy: NumPy sums the middle axis of
                # a (M, few, few) array ~40 times slower than the first of a contiguous one.
                total[start : start + step] += log(np.ascontiguousarray(lam.transpose(1, 0, 2))).sum(axis=0)
        return total

    def item_lambda(
        self, rho: np.ndarray, rows: slice = slice(None), columns: Sequence[int] | slice = slice(None)
    ) -> np.ndarray:
        """lambda_jh of the items `rows` given their chains' reliabilities rho (M, m'), at the
        means of their own judgments: (M, m', cols). A credible item's is c theta + (1 - c) b,
        c = kappa rho, as always; a rated one's theta H + (1 - theta) F."""
        theta = self.theta_mean[rows][:, columns][None]
        c = (rho * self.kappa_mean[None, rows])[:, :, None]
        lam = effective_likelihood(c, theta, self.mix_mean[None, rows, None])
        rated = self.rates.rated[rows]
        if rated.any():
            hit, false_alarm = self.rates.given(rho, rows)
            own = rated_likelihood(theta, hit[:, :, None], false_alarm[:, :, None])
            lam = np.where(rated[None, :, None], own, lam)
        return lam

    def log_factor(self) -> np.ndarray:
        """log E[prod of the component's factors | h]: (H,)."""
        raise NotImplementedError

    def log_factor_without(self) -> dict[str, np.ndarray]:
        """log E[prod of the rest | h] without each unit (`Component.units`), by id."""
        if self.events:
            return {unit: self.rest_without(unit) for unit in self.component.units}
        return self._closed_form_without()

    def rest_without(self, unit: str) -> np.ndarray:
        """log E[prod of the rest | h] without `unit`, the rest split into the components it
        now forms, each scored as in a case without the unit."""
        return self._scored(regroup(self.component, unit, self.reliability))

    def _scored(self, parts: Sequence[Component]) -> np.ndarray:
        total = np.zeros(self.n_hyp)
        for part in parts:
            total = total + score_component(part, self.n_hyp, self.reliability, self.seed[0]).log_factor()
        return total

    def _closed_form_without(self) -> dict[str, np.ndarray]:
        """Items only, exact at E[r] (no uncertain source, or one item through one): each
        item's row left out of the sum by prefix and suffix sums (no -inf subtracted)."""
        rows = log(self.item_lambda(self.chains.rho(self.r_mean()))[0])
        return dict(zip([it.id for it in self.items], _sum_of_others(rows), strict=True))

    def _draw_reliability(self, state: DrawState, rng: np.random.Generator) -> np.ndarray:
        """r given each draw's h: (N, S)."""
        raise NotImplementedError

    def draw(self, state: DrawState, n: int, rng: np.random.Generator) -> None:
        """Add log lambda_jh of each item's posterior draws (and each event's) to every draw's
        log weights."""
        chosen: dict[int, Params] = {}  # an uncertain event's (origin's) index -> its draws
        if any(factor.uncertain for factor in self.events):
            r, chosen = self._joint_draw(state, n, rng)
        elif self.sources:
            r = self._draw_reliability(state, rng)
        else:  # no uncertain source: nothing to draw
            r = np.empty((state.hypothesis.shape[0], 0))
        for k, (name, judgment) in enumerate(self.sources):
            if name == MODEL_ERROR:  # the link's reliability is 1 - model_error
                state.keep(MODEL_ERROR_PLACE, judgment, 1.0 - r[:, k])
            else:
                state.keep(reliability_place(name), judgment, r[:, k])
        if self.items:
            rho = self.chains.rho(r)  # (N, m)
            for j, item in enumerate(self.items):
                _draw_item(item, rho[:, j], state, rng)
        for index, factor in enumerate(self.events):
            if index in chosen:
                params = chosen[index]
                factor.keep(state, params)
            else:
                params = factor.mean_params()
            state.log_weights += factor.log_given(factor.chains.rho(r), params)

    def _joint_draw(
        self, state: DrawState, n: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, dict[int, Params]]:
        """The component's reliabilities and its uncertain events' (origins') parameters,
        jointly given h.

        An event's parameters given (h, r) have no closed form to sample from, and their
        weight depends on r, so they are drawn together: a pool of candidates from the joint
        prior, weighted by the items' exact expectation given r times each event's realised
        P(R | h, theta, c), resampled per draw's h. Per-draw resampling from a handful of
        candidates would be biased towards the prior (its bias is order 1/candidates). The pool
        is sized by its own error: it doubles (from max(n, JOINT_START) candidates, never beyond
        max(n, JOINT_POOL), nor past pool_draws' bound on the reliabilities held) until its Kish
        ESS for every hypothesis that counts (posterior at least ESS_POSTERIOR_FLOOR) is
        JOINT_ESS_RATIO times the draws, so that its share of the intervals' Monte Carlo error is
        a small part of the draws' own (docs/model.md section 3). The tensor rule's components
        draw their reliabilities given h here too, with no event's parameters."""
        # Never more reliabilities than a sampled pool may hold (pool_draws: fewer candidates
        # past 256 sources), unless the draws themselves need more.
        cap = max(n, min(JOINT_POOL, pool_draws(len(self.sources))))
        pool, params, log_w = self._candidates(min(max(n, JOINT_START), cap), rng)
        counted = state.posterior >= ESS_POSTERIOR_FLOOR
        while True:
            with np.errstate(invalid="ignore"):
                weights = np.exp(log_w - column_max(log_w))
            weights = np.where(np.isfinite(weights), weights, 0.0)
            kish = kish_ess(weights)
            enough = not counted.any() or kish[counted].min() >= JOINT_ESS_RATIO * n
            if enough or pool.shape[0] >= cap:
                break
            more = self._candidates(min(pool.shape[0], cap - pool.shape[0]), rng)
            pool, log_w = np.concatenate([pool, more[0]]), np.concatenate([log_w, more[2]])
            params = {
                index: {name: np.concatenate([drawn[name], more[1][index][name]]) for name in drawn}
                for index, drawn in params.items()
            }
        state.note_ess(weights)
        pick = resample_columns(weights, state.hypothesis, rng)
        return pool[pick], {
            index: {name: values[pick] for name, values in drawn.items()} for index, drawn in params.items()
        }

    def _candidates(
        self, size: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, dict[int, Params], np.ndarray]:
        """`size` candidates from the joint prior (reliabilities, uncertain events' parameters)
        and their log weights given each h: (size, S), by event, (size, H)."""
        pool = np.empty((size, len(self.sources)))
        for k, (_, judgment) in enumerate(self.sources):
            pool[:, k] = judgment.sample(rng, size)
        log_w = self.items_cond_log(pool)
        params: dict[int, Params] = {}
        for index, factor in enumerate(self.events):
            if factor.uncertain:
                params[index] = factor.sample(rng, size)
            # In blocks of pool rows: (pool, reports) temporaries were gigabytes at thousands of
            # reports. A block holds about a million values (a few of its temporaries are alive at
            # once), whatever the pool's size, so the peak is the same for any number of reports.
            step = max(1, POOL_BLOCK_ELEMENTS // max(1, len(factor.reports)))
            for first in range(0, size, step):
                rows = slice(first, first + step)
                if index not in params:  # exact: a point event's P(R | h, r)
                    log_w[rows] += factor.log_expected(pool[rows])
                    continue
                block = {name: v[rows] if v.shape[0] == size else v for name, v in params[index].items()}
                log_w[rows] += factor.log_given(factor.chains.rho(pool[rows]), block)
        return pool, params, log_w


class Exact(ComponentScore):
    """No uncertain source: every factor in closed form at the judgments' means."""

    def log_factor(self) -> np.ndarray:
        return self.cond_log(self.r_mean())[0]

    def log_factor_without(self) -> dict[str, np.ndarray]:
        """An event alone (no uncertain source couples it to anything): each report left out in
        closed form, O(reports), where rebuilding the event without each report was O(reports^2)
        (2,000 reports took minutes). Anything else as every component does."""
        if self.items or len(self.events) != 1 or not isinstance(self.events[0], _EventFactor):
            return super().log_factor_without()
        event = self.events[0]
        hit, false_alarm = event.rates.given(event.chains.rho(self.r_mean()))  # (1, n)
        theta = event.theta_mean[None, :]
        with np.errstate(divide="ignore"):
            rest = event_log_likelihood(
                np.log(theta),
                np.log1p(-theta),
                _sum_of_others(np.log(hit[0]))[:, None],
                _sum_of_others(np.log(false_alarm[0]))[:, None],
                np.logaddexp,
            )  # (n, H): the event over the other reports
        if len(event.reports) == 1:  # the event goes with its last report
            rest = np.zeros_like(rest)
        return {
            event.factor.owner: np.zeros(self.n_hyp),
            **dict(zip([r.id for r in event.reports], rest, strict=True)),
        }


class PointItems(ComponentScore):
    """Standalone items with point judgments on no uncertain source (Component.points_only):
    every one exact, so one (m, H) block of log lambda_jh, summed at once. Its interval draws
    add that constant sum and draw nothing, so merging the items changes no random stream."""

    def __init__(
        self,
        component: Component,
        n_hyp: int,
        reliability: dict[str, Judgment],
        seed: int,
        rows: np.ndarray | None = None,
    ) -> None:
        """`rows`: the items' log lambda_jh (m, H), as the compiled case holds them; else
        computed from the items (`score_component` on a component made elsewhere)."""
        if rows is None:
            super().__init__(component, n_hyp, reliability, seed)
            rows = log(self.item_lambda(self.chains.rho(self.r_mean()))[0])
        else:  # what the engine reads of a component, without the per-item set-up
            self.component, self.reliability, self.n_hyp = component, reliability, n_hyp
            self.sources, self.events, self.items = [], [], component.members
            self.seed, self.mcse_batches = [seed, component.seed_key], None
        self.rows = rows
        self.total = rows.sum(axis=0)

    def log_factor(self) -> np.ndarray:
        return self.total

    def log_factor_without(self) -> dict[str, np.ndarray]:
        return dict(zip([it.id for it in self.items], _sum_of_others(self.rows), strict=True))

    def draw(self, state: DrawState, n: int, rng: np.random.Generator) -> None:  # noqa: ARG002
        state.log_weights += self.total


def _sum_of_others(x: np.ndarray) -> np.ndarray:
    """For each row i, the sum of the rows of x without row i, from sums before and after it
    (no -inf is ever subtracted from a total)."""
    zero = np.zeros((1, *x.shape[1:]))
    before = np.cumsum(np.concatenate([zero, x]), axis=0)
    after = np.cumsum(np.concatenate([zero, x[::-1]]), axis=0)[::-1]
    return before[:-1] + after[1:]


def _mass_region(log_w: np.ndarray, tail: float = 1e-12) -> tuple[int, int]:
    """First and last cells of the region holding all but `tail` of the mass at each end."""
    weights = np.exp(log_w - np.max(log_w))
    cumulative = np.cumsum(weights) / weights.sum()
    first = int(np.searchsorted(cumulative, tail))
    last = int(min(np.searchsorted(cumulative, 1.0 - tail), log_w.size - 1))
    return first, last


class Grid(ComponentScore):
    """One uncertain source: its factor exactly by the source's Gauss rule (quadrature.py, as
    `Quadrature`), and the posterior of its reliability r given each h on a quadrature grid of
    its own for the interval draws (r is one-dimensional, so a grid is accurate where importance
    sampling from r's prior would collapse as items accumulate). Past RULE_NODES nodes (a
    source used by more than 127 items) the grid gives the factor too.

    The grid is built when first needed (the interval draws; the factor past the rule): a
    leave-one-out or what-if rescoring asks for the factor only."""

    def __init__(self, component: Component, n_hyp: int, reliability: dict[str, Judgment], seed: int) -> None:
        super().__init__(component, n_hyp, reliability, seed)
        judgment = self.sources[0][1]
        assert isinstance(judgment, Beta)
        self.beta = judgment
        # The map t -> r of the grid: r = (1 - (1 - t)^(1/b'))^(1/a'), the quantile function of
        # Kumaraswamy(a', b') with a' = min(a, 1), b' = min(b, 1). Its density has the Beta's
        # r^(a-1) and (1 - r)^(b-1) singularities, so p(r) dr = p(r) / k(r) dt is bounded in t and
        # the quadrature keeps its accuracy next to an end where the Beta density is infinite.
        # With a, b >= 1 it is the identity.
        self.ka, self.kb = min(judgment.a, 1.0), min(judgment.b, 1.0)
        # Exact where the rule fits: the grid's two Gauss-Legendre nodes per cell were off by up
        # to 6e-6 in log P(E) next to an end where the Beta's slope is infinite (1 < b < 2).
        self._exact = (
            Quadrature(component, n_hyp, reliability, seed) if quadrature.fits(component.degrees) else None
        )

    @cached_property
    def _built(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self._grid()

    @property
    def edges(self) -> np.ndarray:
        return self._built[0]

    @property
    def nodes(self) -> np.ndarray:
        return self._built[1]

    @property
    def log_w(self) -> np.ndarray:
        return self._built[2]

    def _to_t(self, r: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # r = 1 is t = 1
            return -np.expm1(self.kb * np.log1p(-(r**self.ka)))

    def _to_r(self, t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):  # t = 1 is r = 1
            return (-np.expm1(np.log1p(-t) / self.kb)) ** (1.0 / self.ka)

    def _nodes(self, edges: np.ndarray, columns: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Quadrature nodes (as r) over the cells `edges` (in t) and their log weights for the
        hypotheses `columns`: log(prior density / map density x node weight) + log E[prod_j
        lambda_jh | r = node].

        Two Gauss-Legendre nodes per cell (exact for cubics): a midpoint rule would be off by
        ~1e-4 where the prior's tail and the items' likelihood both fall steeply across a cell.
        Chunked over nodes so that thousands of items and hypotheses never need one (nodes,
        items, hypotheses) array."""
        a, b, ka, kb = self.beta.a, self.beta.b, self.ka, self.kb
        half = 0.5 * np.diff(edges)
        middle = 0.5 * (edges[:-1] + edges[1:])
        t = (middle[:, None] + np.outer(half, [-1.0, 1.0]) / np.sqrt(3.0)).ravel()
        nodes = self._to_r(t)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # log r and log(1 - r) straight from t: near an end, r itself rounds to 0 or 1.
            log_w = np.log1p(-t) / kb  # log(1 - r^ka)
            log_r = np.log(-np.expm1(log_w)) / ka
            if ka == 1.0:
                log_1mr = log_w
            else:  # 1 - r = 1 - (1 - w)^(1/ka) ~ w / ka for tiny w
                log_1mr = np.where(
                    log_w < -30, log_w - math.log(ka), np.log(-np.expm1(np.log1p(-np.exp(log_w)) / ka))
                )
            log_beta = math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)
            log_map = math.log(ka) + math.log(kb) + (ka - 1) * log_r + (kb - 1) * log_w
            log_prior = (a - 1) * log_r + (b - 1) * log_1mr - log_beta - log_map + np.repeat(np.log(half), 2)
        log_prior = np.where(np.isnan(log_prior), -np.inf, log_prior)
        out = self.cond_log(nodes[:, None], list(columns))
        return nodes, log_prior[:, None] + out

    def _grid(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each h's cells (cells + 1, H) in t, nodes (nodes, H) in r, and their log weights
        (nodes, H), summing (in exp) to E[prod lambda_jh].

        The posterior of r can sit anywhere, far in the prior's tail included (the likelihood
        in r is log-concave, its peak as narrow as the items make it), so the first pass covers
        all of [0, 1] as well as the prior's bulk, and each h's grid then zooms onto the cells
        holding all but 1e-12 of its mass until they span at least half of the grid."""
        judgment = self.beta
        sd = np.sqrt(judgment.mean * (1 - judgment.mean) / (judgment.a + judgment.b + 1))
        bulk = np.linspace(
            max(0.0, judgment.mean - 12 * sd), min(1.0, judgment.mean + 12 * sd), GRID_CELLS + 1
        )
        start = np.unique(np.concatenate([np.linspace(0.0, 1.0, GRID_CELLS + 1), self._to_t(bulk)]))
        start_nodes, start_w = self._nodes(start, range(self.n_hyp))
        all_edges = np.empty((GRID_CELLS + 1, self.n_hyp))
        all_nodes = np.empty((2 * GRID_CELLS, self.n_hyp))
        grid = np.empty((2 * GRID_CELLS, self.n_hyp))
        for k in range(self.n_hyp):
            edges, nodes, log_w = start, start_nodes, start_w[:, k]
            for _ in range(GRID_ZOOMS):
                first, last = (i // 2 for i in _mass_region(log_w))
                if edges.size == GRID_CELLS + 1 and last - first >= GRID_CELLS // 2:
                    break
                lo, hi = edges[max(first - 1, 0)], edges[min(last + 2, edges.size - 1)]
                edges = np.linspace(lo, hi, GRID_CELLS + 1)
                nodes, column = self._nodes(edges, [k])
                log_w = column[:, 0]
            all_edges[:, k], grid[:, k] = edges, log_w
            all_nodes[:, k] = nodes
        return all_edges, all_nodes, grid

    def log_factor(self) -> np.ndarray:
        """By the Gauss rule; past it, exact at E[r] for one item and no event (linear in r),
        else the grid."""
        if self._exact is not None:
            return self._exact.log_factor()
        if len(self.items) == 1 and not self.events:
            return self.cond_log(self.r_mean())[0]
        return logsumexp(self.log_w, axis=0)

    def log_factor_without(self) -> dict[str, np.ndarray]:
        """Items only: each item's factor divided out of the grid (one pass over the items, not
        a new grid per item); an item whose removal moves r's posterior against the grid's edge
        gets a grid of its own. With events, each unit's component is rebuilt without it.
        Within the Gauss rule, the rule's leave-one-out (exact)."""
        if self._exact is not None:
            return self._exact.log_factor_without()
        if self.events or len(self.items) == 1:
            return super().log_factor_without()
        n_items = len(self.items)
        ids = [it.id for it in self.items]
        out = np.empty((n_items, self.n_hyp))
        step = max(1, CHUNK_ELEMENTS // self.log_w.shape[0])  # items per block: bounded memory
        for k in range(self.n_hyp):
            edges, log_w = self.edges[:, k], self.log_w[:, k, None]
            for first in range(0, n_items, step):
                block = slice(first, first + step)
                rho = self.chains.rho(self.nodes[:, k, None], block)
                log_item = log(self.item_lambda(rho, block, [k])[:, :, 0])
                with np.errstate(invalid="ignore"):  # -inf - -inf: a node the item alone rules out
                    without = np.where(np.isfinite(log_w), log_w - log_item, -np.inf)
                out[block, k] = logsumexp(without, axis=0)
                # Mass piling up in an end cell (not at 0 or 1) means r moved off this grid.
                share = np.exp(without - out[None, block, k])
                leaks = ((share[:2].sum(axis=0) > 1e-9) & (edges[0] > 0.0)) | (
                    (share[-2:].sum(axis=0) > 1e-9) & (edges[-1] < 1.0)
                )
                for j in first + np.flatnonzero(leaks):
                    out[j, k] = self._rebuilt_without(ids[j])[k]
        return dict(zip(ids, out, strict=True))

    def _rebuilt_without(self, unit: str) -> np.ndarray:
        """A grid of its own for the component without one of its items (same source)."""
        factors = tuple(f for f in self.component.factors if f.items[0].id != unit)
        members = tuple(it for it in self.component.members if it.id != unit)
        other = Component(self.component.sources, factors, members)
        return Grid(other, self.n_hyp, self.reliability, self.seed[0]).log_factor()

    def _draw_reliability(self, state: DrawState, rng: np.random.Generator) -> np.ndarray:
        weights = np.exp(self.log_w - column_max(self.log_w))
        node = resample_columns(weights, state.hypothesis, rng)
        # The node itself: thousands of nodes span r's posterior, far finer than the
        # intervals' Monte Carlo error, and each carries exactly its quadrature weight.
        return self.nodes[node, state.hypothesis][:, None]


class Sampled(ComponentScore):
    """Two or more uncertain sources: importance sampling over their reliabilities from their
    prior, exact given them. Batch estimates give the Monte Carlo error; the pool serves the
    interval draws and leave-one-out."""

    def __init__(
        self,
        component: Component,
        n_hyp: int,
        reliability: dict[str, Judgment],
        seed: int,
        like: Sampled | None = None,
    ) -> None:
        """`like`: a component on the same sources and seed (so the same reliability draws) with
        the same items and events, some judged differently: its pool is reused and only what
        differs is taken out of its weights and put back (pool's cruxes: one edit at a time)."""
        super().__init__(component, n_hyp, reliability, seed)
        draws = pool_draws(len(self.sources))
        size = draws // SOURCE_BATCHES
        changed = self._changed_from(like) if like is not None else None
        if like is not None and changed is not None:
            pool, log_w = like.pool, like.pool_log_w.copy()
            self.pool_event_log = list(like.pool_event_log)
            for j in changed[0]:
                rows = slice(j, j + 1)
                log_w -= log(like.item_lambda(like.chains.rho(pool, rows), rows)[:, 0, :])
                log_w += log(self.item_lambda(self.chains.rho(pool, rows), rows)[:, 0, :])
            for k in changed[1]:
                log_w -= like.pool_event_log[k]
                self.pool_event_log[k] = self.events[k].log_expected(pool)
                log_w += self.pool_event_log[k]
        else:
            pool = np.empty((draws, len(self.sources)))
            for k, (name, judgment) in enumerate(self.sources):
                pool[:, k] = judgment.sample(source_stream(self.seed[0], name), draws)
            log_w = self._weigh(pool, size)
        self.pool, self.pool_log_w = pool, log_w
        self._event_sums: dict[int, tuple[np.ndarray, ...]] = {}  # leave-one-out's
        self._summarise(log_w, size)

    def _weigh(self, pool: np.ndarray, block: int) -> np.ndarray:
        """log E[prod of the factors | r, h] at each row of the pool (rows, H), the items' in
        blocks of rows. Each event's own term over the pool is computed once: summed into the
        weights here (as cond_log does) and kept for leave-one-out, which divides it out
        instead of redoing it."""
        self.pool_event_log = [factor.log_expected(pool) for factor in self.events]
        log_w = np.empty((pool.shape[0], self.n_hyp))
        for first in range(0, pool.shape[0], block):
            log_w[first : first + block] = self.items_cond_log(pool[first : first + block])
        for event_log in self.pool_event_log:
            log_w += event_log
        return log_w

    def _summarise(self, log_w: np.ndarray, size: int) -> None:
        """The pool's log mean weight, each batch's (for the error) and its Kish ESS, from one
        pass of exp over the weights scaled by their peak (a batch whose every weight underflows
        there is redone with its own peak)."""
        peak = column_max(log_w)
        peak = np.where(np.isfinite(peak), peak, 0.0)
        with np.errstate(invalid="ignore"):
            weights = np.exp(log_w - peak)
        weights = np.where(np.isfinite(weights), weights, 0.0)
        # Batch sums along contiguous rows (NumPy sums a middle axis of few columns slowly).
        sums = np.ascontiguousarray(weights.T).reshape(-1, SOURCE_BATCHES, size).sum(axis=2).T
        with np.errstate(divide="ignore"):
            batches = np.log(sums) + peak - math.log(size)
            self.sampled_log = np.log(sums.sum(axis=0)) + peak[0] - math.log(log_w.shape[0])
        lost = (sums == 0) & (peak > -np.inf)
        if lost.any():
            redo = logsumexp(log_w.reshape(SOURCE_BATCHES, size, -1), axis=1) - math.log(size)
            batches = np.where(lost, redo, batches)
        self.mcse_batches = batches
        self.pool_ess = kish_ess(weights)

    def _changed_from(self, like: Sampled) -> tuple[list[int], list[int]] | None:
        """The items and events judged differently from `like`'s, or None when `like` is not the
        same component otherwise (other sources, seed, pool size, items or events)."""
        same_shape = (
            like.component.sources == self.component.sources
            and like.seed == self.seed
            and like.pool.shape[0] == pool_draws(len(self.sources))
            and [it.id for it in like.items] == [it.id for it in self.items]
            and [(f.factor.owner, [r.id for r in f.reports]) for f in like.events]
            == [(f.factor.owner, [r.id for r in f.reports]) for f in self.events]
        )
        if not same_shape:
            return None
        items = [
            j
            for j, (a, b) in enumerate(zip(like.items, self.items, strict=True))
            if a != b or not like.chains.same_as(self.chains, j)
        ]
        events = [
            k
            for k, (a, b) in enumerate(zip(like.events, self.events, strict=True))
            if a.factor != b.factor or not a.chains.same_as(b.chains)
        ]
        return items, events

    def log_factor(self) -> np.ndarray:
        return self.sampled_log

    def log_factor_without(self) -> dict[str, np.ndarray]:
        return {unit: self.rest_without(unit) for unit in self.component.units}

    def rest_without(self, unit: str) -> np.ndarray:
        # When the rest is still one sampled component, on these sources or fewer, each
        # source's draws being its own stream (`source_stream`), the rest scored anew would draw
        # the very columns of this pool that it uses, and a column it no longer uses leaves its
        # weights alone. So the unit's factor is taken out of the pool's weights: the same number
        # as rescoring (to rounding), without a pool (or a regrouping) per report of an event.
        # A term that is -inf somewhere (a hypothesis ruled out) cannot be taken out: rescored.
        if self._stays_whole(unit):
            rest = self._pool_without(unit)
            if rest is not None:
                return rest
        parts = regroup(self.component, unit, self.reliability)
        mine = {name for name, _ in self.sources}
        if (
            len(parts) == 1
            and parts[0].method == "sampled"
            and {n for n, _ in parts[0].sources} <= mine
            and pool_draws(len(parts[0].sources)) == self.pool.shape[0]
        ):
            rest = self._pool_without(unit)
            if rest is not None:
                return rest
        return self._scored(parts)

    def _stays_whole(self, unit: str) -> bool:
        """Whether the component without the item `unit` is, without regrouping, one sampled
        component on a subset of its sources. So when each uncertain source of the item is its
        alone, or (a report) shared with another report of its group, which keeps that link; a
        standalone item may also share one source, whose other users stay joined by it."""
        where = self._where.get(unit)
        if where is None:
            return False  # a whole event or origin: regrouped
        factor, item = where
        uncertain = {s for s in item.chain if s in self._users}
        alone = {s for s in uncertain if self._users[s] == 1}
        if len(self._users) - len(alone) < 2:
            return False  # the rest is on one source or none: a grid, or exact
        if pool_draws(len(self._users) - len(alone)) != self.pool.shape[0]:
            return False  # past 256 sources the rest would draw a pool of another size
        if quadrature.fits([n - (s in uncertain) for s, n in self._users.items() if n - (s in uncertain)]):
            return False  # the rest is within the tensor rule: scored anew, exactly
        if not factor.grouped:
            return len(uncertain - alone) <= 1
        in_group = self._group_users[id(factor)]
        return len(factor.items) > 1 and all(in_group[s] > 1 for s in uncertain - alone)

    @cached_property
    def _where(self) -> dict[str, tuple[Factor, EvidenceItem]]:
        return {it.id: (f, it) for f in self.component.factors for it in f.items}

    @cached_property
    def _users(self) -> dict[str, int]:
        """How many of the component's items use each of its uncertain sources."""
        return {name: n for (name, _), n in zip(self.sources, self.component.degrees, strict=True)}

    @cached_property
    def _group_users(self) -> dict[int, dict[str, int]]:
        mine = set(self._users)
        return {id(f): count_users(f.items, mine) for f in self.component.factors if f.grouped}

    def _pool_without(self, unit: str) -> np.ndarray | None:
        """The pool's weights with `unit`'s term taken out, or None where a term to take out is
        not finite (-inf - -inf would be NaN): the caller rescores. Worked on as (H, draws), the
        pool's rows contiguous: the same arithmetic as on (draws, H) element by element, and the
        log-sum-exp's passes run along rows without another transposed copy."""
        log_w = self.pool_log_w.T.copy()
        out: list[np.ndarray] = []
        j = self._standalone.get(unit)
        if j is not None:
            rho = self.chains.rho(self.pool, slice(j, j + 1))
            out.append(log(self.item_lambda(rho, slice(j, j + 1))[:, 0, :]))
        names = [name for name, _ in self.sources]
        points = {s: j.mean for s, j in self.reliability.items() if j.is_point}
        for k, factor in enumerate(self.events):
            ids = self._report_index[k]
            if factor.factor.owner == unit or unit in ids:
                out.append(self.pool_event_log[k])
            if unit in ids and len(ids) > 1:  # a group left with no item is gone
                log_w += self._group_without(k, ids[unit], names, points).T
        for term in out:
            if not np.isfinite(term).all():
                return None
            log_w -= term.T
        return self._mean_of_rows(log_w)

    def _mean_of_rows(self, log_w: np.ndarray) -> np.ndarray:
        """log of the mean over the pool of exp(log_w), log_w (H, draws): equal weights."""
        return log_sum_exp_rows(log_w) - math.log(log_w.shape[1])

    @cached_property
    def _standalone(self) -> dict[str, int]:
        return {item.id: j for j, item in enumerate(self.items)}

    @cached_property
    def _report_index(self) -> list[dict[str, int]]:
        return [{r.id: i for i, r in enumerate(factor.reports)} for factor in self.events]

    def _group_without(self, k: int, j: int, names: list[str], points: dict[str, float]) -> np.ndarray:
        """log E[event (origin) k without its report j | r, h] over the pool. An event's sums of
        log H and log F over its reports are kept, and report j's own taken out: n reports left
        out one by one cost n passes over the pool, not n^2."""
        factor = self.events[k]
        if k not in self._event_sums:
            self._event_sums[k] = factor.log_sums(self.pool)
        own = factor.log_sums(self.pool, slice(j, j + 1))
        if all(np.isfinite(x).all() for x in own):
            return factor.log_from_sums(*(t - x for t, x in zip(self._event_sums[k], own, strict=True)))
        rest = replace(factor.factor, items=tuple(r for i, r in enumerate(factor.reports) if i != j))
        return group_factor(rest, names, points).log_expected(self.pool)

    def _draw_reliability(self, state: DrawState, rng: np.random.Generator) -> np.ndarray:
        weights = np.exp(self.pool_log_w - column_max(self.pool_log_w))
        state.note_ess(weights)
        return self.pool[resample_columns(weights, state.hypothesis, rng)]


class Quadrature(Sampled):
    """Two or more uncertain sources whose factors are, given them, of low degree in each
    (`Component.degrees`): the tensor Gauss rule of their Beta priors integrates r out exactly
    (hypotheses/model/quadrature.py), where a pool's importance sampling had a Monte Carlo error.

    Its nodes stand where the pool's draws stood, each with its rule's weight, so Sampled's
    leave-one-out works on them as on draws: a unit's term taken out of the nodes' weights
    leaves a polynomial of no higher degree, still integrated exactly, whatever components the
    rest would regroup into. The interval draws need r given h from a continuum, which a few
    nodes are not: they draw a pool of candidates from the prior, weighted and resampled per h,
    sized by its own Kish ESS (the joint pool's rule, `_joint_draw`)."""

    def __init__(self, component: Component, n_hyp: int, reliability: dict[str, Judgment], seed: int) -> None:
        ComponentScore.__init__(self, component, n_hyp, reliability, seed)
        rules = []
        for (_, judgment), degree in zip(self.sources, component.degrees, strict=True):
            assert isinstance(judgment, Beta)  # Component.method: only Beta reliabilities
            rules.append(beta_rule(judgment.a, judgment.b, nodes_needed(degree)))
        self.pool, self.log_node = tensor_rule(rules)
        self.pool_log_w = log_w = self._weigh(self.pool, self.pool.shape[0])
        self._event_sums: dict[int, tuple[np.ndarray, ...]] = {}
        self.sampled_log = logsumexp(log_w + self.log_node[:, None], axis=0)
        self.mcse_batches = None  # exact: no Monte Carlo error to carry

    def _mean_of_rows(self, log_w: np.ndarray) -> np.ndarray:
        return log_sum_exp_rows(log_w + self.log_node[None, :])

    def rest_without(self, unit: str) -> np.ndarray:
        rest = self._pool_without(unit)
        if rest is not None:
            return rest
        # A term that is -inf at a node (a hypothesis ruled out) cannot be taken out: rescored.
        return self._scored(regroup(self.component, unit, self.reliability))

    def _draw_reliability(self, state: DrawState, rng: np.random.Generator) -> np.ndarray:
        return self._joint_draw(state, state.hypothesis.shape[0], rng)[0]


def source_stream(seed: int, source: str) -> np.random.Generator:
    """A source's own stream of reliability draws: the same for every component that samples
    it, whatever other sources share that component (leave-one-out, what-ifs)."""
    return np.random.default_rng([seed, int.from_bytes(hashlib.sha256(source.encode()).digest(), "big")])


def score_component(
    component: Component, n_hyp: int, reliability: dict[str, Judgment], seed: int
) -> ComponentScore:
    """The strategy for the component's uncertain sources: none, one or more."""
    if component.points_only:
        return PointItems(component, n_hyp, reliability, seed)
    kind = {"exact": Exact, "grid": Grid, "quadrature": Quadrature, "sampled": Sampled}[component.method]
    return kind(component, n_hyp, reliability, seed)


def _draw_item(item: EvidenceItem, r: np.ndarray, state: DrawState, rng: np.random.Generator) -> None:
    """Add log lambda_jh of draws of the item's parameters given (h, r) to the weights."""
    judgments = item.likelihoods
    mean_theta = np.array([j.mean for j in judgments])
    b = float(mean_theta.mean())  # a report that says nothing occurs at the expected base rate
    if item.rated:
        _draw_rated_item(item, r, b, state, rng)
        return
    if item.credibility.is_point and all(j.is_point for j in judgments):
        c = (r * item.credibility.mean)[:, None]
        state.log_weights += log(effective_likelihood(c, mean_theta[None, :], b))
        return
    # Exact draws from the item's posterior given (h, r): lambda_h = r kappa theta_h +
    # (1 - r) b + r (1 - kappa) b is linear in each parameter, so p(theta, kappa | h, r) is a
    # mixture of three parts, each the prior with at most its h's factors tilted: A, kappa and
    # theta_h size-biased (x p(x)); B, nothing; C, kappa towards 0 ((1 - kappa) p(kappa)). One
    # part is chosen per draw, then sampled: no candidate pool, no resampling, ESS = N.
    h = state.hypothesis
    n_hyp = len(judgments)
    k_mean = item.credibility.mean
    draws = h.shape[0]
    mass = np.column_stack([r * k_mean * mean_theta[h], (1.0 - r) * b, r * (1.0 - k_mean) * b])
    cumulative = np.cumsum(mass, axis=1)
    u = rng.random(draws) * cumulative[:, -1]
    kind = np.minimum((cumulative[:, :2] < u[:, None]).sum(axis=1), 2)  # 0 A, 1 B, 2 C
    kappa_tilt = np.where(kind == 0, 1, np.where(kind == 2, -1, 0))  # up, down, none
    # Points as they are (a point draws nothing and tilts to itself); the uncertain ones drawn,
    # theta_h tilted where part A was chosen under h. Draws grouped by h once: a pass over the
    # draws per hypothesis was items x hypotheses x draws (1,000 x 1,000: 36 s).
    theta = np.broadcast_to(mean_theta, (draws, n_hyp)).copy()
    tilted = np.flatnonzero(kind == 0)
    tilted = tilted[np.argsort(h[tilted], kind="stable")]
    bounds = np.searchsorted(h[tilted], np.arange(n_hyp + 1))
    for k, judgment in enumerate(judgments):
        if judgment.is_point:
            continue
        theta[:, k] = judgment.sample(rng, draws)
        mine = tilted[bounds[k] : bounds[k + 1]]
        if mine.size:
            theta[mine, k] = _tilted(judgment, rng, mine.size)
    kappa = _kappa_draws(item.credibility, kappa_tilt, rng)
    for k, (h_id, judgment) in enumerate(zip(state.hypothesis_ids, item.likelihoods, strict=True)):
        if not judgment.is_point:
            state.keep(likelihood_place(item.id, h_id), judgment, theta[:, k])
    state.keep(credibility_place(item.id), item.credibility, kappa)
    state.log_weights += log(effective_likelihood((r * kappa)[:, None], theta, b))


def _draw_rated_item(
    item: EvidenceItem, r: np.ndarray, b: float, state: DrawState, rng: np.random.Generator
) -> None:
    """The same for an item with given rates: lambda_h = r (hit theta_h + false_alarm
    (1 - theta_h)) + (1 - r) q, q = E[hit] b + E[false_alarm] (1 - b) a point, is a mixture of
    three parts: A, hit and theta_h size-biased; B, false_alarm size-biased and theta_h towards
    0; C, nothing tilted."""
    assert item.hit is not None and item.false_alarm is not None
    h = state.hypothesis
    draws = h.shape[0]
    mean_theta = np.array([j.mean for j in item.likelihoods])
    hit_mean, false_mean = item.hit.mean, item.false_alarm.mean
    q = rated_likelihood(b, hit_mean, false_mean)
    mass = np.column_stack(
        [r * hit_mean * mean_theta[h], r * false_mean * (1.0 - mean_theta[h]), (1.0 - r) * q]
    )
    cumulative = np.cumsum(mass, axis=1)
    u = rng.random(draws) * cumulative[:, -1]
    kind = np.minimum((cumulative[:, :2] < u[:, None]).sum(axis=1), 2)  # 0 A, 1 B, 2 C
    theta = np.empty((draws, len(item.likelihoods)))
    for k, judgment in enumerate(item.likelihoods):
        theta[:, k] = judgment.sample(rng, draws)
        for part, tilt in ((0, 1), (1, -1)):
            mine = np.flatnonzero((kind == part) & (h == k))
            if mine.size:
                theta[mine, k] = _kappa_draws(judgment, np.full(mine.size, tilt), rng)
    hit = _kappa_draws(item.hit, np.where(kind == 0, 1, 0), rng)
    false_alarm = _kappa_draws(item.false_alarm, np.where(kind == 1, 1, 0), rng)
    for k, (h_id, judgment) in enumerate(zip(state.hypothesis_ids, item.likelihoods, strict=True)):
        state.keep(likelihood_place(item.id, h_id), judgment, theta[:, k])
    state.keep(hit_place(item.id), item.hit, hit)
    state.keep(false_alarm_place(item.id), item.false_alarm, false_alarm)
    rho = r[:, None]
    own_hit, own_false = chained_rate(rho, hit[:, None], q), chained_rate(rho, false_alarm[:, None], q)
    state.log_weights += log(rated_likelihood(theta, own_hit, own_false))


def _tilted(judgment: Judgment, rng: np.random.Generator, n: int) -> np.ndarray:
    """n draws of the size-biased judgment, x p(x) / E[x]: Beta(a + 1, b); a log-normal's mu
    plus sigma^2; a point stays itself."""
    if isinstance(judgment, Beta):
        return np.clip(rng.beta(judgment.a + 1.0, judgment.b, n), SAMPLE_FLOOR, 1.0)
    if isinstance(judgment, LogNormal):
        return rng.lognormal(judgment.mu + judgment.sigma**2, judgment.sigma, n)
    return judgment.sample(rng, n)


def _kappa_draws(judgment: Judgment, tilt: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A credibility per draw: from its prior (tilt 0), kappa p(kappa) (1) or (1 - kappa) p(kappa)
    (-1), i.e. Beta(a + 1, b) and Beta(a, b + 1)."""
    out = judgment.sample(rng, tilt.size)
    if isinstance(judgment, Beta):
        for sign, (da, db) in ((1, (1.0, 0.0)), (-1, (0.0, 1.0))):
            mine = np.flatnonzero(tilt == sign)
            if mine.size:
                out[mine] = np.clip(rng.beta(judgment.a + da, judgment.b + db, mine.size), SAMPLE_FLOOR, 1.0)
    return out
