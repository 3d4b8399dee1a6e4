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

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.resultset import load_results  # noqa: E402

MEASURES = {
    "channel_after_24": "channel revenue after month 24",
    "total_last_12": "channel + direct revenue, last 12 months",
    "trust": "final mean trust",
    "attention": "final attention share",
    "conflicts": "conflicts, whole run",
}


def run_values(folder: Path) -> pd.DataFrame:
    """Per variant, replicate and vendor: the measures above."""
    ts = load_results(folder).timeseries
    keys = ["variant", "replicate", "vendor"]
    horizon = ts.month.max()
    out = (
        ts[ts.month > 24].groupby(keys).channel_revenue.sum().rename("channel_after_24").to_frame()
    )
    last = ts[ts.month > horizon - 12]
    out["total_last_12"] = (
        (last.channel_revenue + last.direct_revenue)
        .groupby([last.variant, last.replicate, last.vendor])
        .sum()
    )
    final = ts[ts.step == ts.step.max()].set_index(keys)
    out["trust"] = final.mean_trust
    out["attention"] = final.attention_share
    out["conflicts"] = ts.groupby(keys).conflicts.sum()
    return out.reset_index()


def comparisons(variants: list[str]) -> list[tuple[str, str]]:
    """Each variant against base, and each non-base variant against the one listed before it."""
    others = [v for v in variants if v != "base"]
    return [(v, "base") for v in others] + list(zip(others[1:], others[:-1], strict=True))


def effects(values: pd.DataFrame) -> list[dict]:
    """Per comparison, vendor and measure: mean, 5-95% of paired differences, share > 0."""
    rows = []
    for variant, reference in comparisons(list(values.variant.unique())):
        base = values[values.variant == reference].set_index(["replicate", "vendor"])
        mine = values[values.variant == variant].set_index(["replicate", "vendor"])
        for vendor in values.vendor.unique():
            for measure in MEASURES:
                diff = (mine[measure] - base[measure]).xs(vendor, level="vendor").to_numpy()
                ref_mean = base[measure].xs(vendor, level="vendor").mean()
                rows.append(
                    {
                        "variant": variant,
                        "reference": reference,
                        "vendor": vendor,
                        "measure": measure,
                        "base_mean": float(ref_mean),
                        "variant_mean": float(ref_mean + diff.mean()),
                        "diff_mean": float(diff.mean()),
                        "diff_p5": float(np.percentile(diff, 5)),
                        "diff_p95": float(np.percentile(diff, 95)),
                        "relative": float(diff.mean() / ref_mean) if ref_mean else float("nan"),
                        "share_positive": float(np.mean(diff > 0)),
                        "pairs": int(diff.size),
                    }
                )
    return rows


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
            rows = effects(run_values(folder))
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
