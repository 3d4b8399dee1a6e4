"""``sim``: the command line. Thin click commands that parse, call the library and print.

Exit codes (CONTRACT.md): 0 done; 1 some runs failed (the rest are saved); 2 bad input (scenario,
option, path) with a one-line-per-error message on stderr and no traceback; 130 interrupted by
Ctrl-C during ``sim run`` (finished runs saved, folder marked incomplete).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import click

import sim

EXIT_BAD_INPUT = 2
LATER = "not implemented yet; it arrives in a later issue"


def _fail(message: str) -> NoReturn:
    """Print ``message`` (one line per error) on stderr and exit with code 2."""
    for line in str(message).splitlines() or ["error"]:
        click.echo(line, err=True)
    raise click.exceptions.Exit(EXIT_BAD_INPUT)


def _not_yet(command: str, hint: str) -> NoReturn:
    _fail(f"sim {command}: {LATER}. {hint}")


def _load(file: Path, overrides: Sequence[str], **kwargs: int | None):
    """Load a scenario or exit 2 with its error lines."""
    from sim.scenario import ScenarioError, load_scenario

    try:
        return load_scenario(file, tuple(overrides), **kwargs)
    except ScenarioError as exc:
        _fail(str(exc))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(sim.__version__, prog_name="sim")
def main() -> None:
    """Simulate vendor-partner channel programs: margin, trust, comp plans and engagement.

    Start with `sim new NAME` or copy a file from scenarios/, check it with `sim validate FILE`,
    then `sim run FILE`.
    """


# ----------------------------------------------------------------------------- run
@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
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
    "--workers", type=click.IntRange(min=1), help="Parallel processes (default: CPUs, up to runs)."
)
@click.option(
    "--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True
)
@click.option("--address", metavar="ADDR", help="Dask scheduler address (with --executor dask).")
@click.option("--plugin", "plugins", multiple=True, type=click.Path(path_type=Path), metavar="FILE")
@click.option("--no-progress", is_flag=True, help="No progress bar.")
def run(
    file: Path,
    replicates: int | None,
    seed: int | None,
    variants: tuple[str, ...],
    overrides: tuple[str, ...],
    out: Path | None,
    workers: int | None,
    executor: str,
    address: str | None,
    plugins: tuple[Path, ...],
    no_progress: bool,
) -> None:
    """Run every variant x replicate of FILE, write a result folder and its plots."""
    from analysis.plots import plot_results
    from sim.results import ResultsError
    from sim.runner import UnknownVariantError, plan_runs, run_scenario

    if executor == "dask":
        _fail("--executor dask: the dask executor is not available yet; use --executor local")
    if address:
        _fail("--address: only used with --executor dask")
    if plugins:
        _fail("--plugin: plugins arrive in a later version; register rules in a package instead")
    scenario = _load(file, overrides, seed=seed, replicates=replicates)
    try:
        n_runs = len(plan_runs(scenario, variants))
    except UnknownVariantError as exc:
        _fail(f"--variant: {exc}")
    if workers is None:
        workers = max(1, min(os.cpu_count() or 1, n_runs))
    _check_memory(scenario, min(workers, n_runs))
    command = ["sim", "run", str(file)]
    for flag, value in (("--replicates", replicates), ("--seed", seed), ("--out", out)):
        command += [flag, str(value)] if value is not None else []
    command += [x for v in variants for x in ("--variant", v)]
    command += [x for o in overrides for x in ("--set", o)]
    try:
        summary = run_scenario(
            scenario,
            variants=variants or None,
            workers=workers,
            progress=not no_progress,
            out_dir=out,
            command_line=shlex.join(command),
        )
    except ResultsError as exc:
        _fail(str(exc))

    folder = summary.folder
    if summary.interrupted:
        click.echo(
            f"Interrupted: {summary.count('ok')} of {len(summary.records)} runs finished and are "
            f"saved in {folder} (manifest status: incomplete).",
            err=True,
        )
        raise click.exceptions.Exit(summary.exit_code)
    click.echo(f"Results: {folder}")
    click.echo(
        f"  {summary.count('ok')} runs ok, {summary.count('failed')} failed "
        f"(status: {summary.status})"
    )
    _print_failures(summary.failed, folder)
    exit_code = summary.exit_code
    if summary.count("ok"):
        _print_revenue_table(summary.summary, scenario)
        try:
            plots = plot_results(folder)
        except Exception as exc:  # the results are saved; say what went wrong with the plots
            click.echo(f"error: plots failed: {type(exc).__name__}: {exc}", err=True)
            exit_code = max(exit_code, 1)
        else:
            click.echo(f"Plots: {folder / 'plots'} ({', '.join(p.name for p in plots)})")
    raise click.exceptions.Exit(exit_code)


def _check_memory(scenario, workers: int) -> None:
    """Exit 2 when the run's estimated memory exceeds the memory available (sim.memory)."""
    from sim.memory import MemoryLimitError, check_memory

    try:
        check_memory(list(scenario.variants.values()), workers)
    except MemoryLimitError as exc:
        _fail(f"sim run: {exc}")


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
    from sim import scenario as scenarios
    from sim.config import NAME_PATTERN

    if not re.fullmatch(NAME_PATTERN, name):
        _fail(
            f"NAME {name!r}: use letters, digits, '_', '.' or '-', starting with a letter or digit"
        )
    path = out or Path(f"{name}.yaml")
    if path.exists():
        _fail(f"{path}: file exists; not overwriting it (choose another NAME or --out FILE)")
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(scenarios.starter_scenario(name))
    except OSError as exc:
        _fail(f"{path}: cannot write: {exc.strerror}")
    click.echo(f"Wrote {path}. Next: sim validate {path} && sim run {path}")


