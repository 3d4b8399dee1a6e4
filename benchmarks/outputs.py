"""Where a benchmark's results go: ``<out>/<stem>.md`` (the table), ``<out>/<stem>.json`` (every
number) and the table on standard output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def write_outputs(out: Path, stem: str, lines: list[str], rows: Any) -> None:
    """Write the markdown ``lines`` and the JSON ``rows`` of benchmark ``stem`` and print the table."""
    out.mkdir(parents=True, exist_ok=True)
    (out / f"{stem}.md").write_text("\n".join(lines) + "\n")
    (out / f"{stem}.json").write_text(json.dumps(rows, indent=2) + "\n")
    print("\n".join(lines))
