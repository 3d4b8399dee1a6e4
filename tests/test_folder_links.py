"""sim writes only inside the result folder it is given. A folder someone sends you may hold links:
a ``plots``, ``.parts`` or ``sensitivity`` that is a link would make ``--resume``, ``sim plot`` or
``sim sensitivity`` write wherever it points, and a planted temporary file that is a link would be
written through. Each is refused (exit 2, one line) or removed; the link's target is never touched
(issue 15, trust model)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from sim.experiments.folder_layout import atomic_write_text
from sim.experiments.runner import run_scenario
from sim.experiments.sweep_run import plan_sweep, run_sweep
from sim.scenario import load_scenario
from tests.conftest import GRID_SWEEP, TINY_YAML

pytestmark = pytest.mark.skipif(os.name != "posix", reason="symbolic links")
LINK_PROBLEM = "is a link, not a folder; sim writes only inside the result folder: remove it"


def _sim(*args: str | Path):
    return CliRunner().invoke(main, [str(a) for a in args])


def _refused(args: list[str | Path], expected: str) -> None:
    result = _sim(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [expected]


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder outside the result folder, where nothing may be written."""
    path = tmp_path / "elsewhere"
    path.mkdir()
    return path


@pytest.fixture
def stopped(tiny_scenario, tmp_path: Path, break_runs) -> Path:
    """The tiny scenario stopped by Ctrl-C after two runs (a journal of two parts)."""
    break_runs(lambda config, seed, n: KeyboardInterrupt() if n == 3 else None)
    return run_scenario(tiny_scenario, out_dir=tmp_path / "stopped", progress=False).folder


def test_resume_refuses_a_journal_that_is_a_link(stopped: Path, elsewhere: Path) -> None:
    """The parts would be read from and written to the link's target, then rmtree failed."""
    shutil.move(stopped / ".parts", elsewhere / "parts")
    (stopped / ".parts").symlink_to(elsewhere / "parts")
    before = sorted(p.name for p in (elsewhere / "parts").iterdir())
    args = ["run", "--resume", stopped, "--no-progress", "--workers", "1"]
    _refused(args, f"--resume {stopped}: .parts {LINK_PROBLEM}")
    assert sorted(p.name for p in (elsewhere / "parts").iterdir()) == before


def test_resume_refuses_a_plots_link(stopped: Path, elsewhere: Path) -> None:
    (stopped / "plots").symlink_to(elsewhere)
    args = ["run", "--resume", stopped, "--no-progress", "--workers", "1"]
    _refused(args, f"--resume {stopped}: plots {LINK_PROBLEM}")
    assert list(elsewhere.iterdir()) == []


def test_resume_refuses_a_journal_that_is_a_file(stopped: Path) -> None:
    """It ran every run, then failed to save them (exit 1)."""
    shutil.rmtree(stopped / ".parts")
    (stopped / ".parts").write_text("x")
    args = ["run", "--resume", stopped, "--no-progress", "--workers", "1"]
    _refused(args, f"--resume {stopped}: .parts is a file, not a folder: remove it")


def test_sim_plot_refuses_a_plots_link(tiny_results: Path, tmp_path: Path, elsewhere: Path):
    folder = tmp_path / "copy"
    shutil.copytree(tiny_results, folder)
    (folder / "plots").symlink_to(elsewhere)
    _refused(["plot", folder], f"{folder / 'plots'}: {LINK_PROBLEM}")
    assert list(elsewhere.iterdir()) == []


def test_sim_sensitivity_refuses_a_sensitivity_link(tmp_path: Path, elsewhere: Path) -> None:
    (tmp_path / "s.yaml").write_text(TINY_YAML + GRID_SWEEP)
    folder = run_sweep(plan_sweep(load_scenario(tmp_path / "s.yaml")), out_dir=tmp_path / "sweep",
                       progress=False).folder  # fmt: skip
    (folder / "sensitivity").symlink_to(elsewhere)
    _refused(["sensitivity", folder], f"{folder / 'sensitivity'}: {LINK_PROBLEM}")
    assert list(elsewhere.iterdir()) == []


def test_resuming_a_complete_folder_removes_a_journal_link_not_its_target(
    tiny_results: Path, tmp_path: Path, elsewhere: Path
) -> None:
    folder = tmp_path / "copy"
    shutil.copytree(tiny_results, folder)
    (elsewhere / "keep.txt").write_text("mine")
    (folder / ".parts").symlink_to(elsewhere)
    result = _sim("run", "--resume", folder, "--no-progress")
    assert result.exit_code == 0, result.output
    assert not (folder / ".parts").exists() and not (folder / ".parts").is_symlink()
    assert (elsewhere / "keep.txt").read_text() == "mine"


def test_a_planted_temporary_link_is_never_written_through(tmp_path: Path) -> None:
    """The atomic writer's temporary name is predictable (``.NAME.PID.tmp``): a link planted
    there is removed and the file made new, so the link's target keeps its content."""
    target = tmp_path / "victim.txt"
    target.write_text("mine")
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / f".summary.csv.{os.getpid()}.tmp").symlink_to(target)
    atomic_write_text(folder / "summary.csv", "a,b\n")
    assert (folder / "summary.csv").read_text() == "a,b\n"
    assert not (folder / "summary.csv").is_symlink()
    assert target.read_text() == "mine"
    assert sorted(p.name for p in folder.iterdir()) == ["summary.csv"]
