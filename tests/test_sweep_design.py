"""Sweep designs (sim/experiments/sweep_design.py): how many rows each method gives, in what order,
within which bounds, and that a seed reproduces them. Known-answer tests feed the designs to SALib's
analysers, which only give the right indices when the rows are in the order they expect."""

from __future__ import annotations

import numpy as np
import pytest

from sim.experiments.sweep_design import METHODS, design_matrix, sample_name, samples_frame
from sim.scenario.schema import SweepConfig


def _sweep(d: int = 2, samples: int = 8, method: str = "lhs") -> SweepConfig:
    bounds = [(0.05, 0.3), (0.0, 1.0), (2.0, 40.0), (-1.0, 1.0)][:d]
    return SweepConfig(
        method=method, samples=samples, parameters={f"p{i}": b for i, b in enumerate(bounds)}
    )


@pytest.mark.parametrize(
    ("method", "d", "n", "rows"),
    [
        ("grid", 2, 9, 9),  # 3 levels per parameter
        ("grid", 2, 10, 9),  # round(10 ** 0.5) = 3 levels
        ("grid", 3, 64, 64),  # 4 ** 3
        ("grid", 2, 1, 4),  # at least 2 levels
        ("random", 3, 7, 7),
        ("lhs", 3, 7, 7),
        ("sobol", 2, 8, 8 * 4),  # N * (D + 2)
        ("sobol", 3, 4, 4 * 5),
        ("morris", 2, 5, 5 * 3),  # N * (D + 1)
        ("morris", 4, 3, 3 * 5),
    ],
)
def test_each_method_gives_its_number_of_rows(method: str, d: int, n: int, rows: int) -> None:
    design = design_matrix(_sweep(d), seed=1, method=method, samples=n)
    assert design.values.shape == (rows, d)
    assert design.options["base_samples"] == n


@pytest.mark.parametrize("method", METHODS)
def test_samples_stay_within_bounds_and_a_seed_reproduces_them(method: str) -> None:
    sweep = _sweep(4, 16)
    design = design_matrix(sweep, seed=3, method=method)
    low = np.array([b[0] for b in sweep.parameters.values()])
    high = np.array([b[1] for b in sweep.parameters.values()])
    assert np.all(design.values >= low) and np.all(design.values <= high)
    again = design_matrix(sweep, seed=3, method=method)
    assert np.array_equal(design.values, again.values)
    other = design_matrix(sweep, seed=4, method=method)
    assert (method == "grid") == np.array_equal(design.values, other.values)


def test_the_file_gives_method_and_size_unless_the_arguments_do() -> None:
    sweep = _sweep(2, 5, "random")
    assert design_matrix(sweep, 0).method == "random"
    assert design_matrix(sweep, 0).size == 5
    assert design_matrix(sweep, 0, "lhs", 11).size == 11


def test_grid_is_a_full_factorial_of_evenly_spaced_levels_ends_included() -> None:
    design = design_matrix(_sweep(2), seed=0, method="grid", samples=9)
    assert sorted(set(design.values[:, 0])) == pytest.approx([0.05, 0.175, 0.3])
    assert sorted(set(design.values[:, 1])) == pytest.approx([0.0, 0.5, 1.0])
    assert len({tuple(row) for row in design.values}) == 9


def test_latin_hypercube_puts_one_point_in_each_of_n_strata_per_parameter() -> None:
    """A Latin hypercube of N points: cut each parameter's range into N equal strata, and every
    stratum holds exactly one point, for every parameter."""
    n = 13
    sweep = _sweep(3, n)
    design = design_matrix(sweep, seed=5, method="lhs")
    for j, (low, high) in enumerate(sweep.parameters.values()):
        strata = np.floor((design.values[:, j] - low) / (high - low) * n).astype(int)
        assert sorted(strata) == list(range(n))


def test_sobol_rows_follow_saltelli_order_a_ab1_abd_b() -> None:
    """Per base point j: A_j, then AB_j^i (A_j with column i taken from B_j) for each i, then B_j."""
    d, n = 3, 4
    design = design_matrix(_sweep(d), seed=2, method="sobol", samples=n)
    assert design.blocks == ("A", "AB1", "AB2", "AB3", "B") * n
    x = design.values.reshape(n, d + 2, d)
    a, b = x[:, 0], x[:, -1]
    for i in range(d):
        expected = a.copy()
        expected[:, i] = b[:, i]
        assert np.array_equal(x[:, 1 + i], expected)
    assert not design.warnings


def test_sobol_warns_when_n_is_not_a_power_of_two() -> None:
    design = design_matrix(_sweep(2), seed=2, method="sobol", samples=6)
    assert design.warnings and "power of two" in design.warnings[0]


def test_salib_sobol_analysis_of_a_known_function_reads_the_design_in_order() -> None:
    """y = x0 + 2 x1 on [0, 1]^2: first-order indices 0.2 and 0.8 (variances 1/12 and 4/12)."""
    from SALib.analyze import sobol

    sweep = SweepConfig(method="sobol", samples=512, parameters={"a": (0, 1), "b": (0, 1)})
    design = design_matrix(sweep, seed=11)
    y = design.values[:, 0] + 2 * design.values[:, 1]
    indices = sobol.analyze(design.problem(), y, calc_second_order=False, seed=1)
    assert indices["S1"] == pytest.approx([0.2, 0.8], abs=0.05)
    assert indices["ST"] == pytest.approx([0.2, 0.8], abs=0.05)


def test_morris_trajectories_change_one_parameter_per_step_and_salib_reads_them() -> None:
    """Within a trajectory of D + 1 rows each step moves one parameter; for y = 3 x0 the mean
    absolute elementary effect is 3 for x0 and 0 for x1."""
    from SALib.analyze import morris

    sweep = SweepConfig(method="morris", samples=10, parameters={"a": (0, 1), "b": (0, 1)})
    design = design_matrix(sweep, seed=4)
    steps = np.diff(design.values.reshape(10, 3, 2), axis=1)
    assert np.all((steps != 0).sum(axis=2) == 1)
    y = 3 * design.values[:, 0]
    result = morris.analyze(design.problem(), design.values, y, num_levels=4, seed=1)
    assert np.asarray(result["mu_star"]) == pytest.approx([3.0, 0.0])


def test_samples_frame_names_samples_and_rounds_whole_number_keys() -> None:
    design = design_matrix(_sweep(3), seed=0, method="sobol", samples=2)
    frame = samples_frame(design, whole={"p2"})
    assert list(frame.columns) == ["sample", "index", "p0", "p1", "p2", "block"]
    assert list(frame["sample"][:3]) == ["s0000", "s0001", "s0002"]
    assert list(frame["index"]) == list(range(10))
    assert frame["p2"].dtype.kind == "i"
    assert np.array_equal(frame["p2"], np.rint(design.values[:, 2]))
    assert sample_name(12345) == "s12345"


def test_manifest_problem_is_salibs() -> None:
    design = design_matrix(_sweep(2), seed=0, method="lhs", samples=3)
    assert design.problem() == {
        "num_vars": 2,
        "names": ["p0", "p1"],
        "bounds": [[0.05, 0.3], [0.0, 1.0]],
    }
