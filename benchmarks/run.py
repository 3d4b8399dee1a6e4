"""``make bench``: time and memory of the population engine against the performance targets,
side by side with an earlier revision of the engine.

Usage::

    .venv/bin/python benchmarks/run.py [--sizes M,L,XL] [--ensemble] [--growth] [--validate]
                                       [--sweep-close] [--no-batch] [--vs REV] [--out DIR]

Each measurement runs in a fresh interpreter, so its peak memory (``ru_maxrss``) is its own. A
size (``benchmarks/sizes.py``, scenario files in ``benchmarks/scenarios/``) is loaded and
validated, then its replicates run one after another through ``ChannelModel``; the table reports
the median wall time per replicate (and CPU time, which other load on the machine inflates less).
The per-agent engine is timed on M too, for the speed-up. With M, 32 replicates also run in one
process, for the line "M per replicate inside a 32-replicate ensemble" (``--no-batch`` skips it).

``--ensemble`` runs the M scenario through ``sim.experiments.runner.run_scenario`` (the path of
``sim run``, result folder included) with 1 and 2 workers, for the scaling efficiency, and with 2
workers at 1,000 replicates for the ensemble target. ``--growth`` times the XL shape at 1k to 400k
partners and writes ``docs/performance-growth.png`` (log-log time and memory against partners).
``--validate`` times ``sim check-facts --workers 2`` (what ``make validate`` runs) into a temporary
folder, about 25 minutes. ``--sweep-close`` runs ``benchmarks/sweep_close.py`` (closing a
10,000-run sweep and ``sim sensitivity`` on it; the first run builds the folder, about 7 minutes).

``--vs REV`` measures every line twice, first with the engine of commit ``REV`` (extracted once by
``benchmarks/trees.py``; the same scenarios, dependencies and benchmark code), then with this
worktree, one line after the other so both see the same machine, and adds the ratio
(this / REV) to the table.

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
sys.path.insert(0, str(ROOT / "benchmarks"))

import trees  # noqa: E402  (benchmarks/trees.py, on the path above)

sys.path.insert(0, str(trees.code_root()))  # the engine measured: this worktree's or --vs REV's

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
SWEEP_TARGET_SECONDS = 10.0
THIS = "this tree"


# ----------------------------------------------------------------------------- child processes
def child_size(name: str, replicates: int, engine: str | None) -> dict[str, Any]:
    """Load, validate and run one size; report times and peak memory of this process."""
    import numpy as np

    from sim.model.allocator import tune_allocator
    from sim.model.channel_model import ChannelModel
    from sim.scenario import load_scenario

    if engine and "engine" not in inspect.signature(ChannelModel.__init__).parameters:
        return {"skipped": f"this engine has no engine={engine!r}"}
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
        "peak_bytes": _peak_bytes(),
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
        "peak_bytes": _peak_bytes(),
    }


def child_ensemble(replicates: int, workers: int) -> dict[str, Any]:
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
    return {"seconds": seconds, "replicates": replicates, "workers": workers}


def child_validate() -> dict[str, Any]:
    """Wall seconds of ``sim check-facts --workers 2`` (make validate) into a temporary folder."""
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run(
            [str(Path(sys.executable).with_name("sim")), "check-facts", "--workers", "2",
             "--out", str(Path(tmp) / "out"), "--docs", str(Path(tmp) / "docs")],
            check=True, capture_output=True, cwd=ROOT,
        )  # fmt: skip
        return {"seconds": time.perf_counter() - start}


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class ChildFailed(Exception):
    """A measurement's child process failed; ``str()`` ends with the tail of its error output."""


