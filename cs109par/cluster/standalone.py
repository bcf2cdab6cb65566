"""A Spark *standalone* cluster on this machine: one master and N workers, each its own JVM.

From a terminal::

    python -m cs109par cluster up --workers 2     # prints the master URL and the UI address
    python -m cs109par cluster status
    python -m cs109par cluster down               # stops exactly what `up` started

From a notebook or a test::

    from cs109par.cluster.standalone import standalone_cluster

    with standalone_cluster(workers=2) as cluster:
        spark = session("demo", master=cluster.master_url)
        ...
        spark.stop()

Only what the ``pyspark`` package ships is used (``pyspark/bin/spark-class``): no Spark download,
no ``SPARK_HOME``. Everything binds to 127.0.0.1. Each daemon gets a marker in its environment
(:mod:`cs109par.cluster.processes`), which the executors it launches inherit, so
:meth:`StandaloneCluster.stop` also finds executor JVMs orphaned by a killed worker, and never
touches another Spark on the machine. Killing a worker on purpose, and watching a job while it
happens, is :mod:`cs109par.cluster.faults`; the command line is :mod:`cs109par.cluster.cli`.

Why the details below matter (measured with pyspark 4.3, see the course notes):

* ``--work-dir`` is always passed: the default is inside site-packages;
* ``PYSPARK_PYTHON`` is :func:`cs109par.jvm.executor_python`, so executors can import ``cs109par``;
* ``spark.port.maxRetries=0`` for the daemons: a taken port is an error, not a silent move
  to the next port (which would leave us polling the wrong address).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .. import jvm
from ..jvm import LOOPBACK, JavaError, SparkEnvError, pyspark_dir
from ..sparkmetrics import MetricsError, get_json
from .processes import MARKER, cmdline, free_port, marked, port_is_free, start_watchdog, stop_marked

DEFAULT_STATE_DIR = Path(tempfile.gettempdir()) / "cs109par" / "standalone"
STATE_FILE = "cluster.json"
_MASTER_CLASS = "org.apache.spark.deploy.master.Master"
_WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
_EXECUTOR_CLASS = "CoarseGrainedExecutorBackend"


class ClusterError(RuntimeError):
    """The cluster could not be started, found or stopped. The message says why and what to do."""


class PortInUseError(ClusterError):
    """A port the cluster needs is taken by another program."""


class RegistrationTimeout(ClusterError):
    """Not every worker registered with the master in time."""


# --------------------------------------------------------------------------------------- helpers


def spark_class() -> Path:
    """The ``spark-class`` launcher inside the installed pyspark package."""
    try:
        folder = pyspark_dir()
    except SparkEnvError as exc:
        raise ClusterError(str(exc)) from exc
    path = folder / "bin" / ("spark-class.cmd" if os.name == "nt" else "spark-class")
    if not path.is_file():
        raise ClusterError(f"{path} is missing: this pyspark install is incomplete; reinstall pyspark.")
    return path


def _check_port(port: int, what: str, host: str) -> None:
    if not port_is_free(port, host):
        raise PortInUseError(
            f"Port {port} on {host} ({what}) is already in use by another program.\n"
            f"  Pick another one (e.g. `--port {free_port(host)}`), leave the option out to get a free port, "
            "or stop the program that holds it (`python -m cs109par cluster down` if it is an old cluster)."
        )


def cluster_processes(cluster_id: str) -> list:
    """Every live process of the cluster: master, workers, executors (also orphaned ones)."""
    return marked(cluster_id)


# --------------------------------------------------------------------------------------- the cluster


@dataclass
class WorkerInfo:
    """One worker daemon: its JVM's pid and its ports."""

    pid: int
    port: int
    webui_port: int
    cores: int
    memory: str
    work_dir: str
    log: str
    host: str = LOOPBACK

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.webui_port}"


