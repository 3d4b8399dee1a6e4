"""Per-step metrics (names in docs/reference.md, definitions in docs/model.md §4.11) and run-level
summaries.

Metrics are written into preallocated ``(steps, vendors)`` arrays while a run goes and turned into a
tidy table once at the end. Each metric has a *kind* that says how it aggregates over a run:

- ``flow``: an amount per step (revenue, conflicts); a run's value is the cumulative sum.
- ``stock``: a level at the end of a step (trust, attention share); a run's value is the final one.
- ``rate``: a ratio per step (win rate); a run's value is the mean over the steps where it is defined.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from sim.model import kernels
from sim.scenario.schema import MAX_TIERS

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel
    from sim.model.deal_log import DealHistory

ACTIVE_MONTHS = 6.0
"""A partner is active for a vendor if it won a deal for it in the last 6 months (docs/model.md
§4.11)."""
PRODUCTIVE_MONTHS = 12.0
"""A partner is productive if it won a deal in the last 12 months (runs.csv, docs/reference.md)."""

MetricKind = Literal["flow", "stock", "rate"]


@dataclass(frozen=True)
class Metric:
    name: str
    kind: MetricKind
    unit: str
    label: str


METRIC_LIST: tuple[Metric, ...] = (
    Metric("channel_revenue", "flow", "currency", "Channel revenue (partner-transacted)"),
    Metric("partner_sourced_revenue", "flow", "currency", "Partner-sourced revenue"),
    Metric("co_sell_revenue", "flow", "currency", "Co-sell revenue"),
    Metric("direct_revenue", "flow", "currency", "Direct revenue"),
    Metric("vendor_net_revenue", "flow", "currency", "Vendor net revenue"),
    Metric("partner_profit", "flow", "currency", "Partner profit from the vendor"),
    Metric("attention_share", "stock", "share", "Attention share (capacity-weighted)"),
    Metric("mean_trust", "stock", "0..1", "Mean partner trust"),
    Metric("trust_p10", "stock", "0..1", "Trust, 10th percentile"),
    Metric("mean_capability", "stock", "0..1", "Mean partner capability"),
    Metric("active_partners", "stock", "partners", "Active partners (won in last 6 months)"),
    Metric("conflicts", "flow", "deals", "Channel conflicts (contested deals)"),
    Metric("win_rate", "rate", "share", "Win rate of closed deals"),
    Metric("pipeline_value", "stock", "currency", "Open pipeline value"),
    Metric("total_revenue", "flow", "currency", "Total revenue (channel + direct)"),
    Metric("sales_cost", "flow", "currency", "Direct sales cost (reps and commission)"),
    Metric("program_cost", "flow", "currency", "Partner programme cost"),
    Metric("linked_partners", "stock", "partners", "Linked partners (active lines)"),
    Metric("partner_exits", "flow", "partners", "Partner lines that left"),
    Metric("partner_recruits", "flow", "partners", "Partners recruited"),
    Metric("rep_utilization", "stock", "share", "Rep utilization (open deals / capacity)"),
    Metric("rep_attainment", "rate", "share", "Rep attainment (credit / quota)"),
    Metric("performance_rebates", "flow", "currency", "Performance rebates paid"),
    Metric("registered_deals", "flow", "deals", "Partner-found deals registered"),
    Metric("overrides", "flow", "deals", "Registered deals reps took direct"),
    Metric("mdf_spend", "flow", "currency", "MDF claimed by partners"),
    Metric("mdf_opportunities", "flow", "deals", "Opportunities created by MDF campaigns"),
    Metric("mdf_revenue", "flow", "currency", "Won value of MDF-campaign opportunities"),
    Metric(
        "rebate_attainment",
        "stock",
        "share",
        "Lines that earned the performance rebate (last review)",
    ),
    Metric("tier_promotions", "flow", "partners", "Lines promoted at a tier review"),
    Metric("tier_demotions", "flow", "partners", "Lines demoted at a tier review"),
    Metric("tier_benefits", "flow", "currency", "Tier benefits paid (margin uplift, MDF accrued)"),
    *(
        Metric(f"tier_{k}_{what}", kind, unit, f"{label} tier {k} (lowest = 1)")
        for k in range(1, MAX_TIERS + 1)
        for what, kind, unit, label in (
            ("lines", "stock", "partners", "Lines in"),
            ("revenue", "flow", "currency", "Channel revenue of lines in"),
        )
    ),
    Metric("arr", "stock", "currency", "Annual recurring revenue under contract (ARR)"),
    Metric("renewal_revenue", "flow", "currency", "Renewal bookings (partner and vendor)"),
    Metric("churned_arr", "flow", "currency", "Annual value of contracts that did not renew"),
    Metric("perpetual_conversions", "flow", "deals", "Subscriptions reps turned into licences"),
    Metric("squatted_deals", "flow", "deals", "Registered deals their partner does not work"),
    Metric("referral_revenue", "flow", "currency", "Revenue of deals referral partners referred"),
)
METRICS: tuple[str, ...] = tuple(m.name for m in METRIC_LIST)
METRIC_BY_NAME: dict[str, Metric] = {m.name: m for m in METRIC_LIST}

TIMESERIES_KEYS: tuple[str, ...] = ("variant", "replicate", "step", "month", "vendor")
RUN_COLUMNS: tuple[str, ...] = (
    "channel_revenue",
    "direct_revenue",
    "vendor_net_revenue",
    "conflicts",
    "partners",
    "productive_partners",
    "top_decile_share",
    "gini",
    "win_rate",
    "contested_share",
    "recruit_months_to_first_win",
    "recruit_no_win_first_year",
)


class MetricRecorder:
    """Preallocated per-step, per-vendor metric arrays for one run."""

    def __init__(self, steps: int, vendors: list[str], dt: float) -> None:
        self.vendors = list(vendors)
        self.dt = dt
        self.values: dict[str, np.ndarray] = {
            name: np.full((steps, len(vendors)), np.nan) for name in METRICS
        }
        self.totals: dict[str, np.ndarray] = {}

    def add_counts(self, **counts: np.ndarray) -> None:
        """Accumulate run totals that are not metrics (closed and won deals, contests)."""
        for name, vector in counts.items():
            self.totals[name] = self.totals.get(name, 0.0) + vector

    def record(self, step: int, **metrics: np.ndarray) -> None:
        """Store each metric's per-vendor vector for ``step``."""
        unknown = set(metrics) - set(self.values)
        if unknown:
            raise KeyError(f"unknown metrics {sorted(unknown)}")
        for name, vector in metrics.items():
            self.values[name][step] = vector

    def frame(self) -> pd.DataFrame:
        """Tidy table: one row per step and vendor, columns ``step, month, vendor`` then metrics."""
        steps, n_vendors = next(iter(self.values.values())).shape
        step_index = np.repeat(np.arange(steps), n_vendors)
        data: dict[str, object] = {
            "step": step_index,
            "month": np.round((step_index + 1) * self.dt, 6),
            "vendor": np.tile(np.array(self.vendors, dtype=object), steps),
        }
        for name in METRICS:
            data[name] = self.values[name].reshape(-1)
        return pd.DataFrame(data)


