"""Checks for notebook 00-setup."""

from __future__ import annotations

import os

from . import Verdict, check_equal


def check_cores(answer) -> Verdict:
    """How many CPU cores does this machine have?"""
    return check_equal(answer, os.cpu_count(), "ask Python: the `os` module has a function for it (os.cpu_count()).")


def check_spark_sum(answer) -> Verdict:
    """The sum of 1..100 computed by Spark."""
    return check_equal(
        answer,
        5050,
        "parallelize range(1, 101) into an RDD and call the action .sum() on it "
        "(range(1, 101) stops before 101).",
    )
