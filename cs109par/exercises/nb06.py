"""Checks for notebook 06-spark-cluster. Plain Python: the functions are tried on hand-made task
records and map-output tables chosen so that the mistakes the notebook warns about give a different
answer (a re-run in a resubmitted stage, whose ``attempt`` is 0 again; a lost worker whose host also
ran other executors)."""

from __future__ import annotations

from typing import Any

from . import Verdict, call, correct, exercise, function_missing, wrong

# --- exercise 1 -----------------------------------------------------------------------------------

_URL_RECIPE = "spark://10.0.0.5:7077: the scheme spark://, the master's host, its RPC port 7077."


@exercise("06-master-url", points=1, answers=("master_url",))
def check_master_url(answer: Any) -> Verdict:
    """The master URL of a standalone cluster whose master runs on host 10.0.0.5, default port."""
    if not isinstance(answer, str):
        return wrong(f"a master URL is a string, e.g. 'spark://...', not {type(answer).__name__}.",
                     mistake="wrong-type")
    url = answer.strip()
    if url == "spark://10.0.0.5:7077":
        return correct() if url == answer else wrong("right, but without the spaces around it.", mistake="spaces")
    if url.startswith("local"):
        return wrong("local[...] runs Spark inside this process: a cluster's master URL starts with spark://.",
                     recipe=_URL_RECIPE, mistake="local")
    if url.startswith(("http://", "https://")):
        return wrong("http:// is the master's web page; applications connect with the spark:// scheme.",
                     recipe=_URL_RECIPE, mistake="http-scheme")
    if "://" not in url:
        return wrong("a master URL starts with its scheme: spark://HOST:PORT.", recipe=_URL_RECIPE,
                     mistake="no-scheme")
    host_port = url.split("://", 1)[1].rstrip("/")
    if url.endswith("/"):
        return wrong("drop the trailing slash: spark://HOST:PORT.", recipe=_URL_RECIPE, mistake="trailing-slash")
    host, _, port = host_port.partition(":")
    if host != "10.0.0.5":
        return wrong(f"the host is the machine the master runs on, 10.0.0.5 (you wrote {host!r}).",
                     recipe=_URL_RECIPE, mistake="wrong-host")
    if not port:
        return wrong("give the port too: spark://HOST:PORT (the standard port is 7077).", recipe=_URL_RECIPE,
                     mistake="no-port")
    hints = {"8080": ("ui-port", "8080 is the master's web UI; applications connect to its RPC port."),
             "6066": ("rest-port", "6066 is the (optional) REST submission server, not the port drivers connect to.")}
    mistake, hint = hints.get(port, ("wrong-port", f"{port} is not a standalone master's standard port."))
    return wrong(hint, recipe=_URL_RECIPE, mistake=mistake)


# --- exercise 2 -----------------------------------------------------------------------------------


def _t(p: int, a: int, r: int, s: str = "SUCCESS") -> dict:
    return {"stage": 0, "partition": p, "attempt": a, "run": r, "status": s}


#: Task records like the rows of notebook 06's ``tasks`` table (one stage), and the partitions that
#: ran more than once. In the third, partition 7 failed and ran again, partition 3 ran again after
#: it had succeeded, and the stage was then resubmitted: partitions 2, 5 and (a third time) 3 ran
#: again with ``attempt`` 0, which only ``run`` counts.
RERUN_CASES: list[tuple[list[dict], list[int]]] = [
    ([_t(0, 0, 0), _t(1, 0, 0), _t(2, 0, 0)], []),
    ([_t(0, 0, 0), _t(1, 0, 0, "FAILED"), _t(1, 1, 1), _t(2, 0, 0)], [1]),
    ([_t(0, 0, 0), _t(3, 0, 0), _t(2, 0, 0), _t(5, 0, 0), _t(7, 0, 0, "FAILED"), _t(7, 1, 1), _t(3, 1, 1),
      _t(5, 0, 1), _t(2, 0, 1), _t(3, 0, 2)], [2, 3, 5, 7]),
    ([], []),
]
_RERUN_RECIPE = "return sorted({t['partition'] for t in tasks if t['run'] > 0})"


def _partitions_where(tasks: list[dict], keep: Any) -> list[int]:
    return sorted({t["partition"] for t in tasks if keep(t)})


