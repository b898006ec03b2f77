"""The pymc engine: NUTS on `build_model(case)`, with R-hat, ESS and divergences.

Imports PyMC and ArviZ (seconds): only `--engine pymc`, `auto` falling back, and NetCDF use it.
With the `hypscore[jax]` extra installed, NUTS runs in NumPyro on the same model compiled once
per size of case (model/jax_sampler.py: the case's arrays are the compiled function's arguments,
so a batch compiles once, not once per case), with JAX's persistent compilation cache in
hypscore's cache directory (benchmarks/README.md sections 9 and 19). Without it, PyMC's own
sampler runs `pm.sample` on `build_model(case)`.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import threading
import types
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hypotheses.case import Case
from hypotheses.model.factors import compile_case
from hypotheses.model.logspace import log, logsumexp, softmax
from hypotheses.model.prior import prior_mean, prior_weight_draws
from hypotheses.model.result import INTERVAL, EngineResult
from hypotheses.settings import (
    DEFAULT_SEED,
    DEFAULT_TARGET_ACCEPT,
    DEFAULT_TUNE,
    PYMC_CHAINS,
    PYMC_DEFAULT_DRAWS,
    SAMPLER_VARIABLE,
    UsageError,
    nuts_sampler,
)

if TYPE_CHECKING:
    from hypotheses.model.pymc_model import Layout


def _quiet_imports():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
        import pymc as pm
    return az, pm


@contextlib.contextmanager
def _noting_ctrl_c() -> Iterator[list[bool]]:
    """A list that becomes [True] when SIGINT arrives while the sampler runs (which PyMC turns
    into short chains or broken pipes); the handler before it still runs (KeyboardInterrupt)."""
    noted: list[bool] = []
    if threading.current_thread() is not threading.main_thread():
        yield noted  # signals go to the main thread only; nothing to note here
        return
    before = signal.getsignal(signal.SIGINT)

    def note(signum: int, frame: types.FrameType | None) -> None:
        noted[:] = [True]
        if callable(before):
            before(signum, frame)
        elif before == signal.SIG_DFL:
            signal.default_int_handler(signum, frame)

    signal.signal(signal.SIGINT, note)
    try:
        yield noted
    finally:
        signal.signal(signal.SIGINT, before)


def _quantile_mcse(az, idata) -> float:
    """Largest Monte Carlo standard error of the interval ends: ArviZ's quantile MCSE (from
    the chains' ESS for the indicator at that quantile, not the bulk ESS)."""
    return max(
        float(
            np.nanmax(az.mcse(idata, var_names=["p_hypothesis"], method="quantile", prob=p)["p_hypothesis"])
        )
        for p in INTERVAL
    )


