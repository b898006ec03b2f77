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
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from hypotheses.case import Case, EvidenceItem
from hypotheses.model.likelihood import effective_likelihood
from hypotheses.model.logspace import log, logsumexp, softmax
from hypotheses.model.places import credibility_place, likelihood_place, reliability_place
from hypotheses.model.prior import posterior_mcse, prior_mean, prior_weight_draws
from hypotheses.model.result import EngineResult
from priors import Beta, Judgment, Point

DEFAULT_DRAWS = 20_000  # interval draws, unless asked otherwise
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

    def keep(self, name: str, judgment: Judgment, values: np.ndarray) -> None:
        if self.judgments is not None and not judgment.is_point:
            self.judgments[name] = values

    def note_ess(self, weights: np.ndarray) -> None:
        counted = self.posterior >= ESS_POSTERIOR_FLOOR
        if counted.any():
            self.ess = min(self.ess, float(_kish_ess(weights)[counted].min()))


class _EvidenceGroup:
    """The items citing one source (or none): independent given the source's reliability r."""

    def __init__(
        self,
        reliability: Judgment,
        items: Sequence[EvidenceItem],
        source_id: str | None = None,
        hypothesis_ids: Sequence[str] = (),
    ) -> None:
        self.reliability = reliability
        self.source_id = source_id
        self.hypothesis_ids = hypothesis_ids
        self.items = items
        self.kappa_mean = np.array([it.credibility.mean for it in items])  # (m,)
        self.theta_mean = np.array([[j.mean for j in it.likelihoods] for it in items])  # (m, H)
        self.mix_mean = self.theta_mean.mean(axis=1)  # (m,)
        self.log_w: np.ndarray | None = None  # the grid over r, once built (see `_grid`)

    def expected_likelihood(self, r: np.ndarray) -> np.ndarray:
        """E[lambda_jh | r] for r of shape (M,): (M, m, H), with c = r * kappa.

        Written c theta + (1 - c) mean, never mean + c (theta - mean): the latter cancels a
        likelihood of 1e-300 to exactly 0 and would rule its hypothesis out.
        """
        c = (r[:, None] * self.kappa_mean[None, :])[:, :, None]
        return effective_likelihood(c, self.theta_mean[None], self.mix_mean[None, :, None])

    def log_factor(self) -> np.ndarray:
        """log E[prod_j lambda_jh] per h: exact at E[r] when that is exact (r a point, or one
        item, linear in r), else a quadrature over a grid of r (see `_grid`)."""
        if self.reliability.is_point or len(self.items) == 1:
            exact = log(self.expected_likelihood(np.array([self.reliability.mean]))[0]).sum(axis=0)
            if not self.reliability.is_point:
                self._grid()
            return exact
        return logsumexp(self._grid(), axis=0)

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
        theta = self.theta_mean[:, columns]
        mix = self.mix_mean[:, None]
        out = np.empty((nodes.size, len(columns)))
        step = max(1, _CHUNK_ELEMENTS // max(1, theta.size))
        for start in range(0, nodes.size, step):
            c = (nodes[start : start + step, None] * self.kappa_mean[None, :])[:, :, None]
            out[start : start + step] = log(effective_likelihood(c, theta[None], mix[None])).sum(axis=1)
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

    def log_factor_without(self) -> np.ndarray:
        """log E[prod_{i != j} lambda_ih] for every item j of the group: (items, H).

        With a shared uncertain r, each item's factor is divided out of the group's grid (one
        pass over the items, not a new grid per item); an item whose removal moves r's
        posterior against the grid's edge gets a grid of its own."""
        n_items, n_hyp = self.theta_mean.shape
        if self.reliability.is_point or n_items == 1:
            rows = log(self.expected_likelihood(np.array([self.reliability.mean]))[0])
            zero = np.zeros((1, n_hyp))
            head = np.cumsum(np.vstack([zero, rows]), axis=0)
            tail = np.cumsum(np.vstack([zero, rows[::-1]]), axis=0)[::-1]
            return head[:-1] + tail[1:]
        grid = self._grid()
        out = np.empty((n_items, n_hyp))
        step = max(1, _CHUNK_ELEMENTS // grid.shape[0])  # items per block: bounded memory
        for k in range(n_hyp):
            edges, log_w = self.edges[:, k], grid[:, k, None]
            for first in range(0, n_items, step):
                block = slice(first, first + step)
                c = self.nodes[:, k, None] * self.kappa_mean[None, block]  # (nodes, items)
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
                    rest = [it for i, it in enumerate(self.items) if i != j]
                    alone = _EvidenceGroup(self.reliability, rest, None, self.hypothesis_ids)
                    out[j, k] = alone.log_factor()[k]
        return out

    def draw(self, state: _State, n: int, rng: np.random.Generator) -> None:
        """Add log lambda_jh of each item's posterior draws to every draw's log weights."""
        if self.reliability.is_point:
            r = np.full(state.hypothesis.shape[0], self.reliability.mean)
        else:
            h = state.hypothesis
            weights = np.exp(self.log_w - self.log_w.max(axis=0, keepdims=True))
            node = resample_columns(weights, h, rng)
            # The node itself: thousands of nodes span r's posterior, far finer than the
            # intervals' Monte Carlo error, and each carries exactly its quadrature weight.
            r = self.nodes[node, h]
            state.keep(reliability_place(str(self.source_id)), self.reliability, r)
        for item in self.items:
            self._draw_item(item, r, state, n, rng)

    def _draw_item(
        self, item: EvidenceItem, r: np.ndarray, state: _State, n: int, rng: np.random.Generator
    ) -> None:
        if item.credibility.is_point and all(j.is_point for j in item.likelihoods):
            theta = np.array([[j.mean for j in item.likelihoods]])
            c = (r * item.credibility.mean)[:, None]
            lam = effective_likelihood(c, theta, theta.mean(axis=1, keepdims=True))
            state.log_weights += log(lam)
            return
        theta_c = np.empty((n, len(item.likelihoods)))  # (n, H)
        for k, judgment in enumerate(item.likelihoods):
            theta_c[:, k] = judgment.sample(rng, n)
        kappa_c = item.credibility.sample(rng, n)
        mix_c = theta_c.mean(axis=1)
        # lambda_h(n) = (1 - r) mix_n + r (1 - kappa_n) mix_n + r kappa_n theta_nh: three
        # non-negative parts, each a fixed distribution over candidates, mixed with r-dependent mass.
        part_prior = mix_c
        part_flat = (1.0 - kappa_c) * mix_c
        part_hyp = kappa_c[:, None] * theta_c
        h = state.hypothesis
        mass = np.column_stack(
            [
                (1.0 - r) * part_prior.sum(),
                r * part_flat.sum(),
                r * part_hyp.sum(axis=0)[h],
            ]
        )
        pick = mass.cumsum(axis=1)
        choice = (rng.random(h.shape[0])[:, None] * pick[:, -1:] >= pick[:, :-1]).sum(axis=1)
        candidates = np.empty(h.shape[0], dtype=np.intp)
        for component, weights in enumerate((part_prior[:, None], part_flat[:, None], part_hyp)):
            chosen = np.flatnonzero(choice == component)
            if chosen.size:
                column = h[chosen] if component == 2 else np.zeros(chosen.size, dtype=np.intp)
                candidates[chosen] = resample_columns(weights, column, rng)
        counts = np.bincount(h, minlength=theta_c.shape[1])
        r_typical = np.bincount(h, weights=r, minlength=theta_c.shape[1]) / np.maximum(counts, 1)
        state.note_ess((1.0 - r_typical * kappa_c[:, None]) * mix_c[:, None] + r_typical * part_hyp)
        theta, kappa = theta_c[candidates], kappa_c[candidates]
        for k, (h_id, judgment) in enumerate(zip(self.hypothesis_ids, item.likelihoods, strict=True)):
            state.keep(likelihood_place(item.id, h_id), judgment, theta[:, k])
        state.keep(credibility_place(item.id), item.credibility, kappa)
        c = (r * kappa)[:, None]
        lam = effective_likelihood(c, theta, theta.mean(axis=1, keepdims=True))
        state.log_weights += log(lam)


def _groups(case: Case) -> list[_EvidenceGroup]:
    by_source: dict[str | None, list[EvidenceItem]] = {}
    for item in case.evidence:
        by_source.setdefault(item.source, []).append(item)
    groups = []
    for source_id, items in by_source.items():
        source = case.source(source_id)
        reliability = source.reliability if source else Point(1.0)
        groups.append(_EvidenceGroup(reliability, items, source_id, case.hypothesis_ids))
    return groups


def _is_point_case(case: Case) -> bool:
    judgments = [j for h in case.hypotheses for _, j in h.prior]
    judgments += [s.reliability for s in case.sources]
    judgments += [j for e in case.evidence for j in (e.credibility, *e.likelihoods)]
    return all(j.is_point for j in judgments)


def _exact_parts(case: Case, rng: np.random.Generator):
    """The evidence groups (with their grids), E[pi_h] and its error, and P(h | E): everything
    but the interval draws. Every caller with one seed gets the same E[pi_h]."""
    mean_rng = np.random.default_rng(rng.integers(2**63))  # a stream of its own
    pi_mean, batches = prior_mean(case, mean_rng)
    groups = _groups(case)
    log_factors = np.zeros(len(case.hypotheses))
    for group in groups:
        log_factors = log_factors + group.log_factor()
    posterior = softmax(log(pi_mean) + log_factors)
    return groups, pi_mean, posterior, posterior_mcse(batches, log_factors)


def _leave_one_out(case: Case, groups: list[_EvidenceGroup], pi_mean: np.ndarray) -> np.ndarray:
    """P(h | E without item j) for every item j: (J, H), from the factorisation: only the
    dropped item's own group changes."""
    factors = np.array([group.log_factor() for group in groups]).reshape(len(groups), len(case.hypotheses))
    # Sums of the factors before and after each group, so that no -inf is ever subtracted.
    zero = np.zeros((1, factors.shape[1]))
    before = np.cumsum(np.vstack([zero, factors]), axis=0)
    after = np.cumsum(np.vstack([zero, factors[::-1]]), axis=0)[::-1]
    log_prior = log(pi_mean)
    out = []
    for index, group in enumerate(groups):
        rest_of_case = log_prior + before[index] + after[index + 1]
        out += list(softmax(rest_of_case[None, :] + group.log_factor_without(), axis=1))
    order = {id(item): k for k, item in enumerate(it for g in groups for it in g.items)}
    out = [out[order[id(item)]] for item in case.evidence]
    return np.array(out).reshape(len(case.evidence), len(case.hypotheses))


def leave_one_out(case: Case, seed: int | None = 0) -> np.ndarray:
    """P(h | E without item j) for every item j: (J, H); the same E[pi_h] as `run` with `seed`."""
    rng = np.random.default_rng(seed)
    groups, pi_mean, _, _ = _exact_parts(case, rng)
    return _leave_one_out(case, groups, pi_mean)


def posterior_mean(case: Case, seed: int | None = 0) -> np.ndarray:
    """P(h | E) alone, without the interval draws (what-if analyses re-score many variants)."""
    return _exact_parts(case, np.random.default_rng(seed))[2]


def run(
    case: Case,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = 0,
    keep_judgments: bool = False,
    with_leave_one_out: bool = False,
) -> EngineResult:
    """Score `case`: P(h | E) and `draws` equal-weight draws of P(h | E, params); with
    `keep_judgments`, also the posterior draws of every uncertain judgment (for NetCDF); with
    `with_leave_one_out`, P(h | E without item j) from the same groups and grids."""
    rng = np.random.default_rng(seed)
    n_hyp = len(case.hypotheses)
    groups, pi_mean, posterior_mean, mcse = _exact_parts(case, rng)
    point_case = _is_point_case(case)
    without = _leave_one_out(case, groups, pi_mean) if with_leave_one_out else None

    if point_case:
        return EngineResult(
            "numpy",
            np.tile(pi_mean, (draws, 1)),
            posterior_mean,
            np.tile(posterior_mean, (draws, 1)),
            float(draws),
            draws,
            prior_mean=pi_mean,
            leave_one_out=without,
        )

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
    shuffle = rng.permutation(draws)
    posterior_draws = softmax(state.log_weights, axis=1)[shuffle]
    log_evidence = logsumexp(state.log_weights, axis=1)[shuffle]
    judgments = None
    if state.judgments is not None:
        judgments = {name: values[shuffle] for name, values in state.judgments.items()}
        for source in case.sources:  # a source no item cites keeps its prior
            name = reliability_place(source.id)
            if not source.reliability.is_point and name not in judgments:
                judgments[name] = source.reliability.sample(rng, draws)
    return EngineResult(
        "numpy",
        pi_c,
        posterior_mean,
        posterior_draws,
        state.ess,
        draws,
        judgments=judgments,
        prior_mean=pi_mean,
        mean_mcse=mcse,
        leave_one_out=without,
        log_evidence=log_evidence,
    )
