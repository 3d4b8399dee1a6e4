"""Comparing variants and result folders: paired differences with exact numbers, the interval
methods, the month window, two folders, and the command's output folder and exit codes."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy import stats

from analysis.compare import CompareError, build_comparison, comparison_table, parse_window
from analysis.intervals import mean_interval, paired_interval, welch_interval
from analysis.series import difference_table
from cli import main
from sim.experiments.reader import load_results
from tests.folders import output, write_folder, write_sweep

T90_2 = stats.t.ppf(0.95, 2)  # 2.919986: the 90% t quantile with 2 degrees of freedom


@pytest.fixture
def hand(tmp_path: Path) -> Path:
    """base replicates earn 1, 2, 3 per month; cut earns 2, 2, 5 (3 months, one vendor ``a``).

    Cumulative channel revenue: base 3, 6, 9; cut 6, 6, 15; paired differences 3, 0, 6.
    """
    outs = {}
    for r, (b, c) in enumerate([(1, 2), (2, 2), (3, 5)]):
        outs[("base", r)] = output(channel_revenue=[b] * 3, mean_trust=[0.5, 0.5, 0.4 + r / 10])
        outs[("cut", r)] = output(channel_revenue=[c] * 3, mean_trust=[0.5, 0.5, 0.3])
    return write_folder(tmp_path / "hand", outs)


def _row(table: pd.DataFrame, metric: str, stat: str, arm: str) -> pd.Series:
    rows = table[(table.metric == metric) & (table.stat == stat) & (table.arm == arm)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_paired_difference_of_cumulative_revenue_is_exact(hand: Path) -> None:
    """Differences 3, 0, 6: mean 3, sd 3, so the 90% interval is 3 +- t(2) * 3 / sqrt(3); the zero
    pair shares no sign, so 2 of 3 pairs agree."""
    table = comparison_table(build_comparison([load_results(hand)], ["channel_revenue"]))
    row = _row(table, "channel_revenue", "cumulative", "cut")
    half = T90_2 * 3 / math.sqrt(3)
    assert row["reference"] == "base" and row["method"] == "paired t"
    assert row["diff"] == pytest.approx(3.0)
    assert (row["diff_low"], row["diff_high"]) == pytest.approx((3 - half, 3 + half))
    assert (row["pairs"], row["agree"]) == (3, 2)
    assert row["relative"] == pytest.approx(3 / 6)
    assert row["mean"] == pytest.approx(9.0)
    base = _row(table, "channel_revenue", "cumulative", "base")
    assert base["reference"] == "" and math.isnan(base["diff"])
    assert (base["mean_low"], base["mean_high"]) == pytest.approx((6 - half, 6 + half))


def test_stocks_compare_final_and_average_values(hand: Path) -> None:
    table = comparison_table(build_comparison([load_results(hand)], ["mean_trust"]))
    assert set(table.stat) == {"final", "average"}
    final = _row(table, "mean_trust", "final", "cut")  # 0.3 - (0.4, 0.5, 0.6)
    assert final["diff"] == pytest.approx(-0.2)
    assert final["agree"] == 3
    average = _row(table, "mean_trust", "average", "base")  # replicate r: (1.4 + r / 10) / 3
    assert average["mean"] == pytest.approx((1.4 + 0.1) / 3)


def test_months_window_restricts_every_statistic(tmp_path: Path) -> None:
    """Revenue 1, 10, 100 in months 1-3: the window 2:3 sums 110 and ends at 100."""
    outs = {("base", r): output(channel_revenue=[1, 10, 100]) for r in range(2)}
    outs |= {("up", r): output(channel_revenue=[1, 20, 300]) for r in range(2)}
    folder = write_folder(tmp_path / "w", outs)
    comp = build_comparison([load_results(folder)], ["channel_revenue"], parse_window("2:3"))
    table = comparison_table(comp)
    assert comp.window == (2.0, 3.0)
    assert _row(table, "channel_revenue", "cumulative", "base")["mean"] == pytest.approx(110)
    assert _row(table, "channel_revenue", "cumulative", "up")["diff"] == pytest.approx(210)
    assert _row(table, "channel_revenue", "final", "up")["diff"] == pytest.approx(200)
    diffs = difference_table(comp, "channel_revenue")
    assert list(diffs.month) == [2.0, 3.0] and list(diffs["mean"]) == pytest.approx([10, 200])
    assert parse_window(":12") == (None, 12.0) and parse_window("24:") == (24.0, None)
    for bad in ("12", "b:3", "30:12", "1:2:3"):
        with pytest.raises(CompareError, match="--months"):
            parse_window(bad)
    with pytest.raises(CompareError, match="no month"):
        build_comparison([load_results(folder)], ["channel_revenue"], (10.0, 12.0))


def test_two_folders_with_the_same_seeds_are_paired_else_welch(tmp_path: Path) -> None:
    """An old and a new run of one scenario: the new folder's variant is compared with the old
    folder's variant of the same name, paired by seed; other seeds give a Welch interval."""
    old = {("base", r): output(channel_revenue=[r + 1] * 3) for r in range(3)}
    new = {("base", r): output(channel_revenue=[r + 2] * 3) for r in range(3)}
    a = write_folder(tmp_path / "old", old, name="run")
    b = write_folder(tmp_path / "new", new, name="run")
    c = write_folder(tmp_path / "other", new, name="run", entropy=99)
    paired = comparison_table(build_comparison([load_results(a), load_results(b)]))
    row = _row(paired, "channel_revenue", "cumulative", "new")  # labels: folder names
    assert (row["reference"], row["method"], row["agree"], row["pairs"]) == (
        "old",
        "paired t",
        3,
        3,
    )
    assert (row["diff"], row["diff_low"], row["diff_high"]) == pytest.approx((3, 3, 3))
    unpaired = comparison_table(build_comparison([load_results(a), load_results(c)]))
    row = _row(unpaired, "channel_revenue", "cumulative", "other")
    expected = welch_interval([6, 9, 12], [3, 6, 9])
    assert row["method"] == "Welch t" and row["agree"] == -1
    assert (row["diff"], row["diff_low"], row["diff_high"]) == pytest.approx(
        (expected.estimate, expected.low, expected.high)
    )


