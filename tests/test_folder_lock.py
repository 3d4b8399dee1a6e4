"""One writer per result folder: a lock held for the life of a run, sweep or resume; a second
writer exits 2 naming the holder's pid; a lock left by a dead process is taken over."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from cli import main
from sim.experiments.folder_layout import ResultsError
from sim.experiments.result_folder import (
    LOCK_FILE,
    FolderBusyError,
    claim_result_folder,
    lock_folder,
)
from sim.experiments.runner import run_scenario

ROOT = Path(__file__).resolve().parents[1]


def _sim(*args: str | Path):
    return CliRunner().invoke(main, [str(a) for a in args])


def _busy_message(folder: Path) -> str:
    return (
        f"{folder}: another sim process (pid {os.getpid()}) is writing into this folder; "
        "wait for it to finish or stop it, then try again"
    )


def test_a_second_run_into_a_locked_folder_exits_2_naming_the_holder(
    tiny_yaml: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with lock_folder(folder):
        result = _sim("run", tiny_yaml, "--out", folder, "--no-progress", "--workers", "1")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [_busy_message(folder)]
    assert sorted(p.name for p in folder.iterdir()) == []  # nothing written, the lock gone


def test_resume_of_a_folder_being_written_exits_2(tiny_scenario, tmp_path: Path, break_runs):
    break_runs(lambda config, seed, n: KeyboardInterrupt() if n == 2 else None)
    folder = run_scenario(tiny_scenario, out_dir=tmp_path / "x", progress=False).folder
    with lock_folder(folder):
        result = _sim("run", "--resume", folder, "--no-progress", "--workers", "1")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [_busy_message(folder)]
    assert json.loads((folder / "manifest.json").read_text())["status"] == "incomplete"


def test_a_lock_left_by_a_dead_process_is_taken_over(tiny_yaml: Path, tmp_path: Path) -> None:
    """``kill -9`` leaves ``.lock`` naming a pid that no longer holds it: the next writer runs."""
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / LOCK_FILE).write_text("999999\n")  # what a killed process leaves
    result = _sim("run", tiny_yaml, "--out", folder, "--no-progress", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert json.loads((folder / "manifest.json").read_text())["status"] == "complete"
    assert not (folder / LOCK_FILE).exists()


def test_of_many_claims_of_one_empty_folder_at_once_exactly_one_wins(tmp_path: Path) -> None:
    """The emptiness check happens under the lock, so racing claims cannot both see it empty."""
    folder = tmp_path / "race"
    for round_ in range(5):
        target = folder / str(round_)
        target.mkdir(parents=True)
        start, outcomes = threading.Barrier(4), []

        def claim(
            target: Path = target, start: threading.Barrier = start, outcomes: list = outcomes
        ) -> None:
            start.wait()
            try:
                with claim_result_folder("x", target) as claimed:
                    (claimed / "manifest.json").write_text(str(threading.get_ident()))
                    outcomes.append("won")
            except FolderBusyError:
                outcomes.append("busy")
            except ResultsError:
                outcomes.append("not empty")

        threads = [threading.Thread(target=claim) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert outcomes.count("won") == 1, outcomes


def test_an_error_before_the_manifest_removes_what_the_claim_wrote(tmp_path: Path) -> None:
    """A full disk or Ctrl-C before the first manifest leaves no half folder behind."""
    for out, kept in ((tmp_path / "new", False), (tmp_path / "given", True)):
        if kept:
            out.mkdir()
        with pytest.raises(KeyboardInterrupt), claim_result_folder("x", out) as folder:
            (folder / "scenario.resolved.yaml").write_text("half")
            raise KeyboardInterrupt
        assert out.is_dir() == kept and (not kept or not any(out.iterdir()))


@pytest.mark.skipif(os.name != "posix", reason="flock")
def test_two_real_runs_into_one_folder_one_wins_and_its_files_agree(
    tiny_yaml: Path, tmp_path: Path
) -> None:
    """Issue 15, item 2: two ``sim run`` into the same empty ``--out`` both exited 0 with one
    run's data and the other's ``scenario.resolved.yaml``. Now one exits 0, the other 2, and the
    folder is wholly the winner's."""
    folder = tmp_path / "shared"
    folder.mkdir()
    command = [sys.executable, "-c", "from cli import main; main()", "run", str(tiny_yaml),
               "--out", str(folder), "--no-progress", "--workers", "1"]  # fmt: skip
    processes = [
        subprocess.Popen(
            [*command, "--seed", str(seed)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for seed in (11, 12)
    ]
    outcomes = [(p.wait(timeout=120), p.communicate()[1]) for p in processes]
    codes = sorted(code for code, _ in outcomes)
    assert codes == [0, 2], outcomes
    loser = next(err for code, err in outcomes if code == 2)
    assert "another sim process (pid" in loser or "folder exists and is not empty" in loser
    manifest = json.loads((folder / "manifest.json").read_text())
    resolved = yaml.safe_load((folder / "scenario.resolved.yaml").read_text())
    assert {run["seed"]["entropy"] for run in manifest["runs"]} == {resolved["seed"]}
