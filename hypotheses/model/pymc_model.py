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


# The arrays `assemble` reads, in the order the compiled JAX function takes them after the
# sampled values (model/jax_sampler.py): everything a case decides is data, never the graph's
# shape of operations, so that one compiled function serves every case of the same sizes.
ARRAYS = (
    "constants",
    "alpha",
    "beta",
    "ratio_mu",
    "ratio_sigma",
    "hypothesis_mask",
    "prior_index",
    "theta_index",
    "kappa_index",
    "reliability_index",
    "rated",
    "hit_index",
    "false_index",
    "base_rate",
    "expected_rate",
    "alone",
    "report_membership",
    "event_theta_index",
    "event_weight",
    "origin_theta_index",
    "origin_shared_index",
    "origin_membership",
    "origin_weight",
    "shared_base_rate",
    "shared_expected_rate",
    "model_error_index",
)


def model_arrays(case: Case, plan: Layout | None = None) -> dict[str, np.ndarray]:
    """The case as the arrays of `ARRAYS`: indices into the model's vector of values
    [constants, judgments, ratios, 1 - model_error], and 0/1 weights saying which item enters
    which term (alone, in an event, in an origin), where the layout selects rows."""
    plan = plan or layout(case)
    n_items = plan.reliability_index.shape[0]
    one = len(plan.constants) - 1
    member_origin = plan.member_origin if plan.member_origin is not None else np.full(n_items, -1)
    reports = np.flatnonzero(~plan.standalone)
    report_membership = np.zeros((len(case.events), n_items))
    report_membership[plan.report_event[reports], reports] = 1.0
    members = np.flatnonzero(member_origin >= 0)
    origin_membership = np.zeros((len(case.origins), n_items))
    origin_membership[member_origin[members], members] = 1.0
    b, q = plan.base_rate, plan.expected_rate
    return {
        "constants": plan.constants.astype(float),
        "alpha": plan.alpha.astype(float),
        "beta": plan.beta.astype(float),
        "ratio_mu": plan.ratio_mu.astype(float),
        "ratio_sigma": plan.ratio_sigma.astype(float),
        "hypothesis_mask": np.ones(len(case.hypotheses), dtype=bool),
        "prior_index": plan.prior_index.astype(np.int64),
        "theta_index": plan.theta_index.astype(np.int64),
        "kappa_index": plan.kappa_index.astype(np.int64),
        "reliability_index": plan.reliability_index.astype(np.int64),
        "rated": plan.rated.astype(bool),
        "hit_index": plan.hit_index.astype(np.int64),
        "false_index": plan.false_index.astype(np.int64),
        "base_rate": b.astype(float),
        "expected_rate": np.asarray(q, dtype=float),
        "alone": (plan.standalone & (member_origin < 0)).astype(float),
        "report_membership": report_membership,
        "event_theta_index": plan.event_theta_index.astype(np.int64),
        "event_weight": np.ones(len(case.events)),
        "origin_theta_index": np.asarray(plan.origin_theta_index, dtype=np.int64),
        "origin_shared_index": np.asarray(plan.origin_shared_index, dtype=np.int64),
        "origin_membership": origin_membership,
        "origin_weight": np.ones(len(case.origins)),
        "shared_base_rate": np.asarray(plan.shared_base_rate, dtype=float),
        "shared_expected_rate": np.asarray(plan.shared_expected_rate, dtype=float),
        # No model error: the link 1 - constants[one] = 0 is appended and never read.
        "model_error_index": np.array(
            one if plan.model_error_index is None else plan.model_error_index, dtype=np.int64
        ),
    }


