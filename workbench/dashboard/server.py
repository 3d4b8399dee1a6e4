"""Starting the dashboard: what the arguments name, then a Solara server on localhost.

``sim dashboard [FILE_OR_RESULT_DIR...]`` takes at most one scenario file (the variants the page
starts with) and any number of result folders (shown beside the live runs, read-only). With
folders only, the first folder's ``scenario.resolved.yaml`` is the scenario; with nothing,
``scenarios/baseline.yaml``. The server binds to 127.0.0.1 unless told otherwise, sends nothing
anywhere (Solara's usage statistics are turned off, its scripts come from ``solara-assets``), and
stops on Ctrl-C, ending its worker processes.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
from collections.abc import Sequence
from pathlib import Path

from sim.experiments.folder_layout import MANIFEST_FILE, RESOLVED_FILE
from sim.experiments.reader import ResultSet, load_results
from sim.scenario import Scenario, load_scenario
from workbench.background import Runs
from workbench.dashboard.session import QUICK_REPLICATES, Served, serve_this

APP = "workbench.dashboard.app"
DEFAULT_SCENARIO = Path("scenarios/baseline.yaml")


class DashboardError(Exception):
    """Bad arguments to ``sim dashboard``; ``str()`` is a one-line message."""


def sources(paths: Sequence[Path | str]) -> tuple[Scenario, list[ResultSet], list[str]]:
    """The scenario, the saved result folders and notes for the page, from the arguments.

    Raises:
        DashboardError: two scenario files, or a path that is neither a scenario file nor a
            result folder.
        sim.scenario.ScenarioError: the scenario file is wrong.
        sim.experiments.ResultsError: a result folder cannot be read or is damaged (each is
            checked by the reader at once, as ``sim compare`` checks it).
    """
    files, folders = [], []
    for path in map(Path, paths):
        if path.is_dir():
            folders.append(load_results(path).check())
        elif path.suffix.lower() in (".yaml", ".yml"):
            files.append(path)
        elif path.name == MANIFEST_FILE:
            folders.append(load_results(path.parent).check())
        else:
            raise DashboardError(f"{path}: not a scenario file (.yaml) or a result folder")
    if len(files) > 1:
        raise DashboardError(
            f"{files[1]}: one scenario file at a time ({files[0]} is the first); to see more "
            "results beside it, give their result folders"
        )
    notes = [f"Beside the live runs: {f.path} ({', '.join(f.variants)})" for f in folders]
    if files:
        return load_scenario(files[0]), folders, notes
    if folders:
        resolved = folders[0].path / RESOLVED_FILE
        notes.insert(0, f"Scenario from {resolved}")
        return load_scenario(resolved), folders, notes
    if not DEFAULT_SCENARIO.is_file():
        raise DashboardError("give a scenario file or a result folder: sim dashboard FILE")
    return load_scenario(DEFAULT_SCENARIO), [], notes


def check_port(host: str, port: int) -> None:
    """Fail early, with a message, when ``host:port`` cannot be listened on."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        raise DashboardError(
            f"--host {host} --port {port}: cannot listen there ({exc.strerror or exc}); "
            "choose another port with --port"
        ) from None


def serve(
    scenario: Scenario,
    saved: list[ResultSet],
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    workers: int | None = None,
    quick: int = QUICK_REPLICATES,
    notes: Sequence[str] = (),
    announce=print,
) -> None:
    """Serve the page until Ctrl-C (then return, its worker processes ended). ``announce`` is told
    the address as the server starts."""
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    import matplotlib

    matplotlib.use("Agg")  # figures are drawn in the server's threads, never shown in a window
    import uvicorn
    from solara.server import settings

    settings.main.mode = "production"
    runs = Runs(workers or os.cpu_count() or 1)
    runs.start()
    page = Served(scenario, saved, runs, quick=quick, notes=list(notes))
    serve_this(page)
    os.environ["SOLARA_APP"] = APP
    config = uvicorn.Config(
        "solara.server.starlette:app", host=host, port=port, log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    announce(f"Dashboard: http://{host}:{port}/  (Ctrl-C to stop)")
    # uvicorn stops gracefully on Ctrl-C or SIGTERM, then raises the signal again: as an
    # interruption here, so the workers and live folders are cleaned up either way
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        runs.close()
        shutil.rmtree(page.live_root, ignore_errors=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


__all__ = ["DashboardError", "check_port", "serve", "sources"]
