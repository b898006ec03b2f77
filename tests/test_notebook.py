"""Notebooks (issue 33 item 9): the Scorecard shows itself as HTML, gives its draws as ArviZ
InferenceData (the same as `score --netcdf`), and the file says how to read it."""

from __future__ import annotations

import numpy as np
import pytest

from hypotheses import load_case, score
from tests.helpers import EXAMPLES, make_case


def test_to_inference_data_is_what_netcdf_writes_with_priors_and_constants(tmp_path) -> None:
    from typer.testing import CliRunner

    from cli import app

    case = load_case(EXAMPLES / "al-bab-2017.yaml")
    idata = score(case, keep_draws=True).to_inference_data()
    assert {"posterior", "prior", "sample_stats", "constant_data"} <= set(idata.groups())
    target = tmp_path / "draws.nc"
    assert (
        CliRunner()
        .invoke(app, ["score", str(EXAMPLES / "al-bab-2017.yaml"), "--netcdf", str(target)])
        .exit_code
        == 0
    )
    import arviz as az

    written = az.from_netcdf(str(target))
    np.testing.assert_array_equal(
        written.posterior["p_hypothesis"].values, idata.posterior["p_hypothesis"].values
    )
    # Every uncertain judgment has prior draws beside its posterior draws, from its own judgment.
    from hypotheses.model.places import judgment_places

    judged = dict(judgment_places(case))
    for place in idata.prior.coords["place"].values:
        draws = idata.prior["judgment"].sel(place=place).values.ravel()
        assert draws.mean() == pytest.approx(
            judged[str(place)].mean, abs=5 * draws.std() / np.sqrt(draws.size)
        )
    assert set(map(str, idata.posterior.coords["place"].values)) == set(
        map(str, idata.prior.coords["place"].values)
    )
    points = {
        str(p): v
        for p, v in zip(
            idata.constant_data.coords["point_place"].values,
            idata.constant_data["point_judgment"].values,
            strict=True,
        )
    }
    assert points == {name: j.mean for name, j in judged.items() if j.is_point}
    assert "90% equal-tailed" in idata.posterior.attrs["interval"]
    assert "not MCMC" in idata.posterior.attrs["draws"]


def test_without_kept_draws_the_message_says_how_to_keep_them() -> None:
    card = score(load_case(EXAMPLES / "taxicab.yaml"))
    with pytest.raises(ValueError, match=r"keep_draws=True"):
        card.to_inference_data()


def test_the_notebook_view_escapes_what_the_case_says() -> None:
    document = {
        "schema": 1,
        "title": "<script>alert(1)</script>",
        "hypotheses": [
            {"id": "a", "label": "<img src=x onerror=alert(1)>", "prior": 0.5},
            {"id": "b", "label": "B & co", "prior": 0.5},
        ],
        "evidence": [{"id": "x", "label": "x", "likelihoods": {"a": 0.8, "b": 0.3}}],
    }
    html = score(make_case(document))._repr_html_()
    assert "<script>" not in html and "<img" not in html and "&lt;img src=x" in html and "B &amp; co" in html
    assert "72.7%" in html  # 0.5 * 0.8 / (0.5 * 0.8 + 0.5 * 0.3)
