"""Checking a behaviour rule against the model's contract: ``check_rule("slot:name")`` in one call,
or ``RuleContract`` as the base of a plugin's pytest class; ``random_inputs`` builds valid inputs.
"""

from sim.testing.checks import (
    CHECKS,
    RuleLike,
    RuleReport,
    Skip,
    as_spec,
    check_rule,
    run_check,
)
from sim.testing.contract import RuleContract
from sim.testing.inputs import LINKS, PARTNERS, WEEK, extreme_inputs, random_inputs
from sim.testing.outputs import Call, assert_shape, assert_within, exercise
from sim.testing.params import HUGE, TINY, bounds_of, extreme_params, numeric_fields, random_params

__all__ = [
    "CHECKS",
    "HUGE",
    "LINKS",
    "PARTNERS",
    "TINY",
    "WEEK",
    "Call",
    "RuleContract",
    "RuleLike",
    "RuleReport",
    "Skip",
    "as_spec",
    "assert_shape",
    "assert_within",
    "bounds_of",
    "check_rule",
    "exercise",
    "extreme_inputs",
    "extreme_params",
    "numeric_fields",
    "random_inputs",
    "random_params",
    "run_check",
]
