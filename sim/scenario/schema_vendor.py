"""The vendor section of a scenario: one vendor's product and direct team, with its comp plan (how its
reps are credited) and engagement policy (when partners join its deals, and its commitment signals).
A strict, frozen pydantic model like the other sections (:mod:`sim.scenario.schema_sections`, which
holds the programme keys).
"""

from __future__ import annotations

from pydantic import Field

from sim.scenario.names import VENDOR_NAME_PATTERN
from sim.scenario.schema_sections import Fraction, NonNegative, ProgramConfig, StrictModel


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
    commission_rate: Fraction = Field(
        0.06,
        description="Commission paid to reps per unit of credited revenue, so overlay and double "
        "credit cost money.",
    )
    quota_rebase: Fraction = Field(
        0.0,
        description="Each year the share of the gap between quota and the team's attainment that "
        "quota moves by; 0 = quota fixed.",
    )
    credit_contract_value: bool = Field(
        False,
        description="Reps are credited a subscription's total contract value; otherwise its "
        "first-year value (a perpetual licence is credited its whole price either way).",
    )
    perpetual_discount: Fraction = Field(
        0.2,
        description="Discount a rep gives to turn a subscription customer into a perpetual "
        "licence.",
    )
    conversion_propensity: Fraction = Field(
        0.5,
        description="Chance a rep working a subscription deal turns it into a discounted perpetual "
        "licence when the licence earns more credit, times the relative gain (at most 1); 0 = "
        "reps never do.",
    )


class EngagementConfig(StrictModel):
    """When a partner joins a deal the vendor found, and the vendor's commitment signals (shared
    qualification, executive sponsorship, joint business planning, a partner advisory council)."""

    partner_join_stage: Fraction = Field(
        0.2,
        description="Stage of the sales cycle at which a partner joins: 0 start, 1 order-taker.",
    )
    shared_qualification: bool = Field(
        False,
        description="Direct and partner teams qualify opportunities by one set of rules, so reps "
        "contest fewer partner-found deals (by qualification_contest_cut).",
    )
    qualification_contest_cut: Fraction = Field(
        0.5,
        description="Share of reps' contests of partner-found deals that shared qualification "
        "rules prevent.",
    )
    shared_qualification_cost_per_month: NonNegative = Field(
        20_000.0,
        description="Vendor's cost per month of running shared qualification rules (sales "
        "operations, joint pipeline reviews), in programme cost while they are on.",
    )
    executive_sponsorship: bool = Field(
        False,
        description="A senior executive sponsors the partner programme and holds the direct team "
        "to the rules of engagement: a rep who contests a partner-found deal takes it over less "
        "often (by sponsorship_takeover_cut).",
    )
    sponsorship_takeover_cut: Fraction = Field(
        0.5,
        description="Share of reps' takeovers of contested partner-found deals that an executive "
        "sponsor prevents.",
    )
    executive_sponsorship_cost_per_month: NonNegative = Field(
        25_000.0,
        description="Vendor's cost per month of executive sponsorship (a share of a senior "
        "executive's time and office), in programme cost while it is on.",
    )
    joint_planning_partners: float = Field(
        0.0,
        ge=0,
        le=1_000_000,
        description="Number of partners the vendor runs joint business plans with: its lines of "
        "highest trailing profit (a fraction is rounded down; 0 = none).",
    )
    joint_planning_join_stage: Fraction = Field(
        0.0,
        description="Stage of the sales cycle at which a planned partner joins a deal the vendor "
        "found (when earlier than partner_join_stage): 0 start, 1 order-taker.",
    )
    joint_planning_cost_per_partner_month: NonNegative = Field(
        1_500.0,
        description="Vendor's cost per planned partner per month of joint business planning "
        "(channel manager's time, planning sessions), in programme cost.",
    )
    advisory_council: bool = Field(
        False,
        description="A partner advisory council hears partners before programme changes, so an "
        "unfavourable change surprises them less (by council_surprise_cut).",
    )
    council_surprise_cut: Fraction = Field(
        0.5,
        description="Share of an unfavourable programme change's trust surprise that the partner "
        "advisory council removes.",
    )
    advisory_council_cost_per_month: NonNegative = Field(
        10_000.0,
        description="Vendor's cost per month of running a partner advisory council (meetings, "
        "travel, a programme manager's time), in programme cost while it is on.",
    )


class VendorConfig(StrictModel):
    """One vendor: product, direct sales team, partner program, comp plan and engagement policy."""

    name: str = Field(pattern=VENDOR_NAME_PATTERN, max_length=64)
    direct_reps: int = Field(40, ge=0, le=1_000_000, description="Number of direct reps.")
    rep_capacity: float = Field(6.0, gt=0, le=1000, description="Deals one rep can work at once.")
    product_strength: Fraction = Field(0.6, description="0 weak .. 1 best in class.")
    rep_cost_per_month: NonNegative = Field(
        15_000.0, description="Fully loaded cost of one direct rep per month, before commission."
    )
    program: ProgramConfig = Field(default_factory=ProgramConfig)
    comp_plan: CompPlanConfig = Field(default_factory=CompPlanConfig)
    engagement: EngagementConfig = Field(default_factory=EngagementConfig)
