"""The run journal is data, never code: parts are JSON with a checksum in their name; a part that
does not match is re-run, and a pickle part of an older version is refused without being opened."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from cli import main
from sim.experiments import journal
from sim.experiments.manifest import RunRecord
from sim.experiments.run_rows import prepare_run
from sim.experiments.runner import run_scenario

FILES = ("timeseries.csv", "runs.csv", "summary.csv")


def _sim(*args: str | Path):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def interrupted(tiny_scenario, tmp_path: Path, break_runs) -> Path:
    """A tiny folder stopped by Ctrl-C after two of its four runs."""
    break_runs(lambda config, seed, n: KeyboardInterrupt() if n == 3 else None)
    summary = run_scenario(tiny_scenario, out_dir=tmp_path / "stopped", progress=False)
    assert summary.status == "incomplete" and summary.count("ok") == 2
    return summary.folder


def test_a_part_reads_back_exactly(fake_output, tmp_path: Path) -> None:
    """Every number of a saved run reads back bit for bit (floats through ``repr``)."""
    output = fake_output(steps=4, vendors=("a", "b"), mean_trust=[0.1, 1 / 3, 2e-308, 1e300])
    prepared = prepare_run("base", 1, output)
    record = RunRecord("base", 1, 7, (1,), "ok", seconds=0.25)
    path = journal.write_part(tmp_path, 1, record, prepared)
    again_record, again = journal.read_part(path, 1, RunRecord("base", 1, 7, (1,)))
    assert again_record == record
    assert again.timeseries_csv == prepared.timeseries_csv and again.runs_csv == prepared.runs_csv
    pd.testing.assert_frame_equal(again.values, prepared.values)


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda doc, raw: raw[:-1] + b" ", id="bytes changed: checksum differs"),
        pytest.param(lambda doc, raw: raw[: len(raw) // 2], id="truncated"),
    ],
)
def test_a_part_whose_bytes_do_not_match_its_checksum_is_not_trusted(
    damage, fake_output, tmp_path: Path
) -> None:
    record = RunRecord("base", 0, 7, (0,), "ok")
    path = journal.write_part(tmp_path, 0, record, prepare_run("base", 0, fake_output()))
    path.write_bytes(damage(None, path.read_bytes()))
    assert journal.read_part(path, 0, RunRecord("base", 0, 7, (0,))) is None
    assert not path.exists()  # removed: its run is done again


def _rewrite(path: Path, change) -> Path:
    """Change a part's content and give it the checksum of its new bytes, as a forger would."""
    import hashlib

    doc = json.loads(path.read_text())
    change(doc)
    data = json.dumps(doc).encode()
    path.unlink()
    new = path.with_name(f"{path.name[:7]}-{hashlib.sha256(data).hexdigest()}.json")
    new.write_bytes(data)
    return new


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda d: d["record"].update(entropy=8), id="another seed"),
        pytest.param(lambda d: d["record"].update(variant="cut"), id="another variant"),
        pytest.param(lambda d: d.update(index=3), id="another plan index"),
        pytest.param(
            lambda d: d["prepared"].update(timeseries_csv="cut,0,0,1.0,a\n"), id="rows of a run"
        ),
        pytest.param(lambda d: d["prepared"]["values"].update(dtypes=["O"] * 21), id="dtype"),
        pytest.param(lambda d: d["record"].update(status="not-run"), id="a run that did not run"),
        pytest.param(lambda d: d.update(prepared=None), id="an ok run without rows"),
    ],
)
def test_a_part_that_is_not_the_planned_run_is_not_trusted(
    change, fake_output, tmp_path: Path
) -> None:
    record = RunRecord("base", 0, 7, (0,), "ok")
    path = journal.write_part(tmp_path, 0, record, prepare_run("base", 0, fake_output()))
    forged = _rewrite(path, change)
    assert journal.read_part(forged, 0, RunRecord("base", 0, 7, (0,))) is None


def test_resume_reruns_a_forged_part_and_ends_identical(
    interrupted: Path, tiny_results: Path
) -> None:
    """A part with a consistent checksum but another run's seed is re-run, not trusted."""
    part = next((interrupted / ".parts").glob("0000001-*.json"))
    _rewrite(part, lambda d: d["record"].update(entropy=99))
    result = _sim("run", "--resume", interrupted, "--no-progress", "--workers", "1")
    assert result.exit_code == 0, result.output
    for name in FILES:
        assert (interrupted / name).read_bytes() == (tiny_results / name).read_bytes(), name


