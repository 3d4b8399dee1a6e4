"""The dashboard's runs: cached by (resolved scenario, seed, replicate), refined in stages without
running a replicate twice, cancellable, written into the folder ``sim run`` writes; and the answer
the page shows, read from it (paired differences, the best variant only beyond noise, markers)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

import sim.experiments.tasks
from analysis.compare import leads, run_values
from sim.experiments.reader import load_results
from sim.experiments.runner import run_scenario
from tests.folders import output, write_folder
from workbench import background
from workbench.answers import build_answer
from workbench.background import Runs, run_key, stages, write_results
from workbench.whatif import build_scenario, variants_of


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every run that actually runs, as (variant name's first event month, replicate)."""
    calls: list[tuple[str, int]] = []
    real = sim.experiments.tasks.run_one

    def run_one(task):
        calls.append((task.variant, task.replicate))
        return real(task)

    monkeypatch.setattr(background, "run_one", run_one)
    return calls


def test_stages_give_a_quick_answer_then_the_full_count() -> None:
    assert stages(20, 5) == [5, 20]
    assert stages(4, 5) == [4]
    assert stages(5, 5) == [5]


def test_the_cache_key_is_the_resolved_scenario_and_seed_not_its_name(tiny_scenario) -> None:
    base = tiny_scenario.variants["base"]
    assert run_key(base, 0) == run_key(base.model_copy(update={"name": "other"}), 0)
    assert run_key(base, 0) == run_key(base.model_copy(update={"replicates": 9}), 0)
    assert run_key(base, 0) != run_key(base, 1)
    assert run_key(base, 0) != run_key(base.model_copy(update={"seed": 8}), 0)


def test_refining_and_rerunning_run_only_what_is_missing(tiny_scenario, counted) -> None:
    runs = Runs(workers=1)
    variants = variants_of(tiny_scenario)
    seen = []
    first = runs.run(
        build_scenario(tiny_scenario, variants, seed=7, replicates=2),
        progress=lambda done, total: seen.append((done, total)),
    )
    assert sorted(counted) == [("base", 0), ("base", 1), ("cut", 0), ("cut", 1)]
    assert seen[0] == (0, 4) and seen[-1] == (4, 4)
    counted.clear()
    runs.run(build_scenario(tiny_scenario, variants, seed=7, replicates=3))
    assert sorted(counted) == [("base", 2), ("cut", 2)], "replicates 0 and 1 come from the cache"
    counted.clear()
    renamed = [variants[0], replace(variants[1], name="renamed")]
    again = runs.run(build_scenario(tiny_scenario, renamed, seed=7, replicates=2))
    assert counted == [], "the same resolved variant under another name is not run again"
    assert again[("renamed", 1)].output.timeseries.equals(first[("cut", 1)].output.timeseries)


def test_a_cancelled_stage_stops_and_keeps_what_finished(tiny_scenario, counted) -> None:
    runs = Runs(workers=1)
    scenario = build_scenario(tiny_scenario, variants_of(tiny_scenario), seed=7, replicates=2)
    assert runs.run(scenario, cancelled=lambda: len(counted) >= 1) is None
    assert counted == [("base", 0)]
    counted.clear()
    assert runs.run(scenario) is not None
    assert sorted(counted) == [("base", 1), ("cut", 0), ("cut", 1)]


def test_a_pool_of_two_workers_gives_the_same_runs(tiny_scenario) -> None:
    scenario = build_scenario(tiny_scenario, variants_of(tiny_scenario), seed=7, replicates=2)
    inline = Runs(workers=1).run(scenario)
    pool = Runs(workers=2)
    try:
        pooled = pool.run(scenario)
    finally:
        pool.close()
    for key, result in inline.items():
        assert pooled[key].output.timeseries.equals(result.output.timeseries)


def test_the_written_folder_is_the_one_sim_run_writes(tiny_scenario, tmp_path: Path) -> None:
    scenario = build_scenario(tiny_scenario, variants_of(tiny_scenario), seed=7, replicates=2)
    written = write_results(scenario, Runs(1).run(scenario), tmp_path / "page")
    ran = run_scenario(scenario, out_dir=tmp_path / "cli", progress=False)
    for name in ("timeseries.csv", "runs.csv", "summary.csv", "scenario.resolved.yaml"):
        assert (written.folder / name).read_text() == (ran.folder / name).read_text(), name
    assert written.status == "complete" and written.manifest["command_line"] == "sim dashboard"


