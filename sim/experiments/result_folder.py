"""One writer per result folder: creating a folder, claiming it with a lock, releasing it.

A process that writes into a result folder (``sim run``, ``sim sweep``, ``--resume``, ``sim plot``)
holds an exclusive ``fcntl.flock`` on ``DIR/.lock`` for as long as it writes. The kernel releases
a lock when its process ends, however it ends, so a lock left by a process killed with ``kill -9``
is stale by construction and the next writer takes it over; the file holds the holder's pid only
to name it in the message a second writer gets (:class:`FolderBusyError`, exit 2). A folder given
with ``--out`` is checked for emptiness only once the lock is held, so of two runs started into
the same folder at once exactly one wins. If a claim ends in an error before the folder has a
manifest, the files written into it are removed again (and the folder, if the claim made it):
nothing is left half-made. What a process killed with ``kill -9`` before its first manifest leaves
(its lock file, the files written before the manifest) is cleared by the next claim of the folder.

Example::

    with claim_result_folder("margin-cut", out="results/x") as folder:
        ...  # write the folder's files; no other sim process can
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from sim.experiments.folder_layout import MANIFEST_FILE, ResultsError
from sim.scenario.names import name_problem

LOCK_FILE = ".lock"


class FolderBusyError(ResultsError):
    """Another process holds the folder's lock; ``str()`` names it."""


def reason(exc: OSError) -> str:
    """``No space left on device``: the system's words for an OSError, without the path."""
    return exc.strerror or str(exc) or type(exc).__name__


@contextlib.contextmanager
def lock_folder(folder: Path | str) -> Iterator[Path]:
    """Hold the folder's write lock while inside.

    Raises:
        FolderBusyError: another live process holds it.
        ResultsError: the lock file cannot be created (no such folder, not writable).
    """
    folder = Path(folder)
    path = folder / LOCK_FILE
    fd = _acquire(folder, path)
    try:
        yield folder
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # while still holding it: a waiting process then retries on a new file
        os.close(fd)


def _acquire(folder: Path, path: Path) -> int:
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise ResultsError(f"{folder}: cannot lock the result folder: {reason(exc)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "unknown"
            os.close(fd)
            raise FolderBusyError(
                f"{folder}: another sim process (pid {holder}) is writing into this folder; "
                "wait for it to finish or stop it, then try again"
            ) from None
        try:
            same = os.stat(path, follow_symlinks=False).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            same = False
        if not same:  # the holder removed the file between our open and our lock: again
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        return fd


@contextlib.contextmanager
def claim_result_folder(
    name: str,
    out: Path | str | None = None,
    root: Path | str = "results",
    now: dt.datetime | None = None,
) -> Iterator[Path]:
    """Create (or take the empty ``out``) result folder and hold its lock while inside.

    An error or Ctrl-C inside, before ``manifest.json`` exists, removes what was written (the
    folder too, if it was made here). Raises as :func:`create_result_folder`, and
    :class:`FolderBusyError` when another process writes into ``out``.
    """
    made = out is None or not Path(out).exists()
    folder = create_result_folder(name, out, root, now, check_empty=False)
    had_lock = (folder / LOCK_FILE).exists()
    emptied = False
    try:
        with lock_folder(folder):
            _check_empty(folder, had_lock)
            try:
                yield folder
            except BaseException:
                if not (folder / MANIFEST_FILE).exists():
                    _remove_contents(folder)
                    emptied = True
                raise
    finally:
        if emptied and made:  # after the lock file is gone
            with contextlib.suppress(OSError):
                os.rmdir(folder)


def _remove_contents(folder: Path) -> None:
    """Remove what this process wrote into a folder it found empty (all but the lock)."""
    for path in folder.iterdir():
        if path.name == LOCK_FILE:
            continue
        with contextlib.suppress(OSError):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()


STARTING_FILES = frozenset({"scenario.resolved.yaml", "samples.csv"})
"""What a run writes into its folder before the first ``manifest.json``."""


def _left_before_start(names: set[str], had_lock: bool) -> bool:
    """The folder holds only what a sim process killed before its first manifest leaves: a lock
    file from before this claim (so sim made it) and files written before the manifest, or
    temporaries."""
    if not had_lock or MANIFEST_FILE in names:
        return False
    temporary = {n for n in names if n.startswith(".") and n.endswith((".tmp", ".partial"))}
    return names - temporary - {LOCK_FILE} <= STARTING_FILES


def _check_empty(folder: Path, had_lock: bool = False) -> None:
    names = {p.name for p in folder.iterdir()}
    if _left_before_start(names, had_lock):  # we hold the lock: the process that left it is gone
        _remove_contents(folder)
        return
    if names - {LOCK_FILE}:
        raise ResultsError(
            f"--out {folder}: folder exists and is not empty; a run never overwrites "
            "results, choose a new folder"
        )


def create_result_folder(
    name: str,
    out: Path | str | None = None,
    root: Path | str = "results",
    now: dt.datetime | None = None,
    *,
    check_empty: bool = True,
) -> Path:
    """Create the folder a run writes into and return it (without locking it; see
    :func:`claim_result_folder`).

    Args:
        name: scenario name, used for the default location.
        out: exact folder to use (``--out``); it must not exist or must be empty.
        root: parent of the default ``<root>/<name>/<YYYYmmdd-HHMMSS>/`` folder.
        now: timestamp of the default folder name (default: local time now).
        check_empty: refuse an ``out`` that is not empty (the claim checks it under the lock).

    Raises:
        ResultsError: ``out`` exists and is not an empty folder; ``name`` is not a plain name (it
            would leave ``root``); the folder cannot be created.
    """
    if out is not None:
        folder = Path(out)
        try:
            if folder.exists() and not folder.is_dir():
                raise ResultsError(f"--out {folder}: exists and is not a folder; choose a new path")
            folder.mkdir(parents=True, exist_ok=True)  # two runs at once: both get here
            if check_empty:
                _check_empty(folder)
        except FileExistsError:
            raise ResultsError(
                f"--out {folder}: exists and is not a folder; choose a new path"
            ) from None
        except OSError as exc:
            raise ResultsError(f"--out {folder}: cannot create folder: {reason(exc)}") from exc
        return folder
    problem = name_problem(name)
    if problem:
        raise ResultsError(f"scenario name {name!r}: {problem}")
    stamp = (now or dt.datetime.now()).strftime("%Y%m%d-%H%M%S")
    parent = Path(root) / name
    try:
        parent.mkdir(parents=True, exist_ok=True)
        for suffix in ["", *(f"-{i}" for i in range(2, 1000))]:
            folder = parent / f"{stamp}{suffix}"
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            return folder
    except OSError as exc:
        blocker = next((p for p in (parent, *parent.parents) if p.is_file()), None)
        if blocker is not None:
            message = f"{blocker}: is a file, so the result folder {parent} cannot be created"
        else:
            message = f"{parent}: cannot create the result folder: {reason(exc)}"
        raise ResultsError(message) from exc
    raise ResultsError(f"{parent}: too many result folders named {stamp}-*")


__all__ = [
    "FolderBusyError",
    "claim_result_folder",
    "create_result_folder",
    "lock_folder",
]
