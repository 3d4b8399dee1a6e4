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

import copy
import math
import random
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any, ClassVar

import annotated_types
import numpy as np
from pydantic import ValidationError

from sim.behaviours import registry
from sim.behaviours.attention import AttentionInputs
from sim.behaviours.capability import CapabilitySignals
from sim.behaviours.deals import DealInputs
from sim.behaviours.registry import Rule, RuleSpec
from sim.behaviours.trust import TrustSignals

PARTNERS, LINKS = 60, 3
"""Rows (partners or deals) and portfolio links of generated inputs."""
WEEK = 12.0 / 52.0
"""A weekly step, in months."""
HUGE = 1e6
"""The 'large value' used for a parameter without an upper bound."""
TINY = 1e-6
"""Distance from an open bound (``gt``/``lt``) used as that end of the range."""

RuleLike = RuleSpec | type[Rule] | str


# ----------------------------------------------------------------------------- outputs and bounds
@dataclass(frozen=True)
class Call:
    """One protocol method called on inputs: its name, arguments, output and what bounds it."""

    method: str
    args: tuple[Any, ...]
    output: np.ndarray
    bounds: str  # "unit" (in [0, 1]) | "nonnegative" | "shares"
    shape: tuple[int, ...]


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


# ----------------------------------------------------------------------------- inputs
def _shares(rng: np.random.Generator, active: np.ndarray) -> np.ndarray:
    """Valid attention rows: random over active links and the outside option, 0 on exited links."""
    weights = rng.random((active.shape[0], active.shape[1] + 1))
    weights[:, :-1] *= active
    return weights / weights.sum(axis=1, keepdims=True)


def random_inputs(
    slot: str, rng: np.random.Generator, dt: float = 1.0, n: int = PARTNERS, k: int = LINKS
) -> dict[str, tuple[Any, ...]]:
    """Random valid arguments for each protocol method of ``slot``: method -> positional args.

    ``n`` rows (partners, or deals for per-deal slots), ``k`` links per partner; the first partner
    has every link exited.
    """
    if slot == "partner_attention":
        active = rng.random((n, k)) < 0.8
        active[0] = False
        x = AttentionInputs(
            profit=rng.normal(0.05, 0.2, (n, k)),
            trust=rng.random((n, k)),
            capability=rng.random((n, k)),
            conflict=rng.exponential(1.0, (n, k)),
            active=active,
            outside_profit=rng.normal(0.05, 0.2, n),
            outside_trust=float(rng.random()),
            outside_capability=float(rng.random()),
            shares=_shares(rng, active),
            dt=dt,
        )
        return {"allocate": (x,), "allocate(initial)": (x,)}
    if slot == "trust":
        invitations = rng.poisson(1.0, (n, k)).astype(float)
        signals = TrustSignals(
            wins=rng.poisson(1.0, (n, k)).astype(float),
            conflicts_lost=rng.poisson(0.5, (n, k)).astype(float),
            conflicts_kept=rng.poisson(0.5, (n, k)).astype(float),
            invitations=invitations,
            invitation_stage_sum=invitations * rng.random((n, k)),
            communication=rng.random((n, k)),
            profit_shortfall=rng.random((n, k)),
            surprise_loss=rng.exponential(0.5, (n, k)),
            surprise_gain=rng.exponential(0.5, (n, k)),
            anchor=rng.random((n, k)),
            dt=dt,
        )
        surprise = (rng.random(n), rng.uniform(0, 24, n), rng.uniform(0, 12, n), rng.random(n))
        return {"update": (rng.random((n, k)), signals), "surprise": surprise}
    if slot == "capability":
        signals = CapabilitySignals(
            enablement=rng.uniform(0, 5000, (n, k)),
            attention=rng.random((n, k)),
            deals_worked=rng.poisson(2.0, (n, k)) * rng.random((n, k)),
            dt=dt,
        )
        return {"update": (rng.random((n, k)), signals)}
    if slot == "rep_engagement":
        registered = rng.random(n) < 0.5
        return {
            "cosell_probability": (rng.uniform(0, 10, n), rng.uniform(0, 10, n)),
            "contest_probability": (
                rng.uniform(0, 10, n),
                rng.uniform(0, 10, n),
                rng.random(n),
                registered,
            ),
            "takeover_probability": (registered,),
        }
    if slot == "deal_outcome":
        x = DealInputs(
            strength=rng.random(n),
            partner_capability=rng.random(n),
            influence=rng.random(n),
            has_rep=rng.random(n) < 0.5,
            disputed=rng.random(n) < 0.3,
        )
        return {"win_probability": (x,), "services_share": (x,)}
    raise ValueError(f"no input generator for slot {slot!r}; slots are {', '.join(registry.SLOTS)}")


