"""The validation's dot plots: each check's effect per parameter draw with its interval, coloured
by what the interval says (:mod:`sim.validation.verdicts`); the shipped scenario on top."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from sim.validation.facts import Fact  # noqa: E402

COLOURS = {"holds": "#009E73", "contradicted": "#D55E00", "inconclusive": "#E69F00"}
"""Dot colour per status of a check (Okabe-Ito)."""


def plot_fact(evals: pd.DataFrame, fact: Fact, path: Path) -> None:
    """Dot plot of each check's effect per draw with its interval (``evals`` from
    :func:`analysis.validation.evaluate`); shipped scenario on top."""
    rows = evals[evals["fact"] == fact.number]
    n = len(fact.checks)
    fig, axes = plt.subplots(1, n, figsize=(3.6 * n, 0.22 * rows["draw"].nunique() + 1.6))
    axes = np.atleast_1d(axes)
    for ax, (i, check) in zip(axes, enumerate(fact.checks), strict=True):
        own = rows[rows["check"] == i].sort_values("draw")
        y = np.where(own["draw"] < 0, own["draw"].max() + 2, own["draw"])
        colours = own["status"].map(COLOURS).to_numpy()
        err = np.vstack([own["mean"] - own["low"], own["high"] - own["mean"]])
        ax.errorbar(own["mean"], y, xerr=np.nan_to_num(err), fmt="none", ecolor="#999999", lw=1)
        ax.scatter(own["mean"], y, c=colours, s=18, zorder=3)
        ax.axvline(0, color="#3b3b3b", lw=0.8)
        ax.set_title(_wrap(check.label), fontsize=8)
        ax.set_yticks(y, ["shipped" if d < 0 else str(d) for d in own["draw"]], fontsize=6)
        ax.tick_params(axis="x", labelsize=7)
        unit = "value - threshold" if check.kind in ("level", "every") else "paired difference"
        ax.set_xlabel(f"{unit} ({'+' if check.sign > 0 else '-'} expected)", fontsize=7)
    axes[0].set_ylabel("parameter draw", fontsize=7)
    fig.suptitle(f"Fact {fact.number}: {fact.title}", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _wrap(text: str, width: int = 34) -> str:
    words, lines, line = text.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width and line:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return "\n".join([*lines, line])


__all__ = ["COLOURS", "plot_fact"]
