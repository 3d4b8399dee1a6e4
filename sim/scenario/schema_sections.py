"""The sections of a scenario: time, market, vendors (program, comp plan, engagement), partners and
behaviour choices, each a strict, frozen pydantic model with its keys' types, bounds, defaults and
units. :mod:`sim.scenario.schema` assembles them into a whole scenario.
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
    untrained_coverage: Fraction = Field(
        0.5,
        description="Prospecting reach of a partner with capability 0 relative to one with "
        "capability 1 (1 = capability does not matter for finding deals).",
    )
    competitor_share: Fraction = Field(
        0.3,
        lt=1.0,
        description="Share of demand won by sellers outside the model when the ecosystem starts; "
        "the competitors' coverage is then held fixed, so lost partner attention loses demand.",
    )


class ProgramConfig(StrictModel):
    """A vendor's partner program."""

    margin: Fraction = Field(
        0.20, description="Front-end discount to the partner, share of deal value."
    )
    rebate: Fraction = Field(0.02, description="Back-end rebate, share of deal value.")
    spiff_per_deal: NonNegative = Field(0.0, description="Cash bonus per partner-won deal.")
    mdf_per_partner_month: NonNegative = Field(
        300.0, description="Market development funds per linked partner per month."
    )
    enablement_per_partner_month: NonNegative = Field(
        500.0, description="Training and enablement spend per linked partner per month."
    )
    deal_registration: bool = Field(True, description="Partner-found deals are protected.")
    communication: Fraction = Field(0.5, description="0 silent .. 1 over-communicates.")
    recruit_per_month: float = Field(
        0.0,
        ge=0,
        le=MAX_RECRUIT_PER_MONTH,
        description="Expected new partners recruited per month.",
    )


class CompPlanConfig(StrictModel):
    """Quota credit the vendor's direct reps get per unit of deal value, by kind of deal."""

    direct_credit: float = Field(
        1.0, ge=0, le=10, description="Credit on deals the rep sells alone."
    )
    partner_sourced_credit: float = Field(
        1.0, ge=0, le=10, description="Credit on deals a partner found and transacts."
    )
    partner_assisted_credit: float = Field(
        1.0, ge=0, le=10, description="Credit on rep-found deals co-sold with a partner."
    )
    quota_per_rep_month: float = Field(
        120_000.0, gt=0, description="Quota per rep per month (currency units of credit)."
    )


class EngagementConfig(StrictModel):
    """When a partner joins a deal the vendor found."""

    partner_join_stage: Fraction = Field(
        0.2,
        description="Stage of the sales cycle at which a partner joins: 0 start, 1 order-taker.",
    )


class VendorConfig(StrictModel):
    """One vendor: product, direct sales team, partner program, comp plan and engagement policy."""

    name: str = Field(pattern=VENDOR_NAME_PATTERN, max_length=64)
    direct_reps: int = Field(40, ge=0, le=1_000_000, description="Number of direct reps.")
    rep_capacity: float = Field(6.0, gt=0, le=1000, description="Deals one rep can work at once.")
    product_strength: Fraction = Field(0.6, description="0 weak .. 1 best in class.")
    program: ProgramConfig = Field(default_factory=ProgramConfig)
    comp_plan: CompPlanConfig = Field(default_factory=CompPlanConfig)
    engagement: EngagementConfig = Field(default_factory=EngagementConfig)


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
        1500.0, description="Partner's cost of working one deal (currency units)."
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


class BehaviourChoice(BaseModel):
    """A behaviour rule picked by name (``softmax-utility`` or ``softmax-utility@1``) plus its parameters.

    The parameters are validated by the rule's own schema when the scenario is resolved.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    rule: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*(@[0-9]+)?$")

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.model_extra or {})
