"""Spark's own measurements of a job: time, shuffle bytes, input bytes, per stage; every task attempt;
what each executor is doing. The one home for reading Spark's REST API, with one error policy:
whatever goes wrong (no answer, an HTTP error, not JSON) is a :class:`MetricsError`.

>>> from cs109par.sparkmetrics import measure_jobs
>>> pairs = sc.parallelize(range(1000), 4).map(lambda x: (x % 10, 1))
>>> with measure_jobs(sc, "reduceByKey") as m:
...     _ = pairs.reduceByKey(lambda a, b: a + b).collect()
>>> len(m.job_ids), m.tasks, m.shuffle_write_bytes > 0
(1, 8, True)

How it works: the block runs in a *job group* of its own (``sc.setJobGroup``); afterwards the
status tracker names the group's jobs, and the driver's web UI answers with the stages of those
jobs through its REST API on 127.0.0.1 (``/api/v1/applications/<app id>/stages/<stage id>``) —
the same numbers the UI's *Stages* tab shows. The UI's store is filled by a listener that runs
slightly behind the scheduler, so :func:`measure_jobs` waits (a moment, with a timeout) until
every stage it needs has been recorded as finished.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .jvm import REST_TIMEOUT

__all__ = ["StageMetrics", "JobMetrics", "measure_jobs", "get_json", "rest", "api_url", "MetricsError",
           "executor_activity", "job_tasks"]

_FINISHED = {"COMPLETE", "SKIPPED", "FAILED"}
_counter = itertools.count()


class MetricsError(RuntimeError):
    """Spark's metrics could not be read (UI disabled, or the stages never showed up)."""


def api_url(sc) -> str:
    """The REST API root of this application: ``http://127.0.0.1:<port>/api/v1/applications/<id>``."""
    if not sc.uiWebUrl:
        raise MetricsError("the Spark UI is disabled (spark.ui.enabled=false), so its REST API is not there.")
    return f"{sc.uiWebUrl}/api/v1/applications/{sc.applicationId}"


def get_json(url: str, timeout: float = REST_TIMEOUT) -> Any:
    """GET ``url`` (a Spark UI or a standalone master's UI, on this machine) and decode the JSON."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # a Spark UI we started, not user input
            return json.load(resp)
    except urllib.error.HTTPError as exc:
        raise MetricsError(f"{url}: HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:  # refused, reset, timed out
        raise MetricsError(f"{url}: the Spark UI did not answer ({exc})") from exc
    except ValueError as exc:
        raise MetricsError(f"{url}: the answer is not JSON ({exc})") from exc


def rest(sc, path: str = "", timeout: float = REST_TIMEOUT) -> Any:
    """GET ``<api_url>/<path>`` and decode the JSON, e.g. ``rest(sc, "stages")``."""
    return get_json(api_url(sc) + ("/" + path.lstrip("/") if path else ""), timeout=timeout)


@dataclass(frozen=True)
class StageMetrics:
    """One stage attempt, as the UI reports it."""

    stage_id: int
    name: str
    status: str
    num_tasks: int
    run_seconds: float  # executor run time summed over the stage's tasks
    input_bytes: int
    shuffle_write_bytes: int
    shuffle_read_bytes: int
    shuffle_write_records: int
    shuffle_read_records: int

    @classmethod
    def from_json(cls, s: dict) -> StageMetrics:
        return cls(
            stage_id=int(s["stageId"]),
            name=str(s.get("name", "")),
            status=str(s.get("status", "")),
            num_tasks=int(s.get("numTasks", 0)),
            run_seconds=s.get("executorRunTime", 0) / 1000.0,
            input_bytes=int(s.get("inputBytes", 0)),
            shuffle_write_bytes=int(s.get("shuffleWriteBytes", 0)),
            shuffle_read_bytes=int(s.get("shuffleReadBytes", 0)),
            shuffle_write_records=int(s.get("shuffleWriteRecords", 0)),
            shuffle_read_records=int(s.get("shuffleReadRecords", 0)),
        )


@dataclass
class JobMetrics:
    """What :func:`measure_jobs` collected: wall-clock seconds of the block and its jobs' stages."""

    label: str
    seconds: float = float("nan")
    job_ids: list[int] = field(default_factory=list)
    stages: list[StageMetrics] = field(default_factory=list)

    def _sum(self, field: str) -> int:
        return sum(getattr(s, field) for s in self.stages)

    shuffle_write_bytes = property(lambda self: self._sum("shuffle_write_bytes"), doc="bytes written by shuffles")
    shuffle_read_bytes = property(lambda self: self._sum("shuffle_read_bytes"), doc="bytes read by shuffles")
    shuffle_records = property(lambda self: self._sum("shuffle_write_records"), doc="records written by shuffles")
    input_bytes = property(lambda self: self._sum("input_bytes"), doc="bytes read from the input")

    @property
    def tasks(self) -> int:
        return sum(s.num_tasks for s in self.stages if s.status != "SKIPPED")


