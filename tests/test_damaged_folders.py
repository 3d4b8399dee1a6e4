"""A result folder is untrusted input. One damaged folder per failure (each made from a copy of a
real tiny folder), each with the one line ``sim compare``, ``sim report`` and ``sim plot`` must
give: exit 2, the file, the row and the problem, never a traceback and never a silently wrong
answer (issue 15, item 8)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.metric_catalog import read_series
from cli import main
from sim.experiments.folder_layout import ResultsError
from sim.experiments.reader import load_results
from tests.folders import drop_metrics


def _lines(folder: Path, name: str, change: Callable[[list[str]], list[str]]) -> None:
    path = folder / name
    path.write_text("".join(change(path.read_text().splitlines(keepends=True))))


def _cell(name: str, row: int, column: str, value: str) -> Callable[[Path], None]:
    """Set one cell (row 1 is the header) of a CSV file."""

    def change(lines: list[str]) -> list[str]:
        i = lines[0].rstrip("\n").split(",").index(column)
        parts = lines[row - 1].rstrip("\n").split(",")
        parts[i] = value
        lines[row - 1] = ",".join(parts) + "\n"
        return lines

    return lambda folder: _lines(folder, name, change)


def _manifest(change: Callable[[dict], object]) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        manifest = json.loads((folder / "manifest.json").read_text())
        change(manifest)
        (folder / "manifest.json").write_text(json.dumps(manifest))

    return damage


def _drop_column(name: str, column: str) -> Callable[[Path], None]:
    def damage(folder: Path) -> None:
        table = pd.read_csv(folder / name, keep_default_na=False)
        table.drop(columns=[column]).to_csv(folder / name, index=False, lineterminator="\n")

    return damage


TS, RUNS, MANIFEST = "timeseries.csv", "runs.csv", "manifest.json"
CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "timeseries empty": (
        lambda f: (f / TS).write_text(""),
        "{f}/timeseries.csv: empty file (not even a header)",
    ),
    "timeseries header only": (
        lambda f: _lines(f, TS, lambda lines: lines[:1]),
        "{f}/timeseries.csv: no rows for base replicate 0, a finished run of the manifest (4 runs "
        "missing: the file is truncated or damaged)",
    ),
    "text in a metric": (
        _cell(TS, 5, "channel_revenue", "abc"),
        "{f}/timeseries.csv: row 5: channel_revenue: must be a finite number of at most 1e+150 in "
        "size, got 'abc'",
    ),
    "NaN in a flow": (
        _cell(TS, 5, "channel_revenue", "nan"),
        "{f}/timeseries.csv: row 5: channel_revenue: must be a finite number of at most 1e+150 in "
        "size, got 'nan'",
    ),
    "a flow left empty": (
        _cell(TS, 7, "channel_revenue", ""),
        "{f}/timeseries.csv: row 7: channel_revenue: must be a finite number of at most 1e+150 in "
        "size, got an empty field",
    ),
    "infinity": (
        _cell(TS, 5, "mean_trust", "-inf"),
        "{f}/timeseries.csv: row 5: mean_trust: must be a finite number of at most 1e+150 in "
        "size, got '-inf'",
    ),
    "1e308": (
        _cell(TS, 5, "channel_revenue", "1e308"),
        "{f}/timeseries.csv: row 5: channel_revenue: must be a finite number of at most 1e+150 in "
        "size, got '1e+308'",
    ),
    "an extra variant": (
        lambda f: _lines(f, TS, lambda lines: lines + [lines[1].replace("base,", "zzz,", 1)]),
        "{f}/timeseries.csv: row 50: variant 'zzz' is not one of the manifest's variants",
    ),
    "an unknown vendor": (
        _cell(TS, 3, "vendor", "ghost"),
        "{f}/timeseries.csv: row 3: vendor 'ghost' is not one of the manifest's vendors",
    ),
    "a replicate that is not a whole number": (
        _cell(TS, 3, "replicate", "1.5"),
        "{f}/timeseries.csv: row 3: replicate: must be a whole number, got '1.5'",
    ),
    "rows of a run that did not finish": (
        lambda f: (
            _manifest(
                lambda m: (
                    m["runs"][3].update(status="failed"),
                    m.update(status="failed-runs", counts={**m["counts"], "ok": 3, "failed": 1}),
                )
            )(f),
            _lines(f, RUNS, lambda lines: lines[:-2]),  # runs.csv agrees with the manifest
        ),
        "{f}/timeseries.csv: row 38: variant cut, replicate 1 is not a finished (ok) run of the "
        "manifest",
    ),  # fmt: skip
    "a contract column missing": (
        _drop_column(TS, "mean_trust"),
        "{f}/timeseries.csv: no column 'mean_trust'",
    ),
    "every row duplicated": (
        lambda f: _lines(f, TS, lambda lines: lines[:1] + [x for x in lines[1:] for _ in (0, 1)]),
        "{f}/timeseries.csv: row 3: repeats row 2 (variant base, replicate 0, step 0, vendor acme)",
    ),
    "truncated between lines": (
        lambda f: _lines(f, TS, lambda lines: lines[:-5]),
        "{f}/timeseries.csv: cut replicate 1 has 7 rows, not 6 steps x 2 vendors (the file is "
        "truncated or damaged)",
    ),
    "truncated mid-line": (
        lambda f: (f / TS).write_text((f / TS).read_text()[:-30]),
        "{f}/timeseries.csv: the last line is cut off (the file is truncated)",
    ),
    "a step missing in the middle": (
        lambda f: _lines(f, TS, lambda lines: lines[:5] + lines[7:]),
        "{f}/timeseries.csv: base replicate 0 has 10 rows, not 6 steps x 2 vendors (the file is "
        "truncated or damaged)",
    ),
    "not CSV at all": (
        lambda f: (f / TS).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe\n"),
        "{f}/timeseries.csv: not a UTF-8 text file",
    ),
    "binary manifest": (
        lambda f: (f / MANIFEST).write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff"),
        "{f}/manifest.json: not valid JSON (not UTF-8 text)",
    ),
    "manifest not JSON": (
        lambda f: (f / MANIFEST).write_text('{"format": "channel-sim-results/1",'),
        "{f}/manifest.json: not valid JSON (Expecting property name enclosed in double quotes, "
        "line 1)",
    ),
    "manifest nested too deep": (
        lambda f: (f / MANIFEST).write_text("[" * 100_000 + "]" * 100_000),
        "{f}/manifest.json: not valid JSON (nested too deep)",
    ),
    "manifest without variants": (
        _manifest(lambda m: m.pop("variants")),
        "{f}/manifest.json: variants: field required",
    ),
    "manifest counts with markup": (
        _manifest(lambda m: m["counts"].update(ok="<script>alert(1)</script>")),
        "{f}/manifest.json: counts.ok: input should be a valid integer",
    ),
    "manifest counts that disagree with the runs": (
        _manifest(lambda m: m["counts"].update(ok=5)),
        "{f}/manifest.json: counts.ok: says 5, but runs has 4",
    ),
    "manifest status that is not a status": (
        _manifest(lambda m: m.update(status="done")),
        "{f}/manifest.json: status: input should be 'complete', 'failed-runs' or 'incomplete'",
    ),
    "a run of a variant the manifest does not list": (
        _manifest(lambda m: m["runs"][0].update(variant="ghost")),
        "{f}/manifest.json: runs.0: variant 'ghost' is not in variants",
    ),
    "a run planned twice": (
        _manifest(lambda m: m["runs"].append(dict(m["runs"][0]))),
        "{f}/manifest.json: runs.4: base replicate 0 is planned twice",
    ),
    "a seed that is not a number": (
        _manifest(lambda m: m["runs"][1]["seed"].update(entropy="7")),
        "{f}/manifest.json: runs.1.seed.entropy: input should be a valid integer",
    ),
    "complete with a failed run": (
        _manifest(
            lambda m: (m["runs"][1].update(status="failed"), m["counts"].update(ok=3, failed=1))
        ),  # fmt: skip
        "{f}/manifest.json: status: complete, but not every run is ok",
    ),
}
RUNS_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "text in runs.csv": (
        _cell(RUNS, 2, "channel_revenue", "x1"),
        "{f}/runs.csv: row 2: channel_revenue: must be a finite number of at most 1e+150 in size, "
        "got 'x1'",
    ),
    "a runs.csv row missing": (
        lambda f: _lines(f, RUNS, lambda lines: lines[:-1]),
        "{f}/runs.csv: cut replicate 1 has 1 rows, not one per vendor (2; the file is truncated "
        "or damaged)",
    ),
    "runs.csv without gini": (
        _drop_column(RUNS, "gini"),
        "{f}/runs.csv: no column 'gini'",
    ),
}

RESOLVED = "scenario.resolved.yaml"
RESOLVED_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "resolved scenario not UTF-8": (
        lambda f: (f / RESOLVED).write_bytes(b"name: x\n\x00\xff"),
        "{f}/scenario.resolved.yaml:2: is not UTF-8 text (byte 0xff); save it as UTF-8",
    ),
    "resolved scenario a link to a system file": (
        lambda f: ((f / RESOLVED).unlink(), (f / RESOLVED).symlink_to("/etc/passwd")),
        "{f}/scenario.resolved.yaml: not a resolved scenario (the top level is not a mapping)",
    ),
    "resolved scenario that expands without end": (
        lambda f: (f / RESOLVED).write_text(
            "a0: &a0 [x, x, x, x, x, x, x, x, x]\n"
            + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 12))
        ),
        "{f}/scenario.resolved.yaml:1: a5: the document expands to more than 200000 values "
        "(YAML aliases?)",
    ),
}


@pytest.fixture
def copy(tiny_results: Path, tmp_path: Path) -> Callable[[], Path]:
    def make() -> Path:
        folder = tmp_path / "damaged"
        shutil.copytree(tiny_results, folder)
        return folder

    return make


def _refused(args: list[str | Path], expected: str) -> None:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 2, (args, result.output)
    assert result.stderr.strip().splitlines() == [expected], args
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_damaged_folder_gives_one_line_and_exit_2(case: str, copy) -> None:
    folder = copy()
    damage, message = CASES[case]
    damage(folder)
    expected = message.format(f=folder)
    _refused(["compare", folder, "--out", folder.parent / "cmp"], expected)
    _refused(["report", folder], expected)
    _refused(["plot", folder], expected)
    assert not (folder.parent / "cmp").exists() and not (folder / "report.html").exists()


@pytest.mark.parametrize("case", sorted(RUNS_CASES))
def test_a_damaged_runs_table_gives_one_line_and_exit_2(case: str, copy) -> None:
    folder = copy()
    damage, message = RUNS_CASES[case]
    damage(folder)
    expected = message.format(f=folder)
    _refused(["report", folder], expected)
    _refused(["plot", folder], expected)


@pytest.mark.parametrize("case", sorted(RESOLVED_CASES))
def test_a_damaged_resolved_scenario_gives_one_line_and_exit_2(case: str, copy) -> None:
    """``sim report`` reads ``scenario.resolved.yaml`` (to say what each variant changes) with the
    scenario loader's limits; it gave a traceback (not UTF-8) or walked an alias bomb."""
    folder = copy()
    damage, message = RESOLVED_CASES[case]
    damage(folder)
    _refused(["report", folder], message.format(f=folder))


