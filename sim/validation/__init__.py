"""Validation: the stylized facts the model must reproduce, the plausible parameter ranges they are
checked over, the per-run measures they read, and running them (``sim check-facts``). Names load
on first use (:mod:`sim.lazy`).
"""

from sim.lazy import lazy_exports

_HOMES = {
    "facts": ("FACTS", "Check", "Fact"),
    "ranges": ("RANGES", "Range"),
    "check_facts": ("ValidationPlan", "run_validation"),
}
__all__ = ["FACTS", "RANGES", "Check", "Fact", "Range", "ValidationPlan", "run_validation"]
__getattr__ = lazy_exports(__name__, _HOMES)