def extreme_inputs(slot: str, dt: float = 1.0) -> Iterator[dict[str, tuple[Any, ...]]]:
    """Edge inputs for ``slot``: everything at zero or exited, and huge counts, profits and spend."""
    rng = np.random.default_rng(0)
    base = random_inputs(slot, rng, dt, n=4, k=2)
    for scale in (0.0, 1e3):
        yield {method: _scaled(args, scale) for method, args in base.items()}


_BOUNDED_INPUTS = """
    trust capability outside_trust outside_capability shares communication profit_shortfall
    anchor attention strength partner_capability influence dt
"""
"""Input fields that are 0..1 states or the step length: kept as drawn in extreme inputs."""


def _scaled(args: tuple[Any, ...], scale: float) -> tuple[Any, ...]:
    """Arguments with every unbounded quantity set to ``scale`` (0..1 states stay in range)."""
    bounded = set(_BOUNDED_INPUTS.split())

    def fix(name: str, value: Any) -> Any:
        if name in bounded or isinstance(value, bool):
            return value
        if isinstance(value, np.ndarray) and value.dtype == bool:
            return np.zeros_like(value) if name == "active" and scale == 0 else value
        if name == "invitation_stage_sum":
            return value  # kept consistent with invitations below
        return np.full_like(np.asarray(value, dtype=float), scale)

    out = []
    for arg in args:
        if is_dataclass(arg):
            values = {f.name: fix(f.name, getattr(arg, f.name)) for f in fields(arg)}
            if "invitations" in values:
                values["invitation_stage_sum"] = values["invitations"] * 0.9
            if "outside_profit" in values and scale:
                values["outside_profit"] = -values["outside_profit"]  # huge on both sides
            if "shares" in values:
                active = values["active"]
                values["shares"] = _shares(np.random.default_rng(1), active)
            out.append(type(arg)(**values))
        elif isinstance(arg, np.ndarray) and arg.dtype != bool and scale and arg.max() > 1:
            out.append(np.full_like(arg, scale, dtype=float))
        else:
            out.append(arg)
    return tuple(out)


def _method(rule: Rule, name: str) -> Callable[..., Any]:
    if name == "allocate(initial)":
        return lambda x: rule.allocate(x, initial=True)
    return getattr(rule, name)


def _shape(slot: str, method: str, args: tuple[Any, ...]) -> tuple[int, ...]:
    if slot == "partner_attention":
        n, k = args[0].active.shape
        return (n, k + 1)
    if slot in ("trust", "capability") and method == "update":
        return np.shape(args[0])
    return (len(np.asarray(args[0] if not is_dataclass(args[0]) else args[0].strength)),)


_BOUNDS = {
    "partner_attention": "shares",
    "trust": "unit",
    "capability": "unit",
    "rep_engagement": "unit",
    "deal_outcome": "unit",
}


