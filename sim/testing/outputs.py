"""Calling a rule's protocol methods on inputs, and what their outputs must be: float arrays of the
slot's shape, finite, within bounds (shares sum to 1), the inputs left untouched."""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import numpy as np

from sim.behaviours.registry import Rule


@dataclass(frozen=True)
class Call:
    """One protocol method called on inputs: its name, arguments, output and what bounds it."""

    method: str
    args: tuple[Any, ...]
    output: np.ndarray
    bounds: str  # "unit" (in [0, 1]) | "nonnegative" | "shares"
    shape: tuple[int, ...]


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
