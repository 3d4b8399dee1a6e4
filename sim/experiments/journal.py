"""The run journal of a result folder: one small file per finished run, so no finished run is lost.

While runs go on, each finished run (its record and, when ``ok``, its output) is saved as
``.parts/<plan index>.pkl`` in the result folder: written under a temporary name, then renamed, so a
part is either whole or absent (a process killed with ``kill -9`` leaves at most a ``*.tmp`` file,
which is ignored and removed). Parts are written in the order runs finish; the result files are
assembled from them in plan order when the folder is closed, so a folder finished in one go and a
folder finished by ``--resume`` after an interruption hold identical files. The journal is removed
once every planned run has finished; an interrupted folder keeps it for ``--resume``.

Parts are pickles written and read only by this package version on this folder.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import shutil
from pathlib import Path
from typing import Any

PARTS_DIR = ".parts"
_SUFFIX = ".pkl"


def parts_dir(folder: Path) -> Path:
    return Path(folder) / PARTS_DIR


def part_path(folder: Path, index: int) -> Path:
    return parts_dir(folder) / f"{index:07d}{_SUFFIX}"


def write_part(folder: Path, index: int, payload: Any) -> None:
    """Save ``payload`` as the part of run ``index`` (atomically: whole or absent)."""
    path = part_path(folder, index)
    path.parent.mkdir(exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        pickle.dump(payload, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def read_part(folder: Path, index: int) -> Any | None:
    """The payload of run ``index``, or None when it has no readable part."""
    path = part_path(folder, index)
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError):
        path.unlink(missing_ok=True)  # unreadable: the run is done again
        return None


def saved_indices(folder: Path) -> set[int]:
    """Plan indices that have a part; removes temporary files left by a killed process."""
    directory = parts_dir(folder)
    if not directory.is_dir():
        return set()
    found = set()
    for path in directory.iterdir():
        if path.name.endswith(".tmp"):
            path.unlink(missing_ok=True)
        elif path.suffix == _SUFFIX and path.stem.isdigit():
            found.add(int(path.stem))
    return found


def remove_journal(folder: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(parts_dir(folder))
