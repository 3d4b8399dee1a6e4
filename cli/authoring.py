"""``sim validate``, ``sim new`` and ``sim behaviours``: writing and checking scenarios, and the
behaviour rules they can name."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import fail, load
from cli.plugin_option import plugin_option


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--set", "overrides", multiple=True, metavar="PATH=VALUE", help="Override a key.")
@plugin_option
def validate(file: Path, overrides: tuple[str, ...]) -> None:
    """Check FILE without running it."""
    scenario = load(file, overrides)
    base = next(iter(scenario.variants.values()))
    names = ", ".join(scenario.variants)
    count = len(scenario.warnings)
    warned = f" with {count} warning{'s' * (count != 1)} (above)" if count else ""
    click.echo(
        f"OK{warned}: {scenario.name}: {_count(len(scenario.variants), 'variant')} ({names}), "
        f"{_count(len(base.vendors), 'vendor')}, {_count(base.partners.count, 'partner')}, "
        f"{_count(base.time.horizon_months, 'month')}"
    )


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


@click.command()
@click.argument("name")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Default: NAME.yaml")
def new(name: str, out: Path | None) -> None:
    """Write a commented starter scenario called NAME."""
    from sim.scenario.names import name_problem
    from sim.scenario.starter import starter_scenario

    problem = name_problem(name)
    if problem:
        fail(f"NAME {name!r}: {problem}")
    path = out or Path(f"{name}.yaml")
    if path.exists():
        fail(f"{path}: file exists; not overwriting it (choose another NAME or --out FILE)")
    try:
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(starter_scenario(name))
    except OSError as exc:
        fail(f"{path}: cannot write: {exc.strerror}")
    click.echo(f"Wrote {path}. Next: sim validate {path} && sim run {path}")


@click.command()
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
        fail(f"error: installed plugins failed to load (see the warnings): {', '.join(broken)}")
