"""A run's deal log (:mod:`sim.model.deal_log`) in the canonical history format, so a simulated
history is read, summarised and calibrated exactly like a vendor's export (docs/calibration.md).

Month 0 of the run is :data:`SIMULATED_START`; model month ``m`` is calendar month ``floor(m)`` after
it, ``m - floor(m)`` of the way through that month (whole days down), so each monthly step is one
calendar month, dates keep the order of months and a deal never closes before it was created. A
deal's creation and close happen somewhere in their step: each is dated a fixed fraction of the
step after its start, a hash of the deal's row (:func:`within_step`, no random draw), so cycle
lengths and days of the month spread as in a CRM instead of falling on whole steps.
A taken-direct partner deal is the vendor's (``source`` vendor, no partner) with ``contested`` and
``taken_direct`` true, as a CRM lists a deal a rep took over; ``campaign`` (an MDF campaign made
it) and ``taken_direct`` are extra columns the reader ignores.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from sim.experiments.folder_layout import atomic_write_text, inner_folder
from sim.model.deal_log import DealHistory

DAYS_PER_MONTH = 365.25 / 12
"""Days in an average month (a model month as days, and back for tenures and cycles)."""
SIMULATED_START = dt.date(2025, 1, 1)
"""The date of month 0 in a simulated history."""
DEALS_FOLDER = "deals"
"""Folder of a result folder holding one history folder per run: ``deals/<variant>/<replicate>/``."""
DEALS_FILE, PARTNERS_FILE = "deals.csv", "partners.csv"
HISTORY_FILES = (DEALS_FILE, PARTNERS_FILE)
"""The files of a simulated history folder, in the order they are written."""
DEAL_FILE_COLUMNS = (
    "deal_id", "created", "closed", "amount", "outcome", "partner_id", "source", "registered",
    "partner_join_stage", "contested", "vendor", "taken_direct", "campaign",
)  # fmt: skip


def stamps(months: np.ndarray | pd.Series, start: dt.date = SIMULATED_START) -> pd.Series:
    """Timestamps of model months (the module docstring; ``start`` a month's first day; NaT where
    NaN). Month ``m`` in its calendar month, not ``m`` average months of days: with those, a
    monthly run dated two steps in January and none in February."""
    m = np.asarray(months, dtype=float)
    known = np.isfinite(m)
    m = np.where(known, m, 0.0)
    whole = np.floor(m)
    first = np.datetime64(start, "M") + whole.astype(np.int64)
    begins = first.astype("datetime64[D]")
    length = ((first + np.timedelta64(1, "M")).astype("datetime64[D]") - begins).astype(np.int64)
    days = np.floor((m - whole) * length).astype(np.int64)
    out = pd.Series(pd.to_datetime(begins + days))
    out[~known] = pd.NaT
    return out


def within_step(n: int, salt: int) -> np.ndarray:
    """``n`` fractions in [0, 1), a fixed function of the row and ``salt`` (splitmix64), which
    look uniform and independent across rows and salts."""
    with np.errstate(over="ignore"):
        z = np.arange(n, dtype=np.uint64) * np.uint64(2) + np.uint64(salt)
        z = z * np.uint64(0x9E3779B97F4A7C15) + np.uint64(0x632BE59BD9B4E019)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return (z >> np.uint64(11)).astype(np.float64) / 2.0**53


def deal_months(history: DealHistory) -> tuple[np.ndarray, np.ndarray]:
    """The deals' creation and close months, each moved :func:`within_step` into its step (the
    step's share at most 0.999, so an event stays in its step's calendar month)."""
    d = history.deals
    spread = 0.999 * history.step
    created = d["created"].to_numpy(dtype=float) + spread * within_step(len(d), 0)
    closed = d["closed"].to_numpy(dtype=float) + spread * within_step(len(d), 1)
    return created, closed


def dates(months: np.ndarray | pd.Series, start: dt.date = SIMULATED_START) -> pd.Series:
    """ISO dates of model months (empty text where a month is NaN)."""
    return stamps(months, start).dt.strftime("%Y-%m-%d").fillna("").astype(object)


def partner_ids(rows: np.ndarray | pd.Series) -> pd.Series:
    """``P00042`` for partner row 42; empty text for -1 (no partner)."""
    rows = np.asarray(rows, dtype=np.int64)
    ids = pd.Series([f"P{r:05d}" for r in rows], dtype=object)
    ids[rows < 0] = ""
    return ids


def deals_table(history: DealHistory, start: dt.date = SIMULATED_START) -> pd.DataFrame:
    """``deals.csv`` of a run's log: one row per opportunity, columns :data:`DEAL_FILE_COLUMNS`."""
    d = history.deals
    created, closed = deal_months(history)
    flag = {True: "true", False: "false"}
    stage = pd.Series([f"{s:.4f}" if s == s else "" for s in d["stage"]], dtype=object)
    return pd.DataFrame(
        {
            "deal_id": [f"D{i + 1:07d}" for i in range(len(d))],
            "created": dates(created, start),
            "closed": dates(closed, start),
            "amount": [f"{a:.2f}" for a in d["amount"]],
            "outcome": d["outcome"].to_numpy(),
            "partner_id": partner_ids(d["partner"]),
            "source": d["source"].to_numpy(),
            "registered": d["registered"].map(flag).to_numpy(),
            "partner_join_stage": stage,
            "contested": d["contested"].map(flag).to_numpy(),
            "vendor": history.vendor,
            "taken_direct": d["taken_direct"].map(flag).to_numpy(),
            "campaign": d["campaign"].map(flag).to_numpy(),
        },
        columns=list(DEAL_FILE_COLUMNS),
    )


