"""Decision support (docs/model.md section 8): which pending item is worth collecting (`next`), and
which observed item the rest of the evidence finds surprising (`conflict_bits`).

Both compare marginal likelihoods P(E) under the model, from the numpy engine's factorisation:
exact for point judgments, the same integration as the posterior otherwise. Computing only:
nothing here writes a file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from hypotheses.case import Case, EvidenceItem, load_case
from hypotheses.model import numpy_engine
from hypotheses.model.factors import compile_case
from hypotheses.model.likelihood import rated_likelihood
from hypotheses.model.logspace import log, logsumexp
from hypotheses.settings import DEFAULT_SEED
from priors import complement

LN2 = math.log(2.0)
# An item this many bits less expected given the rest than a priori gets a sentence. Under the
# model, P(conflict >= k bits) <= 2**-k for each item (Markov's inequality on P(e_j) P(E_-j) /
# P(E)): when every judgment is right, a given item reaches 3 bits with chance at most 1 in 8.
# That bounds how often one item is flagged by chance, not how often a flag is wrong (that
# depends on how often evidence is garbled or planted). Rare enough to be worth a look, low
# enough that a planted or garbled report the rest contradicts is not missed.
CONFLICT_THRESHOLD_BITS = 3.0


def _entropy_bits(p: np.ndarray) -> float:
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def prior_predictive_log(case: Case, prior_mean: np.ndarray) -> np.ndarray:
    """log P(e_j) for every observed item j, as if it were the only evidence: (J,).

    Alone, an item's (or one report's) likelihood is linear in each of its parameters, which are
    independent (credibility, each reliability on its chain, each P(. | h)), so its expectation is
    the likelihood at their means: sum_h E[pi_h] lambda_jh(means), exactly."""
    compiled = compile_case(case)
    theta = compiled.theta_mean
    log_pi = log(np.asarray(prior_mean, dtype=float))
    lam = rated_likelihood(theta, compiled.hit_mean[:, None], compiled.false_alarm_mean[:, None])  # (J, H)
    return logsumexp(log_pi[None, :] + log(lam), axis=1)


def conflict_bits(case: Case, prior_mean: np.ndarray, log_predictive: np.ndarray) -> np.ndarray:
    """log2(P(e_j) / P(e_j | E_-j)) per observed item: positive when the item is less expected
    given the rest than a priori. `log_predictive` is log P(e_j | E_-j) (the engine's, from
    leave-one-out). Ratios are scale-free here: both terms scale alike. NaN where undefined."""
    with np.errstate(invalid="ignore"):
        return (prior_predictive_log(case, prior_mean) - np.asarray(log_predictive)) / LN2


def conflict_sentence(item_id: str, label: str, bits: float) -> str:
    """The plain line for an item above the threshold."""
    if math.isinf(bits):
        times = "impossible given the other evidence, though possible a priori"
        return f"{item_id} ({label}) is {times}: check it for error or deception."
    factor = 2.0**bits
    return (
        f"{item_id} ({label}) is {factor:,.0f} times less expected given the other evidence than a "
        f"priori ({bits:.1f} bits of conflict; if every judgment were right, an item would be this "
        f"surprising with chance at most 1 in {factor:,.0f}): check it for error or deception."
    )


@dataclass(frozen=True)
class Candidate:
    """A pending item: what learning whether it occurs would do (docs/model.md section 8)."""

    id: str
    label: str
    p_observed: float
    if_observed: dict[str, float] | None  # None: impossible under the model (P = 0)
    if_absent: dict[str, float] | None
    expected_bits: float
    p_leader_changes: float
    leader_if_observed: str | None
    leader_if_absent: str | None
    # `next --for T` only (None otherwise): P(T) either way, the information about T-or-not
    # (bits) and the chance the answer about T (ahead of its rival or not) changes.
    p_for_if_observed: float | None = None
    p_for_if_absent: float | None = None
    expected_bits_for: float | None = None
    p_answer_changes: float | None = None


@dataclass(frozen=True)
class NextResult:
    """Every pending item of a case, most informative first."""

    path: str
    title: str
    posterior: dict[str, float]
    leader: str
    candidates: tuple[Candidate, ...]
    # `next --for T`: T's id, P(T | E), its rival (the strongest other hypothesis, or "not T"
    # for a group) and T's members; None (and ()) when the question is the leader.
    for_: str | None = None
    p_for: float | None = None
    rival: str | None = None
    members: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        asked = (
            {}
            if self.for_ is None
            else {"for": self.for_, "members": list(self.members), "p_for": self.p_for, "rival": self.rival}
        )
        return {
            "case": self.path,
            "title": self.title,
            "posterior": self.posterior,
            "leader": self.leader,
            **asked,
            "candidates": [
                {
                    "id": c.id,
                    "label": c.label,
                    "p_observed": c.p_observed,
                    "if_observed": c.if_observed,
                    "if_absent": c.if_absent,
                    "expected_bits": c.expected_bits,
                    "p_leader_changes": c.p_leader_changes,
                    "leader_if_observed": c.leader_if_observed,
                    "leader_if_absent": c.leader_if_absent,
                    **(
                        {}
                        if self.for_ is None
                        else {
                            "p_for_if_observed": c.p_for_if_observed,
                            "p_for_if_absent": c.p_for_if_absent,
                            "expected_bits_for": c.expected_bits_for,
                            "p_answer_changes": c.p_answer_changes,
                        }
                    ),
                }
                for c in self.candidates
            ],
        }


def with_outcome(case: Case, item: EvidenceItem, observed: bool) -> Case:
    """`case` with the pending `item` observed (or looked for and absent), as if the file said
    `observed: true` (or `false`) there: the item joins the evidence, leaves the pending list."""
    likelihoods = item.likelihoods if observed else tuple(complement(j) for j in item.likelihoods)
    settled = replace(item, observed=observed, likelihoods=likelihoods)
    return replace(
        case,
        evidence=(*case.evidence, settled),
        pending=tuple(p for p in case.pending if p.id != item.id),
    )


def next_items(
    case: Case | str | Path,
    seed: int | None = DEFAULT_SEED,
    cache: numpy_engine.ScoreCache | None = None,
    for_: str | None = None,
) -> NextResult:
    """Rank the `observed: pending` items by the expected information about h from learning
    whether each occurs: H(P(h | E)) - sum_o P(o | E) H(P(h | E, o)), o = observed or absent,
    with P(o | E) = P(E, o) / P(E). `if_observed` is the posterior of the case scored with
    that item set to `observed: true` (the same function `score` uses). `cache`: components
    shared by the outcomes are scored once. `for_`: a hypothesis or group id (`hypscore next
    --for`): each candidate also carries what it would tell about that question, and they are
    ranked by that (docs/model.md section 8); UsageError for an id that is neither."""
    if not isinstance(case, Case):
        case = load_case(case)
    if for_ is not None:
        from hypotheses.analysis.explain import question_members

        _, members = question_members(case, for_)
        return _next_for(case, next_items(case, seed, cache), for_, members)
    ids = case.hypothesis_ids
    posterior, log_z = numpy_engine.log_marginal(case, seed, cache)
    leader = int(np.argmax(posterior))
    h_now = _entropy_bits(posterior)
    out = []
    for item in case.pending:
        outcomes = []
        for observed in (True, False):
            after, log_z_o = numpy_engine.log_marginal(with_outcome(case, item, observed), seed, cache)
            outcomes.append((math.exp(log_z_o - log_z) if np.isfinite(log_z_o) else 0.0, after))
        # P(observed) + P(absent) = 1 on paper; normalised so rounding cannot leave 1 + 1e-16.
        total = outcomes[0][0] + outcomes[1][0]
        p_obs, p_abs = outcomes[0][0] / total, outcomes[1][0] / total
        bits = h_now
        changes = 0.0
        leaders = []
        for p, after in ((p_obs, outcomes[0][1]), (p_abs, outcomes[1][1])):
            if p > 0:
                bits -= p * _entropy_bits(after)
                top = int(np.argmax(after))
                leaders.append(ids[top])
                changes += p * (top != leader)
            else:
                leaders.append(None)
        out.append(
            Candidate(
                item.id,
                item.label,
                p_obs,
                _by_id(ids, outcomes[0][1]) if p_obs > 0 else None,
                _by_id(ids, outcomes[1][1]) if p_abs > 0 else None,
                max(0.0, bits),  # >= 0 on paper; rounding could leave -1e-17 for a useless item
                changes,
                leaders[0],
                leaders[1],
            )
        )
    out.sort(key=lambda c: (-c.expected_bits, -c.p_leader_changes))
    return NextResult(case.path, case.title, _by_id(ids, posterior), ids[leader], tuple(out))


def _next_for(
    case: Case,
    found: NextResult,
    target: str,
    members: tuple[str, ...],
) -> NextResult:
    """`found` (the leader's ranking) with each candidate's P(T) if observed and if absent (the
    sum of its members' posteriors), the expected information about T-or-not, H2(P(T | E)) -
    sum_o P(o | E) H2(P(T | E, o)) with H2 the binary entropy (bits), and P(the answer about T
    changes): the chance of the outcomes under which T's being ahead of its rival (level counts
    as ahead, as in `explain --for`) differs from now. Ranked by that information."""
    ids = case.hypothesis_ids
    group = target not in ids
    now = np.array([found.posterior[h] for h in ids])
    mask = np.array([h in members for h in ids], dtype=bool)

    def p_and_ahead(p: np.ndarray) -> tuple[float, bool]:
        p_t = float(p[mask].sum())
        p_rival = float(p[~mask].sum()) if group else float(np.max(np.where(mask, -np.inf, p)))
        return p_t, p_t >= p_rival or math.isclose(p_t, p_rival, rel_tol=1e-9, abs_tol=1e-12)

    def binary(p: float) -> float:
        return _entropy_bits(np.array([p, 1.0 - p]))

    p_for, ahead = p_and_ahead(now)
    rival = f"not {target}" if group else ids[int(np.argmax(np.where(mask, -np.inf, now)))]
    out = []
    for c in found.candidates:
        bits, changes, p_if = binary(p_for), 0.0, []
        for p_o, after in ((c.p_observed, c.if_observed), (1.0 - c.p_observed, c.if_absent)):
            if after is None or p_o <= 0:
                p_if.append(None)
                continue
            p_t, ahead_o = p_and_ahead(np.array([after[h] for h in ids]))
            p_if.append(p_t)
            bits -= p_o * binary(p_t)
            changes += p_o * (ahead_o != ahead)
        out.append(
            replace(
                c,
                p_for_if_observed=p_if[0],
                p_for_if_absent=p_if[1],
                expected_bits_for=max(0.0, bits),
                p_answer_changes=changes,
            )
        )
    out.sort(key=lambda c: (-(c.expected_bits_for or 0.0), -(c.p_answer_changes or 0.0)))
    return replace(found, candidates=tuple(out), for_=target, p_for=p_for, rival=rival, members=members)


def _by_id(ids: list[str], values: np.ndarray) -> dict[str, float]:
    return {h: float(v) for h, v in zip(ids, values, strict=True)}
