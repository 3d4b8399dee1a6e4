"""The partner population section of a scenario: capacity, starting trust and capability, the
partners' economics (services, effort, carrying cost of a line, outside option) and when a line
ends. A strict, frozen pydantic model like the other sections (:mod:`sim.scenario.schema_sections`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.scenario.names import VENDOR_NAME_PATTERN
from sim.scenario.schema_sections import Fraction, NonNegative, StrictModel


class CapacityConfig(StrictModel):
    """Partner sales capacity: new deals a partner can start per month, across all vendors."""

    distribution: Literal["pareto", "lognormal", "constant"] = "pareto"
    shape: float = Field(
        1.3, gt=0.0, le=20, description="Pareto tail index (pareto) or sigma of log (lognormal)."
    )
    mean: float = Field(1.0, gt=0, le=1000, description="Mean capacity, new deals per month.")
    max_multiple: float = Field(
        50.0,
        gt=1.0,
        le=1e6,
        description="Largest capacity as a multiple of the mean (draws above it are capped), so a "
        "single partner cannot hold most of a small ecosystem's capacity.",
    )

    @model_validator(mode="after")
    def _finite_mean(self) -> CapacityConfig:
        if self.distribution == "pareto" and self.shape <= 1.0:
            raise ValueError(
                f"shape: a pareto capacity needs shape above 1 for a finite mean, got {self.shape}"
            )
        return self


MAX_PARTNER_TYPES = 8


class PartnerTypeConfig(StrictModel):
    """One kind of partner firm in the population (reseller, managed service provider, systems
    integrator, referral partner...): its share of firms and how its economics differ."""

    name: str = Field(pattern=VENDOR_NAME_PATTERN, max_length=64)
    share: Fraction = Field(
        description="Share of the partner firms of this type (shares sum to 1)."
    )
    capacity_multiple: float = Field(
        1.0,
        gt=0,
        le=100,
        description="Sales capacity as a multiple of a drawn capacity (partners.capacity).",
    )
    carrying_cost_multiple: float = Field(
        1.0,
        ge=0,
        le=100,
        description="Cost of carrying a vendor line as a multiple of "
        "partners.carrying_cost_per_line_month.",
    )
    services_multiple: float = Field(
        1.0,
        ge=0,
        le=4,
        description="Services attached per unit of product revenue as a multiple of "
        "partners.services_attach.",
    )
    join_stage_multiple: Fraction = Field(
        1.0,
        description="Stage at which the type joins a deal a vendor found, as a multiple of the "
        "vendor's partner_join_stage: 0.5 = brought in twice as early (an integrator in the "
        "customer's design phase).",
    )
    resells: bool = Field(
        True,
        description="The type buys and resells; false = it refers its deals, the vendor transacts "
        "them (direct revenue) and pays referral_fee instead of margin, rebate and services.",
    )
    referral_fee: Fraction = Field(
        0.1,
        description="Fee a referral partner (resells: false) earns on a won deal it worked, share "
        "of deal value.",
    )


class PartnersConfig(StrictModel):
    """The multi-vendor partner population."""

    count: int = Field(800, ge=1, le=5_000_000, description="Partners at the start.")
    vendors_per_partner: int = Field(3, ge=1, le=100, description="Vendors in each portfolio.")
    capacity: CapacityConfig = Field(default_factory=CapacityConfig)
    services_attach: Fraction = Field(
        0.25, description="Services revenue a partner attaches per unit of product revenue."
    )
    services_margin: Fraction = Field(0.5, description="Partner's gross margin on services.")
    initial_trust: Fraction = 0.5
    initial_capability: Fraction = 0.3
    initial_dispersion: float = Field(
        0.1,
        ge=0,
        lt=0.5,
        description="Standard deviation across links of initial trust and capability (beta draws "
        "around the initial values); 0 = identical links.",
    )
    outside_margin: Fraction = Field(
        0.25,
        description="Margin a partner earns on the rest of its catalog (its outside option).",
    )
    effort_cost_per_deal: NonNegative = Field(
        2500.0,
        description="Partner's cost of working one deal, won or lost (presales time; currency "
        "units).",
    )
    win_rate_learning: float = Field(
        0.1, gt=0, le=1, description="Weight of each closed deal in a partner's learned win rate."
    )
    expectation_months: float = Field(
        6.0,
        gt=0,
        le=120,
        description="Time constant (months) with which a partner's expected terms follow the "
        "vendor's announced terms.",
    )
    conflict_memory_months: float = Field(
        6.0, gt=0, le=120, description="Time constant (months) of a partner's memory of conflicts."
    )
    exit_trust: Fraction = Field(
        0.15, description="A link whose trust stays below this for exit_months is dropped."
    )
    exit_months: float = Field(
        6.0, gt=0, le=120, description="Months below exit_trust before exit."
    )
    carrying_cost_per_line_month: NonNegative = Field(
        1000.0,
        description="Partner's cost per month of carrying a vendor line at full effort (certified "
        "staff, training, admin): a fifth of it at any effort, the rest in proportion to the "
        "selling effort the line gets (capacity x attention).",
    )
    profit_memory_months: float = Field(
        12.0,
        gt=0,
        le=120,
        description="Time constant (months) of a partner's trailing profit on each line.",
    )
    renewal_months: float = Field(
        12.0,
        gt=0,
        le=120,
        description="Months between renewals of a partner's agreement for a line; at renewal a "
        "line whose trailing profit does not cover its carrying cost may lapse.",
    )
    distrust_exit_elasticity: float = Field(
        5.0,
        ge=0,
        le=10,
        description="How steeply distrust makes a partner drop an unprofitable line at renewal: "
        "the chance is the uncovered share of its carrying cost x ((1 - trust) / (1 - "
        "initial_trust)) ** this; 0 = trust does not matter.",
    )
    resign_cooloff_months: float = Field(
        0.0,
        ge=0,
        le=120,
        description="Months after a firm ends a line with a vendor before that vendor's channel "
        "team may sign it again; 0 = at once. With a cool-off, a replacement that finds no firm "
        "to court signs a new firm.",
    )
    recruit_capability: Fraction = Field(
        0.2, description="Mean capability of a newly signed line (initial_dispersion around it)."
    )
    onboarding_cost: NonNegative = Field(
        2000.0, description="Partner's one-off cost of joining a vendor's programme."
    )
    override_conflict_weight: float = Field(
        1.0,
        ge=0,
        le=10,
        description="How many lost conflicts a partner counts a registered deal taken from it as, "
        "in its trust and its memory of conflicts (a broken promise on top of a lost deal).",
    )
    mdf_diversion: Fraction = Field(
        0.5,
        description="Share of the MDF it claims that a partner keeps as profit instead of running "
        "campaigns, where the vendor asks no proof of performance (only with "
        "market.mdf_opportunities_per_10k > 0).",
    )
    back_end_discount_per_month: float = Field(
        0.02,
        ge=0,
        le=0.2,
        description="How much less a partner values money paid later, per month of wait (its cost "
        "of capital and cash-flow pressure): a performance rebate paid t months on is worth "
        "exp(-this x t) of cash at close.",
    )
    registration_squatting: Fraction = Field(
        0.0,
        description="Share of the deals partners find that they register without working them, to "
        "hold the customer: the partner adds nothing to the deal, which takes twice as long to "
        "close (with program.deal_registration).",
    )
    customer_portability: Fraction = Field(
        0.5,
        description="Share of a partner's subscription customers that leave the vendor with it at "
        "renewal once the partner has dropped the vendor's line (the partner owned the "
        "relationship).",
    )
    types: list[PartnerTypeConfig] = Field(
        default_factory=list,
        max_length=MAX_PARTNER_TYPES,
        description="Kinds of partner firm mixed in the population, each with its share and "
        "economics; a firm's type is drawn when it is created; none = one kind (the partners "
        "section alone).",
    )
    outside_follow: Fraction = Field(
        0.5,
        description="Share of a change in the modelled vendors' mean terms (margin + rebate + the "
        "performance rebate partners expect) that the rest of the market (the partners' outside "
        "option) follows, with a lag of expectation_months.",
    )

    @model_validator(mode="after")
    def _types_partition(self) -> PartnersConfig:
        for i, kind in enumerate(self.types):
            if kind.name in [t.name for t in self.types[:i]]:
                raise ValueError(f"types[{i}].name: duplicate partner type name {kind.name!r}")
        total = sum(t.share for t in self.types)
        if self.types and abs(total - 1.0) > 1e-6:
            listed = ", ".join(f"{t.name} {t.share:g}" for t in self.types)
            raise ValueError(
                f"types: the shares of the partner types must sum to 1, got {total:g} ({listed})"
            )
        return self
