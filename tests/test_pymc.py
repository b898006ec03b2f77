"""The PyMC reference model against the numpy engine, and the NetCDF export of both."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from hypotheses import load_case, score
from hypotheses.model import numpy_engine
from hypotheses.model.pymc_model import build_model, layout
from tests.helpers import EXAMPLES, make_case, random_uncertain_case, score_with_netcdf

N_CASES = 20
N_HYPOTHESES_MAX = 4
# Family-wise 1% error over every (case, hypothesis) comparison, never looser than 3 MCSE.
Z = max(3.0, float(stats.norm.ppf(1 - 0.01 / (2 * N_CASES * N_HYPOTHESES_MAX))))


def _arviz():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        import arviz as az
    return az


def test_layout_names_every_uncertain_judgment() -> None:
    plan = layout(load_case(EXAMPLES / "al-bab-2017.yaml"))
    assert "prior/deliberate/motive" in plan.names
    assert "lik/us_denial/mistake" in plan.names
    assert "reliability/us_dod" in plan.names
    assert "credibility/us_denial" in plan.names
    assert plan.theta_index.shape == (5, 3)  # five items (two report one event)
    assert plan.event_theta_index.shape == (1, 3)


def test_numpy_netcdf_round_trip(tmp_path: Path) -> None:
    az = _arviz()
    target = tmp_path / "draws.nc"
    card = score_with_netcdf(EXAMPLES / "leaked-memo.yaml", target, engine="numpy", draws=2_000)
    idata = az.from_netcdf(target)
    assert idata.posterior.attrs["engine"] == "numpy"
    assert idata.posterior.attrs["case_sha256"] == card.sha256
    assert "lik/printed_copy/insider" in idata.posterior["place"].values
    p = idata.posterior["p_hypothesis"]
    assert p.shape == (1, 2_000, 3)
    assert float(p.sel(hypothesis="insider").mean()) == pytest.approx(
        card.hypotheses[0].posterior.mean, abs=0.01
    )
    summary = az.summary(idata, var_names=["p_hypothesis"], kind="stats")
    assert len(summary) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["draws.nc"]


@pytest.mark.slow
def test_point_only_case_is_exact_through_the_model() -> None:
    import pytensor

    case = load_case(EXAMPLES / "taxicab.yaml")
    model = build_model(case)
    assert model.free_RVs == []
    p = pytensor.function([], model["p_hypothesis"])()
    assert p[0] == pytest.approx(0.15 * 0.8 / (0.15 * 0.8 + 0.85 * 0.2), rel=1e-12)
    card = score(case, engine="pymc")
    assert card.diagnostics.engine == "pymc"
    assert card.hypotheses[0].posterior.mean == pytest.approx(0.41379310344827586, rel=1e-12)


@pytest.mark.slow
def test_pymc_netcdf_round_trip(tmp_path: Path) -> None:
    az = _arviz()
    target = tmp_path / "draws.nc"
    card = score_with_netcdf(EXAMPLES / "al-bab-2017.yaml", target, engine="pymc", draws=4_000, tune=1_000)
    idata = az.from_netcdf(target)
    assert idata.posterior.attrs["engine"] == "pymc"
    assert idata.posterior.attrs["case_title"] == card.title
    assert idata.posterior["p_hypothesis"].shape == (4, 1_000, 3)
    assert len(az.summary(idata, var_names=["judgment"])) == len(
        layout(load_case(EXAMPLES / "al-bab-2017.yaml")).names
    )
    assert card.diagnostics.rhat is not None and card.diagnostics.rhat < 1.01
    assert card.diagnostics.divergences == 0


@pytest.mark.slow
@pytest.mark.parametrize("sampler", ["pymc", "numpyro"])
@pytest.mark.parametrize("seed", range(N_CASES))
def test_pymc_agrees_with_numpy_on_random_cases(seed: int, sampler: str) -> None:
    """Both NUTS implementations (PyMC's own, and NumPyro from the `jax` extra) sample the one
    model: each agrees with the numpy engine within Monte Carlo error."""
    az = _arviz()
    from hypotheses.model import pymc_engine

    if sampler == "numpyro":
        pytest.importorskip("numpyro")
    case = make_case(random_uncertain_case(np.random.default_rng(1000 + seed)))
    assert len(case.hypotheses) <= N_HYPOTHESES_MAX
    result = pymc_engine.run(case, draws=4_000, tune=1_000, seed=seed, sampler=sampler)
    assert result.sampler == sampler
    mcse = az.mcse(result.inference_data, var_names=["p_hypothesis"])["p_hypothesis"].values
    numpy_runs = np.array([numpy_engine.run(case, draws=20_000, seed=s).posterior_mean for s in range(3)])
    se_numpy = numpy_runs.std(axis=0, ddof=1)
    tolerance = Z * np.sqrt(mcse**2 + se_numpy**2) + 1e-9
    difference = np.abs(result.posterior_mean - numpy_runs[0])
    assert np.all(difference < tolerance), (difference, tolerance)
    assert result.divergences == 0
    lo_p, hi_p = np.quantile(result.posterior_draws, [0.05, 0.95], axis=0)
    numpy_draws = numpy_engine.run(case, draws=20_000, seed=0).posterior_draws
    lo_n, hi_n = np.quantile(numpy_draws, [0.05, 0.95], axis=0)
    assert np.all((lo_p <= hi_n) & (lo_n <= hi_p))  # the 90% intervals overlap


@pytest.mark.slow
def test_readme_model_extension_example_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's notebook-style example, executed as written (from the project root)."""
    import re

    from tests.helpers import ROOT

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "build_model" in b)
    monkeypatch.chdir(ROOT)
    namespace: dict = {}
    exec(compile(block, "README.md", "exec"), namespace)
    idata = namespace["idata"]
    with_report = idata.posterior["p_with_report"].mean(("chain", "draw")).values
    without = idata.posterior["p_hypothesis"].mean(("chain", "draw")).values
    assert with_report.sum() == pytest.approx(1.0)
    assert with_report[2] < without[2]  # the report is unlikely if the claim was true


