"""``sim``: the command line. Thin click commands that parse, call the library and print, one
module per verb family; exit codes and error handling in :mod:`cli.common`.
"""

from __future__ import annotations

import signal
import threading


def _exit_130(signum: int, frame: object) -> None:
    raise SystemExit(130)  # quietly: Ctrl-C while the command line loads is not an error


# Ctrl-C while the modules below load exits 130 without a traceback; from then on SimGroup turns
# it into exit 130 and the runner saves finished runs (a test process keeps its own handler).
_main_thread = threading.current_thread() is threading.main_thread()
_previous = signal.signal(signal.SIGINT, _exit_130) if _main_thread else None
try:
    import click

    import sim
    from cli import analyse, authoring, calibrate, check_facts, dashboard, history, run, sweep
    from cli.common import SimGroup
finally:
    if _main_thread:
        signal.signal(signal.SIGINT, _previous if _previous is not None else signal.SIG_DFL)


@click.group(cls=SimGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(sim.__version__, prog_name="sim")
def main() -> None:
    """Simulate vendor-partner channel programs: margin, trust, comp plans and engagement.

    Start with `sim new NAME` or copy a file from scenarios/, check it with `sim validate FILE`,
    then `sim run FILE`.
    """


main.add_command(run.run)
main.add_command(sweep.sweep)
main.add_command(analyse.compare)
main.add_command(analyse.sensitivity)
main.add_command(analyse.report)
main.add_command(analyse.plot)
main.add_command(authoring.validate)
main.add_command(authoring.new)
main.add_command(authoring.behaviours)
main.add_command(check_facts.check_facts)
main.add_command(dashboard.dashboard)
main.add_command(history.history)
main.add_command(calibrate.calibrate)

__all__ = ["main"]
