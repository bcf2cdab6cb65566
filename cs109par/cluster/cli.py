"""``python -m cs109par cluster up|status|down``: a Spark standalone cluster from a terminal.

``up`` starts a master and workers on 127.0.0.1 that outlive the command (no watchdog: ``down``
stops them) and records them in a state folder; ``status`` and ``down`` read that folder.
"""

from __future__ import annotations

import argparse
import atexit
import json
import sys
from pathlib import Path
from typing import Any

from ..jvm import START_TIMEOUT, JavaError, SparkEnvError
from .standalone import DEFAULT_STATE_DIR, STATE_FILE, ClusterError, StandaloneCluster, cluster_processes


def _up(args: argparse.Namespace) -> int:
    state_dir = Path(args.state_dir) if args.state_dir else DEFAULT_STATE_DIR
    if (state_dir / STATE_FILE).exists():
        old = StandaloneCluster.from_state(state_dir)
        if cluster_processes(old.id):
            print(f"A cluster started from {state_dir} is already running at {old.master_url} "
                  f"(UI {old.ui_url}). Stop it first: python -m cs109par cluster down", file=sys.stderr)
            return 1
        (state_dir / STATE_FILE).unlink()
    cluster = StandaloneCluster(workers=args.workers, cores=args.cores, memory=args.memory, port=args.port,
                                webui_port=args.webui_port, state_dir=str(state_dir), timeout=args.timeout,
                                watchdog=False)
    try:
        cluster.start()
    except (ClusterError, JavaError, SparkEnvError) as exc:
        print(f"cluster up failed: {exc}", file=sys.stderr)
        return 1
    atexit.unregister(cluster._stop_at_exit)  # the daemons outlive this command; `down` stops them
    print(f"Spark master: {cluster.master_url}")
    print(f"master UI:    {cluster.ui_url}")
    print(f"workers:      {args.workers} x {args.cores} core(s), {args.memory} each, all registered")
    print(f"state, logs:  {state_dir}")
    print(f"Use it:       export CS109PAR_SPARK_MASTER={cluster.master_url}")
    print("Stop it:      python -m cs109par cluster down")
    return 0


def _recorded(args: argparse.Namespace) -> StandaloneCluster | None:
    """The cluster `up` recorded in the state folder, or ``None`` (after saying there is none)."""
    try:
        return StandaloneCluster.from_state(args.state_dir)
    except ClusterError as exc:
        print(exc)
        return None


def _status(args: argparse.Namespace) -> int:
    cluster = _recorded(args)
    if cluster is None:
        return 1
    st = cluster.status()
    if args.json:
        print(json.dumps(st, indent=2))
        return 0 if st["reachable"] else 1
    print(f"Spark master: {st['master_url']}  (UI {st['ui_url']})")
    if not st["reachable"]:
        print(f"  the master does not answer: {st['error']}. Clean up with `python -m cs109par cluster down`.")
        return 1
    for w in st["workers"]:
        print(f"  worker {w['index']}: {w['state']}, {w['cores_used']}/{w['cores']} cores used, "
              f"pid {w['pid']}, UI {w['ui_url']}")
    print(f"  running applications: {', '.join(st['apps']) or 'none'}")
    return 0


def _down(args: argparse.Namespace) -> int:
    cluster = _recorded(args)
    if cluster is None:
        return 0  # nothing to stop is not an error
    stopped = cluster.stop()
    print(f"stopped {len(stopped)} process(es) of the cluster at {cluster.master_url}")
    return 0


def register(subparsers: Any) -> None:
    """Add ``cluster up|status|down`` to ``python -m cs109par``."""
    p = subparsers.add_parser("cluster", help="a Spark standalone cluster on this machine (up, status, down)")
    sub = p.add_subparsers(dest="cluster_command", required=True)

    def common(q: argparse.ArgumentParser) -> None:
        q.add_argument("--state-dir", default=None,
                       help=f"folder for the state file, logs and work dirs (default: {DEFAULT_STATE_DIR})")

    up = sub.add_parser("up", help="start a master and workers on 127.0.0.1; print the master URL")
    up.add_argument("--workers", type=int, default=2, help="number of worker JVMs (default 2)")
    up.add_argument("--cores", type=int, default=1, help="cores per worker (default 1)")
    up.add_argument("--memory", default="1g", help="memory per worker for executors (default 1g)")
    up.add_argument("--port", type=int, default=None, help="master port (default: a free one)")
    up.add_argument("--webui-port", type=int, default=None, help="master web UI port (default: a free one)")
    up.add_argument("--timeout", type=float, default=START_TIMEOUT,
                    help=f"seconds to wait for workers to register (default {START_TIMEOUT:g})")
    common(up)
    up.set_defaults(func=_up)

    st = sub.add_parser("status", help="show the master, its workers and running applications")
    st.add_argument("--json", action="store_true", help="machine-readable output")
    common(st)
    st.set_defaults(func=_status)

    down = sub.add_parser("down", help="stop exactly the processes `up` started (and their executors)")
    common(down)
    down.set_defaults(func=_down)


__all__ = ["register"]
