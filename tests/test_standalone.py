"""The Spark standalone cluster, for real: `cluster up` starts a master and two worker JVMs, a driver
runs a job on them, a worker is SIGKILLed mid-job and the job still returns the right answer,
`cluster down` leaves no process behind.

Every test stands alone (`pytest -k NAME` runs any one of them). In a whole run they share one `cluster up`
(the module's `cli_cluster`, conftest.py), in the order of this file: the read-only tests first, then the
killed worker, then `cluster down`, which ends it. Starting a cluster costs three JVMs (measured: 9 s on a quiet
2-core machine, 19 s during `make test`): one start instead of three keeps `make test` short."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from operator import add
from pathlib import Path

import psutil
import pytest

from cs109par.cluster.processes import MARKER
from cs109par.cluster.standalone import (
    ClusterError,
    PortInUseError,
    RegistrationTimeout,
    StandaloneCluster,
    cluster_processes,
)
from cs109par.jvm import LOOPBACK, JavaError, find_java

# Starts daemons, servers or kernels (tens of seconds): left out of `make unit`, run by `make test`.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

try:
    find_java()
except JavaError as exc:  # pragma: no cover - the doctor tests report this machine's Java problem
    pytest.skip(f"no usable Java: {exc}", allow_module_level=True)


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "cs109par", "cluster", *args],
        capture_output=True, text=True, timeout=timeout, cwd=ROOT, stdin=subprocess.DEVNULL,
    )


def test_up_prints_master_url_and_ui(cli_cluster):
    state, out = cli_cluster
    cluster = StandaloneCluster.from_state(state)
    assert f"Spark master: {cluster.master_url}" in out
    assert f"master UI:    {cluster.ui_url}" in out
    assert cluster.master_url.startswith("spark://127.0.0.1:")
    status = cli("status", "--json", "--state-dir", str(state))
    assert status.returncode == 0, status.stderr
    st = json.loads(status.stdout)
    assert st["alive_workers"] == 2
    assert [w["state"] for w in st["workers"]] == ["ALIVE", "ALIVE"]
    human = cli("status", "--state-dir", str(state)).stdout
    assert "worker 0: ALIVE" in human and "worker 1: ALIVE" in human


def test_daemons_listen_on_loopback_only(cli_cluster):
    state, _ = cli_cluster
    cluster = StandaloneCluster.from_state(state)
    pids = [cluster.master_pid, *cluster.worker_pids()]
    for pid in pids:
        listening = [c for c in psutil.Process(pid).net_connections(kind="tcp") if c.status == psutil.CONN_LISTEN]
        assert listening, f"pid {pid} listens on nothing"
        assert {c.laddr.ip for c in listening} <= {LOOPBACK, "::ffff:127.0.0.1"}, listening
    assert all(p.environ().get(MARKER) == cluster.id for p in map(psutil.Process, pids))


def test_up_refuses_a_second_cluster_on_the_same_state(cli_cluster):
    state, _ = cli_cluster
    again = cli("up", "--state-dir", str(state))
    assert again.returncode == 1
    assert "already running" in again.stderr


def test_registration_timeout_is_a_clear_error(cli_cluster):
    state, _ = cli_cluster
    cluster = StandaloneCluster.from_state(state)
    with pytest.raises(RegistrationTimeout, match="Only 2 of 3 workers registered"):
        cluster.wait_for_workers(3, timeout=1)


def drive_a_worker_kill(master_url: str) -> dict:
    """The driver of the kill test, in a process of its own (one SparkContext per process; this test
    process already has the `spark` fixture's): notebook 06's fault injection, through the same
    function the notebook calls."""
    from cs109par.cluster.faults import TaskGate, held_after, kill_worker_mid_job
    from cs109par.spark import session
    from cs109par.sparkmetrics import executor_activity, job_tasks

    cluster = StandaloneCluster.from_state(master_url)
    spark = session("test-standalone", master=cluster.master_url)
    sc = spark.sparkContext
    out = {"master": sc.master, "sum": sc.parallelize(range(1000), 4).sum()}
    gate = TaskGate()
    rdd = (sc.parallelize(range(10000), 12).map(lambda x: (x % 7, x))
             .mapPartitionsWithIndex(held_after(6, gate, seconds=0.0)).reduceByKey(add, 2))
    report = kill_worker_mid_job(spark, cluster, lambda: sorted(rdd.collect()), gate, worker=0)
    tasks = job_tasks(spark, report.job_id)
    activity = executor_activity(spark)
    out.update(result=report.result, killed=report.killed,
               failed=sum(t["status"] != "SUCCESS" for t in tasks), reruns=sum(t["run"] > 0 for t in tasks),
               alive=sorted(e for e, a in activity.items() if a["alive"]),
               victim=[e for e, a in activity.items() if not a["alive"]])
    spark.stop()
    return out


def test_job_survives_a_killed_worker(cli_cluster):
    # Changes the module's cluster (one worker fewer): after the read-only tests, before `cluster down`.
    state, _ = cli_cluster
    cluster = StandaloneCluster.from_state(state)
    assert cluster.status()["alive_workers"] == 2
    worker0 = cluster.worker_info[0].pid
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as driver:
        out = driver.submit(drive_a_worker_kill, str(state)).result(timeout=900)
    assert out["master"] == cluster.master_url
    assert out["sum"] == sum(range(1000))
    expected: dict[int, int] = {}
    for x in range(10000):
        expected[x % 7] = expected.get(x % 7, 0) + x
    assert out["result"] == sorted(expected.items())
    assert worker0 in out["killed"]
    assert out["failed"] == 1, "exactly the task held on the killed executor should have failed"
    assert out["reruns"] >= 1
    assert len(out["victim"]) == 1 and len(out["alive"]) == 1
    assert not psutil.pid_exists(worker0) or psutil.Process(worker0).status() == psutil.STATUS_ZOMBIE
    assert cluster.status()["alive_workers"] == 1


def test_down_stops_everything(cli_cluster):
    # Ends the module's cluster (the last test that uses it).
    state, _ = cli_cluster
    cluster = StandaloneCluster.from_state(state)
    assert cluster_processes(cluster.id), "the master and the worker(s) should run"
    down = cli("down", "--state-dir", str(state))
    assert down.returncode == 0, down.stderr
    assert "stopped" in down.stdout
    assert cluster_processes(cluster.id) == []
    assert not (state / "cluster.json").exists()
    status = cli("status", "--state-dir", str(state))
    assert status.returncode == 1 and "No cluster is running" in status.stdout


# ---- errors that need no cluster


def test_taken_port_is_a_clear_error(tmp_path):
    with socket.socket() as busy:
        busy.bind((LOOPBACK, 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(PortInUseError, match=f"Port {port} .* already in use"):
            StandaloneCluster(workers=1, port=port, state_dir=str(tmp_path)).start()
        result = cli("up", "--port", str(port), "--state-dir", str(tmp_path))
        assert result.returncode == 1 and f"Port {port}" in result.stderr


def test_missing_java_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path / "no-such-java"))
    with pytest.raises(JavaError, match="JAVA_HOME"):
        StandaloneCluster(workers=1, state_dir=str(tmp_path)).start()


def test_zero_workers_is_refused(tmp_path):
    with pytest.raises(ClusterError, match="at least one worker"):
        StandaloneCluster(workers=0, state_dir=str(tmp_path)).start()


def test_status_and_down_without_a_cluster(tmp_path):
    assert cli("status", "--state-dir", str(tmp_path)).returncode == 1
    down = cli("down", "--state-dir", str(tmp_path))
    assert down.returncode == 0 and "No cluster is running" in down.stdout
