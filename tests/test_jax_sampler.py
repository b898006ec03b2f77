"""NumPyro's NUTS on the model compiled once per size (model/jax_sampler.py, issue 32 goal 5).

The padded model must be the case's own model: every hypothesis's log joint equal to the
unpadded PyMC model's (PyTensor's C backend, `build_model`) at the same judgments, and its log
density equal to the unpadded one plus the padded free variables' own prior terms, in closed
form. Cases of one size share one compiled sampler, and a case's draws do not depend on what
was sampled before it. (That NUTS on this model agrees with the numpy engine is
tests/test_pymc.py's `test_pymc_agrees_with_numpy_on_random_cases[numpyro]`.)

Slow: they need the `jax` extra, which .ci/run installs for the slow tests only.
"""

from __future__ import annotations

import numpy as np
import pytest

from hypotheses import load_case
from hypotheses.model.pymc_model import ARRAYS, build_model, layout
from tests.helpers import EXAMPLES, make_case, random_uncertain_case

pytestmark = pytest.mark.slow

# An uncertain model error and rates (hit and false alarm) on a report and on an item alone;
# interval ratios (log-normal) beside Betas.
RATED = {
    "schema": 1,
    "title": "rated",
    "model_error": [0.01, 0.05],
    "hypotheses": [{"id": "a", "label": "a", "prior": 0.3}, {"id": "b", "label": "b", "prior": 0.7}],
    "events": {"ev": {"label": "ev", "likelihoods": {"a": "likely", "b": [0.1, 0.3]}}},
    "evidence": [
        {"id": "r1", "label": "r1", "reports": "ev", "hit": [0.7, 0.9], "false_alarm": 0.05},
        {"id": "r2", "label": "r2", "reports": "ev", "credibility": [0.5, 0.9]},
        {
            "id": "x",
            "label": "x",
            "likelihoods": {"a": 0.2, "b": 0.3},
            "hit": 0.3,
            "false_alarm": [0.4, 0.7],
        },
    ],
}
RATIOS = {
    "schema": 1,
    "title": "ratios",
    "hypotheses": [
        {"id": "a", "label": "a", "prior": "likely"},
        {"id": "b", "label": "b", "prior": 0.3},
        {"id": "c", "label": "c", "prior": 0.2},
    ],
    "evidence": [
        {"id": "r", "label": "r", "ratios": {"a": [2, 10], "b": 1, "c": [0.5, 2]}},
        {"id": "w", "label": "w", "likelihoods": {"a": "unlikely", "b": 0.5, "c": [0.2, 0.6]}},
    ],
}
_TWO = [{"id": "a", "label": "a", "prior": 0.3}, {"id": "b", "label": "b", "prior": 0.7}]
# The shapes most apt to break the padding (review): no Beta judgment at all (ratios only) with a
# point model error; a hypothesis ruled out; an event no item reports; an origin holding a rated
# item; a prior of 0; five hypotheses (padded to 16).
EDGES = {
    "ratios_only": {
        "schema": 1,
        "title": "t",
        "model_error": 0.02,
        "hypotheses": _TWO,
        "evidence": [{"id": "r", "label": "r", "ratios": {"a": [2, 10], "b": 1}}],
    },
    "ruled_out": {
        "schema": 1,
        "title": "t",
        "model_error": [0.01, 0.05],
        "hypotheses": [*_TWO, {"id": "c", "label": "c", "prior": "likely"}],
        "evidence": [{"id": "x", "label": "x", "likelihoods": {"a": 0, "b": [0.2, 0.5], "c": 0.4}}],
    },
    "unreported_event": {
        "schema": 1,
        "title": "t",
        "hypotheses": _TWO,
        "events": {
            "ev": {"label": "ev", "likelihoods": {"a": "likely", "b": [0.1, 0.3]}},
            "ev2": {"label": "ev2", "likelihoods": {"a": 0.5, "b": [0.1, 0.3]}},
        },
        "evidence": [{"id": "r1", "label": "r1", "reports": "ev", "credibility": [0.5, 0.9]}],
    },
    "rated_origin": {
        "schema": 1,
        "title": "t",
        "model_error": 0.03,
        "hypotheses": _TWO,
        "origins": {"o": {"label": "o", "items": ["x", "y"], "shared": [0.3, 0.7]}},
        "evidence": [
            {
                "id": "x",
                "label": "x",
                "likelihoods": {"a": [0.6, 0.9], "b": 0.2},
                "hit": [0.6, 0.9],
                "false_alarm": 0.1,
            },
            {"id": "y", "label": "y", "likelihoods": {"a": 0.7, "b": 0.3}, "credibility": [0.4, 0.8]},
            {"id": "z", "label": "z", "likelihoods": {"a": 0.5, "b": [0.3, 0.6]}},
        ],
    },
    "five_and_a_zero_prior": {
        "schema": 1,
        "title": "t",
        "hypotheses": [
            {"id": f"h{k}", "label": "h", "prior": [0.0, 0.2, 0.3, 0.1, 0.4][k]} for k in range(5)
        ],
        "evidence": [{"id": "e", "label": "e", "likelihoods": {"default": [0.2, 0.6], "h1": "likely"}}],
    },
}
CONSTRUCTED = {"rated": RATED, "ratios": RATIOS, **EDGES}
# Events, origins, chains and the examples' words, with the constructed cases above.
FEATURES = [
    "al-bab-2017.yaml",
    "nord-stream-2022.yaml",
    "leaked-memo.yaml",
    "rated",
    "ratios",
    *EDGES,
]


