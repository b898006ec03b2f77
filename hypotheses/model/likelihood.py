"""The effective likelihood of DESIGN.md section 3, written once for every engine and analysis.

`lambda_jh = c_j theta_jh + (1 - c_j) mean_k theta_jk`: with probability 1 - c_j (credibility
times the source's reliability) the report says nothing about which hypothesis is true.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np

from hypotheses.case import Case

T = TypeVar("T")


def effective_likelihood(credibility: T, theta: T, mix: T) -> T:
    """lambda = c theta + (1 - c) mix, for NumPy arrays and PyTensor tensors alike (the caller
    broadcasts: `mix` is mean_k theta_k).

    Written c theta + (1 - c) mix, never mix + c (theta - mix): the latter cancels a likelihood
    of 1e-300 to exactly 0 and would rule its hypothesis out."""
    return credibility * theta + (1.0 - credibility) * mix  # type: ignore[operator]


def mean_effective_likelihoods(case: Case) -> np.ndarray:
    """lambda_jh with every judgment at its mean: (J, H). Exact for point judgments; the
    plug-in value the evidence weights and the explanation's what-ifs start from."""
    n_hyp = len(case.hypotheses)
    theta = np.array([[j.mean for j in item.likelihoods] for item in case.evidence]).reshape(-1, n_hyp)
    reliability = {s.id: s.reliability.mean for s in case.sources}
    c = np.array([reliability.get(item.source, 1.0) * item.credibility.mean for item in case.evidence])
    return effective_likelihood(c[:, None], theta, theta.mean(axis=1, keepdims=True))
