"""``sim sweep`` and ``--resume``: the sweep folder (shared sweep-format spec), and finishing a folder
after Ctrl-C, SIGTERM or ``kill -9`` without re-running or losing a run, into files identical to an
uninterrupted sweep."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

import sim.experiments.tasks
from cli import main
from sim.experiments.runner import Terminated, interrupts_once
from sim.experiments.sweep_run import plan_sweep, read_samples, run_sweep
from sim.model.channel_model import simulate
from sim.scenario import load_scenario
from sim.scenario.resolution import with_overrides
from tests.conftest import TINY_YAML

SWEEP = """\
sweep:
  method: lhs
  samples: 3
  parameters:
    vendors.acme.program.margin: [0.05, 0.30]
    vendors.acme.direct_reps: [1, 6]
"""
FILES = ("timeseries.csv", "runs.csv", "summary.csv", "samples.csv", "scenario.resolved.yaml")


@pytest.fixture
def sweep_yaml(tmp_path: Path) -> Path:
    """The tiny scenario (2 replicates) with a sweep of 3 LHS samples: 6 runs."""
    path = tmp_path / "tiny-sweep.yaml"
    path.write_text(TINY_YAML + SWEEP)
    return path


@pytest.fixture
def reference(sweep_yaml: Path, tmp_path: Path) -> Path:
    """The sweep run in one go."""
    summary = run_sweep(
        plan_sweep(load_scenario(sweep_yaml)), out_dir=tmp_path / "ref", progress=False
    )
    assert summary.status == "complete"
    return summary.folder


def _sim(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _count_runs(monkeypatch: pytest.MonkeyPatch, interrupt_at: int | None = None) -> list:
    """Record the (config, replicate) of every run that finishes; optionally raise Ctrl-C on the
    ``interrupt_at``-th call (1-based)."""
    finished: list[tuple[float, int, int]] = []
    calls = [0]

    def counting(config, seed):
        calls[0] += 1
        if calls[0] == interrupt_at:
            raise KeyboardInterrupt()
        output = simulate(config, seed)
        acme = config.vendors[0]
        finished.append((acme.program.margin, acme.direct_reps, seed.spawn_key[0]))
        return output

    monkeypatch.setattr(sim.experiments.tasks, "simulate", counting)
    return finished


def _same_files(a: Path, b: Path) -> None:
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


# ----------------------------------------------------------------------------- the folder
def test_sweep_folder_has_the_contract_files_samples_and_sweep_manifest(reference: Path) -> None:
    samples = pd.read_csv(reference / "samples.csv")
    assert list(samples.columns) == [
        "sample", "index", "vendors.acme.program.margin", "vendors.acme.direct_reps"
    ]  # fmt: skip
    assert list(samples["sample"]) == ["s0000", "s0001", "s0002"]
    assert samples["vendors.acme.direct_reps"].dtype.kind == "i"  # a whole-number key, rounded
    manifest = json.loads((reference / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["sweep"] == {
        "method": "lhs",
        "samples": 3,
        "replicates": 2,
        "runs": 6,
        "parameters": {
            "vendors.acme.program.margin": [0.05, 0.3],
            "vendors.acme.direct_reps": [1.0, 6.0],
        },
        "problem": {
            "num_vars": 2,
            "names": ["vendors.acme.program.margin", "vendors.acme.direct_reps"],
            "bounds": [[0.05, 0.3], [1.0, 6.0]],
        },
        "options": {"base_samples": 3},
    }
    assert manifest["variants"] == ["s0000", "s0001", "s0002"]
    assert [(r["variant"], r["replicate"], r["seed"]) for r in manifest["runs"]] == [
        (s, r, {"entropy": 7, "spawn_key": [r]})
        for s in ("s0000", "s0001", "s0002")
        for r in (0, 1)
    ]
    runs = pd.read_csv(reference / "runs.csv")
    assert list(dict.fromkeys(zip(runs["variant"], runs["replicate"], strict=True))) == [
        (s, r) for s in ("s0000", "s0001", "s0002") for r in (0, 1)
    ]
    summary = pd.read_csv(reference / "summary.csv")
    assert set(summary["variant"]) == {"s0000", "s0001", "s0002"} and set(summary["n"]) == {2}
    assert not (reference / ".parts").exists() and not (reference / "plots").exists()


def test_a_sample_run_is_the_scenario_with_its_values_and_the_replicate_seed(
    reference: Path, sweep_yaml: Path
) -> None:
    """Sample s0001, replicate 1 is exactly the base config with samples.csv's values set, run from
    SeedSequence(entropy=seed, spawn_key=(1,)) (common random numbers across samples)."""
    base = load_scenario(sweep_yaml).variants["base"]
    row = read_samples(reference / "samples.csv").iloc[1]
    config = with_overrides(
        base,
        {
            "vendors.acme.program.margin": float(row["vendors.acme.program.margin"]),
            "vendors.acme.direct_reps": int(row["vendors.acme.direct_reps"]),
        },
    )
    output = simulate(config, np.random.SeedSequence(entropy=7, spawn_key=(1,)))
    runs = pd.read_csv(reference / "runs.csv")
    mine = runs[(runs["variant"] == "s0001") & (runs["replicate"] == 1)]
    assert mine["channel_revenue"].to_numpy() == pytest.approx(
        output.runs["channel_revenue"].to_numpy(), rel=1e-15
    )


def test_cli_sweep_prints_the_folder_and_the_next_commands(
    sweep_yaml: Path, tmp_path: Path
) -> None:
    out = tmp_path / "cli"
    result = _sim(
        "sweep", sweep_yaml, "--method", "sobol", "--samples", "2", "--replicates", "1",
        "--out", out, "--no-progress", "--workers", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "sobol, 8 samples of 2 parameters x 1 replicates = 8 runs" in result.stdout
    assert f"sim sensitivity {out}" in result.stdout and f"sim report {out}" in result.stdout
    samples = pd.read_csv(out / "samples.csv")
    assert list(samples["block"]) == ["A", "AB1", "AB2", "B"] * 2
    assert "power of two" not in result.stderr


def test_a_scenario_without_a_sweep_block_exits_2(tiny_yaml: Path) -> None:
    result = _sim("sweep", tiny_yaml)
    assert result.exit_code == 2
    assert "no sweep: block" in result.stderr and "Traceback" not in result.output


def test_a_failed_run_is_recorded_and_the_sweep_goes_on(
    sweep_yaml: Path, tmp_path: Path, break_runs
) -> None:
    break_runs(lambda config, seed, n: ValueError("boom") if n == 2 else None)
    result = _sim("sweep", sweep_yaml, "--out", tmp_path / "f", "--no-progress", "--workers", "1")
    assert result.exit_code == 1
    manifest = json.loads((tmp_path / "f" / "manifest.json").read_text())
    failed = [r for r in manifest["runs"] if r["status"] == "failed"]
    assert [(r["variant"], r["replicate"], r["error"]) for r in failed] == [
        ("s0000", 1, "ValueError: boom")
    ]
    assert failed[0]["seed"] == {"entropy": 7, "spawn_key": [1]}
    assert manifest["counts"]["ok"] == 5 and manifest["status"] == "failed-runs"


# ----------------------------------------------------------------------------- resume
def test_resume_after_ctrl_c_runs_each_missing_run_once_and_matches_one_go(
    sweep_yaml: Path, tmp_path: Path, reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    finished = _count_runs(monkeypatch, interrupt_at=4)
    folder = tmp_path / "cut"
    first = _sim("sweep", sweep_yaml, "--out", folder, "--no-progress", "--workers", "1")
    assert first.exit_code == 130
    assert f"Resume with: sim sweep --resume {folder}" in first.stderr
    assert json.loads((folder / "manifest.json").read_text())["status"] == "incomplete"
    assert len(finished) == 3

    finished_before = list(finished)
    second = _sim("sweep", "--resume", folder, "--no-progress", "--workers", "1")
    assert second.exit_code == 0, second.output
    assert len(finished) == 6  # three more, none run twice
    assert len(set(finished)) == 6 and finished[:3] == finished_before
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"] == {"planned": 6, "ok": 6, "failed": 0, "not-run": 0}
    assert manifest["resumed"][0]["command_line"] == f"sim sweep --resume {folder}"
    _same_files(folder, reference)


def test_resume_after_kill_9_reruns_only_runs_without_a_whole_part(
    sweep_yaml: Path, tmp_path: Path, reference: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A killed process leaves the manifest of its start, no result files, a journal with some
    whole parts, a temporary part and maybe a damaged one: resume re-runs exactly the runs without a
    readable part."""
    finished = _count_runs(monkeypatch, interrupt_at=5)
    folder = tmp_path / "killed"
    run_sweep(plan_sweep(load_scenario(sweep_yaml)), out_dir=folder, progress=False)
    parts = folder / ".parts"
    names = sorted(p.name for p in parts.iterdir())
    assert [name[:7] for name in names][:4] == [f"{i:07d}" for i in range(4)]
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["runs"] = [{**r, "status": "not-run"} for r in manifest["runs"]]
    n = len(manifest["runs"])
    manifest["counts"] = {"planned": n, "ok": 0, "failed": 0, "not-run": n}
    (folder / "manifest.json").write_text(json.dumps({**manifest, "finished": None}))
    for name in ("timeseries.csv", "runs.csv", "summary.csv"):
        (folder / name).unlink()
    (folder / ".timeseries.csv.999.tmp").write_text("variant,replic")
    (parts / "0000004.999.tmp").write_bytes(b'{"format": "chan')
    damaged = next(parts.glob("0000003-*.json"))
    damaged.write_bytes(damaged.read_bytes()[:-40])  # damaged: run 3 again
    del finished[:]

    result = _sim("sweep", "--resume", folder, "--no-progress", "--workers", "1")
    assert result.exit_code == 0, result.output
    assert [key[2] for key in finished] == [1, 0, 1]  # runs 3, 4, 5: s0001/1, s0002/0, s0002/1
    _same_files(folder, reference)
    assert sorted(p.name for p in folder.iterdir() if p.name.startswith(".")) == []


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM")
def test_sigterm_on_a_real_sweep_saves_finished_runs_then_resume_completes(
    tmp_path: Path,
) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(TINY_YAML + SWEEP.replace("samples: 3", "samples: 12"))
    folder = tmp_path / "term"
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(
        [sys.executable, "-c", "from cli import main; main()", "sweep", str(path), "--out",
         str(folder), "--workers", "1", "--no-progress"],
        cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        if (folder / ".parts").is_dir() and any((folder / ".parts").glob("*.json")):
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143, stderr
    assert f"Resume with: sim sweep --resume {folder}" in stderr
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["status"] == "incomplete" and 0 < manifest["counts"]["ok"] < 24

    result = _sim("sweep", "--resume", folder, "--no-progress", "--workers", "1")
    assert result.exit_code == 0, result.output
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"] == {"planned": 24, "ok": 24, "failed": 0, "not-run": 0}
    runs = pd.read_csv(folder / "runs.csv")
    assert not runs.duplicated(["variant", "replicate", "vendor"]).any() and len(runs) == 48


def test_the_first_signal_interrupts_and_repeats_are_ignored_while_saving() -> None:
    """`timeout -s INT` signals the process and then its group, and an impatient user presses
    Ctrl-C twice: only the first signal interrupts; the runner then saves undisturbed."""
    previous = signal.getsignal(signal.SIGINT)
    with interrupts_once():
        with pytest.raises(Terminated):
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler raises here
        os.kill(os.getpid(), signal.SIGINT)  # ignored: no KeyboardInterrupt
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)
    assert signal.getsignal(signal.SIGINT) is previous


