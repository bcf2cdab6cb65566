"""Preflight checks: does this machine run the whole course?

Run it first, from a terminal::

    python -m cs109par doctor

or from a notebook::

    >>> from cs109par import doctor
    >>> results = doctor.run_checks(spark=False)   # doctest: +SKIP
    >>> doctor.report(results)                       # doctest: +SKIP

Every check prints one line: ``ok`` or ``PROBLEM`` followed by what to do about it.
The Java checks exist because PySpark's most common failure on a student laptop,
``JAVA_GATEWAY_EXITED`` ("Java gateway process exited before sending its port number"),
is always one of: no Java, the wrong Java, a ``JAVA_HOME`` that points nowhere, or a
``SPARK_HOME`` / ``PYSPARK_SUBMIT_ARGS`` left over from another Spark install.
"""

from __future__ import annotations

import importlib
import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: Java major versions PySpark 4 supports.
SUPPORTED_JAVA = (17, 21)
MIN_PYTHON = (3, 10)
MIN_FREE_MEMORY_GIB = 2.0

INSTALL_JAVA = (
    "Install Java 17 (or 21), then open a new terminal:\n"
    "    Linux (Debian/Ubuntu): sudo apt-get install openjdk-17-jdk-headless\n"
    "    Linux (Fedora):        sudo dnf install java-17-openjdk-headless\n"
    "    macOS (Homebrew):      brew install openjdk@17  (then follow brew's note to put it on PATH)\n"
    "    Windows:               winget install Microsoft.OpenJDK.17\n"
    "    conda / mamba:         conda install -c conda-forge openjdk=17  (environment.yml does this)\n"
    "  If several Javas are installed, point JAVA_HOME at the 17 or 21 one, e.g.\n"
    "    export JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64   (macOS: export JAVA_HOME=$(/usr/libexec/java_home -v 17))"
)


class JavaError(RuntimeError):
    """Java is missing or is a version PySpark 4 cannot run on. The message says how to fix it."""


@dataclass(frozen=True)
class Check:
    """The outcome of one preflight check."""

    name: str
    ok: bool
    detail: str
    fix: str = ""

    def line(self) -> str:
        status = "ok     " if self.ok else "PROBLEM"
        text = f"[{status}] {self.name}: {self.detail}"
        if not self.ok and self.fix:
            text += "\n  fix: " + self.fix.replace("\n", "\n  ")
        return text


@dataclass(frozen=True)
class JavaInfo:
    """Where the Java that Spark will launch lives, and its major version."""

    executable: str
    version: str
    major: int
    source: str  # "JAVA_HOME" or "PATH"


def _java_major(version: str) -> int:
    """Major version from a ``java -version`` string: '1.8.0_392' -> 8, '17.0.15' -> 17.

    >>> _java_major("1.8.0_392"), _java_major("17.0.15"), _java_major("21")
    (8, 17, 21)
    """
    parts = re.split(r"[._+-]", version)
    first = int(parts[0])
    return int(parts[1]) if first == 1 and len(parts) > 1 else first


