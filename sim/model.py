"""TEMPORARY STUB: replaced by the real ChannelModel. Do not edit (owned by the model author)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config import ScenarioConfig
from sim.metrics import METRICS, MetricRecorder, RunOutput


def simulate(config: ScenarioConfig, seed: np.random.SeedSequence) -> RunOutput:
    """Run one replicate of ``config`` from ``seed`` and return its metrics (stub: random walk)."""
    rng = np.random.default_rng(seed)
    names = [v.name for v in config.vendors]
    rec = MetricRecorder(config.time.steps, names, config.time.dt)
    level = np.full(len(names), 1e6)
    for t in range(config.time.steps):
        level = level * np.exp(rng.normal(0, 0.05, len(names)))
        rec.record(t, **{m: level * (1 if "revenue" in m else 1e-6) for m in METRICS})
    runs = pd.DataFrame({"vendor": names, "channel_revenue": rec.values["channel_revenue"].sum(0),
                         "direct_revenue": 0.0, "vendor_net_revenue": 0.0, "conflicts": 0.0,
                         "partners": 100, "productive_partners": 10, "top_decile_share": 0.6,
                         "gini": 0.7})
    return RunOutput(rec.frame(), runs)