def test_sigterm_exits_143_and_says_so(sweep_yaml: Path, tmp_path: Path, break_runs) -> None:
    break_runs(lambda config, seed, n: Terminated() if n == 3 else None)
    result = _sim("sweep", sweep_yaml, "--out", tmp_path / "t", "--no-progress", "--workers", "1")
    assert result.exit_code == 143
    assert "stopped by SIGTERM" in result.stderr and "2 of 6 runs finished" in result.stderr


def test_run_resume_after_ctrl_c_matches_a_run_in_one_go(
    tiny_yaml: Path, tmp_path: Path, tiny_results: Path, break_runs
) -> None:
    break_runs(lambda config, seed, n: KeyboardInterrupt() if n == 3 else None)
    folder = tmp_path / "run"
    first = _sim("run", tiny_yaml, "--out", folder, "--no-progress", "--workers", "1")
    assert first.exit_code == 130 and f"sim run --resume {folder}" in first.stderr
    second = _sim("run", "--resume", folder, "--no-progress", "--workers", "1")
    assert second.exit_code == 0, second.output
    assert (folder / "plots" / "channel_revenue.png").is_file()
    for name in ("timeseries.csv", "runs.csv", "summary.csv", "scenario.resolved.yaml"):
        assert (folder / name).read_bytes() == (tiny_results / name).read_bytes(), name


