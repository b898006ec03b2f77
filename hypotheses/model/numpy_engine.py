"""The numpy engine (docs/model.md section 3): exact posterior probabilities from the model's
factorisation, and credible intervals from per-component importance resampling.

Given the hypothesis h, the prior weights and each component's parameters are independent
(`hypotheses.model.factors`), so P(h | E) ∝ E[pi_h] * prod_g E[prod_{j in g} lambda_jh]. Each
component is scored by one of three strategies (`hypotheses.model.components`); given its
reliabilities every item's parameters are drawn exactly, so no step resamples in more than one
item's dimensions and ESS does not collapse as evidence grows.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import numpy as np

from hypotheses.case import Case
from hypotheses.model.components import (
    ComponentScore,
    DrawState,
    PointItems,
    Sampled,
    resample_columns,
    score_component,
)
from hypotheses.model.factors import CompiledCase, Component, compile_case
from hypotheses.model.logspace import log, logsumexp, softmax
from hypotheses.model.places import reliability_place
from hypotheses.model.prior import posterior_mcse, prior_mean, prior_weight_draws
from hypotheses.model.result import EngineResult, interval_mcse
from hypotheses.settings import DEFAULT_SEED, INTERVAL_MCSE_TARGET, NUMPY_DEFAULT_DRAWS, PILOT_DRAWS

T = TypeVar("T")
DEFAULT_DRAWS = NUMPY_DEFAULT_DRAWS  # the most interval draws chosen, unless asked otherwise


class ScoreCache:
    """Scored components and prior means kept across cases that share them: `pool`'s cruxes
    and `diff`'s what-ifs score many variants of a case that differ in one judgment, so every
    component that judgment does not enter, and the prior when it is not a prior's, is scored
    once. Keyed by content and seed (a score is a pure function of them); it keeps a
    component's log factor and batch estimates only (never its grid or pool: megabytes each, and
    an edit's own component is rarely asked for again); the least recently used go first. A
    sampled component's first version is kept whole, as a base: an edit of one of its items or
    events then reuses its pool and reweights only what changed (components.Sampled)."""

    def __init__(self, size: int = 512, bases: int = 8) -> None:
        self.size, self.most_bases = size, bases
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._bases: OrderedDict[Hashable, Sampled] = OrderedDict()

    def sampled(self, key: Hashable, make: Callable[[Sampled | None], Sampled]) -> Sampled:
        """A sampled component made from the base kept under `key` (made whole, and kept as
        the base, when there is none)."""
        base = self._bases.get(key)
        if base is not None:
            self._bases.move_to_end(key)
            return make(base)
        made = self._bases[key] = make(None)
        if len(self._bases) > self.most_bases:
            self._bases.popitem(last=False)
        return made

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The value kept under `key`, made by `make()` on a miss."""
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        value = self._entries[key] = make()
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return value


@dataclass(frozen=True, eq=False, repr=False)  # never compared or printed: no generated methods to build
class _Kept:
    """A scored component as the cache keeps it: what P(h | E) and its error read."""

    factor: np.ndarray  # (H,) log E[prod of the component's factors | h]
    mcse_batches: np.ndarray | None

    def log_factor(self) -> np.ndarray:
        return self.factor


def _scored(
    compiled: CompiledCase, seed: int, cache: ScoreCache | None
) -> list[ComponentScore] | list[_Kept]:
    n_hyp = len(compiled.hypothesis_ids)

    def make(component: Component) -> ComponentScore:
        if component.points_only:  # exact, vectorised, from rows compiled once: nothing to cache
            return PointItems(component, n_hyp, compiled.reliability, seed, compiled.point_rows)
        if cache is None or component.method != "sampled":
            return score_component(component, n_hyp, compiled.reliability, seed)
        base = ("base", component.sources, tuple(it.id for it in component.members), n_hyp, seed)
        return cache.sampled(base, lambda like: Sampled(component, n_hyp, compiled.reliability, seed, like))

    if cache is None:
        return [make(c) for c in compiled.components]
    out: list[_Kept] = []
    for component in compiled.components:
        if component.points_only:
            out.append(_kept(make(component)))
            continue
        # A component's score depends on its factors, its uncertain sources and the point
        # reliabilities on its chains: the key holds all three.
        points = tuple(sorted({(s, compiled.reliability[s]) for it in component.members for s in it.chain}))
        key = ("component", component, points, n_hyp, seed)
        out.append(cache.get(key, lambda c=component: _kept(make(c))))
    return out


def _kept(part: ComponentScore) -> _Kept:
    return _Kept(part.log_factor(), part.mcse_batches)


