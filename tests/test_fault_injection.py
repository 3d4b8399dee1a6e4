"""Fault injection: ``kill -9`` at moments of ``sim run``, ``sim sweep`` and their resumes, in every
phase of a folder's life, several rounds on a tiny scenario. Whatever moment the kill hits, the
folder is finished by running the same command again (before its first manifest) or ``--resume``
(after), and the finished folder holds byte-identical result files to an uninterrupted run, every
run once, its plots, and no lock, journal or temporary file (issue 15).

A tiny run spends most of its time starting Python and drawing plots, so a kill at a random
*time* mostly hits the start. Each kill is therefore aimed at a phase, seen from outside in the
folder, at a random point within it:

- ``start``: a random time after launch, before the first manifest (or as soon as it appears);
- ``runs``: once a random number of further runs have been saved in the journal, others to go
  (``a_run``: exactly one more);
- ``saving``: every run saved, the result files being assembled (manifest not yet updated);
- ``plotting``: every run in the manifest, a random number of the five plots drawn.

Every kill must land (the process dies by SIGKILL, not by finishing first), so each round really
interrupts the phases it names.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from analysis.plots import TIME_PLOTS
from sim.experiments.sweep_run import plan_sweep, run_sweep
from sim.scenario import load_scenario
from tests.conftest import GRID_SWEEP, TINY_YAML

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kill -9")
ROOT = Path(__file__).resolve().parents[1]
FILES = ("timeseries.csv", "runs.csv", "summary.csv", "scenario.resolved.yaml")
PLANNED = 4
"""Runs of the tiny scenario and of its two-sample sweep (2 x 2 replicates)."""
PLOTS = len(TIME_PLOTS) + 1
"""The plots of a run folder: one per time plot and the revenue mix."""

Moment = Callable[[], bool]
Aim = Callable[[Path, random.Random], Moment]
"""Built when a process starts: a test of the folder that is true at the moment to kill it."""


def _start(args: list[str | Path]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", *map(str, args)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / "manifest.json").read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _parts(folder: Path) -> int:
    return len(list((folder / ".parts").glob("*.json"))) if (folder / ".parts").is_dir() else 0


def _saved(folder: Path) -> int:
    """Runs the manifest counts as finished (0 without a manifest)."""
    return int(((_manifest(folder) or {}).get("counts") or {}).get("ok", 0))


def _pngs(folder: Path) -> int:
    plots = folder / "plots"
    return (
        len([p for p in plots.glob("*.png") if not p.name.startswith(".")]) if plots.is_dir() else 0
    )


def start(folder: Path, rng: random.Random) -> Moment:
    launched, after = time.monotonic(), rng.uniform(0.2, 1.2)
    return lambda: time.monotonic() - launched >= after or _manifest(folder) is not None


def runs(folder: Path, rng: random.Random) -> Moment:
    """After 1 or more further runs are saved, while at least one is still to run."""
    have = _parts(folder)
    target = rng.randint(have + 1, PLANNED - 1)
    return lambda: _parts(folder) >= target


def a_run(folder: Path, rng: random.Random) -> Moment:
    """As :func:`runs`, after exactly one further run (so a second ``runs`` kill has room)."""
    have = _parts(folder)
    return lambda: _parts(folder) > have


def saving(folder: Path, rng: random.Random) -> Moment:
    return lambda: _parts(folder) == PLANNED and _saved(folder) < PLANNED


def plotting(folder: Path, rng: random.Random) -> Moment:
    drawn = rng.randint(0, PLOTS - 1)
    return lambda: _saved(folder) == PLANNED and _pngs(folder) >= drawn


def _kill_when(process: subprocess.Popen, moment: Moment, phase: str, folder: Path) -> str:
    """``kill -9`` the process once ``moment()`` is true; returns what the folder held then."""
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline and not moment():
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)  # does nothing if the process has already ended
    seen = f"{phase}: manifest ok {_saved(folder)}, parts {_parts(folder)}, plots {_pngs(folder)}"
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL, (
        f"the kill aimed at {seen} did not land (exit {process.returncode}): "
        f"{process.stderr.read() if process.stderr else ''}"
    )
    return seen


def _finish(
    command: list[str | Path], resume: list[str | Path], folder: Path, aims: list[Aim], seed: str
) -> list[str]:
    """Run ``command``, killing it (or the resume or new start that follows) at each aim in turn,
    then resume or start again to the end; returns what each kill hit."""
    rng = random.Random(seed)  # the test's own schedule, not the model's randomness
    hits = []
    for aim in aims:
        args = resume if _manifest(folder) is not None else command
        process = _start(args)
        hits.append(_kill_when(process, aim(folder, rng), aim.__name__, folder))
    args = resume if _manifest(folder) is not None else command
    _, stderr = _start(args).communicate(timeout=180)
    final = _manifest(folder)
    assert final is not None and final["status"] == "complete", (args, stderr, hits)
    return hits


def _finished_like(folder: Path, reference: Path, plots: bool) -> None:
    manifest = _manifest(folder)
    assert manifest["status"] == "complete"
    assert manifest["counts"]["ok"] == manifest["counts"]["planned"] == PLANNED
    for name in FILES:
        assert (folder / name).read_bytes() == (reference / name).read_bytes(), name
    runs_table = pd.read_csv(folder / "runs.csv")
    assert not runs_table.duplicated(["variant", "replicate", "vendor"]).any()
    hidden = sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))
    assert hidden == [], hidden
    if plots:
        assert manifest["plots"]["status"] == "done"
        assert len(manifest["plots"]["files"]) == PLOTS
        assert all((folder / "plots" / name).stat().st_size > 1000
                   for name in manifest["plots"]["files"])  # fmt: skip


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("faults")
    (root / "tiny.yaml").write_text(TINY_YAML)
    (root / "sweep.yaml").write_text(TINY_YAML + GRID_SWEEP)
    reference = run_sweep(plan_sweep(load_scenario(root / "sweep.yaml")), out_dir=root / "sweep-ref",
                          progress=False).folder  # fmt: skip
    return {"run": root / "tiny.yaml", "sweep": root / "sweep.yaml", "sweep-ref": reference}


RUN_ROUNDS = {
    "start, runs of the new start, saving then plotting of resumes": [
        start,
        runs,
        saving,
        plotting,
    ],
}
"""Each phase of a run folder, and a kill before the first manifest followed by a new start
(more rounds would each add some 10 s of starting Python and drawing plots)."""


@pytest.mark.parametrize("round_", list(RUN_ROUNDS))
def test_kill_9_in_every_phase_of_run_and_resume(
    round_: str, files: dict[str, Path], tmp_path: Path, tiny_results: Path
) -> None:
    folder = tmp_path / "run"
    command = ["run", files["run"], "--out", folder, "--no-progress", "--workers", "1"]
    resume = ["run", "--resume", folder, "--no-progress", "--workers", "1"]
    hits = _finish(command, resume, folder, RUN_ROUNDS[round_], seed=round_)
    assert len(hits) == len(RUN_ROUNDS[round_])
    _finished_like(folder, tiny_results, plots=True)


def test_kill_9_in_every_phase_of_a_sweep_and_its_resumes(
    files: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "sweep"
    command = ["sweep", files["sweep"], "--out", folder, "--no-progress", "--workers", "1"]
    resume = ["sweep", "--resume", folder, "--no-progress", "--workers", "1"]
    _finish(command, resume, folder, [start, a_run, runs, saving], seed="sweep")
    _finished_like(folder, files["sweep-ref"], plots=False)
    assert (folder / "samples.csv").read_bytes() == (
        files["sweep-ref"] / "samples.csv"
    ).read_bytes()
