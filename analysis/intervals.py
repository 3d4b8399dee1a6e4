"""Confidence intervals for means and differences of replicate values.

Every interval here is a two-sided Student t-interval at :data:`LEVEL` (90%):

- :func:`mean_interval`: the mean of ``n`` replicate values, ``mean +- t(n-1) * sd / sqrt(n)``.
- :func:`paired_interval`: the mean of ``n`` paired differences (common random numbers), the same
  interval on the differences; it also counts how many pairs share the sign of the mean.
- :func:`welch_interval`: the difference of two means from independent samples (no pairing), with
  Welch-Satterthwaite degrees of freedom.

Replicates of a run are independent draws, so the t-interval is the textbook choice; with the
20-30 replicates of the shipped scenarios it is close to a bootstrap interval, and unlike a
bootstrap it needs no random draws (the numbers are reproducible to the last digit).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

LEVEL = 0.90
"""Confidence level of every interval in ``analysis/``."""


@dataclass(frozen=True)
class Interval:
    """An estimate with its confidence interval.

    Attributes:
        estimate: the mean (or mean difference).
        low: lower end of the interval (NaN when fewer than two values).
        high: upper end of the interval.
        n: number of values (pairs for a paired interval).
        agree: pairs whose difference has the sign of the mean difference (paired only, else -1).
        method: ``t``, ``paired t`` or ``Welch t``.
    """

    estimate: float
    low: float
    high: float
    n: int
    agree: int = -1
    method: str = "t"


def t_quantile(df: Any, level: float = LEVEL) -> Any:
    """The two-sided ``level`` quantile of Student's t with ``df`` degrees of freedom (a number
    or an array): ``scipy.special.stdtrit``, the very function ``scipy.stats.t.ppf`` calls
    (importing ``scipy.stats`` takes 0.8 s, ``scipy.special`` a fraction of it)."""
    return special.stdtrit(df, 0.5 + level / 2)


def _t(df: float, level: float) -> float:
    return float(t_quantile(df, level))


def _clean(values: np.ndarray | list[float]) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    return x[~np.isnan(x)]


def mean_interval(values: np.ndarray | list[float], level: float = LEVEL) -> Interval:
    """Mean of ``values`` (NaNs dropped) with its t-interval."""
    x = _clean(values)
    n = x.size
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    mean = float(x.mean())
    if n < 2:
        return Interval(mean, math.nan, math.nan, n)
    half = _t(n - 1, level) * float(x.std(ddof=1)) / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


def paired_interval(differences: np.ndarray | list[float], level: float = LEVEL) -> Interval:
    """Mean paired difference with its t-interval and the count of pairs sharing its sign.

    A pair agrees when its difference is strictly of the sign of the mean difference (a zero
    difference, or a zero mean, agrees with nothing).
    """
    x = _clean(differences)
    base = mean_interval(x, level)
    agree = int(np.sum(np.sign(x) == np.sign(base.estimate))) if x.size and base.estimate else 0
    return Interval(base.estimate, base.low, base.high, base.n, agree, "paired t")


def welch_interval(
    values: np.ndarray | list[float], reference: np.ndarray | list[float], level: float = LEVEL
) -> Interval:
    """``mean(values) - mean(reference)`` for independent samples, with a Welch t-interval.

    ``n`` is the smaller of the two sample sizes.
    """
    a, b = _clean(values), _clean(reference)
    if a.size == 0 or b.size == 0:
        return Interval(math.nan, math.nan, math.nan, 0, method="Welch t")
    diff = float(a.mean() - b.mean())
    n = min(a.size, b.size)
    if n < 2:
        return Interval(diff, math.nan, math.nan, n, method="Welch t")
    va, vb = a.var(ddof=1) / a.size, b.var(ddof=1) / b.size
    se = math.sqrt(va + vb)
    if se == 0:
        return Interval(diff, diff, diff, n, method="Welch t")
    df = (va + vb) ** 2 / (va**2 / (a.size - 1) + vb**2 / (b.size - 1))
    half = _t(df, level) * se
    return Interval(diff, diff - half, diff + half, n, method="Welch t")


__all__ = ["LEVEL", "Interval", "mean_interval", "paired_interval", "t_quantile", "welch_interval"]
