"""Tune glibc's allocator so the large arrays a step frees are reused by the next step.

Called once per process by :func:`sim.model.channel_model.simulate`; the numbers of a run do not
change (docs/performance.md).
"""

from __future__ import annotations

import ctypes
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
"""glibc ``mallopt`` parameters (malloc.h)."""
MMAP_THRESHOLD = 32 * 1024**2
"""Allocations below this come from the heap, where freed blocks are reused (glibc's maximum)."""
TRIM_THRESHOLD = 512 * 1024**2
"""Free memory at the top of the heap kept for reuse instead of returned to the system."""
_tuned: bool | None = None


def tune_allocator() -> bool:
    """Let glibc keep and reuse the large arrays a step frees, instead of unmapping them.

    A large population allocates and frees the same few tens of megabytes several dozen times a
    step; by default glibc returns that memory to the system and the next step faults it back in
    page by page (about a sixth of an XL step). This raises the mmap and trim thresholds once per
    process, so freed arrays stay in the heap for the next step. The numbers of a run do not
    change. Does nothing (and returns False) outside glibc.
    """
    global _tuned
    if _tuned is None:
        _tuned = False
        if sys.platform.startswith("linux"):
            try:
                mallopt = ctypes.CDLL("libc.so.6").mallopt
            except (OSError, AttributeError):
                return False
            mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
            _tuned = bool(
                mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD)
            )
    return _tuned
