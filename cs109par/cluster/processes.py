"""The processes a cluster of this course starts: marked, found, stopped, and stopped for sure.

Both kinds of cluster (Spark standalone daemons, ipyparallel engines) start processes that outlive
a cell. Each cluster gets an id; every process it starts carries the id in its environment
(:data:`MARKER`), and so do the processes *those* start (executors, nannies), because children
inherit the environment. So a cluster finds all of its processes — also the orphans of a killed
worker — and never touches anything else on the machine.

A **watchdog** (:func:`start_watchdog`) is a small process of its own that waits for the process
that started the cluster to end, then stops every process carrying the cluster's id. It is what
stops a cluster when its notebook kernel is killed (a crash, the OOM killer, a forced restart):
``atexit`` handlers never run then.

>>> port = free_port()
>>> port_is_free(port)
True
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterable
from typing import Any

from ..jvm import LOOPBACK

#: Environment variable that marks every process of one cluster (and the processes they start).
MARKER = "CS109PAR_CLUSTER_ID"
#: How often the watchdog looks at its owner (seconds): a dead kernel's cluster goes within about this.
WATCH_INTERVAL = 0.5


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port on ``host`` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """Can a server bind ``port`` on ``host`` now?"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def cmdline(proc: Any) -> list[str]:
    """A process's command line, or ``[]`` if it is gone or hidden."""
    import psutil

    try:
        return list(proc.cmdline())
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return []


def marked(cluster_id: str) -> list[Any]:
    """Every live process (as :class:`psutil.Process`) whose environment carries ``cluster_id``."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid"]):
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            if proc.environ().get(MARKER) == cluster_id:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess, OSError):
            continue
    return found


def _running(proc: Any) -> bool:
    """Alive and not a zombie (an exited process whose parent has not collected it yet is gone for us)."""
    import psutil

    try:
        return bool(proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _wait_gone(procs: list[Any], timeout: float) -> list[Any]:
    """Wait until every process has exited (or is a zombie); return those still running after ``timeout``."""
    deadline = time.monotonic() + timeout
    alive = [p for p in procs if _running(p)]
    while alive and time.monotonic() < deadline:
        time.sleep(0.02)
        alive = [p for p in alive if _running(p)]
    return alive


def stop(procs: Iterable[Any], grace: float = 15.0) -> None:
    """Terminate ``procs`` (in the given order), wait up to ``grace`` seconds, kill what is left."""
    import psutil

    procs = list(procs)
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            proc.terminate()
    for proc in _wait_gone(procs, grace):
        with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
            proc.kill()
    _wait_gone(procs, 5)


def stop_marked(cluster_id: str, grace: float = 15.0) -> list[int]:
    """Stop every process carrying ``cluster_id``; also the ones born while stopping. Returns the pids
    that were running."""
    victims = marked(cluster_id)
    stop(victims, grace)
    stop(marked(cluster_id), grace=1.0)  # late-born stragglers (an executor launched during shutdown)
    return [p.pid for p in victims]


def start_watchdog(cluster_id: str, remove: Iterable[str | os.PathLike] = (),
                   owner: int | None = None) -> subprocess.Popen:
    """Start a process that stops cluster ``cluster_id`` (and deletes the ``remove`` paths) once process
    ``owner`` (default: this one) has ended. Kill the returned process to call the watchdog off."""
    env = {k: v for k, v in os.environ.items() if k != MARKER}  # the watchdog must not stop itself
    code = ("import sys; from cs109par.cluster.processes import _watch; "
            "_watch(int(sys.argv[1]), sys.argv[2], sys.argv[3:])")
    return subprocess.Popen(
        [sys.executable, "-c", code, str(owner or os.getpid()), cluster_id, *map(str, remove)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        start_new_session=True,  # a Ctrl-C or a kill of the owner's process group does not reach it
    )


def _watch(owner: int, cluster_id: str, remove: list[str]) -> None:
    """The watchdog's body: wait for ``owner`` to end, then stop the cluster and delete ``remove``."""
    import psutil

    try:
        proc = psutil.Process(owner)
        while proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
            time.sleep(WATCH_INTERVAL)
    except psutil.NoSuchProcess:
        pass
    stop_marked(cluster_id, grace=5.0)
    for path in remove:
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)


__all__ = ["MARKER", "free_port", "port_is_free", "cmdline", "marked", "stop", "stop_marked", "start_watchdog"]
