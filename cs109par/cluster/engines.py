"""A cluster of IPython parallel engines on this machine: start, wait, use, kill one, stop.

The one way the course starts ipyparallel (notebook 03, and anything else that wants engines)::

    from cs109par.cluster.engines import engines

    with engines(n=2) as client:                      # controller + 2 engines on 127.0.0.1
        view = client.load_balanced_view()
        print(view.map_sync(abs, [-1, -2, 3]))        # [1, 2, 3]
    # here the engines and the controller are gone, also if the block raised

or, when the cluster must outlive one cell (a notebook), with an explicit handle::

    cluster = start(n=2)            # waits for the engines, raises EnginesError after `timeout`
    try:
        ...cluster.client...
    finally:
        cluster.stop()              # idempotent; also runs when the Python process exits

Everything binds to 127.0.0.1, ipyparallel's own INFO logging stays out of the notebook, and
waiting for engines prints nothing (no progress widget). The cluster keeps its IPython profile (its
cluster file, connection files and the processes' logs) in a private temporary folder, removed when it
stops: a cluster file in ``~/.ipython`` would be adopted by ipyparallel's JupyterLab extension, which
then logs every process's output into the ``make lab`` terminal when the cluster stops. Every process
of the cluster carries its id in its environment (:mod:`cs109par.cluster.processes`), and a watchdog
process stops them all when the process that started them dies without stopping them (a kernel
killed by the OOM killer, a forced restart): no engine outlives its notebook. The rest of the module is what notebook 03
shows: plain-text progress for asynchronous results (:func:`wait_with_progress`), killing an engine
for real in the middle of a task (:meth:`Engines.kill`), finding and resubmitting the tasks that
died with it (:func:`failed_indices`, :func:`resubmit_failed`), and measuring what the client sends
(:func:`message_bytes`) and what the engines hold (:func:`memory`).

Functions that engines run live in importable modules (here, or :mod:`cs109par.gridsearch`).
ipyparallel does not send a function by name the way ``pickle`` does: it sends its compiled code
(bytecode, defaults, closure) and rebuilds it on the engine. There, a module function gets its
module's namespace as its globals (the engine imports the module), so its imports and helpers are
found; a function defined in a notebook gets the engine's own namespace instead, where the notebook's
imports and helpers exist only if they were pushed there.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from itertools import chain
from typing import Any

from ..jvm import LOOPBACK, START_TIMEOUT
from . import processes

#: Seconds to wait for all engines to register before giving up (a start takes ~7 s on 2 cores).
DEFAULT_TIMEOUT = START_TIMEOUT


class EnginesError(RuntimeError):
    """The engines could not be started, reached or stopped; the message says what to do."""


class Engines:
    """A running local cluster: one controller and ``n`` engines, all on 127.0.0.1.

    Create it with :func:`start`. ``client`` is a connected :class:`ipyparallel.Client`; use it for
    views (``client[:]``, ``client.load_balanced_view()``). Use as a context manager or call
    :meth:`stop`; a cluster left running is also stopped when the Python process exits.
    """

    def __init__(self, cluster: Any, client: Any, n: int, cluster_id: str, watchdog: Any = None,
                 profile_dir: str | None = None) -> None:
        self.cluster = cluster
        self.client = client
        self.n = n
        self.id = cluster_id  # every process of this cluster carries it (processes.MARKER)
        self._watchdog = watchdog
        self._profile_dir = profile_dir  # the cluster's private IPython profile folder (logs, connection files)
        self._pids: dict[int, int] = {}
        self._stopped = False
        atexit.register(self._stop_at_exit)

    # --- what is running -------------------------------------------------------------------
    @property
    def ids(self) -> list[int]:
        """The ids of the engines the controller currently knows, sorted (``[0, 1]`` for n=2)."""
        return sorted(self.client.ids)

    def pids(self) -> dict[int, int]:
        """``{engine id: process id}``, asked from each engine once and remembered.

        Ids are given in registration order, so which *process* is engine 0 differs from run to
        run; the set of ids does not.
        """
        missing = [i for i in self.ids if i not in self._pids]
        if missing:
            got = self.client[missing].apply_sync(os.getpid)
            self._pids.update(zip(missing, got))
        return {i: self._pids[i] for i in self.ids}

    def controller_pid(self) -> int | None:
        """The controller's process id (``None`` once it stopped)."""
        launcher = self.cluster.controller
        return getattr(launcher, "pid", None) if launcher is not None else None

    def processes(self) -> list[Any]:
        """Every process of this cluster still alive, as :class:`psutil.Process`: the controller and
        its schedulers, the engines and their nannies (a small watcher process per engine)."""
        return processes.marked(self.id)

    def listening_addresses(self) -> list[tuple[str, int]]:
        """Every ``(ip, port)`` the cluster's processes listen on (TCP) or have bound (UDP), sorted."""
        import socket

        found = set()
        for proc in self.processes():
            for conn in proc.net_connections(kind="inet"):
                if conn.status == "LISTEN" or (conn.type == socket.SOCK_DGRAM and not conn.raddr):
                    found.add((conn.laddr.ip, conn.laddr.port))
        return sorted(found)

    # --- failure, for real -------------------------------------------------------------------
    def busy(self, engine_id: int) -> bool:
        """True while the engine has a load-balanced task that has not come back yet."""
        status = self.client.queue_status(targets=engine_id)
        return status.get("tasks", 0) + status.get("queue", 0) > 0

    def kill(self, engine_id: int, mid_task: bool = True, timeout: float = 30.0) -> int:
        """Kill one engine's process with SIGKILL (no clean-up, no goodbye); return its pid.

        With ``mid_task=True`` the kill lands while the engine is running a task: the engine is
        frozen (SIGSTOP) at a moment the controller shows it busy and killed only if it is still
        busy a moment later, so the task is surely lost, never a race with its completion.
        Returns once the controller has noticed the engine is gone (its id leaves ``client.ids``).
        On Windows, where there is no SIGKILL, the process is terminated.
        """
        pid = self.pids()[engine_id]
        deadline = time.monotonic() + timeout
        if mid_task and hasattr(signal, "SIGSTOP"):
            while True:
                if time.monotonic() > deadline:
                    raise EnginesError(
                        f"engine {engine_id} never ran a task within {timeout:g} s; submit work before killing it"
                    )
                if not self.busy(engine_id):
                    time.sleep(0.005)
                    continue
                os.kill(pid, signal.SIGSTOP)
                time.sleep(0.2)  # let a result already on its way reach the controller
                if self.busy(engine_id):
                    break
                os.kill(pid, signal.SIGCONT)
        os.kill(pid, getattr(signal, "SIGKILL", signal.SIGTERM))
        while engine_id in self.client.ids:
            if time.monotonic() > deadline:
                raise EnginesError(
                    f"engine {engine_id} (pid {pid}) was killed but the controller still lists it after {timeout:g} s"
                )
            time.sleep(0.05)
        return pid

    # --- stopping ----------------------------------------------------------------------------
    def stop(self, grace: float = 0.5) -> None:
        """Stop the engines and the controller, close the client, and wait until every process of
        the cluster has exited. Safe to call twice.

        ipyparallel stops what it launched, but each engine's nanny (the small process that watches
        it) outlives its engine by several seconds, and a controller or engine that does not answer
        would stay; whatever is left ``grace`` seconds later is killed."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self._stop_at_exit)
        try:
            with contextlib.suppress(Exception):
                self.client.close()
            self.cluster.stop_cluster_sync()
        finally:
            processes.stop_marked(self.id, grace=grace)
            _call_off(self._watchdog)
            self._remove_profile_dir()

    def _stop_at_exit(self) -> None:
        self._stopped = True
        self.cluster.shutdown_atexit = False  # we do it here, more surely: kill what is left
        processes.stop_marked(self.id, grace=0.5)
        _call_off(self._watchdog)
        self._remove_profile_dir()

    def _remove_profile_dir(self) -> None:
        if self._profile_dir:
            shutil.rmtree(self._profile_dir, ignore_errors=True)

    def __enter__(self) -> Engines:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "stopped" if self._stopped else f"engines {self.ids}"
        return f"<Engines n={self.n} on {LOOPBACK}: {state}>"


def start(n: int = 2, timeout: float = DEFAULT_TIMEOUT) -> Engines:
    """Start a controller and ``n`` engines on 127.0.0.1 and wait until all ``n`` have registered.

    Raises :class:`EnginesError` (after stopping whatever did start) when they are not all up
    within ``timeout`` seconds; the processes' logs are then kept, in the folder the message names.
    Nothing is printed: ipyparallel's logging is set to errors only and no progress widget is shown,
    so notebook outputs stay the same from run to run.
    """
    import ipyparallel as ipp

    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    cluster_id = f"ipp-{uuid.uuid4().hex[:12]}"
    # A private profile folder, not ~/.ipython/profile_default: ipyparallel's JupyterLab extension watches
    # the profiles' cluster files and would adopt this cluster, logging every process's output (pages of
    # engine shutdown tracebacks) into the `make lab` terminal when it stops. Logs and connection files
    # stay in this folder, which goes with the cluster.
    profile_dir = tempfile.mkdtemp(prefix="cs109par-ipp-")
    cluster = ipp.Cluster(
        n=n,
        controller_ip=LOOPBACK,
        log_level=logging.ERROR,
        profile_dir=profile_dir,
        load_profile=False,  # the same cluster for everyone, whatever an IPython profile says
    )
    # ipyparallel's record of the cluster, its logs and connection files go too when the watchdog steps in
    watchdog = processes.start_watchdog(cluster_id, remove=[profile_dir])
    client = None
    # The controller, engines and nannies inherit the marker: the watchdog and stop() find them by it.
    saved = os.environ.get(processes.MARKER)
    os.environ[processes.MARKER] = cluster_id
    try:
        cluster.start_cluster_sync()
        _restore_env(processes.MARKER, saved)
        client = cluster.connect_client_sync()
        client.wait_for_engines(n, timeout=timeout, interactive=False)
    except BaseException as exc:
        _restore_env(processes.MARKER, saved)
        up = len(client.ids) if client is not None else 0
        with contextlib.suppress(Exception):
            if client is not None:
                client.close()
        with contextlib.suppress(Exception):
            cluster.stop_cluster_sync()
        processes.stop_marked(cluster_id, grace=10)
        _call_off(watchdog)
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        raise EnginesError(
            f"only {up} of {n} ipyparallel engines registered within {timeout:g} s "
            f"({type(exc).__name__}: {exc}). The machine may be busy: try again with a longer "
            f"timeout, or fewer engines. Their logs are in {cluster.profile_dir}/log."
        ) from exc
    return Engines(cluster, client, n, cluster_id, watchdog, profile_dir=profile_dir)


def _restore_env(name: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def _call_off(watchdog: Any) -> None:
    """Stop a watchdog whose cluster was stopped the normal way."""
    if watchdog is not None:
        with contextlib.suppress(Exception):
            watchdog.kill()
            watchdog.wait(timeout=5)


@contextlib.contextmanager
def engines(n: int = 2, timeout: float = DEFAULT_TIMEOUT) -> Iterator[Any]:
    """``with engines(n=2) as client:`` — a connected client for the block; the engines and the
    controller are stopped when it ends, also when it raises."""
    cluster = start(n, timeout)
    try:
        yield cluster.client
    finally:
        cluster.stop()


def map_tasks(view: Any, func: Callable, tasks: Sequence[Any], timeout: float | None = 300) -> Any:
    """Map ``func`` over ``tasks`` on ``view``, one task per message, and wait for all of them; return
    the finished :class:`ipyparallel.AsyncMapResult` (its ``metadata`` says who ran what, when).
    Notebook 03 and its benchmark time exactly this."""
    ar = view.map_async(func, tasks)
    ar.get(timeout=timeout)
    return ar


# --- waiting on asynchronous results, in plain text ------------------------------------------
def wait_with_progress(ar: Any, steps: int = 4, timeout: float | None = None, file: Any = None) -> None:
    """Wait for an asynchronous result, printing ``k/N tasks done`` at ``steps`` even milestones.

    The lines printed depend only on ``N`` and ``steps``, never on timing, so the output is the same
    on every run (unlike a progress bar). Raises :class:`TimeoutError` after ``timeout`` seconds.
    Failed tasks count as done: call ``ar.get()`` afterwards to see results or errors.
    """
    total = len(ar)
    marks = sorted({max(1, round(total * k / steps)) for k in range(1, steps + 1)})
    out = file or sys.stdout
    deadline = None if timeout is None else time.monotonic() + timeout
    shown = 0
    while shown < len(marks):
        done = total if ar.ready() else ar.progress
        while shown < len(marks) and marks[shown] <= done:
            print(f"{marks[shown]:>{len(str(total))}}/{total} tasks done", file=out, flush=True)
            shown += 1
        if shown == len(marks):
            break
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"{done} of {total} tasks done after {timeout:g} s")
        ar.wait(0.05)


# --- failures: which tasks died, and running them again ----------------------------------------
def failed_indices(ar: Any) -> list[int]:
    """Positions (in submission order) of the tasks of a finished map that did not succeed.

    Works on an :class:`ipyparallel.AsyncMapResult` with ``chunksize=1`` (one task per item).
    """
    ar.wait()
    return [i for i, md in enumerate(ar.metadata) if md.get("status") != "ok"]


def resubmit_failed(view: Any, func: Callable, items: Sequence[Any], ar: Any,
                    timeout: float | None = None) -> list[Any]:
    """Complete a map some of whose tasks died: rerun only the failed items on ``view`` (whatever
    engines it has now) and return every result in the original order.

    This is what ipyparallel leaves to you: it reports lost tasks but does not rerun them (unless
    you set ``view.retries``), and it cannot recompute data that lived only on the dead engine.
    """
    bad = failed_indices(ar)
    results: list[Any] = []
    for part in ar.split():  # one part per task (chunksize=1)
        results.extend(chain.from_iterable(part.get()) if part.successful() else [None])
    if len(results) != len(items):
        raise ValueError(f"{len(items)} items but {len(results)} results: was the map run with chunksize=1?")
    if bad:
        again = view.map_async(func, [items[i] for i in bad])
        for i, result in zip(bad, again.get(timeout=timeout)):
            results[i] = result
    return results


# --- measuring what moves and what is held ------------------------------------------------------
def message_bytes(func: Callable, *args: Any, **kwargs: Any) -> int:
    """Bytes the client sends to run ``func(*args, **kwargs)`` on an engine (ipyparallel's own
    serialization of the call, without the small message header)."""
    from ipyparallel.serialize import pack_apply_message

    return sum(memoryview(b).nbytes for b in pack_apply_message(func, args, kwargs))


def memory(pids: dict[int, int] | Sequence[int]) -> dict[int, dict[str, int]]:
    """``{key: {"rss": bytes, "uss": bytes}}`` for processes on this machine.

    ``rss`` counts every page the process has in RAM, including pages it shares (a memory-mapped
    file mapped by several engines is counted in each); ``uss`` counts only the pages no other
    process shares: what the machine would get back if this process ended. ``pids`` is a list of
    pids or a dict ``{engine id: pid}`` (as :meth:`Engines.pids` returns).
    """
    import psutil

    items = pids.items() if isinstance(pids, dict) else ((p, p) for p in pids)
    out = {}
    for key, pid in items:
        info = psutil.Process(pid).memory_full_info()
        out[key] = {"rss": int(info.rss), "uss": int(info.uss)}
    return out


# --- who ran what, when -----------------------------------------------------------------------
def plot_timeline(ar: Any, ax: Any = None, title: str = "who ran what, when", marks: dict[str, float] | None = None):
    """One row per engine, one bar per task from its start to its end (from the result's metadata);
    ``marks`` adds labelled vertical lines at moments given as ``time.time()`` values. Returns the Axes."""
    import matplotlib.pyplot as plt

    ar.wait()
    rows = [
        (md["engine_id"], md["started"].timestamp(), md["completed"].timestamp())
        for md in ar.metadata
        if md.get("status") == "ok" and md.get("started") and md.get("completed")
    ]
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 1.2 + 0.5 * max(1, len({r[0] for r in rows}))))
    t0 = min(start for _, start, _ in rows) if rows else 0.0
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for engine_id, start, end in rows:
        ax.broken_barh([(start - t0, end - start)], (engine_id - 0.35, 0.7), color=colors[engine_id % len(colors)],
                       edgecolor="white")
    for label, moment in (marks or {}).items():
        ax.axvline(moment - t0, color="black", ls="--", lw=1)
        ax.annotate(label, (moment - t0, ax.get_ylim()[1]), xytext=(3, -12), textcoords="offset points")
    ids = sorted({r[0] for r in rows})
    ax.set_yticks(ids, [f"engine {i}" for i in ids])
    ax.set_xlabel("seconds since the first task started")
    ax.set_title(title)
    return ax


# --- small functions engines run -----------------------------------------------------------------
def whoami() -> dict[str, Any]:
    """Run on an engine: its process id, host name and working directory."""
    import socket

    return {"pid": os.getpid(), "host": socket.gethostname(), "cwd": os.getcwd()}


def square(x: float) -> float:
    """Run on an engine: the smallest possible task."""
    return x * x


__all__ = [
    "LOOPBACK",
    "DEFAULT_TIMEOUT",
    "EnginesError",
    "Engines",
    "start",
    "engines",
    "map_tasks",
    "wait_with_progress",
    "failed_indices",
    "resubmit_failed",
    "message_bytes",
    "memory",
    "plot_timeline",
    "whoami",
    "square",
]
