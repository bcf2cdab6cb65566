"""Checks for notebook 08-iterative-jobs.

Exercise 1 reads a checkpoint directory as a URI and names what is wrong with a local one. Exercises 2
and 3 call the student's function on cases where each common slip gives another answer than the right
one, and name the slip whose answers the function reproduces on every case.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import Verdict, call, correct, exercise, wrong

#: File systems that every machine of a cluster reads and writes alike.
SHARED_SCHEMES = ("hdfs", "s3a", "s3", "s3n", "gs", "abfs", "abfss", "wasb", "wasbs", "viewfs", "dbfs", "alluxio")
_DIR_RECIPE = ("every executor writes its own partitions of a checkpoint, and after a failure any executor must read "
               "any of them: pass a folder on a file system all machines share, e.g. "
               "'hdfs://namenode:8020/user/you/checkpoints' or 's3a://bucket/checkpoints'.")


@exercise("08-checkpoint-dir", points=1, answers=("checkpoint_dir",))
def check_checkpoint_dir(answer: Any) -> Verdict:
    """A checkpoint directory for a real cluster whose machines share an HDFS (name node ``namenode``)."""
    if not isinstance(answer, str):
        return wrong(f"give the folder as a string (a URI such as 'hdfs://...'), not {type(answer).__name__}.",
                     mistake="wrong-type")
    text = answer.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        if text.startswith(("/", "~")) or (len(text) > 2 and text[1] == ":"):
            return wrong("that is a folder on each machine's own disk: every executor would write its partitions "
                         "on its own machine, and after a failure the executor rebuilding from the checkpoint finds "
                         "no files there. It only worked in the notebook because every 'machine' was this one.",
                         recipe=_DIR_RECIPE, mistake="local-path")
        return wrong("a relative folder is relative to each executor's working directory: still a local disk, one per "
                     "machine. Give a URI on storage all machines share.", recipe=_DIR_RECIPE, mistake="relative-path")
    scheme = scheme.lower()
    if scheme == "file":
        return wrong("file:// is each machine's own disk, not shared storage: after a failure the files another "
                     "executor wrote are not on the machine that needs them.", recipe=_DIR_RECIPE,
                     mistake="file-scheme")
    if scheme in ("http", "https"):
        return wrong("a web address is not a file system Spark can write to: use HDFS (hdfs://) or an object "
                     "store (s3a://, gs://, abfss://).", recipe=_DIR_RECIPE, mistake="web-url")
    if scheme not in SHARED_SCHEMES:
        return wrong(f"{scheme}:// is not a shared file system Spark knows: HDFS here (hdfs://...).",
                     recipe=_DIR_RECIPE, mistake="unknown-scheme")
    if not rest.strip("/") or "/" not in rest.rstrip("/"):
        return wrong("name a folder inside the file system too, e.g. hdfs://namenode:8020/user/you/checkpoints.",
                     recipe=_DIR_RECIPE, mistake="no-folder")
    return correct()


# --- exercise 2 -----------------------------------------------------------------------------------
def iterations_to_rebuild_reference(n: int, every: int | None) -> int:
    """Earlier iterations whose lost shuffle outputs Spark rebuilds when a machine dies during iteration ``n``,
    with reliable checkpoints after iterations ``every, 2 * every, ...`` (``None``: no checkpoint)."""
    return n - 1 if every is None else (n - 1) % every


#: (n, every): the notebook's runs (5, 3) and (5, None), a failure right after a checkpoint, one in the first
#: iteration, an interval longer than the run, checkpoints every iteration, and more.
REBUILD_CASES = [(5, 3), (5, None), (9, 3), (7, 3), (7, 4), (1, 3), (5, 10), (6, 1), (12, 4), (10, 4), (2, None)]
_REBUILD_RECIPE = ("the iterations finished since the last checkpoint are rebuilt: with every=k that is (n - 1) % k "
                   "(iterations k, 2k, ... are read back from their files), and with every=None all n - 1 earlier "
                   "ones: return n - 1 if every is None else (n - 1) % every.")
#: What common slips compute instead, with the hint for each.
_REBUILD_SLIPS: list[tuple[str, Callable[[int, int | None], int], str]] = [
    ("counts-current", lambda n, k: n if k is None else n % k,
     "count only the *earlier* iterations: the one in progress (n) runs anyway, it is not rebuilt"),
    ("counts-checkpointed", lambda n, k: n - 1 if k is None else (n - 1) % k + 1,
     "the checkpointed iteration itself is not rebuilt: Spark reads its ranks back from the checkpoint files"),
    ("ignores-checkpoint", lambda n, k: n - 1,
     "with a checkpoint, Spark stops at the last checkpoint: only the iterations after it are rebuilt"),
    ("first-checkpoint", lambda n, k: n - 1 if k is None or n - 1 < k else n - 1 - k,
     "count from the *last* checkpoint before the failure, not from the first one"),
    ("interval", lambda n, k: n - 1 if k is None else k - 1,
     "that is the worst case over all n; the answer depends on where n falls between two checkpoints"),
]


@exercise("08-rebuild-count", points=2, answers=("iterations_to_rebuild",))
def check_rebuild_count(func: Any) -> Verdict:
    """The student's ``iterations_to_rebuild(n, every)``."""
    if not callable(func):
        return wrong("define iterations_to_rebuild in the exercise cell and run that cell first.",
                     mistake="not-a-function")
    results: dict[tuple[int, int | None], Any] = {}
    for n, every in REBUILD_CASES:
        got, problem = call(func, n, every)
        if problem is not None:
            if every is None and problem.mistake == "raised":
                return wrong("every=None means no checkpoint at all (your function raised for it): then every earlier "
                             "iteration is rebuilt.", recipe=_REBUILD_RECIPE, mistake="no-checkpoint")
            return problem
        if isinstance(got, bool) or not isinstance(got, int):
            if isinstance(got, float) and got.is_integer():
                got = int(got)
            else:
                return wrong(f"return a whole number of iterations (an int), not {type(got).__name__} {got!r}.",
                             recipe=_REBUILD_RECIPE, mistake="wrong-type")
        results[(n, every)] = got
    bad = [case for case, got in results.items() if got != iterations_to_rebuild_reference(*case)]
    if not bad:
        return correct()
    n, every = bad[0]
    shown = f"for n={n}, every={every} you returned {results[bad[0]]}, Spark rebuilds " \
            f"{iterations_to_rebuild_reference(n, every)}"
    for mistake, slip, hint in _REBUILD_SLIPS:
        if all(got == slip(*case) for case, got in results.items()):
            return wrong(f"{hint} ({shown}).", recipe=_REBUILD_RECIPE, mistake=mistake)
    return wrong(f"{shown}: count the iterations finished after the last checkpoint.", recipe=_REBUILD_RECIPE)


