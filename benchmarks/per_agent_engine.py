"""Time one replicate in each engine (population, per-agent) and report the ratio.

Usage::

    .venv/bin/python benchmarks/per_agent_engine.py [--replicates 3] [--set PATH=VALUE]...

Runs ``scenarios/baseline.yaml`` (3 vendors, 600 partners, 48 months) and a small version of it
(60 partners, 24 months, 80 opportunities a month), each replicate in both engines from the same
seed, and prints the median seconds per replicate (wall clock, and CPU time of this process, which
a busy machine disturbs less), the ratio, and whether the two engines gave the same numbers (they
should, to float rounding). ``--set`` overrides apply to both sizes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.model.channel_model import simulate  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402

SIZES = {
    "baseline (600 partners, 48 months)": [],
    "small (60 partners, 24 months)": [
        "partners.count=60",
        "time.horizon_months=24",
        "market.opportunities_per_month=80",
    ],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=3)
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    args = parser.parse_args()
    print(
        f"{'scenario':36} {'population s':>13} {'per-agent s':>13} {'ratio':>11}  same\n"
        f"{'':36} {'wall   cpu':>13} {'wall   cpu':>13} {'wall   cpu':>11}"
    )
    for label, overrides in SIZES.items():
        config = load_scenario(ROOT / "scenarios" / "baseline.yaml", overrides + args.overrides)
        config = config.variants["base"]
        times: dict[str, list[float]] = {"population": [], "per-agent": []}
        cpu: dict[str, list[float]] = {"population": [], "per-agent": []}
        same = True
        for r in range(args.replicates):
            outputs = {}
            for engine in times:
                seed = np.random.SeedSequence(entropy=config.seed, spawn_key=(r,))
                start, start_cpu = time.perf_counter(), time.process_time()
                outputs[engine] = simulate(config, seed, engine=engine)
                times[engine].append(time.perf_counter() - start)
                cpu[engine].append(time.process_time() - start_cpu)
            a, b = (outputs[e].runs.select_dtypes("number").to_numpy() for e in times)
            same = same and bool(np.allclose(a, b, rtol=1e-9, atol=1e-9))
        pop, per = (statistics.median(times[e]) for e in times)
        pop_cpu, per_cpu = (statistics.median(cpu[e]) for e in cpu)
        print(
            f"{label:36} {pop:6.2f} {pop_cpu:6.2f} {per:6.2f} {per_cpu:6.2f} "
            f"{per / pop:4.0f}x {per_cpu / pop_cpu:4.0f}x  {'yes' if same else 'NO'}"
        )


if __name__ == "__main__":
    main()