def exercise(rule: Rule, slot: str, inputs: dict[str, tuple[Any, ...]]) -> list[Call]:
    """Call each protocol method on its inputs, checking that the inputs are left untouched."""
    calls = []
    for method, args in inputs.items():
        before = copy.deepcopy(args)
        with np.errstate(over="ignore", under="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            output = np.asarray(_method(rule, method)(*args))
        _assert_untouched(before, args, method)
        bounds = "nonnegative" if method == "surprise" else _BOUNDS[slot]
        calls.append(Call(method, args, output, bounds, _shape(slot, method, args)))
    return calls


def _assert_untouched(before: Any, after: Any, method: str) -> None:
    if is_dataclass(before):
        for f in fields(before):
            _assert_untouched(getattr(before, f.name), getattr(after, f.name), method)
    elif isinstance(before, tuple):
        for b, a in zip(before, after, strict=True):
            _assert_untouched(b, a, method)
    else:
        assert np.array_equal(before, after), f"{method} modified its input in place"


def assert_shape(call: Call, context: str = "") -> None:
    """The output of ``call`` is a float array of its shape with no NaN or infinity."""
    name, out = f"{call.method}{context}", call.output
    assert out.shape == call.shape, f"{name}: shape {out.shape}, expected {call.shape}"
    assert np.issubdtype(out.dtype, np.floating), f"{name}: dtype {out.dtype}, expected float"
    assert np.all(np.isfinite(out)), f"{name}: NaN or infinite output"


def assert_within(call: Call, context: str = "") -> None:
    """The output of ``call`` is finite, of its shape, and within its bounds."""
    assert_shape(call, context)
    name, out = f"{call.method}{context}", call.output
    if call.bounds == "nonnegative":
        assert np.all(out >= 0), f"{name}: negative output (min {out.min()})"
        return
    assert np.all((out >= 0) & (out <= 1)), (
        f"{name}: output outside [0, 1] (min {out.min()}, max {out.max()})"
    )
    if call.bounds == "shares":
        x = call.args[0]
        sums = out.sum(axis=1)
        assert np.allclose(sums, 1.0, rtol=0, atol=1e-9), (
            f"{name}: attention rows must sum to 1, got {sums[~np.isclose(sums, 1.0)][:3]}"
        )
        assert np.all(out[:, :-1][~x.active] == 0), f"{name}: attention on an exited link"


# ----------------------------------------------------------------------------- parameters
def bounds_of(field_info: Any) -> tuple[float, float]:
    """The smallest and largest valid value of a numeric parameter (``HUGE`` if unbounded)."""
    low, high = -HUGE, HUGE
    for item in field_info.metadata:
        if isinstance(item, annotated_types.Ge):
            low = float(item.ge)
        elif isinstance(item, annotated_types.Gt):
            low = float(item.gt) + TINY
        elif isinstance(item, annotated_types.Le):
            high = float(item.le)
        elif isinstance(item, annotated_types.Lt):
            high = float(item.lt) - TINY
    return low, high


def numeric_fields(spec: RuleSpec) -> dict[str, Any]:
    """The rule's parameters that are numbers."""
    return {
        name: info
        for name, info in spec.cls.Params.model_fields.items()
        if info.annotation in (float, int)
    }


def extreme_params(spec: RuleSpec, base: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Each numeric parameter at each end of its range, then all low and all high together, over
    ``base``; combinations the schema rejects (cross-field rules) are left out."""
    base = dict(base or {})
    ends = {name: bounds_of(info) for name, info in numeric_fields(spec).items()}
    whole = {n for n, info in numeric_fields(spec).items() if info.annotation is int}
    for name in whole:
        ends[name] = (math.ceil(ends[name][0]), math.floor(ends[name][1]))
    candidates = [{**base, name: end} for name, pair in ends.items() for end in pair]
    candidates += [{**base, **{name: pair[0] for name, pair in ends.items()}}]
    candidates += [{**base, **{name: pair[1] for name, pair in ends.items()}}]
    return [p for p in candidates if _valid(spec, p)]


def random_params(
    spec: RuleSpec, rng: np.random.Generator, base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Every numeric parameter drawn in its range: uniformly on short ranges, log-uniformly else."""
    out = dict(base or {})
    for name, info in numeric_fields(spec).items():
        low, high = bounds_of(info)
        if high - low <= 1.0:
            value = float(rng.uniform(low, high))
        else:
            value = float(np.exp(rng.uniform(np.log(max(low, TINY)), np.log(high))))
        out[name] = round(value) if info.annotation is int else value
    return out


def _valid(spec: RuleSpec, params: dict[str, Any]) -> bool:
    try:
        spec.cls.Params.model_validate(params)
    except ValidationError:
        return False
    return True


# ----------------------------------------------------------------------------- the properties
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
            if _valid(spec, {**(params or {}), name: value}):
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
        if not _valid(spec, drawn):
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


class RuleContract:
    """Base class for a rule's pytest class: one test per property of :data:`CHECKS`.

    Set ``rule`` (the class, ``"slot:name[@N]"`` or a spec) and optionally ``params`` and ``seed``;
    add the rule's own known-answer tests as further methods::

        class TestSatisficing(RuleContract):
            rule = Satisficing
    """

    rule: ClassVar[RuleLike]
    params: ClassVar[dict[str, Any] | None] = None
    seed: ClassVar[int] = 0

    def _check(self, name: str) -> None:
        try:
            run_check(name, self.rule, seed=self.seed, params=self.params)
        except Skip as why:
            import pytest

            pytest.skip(str(why))

    def test_params(self) -> None:
        self._check("params")

    def test_documented(self) -> None:
        self._check("documented")

    def test_reproducible(self) -> None:
        self._check("reproducible")

    def test_shapes(self) -> None:
        self._check("shapes")

    def test_invariants(self) -> None:
        self._check("invariants")

    def test_extreme_inputs(self) -> None:
        self._check("extreme_inputs")

    def test_extreme_params(self) -> None:
        self._check("extreme_params")

    def test_random_params(self) -> None:
        self._check("random_params")

    def test_forms_agree(self) -> None:
        self._check("forms_agree")


__all__ = [
    "CHECKS",
    "Call",
    "RuleContract",
    "RuleReport",
    "Skip",
    "as_spec",
    "assert_shape",
    "assert_within",
    "check_rule",
    "exercise",
    "extreme_params",
    "random_inputs",
    "random_params",
    "run_check",
]
