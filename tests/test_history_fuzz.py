"""Any text or bytes as deals.csv (and partners.csv) give a checked history or a HistoryError with
one line per problem, never another exception: the files are untrusted input."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.calibration import HistoryError, history_statistics, read_history

FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "30")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
HEADER = "deal_id,created,closed,amount,outcome,partner_id,source"
CELLS = st.sampled_from(
    ["", "d1", "d2", "p1", "2024-01-01", "2024-02-30", "2023-12-31T23:59:59Z", "1e308", "-1", "12.5",
     "nan", "inf", "won", "lost", "open", "partner", "vendor", '"a,b"', '"x\ny"', "\x00", "=1+1", " "]
)  # fmt: skip
ROWS = st.lists(st.lists(CELLS, min_size=5, max_size=8).map(",".join), max_size=8)


def _read(deals: bytes, partners: bytes | None = None, drop_bad: bool = False) -> None:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "deals.csv").write_bytes(deals)
        if partners is not None:
            Path(folder, "partners.csv").write_bytes(partners)
        try:
            found = read_history(Path(folder), drop_bad=drop_bad)
        except HistoryError as exc:
            lines = str(exc).splitlines()
            assert lines and all(line.isprintable() for line in lines), lines
            return
        history_statistics(found.deals, found.partners)


@FUZZ
@given(rows=ROWS, drop_bad=st.booleans())
def test_rows_of_plausible_cells(rows: list[str], drop_bad: bool) -> None:
    _read(("\n".join([HEADER, *rows]) + "\n").encode(), drop_bad=drop_bad)


@FUZZ
@given(text=st.text(max_size=300), drop_bad=st.booleans())
def test_any_text(text: str, drop_bad: bool) -> None:
    _read((HEADER + "\n" + text).encode("utf-8", "surrogatepass"), drop_bad=drop_bad)


@FUZZ
@given(data=st.binary(max_size=200), partners=st.binary(max_size=80))
def test_any_bytes(data: bytes, partners: bytes) -> None:
    _read(data, partners)
