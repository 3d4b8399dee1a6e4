"""The runner: seeds, common random numbers, executors, failed runs and interruptions."""

from __future__ import annotations

import concurrent.futures as cf
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim.experiments.runner
from sim.experiments.runner import UnknownVariantError, plan_runs, run_scenario
from sim.experiments.tasks import RunTask, run_one

FILES = ("timeseries.csv", "runs.csv", "summary.csv")


def _run(scenario, out: Path, **kwargs) -> sim.experiments.runner.RunSummary:
    return run_scenario(scenario, out_dir=out, progress=False, **kwargs)


def test_plan_runs_every_variant_times_replicate_in_order(tiny_scenario) -> None:
    """Plan order is variants as in the file (base first), replicates ascending."""
    plan = plan_runs(tiny_scenario)
    assert [(t.variant, t.replicate) for t in plan] == [
        ("base", 0),
        ("base", 1),
        ("cut", 0),
        ("cut", 1),
    ]
    assert [t.variant for t in plan_runs(tiny_scenario, ["cut"])] == ["cut", "cut"]


def test_unknown_variant_names_the_variants(tiny_scenario) -> None:
    with pytest.raises(UnknownVariantError, match="nope.*base, cut"):
        plan_runs(tiny_scenario, ["nope"])


def test_replicate_seed_is_scenario_seed_with_replicate_spawn_key(tiny_config) -> None:
    """Replicate r runs from SeedSequence(entropy=seed, spawn_key=(r,))."""
    seed = RunTask("base", 3, tiny_config).seed
    assert seed.entropy == tiny_config.seed == 7
    assert seed.spawn_key == (3,)


def test_same_seed_same_numbers_other_replicate_other_numbers(tiny_config) -> None:
    """A run is a pure function of (config, seed)."""
    first = run_one(RunTask("base", 0, tiny_config))
    again = run_one(RunTask("base", 0, tiny_config))
    other = run_one(RunTask("base", 1, tiny_config))
    assert first.error is None, first.traceback
    pd.testing.assert_frame_equal(first.output.timeseries, again.output.timeseries)
    pd.testing.assert_frame_equal(first.output.runs, again.output.runs)
    assert not first.output.timeseries.equals(other.output.timeseries)


def test_variants_share_replicate_seeds(tiny_scenario) -> None:
    """Common random numbers: replicate r of every variant uses the same seed, so runs agree until
    the variants differ (the cut at month 2) and differences between variants are paired."""
    plan = plan_runs(tiny_scenario)
    seeds = {(t.variant, t.replicate): (t.seed.entropy, t.seed.spawn_key) for t in plan}
    assert seeds["base", 0] == seeds["cut", 0] != seeds["base", 1] == seeds["cut", 1]
    base, cut = (run_one(t).output.timeseries for t in plan if t.replicate == 0)
    first = base["step"] == 0
    pd.testing.assert_frame_equal(base[first], cut[first])
    assert not base.equals(cut)


def test_one_worker_and_two_workers_write_identical_files(tiny_scenario, tmp_path: Path) -> None:
    one = _run(tiny_scenario, tmp_path / "one", workers=1)
    two = _run(tiny_scenario, tmp_path / "two", workers=2)
    assert one.status == two.status == "complete"
    for name in FILES:
        assert (one.folder / name).read_bytes() == (two.folder / name).read_bytes(), name


