"""A minimal NumPy implementation of the numpy engine's estimator for cases like the seed case
(examples/al-bab-2017.yaml): uncertain prior factors; items and the reports of events, every one
on a chain of uncertain sources, all in one component. Written from docs/model.md sections 2
and 3 alone, with none of the engine's code (hypscore's loader only reads the judgments' Beta
parameters): the yardstick of issue 32's goal 2 (benchmarks/engine_speed.py).

The same estimator at the same accuracy:
- E[pi_h] from `prior_draws` prior draws with the weights and their total as control variates;
- E[prod of the component's factors | h] by the tensor Gauss rule of the reliabilities' Beta
  priors (docs/model.md section 3), degree // 2 + 1 nodes per source, its degree the number of
  items and reports on a chain through it: every item and event is exact at its judgments'
  means given them and linear in each reliability, so the rule is exact;
- P(h | E) = softmax(log E[pi_h] + log factor); its Monte Carlo error (the prior's) by 16 batch
  means;
- `draws` interval draws: h from P(h | E); pi by resampling prior draws; (reliabilities, events'
  parameters) by resampling a joint pool of `joint_draws` candidates; each item's parameters
  exactly given (h, r) from its 3-part mixture; then P(h | E, params) and its 5%/95% quantiles.
Defaults: the sizes the engine chooses on the seed case.

    python benchmarks/minimal_engine.py   # prints P(h | E), its error and the interval
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
BATCHES = 16


def _ab(judgment) -> tuple[float, float] | float:
    """(a, b) of a Beta judgment, or the value of a point."""
    return (judgment.a, judgment.b) if not judgment.is_point else judgment.mean


def _draw(rng: np.random.Generator, spec, n: int) -> np.ndarray:
    return np.full(n, spec) if isinstance(spec, float) else rng.beta(spec[0], spec[1], n)


def _mean(spec) -> float:
    return spec if isinstance(spec, float) else spec[0] / (spec[0] + spec[1])


@dataclass
class Spec:
    priors: list[list]  # per hypothesis, its factors' (a, b) or point
    sources: list  # per uncertain source, its (a, b)
    items: list[tuple[list, object, list[int]]]  # (likelihoods, credibility, source indexes)
    events: list[tuple[list, list[tuple[object, list[int]]]]]  # (likelihoods, reports)

    @classmethod
    def from_yaml(cls, path: Path) -> Spec:
        sys.path.insert(0, str(ROOT))
        from hypotheses import load_case

        case = load_case(path)
        index = {s.id: k for k, s in enumerate(case.sources)}
        priors = [[_ab(j) for _, j in h.prior] for h in case.hypotheses]
        items, reports = [], {e.id: [] for e in case.events}
        for item in case.evidence:
            chain = [index[s] for s in item.chain]
            if item.reports:
                reports[item.reports].append((_ab(item.credibility), chain))
            else:
                items.append(([_ab(j) for j in item.likelihoods], _ab(item.credibility), chain))
        events = [([_ab(j) for j in e.likelihoods], reports[e.id]) for e in case.events]
        return cls(priors, [_ab(s.reliability) for s in case.sources], items, events)


@dataclass
class Result:
    posterior: np.ndarray
    mean_mcse: float
    lo: np.ndarray
    hi: np.ndarray
    draws: int


def _log_prior_weights(spec: Spec, rng: np.random.Generator, n: int) -> np.ndarray:
    return np.stack([sum(np.log(_draw(rng, f, n)) for f in h) for h in spec.priors], axis=1)


def _prior_mean(spec: Spec, rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """E[pi_h] with control variates w_h - E[w_h] and sum_k w_k - sum_k E[w_k] (exact means)."""
    log_w = _log_prior_weights(spec, rng, n)
    pi = np.exp(log_w - log_w.max(axis=1, keepdims=True))
    pi /= pi.sum(axis=1, keepdims=True)
    mean_w = np.array([np.prod([_mean(f) for f in h]) for h in spec.priors])
    scale = mean_w.max()
    x = (np.exp(log_w) - mean_w) / scale
    s = x.sum(axis=1)
    out = np.empty((BATCHES + 1, len(spec.priors)))
    for h in range(len(spec.priors)):
        design = np.column_stack([x[:, h], s])
        centred = design - design.mean(axis=0)
        beta = np.linalg.lstsq(centred, pi[:, h] - pi[:, h].mean(), rcond=None)[0]
        adjusted = pi[:, h] - design @ beta
        out[0, h] = adjusted.mean()
        out[1:, h] = adjusted.reshape(BATCHES, -1).mean(axis=1)
    out = np.clip(out, 0, None)
    out /= out.sum(axis=1, keepdims=True)
    return out[0], out[1:]


def _gauss_beta(a: float, b: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The n-node Gauss rule of Beta(a, b) on [0, 1] (Golub-Welsch on the Jacobi matrix of the
    weight (1 - x)^(b - 1) (1 + x)^(a - 1), r = (1 + x) / 2): nodes and weights."""
    al, be = b - 1.0, a - 1.0
    k = np.arange(n, dtype=float)
    t = 2 * k + al + be
    diag = np.where(k == 0, (be - al) / (al + be + 2), (be**2 - al**2) / (t * (t + 2)))
    j, u = k[1:], t[1:]
    off = np.where(
        j == 1,
        4 * (1 + al) * (1 + be) / ((2 + al + be) ** 2 * (3 + al + be)),
        4 * j * (j + al) * (j + be) * (j + al + be) / (u**2 * (u + 1) * (u - 1)),
    )
    x, vectors = np.linalg.eigh(np.diag(diag) + np.diag(np.sqrt(off), 1) + np.diag(np.sqrt(off), -1))
    return (1 + x) / 2, vectors[0] ** 2


