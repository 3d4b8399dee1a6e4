"""Run every shipped scenario at its default replicates: wall time and paired effect sizes.

Usage::

    .venv/bin/python benchmarks/shipped_scenarios.py [--workers 2] [--out benchmarks/out]

For each ``scenarios/*.yaml`` it times ``sim run`` (the command a strategist types) and then, from
the result folder, measures each variant against ``base`` for every vendor with paired replicates
(the same seeds across variants): channel revenue after month 24, channel + direct revenue over
the last 12 months, final mean trust, final attention share and total conflicts. It prints a table
and writes ``shipped_scenarios.json`` and ``shipped_scenarios.md`` to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.effects import MEASURES, paired_effects, run_measures  # noqa: E402
from sim.experiments.reader import load_results  # noqa: E402


def fmt(value: float, measure: str) -> str:
    if measure in ("trust", "attention"):
        return f"{value:+.3f}" if value < 0 or value > 0 else "0"
    if measure == "conflicts":
        return f"{value:+.0f}"
    return f"{value / 1e6:+.1f}M"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    sim = ROOT / ".venv" / "bin" / "sim"
    report = {"scenarios": []}
    lines = [
        "| scenario | variant vs reference | vendor | measure | reference | variant "
        "| paired difference (5-95%) | pairs with that sign |",
        "|---|---|---|---|---|---|---|---|",
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for path in sorted((ROOT / "scenarios").glob("*.yaml")):
            folder = Path(tmp) / path.stem
            start = time.perf_counter()
            subprocess.run(
                [str(sim), "run", str(path), "--out", str(folder), "--no-progress",
                 "--workers", str(args.workers)],
                check=True, capture_output=True,
            )  # fmt: skip
            seconds = time.perf_counter() - start
            results = load_results(folder)
            runs = len(results.manifest["runs"])
            rows = paired_effects(run_measures(results.timeseries))
            report["scenarios"].append(
                {"scenario": path.stem, "runs": runs, "seconds": seconds, "effects": rows}
            )
            print(f"{path.stem}: {runs} runs in {seconds:.1f} s ({args.workers} workers)")
            for r in rows:
                if r["vendor"] != "acme" and not (
                    r["vendor"] == "rival" and r["measure"] == "attention"
                ):
                    continue
                sign = r["share_positive"] if r["diff_mean"] > 0 else 1 - r["share_positive"]
                line = (
                    f"| {path.stem} | {r['variant']} vs {r['reference']} | {r['vendor']} | "
                    f"{MEASURES[r['measure']]} | "
                    f"{fmt(r['base_mean'], r['measure']).lstrip('+')} | "
                    f"{fmt(r['variant_mean'], r['measure']).lstrip('+')} | "
                    f"{fmt(r['diff_mean'], r['measure'])} ({fmt(r['diff_p5'], r['measure'])} .. "
                    f"{fmt(r['diff_p95'], r['measure'])}) | {sign * r['pairs']:.0f}/{r['pairs']} |"
                )
                lines.append(line)
    (args.out / "shipped_scenarios.json").write_text(json.dumps(report, indent=2))
    (args.out / "shipped_scenarios.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwritten: {args.out / 'shipped_scenarios.json'}, {args.out / 'shipped_scenarios.md'}")


if __name__ == "__main__":
    main()