def _is_point_case(case: Case) -> bool:
    """Every judgment the model reads is a point (its rates and origins included)."""
    return compile_case(case).all_points


def _exact_parts(
    case: Case, rng: np.random.Generator, seed: int | None = DEFAULT_SEED, cache: ScoreCache | None = None
) -> tuple[list[ComponentScore] | list[_Kept], np.ndarray, np.ndarray, float]:
    """The scored components (with their grids and pools), E[pi_h] and its error, and P(h | E):
    everything but the interval draws. Every caller with one seed gets the same E[pi_h]."""
    prior_rng = np.random.default_rng(rng.integers(2**63))  # its own stream
    if cache is None or seed is None:
        pi_mean, batches = prior_mean(case, prior_rng)
    else:
        key = ("prior", tuple(h.prior for h in case.hypotheses), seed)
        pi_mean, batches = cache.get(key, lambda: prior_mean(case, prior_rng))
    parts = _scored(compile_case(case), 0 if seed is None else seed, cache)
    log_factors = np.zeros(len(case.hypotheses))
    for part in parts:
        log_factors = log_factors + part.log_factor()
    posterior = softmax(log(pi_mean) + log_factors)
    mcse = posterior_mcse(batches, log_factors)
    for part in parts:  # sampled components: their own batch spread, independent streams
        if part.mcse_batches is not None:
            rest = log(pi_mean) + log_factors - part.log_factor()
            each = softmax(rest[None, :] + part.mcse_batches, axis=1)
            mcse = math.hypot(mcse, float((each.std(axis=0, ddof=1) / math.sqrt(len(each))).max()))
    return parts, pi_mean, posterior, mcse


