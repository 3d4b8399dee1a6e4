"""`sim calibrate` (issue 18, items 3-5): the estimator's intervals are calibrated, the fit is
reproducible, a history the model cannot produce gets no parameters, and bad input exits 2.

Fits here run a small scenario (three vendors, 60 partners, 12 months) on 32 parameter sets, so
each takes seconds; the coverage of the estimator itself is checked on a synthetic table.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from cli import main
from sim.calibration import abc
from sim.calibration.fit import FitError, parse_fit
from sim.calibration.reference import Prior

SMALL = """\
name: small
seed: 3
replicates: 1
time: {horizon_months: 12, step: month, spin_up_months: 12}
market: {opportunities_per_month: 150}
vendors:
  - {name: acme, direct_reps: 4}
  - {name: rival, direct_reps: 4}
  - {name: nova, direct_reps: 4}
partners: {count: 60, vendors_per_partner: 2}
"""
FITS = ("--fit", "market.opportunities_per_month=60:300", "--fit",
        "vendors.acme.product_strength=0.3:0.9")  # fmt: skip


def _sim(*args: str | Path):
    return CliRunner().invoke(main, [str(a) for a in args])


def _quick_fit(history: Path, scenario: Path, out: Path):
    """`sim calibrate` of FITS on 16 runs, one worker."""
    return _sim(
        "calibrate", history, "--scenario", scenario, *FITS, "--samples", "16", "--out", out,
        "--workers", "1", "--no-progress",
    )  # fmt: skip


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path]:
    """The small scenario and the deal history of one of its runs (demand 180, strength 0.7; seed
    4, a typical run: with 60 partners one run in six or so has twice the deals of the others)."""
    root = tmp_path_factory.mktemp("calibrate")
    scenario = root / "small.yaml"
    scenario.write_text(SMALL)
    result = _sim(
        "run", scenario, "--set", "market.opportunities_per_month=180", "--set",
        "vendors.acme.product_strength=0.7", "--seed", "4", "--deals", "--out", root / "truth",
        "--no-progress",
        "--workers", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return scenario, root / "truth" / "deals" / "base" / "000"


@pytest.fixture(scope="module")
def fitted(small, tmp_path_factory) -> tuple[Path, str]:
    scenario, history = small
    out = tmp_path_factory.mktemp("fit") / "fit"
    result = _sim(
        "calibrate", history, "--scenario", scenario, *FITS, "--samples", "32", "--out", out,
        "--workers", "1", "--no-progress",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return out, result.output


def test_a_fit_writes_a_scenario_that_runs_and_its_checks(fitted) -> None:
    out, output = fitted
    names = {p.name for p in out.iterdir()}
    assert {
        "calibrated.yaml",
        "posterior.csv",
        "estimates.csv",
        "predictive.csv",
        "coverage.csv",
        "reference.csv",
        "fit.json",
        "predictive_monthly.csv",
        "report.html",
    } <= names
    assert {p.name for p in (out / "plots").iterdir()} == {"predictive_over_time.png",
                                                            "posterior.png"}  # fmt: skip
    assert "holdout.csv" not in names  # no held-out check was asked for
    doc = yaml.safe_load((out / "calibrated.yaml").read_text())
    assert sorted(doc["variants"]) == [f"posterior-{i:02d}" for i in range(1, 11)]
    assert doc["time"]["horizon_months"] == 12  # the history's calendar months, a direct estimate
    assert doc["description"].startswith("small calibrated to the deal history ")
    check = _sim("validate", out / "calibrated.yaml")
    assert check.exit_code == 0, check.output
    fit = json.loads((out / "fit.json").read_text())
    assert fit["status"] == "calibrated" and fit["samples"] == 32
    assert [p["path"] for p in fit["priors"]] == [
        "market.opportunities_per_month", "vendors.acme.product_strength"
    ]  # fmt: skip
    reference = pd.read_csv(out / "reference.csv")
    assert len(reference) == 32
    assert reference["market.opportunities_per_month"].between(60, 300).all()
    posterior = pd.read_csv(out / "posterior.csv")
    assert posterior["weight"].sum() == pytest.approx(1.0)
    assert "Posterior (32 reference runs" in output and "Coverage of the 50/80/95%" in output


def test_the_posterior_concentrates_where_the_history_came_from(fitted) -> None:
    """Demand 180 and strength 0.7 made the history: the posterior moves toward them from the
    prior's middle (180 and 0.6) and its 80% interval is narrower than the prior."""
    out, _ = fitted
    posterior = pd.read_csv(out / "posterior.csv")
    w = posterior["weight:vendors.acme.product_strength"].to_numpy()
    strength = posterior["vendors.acme.product_strength"].to_numpy()
    low, high = (abc.weighted_quantile(strength, w, q) for q in (0.1, 0.9))
    assert low <= 0.7 <= high
    assert high - low < 0.8 * (0.9 - 0.3)


