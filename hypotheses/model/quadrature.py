"""Gauss quadrature for independent Beta reliabilities (docs/model.md section 3).

Given its sources' reliabilities r, a component's factors are each linear in the chain
reliability rho = const x prod of the r on the item's chain (lambda = c theta + (1 - c) b with
c = kappa rho; Schum's rates rho H + (1 - rho) q; an event's and an origin's terms are sums of
products of such rates), so E[prod of the factors | r, h] is a polynomial in each r_k whose
degree is the number of the component's items that use source k. The Gauss rule of n nodes for
a Beta(a, b) weight integrates a polynomial of degree up to 2n - 1 exactly, so a tensor rule of
n_k = degree_k // 2 + 1 nodes per source gives E_r[...] exactly, up to rounding: the seed
case's three sources (degrees 1, 5, 1) need 3 nodes where importance sampling drew 65,536.

The rule comes from the Jacobi matrix of the Beta weight (Golub and Welsch): its eigenvalues are
the nodes; each weight is 1 / sum_k p_k(x)^2 over the orthonormal polynomials at the node
(Christoffel), summed in log space, so a node far in the prior's tail keeps its weight's
relative accuracy however small it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from hypotheses.model.logspace import logsumexp

# Most nodes of a tensor rule: beyond it a component is importance-sampled (components.Sampled).
# A sixteenth of the pool it replaces (65,536 draws), so the rule is always the cheaper, and a
# budget for three sources used by up to 31 items each, or two by 127.
QUADRATURE_NODES = 4096
# Most nodes of one source's rule (a source used by up to 127 items): the Jacobi matrix's
# eigenvalues cost n^3, and the rule's moments are tested to 1e-11 up to here.
RULE_NODES = 64


def nodes_needed(degree: int) -> int:
    """Nodes of the Gauss rule exact for a polynomial of `degree`: 2n - 1 >= degree."""
    return degree // 2 + 1


def _recurrence(a: float, b: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The monic three-term recurrence of the Jacobi polynomials orthogonal for
    (1 - x)^alpha (1 + x)^beta on [-1, 1], alpha = b - 1 and beta = a - 1 (r = (1 + x) / 2 ~
    Beta(a, b)): the diagonal (n,) and the squared off-diagonal (n,) with [0] unused."""
    alpha, beta = b - 1.0, a - 1.0
    s = alpha + beta
    k = np.arange(n, dtype=float)
    diagonal = np.empty(n)
    diagonal[0] = (beta - alpha) / (s + 2.0)
    kk = k[1:]
    diagonal[1:] = (beta * beta - alpha * alpha) / ((2 * kk + s) * (2 * kk + s + 2.0))
    off = np.zeros(n)
    if n > 1:
        # k = 1 written with the factor (k + s) / (2k + s - 1) cancelled: it is 0/0 at s = -1.
        off[1] = 4.0 * (1 + alpha) * (1 + beta) / ((2.0 + s) ** 2 * (3.0 + s))
        kk = k[2:]
        twice = 2 * kk + s
        off[2:] = 4.0 * kk * (kk + alpha) * (kk + beta) * (kk + s) / (twice**2 * (twice + 1) * (twice - 1))
    return diagonal, off


def beta_rule(a: float, b: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The n-node Gauss rule of Beta(a, b) on [0, 1]: nodes r (n,) ascending and their log
    weights (n,), the weights summing to 1. Exact for polynomials of degree up to 2n - 1."""
    if n == 1:  # the mean: exact for a line
        return np.array([a / (a + b)]), np.zeros(1)
    diagonal, off = _recurrence(a, b, n)
    jacobi = np.diag(diagonal) + np.diag(np.sqrt(off[1:]), 1) + np.diag(np.sqrt(off[1:]), -1)
    x = np.linalg.eigvalsh(jacobi)
    # Christoffel: 1 / w = sum_k p_k(x)^2, p_k orthonormal (p_0 = 1 for a probability weight),
    # by the recurrence sqrt(off_{k+1}) p_{k+1} = (x - diagonal_k) p_k - sqrt(off_k) p_{k-1},
    # rescaled as it goes (a tail node's p_k grow as fast as its weight shrinks).
    log_scale = np.zeros(n)
    log_sum = np.zeros(n)  # log p_0^2
    previous, current = np.zeros(n), np.ones(n)
    root = np.sqrt(off)
    for k in range(n - 1):
        following = ((x - diagonal[k]) * current - (root[k] * previous if k else 0.0)) / root[k + 1]
        previous, current = current, following
        big = np.maximum(np.abs(current), np.abs(previous))
        shift = np.where(big > 1e100, np.log(big), 0.0)
        previous, current, log_scale = previous / np.exp(shift), current / np.exp(shift), log_scale + shift
        with np.errstate(divide="ignore"):
            log_sum = np.logaddexp(log_sum, 2.0 * (np.log(np.abs(current)) + log_scale))
    r = np.clip(0.5 * (1.0 + x), 0.0, 1.0)
    log_w = -log_sum
    return r, log_w - logsumexp(log_w[None, :], axis=1)[0]  # normalised against rounding


def tensor_rule(rules: Sequence[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """The product rule of one rule per source: nodes (N, S), the first source varying slowest,
    and their log weights (N,). Built one source at a time (a component may have hundreds of
    sources of one node each: no array of one dimension per source)."""
    nodes, log_w = np.zeros((1, 0)), np.zeros(1)
    for r, w in rules:
        nodes = np.concatenate(
            [np.repeat(nodes, r.size, axis=0), np.tile(r, nodes.shape[0])[:, None]], axis=1
        )
        log_w = (log_w[:, None] + w[None, :]).ravel()
    return nodes, log_w


def tensor_size(degrees: Sequence[int]) -> int:
    """Nodes of the exact tensor rule for these degrees."""
    return math.prod(nodes_needed(d) for d in degrees)


def fits(degrees: Sequence[int]) -> bool:
    """Whether the exact rule for these degrees is within the budgets (QUADRATURE_NODES in all,
    RULE_NODES a source): beyond them a component is sampled, or gridded for one source."""
    return tensor_size(degrees) <= QUADRATURE_NODES and all(nodes_needed(d) <= RULE_NODES for d in degrees)
