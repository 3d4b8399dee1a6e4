"""``make bench``: time and memory of the population engine against the performance targets.

Usage::

    .venv/bin/python benchmarks/run.py [--sizes M,L,XL] [--ensemble] [--growth] [--validate]
                                       [--no-batch] [--out DIR]

Each size (``benchmarks/sizes.py``, scenario files in ``benchmarks/scenarios/``) runs in its own
subprocess so its peak memory (``ru_maxrss``) is its own: the scenario file is loaded and validated,
then replicates run one after another through ``sim.model.channel_model.simulate``; the table
reports the median wall time per replicate (and CPU time, which other load on the machine inflates
less). When the engine accepts ``engine="per-agent"`` the per-agent engine is timed on M too, for
the speed-up.

With M, 32 replicates also run in one process, for the line "M per replicate inside a 32-replicate
ensemble" (``--no-batch`` skips it). The targets are the ensemble engine's (docs/performance.md).

``--ensemble`` runs the M scenario through ``sim.experiments.runner.run_scenario`` (the path of
``sim run``, result folder included) with 1 and 2 workers, for the scaling efficiency, and with 2
workers at 1,000 replicates for the ensemble target. ``--growth`` times the XL shape at 1k to 400k
partners and writes ``docs/performance-growth.png`` (log-log time and memory against partners).
``--validate`` times ``sim check-facts --workers 2`` (what ``make validate`` runs) into a temporary
folder, about 25 minutes. Closing a 10,000-run sweep and ``sim sensitivity`` on it are timed by
``benchmarks/sweep_close.py``.

Writes ``bench.md`` (the table) and ``bench.json`` (every number) to ``--out`` and prints the table.
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sizes import SCENARIO_DIR, SIZES, Size, document  # noqa: E402

GB = 1024**3
REPLICATES = {"M": 5, "L": 2, "XL": 1}
GROWTH_PARTNERS = (1_000, 4_000, 16_000, 64_000, 160_000, 400_000)
GROWTH_MONTHS = 12
# The ensemble engine's targets (docs/performance.md, "Targets").
ENSEMBLE_TARGET_SECONDS = 40.0
SPEEDUP_TARGET = 300.0
SCALING_TARGET = 0.85
BATCH_REPLICATES = 32
BATCH_TARGET_SECONDS = 0.05
VALIDATE_TARGET_SECONDS = 300.0


# ----------------------------------------------------------------------------- child processes
def child_size(name: str, replicates: int, engine: str | None) -> dict[str, Any]:
    """Load, validate and run one size; report times and peak memory of this process."""
    import numpy as np

    from sim.model.allocator import tune_allocator
    from sim.model.channel_model import ChannelModel
    from sim.scenario import load_scenario

    tune_allocator()  # as sim.model.channel_model.simulate does
    start = time.perf_counter()
    config = load_scenario(SCENARIO_DIR / f"{name.lower()}.yaml").variants["base"]
    validate = time.perf_counter() - start
    walls, cpus = [], []
    kwargs = {"engine": engine} if engine else {}
    for r in range(replicates):
        wall, cpu = time.perf_counter(), time.process_time()
        ChannelModel(config, np.random.SeedSequence(config.seed, spawn_key=(r,)), **kwargs).run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return {
        "validate_seconds": validate,
        "seconds": statistics.median(walls),
        "cpu_seconds": statistics.median(cpus),
        "all_seconds": walls,
        "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def child_growth(partners: int) -> dict[str, Any]:
    """One point of the growth sweep: the XL shape with ``partners`` partners, 12 months."""
    import numpy as np

    from sim.model.allocator import tune_allocator
    from sim.model.channel_model import ChannelModel
    from sim.scenario.schema import ScenarioConfig

    tune_allocator()
    size = SIZES["XL"]
    doc = document(size, partners=partners)
    doc["time"]["horizon_months"] = GROWTH_MONTHS
    for vendor in doc["vendors"]:  # reps and demand scale with the partners
        vendor["direct_reps"] = max(1, round(size.reps / size.vendors * partners / size.partners))
    config = ScenarioConfig.model_validate(doc)
    wall, cpu = time.perf_counter(), time.process_time()
    ChannelModel(config, np.random.SeedSequence(1, spawn_key=(0,))).run()
    return {
        "partners": partners,
        "seconds": time.perf_counter() - wall,
        "cpu_seconds": time.process_time() - cpu,
        "peak_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
    }


def in_child(*args: str) -> dict[str, Any]:
    """Run this script with ``args`` in a fresh interpreter and return the JSON it prints."""
    out = subprocess.run(
        [sys.executable, __file__, *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def per_agent_available() -> bool:
    from sim.model.channel_model import ChannelModel

    return "engine" in inspect.signature(ChannelModel.__init__).parameters


# ----------------------------------------------------------------------------- ensemble
def ensemble(replicates: int, workers: int) -> float:
    """Wall seconds of ``run_scenario`` on M with ``replicates`` and ``workers``."""
    from sim.experiments.runner import run_scenario
    from sim.scenario import load_scenario

    scenario = load_scenario(SCENARIO_DIR / "m.yaml", replicates=replicates)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        summary = run_scenario(scenario, workers=workers, progress=False, out_dir=Path(tmp) / "out")
        seconds = time.perf_counter() - start
    if summary.status != "complete":
        raise RuntimeError(f"ensemble run ended {summary.status}")
    return seconds


def validate_seconds() -> float:
    """Wall seconds of ``sim check-facts --workers 2`` (make validate) into a temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).with_name("sim")), "check-facts", "--workers", "2",
             "--out", str(Path(tmp) / "out"), "--docs", str(Path(tmp) / "docs")],
            check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip
        return time.perf_counter() - start


