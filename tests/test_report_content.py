"""What the report says, on hand-made folders whose numbers are chosen: about the right vendor,
honest about noise, truthful about overrides and events that never happen, and following the
metrics asked for. The executive summary's CSV carries the same paired differences."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image

from analysis.compare import DEFAULT_METRICS
from analysis.report import build_report, write_report
from cli import main
from tests.folders import output, write_folder
from tests.test_report import Page

VENDORS = ("acme", "rival")
RESOLVED = """\
name: hand
seed: 1
focus: {focus}
time: {{horizon_months: 3}}
vendors:
  - {{name: acme, program: {{margin: 0.2}}}}
  - {{name: rival, program: {{margin: 0.2}}}}
events: []
variants:
  push:
    events:
      - {{at_month: 2, vendor: acme, set: {{program.margin: 0.3}}}}
  noise:
    events:
      - {{at_month: 2, vendor: acme, set: {{program.margin: 0.21}}}}
"""
BASE = [10.0, 12.0, 11.0, 13.0]
PUSH = [20.0, 21.0, 23.0, 22.0]  # +10, +9, +12, +9 per month: clearly up
NOISE = [11.0, 10.0, 12.0, 12.0]  # +1, -2, +1, -1: no clear difference


def _folder(tmp_path: Path, focus: str = "acme", **info) -> Path:
    outs = {}
    for r in range(4):
        outs[("base", r)] = output(vendors=VENDORS, channel_revenue=[BASE[r]] * 3)
        outs[("push", r)] = output(vendors=VENDORS, channel_revenue=[PUSH[r]] * 3)
        outs[("noise", r)] = output(vendors=VENDORS, channel_revenue=[NOISE[r]] * 3)
    return write_folder(
        tmp_path / "f", outs, resolved_yaml=RESOLVED.format(focus=focus),
        info={"description": "Hand-made.", "horizon_months": 3, **info},
    )  # fmt: skip


def test_the_report_is_about_the_focus_vendor_even_if_no_event_touches_it(tmp_path: Path) -> None:
    """Every event changes acme; the scenario's focus is rival, so the summary and headline are
    rival's; --vendor acme turns them to acme."""
    folder = _folder(tmp_path, focus="rival")
    page = Page(build_report(folder))
    assert "Executive summary: rival" in page.text("summary")
    headline = " ".join(page.text("headline").split())
    assert "push raises rival's channel revenue" in headline
    assert "Elsewhere, acme's channel revenue rises" in headline  # the other vendor, second
    assert "the scenario's focus vendor" in page.text("summary")
    page = Page(build_report(folder, vendor="acme"))
    assert "Executive summary: acme" in page.text("summary")
    assert "acme's channel revenue" in page.text("headline")
    assert "chosen with --vendor" in page.text("summary")
    result = CliRunner().invoke(main, ["report", str(folder), "--vendor", "nova"])
    assert result.exit_code == 2 and "--vendor nova: not a vendor of" in result.output
    assert "its vendors: acme, rival" in result.output


def test_noise_is_no_clear_difference_and_nothing_is_clearly_best(tmp_path: Path) -> None:
    headline = " ".join(Page(build_report(_folder(tmp_path))).text("headline").split())
    assert "push raises acme's channel revenue over months 1–3 by $30.0 (+87.0%)" in headline
    assert (
        "noise makes no clear difference to acme's channel revenue over months 1–3 against base"
        in headline
    )
    assert "noise raises" not in headline and "noise lowers" not in headline
    assert "push is best for acme's channel revenue" in headline


def test_a_set_override_is_named_in_summary_and_levers(tmp_path: Path) -> None:
    changes = [{"path": "vendors.acme.program.margin", "file": 0.2, "run": 0.15}]
    folder = _folder(tmp_path, overrides=changes)
    page = Page(build_report(folder))
    expected = (
        "This run differs from the scenario file, in every variant: acme program.margin 0.2 "
        "\u2192 0.15 (--set). The description above is the file's."
    )
    assert expected in page.text("summary")
    assert expected in page.text("headline")  # the headline says so too, first
    levers = [rows for cls, rows in page.tables if cls == "levers"][0]
    assert levers[1][:2] == [
        "base",
        "run with acme program.margin 0.2 \u2192 0.15 (--set) (every variant)",
    ]
    assert "the scenario as written" not in page.text("levers")


