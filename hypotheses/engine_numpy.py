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

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from hypotheses.case import Case, EvidenceItem
from priors import Beta, Judgment, Point
from priors.betafit import beta_cdf_array

# Cells of the grid over a source's reliability (the one parameter shared between items).
GRID_CELLS = 2048
# Hypotheses below this posterior get few draws; their resampling ESS does not limit the answer.
ESS_POSTERIOR_FLOOR = 0.01


@dataclass(frozen=True)
class EngineResult:
    """What an engine computed: P(h | E) and equal-weight draws of the quantities reported."""

    engine: str
    prior_draws: np.ndarray  # (draws, H): pi_h under the prior
    posterior_mean: np.ndarray  # (H,): P(h | E)
    posterior_draws: np.ndarray  # (draws, H): P(h | E, params), params ~ p(params | E)
    ess: float
    draws: int
    seed: int | None
    rhat: float | None = None
    divergences: int | None = None
    judgments: dict[str, np.ndarray] | None = None  # posterior draws of each uncertain judgment
    inference_data: Any = None  # arviz.InferenceData, from the pymc engine


def _logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(peak, axis) + np.log(np.sum(np.exp(x - peak), axis=axis))


def _softmax(log_weights: np.ndarray, axis: int = -1) -> np.ndarray:
    peak = np.max(log_weights, axis=axis, keepdims=True)
    weights = np.exp(log_weights - peak)
    return weights / weights.sum(axis=axis, keepdims=True)