@exercise("06-reruns", points=2, answers=("reruns",))
def check_reruns(func: Any) -> Verdict:
    """``func(tasks)``: the sorted partitions of a stage that ran more than once."""
    if (missing := function_missing(func, "reruns(tasks)")) is not None:
        return missing
    for tasks, expected in RERUN_CASES:
        got, problem = call(func, [dict(t) for t in tasks])
        if problem is not None:
            return problem
        if got == expected:
            continue
        shown = f"(for {len(tasks)} task records you returned {got!r}, expected {expected!r})"
        if got == _partitions_where(tasks, lambda t: t["attempt"] > 0):
            return wrong("Spark's `attempt` starts again at 0 when a stage is resubmitted, so it misses re-runs "
                         f"there: count with `run`, as section 4 explains {shown}.", recipe=_RERUN_RECIPE,
                         mistake="attempt-field")
        if got == _partitions_where(tasks, lambda t: t["status"] != "SUCCESS"):
            return wrong("a partition that succeeded, lost its output and ran again counts too, not only the "
                         f"failed ones {shown}.", recipe=_RERUN_RECIPE, mistake="failed-only")
        if got == _partitions_where(tasks, lambda t: True):
            return wrong(f"run 0 is every partition's first run: only run > 0 is a re-run {shown}.",
                         recipe=_RERUN_RECIPE, mistake="every-partition")
        if isinstance(got, (set, frozenset, tuple)):
            return wrong(f"return a sorted list, not a {type(got).__name__} {shown}.", recipe=_RERUN_RECIPE,
                         mistake="not-a-list")
        if isinstance(got, list) and got and all(isinstance(t, dict) for t in got):
            return wrong(f"return the partition numbers, not the task records {shown}.", recipe=_RERUN_RECIPE,
                         mistake="rows-not-partitions")
        if isinstance(got, list) and sorted(set(got)) == expected:
            mistake = "duplicates" if len(got) != len(set(got)) else "unsorted"
            return wrong(f"each partition once, in increasing order {shown}.", recipe=_RERUN_RECIPE, mistake=mistake)
        return wrong(f"collect the partitions that have a task with run > 0 {shown}.", recipe=_RERUN_RECIPE)
    return correct()


# --- exercise 3 -----------------------------------------------------------------------------------

#: Map outputs as ``partition -> (host, executor)``, the executor that died, whether its whole worker
#: (the machine) died with it, and the partitions Spark recomputes. Host 10.0.0.1 runs two executors.
_OUTPUTS = {0: ("10.0.0.1", "a"), 1: ("10.0.0.2", "b"), 2: ("10.0.0.1", "c"), 3: ("10.0.0.2", "b"),
            4: ("10.0.0.1", "a")}
RECOMPUTE_CASES: list[tuple[tuple, list[int]]] = [
    ((_OUTPUTS, ("10.0.0.1", "a"), False), [0, 4]),
    ((_OUTPUTS, ("10.0.0.1", "a"), True), [0, 2, 4]),
    ((_OUTPUTS, ("10.0.0.2", "b"), True), [1, 3]),
    ((_OUTPUTS, ("10.0.0.3", "d"), True), []),
    (({5: ("x", "e1"), 2: ("x", "e2"), 9: ("y", "e3")}, ("x", "e2"), False), [2]),
]
_RECOMPUTE_RECIPE = ("host, executor = dead; return sorted(p for p, (h, e) in outputs.items() "
                     "if (h == host if worker_lost else e == executor))")


@exercise("06-to-recompute", points=2, answers=("to_recompute",))
def check_to_recompute(func: Any) -> Verdict:
    """``func(outputs, dead, worker_lost)``: the sorted map partitions Spark recomputes when executor
    ``dead = (host, executor)`` is lost, alone or with its whole worker (no external shuffle service)."""
    if (missing := function_missing(func, "to_recompute(outputs, dead, worker_lost)")) is not None:
        return missing
    for (outputs, dead, worker_lost), expected in RECOMPUTE_CASES:
        got, problem = call(func, dict(outputs), dead, worker_lost)
        if problem is not None:
            return problem
        if got == expected:
            continue
        host, executor = dead
        shown = f"(for dead={dead!r}, worker_lost={worker_lost} you returned {got!r}, expected {expected!r})"
        on_executor = sorted(p for p, (_, e) in outputs.items() if e == executor)
        on_host = sorted(p for p, (h, _) in outputs.items() if h == host)
        if worker_lost and got == on_executor:
            return wrong("when the worker dies, the master tells the driver, and Spark drops every map output on "
                         f"that worker's host, from all its executors {shown}.", recipe=_RECOMPUTE_RECIPE,
                         mistake="executor-only-on-worker-loss")
        if not worker_lost and got == on_host:
            return wrong("when only an executor dies (its worker lives on), Spark drops just that executor's map "
                         f"outputs, not its host's {shown}.", recipe=_RECOMPUTE_RECIPE, mistake="host-on-executor-loss")
        lost = on_host if worker_lost else on_executor
        if isinstance(got, list) and got == sorted(set(outputs) - set(lost)):
            return wrong(f"those are the outputs that survived {shown}.", recipe=_RECOMPUTE_RECIPE, mistake="inverted")
        if isinstance(got, (set, frozenset, tuple)):
            return wrong(f"return a sorted list, not a {type(got).__name__} {shown}.", recipe=_RECOMPUTE_RECIPE,
                         mistake="not-a-list")
        if isinstance(got, list) and sorted(got) == expected:
            return wrong(f"the right partitions, in increasing order please {shown}.", recipe=_RECOMPUTE_RECIPE,
                         mistake="unsorted")
        return wrong(f"which map outputs lived where Spark lost them? {shown}", recipe=_RECOMPUTE_RECIPE)
    return correct()


__all__ = ["check_master_url", "check_reruns", "check_to_recompute", "RERUN_CASES", "RECOMPUTE_CASES"]
