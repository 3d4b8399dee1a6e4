"""``sim compare``, ``sim sensitivity``, ``sim report``: read result folders, never run a model."""

from __future__ import annotations

import os
from pathlib import Path

import click

from cli.common import fail
from cli.execution import MAX_WORKERS

SMOOTH_OPTION = click.option(
    "--smooth",
    type=click.Choice(["quarter", "month"]),
    default="quarter",
    show_default=True,
    help="Flows (revenue, conflicts) in plots: 3-month rolling mean, or month by month.",
)


METRIC_OPTION = click.option(
    "--metric",
    "-m",
    "metrics",
    multiple=True,
    metavar="M",
    help="Metric to compare, plot and tabulate (repeat). Default: total_revenue, "
    "channel_revenue, vendor_net_revenue, attention_share, mean_trust, conflicts.",
)


@click.command()
@click.argument("sources", nargs=-1, required=True, metavar="DIR_OR_FILE...")
@METRIC_OPTION
@click.option("--months", metavar="A:B", help="Only months A to B (inclusive), e.g. 24:48.")
@click.option(
    "--vendor",
    metavar="V",
    help="The vendor the summary is about (default: the scenario's focus, else its first vendor).",
)
@SMOOTH_OPTION
@click.option(
    "--out", type=click.Path(path_type=Path), help="Output folder (default: FIRST_DIR/compare)."
)
def compare(
    sources: tuple[str, ...],
    metrics: tuple[str, ...],
    months: str | None,
    vendor: str | None,
    smooth: str,
    out: Path | None,
) -> None:
    """Compare the variants of one result folder, or several result folders.

    One folder: each variant against base. Several (e.g. an old and a new run): each folder's
    variants against the same variant of the first folder. A scenario FILE stands for its newest
    folder under results/. Prints and writes the focus vendor's summary (summary_table.csv and
    .png), then every metric's table (comparison.csv: means and paired differences with 90%
    confidence intervals), fan charts and difference plots.
    """
    from analysis.compare import (
        DEFAULT_METRICS,
        CompareError,
        build_comparison,
        output_folder,
        parse_window,
    )
    from analysis.compare_plots import write_comparison
    from analysis.console import print_comparison, print_summary
    from analysis.levers import focus_vendor
    from analysis.sources import open_source
    from analysis.summary import headings, summary_comparison, summary_table, write_summary
    from sim.experiments.folder_layout import ResultsError

    try:
        window = parse_window(months)
        results = [open_source(source) for source in sources]
        comparison = build_comparison(results, metrics or DEFAULT_METRICS, window)
        vendor = focus_vendor(results[0], vendor)
        summary = summary_table(summary_comparison(comparison), vendor)
        folder = output_folder(results[0].path, out)
    except (CompareError, ResultsError) as exc:
        fail(str(exc))
    table, files = write_comparison(comparison, folder, smooth)
    files += write_summary(summary, folder, *headings(comparison, vendor))
    print_summary(summary, vendor, comparison.window)
    print_comparison(comparison, table)
    for result in results:
        _note_status(result)
    click.echo(f"Comparison: {folder} ({', '.join(p.name for p in files)})")


def _note_status(result) -> None:
    """A note for a folder that is not complete: runs missing, or only its plots."""
    if result.status == "complete":
        return
    unfinished = (result.manifest.get("counts") or {}).get("not-run", 1)
    if (result.manifest.get("plots") or {}).get("status") == "pending" and unfinished == 0:
        click.echo(f"note: {result.path}: every run finished, its plots are not drawn (sim plot)")
    else:
        click.echo(f"note: {result.path} is {result.status}; only its finished runs count")


@click.command()
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
@click.option(
    "--outcome",
    "outcomes",
    multiple=True,
    metavar="NAME",
    help="Outcome to explain (repeat): channel_revenue (default), vendor_net_revenue, "
    "total_revenue, mean_trust, attention_share, conflicts, ...",
)
@click.option("--vendor", "vendors", multiple=True, metavar="V", help="Only this vendor (repeat).")
@click.option(
    "--colour-by", "colour_by", metavar="PARAM", help="Colour the trade-off plot by this parameter."
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=MAX_WORKERS),
    help="Processes for the indices, one outcome and vendor each (default: CPUs).",
)
def sensitivity(
    folder: Path,
    outcomes: tuple[str, ...],
    vendors: tuple[str, ...],
    colour_by: str | None,
    workers: int | None,
) -> None:
    """Sensitivity indices of a sweep folder: Sobol (sobol sweeps), Morris (morris sweeps) or
    Borgonovo delta (lhs, random, grid), with 90% intervals.

    Writes DIR/sensitivity/: sensitivity.csv, sensitivity.png, outcomes.csv, tradeoff.png.
    """
    from analysis.salib_runs import analysis_pool

    # A worker starts now and imports SALib while this process imports the rest and loads DIR.
    with analysis_pool(workers or os.cpu_count() or 1) as pool:
        from analysis.console import print_indices
        from analysis.sensitivity import DESCRIPTION, METHOD_OF
        from analysis.sensitivity_plots import write_sensitivity
        from analysis.sweeps import load_sweep
        from sim.experiments.folder_layout import ResultsError

        try:
            sweep = load_sweep(folder)
            table, files = write_sensitivity(
                sweep, outcomes or ("channel_revenue",), vendors, colour_by, pool
            )
        except ResultsError as exc:
            fail(str(exc))
    method = METHOD_OF[sweep.method]
    click.echo(f"{sweep.method} sweep, {len(sweep.samples)} samples: {DESCRIPTION[method]}")
    _note_status(sweep.results)
    print_indices(table, method)
    click.echo(f"Sensitivity: {files[0].parent} ({', '.join(p.name for p in files)})")


@click.command()
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Default: DIR/report.html."
)
@click.option(
    "--vendor",
    metavar="V",
    help="The vendor the report is about (default: the scenario's focus, else its first vendor).",
)
@METRIC_OPTION
@SMOOTH_OPTION
def report(
    folder: Path, out: Path | None, vendor: str | None, metrics: tuple[str, ...], smooth: str
) -> None:
    """One self-contained HTML report of a result or sweep folder (plots embedded; no network).

    Executive summary of the focus vendor (also written beside the report as summary_table.csv
    and a 16:9 summary_table.png), headline, levers, plots, the comparison tables with 90%
    intervals, run status and how to reproduce; for a sweep, the best settings, sensitivity
    indices and the trade-off scatter.
    """
    from analysis.compare import CompareError
    from analysis.report import write_report
    from sim.experiments.folder_layout import ResultsError

    if out is not None and out.parent and not out.parent.is_dir():
        fail(f"--out {out}: folder {out.parent} does not exist")
    try:
        written = write_report(
            folder, out, vendor=vendor, metrics=metrics or None, smooth=smooth
        ).files
    except (ResultsError, CompareError) as exc:
        fail(str(exc))
    click.echo(f"Report: {written[0]}")
    click.echo(f"Summary: {', '.join(str(p) for p in written[1:])}")


@click.command()
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
def plot(folder: Path) -> None:
    """Draw the plots of a run folder again from its data, into DIR/plots/.

    Also finishes a folder whose plots were never drawn (interrupted, killed or out of disk
    while plotting): a run folder is complete only with its plots.
    """
    from cli.execution import draw_plots
    from sim.experiments.replot import redraw

    status, files = redraw(folder, draw_plots)  # a folder problem: SimGroup.invoke, exit 2
    click.echo(f"Plots: {folder / 'plots'} ({', '.join(p.name for p in files) or 'none'})")
    click.echo(f"  status: {status}")
