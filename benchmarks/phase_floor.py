"""What one phase compiled with its draws inside gains at M: sourcing, numpy against one call.

Phase 3 (``sim.model.market.source_opportunities``: each link's prospecting coverage, the
vendors' direct teams, customers' choice of vendor, a Poisson count of opportunities per link and
per direct team, a covering rep per partner deal, free rep slots without replacement, each deal's
value and close month) is some 90 numpy calls on M's 3,000 links. Here it is also written as one
loop compiled by numba that draws from the phase's own ``Generator`` in numpy's order
(docs/performance.md, "Draws inside compiled code"), for the plain programme (no levers; the
campaign, registration and recurring steps of the phase come after it and are not part of
either side).

Two models are built from the same scenario and seed, so their states are identical after the
spin-up; each step, the numpy phase runs on one and the compiled one on the other, from the same
stream (``use_stream(3)``), and the bench checks that every deal column, the reps' open deals and
the generator's state agree exactly, then times both (best of 7 per step, microseconds).

    .venv/bin/python benchmarks/phase_floor.py [--steps N] [--scenario FILE]

It is a measurement, not the engine: the model's phase stays numpy. Writes
``benchmarks/out/phase_floor.md`` and ``.json`` and prints the table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from compiled_numbers import numpy_poisson  # noqa: E402  (benchmarks/, on the path above)
from outputs import write_outputs  # noqa: E402

from sim.model import campaigns, kernels, market, recurring, registration  # noqa: E402
from sim.model.allocator import tune_allocator  # noqa: E402
from sim.model.channel_model import ChannelModel  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402


def compile_phase():  # noqa: C901 - one phase, written out as a loop on purpose
    import numba

    poisson = numpy_poisson()  # numpy's draws, PTRS included
    # the model's own compiled passes (sim/model/kernels.py), callable from the loop below
    link_weights = numba.njit(kernels.link_weights.python)
    link_demand = numba.njit(kernels.link_demand.python)

    @numba.njit
    def pairwise_sum(a):  # pragma: no cover - compiled
        """numpy's sum of a short float array (its unrolled pairwise sum, up to 128 values)."""
        n = len(a)
        if n < 8:
            res = 0.0
            for i in range(n):
                res += a[i]
            return res
        r = a[:8].copy()
        i = 8
        while i < n - (n % 8):
            for j in range(8):
                r[j] += a[i + j]
            i += 8
        res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n:
            res += a[i]
            i += 1
        return res

    @numba.njit
    def phase(
        rng, capacity, shares, capability, joined, first_win, active, vendor, floor, month,
        onboard_months, boost, rep_vendor, open_deals, rep_capacity, credit_rate, quota, cycle,
        pull, elasticity, competitors, demand_step, dt, rep_order, rep_counts, rep_bounds,
        median, spread, shape, registration,
    ):  # pragma: no cover - compiled  # fmt: skip
        rows, slots = active.shape
        vendors = len(pull)
        link_w = link_weights(
            capacity, shares, capability, joined, first_win, active, floor, month,
            onboard_months, boost,
        )  # fmt: skip
        coverage = np.zeros(vendors)
        for p in range(rows):
            for s in range(slots):
                coverage[vendor[p, s]] += link_w[p, s]
        team = np.zeros(vendors)
        for r in range(len(rep_vendor)):
            v = rep_vendor[r]
            pressure = min(max(1.0 - credit_rate[r] / quota[v], 0.0), 1.0)
            team[v] += np.floor(rep_capacity[v]) * (1.0 + 1.0 * pressure)
        direct_w = team / cycle
        coverage = coverage + direct_w
        pulls = np.zeros(vendors)
        for v in range(vendors):
            if coverage[v] > 0:
                pulls[v] = pull[v] * coverage[v] ** elasticity
        total = pairwise_sum(pulls) + competitors
        demand = np.zeros(vendors)
        if total > 0:
            for v in range(vendors):
                demand[v] = min(demand_step * pulls[v] / total, coverage[v] * dt)
        lam = link_demand(link_w, vendor, coverage, demand)
        counts = np.zeros(rows * slots, dtype=np.int64)
        for j in range(rows * slots):
            counts[j] = poisson(rng, lam[j])
        direct = np.zeros(vendors, dtype=np.int64)
        for v in range(vendors):
            share = direct_w[v] / coverage[v] if coverage[v] > 0 else 0.0
            direct[v] = poisson(rng, share * demand[v])
        n_p = counts.sum()
        p_link = np.empty(n_p, dtype=np.int64)
        k = 0
        for j in range(rows * slots):
            for _ in range(counts[j]):
                p_link[k] = j
                k += 1
        p_vendor = np.empty(n_p, dtype=np.int64)
        covering = np.full(n_p, -1, dtype=np.int64)
        for i in range(n_p):
            v = vendor[p_link[i] // slots, p_link[i] % slots]
            p_vendor[i] = v
            if rep_counts[v] > 0:
                covering[i] = rep_order[rep_bounds[v] + rng.integers(0, rep_counts[v])]
        # free rep slots, shuffled within each vendor by random keys (numpy's lexsort)
        free_total = 0
        free = np.zeros(len(rep_order), dtype=np.int64)
        for i in range(len(rep_order)):
            r = rep_order[i]
            free[i] = max(int(np.floor(rep_capacity[rep_vendor[r]])) - open_deals[r], 0)
            free_total += free[i]
        slot_rep = np.empty(free_total, dtype=np.int64)
        slot_bounds = np.zeros(vendors + 1, dtype=np.int64)
        k = 0
        for v in range(vendors):
            for i in range(rep_bounds[v], rep_bounds[v + 1]):
                for _ in range(free[i]):
                    slot_rep[k] = rep_order[i]
                    k += 1
            slot_bounds[v + 1] = k
        keys = np.empty(free_total)
        for i in range(free_total):
            keys[i] = rng.random()
        worked = np.zeros(vendors, dtype=np.int64)
        for v in range(vendors):
            wanted = direct[v] if rep_counts[v] > 0 else 0
            worked[v] = min(wanted, slot_bounds[v + 1] - slot_bounds[v])
            direct[v] = wanted
        n_w = worked.sum()
        n_d = direct.sum()
        d_vendor = np.empty(n_d, dtype=np.int64)
        d_rep = np.empty(n_d, dtype=np.int64)
        k = 0
        for v in range(vendors):
            lo, hi = slot_bounds[v], slot_bounds[v + 1]
            order = np.argsort(keys[lo:hi], kind="mergesort")
            for i in range(worked[v]):
                d_vendor[k] = v
                d_rep[k] = slot_rep[lo + order[i]]
                open_deals[d_rep[k]] += 1
                k += 1
        for v in range(vendors):
            for _ in range(direct[v] - worked[v]):
                d_vendor[k] = v
                d_rep[k] = (
                    rep_order[rep_bounds[v] + rng.integers(0, rep_counts[v])]
                    if rep_counts[v] > 0
                    else -1
                )
                k += 1
        n = n_p + n_d
        value = np.empty(n)
        for i in range(n):
            value[i] = median * np.exp(spread * rng.standard_normal())
        close = np.empty(n)
        for i in range(n):
            months = rng.gamma(shape, cycle / shape)
            close[i] = month + max(1.0, np.rint(months / dt)) * dt
        registered = np.zeros(n, dtype=np.bool_)
        for i in range(n_p):
            registered[i] = registration[p_vendor[i]] > 0.5
        return (p_link, p_vendor, covering, d_vendor, d_rep, n_w, value, close, registered,
                link_w, coverage, demand)  # fmt: skip

    return phase


def compiled_deals(phase, model: ChannelModel) -> dict[str, np.ndarray]:
    """The compiled phase on ``model``: its deals as ``market.source_opportunities`` returns them."""
    ps, reps, m = model.partners, model.reps, model.config.market
    groups = reps.groups(model.n_vendors)
    pull = np.exp(m.strength_pull * (model.strength - 0.5))
    out = phase(
        model.rng, ps.capacity, ps.shares, ps.capability, ps.joined, ps.first_win, ps.active,
        ps.vendor, m.untrained_coverage, float(model.month), market.ONBOARDING_MONTHS,
        1.0 + market.ONBOARDING_REACH, reps.vendor, reps.open_deals, model.rep_capacity,
        reps.credit_rate, model.quota, m.sales_cycle_months, pull, m.coverage_elasticity,
        model.competitor_attraction, market.demand_per_step(model), model.dt, groups.order,
        groups.counts, groups.bounds, m.deal_size.median, m.deal_size.spread,
        m.sales_cycle_shape, model.terms.deal_registration,
    )  # fmt: skip
    p_link, p_vendor, covering, d_vendor, d_rep, n_w, value, close, registered = out[:9]
    model.ledger.sourcing = out[9:]
    n_p, n_d = len(p_link), len(d_vendor)
    n = n_p + n_d
    return {
        "vendor": np.concatenate([p_vendor, d_vendor]),
        "value": value,
        "partner": np.concatenate([p_link // model.slots, np.full(n_d, -1)]),
        "slot": np.concatenate([p_link % model.slots, np.full(n_d, -1)]),
        "rep": np.concatenate([covering, d_rep]),
        "rep_works": np.concatenate([np.zeros(n_p, bool), np.arange(n_d) < n_w]),
        "partner_sourced": np.concatenate([np.ones(n_p, bool), np.zeros(n_d, bool)]),
        "cosell": np.zeros(n, bool),
        "stage": np.zeros(n),
        "registered": registered,
        "disputed": np.zeros(n, bool),
        "taken_direct": np.zeros(n, bool),
        "created": np.full(n, model.month),
        "close_month": close,
        "campaign": np.zeros(n, bool),
    }


def _same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> list[str]:
    return [k for k in a if not np.array_equal(a[k], b[k]) or a[k].dtype.kind != b[k].dtype.kind]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="steps compared and timed")
    parser.add_argument("--scenario", type=Path, default=ROOT / "benchmarks/scenarios/m.yaml")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    tune_allocator()
    config = load_scenario(args.scenario).variants["base"]
    seed = np.random.SeedSequence(config.seed, spawn_key=(0,))
    plain, fast = ChannelModel(config, seed), ChannelModel(config, seed)
    phase = compile_phase()
    numpy_us, compiled_us, mismatches = [], [], []
    for step in range(args.steps):
        for model in (plain, fast):  # the phases before sourcing, as a step runs them
            model.ledger = model._new_ledger()
            model.apply_program_events()
            model.allocate_attention()
        open_before = plain.reps.open_deals.copy()
        times: dict[str, list[float]] = {"numpy": [], "compiled": []}
        results: dict[str, Any] = {}
        for _ in range(7):  # each repeat from the same state and stream
            for name, model in (("numpy", plain), ("compiled", fast)):
                model.reps.open_deals[:] = open_before
                model.use_stream(3)
                start = time.perf_counter()
                deals = (market.source_opportunities(model) if name == "numpy"
                         else compiled_deals(phase, model))  # fmt: skip
                times[name].append(time.perf_counter() - start)
                results[name] = (deals, model.reps.open_deals.copy(), model.rng.bit_generator.state)
        (a, open_a, state_a), (b, open_b, state_b) = results["numpy"], results["compiled"]
        differ = _same(a, b) + ([] if np.array_equal(open_a, open_b) else ["open_deals"])
        differ += [] if state_a == state_b else ["generator state"]
        mismatches.append(differ)
        if step > 0:  # the first compiled call includes compiling
            numpy_us.append(min(times["numpy"]) * 1e6)
            compiled_us.append(min(times["compiled"]) * 1e6)
        for model, deals in ((plain, a), (fast, b)):  # the rest of the step, alike on both
            deals = campaigns.add_campaign_deals(model, deals)
            registration.review(model, deals)
            recurring.mark(model, deals)
            model.decide_reps(deals)
            model.book_accounts(model.progress_deals())
            model.learn()
            model.churn_and_recruit()
            model.collect()
            model._advance()
    bad = [(i, d) for i, d in enumerate(mismatches) if d]
    links = plain.partners.vendor.size
    lines = [
        f"Phase 3 (sourcing) on {args.scenario.name}: {links:,} links, {plain.n_vendors} vendors, "
        f"{plain.reps.count} reps; {args.steps} steps, best of 7 each",
        "",
        "| | numpy phase | compiled, draws inside | ratio |",
        "|---|---|---|---|",
        f"| median microseconds per step | {statistics.median(numpy_us):.0f} | "
        f"{statistics.median(compiled_us):.0f} | "
        f"{statistics.median(numpy_us) / statistics.median(compiled_us):.1f}x |",
        "",
        "Deals, reps' open deals and generator state: "
        + ("identical in every step." if not bad else f"DIFFER in steps {bad}."),
    ]
    write_outputs(args.out, "phase_floor", lines, {
        "numpy_us": numpy_us, "compiled_us": compiled_us, "mismatches": mismatches,
        "links": links, "scenario": str(args.scenario),
    })  # fmt: skip


if __name__ == "__main__":
    main()
