"""`sim calibrate`: fit a scenario to a vendor's deal history.

1. The history's statistics (:mod:`sim.calibration.statistics`).
2. Direct estimates (:mod:`sim.calibration.estimates`) set their keys in the base scenario, and the
   vendor's own program changes (``program.csv``) become events of the focus vendor (a change dated
   before the window is its starting value).
3. A reference table (:mod:`sim.calibration.reference`): parameter sets from the priors (``--fit
   KEY=LOW:HIGH``, or :func:`default_priors`), each simulated over the history's window.
4. The posterior (:mod:`sim.calibration.abc`), its cross-fitted coverage, and the check that every
   observed statistic is one the model produces; when one is not, the fit says so and gives no
   parameters.
5. The posterior predictive over time (:mod:`sim.calibration.over_time`): each monthly series of
   the history against the band of the weighted runs; with ``holdout_months``, steps 1-4 use the
   history as it stood that many months before its end and the last months are the held-out check.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from types import SimpleNamespace

import numpy as np
import pandas as pd

from sim.calibration import abc, over_time, predictive
from sim.calibration.estimates import Estimate, direct_estimates, history_window
from sim.calibration.history import History
from sim.calibration.reference import Prior, RunSpec, prior_samples, reference_table
from sim.calibration.statistics import history_statistics
from sim.experiments.manifest import resolved_scenario_yaml
from sim.experiments.sweep_run import whole_number_keys
from sim.scenario.resolution import with_overrides
from sim.scenario.schema import EventConfig, ScenarioConfig

POSTERIOR_VARIANTS = 10
"""Posterior draws written as variants of ``calibrated.yaml``."""
MIN_FIT_MONTHS = 6
"""Fewest months a held-out check leaves to fit on."""


class FitError(ValueError):
    """The fit cannot start (a bad ``--fit`` range, a key the scenario does not have)."""


def parse_fit(text: str) -> tuple[str, float, float]:
    """``KEY=LOW:HIGH`` -> (key, low, high)."""
    key, sep, bounds = text.partition("=")
    low, colon, high = bounds.partition(":")
    try:
        if not (sep and colon and key):
            raise ValueError
        values = float(low), float(high)
    except ValueError:
        raise FitError(
            f"--fit {text!r}: must be KEY=LOW:HIGH, e.g. partners.count=300:900"
        ) from None
    if not (np.isfinite(values).all() and values[0] < values[1]):
        raise FitError(f"--fit {text!r}: LOW must be below HIGH, both finite numbers")
    return key.strip(), *values


def default_priors(base: ScenarioConfig, with_partners: bool = False) -> list[Prior]:
    """Priors when ``--fit`` is not given: what the history measures only through the model (the
    focus vendor's direct team from a quarter to twice the scenario's: its vendor-sourced deals).
    With ``partners.csv`` (``with_partners``) the partner base's churn and growth too: the
    cool-off before a firm that left is courted again (which makes its exit one for good) and the
    focus vendor's recruiting beyond replacement, up to 3% of its lines a month."""
    focus = base.focus or base.vendors[0].name
    demand = base.market.opportunities_per_month
    reps = next(v for v in base.vendors if v.name == focus).direct_reps
    priors = [
        Prior("market.opportunities_per_month", 0.4 * demand, 2.5 * demand),
        Prior(f"vendors.{focus}.product_strength", 0.2, 0.95),
        *(
            [Prior(f"vendors.{focus}.direct_reps", max(1, round(0.25 * reps)), 2 * reps, True)]
            if reps > 0
            else []
        ),  # a channel-only vendor keeps no direct team
        Prior("behaviours.deal_outcome.partner_lift", 0.4, 2.0),
        Prior("partners.capacity.shape", 1.1, 2.0),
        Prior("partners.carrying_cost_per_line_month", 300.0, 3000.0),
    ]
    if with_partners:
        p = base.partners
        lines = p.count * p.vendors_per_partner / len(base.vendors)
        priors += [
            Prior("partners.resign_cooloff_months", 0.0, 24.0),
            Prior(f"vendors.{focus}.program.recruit_per_month", 0.0, max(0.03 * lines, 0.5)),
        ]
    return priors


