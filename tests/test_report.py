"""The HTML report: one self-contained file (images as data URIs, no script, no network), with
the sections a strategist needs and tables whose numbers are the comparison's numbers."""

from __future__ import annotations

import base64
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image
from SALib.sample import latin

from analysis.compare import DEFAULT_METRICS, build_comparison
from analysis.compare_plots import write_comparison
from analysis.console import comparison_rows
from analysis.formatting import format_value
from analysis.report import build_report
from cli import main
from sim.experiments.reader import load_results
from tests.folders import output, write_folder, write_sweep


class Page(HTMLParser):
    """Collects section ids, image sources, tables (rows of cell texts), links and scripts."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.images: list[str] = []
        self.tables: list[tuple[str, list[list[str]]]] = []
        self.tags: set[str] = set()
        self.refs: list[str] = []
        self._cell: list[str] | None = None
        self._section_text: dict[str, list[str]] = {}
        self._current: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attrs = dict(attrs)
        self.tags.add(tag)
        for key in ("href", "src"):
            if key in attrs:
                self.refs.append(attrs[key])
        if tag == "section":
            self.sections.append(attrs.get("id", ""))
            self._current = attrs.get("id", "")
        elif tag == "img":
            self.images.append(attrs["src"])
        elif tag == "table":
            self.tables.append((attrs.get("class", ""), []))
        elif tag == "tr":
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._current:
            self._section_text.setdefault(self._current, []).append(data)

    def text(self, section: str) -> str:
        return " ".join(self._section_text.get(section, []))


@pytest.fixture(scope="module")
def report(tiny_results: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """The report of the tiny result folder and a comparison written next to it."""
    out = tmp_path_factory.mktemp("report")
    comp = build_comparison([load_results(tiny_results)])
    write_comparison(comp, out)
    return build_report(tiny_results), out / "comparison.csv"


@pytest.fixture
def fast_delta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fewer bootstrap resamples for the delta indices; the estimates themselves are unchanged."""
    monkeypatch.setattr("analysis.sensitivity.DELTA_RESAMPLES", 20)


def test_report_has_every_section_and_is_self_contained(report: tuple[str, Path]) -> None:
    html, _ = report
    page = Page(html)
    assert page.sections == [
        "summary", "headline", "levers", "results", "comparison", "status", "reproducibility"
    ]  # fmt: skip
    assert "script" not in page.tags and "link" not in page.tags
    assert not re.search(r"https?://", html), "the report must not reference the network"
    assert len(page.images) >= 5
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        with Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1]))) as image:
            assert image.format == "PNG" and image.size[0] > 600
    assert all(ref.startswith("data:") for ref in page.refs)


def test_report_names_the_scenario_levers_status_and_seed(report: tuple[str, Path]) -> None:
    page = Page(report[0])
    assert "<h1>tiny</h1>" in report[0]
    assert "Two vendors, twenty partners, six months." in report[0]
    assert "program.margin 0.2 \u2192 0.1" in page.text("levers")  # the cut variant's event
    status = page.text("status")
    assert "complete" in status and "4 of 4 runs finished" in status
    repro = page.text("reproducibility")
    assert "Scenario seed 7" in repro and "SeedSequence" in repro and "0.1.0" in repro


def test_headline_states_the_change_as_the_runs_show_it(
    report: tuple[str, Path], tiny_results: Path
) -> None:
    """With an interval when the variants differ in some replicate pair, and as identical when
    they do not (a month-2 cut in a 6-month run of 20 partners can move no deal that closes by
    month 6: which happens depends on the draws; the wording itself is pinned in test_wording)."""
    headline = Page(report[0]).text("headline")
    assert "cut" in headline and "acme's channel revenue" in headline
    runs = pd.read_csv(tiny_results / "runs.csv")
    acme = runs[runs.vendor == "acme"].pivot(index="replicate", columns="variant")
    same = bool((acme["channel_revenue"]["cut"] == acme["channel_revenue"]["base"]).all())
    if same:
        assert "unchanged: identical to base in all 2 replicate" in headline
    else:
        assert "90% CI" in headline and "against base" in headline


