"""The numpy engine (DESIGN.md section 4): exact posterior probabilities from the model's
factorisation, and credible intervals from per-group importance resampling.

Given the hypothesis h, the prior weights and each source group's parameters are independent,
so P(h | E) ∝ E[pi_h] * prod_g E[prod_{j in g} lambda_jh]. Within a group, the items are
independent given the source reliability r and each lambda is linear in its own parameters'
draw weights, which lets us sample every item's parameters exactly (a three-part mixture) once r
is drawn. No step resamples in more than one item's dimensions, so ESS does not collapse as
evidence grows.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from hypotheses.case import Case, EvidenceItem
from hypotheses.case.types import Event
from hypotheses.model.event_moments import EventMoments
from hypotheses.model.likelihood import effective_likelihood, event_log_likelihood
from hypotheses.model.logspace import log, logsumexp, softmax
from hypotheses.model.places import credibility_place, likelihood_place, reliability_place
from hypotheses.model.prior import posterior_mcse, prior_mean, prior_weight_draws
from hypotheses.model.result import EngineResult, interval_mcse
from hypotheses.settings import INTERVAL_MCSE_TARGET, NUMPY_DEFAULT_DRAWS, PILOT_DRAWS
from priors import Beta, Judgment, LogNormal, Point

DEFAULT_DRAWS = NUMPY_DEFAULT_DRAWS  # the most interval draws chosen, unless asked otherwise
# Cells of the grid over a source's reliability (the one parameter shared between items).
GRID_CELLS = 2048
# Zooms of a hypothesis's grid onto its posterior mass (at least one: the first pass's cells
# are uneven); each narrows it up to ~700-fold.
GRID_ZOOMS = 8
# Largest intermediate array (elements) when evaluating likelihoods over the grid.
_CHUNK_ELEMENTS = 2**22
# Hypotheses below this posterior get few draws; their resampling ESS does not limit the answer.
ESS_POSTERIOR_FLOOR = 0.01


def _kish_ess(weights: np.ndarray) -> np.ndarray:
    """Kish's effective sample size of each column of non-negative weights."""
    total = weights.sum(axis=0)
    squares = np.square(weights).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(squares > 0, total**2 / squares, 0.0)


def _mass_region(log_w: np.ndarray, tail: float = 1e-12) -> tuple[int, int]:
    """First and last cells of the region holding all but `tail` of the mass at each end."""
    weights = np.exp(log_w - np.max(log_w))
    cumulative = np.cumsum(weights) / weights.sum()
    first = int(np.searchsorted(cumulative, tail))
    last = int(min(np.searchsorted(cumulative, 1.0 - tail), log_w.size - 1))
    return first, last


