"""The model-based pool (docs/model.md section 9): the analysts' judgments of each place they
state differently, as noisy readings of a latent consensus; the team's case is the case with
each such judgment at its consensus, uncertain as far as the analysts disagree, scored like any.

    y_ip = logit(m_ip)  (log for a ratio),  m_ip: analyst i's mean judgment at place p
    y_ip ~ Normal(mu_p, sqrt(tau^2 + s_ip^2)),   s_ip: analyst i's own uncertainty (delta method)
    mu_p flat,   tau ~ HalfNormal(1)   (tau: the team's disagreement, shared by places)

Given tau the model is conjugate: mu_p integrates out in closed form, so tau's posterior is one-
dimensional and is computed on a grid, and mu_p given tau is Normal around a weighted mean of
the analysts' readings. The consensus at p has mean logistic(E[mu_p]) (exp for a ratio): a
weighted mean of readings mapped back by a monotone function, so it lies within the analysts'
range (a flat prior on mu_p, because any other would pull it outside). A group of relative
judgments (point prior weights of one factor, an item's point ratios) is a composition: its
consensus is the same weighted mean of the analysts' shares, which keeps a share every analyst
states and keeps the shares summing to 1 (pooling them one by one on the log scale did neither).
Exact up to quadrature, deterministic, milliseconds: `consensus_model` is the same model in
PyMC, the reference it is tested against. Places where every analyst states the same judgment
keep it (their agreement would otherwise pin tau at 0, where the model has no proper
posterior), and places only one analyst states keep that analyst's judgment.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hypotheses.analysis.edits import (
    EditError,
    find_item,
    in_order,
    relative_places,
    with_item_from,
    with_judgment,
)
from hypotheses.case import Case
from priors import Beta, Judgment, LogNormal, Point

# Logits of a judgment of exactly 0 or 1 are infinite: such a statement is read as this close.
EDGE = 1e-6
# A consensus Beta no more concentrated than this (a + b), so that agreeing analysts do not make
# a judgment sharper than any of them stated it.
MAX_CONCENTRATION = 1e4
MIN_CONCENTRATION = 1e-3


@dataclass(frozen=True)
class Consensus:
    case: Case  # the team's case: shared judgments at their consensus
    places: dict[str, Judgment]  # the consensus judgment of each place two analysts or more state
    disagreement: float  # posterior mean of tau (logit units)


def _scale(place: str, values: list[Judgment], item_ratios: bool) -> str:
    """'logit' for probabilities, 'log' for ratios and for prior weights above 1."""
    if item_ratios or any(isinstance(v, LogNormal) for v in values):
        return "log"
    if place.startswith("prior/") and any(v.mean > 1 for v in values):
        return "log"
    return "logit"


def _reading(judgment: Judgment, scale: str) -> tuple[float, float]:
    """The analyst's mean on the place's scale, and its standard deviation there (0 for a point)."""
    m = judgment.mean
    if scale == "log":
        if isinstance(judgment, LogNormal):
            return judgment.mu + 0.5 * judgment.sigma**2, judgment.sigma
        return math.log(max(m, EDGE)), 0.0
    m = min(max(m, EDGE), 1 - EDGE)
    sd = 0.0
    if isinstance(judgment, Beta):
        sd = math.sqrt(m * (1 - m) / (judgment.a + judgment.b + 1)) / (m * (1 - m))
    return math.log(m / (1 - m)), sd


def team_structure(cases: Sequence[Case]) -> Case:
    """The first case with every item another analyst has and it lacks (with their sources)."""
    team = cases[0]
    for other in cases[1:]:
        for item in (*other.evidence, *other.pending):
            if find_item(team, item.id) is None:
                try:
                    team = with_item_from(team, other, item.id)
                except EditError:
                    continue
    return team


TAU_SCALE = 1.0  # tau ~ HalfNormal(1)
TAU_GRID = 4096  # nodes of tau's posterior (midpoints)


@dataclass(frozen=True)
class Readings:
    """The disputed places and what each analyst stated there, on the place's scale."""

    team: Case
    totals: dict[str, float]  # a relative place's total in the team's case (its units)
    names: list[str]
    scales: list[str]
    index: np.ndarray  # (R,) the place of each reading
    y: np.ndarray  # (R,)
    s: np.ndarray  # (R,)
    m: np.ndarray  # (R,) the analyst's mean in the place's units (a share for a relative place)


