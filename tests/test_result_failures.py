"""A result folder is never corrupted: when writing fails (disk full, permissions) the user gets one
line naming the file, the folder's manifest never says ``complete``, and no file appears under its
final name half-written.

A problem found before any run starts (the folder cannot be made or written) exits 2 like any bad
path; one found mid-run exits 1 with the folder kept and marked ``incomplete``. The tests run as
root in CI, where permissions do not stop writes, so the failures are injected where the writer
touches the file system (``open``, ``os.replace``) with the errors the system would raise.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

import sim.experiments.folder_layout
import sim.experiments.journal
import sim.experiments.writer
from cli import main
from sim.experiments.folder_layout import (
    MANIFEST_FILE,
    RUNS_FILE,
    SUMMARY_FILE,
    TIMESERIES_FILE,
    ResultsError,
)
from sim.experiments.result_folder import create_result_folder

FULL = errno.ENOSPC
DENIED = errno.EACCES


def _sim(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def _one_clean_line(result: Result, code: int) -> str:
    assert result.exit_code == code, (result.output, result.exception)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    return lines[0]


def _manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / MANIFEST_FILE).read_text())


def _fail_replace(monkeypatch: pytest.MonkeyPatch, target: str, code: int, after: int = 0) -> None:
    """``os.replace`` onto a file called ``target`` raises OSError(``code``) from call ``after+1``."""
    real, calls = os.replace, []

    def replace(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if Path(dst).name == target:
            calls.append(dst)
            if len(calls) > after:
                raise OSError(code, os.strerror(code), str(dst))
        real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)


class _FillingFile:
    """A text file that raises ENOSPC once more than ``room`` characters have been written."""

    def __init__(self, handle: Any, room: int) -> None:
        self._handle, self._room = handle, room

    def write(self, text: str) -> int:
        self._room -= len(text)
        if self._room < 0:
            raise OSError(FULL, os.strerror(FULL))
        return self._handle.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._handle, name)

    def __enter__(self) -> _FillingFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


def _disk_fills_while_saving_runs(monkeypatch: pytest.MonkeyPatch, room: int) -> None:
    """Every run saved into the folder's journal (:mod:`sim.experiments.journal`) after ``room`` bytes fails."""
    real_open, left = open, [room]

    def fake_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        handle = real_open(path, *args, **kwargs)
        if ".parts" not in str(path):
            return handle
        filling = _FillingFile(handle, left[0])
        left[0] = 0  # the first part gets the room, every later part finds the disk full
        return filling

    monkeypatch.setattr(sim.experiments.folder_layout, "open", fake_open, raising=False)


def _disk_fills_while_streaming(monkeypatch: pytest.MonkeyPatch, room: int) -> None:
    """Assembling ``timeseries.csv`` from the saved runs runs out of space after ``room`` chars."""
    real_open = open

    def fake_open(path: Any, *args: Any, **kwargs: Any) -> Any:
        handle = real_open(path, *args, **kwargs)
        return _FillingFile(handle, room) if f".{TIMESERIES_FILE}." in str(path) else handle

    monkeypatch.setattr(sim.experiments.folder_layout, "open", fake_open, raising=False)


def _no_file_presented_as_complete(folder: Path) -> None:
    assert _manifest(folder)["status"] == "incomplete"


