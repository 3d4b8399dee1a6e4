"""``sim``: the command line. Thin click commands that parse, call the library and print.

Exit codes (CONTRACT.md): 0 done; 1 some runs failed (the rest are saved); 2 bad input (scenario,
option, path) with a one-line-per-error message on stderr and no traceback; 130 interrupted by
Ctrl-C and 143 by SIGTERM during ``sim run`` or ``sim sweep`` (finished runs saved, folder marked
incomplete, ``--resume DIR`` finishes it).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import click

import sim
from cli.plugin_option import plugin_args, plugin_option

EXIT_BAD_INPUT = 2
EXIT_RUNS_FAILED = 1
MAX_WORKERS = 1024
"""Most worker processes ``--workers`` accepts; far beyond any one machine's cores."""


def _fail(message: str) -> NoReturn:
    """Print ``message`` (one line per error) on stderr and exit with code 2."""
    for line in str(message).splitlines() or ["error"]:
        click.echo(line, err=True)
    raise click.exceptions.Exit(EXIT_BAD_INPUT)


def _load(file: Path, overrides: Sequence[str], **kwargs: int | None):
    """Load a scenario or exit 2 with its error lines."""
    from sim.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(file, tuple(overrides), **kwargs)
    except ScenarioError as exc:
        _fail(str(exc))


class _Sim(click.Group):
    """The ``sim`` group: every command's known errors end as clean messages, never tracebacks.

    A bad scenario, option or path (``ScenarioError``, ``ResultsError``, an ``OSError`` naming a
    path) exits 2; a result folder that could not be finished because writing failed mid-run
    (``ResultsWriteError``: disk full, permissions) exits 1, its folder marked incomplete.
    """

    def invoke(self, ctx: click.Context):  # noqa: ANN201 - click's signature
        from sim.experiments.folder_layout import ResultsError, ResultsWriteError
        from sim.scenario.errors import ScenarioError

        try:
            return super().invoke(ctx)
        except ScenarioError as exc:
            _fail(str(exc))
        except ResultsWriteError as exc:
            click.echo(f"error: {exc}", err=True)
            raise click.exceptions.Exit(EXIT_RUNS_FAILED) from None
        except ResultsError as exc:
            _fail(str(exc))
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename is not None else ""
            _fail(f"error: {where}{exc.strerror or exc}")