@dataclass
class StandaloneCluster:
    """A master and ``workers`` workers on 127.0.0.1. Start with :meth:`start`, stop with :meth:`stop`.

    ``state_dir`` holds the work folders, the daemons' logs and ``cluster.json`` (what
    ``cluster status`` / ``cluster down`` read). Default: a fresh temporary folder.
    ``worker_hosts`` gives worker ``i`` its own address (e.g. ``["127.0.0.1", "127.0.0.2"]`` on
    Linux, where all of 127.0.0.0/8 is this machine), so that Spark sees two hosts; by default every
    daemon is on ``host``. With ``watchdog`` (the default) the cluster stops when this process ends,
    however it ends.
    """

    workers: int = 2
    cores: int = 1
    memory: str = "1g"
    port: int | None = None
    webui_port: int | None = None
    state_dir: str | None = None
    timeout: float = jvm.START_TIMEOUT
    watchdog: bool = True
    host: str = LOOPBACK
    worker_hosts: list[str] | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    master_pid: int | None = None
    worker_info: list[WorkerInfo] = field(default_factory=list)
    started_at: float | None = None
    _procs: dict[str, subprocess.Popen] = field(default_factory=dict, repr=False)
    _owns_state_dir: bool = field(default=False, repr=False)

    # -- addresses
    @property
    def master_url(self) -> str:
        return f"spark://{self.host}:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://{self.host}:{self.webui_port}"

    @property
    def state_path(self) -> Path:
        return Path(self._state_dir()) / STATE_FILE

    def _state_dir(self) -> str:
        if self.state_dir is None:
            raise ClusterError("this cluster has no state folder yet: call start() first")
        return self.state_dir

    def _worker_host(self, index: int) -> str:
        return self.worker_hosts[index] if self.worker_hosts else self.host

    # -- lifecycle
    def start(self) -> StandaloneCluster:
        """Start the master, then the workers; wait until every worker has registered.

        Raises :class:`~cs109par.jvm.JavaError`, :class:`~cs109par.jvm.SparkEnvError`,
        :class:`PortInUseError`, :class:`RegistrationTimeout` or :class:`ClusterError`; on any error,
        whatever was already started is stopped again.
        """
        if self.workers < 1:
            raise ClusterError("A cluster needs at least one worker (--workers 1 or more).")
        if self.worker_hosts is not None and len(self.worker_hosts) != self.workers:
            raise ClusterError(f"worker_hosts names {len(self.worker_hosts)} addresses for {self.workers} workers.")
        java = jvm.find_java()  # raises JavaError with the fix
        jvm.require_clean_spark_env()  # the doctor's and session()'s rules: a foreign SPARK_HOME is an error
        launcher = spark_class()
        if self.state_dir is None:
            self.state_dir = tempfile.mkdtemp(prefix="cs109par-standalone-")
            self._owns_state_dir = True
        Path(self.state_dir).mkdir(parents=True, exist_ok=True)
        if self.port is not None:
            _check_port(self.port, "the master's port", self.host)
        if self.webui_port is not None:
            _check_port(self.webui_port, "the master's web UI", self.host)
        self.port = self.port or free_port(self.host)
        self.webui_port = self.webui_port or free_port(self.host)
        env = self._environment(java)
        self.started_at = time.time()
        atexit.register(self._stop_at_exit)
        if self.watchdog:
            # what a dead owner leaves behind: the whole state folder if it is ours, else just the state file
            leftover = self.state_dir if self._owns_state_dir else str(self.state_path)
            self._procs["watchdog"] = start_watchdog(self.id, remove=[leftover])
        try:
            self._launch_master(launcher, env)
            self._wait_for_master()
            for index in range(self.workers):
                self._launch_worker(launcher, env, index)
            self._write_state()
            self.wait_for_workers(self.workers, timeout=self.timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _environment(self, java: jvm.JavaInfo) -> dict[str, str]:
        env = dict(os.environ)
        # SPARK_HOME is our own pyspark here (require_clean_spark_env), PYSPARK_SUBMIT_ARGS is for drivers,
        # and the daemons log with Spark's defaults into their log files, not with the notebooks' quiet conf
        for var in ("SPARK_HOME", "SPARK_CONF_DIR", "PYSPARK_SUBMIT_ARGS"):
            env.pop(var, None)
        env.update(
            {
                MARKER: self.id,
                "SPARK_LOCAL_IP": self.host,
                "PYSPARK_PYTHON": jvm.executor_python(),
                "PYSPARK_DRIVER_PYTHON": sys.executable,
                "SPARK_DAEMON_MEMORY": "512m",
                # a taken port fails loudly instead of Spark quietly trying the next one
                "SPARK_DAEMON_JAVA_OPTS": "-Dspark.port.maxRetries=0",
                # the master's REST submission server wants the fixed port 6066: two clusters would clash
                "SPARK_MASTER_OPTS": "-Dspark.master.rest.enabled=false",
                "SPARK_NO_DAEMONIZE": "1",
            }
        )
        if java.source == "JAVA_HOME":
            env["JAVA_HOME"] = os.environ["JAVA_HOME"]
        return env

    def _popen(self, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        with open(log, "ab") as out:
            return subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.state_dir,
                start_new_session=True,  # a Ctrl-C in the terminal or notebook does not reach the daemons
            )

    def _launch_master(self, launcher: Path, env: dict[str, str]) -> None:
        log = Path(self._state_dir()) / "master.log"
        proc = self._popen(
            [str(launcher), _MASTER_CLASS, "--host", self.host, "--port", str(self.port),
             "--webui-port", str(self.webui_port)],
            env,
            log,
        )
        self._procs["master"] = proc
        self.master_pid = proc.pid

    def _wait_for_master(self) -> None:
        deadline = time.time() + self.timeout
        log = Path(self._state_dir()) / "master.log"
        while time.time() < deadline:
            proc = self._procs["master"]
            if proc.poll() is not None:
                text = log.read_text(errors="replace") if log.exists() else ""
                if "BindException" in text or "Address already in use" in text:
                    raise PortInUseError(
                        f"The master could not bind port {self.port} or {self.webui_port} on {self.host}: "
                        "another program took it. Run `cluster up` again (it picks new free ports) or "
                        f"pass free ones with --port/--webui-port.\n  Master log {log}:\n{jvm.tail(log, 12, '    ')}"
                    )
                raise ClusterError(
                    f"The Spark master exited during start (exit code {proc.returncode}).\n"
                    f"  Master log {log}:\n{jvm.tail(log, 12, '    ')}"
                )
            # Workers may start as soon as the master's RPC port listens: their own start takes longer
            # than the master's remaining start (web UI, leader election).
            with contextlib.suppress(OSError), socket.create_connection((self.host, int(self.port or 0)), timeout=1):
                return
            time.sleep(0.2)
        raise ClusterError(
            f"The Spark master did not come up within {self.timeout:.0f} s.\n"
            f"  Master log {log}:\n{jvm.tail(log, 12, '    ')}"
        )

    def _launch_worker(self, launcher: Path, env: dict[str, str], index: int) -> None:
        host = self._worker_host(index)
        port, webui = free_port(host), free_port(host)
        work_dir = Path(self._state_dir()) / f"worker-{index}"
        work_dir.mkdir(parents=True, exist_ok=True)
        log = Path(self._state_dir()) / f"worker-{index}.log"
        proc = self._popen(
            [
                str(launcher), _WORKER_CLASS, self.master_url,
                "--host", host, "--port", str(port), "--webui-port", str(webui),
                "--cores", str(self.cores), "--memory", self.memory, "--work-dir", str(work_dir),
            ],
            dict(env, SPARK_LOCAL_IP=host),  # its executors inherit it, so they live on the worker's "host" too
            log,
        )
        self._procs[f"worker-{index}"] = proc
        self.worker_info.append(
            WorkerInfo(pid=proc.pid, port=port, webui_port=webui, cores=self.cores, memory=self.memory,
                       work_dir=str(work_dir), log=str(log), host=host)
        )

    def master_state(self) -> dict[str, Any]:
        """The master's own view (its ``/json/`` endpoint): workers, their state, running apps.
        Raises :class:`~cs109par.sparkmetrics.MetricsError` when the master does not answer."""
        state: dict[str, Any] = get_json(self.ui_url + "/json/", timeout=5.0)
        return state

    def alive_workers(self) -> list[dict]:
        try:
            state = self.master_state()
        except MetricsError:
            return []
        return [w for w in state.get("workers", []) if w.get("state") == "ALIVE"]

    def wait_for_workers(self, count: int, timeout: float = jvm.START_TIMEOUT) -> list[dict]:
        """Poll the master until ``count`` workers are ALIVE; :class:`RegistrationTimeout` otherwise."""
        deadline = time.time() + timeout
        while True:
            alive = self.alive_workers()
            if len(alive) >= count:
                return alive
            for i, w in enumerate(self.worker_info):
                proc = self._procs.get(f"worker-{i}")
                if proc is not None and proc.poll() is not None:
                    raise ClusterError(
                        f"Worker {i} exited during start (exit code {proc.returncode}).\n"
                        f"  Worker log {w.log}:\n{jvm.tail(w.log, 12, '    ')}"
                    )
            if time.time() > deadline:
                logs = "\n".join(f"  {w.log}:\n{jvm.tail(w.log, 6, '    ')}" for w in self.worker_info)
                raise RegistrationTimeout(
                    f"Only {len(alive)} of {count} workers registered with the master {self.master_url} within "
                    f"{timeout:.0f} s. A busy machine may need more time: pass a longer timeout "
                    f"(`--timeout 120`); the master's view is at {self.ui_url}.\n{logs}"
                )
            time.sleep(0.25)

    def worker_pids(self) -> list[int]:
        return [w.pid for w in self.worker_info]

    def executor_pids(self, worker: int | None = None) -> dict[str, int]:
        """Executor JVMs as ``{executor id: pid}``, of one worker (by index) or of all.

        An executor is a child process of the worker that launched it; its command line carries
        ``--executor-id``.
        """
        import psutil

        parents = [self.worker_info[worker].pid] if worker is not None else self.worker_pids()
        found = {}
        for pid in parents:
            try:
                children = psutil.Process(pid).children(recursive=True)
            except psutil.NoSuchProcess:
                continue
            for child in children:
                cmd = cmdline(child)
                if any(_EXECUTOR_CLASS in part for part in cmd) and "--executor-id" in cmd:
                    found[cmd[cmd.index("--executor-id") + 1]] = child.pid
        return found

    def status(self) -> dict:
        """A short summary: master URL, UI, workers (alive or not), running applications."""
        try:
            state = self.master_state()
        except MetricsError as exc:
            return {"master_url": self.master_url, "ui_url": self.ui_url, "reachable": False, "error": str(exc)}
        by_port = {w["port"]: w for w in state.get("workers", [])}
        workers = []
        for i, info in enumerate(self.worker_info):
            seen = by_port.get(info.port, {})
            workers.append({"index": i, "pid": info.pid, "port": info.port, "ui_url": info.ui_url,
                            "state": seen.get("state", "NOT REGISTERED"), "cores": info.cores,
                            "cores_used": seen.get("coresused", 0)})
        return {
            "master_url": self.master_url,
            "ui_url": self.ui_url,
            "reachable": True,
            "alive_workers": len([w for w in workers if w["state"] == "ALIVE"]),
            "workers": workers,
            "apps": [a.get("name") for a in state.get("activeapps", [])],
        }

    def stop(self, timeout: float = 15.0) -> list[int]:
        """Stop the workers (which stop their executors), then the master; then kill anything left
        that carries this cluster's marker (e.g. executors orphaned by a killed worker).

        Returns the pids that were still running when stop was called. Safe to call twice.
        """
        watchdog = self._procs.pop("watchdog", None)
        if watchdog is not None:
            with contextlib.suppress(Exception):
                watchdog.kill()
                watchdog.wait(timeout=5)
        running = stop_marked(self.id, grace=timeout)
        for proc in self._procs.values():
            with contextlib.suppress(Exception):
                proc.wait(timeout=5)
        if self.state_dir:
            with contextlib.suppress(OSError):
                self.state_path.unlink()
        if self._owns_state_dir and self.state_dir:
            shutil.rmtree(self.state_dir, ignore_errors=True)
        with contextlib.suppress(Exception):
            atexit.unregister(self._stop_at_exit)
        return running

    def _stop_at_exit(self) -> None:
        with contextlib.suppress(Exception):
            self.stop(timeout=5)

    def __enter__(self) -> StandaloneCluster:
        return self if self.master_pid else self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- persistence for the CLI
    def _write_state(self) -> None:
        data = {
            "id": self.id, "master_url": self.master_url, "ui_url": self.ui_url, "port": self.port,
            "webui_port": self.webui_port, "master_pid": self.master_pid, "state_dir": self.state_dir,
            "host": self.host,
            "started_at": self.started_at, "workers": [asdict(w) for w in self.worker_info],
        }
        self.state_path.write_text(json.dumps(data, indent=2))

    @classmethod
    def from_state(cls, state_dir: str | os.PathLike | None = None) -> StandaloneCluster:
        """The cluster that ``cluster up`` started, from its state file."""
        folder = Path(state_dir) if state_dir else DEFAULT_STATE_DIR
        path = folder / STATE_FILE
        if not path.is_file():
            raise ClusterError(f"No cluster is running from {folder} (no {STATE_FILE}). "
                               "Start one with `python -m cs109par cluster up`.")
        data = json.loads(path.read_text())
        workers = [WorkerInfo(**w) for w in data["workers"]]
        return cls(workers=len(workers), cores=workers[0].cores if workers else 1, port=data["port"],
                   webui_port=data["webui_port"], state_dir=data["state_dir"], id=data["id"],
                   master_pid=data["master_pid"], worker_info=workers, started_at=data["started_at"],
                   host=data.get("host", LOOPBACK), watchdog=False)


@contextlib.contextmanager
def standalone_cluster(workers: int = 2, cores: int = 1, memory: str = "1g", timeout: float = jvm.START_TIMEOUT,
                       **kwargs: Any) -> Iterator[StandaloneCluster]:
    """A running cluster for the ``with`` block; stopped afterwards, also when the block fails."""
    cluster = StandaloneCluster(workers=workers, cores=cores, memory=memory, timeout=timeout, **kwargs)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


__all__ = [
    "StandaloneCluster", "WorkerInfo", "standalone_cluster", "cluster_processes", "spark_class",
    "ClusterError", "PortInUseError", "RegistrationTimeout", "JavaError", "MARKER", "DEFAULT_STATE_DIR", "STATE_FILE",
]
