"""Pluggable behaviour rules: one module per slot, and the registry that names and versions them."""

from sim.behaviours.registry import (
    DEFAULT_RULES,
    SLOTS,
    Rule,
    RuleParams,
    RuleSpec,
    UnknownRuleError,
    all_rules,
    build,
    register,
    resolve,
)

__all__ = [
    "DEFAULT_RULES",
    "SLOTS",
    "Rule",
    "RuleParams",
    "RuleSpec",
    "UnknownRuleError",
    "all_rules",
    "build",
    "register",
    "resolve",
]
