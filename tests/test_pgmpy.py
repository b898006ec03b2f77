"""Agreement with pgmpy's exact VariableElimination on random point-valued cases.

Credibility is modelled in pgmpy as Schum does: a node for the event itself, and a report node
with hit = c + (1 - c) m and false alarm = (1 - c) m; the engine's effective likelihood
c theta + (1 - c) m must come out of that network's exact marginalisation.
"""

from __future__ import annotations

import logging

import numpy as np
import pytest

from hypotheses import score
from tests.helpers import point_case

pgmpy_models = pytest.importorskip("pgmpy.models")
from pgmpy.factors.discrete import TabularCPD  # noqa: E402
from pgmpy.inference import VariableElimination  # noqa: E402

logging.getLogger("pgmpy").setLevel(logging.ERROR)


def _pgmpy_posterior(priors: np.ndarray, likelihoods: np.ndarray, credibility: np.ndarray) -> np.ndarray:
    n_hyp = priors.size
    edges, cpds, evidence = [], [TabularCPD("H", n_hyp, (priors / priors.sum())[:, None].tolist())], {}
    for j, (row, c) in enumerate(zip(likelihoods, credibility, strict=True)):
        event, report = f"E{j}", f"R{j}"
        edges += [("H", event), (event, report)]
        cpds.append(TabularCPD(event, 2, [list(1 - row), list(row)], evidence=["H"], evidence_card=[n_hyp]))
        m = row.mean()
        hit, false_alarm = c + (1 - c) * m, (1 - c) * m
        cpds.append(
            TabularCPD(
                report,
                2,
                [[1 - false_alarm, 1 - hit], [false_alarm, hit]],
                evidence=[event],
                evidence_card=[2],
            )
        )
        evidence[report] = 1
    model = pgmpy_models.DiscreteBayesianNetwork(edges) if edges else pgmpy_models.DiscreteBayesianNetwork()
    if not edges:
        model.add_node("H")
    model.add_cpds(*cpds)
    result = VariableElimination(model).query(["H"], evidence=evidence or None, show_progress=False)
    return np.asarray(result.values)


@pytest.mark.parametrize("seed", range(20))
def test_agrees_with_pgmpy_variable_elimination(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_hyp, n_items = int(rng.integers(2, 6)), int(rng.integers(1, 7))
    priors = rng.uniform(0.05, 1.0, n_hyp).round(4)
    likelihoods = rng.uniform(0.01, 0.99, (n_items, n_hyp)).round(4)
    credibility = rng.uniform(0.0, 1.0, n_items).round(3)
    case = point_case(priors.tolist(), likelihoods.tolist(), credibility.tolist())
    ours = np.array([h.posterior.mean for h in score(case).hypotheses])
    expected = _pgmpy_posterior(priors, likelihoods, credibility)
    assert ours == pytest.approx(expected, rel=1e-9, abs=1e-12)