def test_the_same_fit_gives_the_same_files_for_any_worker_count(small, fitted, tmp_path) -> None:
    scenario, history = small
    out, _ = fitted
    again = _sim(
        "calibrate", history, "--scenario", scenario, *FITS, "--samples", "32", "--out",
        tmp_path / "again", "--workers", "2", "--no-progress",
    )  # fmt: skip
    assert again.exit_code == 0, again.output
    for name in ("reference.csv", "posterior.csv", "calibrated.yaml", "coverage.csv"):
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes(), name


def test_a_history_the_model_cannot_produce_gets_no_parameters(small, tmp_path) -> None:
    """Every deal won: no run reaches a win rate of 1, so the fit says so, writes no scenario and
    exits 1."""
    scenario, history = small
    deals = pd.read_csv(history / "deals.csv", dtype=str, keep_default_na=False)
    deals.loc[deals["outcome"] == "lost", "outcome"] = "won"
    broken = tmp_path / "all-won"
    broken.mkdir()
    deals.to_csv(broken / "deals.csv", index=False)
    (broken / "partners.csv").write_bytes((history / "partners.csv").read_bytes())
    result = _quick_fit(broken, scenario, tmp_path / "fit")
    assert result.exit_code == 1, result.output
    assert "The model does not produce this history" in result.output
    assert "win_rate" in result.output
    assert not (tmp_path / "fit" / "calibrated.yaml").exists()
    fit = json.loads((tmp_path / "fit" / "fit.json").read_text())
    assert fit["status"] == "not-producible" and fit["unproducible"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--fit", "market.opportunities_per_month=300:60"), "LOW must be below HIGH"),
        (("--fit", "market.opportunities_per_month"), "must be KEY=LOW:HIGH"),
        (("--fit", "market.no_such_key=0:1"), "--fit market.no_such_key"),
        (("--fit", "market.sales_cycle_months=1:5"), "the history measures it directly"),
        (("--holdout-months", "9"), "hold out at most"),
        (
            ("--fit", "vendors.acme.product_strength=0.5:1.4"),
            "--fit vendors.acme.product_strength:",
        ),
        (
            (
                "--fit",
                "market.opportunities_per_month=60:300",
                "--fit",
                "market.opportunities_per_month=100:200",
            ),
            "given more than once",
        ),
    ],
)
def test_bad_fit_options_exit_2_naming_the_option(small, tmp_path, args, message) -> None:
    scenario, history = small
    result = _sim("calibrate", history, "--scenario", scenario, *args, "--out", tmp_path / "x")
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_a_history_without_partners_is_compared_with_runs_summarised_alike(small, tmp_path) -> None:
    """Without partners.csv a history counts active partners by their deals, and so must the
    runs: the run's own history, deals.csv alone, is one the model produces."""
    scenario, history = small
    alone = tmp_path / "deals-only"
    alone.mkdir()
    (alone / "deals.csv").write_bytes((history / "deals.csv").read_bytes())
    result = _quick_fit(alone, scenario, tmp_path / "fit")
    assert result.exit_code == 0, result.output
    assert "partners.count" not in result.output  # no partners.csv: no direct estimate of it