@click.group(cls=_Sim, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(sim.__version__, prog_name="sim")
def main() -> None:
    """Simulate vendor-partner channel programs: margin, trust, comp plans and engagement.

    Start with `sim new NAME` or copy a file from scenarios/, check it with `sim validate FILE`,
    then `sim run FILE`.
    """


# ----------------------------------------------------------------------------- run
def _executor_options(command):
    """``--workers``, ``--executor``, ``--address`` and ``--no-progress``, shared by run and sweep."""
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
def _executor(kind: str, address: str | None):
    """The executor of ``--executor``: None for the local pool, or a Dask cluster's executor."""
    if kind == "local":
        if address:
            _fail("--address: only used with --executor dask")
        yield None
        return
    if not address:
        _fail("--executor dask: give the scheduler with --address tcp://HOST:PORT")
    from sim.experiments.executors import ExecutorError, dask_executor

    try:
        manager = dask_executor(address)
        executor = manager.__enter__()
    except ExecutorError as exc:
        _fail(str(exc))
    try:
        yield executor
    except BaseException:
        if not manager.__exit__(*sys.exc_info()):
            raise
    else:
        manager.__exit__(None, None, None)


def _execute(call, resume_hint: str):
    """Run ``call()`` (the runner saves finished runs on Ctrl-C/SIGTERM); a Ctrl-C outside the
    runs (while creating the folder) exits 130 without a traceback."""
    try:
        return call()
    except KeyboardInterrupt:
        click.echo(f"Interrupted while saving; finish with: {resume_hint}", err=True)
        raise click.exceptions.Exit(130) from None


def _report_interrupted(summary, resume_command: str) -> NoReturn:
    how = "SIGTERM" if summary.terminated else "Ctrl-C"
    click.echo(
        f"Interrupted: {summary.count('ok')} of {len(summary.records)} runs finished and are "
        f"saved in {summary.folder} (manifest status: incomplete; stopped by {how}).",
        err=True,
    )
    click.echo(f"Resume with: {resume_command}", err=True)
    raise click.exceptions.Exit(summary.exit_code)


def _resume_command(command: str, folder: Path, executor: str, address: str | None) -> str:
    words = ["sim", command, "--resume", str(folder), *plugin_args()]  # its rules are needed again
    if executor == "dask" and address:
        words += ["--executor", "dask", "--address", address]
    return shlex.join(words)


def _resume(command: str, folder: Path, workers, executor, address, no_progress, given) -> None:
    """``sim run/sweep --resume DIR``: finish an interrupted folder, print the outcome, exit."""
    from sim.experiments.resume import ResumeError, resume_folder
    from sim.scenario import ScenarioError

    clashes = [flag for flag, value in given.items() if value]
    if clashes:
        _fail(
            f"--resume: cannot be combined with {', '.join(clashes)}; the scenario, design and "
            f"seeds are read from {folder}"
        )
    hint = _resume_command(command, folder, executor, address)
    with _executor(executor, address) as pool:
        try:
            summary = _execute(
                lambda: resume_folder(
                    folder,
                    command,
                    workers=workers or (os.cpu_count() or 1),
                    executor=pool,
                    progress=not no_progress,
                    command_line=hint,
                ),
                hint,
            )
        except (ResumeError, ScenarioError) as exc:
            _fail(str(exc))
    if summary.interrupted:
        _report_interrupted(summary, hint)
    click.echo(f"Resumed: {folder}")
    _print_outcome(summary)
    _print_next(command, folder)
    exit_code = summary.exit_code
    if command == "run" and summary.count("ok"):
        exit_code = max(exit_code, _plot(folder))
    raise click.exceptions.Exit(exit_code)


def _plot(folder: Path) -> int:
    """Write the plots of a run folder and say where; 1 if plotting failed (results are saved)."""
    from analysis.plots import plot_results

    try:
        plots = plot_results(folder)
    except Exception as exc:  # the results are saved; say what went wrong with the plots
        click.echo(f"error: plots failed: {type(exc).__name__}: {exc}", err=True)
        return 1
    click.echo(f"Plots: {folder / 'plots'} ({', '.join(p.name for p in plots)})")
    return 0


def _print_outcome(summary) -> None:
    click.echo(
        f"  {summary.count('ok')} runs ok, {summary.count('failed')} failed "
        f"(status: {summary.status})"
    )
    _print_failures(summary.failed, summary.folder)


def _print_next(command: str, folder: Path) -> None:
    if command == "sweep":
        click.echo(f"Next: sim sensitivity {folder}   and   sim report {folder}")


@main.command()
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
@_executor_options
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
) -> None:
    """Run every variant x replicate of FILE, write a result folder and its plots.

    Ctrl-C (exit 130) or SIGTERM (exit 143) saves the finished runs; `sim run --resume DIR`
    runs the rest.
    """
    from sim.experiments.runner import UnknownVariantError, plan_runs, run_scenario

    if resume is not None:
        given = {
            "FILE": file, "--replicates": replicates, "--seed": seed, "--variant": variants,
            "--set": overrides, "--out": out,
        }  # fmt: skip
        _resume("run", resume, workers, executor, address, no_progress, given)
    if file is None:
        _fail("Missing argument FILE (or --resume DIR to finish an interrupted folder)")
    scenario = _load(file, overrides, seed=seed, replicates=replicates)
    try:
        n_runs = len(plan_runs(scenario, variants))
    except UnknownVariantError as exc:
        _fail(f"--variant: {exc}")
    workers = max(1, min(workers or os.cpu_count() or 1, n_runs))
    if executor == "local":  # a cluster's workers have their own memory
        _check_memory("sim run", list(scenario.variants.values()), workers)
    command = ["sim", "run", str(file)]
    for flag, value in (("--replicates", replicates), ("--seed", seed), ("--out", out)):
        command += [flag, str(value)] if value is not None else []
    command += [x for v in variants for x in ("--variant", v)]
    command += [x for o in overrides for x in ("--set", o)] + plugin_args()
    command += ["--engine", engine] if engine != "population" else []
    with _executor(executor, address) as pool:
        summary = _execute(  # a folder or write problem is reported by _Sim.invoke
            lambda: run_scenario(
                scenario,
                variants=variants or None,
                workers=workers,
                executor=pool,
                progress=not no_progress,
                out_dir=out,
                command_line=shlex.join(command),
                engine=engine,
            ),
            "sim run --resume <folder>",
        )

    folder = summary.folder
    if summary.interrupted:
        _report_interrupted(summary, _resume_command("run", folder, executor, address))
    click.echo(f"Results: {folder}")
    _print_outcome(summary)
    exit_code = summary.exit_code
    if summary.count("ok"):
        _print_revenue_table(summary.summary, scenario)
        exit_code = max(exit_code, _plot(folder))
    raise click.exceptions.Exit(exit_code)


