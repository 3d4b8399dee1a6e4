"""Plausible ranges of the model parameters a validation draws from, and how a draw is applied.

Each :class:`Range` is a dotted key path in a resolved scenario document with bounds and the
reasoning behind them; :func:`apply_draw` sets one parameter set (and a fact's program level) in the
config documents of a fact's variants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.validation.facts import Fact


@dataclass(frozen=True)
class Range:
    """A plausible range of one model parameter, with the reason for it.

    ``path`` is a dotted key path in a resolved scenario document (``behaviours.trust.gain_per_win``);
    with ``scale`` set the drawn value multiplies the scenario's own value instead of replacing it.
    """

    path: str
    low: float
    high: float
    reason: str
    scale: bool = False
    integer: bool = False


RANGES: tuple[Range, ...] = (
    Range(
        "behaviours.partner_attention.temperature",
        0.4,
        1.0,
        "softmax noise: partners from concentrated (0.4) to spread (1.0) effort; default 0.6",
    ),
    Range(
        "behaviours.partner_attention.inertia",
        0.15,
        0.40,
        "partners re-plan coverage over 1.5-4 months (half-life of a gap), default 0.25",
    ),
    Range(
        "behaviours.partner_attention.profit_weight",
        10.0,
        22.0,
        "a 0.2 -> 0.12 margin cut moves between about 40% and 80% of attention; calibration "
        "found 25 too strong (docs/model.md section 8.1)",
    ),
    Range(
        "behaviours.trust.gain_per_win",
        0.01,
        0.03,
        "success builds trust slowly: 0.5x to 1.5x the default 0.02 per won deal",
    ),
    Range(
        "behaviours.trust.loss_per_lost_conflict",
        0.06,
        0.15,
        "a deal taken direct is the strongest breach: 3x to 15x a win (default 5x)",
    ),
    Range(
        "behaviours.trust.loss_per_late_invite",
        0.05,
        0.12,
        "late invitations erode trust 1.25x to 3x as fast as early ones build it (default 2x)",
    ),
    Range(
        "behaviours.trust.loss_per_surprise",
        0.6,
        1.5,
        "negativity bias 1.5x to 3.75x the favourable-surprise weight 0.4 (Slovic 1993)",
    ),
    Range(
        "market.sales_cycle_months", 2.0, 5.0, "B2B mid-market sales cycles of one to two quarters"
    ),
    Range(
        "market.deal_size.spread",
        0.6,
        1.2,
        "log-s.d. of deal size: mean 1.2x to 2x the median (right-skewed B2B deals)",
    ),
    Range(
        "partners.count",
        0.75,
        1.25,
        "partner density around the scenario's (x its own count); productivity depends on it",
        scale=True,
        integer=True,
    ),
    Range(
        "partners.capacity.shape",
        1.2,
        1.8,
        "Pareto tail of partner capacity: the top 10% hold 68% (1.2) to 36% (1.8) of capacity, "
        "uncapped; the default 1.3 gives 59%",
    ),
    Range(
        "partners.services_attach",
        0.15,
        0.40,
        "services revenue per unit of product revenue attached by partners",
    ),
)
"""The parameters a validation draws (Latin hypercube) and their plausible ranges."""


@dataclass(frozen=True)
class Draw:
    """One parameter set: values of :data:`RANGES` (by path) and a program level in [0, 1]."""

    index: int
    values: dict[str, float] = field(default_factory=dict)
    lever: float = 0.5


def apply_draw(documents: dict[str, dict[str, Any]], fact: Fact, draw: Draw | None) -> None:
    """Set ``draw``'s parameter values and the fact's program level in the documents (in place)."""
    if draw is None:
        return
    for spec in RANGES:
        value = draw.values[spec.path]
        for doc in documents.values():
            *parents, last = spec.path.split(".")
            node = doc
            for key in parents:
                node = node[key]
            new = node[last] * value if spec.scale else value
            node[last] = int(round(new)) if spec.integer else float(new)
    if fact.lever is not None:
        _, low, high, apply = fact.lever
        apply(documents, low + draw.lever * (high - low))


__all__ = ["RANGES", "Draw", "Range", "apply_draw"]
