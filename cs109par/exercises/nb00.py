"""Checks for notebook 00-setup."""

from __future__ import annotations

import os
from typing import Any

from . import Verdict, correct, exercise, number_type, short, wrong
from .methods import is_rdd, spark_jobs_on


def physical_cores() -> int | None:
    """The number of physical cores (``psutil``), or ``None`` where it cannot be told."""
    try:
        import psutil
    except ImportError:  # pragma: no cover
        return None
    return psutil.cpu_count(logical=False)


@exercise("00-cores", points=1, answers=("cores",))
def check_cores(answer) -> Verdict:
    """How many CPU cores does this machine have? (Asked from Python, not guessed.)"""
    recipe = "the `os` module has a function for it: cores = os.cpu_count()."
    if callable(answer):
        return wrong("that is the function itself: call it (add the parentheses) to get the number.",
                     recipe=recipe, mistake="not-called")
    if (bad := number_type(answer)) is not None:
        return Verdict(False, bad.hint, recipe, bad.mistake)
    cores = os.cpu_count()
    if answer == cores:
        return correct()
    physical = physical_cores()
    if physical is not None and physical != cores and answer == physical:
        return wrong(f"{answer} is the number of *physical* cores; the operating system runs processes on "
                     f"logical cores (hyper-threads count), and that is the number parallel work sees.",
                     recipe=recipe, mistake="physical-cores")
    return wrong(f"{answer} is not the number this machine reports: ask Python rather than guess.",
                 recipe=recipe, mistake="guessed")


#: The numbers exercise 2 asks Spark to add up.
SPARK_SUM_NUMBERS = range(1, 101)


def _values(rdd: Any) -> list[Any] | None:
    try:
        return rdd.collect()
    except Exception:
        return None


@exercise("00-spark-sum", points=1, answers=("numbers", "total"))
def check_spark_sum(numbers, total) -> Verdict:
    """``numbers``: an RDD of the integers 1 to 100; ``total``: their sum, computed by an action on it."""
    recipe = "numbers = sc.parallelize(range(1, 101)); total = numbers.sum()"
    want = list(SPARK_SUM_NUMBERS)
    if not is_rdd(numbers):
        kind = type(numbers).__name__
        return wrong(f"`numbers` is a {kind}, not an RDD: make it with sc.parallelize(...), so that Spark holds "
                     "the numbers and computes on them.", recipe=recipe, mistake="not-an-rdd")
    if is_rdd(total):
        return wrong("`total` is still an RDD: transformations are lazy and compute nothing. Call an *action* "
                     "on `numbers`, one that returns the sum to Python.", recipe=recipe, mistake="no-action")
    try:
        jobs = spark_jobs_on(numbers)
    except Exception as exc:  # no REST API (UI disabled): judge the value only
        jobs, why = None, short(exc)
    else:
        why = ""
    if jobs == []:
        return wrong("no Spark job ever ran on `numbers`: `total` was computed some other way (in plain Python?). "
                     "Compute it from `numbers` with an action.", recipe=recipe, mistake="no-action")
    if (bad := number_type(total)) is not None:
        return Verdict(False, bad.hint, recipe, bad.mistake)
    values = _values(numbers)
    if values is not None and sorted(values) != want and total != sum(want):
        if sorted(values) in (list(range(100)), list(range(1, 100)), list(range(0, 100))):
            return wrong("`numbers` stops one short: range(a, b) includes a but stops *before* b.",
                         recipe=recipe, mistake="off-by-one")
        if sorted(values) == list(range(2, 101)) or sorted(values) == list(range(1, 102)):
            return wrong("`numbers` does not hold exactly 1 to 100: check both ends of your range.",
                         recipe=recipe, mistake="off-by-one")
    if total == len(want):
        return wrong("that is how many numbers there are (count()), not their sum.", recipe=recipe,
                     mistake="count-not-sum")
    if total == sum(want):
        return correct()
    if total in (sum(range(100)), sum(range(1, 102)), sum(range(2, 101))):
        return wrong("off by one at an end: range(a, b) includes a and stops before b.", recipe=recipe,
                     mistake="off-by-one")
    extra = f" (could not list the jobs: {why})" if why else ""
    return wrong(f"{total!r} is not the sum of 1 to 100{extra}: make an RDD of exactly those numbers and add them "
                 "up with an action.", recipe=recipe)


__all__ = ["check_cores", "check_spark_sum", "physical_cores", "SPARK_SUM_NUMBERS"]
