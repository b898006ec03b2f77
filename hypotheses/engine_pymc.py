"""The pymc engine: NUTS on `build_model(case)`, with R-hat, ESS and divergences.

Imports PyMC and ArviZ (seconds): only `--engine pymc`, `auto` falling back, and NetCDF use it.
"""

from __future__ import annotations

import logging
import math
import os
import warnings

import numpy as np

from hypotheses import engine_numpy
from hypotheses.case import Case
from hypotheses.engine_numpy import EngineResult

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
    from hypotheses.model import build_model, layout

    base = engine_numpy.run(case, draws=min(draws, 20_000), seed=seed)
    prior_draws = base.prior_draws
    if not layout(case).names:
        # Nothing uncertain: no free variable to sample, and the model's answer is exact.
        exact = engine_numpy.run(case, draws=draws, seed=seed)
        return EngineResult(
            "pymc",
            prior_draws,
            exact.posterior_mean,
            exact.posterior_draws,
            float(draws),
            draws,
            seed,
            rhat=None,
            divergences=0,
            prior_mean=base.prior_mean,
            mean_mcse=exact.mean_mcse,
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
        rhat = float(az.rhat(idata, var_names=["judgment", "p_hypothesis"]).to_array().max())
        ess = float(az.ess(idata, var_names=["judgment", "p_hypothesis"], method="bulk").to_array().min())
    p = idata.posterior["p_hypothesis"].values.reshape(-1, len(case.hypotheses))
    divergences = int(idata.sample_stats["diverging"].values.sum())
    return EngineResult(
        "pymc",
        prior_draws,
        p.mean(axis=0),
        p,
        ess,
        p.shape[0],
        seed,
        rhat=rhat,
        divergences=divergences,
        inference_data=idata,
        prior_mean=base.prior_mean,
        mean_mcse=float((p.std(axis=0) / math.sqrt(max(ess, 1.0))).max()),
    )


def diagnostic_warnings(result: EngineResult) -> list[str]:
    """The usual remedies when NUTS's diagnostics are poor."""
    out = []
    if result.rhat is not None and result.rhat > 1.01:
        out.append(
            f"pymc: R-hat is {result.rhat:.3f} (> 1.01): the chains disagree; "
            "run longer with --tune 3000 --draws 8000"
        )
    if result.ess < 400:
        out.append(f"pymc: effective sample size is {result.ess:.0f} (< 400); raise --draws")
    if result.divergences:
        out.append(
            f"pymc: {result.divergences} divergent transitions; raise --target-accept "
            "(e.g. 0.95 or 0.99) and --tune"
        )
    return out


def inference_data(case: Case, result: EngineResult):
    """ArviZ InferenceData of the draws of either engine, with the case's title, hash and engine."""
    az, _ = _quiet_imports()
    if result.inference_data is not None:
        idata = result.inference_data
    else:
        judgments = result.judgments or {}
        names = list(judgments)
        values = np.column_stack([judgments[n] for n in names]) if names else np.empty((result.draws, 0))
        idata = az.from_dict(
            posterior={"judgment": values[None], "p_hypothesis": result.posterior_draws[None]},
            coords={"place": names, "hypothesis": case.hypothesis_ids},
            dims={"judgment": ["place"], "p_hypothesis": ["hypothesis"]},
        )
    idata.posterior.attrs.update(
        {
            "case_title": _attribute(case.title),
            "case_sha256": case.sha256,
            "case_path": _attribute(case.path),
            "engine": result.engine,
        }
    )
    return idata


def _attribute(text: str) -> str:
    """NetCDF attributes are C strings: a NUL (or any control character) from a case is written
    as a visible escape instead of crashing the writer or reaching a terminal that prints it."""
    return "".join(
        ch if ch.isprintable() or ch == " " else ch.encode("unicode_escape").decode() for ch in text
    )


def write_netcdf(idata, path) -> None:
    """Write the InferenceData atomically, like every other export."""
    from hypotheses.exports import atomic_output

    with atomic_output(path) as temporary:
        idata.to_netcdf(str(temporary))
