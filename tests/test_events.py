"""Program events: when a change is announced, how its value moves, and how much it surprises.

An event ``{at_month: m, set: {key: new}, ramp_months: R, notice_months: N}`` is announced at
``m - N``, starts moving at ``m`` and reaches ``new`` at ``m + R``. The value in force during a step
is the schedule's value at the step's start, so with monthly steps an abrupt change at month 12 is in
force from step 12, and a 9-month ramp moves by a ninth in each of steps 13-21. Each change's total
trust surprise is ``k * (rho / M) ** gamma * M * (1 - notice effect) * (1 - communication effect)``
with ``M = max(R, 1 month)``, delivered in the steps in which the value moves, in proportion to how
far it moves in each, so a weekly and a monthly run of one scenario get the same total surprise.
The tests below read as traces of that schedule.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from sim.behaviours import build
from sim.model.channel_model import ChannelModel
from sim.model.events import (
    ANNOUNCED_DIRECTION,
    BOOLEAN_CHANGE_SIZE,
    DIRECTION,
    EXPIRY_KEYS,
    TIER_DIRECTION,
    Change,
    Schedule,
)
from sim.scenario.schema import (
    EVENT_SECTIONS,
    TIER_FIELDS,
    CompPlanConfig,
    EngagementConfig,
    ProgramConfig,
    ScenarioConfig,
)

ACME = 0
CUT = {"at_month": 12.0, "vendor": "acme", "set": {"program.margin": 0.12}}
GRADUAL = {**CUT, "ramp_months": 9.0, "notice_months": 3.0}
RAMP_NO_NOTICE = {**CUT, "ramp_months": 9.0}


def config(*events: dict[str, Any], step: str = "month", months: int = 24) -> ScenarioConfig:
    """acme (margin 0.20, communication 0.5) and rival, 40 partners, the given events."""
    return ScenarioConfig.model_validate(
        {
            "name": "events",
            "time": {"horizon_months": months, "step": step},
            "market": {"opportunities_per_month": 60.0},
            "vendors": [{"name": "acme", "direct_reps": 4}, {"name": "rival", "direct_reps": 4}],
            "partners": {"count": 40, "vendors_per_partner": 2},
            "events": list(events),
        }
    )


def margin_at(schedule: Schedule, month: float) -> float:
    return float(schedule.terms(month).margin[ACME])


def run_trace(cfg: ScenarioConfig) -> dict[str, np.ndarray]:
    """Step a model through ``cfg`` and record, per step, its month, acme's terms and surprises."""
    model = ChannelModel(cfg, 0)
    trace: dict[str, list[float]] = {
        "month": [],
        "margin": [],
        "announced": [],
        "loss": [],
        "gain": [],
    }
    for _ in range(cfg.time.steps):
        month = model.month
        model.step()
        trace["month"].append(month)
        trace["margin"].append(float(model.terms.margin[ACME]))
        trace["announced"].append(float(model.announced.margin[ACME]))
        trace["loss"].append(float(model.surprise_loss[ACME]))
        trace["gain"].append(float(model.surprise_gain[ACME]))
    return {key: np.array(values) for key, values in trace.items()}


# ---------------------------------------------------------------------------- values in force
def test_abrupt_change_is_in_force_from_its_month() -> None:
    """An abrupt cut at month 12 leaves step 11 at the old margin and step 12 at the new one."""
    trace = run_trace(config(CUT))
    assert trace["margin"][10:14].tolist() == [0.20, 0.20, 0.12, 0.12]
    assert trace["announced"][10:14].tolist() == [0.20, 0.20, 0.12, 0.12]


def test_ramp_moves_linearly_and_is_complete_at_its_end() -> None:
    """A 9-month ramp from month 12: still 0.20 at month 12, then 0.2 - 0.08 k / 9 at month 12 + k,
    0.12 from month 21 on."""
    schedule = Schedule(config(RAMP_NO_NOTICE))
    trace = [margin_at(schedule, month) for month in range(24)]
    expected = [0.20] * 13 + [0.20 - 0.08 * k / 9 for k in range(1, 9)] + [0.12] * 3
    assert trace == pytest.approx(expected, abs=1e-15)
    assert trace[12] == 0.20 and trace[13] == pytest.approx(0.2 - 0.08 / 9, abs=1e-15)
    assert trace[21] == pytest.approx(0.12, abs=1e-15) and trace[20] > 0.12
    assert run_trace(config(RAMP_NO_NOTICE))["margin"].tolist() == pytest.approx(trace, abs=1e-15)