class _Explode:
    """Unpickling this runs code: it would create the file ``marker``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (self.marker,))


def test_resume_never_opens_a_pickle_part(interrupted: Path, tmp_path: Path) -> None:
    """Issue 15, item 1: a crafted ``.parts/*.pkl`` ran code on ``--resume``; now the folder is
    refused with exit 2 and the file is never unpickled."""
    marker = tmp_path / "pwned"
    (interrupted / ".parts" / "0000002.pkl").write_bytes(pickle.dumps(_Explode(marker)))
    result = _sim("run", "--resume", interrupted, "--no-progress", "--workers", "1")
    assert result.exit_code == 2, result.output
    assert not marker.exists()
    assert result.output.strip().splitlines() == [
        f"--resume {interrupted}: its journal holds 1 .pkl parts of an older version; they are "
        "never opened (a pickle can run code), so this folder cannot be resumed; run the "
        "scenario again into a new folder"
    ]


def test_no_module_of_the_project_unpickles() -> None:
    """No pickle anywhere a folder is read: no module of sim/, analysis/ or cli/ calls
    ``pickle.load``/``loads`` (process pools pickle tasks in memory; that is not a folder)."""
    root = Path(__file__).resolve().parents[1]
    offenders = [
        str(path.relative_to(root))
        for folder in ("sim", "analysis", "cli")
        for path in (root / folder).rglob("*.py")
        if any(word in path.read_text() for word in ("pickle.load", "import pickle", "np.load("))
    ]
    assert offenders == []


def test_saved_parts_lists_part_files_only(fake_output, tmp_path: Path) -> None:
    """Plan index -> part: a link named like a part, a folder named like one and other names are
    not parts; temporary files left by a killed process are removed; the first name wins."""
    first = journal.write_part(tmp_path, 3, RunRecord("base", 0, 7, (0,), "ok"), None)
    second = journal.part_path(tmp_path, 3, "f" * 64)
    second.write_text("{}")
    journal.part_path(tmp_path, 4).symlink_to(first)
    journal.part_path(tmp_path, 5).mkdir()
    (journal.parts_dir(tmp_path) / "notes.json").write_text("{}")
    leftover = journal.parts_dir(tmp_path) / ".0000006-x.json.123.tmp"
    leftover.write_text("half")
    expected = min(first, second, key=lambda p: p.name)
    assert journal.saved_parts(tmp_path) == {3: expected}
    assert not leftover.exists()


def _two_runs(folder: Path, fake_output) -> list[RunRecord]:
    """A folder of two saved runs that was never closed (as a kill while saving leaves it)."""
    from sim.experiments.writer import ResultWriter

    plan = [RunRecord("base", r, 7, (r,)) for r in (0, 1)]
    writer = ResultWriter(folder, "hand", list(plan), "name: hand\n", vendors=["a"])
    for r in (0, 1):
        writer.add(RunRecord("base", r, 7, (r,), "ok"), fake_output(mean_trust=[0.1 * r, 0.5, 0.7]))
    return plan


def _resume_writer(folder: Path, plan: list[RunRecord]):
    from sim.experiments.writer import ResultWriter

    previous = json.loads((folder / "manifest.json").read_text())
    return ResultWriter(
        folder, "hand", list(plan), "", vendors=["a"], resume=True, previous=previous
    )


@pytest.mark.parametrize("keep_bytes", [journal.KEEP_BYTES, 0], ids=["parts kept", "read again"])
def test_a_resumed_folder_closes_the_same_from_the_parts_it_checked(
    keep_bytes: int, fake_output, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing from the parts read while resuming, or reading them again, gives the same files as
    a folder closed in one go."""
    from sim.experiments.writer import ResultWriter

    whole = tmp_path / "whole"
    whole.mkdir()
    plan = _two_runs(whole, fake_output)
    ResultWriter.close(_resume_writer(whole, plan))  # a reference: closed by a plain resume
    folder = tmp_path / "resumed"
    folder.mkdir()
    _two_runs(folder, fake_output)
    monkeypatch.setattr(journal, "KEEP_BYTES", keep_bytes)
    writer = _resume_writer(folder, plan)
    assert len(writer._checked) == (2 if keep_bytes else 0)
    assert writer.close() == "complete"
    for name in FILES:
        assert (folder / name).read_bytes() == (whole / name).read_bytes(), name


def test_a_part_damaged_before_the_close_leaves_the_folder_incomplete(
    fake_output, tmp_path: Path
) -> None:
    """A run whose part is gone or damaged when the folder closes is not in its files and is
    recorded as not run (the folder stays incomplete, its journal kept for --resume), never
    counted as a finished run whose rows are missing."""
    from sim.experiments.writer import ResultWriter

    plan = [RunRecord("base", r, 7, (r,)) for r in (0, 1)]
    writer = ResultWriter(tmp_path, "hand", list(plan), "name: hand\n", vendors=["a"])
    for r in (0, 1):
        writer.add(RunRecord("base", r, 7, (r,), "ok"), fake_output())
    part = next((tmp_path / ".parts").glob("0000001-*.json"))
    part.write_bytes(part.read_bytes()[:-2])
    assert writer.close() == "incomplete"
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    assert [r["status"] for r in manifest["runs"]] == ["ok", "not-run"]
    assert manifest["counts"]["ok"] == 1 and manifest["counts"]["not-run"] == 1
    rows = (tmp_path / "runs.csv").read_text().splitlines()[1:]
    assert rows and all(line.startswith("base,0,") for line in rows)
    assert (tmp_path / ".parts").is_dir()
