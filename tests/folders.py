"""Hand-made result folders for the analysis tests: every number chosen, nothing simulated.

:func:`write_folder` writes an ordinary result folder through the real writer;
:func:`write_sweep` adds what a sweep folder has (``samples.csv`` and ``manifest["sweep"]``, as in
the shared sweep-format spec) around run-level outcomes given per sample and replicate.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.manifest import RunRecord
from sim.experiments.writer import ResultWriter
from sim.model.metrics import METRICS, RUN_COLUMNS, RunOutput


def output(
    steps: int = 3, vendors: Sequence[str] = ("a",), value: float = 1.0, **series: list
) -> RunOutput:
    """A run whose metrics are ``value`` at every step except those given as per-step lists."""
    vendors = tuple(vendors)
    ts = pd.DataFrame(
        {
            "step": np.repeat(np.arange(steps), len(vendors)),
            "month": np.repeat(np.arange(1, steps + 1), len(vendors)).astype(float),
            "vendor": list(vendors) * steps,
        }
    )
    for metric in METRICS:
        values = np.asarray(series.get(metric, [value] * steps), float)
        ts[metric] = np.repeat(values, len(vendors))
    if "total_revenue" in METRICS and "total_revenue" not in series:  # the model's identity
        ts["total_revenue"] = ts["channel_revenue"] + ts["direct_revenue"]
    runs = pd.DataFrame({"vendor": list(vendors)})
    for column in RUN_COLUMNS:
        runs[column] = (
            ts.groupby("vendor", sort=False)[column].sum().to_numpy() if column in METRICS else 1.0
        )
    return RunOutput(ts, runs)


def write_folder(
    path: Path,
    outputs: dict[tuple[str, int], RunOutput],
    *,
    name: str = "hand",
    entropy: int = 1,
    failed: Sequence[tuple[str, int]] = (),
    info: dict | None = None,
    resolved_yaml: str | None = None,
) -> Path:
    """A result folder with one run per ``(variant, replicate)`` key of ``outputs``.

    Replicate ``r`` gets seed ``SeedSequence(entropy, spawn_key=(r,))``; ``failed`` runs are
    planned but recorded as failed.
    """
    path.mkdir(parents=True)
    vendors = tuple(dict.fromkeys(next(iter(outputs.values())).runs["vendor"]))
    keys = list(outputs) + [k for k in failed if k not in outputs]
    plan = [RunRecord(v, r, entropy, (r,), "ok") for v, r in keys]
    writer = ResultWriter(
        path,
        name,
        plan,
        resolved_yaml or f"name: {name}\nseed: {entropy}\n",
        command_line=f"sim run {name}.yaml",
        vendors=vendors,
        info=info or {"description": f"Hand-made folder {name}.", "horizon_months": 3},
    )
    for record in plan:
        if record.key in failed:
            record.status, record.error = "failed", "RuntimeError: boom"
            writer.add(record, None)
        else:
            writer.add(record, outputs[record.key])
    writer.close()
    return path


def write_sweep(
    path: Path,
    method: str,
    problem: dict,
    X: np.ndarray,
    outcome: Callable[[np.ndarray, int], dict[str, np.ndarray]],
    *,
    replicates: int = 2,
    vendors: Sequence[str] = ("acme", "rival"),
    blocks: Sequence[str] | None = None,
    options: dict | None = None,
) -> Path:
    """A sweep folder: sample ``i`` (variant ``s0000``...) has parameter row ``X[i]``; replicate
    ``r`` of every sample has run-level values ``outcome(X, r)`` (column -> one value per sample;
    the same for every vendor unless the column is written ``vendor:column``; columns not given
    are 1.0).

    Only ``runs.csv``, ``samples.csv`` and ``manifest.json`` are meaningful; ``timeseries.csv``
    holds one step per run whose metrics equal the run's values.
    """
    path.mkdir(parents=True)
    names = np.array([f"s{i:04d}" for i in range(len(X))])
    frames = []
    for r in range(replicates):
        values = outcome(X, r)
        for vendor in vendors:
            frame = pd.DataFrame({"variant": names, "replicate": r, "vendor": vendor})
            for column in dict.fromkeys([*RUN_COLUMNS, *METRICS]):
                frame[column] = 1.0
            for key, value in values.items():
                owner, _, column = key.rpartition(":")
                if owner in ("", vendor):
                    frame[column] = np.asarray(value, float)
            frames.append(frame)
    table = pd.concat(frames).sort_values(["variant", "replicate"], kind="stable")
    table[["variant", "replicate", "vendor", *RUN_COLUMNS]].to_csv(path / "runs.csv", index=False)
    table.assign(step=0, month=1.0)[
        ["variant", "replicate", "step", "month", "vendor", *METRICS]
    ].to_csv(path / "timeseries.csv", index=False)
    pd.DataFrame(columns=["variant", "vendor", "metric", "mean"]).to_csv(
        path / "summary.csv", index=False
    )
    samples = pd.DataFrame({"sample": names, "index": range(len(names))})
    for j, parameter in enumerate(problem["names"]):
        samples[parameter] = X[:, j]
    if blocks is not None:
        samples["block"] = list(blocks)
    samples.to_csv(path / "samples.csv", index=False)
    records = [
        {"variant": name, "replicate": r, "seed": {"entropy": 5, "spawn_key": [r]},
         "status": "ok", "seconds": 0.0, "error": None, "traceback": None}
        for name in names for r in range(replicates)
    ]  # fmt: skip
    parameters = dict(zip(problem["names"], problem["bounds"], strict=True))
    manifest = {
        "format": "channel-sim-results/1", "status": "complete", "scenario": "swept",
        "description": "A hand-made sweep.", "horizon_months": 1,
        "package": {"name": "channel-sim", "version": "0.1.0"},
        "command_line": f"sim sweep swept.yaml --method {method}", "variants": names.tolist(),
        "vendors": list(vendors), "counts": {"planned": len(records), "ok": len(records),
                                             "failed": 0, "not-run": 0},
        "runs": records,
        "sweep": {
            "method": method, "samples": len(names), "replicates": replicates,
            "runs": len(records), "parameters": parameters,
            "problem": {"num_vars": len(problem["names"]), **problem},
            "options": options or {},
        },
    }  # fmt: skip
    (path / "manifest.json").write_text(json.dumps(manifest, indent=2))
    (path / "scenario.resolved.yaml").write_text("name: swept\nseed: 5\n")
    return path


__all__ = ["output", "write_folder", "write_sweep"]


def drop_metrics(folder: Path, *metrics: str) -> Path:
    """Make ``folder`` look written before ``metrics`` existed: its ``timeseries.csv`` without them."""
    path = folder / "timeseries.csv"
    table = pd.read_csv(path, keep_default_na=False, dtype=str)
    table.drop(columns=list(metrics)).to_csv(path, index=False)
    return folder
