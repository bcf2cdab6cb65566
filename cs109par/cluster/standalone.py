"""A Spark *standalone* cluster on this machine: one master and N workers, each its own JVM.

From a terminal::

    python -m cs109par cluster up --workers 2     # prints the master URL and the UI address
    python -m cs109par cluster status
    python -m cs109par cluster down               # stops exactly what `up` started

From a notebook or a test::

    >>> from cs109par.cluster.standalone import standalone_cluster
    >>> with standalone_cluster(workers=2) as cluster:          # doctest: +SKIP
    ...     spark = session("demo", master=cluster.master_url)
    ...     ...
    ...     spark.stop()

Only what the ``pyspark`` package ships is used (``pyspark/bin/spark-class``): no Spark download,
no ``SPARK_HOME``. Everything binds to 127.0.0.1. Each daemon gets a marker in its environment,
which the executors it launches inherit, so :meth:`StandaloneCluster.stop` also finds executor
JVMs orphaned by a killed worker, and never touches another Spark on the machine.

Why the details below matter (measured with pyspark 4.3, see the course notes):

* ``--work-dir`` is always passed: the default is inside site-packages;
* ``PYSPARK_PYTHON`` is this interpreter, so executors can import ``cs109par``;
* ``spark.port.maxRetries=0`` for the daemons: a taken port is an error, not a silent move
  to the next port (which would leave us polling the wrong address).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

from ..doctor import JavaError, find_java

#: Environment variable that marks every process of one cluster (daemons and their executors).
MARKER = "CS109PAR_STANDALONE_ID"
HOST = "127.0.0.1"
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
        import pyspark
    except ImportError as exc:
        raise ClusterError("pyspark is not installed here. Run `make setup` and use the course's venv.") from exc
    path = Path(pyspark.__file__).resolve().parent / "bin" / ("spark-class.cmd" if os.name == "nt" else "spark-class")
    if not path.is_file():
        raise ClusterError(f"{path} is missing: this pyspark install is incomplete; reinstall pyspark.")
    return path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def _check_port(port: int, what: str) -> None:
    if not port_is_free(port):
        raise PortInUseError(
            f"Port {port} on {HOST} ({what}) is already in use by another program.\n"
            f"  Pick another one (e.g. `--port {free_port()}`), leave the option out to get a free port, "
            "or stop the program that holds it (`python -m cs109par cluster down` if it is an old cluster)."
        )


def get_json(url: str, timeout: float = 5.0):
    """GET a JSON document (the master's and the Spark UI's REST endpoints)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback only)
        return json.loads(response.read().decode("utf-8"))


def _tail(path: Path, lines: int = 12) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return "\n".join("    " + line for line in text[-lines:])


def _psutil():
    import psutil

    return psutil


def _marked(proc, cluster_id: str) -> bool:
    """Does this process carry our cluster's marker in its environment?"""
    psutil = _psutil()
    try:
        return proc.environ().get(MARKER) == cluster_id
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
        return False


def cluster_processes(cluster_id: str) -> list:
    """Every live process of the cluster: master, workers, executors (also orphaned ones)."""
    psutil = _psutil()
    found = []
    for proc in psutil.process_iter(["pid", "name"]):
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if _marked(proc, cluster_id):
            found.append(proc)
    return found


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

    @property
    def ui_url(self) -> str:
        return f"http://{HOST}:{self.webui_port}"