def assemble(arrays, judgment: dict | None, ratio: dict | None, hypothesis: str | None = None) -> None:
    """The model of docs/model.md section 2 from `model_arrays` (NumPy arrays, or PyTensor
    variables of the same kinds), inside the active `pm.Model`. `judgment` and `ratio` are the
    keyword arguments of the Beta and LogNormal vectors (their dims or shape), None when the case
    has none; `hypothesis` the dims of `log_joint` and `p_hypothesis`. Every item is computed
    and enters its terms through its 0/1 weights, so no row is selected by a case's structure
    (the same graph serves every case of the same sizes)."""
    import pymc as pm
    import pytensor.tensor as pt

    a = {name: pt.as_tensor_variable(value) for name, value in arrays.items()}
    parts = [a["constants"]]
    if judgment is not None:
        parts.append(pm.Beta("judgment", alpha=a["alpha"], beta=a["beta"], **judgment))
    if ratio is not None:  # `ratios:` given as intervals
        parts.append(pm.LogNormal("ratio", mu=a["ratio_mu"], sigma=a["ratio_sigma"], **ratio))
    values = pt.concatenate(parts) if len(parts) > 1 else parts[0]
    values = pt.concatenate([values, (1.0 - values[a["model_error_index"]])[None]])  # the MODEL_ERROR link
    floor = TINY_LIKELIHOOD
    log_w = pt.switch(a["hypothesis_mask"], pt.log(values[a["prior_index"]]).sum(axis=1), -np.inf)
    joint = log_w - pm.math.logsumexp(log_w)
    # Each item's hit and false-alarm rates through its chain (docs/model.md section 2): from
    # c_j = kappa_j * every reliability on its chain, with the expected base rate b (a point);
    # or its given rates, mixed with its expected rate q by the chain.
    rho = values[a["reliability_index"]].prod(axis=1)  # (J,)
    c = rho * values[a["kappa_index"]]
    hit_given, false_given = values[a["hit_index"]], values[a["false_index"]]

    def rates(b, q):
        hit = pt.switch(a["rated"], chained_rate(rho, hit_given, q), effective_likelihood(c, 1.0, b))
        false_alarm = pt.switch(
            a["rated"], chained_rate(rho, false_given, q), effective_likelihood(c, 0.0, b)
        )
        return hit, false_alarm

    def reported(membership, theta, log_hit, log_false):
        # (groups, H): each event (or shared origin) marginalised, happened or not: theta_h prod
        # [hit] + (1 - theta_h) prod [false alarm], in log space, over its members' rates.
        return event_log_likelihood(
            pt.log(pt.maximum(theta, floor)),
            pt.log(pt.maximum(1.0 - theta, floor)),
            pt.dot(membership, log_hit)[:, None],
            pt.dot(membership, log_false)[:, None],
            pt.logaddexp,
        )

    hit, false_alarm = rates(a["base_rate"], a["expected_rate"])
    # Every item alone (a report's row points at the constant 1: lambda = its hit rate, unused).
    log_alone = pt.log(
        pt.maximum(rated_likelihood(values[a["theta_index"]], hit[:, None], false_alarm[:, None]), floor)
    )  # (J, H)
    joint = joint + (a["alone"][:, None] * log_alone).sum(axis=0)
    if _length(arrays["event_weight"]):
        log_hit, log_false = pt.log(pt.maximum(hit, floor)), pt.log(pt.maximum(false_alarm, floor))
        events = reported(a["report_membership"], values[a["event_theta_index"]], log_hit, log_false)
        joint = joint + (a["event_weight"][:, None] * events).sum(axis=0)
    if _length(arrays["origin_weight"]):
        # A possible common origin: log s + its items as reports of one event with the origin's
        # likelihoods (their rates at the origin's base rate), or log(1 - s) + its items each alone.
        hit_shared, false_shared = rates(a["shared_base_rate"], a["shared_expected_rate"])
        shared = reported(
            a["origin_membership"],
            values[a["origin_theta_index"]],
            pt.log(pt.maximum(hit_shared, floor)),
            pt.log(pt.maximum(false_shared, floor)),
        )
        s = values[a["origin_shared_index"]][:, None]
        origins = origin_log_likelihood(
            pt.log(pt.maximum(s, floor)),
            pt.log(pt.maximum(1.0 - s, floor)),
            shared,
            pt.dot(a["origin_membership"], log_alone),
            pt.logaddexp,
        )
        joint = joint + (a["origin_weight"][:, None] * origins).sum(axis=0)
    log_joint = pm.Deterministic("log_joint", joint, dims=hypothesis)
    pm.Potential("evidence", pm.math.logsumexp(log_joint))
    pm.Deterministic("p_hypothesis", pt.special.softmax(log_joint), dims=hypothesis)


def _length(array) -> int:
    """The length of a NumPy array or of a PyTensor variable of static shape: a case with no
    event (no origin) has no such term, and its graph leaves it out."""
    shape = array.type.shape if hasattr(array, "type") else np.shape(array)
    return int(shape[0])


def build_model(case: Case):  # -> pm.Model (annotated loosely: pymc is imported lazily)
    """The model of docs/model.md section 2, for sampling with NUTS or extending by hand.

    Variables: `judgment` (dims "place": each uncertain judgment by its place in the case), the Potential
    `evidence` (log of sum_h pi_h prod_j lambda_jh) and the Deterministic `p_hypothesis`
    (dims "hypothesis": P(h | E, params)); `log_joint` (dims "hypothesis") is exposed for
    users who add terms of their own.
    """
    import pymc as pm

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
        assemble(
            model_arrays(case, plan),
            {"dims": "place"} if plan.names else None,
            {"dims": "ratio_place"} if plan.ratio_names else None,
            "hypothesis",
        )
    return model
