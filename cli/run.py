"""``sim run``: every variant x replicate of a scenario into a result folder, then its plots."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import click

from cli import execution
from cli.common import fail, load
from cli.plugin_option import plugin_args, plugin_option


@click.command()
@click.argument(
    "file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--replicates", type=click.IntRange(min=1), help="Replicates per variant.")
@click.option("--seed", type=click.IntRange(min=0), help="Scenario seed (entropy of every run).")
@click.option(
    "--variant", "variants", multiple=True, metavar="NAME", help="Run only this variant (repeat)."
)
@click.option(
    "--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a key (repeat)."
)
@click.option("--out", type=click.Path(path_type=Path), help="Result folder (new or empty).")
@click.option(
    "--resume",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Finish the interrupted result folder DIR (no FILE).",
)
@execution.executor_options
@plugin_option
@click.option(
    "--engine",
    type=click.Choice(
        ["population", "per-agent"]
    ),  # sim.model.engines.ENGINES, without importing mesa
    default="population",
    show_default=True,
    help="Run behaviour rules on arrays (population) or agent by agent (per-agent, slower).",
)
@click.option(
    "--deals",
    is_flag=True,
    help="Also write each run's deal history (the focus vendor's deals.csv and partners.csv, "
    "as in docs/calibration.md) to DIR/deals/VARIANT/REPLICATE/.",
)
def run(
    file: Path | None,
    replicates: int | None,
    seed: int | None,
    variants: tuple[str, ...],
    overrides: tuple[str, ...],
    out: Path | None,
    resume: Path | None,
    workers: int | None,
    executor: str,
    address: str | None,
    no_progress: bool,
    engine: str,
    deals: bool,
) -> None:
    """Run every variant x replicate of FILE, write a result folder and its plots.

    Ctrl-C (exit 130) or SIGTERM (exit 143) saves the finished runs; `sim run --resume DIR`
    runs the rest.
    """
    from sim.experiments.runner import UnknownVariantError, plan_runs, run_scenario

    if resume is not None:
        given = {
            "FILE": file, "--replicates": replicates, "--seed": seed, "--variant": variants,
            "--set": overrides, "--out": out, "--deals": deals or None,
        }  # fmt: skip
        execution.resume_interrupted("run", resume, workers, executor, address, no_progress, given)
    if file is None:
        fail("Missing argument FILE (or --resume DIR to finish an interrupted folder)")
    scenario = load(file, overrides, seed=seed, replicates=replicates)
    try:
        n_runs = len(plan_runs(scenario, variants))
    except UnknownVariantError as exc:
        fail(f"--variant: {exc}")
    workers = max(1, min(workers or os.cpu_count() or 1, n_runs))
    if executor == "local":  # a cluster's workers have their own memory
        execution.guard_memory("sim run", list(scenario.variants.values()), workers)
    command = ["sim", "run", str(file)]
    for flag, value in (("--replicates", replicates), ("--seed", seed), ("--out", out)):
        command += [flag, str(value)] if value is not None else []
    command += [x for v in variants for x in ("--variant", v)]
    command += [x for o in overrides for x in ("--set", o)] + plugin_args()
    command += ["--engine", engine] if engine != "population" else []
    command += ["--deals"] if deals else []
    with execution.executor_pool(executor, address) as pool:
        summary = execution.execute(  # a folder or write problem: SimGroup.invoke
            lambda: run_scenario(
                scenario,
                variants=variants or None,
                workers=workers,
                executor=pool,
                progress=not no_progress,
                out_dir=out,
                command_line=shlex.join(command),
                engine=engine,
                draw=execution.draw_plots,
                deals=deals,
            ),
            lambda folder: execution.resume_command("run", folder, executor, address),
        )

    folder = summary.folder
    if summary.interrupted:
        execution.report_interrupted(
            summary, execution.resume_command("run", folder, executor, address)
        )
    click.echo(f"Results: {folder}")
    execution.print_outcome(summary)
    if summary.count("ok"):
        _print_revenue_table(summary.summary, scenario)
    execution.print_plots(summary)
    raise click.exceptions.Exit(summary.exit_code)


def _print_revenue_table(summary, scenario) -> None:
    """Mean cumulative total, channel and net revenue and conflicts per vendor and variant."""
    from analysis.console import run_summary_lines

    horizon = next(iter(scenario.variants.values())).time.horizon_months
    for line in run_summary_lines(summary, horizon):
        click.echo(line)
