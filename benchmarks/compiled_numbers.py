"""Does compiled code (numba) give numpy's numbers on this machine? Functions and draws, counted.

A compiled phase keeps a run's numbers only if each operation it compiles gives numpy's result.
Arithmetic (+, -, *, /, comparisons) does on every machine. This script counts, on this machine:

1. **Functions of arrays**: the share of 5 million values where numba's ``exp``, ``log``,
   ``log1p``, ``x ** y`` and ``tanh`` differ from numpy's. numpy picks its own SIMD routines by
   CPU (AVX-512 ones where the CPU has them), numba calls the C library, so the answer depends on
   the CPU: run this on the machine whose numbers you mean to keep.
2. **Draws from the run's generator**: for each distribution the model draws, numba's method
   called in a loop on a ``Generator`` against numpy's method on a twin generator of the same
   seed, over several seeds: how many draws differ and whether both generators end in the same
   state (a compiled kernel can draw from ``model.rng`` only where both hold).

    .venv/bin/python benchmarks/compiled_numbers.py [--values N] [--draws N] [--seeds N]

Writes ``benchmarks/out/compiled_numbers.md`` and ``.json`` and prints the table.
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from outputs import write_outputs  # noqa: E402  (benchmarks/outputs.py, on the path above)


def numpy_poisson():
    """A compiled ``poisson(rng, mean)`` that draws what numpy's ``Generator.poisson`` draws:
    numba's own method below a mean of 10 (numpy's multiplication method, which numba's agrees
    with), and above it numpy's PTRS as numpy's C code has it, the candidate count floored (numba's
    own port truncates it with ``int()``, so a value in (-1, 0) becomes 0 and may be accepted where
    numpy draws again)."""
    import numba
    from numba.np.random.distributions import random_loggam

    @numba.njit
    def poisson(rng, lam):  # pragma: no cover - compiled
        if lam < 10:
            return rng.poisson(lam)
        slam, loglam = np.sqrt(lam), np.log(lam)
        b = 0.931 + 2.53 * slam
        a = -0.059 + 0.02483 * b
        invalpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2)
        while True:
            u = rng.random() - 0.5
            v = rng.random()
            us = 0.5 - np.fabs(u)
            k = np.floor((2 * a / us + b) * u + lam + 0.43)
            if us >= 0.07 and v <= vr:
                return int(k)
            if k < 0 or (us < 0.013 and v > us):
                continue
            if np.log(v) + np.log(invalpha) - np.log(a / (us * us) + b) <= (
                -lam + k * loglam - random_loggam(k + 1)
            ):
                return int(k)

    return poisson


def functions(values: int) -> list[dict[str, Any]]:
    import numba

    @numba.njit
    def compiled(x, y, e):  # pragma: no cover - compiled
        out = np.empty((5, len(x)))
        for i in range(len(x)):
            out[0, i] = np.exp(x[i])
            out[1, i] = np.log(y[i])
            out[2, i] = np.log1p(-y[i])
            out[3, i] = y[i] ** e[i]
            out[4, i] = np.tanh(x[i])
        return out

    rng = np.random.default_rng(1)
    x, y, e = rng.random(values) * 20 - 10, rng.random(values), rng.random(values) * 3
    got = compiled(x, y, e)
    want = [np.exp(x), np.log(y), np.log1p(-y), y**e, np.tanh(x)]
    names = ["exp(x)", "log(y)", "log1p(-y)", "y ** e", "tanh(x)"]
    return [
        {"function": name, "differ": float(np.mean(g != w)), "values": values}
        for name, g, w in zip(names, got, want, strict=True)
    ]


def draws(n: int, seeds: int) -> list[dict[str, Any]]:
    import numba

    @numba.njit
    def compiled(rng, kind, lam, bound, n):  # pragma: no cover - compiled
        out = np.empty(n)
        for i in range(n):
            if kind == 0:
                out[i] = rng.random()
            elif kind == 1:
                out[i] = rng.integers(0, bound[i])
            elif kind == 2:
                out[i] = rng.poisson(lam[i])
            elif kind == 3:
                out[i] = rng.standard_normal()
            elif kind == 4:
                out[i] = rng.gamma(2.5, 1.2)
            elif kind == 5:
                out[i] = rng.beta(2.0, 5.0)
            elif kind == 6:
                out[i] = rng.exponential(3.0)
            else:
                out[i] = rng.binomial(12, 0.3)
        return out

    poisson = numpy_poisson()

    @numba.njit
    def ported(rng, kind, lam, bound, n):  # pragma: no cover - compiled
        out = np.empty(n)
        for i in range(n):
            out[i] = poisson(rng, lam[i])
        return out

    setup = np.random.default_rng(3)
    small, large = setup.random(n) * 9.99, 10 + setup.random(n) * 90
    bound = setup.integers(1, 5_000, n)
    cases = [
        ("random()", 0, small, lambda g: g.random(n)),
        ("integers(0, bound)", 1, small, lambda g: g.integers(bound)),
        ("poisson(mean < 10)", 2, small, lambda g: g.poisson(small)),
        ("poisson(mean 10-100)", 2, large, lambda g: g.poisson(large)),
        ("poisson(mean 10-100), numpy's PTRS ported", -1, large, lambda g: g.poisson(large)),
        ("standard_normal()", 3, small, lambda g: g.standard_normal(n)),
        ("gamma(2.5, 1.2)", 4, small, lambda g: g.gamma(2.5, 1.2, n)),
        ("beta(2, 5)", 5, small, lambda g: g.beta(2.0, 5.0, n)),
        ("exponential(3)", 6, small, lambda g: g.exponential(3.0, n)),
        ("binomial(12, 0.3)", 7, small, lambda g: g.binomial(12, 0.3, n)),
    ]
    rows = []
    for name, kind, lam, numpy_draw in cases:
        differ, same_state = 0, 0
        for seed in range(seeds):
            # one draw of integers first, so the generator carries a buffered 32-bit half
            a, b = np.random.default_rng(seed), np.random.default_rng(seed)
            a.integers(7), b.integers(7)
            kernel = ported if kind < 0 else compiled
            differ += int(np.sum(kernel(a, kind, lam, bound, n) != numpy_draw(b)))
            same_state += a.bit_generator.state == b.bit_generator.state
        rows.append({"draw": name, "draws": n * seeds, "differ": differ,
                     "same_state": f"{same_state} of {seeds}"})  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--values", type=int, default=5_000_000)
    parser.add_argument("--draws", type=int, default=20_000, help="draws per seed and case")
    parser.add_argument("--seeds", type=int, default=40)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "out")
    args = parser.parse_args()
    import numba
    from numpy._core._multiarray_umath import __cpu_features__ as features

    simd = [f for f in ("AVX2", "AVX512F", "AVX512_SKX") if features.get(f)]
    cpu = platform.processor() or platform.machine()
    header = (
        f"numba {numba.__version__} against numpy {np.__version__} on {cpu} "
        f"(SIMD: {', '.join(simd) or 'none of AVX2/AVX-512'})"
    )
    values, drawn = functions(args.values), draws(args.draws, args.seeds)
    lines = [header, "", "| function | values that differ |", "|---|---|"]
    lines += [f"| `{r['function']}` | {r['differ']:.2%} of {r['values']:,} |" for r in values]
    lines += ["", "| draw | draws that differ | same generator state after |", "|---|---|---|"]
    lines += [f"| `{r['draw']}` | {r['differ']:,} of {r['draws']:,} | {r['same_state']} |"
              for r in drawn]  # fmt: skip
    write_outputs(args.out, "compiled_numbers", lines, {"functions": values, "draws": drawn})


if __name__ == "__main__":
    main()