def test_variants_of_several_folders_are_labelled_folder_colon_variant(tmp_path: Path) -> None:
    outs = {(v, r): output(channel_revenue=[1, 2, 3]) for v in ("base", "cut") for r in range(2)}
    a = write_folder(tmp_path / "a", outs, name="first")
    b = write_folder(tmp_path / "b", outs, name="second")
    comp = build_comparison([load_results(a), load_results(b)], ["channel_revenue"])
    assert [arm.label for arm in comp.arms] == [
        "first:base", "first:cut", "second:base", "second:cut"
    ]  # fmt: skip
    assert comp.reference == {"second:base": "first:base", "second:cut": "first:cut"}


def test_failed_runs_drop_out_of_their_pairs(tmp_path: Path) -> None:
    outs = {("base", r): output(channel_revenue=[r + 1] * 3) for r in range(3)}
    outs |= {("cut", r): output(channel_revenue=[r + 3] * 3) for r in (0, 2)}
    folder = write_folder(tmp_path / "f", outs, failed=[("cut", 1)])
    row = _row(comparison_table(build_comparison([load_results(folder)])), "channel_revenue",
               "cumulative", "cut")  # fmt: skip
    assert (row["n"], row["pairs"], row["diff"]) == (2, 2, pytest.approx(6.0))


