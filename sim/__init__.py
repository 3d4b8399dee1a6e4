"""Channel-program simulation engine: vendors, direct reps and multi-vendor partners.

``sim.run(FILE, ...)`` and ``sim.load(DIR)`` are the Python API (docs/python-api.md). They live in
:mod:`workbench.api`, above the engine's folders, and load on first use, so ``import sim`` and
``import sim.behaviours`` import nothing heavy.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_API = ("run", "load", "Result")


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    value = getattr(importlib.import_module("workbench.api"), name)
    globals()[name] = value
    return value
