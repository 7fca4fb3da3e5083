"""The Ray executor: the contract battery, and a run on a local Ray instance (2 CPUs) that gives the
local pool's tables bit for bit."""

from __future__ import annotations

import socket
import sys

import pytest
from typer.testing import CliRunner

from shieldwall.cli import app
from shieldwall.montecarlo.testing import CHECKS
from shieldwall.results import TABLES, read_table

runner = CliRunner()


@pytest.fixture(scope="module")
def ray_instance():
    ray = pytest.importorskip("ray", reason="ray is not installed (pip install 'shieldwall[ray]')")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR",
             object_store_memory=200 * 2**20)
    yield ray
    ray.shutdown()


def _joined():
    from shieldwall.montecarlo.distributed import RayExecutor

    return RayExecutor().connect()  # joins the running instance, and leaves it running on close


@pytest.mark.parametrize("check", CHECKS, ids=lambda check: check.__name__)
def test_contract(ray_instance, check):
    check(_joined)


def test_run_on_ray_gives_the_local_pool_tables(ray_instance, tmp_path):
    common = ["run", "tutorial", "--runs", "200", "--seed", "4", "--realisations", "5", "--workers", "2"]
    result = runner.invoke(app, [*common, "--backend", "ray", "--out", str(tmp_path / "ray")])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, [*common, "--out", str(tmp_path / "local")])
    assert result.exit_code == 0, result.output
    for name in TABLES:
        ray_table, local_table = read_table(tmp_path / "ray", name), read_table(tmp_path / "local", name)
        assert ray_table.num_rows > 0 or name == "refusals"
        assert ray_table.equals(local_table), name
    assert read_table(tmp_path / "ray", "replications")["run"].to_pylist() == list(range(200))


def test_ray_actors_keep_their_raid_realisation(ray_instance):
    # As the local pool's workers (tests/montecarlo/test_executors.py): 6 realisations of 6 tasks
    # on 2 actors. Handed to Ray as remote calls in plan order, both workers took every
    # realisation in turn (up to 12 (process, realisation) pairs); kept by realisation, 7.
    from ray import cloudpickle

    from shieldwall.montecarlo import plan
    from tests.montecarlo import test_executors

    cloudpickle.register_pickle_by_value(test_executors)  # the job's class, for Ray's workers
    try:
        tasks = plan(72, 6, max_size=2)
        with _joined() as executor:
            performed = {(pid, task.realisation) for task, pid in executor.map(test_executors._WhereJob(), tasks)}
    finally:
        cloudpickle.unregister_pickle_by_value(test_executors)
    assert len({pid for pid, _ in performed}) == 2
    assert len(performed) <= 10, sorted(performed)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_address_with_no_cluster_is_a_one_line_error(tmp_path):
    pytest.importorskip("ray", reason="ray is not installed (pip install 'shieldwall[ray]')")
    address = f"127.0.0.1:{_free_port()}"
    result = runner.invoke(app, ["run", "tutorial", "--runs", "4", "--backend", "ray", "--address", address,
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and address in lines[0] and "no Ray cluster" in lines[0]
    assert not (tmp_path / "o").exists()


def test_address_without_ray_backend_is_a_one_line_error(tmp_path):
    result = runner.invoke(app, ["run", "tutorial", "--runs", "4", "--address", "127.0.0.1:6379",
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1


def test_ray_missing_says_what_to_install(monkeypatch, tmp_path):
    for name in list(sys.modules):
        if name.partition(".")[0] == "ray":
            monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "ray", None)
    result = runner.invoke(app, ["run", "tutorial", "--runs", "4", "--backend", "ray", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "needs ray, which is not installed: pip install 'shieldwall[ray]'" in lines[0], lines
