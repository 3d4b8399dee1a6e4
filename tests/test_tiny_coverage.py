"""A vendor whose coverage is a denormal share of the total (``untrained_coverage`` 5e-324, one
untrained partner) must not turn partners' deal flow into NaN: the share that underflows to 0
counts as no coverage, so the vendor keeps its last deal flow. Found by the property test of
tests/test_engines.py (a Poisson draw refused a NaN rate in 5 of 40 seeds)."""

from __future__ import annotations

import numpy as np

from sim.model.channel_model import simulate
from sim.scenario.schema import ScenarioConfig

NO_CREDIT = {"direct_credit": 0.0, "partner_sourced_credit": 0.0, "partner_assisted_credit": 0.0}


def _vendor(name: str, reps: int, margin: float) -> dict:
    return {"name": name, "direct_reps": reps, "rep_capacity": 2.0, "product_strength": 0.0,
            "program": {"margin": margin}, "comp_plan": NO_CREDIT,
            "engagement": {"partner_join_stage": 0.0}}  # fmt: skip


def test_a_denormal_coverage_share_leaves_every_number_finite() -> None:
    config = ScenarioConfig.model_validate({
        "name": "tiny-coverage", "seed": 19,
        "time": {"horizon_months": 1, "step": "month", "spin_up_months": 180.0},
        "market": {"opportunities_per_month": 2.0, "sales_cycle_months": 1.0,
                   "untrained_coverage": 5e-324, "competitor_share": 0.0},
        "vendors": [_vendor("v0", 0, 1.0), _vendor("v1", 0, 0.0), _vendor("v2", 1, 0.0)],
        "partners": {"count": 1, "vendors_per_partner": 1, "initial_trust": 0.0,
                     "initial_capability": 0.0, "initial_dispersion": 0.0, "exit_trust": 0.0},
    })  # fmt: skip
    for entropy in range(40):
        out = simulate(config, np.random.SeedSequence(entropy))
        ts = out.timeseries
        assert np.isfinite(ts[["attention_share", "channel_revenue"]]).all(
            axis=None
        )  # trust: NaN, no lines
