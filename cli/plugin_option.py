"""The ``--plugin FILE`` option shared by every command that resolves behaviour rules.

Decorate a click command with :func:`plugin_option` and, before the command body runs, each named
file is imported (:func:`sim.behaviours.discovery.load_plugin_file`) and installed plugins are
loaded. A broken file stops the command with exit code 2 and a one-line message naming it; a broken
installed plugin prints a warning and is skipped. The command itself takes no ``plugins`` argument;
:func:`plugin_args` gives the options back for a recorded command line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from cli.common import EXIT_BAD_INPUT
from sim.behaviours.discovery import PluginError, broken_plugins, load_plugin_file

_META_KEY = "sim.plugins"


def plugin_option[F: Callable[..., object]](command: F) -> F:
    """Add a repeatable ``--plugin FILE`` option that loads rule files before the command runs."""
    return click.option(
        "--plugin",
        "plugins",
        multiple=True,
        metavar="FILE",
        type=click.Path(path_type=Path),
        callback=_load,
        expose_value=False,
        help="Python file registering behaviour rules (repeat); see docs/extending.md.",
    )(command)


def _load(ctx: click.Context, _param: click.Parameter, value: tuple[Path, ...]) -> None:
    for path in value:
        try:
            load_plugin_file(path)
        except PluginError as exc:
            click.echo(f"--plugin {exc}", err=True)
            raise click.exceptions.Exit(EXIT_BAD_INPUT) from None
    ctx.meta[_META_KEY] = [str(path) for path in value]
    for exc in broken_plugins().values():
        click.echo(f"warning: skipped {exc}", err=True)


def plugin_args(ctx: click.Context | None = None) -> list[str]:
    """``["--plugin", FILE, ...]`` as given to the current command (for a recorded command line)."""
    ctx = ctx or click.get_current_context()
    return [x for path in ctx.meta.get(_META_KEY, []) for x in ("--plugin", path)]
