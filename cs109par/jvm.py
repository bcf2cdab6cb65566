"""Java and the JVM side of Spark: the rules every Spark process of the course follows, in one place.

:mod:`cs109par.doctor`, :mod:`cs109par.spark` and :mod:`cs109par.cluster` import from here; this
module imports none of them. It owns

* finding the Java that PySpark will start, and checking its version (:func:`find_java`);
* the Spark environment rules (:func:`spark_env_problems`, :func:`require_clean_spark_env`):
  a ``SPARK_HOME`` of another Spark install, a ``PYSPARK_SUBMIT_ARGS`` without ``pyspark-shell``,
  a ``PYSPARK_PYTHON`` that does not run: each gets the same clear error from the doctor, from
  :func:`cs109par.spark.session` and from a standalone cluster;
* the Python the executors run (:func:`executor_python`);
* the loopback address everything binds to (:data:`LOOPBACK`);
* the end of a JVM's log for error messages (:func:`tail`);
* the timeouts the course waits for JVMs with (named, so that a slow machine is one edit away).

>>> LOOPBACK
'127.0.0.1'
>>> java_major("1.8.0_392"), java_major("17.0.15"), java_major("21")
(8, 17, 21)
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

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


__all__ = [
    "SUPPORTED_JAVA", "LOOPBACK", "INSTALL_JAVA",
    "JAVA_VERSION_TIMEOUT", "START_TIMEOUT", "REST_TIMEOUT", "JOB_EVENT_TIMEOUT", "GATE_TIMEOUT",
    "JavaError", "SparkEnvError", "JavaInfo", "java_major", "find_java", "pyspark_dir", "executor_python",
    "spark_env_problems", "unset_fix", "require_clean_spark_env", "tail",
]
