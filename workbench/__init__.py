"""The workbench: asking the model questions from Python and from a browser.

:mod:`workbench.api` is the Python API (``sim.run``, ``sim.load``, :class:`~workbench.api.Result`);
:mod:`workbench.whatif` runs what-if variants in the background for the dashboard
(:mod:`workbench.dashboard`, ``sim dashboard``). The workbench sits above ``analysis`` because it
both runs models (``sim.experiments``) and reads their results (``analysis``); the command line is
the only folder above it. Names load on first use, so ``import workbench`` stays light.
"""

from sim.lazy import lazy_exports

_HOMES = {"api": ("Result", "load", "prepare", "run")}
__all__ = ["Result", "load", "prepare", "run"]
__getattr__ = lazy_exports(__name__, _HOMES)