def test_notice_announces_the_new_value_before_it_moves() -> None:
    """With 3 months' notice the new margin is announced from month 9, while 0.20 stays in force."""
    schedule = Schedule(config(GRADUAL))
    assert float(schedule.announced(8.999).margin[ACME]) == 0.20
    assert float(schedule.announced(9.0).margin[ACME]) == 0.12
    assert margin_at(schedule, 9.0) == 0.20
    trace = run_trace(config(GRADUAL))
    assert trace["announced"][7:11].tolist() == [0.20, 0.20, 0.12, 0.12]
    assert trace["margin"][9] == 0.20


def test_terms_between_changes_are_one_read_only_object_equal_to_a_fresh_schedule() -> None:
    """Between changes the schedule hands out the terms it made last (a step need not rebuild
    them); whenever a change has moved or been announced they are made afresh. Either way they
    equal what a schedule that never cached says at that month, and nobody can alter them."""
    schedule = Schedule(config(GRADUAL, {**CUT, "vendor": "rival", "at_month": 3.0}))
    months = [0.0, 1.0, 2.0, 3.0, 4.0, 8.0, 9.0, 10.0, 12.0, 13.0, 13.0, 20.0, 21.0, 22.0, 30.0]
    seen_terms, seen_announced = [], []
    for month in months:
        fresh = Schedule(config(GRADUAL, {**CUT, "vendor": "rival", "at_month": 3.0}))
        terms, announced = schedule.terms(month), schedule.announced(month)
        for got, want in ((terms, fresh.terms(month)), (announced, fresh.announced(month))):
            assert list(got.paths()) == list(want.paths())
            for path in want.paths():
                np.testing.assert_array_equal(got[path], want[path])
                assert not got[path].flags.writeable
        seen_terms.append(terms)
        seen_announced.append(announced)
    with pytest.raises(ValueError, match="read-only"):
        seen_terms[0].margin[ACME] = 0.5
    same = [a is b for a, b in zip(seen_terms, seen_terms[1:], strict=False)]
    # rival's cut lands at 3; acme's ramp moves in (12, 21]; after 21 nothing moves
    assert same == [True, True, False, True, True, True, True, True, False, True, False, False,
                    True, True]  # fmt: skip
    told = [a is b for a, b in zip(seen_announced, seen_announced[1:], strict=False)]
    assert told == [True, True, False, True, True, False, True, True, True, True, True, True,
                    True, True]  # fmt: skip


def test_weekly_steps_reach_the_same_value_at_the_same_month() -> None:
    """Weekly steps sample the same line: the ramp starts at month 12 and ends at month 21 exactly,
    and every weekly value is the monthly line's value at that week's month."""
    weekly = run_trace(config(RAMP_NO_NOTICE, step="week"))
    line = 0.20 - 0.08 * np.clip((weekly["month"] - 12.0) / 9.0, 0.0, 1.0)
    np.testing.assert_allclose(weekly["margin"], line, rtol=0, atol=1e-15)
    first_complete = np.flatnonzero(np.isclose(weekly["margin"], 0.12, rtol=0, atol=1e-15))[0]
    first_moved = np.flatnonzero(weekly["margin"] < 0.20)[0]
    assert weekly["month"][first_complete] == pytest.approx(21.0, abs=1e-9)
    assert weekly["month"][first_moved - 1] == pytest.approx(12.0, abs=1e-9)
    abrupt = run_trace(config(CUT, step="week"))
    assert abrupt["month"][np.flatnonzero(abrupt["margin"] == 0.12)[0]] == pytest.approx(12.0)


def test_chained_events_on_one_key_start_from_the_planned_value() -> None:
    """A cut to 0.15 at month 6 then a rise to 0.25 over months 10-14: the second change starts
    from 0.15, the value the first one left, whatever order the events are listed in."""
    first = {"at_month": 6.0, "vendor": "acme", "set": {"program.margin": 0.15}}
    second = {
        "at_month": 10.0,
        "vendor": "acme",
        "set": {"program.margin": 0.25},
        "ramp_months": 4.0,
    }
    expected = [0.20] * 6 + [0.15] * 5 + [0.175, 0.20, 0.225] + [0.25] * 4
    for events in ((first, second), (second, first)):
        schedule = Schedule(config(*events))
        trace = [margin_at(schedule, month) for month in range(18)]
        assert trace == pytest.approx(expected, abs=1e-15)
        old_new = [(c.old, c.new) for c in schedule.changes]
        assert old_new == [(0.20, 0.15), (0.15, 0.25)]