@pytest.mark.parametrize("n", [5, 20])
def test_interval_coverage_is_near_ninety_percent(n: int) -> None:
    """Over 3000 seeded samples the 90% intervals cover the true value 87-93% of the time."""
    rng = np.random.default_rng(np.random.SeedSequence(2024))
    hits = {"mean": 0, "paired": 0, "welch": 0}
    trials = 3000
    for _ in range(trials):
        x = rng.normal(10.0, 2.0, n)
        hits["mean"] += mean_interval(x).low <= 10.0 <= mean_interval(x).high
        d = paired_interval(rng.normal(1.0, 3.0, n))
        hits["paired"] += d.low <= 1.0 <= d.high
        w = welch_interval(rng.normal(1.0, 1.0, n), rng.normal(0.0, 4.0, n + 7))
        hits["welch"] += w.low <= 1.0 <= w.high
    for name, count in hits.items():
        assert 0.87 <= count / trials <= 0.93, (name, count / trials)


# ----------------------------------------------------------------------------- command
def test_compare_command_writes_table_and_plots_and_never_overwrites(hand: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(main, ["compare", str(hand), "-m", "channel_revenue"])
    assert first.exit_code == 0, first.output
    assert f"Comparison: {hand / 'compare'}" in first.output
    assert "+$3.00" in first.output and "2/3" in first.output  # the table is printed
    files = {p.name for p in (hand / "compare").iterdir()}
    assert files == {
        "comparison.csv", "fan_channel_revenue.png", "difference_channel_revenue.png",
        "summary_table.csv", "summary_table.png",
    }  # fmt: skip
    csv = pd.read_csv(hand / "compare" / "comparison.csv")
    assert _row(csv, "channel_revenue", "cumulative", "cut")["diff"] == pytest.approx(3.0)
    second = runner.invoke(main, ["compare", str(hand / "manifest.json"), "-m", "mean_trust"])
    assert second.exit_code == 0, second.output
    assert (hand / "compare-2" / "fan_mean_trust.png").exists()
    assert (hand / "compare" / "fan_channel_revenue.png").exists()


def test_compare_finds_a_scenarios_newest_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outs = {("base", 0): output(), ("base", 1): output()}
    write_folder(tmp_path / "results" / "hand" / "20260101-000000", outs)
    newest = write_folder(tmp_path / "results" / "hand" / "20260102-000000", outs)
    (tmp_path / "hand.yaml").write_text("name: hand\n")
    (tmp_path / "nothing.yaml").write_text("name: nothing\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["compare", "hand.yaml"])
    assert result.exit_code == 0, result.output
    assert (newest / "compare").is_dir()
    result = CliRunner().invoke(main, ["compare", "nothing.yaml"])
    assert result.exit_code == 2 and "run `sim run nothing.yaml` first" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["compare", "no/such/folder"], "no such result folder"),
        (["compare", "{empty}"], "not a result folder"),
        (["compare", "{hand}", "--metric", "revenue"], "--metric revenue: unknown metric"),
        (["compare", "{hand}", "--months", "40:50"], "no month of the runs"),
        (["compare", "{hand}", "--out", "{hand}"], "not an empty folder"),
        (["compare", "{hand}", "{hand}/runs.csv"], "the same result folder is given twice"),
    ],
)
def test_compare_bad_input_exits_2_with_a_message(
    hand: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "empty").mkdir()
    args = [a.format(hand=hand, empty=tmp_path / "empty") for a in args]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_compare_refuses_a_sweep_folder_and_names_the_commands_for_it(tmp_path: Path) -> None:
    """A sweep's samples have no base to be compared against: the message points to the sweep
    commands instead of comparing every sample with the first."""
    problem = {"num_vars": 1, "names": ["vendors.acme.program.margin"], "bounds": [[0.1, 0.3]]}
    x = np.linspace(0.1, 0.3, 4)[:, None]
    folder = write_sweep(tmp_path / "sweep", "lhs", problem, x, lambda X, r: {})
    result = CliRunner().invoke(main, ["compare", str(folder)])
    assert result.exit_code == 2, result.output
    assert "a sweep folder (4 samples)" in result.output
    assert f"sim sensitivity {folder}" in result.output


