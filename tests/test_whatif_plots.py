"""The dashboard's chart: a panel per metric for one vendor, arms overlaid, change markers in each
arm's colour, flows averaged over three months of each run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.compare import build_comparison
from analysis.whatif_plots import Marker, smoothed, whatif_figure
from sim.experiments.reader import load_results
from tests.folders import output, write_folder


@pytest.fixture
def comp(tmp_path: Path):
    outs = {}
    for r in range(2):
        outs[("base", r)] = output(steps=4, channel_revenue=[3, 6, 9, 0])
        outs[("cut", r)] = output(steps=4, channel_revenue=[0, 0, 3, 3])
    return build_comparison(
        [load_results(write_folder(tmp_path / "f", outs))], ["channel_revenue", "mean_trust"]
    )


def test_flows_are_averaged_over_the_last_three_months_of_each_run(comp) -> None:
    ts = smoothed(comp, ["channel_revenue"], 3).timeseries
    base = ts[(ts.arm == "base") & (ts.seed == ts.seed.iloc[0])].sort_values("step")
    assert base.channel_revenue.tolist() == [3.0, 4.5, 6.0, 5.0]
    pd.testing.assert_frame_equal(
        smoothed(comp, ["channel_revenue"], 1).timeseries, comp.timeseries
    )


def test_a_panel_per_metric_markers_and_a_legend(comp) -> None:
    markers = [Marker("cut", 1.0, "announced"), Marker("cut", 2.0, "starts")]
    fig = whatif_figure(comp, "a", ["channel_revenue", "mean_trust"], markers, title="t")
    panels = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in panels] == ["Channel revenue", "Mean partner trust"]
    assert panels[0].get_ylabel() == "per month, 3-month average"
    cut = [line for line in panels[0].get_lines() if line.get_label() == "cut"][0]
    marks = [line for line in panels[0].get_lines() if line.get_xdata()[0] in (1.0, 2.0)
             and line.get_color() == cut.get_color() and len(set(line.get_xdata())) == 1]  # fmt: skip
    assert sorted(line.get_linestyle() for line in marks) == ["-", ":"]
    legend = fig.axes[2].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "base", "cut", "change announced", "change starts"
    ]  # fmt: skip
