"""Memory guard: estimate a run's peak memory from its sizes and refuse runs that cannot fit.

The estimate (docs/performance.md, "Memory") is linear in what a run holds::

    per run = BASE + LINK x links + PARTNER x partners + REP x reps + DEAL x open deals
              + METRIC x steps x vendors + EVENT x events
    total   = workers x per run (+ BASE for the parent when workers > 1) + EVENT x events of all
              variants (the parent holds every variant's config)

with ``links = partners x vendors_per_partner``, ``partners`` the starting partners plus the
expected recruits over the horizon, ``reps`` every vendor's direct reps (each a Mesa agent),
``open deals`` = opportunities per month x sales cycle months (Little's law) and the coefficients
calibrated on ``make bench`` measurements (peak ``ru_maxrss``). :func:`check_memory` raises
:class:`MemoryLimitError` when the total exceeds the memory available (``MemAvailable`` of
``/proc/meminfo``), with hints (fewer workers, partners or reps, a monthly step) that are each
re-estimated and printed only if the run would then fit.

Example::

    from sim.experiments.memory_guard import MemoryLimitError, check_memory

    try:
        check_memory(list(scenario.variants.values()), workers=4)
    except MemoryLimitError as exc:
        print(exc)
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

from sim.scenario.schema import ScenarioConfig

GB = 1024**3
BASE = 180 * 1024**2
"""Bytes of an interpreter with numpy, pandas and mesa imported and a small model (178 MB measured
at 1,000 partners with the allocator tuned)."""
LINK = 280
"""Bytes per partner-vendor link: 13 state arrays, the step ledger and rule temporaries."""
PARTNER = 700
"""Bytes per partner beyond its links: its Mesa agent handle, capacity and attention row."""
DEAL = 170
"""Bytes per open deal: 13 columns, plus the deals found and closed in a step."""
METRIC = 1_000
"""Bytes per step and vendor: 14 metric arrays and the timeseries table built from them."""
REP = 400
"""Bytes per direct rep: its Mesa agent and its rows in the rep arrays (370 measured at 200,000
reps)."""
EVENT = 4_000
"""Bytes per event of a validated config (the event model, its ``set`` mapping and schedule)."""


class MemoryLimitError(RuntimeError):
    """The run's estimated memory exceeds the memory available."""


@dataclass(frozen=True)
class MemoryEstimate:
    """Estimated peak memory of a run and of the processes running it.

    Attributes:
        per_run: bytes of one run (one process running one replicate).
        workers: processes running at once.
        total: bytes of all of them (plus the parent process when ``workers > 1``).
        partners, links, reps, open_deals: the sizes the estimate came from (largest variant).
    """

    per_run: int
    workers: int
    total: int
    partners: int
    links: int
    open_deals: int
    reps: int = 0


def estimate_run(config: ScenarioConfig) -> int:
    """Estimated peak bytes of one run of ``config`` (see the module docstring)."""
    partners = expected_partners(config)
    links = partners * config.partners.vendors_per_partner
    deals = config.market.opportunities_per_month * config.market.sales_cycle_months
    cells = config.time.steps * len(config.vendors)
    return int(
        BASE + LINK * links + PARTNER * partners + REP * reps(config) + DEAL * deals
        + METRIC * cells + EVENT * len(config.events)
    )  # fmt: skip


def reps(config: ScenarioConfig) -> int:
    """Every vendor's direct reps."""
    return sum(vendor.direct_reps for vendor in config.vendors)


def expected_partners(config: ScenarioConfig) -> int:
    """Starting partners plus the expected recruits over the horizon."""
    recruits = sum(v.program.recruit_per_month for v in config.vendors)
    return int(config.partners.count + recruits * config.time.horizon_months)


def estimate(
    configs: ScenarioConfig | Sequence[ScenarioConfig], workers: int = 1
) -> MemoryEstimate:
    """The estimate for running ``configs`` (variants) with ``workers`` processes at once."""
    configs = [configs] if isinstance(configs, ScenarioConfig) else list(configs)
    largest = max(configs, key=estimate_run)
    per_run = estimate_run(largest)
    workers = max(1, workers)
    held = EVENT * sum(len(config.events) for config in configs)
    total = per_run * workers + (BASE if workers > 1 else 0) + held
    partners = expected_partners(largest)
    return MemoryEstimate(
        per_run=per_run,
        workers=workers,
        total=total,
        partners=partners,
        links=partners * largest.partners.vendors_per_partner,
        open_deals=int(largest.market.opportunities_per_month * largest.market.sales_cycle_months),
        reps=reps(largest),
    )


