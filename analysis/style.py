"""The look every figure shares: colours, fonts, units on axes, event markers, writing PNGs.

One unit word per quantity everywhere: money as ``$850k``/``$1.2M`` (per month for flows), shares
as ``%`` for levels and ``pp`` (percentage points) for differences, whole-point ticks (``40%``,
``35%``, ``30%``; one decimal only when the axis spans less than a point), trust and capability on
their 0-to-1 scale.
"""

from __future__ import annotations

import math
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib


def _in_notebook() -> bool:
    """True inside a Jupyter kernel, whose own (inline) backend shows the figures returned."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and hasattr(shell, "kernel")


if not _in_notebook():  # a headless backend: plots are files, and workers have no display
    matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.ticker import Formatter, FuncFormatter, MaxNLocator  # noqa: E402

from analysis.metric_catalog import metric_info  # noqa: E402

DPI = 150
BASE_COLOUR = "#3b3b3b"
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#8C564B", "#F0E442")
"""Okabe-Ito colours (colour-blind safe) for the variants after base, in run order."""
BAND = (0.05, 0.95)
STYLE = {
    "font.size": 13,
    "axes.titlesize": 14,
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "legend.title_fontsize": 12,
    "figure.titlesize": 16,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}


def format_currency(value: float, _pos: object = None, *, digits: int | None = None) -> str:
    """Currency for axes and tables: ``$1.2M``, ``$850k``, ``$3.4B``, ``-$20k``, ``$0``.

    Args:
        value: amount in currency units.
        _pos: tick position (matplotlib ``FuncFormatter`` passes it; unused).
        digits: significant digits (tables, e.g. 3 gives ``$1.67M``); default one decimal with
            trailing zeros dropped (axes).
    """
    if value is None or not math.isfinite(value):
        return "-"
    sign = "-" if value < 0 else ""
    value = abs(float(f"{value:.{digits or 4}g}"))  # round first: 999_999 is $1M, not $1000k
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k"), (1.0, "")):
        if value >= scale or scale == 1.0:
            x = value / scale
            if digits is not None:
                decimals = max(0, digits - 1 - int(math.floor(math.log10(x)))) if x > 0 else 0
                text = f"{x:.{decimals}f}"
            else:
                text = f"{x:.1f}".rstrip("0").rstrip(".")
            return f"{sign}${text}{suffix}"
    raise AssertionError("unreachable")


def signed_currency(value: float, _pos: object = None) -> str:
    """``+$1.2M``, ``-$300k``, ``$0`` (axes of differences)."""
    text = format_currency(value)
    return "+" + text if value > 0 and text != "$0" else text


def variant_colours(variants: Sequence[str]) -> dict[str, str]:
    """A fixed colour per variant: ``base`` dark grey, the others the palette in order."""
    colours, others = {}, iter(PALETTE * (1 + len(variants) // len(PALETTE)))
    for name in variants:
        colours[name] = BASE_COLOUR if name == "base" else next(others)
    return colours


class PercentTicks(Formatter):
    """Share ticks: ``40%`` for levels, ``+2 pp`` for differences; whole points unless the ticks
    are closer than one point apart."""

    def __init__(self, difference: bool = False) -> None:
        self.difference = difference
        self.ticks = np.array([])

    def set_locs(self, locs: Sequence[float]) -> None:
        self.ticks = np.asarray(locs, float)

    def __call__(self, value: float, pos: object = None) -> str:
        ticks = self.ticks
        step = float(np.min(np.diff(ticks))) if ticks.size > 1 else 1.0
        decimals = 0 if step * 100 >= 0.999 else 1
        points = round(value * 100, decimals) + 0.0  # no "-0"
        if not self.difference:
            return f"{points:.{decimals}f}%"
        return f"{points:+.{decimals}f} pp" if points else "0 pp"


def whole_percent_locator() -> MaxNLocator:
    """Ticks at whole percentage points where the axis allows (steps of 1, 2, 5 or 10 points)."""
    return _PercentLocator(nbins=6, steps=[1, 2, 5, 10], integer=True)


class _PercentLocator(MaxNLocator):
    def tick_values(self, vmin: float, vmax: float) -> np.ndarray:
        return np.asarray(super().tick_values(vmin * 100, vmax * 100)) / 100


def unit_text(metric: str, *, difference: bool = False) -> str:
    """The unit words of an axis: ``$ per month``, ``%``, ``pp``, ``0 to 1``, ``deals per month``."""
    info = metric_info(metric)
    per = " per month" if info.kind == "flow" else ""
    if info.unit == "currency":
        return f"${per}"
    if info.unit == "share":
        return "pp" if difference else "%"
    if info.unit == "0..1":
        return "0 to 1 scale"
    return f"{info.unit}{per}" if info.unit != "number" else per.strip()


def axis_label(metric: str, *, difference: bool = False, rolling: bool = False) -> str:
    """``Channel revenue\\n($ per month, 3-month rolling mean)``; differences say so."""
    name = metric_info(metric).label.split(" (")[0]
    details = [unit_text(metric, difference=difference)]
    if rolling:
        details.append("3-month rolling mean")
    words = ", ".join(d for d in details if d)
    first = f"Difference in {name[0].lower()}{name[1:]}" if difference else name
    return f"{first}\n({words})" if words else first


def format_axis(ax: Axes, metric: str, *, difference: bool = False) -> None:
    """The y-axis ticks of ``metric`` in its unit (see the module docstring)."""
    unit = metric_info(metric).unit
    if unit == "currency":
        ax.yaxis.set_major_formatter(
            FuncFormatter(signed_currency if difference else format_currency)
        )
    elif unit == "share":
        ax.yaxis.set_major_locator(whole_percent_locator())
        ax.yaxis.set_major_formatter(PercentTicks(difference))


def grid_shape(n: int) -> tuple[int, int]:
    """Rows and columns of panels for ``n`` vendors (at most three across)."""
    cols = min(n, 3)
    return math.ceil(n / cols), cols


@dataclass(frozen=True)
class Marker:
    """A vertical line at a month where an event is announced or starts.

    Attributes:
        month: where the line is drawn.
        kind: ``announced`` (dotted) or ``changes`` (dashed).
        label: what happens, for the legend (``acme program.margin 0.2 -> 0.12``).
        colour: of the variant it belongs to (grey when several share it).
    """

    month: float
    kind: str
    label: str
    colour: str


LINE_STYLE = {"announced": ":", "changes": "--"}


LEGEND_CHARS_PER_INCH = 9
"""Characters of legend text that fit in an inch of figure width (with the handle and margins)."""


def draw_markers(axes: Sequence[Axes], markers: Sequence[Marker]) -> list[Line2D]:
    """Draw ``markers`` on every panel; returns one legend handle per distinct event label, its
    text wrapped to the figure's width (a long label would run off both sides of a PNG)."""
    handles: dict[str, Line2D] = {}
    width = max(40, int(LEGEND_CHARS_PER_INCH * axes[0].figure.get_figwidth())) if axes else 100
    for marker in markers:
        for ax in axes:
            ax.axvline(marker.month, color=marker.colour, lw=1.1, ls=LINE_STYLE[marker.kind],
                       alpha=0.8, zorder=1)  # fmt: skip
        handles.setdefault(
            marker.label,
            Line2D([], [], color=marker.colour, ls=LINE_STYLE[marker.kind], lw=1.3,
                   label=textwrap.fill(marker.label, width, subsequent_indent="  ")),
        )  # fmt: skip
    return list(handles.values())


def save_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` as a PNG at ``path`` (under a temporary name first, so a reader never sees
    half a file) and close it."""
    tmp = path.with_name(f".{path.name}.tmp.png")
    try:
        tmp.unlink(missing_ok=True)  # a leftover, or a link planted to make sim write elsewhere
        fig.savefig(tmp, dpi=DPI, facecolor="white")
        tmp.replace(path)
    except BaseException:  # a full disk, Ctrl-C: no temporary PNG is left behind
        tmp.unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)
    return path


__all__ = [
    "BAND", "BASE_COLOUR", "DPI", "LINE_STYLE", "Marker", "PALETTE", "PercentTicks", "STYLE",
    "axis_label", "draw_markers", "format_axis", "format_currency", "grid_shape", "save_figure",
    "signed_currency", "unit_text", "variant_colours", "whole_percent_locator",
]  # fmt: skip