@dataclass
class FitPlan:
    """What a fit will run: the base scenario after direct estimates and program events, priors.

    ``observed`` are the statistics fitted: of the whole history, or with ``holdout_months`` of
    the history cut short at ``cut`` (:func:`sim.calibration.over_time.cut_short`). ``months`` is
    the whole window's length in calendar months (the series compared over time)."""

    history: History
    base: ScenarioConfig
    priors: list[Prior]
    estimates: list[Estimate]
    events: list[EventConfig]
    observed: dict[str, float]
    samples: int = 512
    replicates: int = 1
    holdout_months: int = 0
    months: int = 0
    cut: pd.Timestamp | None = None

    @property
    def held_out_from(self) -> int | None:
        """The first held-out month (0 = the window's first), or None: the cut is the first day
        of the last ``holdout_months`` (:func:`sim.calibration.over_time.cut_date`)."""
        return self.months - self.holdout_months if self.holdout_months else None


def plan_fit(
    history: History,
    base: ScenarioConfig,
    fits: Sequence[tuple[str, float, float]] = (),
    samples: int = 512,
    replicates: int = 1,
    holdout_months: int = 0,
) -> FitPlan:
    """Direct estimates and program events applied to ``base``; priors from ``fits`` or defaults.
    With ``holdout_months``, everything but the run's length is estimated from the history as it
    stood that many months before its end.

    Raises:
        FitError: a ``--fit`` key the scenario does not have, or one a direct estimate sets; a
            held-out check that leaves fewer than :data:`MIN_FIT_MONTHS` to fit on.
    """
    focus = base.focus or base.vendors[0].name
    months = over_time.months_in(history)
    fitted, cut = history, None
    if holdout_months:
        if months - holdout_months < MIN_FIT_MONTHS:
            raise FitError(
                f"--holdout-months {holdout_months}: the history covers {months} months; hold out "
                f"at most {max(months - MIN_FIT_MONTHS, 0)} so that {MIN_FIT_MONTHS} are left to fit"
            )
        cut = over_time.cut_date(history, holdout_months)
        fitted = over_time.cut_short(history, cut)
    # the cycle's shape is estimated net of the step this scenario rounds close times to; the
    # runs cover the whole window (its calendar months), held-out months included
    estimates = [
        replace(e, value=float(months), n=len(history.deals))
        if e.path == "time.horizon_months"
        else e
        for e in direct_estimates(
            fitted, len(base.vendors), base.partners.vendors_per_partner, base.time.dt
        )
    ]
    values: dict[str, object] = {
        e.path: int(e.value) if e.path in ("partners.count",) else e.value for e in estimates
    }
    for e in estimates:
        _check_value(base, e.path, values[e.path], f"the direct estimate of {e.path} ({e.how})")
    window = history_window(history)
    events, starting = _program_events(history, focus, window.start)
    values.update(starting)
    config = with_overrides(base, values)
    if events:
        config = config.model_copy(update={"events": [*config.events, *events]})
    keys = [key for key, _, _ in fits]
    if len(set(keys)) < len(keys):
        twice = sorted({k for k in keys if keys.count(k) > 1})
        raise FitError(f"--fit {twice[0]}: given more than once; give each key one range")
    whole = set()
    for key in keys:
        try:
            whole |= whole_number_keys(config, [key])
        except Exception as exc:  # PathError: not a key of the scenario
            raise FitError(f"--fit {key}: {exc}") from None
    priors = [Prior(key, low, high, key in whole) for key, low, high in fits]
    if not priors:  # the defaults, less what the history sets (estimates, program changes)
        replayed = {f"vendors.{e.vendor}.{key}" for e in events for key in e.set}
        priors = [
            p
            for p in default_priors(config, history.partners is not None)
            if p.path not in values and p.path not in replayed
        ]
    for prior in priors:
        if prior.path in values:
            raise FitError(f"--fit {prior.path}: the history measures it directly; leave it out")
        for end in (prior.low, prior.high):
            value = int(round(end)) if prior.integer else end
            _check_value(config, prior.path, value, f"--fit {prior.path}")
    observed = history_statistics(fitted.deals, fitted.partners).scalars
    return FitPlan(
        history, config, priors, estimates, events, observed, samples, replicates,
        holdout_months, months, cut,
    )  # fmt: skip


def _check_value(config: ScenarioConfig, path: str, value: object, label: str) -> None:
    """Raise :class:`FitError` naming ``label`` when ``path`` cannot take ``value``."""
    try:
        with_overrides(config, {path: value})
    except Exception as exc:  # ScenarioError: the path is unknown or the value out of range
        reason = str(exc).splitlines()[0].split(f"{path}: ", 1)[-1]
        raise FitError(f"{label}: {reason}") from None


