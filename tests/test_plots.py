"""Plots from a result folder: the files, what each figure draws, and the numbers behind them."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex
from PIL import Image

from analysis.plots import (
    band_table,
    format_currency,
    metric_figure,
    plot_results,
    revenue_mix_figure,
    variant_colours,
)
from sim.experiments import ResultWriter, load_results
from sim.experiments.manifest import RunRecord

PNGS = {
    "total_revenue.png",
    "channel_revenue.png",
    "vendor_net_revenue.png",
    "conflicts.png",
    "attention_share.png",
    "trust.png",
    "capability.png",
    "revenue_mix.png",
}


def _folder(path: Path, outputs: dict[tuple[str, int], object]) -> Path:
    path.mkdir()
    vendors = tuple(dict.fromkeys(next(iter(outputs.values())).runs["vendor"]))
    plan = [RunRecord(v, r, 1, (r,), "ok") for v, r in outputs]
    writer = ResultWriter(path, "hand", plan, "name: hand\n", vendors=vendors)
    for record in plan:
        writer.add(record, outputs[record.key])
    writer.close()
    return path


@pytest.fixture(scope="module")
def plotted(tiny_results: Path) -> list[Path]:
    return plot_results(tiny_results)


def test_plot_results_writes_valid_pngs_at_150_dpi(plotted: list[Path], tiny_results: Path) -> None:
    assert {p.name for p in plotted} == PNGS
    assert {p.name for p in (tiny_results / "plots").iterdir()} == PNGS  # no temp files
    for path in plotted:
        with Image.open(path) as image:
            assert image.format == "PNG"
            width, height = image.size
            assert 800 <= width <= 4000 and 500 <= height <= 3000, (path.name, image.size)
            assert round(image.info["dpi"][0]) == 150


def test_one_line_per_variant_in_every_vendor_panel(tiny_results: Path) -> None:
    results = load_results(tiny_results)
    fig = metric_figure(results, "channel_revenue")
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["acme", "rival"]
    for ax in panels:
        lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
        assert [line.get_label() for line in lines] == ["base", "cut"]
        assert len(ax.collections) == 2  # one 5-95% band per variant
        assert ax.get_xlabel() == "Month"
        markers = [line for line in ax.get_lines() if line.get_label().startswith("_")]
        assert [(m.get_xdata()[0], m.get_linestyle()) for m in markers] == [(2.0, "--")]
    assert panels[0].get_shared_y_axes().joined(panels[0], panels[1])
    assert fig._suptitle.get_text().startswith("tiny: channel revenue")
    assert "$" in panels[0].get_ylabel()
    plt.close(fig)


def test_each_variant_keeps_its_colour_across_figures(tiny_results: Path) -> None:
    results = load_results(tiny_results)
    expected = variant_colours(results.variants)
    for metric in ("channel_revenue", "attention_share", "mean_trust"):
        fig = metric_figure(results, metric)
        for line in fig.axes[0].get_lines():
            name = line.get_label()
            name = "cut" if name.startswith("_") else name  # cut's event marker
            assert to_hex(line.get_color()) == to_hex(expected[name])
        plt.close(fig)
    assert len(set(expected.values())) == len(expected)


def test_band_is_mean_and_5_95_percent_of_replicates(tmp_path: Path, fake_output) -> None:
    """Replicates at 10, 20, 30: mean 20, band [11, 29] (linear percentiles)."""
    outputs = {("base", r): fake_output(mean_trust=[v, v, v]) for r, v in enumerate((10, 20, 30))}
    table = band_table(load_results(_folder(tmp_path / "out", outputs)), "mean_trust")
    assert table["mean"].tolist() == [20, 20, 20]
    assert table["low"].tolist() == pytest.approx([11] * 3)
    assert table["high"].tolist() == pytest.approx([29] * 3)
    assert table["month"].tolist() == [1, 2, 3]


def test_flows_are_shown_per_month_for_weekly_steps(tmp_path: Path, fake_output) -> None:
    """A flow of 12 per week-long step (12/52 month) is plotted as 52 per month."""
    output = fake_output(channel_revenue=[12, 12, 12])
    output.timeseries["month"] = (output.timeseries["step"] + 1) * 12 / 52
    table = band_table(
        load_results(_folder(tmp_path / "out", {("base", 0): output})), "channel_revenue"
    )
    assert table["mean"].tolist() == pytest.approx([52, 52, 52])


def test_revenue_mix_stacks_channel_and_direct_per_vendor_for_every_variant(
    tiny_results: Path,
) -> None:
    """One channel bar and one direct bar on top of it per variant, in each vendor's group, in
    the variant's colour; heights are the mean over replicates of runs.csv."""
    results = load_results(tiny_results)
    fig = revenue_mix_figure(results)
    ax = fig.axes[0]
    assert len(ax.containers) == 4  # base channel, base direct, cut channel, cut direct
    means = results.runs.groupby(["variant", "vendor"], sort=False).mean(numeric_only=True)
    colours = variant_colours(results.variants)
    for k, variant in enumerate(["base", "cut"]):
        channel, direct = ax.containers[2 * k], ax.containers[2 * k + 1]
        expected = means.loc[variant].reindex(["acme", "rival"])
        assert [b.get_height() for b in channel] == pytest.approx(
            expected["channel_revenue"].tolist()
        )
        assert [b.get_height() for b in direct] == pytest.approx(
            expected["direct_revenue"].tolist()
        )
        assert [b.get_y() for b in direct] == pytest.approx(expected["channel_revenue"].tolist())
        assert to_hex(channel[0].get_facecolor()) == to_hex(colours[variant])
    assert "by vendor and variant" in ax.get_title()
    plt.close(fig)


