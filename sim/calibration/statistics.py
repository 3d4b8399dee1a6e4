"""Summary statistics of a deal history, computed from canonical frames alone, so the same function
runs on a vendor's export and (later) on a simulated deal log.

Inputs are the frames of :class:`sim.calibration.history.History`: ``deals`` needs ``created``,
``closed``, ``amount``, ``outcome``, ``partner_id`` and ``source``; ``partners`` (optional)
``partner_id``, ``joined`` and ``left``. Outputs are tidy frames plus a flat dict of scalars, each
named in :data:`STATISTICS` with its unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiments.deal_files import DAYS_PER_MONTH
from sim.model.metrics import gini, top_share

QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9)
"""Quantiles of the distributions (numpy's linear method)."""
GROUPS = ("all", "partner", "vendor")
"""Rows of the per-source tables: every deal, then by who sourced it."""

STATISTICS: dict[str, tuple[str, str]] = {
    "deals": ("count", "opportunities in the history"),
    "deals_open": ("count", "opportunities still open at the end of the history"),
    "months": ("months", "calendar months from the first creation to the last creation or close"),
    "opportunities_per_month": ("count/month", "opportunities created per month, mean"),
    "partner_sourced_share": ("fraction", "share of opportunities sourced by partners"),
    "won_value": ("currency", "total amount of won deals"),
    "won_value_per_month": ("currency/month", "won amount per month, mean"),
    "partner_won_value_share": ("fraction", "share of the won amount from partner-sourced deals"),
    "win_rate": ("fraction", "won / (won + lost), all closed deals"),
    "win_rate_partner": ("fraction", "win rate of partner-sourced deals"),
    "win_rate_vendor": ("fraction", "win rate of vendor-sourced deals"),
    "cycle_days_p50": ("days", "median days from creation to close, won deals"),
    "cycle_days_p90": ("days", "90th percentile of days from creation to close, won deals"),
    "deal_size_mean": ("currency", "mean amount of won deals"),
    "deal_size_p50": ("currency", "median amount of won deals"),
    "deal_size_p90": ("currency", "90th percentile of the amount of won deals"),
    "partners_with_deals": ("count", "partners named on at least one deal"),
    "active_partners_per_quarter": ("count", "active partners per quarter, mean (see quarterly)"),
    "partner_revenue_top_decile_share": (
        "fraction",
        "share of partners' won amount held by the top 10% of partners",
    ),
    "partner_revenue_gini": ("0-1", "Gini coefficient of won amount across partners"),
    "partners_listed": ("count", "partners in partners.csv (NaN without it)"),
    "partner_exits": ("count", "partners that left inside the window of the deals (NaN without)"),
    "partner_exit_rate_per_year": ("1/year", "exits per partner-year enrolled (NaN without it)"),
    "partner_tenure_p50_months": (
        "months",
        "median tenure of the partners that left (NaN without)",
    ),
}
"""Every scalar statistic: name -> (unit, what it is)."""


@dataclass(frozen=True)
class HistoryStatistics:
    """The statistics of one history.

    Attributes:
        scalars: name -> value, the names and units of :data:`STATISTICS` (NaN when undefined).
        monthly: ``month`` (YYYY-MM), ``source``, ``opportunities`` created, ``won_deals`` and
            ``won_value`` closed won that month; every month and source, zeros included.
        by_source: ``source`` (all, partner, vendor), ``opportunities``, ``won``, ``lost``,
            ``open``, ``win_rate``, ``won_value``.
        distributions: ``measure`` (``cycle_days``, ``deal_size``, won deals), ``source``, ``n``,
            ``mean``, ``p10`` ... ``p90``.
        quarterly: ``quarter`` (YYYYQn), ``partners_with_deals`` (a deal created or closed in the
            quarter), ``enrolled_partners`` (joined by its end, not left before its start; NaN
            without partners.csv), ``active_partners`` (enrolled when partners.csv is given, else
            with deals).
    """

    scalars: dict[str, float]
    monthly: pd.DataFrame
    by_source: pd.DataFrame
    distributions: pd.DataFrame
    quarterly: pd.DataFrame

    def summary_frame(self) -> pd.DataFrame:
        """The scalars as rows: ``statistic``, ``value``, ``unit``, ``description``."""
        return pd.DataFrame(
            [(name, self.scalars[name], *STATISTICS[name]) for name in STATISTICS],
            columns=["statistic", "value", "unit", "description"],
        )


def history_statistics(
    deals: pd.DataFrame, partners: pd.DataFrame | None = None, vendor: str | None = None
) -> HistoryStatistics:
    """The summary statistics of ``deals`` (and ``partners``), of one ``vendor`` when given (rows
    whose ``vendor`` is missing count as the focus vendor and are kept)."""
    if vendor is not None and "vendor" in deals.columns:
        deals = deals[deals["vendor"].isna() | (deals["vendor"] == vendor)]
    deals = deals.reset_index(drop=True)
    won = deals[deals["outcome"] == "won"]
    monthly = monthly_table(deals)
    by_source = _by_source(deals)
    distributions = _distributions(won)
    quarterly = _quarterly(deals, partners)
    months = monthly["month"].nunique()
    rates = by_source.set_index("source")
    partner_won = _won_per_partner(won, partners)
    dist = distributions.set_index(["measure", "source"])
    scalars = {
        "deals": float(len(deals)),
        "deals_open": float((deals["outcome"] == "open").sum()),
        "months": float(months),
        "opportunities_per_month": _ratio(len(deals), months),
        "partner_sourced_share": _ratio((deals["source"] == "partner").sum(), len(deals)),
        "won_value": float(won["amount"].sum()),
        "won_value_per_month": _ratio(won["amount"].sum(), months),
        "partner_won_value_share": _ratio(
            won.loc[won["source"] == "partner", "amount"].sum(), won["amount"].sum()
        ),
        "win_rate": float(rates.loc["all", "win_rate"]),
        "win_rate_partner": float(rates.loc["partner", "win_rate"]),
        "win_rate_vendor": float(rates.loc["vendor", "win_rate"]),
        "cycle_days_p50": float(dist.loc[("cycle_days", "all"), "p50"]),
        "cycle_days_p90": float(dist.loc[("cycle_days", "all"), "p90"]),
        "deal_size_mean": float(dist.loc[("deal_size", "all"), "mean"]),
        "deal_size_p50": float(dist.loc[("deal_size", "all"), "p50"]),
        "deal_size_p90": float(dist.loc[("deal_size", "all"), "p90"]),
        "partners_with_deals": float(deals["partner_id"].nunique()),
        "active_partners_per_quarter": _mean(quarterly["active_partners"]),
        "partner_revenue_top_decile_share": top_share(partner_won, 0.1),
        "partner_revenue_gini": gini(partner_won),
        **_tenure(deals, partners),
    }
    return HistoryStatistics(scalars, monthly, by_source, distributions, quarterly)


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator / denominator) if denominator else float("nan")