def test_resume_refuses_finished_or_other_kinds_of_folders(
    reference: Path, tiny_results: Path, tmp_path: Path
) -> None:
    cases = [
        (("sweep", "--resume", tiny_results), "not a sweep folder"),
        (("run", "--resume", reference), "a sweep folder; resume it with: sim sweep --resume"),
        (("sweep", "--resume", tmp_path / "nothing"), "no such result folder"),
        (("sweep", "--resume", tmp_path), "not a result folder"),
        (("sweep", "--resume", reference, "--samples", "4"), "cannot be combined with --samples"),
        (("sweep", "--resume"), "give the folder"),
    ]
    other = tmp_path / "other-version"
    other.mkdir()
    manifest = json.loads((reference / "manifest.json").read_text())
    manifest |= {"status": "incomplete", "package": {"name": "channel-sim", "version": "0.0.1"}}
    (other / "manifest.json").write_text(json.dumps(manifest))
    cases.append((("sweep", "--resume", other), "started by channel-sim 0.0.1"))
    for args, message in cases:
        result = _sim(*args)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.output


def test_resume_of_a_complete_folder_exits_0_with_nothing_left_to_do(
    reference: Path, tiny_results: Path
) -> None:
    """Issue 14, item 8: resuming a complete folder is not an error; nothing is rewritten."""
    for command, folder in (("sweep", reference), ("run", tiny_results)):
        before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
        result = _sim(command, "--resume", folder, "--no-progress")
        assert result.exit_code == 0, result.output
        assert result.stdout.strip() == f"{folder}: already complete; nothing left to do"
        assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before