# ----------------------------------------------------------------------------- report
def row(name: str, value: str, target: str, ok: bool | None, note: str = "") -> dict[str, Any]:
    status = "n/a" if ok is None else ("pass" if ok else "FAIL")
    return {"line": name, "value": value, "target": target, "status": status, "note": note}


def size_rows(size: Size, result: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [
        row(
            f"{size.name} time per replicate",
            f"{result['seconds']:.2f} s (CPU {result['cpu_seconds']:.2f} s)",
            f"<= {size.seconds_target:g} s" if size.seconds_target else "-",
            result["seconds"] <= size.seconds_target if size.seconds_target else None,
            f"{size.vendors} vendors, {size.partners:,} partners x {size.vendors_per_partner}, "
            f"{size.reps:,} reps, {size.steps} {size.step}ly steps; scenario validated in "
            f"{result['validate_seconds']:.2f} s",
        )
    ]
    peak = result["peak_bytes"] / GB
    rows.append(
        row(
            f"{size.name} peak memory",
            f"{peak:.2f} GB",
            f"< {size.memory_target_gb:g} GB" if size.memory_target_gb else "-",
            peak < size.memory_target_gb if size.memory_target_gb else None,
            "ru_maxrss of the process (interpreter and imports included)",
        )
    )
    return rows


def markdown(rows: list[dict[str, Any]], header: str) -> str:
    lines = [header, "", "| line | measured | target | status | note |", "|---|---|---|---|---|"]
    lines += [
        f"| {r['line']} | {r['value']} | {r['target']} | {r['status']} | {r['note']} |"
        for r in rows
    ]
    return "\n".join(lines) + "\n"


def growth_plot(points: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    partners = [p["partners"] for p in points]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    ax.loglog(partners, [p["cpu_seconds"] for p in points], "o-", label="run time (CPU s)")
    ax.loglog(partners, [p["peak_bytes"] / 1024**2 for p in points], "s-", label="peak memory (MB)")
    scale = points[-1]["cpu_seconds"] / partners[-1]
    ax.loglog(partners, [scale * n for n in partners], ":", color="grey", label="linear")
    ax.set_xlabel("partners (100 vendors, 8 per partner)")
    ax.set_title(f"Population engine growth, {GROWTH_MONTHS} monthly steps")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="M,L,XL", help="comma-separated sizes, or empty")
    parser.add_argument("--ensemble", action="store_true", help="ensemble and worker scaling")
    parser.add_argument("--ensemble-replicates", type=int, default=1000)
    parser.add_argument("--scaling-replicates", type=int, default=40)
    parser.add_argument("--growth", action="store_true", help="growth sweep and its plot")
    parser.add_argument(
        "--no-batch", dest="batch", action="store_false",
        help=f"skip the {BATCH_REPLICATES}-replicate line of M",
    )  # fmt: skip
    parser.add_argument(
        "--validate", action="store_true", help="time make validate's run (about 25 min)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-growth", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--replicates", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_size(args.child, args.replicates, args.engine)))
        return
    if args.child_growth:
        print(json.dumps(child_growth(args.child_growth)))
        return

    args.out.mkdir(parents=True, exist_ok=True)
    report: dict[str, Any] = {
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "load_average": os.getloadavg(),
        },
        "sizes": {},
    }
    rows: list[dict[str, Any]] = []
    for name in [s.strip().upper() for s in args.sizes.split(",") if s.strip()]:
        size = SIZES[name]
        print(f"{name}: running ...", flush=True)
        result = in_child("--child", name, "--replicates", str(REPLICATES[name]))
        report["sizes"][name] = result
        rows += size_rows(size, result)
        if name == "M":
            if per_agent_available():
                agent = in_child("--child", "M", "--engine", "per-agent")
                ratio = agent["seconds"] / result["seconds"]
                report["sizes"]["M-per-agent"] = agent
                rows.append(
                    row("M speed-up over per-agent", f"{ratio:.0f}x", f">= {SPEEDUP_TARGET:g}x",
                        ratio >= SPEEDUP_TARGET, f"per-agent {agent['seconds']:.2f} s")
                )  # fmt: skip
            else:
                rows.append(
                    row("M speed-up over per-agent", "-", f">= {SPEEDUP_TARGET:g}x", None,
                        "skipped: this engine has no engine='per-agent' (other branch)")
                )  # fmt: skip
        if name == "M" and args.batch:
            batch = in_child("--child", "M", "--replicates", str(BATCH_REPLICATES))
            per = sum(batch["all_seconds"]) / BATCH_REPLICATES
            report["sizes"]["M-batch"] = batch
            rows.append(
                row(f"M per replicate inside a {BATCH_REPLICATES}-replicate ensemble",
                    f"{per:.3f} s", f"<= {BATCH_TARGET_SECONDS:g} s", per <= BATCH_TARGET_SECONDS,
                    f"{BATCH_REPLICATES} replicates in one process (this engine runs them one "
                    "after another)")
            )  # fmt: skip
    if args.ensemble:
        n = args.scaling_replicates
        print(f"ensemble: {n} replicates at 1 and 2 workers ...", flush=True)
        one, two = ensemble(n, 1), ensemble(n, 2)
        efficiency = one / (2 * two)
        print(f"ensemble: {args.ensemble_replicates} replicates at 2 workers ...", flush=True)
        full = ensemble(args.ensemble_replicates, 2)
        report["ensemble"] = {
            "scaling_replicates": n,
            "seconds_1_worker": one,
            "seconds_2_workers": two,
            "efficiency": efficiency,
            "replicates": args.ensemble_replicates,
            "seconds": full,
        }
        rows.append(
            row(f"Ensemble {args.ensemble_replicates} x M, 2 workers", f"{full:.1f} s",
                f"< {ENSEMBLE_TARGET_SECONDS:g} s", full < ENSEMBLE_TARGET_SECONDS,
                "sim.experiments.runner.run_scenario, result folder included")
        )  # fmt: skip
        rows.append(
            row("Scaling 1 -> 2 workers", f"{efficiency:.0%}", f">= {SCALING_TARGET:.0%}",
                efficiency >= SCALING_TARGET,
                f"{n} replicates of M: {one:.1f} s on 1 worker, {two:.1f} s on 2")
        )  # fmt: skip
    if args.validate:
        print("validate: sim check-facts --workers 2 ...", flush=True)
        seconds = validate_seconds()
        report["validate_seconds"] = seconds
        rows.append(
            row("make validate (sim check-facts --workers 2)", f"{seconds / 60:.1f} min",
                f"<= {VALIDATE_TARGET_SECONDS / 60:g} min", seconds <= VALIDATE_TARGET_SECONDS,
                "every fact, draw and pattern study, into a temporary folder")
        )  # fmt: skip
    if args.growth:
        points = []
        for partners in GROWTH_PARTNERS:
            print(f"growth: {partners:,} partners ...", flush=True)
            points.append(in_child("--child-growth", str(partners)))
        report["growth"] = points
        plot = ROOT / "docs" / "performance-growth.png"
        growth_plot(points, plot)
        first, last = points[0], points[-1]
        slope_t = _slope(first, last, "cpu_seconds")
        slope_m = _slope(first, last, "peak_bytes")
        rows.append(
            row("Growth 1k -> 400k partners", f"time ~ n^{slope_t:.2f}, memory ~ n^{slope_m:.2f}",
                "near linear (exponent <= 1.1)", slope_t <= 1.1 and slope_m <= 1.1,
                f"log-log slopes end to end; plot {plot.relative_to(ROOT)}")
        )  # fmt: skip
    report["machine"]["load_average"] = os.getloadavg()
    load = ", ".join(f"{x:.1f}" for x in report["machine"]["load_average"])
    header = (
        f"Benchmarks on {report['machine']['cpus']} CPUs, Python {report['machine']['python']}, "
        f"load average {load} at the end ({time.strftime('%Y-%m-%d %H:%M')})."
    )
    report["rows"] = rows
    text = markdown(rows, header)
    (args.out / "bench.md").write_text(text)
    (args.out / "bench.json").write_text(json.dumps(report, indent=2))
    print(text)
    print(f"written: {args.out / 'bench.md'}, {args.out / 'bench.json'}")


def _slope(first: dict[str, Any], last: dict[str, Any], key: str) -> float:
    import math

    return math.log(last[key] / first[key]) / math.log(last["partners"] / first["partners"])


if __name__ == "__main__":
    main()
