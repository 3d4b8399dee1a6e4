"""Write a synthetic Salesforce-style export of a plausible vendor's channel, for `sim history`.

    python examples/calibration/make_export.py            # writes export/ and bad_export/ here
    python examples/calibration/make_export.py --seed 7 --out /tmp/x --partners 100 --months 24

Nothing here is real data. The vendor has a few hundred partners whose productivity is heavy-tailed
(lognormal, so a tenth of them bring most of the partner revenue); partners join over time and
some leave. Each month it gets direct (vendor-sourced) opportunities and partner-sourced ones; some
vendor-found deals are co-sold with a partner. Deal sizes are lognormal, sales cycles gamma
distributed, and the win rate depends on who sourced the deal. Deals whose cycle runs past the
export date are still open, with Salesforce's *expected* close date filled in.

Files, in Salesforce API field names:

- ``export/deals.csv``: an Opportunity export (Id, Name, CreatedDate, CloseDate, Amount,
  StageName, IsClosed, IsWon, LeadSource, PartnerAccountId).
- ``export/partners.csv``: the partner Accounts (Id, Name, CreatedDate, and the custom fields
  Partner_Exit_Date__c and Partner_Tier__c).
- ``bad_export/``: the first deals of the same export plus four deliberately bad rows (a negative
  amount, a close before creation, an unreadable IsWon flag, a partner that is not in
  partners.csv), to show the error messages.

Every draw comes from one ``numpy.random.default_rng(seed)``: the same seed and sizes give the same
files byte for byte.
"""

from __future__ import annotations

import argparse
import string
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
START = pd.Timestamp("2022-01-01")
_ALPHABET = np.array(list(string.ascii_letters + string.digits))


@dataclass(frozen=True)
class Vendor:
    """The invented vendor behind the export (rates per month, sizes in currency units)."""

    partners: int = 300
    months: int = 36
    direct_per_month: float = 45.0  # vendor-sourced opportunities per month
    partner_per_month: float = 35.0  # partner-sourced opportunities per month, all partners
    productivity_sigma: float = 1.3  # spread of log productivity across partners
    co_sell_share: float = 0.15  # vendor-sourced deals co-sold with a partner
    size_median: float = 38_000.0
    size_sigma: float = 0.9
    partner_size_factor: float = 0.8  # partner deals are a little smaller
    cycle_mean_days: float = 95.0
    cycle_shape: float = 2.5
    win_rate_vendor: float = 0.24
    win_rate_partner: float = 0.33
    exit_per_year: float = 0.08
    recruited_share: float = 0.35  # partners recruited during the history (the rest at start)


def salesforce_ids(rng: np.random.Generator, prefix: str, n: int) -> list[str]:
    """``n`` distinct 18-character ids that look like Salesforce's (key prefix + base62)."""
    ids: set[str] = set()
    out: list[str] = []
    while len(out) < n:
        tail = "".join(rng.choice(_ALPHABET, 15))
        if tail not in ids:
            ids.add(tail)
            out.append(prefix + tail)
    return out


def make_partners(rng: np.random.Generator, vendor: Vendor, end: pd.Timestamp) -> pd.DataFrame:
    """Partner accounts with joined/left dates, tiers and a productivity weight."""
    n = vendor.partners
    ids = salesforce_ids(rng, "001", n)
    recruited = rng.random(n) < vendor.recruited_share
    days = (end - START).days
    joined_offset = np.where(recruited, rng.integers(0, days, n), -rng.integers(30, 1500, n))
    joined = START + pd.to_timedelta(joined_offset, unit="D")
    life_days = rng.exponential(365.25 / vendor.exit_per_year, n)
    left = joined + pd.to_timedelta(life_days.round(), unit="D")
    left = pd.Series(left).where(left < end)
    productivity = rng.lognormal(0.0, vendor.productivity_sigma, n)
    rank = pd.Series(productivity).rank(pct=True)
    tier = np.where(rank > 0.9, "Gold", np.where(rank > 0.6, "Silver", "Registered"))
    return pd.DataFrame(
        {
            "Id": ids,
            "Name": [f"Partner {i + 1:03d}" for i in range(n)],
            "joined": pd.Series(joined),
            "left": left,
            "tier": tier,
            "weight": productivity / productivity.sum(),
        }
    )


def make_deals(
    rng: np.random.Generator, vendor: Vendor, partners: pd.DataFrame, end: pd.Timestamp
) -> pd.DataFrame:
    """Opportunities month by month: direct ones, partner-sourced ones from active partners."""
    rows = []
    for month in range(vendor.months):
        first = START + pd.DateOffset(months=month)
        days = (first + pd.DateOffset(months=1) - first).days
        active = (partners["joined"] <= first) & (
            partners["left"].isna() | (partners["left"] > first)
        )
        weights = partners["weight"].where(active, 0.0).to_numpy()
        for source, rate in (
            ("vendor", vendor.direct_per_month),
            ("partner", vendor.partner_per_month),
        ):
            count = rng.poisson(rate)
            if source == "partner" and weights.sum() > 0:
                partner = rng.choice(len(partners), count, p=weights / weights.sum())
            elif source == "vendor" and weights.sum() > 0:
                helped = rng.random(count) < vendor.co_sell_share
                picks = rng.choice(len(partners), count, p=weights / weights.sum())
                partner = np.where(helped, picks, -1)
            else:
                partner = np.full(count, -1)
            day = rng.integers(0, days, count)
            rows.append(pd.DataFrame({"source": source, "partner": partner, "created": first + pd.to_timedelta(day, unit="D")}))  # fmt: skip
    deals = pd.concat(rows, ignore_index=True)
    n = len(deals)
    is_partner = (deals["source"] == "partner").to_numpy()
    median = vendor.size_median * np.where(is_partner, vendor.partner_size_factor, 1.0)
    deals["amount"] = np.round(median * rng.lognormal(0.0, vendor.size_sigma, n), -2)
    cycle = rng.gamma(vendor.cycle_shape, vendor.cycle_mean_days / vendor.cycle_shape, n)
    deals["close"] = deals["created"] + pd.to_timedelta(np.maximum(cycle.round(), 1), unit="D")
    win_rate = np.where(is_partner, vendor.win_rate_partner, vendor.win_rate_vendor)
    deals["won"] = rng.random(n) < win_rate
    deals["is_closed"] = deals["close"] <= end
    deals["seconds"] = rng.integers(8 * 3600, 18 * 3600, n)
    deals["lead"] = np.where(is_partner, "Partner Referral", rng.choice(["Web", "Trade Show", "Phone Inquiry", "Advertisement"], n))  # fmt: skip
    deals["open_stage"] = rng.choice(["Prospecting", "Qualification", "Proposal/Price Quote", "Negotiation/Review"], n)  # fmt: skip
    return deals.sort_values("created", kind="stable").reset_index(drop=True)


