"""What one dashboard server serves: the scenario it opened, the saved result folders shown beside
it, the runs shared by every page, and where files go. Set once by
:func:`~workbench.dashboard.server.serve` before the server starts."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sim.experiments.reader import ResultSet
from sim.scenario import Scenario
from workbench.background import Runs

QUICK_REPLICATES = 5
"""Replicates of the first answer; the page then refines to the scenario's replicates."""


@dataclass
class Served:
    """The server's scenario, saved folders and runs.

    Attributes:
        scenario: the scenario file opened (its variants are the page's first variants).
        saved: result folders opened beside the live runs.
        runs: the process pool and run cache of every page.
        quick: replicates of the first answer.
        results_root: parent of the folders "save results" writes by default.
        live_root: where the live result folders of the page are written (temporary).
        notes: lines said about the sources when the server started.
    """

    scenario: Scenario
    saved: list[ResultSet]
    runs: Runs
    quick: int = QUICK_REPLICATES
    results_root: Path = Path("results")
    live_root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="sim-dashboard-")))
    notes: list[str] = field(default_factory=list)


_SERVED: list[Served] = []


def serve_this(served: Served) -> None:
    _SERVED[:] = [served]


def served() -> Served:
    """What this server serves.

    Raises:
        RuntimeError: the page was loaded outside ``sim dashboard``.
    """
    if not _SERVED:
        raise RuntimeError("start the page with `sim dashboard FILE`")
    return _SERVED[0]
