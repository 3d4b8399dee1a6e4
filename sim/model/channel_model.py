"""``ChannelModel``: vendors, direct reps and multi-vendor partners, one month or week per step.

``ChannelModel.step`` is the schedule of docs/model.md §3, one phase per line. State lives in arrays
(:mod:`sim.model.state`); behaviour rules from the registry (:mod:`sim.behaviours`) turn arrays into
arrays; every random draw comes from ``self.rng``, seeded through ``numpy.random.SeedSequence``. The
behaviour phases run in one of two engines (:mod:`sim.model.engines`): on arrays (``population``) or
agent by agent (``per-agent``). The equations are documented in ``docs/model.md``.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.behaviours import SLOTS, build
from sim.behaviours.attention import AttentionInputs
from sim.behaviours.capability import CapabilitySignals
from sim.behaviours.deals import DealInputs
from sim.behaviours.numerics import power
from sim.behaviours.trust import TrustSignals
from sim.model import (
    campaigns,
    market,
    metrics,
    outlook,
    partnerships,
    rebates,
    recurring,
    registration,
    tiers,
)
from sim.model.agents import DirectRep, Partner, Vendor
from sim.model.allocator import tune_allocator
from sim.model.deal_log import DealLog
from sim.model.engines import make_engine
from sim.model.events import Schedule, VendorTerms, surprises
from sim.model.ledger import StepLedger
from sim.model.metrics import MetricRecorder, RunOutput
from sim.model.population import draw_portfolios, new_partners
from sim.model.state import DealBook, DropLog, PartnerState, RepState
from sim.scenario.schema import ScenarioConfig

WARMUP_CYCLES = 3.0
"""Without a spin-up: sales cycles of deal flow simulated before month 0, so the pipeline starts
full."""
STREAM_TAG = 1_000_003
"""Marks the per-step random streams' spawn keys (:meth:`ChannelModel.use_stream`), so they cannot
coincide with a seed a runner derives (``spawn_key=(r,)``, ``(block, r)``)."""
SPIN_UP_STEP_MONTHS = 3.0
"""Step length of the spin-up before its last FINE_SPIN_UP_MONTHS (never finer than the run's)."""
FINE_SPIN_UP_MONTHS = 12.0
"""Months at the end of the spin-up run at the scenario's own step."""


class ChannelModel(mesa.Model):
    """Agent-based model of a multi-vendor channel ecosystem.

    Args:
        config: a resolved scenario (one variant).
        seed: a ``SeedSequence`` or integer; the run is a pure function of ``(config, seed)``.
        engine: ``"population"`` (rules decide for all agents at once, on arrays) or
            ``"per-agent"`` (each agent decides through its AgentSet); see :mod:`sim.model.engines`.
        record_deals: keep the focus vendor's deal log (:mod:`sim.model.deal_log`; no draws).
    """

    def __init__(
        self,
        config: ScenarioConfig,
        seed: np.random.SeedSequence | int = 0,
        engine: str = "population",
        record_deals: bool = False,
    ) -> None:
        self.seed_sequence = (
            seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
        )
        super().__init__(rng=np.random.default_rng(self.seed_sequence))
        self.tick = 0
        self.engine = make_engine(engine)
        self.config = config
        self.dt = config.time.dt
        # The clock starts where the spin-up does (:meth:`spin_up` sets it step by step).
        self.clock, self._month = -1, -config.time.spin_up_months
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
        for slot in SLOTS:  # slots a config built in code leaves out take their default rule
            self.rules.setdefault(slot, build(slot))
        self.attention_rule = self.rules["partner_attention"]
        self.trust_rule = self.rules["trust"]
        self.capability_rule = self.rules["capability"]
        self.rep_rule = self.rules["rep_engagement"]
        self.deal_rule = self.rules["deal_outcome"]

        self.schedule_of_terms = Schedule(config)
        self.terms = self.schedule_of_terms.terms(0.0)
        self.announced = self.schedule_of_terms.announced(0.0)
        self.rebate_programme = rebates.offered(self.schedule_of_terms)
        self.tiered = tiers.offered(config)
        self.recurring = recurring.offered(self.schedule_of_terms)
        self.contracts = recurring.Contracts()
        self.rebate_attainment = np.full(self.n_vendors, np.nan)
        self.surprise_loss = np.zeros(self.n_vendors)
        self.surprise_gain = np.zeros(self.n_vendors)

        self.quota = np.array([v.comp_plan.quota_per_rep_month for v in config.vendors], float)
        self.quota_factor = np.ones(self.n_vendors)
        self.prior_win_rate = self.partner_win_probability(
            self.strength, np.full(self.n_vendors, config.partners.initial_capability)
        )
        self.recruit_win_rate = self.partner_win_probability(
            self.strength, np.full(self.n_vendors, config.partners.recruit_capability)
        )
        portfolios = draw_portfolios(self.rng, config.partners.count, self.n_vendors, self.slots)
        self.partners: PartnerState = new_partners(
            self.rng,
            config.partners,
            portfolios,
            self.prior_win_rate,
            self.terms_rate(self.terms),
            month=-config.time.spin_up_months,
        )
        if config.time.spin_up_months > 0:
            # Founding lines of an established ecosystem were signed over the agreement period
            # before the spin-up, so their renewals are spread over the year, not in one step (a
            # launch, with no spin-up, signs them all at month 0).
            spread = self.rng.random(portfolios.shape) * config.partners.renewal_months
            self.partners.joined -= spread
        self.line_target = np.bincount(portfolios.reshape(-1), minlength=self.n_vendors)
        self.drops = DropLog()  # lines ended lately, for the resign cool-off
        self.retired_revenue: list[list[float]] = [[] for _ in range(self.n_vendors)]
        self.deal_flow = np.ones(self.n_vendors)
        self.start_terms = float(outlook.market_terms(self))
        self.outside_shift = 0.0
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
        focus = self.vendor_names.index(config.focus) if config.focus else 0
        self.deal_log = DealLog(focus) if record_deals else None
        self.vendor_agents = [Vendor(self, i) for i in range(self.n_vendors)]
        self.rep_agents = [DirectRep(self, i) for i in range(self.reps.count)]
        self.partner_agents = [Partner(self, i) for i in range(self.partners.count)]
        self.partners.shares = self.engine.allocate_attention(
            self, self.attention_inputs(), initial=True
        )
        self.competitor_attraction = market.competitor_attraction(self)
        self.recorder = MetricRecorder(config.time.steps, self.vendor_names, self.dt)
        self.spin_up()

    # ------------------------------------------------------------------ schedule
    def step(self) -> None:
        """One month or week, docs/model.md §3."""
        self.ledger = self._new_ledger()
        self.apply_program_events()
        self.allocate_attention()
        new_deals = self.source_opportunities()
        self.decide_reps(new_deals)
        closed = self.progress_deals()
        self.book_accounts(closed)
        self.learn()
        self.churn_and_recruit()
        self.collect()
        self._advance()

    def spin_up(self) -> None:
        """Run the schedule under the starting terms before month 0, so month 0 is its steady state.

        ``time.spin_up_months`` of full steps (every phase but collect) at negative months: the
        pipeline fills, reps reach their usual workload, partners learn, lines exit and are
        replaced. All but the last ``FINE_SPIN_UP_MONTHS`` run in steps of ``SPIN_UP_STEP_MONTHS``
        (every rate is per month, so a coarse step relaxes the slow variables at the same speed per
        month for a fraction of the work); the last months run at the scenario's own step, so the
        fast variables settle at it. Competitors' attraction is re-fixed every step so that they
        hold ``competitor_share`` of demand, and frozen at month 0. Link revenue restarts at month
        0. Without a spin-up the pipeline is still filled (sales cycles of deal flow, no learning).
        """
        months = self.config.time.spin_up_months
        step = self.dt
        fine = min(months, FINE_SPIN_UP_MONTHS)
        coarse_dt = max(step, SPIN_UP_STEP_MONTHS)
        coarse_steps = int(np.floor((months - fine) / coarse_dt + 1e-9))
        fine_steps = int(round((months - coarse_steps * coarse_dt) / step))
        self._month = -(coarse_steps * coarse_dt + fine_steps * step)
        self.clock = -(coarse_steps + fine_steps)
        for dt, steps in ((coarse_dt, coarse_steps), (step, fine_steps)):
            self.dt = dt
            for _ in range(steps):
                self._spin_step()
        self.dt = step
        if coarse_steps + fine_steps == 0:
            fill = int(np.ceil(WARMUP_CYCLES * self.config.market.sales_cycle_months / self.dt))
            self._month, self.clock = -fill * step, -fill
            for _ in range(fill):
                self.ledger = self._new_ledger()
                self.decide_reps(self.source_opportunities())
                self.book_accounts(self.progress_deals())
                self._note_wins()
                self.competitor_attraction = market.competitor_attraction(self)
                self._advance()
        self.clock, self._month = 0, 0.0
        self.partners.revenue[:] = 0.0
        self.retired_revenue = [[] for _ in range(self.n_vendors)]

    def _spin_step(self) -> None:
        self.ledger = self._new_ledger()
        self.apply_program_events()
        self.allocate_attention()
        new_deals = self.source_opportunities()
        self.decide_reps(new_deals)
        self.book_accounts(self.progress_deals())
        self.learn()
        self.churn_and_recruit()
        self.competitor_attraction = market.competitor_attraction(self)
        self._advance()

    def _advance(self) -> None:
        self.clock += 1
        self._month += self.dt
        self.tick += 1

    def use_stream(self, phase: int) -> None:
        """Draw the rest of this phase from its own stream: one per (step, phase), derived from the
        run's seed, so two variants' draws stay aligned step by step even after their histories
        differ (common random numbers are synchronised, not only started together)."""
        base = self.seed_sequence
        key = (*base.spawn_key, STREAM_TAG, self.tick, phase)
        self.rng = np.random.default_rng(np.random.SeedSequence(base.entropy, spawn_key=key))

    def run(self) -> RunOutput:
        """Run every step of the horizon and return the metrics."""
        for _ in range(self.config.time.steps):
            self.step()
        log = None if self.deal_log is None else self.deal_log.history(self)
        return RunOutput(self.recorder.frame(), metrics.run_summary(self), log)

    # ------------------------------------------------------------------ helpers
    def _new_ledger(self) -> StepLedger:
        return StepLedger(self.n_vendors, self.partners.count, self.slots)

    @property
    def step_index(self) -> int:
        """0-based index of the current step; negative during the warm-up before month 0."""
        return self.clock

    @property
    def month(self) -> float:
        """Month at the start of the current step (negative during the spin-up)."""
        return self.clock * self.dt if self.clock >= 0 else self._month

    def terms_rate(self, terms: VendorTerms) -> np.ndarray:
        """What each vendor pays with every partner deal, per unit of value: margin + rebate."""
        return terms.margin + terms.rebate

    def line_terms(self, terms: VendorTerms) -> np.ndarray:
        """What each line's partner counts on per unit of deal value under ``terms``: the vendor's
        margin + rebate, its tier's uplift (:mod:`tiers`) and its expected performance rebate."""
        rate = self.terms_rate(terms)[self.partners.vendor] + tiers.margin_uplift(self, terms)
        back_end = rebates.back_end_value(self, terms)
        return rate if back_end is None else rate + back_end

    def partner_win_probability(self, strength: np.ndarray, capability: np.ndarray) -> np.ndarray:
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

    def attention_inputs(self, rows: slice | np.ndarray = slice(None)) -> AttentionInputs:
        """What partners ``rows`` (default all) know when they plan their attention
        (:func:`sim.model.outlook.attention_inputs`)."""
        return outlook.attention_inputs(self, rows)

    # ------------------------------------------------------------------ phases
    def apply_program_events(self) -> None:
        """Phase 1: terms in force this step, and the trust surprise of what moved since the last."""
        now, before = self.month, self.month - self.dt
        self.terms = self.schedule_of_terms.terms(now)
        self.announced = self.schedule_of_terms.announced(now)
        tiers.reset_surprise(self)
        surprises(self, before, now, tiers.feel)  # a tier's change reaches its lines only

    def allocate_attention(self) -> None:
        """Phase 2: partners move their attention toward the softmax of vendor utilities."""
        self.partners.shares = self.engine.allocate_attention(self, self.attention_inputs())

    def source_opportunities(self) -> dict[str, np.ndarray]:
        """Phase 3: customers choose vendors by preference and coverage; their sellers find them."""
        self.use_stream(3)
        deals = campaigns.add_campaign_deals(self, market.source_opportunities(self))
        registration.review(self, deals)
        recurring.mark(self, deals)
        return deals

    def decide_reps(self, deals: dict[str, np.ndarray]) -> None:
        """Phase 4: reps bring partners into deals they found, and contest deals partners found."""
        self.use_stream(4)
        market.decide_reps(self, deals)

    def progress_deals(self) -> dict[str, np.ndarray]:
        """Phase 5: deals due this step close, won with the deal rule's probability."""
        self.use_stream(5)
        closed = market.close_due_deals(self)
        if self.deal_log is not None:
            self.deal_log.closed(self, closed)
        return closed

    def book_accounts(self, closed: dict[str, np.ndarray]) -> None:
        """Phase 6: revenue, partner payouts and profit, vendor net revenue and rep credit."""
        market.book_accounts(self, closed)

    def learn(self) -> None:
        """Phase 7: learned win rates, trailing profit, expectations, deal flow, trust, capability."""
        ps, cfg, ledger = self.partners, self.config.partners, self.ledger
        closed, wins = ledger.link("closed"), ledger.link("wins")
        learned = np.nonzero(closed > 0)  # the links that closed a deal: the rest keep theirs
        weight = 1.0 - power(1.0 - cfg.win_rate_learning, closed[learned])
        ps.win_rate[learned] += weight * (wins[learned] / closed[learned] - ps.win_rate[learned])
        ps.revenue += ledger.link("revenue")
        ps.first_win = np.where(np.isnan(ps.first_win) & (wins > 0), self.month, ps.first_win)
        self._note_wins()

        partnerships.learn_profit(self)

        current = self.line_terms(self.terms)
        shortfall = np.clip(
            (ps.expected_terms - current) / np.maximum(ps.expected_terms, 1e-9), 0, 1
        )
        follow = 1.0 - np.exp(-self.dt / cfg.expectation_months)
        ps.expected_terms += follow * (self.line_terms(self.announced) - ps.expected_terms)
        target_shift = cfg.outside_follow * (outlook.market_terms(self) - self.start_terms)
        self.outside_shift += follow * (target_shift - self.outside_shift)
        outlook.learn_deal_flow(self, follow)
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
            surprise_loss=tiers.line_surprise(self, "loss"),
            surprise_gain=tiers.line_surprise(self, "gain"),
            anchor=ps.trust_anchor,
            dt=self.dt,
            exposure=partnerships.exposure(self),
        )
        ps.trust = self.engine.update_trust(self, signals)
        capability = CapabilitySignals(
            enablement=self.terms.enablement_per_partner_month[ps.vendor],
            attention=ps.shares[:, : self.slots],
            deals_worked=ledger.link("deals_worked"),
            dt=self.dt,
            capacity=np.broadcast_to(ps.capacity[:, None], ps.vendor.shape),
        )
        ps.capability = self.engine.update_capability(self, capability)

    def _note_wins(self) -> None:
        ps = self.partners
        ps.months_since_win = np.where(
            self.ledger.link("wins") > 0, 0.0, ps.months_since_win + self.dt
        )

    def churn_and_recruit(self) -> None:
        """Phase 8: lines end on lasting distrust or lapse at renewal when they lose money; vendors
        sign new lines; quotas are re-based once a year where the comp plan says so."""
        self.use_stream(8)
        exits = partnerships.distrust_exits(self) | partnerships.lapsed_renewals(self)
        partnerships.end_lines(self, exits)
        partnerships.recruit(self)
        partnerships.rebase_quota(self)

    # ------------------------------------------------------------------ run summary

    def collect(self) -> None:
        """Phase 9: the per-vendor metrics of docs/model.md §4.11 for this step."""
        metrics.record_step(self)


def simulate(
    config: ScenarioConfig,
    seed: np.random.SeedSequence | int,
    engine: str = "population",
    record_deals: bool = False,
) -> RunOutput:
    """Run one replicate of ``config`` from ``seed``: a pure function of its arguments."""
    tune_allocator()  # reuse freed large arrays across steps (docs/performance.md)
    return ChannelModel(config, seed, engine=engine, record_deals=record_deals).run()


__all__ = ["ChannelModel", "simulate"]
