"""NumPyro's NUTS on the PyMC model, compiled once per size of case (`--engine pymc` with the
`hypscore[jax]` extra).

`pm.sample(nuts_sampler="numpyro")` turns every datum of the model into a constant before JAX
compiles it, so each case compiled its own sampler (6-9 s; 10 cases took 61 s cold). Here the
model of `pymc_model.assemble` is built on symbolic arrays instead: its log density (and the
draws' `log_joint`) are JAX functions of the sampled values *and* the case's arrays. A case is
padded to the next size of a coarse ladder (`_size`), with padding that enters no term
(docs/model.md section 3, pymc), and NumPyro's NUTS kernel runs inside one jitted function of
(keys, starting points, arrays): every case of the same padded sizes reuses it in this process,
and JAX's persistent cache keeps it for the next process.

A case's padding depends on its own sizes only, so its draws are the same alone or in a batch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from hypotheses.case import Case
from hypotheses.model.pymc_model import ARRAYS, Layout, assemble, model_arrays

# The smallest padded size of each dimension: constants C, judgments K, ratios R, hypotheses H,
# prior factors F, items J, chain links L, events G, origins M.
# A coarse ladder (each size 4 times the last) puts most cases of a batch at one size: padding
# costs little (a step of NUTS on these sizes is mostly fixed overhead), a compilation seconds.
_LEAST = (16, 16, 4, 4, 4, 16, 2, 2, 2)
_STEP = 4


def _size(n: int, least: int) -> int:
    """The ladder: the smallest least * 4^k >= n."""
    size = least
    while size < n:
        size *= _STEP
    return size


@dataclass(frozen=True)
class Padded:
    """A case's arrays at the padded sizes `key`, and its own sizes (to cut the draws back)."""

    arrays: dict[str, np.ndarray]
    key: tuple[int, ...]  # C, K, R, H, F, J, L, G, M padded
    judgments: int
    ratios: int
    hypotheses: int


def pad(case: Case, plan: Layout) -> Padded:
    """`model_arrays(case)` padded: extra hypotheses masked out (P = 0), extra items, events and
    origins with weight 0, extra judgments and ratios free but read by nothing (Beta(1, 1) and
    LogNormal(0, 1): NUTS samples them at no cost to the rest), indices moved to the padded
    positions of the values [constants, judgments, ratios, link]."""
    a = model_arrays(case, plan)
    C, K, R = len(a["constants"]), len(a["alpha"]), len(a["ratio_mu"])
    H, F = a["prior_index"].shape
    J, L = a["reliability_index"].shape
    G, M = len(a["event_weight"]), len(a["origin_weight"])
    sizes = (C, K, R, H, F, J, L, G, M)
    Cp, Kp, Rp, Hp, Fp, Jp, Lp, Gp, Mp = (_size(n, least) for n, least in zip(sizes, _LEAST, strict=True))
    # No Beta (or no LogNormal) vector stays none: a vector of padding alone would be sampled.
    # No event (origin) stays none too: the graph then leaves out a term of weight 0.
    Kp, Rp, Gp, Mp = (Kp if K else 0), (Rp if R else 0), (Gp if G else 0), (Mp if M else 0)
    one = C - 1

    def moved(index: np.ndarray) -> np.ndarray:
        index = np.asarray(index, dtype=np.int64)
        return index + (index >= C) * (Cp - C) + (index >= C + K) * (Kp - K) + (index >= C + K + R) * (Rp - R)

    def grown(value: np.ndarray, shape: tuple[int, ...], fill: float | int | bool) -> np.ndarray:
        out = np.full(shape, fill, dtype=value.dtype)
        out[tuple(slice(0, n) for n in value.shape)] = value
        return out

    def index(name: str, shape: tuple[int, ...]) -> np.ndarray:
        return grown(moved(a[name]), shape, one)

    padded = {
        "constants": grown(a["constants"], (Cp,), 1.0),
        "alpha": grown(a["alpha"], (Kp,), 1.0),
        "beta": grown(a["beta"], (Kp,), 1.0),
        "ratio_mu": grown(a["ratio_mu"], (Rp,), 0.0),
        "ratio_sigma": grown(a["ratio_sigma"], (Rp,), 1.0),
        "hypothesis_mask": grown(a["hypothesis_mask"], (Hp,), False),
        "prior_index": index("prior_index", (Hp, Fp)),
        "theta_index": index("theta_index", (Jp, Hp)),
        "kappa_index": index("kappa_index", (Jp,)),
        "reliability_index": index("reliability_index", (Jp, Lp)),
        "rated": grown(a["rated"], (Jp,), False),
        "hit_index": index("hit_index", (Jp,)),
        "false_index": index("false_index", (Jp,)),
        "base_rate": grown(a["base_rate"], (Jp,), 0.5),
        "expected_rate": grown(a["expected_rate"], (Jp,), 0.5),
        "alone": grown(a["alone"], (Jp,), 0.0),
        "report_membership": grown(a["report_membership"], (Gp, Jp), 0.0),
        "event_theta_index": index("event_theta_index", (Gp, Hp)),
        "event_weight": grown(a["event_weight"], (Gp,), 0.0),
        "origin_theta_index": index("origin_theta_index", (Mp, Hp)),
        "origin_shared_index": index("origin_shared_index", (Mp,)),
        "origin_membership": grown(a["origin_membership"], (Mp, Jp), 0.0),
        "origin_weight": grown(a["origin_weight"], (Mp,), 0.0),
        "shared_base_rate": grown(a["shared_base_rate"], (Jp,), 0.5),
        "shared_expected_rate": grown(a["shared_expected_rate"], (Jp,), 0.5),
        "model_error_index": moved(a["model_error_index"]),
    }
    return Padded(padded, (Cp, Kp, Rp, Hp, Fp, Jp, Lp, Gp, Mp), K, R, H)


