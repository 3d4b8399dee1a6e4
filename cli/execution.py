"""What ``sim run`` and ``sim sweep`` share: the executor options, Ctrl-C and SIGTERM handling,
``--resume DIR``, the memory guard and the lines that report how the runs went."""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import click

from cli.common import fail
from cli.plugin_option import plugin_args

MAX_WORKERS = 1024
"""Most worker processes ``--workers`` accepts; far beyond any one machine's cores."""


def executor_options(command):
    """``--workers``, ``--executor``, ``--address``, ``--no-progress``: shared by run and sweep."""
    options = [
        click.option(
            "--workers",
            type=click.IntRange(min=1, max=MAX_WORKERS),
            help="Parallel processes (default: CPUs, up to runs).",
        ),
        click.option(
            "--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True
        ),
        click.option(
            "--address", metavar="ADDR", help="Dask scheduler, tcp://HOST:PORT (--executor dask)."
        ),
        click.option("--no-progress", is_flag=True, help="No progress bar."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@contextlib.contextmanager
def executor_pool(kind: str, address: str | None):
    """The executor of ``--executor``: None for the local pool, or a Dask cluster's executor."""
    if kind == "local":
        if address:
            fail("--address: only used with --executor dask")
        yield None
        return
    if not address:
        fail("--executor dask: give the scheduler with --address tcp://HOST:PORT")
    from sim.experiments.executors import ExecutorError, dask_executor

    try:
        manager = dask_executor(address)
        executor = manager.__enter__()
    except ExecutorError as exc:
        fail(str(exc))
    try:
        yield executor
    except BaseException:
        if not manager.__exit__(*sys.exc_info()):
            raise
    else:
        manager.__exit__(None, None, None)


def execute(call, resume_hint):
    """Run ``call()`` (the runner saves finished runs on Ctrl-C/SIGTERM). A Ctrl-C or SIGTERM
    after the runs, while the files or plots are written, exits 130 (143) with the command that
    finishes the folder, ``resume_hint(folder)``; one before the folder exists exits 130 too."""
    from sim.experiments.runner import FolderInterrupted

    try:
        return call()
    except FolderInterrupted as exc:
        click.echo(
            f"Interrupted while saving: {exc.folder} is incomplete; finish it with: "
            f"{resume_hint(exc.folder)}",
            err=True,
        )
        raise click.exceptions.Exit(143 if exc.terminated else 130) from None
    except KeyboardInterrupt:
        click.echo("Interrupted before the runs started; nothing was written.", err=True)
        raise click.exceptions.Exit(130) from None


def report_interrupted(summary, resume_command: str) -> NoReturn:
    how = "SIGTERM" if summary.terminated else "Ctrl-C"
    click.echo(
        f"Interrupted: {summary.count('ok')} of {len(summary.records)} runs finished and are "
        f"saved in {summary.folder} (manifest status: incomplete; stopped by {how}).",
        err=True,
    )
    click.echo(f"Resume with: {resume_command}", err=True)
    raise click.exceptions.Exit(summary.exit_code)


def resume_command(command: str, folder: Path, executor: str, address: str | None) -> str:
    words = ["sim", command, "--resume", str(folder), *plugin_args()]  # its rules are needed again
    if executor == "dask" and address:
        words += ["--executor", "dask", "--address", address]
    return shlex.join(words)


def resume_interrupted(
    command: str, folder: Path, workers, executor, address, no_progress, given
) -> None:
    """``sim run/sweep --resume DIR``: finish an interrupted folder, print the outcome, exit."""
    from sim.experiments.resume import AlreadyComplete, ResumeError, resume_folder
    from sim.scenario import ScenarioError

    clashes = [flag for flag, value in given.items() if value]
    if clashes:
        fail(
            f"--resume: cannot be combined with {', '.join(clashes)}; the scenario, design and "
            f"seeds are read from {folder}"
        )
    hint = resume_command(command, folder, executor, address)
    with executor_pool(executor, address) as pool:
        try:
            summary = execute(
                lambda: resume_folder(
                    folder,
                    command,
                    workers=workers or (os.cpu_count() or 1),
                    executor=pool,
                    progress=not no_progress,
                    command_line=hint,
                    draw=draw_plots,
                ),
                lambda _folder: hint,
            )
        except AlreadyComplete as exc:
            click.echo(str(exc))
            raise click.exceptions.Exit(0) from None
        except (ResumeError, ScenarioError) as exc:
            fail(str(exc))
    if summary.interrupted:
        report_interrupted(summary, hint)
    click.echo(f"Resumed: {folder}")
    print_outcome(summary)
    print_plots(summary)
    print_next(command, folder)
    raise click.exceptions.Exit(summary.exit_code)


def draw_plots(folder: Path) -> list[Path]:
    """The plots of a run folder (:func:`analysis.plots.plot_results`), drawn by the runner once
    every run has finished: the folder is complete only with them."""
    from analysis.plots import plot_results

    return plot_results(folder)


def print_plots(summary) -> None:
    """Where the plots went, or why they are missing and how to draw them."""
    if summary.plot_error:
        click.echo(
            f"error: plots failed: {summary.plot_error}; the results are saved, the folder stays "
            f"incomplete until its plots are drawn: sim plot {summary.folder}",
            err=True,
        )
    elif summary.plots:
        names = ", ".join(p.name for p in summary.plots)
        click.echo(f"Plots: {summary.folder / 'plots'} ({names})")


def print_outcome(summary) -> None:
    click.echo(
        f"  {summary.count('ok')} runs ok, {summary.count('failed')} failed "
        f"(status: {summary.status})"
    )
    _print_failures(summary.failed, summary.folder)


def print_next(command: str, folder: Path) -> None:
    if command == "sweep":
        click.echo(f"Next: sim sensitivity {folder}   and   sim report {folder}")


def guard_memory(command: str, configs: list, workers: int) -> None:
    """Exit 2 when the runs' estimated memory exceeds the memory available
    (:mod:`sim.experiments.memory_guard`)."""
    from sim.experiments.memory_guard import MemoryLimitError, check_memory

    try:
        check_memory(configs, workers)
    except MemoryLimitError as exc:
        fail(f"{command}: {exc}")


def _print_failures(failed: Sequence, folder: Path, limit: int = 5) -> None:
    for record in failed[:limit]:
        click.echo(
            f"  failed: {record.variant} replicate {record.replicate}: {record.error}", err=True
        )
    if len(failed) > limit:
        click.echo(f"  ... and {len(failed) - limit} more", err=True)
    if failed:
        click.echo(f"  tracebacks are in {folder / 'manifest.json'}", err=True)