def test_the_page_writes_a_folder_only_as_its_one_writer(tiny_scenario, tmp_path: Path) -> None:
    """*Save results* takes the folder's lock as ``sim run`` does: into a folder another process
    writes it is refused (naming that process), and nothing is written."""
    from sim.experiments.result_folder import FolderBusyError, lock_folder

    scenario = build_scenario(tiny_scenario, variants_of(tiny_scenario), seed=7, replicates=2)
    runs = Runs(1).run(scenario)
    folder = tmp_path / "busy"
    folder.mkdir()
    with lock_folder(folder), pytest.raises(FolderBusyError, match=r"\(pid \d+\) is writing"):
        write_results(scenario, runs, folder)
    assert list(folder.iterdir()) == []
    assert write_results(scenario, runs, folder).status == "complete"
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []


@pytest.fixture
def hand(tmp_path: Path) -> Path:
    """Per replicate (3), cumulative channel revenue over 3 months: base 3, 6, 9; slow 6, 9, 12
    (+3 in every pair); fast 3, 15, 9 (+0, +9, +0: ahead of base on average, not beyond noise)."""
    outs = {}
    for r, (b, s, f) in enumerate([(1, 2, 1), (2, 3, 5), (3, 4, 3)]):
        outs[("base", r)] = output(channel_revenue=[b] * 3)
        outs[("slow", r)] = output(channel_revenue=[s] * 3)
        outs[("fast", r)] = output(channel_revenue=[f] * 3)
    resolved = (
        "name: hand\nseed: 1\nvendors: [{name: a}]\nevents: []\nvariants:\n"
        "  slow: {events: [{at_month: 1, vendor: a, set: {program.margin: 0.1}, ramp_months: 1,"
        " notice_months: 1}]}\n"
    )
    return write_folder(tmp_path / "hand", outs, resolved_yaml=resolved)


def test_the_answer_pairs_differences_and_names_a_best_only_beyond_noise(hand: Path) -> None:
    answer = build_answer(load_results(hand), [], "a", metrics=["channel_revenue"])
    effects = {e.arm: e for e in answer.effects["channel_revenue"]}
    assert effects["slow"].diff == 3.0 and effects["slow"].low == effects["slow"].high == 3.0
    assert effects["slow"].text == "+$3.00 [+$3.00, +$3.00]" and effects["slow"].clear
    assert effects["fast"].diff == 3.0 and not effects["fast"].clear
    assert effects["fast"].text.startswith("no clear difference [-")
    assert answer.best("channel_revenue") is None, "slow is not ahead of fast beyond noise"
    assert answer.best("channel_revenue", changes=True) is None
    (overall, best), (among, best_change) = answer.headlines("channel_revenue")
    assert (best, best_change) == (None, None)
    assert overall.startswith(
        "None is clearly best for a's channel revenue over the run: slow leads on average"
    ), "slow and fast have the same mean; slow comes first"
    assert among.startswith("None is clearly best for a's channel revenue over the run among the")
    assert [(m.arm, m.month, m.kind) for m in answer.markers] == [
        ("slow", 0.0, "announced"), ("slow", 1.0, "starts"), ("slow", 2.0, "complete")
    ]  # fmt: skip
    values = run_values(answer.comparison)
    column = values[values.vendor == "a"].set_index(["arm", "seed"])["channel_revenue:cumulative"]
    leader, gaps = leads(column, ["base", "slow"])
    assert leader == "slow" and gaps["base"].low == 3.0, "+3 in every pair: best beyond noise"
    leader, ahead = answer.leads["channel_revenue"]
    assert leader == "slow" and ahead["fast"].estimate == 0.0, "slow and fast tie on average"


def test_saved_folders_are_compared_with_the_live_base(hand: Path, tmp_path: Path) -> None:
    saved = load_results(write_folder(tmp_path / "old", {
        ("base", r): output(channel_revenue=[v] * 3) for r, v in enumerate([2, 3, 4])
    }))  # fmt: skip
    other = load_results(write_folder(tmp_path / "b", {("base", 0): output(vendors=("b",))}))
    answer = build_answer(load_results(hand), [saved, other], "a", metrics=["channel_revenue"])
    assert answer.arms == ["base", "slow", "fast", "old:base"]
    old = next(e for e in answer.effects["channel_revenue"] if e.arm == "old:base")
    assert old.diff == 3.0 and old.pairs == 3, "paired with the live base by seed"
    assert answer.missing == {"b": "has no vendor 'a'"}