def cache_dir() -> Path:
    """Where hypscore keeps what it can rebuild: $HYPSCORE_CACHE_DIR, else the XDG cache."""
    if os.environ.get("HYPSCORE_CACHE_DIR"):
        return Path(os.environ["HYPSCORE_CACHE_DIR"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "hypscore"


def _numpyro_ready() -> bool:
    """Import JAX and NumPyro (the `jax` extra) and turn on JAX's persistent compilation cache,
    so that a second command compiles nothing; False when either is missing or broken."""
    try:
        import jax
        import numpyro  # noqa: F401
    except Exception:  # an absent or mismatched install: the default sampler still works
        return False
    folder = cache_dir() / "jax"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return True  # no writable cache: numpyro still runs, it only compiles every time
    if not jax.config.jax_compilation_cache_dir:  # a notebook's own setting wins
        jax.config.update("jax_compilation_cache_dir", str(folder))
        # The default threshold (1 s) would skip this model's many small compilations.
        jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    return True


def resolve_sampler(sampler: str | None = None) -> str:
    """The NUTS sampler to use: `sampler`, else $HYPSCORE_NUTS_SAMPLER, else auto (numpyro
    when the `jax` extra is installed, PyMC's own otherwise). An explicit numpyro that is not
    installed is a UsageError, not a silent fallback."""
    choice = nuts_sampler(sampler)
    if choice == "pymc":
        return "pymc"
    if _numpyro_ready():
        return "numpyro"
    if choice == "numpyro":
        raise UsageError(
            "the numpyro sampler needs JAX and NumPyro: pip install 'hypscore[jax]', "
            f"or set {SAMPLER_VARIABLE}=auto to use PyMC's own sampler"
        )
    return "pymc"


def _numpyro_inference_data(
    az, case: Case, plan: Layout, per_chain: int, tune: int, target_accept: float, seed: int
):
    """NumPyro's NUTS on the model compiled once per size of case (model/jax_sampler.py), as
    the InferenceData `pm.sample` gives: `judgment`, `ratio`, `log_joint` and `p_hypothesis`
    in `posterior`, NUTS's statistics in `sample_stats`."""
    from hypotheses.model import jax_sampler

    drawn = jax_sampler.sample(case, plan, per_chain, tune, PYMC_CHAINS, target_accept, seed)
    log_joint = drawn.log_joint
    posterior = {"log_joint": log_joint, "p_hypothesis": softmax(log_joint, axis=-1)}
    dims = {"log_joint": ["hypothesis"], "p_hypothesis": ["hypothesis"]}
    if plan.names:
        posterior["judgment"], dims["judgment"] = drawn.judgment, ["place"]
    if plan.ratio_names:
        posterior["ratio"], dims["ratio"] = drawn.ratio, ["ratio_place"]
    return az.from_dict(
        posterior=posterior,
        sample_stats={"diverging": drawn.diverging, **drawn.stats},
        coords={"hypothesis": case.hypothesis_ids, "place": plan.names, "ratio_place": plan.ratio_names},
        dims=dims,
    )


def run(
    case: Case,
    draws: int = PYMC_DEFAULT_DRAWS,
    seed: int | None = DEFAULT_SEED,
    tune: int = DEFAULT_TUNE,
    target_accept: float = DEFAULT_TARGET_ACCEPT,
    progressbar: bool = False,
    sampler: str | None = None,
) -> EngineResult:
    """Sample the reference model; `draws` counts all chains together. `sampler`: see
    `resolve_sampler`; `EngineResult.sampler` says which one ran."""
    from hypotheses.model.pymc_model import build_model, layout

    rng = np.random.default_rng(seed)
    pi_mean, _ = prior_mean(case, np.random.default_rng(rng.integers(2**63)))
    log_w, _ = prior_weight_draws(case, min(draws, 20_000), rng)
    prior_draws = np.exp(log_w - logsumexp(log_w, axis=1)[:, None])
    plan = layout(case)
    if not plan.free:
        # Nothing uncertain: no free variable to sample, and the model's answer is exact.
        exact = softmax(log(pi_mean) + compile_case(case).mean_log_likelihoods().sum(axis=0))
        return EngineResult(
            "pymc",
            prior_draws,
            exact,
            np.tile(exact, (draws, 1)),
            float(draws),
            draws,
            rhat=None,
            divergences=0,
            prior_mean=pi_mean,
        )
    chosen = resolve_sampler(sampler)
    az, pm = _quiet_imports()
    per_chain = math.ceil(draws / PYMC_CHAINS)
    for name in ("pymc", "pymc.sampling", "pymc.stats.convergence"):
        logging.getLogger(name).setLevel(logging.INFO if progressbar else logging.ERROR)
    with warnings.catch_warnings(), _noting_ctrl_c() as ctrl_c:
        warnings.simplefilter("ignore")
        if chosen == "numpyro":
            nuts_seed = seed if seed is not None else int(rng.integers(2**31))
            idata = _numpyro_inference_data(az, case, plan, per_chain, tune, target_accept, nuts_seed)
        else:
            try:
                idata = pm.sample(
                    draws=per_chain,
                    tune=tune,
                    chains=PYMC_CHAINS,
                    random_seed=seed,
                    target_accept=target_accept,
                    progressbar=progressbar,
                    compute_convergence_checks=False,
                    model=build_model(case),
                    cores=min(PYMC_CHAINS, os.cpu_count() or 1),
                )
            except (BrokenPipeError, EOFError, ConnectionError):
                if ctrl_c:  # Ctrl-C at start-up killed the workers: the parent sees their pipes break
                    raise KeyboardInterrupt from None
                raise
        # PyMC catches Ctrl-C and returns the chains so far: a result from fewer draws than
        # asked for is no result (nothing is written; the command exits 130).
        if (
            ctrl_c
            or idata.posterior.sizes["chain"] < PYMC_CHAINS
            or idata.posterior.sizes["draw"] < per_chain
        ):
            raise KeyboardInterrupt
        sampled = [name for name in ("judgment", "ratio", "p_hypothesis") if name in idata.posterior]
        rhat = float(az.rhat(idata, var_names=sampled).to_array().max())
        ess = float(az.ess(idata, var_names=sampled, method="bulk").to_array().min())
    p = idata.posterior["p_hypothesis"].values.reshape(-1, len(case.hypotheses))
    divergences = int(idata.sample_stats["diverging"].values.sum())
    return EngineResult(
        "pymc",
        prior_draws,
        p.mean(axis=0),
        p,
        ess,
        p.shape[0],
        rhat=rhat,
        divergences=divergences,
        inference_data=idata,
        prior_mean=pi_mean,
        mean_mcse=float((p.std(axis=0) / math.sqrt(max(ess, 1.0))).max()),
        sampler=chosen,
        interval_mcse=_quantile_mcse(az, idata),
    )
