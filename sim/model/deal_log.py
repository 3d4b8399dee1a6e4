"""A run's deal log: every opportunity of one vendor, as its CRM would list it, and its partners.

Kept only when asked (``simulate(..., record_deals=True)``, ``sim run --deals``); it takes no random
draw, so a run's numbers are the same with or without it. Months are the model's (0 = the start of
the horizon; deals created during the spin-up that close after month 0 are listed, as an export
covering the horizon would list them). :mod:`sim.experiments.deal_files` writes the log in the
canonical history format of docs/calibration.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel

DEAL_COLUMNS = (
    "created", "closed", "amount", "outcome", "partner", "source", "registered", "stage",
    "contested", "taken_direct", "campaign",
)  # fmt: skip
"""Columns of :attr:`DealHistory.deals` (months, value, ``won``/``lost``/``open``, partner row)."""
LINE_COLUMNS = ("partner", "joined", "left")
"""Columns of :attr:`DealHistory.lines`: one row per line of the vendor (``left`` NaN: active)."""


@dataclass(frozen=True)
class DealHistory:
    """One vendor's deal log of a run, in model months.

    Attributes:
        vendor: the vendor's name.
        deals: one row per opportunity, in order of closing (open ones last), columns
            :data:`DEAL_COLUMNS`. ``partner`` is the partner firm's row (-1: none on the deal);
            ``source`` is ``partner`` or ``vendor`` (a partner's deal taken direct is the
            vendor's, ``contested`` and ``taken_direct``, with no partner on it); ``stage`` is
            the join stage of the partner on the deal (NaN without one).
        lines: one row per line of the vendor active at month 0 or signed after (and one that
            ended before month 0 where a deal of its partner closes after it), columns
            :data:`LINE_COLUMNS`.
        step: the run's step in months (events are logged at the start of their step).
    """

    vendor: str
    deals: pd.DataFrame
    lines: pd.DataFrame
    step: float = 1.0


class DealLog:
    """Collects the closed deals and ended lines of one vendor while a run goes on."""

    def __init__(self, vendor: int) -> None:
        self.vendor = vendor
        self._deals: list[pd.DataFrame] = []
        self._lines: list[pd.DataFrame] = []

    def closed(self, model: ChannelModel, deals: dict[str, np.ndarray]) -> None:
        """Note the deals that closed this step (``won`` set); nothing before month 0."""
        if model.month >= 0:
            self._deals.append(_deal_frame(deals, deals["vendor"] == self.vendor, model.month))

    def ended(self, model: ChannelModel, exits: np.ndarray) -> None:
        """Note the vendor's lines that end this step (``exits``: a mask over the link slots)."""
        mine = exits & (model.partners.vendor == self.vendor)
        if mine.any():
            rows, slots = np.nonzero(mine)
            joined = model.partners.joined[rows, slots]
            left = np.full(len(rows), model.month)
            self._lines.append(pd.DataFrame({"partner": rows, "joined": joined, "left": left}))

    def history(self, model: ChannelModel) -> DealHistory:
        """The log at the end of the run: closed deals, then the deals still open."""
        book = model.deals
        open_deals = {name: book[name] for name in book.columns}
        still_open = _deal_frame(open_deals, open_deals["vendor"] == self.vendor, np.nan)
        deals = pd.concat([*self._deals, still_open], ignore_index=True)
        ps = model.partners
        active = ps.active & (ps.vendor == self.vendor)
        rows, slots = np.nonzero(active)
        current = pd.DataFrame({"partner": rows, "joined": ps.joined[rows, slots], "left": np.nan})
        lines = pd.concat([*self._lines, current], ignore_index=True)
        # lines that ended before month 0 only where a deal they had open closes after it
        keep = ~(lines["left"] < 0) | lines["partner"].isin(deals["partner"])
        return DealHistory(
            model.vendor_names[self.vendor], deals, lines[keep].reset_index(drop=True), model.dt
        )


def _deal_frame(deals: dict[str, np.ndarray], mine: np.ndarray, month: float) -> pd.DataFrame:
    partner = deals["partner"][mine]
    taken = deals["taken_direct"][mine]
    on_deal = (partner >= 0) & ~taken
    if np.isnan(month):
        outcome = np.full(len(partner), "open", dtype=object)
    else:
        outcome = np.where(deals["won"][mine], "won", "lost").astype(object)
    sourced = deals["partner_sourced"][mine] & ~taken
    return pd.DataFrame(
        {
            "created": deals["created"][mine],
            "closed": np.full(len(partner), month),
            "amount": deals["value"][mine],
            "outcome": outcome,
            "partner": np.where(on_deal, partner, -1),
            "source": np.where(sourced, "partner", "vendor").astype(object),
            "registered": deals["registered"][mine],
            "stage": np.where(on_deal, deals["stage"][mine], np.nan),
            "contested": deals["disputed"][mine] | taken,  # a deal taken direct was contested
            "taken_direct": taken,
            "campaign": deals["campaign"][mine],
        },
        columns=list(DEAL_COLUMNS),
    )


__all__ = ["DEAL_COLUMNS", "LINE_COLUMNS", "DealHistory", "DealLog"]
