"""Log-space arithmetic shared by the engines and the analyses: thousands of items or tiny
likelihoods must never underflow."""

from __future__ import annotations

import numpy as np


def logsumexp(x: np.ndarray, axis: int) -> np.ndarray:
    """log sum exp along `axis`; a slice of all -inf gives -inf, not NaN."""
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0.0)
    with np.errstate(divide="ignore"):
        return np.squeeze(peak, axis) + np.log(np.sum(np.exp(x - peak), axis=axis))


def softmax(log_weights: np.ndarray, axis: int = -1) -> np.ndarray:
    """Normalised exp along `axis`, shifted by the peak so nothing overflows."""
    peak = np.max(log_weights, axis=axis, keepdims=True)
    weights = np.exp(log_weights - peak)
    return weights / weights.sum(axis=axis, keepdims=True)


def log(x: np.ndarray | float) -> np.ndarray:
    """log that gives -inf for 0 without a warning: a zero likelihood is a legal judgment."""
    with np.errstate(divide="ignore"):
        return np.log(x)