def test_comparison_tables_show_the_numbers_of_comparison_csv(
    report: tuple[str, Path], tiny_results: Path
) -> None:
    """Every row of the report's tables is the CSV's row, formatted; and the base mean of acme's
    cumulative channel revenue equals the mean of runs.csv, computed independently."""
    html, csv = report
    page = Page(html)
    table = pd.read_csv(csv)
    tables = {cls.split()[-1]: rows for cls, rows in page.tables if cls.startswith("comparison ")
              and "others" not in cls}  # fmt: skip
    others = {cls.split()[-1]: rows for cls, rows in page.tables if "others" in cls}
    assert set(tables) == set(DEFAULT_METRICS) == set(others)
    for metric, rows in tables.items():
        expected = comparison_rows(table, metric)
        assert rows[1:] == [r[1:] for r in expected if r[0] == "acme"], metric  # the focus
        assert others[metric][1:] == [r for r in expected if r[0] != "acme"], metric
    runs = pd.read_csv(tiny_results / "runs.csv")
    mean = runs[(runs.variant == "base") & (runs.vendor == "acme")].channel_revenue.mean()
    first = tables["channel_revenue"][1]
    assert first[:2] == ["base", "cumulative"]
    value, interval = first[2].split(" ", 1)
    assert value == format_value("channel_revenue", mean)
    assert re.fullmatch(r"\[-?\$[\d.]+[kMB]?, -?\$[\d.]+[kMB]?\]", interval)


def test_sweep_report_has_sensitivity_and_tradeoff(tmp_path: Path, fast_delta: None) -> None:
    problem = {"num_vars": 2, "names": ["vendors.acme.program.margin", "vendors.acme.x"],
               "bounds": [[0.05, 0.3], [0.0, 1.0]]}  # fmt: skip
    X = latin.sample(problem, 80, seed=5)
    folder = write_sweep(
        tmp_path / "sweep", "lhs", problem, X,
        lambda X, r: {"channel_revenue": 1e6 * X[:, 0] + r, "vendor_net_revenue": 5e5 - X[:, 1],
                      "mean_trust": 0.5 + X[:, 0]},
    )  # fmt: skip
    page = Page(build_report(folder))
    assert page.sections == [
        "summary", "headline", "levers", "sensitivity", "tradeoff", "status", "reproducibility"
    ]  # fmt: skip
    assert "vendors.acme.program.margin" in page.text("headline")  # the most influential lever
    assert "Borgonovo delta" in page.text("sensitivity")
    sens = [rows for cls, rows in page.tables if cls == "sensitivity"][0]
    assert sens[0] == ["outcome", "parameter", "delta", "S1"] and len(sens) == 5
    assert len(page.images) == 2  # sensitivity chart and trade-off scatter
    levers = page.text("levers")
    assert "lhs" in levers and "0.05" in levers and "0.3" in levers


