"""The Python API mirrors the CLI: load_case, score, Scorecard.to_frame()."""

from __future__ import annotations

import pytest

from hypotheses import case_json_schema, load_case, score
from tests.helpers import EXAMPLES


def test_score_accepts_a_path_or_a_case() -> None:
    path = EXAMPLES / "leaked-memo.yaml"
    a, b = score(path).to_dict(), score(load_case(path)).to_dict()
    a["diagnostics"].pop("seconds"), b["diagnostics"].pop("seconds")
    assert a == b


def test_to_frame() -> None:
    pd = pytest.importorskip("pandas")
    frame = score(EXAMPLES / "taxicab.yaml").to_frame()
    assert isinstance(frame, pd.DataFrame)
    assert frame.loc["blue", "posterior_mean"] == pytest.approx(0.41379, abs=1e-5)
    assert list(frame.columns)[:2] == ["label", "prior_mean"]


def test_judgments_print_readably() -> None:
    case = load_case(EXAMPLES / "al-bab-2017.yaml")
    assert repr(case.hypotheses[0].prior[0][1]) == "Beta(24.92, 11.69; mean 0.681) from 'likely'"


def test_json_schema_comes_from_the_loader_models() -> None:
    schema = case_json_schema()
    assert schema["properties"]["hypotheses"]["minItems"] == 2
    assert schema["$defs"]["HypothesisSpec"]["properties"]["id"]["pattern"] == "^[a-z][a-z0-9_]*$"