# ------------------------------------------------------------- metric names, focus vendor
def _without_columns(folder: Path, *columns: str) -> Path:
    """The folder as written before the model recorded ``columns`` (they are dropped)."""
    for name in ("timeseries.csv", "runs.csv"):
        table = pd.read_csv(folder / name)
        table.drop(columns=[c for c in columns if c in table.columns]).to_csv(
            folder / name, index=False
        )
    (folder / "timeseries.parquet").unlink(missing_ok=True)
    return folder


def test_total_revenue_is_channel_plus_direct_where_a_folder_has_no_column(hand: Path) -> None:
    """The issue: `sim compare -m total_revenue` was refused. Channel 1, 2, 3 per month plus
    direct 1 per month: total 6, 9, 12 over 3 months for base."""
    folder = _without_columns(hand, "total_revenue")
    comp = build_comparison([load_results(folder)], ["total_revenue"])
    table = comparison_table(comp)
    assert _row(table, "total_revenue", "cumulative", "base")["mean"] == pytest.approx(9.0)
    assert _row(table, "total_revenue", "cumulative", "cut")["diff"] == pytest.approx(3.0)
    result = CliRunner().invoke(main, ["compare", str(folder), "-m", "total_revenue"])
    assert result.exit_code == 0, result.output


def test_a_metric_the_folder_lacks_is_named_clearly(hand: Path) -> None:
    """The reader names the file and the column (``pipeline_value`` is a column every folder
    has, so its absence is damage, not age)."""
    folder = _without_columns(hand, "pipeline_value")
    result = CliRunner().invoke(main, ["compare", str(folder), "-m", "pipeline_value"])
    assert result.exit_code == 2
    assert f"{folder / 'timeseries.csv'}: no column 'pipeline_value'" in result.output
    assert "Traceback" not in result.output


def test_run_level_metrics_compare_the_whole_run_and_refuse_a_window(hand: Path) -> None:
    comp = build_comparison([load_results(hand)], ["gini", "channel_revenue"])
    table = comparison_table(comp)
    row = _row(table, "gini", "run", "cut")
    assert row["mean"] == 1.0 and row["diff"] == 0.0  # tests/folders.py writes 1.0
    alone = comparison_table(build_comparison([load_results(hand)], ["gini", "top_decile_share"]))
    assert _row(alone, "gini", "run", "cut")["mean"] == 1.0  # no per-step metric asked for
    with pytest.raises(CompareError, match="--metric gini: a whole-run value"):
        build_comparison([load_results(hand)], ["gini"], (2.0, 3.0))


def test_compare_sensitivity_and_report_share_one_metric_list() -> None:
    from analysis.metric_catalog import METRIC_NAMES
    from analysis.sweeps import OUTCOMES
    from sim.model.metrics import METRICS, RUN_COLUMNS

    assert list(OUTCOMES) == list(METRIC_NAMES)
    assert set(METRICS) | set(RUN_COLUMNS) | {"total_revenue"} == set(METRIC_NAMES)
    assert METRIC_NAMES.index("total_revenue") < METRIC_NAMES.index("gini")


def test_compare_summary_is_about_the_vendor_asked_for(tmp_path: Path) -> None:
    outs = {(v, r): output(vendors=("acme", "rival"), channel_revenue=[r + (v == "cut")] * 3)
            for v in ("base", "cut") for r in range(3)}  # fmt: skip
    folder = write_folder(tmp_path / "two", outs)
    runner = CliRunner()
    result = runner.invoke(main, ["compare", str(folder), "--vendor", "rival"])
    assert result.exit_code == 0, result.output
    assert "Summary for rival" in result.output
    summary = pd.read_csv(folder / "compare" / "summary_table.csv")
    assert summary["vendor"].unique().tolist() == ["rival"]
    assert summary.set_index("variant").loc["cut", "channel_revenue_diff"] == pytest.approx(3.0)
    result = runner.invoke(main, ["compare", str(folder), "--vendor", "nova"])
    assert result.exit_code == 2 and "--vendor nova: not a vendor of" in result.output
    result = runner.invoke(main, ["compare", str(folder)])
    assert "Summary for acme" in result.output  # no focus in the folder: its first vendor
