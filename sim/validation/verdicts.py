"""Whether a check holds on its per-pair values, and when a parameter draw deserves more pairs.

A check's values (one per replicate pair, see :func:`sim.validation.facts.paired_values`) get a
Student-t interval of their mean. The check *holds* when the interval excludes 0 on the side the
field expects, is *contradicted* when it excludes 0 on the other side, and is *inconclusive*
otherwise. A fact holds when all its checks hold and is contradicted when any is.

Parameter draws are checked sequentially: a draw runs a first stage of pairs and, while its fact is
inconclusive, further stages of the same size, up to a fixed number of looks. Looking more than once
raises the chance that noise alone crosses the line, so every look of a draw uses the Pocock
boundary for that number of looks (Pocock 1977; Jennison and Turnbull 2000, table 2.1): the
two-sided 5% error of the whole sequence is kept, at the price of a wider interval at each look.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from sim.validation.facts import Check, Fact, paired_values

LEVEL = 0.95
"""Confidence level of a single look (the shipped scenarios: one look)."""
POCOCK = {1: 1.960, 2: 2.178, 3: 2.289, 4: 2.361, 5: 2.413, 6: 2.453}
"""Pocock's normal boundary for K equally spaced looks at a two-sided 5% error."""

Status = Literal["holds", "contradicted", "inconclusive"]


def look_level(looks: int) -> float:
    """Confidence level of each of ``looks`` looks that keeps the whole sequence's 95%."""
    if looks not in POCOCK:
        raise ValueError(f"looks must be 1 to {max(POCOCK)}, got {looks}")
    return 1 - 2 * float(stats.norm.sf(POCOCK[looks]))


def interval(values: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """Mean and two-sided ``level`` Student-t interval of the mean (NaNs dropped)."""
    x = values[~np.isnan(values)]
    if x.size == 0:
        return (math.nan, math.nan, math.nan)
    mean = float(x.mean())
    if x.size < 2:
        return (mean, math.nan, math.nan)
    half = stats.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
    return (mean, mean - half, mean + half)


def status(check: Check, values: np.ndarray, low: float, high: float) -> Status:
    """What the interval ``[low, high]`` of ``check``'s values says (see the module doc).

    An ``every`` check is not an interval: it holds when every value has the expected sign and is
    contradicted by any that has not.
    """
    x = values[~np.isnan(values)]
    if check.kind == "every":
        return "holds" if x.size > 0 and np.all(check.sign * x > 0) else "contradicted"
    if math.isnan(low):
        return "inconclusive"
    towards, away = (low, high) if check.sign > 0 else (-high, -low)
    if towards > 0:
        return "holds"
    return "contradicted" if away < 0 else "inconclusive"


def holds(check: Check, values: np.ndarray, low: float, high: float) -> bool:
    """Whether ``check`` holds given its per-replicate values and interval."""
    return status(check, values, low, high) == "holds"


def combined(statuses: list[Status]) -> Status:
    """A fact's status from its checks': holds if all hold, contradicted if any is."""
    if all(s == "holds" for s in statuses):
        return "holds"
    return "contradicted" if "contradicted" in statuses else "inconclusive"


def undefined(fact: Fact, block: pd.DataFrame) -> bool:
    """Whether some check of ``fact`` has no value in any run of ``block`` (a measure a run this
    long cannot have, say): more pairs would not settle it."""
    return any(np.isnan(paired_values(block, check)).all() for check in fact.checks)


@dataclass(frozen=True)
class Verdict:
    """One check on one block of run measures: its per-pair values, mean, interval and status."""

    values: np.ndarray
    mean: float
    low: float
    high: float
    status: Status


def verdict(check: Check, block: pd.DataFrame, level: float) -> Verdict:
    """What ``check`` says on ``block`` at confidence ``level``."""
    values = paired_values(block, check)
    mean, low, high = interval(values, level)
    return Verdict(values, mean, low, high, status(check, values, low, high))


def fact_status(fact: Fact, block: pd.DataFrame, level: float) -> Status:
    """The status of ``fact`` on one draw's run measures (every stage of it so far)."""
    return combined([verdict(check, block, level).status for check in fact.checks])


__all__ = [
    "LEVEL",
    "POCOCK",
    "Status",
    "Verdict",
    "combined",
    "fact_status",
    "holds",
    "interval",
    "look_level",
    "status",
    "undefined",
    "verdict",
]