def _log(x: np.ndarray | float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.log(x)


def _kish_ess(weights: np.ndarray) -> np.ndarray:
    """Kish's effective sample size of each column of non-negative weights."""
    total = weights.sum(axis=0)
    squares = np.square(weights).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(squares > 0, total**2 / squares, 0.0)


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
class _Draws:
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

    def expected_likelihood(self, r: np.ndarray) -> np.ndarray:
        """E[lambda_jh | r] for r of shape (M,): (M, m, H), with c = r * kappa.

        Written c theta + (1 - c) mean, never mean + c (theta - mean): the latter cancels a
        likelihood of 1e-300 to exactly 0 and would rule its hypothesis out.
        """
        c = (r[:, None] * self.kappa_mean[None, :])[:, :, None]
        return c * self.theta_mean[None] + (1.0 - c) * self.mix_mean[None, :, None]

    def log_factor(self, rng: np.random.Generator) -> np.ndarray:
        """log E[prod_j lambda_jh] per h: exact at E[r] when that is exact (r a point, or one
        item, linear in r), else a quadrature over a grid of r (see `_grid`)."""
        if self.reliability.is_point or len(self.items) == 1:
            exact = _log(self.expected_likelihood(np.array([self.reliability.mean]))[0]).sum(axis=0)
            if not self.reliability.is_point:
                self._grid()
            return exact
        return _logsumexp(self._grid(), axis=0)

    def _grid(self) -> np.ndarray:
        """The posterior of r given each h, on a grid: log(prior mass of cell) + log E[prod
        lambda | r at the cell's middle], shape (cells, H). r is one-dimensional, so a grid is
        exact where importance sampling from r's prior would collapse as items accumulate.
        A second pass regrids onto the region holding the posterior mass of every h."""
        judgment = self.reliability
        assert isinstance(judgment, Beta)
        sd = np.sqrt(judgment.mean * (1 - judgment.mean) / (judgment.a + judgment.b + 1))
        lo, hi = max(0.0, judgment.mean - 12 * sd), min(1.0, judgment.mean + 12 * sd)
        for refined in (False, True):
            edges = np.linspace(lo, hi, GRID_CELLS + 1)
            cdf = beta_cdf_array(edges, judgment.a, judgment.b)
            if not refined:  # the prior's far tails join the end cells, so the masses sum to 1
                cdf[0], cdf[-1] = 0.0, 1.0
            middle = 0.5 * (edges[:-1] + edges[1:])
            log_w = _log(np.diff(cdf))[:, None] + _log(self.expected_likelihood(middle)).sum(axis=1)
            posterior = np.exp(log_w - log_w.max(axis=0))
            posterior /= posterior.sum(axis=0)
            cumulative = posterior.cumsum(axis=0)
            first = int(min(np.searchsorted(cumulative[:, k], 1e-12) for k in range(cumulative.shape[1])))
            last = int(max(np.searchsorted(cumulative[:, k], 1 - 1e-12) for k in range(cumulative.shape[1])))
            if refined or last - first >= GRID_CELLS // 8:
                break
            lo, hi = edges[max(first - 1, 0)], edges[min(last + 2, GRID_CELLS)]
        self.edges, self.log_w = edges, log_w
        return log_w

    def draw(self, draws: _Draws, n: int, rng: np.random.Generator) -> None:
        """Add log lambda_jh of each item's posterior draws to every draw's log weights."""
        if self.reliability.is_point:
            r = np.full(draws.hypothesis.shape[0], self.reliability.mean)
        else:
            weights = np.exp(self.log_w - self.log_w.max(axis=0, keepdims=True))
            cell = resample_columns(weights, draws.hypothesis, rng)
            width = self.edges[cell + 1] - self.edges[cell]
            r = self.edges[cell] + rng.random(cell.shape[0]) * width
            draws.keep(f"reliability/{self.source_id}", self.reliability, r)
        for item in self.items:
            self._draw_item(item, r, draws, n, rng)

    def _draw_item(
        self, item: EvidenceItem, r: np.ndarray, draws: _Draws, n: int, rng: np.random.Generator
    ) -> None:
        if item.credibility.is_point and all(j.is_point for j in item.likelihoods):
            theta = np.array([[j.mean for j in item.likelihoods]])
            c = (r * item.credibility.mean)[:, None]
            lam = c * theta + (1.0 - c) * theta.mean(axis=1, keepdims=True)
            draws.log_weights += _log(lam)
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
        h = draws.hypothesis
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
        draws.note_ess((1.0 - r_typical * kappa_c[:, None]) * mix_c[:, None] + r_typical * part_hyp)
        theta, kappa = theta_c[candidates], kappa_c[candidates]
        for k, (h_id, judgment) in enumerate(zip(self.hypothesis_ids, item.likelihoods, strict=True)):
            draws.keep(f"lik/{item.id}/{h_id}", judgment, theta[:, k])
        draws.keep(f"credibility/{item.id}", item.credibility, kappa)
        c = (r * kappa)[:, None]
        lam = c * theta + (1.0 - c) * theta.mean(axis=1, keepdims=True)
        draws.log_weights += _log(lam)


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


def _prior_weights(case: Case, n: int, rng: np.random.Generator) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """log w_h = sum_f log phi_hf for n draws from the prior: (n, H); and the factor draws."""
    log_w = np.zeros((n, len(case.hypotheses)))
    factors: dict[str, np.ndarray] = {}
    for column, hypothesis in enumerate(case.hypotheses):
        for factor, judgment in hypothesis.prior:
            values = judgment.sample(rng, n)
            log_w[:, column] += _log(values)
            if not judgment.is_point:
                factors[f"prior/{hypothesis.id}" + ("" if factor == "prior" else f"/{factor}")] = values
    return log_w, factors


def _is_point_case(case: Case) -> bool:
    judgments = [j for h in case.hypotheses for _, j in h.prior]
    judgments += [s.reliability for s in case.sources]
    judgments += [j for e in case.evidence for j in (e.credibility, *e.likelihoods)]
    return all(j.is_point for j in judgments)


def _prior_and_posterior(case: Case, draws: int, rng: np.random.Generator):
    """Prior draws of pi, the evidence groups (with their grids) and P(h | E)."""
    point_case = _is_point_case(case)
    log_pi_c, factors = _prior_weights(case, 1 if point_case else draws, rng)
    log_pi_c = log_pi_c - _logsumexp(log_pi_c, axis=1)[:, None]
    pi_c = np.exp(log_pi_c)
    groups = _groups(case)
    log_post = _log(pi_c.mean(axis=0))
    for group in groups:
        log_post = log_post + group.log_factor(rng)
    return point_case, log_pi_c, pi_c, groups, _softmax(log_post), factors


def leave_one_out(case: Case, draws: int = 20_000, seed: int | None = 0) -> np.ndarray:
    """P(h | E without item j) for every item j: (J, H). Uses the factorisation: only the
    dropped item's own group is recomputed."""
    rng = np.random.default_rng(seed)
    _, _, pi_c, groups, _, _ = _prior_and_posterior(case, draws, rng)
    factors = np.array([group.log_factor(rng) for group in groups]).reshape(len(groups), len(case.hypotheses))
    # Sums of the factors before and after each group, so that no -inf is ever subtracted.
    zero = np.zeros((1, factors.shape[1]))
    before = np.cumsum(np.vstack([zero, factors]), axis=0)
    after = np.cumsum(np.vstack([zero, factors[::-1]]), axis=0)[::-1]
    log_prior = _log(pi_c.mean(axis=0))
    out = []
    for index, group in enumerate(groups):
        rest_of_case = log_prior + before[index] + after[index + 1]
        if group.reliability.is_point:
            # Items are independent given a point r: drop one item's own factor, summing the
            # others from both ends (never subtracting a -inf).
            rows = _log(group.expected_likelihood(np.array([group.reliability.mean]))[0])
            head = np.cumsum(np.vstack([zero, rows]), axis=0)
            tail = np.cumsum(np.vstack([zero, rows[::-1]]), axis=0)[::-1]
            out += [_softmax(rest_of_case + head[k] + tail[k + 1]) for k in range(len(group.items))]
            continue
        for item in group.items:
            rest = [it for it in group.items if it is not item]
            without = _EvidenceGroup(group.reliability, rest).log_factor(rng) if rest else 0.0
            out.append(_softmax(rest_of_case + without))
    order = {id(item): k for k, item in enumerate(it for g in groups for it in g.items)}
    out = [out[order[id(item)]] for item in case.evidence]
    return np.array(out).reshape(len(case.evidence), len(case.hypotheses))


def posterior_mean(case: Case, draws: int = 20_000, seed: int | None = 0) -> np.ndarray:
    """P(h | E) alone, without the interval draws (what-if analyses re-score many variants)."""
    return _prior_and_posterior(case, draws, np.random.default_rng(seed))[4]


def run(case: Case, draws: int = 20_000, seed: int | None = 0, keep_judgments: bool = False) -> EngineResult:
    """Score `case`: P(h | E) and `draws` equal-weight draws of P(h | E, params); with
    `keep_judgments`, also the posterior draws of every uncertain judgment (for NetCDF)."""
    rng = np.random.default_rng(seed)
    n_hyp = len(case.hypotheses)
    point_case, log_pi_c, pi_c, groups, posterior_mean, factors = _prior_and_posterior(case, draws, rng)
    prior_mean = pi_c.mean(axis=0)

    if point_case:
        return EngineResult(
            "numpy",
            np.tile(prior_mean, (draws, 1)),
            posterior_mean,
            np.tile(posterior_mean, (draws, 1)),
            float(draws),
            draws,
            seed,
        )

    # Draw h from P(h | E) by systematic resampling, then every group's parameters given h.
    positions = (np.arange(draws) + rng.random()) / draws
    hypothesis = np.minimum(np.searchsorted(np.cumsum(posterior_mean), positions, side="right"), n_hyp - 1)
    state = _Draws(
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
    posterior_draws = _softmax(state.log_weights, axis=1)[shuffle]
    judgments = None
    if state.judgments is not None:
        judgments = {name: values[shuffle] for name, values in state.judgments.items()}
        for source in case.sources:  # a source no item cites keeps its prior
            name = f"reliability/{source.id}"
            if not source.reliability.is_point and name not in judgments:
                judgments[name] = source.reliability.sample(rng, draws)
    return EngineResult(
        "numpy", pi_c, posterior_mean, posterior_draws, state.ess, draws, seed, judgments=judgments
    )