def _job_stage_ids(sc, job_id: int) -> list[int]:
    info = sc.statusTracker().getJobInfo(job_id)
    return sorted(int(s) for s in info.stageIds) if info is not None else []


def _stage(sc, stage_id: int) -> dict | None:
    try:
        attempts = rest(sc, f"stages/{stage_id}")
    except MetricsError as exc:
        if "HTTP 404" in str(exc):
            return None  # not in the UI's store yet
        raise
    if not attempts:
        return None
    return max(attempts, key=lambda a: a.get("attemptId", 0))


def collect(sc, label: str, group: str, seconds: float, timeout: float = REST_TIMEOUT) -> JobMetrics:
    """Gather the metrics of every job run in ``group`` (waiting for the UI to record them)."""
    tracker = sc.statusTracker()
    job_ids = sorted(tracker.getJobIdsForGroup(group))
    stage_ids = sorted({s for j in job_ids for s in _job_stage_ids(sc, j)})
    deadline = time.monotonic() + timeout
    while True:
        found = {sid: _stage(sc, sid) for sid in stage_ids}
        if all(s is not None and s.get("status") in _FINISHED for s in found.values()):
            break
        if time.monotonic() > deadline:
            missing = [sid for sid, s in found.items() if s is None or s.get("status") not in _FINISHED]
            raise MetricsError(f"stages {missing} of {label!r} were not recorded as finished within {timeout:.0f} s")
        time.sleep(0.1)
    stages = [StageMetrics.from_json(s) for s in found.values() if s is not None]
    return JobMetrics(label=label, seconds=seconds, job_ids=job_ids, stages=stages)


@contextlib.contextmanager
def measure_jobs(sc, label: str = "job") -> Iterator[JobMetrics]:
    """Time the block and, on exit, fill the yielded :class:`JobMetrics` with Spark's stage metrics
    of every job the block ran (the block's thread runs in a job group of its own)."""
    group = f"cs109par-{label}-{next(_counter)}-{time.time_ns()}"
    result = JobMetrics(label=label)
    sc.setJobGroup(group, label)
    start = time.perf_counter()
    try:
        yield result
        seconds = time.perf_counter() - start
    finally:
        sc.setLocalProperty("spark.jobGroup.id", None)
        sc.setLocalProperty("spark.job.description", None)
    filled = collect(sc, label, group, seconds)
    result.seconds, result.job_ids, result.stages = filled.seconds, filled.job_ids, filled.stages


def command_bytes(rdd) -> int:
    """How many bytes PySpark pickles for the Python functions of ``rdd`` (its *command*).

    PySpark serializes the chain of Python functions of an RDD — with everything their closures
    capture — once per RDD, with cloudpickle, and every task of a job on that RDD unpickles it
    before it starts. (Above ``spark.broadcast.UDFCompressionThreshold``, 1 MB by default, PySpark
    ships the command as an automatic broadcast, but each task still unpickles all of it.) This
    recomputes the same pickle PySpark builds in ``pyspark.core.rdd._wrap_function``:
    ``(func, profiler, deserializer, serializer)``.
    """
    from pyspark.serializers import CloudPickleSerializer

    func = getattr(rdd, "func", None)
    if func is None:
        raise TypeError("command_bytes needs an RDD made by a Python transformation (map, filter, mapPartitions, ...)")
    command = (func, None, rdd._prev_jrdd_deserializer, rdd._jrdd_deserializer)
    return len(CloudPickleSerializer().dumps(command))


