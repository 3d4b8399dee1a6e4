"""What an ensemble engine could gain: M replicates stacked into one population, measured today.

An M replicate (10 vendors, 1,000 partners x 3, 200 reps) is bound by per-call overhead: each step
is a few hundred numpy calls on arrays of a few thousand elements. An engine that advances R
replicates together makes each call work on R times the elements. Its cost per replicate can be
measured before it is written: an M-shaped market R times larger (R x 10 vendors, R x 1,000
partners x 3, R x 200 reps, R x the demand) has the arrays a stacked step of R replicates would
have. Its time over R is close to what stacking would cost per replicate. It is an estimate, not
the engine: the larger market's vendors compete with all others (stacked replicates would not),
and the per-vendor loop left in recruiting runs R times as often (a stacked engine would batch it
too), so the estimate errs on the slow side.

    .venv/bin/python benchmarks/ensemble_floor.py            # R = 1, 4, 16, 32 (a few minutes)
    .venv/bin/python benchmarks/ensemble_floor.py --stack 1,8

Each R runs in a fresh process (``--child``), so one size's memory does not leak into the next.
Writes ``benchmarks/out/ensemble_floor.md`` and ``.json`` and prints the table.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from outputs import write_outputs  # noqa: E402  (benchmarks/outputs.py, on the path above)


def stacked_document(stack: int) -> dict[str, Any]:
    """M's scenario with ``stack`` times the vendors, partners, reps and demand."""
    from sizes import SIZES, Size, document

    m = SIZES["M"]
    size = Size(
        f"M{stack}", m.vendors * stack, m.partners * stack, m.vendors_per_partner,
        m.reps * stack, m.horizon_months, m.step,
    )  # fmt: skip
    return document(size)


def child(stack: int) -> dict[str, Any]:
    """Run one replicate of the stacked M in this process; CPU seconds and peak memory."""
    import numpy as np

    from sim.model.allocator import tune_allocator
    from sim.model.channel_model import ChannelModel
    from sim.scenario.schema import ScenarioConfig

    tune_allocator()
    config = ScenarioConfig.model_validate(stacked_document(stack))
    start = time.process_time()
    model = ChannelModel(config, np.random.SeedSequence(1, spawn_key=(0,)))
    model.run()
    seconds = time.process_time() - start
    return {
        "stack": stack,
        "links": int(model.partners.vendor.size),
        "steps": config.time.steps,
        "cpu_seconds": seconds,
        "cpu_seconds_per_replicate": seconds / stack,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", default="1,4,16,32", help="comma-separated stack sizes R")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    rows = []
    for stack in (int(s) for s in args.stack.split(",")):
        done = subprocess.run(
            [sys.executable, __file__, "--child", str(stack)],
            capture_output=True, text=True, check=True, cwd=ROOT,
        )  # fmt: skip
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(f"R={stack}: {rows[-1]['cpu_seconds_per_replicate']:.3f} s per replicate", flush=True)
    base = rows[0]["cpu_seconds_per_replicate"]
    lines = [
        f"Stacked M, one process per R, CPU seconds; load average {os.getloadavg()[0]:.2f}, "
        f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC",
        "",
        "| R (replicates stacked) | links | CPU s | CPU s per replicate | vs R = "
        f"{rows[0]['stack']} | peak MiB |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['stack']} | {row['links']:,} | {row['cpu_seconds']:.2f} | "
            f"{row['cpu_seconds_per_replicate']:.3f} | "
            f"{base / row['cpu_seconds_per_replicate']:.1f}x | {row['peak_mib']:.0f} |"
        )
    write_outputs(args.out, "ensemble_floor", lines, rows)


if __name__ == "__main__":
    main()
