"""Preflight checks: does this machine run the whole course?

Run it first, from a terminal::

    python -m cs109par doctor

or from a notebook (``spark=False`` skips starting a Spark session)::

    >>> from cs109par import doctor
    >>> results = doctor.run_checks(spark=False)
    >>> [r.name for r in results][:4]
    ['Python', 'Packages', 'Java', 'Spark environment']
    >>> print(results[0].line())                     # doctest: +ELLIPSIS
    [ok     ] Python: Python 3...

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
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from . import jvm

MIN_PYTHON = (3, 10)
MIN_FREE_MEMORY_GIB = 2.0


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


def check_python() -> Check:
    v = sys.version_info
    ok = (v.major, v.minor) >= MIN_PYTHON
    fix = f"Use Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]} or newer: `make setup PYTHON=python3.11`."
    return Check("Python", ok, f"Python {platform.python_version()} ({sys.executable})", "" if ok else fix)


def check_java() -> Check:
    try:
        info = jvm.find_java()
    except jvm.JavaError as exc:
        detail, _, fix = str(exc).partition("\n")
        return Check("Java", False, detail, fix.strip())
    return Check("Java", True, f"Java {info.version} ({info.executable}, via {info.source})")


def check_spark_env() -> Check:
    """Leftovers from another Spark install are a classic cause of JAVA_GATEWAY_EXITED (the rules
    live in :mod:`cs109par.jvm`, so ``session()`` and ``cluster up`` apply the same ones)."""
    problems = jvm.spark_env_problems()
    if problems:
        return Check("Spark environment", False, "; ".join(problems), jvm.unset_fix(problems))
    return Check("Spark environment", True,
                 f"no SPARK_HOME / PYSPARK_SUBMIT_ARGS overrides; executors run {jvm.executor_python()}")


def check_spark_network(master: str | None = None) -> Check:
    """Which master ``session()`` will use, where its driver will listen and why (the rule is
    :func:`cs109par.jvm.driver_address`); for a standalone master, whether its port answers."""
    import socket

    from .spark import resolve_master  # no pyspark import: that module loads it only to start a session

    master = resolve_master(master)
    try:
        network = jvm.driver_address(master)
    except jvm.SparkEnvError as exc:
        detail, _, fix = str(exc).partition("\n")
        return Check("Spark network", False, f"master {master}: {detail}", fix.strip())
    where = "loopback only" if network.loopback else "reachable from that network; the web UI stays on 127.0.0.1"
    detail = f"master {master}; driver on {network.address} ({network.reason}; {where})"
    endpoint = jvm.master_endpoint(master)
    if master.startswith("spark://") and endpoint is not None:
        try:
            with socket.create_connection(endpoint, timeout=5):
                pass
        except OSError as exc:
            return Check("Spark network", False, f"{detail}; the master's port does not answer ({exc})",
                         "Check CS109PAR_SPARK_MASTER (the master's web UI shows its spark://host:port) and that "
                         "the master runs; or unset it to work locally.")
    return Check("Spark network", True, detail)


WSL_FIRST = (
    "Easiest on Windows: use WSL 2 (`wsl --install` in an administrator PowerShell, then follow the README's "
    "Linux steps inside Ubuntu); Spark, ipyparallel and multiprocessing behave there as in the notebooks."
)


def check_windows(system: str | None = None, environ: Mapping[str, str] | None = None) -> Check | None:
    """Windows only (``None`` elsewhere): the two problems students meet with Spark on Windows.

    * Spark's Hadoop layer writes files through ``%HADOOP_HOME%\\bin\\winutils.exe``; without it a save
      fails with "HADOOP_HOME and hadoop.home.dir are unset" or "Could not locate executable
      null\\bin\\winutils.exe" (notebook 04 saves a text file).
    * "Python worker failed to connect back": the executors start a Python that is not the course's
      (the Microsoft Store's ``python`` alias, a Python without ``cs109par``), or a firewall blocks it.

    ``system`` and ``environ`` default to this machine's; tests pass others to simulate Windows.

    >>> check_windows(system="Linux") is None
    True
    """
    system = system or platform.system()
    env = os.environ if environ is None else environ
    if system != "Windows":
        return None
    problems, fixes = [], [WSL_FIRST]
    hadoop_home = env.get("HADOOP_HOME")
    if not hadoop_home:
        problems.append("HADOOP_HOME is not set, so Spark cannot write files (winutils.exe)")
    elif not (Path(hadoop_home) / "bin" / "winutils.exe").is_file():
        problems.append(f"HADOOP_HOME={hadoop_home!r} has no bin\\winutils.exe, so Spark cannot write files")
    if problems:
        fixes.append(
            "Or, natively: put winutils.exe and hadoop.dll built for Hadoop 3 in a folder such as "
            "C:\\hadoop\\bin, run `setx HADOOP_HOME C:\\hadoop`, add %HADOOP_HOME%\\bin to PATH, and open a "
            "new terminal."
        )
    python = env.get("PYSPARK_PYTHON") or sys.executable
    if "WindowsApps" in python or not Path(python).is_file():
        problems.append(
            f"the executors would run {python!r}, which is not the course's Python "
            "(you would see 'Python worker failed to connect back')"
        )
        fixes.append(
            "Start Jupyter from the course's venv (cs109par.spark.session() then points Spark's workers at it), "
            "and unset PYSPARK_PYTHON or point it at the venv's python.exe. If the error stays, allow that "
            "python.exe through Windows Defender Firewall for private networks."
        )
    if not problems:
        return Check("Windows", True, f"HADOOP_HOME has bin\\winutils.exe; executors run {python}")
    return Check("Windows", False, "; ".join(problems), "\n".join(fixes))


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
    fix = "With one core no speedup can show; use a machine (or VM setting) with 2 or more cores."
    return Check("CPUs", ok, f"{n} CPU cores", "" if ok else fix)


def check_memory() -> Check:
    import psutil

    avail = psutil.virtual_memory().available / 2**30
    ok = avail >= MIN_FREE_MEMORY_GIB
    fix = f"Spark and the engines need about {MIN_FREE_MEMORY_GIB:.0f} GiB free: close other programs."
    return Check("Memory", ok, f"{avail:.1f} GiB available", "" if ok else fix)


def check_spark_session() -> Check:
    """Start a real local Spark session, run one job, stop it."""
    from . import spark as cspark  # here, not at the top: the other checks must work without pyspark

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
    results = [check_python(), check_packages(), check_java(), check_spark_env(), check_cpus(), check_memory(),
               check_spark_network()]
    windows = check_windows()
    if windows is not None:
        results.append(windows)
    if spark:
        if all(r.ok for r in results[1:4]):
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
    print("All checks passed: you are ready for the course." if ok
          else f"{failed} problem(s): fix them, then run the doctor again.")
    return ok


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m cs109par doctor", description=__doc__.split("\n")[0])
    parser.add_argument("--no-spark", action="store_true", help="skip starting a Spark session")
    args = parser.parse_args(argv)
    return 0 if report(run_checks(spark=not args.no_spark)) else 1
