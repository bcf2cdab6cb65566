"""Clusters on this machine: ipyparallel engines and a Spark standalone cluster.

Submodules, one per engine:

* :mod:`cs109par.cluster.engines`  — ipyparallel engines (notebook 03);
* :mod:`cs109par.cluster.standalone` — a Spark standalone master + workers (notebook 06).

``python -m cs109par cluster ...`` is registered by :func:`register_cli`.
"""

from __future__ import annotations


def register_cli(subparsers) -> None:
    """Add the ``cluster`` command to ``python -m cs109par`` (filled in by the standalone module)."""
    try:
        from .standalone import register_cli as _register
    except ImportError:
        return
    _register(subparsers)