def top_share(values: np.ndarray, top: float = 0.1) -> float:
    """Share of the total held by the top ``top`` fraction of entries (NaN if the total is 0)."""
    values = np.sort(np.asarray(values, dtype=float))[::-1]
    total = values.sum()
    if values.size == 0 or total <= 0:
        return float("nan")
    k = max(1, int(np.ceil(top * values.size)))
    return float(values[:k].sum() / total)


def gini(values: np.ndarray) -> float:
    """Gini coefficient of non-negative ``values`` (0 equal .. 1 one holds all; NaN if total is 0)."""
    values = np.sort(np.asarray(values, dtype=float))
    n = values.size
    total = values.sum()
    if n == 0 or total <= 0:
        return float("nan")
    ranks = np.arange(1, n + 1)
    return float((2 * np.sum(ranks * values) / (n * total)) - (n + 1) / n)


def grouped_percentile(grouped: np.ndarray, counts: np.ndarray, q: float) -> np.ndarray:
    """``np.percentile(group, q)`` of each group, bit for bit, with a third of its overhead.

    Args:
        grouped: values, one group after another (any order within a group).
        counts: size of each group; an empty group gives NaN, as does a group holding a NaN.
        q: percentile, 0..100 (numpy's default ``linear`` method).
    """
    counts = np.asarray(counts, dtype=np.int64)
    starts = np.cumsum(counts) - counts
    filled = counts > 0
    # numpy's linear method: virtual index (n - 1) q, neighbours floor and floor + 1.
    virtual = (np.maximum(counts, 1) - 1) * (q / 100)
    low = np.floor(virtual)
    gamma = virtual - low
    low = low.astype(np.int64)
    high = np.minimum(low + 1, np.maximum(counts, 1) - 1)
    a, b, nan = np.zeros(len(counts)), np.zeros(len(counts)), ~filled
    for g in np.flatnonzero(filled):  # a partial sort (select) per group beats any full sort
        # The last position holds the largest, NaN if there is one (numpy's check too).
        kth = [low[g], high[g], counts[g] - 1]
        part = np.partition(grouped[starts[g] : starts[g] + counts[g]], kth)
        a[g], b[g], nan[g] = part[low[g]], part[high[g]], np.isnan(part[-1])
    diff = b - a  # numpy's _lerp, including its form for gamma >= 0.5
    out = np.where(gamma >= 0.5, b - diff * (1 - gamma), a + diff * gamma)
    out[nan] = np.nan
    return out


