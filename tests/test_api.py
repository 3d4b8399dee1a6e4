"""The Python API: ``sim.run`` gives the numbers ``sim run`` writes for the same scenario and seed,
as tidy tables, comparisons and figures; ``Result.save`` writes a normal result folder and
``sim.load`` opens one."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import sim
from sim.experiments import ResultsError, UnknownVariantError
from sim.experiments.runner import run_scenario
from sim.scenario import ScenarioError, load_scenario


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory):
    """The tiny scenario (variants base and cut, 2 replicates) run with seed 11, replicates 3."""
    from tests.conftest import TINY_YAML

    path = tmp_path_factory.mktemp("api") / "tiny.yaml"
    path.write_text(TINY_YAML)
    return path, sim.run(path, replicates=3, seed=11, workers=1)


def test_import_sim_stays_light() -> None:
    """``sim.run`` loads the API on first use; ``import sim`` alone imports neither pandas nor the
    workbench."""
    code = (
        "import sys, sim, sim.behaviours\n"
        "heavy = [m for m in ('pandas', 'mesa', 'workbench', 'analysis') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
        "assert callable(sim.run) and callable(sim.load) and 'workbench.api' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    with pytest.raises(AttributeError, match="no attribute 'runn'"):
        sim.runn  # noqa: B018


def test_run_gives_the_numbers_sim_run_writes(result, tmp_path: Path) -> None:
    path, res = result
    summary = run_scenario(
        load_scenario(path, seed=11, replicates=3), out_dir=tmp_path / "cli", progress=False
    )
    expected = pd.read_csv(summary.folder / "timeseries.csv")
    assert res.variants == ["base", "cut"] and res.vendors == ["acme", "rival"]
    assert res.status == "complete"
    pd.testing.assert_frame_equal(res.timeseries[expected.columns], expected, check_dtype=False)
    assert (summary.folder / "summary.csv").read_text() == (res.folder / "summary.csv").read_text()


def test_tables_are_tidy_and_carry_total_revenue(result) -> None:
    _, res = result
    ts, runs = res.timeseries, res.runs
    assert len(ts) == 2 * 3 * 6 * 2  # variants x replicates x months x vendors
    assert np.allclose(ts.total_revenue, ts.channel_revenue + ts.direct_revenue)
    assert len(runs) == 2 * 3 * 2
    assert np.allclose(runs.total_revenue, runs.channel_revenue + runs.direct_revenue)
    assert set(res.summary.columns) >= {"variant", "vendor", "metric", "mean", "p5", "p95"}


def test_compare_is_the_paired_difference_from_base(result) -> None:
    """cut - base of each replicate's cumulative channel revenue, averaged: the paired estimate."""
    _, res = result
    table = res.compare("channel_revenue", vendor="acme")
    row = table[(table.arm == "cut") & (table.stat == "cumulative")].iloc[0]
    runs = res.runs[res.runs.vendor == "acme"].set_index(["variant", "replicate"])
    pairs = runs.loc["cut"].channel_revenue - runs.loc["base"].channel_revenue
    assert row["diff"] == pytest.approx(pairs.mean())
    assert row["diff_low"] < row["diff"] < row["diff_high"] or pairs.std() == 0
    assert row["pairs"] == 3 and set(table.vendor) == {"acme"}
    with pytest.raises(ValueError, match="unknown vendor 'nope'; vendors are acme, rival"):
        res.compare(vendor="nope")


def test_plots_are_matplotlib_figures_a_panel_per_vendor(result) -> None:
    _, res = result
    fig = res.plot("attention_share")
    assert isinstance(fig, Figure)
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["acme", "rival"]
    one = res.plot_difference("total_revenue", vendor="rival")
    assert [ax.get_title() for ax in one.axes if ax.get_visible()] == ["rival"]


def test_save_writes_a_normal_result_folder_and_load_opens_it(result, tmp_path: Path) -> None:
    _, res = result
    saved = res.save(tmp_path / "saved")
    names = sorted(p.name for p in saved.iterdir())
    assert names == sorted(p.name for p in res.folder.iterdir())
    for name in names:
        assert (saved / name).read_bytes() == (res.folder / name).read_bytes()
    again = sim.load(saved)
    assert again.folder == saved and again.variants == res.variants
    pd.testing.assert_frame_equal(again.runs, res.runs)
    with pytest.raises(ResultsError, match="not empty"):
        res.save(saved)


def test_save_is_the_folders_one_writer_and_copies_no_link(result, tmp_path: Path) -> None:
    """``Result.save`` holds the target's lock (a folder another process writes is refused) and
    copies the folder's own files only: a link in it (to a file outside) is not followed."""
    import shutil

    from sim.experiments.result_folder import FolderBusyError, lock_folder

    _, res = result
    busy = tmp_path / "busy"
    busy.mkdir()
    with lock_folder(busy), pytest.raises(FolderBusyError):
        res.save(busy)
    assert list(busy.iterdir()) == []
    source = tmp_path / "source"
    shutil.copytree(res.folder, source)
    (tmp_path / "secret.txt").write_text("not for the copy")
    (source / "notes.txt").symlink_to(tmp_path / "secret.txt")
    (source / "plots").mkdir(exist_ok=True)
    (source / "plots" / "more").symlink_to(tmp_path, target_is_directory=True)
    saved = sim.load(source).save(tmp_path / "saved")
    assert not (saved / "notes.txt").exists() and not (saved / "plots" / "more").exists()
    assert sorted(p.name for p in saved.iterdir()) == sorted(p.name for p in res.folder.iterdir())


def test_load_a_scenario_file_opens_its_newest_folder(result, tmp_path: Path) -> None:
    path, res = result
    res.save(tmp_path / "results" / "tiny" / "20260101-000000")
    newest = res.save(tmp_path / "results" / "tiny" / "20260102-000000")
    assert sim.load(path, results_root=tmp_path / "results").folder == newest
    with pytest.raises(ResultsError, match="no result folder under"):
        sim.load(path, results_root=tmp_path / "elsewhere")


def test_overrides_apply_to_every_variant_and_are_recorded(tiny_yaml: Path, tmp_path: Path) -> None:
    res = sim.run(
        tiny_yaml, replicates=1, overrides={"vendors.acme.program.margin": 0.3}, out=tmp_path / "o"
    )
    assert res.folder == tmp_path / "o"
    resolved = (res.folder / "scenario.resolved.yaml").read_text()
    assert "margin: 0.3" in resolved
    assert res.manifest["command_line"].startswith("sim.run(")
    assert "'vendors.acme.program.margin': 0.3" in res.manifest["command_line"]


def test_bad_input_names_the_key(tiny_yaml: Path) -> None:
    with pytest.raises(
        ScenarioError, match=r"vendors.acme.program.margin: must be between 0 and 1"
    ):
        sim.run(tiny_yaml, overrides={"vendors.acme.program.margin": 1.5})
    with pytest.raises(ScenarioError, match="unknown key 'margn'"):
        sim.run(tiny_yaml, overrides={"vendors.acme.program.margn": 0.1})
    with pytest.raises(UnknownVariantError, match="unknown variant 'nope'"):
        sim.run(tiny_yaml, variants=["nope"])


def test_a_temporary_result_folder_goes_with_its_result(tiny_yaml: Path) -> None:
    res = sim.run(tiny_yaml, replicates=1, variants=["base"])
    folder = res.folder
    assert res.variants == ["base"] and folder.is_dir()
    del res
    gc.collect()
    assert not folder.exists()
