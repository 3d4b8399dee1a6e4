"""The report of a folder of variants: executive summary, headline, levers, plots and tables.

Everything here is data for ``templates/report.html.j2`` (plain strings, figure URIs); the words
of every effect come from :mod:`analysis.wording`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from analysis.compare import (
    DEFAULT_METRICS,
    Comparison,
    build_comparison,
    comparison_table,
    leads,
    run_values,
)
from analysis.compare_plots import difference_figure, fan_figure
from analysis.console import COMPARISON_HEADER, comparison_rows
from analysis.formatting import format_value
from analysis.intervals import LEVEL
from analysis.levers import variant_levers
from analysis.metric_catalog import metric_info
from analysis.plots import revenue_mix_figure
from analysis.report_html import figure_data, table_data
from analysis.series import smoothed
from analysis.summary import (
    COLUMNS,
    LOWER_IS_BETTER,
    display_rows,
    headings,
    summary_comparison,
    summary_figure,
    summary_table,
    wide_table,
)
from analysis.wording import (
    Effect,
    best_sentence,
    change_sentence,
    is_best,
    level_sentence,
    verdict,
)
from sim.experiments.reader import ResultSet

LEGEND = (
    "Green: better for the vendor beyond noise; red: worse; grey: no clear difference (the "
    f"{LEVEL:.0%} interval covers zero); 'unchanged': identical in every replicate pair."
)
BEST_OF = (("channel_revenue", "channel revenue"), ("vendor_net_revenue", "net revenue"))
"""The outcomes whose best variant the headline names (or says none is clearly best)."""


@dataclass
class Parts:
    """The template context of the variant (or sweep) sections, and the summary's CSV and PNG."""

    context: dict[str, Any]
    summary_csv: pd.DataFrame
    summary_png: Figure | None


def _row(table: pd.DataFrame, metric: str, stat: str, vendor: str, arm: str) -> pd.Series | None:
    rows = table[(table.metric == metric) & (table.stat == stat) & (table.vendor == vendor)
                 & (table.arm == arm)]  # fmt: skip
    return rows.iloc[0] if len(rows) else None


def _say(text: str, tone: str) -> dict[str, str]:
    return {"text": text, "tone": tone}


def unchanged_reasons(results: ResultSet) -> dict[str, str]:
    """Per variant the scenario warnings explain, why it gives base's numbers."""
    reasons = {}
    for warning in results.manifest.get("warnings") or []:
        for name in results.variants:
            if f"variants.{name}: differs from base only in events" in warning:
                reasons[name] = "its only change is an event at or after the end of the run"
            elif f"variants.{name}: is identical to base" in warning:
                reasons[name] = "it sets nothing that base does not"
    return reasons


def variant_paragraph(
    table: pd.DataFrame, vendor: str, arm: str, reference: str, months: str, why: str
) -> list[dict[str, str]]:
    """What one variant does for ``vendor``: channel revenue, then total and net revenue, trust
    and the largest shift at another vendor; one sentence when nothing moves at all."""
    channel = Effect.from_row(_row(table, "channel_revenue", "cumulative", vendor, arm))
    what = f"{vendor}'s channel revenue over {months}"
    out = [_say(change_sentence(arm, what, "channel_revenue", channel, reference, why=why),
                verdict(channel))]  # fmt: skip
    rest = [
        ("Its total revenue", "total_revenue", "cumulative", False),
        ("Its net revenue", "vendor_net_revenue", "cumulative", False),
        ("Partner trust at the end", "mean_trust", "final", False),
        ("Conflicts", "conflicts", "cumulative", True),
    ]
    effects = [(w, m, Effect.from_row(_row(table, m, s, vendor, arm)), p) for w, m, s, p in rest]
    if verdict(channel) == "unchanged" and all(verdict(e) == "unchanged" for _, _, e, _ in effects):
        return out + [_say("Every other number is identical too.", "unchanged")]
    for words, metric, effect, plural in effects:
        out.append(_say(level_sentence(words, metric, effect, plural=plural), verdict(effect)))
    others = table[(table.metric == "channel_revenue") & (table.stat == "cumulative")
                   & (table.arm == arm) & (table.vendor != vendor)]  # fmt: skip
    moved = [(v, Effect.from_row(r)) for v, r in zip(others.vendor, others.to_dict("records"),
                                                      strict=True)]  # fmt: skip
    moved = [(v, e) for v, e in moved if verdict(e) in ("up", "down")]
    if moved:
        other, effect = max(moved, key=lambda item: abs(item[1].estimate))
        sentence = level_sentence(
            f"Elsewhere, {other}'s channel revenue", "channel_revenue", effect
        )
        out.append(_say(sentence, "other"))
    elif len(others):
        out.append(_say("No other vendor's channel revenue moves beyond noise.", "unclear"))
    return out