def _case(name: str):
    if name.endswith(".yaml"):
        return load_case(EXAMPLES / name)
    if name in CONSTRUCTED:
        return make_case(CONSTRUCTED[name])
    return make_case(random_uncertain_case(np.random.default_rng(int(name))))


def _unpadded(case):
    """The unpadded model's log density and log joint as functions of its value variables."""
    import pytensor

    model = build_model(case)
    joint = model.replace_rvs_by_values([model["log_joint"]])[0]
    return pytensor.function(model.value_vars, [model.logp(), joint])


@pytest.mark.parametrize("name", [*FEATURES, *(str(500 + k) for k in range(6))])
def test_padding_changes_no_hypothesis_s_log_joint(name: str) -> None:
    pytest.importorskip("numpyro")
    import jax

    from hypotheses.model import jax_sampler

    jax.config.update("jax_enable_x64", True)
    case = _case(name)
    plan = layout(case)
    assert plan.free
    padded = jax_sampler.pad(case, plan)
    compiled = jax_sampler._compile(padded)
    reference = _unpadded(case)
    K, R = len(plan.names), len(plan.ratio_names)
    Kp, Rp = padded.key[1], padded.key[2]
    rng = np.random.default_rng(len(name))
    arrays = [padded.arrays[name] for name in ARRAYS]
    logp = jax.jit(compiled.logp)
    for _ in range(5):
        z = rng.normal(0.0, 1.5, Kp + Rp)
        judgment, ratio = z[:K], z[Kp : Kp + R]
        values = [v for v, n in ((judgment, K), (ratio, R)) if n]
        want_logp, want_joint = reference(*values)
        got = compiled.values(z[None], *arrays)
        got_joint = np.asarray(got[2])[0]
        H = len(case.hypotheses)
        np.testing.assert_allclose(got_joint[:H], want_joint, rtol=1e-12, atol=1e-9)
        assert np.all(np.isneginf(got_joint[H:]))  # a padded hypothesis has probability 0
        # The padded free variables' own terms, in closed form (no other term reads them).
        pad_beta, pad_ratio = z[K:Kp], z[Kp + R :]
        extra = np.sum(-np.logaddexp(0.0, -pad_beta) - np.logaddexp(0.0, pad_beta))
        extra += np.sum(-0.5 * pad_ratio**2 - 0.5 * np.log(2 * np.pi))
        assert float(logp(z, *arrays)) == pytest.approx(float(want_logp) + extra, rel=1e-12, abs=1e-9)


