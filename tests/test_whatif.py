"""What-if variants as the dashboard edits them: controls read from the schema, a change edited
key by key, variants validated by the schema, a saved scenario that ``sim run`` reproduces, and
the honest wording of an effect."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario
from sim.scenario.schema import ProgramConfig
from workbench.levers import term_levers, timing_levers
from workbench.whatif import (
    Variant,
    build_scenario,
    copy_name,
    describe,
    focus_vendor,
    save_scenario,
    scenario_yaml,
    term_value,
    variants_of,
)

ROOT = Path(__file__).resolve().parents[1]


def test_every_program_key_of_the_schema_has_a_control() -> None:
    """A key added to the schema becomes a control: the controls are the schema's fields."""
    levers = term_levers()
    # every single-value key; the tier list (program.tiers) is written in the scenario file
    assert [lever.key for lever in levers["program"]] == [
        f"program.{name}" for name in ProgramConfig.model_fields if name != "tiers"
    ]
    margin = next(lever for lever in levers["program"] if lever.key == "program.margin")
    assert (margin.kind, margin.low, margin.high, margin.slider) == ("number", 0.0, 1.0, True)
    assert margin.description == ProgramConfig.model_fields["margin"].description
    mdf = next(lever for lever in levers["program"] if lever.key == "program.mdf_per_partner_month")
    assert (mdf.label, mdf.low, mdf.high, mdf.slider) == ("MDF per partner month", 0.0, None, False)
    switch = next(lever for lever in levers["program"] if lever.key == "program.deal_registration")
    assert switch.kind == "switch"
    period = next(lever for lever in levers["program"] if lever.key.endswith("period_months"))
    assert (period.kind, period.choices, period.default) == ("choice", (3, 6, 12), 3)
    assert period.problem(6) is None and period.problem(4) == "must be one of 3, 6, 12"
    quota = next(lever for lever in levers["comp_plan"] if "quota" in lever.key)
    assert quota.bounds_text() == "above 0" and quota.problem(0.0) == "must be above 0, got 0"
    assert margin.problem(1.5) == "must be 0 to 1, got 1.5" and margin.problem(0.3) is None


def test_timing_controls_stop_at_the_horizon() -> None:
    levers = {lever.key: lever for lever in timing_levers(36)}
    assert list(levers) == ["at_month", "ramp_months", "notice_months"]
    assert all(lever.high == 36 and lever.slider and lever.step == 1 for lever in levers.values())


@pytest.fixture
def margin_cut():
    return load_scenario(ROOT / "scenarios" / "margin-cut.yaml")


def test_the_file_variants_become_what_ifs_with_their_focus_vendor(margin_cut) -> None:
    variants = variants_of(margin_cut)
    assert [v.name for v in variants] == ["base", "abrupt", "gradual"]
    gradual = variants[2].change("acme")
    assert (gradual["at_month"], gradual["ramp_months"], gradual["notice_months"]) == (12, 9, 3)
    assert gradual["set"] == {"program.margin": 0.12}
    assert focus_vendor(margin_cut) == "acme"
    assert "0.2 \u2192 0.12 (over 9 months, 3 months' notice)" in describe(
        variants[2], margin_cut.variants["base"]
    )


def test_a_change_is_edited_key_by_key(margin_cut) -> None:
    """Moving a term puts it into the change; moving it back to its value before takes it out; a
    change with no key left schedules nothing."""
    base = margin_cut.variants["base"]
    gradual = variants_of(margin_cut)[2]
    before = term_value(base, "acme", "engagement.partner_join_stage")
    assert before == 0.2
    more = gradual.with_value("acme", "engagement.partner_join_stage", 0.5, before)
    assert more.change("acme")["set"] == {
        "program.margin": 0.12,
        "engagement.partner_join_stage": 0.5,
    }
    back = more.with_value("acme", "engagement.partner_join_stage", 0.2, before)
    assert back.change("acme")["set"] == {"program.margin": 0.12}
    empty = back.with_value("acme", "program.margin", 0.2, 0.2)
    assert empty.scheduled() == []
    assert gradual.with_timing("acme", "notice_months", 6).change("acme")["notice_months"] == 6.0
    fresh = Variant("new").with_timing("acme", "ramp_months", 3)
    assert fresh.change("acme") == {
        "at_month": 12.0,
        "vendor": "acme",
        "set": {},
        "ramp_months": 3.0,
    }
    assert copy_name(variants_of(margin_cut), "gradual") == "gradual-2"


def test_variants_are_checked_by_the_schema_and_named_in_errors(margin_cut) -> None:
    variants = variants_of(margin_cut)
    late = variants[1].with_timing("acme", "at_month", -1)
    with pytest.raises(ScenarioError, match=r"^abrupt: events\[0\]\.at_month: must be at least 0"):
        build_scenario(margin_cut, [variants[0], late], seed=1, replicates=2)
    twice = [variants[0], variants[1], Variant("abrupt")]
    with pytest.raises(ScenarioError, match="variant name is used by another variant"):
        build_scenario(margin_cut, twice, seed=1, replicates=2)
    with pytest.raises(ScenarioError, match="the base variant is missing"):
        build_scenario(margin_cut, variants[1:], seed=1, replicates=2)


def test_a_saved_scenario_loads_as_the_variants_the_page_ran(margin_cut, tmp_path: Path) -> None:
    """save_scenario writes the resolved scenario; loading it gives the same configs, so
    ``sim run`` on it runs exactly what the page ran."""
    variants = variants_of(margin_cut)
    third = variants[2].with_timing("acme", "notice_months", 6)
    from dataclasses import replace

    variants.append(replace(third, name="notice-6"))
    scenario = build_scenario(margin_cut, variants, seed=9, replicates=3)
    path = save_scenario(scenario, tmp_path / "asked.yaml")
    again = load_scenario(path)
    assert list(again.variants) == ["base", "abrupt", "gradual", "notice-6"]
    assert again.variants == scenario.variants
    assert again.variants["notice-6"].events[0].notice_months == 6
    assert again.variants["base"].seed == 9 and again.variants["base"].replicates == 3
    assert scenario_yaml(scenario) == path.read_text()
    with pytest.raises(FileExistsError, match="exists; choose a new file name"):
        save_scenario(scenario, path)
    with pytest.raises(ValueError, match="ends in .yaml"):
        save_scenario(scenario, tmp_path / "asked.txt")