def test_the_untouched_copy_opens(copy) -> None:
    """The damage, not the copy, is what each case refuses."""
    folder = copy()
    assert CliRunner().invoke(main, ["report", str(folder)]).exit_code == 0


def test_a_folder_without_a_newer_metric_still_opens(copy) -> None:
    """Folders written before a metric existed lack its column: ``total_revenue`` is derived,
    any other missing metric is named, and the contract columns are still required."""
    folder = drop_metrics(copy(), "total_revenue", "rep_utilization")
    results = load_results(folder)
    table = read_series(results, ["total_revenue"])
    assert list(table["total_revenue"]) == list(
        results.read_timeseries(["channel_revenue"])["channel_revenue"]
        + results.read_timeseries(["direct_revenue"])["direct_revenue"]
    )
    with pytest.raises(ResultsError, match="no column 'rep_utilization' .the folder was written "
                       "before this metric existed"):  # fmt: skip
        results.read_timeseries(["rep_utilization"])


def test_compare_reads_a_scenario_file_with_the_loaders_limits(tmp_path: Path) -> None:
    """``sim compare FILE.yaml`` read the file without its size limit, gave tracebacks on deep
    nesting and binary input, and followed ``name: ../../x`` out of ``results/``."""
    cases = {
        "deep.yaml": ("name: x\nd: " + "[" * 60 + "]" * 60 + "\n",
                      "deep.yaml:2: d: nesting is deeper than 50 levels"),
        "binary.yaml": (b"\x89PNG\r\n\x1a\n\x00\xff",
                        "binary.yaml:1: is not UTF-8 text (byte 0x89); save it as UTF-8"),
        "escape.yaml": ("name: ../../x\n", "escape.yaml: name '../../x' must be a plain name"),
        "big.yaml": ("name: x\n" + "# pad\n" * 200_000, "big.yaml: file is larger than 1 MB"),
    }  # fmt: skip
    for name, (content, start) in cases.items():
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        with pytest.MonkeyPatch.context() as mp:
            mp.chdir(tmp_path)
            result = CliRunner().invoke(main, ["compare", name])
        assert result.exit_code == 2, (name, result.output)
        assert result.stderr.strip().startswith(start), (name, result.stderr)
        assert "Traceback" not in result.output