def test_a_whole_number_key_is_fitted_in_whole_numbers(small, tmp_path) -> None:
    """A range of an integer key is checked at both ends and sampled in whole numbers."""
    from sim.calibration import read_history
    from sim.calibration.fit import plan_fit
    from sim.calibration.reference import prior_samples
    from sim.scenario import load_scenario

    scenario, history = small
    base = load_scenario(scenario).variants["base"]
    plan = plan_fit(read_history(history), base, [parse_fit("vendors.acme.direct_reps=2:9")])
    (prior,) = plan.priors
    assert prior.integer
    values = prior_samples(plan.priors, 16, 1)["vendors.acme.direct_reps"]
    assert (values == values.round()).all() and values.between(2, 9).all()


def test_the_cycle_shape_is_estimated_for_the_step_of_the_scenario_fitted(small) -> None:
    """A weekly scenario rounds close times to weeks, so its shape estimate takes a week's
    rounding off the history's spread, not a month's."""
    from sim.calibration import read_history
    from sim.calibration.fit import plan_fit
    from sim.scenario import load_scenario

    scenario, history = small
    base = load_scenario(scenario).variants["base"]
    weekly = base.model_copy(update={"time": base.time.model_copy(update={"step": "week"})})
    found = read_history(history)
    shapes = {}
    for config in (base, weekly):
        plan = plan_fit(found, config, [parse_fit(FITS[1])])
        (shape,) = [e for e in plan.estimates if e.path == "market.sales_cycle_shape"]
        shapes[config.time.step] = shape
    assert "less a 1-month step" in shapes["month"].how
    assert f"less a {12 / 52:g}-month step" in shapes["week"].how
    assert shapes["week"].value < shapes["month"].value


def _with_program(history: Path, folder: Path, rows: str) -> Path:
    """A copy of ``history`` (deals.csv, partners.csv) with a program.csv of ``rows``."""
    folder.mkdir()
    for name in ("deals.csv", "partners.csv"):
        (folder / name).write_bytes((history / name).read_bytes())
    (folder / "program.csv").write_text("date,key,value\n" + rows)
    return folder


def test_program_changes_become_events_of_the_focus_vendor(small, tmp_path) -> None:
    """A change dated after the history's first month is an event at its model month; one dated
    before it is the vendor's starting value."""
    from sim.calibration import read_history
    from sim.calibration.fit import plan_fit
    from sim.scenario import load_scenario

    scenario, history = small
    rows = "2024-06-01,program.margin,0.18\n2025-07-01,program.margin,0.12\n"
    folder = _with_program(history, tmp_path / "with-program", rows)
    base = load_scenario(scenario).variants["base"]
    plan = plan_fit(read_history(folder), base, [parse_fit(FITS[1])], samples=16)
    acme = next(v for v in plan.base.vendors if v.name == "acme")
    assert acme.program.margin == pytest.approx(0.18)
    (event,) = plan.events
    assert event.vendor == "acme" and event.set == {"program.margin": 0.12}
    # month 0 is the first close's month (January 2025), as a run's deal log dates it: 1 July is
    # model month 6, the step in which a monthly run's July deals are dated
    assert event.at_month == pytest.approx(6.0)


