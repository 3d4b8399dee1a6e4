"""Random valid inputs for each slot's protocol methods, and edge inputs (everything exited or
zero, huge counts and profits), built from each slot's Inputs dataclass."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from typing import Any

import numpy as np

from sim.behaviours import registry
from sim.behaviours.attention import AttentionInputs
from sim.behaviours.capability import CapabilitySignals
from sim.behaviours.deals import DealInputs
from sim.behaviours.trust import TrustSignals

PARTNERS, LINKS = 60, 3
"""Rows (partners or deals) and portfolio links of generated inputs."""
WEEK = 12.0 / 52.0
"""A weekly step, in months."""


def _shares(rng: np.random.Generator, active: np.ndarray) -> np.ndarray:
    """Valid attention rows: random over active links and the outside option, 0 on exited links."""
    weights = rng.random((active.shape[0], active.shape[1] + 1))
    weights[:, :-1] *= active
    return weights / weights.sum(axis=1, keepdims=True)


def random_inputs(
    slot: str, rng: np.random.Generator, dt: float = 1.0, n: int = PARTNERS, k: int = LINKS
) -> dict[str, tuple[Any, ...]]:
    """Random valid arguments for each protocol method of ``slot``: method -> positional args.

    ``n`` rows (partners, or deals for per-deal slots), ``k`` links per partner; the first partner
    has every link exited.
    """
    if slot == "partner_attention":
        active = rng.random((n, k)) < 0.8
        active[0] = False
        x = AttentionInputs(
            profit=rng.normal(0.05, 0.2, (n, k)),
            trust=rng.random((n, k)),
            capability=rng.random((n, k)),
            conflict=rng.exponential(1.0, (n, k)),
            active=active,
            outside_profit=rng.normal(0.05, 0.2, n),
            outside_trust=float(rng.random()),
            outside_capability=float(rng.random()),
            shares=_shares(rng, active),
            dt=dt,
        )
        return {"allocate": (x,), "allocate(initial)": (x,)}
    if slot == "trust":
        invitations = rng.poisson(1.0, (n, k)).astype(float)
        signals = TrustSignals(
            wins=rng.poisson(1.0, (n, k)).astype(float),
            conflicts_lost=rng.poisson(0.5, (n, k)).astype(float),
            conflicts_kept=rng.poisson(0.5, (n, k)).astype(float),
            invitations=invitations,
            invitation_stage_sum=invitations * rng.random((n, k)),
            communication=rng.random((n, k)),
            profit_shortfall=rng.random((n, k)),
            surprise_loss=rng.exponential(0.5, (n, k)),
            surprise_gain=rng.exponential(0.5, (n, k)),
            anchor=rng.random((n, k)),
            dt=dt,
            exposure=rng.random((n, k)),
        )
        surprise = (rng.random(n), rng.uniform(0, 24, n), rng.uniform(0, 12, n), rng.random(n))
        return {"update": (rng.random((n, k)), signals), "surprise": surprise}
    if slot == "capability":
        signals = CapabilitySignals(
            enablement=rng.uniform(0, 5000, (n, k)),
            attention=rng.random((n, k)),
            deals_worked=rng.poisson(2.0, (n, k)) * rng.random((n, k)),
            dt=dt,
            capacity=rng.lognormal(0.0, 1.0, (n, k)),
        )
        return {"update": (rng.random((n, k)), signals)}
    if slot == "rep_engagement":
        registered = rng.random(n) < 0.5
        return {
            "cosell_probability": (rng.uniform(0, 10, n), rng.uniform(0, 10, n)),
            "contest_probability": (
                rng.uniform(0, 10, n),
                rng.uniform(0, 10, n),
                rng.random(n),
                registered,
            ),
            "takeover_probability": (registered,),
        }
    if slot == "deal_outcome":
        x = DealInputs(
            strength=rng.random(n),
            partner_capability=rng.random(n),
            influence=rng.random(n),
            has_rep=rng.random(n) < 0.5,
            disputed=rng.random(n) < 0.3,
        )
        return {"win_probability": (x,), "services_share": (x,)}
    raise ValueError(f"no input generator for slot {slot!r}; slots are {', '.join(registry.SLOTS)}")


def extreme_inputs(slot: str, dt: float = 1.0) -> Iterator[dict[str, tuple[Any, ...]]]:
    """Edge inputs for ``slot``: everything at zero or exited, and huge counts, profits and spend."""
    rng = np.random.default_rng(0)
    base = random_inputs(slot, rng, dt, n=4, k=2)
    for scale in (0.0, 1e3):
        yield {method: _scaled(args, scale) for method, args in base.items()}


_BOUNDED_INPUTS = """
    trust capability outside_trust outside_capability shares communication profit_shortfall
    anchor attention strength partner_capability influence dt exposure
"""
"""Input fields that are 0..1 states or the step length: kept as drawn in extreme inputs."""


def _scaled(args: tuple[Any, ...], scale: float) -> tuple[Any, ...]:
    """Arguments with every unbounded quantity set to ``scale`` (0..1 states stay in range)."""
    bounded = set(_BOUNDED_INPUTS.split())

    def fix(name: str, value: Any) -> Any:
        if name in bounded or isinstance(value, bool):
            return value
        if isinstance(value, np.ndarray) and value.dtype == bool:
            return np.zeros_like(value) if name == "active" and scale == 0 else value
        if name == "invitation_stage_sum":
            return value  # kept consistent with invitations below
        return np.full_like(np.asarray(value, dtype=float), scale)

    out = []
    for arg in args:
        if is_dataclass(arg):
            values = {f.name: fix(f.name, getattr(arg, f.name)) for f in fields(arg)}
            if "invitations" in values:
                values["invitation_stage_sum"] = values["invitations"] * 0.9
            if "outside_profit" in values and scale:
                values["outside_profit"] = -values["outside_profit"]  # huge on both sides
            if "shares" in values:
                active = values["active"]
                values["shares"] = _shares(np.random.default_rng(1), active)
            out.append(type(arg)(**values))
        elif isinstance(arg, np.ndarray) and arg.dtype != bool and scale and arg.max() > 1:
            out.append(np.full_like(arg, scale, dtype=float))
        else:
            out.append(arg)
    return tuple(out)
