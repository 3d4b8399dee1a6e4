"""Time closing a 10,000-run sweep folder and ``sim sensitivity`` on it.

Usage::

    .venv/bin/python benchmarks/sweep_close.py [--repeats 3] [--rebuild] [--save-reference]

"Closing" is everything a sweep does after its last run finished: ``ResultWriter.close``
(``sim/experiments/writer.py``) reads the journal (``.parts/``, one JSON file per run) and writes
``timeseries.csv``, ``runs.csv``, ``summary.csv`` and the final ``manifest.json``, then removes the
journal. A sweep draws no plots.

The folder is made once, by the project's own ``sim sweep`` on
``benchmarks/scenarios/sweep-tiny.yaml`` (2,500 LHS samples x 4 replicates = 10,000 real runs),
and cached under ``benchmarks/out/sweep-close/`` (git-ignored). The scenario is deliberately
tiny (two vendors, 40 partners, 12 monthly steps, no spin-up): closing and sensitivity depend on
the number of runs, vendors and steps, not on how many partners each run simulates, and tiny runs
make the 10,000 of them take minutes (about 10 on 2 cores) instead of hours. While it builds, the
sweep's ``ResultWriter.close`` is wrapped so that, just before it runs, the folder is copied to
``preclose/`` (the journal as hard links: parts are never changed in place): that is the folder
of a sweep whose runs have all finished and that was not closed yet, which is exactly the state
a sweep interrupted while saving leaves behind. The sweep then closes itself into ``closed/``.

Timed, each in a fresh interpreter (median of ``--repeats``):

- **close**: ``sim sweep --resume DIR --workers 1`` on a fresh copy of ``preclose/``, the supported
  way to finish such a folder (nothing is left to run, so it verifies the folder and closes it).
  Reported: the whole command's wall time, and ``ResultWriter.close`` alone.
- **sensitivity**: ``sim sensitivity closed/`` (delta indices of an LHS sweep, outcomes.csv and
  the two plots). Reported: the command's wall time.

With ``--save-reference`` the outputs of this run (the re-closed folder's files and the
``sensitivity/`` files) are kept in ``reference/``; later runs compare theirs with it byte for
byte (``manifest.json`` without the fields that record times: ``finished`` and ``resumed[].at``)
and say which files differ.

Writes ``benchmarks/out/sweep_close.md`` and ``benchmarks/out/sweep_close.json`` (every number,
the machine's load average before and after) and prints the table.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

import trees  # noqa: E402  (benchmarks/trees.py, on the path above)

OUT = ROOT / "benchmarks" / "out"
CACHE = OUT / "sweep-close"
SCENARIO = ROOT / "benchmarks" / "scenarios" / "sweep-tiny.yaml"
TARGET_SECONDS = 10.0
TIMED_FIELDS = ("finished",)
"""Manifest keys that record a time (compared without them); ``resumed[].at`` too."""


# ----------------------------------------------------------------------------- children
def _sim(*args: str) -> int:
    """``sim ARGS`` in this process; its exit code."""
    from cli import main

    try:
        main.main(args=list(args), prog_name="sim")
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def child_build(folder: Path, workers: int) -> dict[str, Any]:
    """Run the 10,000-run sweep into ``folder/closed``; copy it to ``folder/preclose`` just before
    the sweep closes it."""
    seconds = _time_close(before=lambda writer: snapshot(writer.folder, folder / "preclose"))
    start = time.perf_counter()
    code = _sim("sweep", str(SCENARIO), "--out", str(folder / "closed"), "--workers",
                str(workers), "--no-progress")  # fmt: skip
    return {"exit_code": code, "seconds": time.perf_counter() - start, **seconds}


def _time_close(before: Callable[[Any], None] | None = None) -> dict[str, float]:
    """Wrap ``ResultWriter.close`` in this process: ``before(writer)`` runs first, and the dict
    returned gets the seconds the close took under ``"close"``."""
    from sim.experiments.writer import ResultWriter

    original = ResultWriter.close
    seconds: dict[str, float] = {}

    def close(self: ResultWriter) -> Any:
        if before is not None:
            before(self)
        start = time.perf_counter()
        status = original(self)
        seconds["close"] = time.perf_counter() - start
        return status

    ResultWriter.close = close  # type: ignore[method-assign]
    return seconds


def child_close(work: Path) -> dict[str, Any]:
    """``sim sweep --resume WORK`` with ``ResultWriter.close`` timed."""
    seconds = _time_close()
    start = time.perf_counter()
    code = _sim("sweep", "--resume", str(work), "--workers", "1", "--no-progress")
    return {"exit_code": code, "in_process": time.perf_counter() - start, **seconds, **_peak()}


def child_sensitivity(folder: Path) -> dict[str, Any]:
    start = time.perf_counter()
    code = _sim("sensitivity", str(folder))
    return {"exit_code": code, "in_process": time.perf_counter() - start, **_peak()}


def _peak() -> dict[str, int]:
    """Peak resident memory of this process (interpreter and imports included)."""
    return {"peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def snapshot(source: Path, target: Path) -> None:
    """Copy a result folder (its journal as hard links; not its lock file)."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if rel.name == ".lock":
            continue
        dest = target / rel
        if path.is_dir():
            dest.mkdir(exist_ok=True)
        elif rel.parts[0] == ".parts":
            os.link(path, dest)
        else:
            shutil.copy2(path, dest)


