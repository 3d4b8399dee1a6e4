"""Bar chart of sensitivity indices with their 90% intervals, and writing ``DIR/sensitivity/``."""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analysis.intervals import LEVEL
from analysis.salib_runs import AnalysisPool
from analysis.sensitivity import DESCRIPTION, INDICES, RANK_BY, sensitivity_table
from analysis.style import PALETTE, STYLE, save_figure
from analysis.sweeps import OUTCOMES, Sweep, sample_means, short_name
from analysis.tradeoff import resolve_parameter, tradeoff_figure
from sim.experiments.folder_layout import atomic_open, inner_folder

TITLE_WIDTH = 40
"""Characters per line of a panel's title: a long outcome name wraps instead of running past its
panel (parameter names take much of a panel's width)."""
INDEX_LABEL = {
    "S1": "S1 (first-order)",
    "ST": "ST (total)",
    "mu_star": "mu* (mean |effect|)",
    "sigma": "sigma (spread of effects)",
    "delta": "delta (Borgonovo)",
}


def sensitivity_figure(table: pd.DataFrame, title: str) -> Figure:
    """Horizontal bars per parameter, one panel per outcome and vendor, ranked by the method's
    main index (ST, mu* or delta), with the 90% intervals as error bars."""
    method = table["method"].iloc[0]
    indices = INDICES[method]
    panels = list(dict.fromkeys(zip(table["outcome"], table["vendor"], strict=True)))
    parameters = list(dict.fromkeys(table["parameter"]))
    cols = min(len(panels), 2)
    rows = math.ceil(len(panels) / cols)
    height = 0.5 + 0.45 * len(parameters) * len(indices)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            rows, cols, figsize=(6.4 * cols, height * rows + 1.6), squeeze=False,
            layout="constrained",
        )  # fmt: skip
        for ax in axes.flat[len(panels) :]:
            ax.set_visible(False)
        for ax, (outcome, vendor) in zip(axes.flat, panels, strict=False):
            part = table[(table["outcome"] == outcome) & (table["vendor"] == vendor)]
            rank = part[part["index"] == RANK_BY[method]].set_index("parameter")["value"]
            order = rank.sort_values().index.tolist()
            y = np.arange(len(order))
            width = 0.8 / len(indices)
            for k, index in enumerate(indices):
                values = part[part["index"] == index].set_index("parameter").reindex(order)
                err = values["conf"].to_numpy(float)
                ax.barh(
                    y + (len(indices) - 1 - k) * width - 0.4 + width / 2, values["value"], width,
                    xerr=np.where(np.isnan(err), 0, err), color=PALETTE[k], capsize=3,
                    label=INDEX_LABEL.get(index, index), error_kw={"lw": 1},
                )  # fmt: skip
            ax.set_yticks(y, [short_name(p) for p in order])
            ax.axvline(0, color="#3b3b3b", lw=0.8)
            ax.grid(axis="y", visible=False)
            heading = textwrap.fill(f"{vendor}: {OUTCOMES.get(outcome, outcome)}", TITLE_WIDTH)
            ax.set_title(heading, fontweight="bold", fontsize=12)
            if method != "morris":
                ax.set_xlim(min(-0.05, ax.get_xlim()[0]), max(1.0, ax.get_xlim()[1]))
            else:
                ax.set_xlabel("Outcome units per full range of the parameter")
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(
            handles, labels, loc="outside lower center", ncol=len(labels), frameon=False,
            title=f"{DESCRIPTION[method]}; error bars: {LEVEL:.0%} bootstrap intervals",
        )  # fmt: skip
        fig.suptitle(title, fontweight="bold")
    return fig


def write_sensitivity(
    sweep: Sweep,
    outcomes: Sequence[str] = ("channel_revenue",),
    vendors: Sequence[str] = (),
    colour_by: str | None = None,
    pool: AnalysisPool | None = None,
) -> tuple[pd.DataFrame, list[Path]]:
    """Write ``sensitivity.csv``, ``sensitivity.png``, ``outcomes.csv`` (per-sample means with
    90% intervals) and ``tradeoff.png`` into ``DIR/sensitivity/`` (replacing earlier ones).

    With a ``pool`` (:func:`analysis.salib_runs.analysis_pool`) its workers share the indices
    with this process, which draws the trade-off before the indices so that its own share
    starts once the workers are ready. The files, and the error raised for a folder that cannot
    be analysed, are the same.

    Returns:
        The indices table and the files written.
    """
    inner_folder(sweep.results.path, "sensitivity", create=False)  # a link: refused at once
    colour_by = resolve_parameter(sweep, colour_by)
    tradeoff = _drawn(sweep, colour_by) if pool is not None else None
    try:
        table = sensitivity_table(sweep, outcomes, vendors, pool)
    except BaseException:
        if isinstance(tradeoff, Figure):
            plt.close(tradeoff)
        raise
    folder = inner_folder(sweep.results.path, "sensitivity")
    written = []
    for name, frame in (
        ("sensitivity.csv", table),
        ("outcomes.csv", sample_means(sweep, list(dict.fromkeys(outcomes)))),
    ):
        with atomic_open(folder / name) as handle:
            frame.to_csv(handle, index=False, lineterminator="\n")
        written.append(folder / name)
    title = f"{sweep.results.name}: sensitivity over {len(sweep.samples)} samples ({sweep.method})"
    written.append(save_figure(sensitivity_figure(table, title), folder / "sensitivity.png"))
    if tradeoff is None:
        tradeoff = tradeoff_figure(sweep, colour_by=colour_by)
    elif isinstance(tradeoff, Exception):
        raise tradeoff  # where drawing it raised it before: after the other files
    written.append(save_figure(tradeoff, folder / "tradeoff.png"))
    return table, written


def _drawn(sweep: Sweep, colour_by: str) -> Figure | Exception:
    """The trade-off figure, or the error drawing it raised (raised once the indices are done)."""
    try:
        return tradeoff_figure(sweep, colour_by=colour_by)
    except Exception as exc:  # noqa: BLE001 - raised later, in the order of a serial run
        return exc


__all__ = ["sensitivity_figure", "short_name", "write_sensitivity"]