# --- exercise 3 -----------------------------------------------------------------------------------
def _t(iteration: int, kind: str, stage: int, partition: int, run: int, attempt: int, status: str = "SUCCESS",
       stage_attempt: int = 0) -> dict[str, Any]:
    return {"iteration": iteration, "kind": kind, "stage": stage, "stage_attempt": stage_attempt,
            "partition": partition, "attempt": attempt, "run": run, "status": status}


def _failed_job() -> tuple[list[dict[str, Any]], int]:
    """The task attempts of a failed iteration 4 (4 partitions, a host lost): stages 20-22 rebuild lost map
    outputs of iterations 0-2 (new stages to Spark: run 0), stage 23 is iteration 4's map stage, which ran,
    lost its outputs on the dead host and ran again in a second stage attempt (attempt numbers restart at 0
    there), stage 24 is its result stage with a task lost with its executor and one that failed to fetch."""
    rows = [_t(0, "map", 20, 1, 0, 0), _t(1, "map", 21, 1, 0, 0), _t(1, "map", 21, 3, 0, 0),
            _t(3, "map", 22, 1, 0, 0), _t(3, "map", 22, 3, 0, 0)]
    rows += [_t(4, "map", 23, p, 0, 0) for p in range(4)]
    rows += [_t(4, "map", 23, p, 1, 0, stage_attempt=1) for p in (1, 3)]
    rows += [_t(4, "result", 24, 0, 0, 0), _t(4, "result", 24, 1, 0, 0, "FAILED"),
             _t(4, "result", 24, 1, 1, 1, "FAILED"), _t(4, "result", 24, 2, 0, 0),
             _t(4, "result", 24, 1, 2, 0, stage_attempt=1), _t(4, "result", 24, 3, 0, 0, stage_attempt=1)]
    return rows, 4