def broadcast_bytes(bc) -> int:
    """Size of a broadcast variable's pickled value: the file PySpark wrote on the driver (or, if
    that is not available, the pickle of the value)."""
    import os
    import pickle

    path = getattr(bc, "_path", None)
    if path and os.path.exists(path):
        return os.path.getsize(path)
    return len(pickle.dumps(bc.value, protocol=pickle.HIGHEST_PROTOCOL))


def executor_activity(spark) -> dict[str, dict[str, Any]]:
    """``{executor id: {"active", "completed", "failed", "alive", "remove_reason", "host"}}`` from the
    driver's REST API (the driver itself, id ``driver``, is left out)."""
    rows = rest(spark.sparkContext, "allexecutors")
    return {
        r["id"]: {"active": r.get("activeTasks", 0), "completed": r.get("completedTasks", 0),
                  "failed": r.get("failedTasks", 0), "alive": r.get("isActive", False),
                  "remove_reason": r.get("removeReason", ""), "host": str(r.get("hostPort", "")).rsplit(":", 1)[0]}
        for r in rows if r["id"] != "driver"
    }


def job_tasks(spark, job_id: int) -> list[dict[str, Any]]:
    """Every task attempt of one job, from the driver's REST API, one dict per attempt:
    stage, stage attempt, partition, attempt, run, executor, host, status, launch time (s), duration (s), error.

    ``attempt`` is Spark's number, which starts again at 0 when a stage is resubmitted (as after a
    lost executor); ``run`` counts every attempt of the same (stage, partition) in launch order, so
    ``run > 0`` marks every re-run, in any stage attempt."""
    sc = spark.sparkContext
    job = rest(sc, f"jobs/{job_id}")
    tasks = []
    for stage_id in sorted(job["stageIds"]):
        try:
            attempts = rest(sc, f"stages/{stage_id}")
        except MetricsError as exc:
            if "HTTP 404" in str(exc):
                continue  # a stage that was skipped never ran
            raise
        for stage in attempts:
            rows = rest(sc, f"stages/{stage_id}/{stage['attemptId']}/taskList?length=100000")
            for t in rows:
                tasks.append({
                    # "index" is the task's place in its stage attempt; a resubmitted stage runs only the
                    # missing partitions, numbered 0, 1, ... again: the partition is "partitionId"
                    "stage": stage_id, "stage_attempt": stage["attemptId"],
                    "partition": t.get("partitionId", t["index"]),
                    "attempt": t["attempt"], "executor": t["executorId"], "host": t.get("host", ""),
                    "status": t["status"], "launch": _parse_time(t.get("launchTime", "")),
                    "duration": t.get("duration", 0) / 1000.0,
                    "error": (t.get("errorMessage") or "").splitlines()[0] if t.get("errorMessage") else "",
                })
    tasks.sort(key=lambda r: (r["launch"], r["stage"], r["stage_attempt"], r["partition"], r["attempt"]))
    seen: dict[tuple[int, int], int] = {}
    for row in tasks:
        key = (row["stage"], row["partition"])
        row["run"] = seen.get(key, 0)
        seen[key] = row["run"] + 1
    return tasks


def _parse_time(text: str) -> float:
    """Spark's REST time stamps as seconds since the epoch.

    >>> _parse_time("2026-11-25T04:30:01.500GMT")
    1795581001.5
    """
    if not text:
        return 0.0
    return datetime.strptime(text.replace("GMT", ""), "%Y-%m-%dT%H:%M:%S.%f").replace(tzinfo=timezone.utc).timestamp()


__all__ += ["command_bytes", "broadcast_bytes"]
