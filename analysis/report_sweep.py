"""The report of a sweep folder: the best samples by their settings, the range of outcomes,
which lever matters most (sensitivity indices) and the trade-off scatter.

Samples share replicate seeds (common random numbers), so the best sample's lead over each other
is a paired difference; it is called best only when that lead is beyond noise against every other
sample (:func:`analysis.wording.best_sentence`).
"""

from __future__ import annotations

import math

import pandas as pd

from analysis.compare import leads
from analysis.formatting import format_interval, format_value
from analysis.intervals import LEVEL
from analysis.report_html import figure_data, table_data
from analysis.report_variants import Parts
from analysis.sensitivity import DESCRIPTION, INDICES, METHOD_OF, RANK_BY, sensitivity_table
from analysis.sensitivity_plots import sensitivity_figure
from analysis.summary import COLUMNS, METRICS, Cell, slide
from analysis.sweeps import OUTCOMES, Sweep, SweepError, load_sweep, run_outcomes, sample_means
from analysis.tradeoff import setting_label, tradeoff_figure
from analysis.wording import Effect, best_sentence
from sim.experiments.reader import ResultSet

TOP = 5
"""Samples in the summary: the best by net revenue, then the worst."""


def summary_frame(sweep: Sweep, vendor: str) -> pd.DataFrame:
    """``summary_table.csv`` of a sweep: one row per sample (settings, then each summary metric's
    mean over replicates with its interval), best net revenue first."""
    means = sample_means(sweep, list(METRICS))
    means = means[means["vendor"] == vendor]
    wide = sweep.samples[["sample", *sweep.parameters]].set_index("sample")
    for metric in METRICS:
        part = means[means["outcome"] == metric].set_index("sample")
        wide[metric], wide[f"{metric}_low"] = part["mean"], part["low"]
        wide[f"{metric}_high"] = part["high"]
    wide = wide.dropna(subset=["vendor_net_revenue"]).reset_index()
    wide.insert(1, "vendor", vendor)
    return wide.sort_values("vendor_net_revenue", ascending=False, kind="stable")


def _cells(row: pd.Series) -> list[Cell]:
    cells = []
    for metric, _, _ in COLUMNS:
        low, high = row[f"{metric}_low"], row[f"{metric}_high"]
        sub = format_interval(metric, low, high)
        cells.append(Cell(format_value(metric, row[metric]), sub if sub != "-" else "", "level"))
    return cells


def _best(sweep: Sweep, frame: pd.DataFrame, vendor: str) -> str:
    values = run_outcomes(sweep, ["vendor_net_revenue"])
    values = values[values["vendor"] == vendor].set_index(["sample", "replicate"])
    column = values["vendor_net_revenue"]
    leader, gaps = leads(column, list(frame["sample"]))
    ahead = {other: Effect.from_interval(gap) for other, gap in gaps.items()}
    name = f"{leader} ({setting_label(sweep, frame.set_index('sample').loc[leader])})"
    return best_sentence(f"{vendor}'s net revenue", "vendor_net_revenue", name, ahead)


def _sensitivity(sweep: Sweep, results: ResultSet, vendor: str) -> tuple[str, dict]:
    method = METHOD_OF[sweep.method]
    try:
        indices = sensitivity_table(sweep, ["channel_revenue", "vendor_net_revenue"], [vendor])
    except SweepError as exc:
        return "", {"lines": [f"No sensitivity indices: {exc}"], "css": "warn", "figure": None,
                    "table": None}  # fmt: skip
    ranked = indices[(indices["index"] == RANK_BY[method])
                     & (indices["outcome"] == "channel_revenue")]  # fmt: skip
    top = ranked.loc[ranked["value"].idxmax()]
    said = (
        f"The most influential lever for its channel revenue is {top['parameter']} "
        f"({RANK_BY[method]} = {top['value']:.2f} \u00b1 {top['conf']:.2f})."
    )
    rows = []
    for (outcome, parameter), part in indices.groupby(["outcome", "parameter"], sort=False):
        cells = {r["index"]: f"{r['value']:.3f} [{r['low']:.3f}, {r['high']:.3f}]"
                 if math.isfinite(r["conf"]) else f"{r['value']:.3f}"
                 for _, r in part.iterrows()}  # fmt: skip
        rows.append([OUTCOMES[outcome], parameter, *(cells[i] for i in INDICES[method])])
    title = f"{results.name}: sensitivity of {vendor}'s outcomes"
    return said, {
        "lines": [f"{DESCRIPTION[method]}; intervals are {LEVEL:.0%} bootstrap intervals."],
        "css": "",
        "figure": figure_data(sensitivity_figure(indices, title),
                              "Sensitivity indices with 90% intervals.", "sensitivity indices"),
        "table": table_data(["outcome", "parameter", *INDICES[method]], rows, (2, 3), group=0,
                            css_class="sensitivity"),
    }  # fmt: skip


