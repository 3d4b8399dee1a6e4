"""Elementwise helpers that skip the work where an input is 0, with results equal bit for bit.

Most links see no event in a step (no win, no conflict, no invitation), so ``base ** count`` is
``base ** 0 == 1`` for most of them; ``pow`` and ``exp`` cost ten times a multiplication, so the
rules evaluate them only where the count is not 0.
"""

from __future__ import annotations

import numpy as np

DENSE_SHARE = 0.25
"""Share of non-zero entries above which the plain elementwise form is cheaper."""


def power(base: float, exponent: np.ndarray) -> np.ndarray:
    """``base ** exponent`` elementwise, computed only where ``exponent`` is not 0."""
    exponent = np.asarray(exponent, dtype=float)
    flat = exponent.reshape(-1)
    nonzero = np.flatnonzero(flat)
    if len(nonzero) > DENSE_SHARE * flat.size:
        return base**exponent
    out = np.ones(exponent.shape)
    out.reshape(-1)[nonzero] = base ** flat[nonzero]
    return out


def exp_times(coefficient: float, x: np.ndarray) -> np.ndarray:
    """``np.exp(coefficient * x)`` elementwise, computed only where ``x`` is not 0."""
    x = np.asarray(x, dtype=float)
    flat = x.reshape(-1)
    nonzero = np.flatnonzero(flat)
    if len(nonzero) > DENSE_SHARE * flat.size:
        return np.exp(coefficient * x)
    out = np.ones(x.shape)
    out.reshape(-1)[nonzero] = np.exp(coefficient * flat[nonzero])
    return out
