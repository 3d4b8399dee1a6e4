"""``sim sweep``: a scenario's parameter sweep, every sample x replicate, into one sweep folder."""

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
@click.option(
    "--method",
    type=click.Choice(["grid", "random", "lhs", "sobol", "morris"]),
    help="Sampling method (default: the file's sweep.method).",
)
@click.option(
    "--samples",
    type=click.IntRange(min=1),
    help="N (default: the file's sweep.samples); sobol runs N*(D+2) rows, morris N*(D+1).",
)
@click.option("--replicates", type=click.IntRange(min=1), help="Replicates per sample.")
@click.option("--seed", type=click.IntRange(min=0), help="Scenario seed (design and runs).")
@click.option(
    "--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a key (repeat)."
)
@click.option("--out", type=click.Path(path_type=Path), help="Sweep folder (new or empty).")
@click.option(
    "--resume",
    metavar="DIR",
    is_flag=False,
    flag_value="",
    default=None,
    help="Finish the interrupted sweep folder DIR (alone: the folder of --out).",
)
@execution.executor_options
@plugin_option
def sweep(
    file: Path | None,
    method: str | None,
    samples: int | None,
    replicates: int | None,
    seed: int | None,
    overrides: tuple[str, ...],
    out: Path | None,
    resume: str | None,
    workers: int | None,
    executor: str,
    address: str | None,
    no_progress: bool,
) -> None:
    """Run the scenario's parameter sweep: every sample x replicate, one sweep folder.

    Each sample is a variant s0000, s0001, ... (values in samples.csv). Ctrl-C (exit 130) or
    SIGTERM (exit 143) saves the finished runs; `sim sweep --resume DIR` runs the rest.
    """
    from sim.experiments.sweep_run import NoSweepError, plan_sweep, run_sweep

    if resume is not None:
        if resume == "" and out is None:
            fail("--resume: give the folder, --resume DIR")
        folder = Path(resume) if resume else out
        given = {
            "--method": method, "--samples": samples, "--replicates": replicates, "--seed": seed,
            "--set": overrides, "--out": out if resume else None,
        }  # fmt: skip
        execution.resume_interrupted(
            "sweep", folder, workers, executor, address, no_progress, given
        )
    if file is None:
        fail("Missing argument FILE (or --resume DIR to finish an interrupted sweep)")
    scenario = load(file, overrides, seed=seed, replicates=replicates)
    try:
        plan = plan_sweep(scenario, method=method, samples=samples)
    except NoSweepError as exc:
        fail(str(exc))
    for warning in plan.design.warnings:
        click.echo(f"warning: {warning}", err=True)
    others = [name for name in scenario.variants if name != "base"]
    if others:
        click.echo(f"note: a sweep runs the base scenario; variants not swept: {', '.join(others)}")
    d = len(plan.design.names)
    click.echo(
        f"Sweep: {plan.design.method}, {len(plan.samples)} samples of {d} parameters x "
        f"{plan.replicates} replicates = {plan.runs} runs"
    )
    workers = max(1, min(workers or os.cpu_count() or 1, plan.runs))
    if executor == "local":  # a sample's sizes are the base's, unless the sweep changes them
        execution.guard_memory("sim sweep", [scenario.variants["base"]], workers)
    command = ["sim", "sweep", str(file)]
    for flag, value in (
        ("--method", method), ("--samples", samples), ("--replicates", replicates),
        ("--seed", seed), ("--out", out),
    ):  # fmt: skip
        command += [flag, str(value)] if value is not None else []
    command += [x for o in overrides for x in ("--set", o)] + plugin_args()
    with execution.executor_pool(executor, address) as pool:
        summary = execution.execute(  # a folder or write problem: SimGroup.invoke
            lambda: run_sweep(
                plan,
                workers=workers,
                executor=pool,
                progress=not no_progress,
                out_dir=out,
                command_line=shlex.join(command),
            ),
            lambda folder: execution.resume_command("sweep", folder, executor, address),
        )
    if summary.interrupted:
        execution.report_interrupted(
            summary, execution.resume_command("sweep", summary.folder, executor, address)
        )
    click.echo(f"Results: {summary.folder}  (samples.csv: the values of each sample)")
    execution.print_outcome(summary)
    execution.print_next("sweep", summary.folder)
    raise click.exceptions.Exit(summary.exit_code)