@dataclass
class StandaloneCluster:
    """A master and ``workers`` workers on 127.0.0.1. Start with :meth:`start`, stop with :meth:`stop`.

    ``state_dir`` holds the work folders, the daemons' logs and ``cluster.json`` (what
    ``cluster status`` / ``cluster down`` read). Default: a fresh temporary folder.
    """

    workers: int = 2
    cores: int = 1
    memory: str = "1g"
    port: int | None = None
    webui_port: int | None = None
    state_dir: str | None = None
    timeout: float = 60.0
    watchdog: bool = True
    id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    master_pid: int | None = None
    worker_info: list[WorkerInfo] = field(default_factory=list)
    started_at: float | None = None
    _procs: dict = field(default_factory=dict, repr=False)
    _owns_state_dir: bool = field(default=False, repr=False)

    # -- addresses
    @property
    def master_url(self) -> str:
        return f"spark://{HOST}:{self.port}"

    @property
    def ui_url(self) -> str:
        return f"http://{HOST}:{self.webui_port}"

    @property
    def state_path(self) -> Path:
        return Path(self.state_dir) / STATE_FILE

    # -- lifecycle
    def start(self) -> "StandaloneCluster":
        """Start the master, then the workers; wait until every worker has registered.

        Raises :class:`~cs109par.doctor.JavaError`, :class:`PortInUseError`,
        :class:`RegistrationTimeout` or :class:`ClusterError`; on any error, whatever was already
        started is stopped again.
        """
        if self.workers < 1:
            raise ClusterError("A cluster needs at least one worker (--workers 1 or more).")
        java = find_java()  # raises JavaError with the fix
        launcher = spark_class()
        if self.state_dir is None:
            self.state_dir = tempfile.mkdtemp(prefix="cs109par-standalone-")
            self._owns_state_dir = True
        Path(self.state_dir).mkdir(parents=True, exist_ok=True)
        if self.port is not None:
            _check_port(self.port, "the master's port")
        if self.webui_port is not None:
            _check_port(self.webui_port, "the master's web UI")
        self.port = self.port or free_port()
        self.webui_port = self.webui_port or free_port()
        env = self._environment(java)
        self.started_at = time.time()
        atexit.register(self._stop_at_exit)
        if self.watchdog:
            self._start_watchdog()
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

    def _start_watchdog(self) -> None:
        """A small process that stops the cluster if this process dies without stopping it
        (a notebook kernel killed after a failing cell, a crashed test run)."""
        env = {k: v for k, v in os.environ.items() if k != MARKER}
        code = (
            "import sys; from cs109par.cluster.standalone import _watchdog; "
            "_watchdog(int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4] == '1')"
        )
        self._procs["watchdog"] = subprocess.Popen(
            [sys.executable, "-c", code, str(os.getpid()), self.id, str(self.state_dir), "1" if self._owns_state_dir else "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
            start_new_session=True,
        )

    def _environment(self, java) -> dict[str, str]:
        env = dict(os.environ)
        for var in ("SPARK_HOME", "SPARK_CONF_DIR", "PYSPARK_SUBMIT_ARGS"):
            env.pop(var, None)
        env.update(
            {
                MARKER: self.id,
                "SPARK_LOCAL_IP": HOST,
                "PYSPARK_PYTHON": sys.executable,
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
        log = Path(self.state_dir) / "master.log"
        proc = self._popen(
            [str(launcher), _MASTER_CLASS, "--host", HOST, "--port", str(self.port), "--webui-port", str(self.webui_port)],
            env,
            log,
        )
        self._procs["master"] = proc
        self.master_pid = proc.pid

    def _wait_for_master(self) -> None:
        deadline = time.time() + self.timeout
        log = Path(self.state_dir) / "master.log"
        while time.time() < deadline:
            proc = self._procs["master"]
            if proc.poll() is not None:
                text = log.read_text(errors="replace") if log.exists() else ""
                if "BindException" in text or "Address already in use" in text:
                    raise PortInUseError(
                        f"The master could not bind port {self.port} or {self.webui_port} on {HOST}: "
                        "another program took it. Run `cluster up` again (it picks new free ports) or "
                        f"pass free ones with --port/--webui-port.\n  Master log {log}:\n{_tail(log)}"
                    )
                raise ClusterError(
                    f"The Spark master exited during start (exit code {proc.returncode}).\n"
                    f"  Master log {log}:\n{_tail(log)}"
                )
            # Workers may start as soon as the master's RPC port listens: their own start takes longer
            # than the master's remaining start (web UI, leader election).
            with contextlib.suppress(OSError), socket.create_connection((HOST, self.port), timeout=1):
                return
            time.sleep(0.2)
        raise ClusterError(f"The Spark master did not come up within {self.timeout:.0f} s.\n  Master log {log}:\n{_tail(log)}")

    def _launch_worker(self, launcher: Path, env: dict[str, str], index: int) -> None:
        port, webui = free_port(), free_port()
        work_dir = Path(self.state_dir) / f"worker-{index}"
        work_dir.mkdir(parents=True, exist_ok=True)
        log = Path(self.state_dir) / f"worker-{index}.log"
        proc = self._popen(
            [
                str(launcher), _WORKER_CLASS, self.master_url,
                "--host", HOST, "--port", str(port), "--webui-port", str(webui),
                "--cores", str(self.cores), "--memory", self.memory, "--work-dir", str(work_dir),
            ],
            env,
            log,
        )
        self._procs[f"worker-{index}"] = proc
        self.worker_info.append(
            WorkerInfo(pid=proc.pid, port=port, webui_port=webui, cores=self.cores, memory=self.memory,
                       work_dir=str(work_dir), log=str(log))
        )

    def master_state(self) -> dict:
        """The master's own view (its ``/json/`` endpoint): workers, their state, running apps."""
        return get_json(self.ui_url + "/json/")

    def alive_workers(self) -> list[dict]:
        try:
            state = self.master_state()
        except (OSError, ValueError):
            return []
        return [w for w in state.get("workers", []) if w.get("state") == "ALIVE"]

    def wait_for_workers(self, count: int, timeout: float = 60.0) -> list[dict]:
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
                        f"  Worker log {w.log}:\n{_tail(Path(w.log))}"
                    )
            if time.time() > deadline:
                logs = "\n".join(f"  {w.log}:\n{_tail(Path(w.log), 6)}" for w in self.worker_info)
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
        psutil = _psutil()
        parents = [self.worker_info[worker].pid] if worker is not None else self.worker_pids()
        found = {}
        for pid in parents:
            try:
                children = psutil.Process(pid).children(recursive=True)
            except psutil.NoSuchProcess:
                continue
            for child in children:
                try:
                    cmd = child.cmdline()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                if any(_EXECUTOR_CLASS in part for part in cmd) and "--executor-id" in cmd:
                    found[cmd[cmd.index("--executor-id") + 1]] = child.pid
        return found

    def kill_worker(self, index: int, executors: bool = True) -> list[int]:
        """SIGKILL worker ``index`` -- like pulling the plug on that machine.

        With ``executors=True`` its executor JVMs (and their Python workers) die with it, as they
        would on a real machine; otherwise they are orphaned until the application ends. Returns
        the pids killed.
        """
        psutil = _psutil()
        info = self.worker_info[index]
        try:
            tree = psutil.Process(info.pid).children(recursive=True) if executors else []
        except psutil.NoSuchProcess:
            tree = []
        killed = []
        for pid in [info.pid] + [p.pid for p in tree]:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
        proc = self._procs.get(f"worker-{index}")
        if proc is not None:
            with contextlib.suppress(Exception):
                proc.wait(timeout=10)
        return killed

    def status(self) -> dict:
        """A short summary: master URL, UI, workers (alive or not), running applications."""
        try:
            state = self.master_state()
        except (OSError, ValueError) as exc:
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
        psutil = _psutil()
        watchdog = self._procs.pop("watchdog", None)
        if watchdog is not None:
            with contextlib.suppress(Exception):
                watchdog.kill()
                watchdog.wait(timeout=5)
        victims = [p for p in cluster_processes(self.id)]
        running = [p.pid for p in victims]
        order = [p for p in victims if _WORKER_CLASS in " ".join(_cmdline(p))]
        order += [p for p in victims if p not in order and _MASTER_CLASS not in " ".join(_cmdline(p))]
        order += [p for p in victims if p not in order]
        for proc in order:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                proc.terminate()
        _, alive = psutil.wait_procs(order, timeout=timeout)
        for proc in alive:
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                proc.kill()
        psutil.wait_procs(alive, timeout=5)
        # late-born stragglers (an executor launched during shutdown)
        for proc in cluster_processes(self.id):
            with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                proc.kill()
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

    def __enter__(self) -> "StandaloneCluster":
        return self if self.master_pid else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- persistence for the CLI
    def _write_state(self) -> None:
        data = {
            "id": self.id, "master_url": self.master_url, "ui_url": self.ui_url, "port": self.port,
            "webui_port": self.webui_port, "master_pid": self.master_pid, "state_dir": self.state_dir,
            "started_at": self.started_at, "workers": [asdict(w) for w in self.worker_info],
        }
        self.state_path.write_text(json.dumps(data, indent=2))

    @classmethod
    def from_state(cls, state_dir: str | os.PathLike | None = None) -> "StandaloneCluster":
        """The cluster that ``cluster up`` started, from its state file."""
        folder = Path(state_dir) if state_dir else DEFAULT_STATE_DIR
        path = folder / STATE_FILE
        if not path.is_file():
            raise ClusterError(f"No cluster is running from {folder} (no {STATE_FILE}). Start one with `python -m cs109par cluster up`.")
        data = json.loads(path.read_text())
        workers = [WorkerInfo(**w) for w in data["workers"]]
        return cls(workers=len(workers), cores=workers[0].cores if workers else 1, port=data["port"],
                   webui_port=data["webui_port"], state_dir=data["state_dir"], id=data["id"],
                   master_pid=data["master_pid"], worker_info=workers, started_at=data["started_at"],
                   watchdog=False)


def _watchdog(owner: int, cluster_id: str, state_dir: str, owns_state_dir: bool) -> None:
    """Wait for process ``owner`` to end, then stop the cluster (run in its own process)."""
    psutil = _psutil()
    try:
        proc = psutil.Process(owner)
        while proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
            time.sleep(1.0)
    except psutil.NoSuchProcess:
        pass
    cluster = StandaloneCluster(id=cluster_id, state_dir=state_dir, watchdog=False)
    cluster._owns_state_dir = owns_state_dir
    cluster.stop(timeout=5)


def _cmdline(proc) -> list[str]:
    psutil = _psutil()
    try:
        return proc.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return []


@contextlib.contextmanager
def standalone_cluster(workers: int = 2, cores: int = 1, memory: str = "1g", timeout: float = 60.0,
                       **kwargs) -> Iterator[StandaloneCluster]:
    """A running cluster for the ``with`` block; stopped afterwards, also when the block fails."""
    cluster = StandaloneCluster(workers=workers, cores=cores, memory=memory, timeout=timeout, **kwargs)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


# --------------------------------------------------------------------------------------- watching a job


def app_api(spark) -> str:
    """Base URL of the running application's REST API (on the driver's UI)."""
    from ..sparkmetrics import api_url  # one home for the REST address (notebook 04's metrics use it too)

    return api_url(spark.sparkContext)


def executor_activity(spark) -> dict[str, dict]:
    """``{executor id: {"active": running tasks, "completed": finished tasks, "alive": bool}}``
    from the driver's REST API (the driver itself, id ``driver``, is left out)."""
    rows = get_json(app_api(spark) + "/allexecutors", timeout=120)
    return {
        r["id"]: {"active": r.get("activeTasks", 0), "completed": r.get("completedTasks", 0),
                  "failed": r.get("failedTasks", 0), "alive": r.get("isActive", False),
                  "remove_reason": r.get("removeReason", "")}
        for r in rows if r["id"] != "driver"
    }


def wait_until_running_on(spark, executor_id: str, min_completed: int = 1, timeout: float = 60.0) -> dict:
    """Block until executor ``executor_id`` is running a task and has finished ``min_completed``
    more tasks than when this function was called.

    Use it right after submitting a job (e.g. from a thread) and before killing a worker, so
    that the kill lands in the middle of that executor's work.
    """
    executor_id = str(executor_id)
    start = executor_activity(spark).get(executor_id, {"completed": 0})["completed"]
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            activity = executor_activity(spark).get(executor_id)
        except (OSError, ValueError):  # a slow UI on a busy machine: ask again
            activity = None
        if activity and activity["active"] >= 1 and activity["completed"] - start >= min_completed:
            return activity
        time.sleep(0.05)
    raise ClusterError(f"Executor {executor_id} was not running tasks within {timeout:.0f} s.")


class TaskGate:
    """A barrier for Spark tasks, to make fault injection land at the same point every run.

    Tasks call :meth:`arrive` (records which process runs them) or :meth:`hold` (records it and
    then waits until :meth:`open` is called). The driver waits with :meth:`wait_for_held` until a
    held task runs inside a given worker, kills that worker, then opens the gate. The gate is a
    folder: every "machine" here shares this file system, as executors on a real cluster share
    HDFS or S3. Picklable, so tasks can use it.
    """

    def __init__(self, folder: str | os.PathLike | None = None) -> None:
        self.folder = Path(folder) if folder else Path(tempfile.mkdtemp(prefix="cs109par-gate-"))
        self.folder.mkdir(parents=True, exist_ok=True)

    # -- in the tasks
    def arrive(self, key) -> None:
        (self.folder / f"ran-{key}-{os.getpid()}-{uuid.uuid4().hex[:6]}").touch()

    def hold(self, key, timeout: float = 600.0) -> None:
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

    def wait_for_held(self, under_pid: int, timeout: float = 300.0) -> int:
        """Block until a held task runs in a process descended from ``under_pid`` (a worker JVM);
        return that task's pid."""
        psutil = _psutil()
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


def wait_for_executor_loss(spark, alive: int, timeout: float = 120.0) -> None:
    """Block until the driver counts only ``alive`` live executors (it has noticed a loss)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        with contextlib.suppress(OSError, ValueError):
            if sum(a["alive"] for a in executor_activity(spark).values()) <= alive:
                return
        time.sleep(0.1)
    raise ClusterError(f"The driver did not notice the lost executor within {timeout:.0f} s.")


def job_tasks(spark, job_id: int) -> list[dict]:
    """Every task attempt of one job, from the driver's REST API, one dict per attempt:
    stage, stage attempt, partition, attempt, run, executor, status, launch time (s), duration (s), error.

    ``attempt`` is Spark's number, which starts again at 0 when a stage is resubmitted (as after a
    lost executor); ``run`` counts every attempt of the same (stage, partition) in launch order, so
    ``run > 0`` marks every re-run, in any stage attempt."""
    api = app_api(spark)
    job = get_json(f"{api}/jobs/{job_id}", timeout=120)
    tasks = []
    for stage_id in sorted(job["stageIds"]):
        try:
            attempts = get_json(f"{api}/stages/{stage_id}", timeout=120)
        except urllib.error.HTTPError:
            continue  # a stage that was skipped never ran
        for stage in attempts:
            rows = get_json(f"{api}/stages/{stage_id}/{stage['attemptId']}/taskList?length=100000", timeout=120)
            for t in rows:
                launch = t.get("launchTime", "")
                tasks.append({
                    "stage": stage_id, "stage_attempt": stage["attemptId"], "partition": t["index"],
                    "attempt": t["attempt"], "executor": t["executorId"], "status": t["status"],
                    "launch": _parse_time(launch), "duration": t.get("duration", 0) / 1000.0,
                    "error": (t.get("errorMessage") or "").splitlines()[0] if t.get("errorMessage") else "",
                })
    tasks.sort(key=lambda r: (r["launch"], r["stage"], r["stage_attempt"], r["partition"], r["attempt"]))
    seen: dict[tuple[int, int], int] = {}
    for row in tasks:
        key = (row["stage"], row["partition"])
        row["run"] = seen.get(key, 0)
        seen[key] = row["run"] + 1
    return tasks


def _parse_time(text: str) -> float:
    """'2026-11-25T04:30:01.123GMT' -> seconds since the epoch."""
    from datetime import datetime, timezone

    if not text:
        return 0.0
    return datetime.strptime(text.replace("GMT", ""), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()


# --------------------------------------------------------------------------------------- CLI


def _up(args: argparse.Namespace) -> int:
    state_dir = Path(args.state_dir) if args.state_dir else DEFAULT_STATE_DIR
    if (state_dir / STATE_FILE).exists():
        old = StandaloneCluster.from_state(state_dir)
        if cluster_processes(old.id):
            print(f"A cluster started from {state_dir} is already running at {old.master_url} "
                  f"(UI {old.ui_url}). Stop it first: python -m cs109par cluster down", file=sys.stderr)
            return 1
        (state_dir / STATE_FILE).unlink()
    cluster = StandaloneCluster(workers=args.workers, cores=args.cores, memory=args.memory, port=args.port,
                                webui_port=args.webui_port, state_dir=str(state_dir), timeout=args.timeout,
                                watchdog=False)
    try:
        cluster.start()
    except (ClusterError, JavaError) as exc:
        print(f"cluster up failed: {exc}", file=sys.stderr)
        return 1
    atexit.unregister(cluster._stop_at_exit)  # the daemons outlive this command; `down` stops them
    print(f"Spark master: {cluster.master_url}")
    print(f"master UI:    {cluster.ui_url}")
    print(f"workers:      {args.workers} x {args.cores} core(s), {args.memory} each, all registered")
    print(f"state, logs:  {state_dir}")
    print(f"Use it:       export CS109PAR_SPARK_MASTER={cluster.master_url}")
    print("Stop it:      python -m cs109par cluster down")
    return 0


def _status(args: argparse.Namespace) -> int:
    try:
        cluster = StandaloneCluster.from_state(args.state_dir)
    except ClusterError as exc:
        print(exc)
        return 1
    st = cluster.status()
    if args.json:
        print(json.dumps(st, indent=2))
        return 0 if st["reachable"] else 1
    print(f"Spark master: {st['master_url']}  (UI {st['ui_url']})")
    if not st["reachable"]:
        print(f"  the master does not answer: {st['error']}. Clean up with `python -m cs109par cluster down`.")
        return 1
    for w in st["workers"]:
        print(f"  worker {w['index']}: {w['state']}, {w['cores_used']}/{w['cores']} cores used, pid {w['pid']}, UI {w['ui_url']}")
    print(f"  running applications: {', '.join(st['apps']) or 'none'}")
    return 0


def _down(args: argparse.Namespace) -> int:
    try:
        cluster = StandaloneCluster.from_state(args.state_dir)
    except ClusterError as exc:
        print(exc)
        return 0
    stopped = cluster.stop()
    print(f"stopped {len(stopped)} process(es) of the cluster at {cluster.master_url}")
    return 0


def register_cli(subparsers) -> None:
    """Add ``cluster up|status|down`` to ``python -m cs109par``."""
    p = subparsers.add_parser("cluster", help="a Spark standalone cluster on this machine (up, status, down)")
    sub = p.add_subparsers(dest="cluster_command", required=True)

    def common(q):
        q.add_argument("--state-dir", default=None,
                       help=f"folder for the state file, logs and work dirs (default: {DEFAULT_STATE_DIR})")

    up = sub.add_parser("up", help="start a master and workers on 127.0.0.1; print the master URL")
    up.add_argument("--workers", type=int, default=2, help="number of worker JVMs (default 2)")
    up.add_argument("--cores", type=int, default=1, help="cores per worker (default 1)")
    up.add_argument("--memory", default="1g", help="memory per worker for executors (default 1g)")
    up.add_argument("--port", type=int, default=None, help="master port (default: a free one)")
    up.add_argument("--webui-port", type=int, default=None, help="master web UI port (default: a free one)")
    up.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for workers to register")
    common(up)
    up.set_defaults(func=_up)

    st = sub.add_parser("status", help="show the master, its workers and running applications")
    st.add_argument("--json", action="store_true", help="machine-readable output")
    common(st)
    st.set_defaults(func=_status)

    down = sub.add_parser("down", help="stop exactly the processes `up` started (and their executors)")
    common(down)
    down.set_defaults(func=_down)


__all__ = [
    "StandaloneCluster", "standalone_cluster", "ClusterError", "PortInUseError", "RegistrationTimeout",
    "JavaError", "WorkerInfo", "cluster_processes", "executor_activity", "wait_until_running_on", "wait_for_executor_loss", "job_tasks",
    "register_cli", "MARKER", "TaskGate",
]
