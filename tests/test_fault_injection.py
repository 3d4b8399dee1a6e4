"""Fault injection: ``kill -9`` at random moments of ``sim run``, ``sim sweep``, their resumes and
the plotting, several rounds on a tiny scenario. Whatever moment the kill hits, the folder is
finished by running the same command again (before its first manifest) or ``--resume`` (after),
and the finished folder holds byte-identical result files to an uninterrupted run, every run
once, its plots, and no lock, journal or temporary file (issue 15)."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments.sweep_run import plan_sweep, run_sweep
from sim.scenario import load_scenario
from tests.conftest import GRID_SWEEP, TINY_YAML

pytestmark = pytest.mark.skipif(os.name != "posix", reason="kill -9")
ROOT = Path(__file__).resolve().parents[1]
FILES = ("timeseries.csv", "runs.csv", "summary.csv", "scenario.resolved.yaml")
KILLS = 2
"""Kills per round; the command after the last kill runs to its end."""


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


def _kill_when(process: subprocess.Popen, moment) -> None:
    """``kill -9`` the process once ``moment()`` is true (if it has not ended by then)."""
    deadline = time.monotonic() + 60
    while process.poll() is None and time.monotonic() < deadline:
        if moment():
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.02)
    process.wait(timeout=60)


def _finish(command: list[str | Path], resume: list[str | Path], folder: Path, moments) -> int:
    """Run ``command``, killing it at each of ``moments``, then resume or start again until one
    command ends by itself; returns how many processes it took."""
    processes = 0
    for moment in [*moments, None]:
        args = resume if _manifest(folder) is not None else command
        process = _start(args)
        processes += 1
        if moment is None:
            _, stderr = process.communicate(timeout=120)
            assert process.returncode == 0, (args, stderr)
            return processes
        _kill_when(process, moment)
        if process.returncode == 0:  # it ended before the kill: nothing left to do
            return processes
    raise AssertionError("unreachable")


def _after(seconds: float):
    start = time.monotonic()
    return lambda: time.monotonic() - start >= seconds


def _plots_pending(folder: Path):
    return lambda: ((_manifest(folder) or {}).get("plots") or {}).get("status") == "pending"


def _finished_like(folder: Path, reference: Path, plots: bool) -> None:
    manifest = _manifest(folder)
    assert manifest["status"] == "complete"
    assert manifest["counts"]["ok"] == manifest["counts"]["planned"]
    for name in FILES:
        assert (folder / name).read_bytes() == (reference / name).read_bytes(), name
    runs = pd.read_csv(folder / "runs.csv")
    assert not runs.duplicated(["variant", "replicate", "vendor"]).any()
    hidden = sorted(str(p.relative_to(folder)) for p in folder.rglob(".*"))
    assert hidden == [], hidden
    if plots:
        assert manifest["plots"]["status"] == "done"
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


@pytest.mark.parametrize("round_", ["random, random", "random, while plotting"])
def test_kill_9_at_random_moments_of_run_and_resume(
    round_: str, files: dict[str, Path], tmp_path: Path, tiny_results: Path
) -> None:
    """Round one kills twice at random moments (start, runs, saving, plotting or a resume); round
    two once at random, then the resume the moment its plots are pending."""
    rng = random.Random(round_)  # the test's own schedule, not the model's randomness
    folder = tmp_path / "run"
    command = ["run", files["run"], "--out", folder, "--no-progress", "--workers", "1"]
    resume = ["run", "--resume", folder, "--no-progress", "--workers", "1"]
    moments = [_after(rng.uniform(0.8, 3.0))]
    moments.append(_plots_pending(folder) if "plotting" in round_ else _after(rng.uniform(0.8, 3)))
    _finish(command, resume, folder, moments)
    _finished_like(folder, tiny_results, plots=True)


def test_kill_9_at_random_moments_of_a_sweep_and_its_resume(
    files: dict[str, Path], tmp_path: Path
) -> None:
    rng = random.Random(1515)
    folder = tmp_path / "sweep"
    command = ["sweep", files["sweep"], "--out", folder, "--no-progress", "--workers", "1"]
    resume = ["sweep", "--resume", folder, "--no-progress", "--workers", "1"]
    moments = [_after(rng.uniform(0.8, 2.5)) for _ in range(KILLS)]
    _finish(command, resume, folder, moments)
    _finished_like(folder, files["sweep-ref"], plots=False)
    assert (folder / "samples.csv").read_bytes() == (
        files["sweep-ref"] / "samples.csv"
    ).read_bytes()