def find_java() -> JavaInfo:
    """Locate the Java that PySpark will start, exactly as its launcher does, and check its version.

    PySpark's launcher uses ``$JAVA_HOME/bin/java`` when ``JAVA_HOME`` is set and ``java`` on
    ``PATH`` otherwise, so we look in the same order.

    >>> find_java().major in SUPPORTED_JAVA     # doctest: +SKIP
    True

    Raises :class:`JavaError` naming the problem and the fix.
    """
    java_home = os.environ.get("JAVA_HOME")
    exe_name = "java.exe" if os.name == "nt" else "java"
    if java_home:
        source = "JAVA_HOME"
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
        executable = str(candidate)
    else:
        source = "PATH"
        found = shutil.which("java")
        if not found:
            raise JavaError(
                "No Java found: JAVA_HOME is not set and there is no `java` on PATH. "
                f"PySpark 4 needs Java {' or '.join(map(str, SUPPORTED_JAVA))}.\n  {INSTALL_JAVA}"
            )
        executable = found
    try:
        proc = subprocess.run(
            [executable, "-version"], capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise JavaError(f"Could not run {executable} -version ({exc}) (found via {source}).\n  {INSTALL_JAVA}") from exc
    output = (proc.stderr or "") + (proc.stdout or "")
    match = re.search(r'version "([^"]+)"', output)
    if proc.returncode != 0 or not match:
        first = output.strip().splitlines()[0] if output.strip() else f"exit code {proc.returncode}"
        raise JavaError(
            f"{executable} (found via {source}) is not a working Java: {first}\n  {INSTALL_JAVA}"
        )
    version = match.group(1)
    major = _java_major(version)
    if major not in SUPPORTED_JAVA:
        why = "too old" if major < min(SUPPORTED_JAVA) else "newer than PySpark 4 supports"
        raise JavaError(
            f"Java {version} at {executable} (found via {source}) is {why}: PySpark 4 needs Java "
            f"{' or '.join(map(str, SUPPORTED_JAVA))}.\n  {INSTALL_JAVA}"
        )
    return JavaInfo(executable=executable, version=version, major=major, source=source)


def check_python() -> Check:
    v = sys.version_info
    ok = (v.major, v.minor) >= MIN_PYTHON
    return Check(
        "Python",
        ok,
        f"Python {platform.python_version()} ({sys.executable})",
        "" if ok else f"Use Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer: `make setup PYTHON=python3.11`.",
    )


def check_java() -> Check:
    try:
        info = find_java()
    except JavaError as exc:
        detail, _, fix = str(exc).partition("\n")
        return Check("Java", False, detail, fix.strip())
    return Check("Java", True, f"Java {info.version} ({info.executable}, via {info.source})")


def check_spark_env() -> Check:
    """Leftovers from another Spark install are a classic cause of JAVA_GATEWAY_EXITED."""
    problems = []
    spark_home = os.environ.get("SPARK_HOME")
    if spark_home:
        try:
            import pyspark

            pkg = Path(pyspark.__file__).resolve().parent
        except ImportError:
            pkg = None
        if pkg is None or Path(spark_home).resolve() != pkg:
            problems.append(
                f"SPARK_HOME={spark_home!r} points at another Spark install; PySpark would start that "
                "one instead of its own"
            )
    submit_args = os.environ.get("PYSPARK_SUBMIT_ARGS")
    if submit_args and not submit_args.rstrip().endswith("pyspark-shell"):
        problems.append(f"PYSPARK_SUBMIT_ARGS={submit_args!r} does not end in 'pyspark-shell'")
    if problems:
        return Check(
            "Spark environment",
            False,
            "; ".join(problems),
            "Unset it for this course: `unset SPARK_HOME PYSPARK_SUBMIT_ARGS` (Windows: `set SPARK_HOME=`), "
            "or remove it from your shell profile.",
        )
    return Check("Spark environment", True, "no SPARK_HOME / PYSPARK_SUBMIT_ARGS overrides")


PACKAGES = ("pyspark", "joblib", "ipyparallel", "sklearn", "matplotlib", "nbval")


def check_packages() -> Check:
    missing, versions = [], []
    for name in PACKAGES:
        try:
            mod = importlib.import_module(name)
        except Exception as exc:  # an import can fail in many ways; report them all the same way
            missing.append(f"{name} ({type(exc).__name__}: {exc})")
        else:
            versions.append(f"{name} {getattr(mod, '__version__', '?')}")
    if missing:
        return Check(
            "Packages",
            False,
            "cannot import " + ", ".join(missing),
            "Run `make setup` (or `pip install -e .` in your environment), and choose the course's "
            "kernel/venv in JupyterLab.",
        )
    return Check("Packages", True, ", ".join(versions))


def check_cpus() -> Check:
    n = os.cpu_count() or 1
    ok = n >= 2
    return Check(
        "CPUs",
        ok,
        f"{n} CPU cores",
        "" if ok else "With one core no speedup can show; use a machine (or VM setting) with 2 or more cores.",
    )


def check_memory() -> Check:
    import psutil

    avail = psutil.virtual_memory().available / 2**30
    ok = avail >= MIN_FREE_MEMORY_GIB
    return Check(
        "Memory",
        ok,
        f"{avail:.1f} GiB available",
        "" if ok else f"Spark and the engines need about {MIN_FREE_MEMORY_GIB:.0f} GiB free: close other programs.",
    )


def check_spark_session() -> Check:
    """Start a real local Spark session, run one job, stop it."""
    from . import spark as cspark

    try:
        s = cspark.session("cs109par-doctor", master="local[1]")
        try:
            total = s.sparkContext.parallelize(range(101), 2).sum()
            version = s.version
        finally:
            s.stop()
    except Exception as exc:  # report any failure as a check, never a traceback
        detail, _, fix = str(exc).partition("\n")
        return Check("Spark session", False, detail, fix.strip() or "See the Java check above.")
    if total != 5050:
        return Check("Spark session", False, f"a test job returned {total}, expected 5050", "Report this bug.")
    return Check("Spark session", True, f"Spark {version} started locally and ran a job")


def run_checks(spark: bool = True) -> list[Check]:
    """Run every check (the Spark start-up check only when Java is fine and ``spark`` is true)."""
    results = [check_python(), check_packages(), check_java(), check_spark_env(), check_cpus(), check_memory()]
    if spark:
        if results[2].ok and results[3].ok and results[1].ok:
            results.append(check_spark_session())
        else:
            results.append(Check("Spark session", False, "not tried: fix the problems above first"))
    return results


def report(results: list[Check]) -> bool:
    """Print one line per check and a verdict; return True when everything passed."""
    for r in results:
        print(r.line())
    ok = all(r.ok for r in results)
    failed = sum(not r.ok for r in results)
    print("All checks passed: you are ready for the course." if ok else f"{failed} problem(s): fix them, then run the doctor again.")
    return ok


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cs109par doctor", description=__doc__.split("\n")[0])
    parser.add_argument("--no-spark", action="store_true", help="skip starting a Spark session")
    args = parser.parse_args(argv)
    return 0 if report(run_checks(spark=not args.no_spark)) else 1
