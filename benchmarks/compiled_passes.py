"""The compiled passes of ``sim/model/kernels.py`` against their numpy forms, on XL's population.

Builds the XL benchmark market (``benchmarks/sizes.py``: 100 vendors, 400,000 partners x 8) after
a short spin-up, then times, side by side in this process:

1. two compiled passes and their numpy forms on the model's own arrays (best of 5 calls each, wall
   milliseconds), and whether they give the same bits: each link's prospecting weight
   (``market.link_weights``) and the reps' partner picks (``sampling.weighted_members`` for
   30,000 deals);
2. whole steps of the model (CPU seconds), alternating a step with every pass in its numpy form
   and one with the compiled passes (``SIM_KERNELS``), so both see a like state and machine load.

    .venv/bin/python benchmarks/compiled_passes.py [--steps N] [--spin-up MONTHS]

Writes ``benchmarks/out/compiled_passes.md`` and ``.json`` and prints the table.
"""

from __future__ import annotations

import argparse
import os
import statistics
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
from sizes import SIZES, document  # noqa: E402

from sim.model import market, sampling  # noqa: E402
from sim.model.allocator import tune_allocator  # noqa: E402
from sim.model.channel_model import ChannelModel  # noqa: E402
from sim.scenario.schema import ScenarioConfig  # noqa: E402


def _with(mode: str, call: Callable[[], Any]) -> Any:
    """``call()`` with the passes in ``mode`` ("numpy" or "compiled")."""
    os.environ["SIM_KERNELS"] = "numpy" if mode == "numpy" else ""
    try:
        return call()
    finally:
        os.environ.pop("SIM_KERNELS", None)


def _best_ms(call: Callable[[], Any], repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def passes(model: ChannelModel) -> list[dict[str, Any]]:
    """Each pass, numpy and compiled, on the model's arrays; and whether they agree."""
    weights = market.link_weights(model).reshape(-1)
    groups = model.partners.groups(model.n_vendors)
    wanted = np.random.default_rng(0).integers(0, model.n_vendors, 30_000)

    def picks() -> np.ndarray:
        return sampling.weighted_members(np.random.default_rng(1), groups, weights, wanted)

    rows = []
    for name, call in (("link weights", lambda: market.link_weights(model)), ("rep picks", picks)):
        _with("compiled", call)  # compile (or load the cache) before timing
        same = np.array_equal(_with("numpy", call), _with("compiled", call))
        numpy_ms = _with("numpy", lambda call=call: _best_ms(call))
        compiled_ms = _with("compiled", lambda call=call: _best_ms(call))
        rows.append({"pass": name, "numpy_ms": numpy_ms, "compiled_ms": compiled_ms, "same": same})
    return rows


def steps(model: ChannelModel, count: int) -> dict[str, Any]:
    """Seconds of whole steps, alternating numpy and compiled passes."""
    times: dict[str, list[float]] = {"numpy": [], "compiled": []}
    for i in range(2 * count):
        mode = ("numpy", "compiled")[i % 2]
        start = time.process_time()
        _with(mode, model.step)
        times[mode].append(time.process_time() - start)
    return {mode: statistics.median(values) for mode, values in times.items()} | {"all": times}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=4, help="steps of each kind (default 4)")
    parser.add_argument("--spin-up", type=float, default=6.0, help="spin-up months (default 6)")
    args = parser.parse_args()
    tune_allocator()
    doc = document(SIZES["XL"])
    doc["time"]["spin_up_months"] = args.spin_up
    config = ScenarioConfig.model_validate(doc)
    start = time.perf_counter()
    model = ChannelModel(config, np.random.SeedSequence(1, spawn_key=(0,)))
    built = time.perf_counter() - start
    pass_rows, step_times = passes(model), steps(model, args.steps)
    lines = [
        f"Compiled passes at XL ({model.partners.vendor.size:,} links), load average "
        f"{os.getloadavg()[0]:.2f}, {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; model "
        f"built with a {args.spin_up:g}-month spin-up in {built:.0f} s",
        "",
        "| pass | numpy ms | compiled ms | ratio | same numbers |",
        "|---|---|---|---|---|",
    ]
    for row in pass_rows:
        lines.append(
            f"| {row['pass']} | {row['numpy_ms']:.1f} | {row['compiled_ms']:.1f} | "
            f"{row['numpy_ms'] / row['compiled_ms']:.1f}x | {'yes' if row['same'] else 'NO'} |"
        )
    numpy_s, compiled_s = step_times["numpy"], step_times["compiled"]
    lines += [
        "",
        f"| whole monthly step (median of {args.steps}, CPU s) | numpy passes | compiled passes "
        "| ratio |",
        "|---|---|---|---|",
        f"| XL | {numpy_s:.2f} | {compiled_s:.2f} | {numpy_s / compiled_s:.2f}x |",
    ]
    write_outputs(
        ROOT / "benchmarks" / "out",
        "compiled_passes",
        lines,
        {"passes": pass_rows, "steps": step_times, "build_seconds": built},
    )


if __name__ == "__main__":
    main()