def readings(cases: Sequence[Case]) -> Readings:
    """Every place of the team's case that two analysts or more state, and state differently
    (judgments of an item only from analysts whose item stands as the team's does)."""
    ids = cases[0].hypothesis_ids
    cases = [in_order(c, ids) for c in cases]
    team = team_structure(cases)
    # Relative judgments (point prior weights of one factor, an item's point ratios) as
    # proportions: 200:40:3 and 0.8:0.16:0.012 are one judgment.
    stated = [relative_places(c)[0] for c in cases]
    shapes: dict[int, dict[str, tuple[object, ...]]] = {}
    for k, c in enumerate(cases):  # by position: the same file given twice is two analysts
        for it in (*c.evidence, *c.pending):
            shapes.setdefault(it.id, {})[k] = (it.observed, it.source, it.via, it.reports, it.ratios)
    names: list[str] = []
    scales: list[str] = []
    rows: list[tuple[int, float, float, float]] = []
    team_places, totals = relative_places(team)
    for place in team_places:
        kind, _, rest = place.partition("/")
        owner = rest.rpartition("/")[0] if kind == "lik" else rest
        item = find_item(team, owner) if kind in ("lik", "credibility") else None
        shape = (item.observed, item.source, item.via, item.reports, item.ratios) if item else None
        values = [
            st[place]
            for k, st in enumerate(stated)
            if place in st and (item is None or shapes[owner].get(k) == shape)
        ]
        if len(values) < 2 or len({(type(v), repr(v)) for v in values}) < 2:
            continue
        # A relative judgment (a proportion) lives on the log scale and goes back as a weight.
        scale = "log" if place in totals else _scale(place, values, bool(item and item.ratios))
        readings_here = [_reading(v, scale) for v in values]
        if len({(round(y, 9), round(sd, 9)) for y, sd in readings_here}) < 2:
            continue  # written differently, meant alike ('likely' and [0.55, 0.8])
        names.append(place)
        scales.append(scale)
        rows += [(len(names) - 1, y, sd, v.mean) for (y, sd), v in zip(readings_here, values, strict=True)]
    return Readings(
        team,
        totals,
        names,
        scales,
        np.array([r[0] for r in rows], dtype=int),
        np.array([r[1] for r in rows]),
        np.array([r[2] for r in rows]),
        np.array([r[3] for r in rows]),
    )


def _tau_posterior(r: Readings) -> tuple[np.ndarray, np.ndarray]:
    """Nodes of tau and their normalised posterior weights: the marginal likelihood of the
    readings with every mu_p integrated out under its flat prior, times the HalfNormal prior,
    by the midpoint rule."""
    # Midpoints on [0, top]: far enough that the likelihood has let go even when analysts say 0
    # and 1 (logits 28 apart, where tau near 10 still holds mass), the prior well past its tail.
    top = max(8.0, 3.0 * float(np.ptp(r.y)) + 3.0 * float(r.s.max(initial=0.0)))
    tau = (np.arange(TAU_GRID) + 0.5) * (top / TAU_GRID)
    log_prior = -0.5 * (tau / TAU_SCALE) ** 2  # HalfNormal, up to a constant
    d = tau[:, None] ** 2 + r.s[None, :] ** 2  # (T, R)
    log_like = np.zeros(tau.size)
    for p in range(len(r.names)):
        mine = r.index == p
        dp, yp = d[:, mine], r.y[mine]
        inv = (1.0 / dp).sum(axis=1)
        weighted = (yp / dp).sum(axis=1)
        # integral over mu of prod_i Normal(y_i; mu, d_i), up to a constant: the flat prior's
        # limit of the Normal(0, S^2) prior's marginal, S^2 dropped as it is the same for all tau
        log_det = np.log(dp).sum(axis=1) + np.log(inv)
        quad = (yp**2 / dp).sum(axis=1) - weighted**2 / inv
        log_like += -0.5 * (log_det + quad)
    log_like = log_like + log_prior
    w = np.exp(log_like - log_like.max())
    return tau, w / w.sum()


