"""Numbers as a strategist reads them: currency, shares, trust and counts, with their intervals."""

from __future__ import annotations

import math

from analysis.metric_catalog import CATALOG
from analysis.style import format_currency


def unit_of(metric: str) -> str:
    """The unit of a metric (``currency``, ``share``, ``0..1``, ``deals``, ``partners``...)."""
    return CATALOG[metric].unit if metric in CATALOG else "number"


def format_value(metric: str, value: float, *, signed: bool = False) -> str:
    """``value`` of ``metric`` in its unit: ``$1.23M``, ``23.4%``, ``0.512``, ``0.00020``,
    ``171``, ``3.9``.

    Args:
        metric: metric name (gives the unit).
        value: the number.
        signed: a difference: shown with an explicit ``+`` and shares in percentage points.
    """
    if value is None or not math.isfinite(value):
        return "-"
    unit = unit_of(metric)
    plus = "+" if signed and value > 0 else ""
    if unit == "currency":
        return plus + format_currency(value, digits=3)
    if unit == "share":
        return f"{plus}{value * 100:.1f} pp" if signed else f"{value * 100:.1f}%"
    if unit == "0..1":
        if value and abs(value) < 0.0005:  # a tiny trust difference is not "0.000": 2 digits
            return f"{plus}{value:.{1 - math.floor(math.log10(abs(value)))}f}"
        return f"{plus}{value:.3f}"
    if abs(value) >= 100:
        return f"{plus}{value:,.0f}"
    if unit in ("deals", "partners") and not 0 < abs(value) < 0.05:
        return f"{plus}{value:.1f}"  # counts: one decimal, so a column of them lines up
    return f"{plus}{value:.3g}"


def format_ends(metric: str, low: float, high: float, *, signed: bool = False) -> tuple[str, str]:
    """Both ends of an interval in the metric's unit, at one precision: a tiny trust interval
    reads ``-0.00021, +0.00100``, never ``-0.00021, +0.001``."""
    tiny = [abs(v) for v in (low, high) if math.isfinite(v) and v and abs(v) < 0.0005]
    if unit_of(metric) != "0..1" or not tiny:
        return format_value(metric, low, signed=signed), format_value(metric, high, signed=signed)
    places = 1 - math.floor(math.log10(min(tiny)))  # two digits of the smaller end

    def text(value: float) -> str:
        if not math.isfinite(value):
            return "-"
        return f"{'+' if signed and value > 0 else ''}{value:.{places}f}"

    return text(low), text(high)


def format_interval(metric: str, low: float, high: float, *, signed: bool = False) -> str:
    """``[low, high]`` in the metric's unit (:func:`format_ends`), or ``-`` when the interval is
    undefined."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return "-"
    return "[{}, {}]".format(*format_ends(metric, low, high, signed=signed))


def format_percent(value: float, *, signed: bool = True) -> str:
    """A relative change: ``-35.2%`` (``-`` when undefined)."""
    if value is None or not math.isfinite(value):
        return "-"
    return f"{value * 100:+.1f}%" if signed else f"{value * 100:.1f}%"


__all__ = ["format_ends", "format_interval", "format_percent", "format_value", "unit_of"]