@dataclass
class RunOutput:
    """What one run (one variant, one replicate) produces.

    Attributes:
        timeseries: one row per step and vendor; columns ``step, month, vendor`` then ``METRICS``.
        runs: one row per vendor; columns ``vendor`` then ``RUN_COLUMNS``.
        deals: the focus vendor's deal log, when the run kept one (:mod:`sim.model.deal_log`).
    """

    timeseries: pd.DataFrame
    runs: pd.DataFrame
    deals: DealHistory | None = None


def _vendor_totals(model: ChannelModel) -> tuple[np.ndarray, ...]:
    """By vendor: capacity x attention over all links; over active links their count, summed
    trust and capability, and how many won a deal in the last ACTIVE_MONTHS."""
    ps, n = model.partners, model.n_vendors
    v, active = ps.vendor, ps.active
    if kernels.compiled_for(v.size):
        return kernels.vendor_totals(
            v, active, ps.capacity, ps.shares, ps.trust, ps.capability, ps.months_since_win,
            ACTIVE_MONTHS - 1e-9, n,
        )  # fmt: skip
    effort = ps.capacity[:, None] * ps.shares[:, : model.slots]
    linked = v[active]
    recent = active & (ps.months_since_win < ACTIVE_MONTHS - 1e-9)
    return (
        np.bincount(v.reshape(-1), effort.reshape(-1), minlength=n),
        np.bincount(linked, minlength=n),
        np.bincount(linked, ps.trust[active], minlength=n),
        np.bincount(linked, ps.capability[active], minlength=n),
        np.bincount(v[recent], minlength=n),
    )


def record_step(model: ChannelModel) -> None:
    """Phase 9: the per-vendor metrics of docs/model.md §4.11 for this step."""
    # The model's modules (they import Mesa) load with the first run, not with this module,
    # which result folders and analyses import for the metric names alone.
    from sim.model import campaigns, commitment, partnerships, recurring, tiers

    ps, ledger, n = model.partners, model.ledger, model.n_vendors
    v, active = ps.vendor, ps.active
    effort, links, trust_sum, cap_sum, recent = _vendor_totals(model)
    attention = effort / ps.capacity.sum()
    mean_trust = trust_sum / np.maximum(links, 1)
    mean_cap = cap_sum / np.maximum(links, 1)
    order = ps.groups(n).order
    by_vendor = order[active.reshape(-1)[order]]  # active links, grouped by vendor
    p10 = grouped_percentile(ps.trust.reshape(-1)[by_vendor], links, 10.0)
    terms, dt = model.terms, model.dt
    lines_cost = terms.enablement_per_partner_month + terms.partner_management_per_partner_month
    claims = partnerships.mdf_claims(model)
    mdf = np.bincount(v.reshape(-1), claims.reshape(-1), minlength=n)
    kept = campaigns.kept_mdf(model, claims)
    mdf_kept = mdf if kept is claims else np.bincount(v.reshape(-1), kept.reshape(-1), minlength=n)
    rebates_paid = ledger.flow("performance_rebates")
    program_cost = (
        ledger.flow("payouts")
        + rebates_paid
        + (mdf + lines_cost * links) * dt
        + terms.onboarding_cost_per_partner * ledger.flow("recruits")
        + commitment.monthly_cost(model) * dt
    )
    reps = np.bincount(model.reps.vendor, minlength=n)
    sales_cost = (
        reps * np.array([c.rep_cost_per_month for c in model.config.vendors]) * dt
        + terms.commission_rate * ledger.flow("credit")
        + ledger.flow("renewal_cost")
    )
    carrying = np.bincount(
        v.reshape(-1), partnerships.carrying_costs(model).reshape(-1), minlength=n
    )
    onboarding = model.config.partners.onboarding_cost * ledger.flow("recruits")
    closed = ledger.flow("closed")
    pipeline = np.bincount(model.deals["vendor"], model.deals["value"], minlength=n)
    capacity = np.floor(model.rep_capacity) * reps
    open_deals = np.bincount(model.reps.vendor, model.reps.open_deals, minlength=n)
    quota = model.quota * reps * dt
    won = ledger.flow("won_value")
    model.recorder.record(
        model.step_index,
        channel_revenue=ledger.flow("channel_revenue"),
        partner_sourced_revenue=ledger.flow("partner_sourced_revenue"),
        co_sell_revenue=ledger.flow("co_sell_revenue"),
        direct_revenue=ledger.flow("direct_revenue"),
        vendor_net_revenue=won - program_cost - sales_cost,
        partner_profit=ledger.flow("partner_deal_profit")
        + rebates_paid
        + (mdf_kept - carrying) * dt
        - onboarding,
        attention_share=attention,
        mean_trust=np.where(links > 0, mean_trust, np.nan),
        trust_p10=p10,
        mean_capability=np.where(links > 0, mean_cap, np.nan),
        active_partners=recent.astype(float),
        conflicts=ledger.flow("conflicts"),
        win_rate=np.divide(ledger.flow("won"), closed, out=np.full(n, np.nan), where=closed > 0),
        pipeline_value=pipeline,
        total_revenue=won,
        sales_cost=sales_cost,
        program_cost=program_cost,
        linked_partners=links.astype(float),
        partner_exits=ledger.flow("exits"),
        partner_recruits=ledger.flow("recruits"),
        rep_utilization=np.divide(open_deals, capacity, out=np.full(n, np.nan), where=capacity > 0),
        rep_attainment=np.divide(
            ledger.flow("credit"), quota, out=np.full(n, np.nan), where=quota > 0
        ),
        performance_rebates=rebates_paid,
        registered_deals=ledger.flow("registered_deals"),
        overrides=ledger.flow("overrides"),
        mdf_spend=mdf * dt,
        mdf_opportunities=ledger.flow("mdf_opportunities"),
        mdf_revenue=ledger.flow("mdf_revenue"),
        rebate_attainment=model.rebate_attainment.copy(),
        **tiers.step_metrics(model),
        **recurring.step_metrics(model),
        squatted_deals=ledger.flow("squatted_deals"),
        referral_revenue=ledger.flow("referral_revenue"),
    )
    model.recorder.add_counts(
        closed=closed,
        won=ledger.flow("won"),
        contests=ledger.flow("conflicts"),
        partner_sourced=ledger.flow("partner_sourced_found"),
    )


