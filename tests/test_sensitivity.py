"""Sensitivity indices from sweep folders, checked against functions with known answers, read
through the same folder-reading code as real sweeps (samples.csv + runs.csv + manifest "sweep")."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from PIL import Image
from SALib.sample import latin
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

from analysis.salib_runs import analysis_pool
from analysis.sensitivity import sensitivity_table
from analysis.sweeps import SweepError, load_sweep, sample_means
from analysis.tradeoff import tradeoff_table
from cli import main
from tests.folders import output, write_folder, write_sweep

ISHIGAMI = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-np.pi, np.pi]] * 3}
S1 = (0.314, 0.442, 0.0)
ST = (0.558, 0.442, 0.244)


@pytest.fixture(scope="module")
def ishigami(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sobol sweep of 1024 base points (5120 samples in SALib's Saltelli order), 2 replicates
    per sample at Ishigami(x) -+ 0.5 (so the replicate mean is exact); rival's channel revenue
    is x1 alone."""
    N = 1024
    X = sobol_sample.sample(ISHIGAMI, N, calc_second_order=False, seed=1)
    blocks = ["A", "AB1", "AB2", "AB3", "B"] * N
    return write_sweep(
        tmp_path_factory.mktemp("ishigami") / "sweep", "sobol", ISHIGAMI, X,
        lambda X, r: {"acme:channel_revenue": Ishigami.evaluate(X) + (r - 0.5),
                      "rival:channel_revenue": X[:, 0]},
        blocks=blocks, options={"calc_second_order": False, "base_samples": N},
    )  # fmt: skip


