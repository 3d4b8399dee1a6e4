"""Recurring revenue: subscription deals, their renewals and expansion, who owns the renewal, and the
comp-plan conflict of a rep who discounts a subscription customer into a perpetual licence.

A vendor with ``program.subscription_share = s`` sells that share of its new opportunities as
subscriptions (a draw per deal, phase 3). A deal of (perpetual) value ``V`` sold as a subscription
has annual value ``V / M`` (``M = program.perpetual_multiple``) and books its term's value ``V T /
(12 M)`` when it closes (``T = program.contract_months``). A rep working one (phase 4) turns it into
a perpetual licence at ``V (1 - d)`` (``d = comp_plan.perpetual_discount``) with probability
``conversion_propensity x min(1, gain)``, where ``gain`` is how much more credit the licence earns:
``(1 - d) M 12 / c - 1``, ``c`` the months of contract value the comp plan credits (12, the first
year, or ``T`` where ``comp_plan.credit_contract_value``). Where the rep co-sells with a partner
that would own the renewal, the partner counts the conversion as a lost conflict.

A won subscription becomes a contract (:class:`Contracts`) due for renewal at the end of its term
(phase 6). It renews with probability ``program.renewal_rate``, its annual value grown by
``expansion_rate`` (up to ``WALLET_MULTIPLE`` times its first year's), and books the new term's
value: through the partner that sold it, paid ``renewal_margin``, where the vendor leaves renewals
to partners and the partner still carries the line; otherwise through the vendor, at
``vendor_renewal_cost``. Once the partner has dropped the
line, ``partners.customer_portability`` of its customers leave with it. A partner counts on renewal
income in its attention as an annuity weighed by its trust. Functions of the model's state, like
:mod:`sim.model.market`; the equations are in ``docs/model.md`` (section 7.17).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.model import partner_types

if TYPE_CHECKING:
    from sim.model.channel_model import ChannelModel
    from sim.model.events import Schedule, VendorTerms

EPS = 1e-9
MAX_RENEWAL_FACTOR = 0.95
"""Largest discounted renewal factor ``renewal_rate (1 + expansion) exp(-delta T)`` a partner's
annuity is summed with, so that a contract that renews and grows forever is not worth infinitely
much (at 0.95 the annuity is 19 terms' renewal income)."""
WALLET_MULTIPLE = 3.0
"""Most a contract's annual value grows to by expansion, as a multiple of its first year's: a
customer's spend on one product is bounded by its size (its wallet), so renewals that keep expanding
stop at it instead of compounding for ever."""
RENEWAL_STREAM = 6
"""The per-step random stream renewals are drawn from (phase 6)."""

CONTRACT_FIELDS = {
    "vendor": np.int64,
    "partner": np.int64,  # row of the partner that sold it and renews it; -1 for the vendor's own
    "slot": np.int64,
    "annual": float,  # annual contract value
    "wallet": float,  # most it grows to: WALLET_MULTIPLE x its first year's
    "due": float,  # month its term ends
    "signed": float,  # month the partner sold it (the line must be older to still be the same)
    "sourced": bool,  # the partner found the deal (its renewals are partner-sourced revenue)
}


@dataclass
class Contracts:
    """Live subscription contracts as parallel arrays (:data:`CONTRACT_FIELDS`)."""

    columns: dict[str, np.ndarray] = field(
        default_factory=lambda: {n: np.empty(0, dtype=t) for n, t in CONTRACT_FIELDS.items()}
    )

    def __len__(self) -> int:
        return len(self.columns["vendor"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def add(self, **new: np.ndarray) -> None:
        for name, dtype in CONTRACT_FIELDS.items():
            self.columns[name] = np.concatenate([self.columns[name], np.asarray(new[name], dtype)])

    def keep(self, mask: np.ndarray) -> None:
        self.columns = {name: column[mask] for name, column in self.columns.items()}


def offered(schedule: Schedule) -> bool:
    """Whether any vendor sells subscriptions at any time of the run."""
    path = "program.subscription_share"
    return bool(schedule.base[path].any()) or any(
        c.path == path and c.new > 0 for c in schedule.changes
    )


def term_value(terms: VendorTerms, vendor: np.ndarray) -> np.ndarray:
    """Booked value of a subscription's term per unit of its deal's perpetual value: ``T / 12M``."""
    return terms.contract_months[vendor] / (12.0 * terms.perpetual_multiple[vendor])


def mark(model: ChannelModel, deals: dict[str, np.ndarray]) -> None:
    """Phase 3, last: which new deals are subscriptions (a draw only where a vendor sells them),
    each then valued at its term (``deals["subscription"]``, ``deals["value"]`` in place)."""
    vendor = deals["vendor"]
    deals["subscription"] = np.zeros(len(vendor), bool)
    if not model.recurring:
        return
    share = model.terms.subscription_share[vendor]
    if not (share > 0).any():
        return
    sold = model.rng.random(len(vendor)) < share
    deals["subscription"] = sold
    deals["value"] = np.where(
        sold, deals["value"] * term_value(model.terms, vendor), deals["value"]
    )


def credited_months(terms: VendorTerms, vendor: np.ndarray) -> np.ndarray:
    """Months of a subscription's contract value its rep is credited: the first year (at most the
    term), or the whole term where the comp plan credits total contract value."""
    term = terms.contract_months[vendor]
    return np.where(terms.credit_contract_value[vendor] > 0.5, term, np.minimum(term, 12.0))


def convert(model: ChannelModel, deals: dict[str, np.ndarray]) -> None:
    """Phase 4, last: reps working subscription deals turn some into discounted perpetual licences
    (a draw only where one might); a co-selling partner that would own the renewal counts it as a
    lost conflict. Ledger ``perpetual_conversions``."""
    if not model.recurring:
        return
    terms, vendor = model.terms, deals["vendor"]
    candidate = deals["subscription"] & deals["rep_works"]
    if not candidate.any():
        return
    discount = terms.perpetual_discount[vendor]
    licence = (1.0 - discount) * terms.perpetual_multiple[vendor] * 12.0
    gain = licence / credited_months(terms, vendor) - 1.0
    chance = np.where(candidate, terms.conversion_propensity[vendor] * np.clip(gain, 0.0, 1.0), 0.0)
    if not (chance > 0).any():
        return
    converted = model.rng.random(len(vendor)) < chance
    perpetual = deals["value"] / term_value(terms, vendor) * (1.0 - discount)
    deals["value"] = np.where(converted, perpetual, deals["value"])
    deals["subscription"] = deals["subscription"] & ~converted
    model.ledger.add_vendor("perpetual_conversions", vendor[converted])
    felt = converted & deals["cosell"] & (terms.partner_owns_renewals[vendor] > 0.5)
    model.ledger.add_link("conflicts_lost", deals["partner"][felt], deals["slot"][felt])


def credit_share(model: ChannelModel, closed: dict[str, np.ndarray]) -> np.ndarray | float:
    """Share of each closed deal's booked value its rep is credited: credited months over the term
    for a subscription, 1 for a licence."""
    if not model.recurring or not closed["subscription"].any():
        return 1.0
    vendor = closed["vendor"]
    share = credited_months(model.terms, vendor) / model.terms.contract_months[vendor]
    return np.where(closed["subscription"], share, 1.0)


def sign(model: ChannelModel, closed: dict[str, np.ndarray]) -> None:
    """Phase 6: each won subscription becomes a contract, renewed through the partner that sold it
    (``partner`` -1 for the vendor's own), due at the end of its term."""
    won = closed["won"] & closed["subscription"]
    if not won.any():
        return
    vendor, involved = closed["vendor"][won], closed["involved"][won]
    referral = partner_types.refers(model, closed["partner"][won])
    if referral is not None:  # a referred customer's contract is the vendor's own (section 7.18)
        involved = involved & ~referral
    term = model.terms.contract_months[vendor]
    annual = closed["value"][won] * 12.0 / term
    # A coarse spin-up step stands for several of the run's steps: its contracts are spread over
    # them, so that their renewals do not all fall due in one step of the run.
    fine = model.config.time.dt
    spread = int(round(model.dt / fine))
    start = model.month + (np.arange(len(vendor)) % spread) * fine if spread > 1 else model.month
    model.contracts.add(
        vendor=vendor,
        partner=np.where(involved, closed["partner"][won], -1),
        slot=np.where(involved, closed["slot"][won], -1),
        annual=annual,
        wallet=annual * WALLET_MULTIPLE,
        due=np.broadcast_to(start, vendor.shape) + term,
        signed=np.full(len(vendor), model.month),
        sourced=closed["partner_sourced"][won],
    )


def renew(model: ChannelModel) -> None:
    """Phase 6, after the deals: contracts due renew or churn (a draw from the step's renewal
    stream), each renewal booked through its owner (docs/model.md §7.17)."""
    book = model.contracts
    due = book["due"] <= model.month + EPS
    if not due.any():
        return
    model.use_stream(RENEWAL_STREAM)
    ps, terms, cfg, ledger = model.partners, model.terms, model.config.partners, model.ledger
    rows = np.flatnonzero(due)
    v, p, s = book["vendor"][rows], book["partner"][rows], book["slot"][rows]
    sold = p >= 0
    pp, ss = np.maximum(p, 0), np.maximum(s, 0)
    same_line = sold & ps.active[pp, ss] & (ps.vendor[pp, ss] == v)
    same_line &= ps.joined[pp, ss] <= book["signed"][rows] + EPS
    orphan = sold & ~same_line
    chance = terms.renewal_rate[v] * np.where(orphan, 1.0 - cfg.customer_portability, 1.0)
    renewed = model.rng.random(len(rows)) < chance
    partner_owned = renewed & same_line & (terms.partner_owns_renewals[v] > 0.5)
    vendor_owned = renewed & ~partner_owned
    annual = np.minimum(
        book["annual"][rows] * (1.0 + terms.expansion_rate[v]), book["wallet"][rows]
    )
    value = np.where(renewed, annual * terms.contract_months[v] / 12.0, 0.0)

    ledger.add_vendor("won_value", v, value)
    ledger.add_vendor("renewal_revenue", v, value)
    ledger.add_vendor("churned_arr", v, np.where(renewed, 0.0, book["annual"][rows]))
    ledger.add_vendor("direct_revenue", v, value * vendor_owned)
    ledger.add_vendor("renewal_cost", v, value * vendor_owned * terms.vendor_renewal_cost[v])
    ledger.add_vendor("channel_revenue", v, value * partner_owned)
    sourced = book["sourced"][rows]
    ledger.add_vendor("partner_sourced_revenue", v, value * (partner_owned & sourced))
    ledger.add_vendor("co_sell_revenue", v, value * (partner_owned & ~sourced))
    margin = value * partner_owned * terms.renewal_margin[v]
    ledger.add_vendor("payouts", v, margin)
    ledger.add_vendor("partner_deal_profit", v, margin)
    mine = np.flatnonzero(partner_owned)
    ledger.add_link("revenue", p[mine], s[mine], value[mine])
    ledger.add_link("deal_profit", p[mine], s[mine], margin[mine])

    book["annual"][rows] = annual
    book["due"][rows] += terms.contract_months[v]
    book["partner"][rows] = np.where(partner_owned, p, -1)  # the vendor keeps what it renewed
    keep = np.ones(len(book), bool)
    keep[rows[~renewed]] = False
    book.keep(keep)


def annual_value(model: ChannelModel) -> np.ndarray:
    """Each vendor's annual recurring revenue under contract (ARR)."""
    book = model.contracts
    return np.bincount(book["vendor"], book["annual"], minlength=model.n_vendors)


def resale_value(
    model: ChannelModel, terms: VendorTerms, rows: slice | np.ndarray, resale: np.ndarray
) -> np.ndarray:
    """What a partner earns per unit of a deal's perpetual value from reselling it, given
    ``resale``, the rate it earns on booked value: the booked share ``1 - s + s T / 12M`` at that
    rate, plus, where it owns renewals, their margin as an annuity ``x / (1 - x)`` of terms,
    ``x = renewal_rate (1 + expansion) exp(-delta T)``, weighed by its trust (a promise)."""
    if not model.recurring:
        return resale
    ps = model.partners
    v = ps.vendor[rows]
    share, term = terms.subscription_share[v], terms.contract_months[v]
    booked = term_value(terms, v)
    discount = np.exp(-model.config.partners.back_end_discount_per_month * term)
    factor = np.minimum(
        terms.renewal_rate[v] * (1.0 + terms.expansion_rate[v]) * discount, MAX_RENEWAL_FACTOR
    )
    annuity = (terms.partner_owns_renewals[v] > 0.5) * terms.renewal_margin[v] * factor
    annuity = annuity / (1.0 - factor) * share * booked
    return resale * (1.0 - share + share * booked) + ps.trust[rows] * annuity


def step_metrics(model: ChannelModel) -> dict[str, np.ndarray]:
    """The recurring-revenue metrics of this step (all 0 without subscriptions)."""
    ledger = model.ledger
    return {
        "arr": annual_value(model),
        "renewal_revenue": ledger.flow("renewal_revenue"),
        "churned_arr": ledger.flow("churned_arr"),
        "perpetual_conversions": ledger.flow("perpetual_conversions"),
    }


__all__ = [
    "Contracts",
    "annual_value",
    "convert",
    "credit_share",
    "credited_months",
    "mark",
    "offered",
    "renew",
    "resale_value",
    "sign",
    "step_metrics",
    "term_value",
]