@dataclass
class _Compiled:
    """One padded size's compiled functions: the log density and the draws' values."""

    dim: int  # the sampled values: padded judgments, then padded ratios (unconstrained)
    logp: Callable[..., Any]  # (z, *arrays) -> log density, on the unconstrained scale
    values: Callable[..., Any]  # jitted, over draws: z (n, dim), *arrays -> judgment, ratio, log_joint
    samplers: dict[tuple, Callable[..., Any]]  # (draws, tune, target_accept) -> the jitted chains


_COMPILED: dict[tuple[int, ...], _Compiled] = {}


def _compile(padded: Padded) -> _Compiled:
    """The model at `padded.key`'s sizes on symbolic arrays, through PyTensor's JAX backend."""
    import jax
    import pymc as pm
    import pytensor.tensor as pt
    from pymc.sampling.jax import get_jaxified_graph

    _, Kp, Rp, *_ = padded.key
    symbols = {
        name: pt.tensor(name, dtype=str(value.dtype), shape=value.shape)
        for name, value in padded.arrays.items()
    }
    with pm.Model() as model:
        assemble(symbols, {"shape": Kp} if Kp else None, {"shape": Rp} if Rp else None)
    inputs = [*model.value_vars, *(symbols[name] for name in ARRAYS)]
    log_density = get_jaxified_graph(inputs=inputs, outputs=[model.logp()])
    wanted = [model[name] for name in ("judgment", "ratio") if name in model.named_vars]
    shown = get_jaxified_graph(
        inputs=inputs, outputs=model.replace_rvs_by_values([*wanted, model["log_joint"]])
    )

    def parts(z):
        return [z[..., :Kp], z[..., Kp:]] if Kp and Rp else [z]

    def logp(z, *arrays):
        return log_density(*parts(z), *arrays)[0]

    def values(z, *arrays):
        out = shown(*parts(z), *arrays)
        judgment = out[0] if Kp else jax.numpy.zeros(0)
        ratio = out[1 if Kp else 0] if Rp else jax.numpy.zeros(0)
        return judgment, ratio, out[-1]

    batched = jax.jit(jax.vmap(values, in_axes=(0, *([None] * len(ARRAYS)))))
    return _Compiled(Kp + Rp, logp, batched, {})


