"""The sections of a scenario: time, market, the vendors' programme (with its partner tiers) and
behaviour choices, each a strict, frozen pydantic model with its keys' types, bounds, defaults and
units. The vendor itself, its comp plan and engagement are in :mod:`sim.scenario.schema_vendor`,
the partners in :mod:`sim.scenario.schema_partners`; :mod:`sim.scenario.schema` assembles them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.behaviours.params import ints_as_floats
from sim.scenario.names import VENDOR_NAME_PATTERN

MAX_RECRUIT_PER_MONTH = 10_000.0
"""Most partners one vendor may recruit per month: far above any real program, and low enough that
a typo (``1e12``) is an error instead of an attempt to allocate terabytes of partner rows."""

Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0)]


class StrictModel(BaseModel):
    """Base for every scenario section: unknown keys are errors, numbers are not coerced from text."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, validate_default=True, allow_inf_nan=False
    )

    @model_validator(mode="before")
    @classmethod
    def _ints_are_floats(cls, data: Any) -> Any:
        return ints_as_floats(cls, data)


class TimeConfig(StrictModel):
    """Simulated time. Every rate in a scenario is per month; the engine scales it by the step."""

    horizon_months: int = Field(48, ge=1, le=600, description="Length of a run in months.")
    step: Literal["month", "week"] = Field("month", description="Length of one model step.")
    spin_up_months: float = Field(
        180.0,
        ge=0,
        le=600,
        description="Months simulated under the starting terms before month 0 and not recorded, so "
        "that month 0 is the steady state of the starting programme; 0 = start from the drawn "
        "population (a launch).",
    )

    @property
    def dt(self) -> float:
        """Step length in months."""
        return 1.0 if self.step == "month" else 12.0 / 52.0

    @property
    def steps(self) -> int:
        """Number of steps in a run."""
        return self.horizon_months if self.step == "month" else round(self.horizon_months * 52 / 12)


class DealSize(StrictModel):
    """Lognormal deal size in currency units."""

    median: float = Field(40_000.0, gt=0, description="Median deal value (currency units).")
    spread: float = Field(0.9, ge=0, le=5, description="Standard deviation of log deal value.")

    @property
    def mean(self) -> float:
        import math

        return self.median * math.exp(self.spread**2 / 2)


class MarketConfig(StrictModel):
    """Customer demand shared by all vendors, their partners and outside competitors."""

    opportunities_per_month: float = Field(
        600.0,
        ge=0,
        le=1e7,
        description="Expected new customer opportunities per month, all vendors.",
    )
    deal_size: DealSize = Field(default_factory=DealSize)
    sales_cycle_months: float = Field(
        3.0, gt=0, le=60, description="Mean months from opportunity to close."
    )
    sales_cycle_shape: float = Field(
        4.0,
        ge=0.5,
        le=100,
        description="Gamma shape of the time from opportunity to close: its coefficient of "
        "variation is 1 / sqrt(shape) (4: 0.5; 2: 0.71).",
    )
    untrained_coverage: Fraction = Field(
        0.5,
        description="Prospecting reach of a partner with capability 0 relative to one with "
        "capability 1 (1 = capability does not matter for finding deals).",
    )
    competitor_share: Fraction = Field(
        0.3,
        lt=1.0,
        description="Share of demand won by sellers outside the model at month 0; their "
        "attraction is then held fixed, so coverage the ecosystem loses loses it demand.",
    )
    coverage_elasticity: Fraction = Field(
        0.35,
        description="How strongly a vendor's coverage (its partners' and reps' reach) moves its "
        "share of customer demand: customers choose by attraction = preference x coverage ** "
        "elasticity; 1 = coverage alone decides, 0 = customers' preference alone.",
    )
    strength_pull: float = Field(
        2.0,
        ge=0,
        le=20,
        description="Customers' preference for a stronger product: log-attraction per unit of "
        "product strength.",
    )
    mdf_opportunities_per_10k: float = Field(
        0.0,
        ge=0,
        le=100,
        description="Opportunities a partner's MDF campaigns create per 10,000 spent on them, at "
        "low spend (demand on top of the market's); 0 = MDF funds no campaigns and is partner "
        "profit, as before this key existed.",
    )
    mdf_saturation_per_line_month: float = Field(
        2000.0,
        gt=0,
        le=1e7,
        description="Campaign spend per partner line and month at which returns have fallen to "
        "37% of the first dollar's (opportunities = rate x S x (1 - exp(-spend / S))).",
    )
    mdf_lag_months: float = Field(
        3.0,
        gt=0,
        le=24,
        description="Mean months from campaign spend to the opportunities it creates.",
    )
    growth_per_year: float = Field(
        0.0,
        ge=-0.5,
        le=1.0,
        description="Growth of customer demand per year from month 0 (0.1 = 10% a year); 0 = a "
        "stationary market.",
    )


