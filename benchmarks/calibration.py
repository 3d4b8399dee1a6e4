"""What the deal log and `sim calibrate` cost: measured side by side in one run.

Usage::

    .venv/bin/python benchmarks/calibration.py [--pairs 5] [--samples 128] [--out DIR]

1. **Deal log.** Baseline replicates with and without ``record_deals`` (the cost of `sim run
   --deals` in the model), in alternating pairs so drift in the machine's speed cancels; the ratio
   is per pair, median and range. Then the cost of turning one log into the history statistics
   (what each reference run of a fit does in its worker).
2. **Fit.** A reference table of ``--samples`` runs of a 200-partner, 24-month baseline (3 fitted
   keys) on 1 and 2 workers, then the forests' posterior and the coverage check (three feature
   shares x five folds x three keys).

Writes ``calibration.md`` and ``calibration.json`` to ``--out`` (default ``benchmarks/out``).
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
from outputs import write_outputs  # benchmarks/outputs.py: this script's folder is on sys.path

from sim.calibration import abc, history_statistics
from sim.calibration.reference import Prior, prior_samples, reference_table
from sim.experiments.deal_files import canonical_frames
from sim.model.channel_model import simulate
from sim.scenario import load_scenario
from sim.scenario.resolution import with_overrides

ROOT = Path(__file__).resolve().parents[1]
PRIORS = [
    Prior("market.opportunities_per_month", 100, 400),
    Prior("vendors.acme.product_strength", 0.3, 0.9),
    Prior("behaviours.deal_outcome.partner_lift", 0.8, 1.6),
]


def _timed(call) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    value = call()
    return time.perf_counter() - wall, time.process_time() - cpu, value


def deal_log_rows(pairs: int) -> list[dict[str, object]]:
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml").variants["base"]
    ratios, plain, logged, stats = [], [], [], []
    for r in range(pairs):
        seed = np.random.SeedSequence(42, spawn_key=(r,))
        _, a, _ = _timed(lambda seed=seed: simulate(base, seed))
        _, b, output = _timed(lambda seed=seed: simulate(base, seed, record_deals=True))
        _, c, _ = _timed(lambda output=output: history_statistics(*canonical_frames(output.deals)))
        plain.append(a)
        logged.append(b)
        stats.append(c)
        ratios.append(b / a)
    return [
        {"line": "baseline replicate, CPU s", "value": f"{np.median(plain):.2f}"},
        {"line": "same with the deal log, CPU s", "value": f"{np.median(logged):.2f}"},
        {"line": "deal log / none (per pair)",
         "value": f"{np.median(ratios):.3f} ({min(ratios):.3f}-{max(ratios):.3f}, {pairs} pairs)"},
        {"line": "history statistics of one log, CPU s", "value": f"{np.median(stats):.3f}"},
    ]  # fmt: skip


def fit_rows(samples: int) -> list[dict[str, object]]:
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml").variants["base"]
    base = with_overrides(
        base,
        {"partners.count": 200, "time.horizon_months": 24, "market.opportunities_per_month": 200.0},
    )
    design = prior_samples(PRIORS, samples, base.seed)
    rows, table = [], None
    for workers in (1, 2):
        wall, _, table = _timed(lambda w=workers: reference_table(base, design, workers=w).table)
        rows.append({"line": f"reference table, {samples} runs, {workers} worker(s), wall s",
                     "value": f"{wall:.1f} ({samples / wall:.2f} runs/s)"})  # fmt: skip
    stats = abc.usable_statistics(table, table.iloc[0].to_dict())
    wall, _, (share, cover) = _timed(lambda: abc.choose_forest(table, PRIORS, stats))
    gap = float((cover["coverage"] - cover["level"]).abs().max())
    rows.append({"line": "coverage check (3 shares x 5 folds x 3 keys), wall s",
                 "value": f"{wall:.1f} (share {share:.2f}, largest gap {gap * 100:.1f} points)"})  # fmt: skip
    observed = table.iloc[0].to_dict()
    wall, _, _ = _timed(lambda: abc.posterior(table.iloc[1:], observed, PRIORS, stats, share))
    rows.append({"line": "posterior (3 forests), wall s", "value": f"{wall:.1f}"})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--samples", type=int, default=128)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    rows = deal_log_rows(args.pairs) + fit_rows(args.samples)
    load = os.getloadavg()[0]
    lines = [
        f"# Deal log and calibration benchmark ({os.cpu_count()} cores, load {load:.2f} at the end)",
        "",
        "| line | value |",
        "|---|---|",
        *[f"| {r['line']} | {r['value']} |" for r in rows],
    ]
    write_outputs(args.out, "calibration", lines, rows)


if __name__ == "__main__":
    main()