def sections(results: ResultSet, vendor: str) -> Parts:
    """The template context of a sweep folder's report about ``vendor``."""
    sweep = load_sweep(results.path)
    frame = summary_frame(sweep, vendor)
    shown = pd.concat([frame.head(TOP), frame.tail(1)]).drop_duplicates("sample")
    rows = [(setting_label(sweep, r), f"sample {r['sample']}" + (" (worst)" if k == len(shown) - 1
             and len(frame) > TOP else ""), _cells(r)) for k, (_, r) in enumerate(shown.iterrows())]  # fmt: skip
    reps = results.manifest["sweep"].get("replicates", "?")
    title = f"{results.name}: the best settings for {vendor}"
    note = (
        f"The {min(TOP, len(frame))} samples with the highest net revenue for {vendor}, then the "
        f"worst, of {len(frame)}; each the mean of {reps} replicates with its {LEVEL:.0%} interval."
    )
    net = frame["vendor_net_revenue"]
    say, sensitivity = _sensitivity(sweep, results, vendor)
    headline = [[
        {"text": f"Across {len(frame)} samples, {vendor}'s cumulative net revenue ranges from "
                 f"{format_value('vendor_net_revenue', net.min())} to "
                 f"{format_value('vendor_net_revenue', net.max())} (channel revenue "
                 f"{format_value('channel_revenue', frame['channel_revenue'].min())} to "
                 f"{format_value('channel_revenue', frame['channel_revenue'].max())}).",
         "tone": "level"},
        {"text": _best(sweep, frame, vendor), "tone": "best"},
        {"text": say, "tone": "level"},
    ]]  # fmt: skip
    params = [(p, format_value("x", lo), format_value("x", hi))
              for p, (lo, hi) in zip(sweep.parameters, sweep.problem["bounds"], strict=True)]  # fmt: skip
    context = {
        "summary": {
            "title": f"Executive summary: {vendor}", "note": note, "first": "Settings",
            "header": [h for _, _, h in COLUMNS], "legend": "Brackets: 90% interval of the mean.",
            "rows": [{"name": n, "sub": s, "cells": [c.__dict__ for c in cells]}
                     for n, s, cells in rows],
        },
        "headline": headline,
        "levers": {
            "title": "Levers: what the sweep changes",
            "lines": [f"A {sweep.method} sweep of {len(sweep.samples)} samples x {reps} "
                      "replicates over:"],
            "table": table_data(["parameter", "low", "high"], params, (1, 2)),
        },
        "results": None,
        "comparison": None,
        "sensitivity": sensitivity,
        "tradeoff": figure_data(
            tradeoff_figure(sweep, vendor),
            "Each point is a sample (mean of its replicates, bars: 90% CI), the best three "
            "labelled by their settings. Up and right: more channel revenue and more net revenue; "
            "right but lower: channel revenue bought at a loss.",
            "trade-off of net revenue against channel revenue and trust",
        ),
    }  # fmt: skip
    return Parts(context, frame, slide(rows, title, note, first="Settings", more="samples"))


__all__ = ["sections", "summary_frame"]
