"""A finished run's rows for the result files, and the Parquet copy of ``timeseries.csv``.

:func:`prepare_run` runs in the worker, so the process writing a result folder only saves each run
(:mod:`sim.experiments.journal`) and concatenates the prepared rows in plan order
(:class:`sim.experiments.writer.ResultWriter`).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sim.experiments.deal_files import history_csv
from sim.experiments.folder_layout import RUNS_COLUMNS, TIMESERIES_COLUMNS
from sim.experiments.summary import run_values
from sim.model.metrics import RunOutput


@dataclass
class PreparedRun:
    """A finished run's rows as they go into the result files (made in the worker, see
    :func:`prepare_run`, so the process writing the folder only saves and concatenates).

    Attributes:
        timeseries_csv: its ``timeseries.csv`` rows as CSV text, no header.
        runs_csv: its ``runs.csv`` rows as CSV text, no header.
        values: its run-level values (:func:`sim.experiments.summary.run_values`) with ``variant, replicate``.
        timeseries: its timeseries rows as a table, only where pyarrow writes Parquet.
        history: the text of each file of its deal history (``deals.csv``, ``partners.csv``), when
            the run kept a deal log (:mod:`sim.calibration.simulated`).
    """

    timeseries_csv: str
    runs_csv: str
    values: pd.DataFrame
    timeseries: pd.DataFrame | None = None
    history: dict[str, str] | None = None


def prepare_run(variant: str, replicate: int, output: RunOutput) -> PreparedRun:
    """The rows of one ``ok`` run for every result file."""
    keys = {"variant": variant, "replicate": replicate}
    ts = output.timeseries.assign(**keys)[list(TIMESERIES_COLUMNS)]
    return PreparedRun(
        timeseries_csv=ts.to_csv(header=False, index=False, lineterminator="\n"),
        runs_csv=output.runs.assign(**keys)[list(RUNS_COLUMNS)].to_csv(
            header=False, index=False, lineterminator="\n"
        ),
        values=run_values(output).assign(**keys),
        timeseries=ts if _parquet_available() else None,
        history=None if output.deals is None else history_csv(output.deals),
    )


def _parquet_available() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


class ParquetStream:
    """Append timeseries chunks to a Parquet file when pyarrow is importable; else do nothing."""

    def __init__(self, path: Path) -> None:
        self.path, self.writer = path, None
        self.tmp = path.with_name(f".{path.name}.partial")
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            self.pa = None
            return
        self.pa, self.pq = pa, pq
        fields = [
            (c, pa.string() if c in ("variant", "vendor") else pa.float64())
            for c in TIMESERIES_COLUMNS
        ]
        fields[1], fields[2] = ("replicate", pa.int64()), ("step", pa.int64())
        self.schema = pa.schema(fields)

    def write(self, frame: pd.DataFrame) -> None:
        if self.pa is None:
            return
        if self.writer is None:
            self.tmp.unlink(missing_ok=True)  # a leftover, or a link planted to write elsewhere
            self.writer = self.pq.ParquetWriter(self.tmp, self.schema)
        table = self.pa.Table.from_pandas(frame, schema=self.schema, preserve_index=False)
        self.writer.write_table(table)

    def discard(self) -> None:
        """Remove the temporary file if :meth:`close` did not move it into place."""
        if self.writer is not None and self.pa is not None:
            with contextlib.suppress(Exception):
                self.writer.close()
        self.tmp.unlink(missing_ok=True)

    def close(self) -> None:
        if self.pa is None:
            return
        if self.writer is None:  # no run finished: an empty file with the schema
            self.writer = self.pq.ParquetWriter(self.tmp, self.schema)
        self.writer.close()
        with open(self.tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self.tmp, self.path)
        self.pa = None