def _normal_job() -> tuple[list[dict[str, Any]], int]:
    return [_t(6, kind, 30 + (kind == "result"), p, 0, 0) for kind in ("map", "result") for p in range(4)], 6


def _no_failure_but_retry() -> tuple[list[dict[str, Any]], int]:
    """A task that failed once on its own (no machine lost) and succeeded on its second attempt."""
    rows, n = _normal_job()
    return rows[:5] + [dict(rows[5], status="FAILED"), _t(6, "result", 31, 1, 1, 1)] + rows[6:], n


def redone_reference(tasks: list[dict[str, Any]], iteration: int) -> int:
    """Task attempts that redid work: every attempt in a stage of an earlier iteration, plus every attempt of
    this iteration's stages that ran a (stage, partition) again (``run > 0``)."""
    return sum(1 for t in tasks if t["iteration"] < iteration or t["run"] > 0)


REDONE_CASES = [_failed_job(), _normal_job(), _no_failure_but_retry()]
_REDONE_RECIPE = ("an attempt redid work if its stage belongs to an earlier iteration (Spark rebuilt a lost "
                  "output there) or if it ran a (stage, partition) again: return sum(1 for t in tasks if "
                  "t['iteration'] < iteration or t['run'] > 0).")
_REDONE_SLIPS: list[tuple[str, Callable[[list[dict[str, Any]], int], Any], str]] = [
    ("run-only", lambda ts, i: sum(t["run"] > 0 for t in ts),
     "the rebuilt stages of earlier iterations count too: a new job makes new stages, so their tasks have run 0 "
     "although the same work ran before, in an earlier iteration's job"),
    ("attempt-restarts", lambda ts, i: sum(t["attempt"] > 0 for t in ts),
     "Spark restarts attempt numbers in a resubmitted stage: use the run field (and the iteration), not attempt"),
    ("attempt-restarts", lambda ts, i: sum(1 for t in ts if t["iteration"] < i or t["attempt"] > 0),
     "Spark restarts attempt numbers in a resubmitted stage: use the run field, not attempt"),
    ("failed-only", lambda ts, i: sum(t["status"] != "SUCCESS" for t in ts),
     "a failed attempt is lost work, not redone work: count the attempts that ran something again"),
    ("rebuilt-only", lambda ts, i: sum(t["iteration"] < i for t in ts),
     "also count the attempts of this iteration's own stages that ran a partition again (run > 0)"),
    ("partitions-not-attempts", lambda ts, i: len({(t["stage"], t["partition"]) for t in ts
                                                   if t["iteration"] < i or t["run"] > 0}),
     "count attempts, not distinct (stage, partition) pairs: a partition run three times redid work twice"),
    ("all-tasks", lambda ts, i: len(ts), "not every attempt redid work: the first run of each of this iteration's "
                                         "tasks is the iteration's normal work"),
]


@exercise("08-redone-tasks", points=2, answers=("redone",))
def check_redone_tasks(func: Any) -> Verdict:
    """The student's ``redone(tasks, iteration)``."""
    if not callable(func):
        return wrong("define redone in the exercise cell and run that cell first.", mistake="not-a-function")
    results = []
    for tasks, iteration in REDONE_CASES:
        got, problem = call(func, [dict(t) for t in tasks], iteration)
        if problem is not None:
            return problem
        if isinstance(got, bool) or not isinstance(got, int) and type(got).__name__[:3] not in ("int", "uin"):
            return wrong(f"return a number of task attempts (an int), not {type(got).__name__} {got!r}.",
                         recipe=_REDONE_RECIPE, mistake="wrong-type")
        results.append(int(got))
    expected = [redone_reference(tasks, i) for tasks, i in REDONE_CASES]
    if results == expected:
        return correct()
    for mistake, slip, hint in _REDONE_SLIPS:
        if all(got == slip(tasks, i) for got, (tasks, i) in zip(results, REDONE_CASES)):
            return wrong(f"{hint} (for the failed iteration you counted {results[0]}, {expected[0]} attempts redid "
                         "work).", recipe=_REDONE_RECIPE, mistake=mistake)
    case = next(k for k, (g, e) in enumerate(zip(results, expected)) if g != e)
    return wrong(f"for one of the test jobs you counted {results[case]}, {expected[case]} attempts redid work: "
                 "earlier iterations' stages, and re-runs (run > 0) of this iteration's.", recipe=_REDONE_RECIPE)
