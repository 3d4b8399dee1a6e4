"""``sim plot DIR``: draw a finished run folder's plots again from its data, and finish a folder
whose plots were never drawn (Ctrl-C, ``kill -9`` or a full disk while plotting).

A run folder is complete only with its plots: the writer marks it ``incomplete`` with
``plots: {"status": "pending"}`` until they are drawn (:class:`sim.experiments.writer.ResultWriter`).
Drawing needs every run finished and the result files written; the folder's lock is held
throughout, and the manifest then gets its final status.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim.experiments import journal
from sim.experiments.folder_layout import (
    MANIFEST_FILE,
    FolderStatus,
    ResultsError,
    atomic_write_text,
)
from sim.experiments.reader import read_manifest
from sim.experiments.result_folder import lock_folder
from sim.experiments.runner import Draw
from sim.experiments.writer import plots_entry


def redraw(folder: Path | str, draw: Draw) -> tuple[FolderStatus, list[Path]]:
    """Draw the plots of a run folder whose runs have all finished and record them.

    Returns:
        The folder's status afterwards and the files drawn.

    Raises:
        ResultsError: not a run folder, runs not finished, writing the folder failed earlier, or
            another process writes into it.
    """
    folder = Path(folder)
    read_manifest(folder)
    with lock_folder(folder):
        manifest = read_manifest(folder)
        if "sweep" in manifest:
            raise ResultsError(
                f"{folder}: a sweep folder has no per-variant plots; use sim sensitivity "
                f"{folder} and sim report {folder}"
            )
        runs = manifest.get("runs")
        if not isinstance(runs, list) or not all(isinstance(r, dict) for r in runs):
            raise ResultsError(f"{folder / MANIFEST_FILE}: no readable run plan")
        statuses = [run.get("status") for run in runs]
        unfinished = sum(s not in ("ok", "failed") for s in statuses)
        if unfinished or manifest.get("write_error"):
            what = f"{unfinished} runs have not finished" if unfinished else "writing it failed"
            raise ResultsError(
                f"{folder}: {what}; finish it with: sim run --resume {folder} (it draws the plots)"
            )
        files = draw(folder)
        status: FolderStatus = "failed-runs" if "failed" in statuses else "complete"
        manifest.update(status=status, plots=plots_entry([p.name for p in files]))
        atomic_write_text(folder / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
        journal.remove_journal(folder)
    return status, files


__all__ = ["redraw"]
