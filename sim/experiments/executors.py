"""Executors for the runner: the local process pool and a Dask ``distributed`` cluster.

The runner takes any ``concurrent.futures.Executor``. :func:`process_pool` is the default local
pool; :func:`dask_executor` connects to a running
Dask scheduler and yields ``Client.get_executor()``. Every run is a pure function of its config and
seed (both sent with the task), so a cluster writes the same files as the local pool. Workers need
this package, at the same version, installed (docs/cluster.md).

Example::

    with dask_executor("tcp://10.0.0.5:8786") as executor:
        summary = run_scenario(scenario, executor=executor)
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Iterator

CONNECT_TIMEOUT_SECONDS = 5.0
"""How long to try to reach the scheduler before giving up."""
INSTALL_HINT = "pip install 'channel-sim[cluster]'  (or: pip install 'dask[distributed]')"


def process_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A process pool whose workers neither inherit this process's threads nor handle Ctrl-C.

    Workers fork from a ``forkserver`` (``spawn`` where there is none), so a fork never copies a
    lock held by another thread (progress bar, pyarrow); each worker imports the model on its first
    run. (Preloading it in the forkserver would widen the window in which a Ctrl-C meets a worker
    half-started.)
    The forkserver is started with SIGINT ignored, so Ctrl-C reaches only this process, which
    saves what finished and stops the workers. Each worker ends itself when this process is gone
    (killed with ``kill -9``), instead of lingering. As with any ``spawn``/``forkserver`` pool, a
    script that calls the runner with ``workers > 1`` needs the ``if __name__ == "__main__":`` guard.
    """
    watch = {"initializer": _exit_with, "initargs": (os.getpid(),)}
    if "forkserver" not in multiprocessing.get_all_start_methods():
        spawn = multiprocessing.get_context("spawn")
        return cf.ProcessPoolExecutor(workers, mp_context=spawn, **watch)
    context = multiprocessing.get_context("forkserver")
    if threading.current_thread() is threading.main_thread():
        from multiprocessing import forkserver

        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        try:
            forkserver.ensure_running()
        finally:
            signal.signal(signal.SIGINT, previous)
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=context, **watch)


PARENT_CHECK_SECONDS = 1.0
"""How often a pool worker checks that the process that started it is still alive."""


def _exit_with(parent: int) -> None:
    """Worker initializer: a daemon thread ends this worker once process ``parent`` is gone."""

    def watch() -> None:
        while True:
            time.sleep(PARENT_CHECK_SECONDS)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # alive, owned by someone else
                continue

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def stop_pool(pool: cf.ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers now, without waiting for their runs."""
    pool.shutdown(wait=False, cancel_futures=True)
    processes = getattr(pool, "_processes", None) or {}  # no public API before Python 3.14
    for process in list(processes.values()):
        with contextlib.suppress(Exception):
            process.terminate()


class ExecutorError(Exception):
    """The executor cannot be set up; ``str()`` is a one-line message for the user."""


@contextlib.contextmanager
def dask_executor(address: str, timeout: float | None = None) -> Iterator[cf.Executor]:
    """A ``concurrent.futures`` executor on the Dask cluster whose scheduler is at ``address``.

    Args:
        address: the scheduler, e.g. ``tcp://10.0.0.5:8786``.
        timeout: seconds to wait for the scheduler (default :data:`CONNECT_TIMEOUT_SECONDS`).

    Raises:
        ExecutorError: dask.distributed is not installed, or the scheduler cannot be reached.
    """
    timeout = CONNECT_TIMEOUT_SECONDS if timeout is None else timeout
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorError(f"--executor dask needs dask.distributed: {INSTALL_HINT}") from None
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ExecutorError(
            f"--address {address}: cannot reach a Dask scheduler within {timeout:g} s "
            f"({type(exc).__name__}: {exc}); start one with `dask scheduler` and check the "
            "address (tcp://HOST:PORT, default port 8786)"
        ) from None
    try:
        _wait_for_workers(client, address, timeout)
        _check_versions(client)
        yield client.get_executor()
    finally:
        client.close()


def _wait_for_workers(client: object, address: str, timeout: float) -> None:
    try:
        client.wait_for_workers(1, timeout=timeout)  # type: ignore[attr-defined]
    except (OSError, TimeoutError) as exc:
        raise ExecutorError(
            f"--address {address}: the scheduler has no workers after {timeout:g} s "
            f"({type(exc).__name__}); start some with `dask worker {address}`"
        ) from None


def _check_versions(client: object) -> None:
    """Refuse workers whose channel-sim version differs from this one (results would differ)."""
    import sim

    def version() -> str:
        import sim as worker_sim

        return worker_sim.__version__

    try:
        found = client.run(version)  # type: ignore[attr-defined]
    except Exception as exc:  # a worker without the package cannot import sim
        raise ExecutorError(
            f"the Dask workers cannot run channel-sim ({type(exc).__name__}: {exc}); install "
            f"channel-sim {sim.__version__} on every worker"
        ) from None
    other = {worker: v for worker, v in found.items() if v != sim.__version__}
    if other:
        listed = ", ".join(f"{w} has {v}" for w, v in sorted(other.items()))
        raise ExecutorError(
            f"Dask workers run another channel-sim version than {sim.__version__}: {listed}; "
            "install the same version everywhere"
        )


__all__ = [
    "CONNECT_TIMEOUT_SECONDS",
    "ExecutorError",
    "dask_executor",
    "process_pool",
    "stop_pool",
]
