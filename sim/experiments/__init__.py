"""Experiments: running variants x replicates and sweeps into result folders (runner, executors,
sweeps, resume, journal, writer, manifest), and reading them back (reader, folder layout). Names
load on first use (:mod:`sim.lazy`), so reading a result folder does not import the model."""

from sim.lazy import lazy_exports

_HOMES = {
    "runner": ("RunSummary", "UnknownVariantError", "plan_runs", "run_scenario"),
    "sweep_run": ("NoSweepError", "plan_sweep", "run_sweep"),
    "resume": ("ResumeError", "resume_folder"),
    "folder_layout": ("ResultsError", "ResultsWriteError"),
    "writer": ("ResultWriter",),
    "result_folder": ("FolderBusyError", "claim_result_folder", "create_result_folder"),
    "reader": ("ResultSet", "load_results", "read_manifest"),
    "executors": ("ExecutorError", "dask_executor"),
    "memory_guard": ("MemoryLimitError", "check_memory"),
}
__all__ = [
    "ExecutorError", "FolderBusyError", "MemoryLimitError", "NoSweepError", "ResultSet", "ResultWriter",
    "ResultsError", "ResultsWriteError", "ResumeError", "RunSummary", "UnknownVariantError",
    "check_memory", "claim_result_folder", "create_result_folder", "dask_executor", "load_results", "plan_runs",
    "plan_sweep", "read_manifest", "resume_folder", "run_scenario", "run_sweep",
]  # fmt: skip
__getattr__ = lazy_exports(__name__, _HOMES)
