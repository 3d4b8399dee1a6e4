"""Finding the result folder a command-line argument names: a folder, a file in one, or a
scenario file (its newest result folder under ``results/<name>/``)."""

from __future__ import annotations

from pathlib import Path

import yaml

from sim.experiments.folder_layout import MANIFEST_FILE, ResultsError
from sim.experiments.reader import ResultSet, load_results

SCENARIO_SUFFIXES = (".yaml", ".yml")


def open_source(path: Path | str, results_root: Path | str = "results") -> ResultSet:
    """The result folder ``path`` names.

    - a result folder: itself;
    - a file inside a result folder (``manifest.json``, ``runs.csv``...): its folder;
    - a scenario file: the newest finished folder under ``results_root/<name>/`` (folder names
      are timestamps, so the newest sorts last).

    Raises:
        ResultsError: nothing there, not a result folder, or no results for the scenario yet.
    """
    path = Path(path)
    if (
        path.is_file()
        and path.suffix in SCENARIO_SUFFIXES
        and path.name != "scenario.resolved.yaml"
    ):
        return _latest_for_scenario(path, Path(results_root))
    if path.is_file():
        if not (path.parent / MANIFEST_FILE).exists():
            raise ResultsError(f"{path}: not a result folder or a file in one")
        path = path.parent
    return load_results(path)


def _latest_for_scenario(file: Path, root: Path) -> ResultSet:
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ResultsError(f"{file}: cannot read the scenario name ({exc})") from None
    name = doc.get("name") if isinstance(doc, dict) else None
    if not isinstance(name, str):
        raise ResultsError(f"{file}: no scenario name; give a result folder instead")
    parent = root / name
    folders = sorted(p for p in parent.glob("*") if (p / MANIFEST_FILE).exists())
    if not folders:
        raise ResultsError(
            f"{file}: no result folder under {parent}/; run `sim run {file}` first, or give a "
            "result folder"
        )
    return load_results(folders[-1])


__all__ = ["open_source"]