def best_paragraphs(comp: Comparison, vendor: str) -> list[list[dict[str, str]]]:
    """For channel and net revenue, one paragraph each: is the leading option (base included)
    ahead of every other beyond noise? When base leads, which variant leads the others?"""
    values = run_values(comp)
    mine = values[values["vendor"] == vendor].set_index(["arm", "seed"])
    paragraphs = []
    for metric, words in BEST_OF:
        out: list[dict[str, str]] = []
        column = mine[f"{metric}:cumulative"]
        arms = [a.label for a in comp.arms if a.label in column.index.get_level_values("arm")]
        leader, gaps = leads(column, arms)
        ahead = {other: Effect.from_interval(gap) for other, gap in gaps.items()}
        sentence = best_sentence(f"{vendor}'s {words}", metric, leader, ahead)
        out.append(_say(sentence, "best" if is_best(ahead) else "unclear"))
        changes = [arm for arm in arms if arm in comp.reference]
        if leader not in changes and len(changes) >= 2:  # the status quo leads: which change?
            first, gaps = leads(column, changes)
            ahead = {other: Effect.from_interval(gap) for other, gap in gaps.items()}
            what = f"{vendor}'s {words} among the variants ({leader} aside)"
            sentence = best_sentence(what, metric, first, ahead)
            out.append(_say(sentence, "best" if is_best(ahead) else "unclear"))
        paragraphs.append(out)
    return paragraphs


def headline(comp: Comparison, table: pd.DataFrame, vendor: str) -> list[list[dict[str, str]]]:
    """The headline paragraphs: one per compared variant, then which is best (two or more)."""
    months = f"months {comp.window[0]:g}–{comp.window[1]:g}"
    if not comp.reference:
        arm = comp.arms[0].label
        total = _row(table, "total_revenue", "cumulative", vendor, arm)
        channel = _row(table, "channel_revenue", "cumulative", vendor, arm)
        net = _row(table, "vendor_net_revenue", "cumulative", vendor, arm)
        text = (
            f"One variant only: {vendor} earns {format_value('total_revenue', total['mean'])} "
            f"of total revenue over {months}, {format_value('channel_revenue', channel['mean'])} "
            f"of it through partners ({LEVEL:.0%} CI "
            f"{format_value('channel_revenue', channel['mean_low'])} to "
            f"{format_value('channel_revenue', channel['mean_high'])}); net revenue "
            f"{format_value('vendor_net_revenue', net['mean'])}."
        )
        return [[_say(text, "level")]]
    why = unchanged_reasons(comp.results[0])
    paragraphs = [
        variant_paragraph(table, vendor, arm, ref, months, why.get(arm, ""))
        for arm, ref in comp.reference.items()
    ]
    if len(comp.reference) >= 2:
        paragraphs += best_paragraphs(comp, vendor)
    return paragraphs


def _figures(results: ResultSet, comp: Comparison, smooth: str) -> list[dict[str, str]]:
    out = []
    refs = ", ".join(sorted(set(comp.reference.values())))
    for metric in comp.series_metrics:
        label = metric_info(metric).label.split(" (")[0]
        rolling = " as a 3-month rolling mean" if smoothed(metric, smooth) else ""
        out.append(figure_data(
            fan_figure(comp, metric, smooth),
            f"{label} per month{rolling}: line = mean of replicates, band = 5-95% of replicates; "
            "vertical lines mark the months events are announced and start.", label,
        ))  # fmt: skip
        if comp.reference:
            out.append(figure_data(
                difference_figure(comp, metric, smooth),
                f"{label}, variant minus {refs} per replicate pair{rolling}: mean with its "
                f"{LEVEL:.0%} confidence band.", f"difference in {label.lower()}",
            ))  # fmt: skip
    out.append(figure_data(
        revenue_mix_figure(results),
        "Cumulative revenue per vendor and variant: solid = channel, pale = direct.",
        "revenue mix by vendor and variant",
    ))  # fmt: skip
    return out