def _mean(values: pd.Series) -> float:
    return float(values.mean()) if len(values) else float("nan")


def monthly_table(deals: pd.DataFrame) -> pd.DataFrame:
    """:attr:`HistoryStatistics.monthly` of ``deals`` alone (the other statistics not computed)."""
    created = deals["created"].dt.to_period("M")
    won = deals["outcome"] == "won"
    closed = deals.loc[won, "closed"].dt.to_period("M")
    columns = ["month", "source", "opportunities", "won_deals", "won_value"]
    if created.empty:
        return pd.DataFrame(columns=columns)
    months = pd.period_range(created.min(), max(created.max(), closed.max(skipna=True) if len(closed) else created.max()), freq="M")  # fmt: skip
    index = pd.MultiIndex.from_product([months, ("partner", "vendor")], names=["month", "source"])
    opened = deals.groupby([created.rename("month"), deals["source"]]).size()
    won_deals = deals[won].groupby([closed.rename("month"), deals.loc[won, "source"]])
    frame = pd.DataFrame(
        {
            "opportunities": opened.reindex(index, fill_value=0),
            "won_deals": won_deals.size().reindex(index, fill_value=0),
            "won_value": won_deals["amount"].sum().reindex(index, fill_value=0.0),
        }
    ).reset_index()
    frame["month"] = frame["month"].astype(str)
    return frame[columns]


def _groups(deals: pd.DataFrame):
    yield "all", deals
    for source in GROUPS[1:]:
        yield source, deals[deals["source"] == source]