# ------------------------------------------------------------------------------ mid-run: exit 1
def test_disk_full_while_streaming_timeseries(
    tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC in the middle of the timeseries: exit 1, one line, folder kept and incomplete."""
    _disk_fills_while_streaming(monkeypatch, room=5_000)
    out = tmp_path / "out"
    line = _one_clean_line(
        _sim("run", tiny_yaml, "--out", out, "--no-progress", "--workers", "1"), 1
    )
    assert line == (
        f"error: {out / TIMESERIES_FILE}: cannot write: No space left on device; the result "
        f"folder {out} is incomplete (manifest status: incomplete)"
    )
    _no_file_presented_as_complete(out)
    assert "No space left on device" in _manifest(out)["write_error"]
    for name in (TIMESERIES_FILE, RUNS_FILE, SUMMARY_FILE):
        assert not (out / name).exists(), name


def test_disk_full_while_saving_finished_runs(
    tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC while a finished run is saved: exit 1, one line naming the file, folder incomplete."""
    _disk_fills_while_saving_runs(monkeypatch, room=10**9)
    out = tmp_path / "out"
    line = _one_clean_line(
        _sim("run", tiny_yaml, "--out", out, "--no-progress", "--workers", "1"), 1
    )
    assert line.startswith(f"error: {out / '.parts'}")
    assert line.endswith(
        f": cannot write: No space left on device; the result folder {out} is incomplete "
        "(manifest status: incomplete)"
    )
    _no_file_presented_as_complete(out)
    for name in (TIMESERIES_FILE, RUNS_FILE, SUMMARY_FILE):
        assert not (out / name).exists(), name


def test_disk_full_while_saving_runs_from_a_process_pool(
    tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same with worker processes: the pool is stopped and the message is the same."""
    _disk_fills_while_saving_runs(monkeypatch, room=10**9)
    out = tmp_path / "out"
    line = _one_clean_line(
        _sim("run", tiny_yaml, "--out", out, "--no-progress", "--workers", "2"), 1
    )
    assert line.startswith(f"error: {out / '.parts'}")
    assert "No space left on device" in line
    _no_file_presented_as_complete(out)


@pytest.mark.parametrize("target", [TIMESERIES_FILE, RUNS_FILE, SUMMARY_FILE, "timeseries.parquet"])
@pytest.mark.parametrize("code", [FULL, DENIED])
def test_a_final_file_that_cannot_be_written(
    target: str, code: int, tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Finishing a file fails: it never appears under its final name; the manifest says why."""
    if target.endswith(".parquet"):
        pytest.importorskip("pyarrow")
    _fail_replace(monkeypatch, target, code)
    out = tmp_path / "out"
    line = _one_clean_line(
        _sim("run", tiny_yaml, "--out", out, "--no-progress", "--workers", "1"), 1
    )
    assert line == (
        f"error: {out / target}: cannot write: {os.strerror(code)}; the result folder {out} is "
        "incomplete (manifest status: incomplete)"
    )
    assert not (out / target).exists()
    assert not [p.name for p in out.iterdir() if p.name.endswith(".tmp")]
    _no_file_presented_as_complete(out)
    assert _manifest(out)["write_error"] == line.removeprefix("error: ")


def test_the_final_manifest_cannot_be_written(
    tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last write of all fails: the manifest written at the start still says incomplete."""
    _fail_replace(monkeypatch, MANIFEST_FILE, FULL, after=1)
    out = tmp_path / "out"
    line = _one_clean_line(
        _sim("run", tiny_yaml, "--out", out, "--no-progress", "--workers", "1"), 1
    )
    assert line.startswith(f"error: {out / MANIFEST_FILE}: cannot write: No space left on device")
    manifest = _manifest(out)
    assert (manifest["status"], manifest["finished"]) == ("incomplete", None)


# ------------------------------------------------------------------------------ at start: exit 2
@pytest.mark.parametrize("code", [FULL, DENIED])
def test_out_folder_that_cannot_be_written_at_start(
    code: int, tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing has run yet, so it is a path problem: exit 2, no manifest, nothing half-written:
    a folder the run made is removed again, a folder given empty is left empty."""
    _fail_replace(monkeypatch, "scenario.resolved.yaml", code)
    out = tmp_path / "out"
    line = _one_clean_line(_sim("run", tiny_yaml, "--out", out, "--no-progress"), 2)
    assert line == f"{out}: cannot write into the result folder: {os.strerror(code)}"
    assert not out.exists()
    out.mkdir()
    line = _one_clean_line(_sim("run", tiny_yaml, "--out", out, "--no-progress"), 2)
    assert list(out.iterdir()) == []


def test_disk_full_between_the_first_files_leaves_no_half_folder(
    tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15, item 9: ``scenario.resolved.yaml`` written, then the disk full at the first
    manifest: the folder was neither resumable nor empty. Now it is removed."""
    _fail_replace(monkeypatch, MANIFEST_FILE, FULL)
    out = tmp_path / "out"
    line = _one_clean_line(_sim("run", tiny_yaml, "--out", out, "--no-progress"), 2)
    assert line == f"{out}: cannot write into the result folder: {os.strerror(FULL)}"
    assert not out.exists()


def test_out_folder_that_cannot_be_created(
    tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_mkdir = Path.mkdir

    def mkdir(self: Path, *args: Any, **kwargs: Any) -> None:
        if self.name == "out":
            raise PermissionError(DENIED, os.strerror(DENIED), str(self))
        real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    out = tmp_path / "out"
    line = _one_clean_line(_sim("run", tiny_yaml, "--out", out, "--no-progress"), 2)
    assert line == f"--out {out}: cannot create folder: Permission denied"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root ignores permissions")
def test_read_only_out_folder_for_a_normal_user(tiny_yaml: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    out.chmod(0o500)
    try:
        line = _one_clean_line(_sim("run", tiny_yaml, "--out", out, "--no-progress"), 2)
    finally:
        out.chmod(0o700)
    assert line.startswith(f"{out}") and "Permission denied" in line


def test_abort_leaves_the_folder_incomplete_and_resumable(tmp_path: Path) -> None:
    """``abort`` runs while another error is on its way: it touches nothing (so it cannot fail
    and replace that error), and the folder stays incomplete with its saved runs kept."""
    from sim.experiments.writer import ResultWriter, RunRecord

    writer = ResultWriter(
        folder=tmp_path,
        scenario_name="tiny",
        plan=[RunRecord("base", 0, 1, (0,))],
        resolved_yaml="x: 1\n",
    )
    before = sorted(p.name for p in tmp_path.iterdir())
    assert writer.abort() is None
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert _manifest(tmp_path)["status"] == "incomplete"


# ------------------------------------------------------------------------------ folder names
ESCAPING_NAMES = [
    "../x", "../../etc", "/tmp/abs", "a/b", "a\\b", ".", "..", "", "a\0b", "a\nb", " x", "x" * 101,
    "con", "NUL.data", "com1", "-x", ".hidden",
]  # fmt: skip


@pytest.mark.parametrize("name", ESCAPING_NAMES, ids=repr)
def test_create_result_folder_refuses_names_that_leave_the_root(tmp_path: Path, name: str) -> None:
    """The guard holds even for a config built without the loader's schema."""
    root = tmp_path / "results"
    with pytest.raises(ResultsError) as info:
        create_result_folder(name, root=root)
    message = str(info.value)
    assert message.startswith(f"scenario name {name!r}: ")
    assert "\n" not in message.replace("\\n", "")
    assert not root.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["x", "margin-cut.v2", "A_1", "9", "x" * 100, "console", "nul_x"])
def test_create_result_folder_accepts_plain_names(tmp_path: Path, name: str) -> None:
    folder = create_result_folder(name, root=tmp_path / "results")
    assert folder.parent == tmp_path / "results" / name
    assert folder.is_dir()


def test_layout_error_types() -> None:
    assert issubclass(sim.experiments.folder_layout.ResultsWriteError, ResultsError)
