"""What every ``sim`` command shares: exit codes, failing with a clean message, loading a scenario.

Exit codes (docs/reference.md): 0 done; 1 some runs failed (the rest are saved); 2 bad input
(scenario, option, path) with a one-line-per-error message on stderr and no traceback; 130
interrupted by Ctrl-C and 143 by SIGTERM during ``sim run`` or ``sim sweep`` (finished runs saved,
folder marked incomplete, ``--resume DIR`` finishes it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

import click

EXIT_BAD_INPUT = 2
EXIT_RUNS_FAILED = 1
EXIT_INTERRUPTED = 130


def fail(message: str) -> NoReturn:
    """Print ``message`` (one line per error) on stderr and exit with code 2."""
    for line in str(message).splitlines() or ["error"]:
        click.echo(line, err=True)
    raise click.exceptions.Exit(EXIT_BAD_INPUT)


def load(file: Path, overrides: Sequence[str], **kwargs: int | None):
    """Load a scenario or exit 2 with its error lines; print its warnings (it still runs)."""
    from sim.scenario import ScenarioError, load_scenario

    try:
        scenario = load_scenario(file, tuple(overrides), **kwargs)
    except ScenarioError as exc:
        fail(str(exc))
    for warning in scenario.warnings:
        click.echo(f"warning: {warning}", err=True)
    return scenario


class SimGroup(click.Group):
    """The ``sim`` group: every command's known errors end as clean messages, never tracebacks.

    A bad scenario, option or path (``ScenarioError``, ``ResultsError``, an ``OSError`` naming a
    path) exits 2; a result folder that could not be finished because writing failed mid-run
    (``ResultsWriteError``: disk full, permissions) exits 1, its folder marked incomplete; Ctrl-C
    anywhere exits 130 (never click's ``Aborted!`` with 1).
    """

    def invoke(self, ctx: click.Context):  # noqa: ANN201 - click's signature
        try:
            return self._invoke(ctx)
        except KeyboardInterrupt:  # click would print "Aborted!" and exit 1
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None

    def _invoke(self, ctx: click.Context):  # noqa: ANN202
        from sim.experiments.folder_layout import ResultsError, ResultsWriteError
        from sim.scenario.errors import ScenarioError

        try:
            return super().invoke(ctx)
        except ScenarioError as exc:
            fail(str(exc))
        except ResultsWriteError as exc:
            click.echo(f"error: {exc}", err=True)
            raise click.exceptions.Exit(EXIT_RUNS_FAILED) from None
        except ResultsError as exc:
            fail(str(exc))
        except OSError as exc:
            where = f"{exc.filename}: " if exc.filename is not None else ""
            fail(f"error: {where}{exc.strerror or exc}")
