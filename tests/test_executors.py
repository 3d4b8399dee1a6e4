"""``--executor dask``: a Dask cluster writes byte-identical files to the local pool (runs are pure
functions of config and seed), and a missing extra or an unreachable scheduler is a clean exit 2."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import sim.experiments.executors
from cli import main

distributed = pytest.importorskip("distributed")


def _sim(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def cluster():
    """A one-worker, in-process Dask cluster listening on TCP, as a user's scheduler would."""
    with distributed.LocalCluster(
        n_workers=1,
        processes=False,
        threads_per_worker=2,
        protocol="tcp",
        dashboard_address=None,
    ) as local:
        yield local


def test_dask_run_writes_the_same_files_as_the_local_pool(
    cluster, tiny_yaml: Path, tiny_results: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dask"
    result = _sim(
        "run", tiny_yaml, "--out", out, "--no-progress",
        "--executor", "dask", "--address", cluster.scheduler_address,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in ("timeseries.csv", "runs.csv", "summary.csv"):
        assert (out / name).read_bytes() == (tiny_results / name).read_bytes(), name


def test_dask_sweep_writes_the_same_files_as_the_local_pool(
    cluster, tiny_yaml: Path, tmp_path: Path
) -> None:
    path = tmp_path / "sweep.yaml"
    path.write_text(
        tiny_yaml.read_text()
        + "sweep:\n  method: random\n  samples: 3\n"
        + "  parameters: {vendors.acme.program.margin: [0.05, 0.3]}\n"
    )
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert _sim("sweep", path, "--out", local, "--no-progress", "--workers", "1").exit_code == 0
    result = _sim(
        "sweep", path, "--out", dask, "--no-progress",
        "--executor", "dask", "--address", cluster.scheduler_address,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in ("timeseries.csv", "runs.csv", "summary.csv", "samples.csv"):
        assert (dask / name).read_bytes() == (local / name).read_bytes(), name


def test_an_unreachable_scheduler_exits_2_quickly(
    tiny_yaml: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sim.experiments.executors, "CONNECT_TIMEOUT_SECONDS", 0.5)
    result = _sim(
        "run", tiny_yaml, "--out", tmp_path / "x", "--executor", "dask",
        "--address", "tcp://127.0.0.1:9",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "cannot reach a Dask scheduler" in result.stderr and "tcp://127.0.0.1:9" in result.stderr
    assert "Traceback" not in result.output
    assert not (tmp_path / "x").exists()


def test_without_the_cluster_extra_dask_exits_2_with_the_pip_command(
    tiny_yaml: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed raises ImportError
    result = _sim("run", tiny_yaml, "--executor", "dask", "--address", "tcp://127.0.0.1:9")
    assert result.exit_code == 2
    assert "pip install 'channel-sim[cluster]'" in result.stderr
