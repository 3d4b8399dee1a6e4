"""Pluggable behaviour rules: one module per slot, and the registry that names and versions them."""

from sim.behaviours.registry import (
    DEFAULT_RULES,
    FORM_METHODS,
    PER_AGENT,
    POPULATION,
    SLOTS,
    Rule,
    RuleParams,
    RuleSpec,
    UnknownRuleError,
    all_rules,
    build,
    register,
    resolve,
    via_other_form,
)

__all__ = [
    "DEFAULT_RULES",
    "FORM_METHODS",
    "PER_AGENT",
    "POPULATION",
    "SLOTS",
    "Rule",
    "RuleParams",
    "RuleSpec",
    "UnknownRuleError",
    "all_rules",
    "build",
    "register",
    "resolve",
    "via_other_form",
]
