"""The pymc engine: NUTS on `build_model(case)`, with R-hat, ESS and divergences.

Imports PyMC and ArviZ (seconds): only `--engine pymc`, `auto` falling back, and NetCDF use it.
"""

from __future__ import annotations

import logging
import math
import os
import warnings

import numpy as np

from hypotheses.case import Case
from hypotheses.model.likelihood import mean_case_log_likelihoods
from hypotheses.model.logspace import log, logsumexp, softmax
from hypotheses.model.prior import prior_mean, prior_weight_draws
from hypotheses.model.result import EngineResult

CHAINS = 4
DEFAULT_DRAWS = 4_000  # in all chains together
DEFAULT_TUNE = 1_000
DEFAULT_TARGET_ACCEPT = 0.9


def _quiet_imports():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
        import pymc as pm
    return az, pm


def run(
    case: Case,
    draws: int = DEFAULT_DRAWS,
    seed: int | None = 0,
    tune: int = DEFAULT_TUNE,
    target_accept: float = DEFAULT_TARGET_ACCEPT,
    progressbar: bool = False,
) -> EngineResult:
    """Sample the reference model; `draws` counts all chains together."""
    from hypotheses.model.pymc_model import build_model, layout

    rng = np.random.default_rng(seed)
    pi_mean, _ = prior_mean(case, np.random.default_rng(rng.integers(2**63)))
    log_w, _ = prior_weight_draws(case, min(draws, 20_000), rng)
    prior_draws = np.exp(log_w - logsumexp(log_w, axis=1)[:, None])
    if not layout(case).free:
        # Nothing uncertain: no free variable to sample, and the model's answer is exact.
        exact = softmax(log(pi_mean) + mean_case_log_likelihoods(case).sum(axis=0))
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
    az, pm = _quiet_imports()
    model = build_model(case)
    per_chain = math.ceil(draws / CHAINS)
    for name in ("pymc", "pymc.sampling", "pymc.stats.convergence"):
        logging.getLogger(name).setLevel(logging.INFO if progressbar else logging.ERROR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = pm.sample(
            draws=per_chain,
            tune=tune,
            chains=CHAINS,
            cores=min(CHAINS, os.cpu_count() or 1),
            random_seed=seed,
            target_accept=target_accept,
            progressbar=progressbar,
            compute_convergence_checks=False,
            model=model,
        )
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
    )
