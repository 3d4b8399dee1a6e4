"""``sim report``: one self-contained HTML file a strategist can forward.

Sections (each a ``<section id=...>``), about one vendor (``--vendor``, else the scenario's
``focus``, else its first vendor): ``summary`` (the executive summary: one row per variant, each
number a difference from base with its 90% interval), ``headline`` (what the numbers say, in
:mod:`analysis.wording`'s honest words), ``levers`` (what the variants, the run's overrides or the
sweep change), ``results`` (plots of the chosen metrics), ``comparison`` (every number with its
interval; variants only), ``sensitivity`` and ``tradeoff`` (sweeps only), ``status`` and
``reproducibility``. All HTML is in ``templates/report.html.j2``, rendered with autoescape; figures
are embedded PNGs. :func:`write_report` also writes ``summary_table.csv`` and ``summary_table.png``
(16:9) beside the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

import sim
from analysis import report_variants
from analysis.intervals import LEVEL
from analysis.levers import changes_sentence, focus_vendor, resolved_document, run_changes
from analysis.report_html import render_report, table_data
from analysis.style import save_figure
from analysis.sweeps import SweepError
from sim.experiments.folder_layout import atomic_open, atomic_write_text
from sim.experiments.reader import ResultSet, load_results

MAX_WARNINGS = 5
MAX_STATUS_ROWS = 40


@dataclass
class Report:
    """A built report: the HTML, and the executive summary as a table and a slide."""

    html: str
    summary_csv: pd.DataFrame
    summary_png: Figure | None = None
    files: list[Path] = field(default_factory=list)


def notices(results: ResultSet) -> list[str]:
    """What a reader must know before the numbers: overrides of the scenario file and the
    scenario's warnings."""
    out = [changes_sentence(results)] if run_changes(results) else []
    warnings = [str(w) for w in results.manifest.get("warnings") or []]
    out += [f"Scenario warning: {w}" for w in warnings[:MAX_WARNINGS]]
    if len(warnings) > MAX_WARNINGS:
        out.append(f"... and {len(warnings) - MAX_WARNINGS} more warnings in manifest.json.")
    return out


def focus_note(results: ResultSet, vendor: str | None) -> str:
    """How the report's vendor was chosen."""
    if vendor is not None:
        return f"About {vendor}, chosen with --vendor."
    chosen = focus_vendor(results)
    if "focus" in resolved_document(results):
        how = "the scenario's focus vendor (focus: in the file; default its first vendor)"
    else:
        how = "the first vendor (the folder names no focus)"
    return f"About {chosen}, {how}; sim report --vendor NAME reports on another."


def _status(results: ResultSet) -> dict:
    counts = results.manifest.get("counts", {})
    runs = results.manifest.get("runs", [])
    rows = []
    for variant in results.variants[:MAX_STATUS_ROWS]:
        mine = [r for r in runs if r["variant"] == variant]
        done = [r for r in mine if r["status"] == "ok"]
        rows.append([variant, str(len(mine)), str(len(done)), str(len(mine) - len(done))])
    failed = [r for r in runs if r["status"] == "failed"][:5]
    small = len(results.variants) <= MAX_STATUS_ROWS
    return {
        "status": results.status,
        "counts": f"{counts.get('ok', 0)} of {counts.get('planned', 0)} runs finished, "
        f"{counts.get('failed', 0)} failed, {counts.get('not-run', 0)} not run",
        "warn": "Only finished runs count in this report." if results.status != "complete" else "",
        "table": table_data(["variant", "planned", "ok", "failed or not run"], rows, (1, 2, 3))
        if small else None,
        "failures": [
            f"failed: {r['variant']} replicate {r['replicate']}: {r.get('error')}" for r in failed
        ],
    }  # fmt: skip


def _reproducibility(results: ResultSet) -> list[tuple[str, str]]:
    m = results.manifest
    doc = resolved_document(results)
    libs = ", ".join(f"{k} {v}" for k, v in (m.get("libraries") or {}).items())
    package = m.get("package", {})
    return [
        ("Command", str(m.get("command_line") or "-")),
        ("Scenario seed", str(doc.get("seed", "-"))),
        ("Seeding", str(m.get("seeding", "-"))),
        ("Engine", str(m.get("engine", "population"))),
        ("Package", f"{package.get('name', '')} {package.get('version', '')}"),
        ("Python, platform", f"{m.get('python', '-')} ({m.get('platform', '-')})"),
        ("Libraries", libs or "-"),
        ("Started, finished", f"{m.get('started', '-')} / {m.get('finished', '-')}"),
        ("Result folder", str(results.path.resolve())),
        ("Re-run", f"sim {'sweep' if m.get('sweep') else 'run'} scenario.resolved.yaml (in the "
                   "result folder)"),
    ]  # fmt: skip


def build(
    folder: Path | str,
    *,
    vendor: str | None = None,
    metrics: Sequence[str] | None = None,
    smooth: str = "quarter",
) -> Report:
    """The report of a result folder or sweep folder, and its executive summary.

    Raises:
        sim.experiments.folder_layout.ResultsError: a folder that cannot be reported on, an
            unknown ``vendor`` or metric.
    """
    results = load_results(folder)
    if results.runs.empty:
        raise SweepError(f"{results.path}: no finished run to report on")
    chosen = focus_vendor(results, vendor)
    if "sweep" in results.manifest:
        from analysis import report_sweep

        parts = report_sweep.sections(results, chosen)
    else:
        parts = report_variants.sections(results, chosen, metrics, smooth)
    parts.context["summary"]["note"] += " " + focus_note(results, vendor)
    if run_changes(results):  # the headline too says the numbers are not the file's
        parts.context["headline"].insert(0, [{"text": changes_sentence(results), "tone": "level"}])
    stamp = dt.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    html = render_report(
        title=f"{results.name}: channel simulation report",
        name=results.name,
        description=str(results.manifest.get("description") or ""),
        vendor=chosen,
        notices=notices(results),
        status=_status(results),
        facts=_reproducibility(results),
        footer=f"Generated by sim {sim.__version__} on {stamp} from {results.path}. "
        f"Intervals: {LEVEL:.0%}.",
        **parts.context,
    )
    return Report(html, parts.summary_csv, parts.summary_png)


def build_report(folder: Path | str, **options) -> str:
    """The report of a result folder or sweep folder as one HTML document."""
    report = build(folder, **options)
    if report.summary_png is not None:
        plt.close(report.summary_png)
    return report.html


def write_report(folder: Path | str, out: Path | str | None = None, **options) -> Report:
    """Write the report (default ``folder/report.html``) and, beside it, ``summary_table.csv``
    and ``summary_table.png``, each atomically; ``report.files`` lists the three."""
    path = Path(out) if out is not None else Path(folder) / "report.html"
    report = build(folder, **options)
    atomic_write_text(path, report.html)
    csv = path.parent / "summary_table.csv"
    with atomic_open(csv) as handle:
        report.summary_csv.to_csv(handle, index=False, lineterminator="\n")
    report.files = [path, csv]
    if report.summary_png is not None:
        report.files.append(save_figure(report.summary_png, path.parent / "summary_table.png"))
    return report


__all__ = ["Report", "build", "build_report", "focus_note", "notices", "write_report"]