def test_overlapping_changes_of_one_key_are_rejected() -> None:
    """A second change that starts while the first is still ramping is an error naming both."""
    first = {**RAMP_NO_NOTICE}
    second = {"at_month": 15.0, "vendor": "acme", "set": {"program.margin": 0.10}}
    with pytest.raises(ValidationError, match=r"events\[1\].at_month.*month 21"):
        config(first, second)


def test_boolean_key_switches_at_its_month_and_ignores_ramp() -> None:
    """Deal registration cannot be 40% on: it switches off at month 5 even with a 4-month ramp."""
    event = {
        "at_month": 5.0,
        "vendor": "acme",
        "set": {"program.deal_registration": False},
        "ramp_months": 4.0,
    }
    schedule = Schedule(config(event))
    (change,) = schedule.changes
    assert change.ramp == 0.0
    values = [float(schedule.terms(m).deal_registration[ACME]) for m in (4.0, 4.99, 5.0, 7.0)]
    assert values == [1.0, 1.0, 0.0, 0.0]


def test_launch_terms_at_month_zero_are_no_change() -> None:
    """An event at month 0 with no ramp is how the program starts: the base value, announced from
    the start, and no surprise, whatever its notice (notice before a launch changes nothing, so a
    result cannot get worse with more notice)."""
    launch = {"at_month": 0.0, "vendor": "acme", "set": {"program.margin": 0.05}}
    schedule = Schedule(config(launch))
    assert schedule.changes == ()
    assert margin_at(schedule, 0.0) == 0.05
    trace = run_trace(config(launch, months=3))
    assert trace["loss"].tolist() == [0.0, 0.0, 0.0]
    for notice in (0.01, 1.0, 14.0):
        announced = run_trace(config({**launch, "notice_months": notice}, months=3))
        assert announced["loss"].tolist() == [0.0, 0.0, 0.0]


def test_a_change_just_after_month_zero_surprises_less_with_more_notice() -> None:
    """Just after month 0 the usual rule holds: a cut surprises, and more notice softens it."""
    cut = {"at_month": 1.0, "vendor": "acme", "set": {"program.margin": 0.05}}
    losses = [
        run_trace(config({**cut, "notice_months": n}, months=3))["loss"].sum()
        for n in (0.0, 0.01, 1.0, 3.0)
    ]
    assert losses[0] > 0
    assert losses == sorted(losses, reverse=True) and losses[-1] < losses[0]


# ---------------------------------------------------------------------------- size and sign
def change(path: str, old: float, new: float) -> Change:
    return Change(vendor=0, path=path, old=old, new=new, start=1.0, ramp=0.0, notice=0.0)


@pytest.mark.parametrize(
    ("path", "old", "new", "size"),
    [
        ("program.margin", 0.20, 0.12, 0.4),
        ("program.margin", 0.12, 0.20, 0.4),
        ("program.margin", 0.05, 0.10, 0.25),  # against the 0.20 reference margin
        ("program.spiff_per_deal", 0.0, 1000.0, 0.2),  # against a 5000 reference SPIFF
        ("comp_plan.direct_credit", 1.0, 1.5, 1 / 3),
        ("engagement.partner_join_stage", 0.2, 0.8, 0.75),
        ("program.communication", 0.5, 1.0, 0.5),
        ("program.deal_registration", 1.0, 0.0, BOOLEAN_CHANGE_SIZE),
        ("program.margin", 0.2, 0.2, 0.0),
    ],
)
def test_relative_size(path: str, old: float, new: float, size: float) -> None:
    """Relative size is ``|new - old| / max(|old|, |new|, reference)``: 0.20 -> 0.12 is 0.4."""
    assert change(path, old, new).relative_size == pytest.approx(size, rel=1e-12)


@pytest.mark.parametrize("path", sorted(DIRECTION))
def test_favourable_sign_follows_direction(path: str) -> None:
    """A rise is favourable for keys partners gain from (+1), unfavourable for the others (-1),
    neutral for keys that reach partners only indirectly (0); a fall is the opposite."""
    low, high = (12.0, 24.0) if path in EXPIRY_KEYS else (0.0, 1.0)
    up, down = change(path, low, high), change(path, high, low)
    assert up.favourable == DIRECTION[path]
    assert down.favourable == -DIRECTION[path]


