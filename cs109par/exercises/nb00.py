"""Checks for notebook 00-setup."""

from __future__ import annotations

import os

from . import Verdict, correct, exercise, number_type, wrong


@exercise("00-cores", points=1, answers=("cores",))
def check_cores(answer) -> Verdict:
    """How many CPU cores does this machine have?"""
    if (bad := number_type(answer)) is not None:
        return bad
    if answer == os.cpu_count():
        return correct()
    return wrong("that is not the number this machine reports: ask Python rather than guess.",
                 recipe="the `os` module has a function for it: os.cpu_count().", mistake="guessed")


@exercise("00-spark-sum", points=1, answers=("total",))
def check_spark_sum(answer) -> Verdict:
    """The sum of 1..100 computed by Spark."""
    if (bad := number_type(answer)) is not None:
        return bad
    if answer == 5050:
        return correct()
    if answer in (4950, 5150):
        return wrong("off by one end: range(a, b) includes a and stops before b.", mistake="off-by-one",
                     recipe="sc.parallelize(range(1, 101)).sum()")
    return wrong("make an RDD of the numbers 1 to 100 and call an action that adds them up.",
                 recipe="sc.parallelize(range(1, 101)).sum()")
