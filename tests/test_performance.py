"""The engine's fast paths give exactly the numbers of the plain forms they replace, and the memory
guard refuses runs that cannot fit (docs/performance.md). No timings here: those are in benchmarks/.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from cli import main
from sim.behaviours import build
from sim.behaviours.capability import CapabilitySignals
from sim.behaviours.numerics import power
from sim.behaviours.trust import TrustSignals
from sim.experiments import memory_guard
from sim.model import allocator, metrics
from sim.model.state import DealBook, PartnerState, VendorGroups
from sim.scenario.schema import ScenarioConfig


def sparse_counts(rng: np.random.Generator, shape: tuple[int, ...], share: float) -> np.ndarray:
    return np.where(rng.random(shape) < share, rng.poisson(1.5, shape), 0).astype(float)


# ----------------------------------------------------------------------------- fast paths
def test_grouped_percentile_is_numpy_percentile_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    for trial in range(60):
        counts = rng.integers(0, [3, 40, 3000][trial % 3], rng.integers(1, 9))
        values = rng.random(counts.sum())
        if trial % 4 == 0:
            values = np.round(values, 1)  # ties
        if trial % 5 == 0 and len(values):
            values[rng.integers(len(values))] = np.nan
        q = float(rng.choice([10.0, 50.0, 90.0, 33.3]))
        starts = np.cumsum(counts) - counts
        want = [
            np.percentile(values[s : s + c], q) if c else np.nan
            for s, c in zip(starts, counts, strict=True)
        ]
        got = metrics.grouped_percentile(values, counts, q)
        np.testing.assert_array_equal(got, np.array(want))


def test_vendor_groups_list_each_vendors_items_in_order_and_extend_like_a_rebuild() -> None:
    rng = np.random.default_rng(1)
    vendor = rng.integers(0, 7, 500)
    groups = VendorGroups(vendor, 9)
    for v in range(9):
        np.testing.assert_array_equal(groups.members(v), np.flatnonzero(vendor == v))
    more = rng.integers(0, 9, 120)
    groups.extend(more, len(vendor))
    rebuilt = VendorGroups(np.concatenate([vendor, more]), 9)
    np.testing.assert_array_equal(groups.order, rebuilt.order)
    np.testing.assert_array_equal(groups.bounds, rebuilt.bounds)


def test_partner_groups_follow_appended_partners() -> None:
    from sim.model.population import draw_portfolios, new_partners
    from sim.scenario.schema import PartnersConfig

    rng = np.random.default_rng(2)
    cfg = PartnersConfig(count=50, vendors_per_partner=3)

    def partners(n: int) -> PartnerState:
        return new_partners(rng, cfg, draw_portfolios(rng, n, 6, 3), np.ones(6), np.ones(6))

    ps = partners(50)
    before = ps.groups(6)
    ps.append(partners(13))
    assert ps.groups(6) is before  # extended in place, not rebuilt
    for v in range(6):
        np.testing.assert_array_equal(before.members(v), np.flatnonzero(ps.vendor.ravel() == v))


def test_deal_book_take_removes_and_returns_in_book_order() -> None:
    rng = np.random.default_rng(4)
    n = 200
    book = DealBook()
    deals = {name: (np.arange(n) % 7).astype(book[name].dtype) for name in book.columns}
    deals["value"] = rng.random(n)
    book.add(deals)
    mask = rng.random(n) < 0.3
    taken = book.take(mask)
    np.testing.assert_array_equal(taken["value"], deals["value"][mask])
    np.testing.assert_array_equal(book["value"], deals["value"][~mask])
    assert len(book) == n - mask.sum()


def test_power_is_numpy_power_bit_for_bit() -> None:
    rng = np.random.default_rng(5)
    for share in (0.0, 0.05, 0.9):
        exponent = sparse_counts(rng, (300, 4), share) * rng.random((300, 4))
        np.testing.assert_array_equal(power(0.9, exponent), 0.9**exponent)


def plain_trust(p, trust: np.ndarray, s: TrustSignals, version: int = 1) -> np.ndarray:
    """asymmetric@1 as first written (before the event-only evaluation), or version 2: no
    communication gain, surprises scaled by exposure, communication speeding repair."""
    communication = getattr(p, "gain_communication", 0.0) if version == 1 else 0.0
    exposure = 1.0 if version == 1 else s.exposure
    invites = np.maximum(s.invitations, 1e-12)
    mean_stage = np.where(s.invitations > 0, s.invitation_stage_sum / invites, p.fair_stage)
    early = s.invitations * np.clip((p.fair_stage - mean_stage) / p.fair_stage, 0.0, 1.0)
    late = s.invitations * np.clip((mean_stage - p.fair_stage) / (1 - p.fair_stage), 0.0, 1.0)
    gain = 1.0 - (
        (1.0 - p.gain_per_win) ** s.wins
        * (1.0 - p.gain_per_early_invite) ** early
        * (1.0 - communication * s.communication) ** s.dt
        * np.exp(-p.gain_per_surprise * s.surprise_gain * exposure)
    )
    keep = (
        (1.0 - p.loss_per_lost_conflict) ** s.conflicts_lost
        * (1.0 - p.loss_per_contest) ** s.conflicts_kept
        * (1.0 - p.loss_per_late_invite) ** late
        * (1.0 - np.minimum(p.loss_profit_shortfall * s.profit_shortfall, 1.0)) ** s.dt
        * np.exp(-p.loss_per_surprise * s.surprise_loss * exposure)
    )
    new = trust * keep + (1.0 - trust) * gain
    rate = np.full_like(new, p.recovery_per_month)
    if version == 2:
        rate = np.where(new < s.anchor, rate * (1 + p.communication_repair * s.communication), rate)
    new = new + (1.0 - (1.0 - rate) ** s.dt) * (s.anchor - new)
    return np.clip(new, 0.0, 1.0)


@pytest.mark.parametrize("version", [1, 2])
@pytest.mark.parametrize("share", [0.0, 0.02, 0.6])
@pytest.mark.parametrize("dt", [1.0, 12 / 52])
def test_trust_update_equals_the_plain_formula(share: float, dt: float, version: int) -> None:
    rng = np.random.default_rng(6)
    shape = (400, 3)
    invitations = sparse_counts(rng, shape, share)
    signals = TrustSignals(
        wins=sparse_counts(rng, shape, share),
        conflicts_lost=sparse_counts(rng, shape, share / 4),
        conflicts_kept=sparse_counts(rng, shape, share / 4),
        invitations=invitations,
        invitation_stage_sum=invitations * rng.random(shape),
        communication=rng.random(shape),
        profit_shortfall=np.where(rng.random(shape) < 0.5, rng.random(shape), 0.0),
        surprise_loss=np.where(rng.random(shape) < share, rng.exponential(0.5, shape), 0.0),
        surprise_gain=np.zeros(shape),
        anchor=rng.random(shape),
        dt=dt,
        exposure=rng.random(shape),
    )
    rule = build("trust", f"asymmetric@{version}")
    trust = rng.random(shape)
    fast, plain = rule.update(trust, signals), plain_trust(rule.params, trust, signals, version)
    # Equal to rounding: version 2 multiplies exposure in a different order, and even version 1's
    # same operations differ in the last bit on an AVX-512 machine at the weekly step (numpy's SIMD
    # loops and scalar tails round differently; 1.1e-16 at most, measured), so not bit for bit.
    np.testing.assert_allclose(fast, plain, rtol=1e-14, atol=1e-15)


@pytest.mark.parametrize("share", [0.0, 0.05, 0.8])
def test_capability_update_equals_the_plain_formula(share: float) -> None:
    rng = np.random.default_rng(7)
    shape = (300, 4)
    s = CapabilitySignals(
        enablement=rng.uniform(0, 3000, shape),
        attention=rng.random(shape),
        deals_worked=sparse_counts(rng, shape, share) * rng.random(shape),
        dt=12 / 52,
    )
    rule = build("capability", "enablement-learning@1")
    p = rule.params
    c = rng.random(shape)
    absorption = p.enablement_rate * (1.0 - np.exp(-s.enablement / p.enablement_scale))
    grow = 1.0 - (1.0 - absorption * s.attention) ** s.dt
    decay = 1.0 - (1.0 - p.decay_per_month * (1.0 - s.attention)) ** s.dt
    learn = 1.0 - (1.0 - p.learning_per_deal) ** s.deals_worked
    plain = c * (1.0 - decay) + (1.0 - c) * grow
    plain = np.clip(plain + (1.0 - plain) * learn, 0.0, 1.0)
    np.testing.assert_array_equal(rule.update(c, s), plain)


# ----------------------------------------------------------------------------- memory guard
def config(partners: int, **partners_extra) -> ScenarioConfig:
    return ScenarioConfig.model_validate(
        {
            "name": "mem",
            "vendors": [{"name": f"v{i}"} for i in range(10)],
            "partners": {"count": partners, "vendors_per_partner": 8, **partners_extra},
        }
    )


def test_estimate_grows_with_partners_links_and_workers() -> None:
    small, large = memory_guard.estimate(config(10_000)), memory_guard.estimate(config(1_000_000))
    assert large.per_run > small.per_run > memory_guard.BASE
    assert large.links == 8_000_000
    # Linear in links: the per-link cost dominates a large population.
    assert (large.per_run - small.per_run) / (990_000 * 8) == pytest.approx(
        memory_guard.LINK + memory_guard.PARTNER / 8, rel=0.01
    )
    assert memory_guard.estimate(config(10_000), workers=4).total > 4 * small.per_run


def test_check_memory_passes_what_fits_and_refuses_what_does_not() -> None:
    run = config(1_000_000)
    per_run = memory_guard.estimate(run).per_run
    assert memory_guard.check_memory(run, workers=2, available=3 * per_run).workers == 2
    with pytest.raises(memory_guard.MemoryLimitError, match=r"--workers 2\b"):
        memory_guard.check_memory(run, workers=4, available=3 * per_run)
    with pytest.raises(memory_guard.MemoryLimitError, match=r"partners\.count=\d+") as refused:
        memory_guard.check_memory(run, workers=1, available=per_run // 2)
    count = int(str(refused.value).split("partners.count=")[1].split(")")[0])
    assert 0 < count < 1_000_000
    assert memory_guard.check_memory(config(count), workers=1, available=per_run // 2)


def test_unknown_available_memory_does_not_block(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory_guard, "available_bytes", lambda: None)
    assert memory_guard.check_memory(config(5_000_000), workers=8).workers == 8


def test_available_bytes_reads_meminfo() -> None:
    available = memory_guard.available_bytes()
    assert available is None or available > 0


def test_sim_run_refuses_a_run_that_does_not_fit(
    tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(memory_guard, "available_bytes", lambda: 50 * 1024**2)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(tiny_yaml), "--out", str(out), "--no-progress", "--workers", "2"]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "memory is available" in result.stderr and "docs/performance.md" in result.stderr
    assert not out.exists()


def test_tune_allocator_is_idempotent_and_keeps_runs_identical() -> None:
    from sim.model.channel_model import ChannelModel, simulate

    tuned = allocator.tune_allocator()
    assert allocator.tune_allocator() is tuned
    run = config(60).model_copy(
        update={"time": config(60).time.model_copy(update={"horizon_months": 3})}
    )
    a = simulate(run, 5).timeseries
    b = ChannelModel(run, 5).run().timeseries
    assert a.equals(b)
