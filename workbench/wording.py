"""How the dashboard words an effect: honestly, as the report does.

An effect whose 90% interval covers zero is "no clear difference", never a rise or a fall; a
variant is "best" only when it is ahead of every other one beyond noise. (A minimal version kept
behind :func:`effect_text` and :func:`best_text` until the report's wording functions land in
``analysis/``; the dashboard calls only these two.)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from analysis.formatting import format_value
from analysis.intervals import LEVEL


def interval_text(metric: str, low: float, high: float) -> str:
    """``90% CI -$6.70M to +$291k``."""
    return (
        f"{LEVEL:.0%} CI {format_value(metric, low, signed=True)} to "
        f"{format_value(metric, high, signed=True)}"
    )


def effect_text(metric: str, diff: float, low: float, high: float) -> str:
    """A paired difference from the reference with its interval, in words.

    ``-$13.2M (90% CI -$22.9M to -$3.45M)`` when the interval is on one side of zero;
    ``no clear difference (90% CI -$6.70M to +$291k)`` when it covers zero; without an interval
    (too few replicates) the estimate is marked as such.
    """
    if not math.isfinite(diff):
        return "not in this result"
    if not (math.isfinite(low) and math.isfinite(high)):
        return f"{format_value(metric, diff, signed=True)} (too few replicates for an interval)"
    if low <= 0 <= high:
        return f"no clear difference ({interval_text(metric, low, high)})"
    return f"{format_value(metric, diff, signed=True)} ({interval_text(metric, low, high)})"


def best_text(
    what: str, best: str | None, arms: int, among: str = "", behind: Sequence[str] = ()
) -> str:
    """``gradual is best for acme's channel revenue: ahead of every other variant beyond noise``
    (``among`` names the group: ``Among the what-ifs, ...``), or that none is clearly best and
    which variants are ``behind`` another beyond noise."""
    scope = f"Among {among}, " if among else ""
    if arms < 2:
        return f"{scope}{what}: only one variant, nothing to compare"
    if best is not None:
        return f"{scope}{best} is best for {what}: ahead of every other variant beyond noise"
    none = "no variant" if scope else "No variant"
    text = f"{scope}{none} is clearly best for {what}"
    if not behind:
        return text + ": the differences are within the noise"
    names = ", ".join(behind)
    verb = "is" if len(behind) == 1 else "are"
    return text + f"; {names} {verb} behind another variant beyond noise"


__all__ = ["best_text", "effect_text", "interval_text"]
