"""The ``sim`` command line: exit codes 0/1/2/130, clean error messages, the small commands."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from sim.behaviours.registry import all_rules

ROOT = Path(__file__).resolve().parents[1]


def _sim(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _clean_failure(result: Result, code: int = 2) -> str:
    """The command failed with ``code``, said why on stderr, and showed no traceback."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output + result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.strip()
    return result.stderr


def test_run_writes_the_folder_and_prints_where(tiny_yaml: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _sim("run", tiny_yaml, "--out", out, "--no-progress", "--workers", "1")
    assert result.exit_code == 0, result.output + result.stderr
    assert f"Results: {out}" in result.stdout
    assert "Mean over replicates, cumulative over 6 months" in result.stdout
    assert "acme" in result.stdout and "cut (n=2)" in result.stdout
    for words in ("total revenue", "channel revenue", "net revenue", "conflicts"):
        assert words in result.stdout
    assert {p.name for p in (out / "plots").iterdir()} >= {
        "channel_revenue.png",
        "attention_share.png",
        "trust.png",
    }
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete"
    assert manifest["command_line"].startswith("sim run ")


def test_run_options_reach_the_runner(tiny_yaml: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _sim(
        "run", tiny_yaml, "--out", out, "--replicates", "1", "--seed", "99", "--variant", "cut",
        "--no-progress", "--workers", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    runs = json.loads((out / "manifest.json").read_text())["runs"]
    assert [(r["variant"], r["replicate"], r["seed"]["entropy"]) for r in runs] == [("cut", 0, 99)]


def test_run_with_a_failed_run_exits_1_and_keeps_the_rest(
    tiny_yaml: Path, tmp_path: Path, break_runs
) -> None:
    break_runs(
        lambda config, seed, n: (
            ValueError("no partners left") if seed.spawn_key == (1,) and config.events else None
        )
    )
    out = tmp_path / "out"
    result = _sim("run", tiny_yaml, "--out", out, "--no-progress", "--workers", "1")
    assert result.exit_code == 1
    assert "failed: cut replicate 1: ValueError: no partners left" in result.stderr
    assert "3 runs ok, 1 failed" in result.stdout
    assert json.loads((out / "manifest.json").read_text())["status"] == "failed-runs"


def test_ctrl_c_saves_finished_runs_and_exits_130(
    tiny_yaml: Path, tmp_path: Path, break_runs
) -> None:
    break_runs(lambda config, seed, n: KeyboardInterrupt() if n == 2 else None)
    out = tmp_path / "out"
    result = _sim("run", tiny_yaml, "--out", out, "--no-progress", "--workers", "1")
    assert result.exit_code == 130
    assert "Interrupted: 1 of 4 runs finished" in result.stderr
    assert json.loads((out / "manifest.json").read_text())["status"] == "incomplete"


def test_a_bad_scenario_exits_2_with_file_and_key(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nvendors:\n  - name: acme\n    program: {margin: 1.5}\n")
    for command in ("run", "validate"):
        stderr = _clean_failure(_sim(command, bad))
        assert "bad.yaml" in stderr and "margin" in stderr


def test_bad_options_and_paths_exit_2(tiny_yaml: Path, tmp_path: Path) -> None:
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    cases = [
        (("run", tmp_path / "missing.yaml"), "missing.yaml"),
        (("run", tiny_yaml, "--out", used), "not empty"),
        (("run", tiny_yaml, "--variant", "nope"), "unknown variant"),
        (("run", tiny_yaml, "--executor", "dask"), "--address tcp://HOST:PORT"),
        (("run", tiny_yaml, "--address", "tcp://x:1"), "only used with --executor dask"),
        (("run",), "Missing argument FILE"),
        (("run", tiny_yaml, "--plugin", "x.py"), "--plugin x.py: no such file"),
        (("run", tiny_yaml, "--workers", "0"), "--workers"),
        (("run", tiny_yaml, "--set", "vendors.nobody.program.margin=0.1"), "nobody"),
    ]
    for args, message in cases:
        assert message in _clean_failure(_sim(*args)), args
    assert (used / "keep.txt").read_text() == "mine"
    assert list(used.iterdir()) == [used / "keep.txt"]


def test_validate_summarises_the_scenario(tiny_yaml: Path) -> None:
    result = _sim("validate", tiny_yaml)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == (
        "OK: tiny: 2 variants (base, cut), 2 vendors, 20 partners, 6 months"
    )
    result = _sim("validate", tiny_yaml, "--set", "partners.count=30")
    assert "30 partners" in result.stdout
    one = ("--set", "partners.count=1", "--set", "time.horizon_months=1")
    result = _sim("validate", ROOT / "scenarios" / "baseline.yaml", *one)
    assert result.stdout.strip() == "OK: baseline: 1 variant (base), 3 vendors, 1 partner, 1 month"


def test_new_writes_a_starter_that_validates_and_never_overwrites(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = _sim("new", "launch")
    assert result.exit_code == 0, result.stderr
    assert "launch.yaml" in result.stdout
    assert _sim("validate", "launch.yaml").stdout.startswith("OK: launch:")
    before = Path("launch.yaml").read_text()
    assert "exists" in _clean_failure(_sim("new", "launch"))
    assert Path("launch.yaml").read_text() == before
    assert _sim("new", "other", "--out", "x.yaml").exit_code == 0 and Path("x.yaml").exists()
    _clean_failure(_sim("new", "bad name!"))


def test_behaviours_lists_every_rule_with_its_parameters() -> None:
    result = _sim("behaviours")
    assert result.exit_code == 0
    for spec in all_rules():
        assert spec.id in result.stdout
        for name in spec.parameters():
            assert name in result.stdout


def test_help_lists_every_contract_command() -> None:
    result = _sim("--help")
    for command in ("run", "compare", "sweep", "sensitivity", "report", "validate", "new"):
        assert command in result.stdout
    assert "behaviours" in result.stdout
