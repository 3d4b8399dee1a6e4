"""The dashboard's chart: a panel per metric for one vendor, arms overlaid, change markers in each
arm's colour, flows averaged over three months of each run."""

from __future__ import annotations

from pathlib import Path

import pytest

from analysis.compare import build_comparison
from analysis.whatif_plots import Marker, whatif_figure
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
    """The chart draws what the report's charts draw: each run's trailing 3-month mean."""
    fig = whatif_figure(comp, "a", ["channel_revenue"])
    base = [line for line in fig.axes[0].get_lines() if line.get_label() == "base"][0]
    assert base.get_ydata().tolist() == [3.0, 4.5, 6.0, 5.0]
    fig = whatif_figure(comp, "a", ["channel_revenue"], smooth="month")
    base = [line for line in fig.axes[0].get_lines() if line.get_label() == "base"][0]
    assert base.get_ydata().tolist() == [3.0, 6.0, 9.0, 0.0]


def test_a_panel_per_metric_markers_and_a_legend(comp) -> None:
    markers = [Marker("cut", 1.0, "announced"), Marker("cut", 2.0, "starts")]
    fig = whatif_figure(comp, "a", ["channel_revenue", "mean_trust"], markers, title="t")
    panels = [ax for ax in fig.axes if ax.axison]
    assert [ax.get_title() for ax in panels] == ["Channel revenue", "Mean partner trust"]
    assert panels[0].get_ylabel() == "per month, 3-month rolling mean"
    cut = [line for line in panels[0].get_lines() if line.get_label() == "cut"][0]
    marks = [line for line in panels[0].get_lines() if line.get_xdata()[0] in (1.0, 2.0)
             and line.get_color() == cut.get_color() and len(set(line.get_xdata())) == 1]  # fmt: skip
    assert sorted(line.get_linestyle() for line in marks) == ["-", ":"]
    legend = fig.axes[2].get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [
        "base", "cut", "change announced", "change starts"
    ]  # fmt: skip
