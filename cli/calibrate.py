"""``sim calibrate``: fit a scenario to a vendor's deal history (docs/calibration.md)."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

import click

from cli.common import fail, load
from cli.history import load_history


@click.command("calibrate")
@click.argument("history_dir", type=click.Path(path_type=Path))
@click.option(
    "--scenario",
    "scenario_file",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The scenario to fit (its base variant; the focus vendor is the history's vendor).",
)
@click.option(
    "--fit",
    "fits",
    multiple=True,
    metavar="KEY=LOW:HIGH",
    help="A key to fit with its uniform prior range (repeat) [default: demand, product strength, "
    "direct reps, partner lift, capacity tail, carrying cost; with partners.csv also the "
    "re-signing cool-off and the vendor's recruiting].",
)
@click.option("--columns", metavar="PRESET|FILE.yaml", help="Column names of the export.")
@click.option("--drop-bad", is_flag=True, help="Drop bad rows (counted) instead of failing.")
@click.option(
    "--samples", type=click.IntRange(min=16), default=512, show_default=True,
    help="Parameter sets of the reference table (a power of 2 balances the Sobol design best).",
)  # fmt: skip
@click.option(
    "--replicates", type=click.IntRange(min=1), default=1, show_default=True,
    help="Runs per parameter set.",
)  # fmt: skip
@click.option("--workers", type=click.IntRange(min=1), help="Worker processes [default: cores].")
@click.option(
    "--holdout-months",
    type=click.IntRange(min=1),
    help="Fit on the history before its last N calendar months, then check those months "
    "against the fitted runs.",
)
@click.option("--out", type=click.Path(path_type=Path), help="Fit folder (new or empty).")
@click.option("--no-progress", is_flag=True, help="Do not print progress.")
def calibrate(
    history_dir: Path,
    scenario_file: Path,
    fits: tuple[str, ...],
    columns: str | None,
    drop_bad: bool,
    samples: int,
    replicates: int,
    workers: int | None,
    holdout_months: int | None,
    out: Path | None,
    no_progress: bool,
) -> None:
    """Fit SCENARIO to the deal history in HISTORY_DIR: direct estimates, then ABC random forests
    on a simulated reference table; writes calibrated.yaml, posterior.csv and the checks."""
    from analysis.calibration_report import write_report
    from sim.calibration.fit import FitError, parse_fit, plan_fit, run_fit
    from sim.calibration.fit_output import summary_lines, write_fit
    from sim.experiments.result_folder import claim_result_folder

    found = load_history(history_dir, columns, drop_bad)
    scenario = load(scenario_file, ())
    base = next(iter(scenario.variants.values()))
    try:
        plan = plan_fit(
            found, base, [parse_fit(f) for f in fits], samples, replicates, holdout_months or 0
        )
    except FitError as exc:
        fail(str(exc))
    workers = max(1, min(workers or os.cpu_count() or 1, samples * replicates))
    runs = samples * replicates
    click.echo(
        f"{history_dir}: {len(found.deals):,} deals; fitting {len(plan.priors)} keys of "
        f"{scenario_file} on {runs:,} runs of {plan.base.time.horizon_months:g} months "
        f"({workers} workers)"
        + (f"; the last {holdout_months} months held out" if holdout_months else "")
    )

    def progress(done: int, total: int) -> None:
        if not no_progress and (done == total or done % max(1, total // 10) == 0):
            click.echo(f"  {done:,}/{total:,} runs", err=True)

    command = (
        shlex.join(["sim", "calibrate", *sys.argv[2:]]) if sys.argv[1:2] == ["calibrate"] else ""
    )
    with claim_result_folder(base.name, out, root=Path("results") / "calibrate") as folder:
        result = run_fit(plan, workers, progress)
        written = write_report(result, folder, str(history_dir))
        written += write_fit(result, folder, str(history_dir), command)
    for line in summary_lines(result):
        click.echo(line)
    click.echo(f"Fit: {folder} ({', '.join(p.name for p in written)})")
    if result.posterior is None:
        raise click.exceptions.Exit(1)
