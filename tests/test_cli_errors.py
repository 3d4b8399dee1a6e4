"""Bad input through the command line: every broken scenario, bad option and bad path ends in exit
code 2 and a message naming the file, line and key path (or the option), never a traceback.

The messages themselves are pinned in ``tests/scenarios/broken/`` (see ``test_scenario.py``); here
the same files go through ``sim validate`` and ``sim run``, which must print exactly those lines on
stderr and nothing on stdout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cli import main
from tests.test_scenario import BROKEN, BROKEN_CASES, GENERATED, expected_lines

ROOT = Path(__file__).resolve().parents[1]


def _sim(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _clean_failure(result: Result, code: int = 2) -> str:
    """The command failed with ``code``, said why on stderr, and showed no traceback."""
    assert result.exit_code == code, (result.exit_code, result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output + result.stderr
    assert result.stderr.strip()
    return result.stderr


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", BROKEN_CASES)
def test_broken_scenario_through_the_cli(
    case: str, command: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``sim validate`` and ``sim run`` print exactly the broken file's expected lines, exit 2."""
    monkeypatch.chdir(BROKEN)
    extra = ["--out", str(tmp_path / "out"), "--no-progress"] if command == "run" else []
    result = _sim(command, case, *extra)
    assert _clean_failure(result).splitlines() == expected_lines(BROKEN / case)
    assert result.stdout == ""
    assert not (tmp_path / "out").exists()  # nothing is created for a scenario that is refused