def test_report_command_writes_the_default_file_and_rejects_bad_folders(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "f", {("base", r): output(channel_revenue=[r + 1] * 3)
                                           for r in range(2)})  # fmt: skip
    runner = CliRunner()
    result = runner.invoke(main, ["report", str(folder)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"Report: {folder / 'report.html'}",
        f"Summary: {folder / 'summary_table.csv'}, {folder / 'summary_table.png'}",
    ]
    assert "One variant only" in Page((folder / "report.html").read_text()).text("headline")
    result = runner.invoke(main, ["report", str(folder), "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 0 and (tmp_path / "r.html").exists()
    (tmp_path / "empty").mkdir()
    for args, message in (
        (["report", str(tmp_path / "none")], "no such result folder"),
        (["report", str(tmp_path / "empty")], "not a result folder"),
        (["report", str(folder), "--out", str(tmp_path / "no" / "r.html")], "does not exist"),
    ):
        result = runner.invoke(main, args)
        assert result.exit_code == 2 and message in result.output, result.output
        assert "Traceback" not in result.output


def test_sweep_commands_on_a_plain_folder_exit_2(tmp_path: Path) -> None:
    folder = write_folder(tmp_path / "f", {("base", 0): output(), ("base", 1): output()})
    result = CliRunner().invoke(main, ["sensitivity", str(folder)])
    assert result.exit_code == 2 and "not a sweep folder" in result.output


# ------------------------------------------------------------------------------ escaping
MARK = "<img src=x onerror=alert(1)>"
"""Markup a crafted folder might carry; it must appear in the report only as text."""


def _no_markup_from_the_folder(html: str) -> None:
    assert MARK not in html and "<img src=x" not in html
    assert "onerror=alert" not in html.replace("&lt;img src=x onerror=alert(1)&gt;", "")


def test_text_from_the_folder_reaches_the_report_only_as_text(tmp_path: Path) -> None:
    """Scenario, variant and vendor names, the description, the command line, versions and a
    failed run's error all carry markup; every one is escaped (Jinja2 autoescape, one path)."""
    variant, vendor = f"v{MARK}", f"a{MARK}"
    outputs = {(name, r): output(vendors=(vendor, "b")) for name in ("base", variant)
               for r in range(2)}  # fmt: skip
    folder = write_folder(
        tmp_path / "x", outputs, name=f"n{MARK}", failed=[(variant, 2)],
        info={"description": MARK, "horizon_months": 3, "engine": MARK, "scenario_file": MARK},
    )  # fmt: skip
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest.update(command_line=MARK, platform=MARK, python=MARK, seeding=MARK,
                    started=MARK, finished=MARK, libraries={MARK: MARK})  # fmt: skip
    manifest["package"]["version"] = MARK
    for run in manifest["runs"]:
        if run["status"] == "failed":
            run["error"] = MARK
    manifest_path.write_text(json.dumps(manifest))
    html = build_report(folder)
    _no_markup_from_the_folder(html)
    assert html.count("&lt;img src=x onerror=alert(1)&gt;") >= 10
    page = Page(html)
    assert MARK in page.text("status") and MARK in page.text("reproducibility")


def _leaves(value, path=()):
    """Every leaf of a JSON document with its path."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, (*path, key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _leaves(inner, (*path, i))
    else:
        yield path


def test_every_manifest_field_with_markup_is_refused_or_escaped(
    tiny_results: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15, item 4: manifest ``counts`` reached "Run status" unescaped. Each leaf of the
    manifest in turn is set to markup: the reader refuses the folder (a count must be a number) or
    the report shows the markup as text; never does it reach the page as markup."""
    import shutil

    import matplotlib.pyplot as plt

    import analysis.report_variants as report_module
    from sim.experiments.folder_layout import ResultsError

    def small(*args, **kwargs):  # the figures do not show manifest text; keep the loop fast
        return plt.figure(figsize=(1, 1))

    for name in ("fan_figure", "difference_figure", "revenue_mix_figure", "summary_figure"):
        monkeypatch.setattr(report_module, name, small)
    folder = tmp_path / "x"
    shutil.copytree(tiny_results, folder)
    original = json.loads((folder / "manifest.json").read_text())
    outcomes = {"refused": 0, "escaped": 0}
    for path in _leaves(original):
        manifest = json.loads(json.dumps(original))
        target = manifest
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = MARK
        (folder / "manifest.json").write_text(json.dumps(manifest))
        try:
            html = build_report(folder)
        except ResultsError:
            outcomes["refused"] += 1
            continue
        _no_markup_from_the_folder(html)
        outcomes["escaped"] += 1
    assert outcomes["refused"] > 10 and outcomes["escaped"] > 10, outcomes
