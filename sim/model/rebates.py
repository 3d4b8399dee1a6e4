"""Performance rebates: back-end money paid in arrears on a partner line's revenue in a review period
when that revenue reaches the vendor's target, and what such a promise is worth to the partner.

A vendor with ``program.performance_rebate = r``, ``rebate_target = T``, ``rebate_period_months =
L`` and ``rebate_delay_months = D`` reviews every line at the end of each period (periods start at
month 0, every ``L`` months): a line whose revenue in the period reached ``T`` earns ``r`` times that
whole revenue, paid ``D`` months after the period closes, if the line is still active then. The
vendor books the rebate as programme cost when it pays it; the partner books it as profit then.

A partner values the promise per unit of deal value as ``r x P(attain) x exp(-delta (L/2 + D))``:
``P(attain)`` from its run rate (the revenue it books per month with the vendor, over a whole
period in which it wins the deal, with the lumpiness of deal sizes), ``delta`` its discount per month of waiting
(``partners.back_end_discount_per_month``); in its attention it weighs the result by its trust in
the vendor (back-end money is a promise). Functions of the model's state, like
:mod:`sim.model.market`; the equations are in ``docs/model.md`` (section 7.12).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import ndtr

from sim.model.events import Schedule, VendorTerms, period_ends

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel

EPS = 1e-9


def offered(schedule: Schedule) -> bool:
    """Whether any vendor offers a performance rebate at any time of the run."""
    path = "program.performance_rebate"
    return bool(schedule.base[path].any()) or any(
        c.path == path and c.new > 0 for c in schedule.changes
    )


def attainment_probability(
    model: ChannelModel, terms: VendorTerms, rows: slice | np.ndarray = slice(None)
) -> np.ndarray:
    """Each line's chance, in its partner's eyes, of reaching the target in a review period in
    which it wins the deal it is weighing.

    The period's revenue is that deal (of mean size ``m``) plus a compound Poisson sum of the
    line's other deals at its run rate: mean ``mu = run rate x L + m``, variance ``mu x m x
    exp(spread^2)`` (``n E[X^2]`` for ``n = mu / m`` lognormal deals); the chance is the normal
    approximation ``Phi((mu - T) / sigma)``, and 1 when ``T = 0``.
    """
    ps, size, m = model.partners, model.config.market.deal_size, model.mean_deal
    v = ps.vendor[rows]
    target = terms.rebate_target[v]
    mu = ps.revenue_rate[rows] * terms.rebate_period_months[v] + m
    sigma = np.sqrt(mu * m * np.exp(size.spread**2))
    return np.where(target > 0, ndtr((mu - target) / sigma), 1.0)


def back_end_value(
    model: ChannelModel, terms: VendorTerms, rows: slice | np.ndarray = slice(None)
) -> np.ndarray | None:
    """Expected performance rebate per unit of deal value a line's partner counts on, discounted
    for the wait (before any weighting by trust); None when no vendor ever offers one."""
    if not model.rebate_programme:
        return None
    v = model.partners.vendor[rows]
    wait = terms.rebate_period_months[v] / 2.0 + terms.rebate_delay_months[v]
    discount = np.exp(-model.config.partners.back_end_discount_per_month * wait)
    return terms.performance_rebate[v] * attainment_probability(model, terms, rows) * discount


def settle(model: ChannelModel) -> None:
    """Phase 7: add this step's revenue to the period, pay what falls due, review closing periods.

    Rebates falling due in this step are paid to lines still active (a line that ended forfeits
    its unpaid rebate); a period that closes in this step earns each active line that reached the
    target ``r x`` its period revenue, due ``D`` months after the close (a payment still pending
    then is paid at once). Paid amounts go to the ledger: per link ``rebate_paid``, per vendor
    ``performance_rebates``.
    """
    if not model.rebate_programme:
        return
    ps, terms, ledger, n = model.partners, model.terms, model.ledger, model.n_vendors
    ps.period_revenue += ledger.link("revenue")
    now, end = model.month, model.month + model.dt
    period = terms.rebate_period_months
    closing = period_ends(now, end, period)
    lines_closing = closing[ps.vendor]
    due = (ps.rebate_due_month < end - EPS) | (lines_closing & (ps.rebate_due > 0))
    if due.any():
        paid = np.where(due & ps.active, ps.rebate_due, 0.0)
        ledger.link("rebate_paid")[:] += paid
        ledger.add_vendor("performance_rebates", ps.vendor.reshape(-1), paid.reshape(-1))
        ps.rebate_due[due] = 0.0
        ps.rebate_due_month[due] = np.inf
    if not closing.any():
        return
    v = ps.vendor
    reviewed = lines_closing & ps.active
    attained = reviewed & (ps.period_revenue >= terms.rebate_target[v]) & (ps.period_revenue > 0)
    earned = np.where(attained, terms.performance_rebate[v] * ps.period_revenue, 0.0)
    owed = earned > 0
    boundary = np.floor(end / period + EPS) * period
    ps.rebate_due[owed] = earned[owed]
    ps.rebate_due_month[owed] = (boundary + terms.rebate_delay_months)[v][owed]
    ps.period_revenue[lines_closing] = 0.0
    lines = np.bincount(v[reviewed], minlength=n)
    hits = np.bincount(v[attained], minlength=n)
    share = np.divide(hits, lines, out=np.full(n, np.nan), where=lines > 0)
    offering = closing & (terms.performance_rebate > 0)
    model.rebate_attainment = np.where(offering, share, model.rebate_attainment)
    model.rebate_attainment[terms.performance_rebate <= 0] = np.nan


def forfeit(model: ChannelModel, lines: np.ndarray) -> None:
    """Lines that end (flat link indices) lose the rebate they have not been paid and their
    period's revenue."""
    ps = model.partners
    ps.rebate_due.put(lines, 0.0)
    ps.rebate_due_month.put(lines, np.inf)
    ps.period_revenue.put(lines, 0.0)


__all__ = ["attainment_probability", "back_end_value", "forfeit", "offered", "settle"]
