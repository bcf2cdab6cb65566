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
* keeps Spark on this machine: driver, block manager and web UI bind to 127.0.0.1;
* runs executors with this Python (``PYSPARK_PYTHON``), so worker functions can import ``cs109par``;
* keeps the notebook quiet: no progress bars, log level ERROR, and whatever the JVM prints goes
  to a log file (:func:`log_path`) rather than into cell outputs;
* starts the JVMs with :data:`JVM_OPTIONS`, tuned for short sessions on few cores.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

from . import jvm
from .jvm import JavaError, SparkEnvError

MASTER_ENV = "CS109PAR_SPARK_MASTER"
DEFAULT_MASTER = "local[*]"
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
    # Loopback only: this one variable moves the driver, the UI and standalone daemons to 127.0.0.1.
    os.environ["SPARK_LOCAL_IP"] = jvm.LOOPBACK
    # Executors must run the interpreter that has cs109par installed, not whatever python3 is on PATH.
    os.environ["PYSPARK_PYTHON"] = jvm.executor_python()
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_CONF_DIR", str(_CONF_DIR))


def session(app_name: str = "cs109par", master: str | None = None, config: dict[str, str] | None = None):
    """Start (or return the running) Spark session, local and quiet.

    ``config`` adds Spark settings, e.g. ``{"spark.sql.shuffle.partitions": "8"}``.

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
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.driver.host", jvm.LOOPBACK)
        .config("spark.driver.bindAddress", jvm.LOOPBACK)
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.extraJavaOptions", JVM_OPTIONS)
        .config("spark.executor.extraJavaOptions", JVM_OPTIONS)
    )
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    log = log_path()
    try:
        with _jvm_output_to(log):
            spark = builder.getOrCreate()
    except (JavaError, SparkEnvError):
        raise
    except Exception as exc:
        raise SparkStartError(
            f"Spark did not start ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}).\n"
            f"Run `python -m cs109par doctor` for a diagnosis. Last lines of the JVM log {log}:\n{jvm.tail(log)}"
        ) from exc
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def ui_url(spark) -> str:
    """The address of this session's web UI (on 127.0.0.1)."""
    return spark.sparkContext.uiWebUrl or "(the UI is disabled)"


__all__ = ["session", "resolve_master", "ui_url", "log_path", "SparkStartError", "JavaError", "SparkEnvError",
           "MASTER_ENV"]
