"""``ChannelModel``: vendors, direct reps and multi-vendor partners, one month or week per step.

``ChannelModel.step`` is the schedule of DESIGN.md section 3, one phase per line. State lives in
arrays (:mod:`sim.state`); behaviour rules from the registry (:mod:`sim.behaviours`) turn arrays into
arrays; every random draw comes from ``self.rng``, seeded through ``numpy.random.SeedSequence``.
The equations are documented in ``docs/model.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import mesa
import numpy as np
import pandas as pd

from sim.agents import DirectRep, Partner, Vendor
from sim.behaviours import build
from sim.behaviours.attention import AttentionInputs, step_fraction
from sim.behaviours.capability import CapabilitySignals
from sim.behaviours.deals import DealInputs
from sim.behaviours.trust import TrustSignals
from sim.config import ScenarioConfig
from sim.events import Schedule, VendorTerms
from sim.metrics import MetricRecorder, RunOutput, gini, top_share
from sim.population import draw_portfolios, new_partners
from sim.state import DEAL_FIELDS, DealBook, PartnerState, RepState

ACTIVE_MONTHS = 6.0
"""A partner is active for a vendor if it won a deal for it in the last 6 months (DESIGN.md)."""
PRODUCTIVE_MONTHS = 12.0
"""A partner is productive if it won a deal in the last 12 months (CONTRACT.md, runs.csv)."""
CLOSE_TIME_SHAPE = 4.0
"""Gamma shape of the time from opportunity to close (coefficient of variation 0.5)."""
REP_CREDIT_MEMORY = 1.0 / 3.0
"""Share of the gap closed per month by a rep's smoothed credit rate (about a quarter's memory)."""
WARMUP_CYCLES = 3.0
"""Sales cycles of market activity simulated before month 0, so the pipeline starts full."""


@dataclass
class StepLedger:
    """What happened during one step: flows per vendor and signals per link."""

    vendors: int
    partners: int
    slots: int
    flows: dict[str, np.ndarray] = field(default_factory=dict)
    links: dict[str, np.ndarray] = field(default_factory=dict)
    closed: dict[str, np.ndarray] = field(default_factory=dict)

    def flow(self, name: str) -> np.ndarray:
        if name not in self.flows:
            self.flows[name] = np.zeros(self.vendors)
        return self.flows[name]

    def link(self, name: str) -> np.ndarray:
        if name not in self.links:
            self.links[name] = np.zeros((self.partners, self.slots))
        return self.links[name]

    def add_vendor(self, name: str, vendor: np.ndarray, weights: np.ndarray | None = None) -> None:
        self.flow(name)[:] += np.bincount(vendor, weights, minlength=self.vendors)

    def add_link(
        self, name: str, partner: np.ndarray, slot: np.ndarray, weights: np.ndarray | None = None
    ) -> None:
        index = partner * self.slots + slot
        counts = np.bincount(index, weights, minlength=self.partners * self.slots)
        self.link(name)[:] += counts.reshape(self.partners, self.slots)


class ChannelModel(mesa.Model):
    """Agent-based model of a multi-vendor channel ecosystem.

    Args:
        config: a resolved scenario (one variant).
        seed: a ``SeedSequence`` or integer; the run is a pure function of ``(config, seed)``.
    """

    def __init__(self, config: ScenarioConfig, seed: np.random.SeedSequence | int = 0) -> None:
        super().__init__(rng=np.random.default_rng(seed))
        self.config = config
        self.dt = config.time.dt
        self.vendor_names = [v.name for v in config.vendors]
        self.n_vendors = len(config.vendors)
        self.slots = config.partners.vendors_per_partner
        self.strength = np.array([v.product_strength for v in config.vendors])
        self.rep_capacity = np.array([v.rep_capacity for v in config.vendors])
        self.mean_deal = config.market.deal_size.mean
        self.rules = {
            slot: build(slot, choice.rule, choice.params)
            for slot, choice in config.behaviours.items()
        }
        for slot in ("partner_attention", "trust", "capability", "rep_engagement", "deal_outcome"):
            self.rules.setdefault(slot, build(slot))
        self.attention_rule = self.rules["partner_attention"]
        self.trust_rule = self.rules["trust"]
        self.capability_rule = self.rules["capability"]
        self.rep_rule = self.rules["rep_engagement"]
        self.deal_rule = self.rules["deal_outcome"]

        self.schedule_of_terms = Schedule(config)
        self.terms = self.schedule_of_terms.terms(0.0)
        self.announced = self.schedule_of_terms.announced(0.0)
        self.surprise_loss = np.zeros(self.n_vendors)
        self.surprise_gain = np.zeros(self.n_vendors)

        self.prior_win_rate = self._partner_win_probability(
            self.strength, np.full(self.n_vendors, config.partners.initial_capability)
        )
        self.outside_win_rate = float(
            self._partner_win_probability(
                np.array([0.5]), np.array([config.partners.initial_capability])
            )[0]
        )
        portfolios = draw_portfolios(self.rng, config.partners.count, self.n_vendors, self.slots)
        self.partners: PartnerState = new_partners(
            self.rng, config.partners, portfolios, self.prior_win_rate, self._terms_rate(self.terms)
        )
        self.partners.shares = self.attention_rule.allocate(self._attention_inputs(), initial=True)
        reps_per_vendor = np.array([v.direct_reps for v in config.vendors])
        rep_vendor = np.repeat(np.arange(self.n_vendors), reps_per_vendor)
        self.reps = RepState(
            vendor=rep_vendor,
            open_deals=np.zeros(len(rep_vendor), dtype=np.int64),
            credit_rate=np.array([v.comp_plan.quota_per_rep_month for v in config.vendors])[
                rep_vendor
            ],
        )
        self.deals = DealBook()
        self.competitor_weight = self._initial_competitor_weight()
        self.recorder = MetricRecorder(config.time.steps, self.vendor_names, self.dt)
        self.ledger = StepLedger(self.n_vendors, self.partners.count, self.slots)
        self.clock = 0
        self.warm_up()
        # Re-fix competitors against the warmed-up market (reps now hold open deals), so they
        # win `competitor_share` of demand at month 0.
        self.competitor_weight = self._initial_competitor_weight()

        self.vendor_agents = [Vendor(self, i) for i in range(self.n_vendors)]
        self.rep_agents = [DirectRep(self, i) for i in range(self.reps.count)]
        self.partner_agents = [Partner(self, i) for i in range(self.partners.count)]

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """One month or week, DESIGN.md section 3."""
        self.ledger = StepLedger(self.n_vendors, self.partners.count, self.slots)
        self.apply_program_events()
        self.allocate_attention()
        new_deals = self.source_opportunities()
        self.decide_reps(new_deals)
        closed = self.progress_deals()
        self.book_accounts(closed)
        self.learn()
        self.churn_and_recruit()
        self.collect()
        self.clock += 1

    def warm_up(self) -> None:
        """Fill the pipeline and rep credit before month 0 under the starting terms.

        Deals are found, decided and closed for ``WARMUP_CYCLES`` sales cycles of negative time;
        partners do not learn and nothing is recorded, so month 0 starts in a steady market instead
        of an empty one.
        """
        steps = int(np.ceil(WARMUP_CYCLES * self.config.market.sales_cycle_months / self.dt))
        for self.clock in range(-steps, 0):
            self.ledger = StepLedger(self.n_vendors, self.partners.count, self.slots)
            self.decide_reps(self.source_opportunities())
            self.book_accounts(self.progress_deals())
            self._note_wins()
        self.clock = 0

    def run(self) -> RunOutput:
        """Run every step of the horizon and return the metrics."""
        for _ in range(self.config.time.steps):
            self.step()
        return RunOutput(self.recorder.frame(), self.run_summary())

    # ------------------------------------------------------------------ helpers
    @property
    def step_index(self) -> int:
        """0-based index of the current step; negative during the warm-up before month 0."""
        return self.clock

    @property
    def month(self) -> float:
        """Month at the start of the current step."""
        return self.step_index * self.dt

    def _terms_rate(self, terms: VendorTerms) -> np.ndarray:
        return terms.margin + terms.rebate

    def _partner_win_probability(self, strength: np.ndarray, capability: np.ndarray) -> np.ndarray:
        """Win probability of an undisputed deal a partner found alone."""
        n = len(strength)
        return self.deal_rule.win_probability(
            DealInputs(
                strength=strength,
                partner_capability=capability,
                influence=np.ones(n),
                has_rep=np.zeros(n, dtype=bool),
                disputed=np.zeros(n, dtype=bool),
            )
        )

    def _attention_inputs(self) -> AttentionInputs:
        """Expected profit per deal worked (fraction of the mean deal) and the other utility terms."""
        ps, cfg, terms = self.partners, self.config.partners, self.terms
        v = ps.vendor
        services = cfg.services_attach * cfg.services_margin
        effort = cfg.effort_cost_per_deal / self.mean_deal
        mdf_per_deal = terms.mdf_per_partner_month[v] / ps.capacity[:, None] / self.mean_deal
        profit = (
            ps.win_rate * (terms.margin[v] + terms.rebate[v] + services)
            + ps.win_rate * terms.spiff_per_deal[v] / self.mean_deal
            + mdf_per_deal
            - effort
        )
        outside = np.full(
            ps.count, self.outside_win_rate * (cfg.outside_margin + services) - effort
        )
        return AttentionInputs(
            profit=profit,
            trust=ps.trust,
            capability=ps.capability,
            conflict=ps.conflict_memory,
            active=ps.active,
            outside_profit=outside,
            outside_trust=cfg.initial_trust,
            outside_capability=cfg.initial_capability,
            shares=ps.shares,
            dt=self.dt,
        )

    def _link_weights(self) -> np.ndarray:
        """Prospecting coverage of each link: capacity x attention x capability factor x strength."""
        ps = self.partners
        floor = self.config.market.untrained_coverage
        weight = (
            ps.capacity[:, None]
            * ps.shares[:, : self.slots]
            * (floor + (1.0 - floor) * ps.capability)
            * self.strength[ps.vendor]
        )
        return np.where(ps.active, weight, 0.0)

    def _free_rep_slots(self) -> np.ndarray:
        """Whole deals each rep can still take on (capacity is rounded down)."""
        capacity = np.floor(self.rep_capacity[self.reps.vendor])
        return np.maximum(capacity - self.reps.open_deals, 0.0)

    def _direct_weights(self) -> np.ndarray:
        """Prospecting coverage of each vendor's direct team: free deal slots per month x strength."""
        free = np.bincount(self.reps.vendor, self._free_rep_slots(), minlength=self.n_vendors)
        return free / self.config.market.sales_cycle_months * self.strength

    def _initial_competitor_weight(self) -> float:
        """Outside competitors' coverage, fixed so they win ``competitor_share`` of demand at start."""
        inside = self._link_weights().sum() + self._direct_weights().sum()
        share = self.config.market.competitor_share
        return share / (1.0 - share) * inside if inside > 0 else share

    def _draw_deal_values(self, n: int) -> np.ndarray:
        size = self.config.market.deal_size
        return size.median * np.exp(size.spread * self.rng.standard_normal(n))

    def _draw_close_steps(self, n: int) -> np.ndarray:
        cycle = self.config.market.sales_cycle_months
        months = self.rng.gamma(CLOSE_TIME_SHAPE, cycle / CLOSE_TIME_SHAPE, n)
        return self.step_index + np.maximum(1, np.round(months / self.dt)).astype(np.int64)

    # ------------------------------------------------------------------ phases
    def apply_program_events(self) -> None:
        """Phase 1: terms in force this step, and the trust surprise of what moved since the last."""
        now, before = self.month, self.month - self.dt
        self.terms = self.schedule_of_terms.terms(now)
        self.announced = self.schedule_of_terms.announced(now)
        self.surprise_loss = np.zeros(self.n_vendors)
        self.surprise_gain = np.zeros(self.n_vendors)
        for change, moved in self.schedule_of_terms.moves(before, now):
            if change.favourable == 0:
                continue
            total = self.trust_rule.surprise(
                np.array([change.relative_size]),
                np.array([change.ramp]),
                np.array([change.notice]),
                np.array([self.terms.communication[change.vendor]]),
            )[0]
            target = self.surprise_gain if change.favourable > 0 else self.surprise_loss
            target[change.vendor] += total * moved

    def allocate_attention(self) -> None:
        """Phase 2: partners move their attention toward the softmax of vendor utilities."""
        self.partners.shares = self.attention_rule.allocate(self._attention_inputs())

    def source_opportunities(self) -> dict[str, np.ndarray]:
        """Phase 3: Poisson demand split by coverage among partner links, direct teams, competitors."""
        ps, slots = self.partners, self.slots
        link_w = self._link_weights()
        direct_w = self._direct_weights()
        total = link_w.sum() + direct_w.sum() + self.competitor_weight
        # With no competitors and no seller free to take a deal, the month's demand is lost.
        demand = self.config.market.opportunities_per_month * self.dt if total > 0 else 0.0
        total = total if total > 0 else 1.0
        # Splitting a Poisson total by weights gives independent Poisson counts per seller.
        link_counts = self.rng.poisson(demand * link_w.reshape(-1) / total)
        direct_counts = self.rng.poisson(demand * direct_w / total)

        flat = np.repeat(np.arange(link_counts.size), link_counts)
        p_partner, p_slot = flat // slots, flat % slots
        p_vendor = ps.vendor[p_partner, p_slot]
        covering = self._covering_reps(p_vendor)

        d_vendor, d_rep = self._assign_direct(direct_counts)
        n_p, n_d = len(p_vendor), len(d_vendor)
        vendor = np.concatenate([p_vendor, d_vendor])
        return {
            "vendor": vendor,
            "value": self._draw_deal_values(n_p + n_d),
            "partner": np.concatenate([p_partner, np.full(n_d, -1)]),
            "slot": np.concatenate([p_slot, np.full(n_d, -1)]),
            "rep": np.concatenate([covering, d_rep]),
            "rep_works": np.concatenate([np.zeros(n_p, bool), np.ones(n_d, bool)]),
            "partner_sourced": np.concatenate([np.ones(n_p, bool), np.zeros(n_d, bool)]),
            "cosell": np.zeros(n_p + n_d, bool),
            "stage": np.zeros(n_p + n_d),
            "registered": np.concatenate(
                [self.terms.deal_registration[p_vendor] > 0.5, np.zeros(n_d, bool)]
            ),
            "disputed": np.zeros(n_p + n_d, bool),
            "taken_direct": np.zeros(n_p + n_d, bool),
            "close_step": self._draw_close_steps(n_p + n_d),
        }

    def _covering_reps(self, vendor: np.ndarray) -> np.ndarray:
        """A rep of each deal's vendor, uniformly at random (-1 if the vendor has none)."""
        out = np.full(len(vendor), -1, dtype=np.int64)
        for v in np.unique(vendor):
            reps = np.flatnonzero(self.reps.vendor == v)
            if len(reps):
                rows = vendor == v
                out[rows] = reps[self.rng.integers(len(reps), size=int(rows.sum()))]
        return out

    def _assign_direct(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Give rep-found deals to free rep slots, without replacement; deals beyond them are lost."""
        free = self._free_rep_slots().astype(np.int64)
        vendors, reps = [], []
        for v in np.flatnonzero(counts):
            mine = np.flatnonzero(self.reps.vendor == v)
            slots = np.repeat(mine, free[mine])
            n = min(int(counts[v]), len(slots))
            vendors.append(np.full(n, v))
            reps.append(self.rng.choice(slots, size=n, replace=False))
        vendor = np.concatenate(vendors) if vendors else np.empty(0, dtype=np.int64)
        rep = np.concatenate(reps) if reps else np.empty(0, dtype=np.int64)
        np.add.at(self.reps.open_deals, rep, 1)
        return vendor.astype(np.int64), rep.astype(np.int64)

    def decide_reps(self, deals: dict[str, np.ndarray]) -> None:
        """Phase 4: reps bring partners into deals they found, and contest deals partners found."""
        terms, ledger = self.terms, self.ledger
        vendor = deals["vendor"]
        vendor_found = ~deals["partner_sourced"] & (deals["rep"] >= 0)
        p_cosell = self.rep_rule.cosell_probability(
            terms.partner_assisted_credit[vendor], terms.direct_credit[vendor]
        )
        invite = vendor_found & (self.rng.random(len(vendor)) < p_cosell)
        chosen = self._pick_links(vendor[invite])
        ok = chosen >= 0
        rows = np.flatnonzero(invite)[ok]
        deals["partner"][rows] = chosen[ok] // self.slots
        deals["slot"][rows] = chosen[ok] % self.slots
        deals["cosell"][rows] = True
        deals["stage"][rows] = terms.partner_join_stage[vendor[rows]]
        ledger.add_link("invitations", deals["partner"][rows], deals["slot"][rows])
        ledger.add_link(
            "invitation_stage_sum",
            deals["partner"][rows],
            deals["slot"][rows],
            deals["stage"][rows],
        )

        partner_found = deals["partner_sourced"] & (deals["rep"] >= 0)
        rep = deals["rep"]
        quota = terms.quota_per_rep_month[vendor]
        credit = np.zeros(len(rep))
        credit[rep >= 0] = self.reps.credit_rate[rep[rep >= 0]]
        pressure = np.where(rep >= 0, np.clip(1.0 - credit / quota, 0.0, 1.0), 0.0)
        p_contest = self.rep_rule.contest_probability(
            terms.direct_credit[vendor],
            terms.partner_sourced_credit[vendor],
            pressure,
            deals["registered"],
        )
        contested = partner_found & (self.rng.random(len(vendor)) < p_contest)
        p_take = self.rep_rule.takeover_probability(deals["registered"])
        taken = contested & (self.rng.random(len(vendor)) < p_take)
        deals["taken_direct"] |= taken
        deals["rep_works"] |= taken
        deals["disputed"] |= contested & ~taken
        np.add.at(self.reps.open_deals, rep[taken], 1)
        ledger.add_vendor("conflicts", vendor[contested])
        ledger.add_link("conflicts_lost", deals["partner"][taken], deals["slot"][taken])
        kept = contested & ~taken
        ledger.add_link("conflicts_kept", deals["partner"][kept], deals["slot"][kept])
        self.deals.add(deals)

    def _pick_links(self, vendor: np.ndarray) -> np.ndarray:
        """For each deal, a link (flat index) of its vendor in proportion to coverage; -1 if none."""
        out = np.full(len(vendor), -1, dtype=np.int64)
        if len(vendor) == 0:
            return out
        weights = self._link_weights().reshape(-1)
        link_vendor = self.partners.vendor.reshape(-1)
        for v in np.unique(vendor):
            links = np.flatnonzero((link_vendor == v) & (weights > 0))
            if len(links) == 0:
                continue
            rows = vendor == v
            cumulative = np.cumsum(weights[links])
            draws = self.rng.random(int(rows.sum())) * cumulative[-1]
            out[rows] = links[
                np.minimum(np.searchsorted(cumulative, draws, side="right"), len(links) - 1)
            ]
        return out

    def progress_deals(self) -> dict[str, np.ndarray]:
        """Phase 5: deals due this step close, won with the deal rule's probability."""
        due = self.deals["close_step"] <= self.step_index
        closed = self.deals.take(due)
        partner = closed["partner"]
        involved = (partner >= 0) & ~closed["taken_direct"]
        capability = np.where(
            involved,
            self.partners.capability[np.maximum(partner, 0), np.maximum(closed["slot"], 0)],
            0.0,
        )
        influence = np.where(involved, 1.0 - closed["stage"], 0.0)
        inputs = DealInputs(
            strength=self.strength[closed["vendor"]],
            partner_capability=capability,
            influence=influence,
            has_rep=closed["rep_works"] | closed["cosell"],
            disputed=closed["disputed"],
        )
        closed["won"] = self.rng.random(len(partner)) < self.deal_rule.win_probability(inputs)
        closed["involved"] = involved
        closed["influence"] = influence
        closed["services_share"] = self.deal_rule.services_share(inputs)
        working = closed["rep"][closed["rep_works"]]
        np.subtract.at(self.reps.open_deals, working, 1)
        return closed

    def book_accounts(self, closed: dict[str, np.ndarray]) -> None:
        """Phase 6: revenue, partner payouts and profit, vendor net revenue and rep credit."""
        terms, cfg, ledger = self.terms, self.config.partners, self.ledger
        v, value, won, involved = (
            closed["vendor"],
            closed["value"],
            closed["won"],
            closed["involved"],
        )
        revenue = value * won
        channel = involved & won
        ledger.add_vendor("won_value", v, revenue)
        ledger.add_vendor("channel_revenue", v, revenue * involved)
        ledger.add_vendor(
            "partner_sourced_revenue", v, revenue * (involved & closed["partner_sourced"])
        )
        ledger.add_vendor("co_sell_revenue", v, revenue * (involved & closed["cosell"]))
        ledger.add_vendor("direct_revenue", v, revenue * ~involved)
        ledger.add_vendor("closed", v)
        ledger.add_vendor("won", v, won.astype(float))

        payout = channel * (value * (terms.margin[v] + terms.rebate[v]) + terms.spiff_per_deal[v])
        services = (
            channel * value * cfg.services_attach * cfg.services_margin * closed["services_share"]
        )
        effort = involved * cfg.effort_cost_per_deal
        ledger.add_vendor("payouts", v, payout)
        ledger.add_vendor("partner_deal_profit", v, payout + services - effort)

        p, s = closed["partner"][involved], closed["slot"][involved]
        ledger.add_link("closed", p, s)
        ledger.add_link("wins", p, s, won[involved].astype(float))
        ledger.add_link("revenue", p, s, revenue[involved])
        ledger.add_link("deals_worked", p, s, closed["influence"][involved])

        credit_rate = np.select(
            [closed["cosell"], closed["partner_sourced"] & ~closed["taken_direct"]],
            [terms.partner_assisted_credit[v], terms.partner_sourced_credit[v]],
            default=terms.direct_credit[v],
        )
        has_rep = closed["rep"] >= 0
        credit = np.bincount(
            closed["rep"][has_rep], (revenue * credit_rate)[has_rep], minlength=self.reps.count
        )
        memory = step_fraction(REP_CREDIT_MEMORY, self.dt)
        self.reps.credit_rate += memory * (credit / self.dt - self.reps.credit_rate)

    def learn(self) -> None:
        """Phase 7: learned win rates, expectations, conflict memory, trust and capability."""
        ps, cfg, ledger = self.partners, self.config.partners, self.ledger
        closed, wins = ledger.link("closed"), ledger.link("wins")
        weight = 1.0 - (1.0 - cfg.win_rate_learning) ** closed
        ps.win_rate += weight * (
            np.divide(wins, closed, out=ps.win_rate.copy(), where=closed > 0) - ps.win_rate
        )
        ps.revenue += ledger.link("revenue")
        self._note_wins()

        current = self._terms_rate(self.terms)[ps.vendor]
        shortfall = np.clip(
            (ps.expected_terms - current) / np.maximum(ps.expected_terms, 1e-9), 0, 1
        )
        follow = 1.0 - np.exp(-self.dt / cfg.expectation_months)
        ps.expected_terms += follow * (
            self._terms_rate(self.announced)[ps.vendor] - ps.expected_terms
        )
        forget = np.exp(-self.dt / cfg.conflict_memory_months)
        ps.conflict_memory = ps.conflict_memory * forget + ledger.link("conflicts_lost")

        signals = TrustSignals(
            wins=wins,
            conflicts_lost=ledger.link("conflicts_lost"),
            conflicts_kept=ledger.link("conflicts_kept"),
            invitations=ledger.link("invitations"),
            invitation_stage_sum=ledger.link("invitation_stage_sum"),
            communication=self.terms.communication[ps.vendor],
            profit_shortfall=shortfall,
            surprise_loss=self.surprise_loss[ps.vendor],
            surprise_gain=self.surprise_gain[ps.vendor],
            anchor=ps.trust_anchor,
            dt=self.dt,
        )
        ps.trust = np.where(ps.active, self.trust_rule.update(ps.trust, signals), ps.trust)
        capability = CapabilitySignals(
            enablement=self.terms.enablement_per_partner_month[ps.vendor],
            attention=ps.shares[:, : self.slots],
            deals_worked=ledger.link("deals_worked"),
            dt=self.dt,
        )
        ps.capability = np.where(
            ps.active, self.capability_rule.update(ps.capability, capability), ps.capability
        )

    def _note_wins(self) -> None:
        ps = self.partners
        ps.months_since_win = np.where(self.ledger.link("wins") > 0, 0.0, ps.months_since_win + self.dt)

    def churn_and_recruit(self) -> None:
        """Phase 8: links with trust below the exit level for long enough exit; vendors recruit."""
        ps, cfg = self.partners, self.config.partners
        low = ps.active & (ps.trust < cfg.exit_trust)
        ps.months_low_trust = np.where(low, ps.months_low_trust + self.dt, 0.0)
        exits = low & (ps.months_low_trust >= cfg.exit_months - 1e-9)
        if exits.any():
            ps.active = ps.active & ~exits
            freed = np.where(exits, ps.shares[:, : self.slots], 0.0).sum(axis=1)
            ps.shares[:, : self.slots][exits] = 0.0
            ps.shares[:, self.slots] += freed
        self._recruit()

    def _recruit(self) -> None:
        counts = self.rng.poisson(self.terms.recruit_per_month * self.dt)
        if counts.sum() == 0:
            return
        portfolios = np.concatenate(
            [
                draw_portfolios(self.rng, int(n), self.n_vendors, self.slots, include=v)
                for v, n in enumerate(counts)
                if n > 0
            ]
        )
        recruits = new_partners(
            self.rng,
            self.config.partners,
            portfolios,
            self.prior_win_rate,
            self._terms_rate(self.announced),
        )
        first = self.partners.count
        self.partners.append(recruits)
        # A recruit plans its attention like the founding partners did: the rule's target.
        target = self.attention_rule.allocate(self._attention_inputs(), initial=True)
        self.partners.shares[first:] = target[first:]
        self.partner_agents += [Partner(self, i) for i in range(first, self.partners.count)]

    def collect(self) -> None:
        """Phase 9: per-vendor metrics of DESIGN.md section 6 for this step."""
        ps, ledger, n = self.partners, self.ledger, self.n_vendors
        v, active = ps.vendor, ps.active
        cap_share = ps.capacity[:, None] * ps.shares[:, : self.slots]
        attention = (
            np.bincount(v.reshape(-1), cap_share.reshape(-1), minlength=n) / ps.capacity.sum()
        )
        links = np.bincount(v[active], minlength=n)
        mean_trust = np.bincount(v[active], ps.trust[active], minlength=n) / np.maximum(links, 1)
        mean_cap = np.bincount(v[active], ps.capability[active], minlength=n) / np.maximum(links, 1)
        p10 = np.array(
            [
                np.percentile(ps.trust[active & (v == i)], 10) if links[i] else np.nan
                for i in range(n)
            ]
        )
        recent = active & (ps.months_since_win < ACTIVE_MONTHS - 1e-9)
        program_spend = (
            (self.terms.mdf_per_partner_month + self.terms.enablement_per_partner_month)
            * links
            * self.dt
        )
        closed = ledger.flow("closed")
        pipeline = np.bincount(self.deals["vendor"], self.deals["value"], minlength=n)
        self.recorder.record(
            self.step_index,
            channel_revenue=ledger.flow("channel_revenue"),
            partner_sourced_revenue=ledger.flow("partner_sourced_revenue"),
            co_sell_revenue=ledger.flow("co_sell_revenue"),
            direct_revenue=ledger.flow("direct_revenue"),
            vendor_net_revenue=ledger.flow("won_value") - ledger.flow("payouts") - program_spend,
            partner_profit=ledger.flow("partner_deal_profit")
            + self.terms.mdf_per_partner_month * links * self.dt,
            attention_share=attention,
            mean_trust=np.where(links > 0, mean_trust, np.nan),
            trust_p10=p10,
            mean_capability=np.where(links > 0, mean_cap, np.nan),
            active_partners=np.bincount(v[recent], minlength=n).astype(float),
            conflicts=ledger.flow("conflicts"),
            win_rate=np.divide(
                ledger.flow("won"), closed, out=np.full(n, np.nan), where=closed > 0
            ),
            pipeline_value=pipeline,
        )

    # ------------------------------------------------------------------ run summary
    def run_summary(self) -> pd.DataFrame:
        """One row per vendor: cumulative flows, partner counts and revenue concentration."""
        ps, values = self.partners, self.recorder.values
        rows = []
        for i, name in enumerate(self.vendor_names):
            mine = ps.vendor == i
            linked = mine & ps.active
            productive = linked & (ps.months_since_win < PRODUCTIVE_MONTHS - 1e-9)
            revenue = ps.revenue[mine]
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
                }
            )
        return pd.DataFrame(rows)


def simulate(config: ScenarioConfig, seed: np.random.SeedSequence | int) -> RunOutput:
    """Run one replicate of ``config`` from ``seed``: a pure function of its arguments."""
    return ChannelModel(config, seed).run()


__all__ = ["DEAL_FIELDS", "ChannelModel", "simulate"]