def test_a_folder_without_finished_runs_gets_no_plots(tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    writer = ResultWriter(folder, "hand", [RunRecord("base", 0, 1, (0,))], "name: hand\n")
    writer.add(RunRecord("base", 0, 1, (0,), "failed", "E: x"), None)
    writer.close()
    assert plot_results(folder) == []


@pytest.mark.parametrize(
    ("value", "axis", "table"),
    [
        (0, "$0", "$0"),
        (999.96, "$1k", "$1.00k"),
        (850_000, "$850k", "$850k"),
        (1_200_000, "$1.2M", "$1.20M"),
        (1_666_000, "$1.7M", "$1.67M"),
        (2_000_000, "$2M", "$2.00M"),
        (3.4e9, "$3.4B", "$3.40B"),
        (-20_000, "-$20k", "-$20.0k"),
        (999_999, "$1M", "$1.00M"),
    ],
)
def test_format_currency(value: float, axis: str, table: str) -> None:
    assert format_currency(value) == axis
    assert format_currency(value, digits=3) == table


# ------------------------------------------------------------- units, smoothing, event markers
def test_share_ticks_are_whole_points_and_differences_are_pp() -> None:
    """The issue's attention axis read "40%, 38%, 35%, 33%": now whole points in steps of 1, 2,
    5 or 10, and "pp" on a difference axis."""
    from analysis.style import PercentTicks, whole_percent_locator

    ticks = whole_percent_locator().tick_values(0.3, 0.4)
    assert all(abs(t * 100 - round(t * 100)) < 1e-9 for t in ticks)
    assert list(np.round(np.diff(ticks) * 100, 9)) == [2.0] * (len(ticks) - 1)
    level, difference = PercentTicks(), PercentTicks(difference=True)
    level.set_locs(ticks)
    difference.set_locs([-0.05, 0.0, 0.05])
    assert [level(t) for t in ticks[:3]] == ["30%", "32%", "34%"]
    assert [difference(t) for t in (-0.05, 0.0, 0.05)] == ["-5 pp", "0 pp", "+5 pp"]
    narrow = PercentTicks()
    narrow.set_locs([0.301, 0.303, 0.305])  # closer than a point: one decimal, not "30%" thrice
    assert narrow(0.303) == "30.3%"


def test_axis_labels_name_one_unit_per_quantity() -> None:
    from analysis.style import axis_label

    assert axis_label("channel_revenue", rolling=True) == (
        "Channel revenue\n($ per month, 3-month rolling mean)"
    )
    assert axis_label("attention_share") == "Attention share\n(%)"
    assert axis_label("attention_share", difference=True) == "Difference in attention share\n(pp)"
    assert axis_label("mean_trust") == "Mean partner trust\n(0 to 1 scale)"
    assert axis_label("conflicts") == "Channel conflicts\n(deals per month)"


def test_quarterly_smoothing_is_a_trailing_three_month_mean_of_each_run(
    tmp_path: Path, fake_output
) -> None:
    """Revenue 0, 3, 6, 9, 12: the rolling means are 0, 1.5, 3, 6, 9 (shorter at the start);
    levels are never smoothed."""
    outputs = {("base", 0): fake_output(steps=5, channel_revenue=[0, 3, 6, 9, 12],
                                        mean_trust=[0.1, 0.5, 0.1, 0.5, 0.1])}  # fmt: skip
    results = load_results(_folder(tmp_path / "out", outputs))
    table = band_table(results, "channel_revenue", smooth="quarter")
    assert table["mean"].tolist() == pytest.approx([0, 1.5, 3, 6, 9])
    assert band_table(results, "channel_revenue")["mean"].tolist() == [0, 3, 6, 9, 12]
    trust = band_table(results, "mean_trust", smooth="quarter")["mean"].tolist()
    assert trust == pytest.approx([0.1, 0.5, 0.1, 0.5, 0.1])


def test_markers_at_announcement_and_start_of_every_event(tmp_path: Path, fake_output) -> None:
    """An event at month 6 with 2 months' notice: a dotted line at month 4 and a dashed one at
    6; a launch term at month 0 and an event after the window are not drawn."""
    from analysis.compare import build_comparison
    from analysis.compare_plots import event_markers

    resolved = (
        "name: hand\nvendors:\n  - {name: a, program: {margin: 0.2}}\n"
        "events:\n  - {at_month: 0, vendor: a, set: {program.rebate: 0.0}}\n"
        "variants:\n  cut:\n    events:\n"
        "      - {at_month: 6, vendor: a, set: {program.margin: 0.1}, notice_months: 2}\n"
        "      - {at_month: 20, vendor: a, set: {program.rebate: 0.1}}\n"
    )
    outputs = {(v, r): fake_output(steps=8) for v in ("base", "cut") for r in range(2)}
    folder = _folder(tmp_path / "out", outputs)
    (folder / "scenario.resolved.yaml").write_text(resolved)
    markers = event_markers(build_comparison([load_results(folder)], ["channel_revenue"]))
    assert [(m.month, m.kind) for m in markers] == [(4.0, "announced"), (6.0, "changes")]
    assert markers[1].label == "month 6, starts: a margin 0.2 \u2192 0.1 (cut)"
