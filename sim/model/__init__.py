"""The channel model: ``ChannelModel`` and its schedule, population state, agents, engines, market
phases, program events, population draws, the step ledger and the metrics. Reads a resolved
scenario config; knows nothing of result folders. Names load on first use (:mod:`sim.lazy`).
"""

from sim.lazy import lazy_exports

_HOMES = {
    "channel_model": ("ChannelModel", "simulate"),
    "metrics": ("METRICS", "RUN_COLUMNS", "RunOutput"),
}
__all__ = ["METRICS", "RUN_COLUMNS", "ChannelModel", "RunOutput", "simulate"]
__getattr__ = lazy_exports(__name__, _HOMES)
