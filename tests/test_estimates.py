"""Direct estimates (issue 18, item 3): a simulated history of known parameters gives them back.

The history is the one `sim run --deals` writes, read back through the same reader as an export.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.calibration import read_history
from sim.calibration.estimates import direct_estimates, history_window
from sim.experiments.deal_files import history_csv
from sim.model.channel_model import simulate
from sim.scenario.schema import ScenarioConfig

KNOWN = {
    "name": "known",
    "time": {"horizon_months": 36, "step": "month"},
    "market": {
        "opportunities_per_month": 500,
        "sales_cycle_months": 4.0,
        "sales_cycle_shape": 2.5,
        "deal_size": {"median": 55_000, "spread": 0.7},
    },
    "vendors": [{"name": "acme"}, {"name": "rival"}, {"name": "nova"}],
    "partners": {"count": 300, "vendors_per_partner": 2},
}


@pytest.fixture(scope="module")
def estimates(tmp_path_factory):
    config = ScenarioConfig.model_validate(KNOWN)
    output = simulate(config, np.random.SeedSequence(11), record_deals=True)
    folder: Path = tmp_path_factory.mktemp("known")
    for name, text in history_csv(output.deals).items():
        (folder / name).write_text(text)
    history = read_history(folder)
    found = direct_estimates(history, vendors=3, vendors_per_partner=2)
    return {e.path: e for e in found}, history


def test_deal_size_and_cycle_are_recovered(estimates) -> None:
    found, _ = estimates
    assert found["market.deal_size.median"].value == pytest.approx(55_000, rel=0.04)
    assert found["market.deal_size.spread"].value == pytest.approx(0.7, abs=0.03)
    assert found["market.sales_cycle_months"].value == pytest.approx(4.0, abs=0.15)
    assert found["market.deal_size.median"].n > 1000
    # the spread of the cycle (shape 2.5: coefficient of variation 0.63), net of the step's rounding
    assert found["market.sales_cycle_shape"].value == pytest.approx(2.5, rel=0.15)


def test_the_cycle_shape_is_net_of_the_step_the_scenario_rounds_to(estimates) -> None:
    """Read as if the scenario ran in continuous time (step 0), the same cycles look more spread:
    shape = mean^2 / (variance - step^2 / 4), so 1/raw - 1/net = (1/4) / mean^2 for a monthly step."""
    found, history = estimates
    raw = {e.path: e for e in direct_estimates(history, 3, 2, step_months=0.0)}
    mean = found["market.sales_cycle_months"].value
    gap = 1 / raw["market.sales_cycle_shape"].value - 1 / found["market.sales_cycle_shape"].value
    assert gap == pytest.approx(0.25 / mean**2, rel=1e-9)


def test_partner_count_scales_the_vendor_base_to_the_market(estimates) -> None:
    """acme's partners enrolled at the start, x 3 vendors / 2 per partner, is the market's firms
    (300). partners.csv lists firms, and a firm between two of its lines at the start (it dropped
    acme and signs it again later) counts as enrolled, so the estimate runs about 10% high here."""
    found, history = estimates
    p = history.partners
    start = history_window(history).start
    enrolled = int(((p["joined"] <= start) & ~(p["left"] <= start)).sum())
    count = found["partners.count"]
    assert count.n == enrolled and count.value == round(enrolled * 3 / 2)
    assert count.value == pytest.approx(300, rel=0.15)  # K / V inverted would give 147 or 450


def test_the_horizon_is_the_months_the_history_covers(estimates) -> None:
    found, history = estimates
    assert found["time.horizon_months"].value == 36
    window = history_window(history)
    assert window.start.isoformat().startswith("2025-01-01")


def test_too_few_deals_give_no_estimate(estimates) -> None:
    _, history = estimates
    few = type(history)(history.deals.head(20), None)
    paths = {e.path for e in direct_estimates(few, vendors=3, vendors_per_partner=2)}
    assert paths == {"time.horizon_months"}