MAX_TIERS = 4
"""Most partner tiers a programme may have (above the untiered base)."""
TIER_FIELDS = ("min_revenue", "min_capability", "margin_uplift", "mdf_accrual", "co_sell_priority")
"""A tier's numeric keys, the ones an event may change (``program.tiers.gold.margin_uplift``)."""


class TierConfig(StrictModel):
    """One partner tier of a vendor's programme: who qualifies at a review, and what it gets."""

    name: str = Field(pattern=VENDOR_NAME_PATTERN, max_length=64)
    min_revenue: NonNegative = Field(
        description="Trailing channel revenue per year a line must have booked with the vendor to "
        "qualify at a review (currency per year)."
    )
    min_capability: Fraction = Field(
        0.0,
        description="Capability (certified skill, 0..1) a line must also have to qualify; 0 = "
        "revenue alone.",
    )
    margin_uplift: float = Field(
        0.0,
        ge=0,
        le=0.5,
        description="Front margin added on the tier's deals, share of deal value.",
    )
    mdf_accrual: float = Field(
        0.0, ge=0, le=0.2, description="MDF accrued on the line's channel revenue, share of it."
    )
    co_sell_priority: float = Field(
        1.0,
        ge=0,
        le=100,
        description="Weight of the tier's lines when a rep picks a partner for a deal the vendor "
        "found, relative to an untiered line's 1.",
    )


