"""The folder of a fit and what `sim calibrate` prints.

| file | content |
|---|---|
| ``calibrated.yaml`` | the scenario at the posterior medians, posterior draws as variants (absent when the history is not one the model produces) |
| ``posterior.csv`` | the reference runs with their posterior weights, one column per parameter |
| ``estimates.csv`` | the direct estimates: key, value, observations, how |
| ``predictive.csv`` | each statistic: observed, and 5/50/95% of the runs weighted by the posterior |
| ``predictive_monthly.csv`` | each monthly series (won value, opportunities; by source) of the history against the 5/25/50/75/95% of the weighted runs that month, held-out months marked |
| ``holdout.csv`` | with ``--holdout-months``: each series over the held-out months, observed against the weighted runs' totals, and the share of held-out months inside their band |
| ``coverage.csv`` | cross-fitted coverage of the 50/80/95% intervals per parameter |
| ``reference.csv`` | every reference run: sample, replicate, parameters, statistics |
| ``fit.json`` | what ran (history, scenario, priors, samples, seed, statistics), its status, written last |

Every file is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

import sim
from sim.calibration.fit import FitResult, calibrated_yaml
from sim.experiments.folder_layout import atomic_open, atomic_write_text
from sim.experiments.manifest import timestamp

FIT_FILE = "fit.json"


def write_fit(result: FitResult, folder: Path, history_label: str, command_line: str) -> list[Path]:
    """Write the files of the module docstring into ``folder``; return them in order."""
    plan, written = result.plan, []

    def csv(name: str, frame: pd.DataFrame) -> None:
        with atomic_open(folder / name) as handle:
            frame.to_csv(handle, index=False, lineterminator="\n")
        written.append(folder / name)

    if result.posterior is not None:
        atomic_write_text(folder / "calibrated.yaml", calibrated_yaml(result, history_label))
        written.append(folder / "calibrated.yaml")
        csv("posterior.csv", result.posterior.samples)
    estimates = pd.DataFrame(
        [e.__dict__ for e in plan.estimates], columns=["path", "value", "n", "how"]
    )
    csv("estimates.csv", estimates)
    csv("predictive.csv", result.predictive)
    csv("predictive_monthly.csv", result.over_time)
    if len(result.holdout):
        csv("holdout.csv", result.holdout)
    csv("coverage.csv", result.coverage)
    csv("reference.csv", result.table)
    status = "calibrated" if result.posterior is not None else "not-producible"
    doc = {
        "format": "channel-sim-fit/1",
        "status": status,
        "history": history_label,
        "scenario": plan.base.name,
        "command_line": command_line,
        "finished": timestamp(),
        "package": {"name": "channel-sim", "version": sim.__version__},
        "seed": plan.base.seed,
        "samples": plan.samples,
        "replicates": plan.replicates,
        "priors": [{"path": p.path, "low": p.low, "high": p.high} for p in plan.priors],
        "statistics": list(result.statistics),
        "events_from_program": len(plan.events),
        "holdout_months": plan.holdout_months,
        "cut": None if plan.cut is None else plan.cut.isoformat(),
        "holdout": result.holdout.to_dict("records"),
        "unproducible": result.unproducible.to_dict("records"),
    }
    atomic_write_text(folder / FIT_FILE, json.dumps(doc, indent=2) + "\n")
    written.append(folder / FIT_FILE)
    return written


def summary_lines(result: FitResult) -> list[str]:
    """The console summary: direct estimates, posterior (or why there is none), coverage."""
    plan, lines = result.plan, ["Direct estimates:"]
    for e in plan.estimates:
        lines.append(f"  {e.path:<34} {number_text(e.value):>12}  ({e.n:,} observations)")
    if plan.events:
        lines.append(
            f"  {len(plan.events)} program changes replayed as events of {plan.base.focus}"
        )
    if result.posterior is None:
        lines.append(
            "The model does not produce this history: these statistics lie beyond what the "
            f"{len(result.table):,} reference runs reach (by more than one robust standard "
            "deviation of the runs), so no parameters are given:"
        )
        for row in result.unproducible.itertuples(index=False):
            lines.append(
                f"  {row.statistic:<34} observed {number_text(row.observed)}, "
                f"runs {number_text(row.low)} .. {number_text(row.high)}"
            )
        lines.append("Widen the --fit ranges, fit other keys, or change the scenario's structure.")
        return lines
    lines.append(f"Posterior ({len(result.table):,} reference runs; median [80% interval]):")
    low, mid, high = (result.posterior.quantile(q) for q in (0.1, 0.5, 0.9))
    for p in plan.priors:
        lines.append(
            f"  {p.path:<34} {number_text(mid[p.path]):>12} "
            f"[{number_text(low[p.path])}, {number_text(high[p.path])}]"
            f"  prior {number_text(p.low)} .. {number_text(p.high)}"
        )
    outside = result.predictive[~result.predictive["inside_90"]]
    share = 1 - len(outside) / max(len(result.predictive), 1)
    lines.append(
        f"Posterior predictive: {share:.0%} of the {len(result.predictive)} statistics inside the "
        "90% band of the weighted runs"
        + (": not " + ", ".join(outside["statistic"]) if len(outside) else "")
    )
    lines += _holdout_lines(result)
    cover = result.coverage.pivot(index="parameter", columns="level", values="coverage")
    worst = (cover - cover.columns.to_numpy()).abs().max().max()
    lines.append(
        "Coverage of the 50/80/95% intervals on the reference runs (cross-fitted): "
        + "; ".join(
            f"{path.split('.')[-1]} " + "/".join(f"{v:.0%}" for v in row)
            for path, row in cover.iterrows()
        )
        + f" (largest gap to nominal {worst * 100:.0f} points)"
    )
    return lines


def _holdout_lines(result: FitResult) -> list[str]:
    """The held-out check: each series' total over the held-out months against the runs' band."""
    if not len(result.holdout):
        return []
    plan = result.plan
    lines = [
        f"Held-out check (fitted on the history before {plan.cut:%Y-%m-%d}; the last "
        f"{plan.holdout_months} months against the fitted runs, 90% band):"
    ]
    for row in result.holdout.itertuples(index=False):
        verdict = "inside" if row.inside_90 else "OUTSIDE"
        series = f"{row.source} {row.measure}"
        lines.append(
            f"  {series:<22} observed {number_text(row.observed):>12}, band "
            f"{number_text(row.p5)} .. {number_text(row.p95)} ({verdict}); "
            f"{row.months_inside_90:.0%} of the {row.months} held-out months inside their band"
        )
    return lines


def number_text(value: float) -> str:
    """A fit's number for people: ``12,345`` from 1,000 on, else 3 significant digits; ``-`` when
    undefined."""
    value = float(value)
    if not np.isfinite(value):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"


__all__ = ["FIT_FILE", "number_text", "summary_lines", "write_fit"]
