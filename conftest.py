"""Shared fixtures of the whole test command (tests/, the doctests in cs109par/, the notebooks): one real
local Spark session, one standalone cluster started with `cluster up`, and a check that the run left
nothing behind. At the root so that the doctests get them too (``sc``, ``tmp``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

# Processes a test or notebook may start and must stop (Spark JVMs, ipyparallel engines/controllers).
LEFTOVER_PATTERNS = ("org.apache.spark", "ipengine", "ipcontroller", "ipyparallel.engine", "ipyparallel.controller",
                     "ipykernel_launcher", "jupyter-lab", "jupyterlab", "chromedriver", "cs109par.cluster.processes")
# The planted hand-ins the grader tests grade (tests/data/submissions/*.ipynb) are inputs, not notebooks of
# the course: nbval must not run them as tests of their own.
collect_ignore_glob = ["tests/data/*"]

_START = time.time()
# Every process this run starts (kernels, JVMs, engines) inherits this marker, so the leftover check
# below only ever looks at our own processes, never at another Spark or Jupyter on the machine.
RUN_MARKER = "CS109PAR_TEST_RUN"
os.environ[RUN_MARKER] = f"{os.getpid()}-{_START}"


@pytest.fixture(scope="session")
def spark():
    """A real local Spark session on 2 cores, shared by the unit tests and stopped at the end."""
    from cs109par.spark import session

    s = session("cs109par-tests", master="local[2]")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def cli_cluster(tmp_path_factory):
    """`python -m cs109par cluster up --workers 2` (1 core each, like local[2]): ``(state folder, what up
    printed)``, one per test module (a module may change its cluster: test_standalone.py kills a worker and
    ends with `cluster down`); `cluster down` at the end whatever happens."""
    state = tmp_path_factory.mktemp("standalone")
    cmd = [sys.executable, "-m", "cs109par", "cluster"]
    up = subprocess.run([*cmd, "up", "--workers", "2", "--state-dir", str(state), "--timeout", "240"],
                        capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        yield state, up.stdout
    finally:
        subprocess.run([*cmd, "down", "--state-dir", str(state)], capture_output=True, timeout=120,
                       stdin=subprocess.DEVNULL)


@pytest.fixture(autouse=True)
def _doctest_names(request, doctest_namespace):
    """Names the doctests of cs109par may use: ``tmp`` (a fresh folder) always, ``sc`` (the shared Spark
    session and its context) in the modules whose examples need Spark."""
    from _pytest.doctest import DoctestItem

    if not isinstance(request.node, DoctestItem):
        return
    doctest_namespace["tmp"] = request.getfixturevalue("tmp_path")
    if request.node.name.split(".")[1] in {"sparkmetrics", "lineage", "plans"}:
        spark = request.getfixturevalue("spark")
        doctest_namespace["spark"], doctest_namespace["sc"] = spark, spark.sparkContext


def _leftovers() -> list[psutil.Process]:
    me = psutil.Process()
    ours = {p.pid for p in me.children(recursive=True)} | {me.pid}
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "create_time"]):
        try:
            cmd = " ".join(proc.info["cmdline"] or [])
            # Children of this pytest process exit with it (the Spark gateway JVM watches our stdin);
            # what we look for are processes started during the run that would outlive it.
            if proc.pid in ours or proc.info["create_time"] < _START - 1:
                continue
            if any(p in cmd for p in LEFTOVER_PATTERNS) and proc.environ().get(RUN_MARKER) == os.environ[RUN_MARKER]:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


# The longest files first (measured): with pytest-xdist (`--dist loadfile --no-loadscope-reorder`) a worker
# that starts a 2-minute file last would keep the whole run waiting. Unlisted files keep their order, after.
LONGEST_FIRST = [
    "tests/test_multihost.py", "tests/test_browser.py", "notebooks/07-theres-more.ipynb",
    "notebooks/08-iterative-jobs.ipynb", "tests/test_standalone.py", "notebooks/06-spark-cluster.ipynb",
    "notebooks/04-spark-rdds.ipynb", "tests/test_grading.py", "tests/test_kernel_death.py",
    "notebooks/03-ipyparallel.ipynb", "tests/test_notebooks_on_cluster.py", "notebooks/01-multiprocessing.ipynb",
    "notebooks/02-joblib.ipynb", "notebooks/05-broadcast-accumulators.ipynb", "notebooks/00-setup.ipynb",
    "tests/test_engines.py", "tests/test_slides.py", "tests/test_optional_tools.py",
]


def pytest_collection_modifyitems(config, items):
    root = Path(__file__).resolve().parent
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}

    def weight(item) -> int:
        try:
            return rank.get(item.path.relative_to(root).as_posix(), len(rank))
        except ValueError:
            return len(rank)

    items.sort(key=weight)  # stable: the order inside a file, and among unlisted files, stays


# Runs after pytest-xdist has stopped its workers (trylast), so that what they left behind shows.
@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    deadline = time.time() + 15
    left = _leftovers()
    while left and time.time() < deadline:
        time.sleep(0.5)
        left = _leftovers()
    if left:
        lines = []
        for proc in left:
            try:
                lines.append(f"  pid {proc.pid}: {' '.join(proc.cmdline())[:200]}")
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        print("\nERROR: processes started by this test run were still running (now killed):\n" + "\n".join(lines))
        session.exitstatus = 1
