"""Result folders: the layout and columns of docs/reference.md, atomic writes, summaries, re-opening."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sim
from sim.experiments import ResultsError, ResultWriter, create_result_folder, load_results
from sim.experiments.folder_layout import atomic_open
from sim.experiments.manifest import RunRecord

# Pinned from docs/reference.md ("Result folders", "Metrics"): scripts and notebooks read these names.
METRIC_COLUMNS = [
    "channel_revenue",
    "partner_sourced_revenue",
    "co_sell_revenue",
    "direct_revenue",
    "vendor_net_revenue",
    "partner_profit",
    "attention_share",
    "mean_trust",
    "trust_p10",
    "mean_capability",
    "active_partners",
    "conflicts",
    "win_rate",
    "pipeline_value",
    # added by the economics issue (docs/reference.md, "Metrics"):
    "total_revenue",
    "sales_cost",
    "program_cost",
    "linked_partners",
    "partner_exits",
    "partner_recruits",
    "rep_utilization",
    "rep_attainment",
    # added by the levers issue (docs/reference.md, "Metrics"):
    "performance_rebates",
    "registered_deals",
    "overrides",
    "mdf_spend",
    "mdf_opportunities",
    "mdf_revenue",
    "rebate_attainment",
    # partner tiers (docs/model.md §7.15), lowest tier = 1:
    "tier_promotions",
    "tier_demotions",
    "tier_benefits",
    *(f"tier_{k}_{what}" for k in range(1, 5) for what in ("lines", "revenue")),
    "arr",
    "renewal_revenue",
    "churned_arr",
    "perpetual_conversions",
    "squatted_deals",
    "referral_revenue",
]
TIMESERIES_COLUMNS = ["variant", "replicate", "step", "month", "vendor", *METRIC_COLUMNS]
RUNS_COLUMNS = [
    "variant",
    "replicate",
    "vendor",
    "channel_revenue",
    "direct_revenue",
    "vendor_net_revenue",
    "conflicts",
    "partners",
    "productive_partners",
    "top_decile_share",
    "gini",
    "win_rate",
    "contested_share",
    "recruit_months_to_first_win",
    "recruit_no_win_first_year",
]
SUMMARY_COLUMNS = ["variant", "vendor", "metric", "mean", "p5", "p50", "p95"]
FILES = {"scenario.resolved.yaml", "manifest.json", "timeseries.csv", "runs.csv", "summary.csv"}


def _write(folder: Path, outputs: dict[tuple[str, int], object], vendors=("a",)) -> ResultWriter:
    """A folder from hand-built outputs (None = a failed run)."""
    folder.mkdir()
    plan = [RunRecord(v, r, 1, (r,)) for v, r in outputs]
    writer = ResultWriter(folder, "hand", plan, "name: hand\n", vendors=vendors)
    for (variant, replicate), output in outputs.items():
        status = "ok" if output is not None else "failed"
        writer.add(RunRecord(variant, replicate, 1, (replicate,), status, "E: x"), output)
    writer.close()
    return writer


def test_folder_has_the_contract_files_and_columns(tiny_results: Path) -> None:
    names = {p.name for p in tiny_results.iterdir()} - {"timeseries.parquet", "plots"}
    assert names == FILES
    ts = pd.read_csv(tiny_results / "timeseries.csv")
    assert list(ts.columns) == TIMESERIES_COLUMNS
    assert len(ts) == 2 * 2 * 6 * 2  # variants x replicates x months x vendors
    assert list(ts["vendor"].iloc[:2]) == ["acme", "rival"]
    assert list(pd.read_csv(tiny_results / "runs.csv").columns) == RUNS_COLUMNS
    summary = pd.read_csv(tiny_results / "summary.csv")
    assert list(summary.columns[: len(SUMMARY_COLUMNS)]) == SUMMARY_COLUMNS
    metrics = METRIC_COLUMNS + [
        "partners",
        "productive_partners",
        "top_decile_share",
        "gini",
        "contested_share",
        "recruit_months_to_first_win",
        "recruit_no_win_first_year",
    ]
    assert list(summary["metric"].iloc[: len(metrics)]) == metrics
    assert len(summary) == 2 * 2 * len(metrics)  # variants x vendors x metrics


def test_manifest_records_versions_command_seeds_and_status(tiny_results: Path) -> None:
    manifest = json.loads((tiny_results / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["package"]["version"] == sim.__version__
    assert manifest["command_line"] == "t"
    assert manifest["python"].count(".") == 2
    assert {"numpy", "pandas", "mesa", "pydantic"} <= set(manifest["libraries"])
    assert manifest["started"] <= manifest["finished"]
    assert [(r["variant"], r["replicate"], r["seed"], r["status"]) for r in manifest["runs"]] == [
        (v, r, {"entropy": 7, "spawn_key": [r]}, "ok") for v in ("base", "cut") for r in (0, 1)
    ]


def test_no_temporary_files_are_left(tiny_results: Path) -> None:
    hidden = [p.name for p in tiny_results.rglob("*") if p.name.startswith(".")]
    assert hidden == []


def test_atomic_open_leaves_the_old_file_when_writing_fails(tmp_path: Path) -> None:
    """A reader sees the old file or the new one, never half of one, and no temp file remains."""
    path = tmp_path / "runs.csv"
    path.write_text("old")
    with pytest.raises(RuntimeError), atomic_open(path) as handle:
        handle.write("half of the new")
        raise RuntimeError("disk on fire")
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["runs.csv"]
    with atomic_open(path) as handle:
        handle.write("new")
    assert path.read_text() == "new"


def test_out_dir_must_be_new_or_empty(tmp_path: Path) -> None:
    assert create_result_folder("x", tmp_path / "new").is_dir()
    (tmp_path / "empty").mkdir()
    assert create_result_folder("x", tmp_path / "empty") == tmp_path / "empty"
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "manifest.json").write_text("{}")
    with pytest.raises(ResultsError, match="exists and is not empty"):
        create_result_folder("x", tmp_path / "used")
    assert (tmp_path / "used" / "manifest.json").read_text() == "{}"


def test_default_folder_is_timestamped_and_never_reused(tmp_path: Path) -> None:
    now = dt.datetime(2024, 5, 6, 7, 8, 9)
    first = create_result_folder("demo", root=tmp_path, now=now)
    second = create_result_folder("demo", root=tmp_path, now=now)
    assert first == tmp_path / "demo" / "20240506-070809"
    assert second == tmp_path / "demo" / "20240506-070809-2"


def test_summary_aggregates_each_metric_kind(tmp_path: Path, fake_output) -> None:
    """Run-level value: flows sum over steps, stocks take the last step, rates average the steps
    where they are defined; then mean and percentiles across replicates."""
    rep0 = fake_output(
        channel_revenue=[1, 2, 3], mean_trust=[0.1, 0.2, 0.3], win_rate=[0.5, np.nan, 1.0]
    )
    rep1 = fake_output(
        channel_revenue=[2, 2, 2], mean_trust=[0.9, 0.8, 0.5], win_rate=[0.2, 0.2, 0.2]
    )
    rep1.runs["gini"] = 0.5
    writer = _write(tmp_path / "out", {("base", 0): rep0, ("base", 1): rep1})
    summary = writer.summary.set_index("metric")
    assert summary.loc["channel_revenue", ["mean", "p5", "p50", "p95"]].tolist() == [6, 6, 6, 6]
    trust = summary.loc["mean_trust"]
    assert trust["mean"] == pytest.approx(0.4)
    assert trust["p5"] == pytest.approx(0.3 + 0.05 * 0.2)
    assert trust["p95"] == pytest.approx(0.3 + 0.95 * 0.2)
    assert summary.loc["win_rate", "mean"] == pytest.approx((0.75 + 0.2) / 2)
    assert summary.loc["gini", "mean"] == pytest.approx(0.75)
    assert summary.loc["gini", "kind"] == "run" and summary.loc["win_rate", "kind"] == "rate"
    assert summary.loc["channel_revenue", "n"] == 2
    assert (pd.read_csv(tmp_path / "out" / "summary.csv")["mean"].to_numpy()[:1] == 6).all()


def test_failed_runs_are_left_out_of_the_tables(tmp_path: Path, fake_output) -> None:
    writer = _write(tmp_path / "out", {("base", 0): fake_output(), ("base", 1): None})
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "failed-runs"
    assert [r["status"] for r in manifest["runs"]] == ["ok", "failed"]
    assert set(pd.read_csv(tmp_path / "out" / "runs.csv")["replicate"]) == {0}
    assert set(writer.summary["n"]) == {1}


def test_load_results_reopens_a_folder(tmp_path: Path, fake_output) -> None:
    """Vendor names such as NA stay text when a folder is read back."""
    output = fake_output(vendors=("NA", "null"), mean_trust=[0.1, np.nan, 0.3])
    _write(tmp_path / "out", {("base", 0): output}, vendors=("NA", "null"))
    results = load_results(tmp_path / "out")
    assert results.status == "complete"
    assert results.variants == ["base"] and results.vendors == ["NA", "null"]
    assert list(results.timeseries.columns) == TIMESERIES_COLUMNS
    assert results.timeseries["vendor"].tolist()[:2] == ["NA", "null"]
    assert np.isnan(results.timeseries["mean_trust"].iloc[2])
    assert list(results.runs["vendor"]) == ["NA", "null"]
    assert list(results.summary.columns[:7]) == SUMMARY_COLUMNS


def test_load_results_rejects_other_folders(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="no such result folder"):
        load_results(tmp_path / "missing")
    with pytest.raises(ResultsError, match="not a result folder"):
        load_results(tmp_path)
    (tmp_path / "manifest.json").write_text('{"something": "else"}')
    with pytest.raises(ResultsError, match="not a result folder"):
        load_results(tmp_path)


def test_resolved_yaml_runs_the_same_variants_again(tiny_results: Path, tiny_scenario) -> None:
    """scenario.resolved.yaml: base fully resolved, variants as differences; it loads back to
    the same configs."""
    from sim.scenario import load_scenario

    again = load_scenario(tiny_results / "scenario.resolved.yaml")
    assert list(again.variants) == list(tiny_scenario.variants)
    for name, config in tiny_scenario.variants.items():
        assert again.variants[name] == config


def test_parquet_copy_matches_csv(tiny_results: Path) -> None:
    pytest.importorskip("pyarrow")
    parquet = pd.read_parquet(tiny_results / "timeseries.parquet")
    csv = pd.read_csv(tiny_results / "timeseries.csv")
    pd.testing.assert_frame_equal(parquet, csv, check_dtype=False)
