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
from sim.model import market, metrics
from sim.model.agents import DirectRep, Partner, Vendor
from sim.model.allocator import tune_allocator
from sim.model.engines import make_engine
from sim.model.events import Schedule, VendorTerms
from sim.model.ledger import StepLedger
from sim.model.metrics import MetricRecorder, RunOutput
from sim.model.population import draw_portfolios, new_partners
from sim.model.state import DealBook, PartnerState, RepState
from sim.scenario.schema import ScenarioConfig

WARMUP_CYCLES = 3.0
"""Sales cycles of market activity simulated before month 0, so the pipeline starts full."""


class ChannelModel(mesa.Model):
    """Agent-based model of a multi-vendor channel ecosystem.

    Args:
        config: a resolved scenario (one variant).
        seed: a ``SeedSequence`` or integer; the run is a pure function of ``(config, seed)``.
        engine: ``"population"`` (rules decide for all agents at once, on arrays) or
            ``"per-agent"`` (each agent decides through its AgentSet); see :mod:`sim.model.engines`.
    """

    def __init__(
        self,
        config: ScenarioConfig,
        seed: np.random.SeedSequence | int = 0,
        engine: str = "population",
    ) -> None:
        super().__init__(rng=np.random.default_rng(seed))
        self.engine = make_engine(engine)
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
        self.vendor_agents = [Vendor(self, i) for i in range(self.n_vendors)]
        self.rep_agents = [DirectRep(self, i) for i in range(self.reps.count)]
        self.partner_agents = [Partner(self, i) for i in range(self.partners.count)]
        self.partners.shares = self.engine.allocate_attention(
            self, self._attention_inputs(), initial=True
        )
        self.competitor_weight = self._initial_competitor_weight()
        self.recorder = MetricRecorder(config.time.steps, self.vendor_names, self.dt)
        self.warm_up()
        # Re-fix competitors against the warmed-up market (reps now hold open deals), so they
        # win `competitor_share` of demand at month 0.
        self.competitor_weight = self._initial_competitor_weight()

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
        self.clock += 1

    def warm_up(self) -> None:
        """Fill the pipeline and rep credit before month 0 under the starting terms.

        Deals are found, decided and closed for ``WARMUP_CYCLES`` sales cycles of negative time;
        partners do not learn and nothing is recorded, so month 0 starts in a steady market instead
        of an empty one.
        """
        steps = int(np.ceil(WARMUP_CYCLES * self.config.market.sales_cycle_months / self.dt))
        for self.clock in range(-steps, 0):
            self.ledger = self._new_ledger()
            self.decide_reps(self.source_opportunities())
            self.book_accounts(self.progress_deals())
            self._note_wins()
        self.clock = 0

    def run(self) -> RunOutput:
        """Run every step of the horizon and return the metrics."""
        for _ in range(self.config.time.steps):
            self.step()
        return RunOutput(self.recorder.frame(), metrics.run_summary(self))

    # ------------------------------------------------------------------ helpers
    def _new_ledger(self) -> StepLedger:
        return StepLedger(self.n_vendors, self.partners.count, self.slots)

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

    def _attention_inputs(self, rows: slice = slice(None)) -> AttentionInputs:
        """Expected profit per deal worked (fraction of the mean deal) and the other utility terms.

        Args:
            rows: the partners to plan for (default all); a partner's allocation depends only on
                its own row.
        """
        ps, cfg, terms = self.partners, self.config.partners, self.terms
        v, win_rate = ps.vendor[rows], ps.win_rate[rows]
        services = cfg.services_attach * cfg.services_margin
        effort = cfg.effort_cost_per_deal / self.mean_deal
        mdf_per_deal = terms.mdf_per_partner_month[v] / ps.capacity[rows, None] / self.mean_deal
        profit = (
            win_rate * (terms.margin[v] + terms.rebate[v] + services)
            + win_rate * terms.spiff_per_deal[v] / self.mean_deal
            + mdf_per_deal
            - effort
        )
        outside = np.full(len(v), self.outside_win_rate * (cfg.outside_margin + services) - effort)
        return AttentionInputs(
            profit=profit,
            trust=ps.trust[rows],
            capability=ps.capability[rows],
            conflict=ps.conflict_memory[rows],
            active=ps.active[rows],
            outside_profit=outside,
            outside_trust=cfg.initial_trust,
            outside_capability=cfg.initial_capability,
            shares=ps.shares[rows],
            dt=self.dt,
        )

    def _initial_competitor_weight(self) -> float:
        """Outside competitors' coverage, fixed so they win ``competitor_share`` of demand at start."""
        inside = market.link_weights(self).sum() + market.direct_weights(self).sum()
        share = self.config.market.competitor_share
        return share / (1.0 - share) * inside if inside > 0 else share

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
            total = self.engine.surprise(
                self,
                change.relative_size,
                change.ramp,
                change.notice,
                float(self.terms.communication[change.vendor]),
            )
            target = self.surprise_gain if change.favourable > 0 else self.surprise_loss
            target[change.vendor] += total * moved

    def allocate_attention(self) -> None:
        """Phase 2: partners move their attention toward the softmax of vendor utilities."""
        self.partners.shares = self.engine.allocate_attention(self, self._attention_inputs())

    def source_opportunities(self) -> dict[str, np.ndarray]:
        """Phase 3: Poisson demand split by coverage among partner links, direct teams, competitors."""
        return market.source_opportunities(self)

    def decide_reps(self, deals: dict[str, np.ndarray]) -> None:
        """Phase 4: reps bring partners into deals they found, and contest deals partners found."""
        market.decide_reps(self, deals)

    def progress_deals(self) -> dict[str, np.ndarray]:
        """Phase 5: deals due this step close, won with the deal rule's probability."""
        return market.close_due_deals(self)

    def book_accounts(self, closed: dict[str, np.ndarray]) -> None:
        """Phase 6: revenue, partner payouts and profit, vendor net revenue and rep credit."""
        market.book_accounts(self, closed)

    def learn(self) -> None:
        """Phase 7: learned win rates, expectations, conflict memory, trust and capability."""
        ps, cfg, ledger = self.partners, self.config.partners, self.ledger
        closed, wins = ledger.link("closed"), ledger.link("wins")
        weight = 1.0 - power(1.0 - cfg.win_rate_learning, closed)
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
        ps.trust = self.engine.update_trust(self, signals)
        capability = CapabilitySignals(
            enablement=self.terms.enablement_per_partner_month[ps.vendor],
            attention=ps.shares[:, : self.slots],
            deals_worked=ledger.link("deals_worked"),
            dt=self.dt,
        )
        ps.capability = self.engine.update_capability(self, capability)

    def _note_wins(self) -> None:
        ps = self.partners
        ps.months_since_win = np.where(
            self.ledger.link("wins") > 0, 0.0, ps.months_since_win + self.dt
        )

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
        self.partner_agents += [Partner(self, i) for i in range(first, self.partners.count)]
        # A recruit plans its attention like the founding partners did: the rule's target.
        self.partners.shares[first:] = self.engine.allocate_attention(
            self, self._attention_inputs(slice(first, None)), initial=True, start=first
        )

    # ------------------------------------------------------------------ run summary

    def collect(self) -> None:
        """Phase 9: the per-vendor metrics of docs/model.md §4.11 for this step."""
        metrics.record_step(self)


def simulate(
    config: ScenarioConfig, seed: np.random.SeedSequence | int, engine: str = "population"
) -> RunOutput:
    """Run one replicate of ``config`` from ``seed``: a pure function of its arguments."""
    tune_allocator()  # reuse freed large arrays across steps (docs/performance.md)
    return ChannelModel(config, seed, engine=engine).run()


__all__ = ["ChannelModel", "simulate"]
