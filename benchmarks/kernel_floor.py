"""What a compiled kernel and stacked replicates buy on one phase, and what the draws cost.

Two measurements for choosing the ensemble engine's design (docs/performance.md):

1. Partners' attention update (utility, softmax over active lines and the outside option, partial
   adjustment), on M's shape (1,000 partners x 3 lines) and on 32 replicates stacked (32,000 rows):
   the project's numpy rule (:func:`sim.behaviours.attention.softmax_rows`) against the same
   equations as one fused loop compiled by numba (a dependency since the compiled passes of
   ``sim/model/kernels.py``; without it that line says so).
2. The sourcing draw (a Poisson count per link, 3,000 links) for 32 replicates: each replicate
   from its own stream (a new ``SeedSequence`` per replicate, as the engine derives one per step
   and phase), from 32 kept generators, and as one stacked call (which would tie a replicate's
   numbers to its batch).

    .venv/bin/python benchmarks/kernel_floor.py

Writes ``benchmarks/out/kernel_floor.md`` and ``.json`` and prints the table. Wall microseconds,
best of 5 repeats (of 100 calls for the attention update, of 20 for the draws), in this process.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from outputs import write_outputs  # noqa: E402  (benchmarks/outputs.py, on the path above)

from sim.behaviours.attention import softmax_rows  # noqa: E402

PARTNERS, LINES, STACK = 1_000, 3, 32
# softmax-utility's default parameters (sim/behaviours/attention.py); inertia 0.25 a month, weekly
W_PROFIT, W_TRUST, W_CAPABILITY, W_CONFLICT = 15.0, 2.0, 1.0, 0.5
TEMPERATURE, MOVE = 0.6, 1.0 - 0.75 ** (12 / 52)


def micros(call: Callable[[], object], calls: int = 100, repeats: int = 5) -> float:
    """Best of ``repeats`` of the mean wall time of ``calls`` calls, in microseconds."""
    call()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            call()
        best = min(best, (time.perf_counter() - start) / calls)
    return best * 1e6


def attention_inputs(rows: int, seed: int = 0) -> tuple[Any, ...]:
    rng = np.random.default_rng(seed)
    shape = (rows, LINES)
    active = rng.random(shape) > 0.1
    shares = rng.dirichlet(np.ones(LINES + 1), rows)
    return (
        rng.random(shape) * 0.1, rng.random(shape), rng.random(shape), rng.random(shape), active,
        rng.random(rows) * 0.1, 0.5, rng.random(rows), shares,
    )  # fmt: skip


def numpy_attention(profit, trust, capability, conflict, active, o_profit, o_trust, o_cap, shares):
    lines = W_PROFIT * profit + W_TRUST * trust + W_CAPABILITY * capability - W_CONFLICT * conflict
    outside = W_PROFIT * o_profit + W_TRUST * o_trust + W_CAPABILITY * o_cap
    utility = np.column_stack([lines, outside]) / TEMPERATURE
    mask = np.column_stack([active, np.ones(len(active), dtype=bool)])
    return shares + MOVE * (softmax_rows(utility, mask) - shares)


def compiled_attention() -> Callable[..., np.ndarray] | None:
    """The same equations as one loop over rows, compiled by numba (None without numba)."""
    try:
        import numba
    except ImportError:
        return None

    @numba.njit
    def kernel(profit, trust, capability, conflict, active, o_profit, o_trust, o_cap, shares, out):
        rows, lines = profit.shape
        u = np.empty(lines + 1)
        for i in range(rows):
            outside = W_PROFIT * o_profit[i] + W_TRUST * o_trust + W_CAPABILITY * o_cap[i]
            u[lines] = outside / TEMPERATURE
            peak = u[lines]
            for k in range(lines):
                if active[i, k]:
                    value = W_PROFIT * profit[i, k] + W_TRUST * trust[i, k]
                    value = value + W_CAPABILITY * capability[i, k] - W_CONFLICT * conflict[i, k]
                    u[k] = value / TEMPERATURE
                    peak = max(peak, u[k])
            total = 0.0
            for k in range(lines + 1):
                u[k] = np.exp(u[k] - peak) if k == lines or active[i, k] else 0.0
                total += u[k]
            for k in range(lines + 1):
                out[i, k] = shares[i, k] + MOVE * (u[k] / total - shares[i, k])
        return out

    def run(*args: Any) -> np.ndarray:
        return kernel(*args, np.empty_like(args[-1]))

    return run


def attention_rows() -> list[dict[str, Any]]:
    compiled = compiled_attention()
    rows = []
    for stack in (1, STACK):
        x = attention_inputs(PARTNERS * stack)
        plain = micros(lambda x=x: numpy_attention(*x))
        row = {"stack": stack, "numpy_us": plain, "numpy_us_per_replicate": plain / stack}
        if compiled is not None:
            fused = micros(lambda x=x: compiled(*x))
            row |= {
                "numba_us": fused,
                "numba_us_per_replicate": fused / stack,
                "max_abs_difference": float(np.abs(numpy_attention(*x) - compiled(*x)).max()),
            }
        rows.append(row)
    return rows


def draw_rows() -> dict[str, float]:
    rate = np.random.default_rng(1).random(PARTNERS * LINES) * 0.15

    def own_streams() -> None:
        for r in range(STACK):
            rng = np.random.default_rng(np.random.SeedSequence(42, spawn_key=(r, 7, 3)))
            rng.poisson(rate)

    kept = [np.random.default_rng(r) for r in range(STACK)]

    def kept_generators() -> None:
        for rng in kept:
            rng.poisson(rate)

    stacked_rate = np.tile(rate, STACK)
    one = np.random.default_rng(0)
    return {
        "own_streams_us": micros(own_streams, calls=20),
        "kept_generators_us": micros(kept_generators, calls=20),
        "one_call_us": micros(lambda: one.poisson(stacked_rate), calls=20),
    }


def main() -> None:
    attention, draws = attention_rows(), draw_rows()
    lines = [
        f"Kernel floor, wall microseconds (best of 5 repeats); load average "
        f"{os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC",
        "",
        "| attention update | rows | numpy | numpy per replicate | numba | numba per replicate |",
        "|---|---|---|---|---|---|",
    ]
    for row in attention:
        numba_cells = (
            f"{row['numba_us']:.0f} | {row['numba_us_per_replicate']:.0f}"
            if "numba_us" in row
            else "skipped (numba not installed) | -"
        )
        lines.append(
            f"| {row['stack']} replicate(s) | {PARTNERS * row['stack']:,} | "
            f"{row['numpy_us']:.0f} | {row['numpy_us_per_replicate']:.0f} | {numba_cells} |"
        )
    lines += [
        "",
        f"| sourcing draw, {STACK} replicates x {PARTNERS * LINES:,} links | microseconds |",
        "|---|---|",
        f"| each replicate from its own new stream | {draws['own_streams_us']:.0f} |",
        f"| {STACK} kept generators | {draws['kept_generators_us']:.0f} |",
        f"| one stacked call (batch-dependent numbers) | {draws['one_call_us']:.0f} |",
    ]
    write_outputs(ROOT / "benchmarks" / "out", "kernel_floor", lines, {"attention": attention,
                  "draws": draws})  # fmt: skip


if __name__ == "__main__":
    main()
