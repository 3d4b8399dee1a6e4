"""Elementwise helpers that skip the work where an input is 0, with results equal bit for bit.

Most links see no event in a step (no win, no closed deal), so ``base ** count`` is
``base ** 0 == 1`` for most of them; ``pow`` costs ten times a multiplication, so it is evaluated
only where the count is not 0. The result equals the plain numpy expression exactly (the same
operation on the same elements).
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