def _sampler(compiled: _Compiled, draws: int, tune: int, target_accept: float) -> Callable[..., Any]:
    """The chains as one jitted function of (keys, starts, *arrays): NumPyro's NUTS kernel
    (`numpyro.infer.hmc.hmc`, with the log density made from the arrays it is given), `tune`
    adapting steps then `draws` kept, each chain adapting its own step size and mass. The case's
    arrays are arguments, so a later case of the same sizes runs the compiled code again
    instead of compiling its own."""
    key = (draws, tune, target_accept)
    if key not in compiled.samplers:
        import jax
        from numpyro.infer.hmc import hmc

        logp = compiled.logp

        def potential(*arrays):
            return lambda z: -logp(z, *arrays)

        init_kernel, sample_kernel = hmc(potential_fn_gen=potential, algo="NUTS")

        def chain(rng_key, start, arrays):
            state = init_kernel(
                start, num_warmup=tune, target_accept_prob=target_accept, model_args=arrays, rng_key=rng_key
            )

            def adapt(state, _):
                return sample_kernel(state, model_args=arrays), None

            def keep(state, _):
                state = sample_kernel(state, model_args=arrays)
                return state, (
                    state.z,
                    state.diverging,
                    state.energy,
                    state.num_steps,
                    state.accept_prob,
                    state.adapt_state.step_size,
                    state.potential_energy,
                )

            state, _ = jax.lax.scan(adapt, state, None, length=tune)
            return jax.lax.scan(keep, state, None, length=draws)[1]

        @jax.jit
        def chains(keys, starts, *arrays):
            # Chains side by side: a step of NUTS on these sizes is mostly fixed overhead, so four
            # chains in lockstep cost less than four after one another (1.95 s against 3.1 s CPU).
            return jax.vmap(chain, in_axes=(0, 0, None))(keys, starts, arrays)

        compiled.samplers[key] = chains
    return compiled.samplers[key]


@dataclass(frozen=True)
class Draws:
    """What NUTS gave, cut back to the case's own sizes: (chains, draws, ...) each."""

    judgment: np.ndarray
    ratio: np.ndarray
    log_joint: np.ndarray
    diverging: np.ndarray
    stats: dict[str, np.ndarray]


def sample(
    case: Case, plan: Layout, draws: int, tune: int, chains: int, target_accept: float, seed: int
) -> Draws:
    """`chains` chains of `draws` draws each after `tune` tuning steps, from jittered starting
    points (the judgments' prior means, moved by up to 1 on the unconstrained scale, as PyMC
    starts its chains)."""
    import jax

    jax.config.update("jax_enable_x64", True)  # likelihoods of 1e-300 must not flush to 0
    padded = pad(case, plan)
    compiled = _COMPILED.get(padded.key)
    if compiled is None:
        compiled = _COMPILED[padded.key] = _compile(padded)
    run = _sampler(compiled, draws, tune, target_accept)
    arrays = [padded.arrays[name] for name in ARRAYS]
    a = padded.arrays
    start = np.concatenate([np.log(a["alpha"] / a["beta"]), a["ratio_mu"]])  # logit of the mean; log median
    rng = np.random.default_rng([seed, 0x4A58])
    starts = start + rng.uniform(-1.0, 1.0, size=(chains, start.size))
    keys = jax.random.split(jax.random.PRNGKey(seed), chains)
    z, diverging, energy, steps, accept, step_size, potential = (
        np.asarray(v) for v in run(keys, starts, *arrays)
    )
    flat = z.reshape(-1, z.shape[-1])
    judgment, ratio, log_joint = (
        np.asarray(v).reshape(chains, draws, -1) for v in compiled.values(flat, *arrays)
    )
    return Draws(
        judgment=judgment[..., : padded.judgments],
        ratio=ratio[..., : padded.ratios],
        log_joint=log_joint[..., : padded.hypotheses],
        diverging=diverging.astype(bool),
        # As pm.sample's NumPyro path names them: lp the log density, tree_depth from the steps.
        stats={
            "energy": energy,
            "n_steps": steps,
            "tree_depth": np.floor(np.log2(np.maximum(steps, 1))).astype(int) + 1,
            "acceptance_rate": accept,
            "step_size": step_size,
            "lp": -potential,
        },
    )
