"""The PyMC reference model of docs/model.md section 2: `build_model(case) -> pm.Model`.

Every uncertain judgment is one element of a single vector Beta variable, `judgment`, whose
coordinate is the judgment's place in the case (`prior/deliberate/motive`, `lik/us_denial/mistake`,
`credibility/us_denial`, `reliability/us_dod`); point judgments are constants. The model is then
assembled by indexing, so every case compiles to the same PyTensor Ops and the C compile cache
made by one case serves all others. The hypothesis is marginalised with logsumexp in a Potential.

Import this module only when PyMC is wanted: it costs seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hypotheses.case import Case
from hypotheses.model.factors import MODEL_ERROR, compile_case
from hypotheses.model.likelihood import (
    chained_rate,
    effective_likelihood,
    event_log_likelihood,
    origin_log_likelihood,
    rated_likelihood,
)
from hypotheses.model.places import (
    MODEL_ERROR_PLACE,
    credibility_place,
    false_alarm_place,
    hit_place,
    judgment_places,
    likelihood_place,
    prior_place,
    reliability_place,
    shared_place,
)
from priors import Beta, LogNormal

# log(0) would give NaN gradients; a likelihood this small already rules a hypothesis out.
TINY_LIKELIHOOD = 1e-300


@dataclass(frozen=True)
class Layout:
    """Where each quantity of the model comes from: an index into [constants..., judgments...,
    ratios...]."""

    names: list[str]  # the uncertain (Beta) judgments, in vector order
    alpha: np.ndarray
    beta: np.ndarray
    constants: np.ndarray  # point judgments, then 1.0 (a missing factor or reliability)
    prior_index: np.ndarray  # (H, F)
    theta_index: np.ndarray  # (J, H)
    kappa_index: np.ndarray  # (J,)
    reliability_index: np.ndarray  # (J, L): every source on the item's chain, padded with 1.0
    standalone: np.ndarray  # (J,) bool: the item has likelihoods of its own (not a report)
    event_theta_index: np.ndarray  # (G, H)
    report_event: np.ndarray  # (J,): the event an item reports, -1 for a standalone item
    ratio_names: list[str]  # the uncertain likelihood ratios (log-normal), in vector order
    ratio_mu: np.ndarray
    ratio_sigma: np.ndarray
    rated: np.ndarray  # (J,) bool: the item gives its hit and false-alarm rates
    hit_index: np.ndarray  # (J,): a rated item's hit rate (else the constant 1, unused)
    false_index: np.ndarray  # (J,): its false-alarm rate likewise
    base_rate: np.ndarray  # (J,): b, the expected base rate of what the item reports (a point)
    expected_rate: np.ndarray  # (J,): q = E[hit] b + E[false_alarm] (1 - b) of a rated item
    # Possible common origins: each one's likelihoods (O, H) and `shared` (O,); each item's origin
    # (J,), -1 for none; and a member's b and q in the shared branch (the origin's base rate).
    origin_theta_index: np.ndarray | None = None
    origin_shared_index: np.ndarray | None = None
    member_origin: np.ndarray | None = None
    shared_base_rate: np.ndarray | None = None
    shared_expected_rate: np.ndarray | None = None
    # model_error's place in the vector: its link (1 - model_error) is appended after the rest
    # and every chain's MODEL_ERROR entry points there. None: no model error.
    model_error_index: int | None = None

    @property
    def free(self) -> bool:
        """Whether anything is uncertain (else there is nothing to sample)."""
        return bool(self.names or self.ratio_names)


def layout(case: Case) -> Layout:
    named = judgment_places(case)
    uncertain = [(n, j) for n, j in named if isinstance(j, Beta)]
    ratios = [(n, j) for n, j in named if isinstance(j, LogNormal)]
    points = [(n, j) for n, j in named if j.is_point]
    constants = np.array([j.mean for _, j in points] + [1.0])
    one = len(constants) - 1
    position = {n: k for k, (n, _) in enumerate(points)}
    position |= {n: len(constants) + k for k, (n, _) in enumerate(uncertain)}
    position |= {n: len(constants) + len(uncertain) + k for k, (n, _) in enumerate(ratios)}
    factors = sorted({f for h in case.hypotheses for f, _ in h.prior}) or ["prior"]
    prior_index = np.full((len(case.hypotheses), len(factors)), one)
    for k, h in enumerate(case.hypotheses):
        for factor, _ in h.prior:
            name = prior_place(h.id, factor)
            prior_index[k, factors.index(factor)] = position[name]
    ids = case.hypothesis_ids
    # A report has no likelihoods of its own: its row points at the constant 1 (unused).
    theta_index = np.array(
        [
            [position[likelihood_place(e.id, h)] if e.reports is None else one for h in ids]
            for e in case.evidence
        ],
        dtype=int,
    )
    compiled = compile_case(case)
    items = compiled.items  # their chains end with the MODEL_ERROR link where there is one
    link_at = len(constants) + len(uncertain) + len(ratios)  # where build_model appends 1 - m
    position[MODEL_ERROR] = link_at
    longest = max([len(e.chain) for e in items] + [1])
    chains = np.full((len(items), longest), one)
    for j, e in enumerate(items):
        chains[j, : len(e.chain)] = [
            position[s if s == MODEL_ERROR else reliability_place(s)] for s in e.chain
        ]
    b = compiled.theta_mean.mean(axis=1)
    hit_mean = np.array([e.hit.mean if e.hit is not None else 1.0 for e in items])
    false_mean = np.array([e.false_alarm.mean if e.false_alarm is not None else 0.0 for e in items])
    member_origin = compiled.origin_of if compiled.origin_of is not None else np.full(len(items), -1)
    origin_b = np.array([np.mean([j.mean for j in o.likelihoods]) for o in case.origins])
    shared_b = np.where(member_origin >= 0, origin_b[np.maximum(member_origin, 0)] if len(origin_b) else b, b)
    return Layout(
        names=[n for n, _ in uncertain],
        alpha=np.array([j.a for _, j in uncertain]),
        beta=np.array([j.b for _, j in uncertain]),
        ratio_names=[n for n, _ in ratios],
        ratio_mu=np.array([j.mu for _, j in ratios]),
        ratio_sigma=np.array([j.sigma for _, j in ratios]),
        constants=constants,
        prior_index=prior_index,
        theta_index=theta_index.reshape(len(case.evidence), len(ids)),
        kappa_index=np.array([position.get(credibility_place(e.id), one) for e in items], dtype=int),
        reliability_index=chains,
        standalone=np.array([e.reports is None for e in case.evidence], dtype=bool),
        event_theta_index=np.array(
            [[position[likelihood_place(g.id, h)] for h in ids] for g in case.events], dtype=int
        ).reshape(len(case.events), len(ids)),
        report_event=compiled.event_of,
        rated=np.array([e.rated for e in items], dtype=bool).reshape(len(items)),
        hit_index=np.array([position.get(hit_place(e.id), one) for e in items], dtype=int).reshape(
            len(items)
        ),
        false_index=np.array([position.get(false_alarm_place(e.id), one) for e in items], dtype=int).reshape(
            len(items)
        ),
        base_rate=b,
        expected_rate=rated_likelihood(b, hit_mean, false_mean),
        model_error_index=position.get(MODEL_ERROR_PLACE),
        origin_theta_index=np.array(
            [[position[likelihood_place(o.id, h)] for h in ids] for o in case.origins], dtype=int
        ).reshape(len(case.origins), len(ids)),
        origin_shared_index=np.array([position[shared_place(o.id)] for o in case.origins], dtype=int),
        member_origin=member_origin,
        shared_base_rate=shared_b,
        shared_expected_rate=rated_likelihood(shared_b, hit_mean, false_mean),
    )


def build_model(case: Case):  # -> pm.Model (annotated loosely: pymc is imported lazily)
    """The model of docs/model.md section 2, for sampling with NUTS or extending by hand.

    Variables: `judgment` (dims "place": each uncertain judgment by its place in the case), the Potential
    `evidence` (log of sum_h pi_h prod_j lambda_jh) and the Deterministic `p_hypothesis`
    (dims "hypothesis": P(h | E, params)); `log_joint` (dims "hypothesis") is exposed for
    users who add terms of their own.
    """
    import pymc as pm
    import pytensor.tensor as pt

    plan = layout(case)
    coords = {
        "hypothesis": case.hypothesis_ids,
        "evidence": [e.id for e in case.evidence],
        "event": [g.id for g in case.events],
        "origin": [o.id for o in case.origins],
        "place": plan.names,
        "ratio_place": plan.ratio_names,
    }
    with pm.Model(coords=coords) as model:
        parts = [pt.as_tensor_variable(plan.constants)]
        if plan.names:
            parts.append(pm.Beta("judgment", alpha=plan.alpha, beta=plan.beta, dims="place"))
        if plan.ratio_names:  # `ratios:` given as intervals
            parts.append(pm.LogNormal("ratio", mu=plan.ratio_mu, sigma=plan.ratio_sigma, dims="ratio_place"))
        values = pt.concatenate(parts) if len(parts) > 1 else parts[0]
        if plan.model_error_index is not None:  # the MODEL_ERROR link: 1 - model_error
            values = pt.concatenate([values, (1.0 - values[plan.model_error_index])[None]])
        with np.errstate(divide="ignore"):
            log_w = pt.log(values[plan.prior_index]).sum(axis=1)
        log_pi = log_w - pm.math.logsumexp(log_w)
        joint = log_pi
        if len(case.evidence):
            # Each item's hit and false-alarm rates through its chain (docs/model.md section 2):
            # from c_j = kappa_j * every reliability on its chain, with the expected base rate b
            # (a point); or its given rates, mixed with its expected rate q by the chain.
            rho = values[plan.reliability_index].prod(axis=1)  # (J,)
            c = rho * values[plan.kappa_index]
            b, q = plan.base_rate, plan.expected_rate
            hit = pt.switch(
                plan.rated, chained_rate(rho, values[plan.hit_index], q), effective_likelihood(c, 1.0, b)
            )
            false_alarm = pt.switch(
                plan.rated, chained_rate(rho, values[plan.false_index], q), effective_likelihood(c, 0.0, b)
            )
        alone = plan.standalone & (plan.member_origin < 0)  # an origin's items are its factor's
        if alone.any():
            rows = np.flatnonzero(alone)
            theta = values[plan.theta_index[rows]]  # (J', H)
            lam = rated_likelihood(theta, hit[rows][:, None], false_alarm[rows][:, None])
            joint = joint + pt.log(pt.maximum(lam, TINY_LIKELIHOOD)).sum(axis=0)
        if len(case.events):
            # Each event marginalised (happened or not), like the hypothesis: docs/model.md section 2's
            # theta_h prod [c + (1 - c) b] + (1 - theta_h) prod [(1 - c) b], in log space.
            reports = np.flatnonzero(~plan.standalone)
            membership = np.zeros((len(case.events), reports.size))
            membership[plan.report_event[reports], np.arange(reports.size)] = 1.0
            event_theta = values[plan.event_theta_index]  # (G, H)
            floor = TINY_LIKELIHOOD
            log_hit = pt.dot(membership, pt.log(pt.maximum(hit[reports], floor)))  # (G,)
            log_false = pt.dot(membership, pt.log(pt.maximum(false_alarm[reports], floor)))
            log_event = event_log_likelihood(
                pt.log(pt.maximum(event_theta, floor)),
                pt.log(pt.maximum(1.0 - event_theta, floor)),
                log_hit[:, None],
                log_false[:, None],
                pt.logaddexp,
            )
            joint = joint + log_event.sum(axis=0)
        if len(case.origins):
            joint = joint + _origins_log_likelihood(plan, values, rho, c, hit, false_alarm).sum(axis=0)
        log_joint = pm.Deterministic("log_joint", joint, dims="hypothesis")
        pm.Potential("evidence", pm.math.logsumexp(log_joint))
        pm.Deterministic("p_hypothesis", pt.special.softmax(log_joint), dims="hypothesis")
    return model


def _origins_log_likelihood(plan: Layout, values, rho, c, hit, false_alarm):
    """(O, H): each origin's mixture of docs/model.md section 2, logsumexp of its two branches:
    log s + the event with the origin's likelihoods reported by its items (their rates at the
    origin's base rate), and log(1 - s) + its items each alone (their own rates)."""
    import pytensor.tensor as pt

    assert plan.member_origin is not None and plan.origin_theta_index is not None
    assert plan.origin_shared_index is not None
    assert plan.shared_base_rate is not None and plan.shared_expected_rate is not None
    members = np.flatnonzero(plan.member_origin >= 0)
    n_origins = plan.origin_theta_index.shape[0]
    membership = np.zeros((n_origins, members.size))
    membership[plan.member_origin[members], np.arange(members.size)] = 1.0
    floor = TINY_LIKELIHOOD
    b, q = plan.shared_base_rate[members], plan.shared_expected_rate[members]
    rated = plan.rated[members]
    hit_shared = pt.switch(
        rated,
        chained_rate(rho[members], values[plan.hit_index[members]], q),
        effective_likelihood(c[members], 1.0, b),
    )
    false_shared = pt.switch(
        rated,
        chained_rate(rho[members], values[plan.false_index[members]], q),
        effective_likelihood(c[members], 0.0, b),
    )
    theta = values[plan.origin_theta_index]  # (O, H)
    log_event = event_log_likelihood(
        pt.log(pt.maximum(theta, floor)),
        pt.log(pt.maximum(1.0 - theta, floor)),
        pt.dot(membership, pt.log(pt.maximum(hit_shared, floor)))[:, None],
        pt.dot(membership, pt.log(pt.maximum(false_shared, floor)))[:, None],
        pt.logaddexp,
    )
    own = rated_likelihood(
        values[plan.theta_index[members]], hit[members][:, None], false_alarm[members][:, None]
    )
    log_alone = pt.dot(membership, pt.log(pt.maximum(own, floor)))  # (O, H)
    s = values[plan.origin_shared_index][:, None]
    return origin_log_likelihood(
        pt.log(pt.maximum(s, floor)), pt.log(pt.maximum(1.0 - s, floor)), log_event, log_alone, pt.logaddexp
    )