def available_bytes() -> int | None:
    """Memory available to new processes: ``MemAvailable`` of /proc/meminfo, else free pages."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def check_memory(
    configs: ScenarioConfig | Sequence[ScenarioConfig],
    workers: int = 1,
    available: int | None = None,
) -> MemoryEstimate:
    """Refuse a run whose estimated memory exceeds what is available.

    Args:
        configs: the resolved variants to run (the largest one counts).
        workers: processes that run at once.
        available: bytes available (default: :func:`available_bytes`; unknown means no check).

    Returns:
        The estimate, when it fits.

    Raises:
        MemoryLimitError: it does not fit; the message says how many workers or partners would.
    """
    configs = [configs] if isinstance(configs, ScenarioConfig) else list(configs)
    found = estimate(configs, workers)
    available = available_bytes() if available is None else available
    if available is None or found.total <= available:
        return found
    need = f"about {found.total / GB:.1f} GB"
    if found.workers > 1:
        need += f" ({found.workers} workers x {found.per_run / GB:.1f} GB per run)"
    hints = [text for text, fits in _hints(configs, found, available) if fits]
    largest = max(configs, key=estimate_run)
    return _refuse(
        f"this run needs {need} but only {available / GB:.1f} GB of memory is available; "
        + ("use " + " or ".join(hints) if hints else "make the scenario smaller or free memory")
        + f" (estimate for {found.partners:,} partners x "
        f"{largest.partners.vendors_per_partner} vendors, {found.reps:,} reps, "
        f"{found.open_deals:,} open deals, {largest.time.steps:,} steps x "
        f"{len(largest.vendors):,} vendors; docs/performance.md)"
    )


def _hints(
    configs: list[ScenarioConfig], found: MemoryEstimate, available: int
) -> list[tuple[str, bool]]:
    """Changes that might make the run fit, each with whether it does (re-estimated)."""

    def fits(changed: list[ScenarioConfig], workers: int = found.workers) -> bool:
        return estimate(changed, workers).total <= available

    hints = []
    fit_workers = int((available - BASE) // found.per_run) if available > BASE else 0
    if 1 <= fit_workers < found.workers:
        hints.append((f"fewer workers (--workers {fit_workers})", fits(configs, fit_workers)))
    largest = max(configs, key=estimate_run)
    # What one worker may use, and the share of a run that scales with the partners.
    budget = (available - (BASE if found.workers > 1 else 0)) / found.workers
    scaling = (LINK * largest.partners.vendors_per_partner + PARTNER) * found.partners
    scale = (budget - (found.per_run - scaling)) / scaling if scaling else 0.0
    if 0 < scale < 1:
        count = max(1, math.floor(largest.partners.count * scale * 0.95))
        changed = [_with(c, "partners", count=count) for c in configs]
        hints.append((f"fewer partners (--set partners.count={count})", fits(changed)))
    vendor = max(largest.vendors, key=lambda v: v.direct_reps)
    share = REP * vendor.direct_reps
    if share and 0 < (budget - (found.per_run - share)) < share:
        count = max(0, math.floor((budget - (found.per_run - share)) / REP * 0.95))
        changed = [_with_reps(c, vendor.name, count) for c in configs]
        hints.append(
            (f"fewer reps (--set vendors.{vendor.name}.direct_reps={count})", fits(changed))
        )
    if largest.time.step == "week":
        changed = [_with(c, "time", step="month") for c in configs]
        hints.append(("monthly steps (--set time.step=month)", fits(changed)))
    return hints


def _with(config: ScenarioConfig, section: str, **values: object) -> ScenarioConfig:
    part = getattr(config, section).model_copy(update=values)
    return config.model_copy(update={section: part})


def _with_reps(config: ScenarioConfig, name: str, count: int) -> ScenarioConfig:
    vendors = [v.model_copy(update={"direct_reps": count}) if v.name == name else v
               for v in config.vendors]  # fmt: skip
    return config.model_copy(update={"vendors": vendors})


def _refuse(message: str) -> MemoryEstimate:
    raise MemoryLimitError(message)


__all__ = [
    "MemoryEstimate",
    "MemoryLimitError",
    "available_bytes",
    "check_memory",
    "estimate",
    "estimate_run",
]