@pytest.mark.parametrize(
    ("old", "new", "favourable", "size"),
    [
        (0.0, 6.0, -1, 1.0),  # a window where registrations never expired: protection lost
        (6.0, 0.0, +1, 1.0),
        (6.0, 12.0, +1, 0.5),  # the expiry rate halves
        (0.0, 24.0, -1, 0.5),  # 1/24 against the 12-month reference rate
        (3.0, 3.0, 0, 0.0),
        # a subnormal window: 1 / 5e-324 overflows, and the size was inf / inf = NaN
        (0.0, 5e-324, -1, 1.0),
        (5e-324, 1e-310, 0, 0.0),  # both lapse within any step: the same protection
        (5e-324, 6.0, +1, 1.0),
    ],
)
def test_a_registration_window_is_sized_and_signed_on_its_expiry_rate(
    old: float, new: float, favourable: int, size: float
) -> None:
    """0 means registrations never expire: a window that replaces it is a cut, not a rise."""
    moved = change("program.registration_window_months", old, new)
    assert moved.favourable == favourable
    assert moved.relative_size == pytest.approx(size)


def test_a_subnormal_registration_window_leaves_trust_finite() -> None:
    """Found by the engines' property test: a ramp to a window of 5e-324 months made the
    surprise NaN, so trust and then attention turned NaN and the Poisson draw of demand failed."""
    window = {
        "at_month": 0.0,
        "vendor": "acme",
        "set": {"program.registration_window_months": 5e-324},
        "ramp_months": 0.5,
    }
    model = ChannelModel(config(window, months=3), 0)
    model.run()
    assert np.isfinite(model.partners.trust).all()
    assert np.isfinite(model.partners.shares).all()


def test_every_event_key_has_a_direction() -> None:
    """Each key an event may set has a direction, or a change of it would crash the schedule."""
    sections = {"program": ProgramConfig, "comp_plan": CompPlanConfig}
    sections["engagement"] = EngagementConfig
    keys = {f"{s}.{k}" for s in EVENT_SECTIONS for k in sections[s].model_fields}
    # the tier list is not one key: an event sets one key of one tier, with TIER_DIRECTION
    assert set(DIRECTION) == keys - {"program.tiers"}
    assert set(TIER_DIRECTION) == set(TIER_FIELDS)
    assert DIRECTION["program.margin"] == 1 and DIRECTION["program.deal_registration"] == 1
    # Comp plans and engagement are internal: partners meet them through what reps do.
    assert all(DIRECTION[k] == 0 for k in keys if k.split(".")[0] in ("comp_plan", "engagement"))


@pytest.mark.parametrize(
    "bad",
    [
        {"program.margin": 1.5},
        {"program.margin": True},
        {"program.deal_registration": 0.3},
        {"comp_plan.quota_per_rep_month": -5.0},
        {"engagement.partner_join_stage": -1.0},
    ],
)
def test_event_values_are_checked_against_the_key_they_set(bad: dict[str, Any]) -> None:
    """An event value must be valid for its key, as the same value in the vendor section would be."""
    event = {"at_month": 3.0, "vendor": "acme", "set": bad}
    try:
        config(event)
    except ValidationError:
        return
    raise AssertionError(f"event value {bad} was accepted")


# ---------------------------------------------------------------------------- surprise
TRUST = build("trust")
K, GAMMA = TRUST.params.surprise_scale, TRUST.params.surprise_exponent
NOTICE_SCALE, RELIEF = TRUST.params.notice_scale_months, TRUST.params.communication_relief


def surprise(size: float, ramp: float, notice: float, communication: float, rule=TRUST) -> float:
    return float(rule.surprise(*(np.array([x]) for x in (size, ramp, notice, communication)))[0])


def test_abrupt_surprise_is_k_times_size_to_the_gamma() -> None:
    """An abrupt, unannounced 40% change at communication c surprises ``k 0.4^gamma (1 - relief c)``:
    0.18 with the defaults at c = 0.5."""
    assert surprise(0.4, 0.0, 0.0, 0.5) == pytest.approx(K * 0.4**GAMMA * (1 - RELIEF * 0.5))
    assert surprise(0.4, 0.0, 0.0, 0.5) == pytest.approx(0.18)
    assert surprise(0.4, 0.0, 0.0, 0.0) == pytest.approx(K * 0.4**GAMMA)
    assert surprise(0.4, 0.5, 0.0, 0.0) == surprise(0.4, 0.0, 0.0, 0.0)  # within a month


@pytest.mark.parametrize("gamma", [2.0, 2.5, 1.2])
def test_ramp_and_notice_scale_the_surprise(gamma: float) -> None:
    """A 9-month ramp has ``9 ** (1 - gamma)`` of the abrupt surprise; N months' notice keeps
    ``exp(-N / notice_scale)`` of it."""
    rule = build("trust", params={"surprise_exponent": gamma})
    abrupt = surprise(0.4, 0.0, 0.0, 0.5, rule)
    assert surprise(0.4, 9.0, 0.0, 0.5, rule) == pytest.approx(abrupt * 9 ** (1 - gamma))
    noticed = surprise(0.4, 9.0, 3.0, 0.5, rule)
    assert noticed == pytest.approx(abrupt * 9 ** (1 - gamma) * math.exp(-3.0 / NOTICE_SCALE))