def _program_events(
    history: History, focus: str, start: pd.Timestamp
) -> tuple[list[EventConfig], dict[str, object]]:
    if history.program is None:
        return [], {}
    events, starting = [], {}
    for row in history.program.sort_values("date", kind="stable").itertuples(index=False):
        month = _model_month(row.date, start)
        if month <= 0:
            starting[f"vendors.{focus}.{row.key}"] = row.value
        else:
            events.append(
                EventConfig(at_month=round(month, 3), vendor=focus, set={row.key: row.value})
            )
    return events, starting


def _model_month(date: pd.Timestamp, start: pd.Timestamp) -> float:
    """The model month of ``date`` when month 0 is ``start``'s calendar month, as a run's deal log
    dates them (:func:`sim.experiments.deal_files.stamps`): whole months, then the day's share."""
    whole = (date.to_period("M") - start.to_period("M")).n
    return whole + (date.day - 1) / date.days_in_month


@dataclass
class FitResult:
    """A finished fit. ``posterior`` is None when the history is not one the model produces."""

    plan: FitPlan
    table: pd.DataFrame
    statistics: tuple[str, ...]
    coverage: pd.DataFrame
    unproducible: pd.DataFrame
    posterior: abc.Posterior | None
    predictive: pd.DataFrame = field(default_factory=pd.DataFrame)
    over_time: pd.DataFrame = field(default_factory=pd.DataFrame)
    holdout: pd.DataFrame = field(default_factory=pd.DataFrame)


def run_fit(
    plan: FitPlan, workers: int = 1, progress: Callable[[int, int], None] | None = None
) -> FitResult:
    """Simulate the reference table, then the posterior, coverage and the producibility check."""
    samples = prior_samples(plan.priors, plan.samples, plan.base.seed)
    spec = RunSpec(plan.history.partners is not None, plan.holdout_months, plan.months)
    reference = reference_table(plan.base, samples, plan.replicates, workers, progress, spec)
    table = reference.table
    stats = abc.usable_statistics(table, plan.observed)
    missing = abc.unproducible(table, plan.observed, stats)
    share, cover = abc.choose_forest(table, plan.priors, stats, seed=plan.base.seed)
    post = None if len(missing) else abc.posterior(table, plan.observed, plan.priors, stats, share)
    weights = predictive.run_weights(table, post)
    scalars = predictive.statistics_predictive(table, plan.observed, stats, weights)
    observed = over_time.series(plan.history, plan.months)
    labels = over_time.month_labels(plan.history, plan.months)
    held_out_from = plan.held_out_from
    timeline = predictive.predictive_over_time(
        reference.series, weights, observed, labels, held_out_from
    )
    holdout = pd.DataFrame()
    if post is not None and held_out_from is not None and held_out_from < plan.months:
        holdout = predictive.holdout_totals(reference.series, weights, observed, timeline)
    return FitResult(plan, table, stats, cover, missing, post, scalars, timeline, holdout)


def calibrated_yaml(result: FitResult, history_label: str) -> str:
    """``calibrated.yaml``: the base scenario at the posterior medians, and
    :data:`POSTERIOR_VARIANTS` posterior draws as variants ``posterior-01`` ..."""
    assert result.posterior is not None
    plan = result.plan
    whole = {p.path for p in plan.priors if p.integer}

    def typed(values: dict[str, float]) -> dict[str, object]:
        return {k: int(round(v)) if k in whole else float(v) for k, v in values.items()}

    described = plan.base.model_copy(
        update={
            "description": f"{plan.base.name} calibrated to the deal history {history_label}: "
            f"{plan.base.partners.count} partners, {plan.base.time.horizon_months:g} months, "
            f"the fitted keys at their posterior medians (posterior-NN: posterior draws)."
        }
    )
    base = with_overrides(described, typed(result.posterior.median()))
    variants = {"base": base}
    for i, row in enumerate(
        result.posterior.draws(POSTERIOR_VARIANTS, plan.base.seed).to_dict("records")
    ):
        variants[f"posterior-{i + 1:02d}"] = with_overrides(described, typed(row))
    text = resolved_scenario_yaml(SimpleNamespace(name=base.name, variants=variants))
    body = text.split("\n", 2)[2]
    header = (
        f"# Calibrated to the deal history {history_label} by sim calibrate: base at the posterior\n"
        f"# medians of {', '.join(p.path for p in plan.priors)};\n"
        f"# posterior-01 .. posterior-{POSTERIOR_VARIANTS:02d} are draws from the posterior. "
        "Run with: sim run calibrated.yaml\n"
    )
    return header + body


__all__ = [
    "POSTERIOR_VARIANTS",
    "FitError",
    "FitPlan",
    "FitResult",
    "calibrated_yaml",
    "default_priors",
    "parse_fit",
    "plan_fit",
    "run_fit",
]