def salesforce_opportunities(rng: np.random.Generator, deals: pd.DataFrame, partners: pd.DataFrame) -> pd.DataFrame:  # fmt: skip
    """The deals in the columns of a Salesforce Opportunity export."""
    created = deals["created"] + pd.to_timedelta(deals["seconds"], unit="s")
    stage = np.where(~deals["is_closed"], deals["open_stage"], np.where(deals["won"], "Closed Won", "Closed Lost"))  # fmt: skip
    partner_ids = np.array([*partners["Id"], ""])
    return pd.DataFrame(
        {
            "Id": salesforce_ids(rng, "006", len(deals)),
            "Name": [f"Opportunity {i + 1:05d}" for i in range(len(deals))],
            "CreatedDate": created.dt.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "CloseDate": deals["close"].dt.strftime("%Y-%m-%d"),
            "Amount": deals["amount"].map(lambda a: f"{a:.2f}"),
            "StageName": stage,
            "IsClosed": np.where(deals["is_closed"], "true", "false"),
            "IsWon": np.where(deals["is_closed"] & deals["won"], "true", "false"),
            "LeadSource": deals["lead"],
            "PartnerAccountId": partner_ids[deals["partner"].to_numpy()],
        }
    )


def salesforce_accounts(partners: pd.DataFrame) -> pd.DataFrame:
    """The partner accounts in the columns of a Salesforce Account export."""
    return pd.DataFrame(
        {
            "Id": partners["Id"],
            "Name": partners["Name"],
            "CreatedDate": partners["joined"].dt.strftime("%Y-%m-%dT09:00:00.000Z"),
            "Partner_Exit_Date__c": partners["left"].dt.strftime("%Y-%m-%d").fillna(""),
            "Partner_Tier__c": partners["tier"],
        }
    )


def bad_rows(opportunities: pd.DataFrame) -> pd.DataFrame:
    """Four deliberately bad opportunities, each with one mistake a real export can have."""
    template = opportunities[opportunities["IsClosed"] == "true"].iloc[0]
    rows = pd.DataFrame([template] * 4).reset_index(drop=True)
    rows["Id"] = [f"006BAD00000000000{i}" for i in range(4)]
    rows.loc[0, "Amount"] = "-12000.00"  # a negative amount
    rows.loc[1, "CloseDate"] = "2021-06-30"  # closed before it was created
    rows.loc[2, "IsWon"] = "perhaps"  # an unreadable flag: outcome unknown
    rows.loc[3, ["LeadSource", "PartnerAccountId"]] = ["Partner Referral", "001NOTAPARTNER0000"]
    return rows


def write_export(out: Path, seed: int = 2024, vendor: Vendor | None = None) -> dict[str, int]:
    """Write ``out/export/`` and ``out/bad_export/``; return the number of rows of each file."""
    vendor = vendor or Vendor()
    rng = np.random.default_rng(seed)
    end = START + pd.DateOffset(months=vendor.months) - pd.Timedelta(days=1)
    partners = make_partners(rng, vendor, end)
    deals = make_deals(rng, vendor, partners, end)
    opportunities = salesforce_opportunities(rng, deals, partners)
    accounts = salesforce_accounts(partners)
    for name in ("export", "bad_export"):
        (out / name).mkdir(parents=True, exist_ok=True)
    accounts.to_csv(out / "export" / "partners.csv", index=False)
    opportunities.to_csv(out / "export" / "deals.csv", index=False)
    accounts.to_csv(out / "bad_export" / "partners.csv", index=False)
    sample = pd.concat([opportunities.head(40), bad_rows(opportunities)], ignore_index=True)
    sample.to_csv(out / "bad_export" / "deals.csv", index=False)
    return {"deals": len(opportunities), "partners": len(accounts), "bad_export": len(sample)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, default=HERE)
    parser.add_argument("--partners", type=int, default=Vendor.partners)
    parser.add_argument("--months", type=int, default=Vendor.months)
    args = parser.parse_args()
    counts = write_export(args.out, args.seed, Vendor(partners=args.partners, months=args.months))
    print(f"wrote {args.out}/export ({counts['deals']} opportunities, {counts['partners']} partner "
          f"accounts) and {args.out}/bad_export ({counts['bad_export']} rows, 4 of them bad)")  # fmt: skip


if __name__ == "__main__":
    main()