def test_runs_finishing_out_of_order_are_written_in_plan_order(
    tiny_scenario, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With any executor, files list runs in plan order whatever order they finish in."""
    reference = _run(tiny_scenario, tmp_path / "ref")
    real = sim.experiments.tasks.simulate

    def late_first(config, seed):  # replicate 0 finishes last
        time.sleep(0.3 if seed.spawn_key == (0,) else 0.0)
        return real(config, seed)

    monkeypatch.setattr(sim.experiments.tasks, "simulate", late_first)
    with cf.ThreadPoolExecutor(4) as pool:
        threaded = _run(tiny_scenario, tmp_path / "threads", executor=pool)
    for name in FILES:
        assert (reference.folder / name).read_bytes() == (threaded.folder / name).read_bytes()


def test_a_failing_run_is_recorded_and_the_others_saved(
    tiny_scenario, tmp_path: Path, break_runs
) -> None:
    break_runs(
        lambda config, seed, n: (
            RuntimeError("boom in cut/1") if config.events and seed.spawn_key == (1,) else None
        )
    )
    summary = _run(tiny_scenario, tmp_path / "out")
    assert summary.status == "failed-runs"
    assert summary.exit_code == 1
    assert [(r.variant, r.replicate) for r in summary.failed] == [("cut", 1)]
    manifest = json.loads((summary.folder / "manifest.json").read_text())
    assert manifest["status"] == "failed-runs"
    failed = [run for run in manifest["runs"] if run["status"] == "failed"]
    assert len(failed) == 1
    assert failed[0]["error"] == "RuntimeError: boom in cut/1"
    assert "Traceback" in failed[0]["traceback"]
    assert "conftest.py" in failed[0]["traceback"] and "raise error" in failed[0]["traceback"]
    assert failed[0]["seed"] == {"entropy": 7, "spawn_key": [1]}
    ts = pd.read_csv(summary.folder / "timeseries.csv")
    saved = sorted(set(zip(ts["variant"], ts["replicate"], strict=True)))
    assert saved == [("base", 0), ("base", 1), ("cut", 0)]
    summary_csv = pd.read_csv(summary.folder / "summary.csv")
    assert set(summary_csv.loc[summary_csv["variant"] == "cut", "n"]) == {1}


def test_a_malformed_run_output_is_a_failed_run(
    tiny_config, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runner checks what simulate returns against the column contract."""
    real = sim.experiments.tasks.simulate

    def missing_metric(config, seed):
        output = real(config, seed)
        output.timeseries = output.timeseries.drop(columns="win_rate")
        return output

    monkeypatch.setattr(sim.experiments.tasks, "simulate", missing_metric)
    result = run_one(RunTask("base", 0, tiny_config))
    assert result.output is None
    assert result.error.startswith("ValueError: simulate returned timeseries columns")


def test_ctrl_c_saves_finished_runs_and_marks_the_folder_incomplete(
    tiny_scenario, tmp_path: Path, break_runs
) -> None:
    break_runs(lambda config, seed, n: KeyboardInterrupt() if n == 3 else None)
    summary = _run(tiny_scenario, tmp_path / "out")
    assert summary.interrupted and summary.exit_code == 130
    assert summary.status == "incomplete"
    assert [r.status for r in summary.records] == ["ok", "ok", "not-run", "not-run"]
    manifest = json.loads((summary.folder / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    assert manifest["counts"] == {"planned": 4, "ok": 2, "failed": 0, "not-run": 2}
    assert manifest["finished"] is not None
    ts = pd.read_csv(summary.folder / "timeseries.csv")
    assert set(ts["variant"]) == {"base"} and set(ts["replicate"]) == {0, 1}
    hidden = [p.name for p in summary.folder.iterdir() if p.name.startswith(".")]
    assert hidden == [".parts"]  # the journal of finished runs, kept for --resume
    parts = sorted(p.name for p in (summary.folder / ".parts").iterdir())
    assert [name[:8] for name in parts] == ["0000000-", "0000001-"]
    assert all(re.fullmatch(r"\d{7}-[0-9a-f]{64}\.json", name) for name in parts)


def test_result_is_independent_of_the_executor_window(tiny_scenario, tmp_path: Path) -> None:
    """A window of one run in flight gives the same files as the default window."""
    with cf.ThreadPoolExecutor(2) as pool:
        narrow = _run(tiny_scenario, tmp_path / "narrow", executor=pool, max_in_flight=1)
    wide = _run(tiny_scenario, tmp_path / "wide")
    for name in FILES:
        assert (narrow.folder / name).read_bytes() == (wide.folder / name).read_bytes()
    assert np.isfinite(wide.summary["mean"]).any()
