"""``sim history``: check a vendor's deal-history export and print its summary statistics."""

from __future__ import annotations

from pathlib import Path

import click

from cli.common import fail


@click.command("history")
@click.argument("history_dir", type=click.Path(path_type=Path))
@click.option(
    "--columns",
    metavar="PRESET|FILE.yaml",
    help="Column names of the export: salesforce, hubspot, partnerstack, or a mapping file "
    "[default: the canonical columns].",
)
@click.option(
    "--drop-bad", is_flag=True, help="Drop bad rows (counted by reason) instead of failing."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Write history_summary.csv and history_monthly.csv into this folder.",
)
def history(history_dir: Path, columns: str | None, drop_bad: bool, out: Path | None) -> None:
    """Check the deal history in HISTORY_DIR (deals.csv, optional partners.csv and program.csv)
    and print its summary statistics (docs/calibration.md)."""
    from sim.calibration import history_statistics
    from sim.calibration.output import summary_lines, write_summary

    found = load_history(history_dir, columns, drop_bad)
    stats = history_statistics(found.deals, found.partners)
    parts = [f"{len(found.deals):,} deals"]
    if found.partners is not None:
        parts.append(f"{len(found.partners):,} partners")
    if found.program is not None:
        parts.append(f"{len(found.program):,} program changes")
    click.echo(f"{history_dir}: {', '.join(parts)}")
    click.echo("\n".join(summary_lines(found, stats)))
    if out is not None:
        written = write_summary(stats, out)
        click.echo("written: " + ", ".join(str(p) for p in written))


def load_history(history_dir: Path, columns: str | None, drop_bad: bool):
    """Read the history or exit 2 with its error lines; say on stderr what ``--drop-bad`` dropped."""
    from sim.calibration import HistoryError, read_history
    from sim.calibration.output import dropped_lines

    try:
        found = read_history(history_dir, columns, drop_bad)
    except HistoryError as exc:
        fail(str(exc))
    for line in dropped_lines(found):
        click.echo(line, err=True)
    return found