def _rates(c: np.ndarray, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Schum's hit and false-alarm rates from credibility c and base rate b."""
    return c + (1 - c) * b, (1 - c) * b


def _log_component(
    spec: Spec,
    r: np.ndarray,
    theta_events: list[np.ndarray] | None = None,
    kappa_reports: list[np.ndarray] | None = None,
) -> np.ndarray:
    """log prod of the items' lambda (at their means) and the events' Lambda given the
    reliabilities r (M, S), events' likelihoods and reports' credibility (means unless given)."""
    total = np.zeros((r.shape[0], len(spec.priors)))
    for lik, cred, chain in spec.items:
        theta = np.array([_mean(j) for j in lik])
        c = _mean(cred) * np.prod(r[:, chain], axis=1)[:, None]
        total += np.log(c * theta + (1 - c) * theta.mean())
    for e, (lik, reports) in enumerate(spec.events):
        means = np.array([_mean(j) for j in lik])
        theta = means[None, :] if theta_events is None else theta_events[e]
        log_hit = log_false = 0.0
        for k, (cred, chain) in enumerate(reports):
            kappa = _mean(cred) if kappa_reports is None else kappa_reports[e][:, k]
            hit, false = _rates(kappa * np.prod(r[:, chain], axis=1), means.mean())
            log_hit, log_false = log_hit + np.log(hit), log_false + np.log(false)
        log_hit, log_false = np.asarray(log_hit)[:, None], np.asarray(log_false)[:, None]
        total += np.logaddexp(np.log(theta) + log_hit, np.log1p(-theta) + log_false)
    return total


def _logmeanexp(x: np.ndarray, axis: int) -> np.ndarray:
    peak = x.max(axis=axis, keepdims=True)
    return np.log(np.exp(x - peak).mean(axis=axis)) + np.squeeze(peak, axis)


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _resample(weights: np.ndarray, column: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per draw i, a row with probability weights[:, column[i]] (inverse CDF per column)."""
    out = np.empty(column.size, dtype=int)
    for h in range(weights.shape[1]):
        mine = np.flatnonzero(column == h)
        cdf = np.cumsum(weights[:, h])
        out[mine] = np.minimum(np.searchsorted(cdf, rng.random(mine.size) * cdf[-1]), len(cdf) - 1)
    return out


def run(
    spec: Spec,
    seed: int = 0,
    prior_draws: int = 2**15,
    joint_draws: int = 2**15,
    draws: int = 2000,
) -> Result:
    rng = np.random.default_rng(seed)
    n_hyp = len(spec.priors)
    pi_mean, pi_batches = _prior_mean(spec, rng, prior_draws)
    chains = [chain for _, _, chain in spec.items] + [chain for _, rep in spec.events for _, chain in rep]
    degrees = [sum(k in chain for chain in chains) for k in range(len(spec.sources))]
    rules = [
        ([s], [1.0]) if isinstance(s, float) else _gauss_beta(*s, d // 2 + 1)
        for s, d in zip(spec.sources, degrees, strict=True)
    ]
    r = np.array(np.meshgrid(*(x for x, _ in rules), indexing="ij")).reshape(len(rules), -1).T
    weight = np.array(np.meshgrid(*(w for _, w in rules), indexing="ij")).reshape(len(rules), -1).prod(axis=0)
    log_w = _log_component(spec, r) + np.log(weight)[:, None]
    log_factor = np.logaddexp.reduce(log_w, axis=0)
    posterior = _softmax(np.log(pi_mean) + log_factor)
    from_prior = _softmax(np.log(pi_batches) + log_factor)
    mcse = from_prior.std(axis=0, ddof=1) / np.sqrt(BATCHES)

    # Interval draws: h, then pi, then (r, events' parameters), then each item exactly.
    h = np.minimum(
        np.searchsorted(np.cumsum(posterior), (np.arange(draws) + rng.random()) / draws), n_hyp - 1
    )
    log_pi = _log_prior_weights(spec, rng, draws)
    log_pi -= np.logaddexp.reduce(log_pi, axis=1, keepdims=True)
    total = log_pi[_resample(np.exp(log_pi), h, rng)]
    pool = np.column_stack([_draw(rng, s, joint_draws) for s in spec.sources])
    thetas = [np.column_stack([_draw(rng, j, joint_draws) for j in lik]) for lik, _ in spec.events]
    kappas = [np.column_stack([_draw(rng, c, joint_draws) for c, _ in rep]) for _, rep in spec.events]
    items_only = Spec(spec.priors, spec.sources, spec.items, [])
    weight = _log_component(items_only, pool)
    events_only = Spec(spec.priors, spec.sources, [], spec.events)
    weight += _log_component(events_only, pool, thetas, kappas)
    pick = _resample(np.exp(weight - weight.max(axis=0)), h, rng)
    r_draw = pool[pick]
    total += _log_component(events_only, r_draw, [t[pick] for t in thetas], [k[pick] for k in kappas])
    for lik, cred, chain in spec.items:
        rho = np.prod(r_draw[:, chain], axis=1)
        means = np.array([_mean(j) for j in lik])
        b, k_mean = means.mean(), _mean(cred)
        # lambda_h = rho kappa theta_h + (1 - rho) b + rho (1 - kappa) b: pick a part, tilt it.
        mass = np.column_stack([rho * k_mean * means[h], (1 - rho) * b, rho * (1 - k_mean) * b])
        u = rng.random(draws) * mass.sum(axis=1)
        part = (np.cumsum(mass, axis=1) < u[:, None]).sum(axis=1)
        theta = np.column_stack([_draw(rng, j, draws) for j in lik])
        for k, j in enumerate(lik):
            tilt = np.flatnonzero((part == 0) & (h == k))
            if tilt.size and not isinstance(j, float):
                theta[tilt, k] = rng.beta(j[0] + 1, j[1], tilt.size)
        kappa = _draw(rng, cred, draws)
        if not isinstance(cred, float):
            for p, (da, db) in ((0, (1, 0)), (2, (0, 1))):
                mine = np.flatnonzero(part == p)
                kappa[mine] = rng.beta(cred[0] + da, cred[1] + db, mine.size)
        c = (rho * kappa)[:, None]
        total += np.log(c * theta + (1 - c) * b)
    p = _softmax(total)
    lo, hi = np.quantile(p, [0.05, 0.95], axis=0)
    return Result(posterior, float(mcse.max()), lo, hi, draws)


if __name__ == "__main__":
    result = run(Spec.from_yaml(ROOT / "examples" / "al-bab-2017.yaml"))
    print("P(h | E)", result.posterior.round(4), "mean_mcse", f"{result.mean_mcse:.1e}")
    print("90% interval", result.lo.round(3), result.hi.round(3))
