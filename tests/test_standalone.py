"""The Spark standalone cluster, for real: `cluster up` starts a master and two worker JVMs, a driver
runs a job on them, a worker is SIGKILLed mid-job and the job still returns the right answer,
`cluster down` leaves no process behind. One cluster is shared by the whole module."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from operator import add
from pathlib import Path

import psutil
import pytest

from cs109par.cluster.standalone import (
    HOST,
    MARKER,
    ClusterError,
    JavaError,
    PortInUseError,
    RegistrationTimeout,
    StandaloneCluster,
    cluster_processes,
)
from cs109par.doctor import find_java

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


@pytest.fixture(scope="module")
def cli_cluster(tmp_path_factory):
    """`python -m cs109par cluster up --workers 2`, and `down` at the end whatever happens."""
    state = tmp_path_factory.mktemp("standalone")
    up = cli("up", "--workers", "2", "--state-dir", str(state), "--timeout", "240")
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        yield state, up.stdout
    finally:
        cli("down", "--state-dir", str(state))


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
        assert {c.laddr.ip for c in listening} <= {HOST, "::ffff:127.0.0.1"}, listening
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


DRIVER = r"""
import json, sys, time
from concurrent.futures import ThreadPoolExecutor
from operator import add
from cs109par.cluster.standalone import StandaloneCluster, TaskGate, executor_activity, job_tasks, wait_for_executor_loss
from cs109par.spark import session

cluster = StandaloneCluster.from_state(sys.argv[1])
spark = session("test-standalone", master=cluster.master_url)
sc = spark.sparkContext
out = {"master": sc.master, "sum": sc.parallelize(range(1000), 4).sum()}

gate = TaskGate()

def map_task(index, records):
    if index >= 6:
        gate.hold(index)
    return records

rdd = sc.parallelize(range(10000), 12).map(lambda x: (x % 7, x)).mapPartitionsWithIndex(map_task).reduceByKey(add, 2)

def run():
    sc.setJobGroup("kill", "a worker dies")
    return sorted(rdd.collect())

with ThreadPoolExecutor(1) as pool:
    future = pool.submit(run)
    gate.wait_for_held(cluster.worker_info[0].pid)
    out["killed"] = cluster.kill_worker(0)
    wait_for_executor_loss(spark, alive=1)
    gate.open()
    out["result"] = future.result(timeout=600)
gate.remove()
tasks = job_tasks(spark, sc.statusTracker().getJobIdsForGroup("kill")[0])
out["failed"] = sum(t["status"] != "SUCCESS" for t in tasks)
out["reruns"] = sum(t["run"] > 0 for t in tasks)
out["alive"] = sorted(e for e, a in executor_activity(spark).items() if a["alive"])
out["victim"] = [e for e, a in executor_activity(spark).items() if not a["alive"]]
spark.stop()
print("RESULT " + json.dumps(out))
"""


def test_job_survives_a_killed_worker(cli_cluster):
    state, _ = cli_cluster
    cluster = StandaloneCluster.from_state(state)
    worker0 = cluster.worker_info[0].pid
    proc = subprocess.run([sys.executable, "-c", DRIVER, str(state)], capture_output=True, text=True,
                          timeout=900, cwd=ROOT, stdin=subprocess.DEVNULL)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, proc.stdout[-3000:] + proc.stderr[-3000:]
    out = json.loads(lines[0][len("RESULT "):])
    assert out["master"] == cluster.master_url
    assert out["sum"] == sum(range(1000))
    expected = {}
    for x in range(10000):
        expected[x % 7] = expected.get(x % 7, 0) + x
    assert out["result"] == sorted(map(list, expected.items()))
    assert worker0 in out["killed"]
    assert out["failed"] == 1, "exactly the task held on the killed executor should have failed"
    assert out["reruns"] >= 1
    assert len(out["victim"]) == 1 and len(out["alive"]) == 1
    assert not psutil.pid_exists(worker0) or psutil.Process(worker0).status() == psutil.STATUS_ZOMBIE
    status = json.loads(cli("status", "--json", "--state-dir", str(state)).stdout)
    assert status["alive_workers"] == 1


def test_down_stops_everything(cli_cluster):
    state, _ = cli_cluster
    cluster = StandaloneCluster.from_state(state)
    assert cluster_processes(cluster.id), "the master and worker 1 should still run"
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
        busy.bind((HOST, 0))
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
