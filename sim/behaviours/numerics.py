"""Elementwise helpers that skip the work where an input is 0, with results equal bit for bit.

Most links see no event in a step (no win, no conflict, no invitation), so ``base ** count`` is
``base ** 0 == 1`` for most of them; ``pow`` and ``exp`` cost ten times a multiplication, so the
rules evaluate them only where the count is not 0, and a product of such factors is evaluated in
full only where one of them is not 1. Every helper gives exactly the numbers of the plain numpy
expression it replaces (same operations, same order, on the same elements).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce
from operator import mul

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


@dataclass(frozen=True)
class Pow:
    """The factor ``base ** exponent``: exactly 1 where ``exponent`` is 0."""

    base: float
    exponent: np.ndarray

    def arg(self) -> np.ndarray:
        """The argument that makes the factor 1 where it is 0."""
        return np.asarray(self.exponent, dtype=float)

    def value(self, arg: np.ndarray) -> np.ndarray:
        return self.base**arg


@dataclass(frozen=True)
class Exp:
    """The factor ``np.exp(coefficient * x)``: exactly 1 where ``x`` is 0."""

    coefficient: float
    x: np.ndarray

    def arg(self) -> np.ndarray:
        """The argument that makes the factor 1 where it is 0."""
        return np.asarray(self.x, dtype=float)

    def value(self, arg: np.ndarray) -> np.ndarray:
        return np.exp(self.coefficient * arg)


Factor = Pow | Exp | np.ndarray


def product(*factors: Factor) -> np.ndarray:
    """``f1 * f2 * ...`` (left to right) of dense arrays and :class:`Pow`/:class:`Exp` factors.

    Where every ``Pow`` and ``Exp`` factor is 1 the product is that of the dense factors; the whole
    chain is evaluated only where some factor is not 1.
    """
    args = [f.arg() if isinstance(f, Pow | Exp) else np.asarray(f, dtype=float) for f in factors]
    sparse = [a for f, a in zip(factors, args, strict=True) if isinstance(f, Pow | Exp)]
    dense = [a for f, a in zip(factors, args, strict=True) if not isinstance(f, Pow | Exp)]
    shape = np.broadcast_shapes(*(a.shape for a in args))
    rows = None
    if shape and all(a.shape == shape for a in args):
        hit = np.zeros(int(np.prod(shape)), dtype=bool)
        for a in sparse:
            hit |= a.reshape(-1) != 0
        rows = np.flatnonzero(hit)
    if rows is None or len(rows) > DENSE_SHARE * np.prod(shape):
        return reduce(mul, [_value(f, a) for f, a in zip(factors, args, strict=True)])
    out = reduce(mul, dense) if len(dense) > 1 else dense[0].copy() if dense else np.ones(shape)
    chain = [_value(f, a.reshape(-1)[rows]) for f, a in zip(factors, args, strict=True)]
    out.reshape(-1)[rows] = reduce(mul, chain)
    return out


def _value(factor: Factor, arg: np.ndarray) -> np.ndarray:
    return factor.value(arg) if isinstance(factor, Pow | Exp) else arg
