"""Warnings: a valid scenario that will not do what it seems to still runs (exit code 0), but
``sim validate``, ``sim run`` and ``sim sweep`` say so, naming the file, line and key path, and the
result folder's manifest lists the same lines under ``warnings``.

Each case is a small file in ``tests/scenarios/warnings/`` with its exact warnings as ``# warn:``
lines (see the README there).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from sim.experiments.runner import run_scenario
from sim.scenario import load_scenario
from tests.conftest import TINY_YAML

WARNINGS = Path(__file__).parent / "scenarios" / "warnings"
CASES = sorted(p.name for p in WARNINGS.glob("*.yaml"))


def expected(case: str) -> list[str]:
    prefix = "# warn: "
    lines = (WARNINGS / case).read_text(encoding="utf-8").splitlines()
    return [line[len(prefix) :] for line in lines if line.startswith(prefix)]


@pytest.mark.parametrize("case", CASES)
def test_each_case_gives_exactly_its_warnings(case: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(WARNINGS)
    assert expected(case), f"{case} has no '# warn:' line"
    assert [str(w) for w in load_scenario(case).warnings] == expected(case)


@pytest.mark.parametrize("case", CASES)
def test_validate_exits_0_and_prints_the_warnings(
    case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(WARNINGS)
    result = CliRunner().invoke(main, ["validate", case])
    assert result.exit_code == 0, result.output
    lines = expected(case)
    assert result.stderr.splitlines() == [f"warning: {line}" for line in lines]
    assert result.stdout.startswith("OK") and f"{len(lines)} warning" in result.stdout


def test_a_clean_scenario_and_the_shipped_ones_give_no_warning(tiny_yaml: Path) -> None:
    assert load_scenario(tiny_yaml).warnings == []
    for path in sorted((Path(__file__).parents[1] / "scenarios").glob("*.yaml")):
        assert load_scenario(path).warnings == [], path.name


def test_set_can_push_an_event_past_the_horizon(tiny_yaml: Path) -> None:
    """Warnings are about what runs: the tiny scenario's month-2 event is fine in 6 months and
    never happens in 2."""
    short = load_scenario(tiny_yaml, ["time.horizon_months=2"]).warnings
    assert [w.path for w in short] == ["variants.cut", "variants.cut.events[0].at_month"]
    assert "(2 months)" in short[1].message


def test_the_manifest_lists_the_warnings_and_what_set_changed(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(TINY_YAML)
    scenario = load_scenario(
        tmp_path / "tiny.yaml", ["time.horizon_months=2", "vendors[0].program.margin=0.15"]
    )
    folder = run_scenario(scenario, out_dir=tmp_path / "out", progress=False).folder
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["warnings"] == [str(w) for w in scenario.warnings] and manifest["warnings"]
    assert manifest["overrides"] == [
        {"path": "time.horizon_months", "file": 6, "run": 2},
        {"path": "vendors.acme.program.margin", "file": 0.2, "run": 0.15},
    ]


def test_a_run_without_overrides_records_empty_lists(tiny_results: Path) -> None:
    manifest = json.loads((tiny_results / "manifest.json").read_text())
    assert manifest["warnings"] == [] and manifest["overrides"] == []


def test_sim_run_prints_the_same_warnings_and_runs(tiny_yaml: Path, tmp_path: Path) -> None:
    args = ["run", str(tiny_yaml), "--set", "time.horizon_months=2", "--out", str(tmp_path / "o"),
            "--no-progress", "--workers", "1"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    expected = [
        f"warning: {w}" for w in load_scenario(tiny_yaml, ["time.horizon_months=2"]).warnings
    ]
    assert [line for line in result.stderr.splitlines() if line.startswith("warning:")] == expected
    assert len(expected) == 2