def firms(history: DealHistory) -> pd.DataFrame:
    """One row per partner firm (index: its row) that carried the vendor's line at month 0 or
    later: ``joined`` its first signing, ``left`` the end of its last line (NaN while one is
    active)."""
    lines = history.lines
    grouped = lines.groupby("partner")
    active = lines["left"].isna().groupby(lines["partner"]).any()
    return pd.DataFrame(
        {"joined": grouped["joined"].min(), "left": grouped["left"].max().where(~active)}
    )


def partners_table(history: DealHistory, start: dt.date = SIMULATED_START) -> pd.DataFrame:
    """``partners.csv`` of a run's log: one row per firm of :func:`firms`."""
    found = firms(history)
    return pd.DataFrame(
        {
            "partner_id": partner_ids(found.index.to_numpy()).to_numpy(),
            "joined": dates(found["joined"], start).to_numpy(),
            "left": dates(found["left"], start).to_numpy(),
            "tier": "",
        }
    )


def canonical_frames(
    history: DealHistory, start: dt.date = SIMULATED_START
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The deals and partners of a run's log as the history reader returns them (dates as
    timestamps, NaT while open or active; no partner as NA), without a round trip through CSV."""
    d = history.deals
    created, closed = deal_months(history)
    deals = pd.DataFrame(
        {
            "created": stamps(created, start),
            "closed": stamps(closed, start),
            "amount": np.round(d["amount"].to_numpy(dtype=float), 2),
            "outcome": d["outcome"].to_numpy(),
            "partner_id": partner_ids(d["partner"]).replace("", pd.NA),
            "source": d["source"].to_numpy(),
        }
    )
    found = firms(history)
    partners = pd.DataFrame(
        {
            "partner_id": partner_ids(found.index.to_numpy()).to_numpy(),
            "joined": stamps(found["joined"], start).to_numpy(),
            "left": stamps(found["left"], start).to_numpy(),
        }
    )
    return deals, partners


def history_csv(history: DealHistory, start: dt.date = SIMULATED_START) -> dict[str, str]:
    """The text of each file of :data:`HISTORY_FILES` for one run's log."""
    tables = {
        DEALS_FILE: deals_table(history, start),
        PARTNERS_FILE: partners_table(history, start),
    }
    return {name: table.to_csv(index=False, lineterminator="\n") for name, table in tables.items()}


def history_folder(folder: Path, variant: str, replicate: int, create: bool = True) -> Path:
    """``folder/deals/<variant>/<replicate, 3 digits>``: one run's history folder (each level
    refused if it is a link or a file, so a received folder cannot make sim write elsewhere)."""
    path = Path(folder)
    for name in (DEALS_FOLDER, variant, f"{replicate:03d}"):
        path = inner_folder(path, name, create=create)
    return path


def write_history(folder: Path, variant: str, replicate: int, files: dict[str, str]) -> Path:
    """Write one run's history files (:func:`history_csv`) into its history folder."""
    path = history_folder(folder, variant, replicate)
    for name in HISTORY_FILES:
        atomic_write_text(path / name, files[name])
    return path


__all__ = [
    "DAYS_PER_MONTH",
    "DEALS_FILE",
    "DEALS_FOLDER",
    "HISTORY_FILES",
    "PARTNERS_FILE",
    "SIMULATED_START",
    "dates",
    "deal_months",
    "deals_table",
    "firms",
    "canonical_frames",
    "history_csv",
    "history_folder",
    "partners_table",
    "stamps",
    "within_step",
    "write_history",
]
