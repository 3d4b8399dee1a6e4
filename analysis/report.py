"""``sim report``: one self-contained HTML file a strategist can forward.

Sections (each a ``<section id=...>``): ``headline`` (what changed and by how much, written from the
numbers), ``scenario``, ``levers`` (what the variants or the sweep change), ``results`` (key
plots), ``comparison`` (every number with its 90% interval; variants only), ``sensitivity`` and
``tradeoff`` (sweeps only), ``status`` and ``reproducibility``. Figures are embedded PNGs.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd
from markupsafe import Markup

import sim
from analysis.compare import (
    DEFAULT_METRICS,
    Comparison,
    build_comparison,
    comparison_table,
    difference,
    run_values,
)
from analysis.compare_plots import difference_figure, fan_figure
from analysis.console import COMPARISON_HEADER, comparison_rows
from analysis.formatting import format_percent, format_value
from analysis.intervals import LEVEL
from analysis.levers import focal_vendor, resolved_document, variant_levers
from analysis.report_html import facts, figure, html, join, page, section, table
from analysis.sensitivity import DESCRIPTION, INDICES, METHOD_OF, RANK_BY, sensitivity_table
from analysis.sensitivity_plots import sensitivity_figure, short_name
from analysis.sweeps import OUTCOMES, SweepError, load_sweep
from analysis.tradeoff import tradeoff_figure, tradeoff_table
from sim.experiments.folder_layout import atomic_write_text
from sim.experiments.reader import ResultSet, load_results
from sim.model.metrics import METRIC_BY_NAME


def _change(table: pd.DataFrame, metric: str, stat: str, vendor: str, arm: str) -> pd.Series:
    rows = table[(table.metric == metric) & (table.stat == stat) & (table.vendor == vendor)]
    return rows[rows.arm == arm].iloc[0]


def _ci(metric: str, row: pd.Series) -> str:
    low, high = row["diff_low"], row["diff_high"]
    if not (math.isfinite(low) and math.isfinite(high)):
        return "no interval: too few replicates"
    text = f"{LEVEL:.0%} CI {format_value(metric, low, signed=True)} to "
    text += format_value(metric, high, signed=True)
    if row["agree"] >= 0:
        text += f"; {int(row['agree'])} of {int(row['pairs'])} paired replicates agree"
    return text


def _moves(diff: float, up: str, down: str) -> str:
    return up if diff > 0 else down if diff < 0 else "leaves unchanged"


def variant_headline(comp: Comparison, table: pd.DataFrame) -> Markup:
    """Per compared variant, what it does to the focal vendor's cumulative channel revenue, net
    revenue and final trust and which other vendor moves most; then, with several variants, the
    paired difference between the best and the worst for the focal vendor."""
    results = comp.results[0]
    vendor = focal_vendor(results)
    months = f"months {comp.window[0]:g}–{comp.window[1]:g}"
    metrics = set(table.metric)
    if not comp.reference:
        base = _change(table, "channel_revenue", "cumulative", vendor, table["arm"].iloc[0])
        return html(
            "<p>One variant only: {} earns <b>{}</b> of channel revenue over {} ({:.0%} CI {} to "
            "{}).</p>",
            vendor, format_value("channel_revenue", base["mean"]), months, LEVEL,
            format_value("channel_revenue", base["mean_low"]),
            format_value("channel_revenue", base["mean_high"]),
        )  # fmt: skip
    paragraphs = []
    for arm, ref in comp.reference.items():
        ch = _change(table, "channel_revenue", "cumulative", vendor, arm)
        text = html(
            "<b>{}</b> {} {}'s channel revenue over {} by <b>{}</b> ({}) against {} ({}).",
            arm, _moves(ch["diff"], "raises", "lowers"), vendor, months,
            format_value("channel_revenue", abs(ch["diff"])), format_percent(ch["relative"]),
            ref, _ci("channel_revenue", ch),
        )  # fmt: skip
        if "vendor_net_revenue" in metrics:
            net = _change(table, "vendor_net_revenue", "cumulative", vendor, arm)
            text += html(
                " Its net revenue {} by {} ({})",
                _moves(net["diff"], "rises", "falls"),
                format_value("vendor_net_revenue", abs(net["diff"])),
                format_percent(net["relative"]),
            )
        if "mean_trust" in metrics:
            trust = _change(table, "mean_trust", "final", vendor, arm)
            text += html(
                " and partner trust ends at {} instead of {}",
                format_value("mean_trust", trust["mean"]),
                format_value("mean_trust", trust["mean"] - trust["diff"]),
            )
        text += Markup(".")
        others = table[(table.metric == "channel_revenue") & (table.stat == "cumulative")
                       & (table.arm == arm) & (table.vendor != vendor)].dropna(subset=["diff"])  # fmt: skip
        if not others.empty:
            top = others.loc[others["diff"].abs().idxmax()]
            text += html(
                " The largest shift elsewhere: {} {} {} ({}).",
                top["vendor"],
                _moves(top["diff"], "gains", "loses"),
                format_value("channel_revenue", abs(top["diff"])),
                format_percent(top["relative"]),
            )
        paragraphs.append(html("<p>{}</p>", text))
    compared = list(comp.reference)
    if len(compared) >= 2:
        values = run_values(comp)
        mine = values[values["vendor"] == focal_vendor(results)].set_index(["arm", "seed"])
        column = mine["channel_revenue:cumulative"]
        means = {arm: column.loc[arm].mean() for arm in compared}
        best, worst = max(means, key=means.get), min(means, key=means.get)
        gap = difference(column.loc[best], column.loc[worst])
        row = pd.Series({"diff_low": gap.low, "diff_high": gap.high, "agree": gap.agree,
                         "pairs": gap.n})  # fmt: skip
        paragraphs.append(html(
            "<p>Of the variants, <b>{}</b> is best for {}'s channel revenue: <b>{}</b> more than "
            "<b>{}</b> ({}).</p>",
            best, vendor, format_value("channel_revenue", gap.estimate), worst,
            _ci("channel_revenue", row),
        ))  # fmt: skip
    return join(paragraphs)


def _comparisonsection(results: ResultSet) -> tuple[Markup, Markup, Markup]:
    comp = build_comparison([results], DEFAULT_METRICS)
    data = comparison_table(comp)
    headline = variant_headline(comp, data)
    plots = [
        figure(fan_figure(comp, "channel_revenue"), "Channel revenue per month: line = mean of "
               "replicates, band = 5-95% of replicates.", "channel revenue over time"),
    ]  # fmt: skip
    if comp.reference:
        plots.append(figure(
            difference_figure(comp, "channel_revenue"),
            f"Channel revenue, variant minus {', '.join(sorted(set(comp.reference.values())))} "
            f"per replicate pair: mean with its {LEVEL:.0%} confidence band.",
            "difference in channel revenue",
        ))  # fmt: skip
    for metric, what in (("attention_share", "attention share"), ("mean_trust", "mean trust")):
        plots.append(figure(fan_figure(comp, metric), f"Partners' {what} by vendor.", what))
        if comp.reference and metric == "mean_trust":
            plots.append(figure(difference_figure(comp, metric),
                                f"Mean trust, variant minus reference, {LEVEL:.0%} band.",
                                "difference in trust"))  # fmt: skip
    tables = [
        html(
            '<p class="note">Per variant and vendor over months {:g}-{:g}: mean of replicates with '
            "its {:.0%} t-interval, and the paired difference from the reference (replicates "
            "share seeds) with its {:.0%} t-interval and the number of pairs whose difference "
            "has the same sign. Flows: cumulative over the window and the final month; levels: "
            "final and average.</p>",
            comp.window[0], comp.window[1], LEVEL, LEVEL,
        )
    ]  # fmt: skip
    for metric in comp.metrics:
        tables.append(html("<h3>{}</h3>", METRIC_BY_NAME[metric].label))
        rows = comparison_rows(data, metric)
        tables.append(table(COMPARISON_HEADER, rows, numeric=range(3, 10), group=0,
                            css_class=f"comparison {metric}"))  # fmt: skip
    return headline, join(plots), join(tables)


def _sweep_sections(results: ResultSet) -> tuple[Markup, Markup, Markup, Markup]:
    sweep = load_sweep(results.path)
    vendor = focal_vendor(results)
    params = [(p, format_value("x", lo), format_value("x", hi)) for p, (lo, hi) in
              zip(sweep.parameters, sweep.problem["bounds"], strict=True)]  # fmt: skip
    levers = html(
        "<p>A <b>{}</b> sweep of {} samples x {} replicates over:</p>",
        sweep.method, len(sweep.samples), sweep.results.manifest["sweep"].get("replicates", "?"),
    ) + table(["parameter", "low", "high"], params, numeric=(1, 2))  # fmt: skip
    trade = tradeoff_table(sweep, vendor)
    best = trade.loc[trade["vendor_net_revenue"].idxmax()]
    worst = trade.loc[trade["vendor_net_revenue"].idxmin()]
    setting = ", ".join(f"{short_name(p)} = {best[p]:.4g}" for p in sweep.parameters)
    headline = html(
        "Across {} samples, {}'s cumulative net revenue ranges from <b>{}</b> to <b>{}</b> "
        "(channel revenue {} to {}). The best sample, {}, has {}.",
        len(trade), vendor, format_value("vendor_net_revenue", worst["vendor_net_revenue"]),
        format_value("vendor_net_revenue", best["vendor_net_revenue"]),
        format_value("channel_revenue", trade["channel_revenue"].min()),
        format_value("channel_revenue", trade["channel_revenue"].max()), best["sample"], setting,
    )  # fmt: skip
    method = METHOD_OF[sweep.method]
    try:
        indices = sensitivity_table(sweep, ["channel_revenue", "vendor_net_revenue"], [vendor])
    except SweepError as exc:
        sens = html('<p class="warn">No sensitivity indices: {}</p>', str(exc))
    else:
        ranked = indices[(indices["index"] == RANK_BY[method])
                         & (indices["outcome"] == "channel_revenue")]  # fmt: skip
        top = ranked.loc[ranked["value"].idxmax()]
        headline += html(
            " The most influential parameter for its channel revenue is <b>{}</b> ({} = {:.2f} "
            "\u00b1 {:.2f}).",
            top["parameter"], RANK_BY[method], top["value"], top["conf"],
        )  # fmt: skip
        rows = []
        for (outcome, parameter), part in indices.groupby(["outcome", "parameter"], sort=False):
            cells = {r["index"]: f"{r['value']:.3f} [{r['low']:.3f}, {r['high']:.3f}]"
                     if math.isfinite(r["conf"]) else f"{r['value']:.3f}"
                     for _, r in part.iterrows()}  # fmt: skip
            rows.append([OUTCOMES[outcome], parameter, *(cells[i] for i in INDICES[method])])
        title = f"{results.name}: sensitivity of {vendor}'s outcomes"
        sens = (
            html("<p>{}; intervals are {:.0%} bootstrap intervals.</p>", DESCRIPTION[method], LEVEL)
            + figure(
                sensitivity_figure(indices, title),
                "Sensitivity indices with 90% intervals.",
                "sensitivity indices",
            )  # fmt: skip
            + table(
                ["outcome", "parameter", *INDICES[method]],
                rows,
                numeric=(2, 3),
                group=0,
                css_class="sensitivity",
            )  # fmt: skip
        )
    tradeoff = figure(
        tradeoff_figure(sweep, vendor),
        "Each point is a sample (mean of its replicates, bars: 90% CI). Up and right: more channel "
        "revenue and more net revenue; right but lower: channel revenue bought at a loss.",
        "trade-off of net revenue against channel revenue and trust",
    )
    return html("<p>{}</p>", headline), levers, sens, tradeoff


def _status(results: ResultSet) -> Markup:
    counts = results.manifest.get("counts", {})
    runs = results.manifest.get("runs", [])
    rows = []
    for variant in results.variants[:40]:
        mine = [r for r in runs if r["variant"] == variant]
        done = [r for r in mine if r["status"] == "ok"]
        rows.append([variant, str(len(mine)), str(len(done)), str(len(mine) - len(done))])
    failed = [r for r in runs if r["status"] == "failed"][:5]
    body = html(
        "<p>Folder status: <b>{}</b>: {} of {} runs finished, {} failed, {} not run.</p>",
        results.status, counts.get("ok", 0), counts.get("planned", 0), counts.get("failed", 0),
        counts.get("not-run", 0),
    )  # fmt: skip
    if results.status != "complete":
        body += Markup('<p class="warn">Only finished runs count in this report.</p>')
    if len(results.variants) <= 40:
        body += table(["variant", "planned", "ok", "failed or not run"], rows, numeric=(1, 2, 3))
    body += join(
        html('<p class="note">failed: {} replicate {}: {}</p>', r["variant"], r["replicate"],
             str(r.get("error")))
        for r in failed
    )  # fmt: skip
    return body


def _reproducibility(results: ResultSet) -> Markup:
    m = results.manifest
    doc = resolved_document(results)
    libs = ", ".join(f"{k} {v}" for k, v in (m.get("libraries") or {}).items())
    engine = m.get("engine", "population")
    return facts([
        ("Command", m.get("command_line") or "-"),
        ("Scenario seed", str(doc.get("seed", "-"))),
        ("Seeding", m.get("seeding", "-")),
        ("Engine", engine),
        ("Package", f"{m.get('package', {}).get('name', '')} {m.get('package', {}).get('version', '')}"),
        ("Python, platform", f"{m.get('python', '-')} ({m.get('platform', '-')})"),
        ("Libraries", libs or "-"),
        ("Started, finished", f"{m.get('started', '-')} / {m.get('finished', '-')}"),
        ("Result folder", str(results.path.resolve())),
        ("Re-run", f"sim {'sweep' if m.get('sweep') else 'run'} scenario.resolved.yaml (in the result folder)"),
    ])  # fmt: skip


def build_report(folder: Path | str) -> str:
    """The report of a result folder or sweep folder as one HTML document."""
    results = load_results(folder)
    if results.runs.empty:
        raise SweepError(f"{results.path}: no finished run to report on")
    description = results.manifest.get("description") or ""
    header = html(
        '<header><div class="kicker">Channel simulation report</div><h1>{}</h1><p>{}</p></header>',
        results.name, description,
    )  # fmt: skip
    sections = []
    if "sweep" in results.manifest:
        headline, levers, sens, trade = _sweep_sections(results)
        sections += [
            section("levers", "Levers: what the sweep changes", levers),
            section("sensitivity", "Sensitivity: which levers matter", sens),
            section("tradeoff", "Trade-off: which programs pay for themselves", trade),
        ]
    else:
        headline, plots, tables = _comparisonsection(results)
        lever_rows = table(
            ["variant", "what it changes against the scenario file"],
            [[name, "; ".join(lines)] for name, lines in variant_levers(results).items()],
            css_class="levers",
        )
        sections += [
            section("levers", "Levers: what each variant changes", lever_rows),
            section("results", "Results over time", plots),
            section("comparison", "Comparison with uncertainty", tables),
        ]
    sections += [
        section("status", "Run status", _status(results)),
        section("reproducibility", "Reproducibility", _reproducibility(results)),
    ]
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    body = join([
        header,
        html('<section id="headline" class="headline">{}</section>', headline),
        *sections,
        html("<footer>Generated by sim {} on {} from {}. Intervals: {:.0%}.</footer>",
             sim.__version__, stamp, str(results.path), LEVEL),
    ])  # fmt: skip
    return page(f"{results.name}: channel simulation report", body)


def write_report(folder: Path | str, out: Path | str | None = None) -> Path:
    """Write the report (default ``folder/report.html``) atomically and return its path."""
    path = Path(out) if out is not None else Path(folder) / "report.html"
    html = build_report(folder)
    atomic_write_text(path, html)
    return path


__all__ = ["build_report", "variant_headline", "write_report"]
