"""Fault injection on a Spark standalone cluster: kill a worker in the middle of a job, on purpose,
at the same point every run.

A failure experiment is only a lesson if the failure lands where we want it, however fast or busy
the machine is. So the tasks of the job wait at a :class:`TaskGate` (a folder every "machine" here
can see, as executors on a real cluster share HDFS or S3) until the driver has struck:

1. the job runs in a background thread, so the notebook stays free to act;
2. :meth:`TaskGate.wait_for_held` returns once a held task runs inside the chosen worker;
3. :func:`kill_worker` sends ``SIGKILL`` to that worker's JVM and everything under it (its executor
   and the executor's Python workers): no goodbye, as when a machine loses power;
4. :func:`wait_for_executor_loss` returns once the driver has noticed;
5. the gate opens, the job finishes, and :func:`cs109par.sparkmetrics.job_tasks` tells which
   tasks Spark ran again.

:func:`kill_worker_mid_job` does all five; notebook 06 and the tests call it::

    gate = TaskGate()
    rdd = sc.parallelize(range(n), 16).mapPartitionsWithIndex(held_after(8, gate)).reduceByKey(add)
    report = kill_worker_mid_job(spark, cluster, lambda: dict(rdd.collect()), gate, worker=0)
    report.result, report.killed, job_tasks(spark, report.job_id)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from .. import jvm
from ..data import shared_tempdir
from ..sparkmetrics import MetricsError, executor_activity
from .standalone import ClusterError, StandaloneCluster

T = TypeVar("T")


class TaskGate:
    """A barrier for Spark tasks, to make fault injection land at the same point every run.

    Tasks call :meth:`arrive` (records which process runs them) or :meth:`hold` (records it and
    then waits until :meth:`open` is called). The driver waits with :meth:`wait_for_held` until a
    held task runs inside a given worker, kills that worker, then opens the gate. The gate is a folder
    in :func:`cs109par.data.shared_dir` (every "machine" sees it, as executors on a real cluster share
    storage). Picklable, so tasks can use it.

    >>> gate = TaskGate()
    >>> gate.open(); gate.hold("t0", timeout=1)    # an open gate lets a task through at once
    >>> gate.remove()
    """

    def __init__(self, folder: str | os.PathLike | None = None) -> None:
        # by default in the shared folder, which executors on other machines see too (not /tmp)
        self.folder = Path(folder) if folder else shared_tempdir("cs109par-gate-")
        self.folder.mkdir(parents=True, exist_ok=True)

    # -- in the tasks
    def arrive(self, key: object) -> None:
        (self.folder / f"ran-{key}-{os.getpid()}-{uuid.uuid4().hex[:6]}").touch()

    def hold(self, key: object, timeout: float = jvm.GATE_TIMEOUT) -> None:
        marker = self.folder / f"held-{key}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        marker.touch()
        deadline = time.time() + timeout
        while not (self.folder / "open").exists() and time.time() < deadline:
            time.sleep(0.05)
        with contextlib.suppress(OSError):
            marker.unlink()

    # -- in the driver
    def open(self) -> None:
        (self.folder / "open").touch()

    def _pids(self, prefix: str) -> list[int]:
        return [int(p.name.split("-")[2]) for p in self.folder.glob(f"{prefix}-*")]

    def wait_for_held(self, under_pid: int, timeout: float = jvm.JOB_EVENT_TIMEOUT) -> int:
        """Block until a held task runs in a process descended from ``under_pid`` (a worker JVM);
        return that task's pid."""
        import psutil

        deadline = time.time() + timeout
        while time.time() < deadline:
            for pid in self._pids("held"):
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    if under_pid in [p.pid for p in psutil.Process(pid).parents()]:
                        return pid
            time.sleep(0.05)
        raise ClusterError(f"No held task ran under pid {under_pid} within {timeout:.0f} s.")

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def held_after(first_held: int, gate: TaskGate, seconds: float = 0.05) -> Callable[[int, Iterable[T]], Iterator[T]]:
    """A function for ``rdd.mapPartitionsWithIndex``: partitions ``>= first_held`` wait at ``gate``;
    every partition then takes ``seconds`` (standing in for real work) and passes its records on."""

    def task(index: int, records: Iterable[T]) -> Iterator[T]:
        if index >= first_held:
            gate.hold(index)
        time.sleep(seconds)
        return iter(records)

    return task


