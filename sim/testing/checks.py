"""Check that a behaviour rule keeps the model's contract: ``check_rule`` and ``RuleContract``.

Any rule, built-in or from a plugin, can be checked in one call::

    from sim.testing import check_rule
    report = check_rule("partner_attention:satisficing")   # or the class, or its RuleSpec
    print(report)                                          # which properties held, which skipped

``check_rule`` raises ``AssertionError`` naming the rule and the property that failed. The
properties (:data:`CHECKS`) are those every rule must keep, whoever wrote it:

- ``params``: its defaults validate, an unknown parameter is rejected, and a number given as text,
  a yes/no or infinity is an error (strict schema).
- ``documented``: a one-sentence docstring and a description (with units) for every parameter.
- ``reproducible``: same inputs give the same outputs from two fresh instances; the inputs are left
  untouched; and nothing is drawn from the global ``random`` or ``numpy.random`` state.
- ``shapes``: outputs are float arrays of the slot's shape with no NaN or infinity.
- ``invariants``: under random valid inputs, monthly and weekly steps: attention rows are >= 0 and
  sum to 1 with 0 on exited links, trust and capability stay in [0, 1], probabilities in [0, 1],
  sizes (surprise) are >= 0.
- ``extreme_inputs``: the invariants hold on edge inputs (every link exited, nothing happening,
  huge counts and profits).
- ``extreme_params``: the invariants hold with each parameter at the ends of its valid range
  (``HUGE`` where unbounded), all at their low and all at their high ends.
- ``random_params``: the invariants hold for random valid parameter sets.
- ``forms_agree``: where a rule has both a population and a per-agent form, they agree (skipped
  until the registry exposes per-agent forms).

A plugin's test suite gets all of them as separate pytest tests in one line::

    class TestSatisficing(RuleContract):
        rule = Satisficing          # the class, "slot:name[@N]" or a RuleSpec

Inputs come from :func:`random_inputs`, seeded, built from each slot's Inputs dataclass.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.behaviours import registry
from sim.behaviours.registry import Rule, RuleSpec
from sim.testing.inputs import LINKS, PARTNERS, WEEK, extreme_inputs, random_inputs
from sim.testing.outputs import assert_shape, assert_within, exercise
from sim.testing.params import extreme_params, is_valid, numeric_fields, random_params

RuleLike = RuleSpec | type[Rule] | str


@dataclass
class RuleReport:
    """What :func:`check_rule` found: the properties that held and those skipped, with why."""

    rule: str
    passed: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{self.rule}: {len(self.passed)} properties hold ({', '.join(self.passed)})"]
        lines += [f"  skipped {name}: {why}" for name, why in self.skipped.items()]
        return "\n".join(lines)


class Skip(Exception):
    """A property that does not apply to this rule; the message says why."""


def as_spec(rule: RuleLike) -> RuleSpec:
    """The registered spec of a rule class, a ``"slot:name[@N]"`` text or a spec."""
    if isinstance(rule, RuleSpec):
        return rule
    if isinstance(rule, str):
        slot, sep, ref = rule.partition(":")
        if not sep:
            raise ValueError(f"name a rule as 'slot:name' or 'slot:name@N', got {rule!r}")
        return registry.resolve(slot, ref)
    spec = getattr(rule, "spec", None)
    if isinstance(spec, RuleSpec) and spec.cls is rule:
        return spec
    raise ValueError(f"{rule!r} is not a registered rule; decorate it with @register(...)")


def _build(spec: RuleSpec, params: dict[str, Any] | None) -> Rule:
    """An instance with ``params``; ``spec.runnable`` (where the registry has it) fills in a form
    the author did not write, so every check runs on the population form."""
    cls = getattr(spec, "runnable", spec.cls)
    return cls(spec.cls.Params.model_validate(params or {}))


def check_params(spec: RuleSpec, seed: int, params: dict[str, Any] | None) -> None:
    """Defaults validate; unknown parameters and text, yes/no or infinite numbers are rejected."""
    defaults = spec.cls.Params()
    assert spec.cls.Params.model_validate({}) == defaults, "the defaults do not validate"
    try:
        spec.cls.Params.model_validate({"no_such_param": 1.0})
    except ValidationError:
        pass
    else:
        raise AssertionError("an unknown parameter 'no_such_param' was accepted")
    for name in numeric_fields(spec):
        for value in ("0.5", True, math.inf):
            if is_valid(spec, {**(params or {}), name: value}):
                raise AssertionError(f"parameter {name} accepted {value!r}; use RuleParams")
    if params:
        spec.cls.Params.model_validate(params)


def check_documented(spec: RuleSpec, seed: int, params: dict[str, Any] | None) -> None:
    """A one-sentence docstring ending in a full stop; a description for every parameter."""
    assert spec.summary.endswith("."), f"docstring's first sentence is {spec.summary!r}"
    for name, info in spec.cls.Params.model_fields.items():
        assert info.description, f"parameter {name} has no description (say what and in which unit)"


def check_reproducible(spec: RuleSpec, seed: int, params: dict[str, Any] | None) -> None:
    """Same inputs -> same outputs from two instances; no draws from global random state."""
    for dt in (1.0, WEEK):
        np_state, py_state = np.random.get_state(), random.getstate()  # noqa: NPY002
        first = exercise(
            _build(spec, params),
            spec.slot,
            random_inputs(spec.slot, np.random.default_rng(seed), dt),
        )
        second = exercise(
            _build(spec, params),
            spec.slot,
            random_inputs(spec.slot, np.random.default_rng(seed), dt),
        )
        same_np = _same_state(np_state, np.random.get_state())  # noqa: NPY002
        assert same_np, "drew from numpy's global random state; use an explicit seeded Generator"
        assert py_state == random.getstate(), "drew from the global `random` module"
        for a, b in zip(first, second, strict=True):
            assert np.array_equal(a.output, b.output, equal_nan=True), (
                f"{a.method} is not a deterministic function of its inputs"
            )


def _same_state(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and tuple(a[2:]) == tuple(b[2:])


def check_shapes(spec: RuleSpec, seed: int, params: dict[str, Any] | None) -> None:
    """Float arrays of the slot's shape, no NaN, for odd sizes too (one row, one link)."""
    rng = np.random.default_rng(seed)
    for n, k in ((1, 1), (7, 2), (PARTNERS, LINKS)):
        for call in exercise(
            _build(spec, params), spec.slot, random_inputs(spec.slot, rng, 1.0, n, k)
        ):
            assert_shape(call, f" with {n} rows, {k} links")


