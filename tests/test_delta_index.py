"""The vectorised delta indices (analysis/delta_index.py) against SALib's own estimator: the same
``delta_hat`` and ``S1`` for every resample (ties, skipped classes and all), and indices that find
what a function with a known answer depends on."""

from __future__ import annotations

import math

import numpy as np
import pytest
from SALib.analyze import delta as salib_delta

from analysis import delta_index


def _grid(Y: np.ndarray) -> tuple[np.ndarray, float, float]:
    grid = np.linspace(Y.min(), Y.max(), delta_index.GRID_POINTS)
    return grid, float(Y.min()), (float(Y.max()) - float(Y.min())) / (delta_index.GRID_POINTS - 1)


@pytest.mark.parametrize(
    "inputs",
    [
        "continuous",
        "levels",  # a grid sweep: many equal inputs, ranked in sample order
        "plateau",  # the outcome is constant over part of the input: classes SALib skips
    ],
)
def test_every_resample_matches_salib(inputs: str) -> None:
    rng = np.random.default_rng(7)
    n = 700
    x = rng.random(n) if inputs != "levels" else rng.integers(0, 5, n) / 4.0
    y = np.sin(3 * x) + 0.3 * rng.standard_normal(n)
    if inputs == "plateau":
        y = np.where(x < 0.4, 1.0, y)
    bounds = delta_index.classes(n)
    edges = np.linspace(0, n, len(bounds))
    grid, lo, step = _grid(y)
    rows = np.vstack([np.arange(n), rng.integers(n, size=(40, n))])
    ours = delta_index._deltas(y, x, rows, bounds, lo, step)
    theirs = np.array([salib_delta.calc_delta(y[r], grid, x[r], edges) for r in rows])
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)
    first = delta_index._first_order(y, x, rows, bounds)
    expected = np.array([salib_delta.sobol_first(y[r], x[r], edges) for r in rows])
    np.testing.assert_allclose(first, expected, rtol=1e-11, atol=1e-15)


def test_classes_are_salibs_partition() -> None:
    for n in (64, 65, 300, 1499, 2500, 10_007):
        exponent = 2.0 / (7.0 + np.tanh((1500.0 - n) / 500.0))
        m = int(np.round(min(int(np.ceil(n**exponent)), 48)))
        edges = np.linspace(0, n, m + 1)
        ranks = np.arange(1, n + 1)
        members = [np.flatnonzero((ranks > edges[j]) & (ranks <= edges[j + 1])) for j in range(m)]
        bounds = delta_index.classes(n)
        assert [list(range(bounds[j], bounds[j + 1])) for j in range(m)] == [
            list(c) for c in members
        ]


def test_indices_find_the_parameter_the_outcome_depends_on() -> None:
    rng = np.random.default_rng(3)
    X = rng.random((800, 3))
    Y = np.exp(2 * X[:, 0]) + 0.05 * rng.standard_normal(800)  # X1 and X2 do nothing
    problem = {"num_vars": 3, "names": ["a", "b", "c"]}
    result = delta_index.analyze(problem, X, Y, num_resamples=60, conf_level=0.9, seed=11)
    assert result["names"] == ["a", "b", "c"]
    assert result["delta"][0] > 0.5 and result["S1"][0] > 0.9
    for i in (1, 2):  # the inert ones: near zero, far below the active one
        assert result["delta"][i] < 0.1 and abs(result["S1"][i]) < 0.05
    assert np.all(result["delta_conf"] > 0) and np.all(result["S1_conf"] > 0)


def test_the_same_seed_gives_the_same_numbers_and_another_seed_others() -> None:
    rng = np.random.default_rng(5)
    X = rng.random((300, 2))
    Y = X[:, 0] + X[:, 1] ** 2
    problem = {"num_vars": 2, "names": ["p", "q"]}
    one = delta_index.analyze(problem, X, Y, num_resamples=30, seed=1)
    again = delta_index.analyze(problem, X, Y, num_resamples=30, seed=1)
    other = delta_index.analyze(problem, X, Y, num_resamples=30, seed=2)
    for key in ("delta", "delta_conf", "S1", "S1_conf"):
        assert np.array_equal(one[key], again[key])
    assert not np.array_equal(one["delta_conf"], other["delta_conf"])
    assert np.array_equal(one["S1"], other["S1"])  # the estimate of the samples: no draws


def test_too_few_samples_give_nan_indices() -> None:
    X = np.linspace(0, 1, delta_index.MIN_SAMPLES - 1)[:, None]
    result = delta_index.analyze({"num_vars": 1, "names": ["p"]}, X, X[:, 0], seed=1)
    assert all(math.isnan(result[key][0]) for key in ("delta", "delta_conf", "S1", "S1_conf"))


def test_an_input_that_never_varies_gets_nan_and_mismatched_arrays_are_refused() -> None:
    rng = np.random.default_rng(2)
    X = np.column_stack([rng.random(200), np.full(200, 0.5)])
    result = delta_index.analyze({"num_vars": 2, "names": ["p", "c"]}, X, X[:, 0], seed=1)
    assert result["delta"][0] > 0.5 and math.isnan(result["delta"][1])
    with pytest.raises(ValueError, match="200 input rows but 199 outcomes"):
        delta_index.analyze({"num_vars": 2, "names": ["p", "c"]}, X, X[:199, 0], seed=1)
