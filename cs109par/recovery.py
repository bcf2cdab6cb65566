"""Worker functions for notebook 02 (joblib): toy CPU work, and a loop of fits that can crash.

They live in a module, not in the notebook. joblib's default backend (loky) pickles with cloudpickle
and could also send a function defined in a notebook, by value; a module function is sent by name by
every pickler (the standard ``pickle`` of ``multiprocessing`` too), and the workers import it, under
every start method (see notebook 01 on pickling).

* :func:`python_work` keeps the GIL (pure-Python arithmetic): on the default (GIL) build of CPython,
  threads cannot run it in parallel (a free-threaded build, 3.13t/3.14t, can).
* :func:`hash_work` spends its time in C code that releases the GIL (SHA-256): threads can.
* :func:`fit_fold` is one model fit of the course's grid search; :func:`fit_loop` runs many of them
  in a row and can crash on purpose after a given number, to show ``joblib.Memory`` as failure
  recovery: cache each fit on disk, and a rerun only computes what is missing. (The cache checks
  ``fit_fold``'s own source, not the code it calls, ``gridsearch.evaluate`` and the rest: after
  changing those, clear the cache.)

>>> python_work(10)
285
>>> hash_work(1)[:12]
'58897384018e'
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Sequence
from typing import Any


def python_work(n: int) -> int:
    """Sum of squares below ``n`` in pure Python: busy the whole time, holding the GIL."""
    total = 0
    for i in range(n):
        total += i * i
    return total


def hash_work(megabytes: int, rounds: int = 4) -> str:
    """SHA-256 over ``megabytes`` MB, ``rounds`` times, chained: C code that releases the GIL while it
    hashes (no copies of the data are made in Python, which would hold the GIL)."""
    data = bytes(megabytes * 1_000_000)
    digest = b"cs109par"
    for _ in range(rounds):
        h = hashlib.sha256(digest)
        h.update(data)
        digest = h.digest()
    return digest.hex()


class SimulatedCrash(RuntimeError):
    """Raised by :func:`fit_loop` to stand in for a machine dying partway through a long job."""


@functools.lru_cache(maxsize=1)
def _data():
    from . import data, gridsearch

    X, y = data.digits()
    return X, y, gridsearch.cv_splits(y)


def fit_fold(params: dict[str, Any], fold: int) -> float:
    """Fit the course's SVC with ``params`` on fold ``fold`` of the digits data; return its accuracy."""
    from . import gridsearch

    X, y, splits = _data()
    train, test = splits[fold]
    return gridsearch.evaluate(params, X[train], y[train], X[test], y[test])


def fit_loop(
    fit: Callable[..., float],
    jobs: Sequence[tuple],
    crash_after: int | None = None,
    log: list[str] | None = None,
) -> list[float]:
    """Call ``fit(*job)`` for every job, in order; return the scores.

    ``crash_after=k`` raises :class:`SimulatedCrash` once ``k`` fits are done, as if the machine
    had died. If ``fit`` is a ``joblib.Memory``-cached function, ``log`` (a list) records for each
    job whether it was ``"cached"`` (loaded from disk) or ``"computed"``, so the notebook can show
    what a rerun did.
    """
    scores = []
    for i, job in enumerate(jobs):
        if crash_after is not None and i == crash_after:
            raise SimulatedCrash(f"simulated crash after {i} of {len(jobs)} fits")
        if log is not None:
            cached = getattr(fit, "check_call_in_cache", None)
            log.append("cached" if cached is not None and cached(*job) else "computed")
        scores.append(fit(*job))
    return scores


__all__ = ["python_work", "hash_work", "SimulatedCrash", "fit_fold", "fit_loop"]