def check_invariants(spec: RuleSpec, seed: int, params: dict[str, Any] | None) -> None:
    """Random valid inputs over several seeds, monthly and weekly steps: outputs in bounds."""
    for offset in range(5):
        for dt in (1.0, WEEK):
            rng = np.random.default_rng([seed, offset])
            for call in exercise(
                _build(spec, params), spec.slot, random_inputs(spec.slot, rng, dt)
            ):
                assert_within(call, f" (inputs seed {seed}/{offset}, dt {dt:.3f})")


def check_extreme_inputs(spec: RuleSpec, seed: int, params: dict[str, Any] | None) -> None:
    """Every link exited and nothing happening; huge counts, profits and spend: outputs in bounds."""
    for dt in (1.0, WEEK):
        for inputs in extreme_inputs(spec.slot, dt):
            for call in exercise(_build(spec, params), spec.slot, inputs):
                assert_within(call, " on extreme inputs")


def check_extreme_params(spec: RuleSpec, seed: int, params: dict[str, Any] | None) -> None:
    """Each parameter at each end of its range (``HUGE`` if unbounded): outputs in bounds."""
    for extreme in extreme_params(spec, params):
        rng = np.random.default_rng(seed)
        for call in exercise(_build(spec, extreme), spec.slot, random_inputs(spec.slot, rng)):
            assert_within(call, f" with {extreme}")