def _tone(row: pd.Series, metric: str) -> str:
    """The difference cell's class: better or worse beyond noise, or within it."""
    if not row["reference"]:
        return ""
    kind = verdict(Effect.from_row(row))
    if kind in ("up", "down"):
        return "tone-good" if (kind == "up") != (metric in LOWER_IS_BETTER) else "tone-bad"
    return "tone-unclear" if kind in ("unclear", "untested") else ""


def comparison_blocks(comp: Comparison, table: pd.DataFrame, vendor: str) -> list[dict]:
    """Per metric: the focus vendor's rows (variant, statistic, mean, difference...), and the
    other vendors' rows folded away."""
    blocks = []
    for metric in comp.metrics:
        part = table[table["metric"] == metric]
        rows = comparison_rows(table, metric)
        mine = (part["vendor"] == vendor).to_list()
        focus = [r[1:] for r, keep in zip(rows, mine, strict=True) if keep]
        tones = [["", "", "", _tone(r, metric), "", ""]
                 for (_, r), keep in zip(part.iterrows(), mine, strict=True) if keep]  # fmt: skip
        others = [r for r, keep in zip(rows, mine, strict=True) if not keep]
        names = list(dict.fromkeys(r[0] for r in others))
        blocks.append({
            "title": metric_info(metric).label,
            "focus": table_data(COMPARISON_HEADER[1:], focus, range(2, 6), group=1,
                                css_class=f"comparison {metric}", tones=tones),
            "others": table_data(COMPARISON_HEADER, others, range(3, 7), group=0,
                                 css_class=f"comparison others {metric}") if others else None,
            "others_title": f"Other vendors: {', '.join(names)} ({len(others)} rows)",
        })  # fmt: skip
    return blocks


def sections(results: ResultSet, vendor: str, metrics: Sequence[str] | None, smooth: str) -> Parts:
    """The template context of a variant folder's report about ``vendor``."""
    comp = build_comparison([results], list(metrics or DEFAULT_METRICS))
    table = comparison_table(comp)
    scomp = summary_comparison(comp)
    stable = comparison_table(scomp) if scomp is not comp else table
    summary = summary_table(scomp, vendor)
    title, note = headings(scomp, vendor)
    rows = [
        {"name": arm, "sub": f"vs {ref}" if ref else "reference", "cells": [c.__dict__ for c in cells]}
        for arm, ref, cells in display_rows(summary)
    ]  # fmt: skip
    levers = variant_levers(results)
    context = {
        "summary": {
            "title": f"Executive summary: {vendor}", "note": note, "first": "Variant",
            "header": [h for _, _, h in COLUMNS], "rows": rows, "legend": LEGEND,
        },
        "headline": headline(scomp, stable, vendor),
        "levers": {
            "title": "Levers: what each variant changes",
            "lines": [],
            "table": table_data(["variant", "what it changes against the scenario file"],
                                [[n, "; ".join(lines)] for n, lines in levers.items()],
                                css_class="levers"),
        },
        "results": _figures(results, comp, smooth),
        "comparison": {
            "note": f"Months {comp.window[0]:g}-{comp.window[1]:g}: mean of replicates with its "
            f"{LEVEL:.0%} t-interval, and the paired difference from the reference (replicates "
            f"share seeds) with its {LEVEL:.0%} t-interval and the number of pairs whose "
            "difference has the same sign; grey: the interval covers zero. Flows: cumulative "
            "over the window and the final month; levels: final and average.",
            "blocks": comparison_blocks(comp, table, vendor),
        },
        "sensitivity": None,
        "tradeoff": None,
    }  # fmt: skip
    return Parts(context, wide_table(summary), summary_figure(summary, title, note))


__all__ = ["Parts", "best_paragraphs", "headline", "sections", "unchanged_reasons"]