def _check_memory(command: str, configs: list, workers: int) -> None:
    """Exit 2 when the runs' estimated memory exceeds the memory available (sim.experiments.memory_guard)."""
    from sim.experiments.memory_guard import MemoryLimitError, check_memory

    try:
        check_memory(configs, workers)
    except MemoryLimitError as exc:
        _fail(f"{command}: {exc}")


def _print_failures(failed: Sequence, folder: Path, limit: int = 5) -> None:
    for record in failed[:limit]:
        click.echo(
            f"  failed: {record.variant} replicate {record.replicate}: {record.error}", err=True
        )
    if len(failed) > limit:
        click.echo(f"  ... and {len(failed) - limit} more", err=True)
    if failed:
        click.echo(f"  tracebacks are in {folder / 'manifest.json'}", err=True)


def _print_revenue_table(summary, scenario) -> None:
    """Mean cumulative channel revenue per vendor (rows) and variant (columns)."""
    from analysis.plots import format_currency

    rows = summary[summary["metric"] == "channel_revenue"]
    variants = list(dict.fromkeys(rows["variant"]))
    vendors = list(dict.fromkeys(rows["vendor"]))
    value = {(r.variant, r.vendor): r.mean for r in rows.itertuples()}
    n = {r.variant: r.n for r in rows.itertuples()}
    horizon = next(iter(scenario.variants.values())).time.horizon_months
    click.echo(f"Mean cumulative channel revenue over {horizon} months:")
    header = ["vendor", *(f"{v} (n={n[v]})" for v in variants)]
    table = [header] + [
        [
            vendor,
            *(format_currency(value.get((v, vendor), float("nan")), digits=3) for v in variants),
        ]
        for vendor in vendors
    ]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        click.echo("  " + "  ".join(cells))


# ----------------------------------------------------------------------------- validate, new
@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a key.")
@plugin_option
def validate(file: Path, overrides: tuple[str, ...]) -> None:
    """Check FILE without running it."""
    scenario = _load(file, overrides)
    base = next(iter(scenario.variants.values()))
    names = ", ".join(scenario.variants)
    click.echo(
        f"OK: {scenario.name}: {len(scenario.variants)} variants ({names}), "
        f"{len(base.vendors)} vendors, {base.partners.count} partners, "
        f"{base.time.horizon_months} months"
    )


@main.command()
@click.argument("name")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Default: NAME.yaml")
def new(name: str, out: Path | None) -> None:
    """Write a commented starter scenario called NAME."""
    from sim.scenario.names import name_problem
    from sim.scenario.starter import starter_scenario

    problem = name_problem(name)
    if problem:
        _fail(f"NAME {name!r}: {problem}")
    path = out or Path(f"{name}.yaml")
    if path.exists():
        _fail(f"{path}: file exists; not overwriting it (choose another NAME or --out FILE)")
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(starter_scenario(name))
    except OSError as exc:
        _fail(f"{path}: cannot write: {exc.strerror}")
    click.echo(f"Wrote {path}. Next: sim validate {path} && sim run {path}")


@main.command()
@plugin_option
def behaviours() -> None:
    """List registered behaviour rules: slot, name@version, origin, forms, summary, parameters.

    Exits 2 after the listing if an installed plugin failed to load.
    """
    from rich.console import Console
    from rich.table import Table

    from sim.behaviours.discovery import broken_plugins
    from sim.behaviours.registry import all_rules

    console = Console()
    if not console.is_terminal:
        console = Console(width=180)
    table = Table(show_lines=True, title="Behaviour rules (scenario: behaviours.<slot>.rule)")
    for column in ("slot", "rule", "origin", "forms", "summary", "parameters (default)"):
        table.add_column(column, overflow="fold")
    for spec in all_rules():
        params = "\n".join(f"{k} = {p['default']!r}" for k, p in spec.parameters().items())
        forms = ", ".join(sorted(spec.forms))
        table.add_row(spec.slot, spec.id, spec.origin, forms, spec.summary, params or "-")
    console.print(table)
    broken = broken_plugins()
    if broken:
        _fail(f"error: installed plugins failed to load (see the warnings): {', '.join(broken)}")