@main.command()
def behaviours() -> None:
    """List registered behaviour rules, their versions and parameters."""
    from rich.console import Console
    from rich.table import Table

    from sim.behaviours.registry import all_rules

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)
    table = Table(show_lines=True, title="Behaviour rules (scenario: behaviours.<slot>.rule)")
    for column in ("slot", "rule", "summary", "parameters (default)"):
        table.add_column(column, overflow="fold")
    for spec in all_rules():
        params = "\n".join(f"{k} = {p['default']!r}" for k, p in spec.parameters().items())
        origin = "" if spec.origin == "built-in" else f"\n({spec.origin})"
        table.add_row(spec.slot, spec.id + origin, spec.summary, params or "-")
    console.print(table)


# ----------------------------------------------------------------------------- later issues
@main.command()
@click.argument("sources", nargs=-1, required=True, metavar="DIR_OR_FILE...")
@click.option("--metric", "-m", metavar="M")
@click.option("--out", type=click.Path(path_type=Path))
def compare(sources: tuple[str, ...], metric: str | None, out: Path | None) -> None:
    """Overlay variants or result folders (fan charts, difference table)."""
    _not_yet("compare", "Meanwhile the plots of one result folder overlay its variants.")


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--method", metavar="M")
@click.option("--samples", type=int)
@click.option("--out", type=click.Path(path_type=Path))
@click.option("--resume", is_flag=True)
def sweep(
    file: Path, method: str | None, samples: int | None, out: Path | None, resume: bool
) -> None:
    """Run the scenario's parameter sweep."""
    _not_yet("sweep", "Meanwhile use sim run with --set PATH=VALUE for single points.")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
def sensitivity(folder: Path) -> None:
    """Sobol or Morris indices from a sweep folder."""
    _not_yet("sensitivity", "It needs sim sweep, which also arrives later.")


@main.command()
@click.argument("folder", type=click.Path(path_type=Path), metavar="DIR")
def report(folder: Path) -> None:
    """One self-contained HTML report of a result folder."""
    _not_yet("report", "Meanwhile see DIR/plots/*.png and DIR/summary.csv.")


if __name__ == "__main__":
    main()