@pytest.mark.parametrize("command", ["validate", "run"])
@pytest.mark.parametrize("case", sorted(GENERATED))
def test_generated_broken_file_through_the_cli(
    case: str, command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content, expected = GENERATED[case]
    (tmp_path / f"{case}.yaml").write_bytes(content)
    monkeypatch.chdir(tmp_path)
    stderr = _clean_failure(_sim(command, f"{case}.yaml"))
    assert expected in stderr


# ------------------------------------------------------------------------------ options and paths
SCENARIO = """\
name: opts
replicates: 1
time: {horizon_months: 2}
market: {opportunities_per_month: 20}
vendors: [{name: acme, direct_reps: 1}, {name: rival, direct_reps: 1}]
partners: {count: 5, vendors_per_partner: 2}
variants:
  cut: {events: [{at_month: 1, vendor: acme, set: {program.margin: 0.1}}]}
"""

OPTION_CASES = {
    "unknown option": (
        ["--replicate", "2"],
        "No such option '--replicate'. Did you mean '--replicates'?",
    ),
    "replicates not a number": (["--replicates", "abc"], "'abc' is not a valid integer"),
    "replicates zero": (["--replicates", "0"], "0 is not in the range x>=1"),
    "replicates above the limit": (
        ["--replicates", "100001"],
        "--replicates: replicates: must be between 1 and 100000, got 100001",
    ),
    "workers zero": (["--workers", "0"], "0 is not in the range 1<=x<=1024"),
    "workers huge": (["--workers", "99999999999999999999"], "is not in the range 1<=x<=1024"),
    "seed negative": (["--seed", "-1"], "-1 is not in the range x>=0"),
    "seed huge": (
        ["--seed", str(2**64)],
        f"--seed: seed: must be between 0 and {2**63 - 1}, got {2**64}",
    ),
    "seed not a number": (["--seed", "1.5"], "'1.5' is not a valid integer"),
    "set without =": (
        ["--set", "partners.count"],
        "--set: partners.count: must be PATH=VALUE, e.g. vendors.acme.program.margin=0.12",
    ),
    "set unknown path": (
        ["--set", "partners.cont=3"],
        "--set: partners.cont: unknown key 'cont'; did you mean partners.count?",
    ),
    "set unknown vendor": (
        ["--set", "vendors.acmee.program.margin=0.1"],
        "--set: vendors.acmee.program.margin: unknown vendor 'acmee'; did you mean 'acme'?",
    ),
    "set wrong type": (
        ["--set", "partners.count=many"],
        "--set: partners.count: must be a whole number, got 'many'",
    ),
    "set out of range": (
        ["--set", "vendors.acme.program.margin=2"],
        "--set: vendors.acme.program.margin: must be between 0 and 1, got 2",
    ),
    "set YAML object tag": (
        ["--set", "description=!!python/object/apply:os.getcwd []"],
        "--set: description: YAML tag '!!python/object/apply:os.getcwd' is not allowed",
    ),
    "set broken YAML": (["--set", "description=[1, 2"], "--set: description: invalid YAML"),
    "variant unknown": (["--variant", "cutt"], "--variant: unknown variant 'cutt'"),
}


@pytest.mark.parametrize("case", sorted(OPTION_CASES))
def test_bad_run_option_exits_2(case: str, tmp_path: Path) -> None:
    args, message = OPTION_CASES[case]
    scenario = tmp_path / "opts.yaml"
    scenario.write_text(SCENARIO)
    out = tmp_path / "out"
    stderr = _clean_failure(_sim("run", scenario, "--out", out, "--no-progress", *args))
    assert message in stderr, stderr
    assert not out.exists()


def test_set_problems_in_validate_exit_2(tmp_path: Path) -> None:
    scenario = tmp_path / "opts.yaml"
    scenario.write_text(SCENARIO)
    stderr = _clean_failure(_sim("validate", scenario, "--set", "time.horizon=3"))
    assert stderr.strip() == (
        "--set: time.horizon: unknown key 'horizon'; did you mean time.horizon_months? "
        "allowed keys: horizon_months, step, spin_up_months"
    )


def test_bad_paths_exit_2(tmp_path: Path) -> None:
    scenario = tmp_path / "opts.yaml"
    scenario.write_text(SCENARIO)
    a_file = tmp_path / "a-file"
    a_file.write_text("mine")
    used = tmp_path / "used"
    used.mkdir()
    (used / "keep.txt").write_text("mine")
    cases = [
        (("run", tmp_path / "missing.yaml"), "does not exist"),
        (("validate", tmp_path / "missing.yaml"), "does not exist"),
        (("run", tmp_path), "is a directory"),
        (("validate", tmp_path), "is a directory"),
        (("run", scenario, "--out", a_file), f"--out {a_file}: exists and is not a folder"),
        (("run", scenario, "--out", used), f"--out {used}: folder exists and is not empty"),
        (
            ("run", scenario, "--out", a_file / "below"),
            f"--out {a_file / 'below'}: cannot create folder: Not a directory",
        ),
    ]
    for args, message in cases:
        assert message in _clean_failure(
            _sim(*args, "--no-progress") if args[0] == "run" else _sim(*args)
        ), args
    assert a_file.read_text() == "mine" and (used / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in used.iterdir()) == ["keep.txt"]


def test_default_results_folder_blocked_by_a_file_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``results`` is a file, so ``results/<name>/<stamp>`` cannot be made: a message, not a crash."""
    monkeypatch.chdir(tmp_path)
    Path("opts.yaml").write_text(SCENARIO)
    Path("results").write_text("not a folder")
    stderr = _clean_failure(_sim("run", "opts.yaml", "--no-progress"))
    assert (
        stderr.strip() == "results: is a file, so the result folder results/opts cannot be created"
    )


def _subprocess_sim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "yaml-syntax.yaml"),
        ("run", "python-object-tag.yaml"),
        ("run", "extends-system-file.yaml"),
        ("run", "name-dot-dot.yaml"),
    ],
)
def test_real_process_exits_2_without_traceback(args: tuple[str, ...]) -> None:
    """The same through a real ``sim`` process: exit status 2, expected stderr, no traceback."""
    done = _subprocess_sim(*args, cwd=BROKEN)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines() == expected_lines(BROKEN / args[1])
    assert done.stdout == ""


def test_real_process_bad_option_exits_2(tmp_path: Path) -> None:
    (tmp_path / "opts.yaml").write_text(SCENARIO)
    done = _subprocess_sim("run", "opts.yaml", "--workers", "x", cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "Invalid value for '--workers'" in done.stderr


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("con", "NAME 'con': 'con' is a device name on Windows; choose another name"),
        ("../up", "NAME '../up': must be a plain name: a letter or digit first"),
        ("x" * 101, "must be at most 100 characters long (it has 101)"),
    ],
)
def test_new_refuses_names_a_scenario_could_not_have(
    name: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert message in _clean_failure(_sim("new", name))
    assert list(tmp_path.iterdir()) == []
