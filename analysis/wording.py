"""How an effect with its interval is said in words: honest, grammatical, the same everywhere.

Pure functions of numbers and names (no folder, no HTML), so the report, the console summary and a
dashboard say the same thing the same way. The rules:

- an effect whose interval covers zero is **no clear difference**, with its interval;
- **unchanged** only when the difference is exactly zero in every replicate pair (an event that
  never fires, say), never for a small or noisy effect;
- a variant is **best** only when it is ahead of every other option beyond noise (each paired
  interval of its lead above zero); otherwise **none is clearly best**;
- without an interval (one pair), the estimate is given and called untested.

Every case is pinned in ``tests/test_wording.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from analysis.formatting import format_ends, format_interval, format_percent, format_value
from analysis.intervals import LEVEL, Interval

Verdict = Literal["up", "down", "unclear", "unchanged", "untested"]


@dataclass(frozen=True)
class Effect:
    """A paired difference with its interval.

    Attributes:
        estimate: mean difference.
        low: lower end of its interval (NaN without one).
        high: upper end.
        relative: ``estimate`` over the reference mean (NaN when undefined).
        agree: pairs whose difference has the sign of ``estimate`` (-1: unpaired).
        pairs: number of pairs (or the smaller sample, unpaired).
    """

    estimate: float
    low: float
    high: float
    relative: float = math.nan
    agree: int = -1
    pairs: int = 0

    @classmethod
    def from_row(cls, row: Mapping) -> Effect:
        """From a row of :func:`analysis.compare.comparison_table` (``diff, diff_low, ...``)."""
        return cls(
            float(row["diff"]), float(row["diff_low"]), float(row["diff_high"]),
            float(row.get("relative", math.nan)), int(row.get("agree", -1)),
            int(row.get("pairs", 0) or row.get("n", 0)),
        )  # fmt: skip

    @classmethod
    def from_interval(cls, gap: Interval) -> Effect:
        """From a paired (or Welch) difference, e.g. :func:`analysis.compare.difference`."""
        return cls(gap.estimate, gap.low, gap.high, agree=gap.agree, pairs=gap.n)


def verdict(effect: Effect) -> Verdict:
    """``unchanged`` (exactly zero in every pair), ``untested`` (no interval), ``unclear`` (the
    interval covers zero), else ``up`` or ``down``."""
    if not (math.isfinite(effect.low) and math.isfinite(effect.high)):
        return "unchanged" if effect.estimate == 0 and effect.pairs == 1 else "untested"
    if effect.estimate == 0 and effect.low == 0 and effect.high == 0:
        return "unchanged"
    if effect.low <= 0 <= effect.high:
        return "unclear"
    return "up" if effect.estimate > 0 else "down"


def interval_text(metric: str, effect: Effect) -> str:
    """``90% CI -$8.10M to +$4.63M`` (``no interval: one replicate pair`` without one)."""
    if not (math.isfinite(effect.low) and math.isfinite(effect.high)):
        return "no interval: too few replicate pairs"
    low, high = format_ends(metric, effect.low, effect.high, signed=True)
    return f"{LEVEL:.0%} CI {low} to {high}"


def _evidence(metric: str, effect: Effect) -> str:
    text = interval_text(metric, effect)
    if effect.agree >= 0 and effect.pairs:
        text += f"; {effect.agree} of {effect.pairs} paired replicates agree"
    return text


def amount(metric: str, value: float) -> str:
    """The size of a difference in its unit, without a sign: ``$1.74M``, ``1.2 pp`` (shares
    differ in percentage points), ``0.028``."""
    return format_value(metric, abs(value), signed=True).lstrip("+")


def _amount(metric: str, effect: Effect) -> str:
    size = amount(metric, effect.estimate)
    relative = format_percent(effect.relative)
    return f"{size} ({relative})" if relative != "-" else size


def _pairs(effect: Effect) -> str:
    return "the one replicate pair" if effect.pairs == 1 else f"all {effect.pairs} replicate pairs"


def change_sentence(
    actor: str, what: str, metric: str, effect: Effect, reference: str, *, why: str = ""
) -> str:
    """What ``actor`` (a variant) does to ``what`` against ``reference``, as one sentence.

    ``rival-richer lowers acme's channel revenue by $55.6M (-27.5%) against base (90% CI ...; 10
    of 10 paired replicates agree).`` / ``phased makes no clear difference to acme's channel
    revenue against base (90% CI -$8.10M to +$4.63M).`` / ``at-once leaves acme's channel revenue
    unchanged: identical to base in all 10 replicate pairs.`` ``why`` (a reason, e.g. ``its only
    event is after the end of the run``) is added to an unchanged effect.
    """
    kind = verdict(effect)
    if kind == "unchanged":
        reason = f" ({why})" if why else ""
        return f"{actor} leaves {what} unchanged: identical to {reference} in {_pairs(effect)}{reason}."
    if kind == "unclear":
        return (
            f"{actor} makes no clear difference to {what} against {reference} "
            f"({interval_text(metric, effect)})."
        )
    verb = "raises" if effect.estimate > 0 else "lowers"
    if kind == "untested":
        return (
            f"{actor} {verb} {what} by {_amount(metric, effect)} against {reference} in "
            f"{_pairs(effect)} ({interval_text(metric, effect)}, so it may be noise)."
        )
    return (
        f"{actor} {verb} {what} by {_amount(metric, effect)} against {reference} "
        f"({_evidence(metric, effect)})."
    )


def level_sentence(what: str, metric: str, effect: Effect, *, plural: bool = False) -> str:
    """How ``what`` moves, as a sentence of its own: ``Its net revenue rises by $2.86M (+1.9%;
    90% CI ...).`` / ``Its net revenue: no clear difference (90% CI ...).`` / ``Its net revenue
    is unchanged.`` ``plural`` for a plural subject (``Conflicts rise``)."""
    kind = verdict(effect)
    if kind == "unchanged":
        return f"{what} {'are' if plural else 'is'} unchanged in {_pairs(effect)}."
    if kind == "unclear":
        return f"{what}: no clear difference ({interval_text(metric, effect)})."
    up, down = ("rise", "fall") if plural else ("rises", "falls")
    verb = up if effect.estimate > 0 else down
    size, relative = amount(metric, effect.estimate), format_percent(effect.relative)
    evidence = interval_text(metric, effect) + (
        ", so it may be noise" if kind == "untested" else ""
    )
    detail = f"{relative}; {evidence}" if relative != "-" else evidence
    return f"{what} {verb} by {size} ({detail})."


def cell_text(metric: str, effect: Effect) -> str:
    """A table cell: ``+$19.0M [+$9.88M, +$28.2M]``, ``no clear difference [-$8.10M,
    +$4.63M]``, ``unchanged``."""
    kind = verdict(effect)
    if kind == "unchanged":
        return "unchanged"
    value = format_value(metric, effect.estimate, signed=True)
    if kind == "untested":
        return f"{value} (no interval)"
    interval = format_interval(metric, effect.low, effect.high, signed=True)
    return f"no clear difference {interval}" if kind == "unclear" else f"{value} {interval}"


def is_best(leads: Mapping[str, Effect]) -> bool:
    """Whether the leader whose paired ``leads`` over every other option these are is best: ahead
    of each beyond noise (every interval above zero)."""
    return bool(leads) and all(verdict(effect) == "up" for effect in leads.values())


def best_sentence(what: str, metric: str, leader: str, leads: Mapping[str, Effect]) -> str:
    """Whether ``leader`` (the option with the highest mean of ``what``) is best
    (:func:`is_best`).

    Args:
        what: ``acme's channel revenue``.
        metric: for the units.
        leader: the option ahead on average.
        leads: per other option, the paired difference ``leader - other``.
    """
    if not leads:
        return f"Only {leader} ran: nothing to compare {what} with."
    kinds = {other: verdict(effect) for other, effect in leads.items()}
    tied = [other for other, kind in kinds.items() if kind == "unchanged"]
    behind = sorted((o for o, k in kinds.items() if k == "up"), key=lambda o: leads[o].estimate)
    within = sorted((o for o, k in kinds.items() if k in ("unclear", "untested", "down")),
                    key=lambda o: leads[o].estimate)  # fmt: skip
    if kinds and len(tied) == len(kinds):
        return f"None is best for {what}: every option gives exactly the same numbers."
    if not within and not tied:
        gap = leads[behind[0]]
        return (
            f"{leader} is best for {what}: ahead of every other option beyond noise; its "
            f"smallest lead is {amount(metric, gap.estimate)} over {behind[0]} "
            f"({interval_text(metric, gap)})."
        )
    if not within:
        gap = leads[behind[0]]
        return (
            f"None is clearly best for {what}: {_join([leader, *tied])} give identical numbers, "
            f"ahead of {_names(behind)} beyond noise (the smallest lead is "
            f"{amount(metric, gap.estimate)} over {behind[0]}; {interval_text(metric, gap)})."
        )
    closest = leads[within[0]]
    ties = f" (tied with {_join(tied)})" if tied else ""
    return (
        f"None is clearly best for {what}: {leader} leads on average{ties}, but its lead over "
        f"{_names(within)} is within noise ({interval_text(metric, closest)}"
        + (f" over {within[0]}, the closest)." if len(within) > 1 else ").")
    )


def _names(names: list[str]) -> str:
    return _join(names) if len(names) <= 3 else f"{len(names)} other options"


def _join(names: list[str]) -> str:
    if len(names) <= 2:
        return " and ".join(names)
    return ", ".join(names[:-1]) + f" and {names[-1]}"


__all__ = [
    "Effect", "Verdict", "amount", "best_sentence", "cell_text", "change_sentence", "interval_text",
    "is_best", "level_sentence", "verdict",
]  # fmt: skip