def _by_source(deals: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for source, group in _groups(deals):
        counts = group["outcome"].value_counts()
        won, lost = int(counts.get("won", 0)), int(counts.get("lost", 0))
        value = group.loc[group["outcome"] == "won", "amount"].sum()
        rows.append(
            (source, len(group), won, lost, int(counts.get("open", 0)), _ratio(won, won + lost), float(value))
        )  # fmt: skip
    columns = ["source", "opportunities", "won", "lost", "open", "win_rate", "won_value"]
    return pd.DataFrame(rows, columns=columns)


def _distributions(won: pd.DataFrame) -> pd.DataFrame:
    rows = []
    names = [f"p{round(q * 100)}" for q in QUANTILES]
    for source, group in _groups(won):
        cycle = (group["closed"] - group["created"]).dt.days.to_numpy(dtype=float)
        for measure, values in (("cycle_days", cycle), ("deal_size", group["amount"].to_numpy())):
            values = values[~np.isnan(values)]
            quantiles = np.quantile(values, QUANTILES) if values.size else [np.nan] * len(QUANTILES)
            mean = float(values.mean()) if values.size else np.nan
            rows.append((measure, source, values.size, mean, *map(float, quantiles)))
    return pd.DataFrame(rows, columns=["measure", "source", "n", "mean", *names])


def _quarterly(deals: pd.DataFrame, partners: pd.DataFrame | None) -> pd.DataFrame:
    columns = ["quarter", "partners_with_deals", "enrolled_partners", "active_partners"]
    if deals.empty:
        return pd.DataFrame(columns=columns)
    ends = pd.concat([deals["created"], deals["closed"]]).dropna()
    quarters = pd.period_range(ends.min().to_period("Q"), ends.max().to_period("Q"), freq="Q")
    linked = deals[deals["partner_id"].notna()]
    seen = pd.concat(
        [
            pd.DataFrame({"quarter": linked[c].dt.to_period("Q"), "partner_id": linked["partner_id"]})
            for c in ("created", "closed")
        ]
    ).dropna()  # fmt: skip
    with_deals = seen.drop_duplicates().groupby("quarter").size().reindex(quarters, fill_value=0)
    frame = pd.DataFrame(
        {"quarter": quarters.astype(str), "partners_with_deals": with_deals.to_numpy()}
    )
    if partners is None:
        frame["enrolled_partners"] = np.nan
        frame["active_partners"] = frame["partners_with_deals"].astype(float)
        return frame[columns]
    starts, stops = quarters.start_time.to_numpy(), quarters.end_time.normalize().to_numpy()
    joined = partners["joined"].to_numpy()[:, None]
    left = partners["left"].to_numpy()[:, None]
    enrolled = (joined <= stops) & (np.isnat(left) | (left >= starts))
    frame["enrolled_partners"] = enrolled.sum(axis=0).astype(float)
    frame["active_partners"] = frame["enrolled_partners"]
    return frame[columns]


def _won_per_partner(won: pd.DataFrame, partners: pd.DataFrame | None) -> np.ndarray:
    """Won amount per partner: the partners of partners.csv (zeros included) and of the deals."""
    per_partner = won.groupby("partner_id")["amount"].sum()
    if partners is not None:
        everyone = pd.Index(partners["partner_id"]).union(per_partner.index)
        per_partner = per_partner.reindex(everyone, fill_value=0.0)
    return per_partner.to_numpy(dtype=float)


def _tenure(deals: pd.DataFrame, partners: pd.DataFrame | None) -> dict[str, float]:
    nan = float("nan")
    if partners is None:
        return dict.fromkeys(("partners_listed", "partner_exits", "partner_exit_rate_per_year", "partner_tenure_p50_months"), nan)  # fmt: skip
    if deals["created"].isna().all():  # no deal: no window to count exits in
        return {"partners_listed": float(len(partners)), **dict.fromkeys(("partner_exits", "partner_exit_rate_per_year", "partner_tenure_p50_months"), nan)}  # fmt: skip
    # The window the deals cover: from the first day of the first month with a deal created to the
    # last date of either file; a partner enrolled years before it counts only its years inside.
    dates = pd.concat([deals["created"], deals["closed"], partners["joined"], partners["left"]])
    start, end = deals["created"].min().to_period("M").to_timestamp(), dates.max()
    begin = partners["joined"].clip(lower=start)
    stop = partners["left"].fillna(end).clip(upper=end)
    years = ((stop - begin).dt.days.clip(lower=0) / 365.25).sum()
    exited = partners[partners["left"].between(start, end)]
    tenure = (exited["left"] - exited["joined"]).dt.days / DAYS_PER_MONTH
    return {
        "partners_listed": float(len(partners)),
        "partner_exits": float(len(exited)),
        "partner_exit_rate_per_year": _ratio(len(exited), years),
        "partner_tenure_p50_months": float(tenure.median()) if len(tenure) else nan,
    }
