"""``sim dashboard`` before it serves: what its arguments name, and bad arguments as one-line
errors with exit code 2, never a traceback."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cli import main
from workbench.dashboard.server import DashboardError, sources


def _run(*args: str):
    return CliRunner().invoke(main, ["dashboard", *args])


def test_help_says_it_stays_on_this_machine() -> None:
    result = _run("--help")
    assert result.exit_code == 0
    assert "127.0.0.1" in result.output and "8765" in result.output


def test_a_scenario_and_folders_name_the_variants_and_what_is_beside(
    tiny_yaml: Path, tiny_results: Path
) -> None:
    scenario, saved, notes = sources([tiny_yaml, tiny_results])
    assert scenario.name == "tiny" and list(scenario.variants) == ["base", "cut"]
    assert [s.path for s in saved] == [tiny_results]
    assert notes == [f"Beside the live runs: {tiny_results} (base, cut)"]
    from_folder, saved, notes = sources([tiny_results / "manifest.json"])
    assert list(from_folder.variants) == ["base", "cut"]
    assert notes[0] == f"Scenario from {tiny_results / 'scenario.resolved.yaml'}"


def test_bad_arguments_are_one_line_errors(tiny_yaml: Path, tmp_path: Path) -> None:
    with pytest.raises(DashboardError, match="one scenario file at a time"):
        sources([tiny_yaml, tiny_yaml])
    other = tmp_path / "notes.txt"
    other.write_text("x")
    result = _run(str(other))
    assert result.exit_code == 2
    assert result.output.strip() == (f"{other}: not a scenario file (.yaml) or a result folder")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: b\nvendors: [{name: a}]\nreplicates: 0\n")
    result = _run(str(broken))
    assert result.exit_code == 2
    assert "broken.yaml:3: replicates: must be between 1 and 100000, got 0" in result.output
    assert "Traceback" not in result.output


def test_a_damaged_result_folder_is_refused_before_serving(
    tiny_yaml: Path, tiny_results: Path, tmp_path: Path
) -> None:
    """A saved folder shown beside the live runs is untrusted input: the reader checks all of it
    at start (one line, exit 2), not when the page first draws it."""
    import shutil

    folder = tmp_path / "damaged"
    shutil.copytree(tiny_results, folder)
    lines = (folder / "timeseries.csv").read_text().splitlines(keepends=True)
    (folder / "timeseries.csv").write_text(
        "".join(lines[:1] + [x for x in lines[1:] for _ in "ab"])
    )
    for args in ([str(tiny_yaml), str(folder)], [str(folder / "manifest.json")]):
        result = _run(*args)
        assert result.exit_code == 2, result.output
        assert result.stderr.strip() == (
            f"{folder}/timeseries.csv: row 3: repeats row 2 (variant base, replicate 0, step 0, "
            "vendor acme)"
        )


def test_a_port_in_use_is_refused_before_serving(tiny_yaml: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = _run(str(tiny_yaml), "--port", str(port))
    assert result.exit_code == 2
    assert f"--host 127.0.0.1 --port {port}: cannot listen there" in result.output


def test_without_solara_it_says_how_to_install_it(
    tiny_yaml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "solara", None)
    result = _run(str(tiny_yaml))
    assert result.exit_code == 2
    assert "sim dashboard needs Solara" in result.output and "[dashboard]" in result.output
