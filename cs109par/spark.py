"""The one way the course gets a Spark session.

>>> from cs109par.spark import session
>>> spark = session(master="local[2]")       # or the session already running, if its master is the same
>>> spark.sparkContext.parallelize(range(10)).sum()
45

``spark.stop()`` ends it: every notebook's last cell does.

What :func:`session` does for you, so that notebooks stay short:

* picks the master: the ``master`` argument, else ``$CS109PAR_SPARK_MASTER``, else ``local[*]``;
* checks Java and the Spark environment first (:mod:`cs109par.jvm`) and raises
  :class:`~cs109par.jvm.JavaError` or :class:`~cs109par.jvm.SparkEnvError` with the fix, instead of
  PySpark's ``JAVA_GATEWAY_EXITED`` stack trace;
* keeps Spark on this machine: with a local master (or ``cluster up``'s, on 127.0.0.1) the driver,
  block manager and web UI bind to 127.0.0.1; with a master on another machine, the driver and its
  block manager listen on the address :func:`cs109par.jvm.driver_address` picks (the one that routes
  to the master, or ``$CS109PAR_DRIVER_HOST``) so that executors can connect back, says so in one
  line, and the web UI still stays on 127.0.0.1;
* with a cluster master, waits for the first executor (at most :data:`cs109par.jvm.EXECUTOR_TIMEOUT`
  seconds) and otherwise stops the session and raises :class:`SparkStartError` naming the likely cause,
  instead of hanging on "Initial job has not accepted any resources";
* runs executors with this Python (``PYSPARK_PYTHON``), so worker functions can import ``cs109par``;
* keeps the notebook quiet: no progress bars, log level ERROR, and whatever the JVM prints goes
  to a log file (:func:`log_path`) rather than into cell outputs;
* starts the JVMs with :data:`JVM_OPTIONS`, tuned for short sessions on few cores.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from . import jvm
from .jvm import JavaError, SparkEnvError

MASTER_ENV = "CS109PAR_SPARK_MASTER"
DEFAULT_MASTER = "local[*]"
#: How the line :func:`session` prints about the network starts (masters on another machine only).
NETWORK_NOTE_PREFIX = "Spark network:"
#: Seconds to wait for a standalone master's port to answer before :func:`session` says it cannot reach it.
MASTER_CONNECT_TIMEOUT = 10.0
_CONF_DIR = Path(__file__).resolve().parent / "conf"

#: JVM options for the driver and the executors. A course session lives for a minute and runs many
#: short jobs on two cores: the JVM's optimising C2 compiler takes CPU those jobs need and rarely pays
#: back that soon, so the JIT stops at the quick C1 tier. Measured here (2 cores): session start
#: 12.3 s -> 9.2-10.2 s, notebook 07's MLlib CrossValidator 18.4 s -> 11.6-13.1 s, notebook 04 as a
#: whole unchanged.
#: Long jobs on big data want the default back: pass ``config`` with ``""`` for
#: ``spark.driver.extraJavaOptions`` and ``spark.executor.extraJavaOptions``.
JVM_OPTIONS = "-XX:TieredStopAtLevel=1"


class SparkStartError(RuntimeError):
    """Spark did not start. The message carries the end of the JVM's log and what to try."""


def resolve_master(master: str | None = None) -> str:
    """The master URL :func:`session` will use.

    >>> resolve_master("local[2]")
    'local[2]'
    """
    return master or os.environ.get(MASTER_ENV) or DEFAULT_MASTER


def log_path() -> Path:
    """Where the JVM's own output goes for this Python process."""
    folder = Path(tempfile.gettempdir()) / "cs109par"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"spark-{os.getpid()}.log"


@contextlib.contextmanager
def _jvm_output_to(path: Path) -> Iterator[None]:
    """Point file descriptors 1 and 2 at ``path`` while the JVM is launched.

    The JVM inherits them and keeps writing there (launcher warnings, log4j, Python worker
    tracebacks) for its whole life, while this process gets its own descriptors back.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    saved = []
    with open(path, "ab") as log:
        try:
            for fd in (1, 2):
                saved.append((fd, os.dup(fd)))
                os.dup2(log.fileno(), fd)
            yield
        finally:
            for fd, copy in saved:
                os.dup2(copy, fd)
                os.close(copy)


def _prepare_environment() -> None:
    jvm.pyspark_dir()  # raises SparkEnvError when pyspark is missing
    jvm.require_clean_spark_env()  # the same rules as the doctor's and the cluster's
    # Loopback unless a setting says otherwise: this variable keeps the web UI (and anything else without
    # its own bind setting) on 127.0.0.1. The JVM reads it once, at its start, and PySpark keeps that JVM for
    # the whole process, so it must be the same for every session: a master on another machine gets the
    # network address through the per-session spark.driver.host / bindAddress instead (see session()).
    os.environ["SPARK_LOCAL_IP"] = jvm.LOOPBACK
    # Executors must run the interpreter that has cs109par installed, not whatever python3 is on PATH.
    os.environ["PYSPARK_PYTHON"] = jvm.executor_python()
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_CONF_DIR", str(_CONF_DIR))


@contextlib.contextmanager
def _ui_url_on_loopback() -> Iterator[None]:
    """While the JVM starts: its web UI names itself by SPARK_PUBLIC_DNS, else by spark.driver.host, which is
    a network address for a master on another machine while the UI listens on 127.0.0.1 only. Only the
    JVM's environment gets it, so that daemons started later from this process keep their own names."""
    saved = os.environ.get("SPARK_PUBLIC_DNS")
    os.environ["SPARK_PUBLIC_DNS"] = jvm.LOOPBACK
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("SPARK_PUBLIC_DNS", None)
        else:
            os.environ["SPARK_PUBLIC_DNS"] = saved