def test_sampler_falls_back_to_pymc_when_jax_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the `jax` extra, auto means PyMC's own sampler; asking for numpyro by name is a
    clear usage error that says how to install it."""
    import sys

    from hypotheses.model import pymc_engine
    from hypotheses.settings import UsageError

    monkeypatch.setitem(sys.modules, "numpyro", None)  # `import numpyro` now raises ImportError
    monkeypatch.delenv("HYPSCORE_NUTS_SAMPLER", raising=False)
    assert pymc_engine.resolve_sampler() == "pymc"
    assert pymc_engine.resolve_sampler("pymc") == "pymc"
    with pytest.raises(UsageError, match=r"pip install 'hypscore\[jax\]'"):
        pymc_engine.resolve_sampler("numpyro")
    monkeypatch.setenv("HYPSCORE_NUTS_SAMPLER", "numpyro")
    with pytest.raises(UsageError, match="needs JAX and NumPyro"):
        pymc_engine.resolve_sampler()


def test_sampler_choice_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from hypotheses.model import pymc_engine
    from hypotheses.settings import UsageError, check_settings

    monkeypatch.setenv("HYPSCORE_CACHE_DIR", str(tmp_path))  # never the user's own cache
    monkeypatch.setenv("HYPSCORE_NUTS_SAMPLER", "pymc")
    assert pymc_engine.resolve_sampler() == "pymc"
    installed = importlib.util.find_spec("numpyro") is not None
    assert pymc_engine.resolve_sampler("auto") == ("numpyro" if installed else "pymc")  # the argument wins
    monkeypatch.setenv("HYPSCORE_NUTS_SAMPLER", "stan")
    with pytest.raises(UsageError, match="HYPSCORE_NUTS_SAMPLER=stan is not a NUTS sampler"):
        check_settings()


@pytest.mark.slow
def test_numpyro_sampler_fills_the_persistent_cache_and_reports_itself(tmp_path: Path) -> None:
    """With the `jax` extra, `--engine pymc` runs NumPyro, says so in diagnostics, and leaves
    JAX's compiled programs in hypscore's cache, so that the next command compiles nothing. In
    a fresh process: JAX reads its cache setting once, at its first compilation."""
    import json
    import os
    import subprocess
    import sys

    pytest.importorskip("numpyro")
    env = {k: v for k, v in os.environ.items() if k != "HYPSCORE_NUTS_SAMPLER"}
    env["HYPSCORE_CACHE_DIR"] = str(tmp_path)
    command = [sys.executable, "-m", "cli", "score", str(EXAMPLES / "al-bab-2017.yaml")]
    out = subprocess.run(
        [*command, "--engine", "pymc", "--seed", "3", "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=600,
    )
    card = json.loads(out.stdout)
    assert card["diagnostics"]["sampler"] == "numpyro"
    assert card["diagnostics"]["rhat"] < 1.01 and card["diagnostics"]["divergences"] == 0
    exact = score(EXAMPLES / "al-bab-2017.yaml", engine="numpy", explain=False)
    for ours, reference in zip(card["hypotheses"], exact.hypotheses, strict=True):
        assert ours["posterior"]["mean"] == pytest.approx(reference.posterior.mean, abs=0.005)
    assert any((tmp_path / "jax").iterdir())