class ProgramConfig(StrictModel):
    """A vendor's partner program."""

    margin: Fraction = Field(
        0.20, description="Front-end discount to the partner, share of deal value."
    )
    rebate: Fraction = Field(
        0.02,
        description="Unconditional back-end rebate, share of deal value, paid with the deal like "
        "margin.",
    )
    performance_rebate: Fraction = Field(
        0.0,
        description="Rebate paid in arrears on a partner line's whole revenue in a review period "
        "when that revenue reaches rebate_target; 0 = no performance rebate.",
    )
    rebate_target: NonNegative = Field(
        50_000.0,
        description="Revenue a partner line must book with the vendor in one review period to earn "
        "the performance rebate (currency per period).",
    )
    rebate_period_months: Literal[3, 6, 12] = Field(
        3, description="Length of the performance-rebate review period: 3, 6 or 12 months."
    )
    rebate_delay_months: float = Field(
        2.0,
        ge=0,
        le=12,
        description="Months after a review period closes before its performance rebate is paid.",
    )
    spiff_per_deal: NonNegative = Field(0.0, description="Cash bonus per partner-won deal.")
    mdf_per_partner_month: NonNegative = Field(
        300.0, description="Market development funds per linked partner per month."
    )
    enablement_per_partner_month: NonNegative = Field(
        500.0, description="Training and enablement spend per linked partner per month."
    )
    deal_registration: bool = Field(True, description="Partner-found deals are protected.")
    registration_approval: Fraction = Field(
        1.0,
        description="Share of partner-found deals whose registration the vendor approves; an "
        "unapproved deal is unprotected.",
    )
    registration_window_months: float = Field(
        0.0,
        ge=0,
        le=60,
        description="Months a registration protects a deal; a deal expected to close later is "
        "treated as unprotected; 0 = registrations never expire.",
    )
    registration_override: Fraction = Field(
        1.0,
        description="How far the vendor lets its reps take registered deals: a multiplier on the "
        "rep rule's takeover probability for registered deals; 0 = never (rules of engagement "
        "enforced).",
    )
    mdf_proof_of_performance: bool = Field(
        False,
        description="Partners must show the campaigns MDF paid for: all of it funds campaigns "
        "and none is kept as partner profit (only with market.mdf_opportunities_per_10k > 0).",
    )
    tiers: list[TierConfig] = Field(
        default_factory=list,
        max_length=MAX_TIERS,
        description="Partner tiers, lowest first, each with a trailing-revenue threshold (and "
        "optionally a capability one) and its benefits; lines are placed at each review; none = "
        "no tiers.",
    )
    tier_review_months: Literal[3, 6, 12] = Field(
        12, description="Months between tier reviews (promotion and demotion): 3, 6 or 12."
    )
    subscription_share: Fraction = Field(
        0.0,
        description="Share of the vendor's new opportunities sold as subscriptions (the rest as "
        "perpetual licences); 0 = no recurring revenue.",
    )
    contract_months: float = Field(
        12.0, ge=1, le=60, description="Term of a subscription contract, months."
    )
    perpetual_multiple: float = Field(
        3.0,
        ge=1,
        le=10,
        description="Years of subscription a perpetual licence of the same scope is priced at: a "
        "subscription's annual value is the deal's value / this.",
    )
    renewal_rate: Fraction = Field(
        0.85,
        description="Chance a subscription renews at the end of its term when its owner still "
        "serves the customer.",
    )
    expansion_rate: Fraction = Field(
        0.1, description="Growth of a contract's annual value at each renewal (upsell)."
    )
    partner_owns_renewals: bool = Field(
        True,
        description="The partner that sold a subscription renews it and earns renewal_margin; "
        "otherwise the vendor renews it itself, at vendor_renewal_cost.",
    )
    renewal_margin: Fraction = Field(
        0.1, description="Partner's margin on the value of a renewal it owns."
    )
    vendor_renewal_cost: Fraction = Field(
        0.05,
        description="Vendor's cost (customer success) per unit of value of a renewal it owns, "
        "in sales cost.",
    )
    communication: Fraction = Field(0.5, description="0 silent .. 1 over-communicates.")
    recruit_per_month: float = Field(
        0.0,
        ge=0,
        le=MAX_RECRUIT_PER_MONTH,
        description="Expected new partner lines recruited per month, on top of replacements.",
    )
    replace_exits: bool = Field(
        True,
        description="The channel team recruits to replace partner lines that left, keeping the "
        "vendor's partner base at its starting size.",
    )
    partner_management_per_partner_month: NonNegative = Field(
        150.0,
        description="Vendor's cost of managing one linked partner per month (channel managers, "
        "portal, programme administration).",
    )
    onboarding_cost_per_partner: NonNegative = Field(
        3000.0, description="Vendor's one-off cost of signing and onboarding a partner line."
    )

    @model_validator(mode="after")
    def _tiers_ascend(self) -> ProgramConfig:
        for i, tier in enumerate(self.tiers):
            if tier.name in [t.name for t in self.tiers[:i]]:
                raise ValueError(f"tiers[{i}].name: duplicate tier name {tier.name!r}")
            low = self.tiers[i - 1] if i else None
            if low is not None and tier.min_revenue <= low.min_revenue:
                raise ValueError(
                    f"tiers[{i}].min_revenue: tiers go lowest first, so {tier.name!r} needs a higher "
                    f"min_revenue than {low.name!r} ({low.min_revenue:g}), got {tier.min_revenue:g}"
                )
        return self


class BehaviourChoice(BaseModel):
    """A behaviour rule picked by name (``softmax-utility`` or ``softmax-utility@1``) plus its parameters.

    The parameters are validated by the rule's own schema when the scenario is resolved.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    rule: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*(@[0-9]+)?$")

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})
