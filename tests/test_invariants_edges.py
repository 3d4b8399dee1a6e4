"""Model invariants at the edges of what the schema accepts.

``test_invariants.py`` draws random scenarios from typical ranges with default behaviour rules. Here
every behaviour parameter and the partner, market and vendor keys the typical ranges leave at their
defaults are drawn from their whole valid range, with a strong pull to the bounds themselves (0, 1,
just above an open bound, huge where there is no upper bound). Anything the schema accepts must run
and keep every invariant, or the schema must refuse it.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic.fields import FieldInfo

from sim.behaviours import registry
from sim.scenario.resolution import validate_document
from sim.scenario.schema import MAX_RECRUIT_PER_MONTH, PartnersConfig, ScenarioConfig
from sim.scenario.yaml_source import Src
from tests.test_invariants import run_checked

HUGE = 1e12
"""Stand-in for 'no upper bound' on keys that have none."""


def bounds(info: FieldInfo) -> tuple[float, float, bool]:
    """Lowest and highest valid value of a numeric field, and whether it is a whole number."""
    low, high = 0.0, HUGE
    for item in info.metadata:
        if hasattr(item, "ge"):
            low = float(item.ge)
        if hasattr(item, "gt"):
            low = float(item.gt) + 1e-9
        if hasattr(item, "le"):
            high = float(item.le)
        if hasattr(item, "lt"):
            high = float(item.lt) - 1e-9
    return low, high, info.annotation is int


def edge_values(info: FieldInfo) -> st.SearchStrategy[float]:
    low, high, whole = bounds(info)
    values = st.one_of(
        st.sampled_from([low, high, min(high, low + 1e-6), max(low, high - 1e-6)]),
        st.floats(low, high),
    )
    return values.map(round) if whole else values


@st.composite
def behaviour_choices(draw: st.DrawFn) -> dict[str, Any]:
    out = {}
    for slot in registry.SLOTS:
        spec = registry.resolve(slot)
        fields = spec.cls.Params.model_fields
        chosen = draw(st.lists(st.sampled_from(sorted(fields)), max_size=4, unique=True))
        out[slot] = {"rule": spec.id, **{k: draw(edge_values(fields[k])) for k in chosen}}
    return out


PARTNER_KEYS = (
    "services_attach", "services_margin", "outside_margin", "effort_cost_per_deal",
    "win_rate_learning", "expectation_months", "conflict_memory_months", "initial_trust",
    "initial_capability", "initial_dispersion", "exit_trust", "exit_months",
)  # fmt: skip


@st.composite
def edge_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    partners: dict[str, Any] = {"count": draw(st.integers(1, 25)), "vendors_per_partner": 1}
    for key in draw(st.lists(st.sampled_from(PARTNER_KEYS), max_size=5, unique=True)):
        partners[key] = draw(edge_values(PartnersConfig.model_fields[key]))
    return {
        "name": "edges",
        "seed": draw(st.integers(0, 2**63 - 1)),
        "time": {
            "horizon_months": draw(st.integers(1, 4)),
            "step": draw(st.sampled_from(["month", "week"])),
        },
        "market": {
            "opportunities_per_month": draw(st.sampled_from([0.0, 1.0, 60.0, 200.0])),
            "sales_cycle_months": draw(st.sampled_from([1e-9, 0.01, 1.0, 60.0])),
            "deal_size": {
                "median": draw(st.sampled_from([1e-9, 1.0, 4e4, HUGE])),
                "spread": draw(st.sampled_from([0.0, 1.0, 5.0])),
            },
            "competitor_share": draw(st.sampled_from([0.0, 0.5, 1 - 1e-9])),
            "untrained_coverage": draw(st.sampled_from([0.0, 1.0])),
        },
        "vendors": [
            {
                "name": name,
                "direct_reps": draw(st.sampled_from([0, 1, 5])),
                "rep_capacity": draw(st.sampled_from([1e-9, 0.5, 1000.0])),
                "product_strength": draw(st.sampled_from([0.0, 1.0, 0.5])),
                "program": {
                    "margin": draw(st.sampled_from([0.0, 1.0, 0.2])),
                    "rebate": draw(st.sampled_from([0.0, 1.0])),
                    "spiff_per_deal": draw(st.sampled_from([0.0, HUGE])),
                    "communication": draw(st.sampled_from([0.0, 1.0])),
                    "recruit_per_month": draw(st.sampled_from([0.0, 2.0, 50.0])),
                },
                "comp_plan": {
                    "direct_credit": draw(st.sampled_from([0.0, 10.0])),
                    "partner_sourced_credit": draw(st.sampled_from([0.0, 10.0])),
                    "quota_per_rep_month": draw(st.sampled_from([1e-9, HUGE])),
                },
                "engagement": {"partner_join_stage": draw(st.sampled_from([0.0, 1.0]))},
            }
            for name in ("acme", "rival")[: draw(st.integers(1, 2))]
        ],
        "partners": partners,
        "behaviours": draw(behaviour_choices()),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=edge_scenarios())
def test_invariants_hold_at_the_edges_of_the_schema(doc: dict[str, Any]) -> None:
    """Whatever validates at the edges runs and keeps every invariant at every phase and step."""
    try:
        config = validate_document(doc, Src("edges", None, ""))
    except Exception as exc:  # a cross-check may refuse a combination: that must be a clean error
        from sim.scenario.errors import ScenarioError

        assert isinstance(exc, ScenarioError), exc
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # exp() overflowing to its limit is fine
        run_checked(config, config.seed)


def test_recruiting_is_bounded_so_a_typo_cannot_exhaust_memory() -> None:
    """``recruit_per_month: 1e12`` was accepted and tried to allocate terabytes; now it is refused."""
    doc = {"name": "x", "vendors": [{"name": "a", "program": {"recruit_per_month": 1e12}}],
           "partners": {"vendors_per_partner": 1}}  # fmt: skip
    with pytest.raises(ValueError, match="recruit_per_month"):
        ScenarioConfig.model_validate(doc)
    doc["vendors"][0]["program"]["recruit_per_month"] = MAX_RECRUIT_PER_MONTH
    assert ScenarioConfig.model_validate(doc).vendors[0].program.recruit_per_month == 1e4
