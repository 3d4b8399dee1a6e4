"""Re-exports that load on first use, for the ``__init__`` of a package with heavy modules.

``from sim.model import simulate`` reads well, but importing every module of ``sim.model`` up
front would make ``import sim.model.metrics`` (all an analysis needs) import Mesa too. A package
lists where each public name lives and imports that module only when the name is first used.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any


def lazy_exports(package: str, homes: Mapping[str, Sequence[str]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: each name of ``homes[module]`` comes from
    ``package.module``, imported on first use and then kept on the package."""
    home = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> Any:
        if name not in home:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