def test_model_delivers_the_abrupt_surprise_in_the_step_the_value_moves() -> None:
    """The whole surprise of an abrupt cut lands in step 12, as a loss, and nowhere else."""
    trace = run_trace(config(CUT))
    expected = np.zeros(24)
    expected[12] = surprise(0.4, 0.0, 0.0, 0.5)
    np.testing.assert_allclose(trace["loss"], expected, rtol=1e-12, atol=0)
    assert not trace["gain"].any()


def test_model_spreads_a_ramps_surprise_over_the_steps_it_moves() -> None:
    """A gradual cut's surprise arrives in equal ninths in steps 13-21."""
    trace = run_trace(config(GRADUAL))
    total = surprise(0.4, 9.0, 3.0, 0.5)
    expected = np.zeros(24)
    expected[13:22] = total / 9
    np.testing.assert_allclose(trace["loss"], expected, rtol=1e-9, atol=1e-15)
    assert total == pytest.approx(0.18 * math.exp(-1) / 9)


def test_favourable_and_neutral_changes() -> None:
    """A margin rise is a gain, not a loss; a quota change reaches partners only through reps and
    surprises no one."""
    rise = {"at_month": 2.0, "vendor": "acme", "set": {"program.margin": 0.28}}
    quota = {"at_month": 3.0, "vendor": "acme", "set": {"comp_plan.quota_per_rep_month": 50000.0}}
    trace = run_trace(config(rise, quota, months=6))
    assert trace["gain"][2] == pytest.approx(surprise(0.08 / 0.28, 0.0, 0.0, 0.5))
    assert trace["gain"].sum() == trace["gain"][2]
    assert not trace["loss"].any()


def test_internal_changes_surprise_only_when_announced() -> None:
    """Cutting partner-sourced credit is felt through reps, not as news, unless the vendor tells
    partners: announced, it is a programme-sized loss that notice softens like any other; more
    credit for partner deals, announced, is good news, and a later join stage bad news."""
    cut = {"at_month": 2.0, "vendor": "acme", "set": {"comp_plan.partner_sourced_credit": 0.0}}
    silent = run_trace(config(cut, months=4))
    assert not silent["loss"].any() and not silent["gain"].any()
    told = run_trace(config({**cut, "announced": True}, months=4))
    assert told["loss"][2] == pytest.approx(surprise(1.0, 0.0, 0.0, 0.5))
    noticed = run_trace(config({**cut, "announced": True, "notice_months": 2.0}, months=4))
    assert 0 < noticed["loss"].sum() < told["loss"].sum()
    later = {"at_month": 2.0, "vendor": "acme", "set": {"engagement.partner_join_stage": 0.8}}
    assert run_trace(config({**later, "announced": True}, months=4))["loss"][2] > 0
    more = {"at_month": 2.0, "vendor": "acme", "set": {"comp_plan.partner_assisted_credit": 1.5}}
    assert run_trace(config({**more, "announced": True}, months=4))["gain"][2] > 0
    assert set(ANNOUNCED_DIRECTION) <= set(DIRECTION)


@pytest.mark.parametrize("event", [CUT, GRADUAL, RAMP_NO_NOTICE], ids=["abrupt", "gradual", "ramp"])
def test_weekly_and_monthly_runs_get_the_same_total_surprise(event: dict[str, Any]) -> None:
    """Summed over a run, the surprise of a change is the same with weekly and monthly steps: the
    property that makes weekly and monthly runs of one scenario agree."""
    monthly = run_trace(config(event))["loss"].sum()
    weekly = run_trace(config(event, step="week"))["loss"].sum()
    assert monthly > 0
    assert weekly == pytest.approx(monthly, rel=1e-12)


def test_chained_changes_each_deliver_their_surprise() -> None:
    """Two changes of one key surprise by the sum of their own totals, each sized from its own
    starting value."""
    first = {"at_month": 2.0, "vendor": "acme", "set": {"program.margin": 0.15}}
    second = {
        "at_month": 5.0,
        "vendor": "acme",
        "set": {"program.margin": 0.10},
        "ramp_months": 2.0,
    }
    trace = run_trace(config(first, second, months=9))
    assert trace["loss"].sum() == pytest.approx(
        surprise(0.05 / 0.20, 0.0, 0.0, 0.5) + surprise(0.05 / 0.20, 2.0, 0.0, 0.5)
    )