def trigamma(x: float) -> float:
    """psi'(x) for x > 0: the recurrence up to x >= 10, then the asymptotic series (error < 1e-12);
    the standard library's way, as scipy.special costs the command line ~0.4 s to import."""
    total = 0.0
    while x < 10.0:
        total += 1.0 / (x * x)
        x += 1.0
    inv2 = 1.0 / (x * x)
    series = 1.0 / x + inv2 / 2 + (1 / 6 - inv2 * (1 / 30 - inv2 * (1 / 42 - inv2 / 30))) * inv2 / x
    return total + series


def logit_beta(mean: float, variance: float) -> Beta:
    """The Beta with this mean whose logit has this variance (Var[logit X] = psi'(a) + psi'(b)
    is decreasing in a + b at a fixed mean, so a bisection on log(a + b) finds it), its a + b
    kept within [MIN_CONCENTRATION, MAX_CONCENTRATION]."""

    def logit_variance(c: float) -> float:
        return trigamma(mean * c) + trigamma((1 - mean) * c)

    lo, hi = math.log(MIN_CONCENTRATION), math.log(MAX_CONCENTRATION)
    if logit_variance(math.exp(hi)) >= variance:
        c = math.exp(hi)
    elif logit_variance(math.exp(lo)) <= variance:
        c = math.exp(lo)
    else:
        for _ in range(80):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if logit_variance(math.exp(mid)) > variance else (lo, mid)
        c = math.exp(0.5 * (lo + hi))
    return Beta(mean * c, (1 - mean) * c, "consensus")


def consensus(cases: Sequence[Case], tau: float | None = None) -> Consensus:
    """The team's case with every disputed judgment at its consensus (see the module docstring);
    `tau` fixes the disagreement instead of inferring it (the closed form of the tests)."""
    r = readings(cases)
    if not r.names:
        return Consensus(r.team, {}, 0.0)
    if tau is None:
        taus, weights = _tau_posterior(r)
    else:
        taus, weights = np.array([float(tau)]), np.array([1.0])
    out: dict[str, Judgment] = {}
    for p, (place, scale) in enumerate(zip(r.names, r.scales, strict=True)):
        mine = r.index == p
        precisions = 1 / (taus[:, None] ** 2 + r.s[None, mine] ** 2)  # (T, n)
        # mu_p given tau: Normal(sum_i v_i y_i, 1 / sum_i precision_i), v_i = precision_i / sum;
        # over tau's posterior, each reading's weight is the mean of its v_i: weights >= 0
        # summing to 1, so the consensus is a weighted mean of what the analysts stated.
        share = weights @ (precisions / precisions.sum(axis=1, keepdims=True))  # (n,)
        centre = float(share @ r.y[mine])
        given = (precisions / precisions.sum(axis=1, keepdims=True)) @ r.y[mine]  # (T,) E[mu | tau]
        spread = float(weights @ (1 / precisions.sum(axis=1) + (given - centre) ** 2))  # Var[mu]
        if place in r.totals:  # a share of a composition, back in the team's units
            out[place] = Point(float(share @ r.m[mine]) * r.totals[place], "consensus")
        elif scale == "log" and place.startswith("prior/"):  # the engine takes prior factors
            out[place] = Point(math.exp(centre), "consensus")  # as points or Betas
        elif scale == "log":  # the log-normal with mean exp(E[mu]) and mu's variance
            out[place] = LogNormal(centre - 0.5 * spread, math.sqrt(spread), "consensus")
        else:
            out[place] = logit_beta(1 / (1 + math.exp(-centre)), spread)
    team = r.team
    for place, judgment in out.items():
        team = with_judgment(team, place, judgment)
    return Consensus(team, out, float(weights @ taus))


def consensus_model(cases: Sequence[Case]):  # -> pm.Model
    """The same hierarchical model in PyMC (the reference `consensus` is tested against):
    `consensus` (dims "place": mu_p), `disagreement` (tau) and the observed `stated` readings."""
    import pymc as pm

    r = readings(cases)
    with pm.Model(coords={"place": r.names}) as model:
        mu = pm.Flat("consensus", dims="place")
        tau = pm.HalfNormal("disagreement", sigma=TAU_SCALE)
        pm.Normal("stated", mu=mu[r.index], sigma=pm.math.sqrt(tau**2 + r.s**2), observed=r.y)
    return model
