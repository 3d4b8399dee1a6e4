"""Partner types: kinds of partner firm (reseller, managed service provider, systems integrator,
referral partner...) mixed in one population, each with its own economics.

``partners.types`` lists the kinds with their share of firms. A firm's kind is drawn from the run's
generator when the firm is created (at the start or as a recruit; no draw when no types are given,
so a scenario without types has the numbers it had before) and stays with the firm
(``PartnerState.kind``). A kind scales the firm's drawn sales capacity, its cost of carrying a
line and the services it attaches per unit of product, and the stage at which it joins the deals a
vendor found; a kind that does not resell refers its deals: the vendor transacts them (they are
direct revenue, counted in ``referral_revenue``) and pays the partner a fee on the deal's value
instead of margin, rebate and services. Functions of the model's state, like
:mod:`sim.model.market`; the equations are in ``docs/model.md`` (section 7.18).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.scenario.schema import PartnersConfig

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel


def draw(rng: np.random.Generator, cfg: PartnersConfig, n: int) -> np.ndarray:
    """Kind (index in ``cfg.types``) of ``n`` new firms, in proportion to the shares; all 0, with
    no draw, when the scenario has no types."""
    if not cfg.types:
        return np.zeros(n, np.int64)
    bounds = np.cumsum([t.share for t in cfg.types])
    kinds = np.searchsorted(bounds, rng.random(n) * bounds[-1], side="right")
    return np.minimum(kinds, len(cfg.types) - 1).astype(np.int64)


def values(cfg: PartnersConfig, key: str, kinds: np.ndarray) -> np.ndarray | None:
    """Each firm's ``key`` of its kind (``kinds`` indexes ``cfg.types``); None without types."""
    if not cfg.types:
        return None
    return np.array([float(getattr(t, key)) for t in cfg.types])[kinds]


def firm_values(
    model: ChannelModel, key: str, firms: np.ndarray | None = None
) -> np.ndarray | None:
    """``key`` of the kind of each firm in ``firms`` (default all; -1 = no partner, read as the
    first kind and to be masked by the caller); None without types."""
    kinds = model.partners.kind if firms is None else model.partners.kind[np.maximum(firms, 0)]
    return values(model.config.partners, key, kinds)


def refers(model: ChannelModel, firms: np.ndarray) -> np.ndarray | None:
    """Whether each firm (index, -1 = none) is of a kind that refers rather than resells; None
    when no kind refers."""
    resells = firm_values(model, "resells", firms)
    if resells is None or resells.all():
        return None
    return (resells < 0.5) & (firms >= 0)


__all__ = ["draw", "firm_values", "refers", "values"]