def test_a_held_out_check_fits_on_the_history_as_it_stood_and_checks_the_rest(
    small, fitted, tmp_path
) -> None:
    """--holdout-months 4: the statistics fitted are those of the history cut 4 months before its
    end (fewer deals than the whole), the runs still cover the whole window, and the last months
    are compared with the fitted runs in holdout.csv, predictive_monthly.csv and the report."""
    scenario, history = small
    out = tmp_path / "held"
    result = _sim(
        "calibrate", history, "--scenario", scenario, *FITS, "--samples", "16", "--out", out,
        "--workers", "1", "--no-progress", "--holdout-months", "4",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Held-out check (fitted on the history before" in result.output
    fit = json.loads((out / "fit.json").read_text())
    assert fit["holdout_months"] == 4 and fit["cut"]
    from sim.calibration import read_history
    from sim.calibration.over_time import cut_short
    from sim.calibration.statistics import history_statistics

    seen = cut_short(read_history(history), pd.Timestamp(fit["cut"]))
    expected = history_statistics(seen.deals, seen.partners).scalars
    whole = pd.read_csv(fitted[0] / "predictive.csv").set_index("statistic")["observed"]
    cut = pd.read_csv(out / "predictive.csv").set_index("statistic")["observed"]
    assert len(seen.deals) < len(read_history(history).deals)
    assert cut.to_dict() == pytest.approx({k: expected[k] for k in cut.index})
    assert (cut != whole.reindex(cut.index)).any()
    monthly = pd.read_csv(out / "predictive_monthly.csv")
    months = monthly["month"].nunique()
    assert months == pd.read_csv(fitted[0] / "predictive_monthly.csv")["month"].nunique()
    held = monthly[monthly["held_out"]]
    assert sorted(held["month"].unique()) == list(range(months - 4, months))  # the last 4
    holdout = pd.read_csv(out / "holdout.csv")
    assert len(holdout) == 4 and (holdout["months"] == held["month"].nunique()).all()
    observed = held.groupby(["measure", "source"])["observed"].sum()
    for row in holdout.itertuples(index=False):
        assert row.observed == pytest.approx(observed[(row.measure, row.source)])
        assert row.p5 <= row.p50 <= row.p95
    report = (out / "report.html").read_text()
    assert (
        "Held-out check" in report and "held-out total&#39;s 90% band spans a factor of" in report
    )


def test_the_report_names_a_series_the_history_keeps_on_one_side_of_the_runs() -> None:
    """A wide band can hide a bias: a series below the runs' median in 80% of the fitted months
    or more is named; one on both sides is not."""
    from analysis.calibration_report import _bias_lines

    months = np.arange(10)
    low = pd.DataFrame({"measure": "won_value", "source": "vendor", "month": months,
                        "observed": 1.0, "p50": np.where(months < 8, 2.0, 0.5)})  # fmt: skip
    mixed = low.assign(source="partner", p50=np.where(months % 2, 2.0, 0.5))
    lines = _bias_lines(pd.concat([low, mixed]))
    assert lines == [
        "The history's vendor-sourced won value per month is below the runs' median in 80% of "
        "the months the fit saw: the fitted model leans the other way there."
    ]


def test_a_history_cut_short_is_the_history_as_it_stood_at_the_cut() -> None:
    """Deals created after the cut are unseen; those closed after it are open; partners that left
    after it are still enrolled; those that joined after it are unseen."""
    from sim.calibration.history import History
    from sim.calibration.over_time import cut_short

    t = pd.Timestamp
    deals = pd.DataFrame({
        "deal_id": ["a", "b", "c"], "created": [t("2025-01-05"), t("2025-02-01"), t("2025-06-01")],
        "closed": [t("2025-03-01"), t("2025-07-01"), pd.NaT], "amount": [1.0, 2.0, 3.0],
        "outcome": ["won", "lost", "open"], "partner_id": ["P1", pd.NA, "P2"],
        "source": ["partner", "vendor", "partner"],
    })  # fmt: skip
    partners = pd.DataFrame({
        "partner_id": ["P1", "P2", "P3"], "joined": [t("2024-01-01"), t("2025-05-01"),
                                                     t("2024-01-01")],
        "left": [t("2025-08-01"), pd.NaT, t("2025-02-01")], "tier": [pd.NA] * 3,
    })  # fmt: skip
    seen = cut_short(History(deals, partners), t("2025-04-01"))
    assert list(seen.deals["deal_id"]) == ["a", "b"]
    assert list(seen.deals["outcome"]) == ["won", "open"]
    assert seen.deals["closed"].isna().tolist() == [False, True]
    assert list(seen.partners["partner_id"]) == ["P1", "P3"]
    assert seen.partners["left"].isna().tolist() == [True, False]
    assert len(deals) == 3 and deals["outcome"].iloc[1] == "lost"  # the input is unchanged


def test_default_priors_fit_the_partner_base_only_when_partners_csv_says_something(small) -> None:
    """Without --fit: demand, strength, direct reps, lift, capacity tail, carrying cost; with
    partners.csv also
    the re-signing cool-off and the focus vendor's recruiting (up to 3% of its lines a month)."""
    from sim.calibration.fit import default_priors
    from sim.scenario import load_scenario

    base = load_scenario(small[0]).variants["base"]
    alone = [p.path for p in default_priors(base)]
    assert "partners.resign_cooloff_months" not in alone and len(alone) == 6
    assert "vendors.acme.direct_reps" in alone  # 4 reps: 1 to 8, in whole reps
    both = {p.path: p for p in default_priors(base, with_partners=True)}
    assert set(alone) < set(both)
    assert both["partners.resign_cooloff_months"].high == 24.0
    lines = 60 * 2 / 3  # 60 partners x 2 slots over 3 vendors
    assert both["vendors.acme.program.recruit_per_month"].high == pytest.approx(
        max(0.03 * lines, 0.5)
    )


def test_default_priors_leave_out_what_the_history_sets_and_a_direct_team_the_vendor_lacks(
    small, tmp_path
) -> None:
    """A key program.csv replays is not also fitted by default (no error, as with --fit), and a
    channel-only vendor (no reps) is not given a direct team."""
    from sim.calibration import read_history
    from sim.calibration.fit import default_priors, plan_fit
    from sim.scenario import load_scenario

    scenario, history = small
    folder = _with_program(
        history, tmp_path / "recruiting", "2025-06-01,program.recruit_per_month,0.5\n"
    )
    base = load_scenario(scenario).variants["base"]
    plan = plan_fit(read_history(folder), base)
    paths = [p.path for p in plan.priors]
    assert "partners.resign_cooloff_months" in paths
    assert "vendors.acme.program.recruit_per_month" not in paths
    assert plan.events and plan.events[0].set == {"program.recruit_per_month": 0.5}
    channel_only = base.model_copy(
        update={
            "vendors": [base.vendors[0].model_copy(update={"direct_reps": 0}), *base.vendors[1:]]
        }
    )
    assert "vendors.acme.direct_reps" not in [p.path for p in default_priors(channel_only)]


def test_a_run_is_cut_by_the_history_s_months_from_its_own_first_month() -> None:
    """A run's cut counts the history's calendar months from the run's first month, so a run whose
    last step spills into one more month is cut where the history is; no deals gives zeros."""
    from sim.calibration.history import History
    from sim.calibration.over_time import cut_date, series

    t = pd.Timestamp
    deals = pd.DataFrame({
        "deal_id": ["a", "b"], "created": [t("2024-12-10"), t("2025-02-01")],
        "closed": [t("2025-01-20"), t("2025-06-02")], "amount": [1.0, 2.0],
        "outcome": ["won", "won"], "partner_id": [pd.NA, pd.NA], "source": ["vendor", "vendor"],
    })  # fmt: skip
    run = History(deals)
    assert cut_date(run, 2) == t("2025-05-01")  # its own window: January to June
    assert cut_date(run, 2, months=5) == t("2025-04-01")  # the history's 5 months: to May
    empty = History(deals.iloc[:0])
    assert (series(empty, 3) == 0).all()


def test_parse_fit() -> None:
    assert parse_fit("partners.count=300:900") == ("partners.count", 300.0, 900.0)
    with pytest.raises(FitError, match="finite"):
        parse_fit("partners.count=0:inf")


def test_the_forest_intervals_hold_the_truth_as_often_as_they_say() -> None:
    """The estimator alone, on a table where each statistic is a parameter plus noise (plus one
    statistic of pure noise): cross-fitted coverage of the 50/80/95% intervals within 10 points."""
    rng = np.random.default_rng(4)
    n = 600
    theta = rng.random((n, 2))
    table = pd.DataFrame({"sample": np.arange(n), "a": theta[:, 0], "b": 2 + theta[:, 1]})
    table["opportunities_per_month"] = theta[:, 0] + rng.normal(0, 0.08, n)
    table["win_rate"] = theta[:, 1] + 0.5 * theta[:, 0] + rng.normal(0, 0.08, n)
    table["deal_size_p50"] = rng.normal(0, 1, n)
    priors = [Prior("a", 0.0, 1.0), Prior("b", 2.0, 3.0)]
    stats = ("opportunities_per_month", "win_rate", "deal_size_p50")
    share, cover = abc.choose_forest(table, priors, stats)
    gap = (cover["coverage"] - cover["level"]).abs()
    assert gap.max() <= 0.10, cover
    assert (cover["feature_share"] == share).all()
