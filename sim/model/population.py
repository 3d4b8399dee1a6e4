"""Drawing partners: capacity, portfolios and initial link states, all from the run's generator."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from sim.model import partner_types
from sim.model.state import PartnerState
from sim.scenario.schema import CapacityConfig, PartnersConfig


def draw_capacity(rng: np.random.Generator, cfg: CapacityConfig, n: int) -> np.ndarray:
    """``n`` partner capacities (new deals per month), capped at ``max_multiple * mean``, mean ``mean``.

    A unit-mean draw ``Y`` is scaled by ``s`` and capped at ``C = max_multiple * mean``; ``s`` is
    chosen so that ``E[min(s Y, C)] = mean`` (:func:`capped_scale`), so the cap trims the giants
    without lowering the mean. ``pareto``: ``Y`` is Pareto with tail index ``shape`` and minimum
    ``(shape - 1) / shape``, so a few partners hold most capacity (the top 10% hold about
    ``0.1 ** (1 - 1/shape)`` of it before the cap: 59% at 1.3). ``lognormal``: ``Y`` is lognormal with
    sigma of log ``shape``. ``constant``: everyone ``mean``.
    """
    if cfg.distribution == "constant":
        return np.full(n, cfg.mean)
    if cfg.distribution == "pareto":
        unit = (cfg.shape - 1.0) / cfg.shape * (1.0 + rng.pareto(cfg.shape, n))
    else:
        unit = np.exp(rng.normal(-(cfg.shape**2) / 2.0, cfg.shape, n))
    cap = cfg.max_multiple * cfg.mean
    return np.minimum(capped_scale(cfg) * unit, cap)


def _capped_unit_mean(cfg: CapacityConfig, c: float) -> float:
    """``E[min(Y, c)]`` for the unit-mean draw ``Y`` of ``cfg``."""
    if cfg.distribution == "pareto":
        a = cfg.shape
        xm = (a - 1.0) / a
        if c <= xm:
            return c
        return xm * (1.0 + (1.0 - (c / xm) ** (1.0 - a)) / (a - 1.0))
    sigma = cfg.shape
    below = 0.5 * (1.0 + math.erf((math.log(c) - sigma**2 / 2) / (sigma * math.sqrt(2.0))))
    above = 0.5 * (1.0 - math.erf((math.log(c) + sigma**2 / 2) / (sigma * math.sqrt(2.0))))
    return below + c * above


def capped_scale(cfg: CapacityConfig) -> float:
    """Scale ``s`` with ``E[min(s Y, C)] = mean`` for ``C = max_multiple * mean`` (bisection)."""
    return _capped_scale(cfg.distribution, cfg.shape, cfg.mean, cfg.max_multiple)


@lru_cache(maxsize=64)  # recruits are drawn every step: solve once per capacity law
def _capped_scale(distribution: str, shape: float, mean: float, max_multiple: float) -> float:
    cfg = CapacityConfig(
        distribution=distribution, shape=shape, mean=mean, max_multiple=max_multiple
    )
    cap = cfg.max_multiple * cfg.mean
    low, high = cfg.mean, cap
    for _ in range(100):
        mid = 0.5 * (low + high)
        if mid * _capped_unit_mean(cfg, cap / mid) < cfg.mean:
            low = mid
        else:
            high = mid
    return 0.5 * (low + high)


def beta_around(
    rng: np.random.Generator, mean: float, sd: float, shape: tuple[int, ...]
) -> np.ndarray:
    """Beta draws with the given mean and standard deviation (the mean itself when ``sd`` is 0).

    The standard deviation is capped below the largest a beta with that mean allows.
    """
    if sd <= 0 or mean <= 0 or mean >= 1:
        return np.full(shape, mean)
    sd = min(sd, 0.95 * np.sqrt(mean * (1 - mean)))
    with np.errstate(over="ignore", under="ignore", divide="ignore"):
        concentration = np.float64(mean * (1 - mean)) / np.float64(sd) ** 2 - 1
        a, b = mean * concentration, (1 - mean) * concentration
    if not (np.isfinite(a) and np.isfinite(b) and a > 0 and b > 0):
        return np.full(shape, mean)  # too little dispersion (or too extreme a mean) to draw
    return rng.beta(a, b, shape)


def draw_portfolios(
    rng: np.random.Generator,
    n: int,
    vendors: int,
    size: int,
    include: int | None = None,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """``(n, size)`` distinct vendor indices per partner; ``include`` is in every portfolio if given.

    With ``weights`` the other vendors are drawn without replacement in proportion to them (the
    market's lines), by sorting exponential keys ``E / w`` (Efraimidis and Spirakis 2006).
    """
    if include is None:
        keys = rng.random((n, vendors))
        return np.argsort(keys, axis=1)[:, :size]
    others = np.array([v for v in range(vendors) if v != include], dtype=np.int64)
    keys = rng.random((n, len(others)))
    if weights is not None:
        w = np.maximum(np.asarray(weights, float)[others], 1e-12)
        keys = -np.log1p(-keys) / w
    chosen = others[np.argsort(keys, axis=1)[:, : size - 1]]
    return np.column_stack([np.full(n, include), chosen])


def new_partners(
    rng: np.random.Generator,
    cfg: PartnersConfig,
    portfolios: np.ndarray,
    win_rate: np.ndarray,
    expected_terms: np.ndarray,
    month: float = 0.0,
    recruit: bool = False,
) -> PartnerState:
    """Partners with the given portfolios; their attention is set later by the attention rule.

    Args:
        rng: the run's generator.
        cfg: the partners section of the scenario.
        portfolios: ``(n, K)`` vendor indices.
        win_rate: ``(V,)`` a new partner's prior win rate per vendor.
        expected_terms: ``(V,)`` margin + rebate a new partner expects per vendor.
        month: the month the partners sign (their links' ``joined``).
        recruit: the partners are recruits: the recruiting vendor (slot 0) starts at
            ``recruit_capability``.
    """
    n, k = portfolios.shape
    trust = beta_around(rng, cfg.initial_trust, cfg.initial_dispersion, (n, k))
    capability = beta_around(rng, cfg.initial_capability, cfg.initial_dispersion, (n, k))
    if recruit:
        capability[:, 0] = beta_around(rng, cfg.recruit_capability, cfg.initial_dispersion, (n,))
    shares = np.zeros((n, k + 1))
    shares[:, k] = 1.0
    capacity = draw_capacity(rng, cfg.capacity, n)
    kind = partner_types.draw(rng, cfg, n)  # no draw without partner types
    multiple = partner_types.values(cfg, "capacity_multiple", kind)
    return PartnerState(
        capacity=capacity if multiple is None else capacity * multiple,
        shares=shares,
        vendor=portfolios.astype(np.int64),
        active=np.ones((n, k), dtype=bool),
        trust=trust,
        trust_anchor=trust.copy(),
        capability=capability,
        win_rate=win_rate[portfolios].astype(float),
        expected_terms=expected_terms[portfolios].astype(float),
        conflict_memory=np.zeros((n, k)),
        months_since_win=np.full((n, k), np.inf),
        months_low_trust=np.zeros((n, k)),
        revenue=np.zeros((n, k)),
        profit_rate=np.zeros((n, k)),
        joined=np.full((n, k), float(month)),
        first_win=np.full((n, k), np.nan),
        revenue_rate=np.zeros((n, k)),
        period_revenue=np.zeros((n, k)),
        rebate_due=np.zeros((n, k)),
        rebate_due_month=np.full((n, k), np.inf),
        campaign_spend=np.zeros((n, k)),
        tier=np.full((n, k), -1, dtype=np.int64),
        kind=kind,
    )
