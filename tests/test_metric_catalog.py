"""Derived metrics: a result folder written before the model recorded ``total_revenue`` reads it as
channel + direct revenue, so analyses and the dashboard work on old and new folders alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from analysis.compare import CompareError, build_comparison, comparison_table
from analysis.metric_catalog import MetricError, metric_info, read_series
from cli import main
from sim.experiments.reader import load_results
from tests.folders import drop_metrics, output, write_folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """Channel revenue 1, 2, 3 and direct revenue 10 per month; base and ``cut`` (double direct)."""
    outs = {}
    for r in range(2):
        outs[("base", r)] = output(channel_revenue=[1, 2, 3], direct_revenue=[10, 10, 10])
        outs[("cut", r)] = output(channel_revenue=[1, 2, 3], direct_revenue=[20, 20, 20])
    # An old folder: written before the model recorded total_revenue.
    return drop_metrics(write_folder(tmp_path / "f", outs), "total_revenue")


def test_total_revenue_is_channel_plus_direct_where_the_folder_has_no_column(folder: Path) -> None:
    results = load_results(folder)
    assert "total_revenue" not in results.timeseries.columns
    ts = read_series(results, ["total_revenue", "mean_trust"])
    assert list(ts.columns) == [
        "variant", "replicate", "step", "month", "vendor", "total_revenue", "mean_trust"
    ]  # fmt: skip
    base = ts[(ts.variant == "base") & (ts.replicate == 0)]
    assert base["total_revenue"].tolist() == [11.0, 12.0, 13.0]
    assert metric_info("total_revenue").kind == "flow"


def test_an_unknown_metric_is_named_with_the_known_ones(folder: Path) -> None:
    results = load_results(folder)
    with pytest.raises(MetricError, match="--metric no_such: unknown metric; choose from .*total"):
        read_series(results, ["no_such"])


def test_compare_reads_total_revenue_of_an_old_folder(folder: Path) -> None:
    """cut adds 10 per month of direct revenue over 3 months: +30 cumulative, in every pair."""
    comp = build_comparison([load_results(folder)], ["total_revenue"])
    table = comparison_table(comp)
    row = table[(table.arm == "cut") & (table.stat == "cumulative")].iloc[0]
    assert (row["mean"], row["diff"], row["agree"], row["pairs"]) == (66.0, 30.0, 2, 2)
    result = CliRunner().invoke(main, ["compare", str(folder), "--metric", "total_revenue"])
    assert result.exit_code == 0, result.output
    assert "Total revenue" in result.output


def test_an_unknown_metric_is_still_refused(folder: Path) -> None:
    with pytest.raises(CompareError, match="unknown metric; choose from .*total_revenue"):
        build_comparison([load_results(folder)], ["revenue"])