def in_child(*args: str) -> tuple[float, dict[str, Any]]:
    """Run this script with ``args`` in a fresh interpreter: wall seconds and the JSON it prints
    last. The engine measured (this worktree's, or ``run.py --vs``'s tree) is first on the path
    of the child."""
    tree = trees.code_root()
    env = {**trees.child_env(None if tree == ROOT else tree), "MPLBACKEND": "Agg"}
    start = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True,
                         cwd=ROOT, env=env)  # fmt: skip
    wall = time.perf_counter() - start
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {out.returncode}\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if result.get("exit_code"):
        raise RuntimeError(f"{' '.join(args)}: sim exited {result['exit_code']}\n{out.stdout}")
    return wall, result


# ----------------------------------------------------------------------------- outputs
def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _manifest_without_times(path: Path) -> Any:
    data = json.loads(path.read_text(encoding="utf-8"))
    for key in TIMED_FIELDS:
        data.pop(key, None)
    for entry in data.get("resumed", []):
        entry.pop("at", None)
    return data


def outputs(folder: Path) -> dict[str, Path]:
    """The files a close and ``sim sensitivity`` write, by name relative to ``folder``."""
    names = [p for p in sorted(folder.rglob("*")) if p.is_file() and ".parts" not in p.parts]
    return {str(p.relative_to(folder)): p for p in names if p.name != ".lock"}


def compare(folder: Path, reference: Path) -> list[str]:
    """Names of output files that differ from ``reference`` (or are missing on either side)."""
    mine, theirs = outputs(folder), outputs(reference)
    differ = sorted(set(mine) ^ set(theirs))
    for name in sorted(set(mine) & set(theirs)):
        if name == "manifest.json":
            same = _manifest_without_times(mine[name]) == _manifest_without_times(theirs[name])
        else:
            same = _digest(mine[name]) == _digest(theirs[name])
        if not same:
            differ.append(name)
    return differ


# ----------------------------------------------------------------------------- parent
def build(workers: int) -> dict[str, Any]:
    """Make (or reuse) the cached 10,000-run folder; its record (``build.json``)."""
    record_path = CACHE / "build.json"
    scenario_sha = _digest(SCENARIO)
    if record_path.exists():
        record = json.loads(record_path.read_text())
        if record.get("scenario_sha256") == scenario_sha and (CACHE / "preclose").is_dir():
            return record
    if CACHE.exists():
        shutil.rmtree(CACHE)
    CACHE.mkdir(parents=True)
    print(f"building the 10,000-run sweep into {CACHE} (about 10 minutes on 2 cores) ...",
          flush=True)  # fmt: skip
    wall, result = in_child("--child", "build", str(CACHE), "--workers", str(workers))
    manifest = json.loads((CACHE / "closed" / "manifest.json").read_text())
    if manifest["status"] != "complete" or manifest["counts"]["ok"] != 10_000:
        raise RuntimeError(f"the sweep ended {manifest['status']}: {manifest['counts']}")
    record = {
        "scenario_sha256": scenario_sha,
        "built": time.strftime("%Y-%m-%d %H:%M:%S"),
        "commit": _git("rev-parse", "HEAD"),
        "workers": workers,
        "runs": manifest["counts"]["ok"],
        "build_seconds": wall,
        "close_seconds_in_sweep": result.get("close"),
        "parts": len(list((CACHE / "preclose" / ".parts").iterdir())),
    }
    record_path.write_text(json.dumps(record, indent=2) + "\n")
    return record


def time_close(repeats: int) -> tuple[list[dict[str, Any]], Path]:
    runs, work = [], CACHE / "work"
    for _ in range(repeats):
        snapshot(CACHE / "preclose", work)
        wall, result = in_child("--child", "close", str(work))
        runs.append({"wall": wall, **result})
    return runs, work


def time_sensitivity(repeats: int) -> list[dict[str, Any]]:
    runs = []
    for _ in range(repeats):
        wall, result = in_child("--child", "sensitivity", str(CACHE / "closed"))
        runs.append({"wall": wall, **result})
    return runs


