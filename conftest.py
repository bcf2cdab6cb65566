"""Shared fixtures: one real local Spark session; a check that the run leaves nothing behind."""

from __future__ import annotations

import os
import time

import psutil
import pytest

# Processes a test or notebook may start and must stop (Spark JVMs, ipyparallel engines/controllers).
LEFTOVER_PATTERNS = ("org.apache.spark", "ipengine", "ipcontroller", "ipyparallel.engine", "ipyparallel.controller")
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
