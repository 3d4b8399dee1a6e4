"""``sim dashboard``: the what-if page (Solara) on localhost; see docs/dashboard.md."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import fail
from cli.execution import MAX_WORKERS
from cli.plugin_option import plugin_option

INSTALL_HINT = "pip install 'channel-sim[dashboard]'  (make run installs it in .venv)"


@click.command()
@click.argument("sources", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--port", type=click.IntRange(1, 65535), default=8765, show_default=True)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; the default keeps the page on this machine.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1, max=MAX_WORKERS),
    help="Processes for the runs (default: CPUs).",
)
@click.option(
    "--quick",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Replicates of the first answer, before the scenario's full count.",
)
@plugin_option
def dashboard(
    sources: tuple[Path, ...], port: int, host: str, workers: int | None, quick: int
) -> None:
    """Open a what-if page for a scenario FILE, with result folders beside it.

    Variants overlaid with 5-95% bands, each with its paired difference from base and a 90%
    interval; edit the focus vendor's change, run in the background, save as a scenario or a
    result folder. `sim dashboard scenarios/margin-cut.yaml`, then open the address it prints.
    """
    try:
        import solara  # noqa: F401
    except ImportError:
        fail(f"sim dashboard needs Solara, which is not installed: {INSTALL_HINT}")
    from workbench.dashboard.server import DashboardError, check_port, serve
    from workbench.dashboard.server import sources as read_sources

    try:
        scenario, saved, notes = read_sources(sources)
        check_port(host, port)
    except DashboardError as exc:
        fail(str(exc))
    try:
        serve(
            scenario, saved, host=host, port=port, workers=workers, quick=quick, notes=notes,
            announce=click.echo,
        )  # fmt: skip
    except KeyboardInterrupt:  # Ctrl-C while starting
        pass
    click.echo("Dashboard stopped.")