def _leave_one_out(
    case: Case, parts: list[ComponentScore], pi_mean: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """log E[pi_h] + log P(E without item j | h) for every item j: (J, H), and the same without
    each event's reports, then each origin's items: (G + O, H), from the factorisation: only the
    dropped unit's own component changes. Their softmax is P(h | E without it), their
    log-sum-exp log P(E without it)."""
    factors = np.array([part.log_factor() for part in parts]).reshape(len(parts), len(case.hypotheses))
    # Sums of the factors before and after each part, so that no -inf is ever subtracted.
    zero = np.zeros((1, factors.shape[1]))
    before = np.cumsum(np.vstack([zero, factors]), axis=0)
    after = np.cumsum(np.vstack([zero, factors[::-1]]), axis=0)[::-1]
    log_prior = log(pi_mean)
    out: dict[str, np.ndarray] = {}
    for index, part in enumerate(parts):
        rest_of_case = log_prior + before[index] + after[index + 1]
        for unit, log_without in part.log_factor_without().items():
            out[unit] = rest_of_case + log_without
    n_hyp = len(case.hypotheses)
    items = np.array([out[item.id] for item in case.evidence]).reshape(len(case.evidence), n_hyp)
    everything = log_prior + before[-1]  # an event no item reports changes nothing
    groups = [*case.events, *case.origins]
    events = np.array([out.get(group.id, everything) for group in groups]).reshape(len(groups), n_hyp)
    return items, events


def components(parts: list[ComponentScore]) -> tuple[dict[str, object], ...]:
    """What was done where, for `diagnostics.components`: only the components with an
    uncertain source or an event (the rest are exact closed forms, as always)."""
    out = []
    for part in parts:
        if not part.sources and not part.events:
            continue
        entry: dict[str, object] = {
            "sources": [name for name, _ in part.sources],
            "items": [it.id for it in part.items],
            "events": [f.factor.owner for f in part.events if f.factor.event is not None],
            "method": part.method,
        }
        origins = [f.factor.owner for f in part.events if f.factor.origin is not None]
        if origins:
            entry["origins"] = origins
        if part.method == "sampled":
            entry["ess"] = float(part.pool_ess.min())
        elif part.method == "quadrature":
            entry["nodes"] = int(part.pool.shape[0])
        out.append(entry)
    return tuple(out)


def leave_one_out(case: Case, seed: int | None = DEFAULT_SEED) -> np.ndarray:
    """P(h | E without item j) for every item j: (J, H); the same E[pi_h] as `run` with `seed`."""
    rng = np.random.default_rng(seed)
    parts, pi_mean, _, _ = _exact_parts(case, rng, seed)
    return softmax(_leave_one_out(case, parts, pi_mean)[0], axis=1)


def posterior_mean(
    case: Case, seed: int | None = DEFAULT_SEED, cache: ScoreCache | None = None
) -> np.ndarray:
    """P(h | E) alone, without the interval draws (what-if analyses re-score many variants:
    with one `cache`, each scores only what its edit changed)."""
    return _exact_parts(case, np.random.default_rng(seed), seed, cache)[2]


def prior_estimate(case: Case, seed: int | None = DEFAULT_SEED) -> tuple[np.ndarray, np.ndarray | None]:
    """E[pi_h] exactly as `run` with `seed` estimates it, and its batch estimates (None when
    the priors are points): what the interactive report reuses while no prior is edited."""
    rng = np.random.default_rng(seed)
    return prior_mean(case, np.random.default_rng(rng.integers(2**63)))


def log_marginal(
    case: Case, seed: int | None = DEFAULT_SEED, cache: ScoreCache | None = None
) -> tuple[np.ndarray, float]:
    """P(h | E) and log P(E) = log sum_h E[pi_h] P(E | h) under the model (its judgments
    integrated out as for the posterior): what `next` and the conflict measure compare. Cases
    that differ only in their evidence get the same E[pi_h] from one seed, so their log P(E)
    can be subtracted."""
    parts, pi_mean, posterior, _ = _exact_parts(case, np.random.default_rng(seed), seed, cache)
    return posterior, float(logsumexp(_joint(parts, pi_mean)[None, :], axis=1)[0])


def log_joint(
    case: Case, seed: int | None = DEFAULT_SEED, cache: ScoreCache | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """P(h | E) and J(h) = log E[pi_h] + sum_c log f_c(h) = log P(h | E) + log P(E), the latter
    unnormalised: a posterior below 1e-308 keeps its log (what `diff` adds and subtracts)."""
    parts, pi_mean, posterior, _ = _exact_parts(case, np.random.default_rng(seed), seed, cache)
    return posterior, _joint(parts, pi_mean)


def _joint(parts: Sequence[ComponentScore | _Kept], pi_mean: np.ndarray) -> np.ndarray:
    total = log(pi_mean)
    for part in parts:
        total = total + part.log_factor()
    return total


def run(
    case: Case,
    draws: int | None = None,
    seed: int | None = DEFAULT_SEED,
    keep_judgments: bool = False,
    with_leave_one_out: bool = False,
    max_draws: int = DEFAULT_DRAWS,
) -> EngineResult:
    """Score `case`: P(h | E) and equal-weight draws of P(h | E, params); with
    `keep_judgments`, also the posterior draws of every uncertain judgment (for NetCDF); with
    `with_leave_one_out`, P(h | E without item j) from the same parts and grids.

    `draws=None` chooses the number of interval draws: PILOT_DRAWS, then (while the interval
    ends' Monte Carlo standard error, `EngineResult.interval_mcse`, exceeds INTERVAL_MCSE_TARGET)
    up to two numbers projected from the error, never above `max_draws`. The result equals
    `run(case, draws=n)` with the same seed and the n chosen: each attempt starts from the same
    random state."""
    rng = np.random.default_rng(seed)
    n_hyp = len(case.hypotheses)
    parts, pi_mean, posterior_mean, mcse = _exact_parts(case, rng, seed)
    point_case = _is_point_case(case)
    without = without_event = log_without = None
    if with_leave_one_out:
        joint, joint_event = _leave_one_out(case, parts, pi_mean)
        without, without_event = softmax(joint, axis=1), softmax(joint_event, axis=1)
        log_total = log(pi_mean) + sum((g.log_factor() for g in parts), np.zeros(n_hyp))
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
        components=components(parts),
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
        return replace(exact, **_interval_draws(case, parts, posterior_mean, n, rng, keep_judgments))

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
    parts: list[ComponentScore],
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

    # Draw h from P(h | E) by systematic resampling, then every part's parameters given h.
    positions = (np.arange(draws) + rng.random()) / draws
    hypothesis = np.minimum(np.searchsorted(np.cumsum(posterior_mean), positions, side="right"), n_hyp - 1)
    judgments: dict[str, np.ndarray] | None = {} if keep_judgments else None
    state = DrawState(
        case.hypothesis_ids, hypothesis, posterior_mean, np.zeros((draws, n_hyp)), float(draws), judgments
    )
    state.note_ess(pi_c)
    prior_index = resample_columns(pi_c, hypothesis, rng)
    state.log_weights += log_pi_c[prior_index]
    if state.judgments is not None:
        state.judgments.update({name: values[prior_index] for name, values in factors.items()})
    for part in parts:
        part.draw(state, draws, rng)
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