# ----------------------------------------------------------------------------- check-facts
@main.command("check-facts")
@click.option("--quick", is_flag=True, help="Fewer replicates and draws (a few minutes).")
@click.option("--replicates", type=click.IntRange(min=2), help="Paired replicates, shipped.")
@click.option("--draws", type=click.IntRange(min=0), help="Latin hypercube parameter draws.")
@click.option("--draw-replicates", type=click.IntRange(min=2), help="Paired replicates per draw.")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results/validation"),
    show_default=True,
    help="Per-run measures; a rerun reuses what is saved here.",
)
@click.option(
    "--docs",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where validation.md and validation/*.png go [default: docs, or OUT/quick with --quick].",
)
def check_facts(
    quick: bool,
    replicates: int | None,
    draws: int | None,
    draw_replicates: int | None,
    workers: int,
    out: Path,
    docs: Path | None,
) -> None:
    """Check the stylized facts on the shipped scenarios and over plausible parameter draws."""
    import dataclasses
    import time

    from analysis.validation import draw_fractions, write_report
    from sim.validation.check_facts import ValidationPlan, run_validation

    plan = ValidationPlan.quick() if quick else ValidationPlan()
    sizes = {"replicates": replicates, "draws": draws, "draw_replicates": draw_replicates}
    plan = dataclasses.replace(plan, **{k: v for k, v in sizes.items() if v is not None})
    folder = out / ("full" if plan == ValidationPlan() else "quick" if quick else "custom")
    docs = docs or (Path("docs") if folder.name == "full" else folder)
    messages: list[str] = []

    def say(message: str) -> None:
        messages.append(message)
        click.echo(message)

    start = time.perf_counter()
    run_validation(plan, folder, workers, progress=say)
    minutes = (time.perf_counter() - start) / 60
    timing = f"Last run: {minutes:.1f} minutes with {workers} workers ({messages[0]})."
    evals = write_report(folder, docs, timing)
    for fact, (held, total) in draw_fractions(evals).items():
        click.echo(f"fact {fact}: holds in {held}/{total} draws")
    click.echo(f"written: {docs / 'validation.md'}")


# ----------------------------------------------------------------------------- analysis
@main.command()
@click.argument("sources", nargs=-1, required=True, metavar="DIR_OR_FILE...")
@click.option(
    "--metric",
    "-m",
    "metrics",
    multiple=True,
    metavar="M",
    help="Metric to compare (repeat). Default: channel_revenue, vendor_net_revenue, "
    "attention_share, mean_trust.",
)
@click.option("--months", metavar="A:B", help="Only months A to B (inclusive), e.g. 24:48.")
@click.option(
    "--out", type=click.Path(path_type=Path), help="Output folder (default: FIRST_DIR/compare)."
)
def compare(
    sources: tuple[str, ...], metrics: tuple[str, ...], months: str | None, out: Path | None
) -> None:
    """Compare the variants of one result folder, or several result folders.

    One folder: each variant against base. Several (e.g. an old and a new run): each folder's
    variants against the same variant of the first folder. A scenario FILE stands for its newest
    folder under results/. Writes fan charts, difference plots and comparison.csv (means and
    paired differences with 90% confidence intervals) and prints the table.
    """
    from analysis.compare import (
        DEFAULT_METRICS,
        CompareError,
        build_comparison,
        output_folder,
        parse_window,
    )
    from analysis.compare_plots import write_comparison
    from analysis.console import print_comparison
    from analysis.sources import open_source
    from sim.experiments.folder_layout import ResultsError

    try:
        window = parse_window(months)
        results = [open_source(source) for source in sources]
        comparison = build_comparison(results, metrics or DEFAULT_METRICS, window)
        folder = output_folder(results[0].path, out)
    except (CompareError, ResultsError) as exc:
        _fail(str(exc))
    table, files = write_comparison(comparison, folder)
    print_comparison(comparison, table)
    for result in results:
        if result.status != "complete":
            click.echo(f"note: {result.path} is {result.status}; only its finished runs count")
    click.echo(f"Comparison: {folder} ({', '.join(p.name for p in files)})")


@main.command()
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
@_executor_options
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
            _fail("--resume: give the folder, --resume DIR")
        folder = Path(resume) if resume else out
        given = {
            "--method": method, "--samples": samples, "--replicates": replicates, "--seed": seed,
            "--set": overrides, "--out": out if resume else None,
        }  # fmt: skip
        _resume("sweep", folder, workers, executor, address, no_progress, given)
    if file is None:
        _fail("Missing argument FILE (or --resume DIR to finish an interrupted sweep)")
    scenario = _load(file, overrides, seed=seed, replicates=replicates)
    try:
        plan = plan_sweep(scenario, method=method, samples=samples)
    except NoSweepError as exc:
        _fail(str(exc))
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
        _check_memory("sim sweep", [scenario.variants["base"]], workers)
    command = ["sim", "sweep", str(file)]
    for flag, value in (
        ("--method", method), ("--samples", samples), ("--replicates", replicates),
        ("--seed", seed), ("--out", out),
    ):  # fmt: skip
        command += [flag, str(value)] if value is not None else []
    command += [x for o in overrides for x in ("--set", o)] + plugin_args()
    with _executor(executor, address) as pool:
        summary = _execute(  # a folder or write problem is reported by _Sim.invoke
            lambda: run_sweep(
                plan,
                workers=workers,
                executor=pool,
                progress=not no_progress,
                out_dir=out,
                command_line=shlex.join(command),
            ),
            "sim sweep --resume <folder>",
        )
    if summary.interrupted:
        _report_interrupted(summary, _resume_command("sweep", summary.folder, executor, address))
    click.echo(f"Results: {summary.folder}  (samples.csv: the values of each sample)")
    _print_outcome(summary)
    _print_next("sweep", summary.folder)
    raise click.exceptions.Exit(summary.exit_code)


@main.command()
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
def sensitivity(
    folder: Path, outcomes: tuple[str, ...], vendors: tuple[str, ...], colour_by: str | None
) -> None:
    """Sensitivity indices of a sweep folder: Sobol (sobol sweeps), Morris (morris sweeps) or
    Borgonovo delta (lhs, random, grid), with 90% intervals.

    Writes DIR/sensitivity/: sensitivity.csv, sensitivity.png, outcomes.csv, tradeoff.png.
    """
    from analysis.console import print_indices
    from analysis.sensitivity import DESCRIPTION, METHOD_OF
    from analysis.sensitivity_plots import write_sensitivity
    from analysis.sweeps import load_sweep
    from sim.experiments.folder_layout import ResultsError

    try:
        sweep = load_sweep(folder)
        table, files = write_sensitivity(
            sweep, outcomes or ("channel_revenue",), vendors, colour_by
        )
    except ResultsError as exc:
        _fail(str(exc))
    method = METHOD_OF[sweep.method]
    click.echo(f"{sweep.method} sweep, {len(sweep.samples)} samples: {DESCRIPTION[method]}")
    if sweep.results.status != "complete":
        click.echo(f"note: {folder} is {sweep.results.status}; only its finished runs count")
    print_indices(table, method)
    click.echo(f"Sensitivity: {files[0].parent} ({', '.join(p.name for p in files)})")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Default: DIR/report.html."
)
def report(folder: Path, out: Path | None) -> None:
    """One self-contained HTML report of a result or sweep folder (plots embedded; no network).

    Headline, levers, plots, the comparison table with 90% intervals, run status and how to
    reproduce; for a sweep, sensitivity indices and the trade-off scatter.
    """
    from analysis.report import write_report
    from sim.experiments.folder_layout import ResultsError

    if out is not None and out.parent and not out.parent.is_dir():
        _fail(f"--out {out}: folder {out.parent} does not exist")
    try:
        path = write_report(folder, out)
    except ResultsError as exc:
        _fail(str(exc))
    click.echo(f"Report: {path}")


if __name__ == "__main__":
    main()
