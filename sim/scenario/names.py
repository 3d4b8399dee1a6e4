"""Names that become folder names: scenario names (``results/<name>/...``) and variant names.

One rule, used by the scenario schema and again by
:func:`sim.experiments.result_folder.create_result_folder` (so a config built without the loader cannot
escape the results folder either): a letter or digit first, then letters, digits, ``_``, ``.`` or
``-``, at most :data:`MAX_NAME_LENGTH` characters, and not a name Windows reserves for a device
(``con``, ``nul``, ``com1``, ...). That excludes ``/`` and ``\\``, ``.`` and ``..``, absolute paths,
NUL and other control characters, and spaces.
"""

from __future__ import annotations

import re

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
"""Scenario, variant and vendor names: a letter or digit first, then letters, digits, ``_ . -``."""
VENDOR_NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]*$"
"""Vendor names: as :data:`NAME_PATTERN` but without ``.``, which separates the parts of a key path
(``vendors.acme.program.margin``), so every vendor can be addressed by ``--set`` and sweeps."""
VENDOR_NAME_RULE = (
    "a letter or digit first, then letters, digits, '_' or '-' (no '.': a vendor is addressed "
    "as vendors.NAME.key in --set and sweep paths)"
)
MAX_NAME_LENGTH = 100
"""Longest scenario or variant name; a folder name well below every file system's 255 bytes."""
NAME_RULE = (
    "a letter or digit first, then letters, digits, '_', '.' or '-' "
    "(no '/' or spaces, so it stays inside its results folder)"
)
_WINDOWS_DEVICES = frozenset(
    ["CON", "PRN", "AUX", "NUL", *(f"{port}{i}" for port in ("COM", "LPT") for i in range(1, 10))]
)


def name_problem(name: object) -> str | None:
    """Why ``name`` cannot be a folder name, or None when it can.

    >>> name_problem("margin-cut.v2") is None
    True
    >>> name_problem("../x")
    "must be a plain name: a letter or digit first, then letters, digits, '_', '.' or '-' (no '/' or spaces, so it stays inside its results folder)"
    """
    if not isinstance(name, str):
        return "must be text"
    if not re.fullmatch(NAME_PATTERN, name):
        return f"must be a plain name: {NAME_RULE}"
    if len(name) > MAX_NAME_LENGTH:
        return f"must be at most {MAX_NAME_LENGTH} characters long (it has {len(name)})"
    if name.partition(".")[0].upper() in _WINDOWS_DEVICES:
        return f"{name.partition('.')[0]!r} is a device name on Windows; choose another name"
    return None