def test_resume_flag_with_out_is_the_contract_form(
    sweep_yaml: Path, tmp_path: Path, reference: Path, break_runs
) -> None:
    """docs/reference.md: `sim sweep FILE --out DIR --resume` resumes DIR."""
    break_runs(lambda config, seed, n: KeyboardInterrupt() if n == 2 else None)
    folder = tmp_path / "flag"
    assert (
        _sim("sweep", sweep_yaml, "--out", folder, "--no-progress", "--workers", "1").exit_code
        == 130
    )
    result = _sim(
        "sweep", sweep_yaml, "--out", folder, "--resume", "--no-progress", "--workers", "1"
    )
    assert result.exit_code == 0, result.output
    _same_files(folder, reference)


SHIPPED_SWEEPS = [
    path
    for path in sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
    if "\nsweep:" in path.read_text()
]


def test_a_sweep_scenario_is_shipped() -> None:
    assert [p.stem for p in SHIPPED_SWEEPS] == ["sweep-margin-credit"]


@pytest.mark.parametrize("path", SHIPPED_SWEEPS, ids=lambda p: p.stem)
def test_shipped_sweep_runs_through_sim_sweep(path: Path, tmp_path: Path) -> None:
    """Every shipped sweep runs end to end (2 samples, 1 replicate, 6 months, 150 partners)."""
    out = tmp_path / "out"
    result = _sim(
        "sweep", path, "--out", out, "--samples", "2", "--replicates", "1", "--workers", "1",
        "--no-progress", "--set", "time.horizon_months=6", "--set", "partners.count=150",
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["sweep"]["runs"] == 2
    samples = pd.read_csv(out / "samples.csv")
    assert list(samples.columns[2:]) == list(load_scenario(path).variants["base"].sweep.parameters)


def test_resumed_run_keeps_the_engine_it_was_started_with(
    tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sim run --engine per-agent`, interrupted, then `sim run --resume DIR`: the runs the resume
    does use the per-agent engine too (read from the manifest), not the default."""
    import sim.experiments.tasks

    real, engines = sim.experiments.tasks.simulate, []

    def simulate(config, seed, **options):
        engines.append(options.get("engine", "population"))
        if len(engines) == 3:
            raise KeyboardInterrupt()
        return real(config, seed, **options)

    monkeypatch.setattr(sim.experiments.tasks, "simulate", simulate)
    folder = tmp_path / "run"
    args = ("--no-progress", "--workers", "1")
    first = _sim("run", tiny_yaml, "--out", folder, "--engine", "per-agent", *args)
    assert first.exit_code == 130, first.output
    second = _sim("run", "--resume", folder, *args)
    assert second.exit_code == 0, second.output
    assert len(engines) > 3 and set(engines) == {"per-agent"}
    assert json.loads((folder / "manifest.json").read_text())["engine"] == "per-agent"