def test_a_folder_without_recorded_overrides_reads_them_from_the_command_line(
    tmp_path: Path,
) -> None:
    folder = _folder(tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["command_line"] = "sim run b.yaml --set vendors.acme.program.margin=0.15"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert "acme program.margin = 0.15 (--set)" in Page(build_report(folder)).text("summary")


def test_an_event_beyond_the_horizon_is_unchanged_and_says_why(tmp_path: Path) -> None:
    outs = {(v, r): output(vendors=VENDORS, channel_revenue=[BASE[r]] * 3)
            for v in ("base", "late") for r in range(4)}  # fmt: skip
    warning = "x.yaml:9: variants.late: differs from base only in events at or beyond the end"
    folder = write_folder(
        tmp_path / "late", outs, info={"horizon_months": 3, "warnings": [warning + " (3 months)"]}
    )
    page = Page(build_report(folder))
    headline = " ".join(page.text("headline").split())
    assert "late leaves a's channel revenue" not in headline  # the first vendor is acme
    assert (
        "late leaves acme's channel revenue over months 1–3 unchanged: identical to base in all "
        "4 replicate pairs (its only change is an event at or after the end of the run)."
    ) in headline
    assert "by $0" not in headline and "Every other number is identical too." in headline
    assert f"Scenario warning: {warning}" in page.text("summary")


def test_the_report_plots_and_tables_follow_metric(tmp_path: Path) -> None:
    page = Page(build_report(_folder(tmp_path), metrics=["conflicts", "gini"]))
    titles = {cls.split()[-1] for cls, _ in page.tables if cls.startswith("comparison ")}
    assert titles == {"conflicts", "gini"}  # gini: a whole-run value, tables only
    figures = page.text("results")
    assert "Channel conflicts per month as a 3-month rolling mean" in figures
    assert "Channel revenue per month" not in figures
    assert len(page.images) == 3  # conflicts fan and difference, revenue mix


def test_summary_table_csv_holds_the_paired_differences(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    report = write_report(folder)
    assert [p.name for p in report.files] == [
        "report.html",
        "summary_table.csv",
        "summary_table.png",
    ]
    table = pd.read_csv(folder / "summary_table.csv")
    assert table["variant"].tolist() == ["base", "push", "noise"]
    push = table.set_index("variant").loc["push"]
    assert push["channel_revenue_diff"] == pytest.approx(30.0)  # (10 + 9 + 12 + 9) / 4 x 3 months
    assert push["channel_revenue_verdict"] == "up"
    assert table.set_index("variant").loc["noise", "channel_revenue_verdict"] == "unclear"
    assert push["total_revenue"] == pytest.approx(push["channel_revenue"] + 3.0)  # direct: 1/month
    with Image.open(folder / "summary_table.png") as image:  # a 16:9 slide
        width, height = image.size
        assert width >= 1900 and abs(width / height - 16 / 9) < 0.01


def test_when_base_leads_the_headline_also_says_which_change_is_better(tmp_path: Path) -> None:
    """Both cuts lose revenue (base is best), but gradual loses clearly less than abrupt: the
    question "abrupt or gradual?" gets its answer too."""
    outs = {}
    for r in range(4):
        outs[("base", r)] = output(channel_revenue=[BASE[r] + 20] * 3)
        outs[("abrupt", r)] = output(channel_revenue=[BASE[r]] * 3)
        outs[("gradual", r)] = output(channel_revenue=[PUSH[r]] * 3)
    headline = " ".join(Page(build_report(write_folder(tmp_path / "cut", outs))).text("headline")
                        .split())  # fmt: skip
    assert (
        "base is best for a's channel revenue: ahead of every other option beyond noise" in headline
    )
    assert (
        "gradual is best for a's channel revenue among the variants (base aside): ahead of every "
        "other option beyond noise; its smallest lead is $30.0 over abrupt"
    ) in headline


def test_report_options_are_checked(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    result = CliRunner().invoke(main, ["report", str(folder), "--metric", "revenue"])
    assert result.exit_code == 2 and "--metric revenue: unknown metric" in result.output
    result = CliRunner().invoke(main, ["report", str(folder), "--smooth", "week"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_other_vendors_rows_are_folded_away(tmp_path: Path) -> None:
    """The issue's 70-row tables: each metric shows the focus vendor's rows; the others' are in a
    closed <details> element."""
    html = build_report(_folder(tmp_path))
    folded = re.findall(
        r'<details><summary>Other vendors: rival \((\d+) rows\)</summary><table class="comparison '
        r'others ([a-z_]+)"', html,
    )  # fmt: skip
    assert [metric for _, metric in folded] == list(DEFAULT_METRICS)
    assert {rows for rows, metric in folded if metric == "channel_revenue"} == {"6"}  # 3 x 2


def test_a_variant_that_shares_no_seeds_with_base_is_called_unpaired(tmp_path: Path) -> None:
    """Variants of one folder share seeds, so their differences are paired; a folder run with
    another seed shares none, and the summary says its difference is unpaired (Welch)."""
    from analysis.compare import build_comparison
    from analysis.summary import headings
    from sim.experiments.reader import load_results

    first = load_results(_folder(tmp_path / "one"))
    outs = {("base", r): output(vendors=VENDORS, channel_revenue=[PUSH[r]] * 3) for r in range(4)}
    other = load_results(write_folder(tmp_path / "two", outs, entropy=2))
    _, note = headings(build_comparison([first], ["channel_revenue"]), "acme")
    assert "paired difference (same seeds), with its 90% interval" in note
    comp = build_comparison([first, other], ["channel_revenue"])
    unpaired = [arm for arm in comp.reference if arm.startswith("two")]
    _, note = headings(comp, "acme")
    assert f"; {unpaired[0]} shares no seeds with f:base: unpaired (Welch), with its" in note
