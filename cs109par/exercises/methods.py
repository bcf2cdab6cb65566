"""How an answer was computed, for checkers whose lesson is the method, not the value.

A right number computed without Spark, a list built without ``Parallel``, a closure where a
broadcast was asked for: each gives the right value and skips the lesson. These helpers let a
checker look at the method:

* :func:`spark_jobs_on` — the Spark jobs that computed (part of) an RDD's lineage, read from the
  driver's REST API (an action on the RDD ran);
* :func:`references` — whether a function (or an RDD's Python function chain) refers to an object
  of a given type, e.g. a :class:`pyspark.Broadcast` rather than the set it wraps;
* :func:`parallel_ran` — whether a joblib ``Parallel`` object was called and completed ``n`` tasks.

>>> references(lambda: len(REFERENCE_DEMO), set)
True
>>> references(lambda: 1, set)
False
"""

from __future__ import annotations

import types
from typing import Any

REFERENCE_DEMO = {1, 2}


def is_rdd(obj: Any) -> bool:
    try:
        from pyspark import RDD
    except ImportError:  # pragma: no cover
        return False
    return isinstance(obj, RDD)


def is_broadcast(obj: Any) -> bool:
    try:
        from pyspark import Broadcast
    except ImportError:  # pragma: no cover
        return False
    return isinstance(obj, Broadcast)


def spark_context() -> Any:
    """The SparkContext running in this process, or ``None`` (a checker that builds its own test data
    uses the student's Spark, never starts one)."""
    try:
        from pyspark import SparkContext
    except ImportError:  # pragma: no cover
        return None
    return SparkContext._active_spark_context


def spark_jobs_on(rdd: Any, *, own_stage: bool = False) -> list[int]:
    """Ids of the finished Spark jobs one of whose stages computed ``rdd`` or one of its ancestors
    (the stages' ``rddIds`` meet the RDD's lineage). Empty when no action ever ran on it.

    With ``own_stage``, only the RDDs of ``rdd``'s own stage (after its last shuffle) count, not the
    ancestors it shares with other RDDs: ``words.distinct()`` made a moment ago has had no job, even if
    ``words`` has. (PySpark fuses an action's function into the RDD's own, so the job may show the
    stage's JVM RDDs rather than ``rdd``'s last one.)"""
    from .. import lineage
    from ..sparkmetrics import rest

    sc = rdd.context
    graph = lineage.of(rdd)
    ids = set(graph.nodes)
    if own_stage:
        ids = {n for n in ids if graph.stage_of[n] == graph.stage_of[graph.root]}
    stage_rdds = {s["stageId"]: set(s.get("rddIds", [])) for s in rest(sc, "stages")}
    jobs = []
    for job in rest(sc, "jobs"):
        if job.get("status") == "SUCCEEDED" and any(stage_rdds.get(s, set()) & ids for s in job.get("stageIds", [])):
            jobs.append(int(job["jobId"]))
    return sorted(jobs)


def _objects_of(func: Any, seen: set[int]) -> list[Any]:
    """The objects a function can reach: its closure cells, the globals its code names, its defaults,
    and the same for the functions among them (one level of wrapping per step)."""
    if id(func) in seen:
        return []
    seen.add(id(func))
    found: list[Any] = []
    if isinstance(func, types.FunctionType):
        found += [c.cell_contents for c in (func.__closure__ or ()) if _has_contents(c)]
        names = set(func.__code__.co_names)
        for const in func.__code__.co_consts:  # nested lambdas and comprehensions name globals too
            if isinstance(const, types.CodeType):
                names |= set(const.co_names)
        found += [func.__globals__[n] for n in names if n in func.__globals__]
        found += list(func.__defaults__ or ())
    elif hasattr(func, "func"):  # functools.partial, PySpark's wrappers
        found += [func.func, *getattr(func, "args", ()), *getattr(func, "keywords", {}).values()]
    more: list[Any] = []
    for obj in found:
        if callable(obj) and not isinstance(obj, type):
            more += _objects_of(obj, seen)
    return found + more


def _has_contents(cell: Any) -> bool:
    try:
        _ = cell.cell_contents
    except ValueError:  # a closure variable not assigned yet
        return False
    return True


def referenced(func: Any, kind: type | tuple[type, ...]) -> list[Any]:
    """The objects of type ``kind`` that ``func`` (a function, a partial, or a PySpark RDD's function
    chain) refers to, e.g. the :class:`pyspark.Broadcast` handles an RDD's lambdas read."""
    if is_rdd(func):
        func = getattr(func, "func", None)
        if func is None:
            return []
    found: list[Any] = []
    for obj in _objects_of(func, set()):
        if isinstance(obj, kind) and not any(obj is seen for seen in found):
            found.append(obj)
    return found


def references(func: Any, kind: type | tuple[type, ...]) -> bool:
    """Does ``func`` (a function, a partial, or a PySpark RDD's function chain) refer to an object of
    type ``kind``? For an RDD made by Python transformations, its fused function is examined."""
    return bool(referenced(func, kind))


def parallel_ran(parallel: Any, n_tasks: int | None = None) -> bool:
    """Was this joblib ``Parallel`` object called (and did it complete ``n_tasks`` tasks, if given)?"""
    try:
        from joblib import Parallel
    except ImportError:  # pragma: no cover
        return False
    if not isinstance(parallel, Parallel):
        return False
    done = int(getattr(parallel, "n_completed_tasks", 0) or 0)
    return done > 0 and (n_tasks is None or done == n_tasks)


__all__ = ["is_rdd", "is_broadcast", "spark_context", "spark_jobs_on", "referenced", "references", "parallel_ran"]
