"""The draws of either engine as ArviZ InferenceData: what `score --netcdf` writes
(output/netcdf.py) and `Scorecard.to_inference_data()` returns. Imports ArviZ (seconds): only
those two use it."""

from __future__ import annotations

import warnings

import numpy as np

from hypotheses._version import __version__
from hypotheses.case import Case
from hypotheses.model.places import judgment_places
from hypotheses.model.result import EngineResult
from hypotheses.text import visible
from priors import LogNormal


def _arviz():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
    return az


def inference_data(case: Case, result: EngineResult, seed: int | None = None):
    """ArviZ InferenceData of either engine's draws, in the groups ArviZ users expect:
    `posterior` (`judgment` by `place`, `p_hypothesis` by `hypothesis`), `prior` (`p_hypothesis`:
    pi_h under the prior) and `sample_stats` (NUTS's, or the numpy engine's `log_evidence`,
    log p(E | params) of each draw). The attributes say how to make the same draws again: the
    case (title, path, SHA-256), the engine, the hypscore version and the seed (when one was
    given: `seed`)."""
    az = _arviz()
    hypotheses = {"hypothesis": case.hypothesis_ids}
    prior = _prior_group(az, case, result, seed)
    if result.inference_data is not None:
        idata = result.inference_data
    else:
        judgments = result.judgments or {}
        # As in the PyMC model: Betas in `judgment` (dims place), log-normal ratios in `ratio`.
        ratios = {name for name, j in judgment_places(case) if isinstance(j, LogNormal)}
        names = [n for n in judgments if n not in ratios]
        ratio_names = [n for n in judgments if n in ratios]

        def stacked(keys: list[str]) -> np.ndarray:
            return np.column_stack([judgments[n] for n in keys]) if keys else np.empty((result.draws, 0))

        log_evidence = result.log_evidence if result.log_evidence is not None else np.zeros(result.draws)
        posterior = {"judgment": stacked(names)[None], "p_hypothesis": result.posterior_draws[None]}
        dims = {"judgment": ["place"], "p_hypothesis": ["hypothesis"]}
        if ratio_names:
            posterior["ratio"] = stacked(ratio_names)[None]
            dims["ratio"] = ["ratio_place"]
        idata = az.from_dict(
            posterior=posterior,
            sample_stats={"log_evidence": log_evidence[None]},
            coords={"place": names, "ratio_place": ratio_names, **hypotheses},
            dims=dims,
        )
    if "prior" not in idata.groups():
        idata.extend(prior)
    idata.posterior.attrs.update(_READING | ({"draws": _NUMPY_DRAWS} if result.engine == "numpy" else {}))
    idata.posterior.attrs.update(
        {
            "case_title": _attribute(case.title),
            "case_sha256": case.sha256,
            "case_path": _attribute(case.path),
            "engine": result.engine,
            "hypscore_version": __version__,
        }
        | ({"seed": seed} if seed is not None else {})  # NetCDF has no None
    )
    return idata


# How to read the file, in its own attributes: ArviZ's summaries default to a 94% HDI and treat
# draws as MCMC chains, neither of which is what hypscore reports or (for numpy) draws.
_READING = {
    "interval": "hypscore reports 90% equal-tailed intervals (the 5% and 95% quantiles of the draws), "
    "not ArviZ's default 94% HDI",
}
_NUMPY_DRAWS = (
    "one chain of equal-weight draws by exact sampling and importance resampling (not MCMC: "
    "R-hat and chain diagnostics do not apply; sample_stats.log_evidence is log p(E | params))"
)


def _prior_group(az, case: Case, result: EngineResult, seed: int | None):
    """`prior`: pi_h under the prior, and every uncertain judgment drawn from its prior (as many
    draws as the posterior, from their own stream of `seed`), so that each judgment's prior and
    posterior can be plotted side by side; point judgments go to `constant_data`."""
    named = judgment_places(case)
    rng = np.random.default_rng([0 if seed is None else seed, 0x9E10])
    draws = result.prior_draws.shape[0]
    betas = [(n, j) for n, j in named if not j.is_point and not isinstance(j, LogNormal)]
    ratios = [(n, j) for n, j in named if isinstance(j, LogNormal)]
    points = [(n, j) for n, j in named if j.is_point]
    prior: dict[str, np.ndarray] = {"p_hypothesis": result.prior_draws[None]}
    dims = {"p_hypothesis": ["hypothesis"]}
    if betas:
        prior["judgment"] = np.column_stack([j.sample(rng, draws) for _, j in betas])[None]
        dims["judgment"] = ["place"]
    if ratios:
        prior["ratio"] = np.column_stack([j.sample(rng, draws) for _, j in ratios])[None]
        dims["ratio"] = ["ratio_place"]
    constant = {"point_judgment": np.array([j.mean for _, j in points])} if points else None
    return az.from_dict(
        prior=prior,
        constant_data=constant,
        coords={
            "hypothesis": case.hypothesis_ids,
            "place": [n for n, _ in betas],
            "ratio_place": [n for n, _ in ratios],
            "point_place": [n for n, _ in points],
        },
        dims=dims | ({"point_judgment": ["point_place"]} if points else {}),
    )


def _attribute(text: str) -> str:
    """NetCDF attributes are C strings: a NUL (or any control character) from a case is written
    as a visible escape instead of crashing the writer or reaching a terminal that prints it."""
    return visible(text)
