"""Compiled passes give their numpy form's numbers bit for bit (sim/model/kernels.py)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sim.model import kernels, market, metrics, sampling, simulate
from sim.model.state import VendorGroups
from sim.scenario import load_scenario

pytest.importorskip("numba")


@pytest.fixture
def compiled(monkeypatch):
    """Every pass compiled, whatever its size."""
    monkeypatch.setattr(kernels, "COMPILED_FROM", 0)
    monkeypatch.delenv("SIM_KERNELS", raising=False)


@pytest.fixture
def numpy_only(monkeypatch):
    monkeypatch.setenv("SIM_KERNELS", "numpy")


def _both(monkeypatch, run):
    """``run()`` with every pass in its numpy form, then with every pass compiled."""
    monkeypatch.setenv("SIM_KERNELS", "numpy")
    reference = run()
    monkeypatch.delenv("SIM_KERNELS")
    monkeypatch.setattr(kernels, "COMPILED_FROM", 0)
    return reference, run()


def test_the_size_and_the_switch_decide_what_runs_compiled(monkeypatch):
    monkeypatch.delenv("SIM_KERNELS", raising=False)
    assert kernels.compiled_for(kernels.COMPILED_FROM)
    assert not kernels.compiled_for(kernels.COMPILED_FROM - 1)
    monkeypatch.setenv("SIM_KERNELS", "numpy")
    assert not kernels.compiled_for(10 * kernels.COMPILED_FROM)


@pytest.mark.parametrize("seed", range(4))
def test_weighted_members_draws_the_same_items_compiled(monkeypatch, seed):
    rng = np.random.default_rng(seed)
    vendor = rng.integers(0, 12, 5_000)
    weights = rng.lognormal(size=5_000) * (rng.random(5_000) > 0.3)
    weights[vendor == 4] = 0.0  # a vendor with no positive weight: -1
    weights[vendor == 9] *= 1e-300  # one whose weights are tiny next to the others'
    wanted = rng.integers(0, 12, 700)

    def picks():
        groups = VendorGroups(vendor, 12)
        return sampling.weighted_members(np.random.default_rng(seed), groups, weights, wanted)

    reference, compiled_picks = _both(monkeypatch, picks)
    assert np.array_equal(reference, compiled_picks)
    assert (reference[wanted == 4] == -1).all() and (reference[wanted != 4] >= 0).all()


def _link_state(seed: int):
    """A partner population with inactive, never-signed, onboarding and established links."""
    rng = np.random.default_rng(seed)
    p, k = 400, 5

    class Partners:
        capacity = rng.uniform(0.5, 4.0, p)
        shares = rng.dirichlet(np.ones(k + 1), p)
        capability = rng.random((p, k))
        joined = np.where(rng.random((p, k)) < 0.2, np.nan, rng.uniform(-30.0, 0.0, (p, k)))
        first_win = np.where(rng.random((p, k)) < 0.5, np.nan, -1.0)
        active = np.isfinite(joined) & (rng.random((p, k)) < 0.9)
        vendor = rng.integers(0, 7, (p, k))
        trust = rng.random((p, k))
        months_since_win = rng.choice([0.0, 3.0, 6.0 - 1e-9, 6.0, 20.0], (p, k))

    class Model:
        partners = Partners()
        slots = k
        month = 0.5
        n_vendors = 7

        class config:
            class market:
                untrained_coverage = 0.3

    return Model()


@pytest.mark.parametrize("seed", range(3))
def test_link_weights_are_the_same_compiled(monkeypatch, seed):
    model = _link_state(seed)
    reference, compiled_weights = _both(monkeypatch, lambda: market.link_weights(model))
    assert np.array_equal(reference, compiled_weights)
    assert (reference[~model.partners.active] == 0.0).all()
    onboarding = (0.5 - model.partners.joined < market.ONBOARDING_MONTHS) & np.isnan(
        model.partners.first_win
    )
    assert (reference[model.partners.active & onboarding] > 0).all()


@pytest.mark.parametrize("seed", range(3))
def test_vendor_totals_of_the_step_metrics_are_the_same_compiled(monkeypatch, seed):
    model = _link_state(seed)
    reference, compiled_totals = _both(monkeypatch, lambda: metrics._vendor_totals(model))
    for numpy_total, compiled_total in zip(reference, compiled_totals, strict=True):
        assert numpy_total.dtype == compiled_total.dtype
        assert np.array_equal(numpy_total, compiled_total)


def test_link_demand_is_the_share_of_coverage_times_demand_bit_for_bit():
    rng = np.random.default_rng(2)
    link_w = rng.random((300, 4)) * (rng.random((300, 4)) > 0.2)
    vendor = rng.integers(0, 6, (300, 4))
    coverage = np.bincount(vendor.reshape(-1), link_w.reshape(-1), minlength=6) * 1.3
    coverage[2] = 0.0  # a vendor without coverage: its links expect nothing
    demand = rng.uniform(10.0, 500.0, 6)
    share = np.divide(
        link_w, coverage[vendor], out=np.zeros_like(link_w), where=coverage[vendor] > 0
    )
    expected = (share * demand[vendor]).reshape(-1)
    got = kernels.link_demand(link_w, vendor, coverage, demand)
    assert np.array_equal(got, expected)
    assert (got.reshape(300, 4)[vendor == 2] == 0.0).all()


def _fingerprint(result) -> list[int]:
    return [
        int(pd.util.hash_pandas_object(frame).sum())
        for frame in (result.timeseries, result.runs, result.deals.deals, result.deals.lines)
    ]


def test_a_run_with_every_pass_compiled_is_the_same_run(monkeypatch):
    # Exits, recruits, onboarding and a cool-off: every compiled pass on a real trajectory.
    config = load_scenario(
        "scenarios/margin-cut.yaml",
        ["time.horizon_months=18", "time.spin_up_months=24", "partners.resign_cooloff_months=2"],
    ).variants["abrupt"]
    reference, compiled_run = _both(
        monkeypatch, lambda: _fingerprint(simulate(config, 11, record_deals=True))
    )
    assert reference == compiled_run


def test_a_small_run_does_not_import_numba():
    code = (
        "import sys; from sim.model import simulate; from sim.scenario import load_scenario; "
        "c = load_scenario('scenarios/baseline.yaml', ['time.horizon_months=3']).variants; "
        "simulate(next(iter(c.values())), 1); print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_compiled_code_draws_numpys_numbers_from_the_runs_generator():
    """A compiled loop can take the run's ``Generator`` and draw from it: numba's methods give,
    draw for draw, what numpy's give for the distributions the model uses, and leave the generator
    in the state numpy's calls leave it. So a phase compiled with its draws inside can keep the
    run's random streams (docs/performance.md, "Draws inside compiled code"). Not the Poisson
    draw of a mean of 10 or more (numpy's PTRS branch): numba's port truncates where numpy floors
    and differs in rare draws, so such a kernel ports numpy's (benchmarks/compiled_numbers.py)."""
    import numba

    @numba.njit
    def draw(rng, lam, bound, n):  # pragma: no cover - compiled
        out = np.empty((8, n))
        for i in range(n):
            out[0, i] = rng.random()
        for i in range(n):
            out[1, i] = rng.integers(0, bound[i])
        for i in range(n):
            out[2, i] = rng.poisson(lam[i])
        for i in range(n):
            out[3, i] = rng.standard_normal()
        for i in range(n):
            out[4, i] = rng.gamma(2.5, 1.2)
        for i in range(n):
            out[5, i] = rng.beta(2.0, 5.0)
        for i in range(n):
            out[6, i] = rng.exponential(3.0)
        for i in range(n):
            out[7, i] = rng.binomial(12, 0.3)
        return out

    n = 20_000
    setup = np.random.default_rng(3)
    lam = setup.random(n) * 9.99  # below 10: numpy's multiplication method
    bound = setup.integers(1, 5_000, n)  # bounded 32-bit integers, buffered by numpy
    compiled_rng, numpy_rng = np.random.default_rng(17), np.random.default_rng(17)
    got = draw(compiled_rng, lam, bound, n)
    want = [
        numpy_rng.random(n),
        numpy_rng.integers(bound),
        numpy_rng.poisson(lam),
        numpy_rng.standard_normal(n),
        numpy_rng.gamma(2.5, 1.2, n),
        numpy_rng.beta(2.0, 5.0, n),
        numpy_rng.exponential(3.0, n),
        numpy_rng.binomial(12, 0.3, n),
    ]
    for row, expected in zip(got, want, strict=True):
        np.testing.assert_array_equal(row, expected)
    assert compiled_rng.bit_generator.state == numpy_rng.bit_generator.state
