"""Sweep designs: which parameter values each sample of ``sim sweep`` runs with.

:func:`design_matrix` is a pure function of the scenario's ``sweep:`` block, the scenario seed and the
command-line method and size: the same inputs give the same design on any machine. Methods
(``--samples N``):

========  ==============================================  =========================
method    design                                          rows
========  ==============================================  =========================
grid      full factorial, ``L = max(2, round(N**(1/D)))``   ``L**D``
          evenly spaced levels per parameter (ends incl.)
random    independent uniform draws                       ``N``
lhs       Latin hypercube (``scipy.stats.qmc``)           ``N``
sobol     Saltelli design from a scrambled Sobol sequence  ``N * (D + 2)``
          in 2D dimensions (``A`` = first D columns,
          ``B`` = last D); per base point j the rows are
          ``A_j, AB_j^1 .. AB_j^D, B_j`` (SALib's order,
          ``calc_second_order=False``)
morris    ``SALib.sample.morris``: N trajectories on a    ``N * (D + 1)``
          4-level grid, in trajectory order
========  ==============================================  =========================

Seeding: the design's generator is ``SeedSequence(entropy=seed, spawn_key=(SAMPLING_KEY,))``;
replicate seeds use ``spawn_key=(r,)`` with ``r`` at most 100,000, so the design never shares a
stream with a run.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from sim.scenario.schema import SweepConfig, SweepMethod

SAMPLING_KEY = 0xFFFF_FFFF
"""Spawn key of the design's ``SeedSequence`` (replicate keys are 0..100,000)."""
MORRIS_LEVELS = 4
"""Grid levels of Morris trajectories (SALib's default)."""
METHODS: tuple[SweepMethod, ...] = ("grid", "random", "lhs", "sobol", "morris")
SAMPLE_PREFIX = "s"
SAMPLES_FILE = "samples.csv"


@dataclass(frozen=True)
class Design:
    """A sweep design: one row of parameter values per sample.

    Attributes:
        method: the sampling method.
        names: swept parameter paths, in the scenario's order.
        bounds: ``(low, high)`` per parameter.
        values: ``samples x parameters`` array, each value within its bounds.
        blocks: for ``sobol``, the Saltelli matrix of each row (``A``, ``B``, ``AB1`` ..).
        options: ``base_samples`` (N) and, per method, ``num_levels`` / ``calc_second_order``.
        warnings: notes for the user (e.g. a Sobol N that is not a power of two).
    """

    method: SweepMethod
    names: tuple[str, ...]
    bounds: tuple[tuple[float, float], ...]
    values: np.ndarray
    blocks: tuple[str, ...] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return int(self.values.shape[0])

    def problem(self) -> dict[str, Any]:
        """The SALib ``problem`` dict of this design."""
        return {
            "num_vars": len(self.names),
            "names": list(self.names),
            "bounds": [list(b) for b in self.bounds],
        }


def sample_name(index: int) -> str:
    """Variant name of sample ``index``: ``s0000``, ``s0001``, ... (at least 4 digits)."""
    return f"{SAMPLE_PREFIX}{index:04d}"


def sampling_rng(seed: int) -> np.random.Generator:
    """The design's generator, derived from the scenario seed."""
    return np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(SAMPLING_KEY,)))