def check_random_params(spec: RuleSpec, seed: int, params: dict[str, Any] | None) -> None:
    """Ten random valid parameter sets on weekly steps: outputs in bounds."""
    rng = np.random.default_rng(seed)
    for _ in range(10):
        drawn = random_params(spec, rng, params)
        if not is_valid(spec, drawn):
            continue
        for call in exercise(_build(spec, drawn), spec.slot, random_inputs(spec.slot, rng, WEEK)):
            assert_within(call, f" with {drawn}")


def check_forms_agree(spec: RuleSpec, seed: int, params: dict[str, Any] | None) -> None:
    """Where a rule ships a population and a per-agent form, both give the same outputs."""
    for dt in (1.0, WEEK):
        inputs = random_inputs(spec.slot, np.random.default_rng(seed), dt, n=12)
        _forms_agree(spec, _build(spec, params), inputs)


def _forms_agree(spec: RuleSpec, rule: Rule, inputs: dict[str, tuple[Any, ...]]) -> None:
    """Each protocol method equals the same method computed through the rule's other form.

    Uses the registry's ``spec.forms`` (the forms the author wrote) and ``via_other_form(rule,
    method)`` (the method computed through the other form, e.g. the per-agent form once per agent);
    raises ``Skip`` for a rule written in one form (the other is derived from it, so they agree by
    construction) or where the registry has no per-agent support.
    """
    forms = set(getattr(spec, "forms", None) or {"population"})
    if not {"population", "per-agent"} <= forms:
        raise Skip(f"the rule has only the {', '.join(sorted(forms))} form")
    via_other_form = getattr(registry, "via_other_form", None)
    if via_other_form is None:
        raise Skip("the registry has no adapter to run a per-agent form on population inputs")
    for call in exercise(rule, spec.slot, inputs):
        method, initial = call.method.split("(")[0], "initial" in call.method
        kwargs = {"initial": True} if initial else {}
        with np.errstate(over="ignore", under="ignore"):
            other = np.asarray(via_other_form(rule, method)(*call.args, **kwargs), dtype=float)
        if other.shape != call.output.shape or not np.allclose(
            other, call.output, rtol=1e-9, atol=1e-12, equal_nan=True
        ):
            worst = (
                np.max(np.abs(other - call.output)) if other.shape == call.output.shape else None
            )
            raise AssertionError(
                f"{call.method}: the population and per-agent forms disagree "
                f"(largest difference {worst})"
            )


CHECKS: dict[str, Callable[[RuleSpec, int, dict[str, Any] | None], None]] = {
    "params": check_params,
    "documented": check_documented,
    "reproducible": check_reproducible,
    "shapes": check_shapes,
    "invariants": check_invariants,
    "extreme_inputs": check_extreme_inputs,
    "extreme_params": check_extreme_params,
    "random_params": check_random_params,
    "forms_agree": check_forms_agree,
}
"""Every property of the contract, by name, in the order :func:`check_rule` runs them."""


def run_check(
    name: str, rule: RuleLike, *, seed: int = 0, params: dict[str, Any] | None = None
) -> None:
    """Run one property of :data:`CHECKS`; ``AssertionError`` names the rule and the property."""
    spec = as_spec(rule)
    try:
        CHECKS[name](spec, seed, params)
    except AssertionError as exc:
        raise AssertionError(f"{spec.slot} rule {spec.id} ({spec.origin}): {name}: {exc}") from None


def check_rule(
    rule: RuleLike, *, seed: int = 0, params: dict[str, Any] | None = None
) -> RuleReport:
    """Check every property of the contract for ``rule``.

    Args:
        rule: a registered rule class, its ``RuleSpec``, or ``"slot:name[@N]"``.
        seed: seed of the generated inputs and parameter draws.
        params: parameters to check with (default: the rule's defaults); extremes vary from them.

    Returns:
        A report of the properties that held and those skipped (with why).

    Raises:
        AssertionError: ``"<slot> rule <name@N> (<origin>): <property>: <what failed>"``.
    """
    spec = as_spec(rule)
    report = RuleReport(f"{spec.slot} rule {spec.id} ({spec.origin})")
    for name in CHECKS:
        try:
            run_check(name, spec, seed=seed, params=params)
        except Skip as why:
            report.skipped[name] = str(why)
        else:
            report.passed.append(name)
    return report