def in_child(args: list[str], tree: Path | None, script: Path | None = None) -> dict[str, Any]:
    """Run ``script`` (this one) with ``args`` in a fresh interpreter importing ``tree`` (None:
    this worktree) and return the JSON it prints last."""
    out = subprocess.run(
        [sys.executable, str(script or __file__), *args],
        capture_output=True, text=True, cwd=ROOT, env=trees.child_env(tree),
    )  # fmt: skip
    if out.returncode != 0:
        tail = " / ".join(out.stderr.strip().splitlines()[-3:])  # one table cell
        raise ChildFailed(f"{' '.join(args)}: exit {out.returncode}: {tail}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def as_child(result: dict[str, Any]) -> None:
    """Print a child's result, with the tree its engine was imported from."""
    print(json.dumps({**result, "imported_from": trees.imported_from()}))


# ----------------------------------------------------------------------------- measurements
class Bench:
    """The measurements of one ``make bench``: each runs once per side (the earlier revision
    first, this worktree last), one straight after the other, so both see the same machine."""

    def __init__(self, sides: list[tuple[str, Path | None]]) -> None:
        self.sides = sides
        self.results: dict[str, dict[str, Any]] = {label: {} for label, _ in sides}

    def measure(self, key: str, args: list[str], script: Path | None = None) -> None:
        for label, tree in self.sides:
            print(f"{key} [{label}] ...", flush=True)
            try:
                result = in_child(args, tree, script)
            except ChildFailed as exc:
                if tree is None:
                    raise
                result = {"error": str(exc)}  # an older engine may lack what a line needs
            else:
                expected = str((tree or ROOT).resolve())
                if result.get("imported_from", expected) != expected:
                    raise RuntimeError(f"{key} [{label}] ran {result['imported_from']}")
            self.results[label][key] = result


SWEEP_SCRIPT = ROOT / "benchmarks" / "sweep_close.py"


def plan(bench: Bench, args: argparse.Namespace) -> None:
    """Run every measurement the options ask for."""
    for name in args.sizes:
        bench.measure(f"size:{name}", ["--child", name, "--replicates", str(REPLICATES[name])])
        if name == "M":
            bench.measure("M-per-agent", ["--child", "M", "--engine", "per-agent"])
            if args.batch:
                bench.measure("M-batch", ["--child", "M", "--replicates", str(BATCH_REPLICATES)])
    if args.ensemble:
        n = str(args.scaling_replicates)
        bench.measure("ensemble:1", ["--child-ensemble", n, "1"])
        bench.measure("ensemble:2", ["--child-ensemble", n, "2"])
        bench.measure("ensemble:full", ["--child-ensemble", str(args.ensemble_replicates), "2"])
    if args.validate:
        bench.measure("validate", ["--child-validate"])
    if args.sweep_close:
        bench.measure("sweep-close", ["--repeats", "3", "--summary"], script=SWEEP_SCRIPT)
    if args.growth:
        for partners in GROWTH_PARTNERS:
            bench.measure(f"growth:{partners}", ["--child-growth", str(partners)])


# ----------------------------------------------------------------------------- report
def row(
    name: str, value: str, target: str, ok: bool | None, note: str = "",
    number: float | None = None,
) -> dict[str, Any]:  # fmt: skip
    """One line of the table; ``number`` is what the side-by-side ratio divides."""
    status = "n/a" if ok is None else ("pass" if ok else "FAIL")
    return {"line": name, "value": value, "target": target, "status": status, "note": note,
            "number": number}  # fmt: skip


def missing(result: dict[str, Any]) -> str | None:
    """Why a measurement has no numbers (an error or a skip), or None."""
    return result.get("error") or result.get("skipped")


def size_rows(size: Size, result: dict[str, Any]) -> list[dict[str, Any]]:
    time_target = f"<= {size.seconds_target:g} s" if size.seconds_target else "-"
    memory_target = f"< {size.memory_target_gb:g} GB" if size.memory_target_gb else "-"
    if why := missing(result):
        return [
            row(f"{size.name} time per replicate", "-", time_target, None, why),
            row(f"{size.name} peak memory", "-", memory_target, None, why),
        ]
    peak = result["peak_bytes"] / GB
    return [
        row(
            f"{size.name} time per replicate",
            f"{result['seconds']:.2f} s (CPU {result['cpu_seconds']:.2f} s)",
            time_target,
            result["seconds"] <= size.seconds_target if size.seconds_target else None,
            f"{size.vendors} vendors, {size.partners:,} partners x {size.vendors_per_partner}, "
            f"{size.reps:,} reps, {size.steps} {size.step}ly steps; scenario validated in "
            f"{result['validate_seconds']:.2f} s",
            result["seconds"],
        ),
        row(
            f"{size.name} peak memory",
            f"{peak:.2f} GB",
            memory_target,
            peak < size.memory_target_gb if size.memory_target_gb else None,
            "ru_maxrss of the process (interpreter and imports included)",
            peak,
        ),  # fmt: skip
    ]


def seconds_row(
    name: str, result: dict[str, Any], target: float, note: str, digits: int = 1,
    minutes: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """A line measured in seconds (``result["seconds"]``) against an upper target."""
    shown = f"<= {target / 60:g} min" if minutes else f"<= {target:g} s"
    if why := missing(result):
        return row(name, "-", shown, None, why)
    seconds = result["seconds"]
    value = f"{seconds / 60:.1f} min" if minutes else f"{seconds:.{digits}f} s"
    return row(name, value, shown, seconds <= target, note, seconds)


def m_rows(results: dict[str, Any], batch: bool) -> list[dict[str, Any]]:
    """The speed-up over the per-agent engine and the 32-replicate line of M."""
    m, agent = results["size:M"], results["M-per-agent"]
    speed = f">= {SPEEDUP_TARGET:g}x"
    if why := missing(m) or missing(agent):
        rows = [row("M speed-up over per-agent", "-", speed, None, why)]
    else:
        ratio = agent["seconds"] / m["seconds"]
        rows = [row("M speed-up over per-agent", f"{ratio:.0f}x", speed, ratio >= SPEEDUP_TARGET,
                    f"per-agent {agent['seconds']:.2f} s", ratio)]  # fmt: skip
    if batch:
        runs = results["M-batch"]
        per = runs if missing(runs) else {"seconds": statistics.fmean(runs["all_seconds"])}
        rows.append(seconds_row(
            f"M per replicate inside a {BATCH_REPLICATES}-replicate ensemble", per,
            BATCH_TARGET_SECONDS, f"{BATCH_REPLICATES} replicates in one process", digits=3,
        ))  # fmt: skip
    return rows


def ensemble_rows(results: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    rows = [seconds_row(
        f"Ensemble {args.ensemble_replicates} x M, 2 workers", results["ensemble:full"],
        ENSEMBLE_TARGET_SECONDS, "sim.experiments.runner.run_scenario, result folder included",
    )]  # fmt: skip
    one, two = results["ensemble:1"], results["ensemble:2"]
    scaling = f">= {SCALING_TARGET:.0%}"
    if why := missing(one) or missing(two):
        return [*rows, row("Scaling 1 -> 2 workers", "-", scaling, None, why)]
    efficiency = one["seconds"] / (2 * two["seconds"])
    return [*rows, row(
        "Scaling 1 -> 2 workers", f"{efficiency:.0%}", scaling, efficiency >= SCALING_TARGET,
        f"{args.scaling_replicates} replicates of M: {one['seconds']:.1f} s on 1 worker, "
        f"{two['seconds']:.1f} s on 2", efficiency,
    )]  # fmt: skip


def sweep_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    lines = (
        ("close_command", "Close a 10,000-run sweep (sim sweep --resume DIR)"),
        ("sensitivity_command", "sim sensitivity on the 10,000-run sweep"),
    )
    return [
        seconds_row(
            name,
            result if missing(result) else {"seconds": result["medians"][key]},
            SWEEP_TARGET_SECONDS,
            "median of 3 fresh processes (benchmarks/sweep_close.py)",
            digits=2,
        )  # fmt: skip
        for key, name in lines
    ]


def growth_row(points: list[dict[str, Any]]) -> dict[str, Any]:
    name, target = "Growth 1k -> 400k partners", "near linear (exponent <= 1.1)"
    if why := next(filter(None, map(missing, points)), None):
        return row(name, "-", target, None, why)
    first, last = points[0], points[-1]
    slope_t, slope_m = _slope(first, last, "cpu_seconds"), _slope(first, last, "peak_bytes")
    return row(name, f"time ~ n^{slope_t:.2f}, memory ~ n^{slope_m:.2f}", target,
               slope_t <= 1.1 and slope_m <= 1.1,
               f"log-log slopes end to end; plot {GROWTH_PLOT.relative_to(ROOT)}",
               slope_t)  # fmt: skip


GROWTH_PLOT = ROOT / "docs" / "performance-growth.png"


def rows_of(results: dict[str, Any], args: argparse.Namespace) -> list[dict[str, Any]]:
    """The table's lines from one side's results."""
    rows: list[dict[str, Any]] = []
    for name in args.sizes:
        rows += size_rows(SIZES[name], results[f"size:{name}"])
        if name == "M":
            rows += m_rows(results, args.batch)
    if args.ensemble:
        rows += ensemble_rows(results, args)
    if args.validate:
        rows.append(seconds_row(
            "make validate (sim check-facts --workers 2)", results["validate"],
            VALIDATE_TARGET_SECONDS, "every fact, draw and pattern study, into a temporary folder",
            minutes=True,
        ))  # fmt: skip
    if args.sweep_close:
        rows += sweep_rows(results["sweep-close"])
    if args.growth:
        rows.append(growth_row([results[f"growth:{n}"] for n in GROWTH_PARTNERS]))
    return rows


def side_by_side(
    previous: list[dict[str, Any]], this: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """This side's lines with the earlier revision's value and the ratio this / earlier."""
    earlier = {r["line"]: r for r in previous}
    out = []
    for line in this:
        before = earlier.get(line["line"], {})
        a, b = before.get("number"), line["number"]
        ratio = f"{b / a:.2f}" if a and b is not None else "-"
        out.append({**line, "previous": before.get("value", "-"), "ratio": ratio})
    return out


def markdown(rows: list[dict[str, Any]], header: str, previous: str | None = None) -> str:
    if previous is None:
        columns = ["line", "measured", "target", "status", "note"]
        keys = ["line", "value", "target", "status", "note"]
    else:
        columns = ["line", previous, THIS, f"this / {previous}", "target", "status", "note"]
        keys = ["line", "previous", "value", "ratio", "target", "status", "note"]
    lines = [header, "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(r[k]) for k in keys) + " |" for r in rows]
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


def _slope(first: dict[str, Any], last: dict[str, Any], key: str) -> float:
    import math

    return math.log(last[key] / first[key]) / math.log(last["partners"] / first["partners"])


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
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
    parser.add_argument(
        "--sweep-close", action="store_true",
        help="time closing a 10,000-run sweep and sim sensitivity (benchmarks/sweep_close.py)",
    )  # fmt: skip
    parser.add_argument(
        "--vs", metavar="REV", default="",
        help="measure every line with commit REV's engine too, side by side (empty: none)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-growth", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child-ensemble", type=int, nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--child-validate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--engine", help=argparse.SUPPRESS)
    parser.add_argument("--replicates", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    if unknown := [s for s in args.sizes if s not in SIZES]:
        parser.error(f"--sizes: unknown {', '.join(unknown)} (allowed: {', '.join(SIZES)})")
    return args


def child_main(args: argparse.Namespace) -> bool:
    """Run the child measurement ``args`` ask for, if any; whether there was one."""
    if args.child:
        as_child(child_size(args.child, args.replicates, args.engine))
    elif args.child_growth:
        as_child(child_growth(args.child_growth))
    elif args.child_ensemble:
        as_child(child_ensemble(*args.child_ensemble))
    elif args.child_validate:
        as_child(child_validate())
    else:
        return False
    return True


def main() -> None:
    args = parse_args()
    if child_main(args):
        return
    sides: list[tuple[str, Path | None]] = [(THIS, None)]
    if args.vs:
        try:
            sides.insert(0, (args.vs, trees.extract(args.vs)))
        except trees.TreeError as exc:
            print(f"error: {exc}", file=sys.stderr)
            sys.exit(2)
    args.out.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    bench = Bench(sides)
    plan(bench, args)
    machine = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_before": load_before,
        "load_average": os.getloadavg(),
    }
    rows = rows_of(bench.results[THIS], args)
    if args.vs:
        rows = side_by_side(rows_of(bench.results[args.vs], args), rows)
    if args.growth:
        growth_plot([bench.results[THIS][f"growth:{n}"] for n in GROWTH_PARTNERS], GROWTH_PLOT)
    compared = f"; {args.vs} is commit {trees.resolve(args.vs)[:10]}" if args.vs else ""
    load = ", ".join(f"{x:.1f}" for x in machine["load_average"])
    header = (
        f"Benchmarks on {machine['cpus']} CPUs, Python {machine['python']}, load average {load} "
        f"at the end ({time.strftime('%Y-%m-%d %H:%M')}){compared}."
    )
    report = {"machine": machine, "vs": args.vs or None, "results": bench.results, "rows": rows}
    text = markdown(rows, header, args.vs or None)
    write_atomic(args.out / "bench.md", text)
    write_atomic(args.out / "bench.json", json.dumps(report, indent=2) + "\n")
    print(text)
    print(f"written: {args.out / 'bench.md'}, {args.out / 'bench.json'}")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file, so it is never half-written."""
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    os.replace(partial, path)


if __name__ == "__main__":
    main()