def design_matrix(
    sweep: SweepConfig, seed: int, method: SweepMethod | None = None, samples: int | None = None
) -> Design:
    """The design of ``sweep`` (method and size from the arguments, else from the file).

    Args:
        sweep: the scenario's ``sweep:`` block.
        seed: the scenario seed.
        method: overrides ``sweep.method``.
        samples: overrides ``sweep.samples`` (N; see the module table for the rows it gives).

    Raises:
        ValueError: an unknown method or ``samples < 1``.
    """
    method = method or sweep.method
    n = sweep.samples if samples is None else samples
    if method not in METHODS:
        raise ValueError(f"unknown sweep method {method!r}; methods are {', '.join(METHODS)}")
    if n < 1:
        raise ValueError(f"samples must be at least 1, got {n}")
    names = tuple(sweep.parameters)
    bounds = tuple((float(lo), float(hi)) for lo, hi in sweep.parameters.values())
    low = np.array([b[0] for b in bounds])
    high = np.array([b[1] for b in bounds])
    rng = sampling_rng(seed)
    d = len(names)
    blocks: tuple[str, ...] | None = None
    warnings: tuple[str, ...] = ()
    options: dict[str, Any] = {"base_samples": n}
    if method == "grid":
        levels = max(2, round(n ** (1 / d)))
        unit = np.array(list(itertools.product(np.linspace(0.0, 1.0, levels), repeat=d)))
        options["num_levels"] = levels
    elif method == "random":
        unit = rng.random((n, d))
    elif method == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d, rng=rng).random(n)
    elif method == "sobol":
        unit, blocks = _saltelli(n, d, rng)
        options["calc_second_order"] = False
        if n & (n - 1):
            warnings = (
                f"sobol: {n} base samples is not a power of two; Sobol' sequences balance best "
                f"with 2**k (e.g. {2 ** math.ceil(math.log2(n))})",
            )
    else:
        unit = _morris(names, n, rng)
        options["num_levels"] = MORRIS_LEVELS
    values = low + unit * (high - low)
    values = np.clip(values, low, high)  # no rounding step outside the bounds
    return Design(method, names, bounds, values, blocks, options, warnings)


def _saltelli(n: int, d: int, rng: np.random.Generator) -> tuple[np.ndarray, tuple[str, ...]]:
    """Saltelli's design in the unit cube: rows ``A_j, AB_j^1..AB_j^D, B_j`` per base point j."""
    import warnings

    from scipy.stats import qmc

    with warnings.catch_warnings():  # the caller words its own power-of-two warning
        warnings.simplefilter("ignore", UserWarning)
        base = qmc.Sobol(2 * d, scramble=True, rng=rng).random(n)
    a, b = base[:, :d], base[:, d:]
    rows, blocks = [], []
    for j in range(n):
        rows.append(a[j])
        blocks.append("A")
        for i in range(d):
            ab = a[j].copy()
            ab[i] = b[j, i]
            rows.append(ab)
            blocks.append(f"AB{i + 1}")
        rows.append(b[j])
        blocks.append("B")
    return np.array(rows), tuple(blocks)


def _morris(names: tuple[str, ...], n: int, rng: np.random.Generator) -> np.ndarray:
    """SALib's Morris trajectories in the unit cube (N trajectories of D + 1 rows)."""
    from SALib.sample import morris

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    return np.asarray(morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=rng), dtype=float)


# ----------------------------------------------------------------------------- samples.csv
def samples_frame(design: Design, whole: Collection[str] = ()) -> pd.DataFrame:
    """The rows of ``samples.csv``: ``sample, index``, one column per parameter[, ``block``].

    Args:
        design: the design.
        whole: parameters whose key takes whole numbers; their values are rounded to integers
            (the values the runs use).
    """
    n = design.size
    frame = pd.DataFrame({"sample": [sample_name(i) for i in range(n)], "index": np.arange(n)})
    for j, name in enumerate(design.names):
        column = design.values[:, j]
        frame[name] = np.rint(column).astype(np.int64) if name in whole else column
    if design.blocks is not None:
        frame["block"] = list(design.blocks)
    return frame


def sweep_manifest(design: Design, replicates: int, samples: int | None = None) -> dict[str, Any]:
    """The manifest's ``"sweep"`` key (see the shared sweep-format spec)."""
    rows = design.size if samples is None else samples
    return {
        "method": design.method,
        "samples": rows,
        "replicates": replicates,
        "runs": rows * replicates,
        "parameters": {name: list(b) for name, b in zip(design.names, design.bounds, strict=True)},
        "problem": design.problem(),
        "options": dict(design.options),
    }


__all__ = [
    "METHODS",
    "SAMPLES_FILE",
    "Design",
    "design_matrix",
    "sample_name",
    "samples_frame",
    "sampling_rng",
    "sweep_manifest",
]