@pytest.fixture
def fast_delta(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fewer bootstrap resamples for the delta indices; the estimates themselves are unchanged."""
    monkeypatch.setattr("analysis.sensitivity.DELTA_RESAMPLES", 20)


def _indices(table: pd.DataFrame, vendor: str, index: str) -> np.ndarray:
    part = table[(table["vendor"] == vendor) & (table["index"] == index)]
    return part.set_index("parameter").loc[ISHIGAMI["names"], "value"].to_numpy()


def test_ishigami_sobol_indices_match_the_analytical_values(ishigami: Path) -> None:
    """Ishigami (a=7, b=0.1): S1 = (0.314, 0.442, 0), ST = (0.558, 0.442, 0.244)."""
    table = sensitivity_table(load_sweep(ishigami), ["channel_revenue"])
    assert set(table["method"]) == {"sobol"}
    assert _indices(table, "acme", "S1") == pytest.approx(S1, abs=0.03)
    assert _indices(table, "acme", "ST") == pytest.approx(ST, abs=0.03)
    acme = table[table["vendor"] == "acme"].set_index(["index", "parameter"])
    for index, truth in (("S1", S1), ("ST", ST)):  # the 90% intervals hold the true values
        for name, value in zip(ISHIGAMI["names"], truth, strict=True):
            row = acme.loc[(index, name)]
            assert row["low"] - 0.01 <= value <= row["high"] + 0.01, (index, name)
            assert 0 < row["conf"] < 0.1
    assert _indices(table, "rival", "S1") == pytest.approx((1, 0, 0), abs=0.05)
    assert _indices(table, "rival", "ST") == pytest.approx((1, 0, 0), abs=0.05)


def test_sample_means_average_replicates_in_sample_order(ishigami: Path) -> None:
    sweep = load_sweep(ishigami)
    means = sample_means(sweep, ["channel_revenue"])
    acme = means[means["vendor"] == "acme"]
    assert list(acme["sample"][:3]) == ["s0000", "s0001", "s0002"]
    expected = Ishigami.evaluate(sweep.X[:3])
    assert acme["mean"].to_numpy()[:3] == pytest.approx(expected)
    assert (acme["n"] == 2).all()
    # two replicates at y -+ 0.5: sd = 1/sqrt(2), so half-width = t(0.95, 1) * 0.5
    assert (acme["high"] - acme["mean"]).to_numpy()[:3] == pytest.approx(
        [6.3138 * 0.5] * 3, rel=1e-3
    )


def test_morris_ranks_parameters_and_measures_linear_effects_exactly(tmp_path: Path) -> None:
    """y = 10 x1 + x2 + 0 x3 on [0, 1]^3: every elementary effect of x1 is 10, of x2 is 1, so
    mu* = (10, 1, 0) and sigma = 0; adding x1 * x2 makes x1 and x2's effects vary (sigma > 0)."""
    problem = {"num_vars": 3, "names": ["a.x1", "a.x2", "a.x3"], "bounds": [[0.0, 1.0]] * 3}
    X = morris_sample.sample(problem, 20, num_levels=4, seed=3)
    folder = write_sweep(
        tmp_path / "m", "morris", problem, X,
        lambda X, r: {"channel_revenue": 10 * X[:, 0] + X[:, 1],
                      "vendor_net_revenue": 10 * X[:, 0] + X[:, 1] + 4 * X[:, 0] * X[:, 1]},
        options={"num_levels": 4, "base_samples": 20},
    )  # fmt: skip
    table = sensitivity_table(load_sweep(folder), ["channel_revenue", "vendor_net_revenue"])
    linear = table[(table["outcome"] == "channel_revenue") & (table["vendor"] == "acme")]
    mu = linear[linear["index"] == "mu_star"].set_index("parameter")["value"]
    sigma = linear[linear["index"] == "sigma"].set_index("parameter")["value"]
    assert mu.to_numpy() == pytest.approx([10, 1, 0], abs=1e-9)
    assert sigma.to_numpy() == pytest.approx([0, 0, 0], abs=1e-9)
    mixed = table[(table["outcome"] == "vendor_net_revenue") & (table["index"] == "sigma")]
    mixed = mixed[mixed["vendor"] == "acme"].set_index("parameter")["value"]
    assert mixed["a.x1"] > 0.5 and mixed["a.x2"] > 0.5 and mixed["a.x3"] == pytest.approx(0)
    rank = table[(table["outcome"] == "vendor_net_revenue") & (table["index"] == "mu_star")]
    rank = rank[rank["vendor"] == "acme"].sort_values("value", ascending=False)
    assert list(rank["parameter"]) == ["a.x1", "a.x2", "a.x3"]


def test_lhs_sweeps_use_delta_and_find_the_only_active_parameter(
    tmp_path: Path, fast_delta: None
) -> None:
    problem = {"num_vars": 2, "names": ["p", "q"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}
    X = latin.sample(problem, 300, seed=2)
    folder = write_sweep(tmp_path / "l", "lhs", problem, X,
                         lambda X, r: {"channel_revenue": np.sin(3 * X[:, 0])})  # fmt: skip
    table = sensitivity_table(load_sweep(folder), vendors=["acme"])
    assert set(table["method"]) == {"delta"} and set(table["index"]) == {"delta", "S1"}
    s1 = table[table["index"] == "S1"].set_index("parameter")["value"]
    delta = table[table["index"] == "delta"].set_index("parameter")["value"]
    assert s1["p"] > 0.7 and s1["q"] < 0.1  # a binned estimate: biased low at 300 points
    assert delta["p"] > 3 * delta["q"]


@pytest.mark.parametrize("method", ["sobol", "morris", "lhs"])
def test_indices_are_the_same_computed_in_parallel(
    method: str, ishigami: Path, tmp_path: Path, fast_delta: None
) -> None:
    """Each SALib call seeds its own bootstrap: analysing the outcomes and vendors in a pool of
    processes (``analysis_pool(3)``: this process and two workers) gives the indices bit for
    bit."""
    if method == "sobol":
        folder = ishigami
    else:
        problem = {"num_vars": 2, "names": ["p", "q"], "bounds": [[0.0, 1.0], [0.0, 1.0]]}
        X = (morris_sample.sample(problem, 20, num_levels=4, seed=3) if method == "morris"
             else latin.sample(problem, 200, seed=2))  # fmt: skip
        folder = write_sweep(
            tmp_path / method, method, problem, X,
            lambda X, r: {"acme:channel_revenue": np.sin(3 * X[:, 0]) + X[:, 1] + 0.1 * r,
                          "rival:channel_revenue": X[:, 1] ** 2 - r,
                          "vendor_net_revenue": X[:, 0] * X[:, 1]},
            options={"num_levels": 4, "base_samples": 20} if method == "morris" else {},
        )  # fmt: skip
    sweep = load_sweep(folder)
    outcomes = ["channel_revenue", "vendor_net_revenue"]
    alone = sensitivity_table(sweep, outcomes)
    with analysis_pool(3) as pool:
        parallel = sensitivity_table(sweep, outcomes, pool=pool)
    pd.testing.assert_frame_equal(parallel, alone, check_exact=True)


def test_the_analyses_of_a_worker_that_died_are_done_here(ishigami: Path) -> None:
    """A pool whose worker is gone (killed, out of memory) still gives every index."""
    import concurrent.futures as cf
    from concurrent.futures.process import BrokenProcessPool

    from analysis.salib_runs import AnalysisPool

    class Dead(cf.Executor):
        def submit(self, fn, /, *args, **kwargs):
            future = cf.Future()
            future.set_exception(BrokenProcessPool("a worker died"))
            return future

    sweep = load_sweep(ishigami)
    broken = sensitivity_table(sweep, ["channel_revenue"], pool=AnalysisPool(Dead(), 1))
    pd.testing.assert_frame_equal(broken, sensitivity_table(sweep, ["channel_revenue"]))


def test_a_sobol_sweep_with_missing_samples_is_refused(ishigami: Path, tmp_path: Path) -> None:
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(ishigami, broken)
    runs = pd.read_csv(broken / "runs.csv")
    runs[runs["variant"] != "s0003"].to_csv(broken / "runs.csv", index=False)
    ts = pd.read_csv(broken / "timeseries.csv")
    ts[ts["variant"] != "s0003"].to_csv(broken / "timeseries.csv", index=False)
    manifest = json.loads((broken / "manifest.json").read_text())
    for run in manifest["runs"]:
        if run["variant"] == "s0003":
            run["status"] = "failed"  # the sample's runs failed, so they have no rows
    manifest.pop("counts", None)
    manifest["status"] = "failed-runs"
    (broken / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SweepError, match="1 of 5120 samples have no finished run"):
        sensitivity_table(load_sweep(broken))


def test_tradeoff_table_has_one_point_per_sample_with_intervals(tmp_path: Path) -> None:
    problem = {"num_vars": 1, "names": ["vendors.rival.program.margin"], "bounds": [[0.0, 1.0]]}
    X = np.array([[0.1], [0.5], [0.9]])
    folder = write_sweep(
        tmp_path / "t", "random", problem, X,
        lambda X, r: {"channel_revenue": 100 * X[:, 0] + r, "vendor_net_revenue": 50 - X[:, 0],
                      "mean_trust": X[:, 0] / 2},
        replicates=3,
    )  # fmt: skip
    table = tradeoff_table(load_sweep(folder))  # default vendor: the focus, else the first
    assert list(table["sample"]) == ["s0000", "s0001", "s0002"]
    assert table["channel_revenue"].to_numpy() == pytest.approx([11, 51, 91])
    assert table["vendor_net_revenue"].to_numpy() == pytest.approx([49.9, 49.5, 49.1])
    assert table["mean_trust"].to_numpy() == pytest.approx([0.05, 0.25, 0.45])
    assert (table["channel_revenue_low"] < table["channel_revenue"]).all()


def test_tradeoff_points_are_named_by_their_settings(tmp_path: Path) -> None:
    """The best samples are lettered on the chart and listed with their settings, not s0023."""
    from analysis.tradeoff import tradeoff_figure

    problem = {"num_vars": 2, "names": ["vendors.acme.program.margin", "vendors.acme.x.credit"],
               "bounds": [[0.0, 1.0], [0.0, 1.0]]}  # fmt: skip
    X = np.array([[0.1, 0.2], [0.5, 0.6], [0.9, 0.4], [0.3, 0.3]])
    folder = write_sweep(tmp_path / "t", "random", problem, X,
                         lambda X, r: {"vendor_net_revenue": X[:, 0] + r})  # fmt: skip
    fig = tradeoff_figure(load_sweep(folder))
    letters = [t.get_text() for t in fig.axes[0].texts]
    assert letters == ["A", "B", "C"]
    key = fig._supxlabel.get_text()
    assert "A: margin 0.9, credit 0.4\nB: margin 0.5, credit 0.6\nC: margin 0.3, credit 0.3" in key
    assert "s000" not in key
    plt.close(fig)


# ----------------------------------------------------------------------------- command
def test_sensitivity_command_writes_csv_and_charts(tmp_path: Path, fast_delta: None) -> None:
    problem = {"num_vars": 2, "names": ["vendors.acme.program.margin", "b"],
               "bounds": [[0.0, 1.0], [0.0, 1.0]]}  # fmt: skip
    X = latin.sample(problem, 64, seed=4)
    folder = write_sweep(tmp_path / "s", "lhs", problem, X,
                         lambda X, r: {"channel_revenue": X[:, 0] + 0.1 * X[:, 1]})  # fmt: skip
    result = CliRunner().invoke(
        main, ["sensitivity", str(folder), "--outcome", "channel_revenue", "--outcome",
               "mean_trust", "--vendor", "acme", "--colour-by", "margin"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Borgonovo delta" in result.output and "acme" in result.output
    out = folder / "sensitivity"
    assert {p.name for p in out.iterdir()} == {
        "sensitivity.csv", "sensitivity.png", "outcomes.csv", "tradeoff.png"
    }  # fmt: skip
    table = pd.read_csv(out / "sensitivity.csv")
    assert set(table["outcome"]) == {"channel_revenue", "mean_trust"}
    assert set(table["vendor"]) == {"acme"}
    assert table[table["outcome"] == "mean_trust"]["value"].abs().max() == 0  # constant outcome
    for png in ("sensitivity.png", "tradeoff.png"):
        with Image.open(out / png) as image:
            assert image.format == "PNG" and image.size[0] > 800


def test_sensitivity_command_writes_the_same_files_with_workers(
    tmp_path: Path, fast_delta: None
) -> None:
    """--workers 2 (indices shared with a worker, the trade-off drawn while it starts) writes
    the files of --workers 1 byte for byte."""
    problem = {"num_vars": 2, "names": ["vendors.acme.program.margin", "b"],
               "bounds": [[0.0, 1.0], [0.0, 1.0]]}  # fmt: skip
    X = latin.sample(problem, 80, seed=5)
    folder = write_sweep(
        tmp_path / "s", "lhs", problem, X,
        lambda X, r: {"acme:channel_revenue": X[:, 0] + 0.1 * X[:, 1] + r,
                      "rival:channel_revenue": X[:, 1] - X[:, 0] ** 2, "mean_trust": X[:, 1]},
    )  # fmt: skip
    files = {}
    for workers in ("1", "2"):
        result = CliRunner().invoke(main, ["sensitivity", str(folder), "--workers", workers])
        assert result.exit_code == 0, result.output
        files[workers] = {p.name: p.read_bytes() for p in (folder / "sensitivity").iterdir()}
    assert sorted(files["2"]) == ["outcomes.csv", "sensitivity.csv", "sensitivity.png",
                                  "tradeoff.png"]  # fmt: skip
    assert files["2"] == files["1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sensitivity", "no/such"], "no such result folder"),
        (["sensitivity", "{empty}"], "not a result folder"),
        (["sensitivity", "{plain}"], "not a sweep folder"),
        (["sensitivity", "{sweep}", "--outcome", "profit"], "--outcome profit: unknown"),
        (["sensitivity", "{sweep}", "--vendor", "zeta"], "--vendor zeta: not in this sweep"),
        (["sensitivity", "{sweep}", "--colour-by", "nothing"], "--colour-by nothing: is not swept"),
        (["sensitivity", "{sweep}"], "12 samples are too few for delta indices"),
    ],
)
def test_sensitivity_bad_input_exits_2_with_a_message(
    tmp_path: Path, args: list[str], message: str
) -> None:
    (tmp_path / "empty").mkdir()
    plain = write_folder(tmp_path / "plain", {("base", 0): output(), ("base", 1): output()})
    problem = {"num_vars": 1, "names": ["p"], "bounds": [[0.0, 1.0]]}
    sweep = write_sweep(tmp_path / "sw", "random", problem, np.linspace(0, 1, 12)[:, None],
                        lambda X, r: {"channel_revenue": X[:, 0]})  # fmt: skip
    args = [a.format(empty=tmp_path / "empty", plain=plain, sweep=sweep) for a in args]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