def resample_columns(weights: np.ndarray, column: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each draw i, a row index n with probability weights[n, column[i]] / column total.

    One searchsorted over the columns' stacked CDFs, so there is no loop over hypotheses; the
    targets are searched in sorted order (much faster) and put back in draw order.
    """
    rows, cols = weights.shape
    totals = weights.sum(axis=0)
    safe = np.where(totals > 0, totals, 1.0)
    cdf = np.cumsum(weights / safe, axis=0).T  # (cols, rows), each column's CDF
    cdf[:, -1] = 1.0
    stacked = (cdf + np.arange(cols)[:, None]).ravel()
    targets = column + rng.random(column.shape[0])
    order = np.argsort(targets)
    found = np.empty(column.shape[0], dtype=np.intp)
    found[order] = np.searchsorted(stacked, targets[order], side="right")
    return np.clip(found - column * rows, 0, rows - 1)


@dataclass
class _State:
    """Accumulates log pi_h + sum_j log lambda_jh for every draw, and the smallest ESS seen."""

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
        kish = _kish_ess(weights)
        counted = self.posterior >= ESS_POSTERIOR_FLOOR
        if counted.any():
            self.ess = min(self.ess, float(kish[counted].min()))
        self.pools.append(kish)


# Reliability draws for a component whose items share two or more uncertain sources (no grid):
# importance sampling from their prior, exact given them, in batches for the Monte Carlo error.
SOURCE_DRAWS = 2**16
SOURCE_BATCHES = 16
# Interval draws of a component with an event whose likelihoods or reports' credibilities are
# uncertain: one joint pool of (reliabilities, event parameters) from their prior, importance-
# resampled given h. At least this many candidates (or as many as the draws), so that the
# resampling's bias (order 1/pool) is far below the intervals' Monte Carlo error; its Kish ESS
# is reported like every other resampling's.
JOINT_POOL = 2**16


class _EventFactor:
    """One event and the items reporting it: P(R_1..R_n | h) of DESIGN.md section 7."""

    def __init__(self, event: Event, reports: Sequence[EvidenceItem], chain_of, n_sources: int) -> None:
        self.event, self.reports = event, reports
        self.kappa_mean = np.array([r.credibility.mean for r in reports])
        self.const, self.uses = chain_of(reports)
        self.moments = EventMoments(event.likelihoods, len(reports))
        self.uncertain = not all(j.is_point for j in event.likelihoods) or not all(
            it.credibility.is_point for it in reports
        )
        del n_sources

    def rho(self, r: np.ndarray) -> np.ndarray:
        return _rho(self.const, self.uses, r)

    def log_expected(self, r: np.ndarray, columns: Sequence[int] | slice = slice(None)) -> np.ndarray:
        """log E[P(R | h) | r]: (M, cols)."""
        return self.moments.log_expected(self.rho(r) * self.kappa_mean[None, :], columns)


def _rho(const: np.ndarray, uses: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Product of the reliabilities on each chain: point ones in `const` (m,), the uncertain
    ones `r` (M, S) where `uses` (m, S) says so: (M, m)."""
    out = np.broadcast_to(const[None, :], (r.shape[0], const.size)).copy()
    for s in range(uses.shape[1]):
        out *= np.where(uses[None, :, s], r[:, s, None], 1.0)
    return out


class _EvidenceGroup:
    """A component: the items and events whose parameters are coupled through uncertain
    sources they share (directly or `via:`), independent of every other component given h.

    With no uncertain source everything is exact in closed form; with one, a quadrature grid
    over its reliability; with more, importance sampling over their reliabilities (exact given
    them)."""

    def __init__(
        self,
        sources: Sequence[tuple[str, Judgment]],
        items: Sequence[EvidenceItem],
        events: Sequence[tuple[Event, Sequence[EvidenceItem]]] = (),
        point_reliability: dict[str, float] | None = None,
        hypothesis_ids: Sequence[str] = (),
    ) -> None:
        self.sources = list(sources)  # the uncertain ones
        self.reliability = sources[0][1] if len(sources) == 1 else Point(1.0)
        self.source_id = sources[0][0] if len(sources) == 1 else None
        self.point_reliability = point_reliability or {}
        self.hypothesis_ids = hypothesis_ids
        self.items = items
        self.kappa_mean = np.array([it.credibility.mean for it in items])  # (m,)
        self.theta_mean = np.array([[j.mean for j in it.likelihoods] for it in items]).reshape(
            len(items), len(hypothesis_ids)
        )  # (m, H)
        self.mix_mean = self.theta_mean.mean(axis=1)  # (m,)
        self.const, self.uses = self._chains(items)
        self.events = [_EventFactor(e, reports, self._chains, len(sources)) for e, reports in events]
        self.log_w: np.ndarray | None = None  # the grid over r, once built (see `_grid`)
        self.pool: np.ndarray | None = None  # sampled reliabilities (draws, S), several sources
        self.ess = float("inf")
        self.mcse_batches: np.ndarray | None = None  # (batches, H) log factors, sampled only
        self.seed: list[int] = [0, 0]
        self.case: Case | None = None  # the case it came from (leave-one-out rebuilds parts)

    @property
    def method(self) -> str:
        return ("exact", "grid")[len(self.sources)] if len(self.sources) < 2 else "sampled"

    def _chains(self, items: Sequence[EvidenceItem]) -> tuple[np.ndarray, np.ndarray]:
        """Point part of each item's chain of reliabilities, and which uncertain sources it
        passes through."""
        names = [name for name, _ in self.sources]
        const = np.array(
            [float(np.prod([self.point_reliability.get(s, 1.0) for s in it.chain])) for it in items]
        )
        uses = np.array([[name in it.chain for name in names] for it in items], dtype=bool)
        return const.reshape(len(items)), uses.reshape(len(items), len(names))

    def _cond_log(self, r: np.ndarray, columns: Sequence[int] | slice = slice(None)) -> np.ndarray:
        """log E[prod of the component's factors | r, h]: (M, cols), r (M, S)."""
        total = self._items_cond_log(r, columns)
        for event in self.events:
            total += event.log_expected(r, columns)
        return total

    def _items_cond_log(self, r: np.ndarray, columns: Sequence[int] | slice = slice(None)) -> np.ndarray:
        """log E[prod of the component's items' factors | r, h] (events left out): (M, cols)."""
        theta = self.theta_mean[:, columns]
        total = np.zeros((r.shape[0], theta.shape[1]))
        if self.items:
            mix = self.mix_mean[:, None]
            step = max(1, _CHUNK_ELEMENTS // max(1, theta.size))
            for start in range(0, r.shape[0], step):
                c = (_rho(self.const, self.uses, r[start : start + step]) * self.kappa_mean[None, :])[
                    :, :, None
                ]
                total[start : start + step] += log(effective_likelihood(c, theta[None], mix[None])).sum(
                    axis=1
                )
        return total

    def log_factor(self) -> np.ndarray:
        """log E[prod of the component's factors | h] per h: exact at E[r] when that is exact
        (no uncertain source, or one item through one, linear in r), a quadrature over a grid
        of r with one uncertain source (see `_grid`), importance sampling with more."""
        if self.method == "sampled":
            return self._sampled()
        linear = len(self.items) == 1 and not self.events
        if self.method == "exact" or linear:
            r = np.array([[j.mean for _, j in self.sources]]).reshape(1, len(self.sources))
            exact = self._cond_log(r)[0]
            if self.method == "grid":
                self._grid()
            return exact
        return logsumexp(self._grid(), axis=0)

    def _sampled(self) -> np.ndarray:
        """Importance sampling over the shared reliabilities from their prior: exact given them.
        Batch estimates give the Monte Carlo error; the pool serves the interval draws."""
        if self.pool is not None:
            return self.sampled_log
        rng = np.random.default_rng(self.seed)
        n_hyp = self.theta_mean.shape[1]
        size = SOURCE_DRAWS // SOURCE_BATCHES
        pool = np.empty((SOURCE_DRAWS, len(self.sources)))
        log_w = np.empty((SOURCE_DRAWS, n_hyp))
        for k, (_, judgment) in enumerate(self.sources):
            pool[:, k] = judgment.sample(rng, SOURCE_DRAWS)
        # Each event's own term over the pool, once: summed into the weights here (as _cond_log
        # does) and kept for leave-one-out, which divides it out instead of redoing it.
        self.pool_event_log = [factor.log_expected(pool) for factor in self.events]
        for first in range(0, SOURCE_DRAWS, size):
            log_w[first : first + size] = self._items_cond_log(pool[first : first + size])
        for event_log in self.pool_event_log:
            log_w += event_log
        batches = logsumexp(log_w.reshape(SOURCE_BATCHES, size, n_hyp), axis=1) - math.log(size)
        self.mcse_batches = batches
        self.pool, self.pool_log_w = pool, log_w
        weights = np.exp(log_w - log_w.max(axis=0, keepdims=True))
        self.pool_ess = _kish_ess(weights)
        self.sampled_log = logsumexp(log_w, axis=0) - math.log(SOURCE_DRAWS)
        return self.sampled_log

    def _kumaraswamy(self) -> tuple[float, float]:
        """The map t -> r of the grid: r = (1 - (1 - t)^(1/b'))^(1/a'), the quantile function
        of Kumaraswamy(a', b') with a' = min(a, 1), b' = min(b, 1). Its density has the Beta's
        r^(a-1) and (1 - r)^(b-1) singularities, so p(r) dr = p(r) / k(r) dt is bounded in t and
        the quadrature keeps its accuracy next to an end where the Beta density is infinite.
        With a, b >= 1 it is the identity."""
        judgment = self.reliability
        assert isinstance(judgment, Beta)
        return min(judgment.a, 1.0), min(judgment.b, 1.0)

    def _to_t(self, r: np.ndarray) -> np.ndarray:
        ka, kb = self._kumaraswamy()
        with np.errstate(divide="ignore"):  # r = 1 is t = 1
            return -np.expm1(kb * np.log1p(-(r**ka)))

    def _to_r(self, t: np.ndarray) -> np.ndarray:
        ka, kb = self._kumaraswamy()
        with np.errstate(divide="ignore"):  # t = 1 is r = 1
            return (-np.expm1(np.log1p(-t) / kb)) ** (1.0 / ka)

    def _nodes(self, edges: np.ndarray, columns: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Quadrature nodes (as r) over the cells `edges` (in t, see `_kumaraswamy`) and their
        log weights for the hypotheses `columns`: log(prior density / map density x node
        weight) + log E[prod_j lambda_jh | r = node].

        Two Gauss-Legendre nodes per cell (exact for cubics): a midpoint rule would be off by
        ~1e-4 where the prior's tail and the items' likelihood both fall steeply across a cell.
        Chunked over nodes so that thousands of items and hypotheses never need one (nodes,
        items, hypotheses) array."""
        judgment = self.reliability
        assert isinstance(judgment, Beta)
        a, b = judgment.a, judgment.b
        ka, kb = self._kumaraswamy()
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
        out = self._cond_log(nodes[:, None], list(columns))
        return nodes, log_prior[:, None] + out

    def _grid(self) -> np.ndarray:
        """The posterior of r given each h on a grid of its own: log weights of quadrature
        nodes, shape (nodes, H), summing (in exp) to E[prod lambda_jh]; cells (cells + 1, H).

        r is one-dimensional, so a grid is exact where importance sampling from r's prior would
        collapse as items accumulate. The posterior of r can sit anywhere, far in the prior's
        tail included (the likelihood in r is log-concave, its peak as narrow as the items make
        it), so the first pass covers all of [0, 1] as well as the prior's bulk, and each h's
        grid then zooms onto the cells holding all but 1e-12 of its mass until they span at
        least half of the grid."""
        if self.log_w is not None:
            return self.log_w
        judgment = self.reliability
        assert isinstance(judgment, Beta)
        n_hyp = self.theta_mean.shape[1]
        sd = np.sqrt(judgment.mean * (1 - judgment.mean) / (judgment.a + judgment.b + 1))
        bulk = np.linspace(
            max(0.0, judgment.mean - 12 * sd), min(1.0, judgment.mean + 12 * sd), GRID_CELLS + 1
        )
        start = np.unique(np.concatenate([np.linspace(0.0, 1.0, GRID_CELLS + 1), self._to_t(bulk)]))
        start_nodes, start_w = self._nodes(start, range(n_hyp))
        self.edges = np.empty((GRID_CELLS + 1, n_hyp))
        self.nodes = np.empty((2 * GRID_CELLS, n_hyp))
        grid = np.empty((2 * GRID_CELLS, n_hyp))
        for k in range(n_hyp):
            edges, nodes, log_w = start, start_nodes, start_w[:, k]
            for _ in range(GRID_ZOOMS):
                first, last = (i // 2 for i in _mass_region(log_w))
                if edges.size == GRID_CELLS + 1 and last - first >= GRID_CELLS // 2:
                    break
                lo, hi = edges[max(first - 1, 0)], edges[min(last + 2, edges.size - 1)]
                edges = np.linspace(lo, hi, GRID_CELLS + 1)
                nodes, column = self._nodes(edges, [k])
                log_w = column[:, 0]
            self.edges[:, k], grid[:, k] = edges, log_w
            self.nodes[:, k] = nodes
        self.log_w = grid
        return grid

    def without(self, unit: str) -> _EvidenceGroup:
        """The same component without one item (standalone or a report) or a whole event."""
        items = [it for it in self.items if it.id != unit]
        events = []
        for factor in self.events:
            if factor.event.id == unit:
                continue
            reports = [r for r in factor.reports if r.id != unit]
            if reports:
                events.append((factor.event, reports))
        other = _EvidenceGroup(self.sources, items, events, self.point_reliability, self.hypothesis_ids)
        other.seed, other.case = self.seed, self.case
        return other

    def units(self) -> list[str]:
        """What leave-one-out removes: each standalone item, each event, each report."""
        out = [it.id for it in self.items]
        for factor in self.events:
            out += [factor.event.id] + [r.id for r in factor.reports]
        return out

    def rest_without(self, unit: str) -> np.ndarray:
        """log E[prod of the rest | h] without `unit`, the rest split into the components it
        now forms (removing a report can uncouple sources: each part is then scored as it
        would be in a case without the unit, exactly where it allows)."""
        kept = [it for it in self.items if it.id != unit]
        for factor in self.events:
            if factor.event.id != unit:
                kept += [r for r in factor.reports if r.id != unit]
        case = self.case
        assert case is not None
        sub = replace(case, evidence=tuple(it for it in case.evidence if it in kept))
        parts = _groups(sub, self.seed[0])
        if self.method == "sampled" and len(parts) == 1 and parts[0].sources == self.sources:
            # Still one component on the same sources: the same reliability draws, so the
            # unit's factor is taken out of the pool's weights instead of recomputing the rest.
            return self._pool_without(unit)
        total = np.zeros(len(self.hypothesis_ids))
        for group in parts:
            total = total + group.log_factor()
        return total

    def _pool_without(self, unit: str) -> np.ndarray:
        self._sampled()
        log_w = self.pool_log_w.copy()
        for j, item in enumerate(self.items):
            if item.id == unit:
                c = (_rho(self.const[j : j + 1], self.uses[j : j + 1], self.pool) * self.kappa_mean[j])[:, 0]
                log_w -= log(effective_likelihood(c[:, None], self.theta_mean[j][None], self.mix_mean[j]))
        for k, factor in enumerate(self.events):
            ids = [r.id for r in factor.reports]
            if factor.event.id == unit or unit in ids:
                log_w -= self.pool_event_log[k]
            if unit in ids:
                rest = [r for r in factor.reports if r.id != unit]
                log_w += _EventFactor(factor.event, rest, self._chains, len(self.sources)).log_expected(
                    self.pool
                )
        return logsumexp(log_w, axis=0) - math.log(log_w.shape[0])

    def log_factor_without(self) -> dict[str, np.ndarray]:
        """log E[prod of the rest | h] without each unit: every standalone item, every report
        and every whole event of the component, by id.

        Items only: with a shared uncertain r, each item's factor is divided out of the grid
        (one pass over the items, not a new grid per item); an item whose removal moves r's
        posterior against the grid's edge gets a grid of its own. With events (or several
        sources) each unit's component is rebuilt without it."""
        n_items, n_hyp = self.theta_mean.shape
        if self.events or self.method == "sampled":
            return {unit: self.rest_without(unit) for unit in self.units()}
        ids = [it.id for it in self.items]
        if self.method == "exact" or n_items == 1:
            r = np.array([[j.mean for _, j in self.sources]]).reshape(1, len(self.sources))
            c = _rho(self.const, self.uses, r)[0] * self.kappa_mean
            rows = log(effective_likelihood(c[:, None], self.theta_mean, self.mix_mean[:, None]))
            zero = np.zeros((1, n_hyp))
            head = np.cumsum(np.vstack([zero, rows]), axis=0)
            tail = np.cumsum(np.vstack([zero, rows[::-1]]), axis=0)[::-1]
            return dict(zip(ids, head[:-1] + tail[1:], strict=True))
        grid = self._grid()
        out = np.empty((n_items, n_hyp))
        step = max(1, _CHUNK_ELEMENTS // grid.shape[0])  # items per block: bounded memory
        for k in range(n_hyp):
            edges, log_w = self.edges[:, k], grid[:, k, None]
            for first in range(0, n_items, step):
                block = slice(first, first + step)
                rho = _rho(self.const[block], self.uses[block], self.nodes[:, k, None])
                c = rho * self.kappa_mean[None, block]  # (nodes, items)
                log_item = log(
                    effective_likelihood(c, self.theta_mean[None, block, k], self.mix_mean[None, block])
                )
                with np.errstate(invalid="ignore"):  # -inf - -inf: a node the item alone rules out
                    without = np.where(np.isfinite(log_w), log_w - log_item, -np.inf)
                out[block, k] = logsumexp(without, axis=0)
                # Mass piling up in an end cell (not at 0 or 1) means r moved off this grid.
                share = np.exp(without - out[None, block, k])
                leaks = ((share[:2].sum(axis=0) > 1e-9) & (edges[0] > 0.0)) | (
                    (share[-2:].sum(axis=0) > 1e-9) & (edges[-1] < 1.0)
                )
                for j in first + np.flatnonzero(leaks):
                    out[j, k] = self.without(ids[j]).log_factor()[k]
        return dict(zip(ids, out, strict=True))

    def draw(self, state: _State, n: int, rng: np.random.Generator) -> None:
        """Add log lambda_jh of each item's posterior draws (and each event's) to every draw's
        log weights."""
        h = state.hypothesis
        r = np.empty((h.shape[0], len(self.sources)))
        chosen: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # event -> its (theta, kappa) draws
        if any(factor.uncertain for factor in self.events):
            r, chosen = self._joint_draw(state, n, rng)
        elif self.method == "grid":
            weights = np.exp(self.log_w - self.log_w.max(axis=0, keepdims=True))
            node = resample_columns(weights, h, rng)
            # The node itself: thousands of nodes span r's posterior, far finer than the
            # intervals' Monte Carlo error, and each carries exactly its quadrature weight.
            r[:, 0] = self.nodes[node, h]
        elif self.method == "sampled":
            assert self.pool is not None
            weights = np.exp(self.pool_log_w - self.pool_log_w.max(axis=0, keepdims=True))
            state.note_ess(weights)
            r = self.pool[resample_columns(weights, h, rng)]
        for k, (name, judgment) in enumerate(self.sources):
            state.keep(reliability_place(name), judgment, r[:, k])
        if self.items:
            rho = _rho(self.const, self.uses, r)  # (N, m)
            for j, item in enumerate(self.items):
                self._draw_item(item, rho[:, j], state, n, rng)
        for index, factor in enumerate(self.events):
            event, reports = factor.event, factor.reports
            if index in chosen:
                theta, kappa = chosen[index]
                for col, (h_id, judgment) in enumerate(
                    zip(self.hypothesis_ids, event.likelihoods, strict=True)
                ):
                    state.keep(likelihood_place(event.id, h_id), judgment, theta[:, col])
                for i, item in enumerate(reports):
                    state.keep(credibility_place(item.id), item.credibility, kappa[:, i])
            else:
                theta = np.array([[j.mean for j in event.likelihoods]])
                kappa = factor.kappa_mean[None, :]
            state.log_weights += _event_log_lik(theta, factor.rho(r) * kappa)

    def _joint_draw(
        self, state: _State, n: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, dict[int, tuple[np.ndarray, np.ndarray]]]:
        """The component's reliabilities and its uncertain events' parameters, jointly given h.

        An event's parameters given (h, r) have no closed form to sample from, and their
        weight depends on r, so they are drawn together: a pool of candidates from the joint
        prior, weighted by the items' exact expectation given r times each event's realised
        P(R | h, theta, c), resampled per draw's h. Per-draw resampling from a handful of
        candidates would be biased towards the prior (its bias is order 1/candidates)."""
        h = state.hypothesis
        size = max(n, JOINT_POOL)
        pool = np.empty((size, len(self.sources)))
        for k, (_, judgment) in enumerate(self.sources):
            pool[:, k] = judgment.sample(rng, size)
        log_w = self._items_cond_log(pool)
        params: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        for index, factor in enumerate(self.events):
            if not factor.uncertain:
                log_w += factor.log_expected(pool)  # exact: a point event's P(R | h, r)
                continue
            theta = np.column_stack([j.sample(rng, size) for j in factor.event.likelihoods])
            kappa = np.column_stack([it.credibility.sample(rng, size) for it in factor.reports])
            log_w += _event_log_lik(theta, factor.rho(pool) * kappa)
            params[index] = (theta, kappa)
        with np.errstate(invalid="ignore"):
            weights = np.exp(log_w - log_w.max(axis=0, keepdims=True))
        weights = np.where(np.isfinite(weights), weights, 0.0)
        state.note_ess(weights)
        pick = resample_columns(weights, h, rng)
        return pool[pick], {index: (theta[pick], kappa[pick]) for index, (theta, kappa) in params.items()}

    def _draw_item(
        self, item: EvidenceItem, r: np.ndarray, state: _State, n: int, rng: np.random.Generator
    ) -> None:
        if item.credibility.is_point and all(j.is_point for j in item.likelihoods):
            theta = np.array([[j.mean for j in item.likelihoods]])
            c = (r * item.credibility.mean)[:, None]
            lam = effective_likelihood(c, theta, theta.mean(axis=1, keepdims=True))
            state.log_weights += log(lam)
            return
        # Exact draws from the item's posterior given (h, r): lambda_h is linear in each
        # parameter, lambda_h = r kappa theta_h + (1 - r) mean_k theta_k + r (1 - kappa) mean_k theta_k,
        # so p(theta, kappa | h, r) is a mixture of 2H + 1 parts, each the prior with one factor
        # tilted (theta_k -> theta_k p(theta_k), kappa -> kappa p(kappa) or (1 - kappa) p(kappa)).
        # One part is chosen per draw, then sampled: no candidate pool, no resampling, ESS = N.
        h = state.hypothesis
        judgments = item.likelihoods
        n_hyp = len(judgments)
        mean_theta = np.array([j.mean for j in judgments])
        k_mean = item.credibility.mean
        draws = h.shape[0]
        # The part's kind per draw (A, any B_k, any C_k: their masses), then, for B and C, which
        # theta_k: in proportion to E[theta_k], the same for every draw.
        m_bar = mean_theta.mean()
        mass = np.column_stack([r * k_mean * mean_theta[h], (1.0 - r) * m_bar, r * (1.0 - k_mean) * m_bar])
        cumulative = np.cumsum(mass, axis=1)
        u = rng.random(draws) * cumulative[:, -1]
        kind = np.minimum((cumulative[:, :2] < u[:, None]).sum(axis=1), 2)  # 0 A, 1 B, 2 C
        tilted = h.copy()
        flat = np.flatnonzero(kind > 0)
        if flat.size and mean_theta.sum() > 0:
            tilted[flat] = rng.choice(n_hyp, size=flat.size, p=mean_theta / mean_theta.sum())
        kappa_tilt = np.where(kind == 0, 1, np.where(kind == 2, -1, 0))  # up, down, none
        theta = np.empty((draws, n_hyp))
        for k, judgment in enumerate(judgments):
            theta[:, k] = judgment.sample(rng, draws)
            mine = np.flatnonzero(tilted == k)
            if mine.size:
                theta[mine, k] = _tilted(judgment, rng, mine.size)
        kappa = _kappa_draws(item.credibility, kappa_tilt, rng)
        for k, (h_id, judgment) in enumerate(zip(self.hypothesis_ids, item.likelihoods, strict=True)):
            state.keep(likelihood_place(item.id, h_id), judgment, theta[:, k])
        state.keep(credibility_place(item.id), item.credibility, kappa)
        c = (r * kappa)[:, None]
        lam = effective_likelihood(c, theta, theta.mean(axis=1, keepdims=True))
        state.log_weights += log(lam)


_FLOOR = np.finfo(float).tiny  # as Judgment.sample clips Beta draws


def _tilted(judgment: Judgment, rng: np.random.Generator, n: int) -> np.ndarray:
    """n draws of the size-biased judgment, x p(x) / E[x]: Beta(a + 1, b); a log-normal's mu
    plus sigma^2; a point stays itself."""
    if isinstance(judgment, Beta):
        return np.clip(rng.beta(judgment.a + 1.0, judgment.b, n), _FLOOR, 1.0)
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
                out[mine] = np.clip(rng.beta(judgment.a + da, judgment.b + db, mine.size), _FLOOR, 1.0)
    return out


def _event_log_lik(theta: np.ndarray, c: np.ndarray) -> np.ndarray:
    """log P(R | h) for draws of theta (..., H) and the reports' credibilities c (..., n)."""
    b = theta.mean(axis=-1, keepdims=True)
    with np.errstate(divide="ignore"):
        log_hit = np.log(effective_likelihood(c, 1.0, b)).sum(axis=-1, keepdims=True)
        log_false = (np.log1p(-c) + np.log(b)).sum(axis=-1, keepdims=True)
        return event_log_likelihood(np.log(theta), np.log1p(-theta), log_hit, log_false, np.logaddexp)


def _groups(case: Case, seed: int = 0) -> list[_EvidenceGroup]:
    """The components of DESIGN.md section 4 generalised to events and chains: standalone items
    and events, joined when they pass through a shared uncertain source."""
    uncertain = {s.id: s.reliability for s in case.sources if not s.reliability.is_point}
    points = {s.id: s.reliability.mean for s in case.sources if s.reliability.is_point}
    units: list[tuple[list[EvidenceItem], Event | None]] = []
    unit_of_event: dict[str, int] = {}
    for item in case.evidence:
        if item.reports is None:
            units.append(([item], None))
        elif item.reports in unit_of_event:
            units[unit_of_event[item.reports]][0].append(item)
        else:
            unit_of_event[item.reports] = len(units)
            units.append(([item], case.event(item.reports)))
    parent = list(range(len(units)))

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    first_user: dict[str, int] = {}
    for k, (items, _) in enumerate(units):
        for source in {s for it in items for s in it.chain if s in uncertain}:
            if source in first_user:
                parent[root(k)] = root(first_user[source])
            else:
                first_user[source] = k
    members: dict[int, list[int]] = {}
    for k in range(len(units)):
        members.setdefault(root(k), []).append(k)
    groups = []
    for ks in members.values():
        used = sorted({s for k in ks for it in units[k][0] for s in it.chain if s in uncertain})
        items = [units[k][0][0] for k in ks if units[k][1] is None]
        events = [(units[k][1], units[k][0]) for k in ks if units[k][1] is not None]
        group = _EvidenceGroup([(s, uncertain[s]) for s in used], items, events, points, case.hypothesis_ids)
        # The reliability draws of a sampled component, named by its sources: the same case
        # less one item (leave-one-out, what-ifs) draws the same reliabilities.
        group.seed = [seed, zlib.crc32(" ".join(used).encode())]
        group.case = case
        groups.append(group)
    return groups


def _is_point_case(case: Case) -> bool:
    judgments = [j for h in case.hypotheses for _, j in h.prior]
    judgments += [s.reliability for s in case.sources]
    judgments += [j for e in case.evidence for j in (e.credibility, *e.likelihoods)]
    judgments += [j for e in case.events for j in e.likelihoods]
    return all(j.is_point for j in judgments)


def _exact_parts(case: Case, rng: np.random.Generator, seed: int | None = 0):
    """The evidence groups (with their grids), E[pi_h] and its error, and P(h | E): everything
    but the interval draws. Every caller with one seed gets the same E[pi_h]."""
    pi_mean, batches = prior_mean(case, np.random.default_rng(rng.integers(2**63)))  # its own stream
    groups = _groups(case, 0 if seed is None else seed)
    log_factors = np.zeros(len(case.hypotheses))
    for group in groups:
        log_factors = log_factors + group.log_factor()
    posterior = softmax(log(pi_mean) + log_factors)
    mcse = posterior_mcse(batches, log_factors)
    for group in groups:  # sampled components: their own batch spread, independent streams
        if group.mcse_batches is not None:
            rest = log(pi_mean) + log_factors - group.log_factor()
            each = softmax(rest[None, :] + group.mcse_batches, axis=1)
            mcse = math.hypot(mcse, float((each.std(axis=0, ddof=1) / math.sqrt(len(each))).max()))
    return groups, pi_mean, posterior, mcse


def _leave_one_out(
    case: Case, groups: list[_EvidenceGroup], pi_mean: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """log E[pi_h] + log P(E without item j | h) for every item j: (J, H), and the same without
    each event's reports: (G, H), from the factorisation: only the dropped unit's own component
    changes. Their softmax is P(h | E without it), their log-sum-exp log P(E without it)."""
    factors = np.array([group.log_factor() for group in groups]).reshape(len(groups), len(case.hypotheses))
    # Sums of the factors before and after each group, so that no -inf is ever subtracted.
    zero = np.zeros((1, factors.shape[1]))
    before = np.cumsum(np.vstack([zero, factors]), axis=0)
    after = np.cumsum(np.vstack([zero, factors[::-1]]), axis=0)[::-1]
    log_prior = log(pi_mean)
    out: dict[str, np.ndarray] = {}
    for index, group in enumerate(groups):
        rest_of_case = log_prior + before[index] + after[index + 1]
        for unit, log_without in group.log_factor_without().items():
            out[unit] = rest_of_case + log_without
    n_hyp = len(case.hypotheses)
    items = np.array([out[item.id] for item in case.evidence]).reshape(len(case.evidence), n_hyp)
    everything = log_prior + before[-1]  # an event no item reports changes nothing
    events = np.array([out.get(event.id, everything) for event in case.events]).reshape(
        len(case.events), n_hyp
    )
    return items, events


def components(groups: list[_EvidenceGroup]) -> tuple[dict[str, object], ...]:
    """What was done where, for `diagnostics.components`: only the components with an
    uncertain source or an event (the rest are exact closed forms, as always)."""
    out = []
    for group in groups:
        if not group.sources and not group.events:
            continue
        entry: dict[str, object] = {
            "sources": [name for name, _ in group.sources],
            "items": [it.id for it in group.items],
            "events": [f.event.id for f in group.events],
            "method": group.method,
        }
        if group.method == "sampled":
            entry["ess"] = float(group.pool_ess.min())
        out.append(entry)
    return tuple(out)


def leave_one_out(case: Case, seed: int | None = 0) -> np.ndarray:
    """P(h | E without item j) for every item j: (J, H); the same E[pi_h] as `run` with `seed`."""
    rng = np.random.default_rng(seed)
    groups, pi_mean, _, _ = _exact_parts(case, rng, seed)
    return softmax(_leave_one_out(case, groups, pi_mean)[0], axis=1)


def posterior_mean(case: Case, seed: int | None = 0) -> np.ndarray:
    """P(h | E) alone, without the interval draws (what-if analyses re-score many variants)."""
    return _exact_parts(case, np.random.default_rng(seed), seed)[2]


def prior_estimate(case: Case, seed: int | None = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """E[pi_h] exactly as `run` with `seed` estimates it, and its batch estimates (None when
    the priors are points): what the interactive report reuses while no prior is edited."""
    rng = np.random.default_rng(seed)
    return prior_mean(case, np.random.default_rng(rng.integers(2**63)))


def log_marginal(case: Case, seed: int | None = 0) -> tuple[np.ndarray, float]:
    """P(h | E) and log P(E) = log sum_h E[pi_h] P(E | h) under the model (its judgments
    integrated out as for the posterior): what `next` and the conflict measure compare. Cases
    that differ only in their evidence get the same E[pi_h] from one seed, so their log P(E)
    can be subtracted."""
    groups, pi_mean, posterior, _ = _exact_parts(case, np.random.default_rng(seed), seed)
    total = log(pi_mean)
    for group in groups:
        total = total + group.log_factor()
    return posterior, float(logsumexp(total[None, :], axis=1)[0])


def run(
    case: Case,
    draws: int | None = None,
    seed: int | None = 0,
    keep_judgments: bool = False,
    with_leave_one_out: bool = False,
    max_draws: int = DEFAULT_DRAWS,
) -> EngineResult:
    """Score `case`: P(h | E) and equal-weight draws of P(h | E, params); with
    `keep_judgments`, also the posterior draws of every uncertain judgment (for NetCDF); with
    `with_leave_one_out`, P(h | E without item j) from the same groups and grids.

    `draws=None` chooses the number of interval draws: PILOT_DRAWS, then (while the interval
    ends' Monte Carlo standard error, `EngineResult.interval_mcse`, exceeds INTERVAL_MCSE_TARGET)
    up to two numbers projected from the error, never above `max_draws`. The result equals
    `run(case, draws=n)` with the same seed and the n chosen: each attempt starts from the same
    random state."""
    rng = np.random.default_rng(seed)
    n_hyp = len(case.hypotheses)
    groups, pi_mean, posterior_mean, mcse = _exact_parts(case, rng, seed)
    point_case = _is_point_case(case)
    without = without_event = log_without = None
    if with_leave_one_out:
        joint, joint_event = _leave_one_out(case, groups, pi_mean)
        without, without_event = softmax(joint, axis=1), softmax(joint_event, axis=1)
        log_total = log(pi_mean) + sum((g.log_factor() for g in groups), np.zeros(n_hyp))
        # log P(e_j | E without j) = log P(E) - log P(E without j), for the conflict measure.
        with np.errstate(invalid="ignore"):
            log_without = logsumexp(log_total[None, :], axis=1)[0] - logsumexp(joint, axis=1)
    exact = EngineResult(
        "numpy",
        np.empty((0, n_hyp)),
        posterior_mean,
        np.empty((0, n_hyp)),
        0.0,
        0,
        prior_mean=pi_mean,
        mean_mcse=0.0 if point_case else mcse,
        leave_one_out=without,
        event_leave_one_out=without_event,
        components=components(groups),
        log_predictive=log_without,
    )
    if point_case:  # every draw is the answer: no Monte Carlo error to chase
        n = draws or min(PILOT_DRAWS, max_draws)
        return replace(
            exact,
            prior_draws=np.tile(pi_mean, (n, 1)),
            posterior_draws=np.tile(posterior_mean, (n, 1)),
            ess=float(n),
            draws=n,
        )
    start = rng.bit_generator.state

    def attempt(n: int) -> EngineResult:
        rng.bit_generator.state = start
        return replace(exact, **_interval_draws(case, groups, posterior_mean, n, rng, keep_judgments))

    if draws is not None:
        return attempt(draws)
    result = attempt(min(PILOT_DRAWS, max_draws))
    # The error falls as 1/sqrt(ESS), and ESS grows with the draws: project from the pilot, then
    # once more from that attempt (the pilot's estimate is itself ~15% noisy). If ESS stopped
    # growing with the draws, a fixed importance pool limits it: more draws would be wasted.
    for _ in range(2):
        if result.interval_mcse <= INTERVAL_MCSE_TARGET or result.draws >= max_draws:
            break
        n = min(max_draws, max(draws_needed(result.draws, result.interval_mcse), result.draws + 1000))
        previous, result = result, attempt(n)
        if (
            result.interval_mcse > INTERVAL_MCSE_TARGET
            and result.ess < 0.5 * previous.ess * n / previous.draws
        ):
            return replace(result, interval_capped=True)
    return result


def draws_needed(draws: int, error: float) -> int:
    """Draws projected to bring an interval error measured at `draws` to the target (error as
    1/sqrt(draws)), with a fifth more against the estimate's own noise, in whole thousands."""
    return math.ceil(draws * (error / INTERVAL_MCSE_TARGET) ** 2 * 1.2 / 1000) * 1000


def _interval_draws(
    case: Case,
    groups: list[_EvidenceGroup],
    posterior_mean: np.ndarray,
    draws: int,
    rng: np.random.Generator,
    keep_judgments: bool,
) -> dict:
    """`draws` equal-weight draws of pi and of P(h | E, params), their ESS and log evidence,
    and (with `keep_judgments`) every uncertain judgment's draws: EngineResult's fields."""
    n_hyp = len(case.hypotheses)
    log_pi_c, factors = prior_weight_draws(case, draws, rng)
    log_pi_c = log_pi_c - logsumexp(log_pi_c, axis=1)[:, None]
    pi_c = np.exp(log_pi_c)

    # Draw h from P(h | E) by systematic resampling, then every group's parameters given h.
    positions = (np.arange(draws) + rng.random()) / draws
    hypothesis = np.minimum(np.searchsorted(np.cumsum(posterior_mean), positions, side="right"), n_hyp - 1)
    state = _State(
        hypothesis, posterior_mean, np.zeros((draws, n_hyp)), float(draws), {} if keep_judgments else None
    )
    state.note_ess(pi_c)
    prior_index = resample_columns(pi_c, hypothesis, rng)
    state.log_weights += log_pi_c[prior_index]
    if state.judgments is not None:
        state.judgments.update({name: values[prior_index] for name, values in factors.items()})
    for group in groups:
        group.draw(state, draws, rng)
    unshuffled = softmax(state.log_weights, axis=1)
    error = interval_mcse(unshuffled, state.ess, hypothesis, state.pools)
    shuffle = rng.permutation(draws)
    posterior_draws = unshuffled[shuffle]
    log_evidence = logsumexp(state.log_weights, axis=1)[shuffle]
    judgments = None
    if state.judgments is not None:
        judgments = {name: values[shuffle] for name, values in state.judgments.items()}
        for source in case.sources:  # a source no item cites keeps its prior
            name = reliability_place(source.id)
            if not source.reliability.is_point and name not in judgments:
                judgments[name] = source.reliability.sample(rng, draws)
    return {
        "prior_draws": pi_c,
        "posterior_draws": posterior_draws,
        "ess": state.ess,
        "draws": draws,
        "judgments": judgments,
        "log_evidence": log_evidence,
        "interval_mcse": error,
    }