def _bindable(address: str) -> bool:
    """Is ``address`` one of this machine's own (can a server listen on it)?"""
    try:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.bind((address, 0))
        return True
    except OSError:
        return False


def network_note(master: str, network: jvm.DriverAddress, bind: str) -> str:
    """The one line :func:`session` prints when the driver listens on the network (not for loopback).

    >>> note = network_note("spark://10.0.0.5:7077", jvm.DriverAddress("10.0.0.7", "why"), "10.0.0.7")
    >>> note.startswith("Spark network: the driver listens on 10.0.0.7 (why), so executors on that network")
    True
    """
    where = network.address if bind == network.address else f"{bind} (all interfaces), announced as {network.address}"
    return (f"{NETWORK_NOTE_PREFIX} the driver listens on {where} ({network.reason}), so executors on that network "
            f"can connect back to its ports; its web UI stays on {jvm.LOOPBACK}. "
            f"{jvm.DRIVER_HOST_ENV} sets another address.")


def _check_master_reachable(master: str) -> None:
    """A standalone master that does not answer makes Spark retry for a minute and then give up quietly:
    say it at once."""
    endpoint = jvm.master_endpoint(master)
    if not master.startswith("spark://") or endpoint is None:
        return
    try:
        with socket.create_connection(endpoint, timeout=MASTER_CONNECT_TIMEOUT):
            return
    except OSError as exc:
        raise SparkStartError(
            f"Cannot connect to the Spark master {master} ({exc}).\n"
            "Check the master URL (CS109PAR_SPARK_MASTER; the master's web UI shows it, e.g. spark://host:7077), "
            "that the master is running, and that no firewall blocks its port."
        ) from exc


_REMOVED = re.compile(r"Executor (\S+) removed: (.*)")


def _log_since(log: Path, offset: int) -> str:
    try:
        with open(log, "rb") as fh:
            fh.seek(offset)
            return fh.read().decode("utf-8", errors="replace")
    except OSError:
        return ""


def no_executor_message(master: str, network: jvm.DriverAddress, timeout: float, log_text: str,
                        stopped: bool, conf: Mapping[str, str]) -> str:
    """Why a cluster application got no executor, most likely cause first. ``log_text``: the JVM log of this
    session (a standalone master's grants and losses are logged there, see conf/log4j2.properties);
    ``stopped``: Spark itself gave up (no master accepted the application).

    >>> log = "Granted executor ID app-1/0 on hostPort 10.0.0.6:7078", "Executor app-1/0 removed: Command exited"
    >>> text = no_executor_message("spark://10.0.0.5:7077", jvm.DriverAddress("127.0.0.1", "set by X"), 60,
    ...                            "\\n".join(log), False, {})
    >>> text.splitlines()[1].startswith("  - the executors cannot connect back to the driver at 127.0.0.1 (set by X)")
    True
    """
    granted = log_text.count("Granted executor ID")
    removed = [m.group(2).strip() for m in _REMOVED.finditer(log_text)]
    asked = ", ".join(f"{key}={conf[key]}" for key in ("spark.executor.cores", "spark.executor.memory",
                                                           "spark.cores.max") if key in conf)
    cannot_connect = (
        f"the executors cannot connect back to the driver at {network.address} ({network.reason}): set "
        f"{jvm.DRIVER_HOST_ENV} to this machine's address on the workers' network (e.g. "
        f"`export {jvm.DRIVER_HOST_ENV}=10.0.0.7`) and let the workers reach this machine (no firewall between)"
    )
    no_resources = ("no worker has the cores and memory the application asks for"
                    f"{' (' + asked + ')' if asked else ' (1 GiB per executor by default)'} free, or another "
                    "application holds them: the master's web UI lists the workers, their free cores and memory, "
                    "and the applications waiting")
    wrong_url = "the master URL is wrong (use the spark://host:port the master's web UI shows, not the UI's address)"
    if stopped:
        what, causes = "Spark gave up on the master (it did not accept the application)", [wrong_url, no_resources]
    elif removed:
        what = (f"the master started {max(granted, len(removed))} executor(s) and {len(removed)} exited before "
                f"registering (last: {removed[-1]})")
        causes = [cannot_connect, no_resources]
    elif granted:
        what, causes = f"the master started {granted} executor(s), none registered", [cannot_connect, no_resources]
    else:
        what, causes = "no executor was started", [no_resources, cannot_connect, wrong_url]
    lines = [f"No executor joined this application on {master} within {timeout:.0f} s: {what}. "
             "Spark would have waited forever (\"Initial job has not accepted any resources\"). Likely causes:"]
    lines += [f"  - {cause};" for cause in causes]
    lines.append(f"The session was stopped. On a slow cluster, wait longer: `export {jvm.EXECUTOR_TIMEOUT_ENV}=180`. "
                 "Each executor's own error is in its worker's work folder (<app-id>/<executor-id>/stderr).")
    return "\n".join(lines)


