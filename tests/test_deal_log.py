"""`sim run --deals`: each run's deal history in the format `sim history` reads (issue 18, item 6).

The log takes no draw (a run's numbers are the same with it), it adds up to the run's own metrics,
it is the same for any worker count and survives an interruption and `--resume`, and a received
folder cannot use it to make sim write elsewhere.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from sim.calibration import history_statistics, read_history
from sim.experiments import journal
from sim.experiments.deal_files import (
    SIMULATED_START,
    canonical_frames,
    dates,
    history_folder,
    within_step,
)
from sim.experiments.manifest import RunRecord
from sim.experiments.run_rows import prepare_run
from sim.experiments.runner import run_scenario
from sim.model.channel_model import simulate
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _sim(*args: str | Path):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def logged():
    """One run of the shipped margin cut (abrupt), with and without its deal log."""
    config = load_scenario(ROOT / "scenarios/margin-cut.yaml").variants["abrupt"]
    config = config.model_copy(
        update={"time": config.time.model_copy(update={"horizon_months": 30})}
    )
    seed = np.random.SeedSequence(5)
    return simulate(config, seed), simulate(config, seed, record_deals=True)


def test_keeping_the_log_changes_no_number(logged) -> None:
    plain, kept = logged
    assert plain.deals is None and kept.deals is not None
    pd.testing.assert_frame_equal(plain.timeseries, kept.timeseries)
    pd.testing.assert_frame_equal(plain.runs, kept.runs)


def test_the_log_adds_up_to_the_run_metrics(logged) -> None:
    """Won deals are the focus vendor's total revenue; those with a partner on them its channel
    revenue; those partners found and kept its partner-sourced revenue (months 0 on)."""
    _, kept = logged
    deals, acme = kept.deals.deals, kept.timeseries[kept.timeseries["vendor"] == "acme"]
    won = deals[deals["outcome"] == "won"]
    assert kept.deals.vendor == "acme"
    assert won["amount"].sum() == pytest.approx(acme["total_revenue"].sum(), rel=1e-12)
    assert won.loc[won["partner"] >= 0, "amount"].sum() == pytest.approx(
        acme["channel_revenue"].sum(), rel=1e-12
    )
    assert won.loc[won["source"] == "partner", "amount"].sum() == pytest.approx(
        acme["partner_sourced_revenue"].sum(), rel=1e-12
    )
    closed = deals[deals["outcome"] != "open"]
    assert closed["closed"].min() >= 0 and (closed["closed"] >= closed["created"]).all()
    assert deals.loc[deals["outcome"] == "open", "closed"].isna().all()
    taken = deals[deals["taken_direct"]]
    assert (taken["source"] == "vendor").all() and (taken["partner"] == -1).all()
    assert taken["contested"].all()


def test_every_partner_on_a_deal_is_a_listed_partner(logged) -> None:
    _, kept = logged
    listed = set(kept.deals.lines["partner"])
    on_deals = set(kept.deals.deals.loc[lambda d: d["partner"] >= 0, "partner"])
    assert on_deals <= listed


def test_months_become_dates_in_order() -> None:
    """Model month m is calendar month floor(m), m - floor(m) of the way through it: every monthly
    step is a calendar month of its own (none twice, none skipped)."""
    text = dates(np.array([0.0, 0.25, 1.0, 1.5, 12.0, -1.0, -0.5, np.nan]))
    assert text.tolist() == [
        "2025-01-01",
        "2025-01-08",
        "2025-02-01",
        "2025-02-15",
        "2026-01-01",
        "2024-12-01",
        "2024-12-16",
        "",
    ]
    months = pd.to_datetime(dates(np.arange(-24.0, 48.0))).dt.to_period("M")
    assert months.is_unique and (months.diff().dropna().map(lambda d: d.n) == 1).all()
    assert SIMULATED_START.isoformat() == "2025-01-01"


@pytest.fixture(scope="module")
def deals_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("deals") / "run"
    result = _sim(
        "run", ROOT / "scenarios/baseline.yaml", "--replicates", "2", "--set",
        "time.horizon_months=24", "--deals", "--out", out, "--no-progress", "--workers", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out


def test_a_deal_is_dated_within_its_step_so_cycles_spread_over_days(logged) -> None:
    """Creation and close fall a fixed, uniform-looking fraction into their (monthly) step: every
    deal stays in its step's calendar month, closes after it was created, and cycles take many
    day counts instead of whole months."""
    u, v = within_step(20_000, 0), within_step(20_000, 1)
    assert (u >= 0).all() and (u < 1).all() and abs(u.mean() - 0.5) < 0.01
    assert abs(np.corrcoef(u, v)[0, 1]) < 0.03 and abs(np.corrcoef(u[:-1], u[1:])[0, 1]) < 0.03
    assert (within_step(50, 0) == u[:50]).all()  # a fixed function, no random draw
    _, kept = logged
    deals, _ = canonical_frames(kept.deals)
    d = kept.deals.deals
    month = (deals["created"].dt.to_period("M") - pd.Period("2025-01", "M")).map(lambda x: x.n)
    assert (month.to_numpy() == np.floor(d["created"].to_numpy())).all()
    closed = deals.dropna(subset=["closed"])
    assert (closed["closed"] > closed["created"]).all()
    assert (closed["closed"] - closed["created"]).dt.days.nunique() > 60


def test_sim_run_deals_writes_a_history_per_run_that_sim_history_reads(deals_folder: Path) -> None:
    manifest = json.loads((deals_folder / "manifest.json").read_text())
    assert manifest["deals"] is True and "--deals" in manifest["command_line"]
    runs = pd.read_csv(deals_folder / "runs.csv")
    for replicate in (0, 1):
        folder = history_folder(deals_folder, "base", replicate, create=False)
        assert sorted(p.name for p in folder.iterdir()) == ["deals.csv", "partners.csv"]
        result = _sim("history", folder)
        assert result.exit_code == 0, result.output
        history = read_history(folder)
        stats = history_statistics(history.deals, history.partners).scalars
        acme = runs[(runs["replicate"] == replicate) & (runs["vendor"] == "acme")].iloc[0]
        total = acme["channel_revenue"] + acme["direct_revenue"]
        assert stats["won_value"] == pytest.approx(total, abs=0.01 * stats["deals"])  # to the cent
        assert stats["win_rate"] == pytest.approx(acme["win_rate"], abs=0.02)  # deals open at 0


def test_the_histories_are_the_same_for_any_worker_count(deals_folder: Path, tmp_path) -> None:
    out = tmp_path / "two"
    result = _sim(
        "run", ROOT / "scenarios/baseline.yaml", "--replicates", "2", "--set",
        "time.horizon_months=24", "--deals", "--out", out, "--no-progress", "--workers", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for replicate in (0, 1):
        for name in ("deals.csv", "partners.csv"):
            mine = history_folder(out, "base", replicate, create=False) / name
            theirs = history_folder(deals_folder, "base", replicate, create=False) / name
            assert mine.read_bytes() == theirs.read_bytes()


def test_a_resumed_folder_writes_the_histories_of_the_runs_left(
    tiny_scenario, tmp_path: Path, break_runs
) -> None:
    """Ctrl-C after two of four runs, then `--resume`: every run has its history, and each is the
    history an uninterrupted run writes."""
    whole = run_scenario(tiny_scenario, out_dir=tmp_path / "whole", progress=False, deals=True)
    break_runs(lambda config, seed, n: KeyboardInterrupt() if n == 3 else None)
    stopped = run_scenario(tiny_scenario, out_dir=tmp_path / "stopped", progress=False, deals=True)
    assert stopped.status == "incomplete"
    break_runs(lambda config, seed, n: None)
    result = _sim("run", "--resume", stopped.folder, "--no-progress", "--workers", "1")
    assert result.exit_code == 0, result.output
    for variant in ("base", "cut"):
        for replicate in (0, 1):
            for name in ("deals.csv", "partners.csv"):
                a = history_folder(whole.folder, variant, replicate, create=False) / name
                b = history_folder(stopped.folder, variant, replicate, create=False) / name
                assert a.read_bytes() == b.read_bytes(), (variant, replicate, name)


def test_a_saved_part_keeps_the_history_and_a_forged_one_is_not_trusted(
    tiny_config, tmp_path: Path
) -> None:
    output = simulate(tiny_config, np.random.SeedSequence(1), record_deals=True)
    prepared = prepare_run("base", 0, output)
    record, planned = RunRecord("base", 0, 7, (0,), "ok"), RunRecord("base", 0, 7, (0,))
    path = journal.write_part(tmp_path, 0, record, prepared)
    assert journal.read_part(path, 0, planned)[1].history == prepared.history
    doc = json.loads(path.read_text())
    doc["prepared"]["history"] = {"deals.csv": "x", "../../elsewhere.csv": "y"}
    data = json.dumps(doc).encode()
    forged = path.with_name(f"{path.name[:7]}-{hashlib.sha256(data).hexdigest()}.json")
    path.unlink()
    forged.write_bytes(data)
    assert journal.read_part(forged, 0, planned) is None


def test_a_deals_folder_that_is_a_link_is_refused(
    tiny_scenario, tmp_path: Path, break_runs
) -> None:
    """A received incomplete folder whose ``deals`` points elsewhere: `--resume` exits 2 naming it
    and writes nothing there."""
    break_runs(lambda config, seed, n: KeyboardInterrupt() if n == 3 else None)
    stopped = run_scenario(tiny_scenario, out_dir=tmp_path / "stopped", progress=False, deals=True)
    break_runs(lambda config, seed, n: None)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(stopped.folder / "deals")  # the histories of the runs that finished
    (stopped.folder / "deals").symlink_to(elsewhere, target_is_directory=True)
    result = _sim("run", "--resume", stopped.folder, "--no-progress", "--workers", "1")
    assert result.exit_code == 2, result.output
    assert f"--resume {stopped.folder}: deals is a link, not a folder" in result.output  # up front
    assert "Traceback" not in result.output
    assert list(elsewhere.iterdir()) == []