def kill_worker(cluster: StandaloneCluster, index: int, executors: bool = True) -> list[int]:
    """SIGKILL worker ``index`` -- like pulling the plug on that machine. Returns the pids killed.

    With ``executors=True`` its executor JVMs (and their Python workers) die with it, as they
    would on a real machine; otherwise they are orphaned until the application ends (the cluster's
    :meth:`~cs109par.cluster.standalone.StandaloneCluster.stop` still finds them by their marker).
    """
    import psutil

    info = cluster.worker_info[index]
    try:
        tree = psutil.Process(info.pid).children(recursive=True) if executors else []
    except psutil.NoSuchProcess:
        tree = []
    killed = []
    for pid in [info.pid] + [p.pid for p in tree]:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
            killed.append(pid)
    proc = cluster._procs.get(f"worker-{index}")
    if proc is not None:
        with contextlib.suppress(Exception):
            proc.wait(timeout=10)
    return killed


def alive_executors(spark: Any) -> int:
    """How many executors the driver counts as alive (0 while the UI does not answer)."""
    try:
        return sum(a["alive"] for a in executor_activity(spark).values())
    except MetricsError:
        return 0


def wait_for_executor_loss(spark: Any, alive: int, timeout: float = jvm.JOB_EVENT_TIMEOUT) -> None:
    """Block until the driver counts only ``alive`` live executors (it has noticed a loss)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with contextlib.suppress(MetricsError):
            if sum(a["alive"] for a in executor_activity(spark).values()) <= alive:
                return
        time.sleep(0.1)
    raise ClusterError(f"The driver did not notice the lost executor within {timeout:.0f} s.")


def wait_until_running_on(spark: Any, executor_id: str, min_completed: int = 1,
                          timeout: float = jvm.START_TIMEOUT) -> dict[str, Any]:
    """Block until executor ``executor_id`` is running a task and has finished ``min_completed``
    more tasks than when this function was called (a kill then lands in the middle of its work)."""
    executor_id = str(executor_id)
    start = executor_activity(spark).get(executor_id, {"completed": 0})["completed"]
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            activity = executor_activity(spark).get(executor_id)
        except MetricsError:  # a slow UI on a busy machine: ask again
            activity = None
        if activity and activity["active"] >= 1 and activity["completed"] - start >= min_completed:
            return activity
        time.sleep(0.05)
    raise ClusterError(f"Executor {executor_id} was not running tasks within {timeout:.0f} s.")


@dataclass
class KillReport(Generic[T]):
    """What :func:`kill_worker_mid_job` saw: the job's answer, what was killed, when, and the job's id
    (for :func:`cs109par.sparkmetrics.job_tasks`)."""

    result: T
    killed: list[int]
    kill_time: float
    job_id: int


def kill_worker_mid_job(spark: Any, cluster: StandaloneCluster, action: Callable[[], T], gate: TaskGate,
                        worker: int = 0, group: str = "fault-injection",
                        timeout: float = jvm.JOB_EVENT_TIMEOUT) -> KillReport[T]:
    """Run ``action`` (a Spark job some of whose tasks wait at ``gate``) in a background thread; once a
    held task runs inside worker ``worker``, kill that worker, wait until the driver has noticed,
    open the gate, and return the job's result with what happened.

    The gate is opened whatever goes wrong, so no task is left waiting; it is removed at the end.
    """
    sc = spark.sparkContext
    before = alive_executors(spark)

    def run() -> T:
        sc.setJobGroup(group, f"worker {worker} killed mid-job")
        return action()

    with ThreadPoolExecutor(max_workers=1) as background:
        future = background.submit(run)
        try:
            gate.wait_for_held(under_pid=cluster.worker_info[worker].pid, timeout=timeout)
            kill_time = time.time()
            killed = kill_worker(cluster, worker)
            wait_for_executor_loss(spark, alive=max(before - 1, 0), timeout=timeout)
        finally:
            gate.open()
        result = future.result(timeout=timeout)
    gate.remove()
    return KillReport(result=result, killed=killed, kill_time=kill_time,
                      job_id=max(sc.statusTracker().getJobIdsForGroup(group)))


__all__ = [
    "TaskGate", "held_after", "kill_worker", "alive_executors", "wait_for_executor_loss", "wait_until_running_on",
    "KillReport", "kill_worker_mid_job",
]
