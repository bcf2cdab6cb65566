"""Java and the JVM side of Spark: the rules every Spark process of the course follows, in one place.

:mod:`cs109par.doctor`, :mod:`cs109par.spark` and :mod:`cs109par.cluster` import from here; this
module imports none of them. It owns

* finding the Java that PySpark will start, and checking its version (:func:`find_java`);
* the Spark environment rules (:func:`spark_env_problems`, :func:`require_clean_spark_env`):
  a ``SPARK_HOME`` of another Spark install, a ``PYSPARK_SUBMIT_ARGS`` without ``pyspark-shell``,
  a ``PYSPARK_PYTHON`` that does not run: each gets the same clear error from the doctor, from
  :func:`cs109par.spark.session` and from a standalone cluster;
* the Python the executors run (:func:`executor_python`);
* the loopback address everything binds to (:data:`LOOPBACK`), and the one rule for where a driver must
  listen when its master is on another machine (:func:`driver_address`);
* the end of a JVM's log for error messages (:func:`tail`);
* the timeouts the course waits for JVMs with (named, so that a slow machine is one edit away).

>>> LOOPBACK
'127.0.0.1'
>>> java_major("1.8.0_392"), java_major("17.0.15"), java_major("21")
(8, 17, 21)
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlsplit

#: Java major versions PySpark 4 supports.
SUPPORTED_JAVA = (17, 21)

#: The one address everything binds to when everything runs on this machine.
LOOPBACK = "127.0.0.1"

# Timeouts, in seconds. Measured on a quiet 2-core machine: `java -version` < 1 s, a master up in ~2 s,
# two workers registered ~5 s later, ipyparallel engines ~7 s; a busy laptop can take several times longer.
#: Running ``java -version``.
JAVA_VERSION_TIMEOUT = 30.0
#: A daemon, a set of workers or a set of engines coming up.
START_TIMEOUT = 60.0
#: One GET of a Spark UI's REST API (a 2-core machine running a job answers slowly).
REST_TIMEOUT = 60.0
#: Something expected mid-job: a held task reaching a worker, the driver noticing a lost executor.
JOB_EVENT_TIMEOUT = 300.0
#: How long a gated task waits for its gate to open before it gives up and runs on.
GATE_TIMEOUT = 600.0
#: How long :func:`cs109par.spark.session` waits for the first executor of a cluster application before it
#: stops the session and says why none came (``$CS109PAR_EXECUTOR_TIMEOUT`` overrides it; 0 = do not wait).
#: Measured against ``cluster up``'s master (2 cores, load 4-8): both executors had registered by the time the
#: session was built in 6 of 6 starts, so the wait costs nothing there (session + first job 14-18 s either way).
EXECUTOR_TIMEOUT = 60.0

INSTALL_JAVA = (
    "Install Java 17 (or 21), then open a new terminal:\n"
    "    Linux (Debian/Ubuntu): sudo apt-get install openjdk-17-jdk-headless\n"
    "    Linux (Fedora):        sudo dnf install java-17-openjdk-headless\n"
    "    macOS (Homebrew):      brew install openjdk@17  (then follow brew's note to put it on PATH)\n"
    "    Windows:               winget install Microsoft.OpenJDK.17\n"
    "    conda / mamba:         conda install -c conda-forge openjdk=17  (environment.yml does this)\n"
    "  If several Javas are installed, point JAVA_HOME at the 17 or 21 one, e.g.\n"
    "    export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64   "
    "(macOS: export JAVA_HOME=$(/usr/libexec/java_home -v 17))"
)

_SPARK_VARS = ("SPARK_HOME", "PYSPARK_SUBMIT_ARGS", "PYSPARK_PYTHON")


class JavaError(RuntimeError):
    """Java is missing or is a version PySpark 4 cannot run on. The message says how to fix it."""


class SparkEnvError(RuntimeError):
    """An environment variable would make Spark start the wrong thing. The message says which and the fix."""


@dataclass(frozen=True)
class JavaInfo:
    """Where the Java that Spark will launch lives, and its major version."""

    executable: str
    version: str
    major: int
    source: str  # "JAVA_HOME" or "PATH"


def java_major(version: str) -> int:
    """Major version from a ``java -version`` string: '1.8.0_392' -> 8, '17.0.15' -> 17."""
    parts = re.split(r"[._+-]", version)
    first = int(parts[0])
    return int(parts[1]) if first == 1 and len(parts) > 1 else first


def _java_executable() -> tuple[str, str]:
    """``(path, source)`` of the java PySpark's launcher would run: ``$JAVA_HOME/bin/java`` when
    ``JAVA_HOME`` is set, else ``java`` on ``PATH``."""
    java_home = os.environ.get("JAVA_HOME")
    exe_name = "java.exe" if os.name == "nt" else "java"
    if java_home:
        candidate = Path(java_home) / "bin" / exe_name
        if not Path(java_home).is_dir():
            raise JavaError(
                f"JAVA_HOME is set to {java_home!r}, which is not a folder, so Spark cannot start "
                f"(you would see JAVA_GATEWAY_EXITED).\n  Point JAVA_HOME at a Java 17 or 21 install, "
                f"or unset it to use the java on PATH.\n  {INSTALL_JAVA}"
            )
        if not candidate.is_file():
            raise JavaError(
                f"JAVA_HOME is set to {java_home!r}, but {candidate} does not exist, so Spark cannot "
                f"start.\n  Point JAVA_HOME at the folder that contains bin/java (a Java 17 or 21), "
                f"or unset it.\n  {INSTALL_JAVA}"
            )
        return str(candidate), "JAVA_HOME"
    found = shutil.which("java")
    if not found:
        raise JavaError(
            "No Java found: JAVA_HOME is not set and there is no `java` on PATH. "
            f"PySpark 4 needs Java {' or '.join(map(str, SUPPORTED_JAVA))}.\n  {INSTALL_JAVA}"
        )
    return found, "PATH"


def find_java() -> JavaInfo:
    """Locate the Java that PySpark will start, exactly as its launcher does, and check its version.

    Raises :class:`JavaError` naming the problem and the fix.

    >>> find_java().major in SUPPORTED_JAVA
    True
    """
    executable, source = _java_executable()
    try:
        proc = subprocess.run(
            [executable, "-version"], capture_output=True, text=True, timeout=JAVA_VERSION_TIMEOUT,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise JavaError(f"Could not run {executable} -version ({exc}) (found via {source}).\n  {INSTALL_JAVA}") from exc
    output = (proc.stderr or "") + (proc.stdout or "")
    match = re.search(r'version "([^"]+)"', output)
    if proc.returncode != 0 or not match:
        first = output.strip().splitlines()[0] if output.strip() else f"exit code {proc.returncode}"
        raise JavaError(f"{executable} (found via {source}) is not a working Java: {first}\n  {INSTALL_JAVA}")
    version = match.group(1)
    major = java_major(version)
    if major not in SUPPORTED_JAVA:
        why = "too old" if major < min(SUPPORTED_JAVA) else "newer than PySpark 4 supports"
        raise JavaError(
            f"Java {version} at {executable} (found via {source}) is {why}: PySpark 4 needs Java "
            f"{' or '.join(map(str, SUPPORTED_JAVA))}.\n  {INSTALL_JAVA}"
        )
    return JavaInfo(executable=executable, version=version, major=major, source=source)


def pyspark_dir() -> Path:
    """The installed ``pyspark`` package's folder (Spark's jars and launchers live in it).

    >>> (pyspark_dir() / "jars").is_dir()
    True
    """
    try:
        import pyspark
    except ImportError as exc:
        raise SparkEnvError("pyspark is not installed here. Run `make setup` and use the course's venv.") from exc
    return Path(pyspark.__file__).resolve().parent


def executor_python() -> str:
    """The Python that Spark's executors run: ``$PYSPARK_PYTHON`` when set, else this interpreter
    (which has ``cs109par`` installed, so worker functions can import it)."""
    return os.environ.get("PYSPARK_PYTHON") or sys.executable


def unset_fix(problems: list[str]) -> str:
    """The fix for :func:`spark_env_problems`: unset exactly the variables it named.

    >>> unset_fix(["SPARK_HOME='/opt/spark' points at another Spark install"])
    'Unset it for this course: `unset SPARK_HOME` (Windows: `set SPARK_HOME=`), or remove it from your shell profile.'
    """
    names = [v for v in _SPARK_VARS if any(p.startswith(v + "=") for p in problems)] or list(_SPARK_VARS[:2])
    windows = " ".join(f"`set {v}=`" for v in names)
    return (f"Unset it for this course: `unset {' '.join(names)}` (Windows: {windows}), "
            "or remove it from your shell profile.")


def spark_env_problems() -> list[str]:
    """What in the environment would make Spark start the wrong thing (empty when all is well).

    * ``SPARK_HOME`` naming another Spark install: PySpark would launch that one instead of its own
      (a classic cause of ``JAVA_GATEWAY_EXITED``);
    * ``PYSPARK_SUBMIT_ARGS`` not ending in ``pyspark-shell``: the launcher fails;
    * ``PYSPARK_PYTHON`` naming a program that does not exist: every task fails ("Cannot run program").
    """
    problems = []
    spark_home = os.environ.get("SPARK_HOME")
    if spark_home:
        try:
            own: Path | None = pyspark_dir()
        except SparkEnvError:
            own = None
        if own is None or Path(spark_home).resolve() != own:
            problems.append(
                f"SPARK_HOME={spark_home!r} points at another Spark install; PySpark would start that "
                "one instead of its own"
            )
    submit_args = os.environ.get("PYSPARK_SUBMIT_ARGS")
    if submit_args and not submit_args.rstrip().endswith("pyspark-shell"):
        problems.append(f"PYSPARK_SUBMIT_ARGS={submit_args!r} does not end in 'pyspark-shell'")
    python = os.environ.get("PYSPARK_PYTHON")
    if python and shutil.which(python) is None:
        problems.append(f"PYSPARK_PYTHON={python!r} is not a program that exists, so every Spark task would fail")
    return problems


def require_clean_spark_env() -> None:
    """Raise :class:`SparkEnvError` with the fix when :func:`spark_env_problems` finds anything."""
    problems = spark_env_problems()
    if problems:
        raise SparkEnvError("; ".join(problems) + ".\n" + unset_fix(problems))


def tail(path: str | os.PathLike, lines: int = 15, indent: str = "") -> str:
    """The last ``lines`` lines of a log file, each prefixed by ``indent`` ("(no log)" if unreadable).

    >>> tail("/no/such/log")
    '(no log)'
    """
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return "\n".join(indent + line for line in text[-lines:])



# --------------------------------------------------------------------------------------- the network

#: Set it to the address executors on other machines reach this machine at (it wins over the route rule).
DRIVER_HOST_ENV = "CS109PAR_DRIVER_HOST"
#: Seconds :func:`cs109par.spark.session` waits for a cluster's first executor (overrides :data:`EXECUTOR_TIMEOUT`).
EXECUTOR_TIMEOUT_ENV = "CS109PAR_EXECUTOR_TIMEOUT"
# A documentation-only address (TEST-NET-2, RFC 5737): routing a UDP socket to it names the address of the
# default route without sending anything.
_DEFAULT_ROUTE_PROBE = ("198.51.100.1", 9)


class DriverAddress(NamedTuple):
    """Where a driver listens so that its executors can connect back, and why there."""

    address: str
    reason: str

    @property
    def loopback(self) -> bool:
        return is_loopback(self.address)


def is_local_master(master: str) -> bool:
    """Does ``master`` run the executors inside this machine's driver process (or next to it)?

    >>> is_local_master("local[*]"), is_local_master("local-cluster[2,1,1024]"), is_local_master("yarn")
    (True, True, False)
    """
    return master == "local" or master.startswith(("local[", "local-cluster["))


def is_loopback(host: str) -> bool:
    """``localhost`` or a loopback address (127.0.0.0/8, ``::1``); names are not looked up.

    >>> is_loopback("127.0.1.1"), is_loopback("localhost"), is_loopback("[::1]"), is_loopback("10.0.0.5")
    (True, True, True, False)
    """
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return bool(address.is_loopback or (mapped is not None and mapped.is_loopback))


def master_endpoint(master: str) -> tuple[str, int] | None:
    """The ``(host, port)`` a driver talks to first: a standalone master (the first one of an HA list),
    or a Kubernetes API server; ``None`` for a local master and for YARN (its address is in Hadoop's
    configuration, not in the URL).

    >>> master_endpoint("spark://10.0.0.5:7077,10.0.0.6:7077"), master_endpoint("spark://master")
    (('10.0.0.5', 7077), ('master', 7077))
    >>> master_endpoint("k8s://https://api.example.org:6443"), master_endpoint("yarn")
    (('api.example.org', 6443), None)
    """
    if master.startswith("spark://"):
        first = master[len("spark://"):].split(",")[0]
        parts = urlsplit("//" + first)
        return (parts.hostname or "", parts.port or 7077) if parts.hostname else None
    if master.startswith("k8s://"):
        rest = master[len("k8s://"):]
        parts = urlsplit(rest if "://" in rest else "https://" + rest)
        if not parts.hostname:
            return None
        return parts.hostname, parts.port or (80 if parts.scheme == "http" else 443)
    return None


def route_source(host: str, port: int) -> str:
    """This machine's address on the route to ``host``: a UDP socket is connected (which only picks a
    route; no packet is sent) and asked for its own address. Raises :class:`OSError` (e.g.
    :class:`socket.gaierror` for a name that does not resolve, or no route)."""
    family, _, _, _, sockaddr = socket.getaddrinfo(host, port, 0, socket.SOCK_DGRAM)[0]
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        s.connect(sockaddr)
        return str(s.getsockname()[0])


def _default_route_address(route: Callable[[str, int], str]) -> DriverAddress:
    try:
        return DriverAddress(route(*_DEFAULT_ROUTE_PROBE), "this machine's address on its default route")
    except OSError:
        return DriverAddress(LOOPBACK, f"no network route found, so loopback (set {DRIVER_HOST_ENV})")


def driver_address(master: str, environ: Mapping[str, str] | None = None,
                   route: Callable[[str, int], str] = route_source) -> DriverAddress:
    """The address a driver for ``master`` must listen on, and why: the one rule of the course.

    * a local master (``local[*]``), or a standalone master on loopback (``cluster up``): 127.0.0.1,
      so nothing of Spark is reachable from the network;
    * otherwise ``$CS109PAR_DRIVER_HOST`` when set;
    * otherwise this machine's address on the route to the master (for Kubernetes: to the API server),
      because that is the network the executors share with the master; for YARN, and for a Kubernetes
      API server on loopback, the address of the default route.

    ``environ`` (default ``os.environ``) and ``route`` (default :func:`route_source`) are there for tests.
    Raises :class:`SparkEnvError` when the master's host does not resolve or cannot be routed to.

    >>> driver_address("local[*]")
    DriverAddress(address='127.0.0.1', reason='local master: executors run inside this machine')
    >>> driver_address("spark://10.0.0.5:7077", route=lambda host, port: "10.0.0.7").address
    '10.0.0.7'
    """
    env = os.environ if environ is None else environ
    if is_local_master(master):
        return DriverAddress(LOOPBACK, "local master: executors run inside this machine")
    endpoint = master_endpoint(master)
    if master.startswith("spark://") and endpoint and is_loopback(endpoint[0]):
        return DriverAddress(LOOPBACK, f"the master is on this machine's loopback ({endpoint[0]})")
    override = env.get(DRIVER_HOST_ENV, "").strip()
    if override:
        return DriverAddress(override, f"set by {DRIVER_HOST_ENV}")
    if endpoint is None:
        kind = "YARN" if master.startswith("yarn") else f"master {master!r}"
        found = _default_route_address(route)
        return DriverAddress(found.address, f"{kind}: {found.reason}; set {DRIVER_HOST_ENV} if its executors "
                                            "reach this machine at another address")
    host, port = endpoint
    try:
        source = route(host, port)
    except OSError as exc:
        raise SparkEnvError(
            f"Cannot find a route from this machine to the master's host {host!r} ({master}): {exc}.\n"
            f"Check the master URL (CS109PAR_SPARK_MASTER), or set {DRIVER_HOST_ENV} to this machine's address "
            "on the cluster's network."
        ) from exc
    if is_loopback(source):
        if master.startswith("k8s://"):
            found = _default_route_address(route)
            return DriverAddress(found.address, f"the API server {host} is on this machine, its pods are not: "
                                                f"{found.reason}")
        return DriverAddress(LOOPBACK, f"the master's host {host} is this machine's loopback")
    return DriverAddress(source, f"this machine's address on the route to the master's host {host}")


def executor_timeout(environ: Mapping[str, str] | None = None) -> float:
    """Seconds to wait for a cluster's first executor: ``$CS109PAR_EXECUTOR_TIMEOUT``, else
    :data:`EXECUTOR_TIMEOUT`.

    >>> executor_timeout({}), executor_timeout({"CS109PAR_EXECUTOR_TIMEOUT": "120"})
    (60.0, 120.0)
    """
    env = os.environ if environ is None else environ
    text = env.get(EXECUTOR_TIMEOUT_ENV, "").strip()
    if not text:
        return EXECUTOR_TIMEOUT
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise SparkEnvError(f"{EXECUTOR_TIMEOUT_ENV}={text!r} is not a number of seconds (0 or more); "
                            f"e.g. `export {EXECUTOR_TIMEOUT_ENV}=120`, or unset it for {EXECUTOR_TIMEOUT:.0f} s.")
    return value


__all__ = [
    "SUPPORTED_JAVA", "LOOPBACK", "INSTALL_JAVA",
    "JAVA_VERSION_TIMEOUT", "START_TIMEOUT", "REST_TIMEOUT", "JOB_EVENT_TIMEOUT", "GATE_TIMEOUT", "EXECUTOR_TIMEOUT",
    "JavaError", "SparkEnvError", "JavaInfo", "java_major", "find_java", "pyspark_dir", "executor_python",
    "spark_env_problems", "unset_fix", "require_clean_spark_env", "tail",
    "DRIVER_HOST_ENV", "EXECUTOR_TIMEOUT_ENV", "DriverAddress", "is_local_master", "is_loopback", "master_endpoint",
    "route_source", "driver_address", "executor_timeout",
]