def check_outputs(work: Path, save: bool) -> dict[str, Any]:
    """Compare the re-closed folder (and the sensitivity files) with ``reference/``."""
    current = CACHE / "current"
    if current.exists():
        shutil.rmtree(current)
    shutil.copytree(work, current, ignore=shutil.ignore_patterns(".parts", ".lock"))
    shutil.copytree(CACHE / "closed" / "sensitivity", current / "sensitivity")
    reference = CACHE / "reference"
    if save:
        if reference.exists():
            shutil.rmtree(reference)
        shutil.copytree(current, reference)
        return {"reference": "saved", "files": sorted(outputs(reference))}
    if not reference.exists():
        return {"reference": "none (run with --save-reference to keep one)"}
    differ = compare(current, reference)
    return {"reference": "compared", "files": sorted(outputs(current)), "differ": differ}


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, check=True)
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return out.stdout.strip()


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def table(result: dict[str, Any]) -> str:
    close, sens = result["close"], result["sensitivity"]
    lines = [
        f"Closing a 10,000-run sweep and `sim sensitivity` on it ({result['when']}, commit "
        f"{result['commit'][:10]}{' + changes' if result['dirty'] else ''}, load average "
        f"{result['load_before'][0]:.2f} before, {result['load_after'][0]:.2f} after, "
        f"{result['cpus']} CPUs)",
        "",
        "| line | median | runs | target | status | peak memory |",
        "|---|---|---|---|---|---|",
    ]
    for name, runs, key in (
        ("close: `sim sweep --resume DIR` (whole command)", close, "wall"),
        ("close: `ResultWriter.close` alone", close, "close"),
        ("`sim sensitivity DIR` (whole command)", sens, "wall"),
    ):
        median = _median(runs, key)
        values = ", ".join(f"{r[key]:.2f}" for r in runs)
        ok = "pass" if median <= TARGET_SECONDS else "FAIL"
        peak = "" if key == "close" else f"{max(r['peak_bytes'] for r in runs) / 2**20:.0f} MiB"
        lines.append(
            f"| {name} | {median:.2f} s | {values} | <= {TARGET_SECONDS:g} s | {ok} | {peak} |"
        )
    built = result["build"]
    lines += [
        "",
        f"The folder: {built['runs']:,} runs of `{SCENARIO.relative_to(ROOT)}`, made in "
        f"{built['build_seconds']:.0f} s on {built['workers']} workers at commit "
        f"{built['commit'][:10]} (that sweep closed itself in "
        f"{built['close_seconds_in_sweep']:.2f} s).",
    ]
    check = result["outputs"]
    if check["reference"] == "compared":
        differ = check["differ"]
        lines.append(
            f"Outputs against reference/: {len(check['files'])} files, "
            + ("all identical." if not differ else f"DIFFERENT: {', '.join(differ)}.")
        )
    else:
        lines.append(f"Outputs: reference {check['reference']}.")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each line")
    parser.add_argument("--workers", type=int, default=2, help="workers of the sweep that builds")
    parser.add_argument("--rebuild", action="store_true", help="make the 10,000-run folder again")
    parser.add_argument(
        "--save-reference", action="store_true", help="keep this run's outputs as the reference"
    )
    parser.add_argument(
        "--child", choices=["build", "close", "sensitivity"], help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--summary", action="store_true",
        help="print the result as one JSON line last (for benchmarks/run.py --sweep-close)",
    )  # fmt: skip
    parser.add_argument("folder", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child = {"build": lambda f: child_build(f, args.workers), "close": child_close,
                 "sensitivity": child_sensitivity}[args.child]  # fmt: skip
        print(json.dumps(child(args.folder)))
        return
    if args.rebuild and CACHE.exists():
        shutil.rmtree(CACHE)
    load_before = os.getloadavg()
    tree = trees.code_root()
    built = build(args.workers)
    close_runs, work = time_close(args.repeats)
    sensitivity_runs = time_sensitivity(args.repeats)
    result = {
        "when": time.strftime("%Y-%m-%d %H:%M:%S"),
        "commit": _git("rev-parse", "HEAD") if tree == ROOT else tree.name,
        "dirty": tree == ROOT
        and bool(_git("status", "--porcelain", "--", "sim", "analysis", "cli")),
        "machine": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "load_before": load_before,
        "load_after": os.getloadavg(),
        "build": built,
        "close": close_runs,
        "sensitivity": sensitivity_runs,
        "medians": {
            "close_command": _median(close_runs, "wall"),
            "close_writer": _median(close_runs, "close"),
            "sensitivity_command": _median(sensitivity_runs, "wall"),
        },
        "target_seconds": TARGET_SECONDS,
        "outputs": check_outputs(work, args.save_reference),
    }
    text = table(result)
    out = OUT if tree == ROOT else OUT / f"sweep-close-{tree.name[:10]}"  # run.py --vs's tree
    out.mkdir(parents=True, exist_ok=True)
    (out / "sweep_close.md").write_text(text)
    (out / "sweep_close.json").write_text(json.dumps(result, indent=2) + "\n")
    print(text, end="")
    if args.summary:
        print(json.dumps({"medians": result["medians"], "imported_from": str(tree.resolve())}))


if __name__ == "__main__":
    main()