def test_cases_of_one_size_share_one_compiled_sampler_and_their_own_draws() -> None:
    pytest.importorskip("numpyro")
    from hypotheses.model import jax_sampler

    small = make_case(random_uncertain_case(np.random.default_rng(7)))
    other = make_case(random_uncertain_case(np.random.default_rng(8)))
    keys = [jax_sampler.pad(c, layout(c)).key for c in (small, other)]
    assert keys[0] == keys[1]
    assert len(small.evidence) != len(other.evidence) or len(small.hypotheses) != len(other.hypotheses)
    jax_sampler._COMPILED.clear()
    first = jax_sampler.sample(small, layout(small), 50, 50, 2, 0.9, seed=3)
    jax_sampler.sample(other, layout(other), 50, 50, 2, 0.9, seed=3)
    assert len(jax_sampler._COMPILED) == 1
    (compiled,) = jax_sampler._COMPILED.values()
    (chains,) = compiled.samplers.values()
    assert chains._cache_size() == 1  # the second case compiled nothing
    again = jax_sampler.sample(small, layout(small), 50, 50, 2, 0.9, seed=3)
    jax_sampler._COMPILED.clear()
    fresh = jax_sampler.sample(small, layout(small), 50, 50, 2, 0.9, seed=3)
    for drawn in (again, fresh):  # the same draws after another case, and in a new compilation
        np.testing.assert_array_equal(drawn.judgment, first.judgment)
        np.testing.assert_array_equal(drawn.log_joint, first.log_joint)
    assert first.judgment.shape == (2, 50, len(layout(small).names))
    # NUTS's statistics as pm.sample's NumPyro path names them.
    assert set(first.stats) == {"energy", "n_steps", "tree_depth", "acceptance_rate", "step_size", "lp"}
    assert np.all(np.isfinite(first.stats["lp"])) and np.all(first.stats["tree_depth"] >= 1)
    assert first.log_joint.shape == (2, 50, len(small.hypotheses))


@pytest.mark.parametrize("name", [*FEATURES, "500", "501"])
def test_the_padded_model_at_the_judgments_means_is_the_numpy_engine_s_plug_in(name: str) -> None:
    """An independent pin (the reference above builds on the same `assemble`): with every
    judgment at its mean, each hypothesis's log joint is log prod_f E[factor] plus the numpy
    engine's own sum_j log P(item j | reports before it, h) at the means
    (`compile_case(case).mean_log_likelihoods()`, written apart from the PyMC model), up to one
    constant (the normalisation)."""
    pytest.importorskip("numpyro")
    import jax

    from hypotheses.model import jax_sampler
    from hypotheses.model.factors import compile_case
    from hypotheses.model.places import judgment_places

    jax.config.update("jax_enable_x64", True)
    case = _case(name)
    plan = layout(case)
    padded = jax_sampler.pad(case, plan)
    compiled = jax_sampler._compile(padded)
    placed = dict(judgment_places(case))
    Kp = padded.key[1]
    z = np.zeros(Kp + padded.key[2])
    means = np.array([placed[n].mean for n in plan.names])
    z[: len(means)] = np.log(means) - np.log1p(-means)  # the Betas' log-odds
    z[Kp : Kp + len(plan.ratio_names)] = np.log([placed[n].mean for n in plan.ratio_names])
    got = np.asarray(compiled.values(z[None], *(padded.arrays[n] for n in ARRAYS))[2])[0][
        : len(case.hypotheses)
    ]
    with np.errstate(divide="ignore"):
        prior = np.array([sum(np.log(j.mean) for _, j in h.prior) for h in case.hypotheses])
        want = prior + compile_case(case).mean_log_likelihoods().sum(axis=0)
    finite = np.isfinite(want)
    assert np.array_equal(np.isfinite(got), finite)
    shift = got[finite] - want[finite]
    np.testing.assert_allclose(shift, shift[0], rtol=0, atol=1e-9)
