"""Resume verifies before it runs: the files the runs are made from are the files the folder
started with, and the plan is exactly the scenario's runs (no duplicates, no gaps, the seeds).
One damaged folder per failure, each with the one line it must give (issue 15, item 5)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from sim.experiments.runner import run_scenario
from sim.experiments.sweep_run import plan_sweep, run_sweep
from sim.scenario import load_scenario
from tests.conftest import GRID_SWEEP, TINY_YAML


def _sim(*args: str | Path):
    return CliRunner().invoke(main, [str(a) for a in args])


def _manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def _edit_manifest(folder: Path, change: Callable[[dict], None]) -> None:
    manifest = _manifest(folder)
    change(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _edit_text(name: str, old: str, new: str) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        text = (folder / name).read_text()
        assert old in text, (name, old)
        (folder / name).write_text(text.replace(old, new, 1))

    return edit


def _runs(change: Callable[[list], None]) -> Callable[[Path], None]:
    """Edit the plan and keep the counts in step with it, as a careful hand would."""

    def edit(manifest: dict) -> None:
        change(manifest["runs"])
        statuses = [run["status"] for run in manifest["runs"]]
        manifest["counts"] = {"planned": len(statuses), "ok": statuses.count("ok"),
                              "failed": statuses.count("failed"),
                              "not-run": statuses.count("not-run")}  # fmt: skip

    return lambda folder: _edit_manifest(folder, edit)


RUN_CASES = {
    "resolved scenario edited (seed)": (
        _edit_text("scenario.resolved.yaml", "seed: 7", "seed: 8"),
        "--resume {f}: scenario.resolved.yaml changed since the runs started (its SHA-256 is not "
        "the one in manifest.json); finished runs would mix two configurations. Restore the file "
        "or start a new folder",
    ),
    "resolved scenario edited (a margin)": (
        _edit_text("scenario.resolved.yaml", "margin: 0.2", "margin: 0.25"),
        "--resume {f}: scenario.resolved.yaml changed since the runs started (its SHA-256 is not "
        "the one in manifest.json); finished runs would mix two configurations. Restore the file "
        "or start a new folder",
    ),
    "a plan entry deleted": (
        _runs(lambda runs: runs.pop(3)),
        "--resume {f}: the run plan in manifest.json misses cut replicate 1 of the scenario",
    ),
    "a plan entry duplicated": (
        _runs(lambda runs: runs.append(dict(runs[0]))),
        "--resume {f}/manifest.json: runs.4: base replicate 0 is planned twice",  # the reader's
    ),
    "a plan entry's seed changed": (
        _runs(lambda runs: runs[2]["seed"].update(entropy=8)),
        "--resume {f}: the run plan in manifest.json gives cut replicate 0 the seed 8 [0]; the "
        "scenario gives 7 [0]",
    ),
    "a run the scenario does not make": (
        _runs(lambda runs: runs[3].update(replicate=5)),
        "--resume {f}: the run plan in manifest.json misses cut replicate 1 of the scenario",
    ),
    "plan out of order": (
        _runs(lambda runs: runs.reverse()),
        "--resume {f}: the run plan in manifest.json is out of order at cut replicate 1",
    ),
    "no checksum (an older version)": (
        lambda folder: _edit_manifest(folder, lambda m: m.pop("checksums")),
        "--resume {f}: manifest.json records no checksum of scenario.resolved.yaml (an older "
        "version wrote it), so the scenario cannot be verified; start a new folder",
    ),
    "a variant the scenario does not have": (
        lambda folder: _edit_manifest(folder, lambda m: m.update(variants=["base", "cut", "x"])),
        "--resume {f}: scenario.resolved.yaml has no variant x",
    ),
}


@pytest.fixture
def stopped(tiny_scenario, tmp_path: Path, break_runs) -> Path:
    """The tiny scenario (base and cut, 2 replicates) stopped by Ctrl-C after one run."""
    break_runs(lambda config, seed, n: KeyboardInterrupt() if n == 2 else None)
    summary = run_scenario(tiny_scenario, out_dir=tmp_path / "stopped", progress=False)
    assert summary.status == "incomplete"
    return summary.folder


@pytest.mark.parametrize("case", sorted(RUN_CASES))
def test_resume_refuses_a_folder_that_does_not_match_its_start(case: str, stopped: Path) -> None:
    damage, message = RUN_CASES[case]
    damage(stopped)
    before = _manifest(stopped)
    result = _sim("run", "--resume", stopped, "--no-progress", "--workers", "1")
    assert result.exit_code == 2, result.output
    assert result.output.strip().splitlines() == [message.format(f=stopped)]
    assert _manifest(stopped) == before  # refused before anything was run or rewritten


def test_an_untouched_folder_resumes(stopped: Path, tiny_results: Path) -> None:
    result = _sim("run", "--resume", stopped, "--no-progress", "--workers", "1")
    assert result.exit_code == 0, result.output
    for name in ("timeseries.csv", "runs.csv", "summary.csv"):
        assert (stopped / name).read_bytes() == (tiny_results / name).read_bytes()


def test_sweep_resume_refuses_edited_samples(tmp_path: Path, break_runs) -> None:
    (tmp_path / "s.yaml").write_text(TINY_YAML + GRID_SWEEP)
    break_runs(lambda config, seed, n: KeyboardInterrupt() if n == 2 else None)
    plan = plan_sweep(load_scenario(tmp_path / "s.yaml"))
    folder = run_sweep(plan, out_dir=tmp_path / "sweep", progress=False).folder
    _edit_text("samples.csv", "0.1", "0.15")(folder)
    result = _sim("sweep", "--resume", folder, "--no-progress", "--workers", "1")
    assert result.exit_code == 2, result.output
    assert result.output.strip() == (
        f"--resume {folder}: samples.csv changed since the runs started (its SHA-256 is not the "
        "one in manifest.json); finished runs would mix two configurations. Restore the file or "
        "start a new folder"
    )