RECRUIT_OBSERVATION_MONTHS = 12.0
"""Recruits are followed for their first 12 months (those signed at least that long before the end)."""


def recruit_first_wins(model: ChannelModel, links: np.ndarray) -> tuple[float, float]:
    """Of a vendor's lines signed after month 0, at least 12 months before the end:
    the share with no win in their first 12 months, and the median months to the first win (NaN
    if no recruit won; lines that never won count as later than any that did)."""
    ps = model.partners
    joined = ps.joined.reshape(-1)[links]
    links = links[np.isfinite(joined)]
    joined = joined[np.isfinite(joined)]
    first = ps.first_win.reshape(-1)[links]
    end = model.clock * model.dt
    mine = (joined > 0) & (joined <= end - RECRUIT_OBSERVATION_MONTHS)
    if not mine.any():
        return float("nan"), float("nan")
    # Signed at the end of the step that started at `joined`; the first win is booked at the end of
    # the step that started at `first_win`, so the months between them are the difference.
    wait = first[mine] - joined[mine]
    wait = np.where(np.isnan(wait), np.inf, wait)
    won = wait <= RECRUIT_OBSERVATION_MONTHS
    no_win = float(np.mean(~won))
    return no_win, float(np.median(wait[won])) if won.any() else float("nan")


def run_summary(model: ChannelModel) -> pd.DataFrame:
    """One row per vendor: cumulative flows, partner counts and revenue concentration."""
    ps, values = model.partners, model.recorder.values
    groups = ps.groups(model.n_vendors)
    active, since_win = ps.active.reshape(-1), ps.months_since_win.reshape(-1)
    rows = []
    for i, name in enumerate(model.vendor_names):
        mine = groups.members(i)  # the vendor's links, in the order of a boolean mask
        linked = active[mine]
        productive = linked & (since_win[mine] < PRODUCTIVE_MONTHS - 1e-9)
        signed = np.isfinite(ps.joined.reshape(-1)[mine])
        revenue = np.r_[ps.revenue.reshape(-1)[mine][signed], model.retired_revenue[i]]
        totals = model.recorder.totals
        closed = float(totals.get("closed", np.zeros(model.n_vendors))[i])
        found = float(totals.get("partner_sourced", np.zeros(model.n_vendors))[i])
        first_win, months = recruit_first_wins(model, mine)
        rows.append(
            {
                "vendor": name,
                "channel_revenue": float(np.nansum(values["channel_revenue"][:, i])),
                "direct_revenue": float(np.nansum(values["direct_revenue"][:, i])),
                "vendor_net_revenue": float(np.nansum(values["vendor_net_revenue"][:, i])),
                "conflicts": float(np.nansum(values["conflicts"][:, i])),
                "partners": int(linked.sum()),
                "productive_partners": int(productive.sum()),
                "top_decile_share": top_share(revenue, 0.1),
                "gini": gini(revenue),
                "win_rate": float(totals["won"][i] / closed) if closed > 0 else float("nan"),
                "contested_share": float(totals["contests"][i] / found)
                if found > 0
                else float("nan"),
                "recruit_months_to_first_win": months,
                "recruit_no_win_first_year": first_win,
            }
        )
    return pd.DataFrame(rows)
