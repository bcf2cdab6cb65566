"""Checks for notebook 06-spark-cluster."""

from __future__ import annotations

from . import Verdict, check_cases, correct, exercise, wrong


@exercise("06-master-url", points=1, answers=("master_url",))
def check_master_url(answer) -> Verdict:
    """The master URL of a standalone cluster whose master runs on host 10.0.0.5, default port."""
    if answer == "spark://10.0.0.5:7077":
        return correct()
    return wrong("a standalone master URL has the form spark://HOST:PORT, and a standalone master listens on "
                 "port 7077 unless told otherwise (a string, e.g. 'spark://...').")


def _t(p: int, a: int, s: str = "SUCCESS") -> dict:
    return {"partition": p, "attempt": a, "status": s}


@exercise("06-reruns", points=2, answers=("reruns",))
def check_reruns(func) -> Verdict:
    """``func(tasks)``: the sorted partitions of a stage that ran more than once."""
    cases = [
        (([_t(0, 0), _t(1, 0), _t(2, 0)],), []),
        (([_t(0, 0), _t(1, 0, "FAILED"), _t(1, 1), _t(2, 0)],), [1]),
        (([_t(3, 0), _t(3, 1), _t(0, 0), _t(0, 1, "FAILED"), _t(0, 2)],), [0, 3]),
        (([],), []),
    ]
    return check_cases(func, cases, "collect the partitions that have a task attempt numbered 1 or more (the first "
                       "attempt is 0), without duplicates, as a sorted list")


@exercise("06-to-recompute", points=2, answers=("to_recompute",))
def check_to_recompute(func) -> Verdict:
    """``func(outputs, dead)``: map outputs lost with executor ``dead`` -> sorted partitions to recompute."""
    cases = [
        (({0: "a", 1: "b", 2: "a", 3: "b"}, "a"), [0, 2]),
        (({0: "a", 1: "b"}, "c"), []),
        (({5: "x", 2: "x", 9: "y"}, "x"), [2, 5]),
    ]
    return check_cases(func, cases, "the partitions to recompute are exactly those whose map output lived on the "
                       "dead executor; return them sorted")