def _wait_for_executor(spark, master: str, network: jvm.DriverAddress, timeout: float, log: Path,
                       offset: int) -> None:
    """Return once an executor has registered; otherwise stop the session and raise SparkStartError."""
    jsc = spark.sparkContext._jsc.sc()
    deadline = time.monotonic() + timeout
    stopped = False
    while time.monotonic() < deadline:
        if len(jsc.statusTracker().getExecutorInfos()) > 1:  # the driver is listed too
            return
        stopped = bool(jsc.isStopped())
        if stopped:
            break
        time.sleep(0.2)
    text = _log_since(log, offset)  # before stop(), whose own log lines say nothing about the cause
    conf = dict(spark.sparkContext.getConf().getAll())
    with contextlib.suppress(Exception):
        spark.stop()
    recent = "\n".join(text.strip().splitlines()[-6:]) or "(nothing)"
    raise SparkStartError(no_executor_message(master, network, timeout, text, stopped, conf)
                          + f"\nThe JVM log {log} ends with:\n{recent}")


def session(app_name: str = "cs109par", master: str | None = None, config: dict[str, str] | None = None,
            executor_timeout: float | None = None):
    """Start (or return the running) Spark session, quiet, and reachable only where it must be.

    ``config`` adds Spark settings, e.g. ``{"spark.sql.shuffle.partitions": "8"}``. With a cluster master,
    ``executor_timeout`` (default ``$CS109PAR_EXECUTOR_TIMEOUT``, else :data:`cs109par.jvm.EXECUTOR_TIMEOUT`;
    0 = do not wait) bounds the wait for the first executor.

    >>> spark = session("demo", master="local[2]")
    >>> spark.sparkContext.master
    'local[2]'
    """
    master = resolve_master(master)
    from pyspark.sql import SparkSession

    active = SparkSession.getActiveSession()
    if active is not None:
        if active.sparkContext.master != master:
            raise SparkStartError(
                f"A Spark session with master {active.sparkContext.master!r} is already running in this "
                f"process; call spark.stop() before asking for {master!r}."
            )
        return active

    jvm.find_java()  # raises JavaError with the fix, before PySpark can fail obscurely
    _prepare_environment()
    network = jvm.driver_address(master)  # raises SparkEnvError for a master host that cannot be reached
    wait = jvm.executor_timeout() if executor_timeout is None else executor_timeout
    # A CS109PAR_DRIVER_HOST that is not this machine's own (a NAT or container's outside address) is
    # announced to the executors while the driver listens on every interface.
    bind = network.address if network.loopback or _bindable(network.address) else "0.0.0.0"
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.driver.host", network.address)
        .config("spark.driver.bindAddress", bind)
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.extraJavaOptions", JVM_OPTIONS)
        .config("spark.executor.extraJavaOptions", JVM_OPTIONS)
    )
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    if not jvm.is_local_master(master):
        _check_master_reachable(master)
    if not network.loopback:
        print(network_note(master, network, bind))
    log = log_path()
    offset = log.stat().st_size if log.exists() else 0
    try:
        with _jvm_output_to(log), _ui_url_on_loopback():
            spark = builder.getOrCreate()
    except (JavaError, SparkEnvError):
        raise
    except Exception as exc:
        raise SparkStartError(
            f"Spark did not start ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}).\n"
            f"Run `python -m cs109par doctor` for a diagnosis. Last lines of the JVM log {log}:\n{jvm.tail(log)}"
        ) from exc
    spark.sparkContext.setLogLevel("ERROR")
    if not jvm.is_local_master(master) and wait > 0:
        _wait_for_executor(spark, master, network, wait, log, offset)
    return spark


def ui_url(spark) -> str:
    """The address of this session's web UI (always on 127.0.0.1)."""
    return spark.sparkContext.uiWebUrl or "(the UI is disabled)"


__all__ = ["session", "resolve_master", "ui_url", "log_path", "network_note", "no_executor_message",
           "SparkStartError", "JavaError", "SparkEnvError", "MASTER_ENV", "NETWORK_NOTE_PREFIX"]
