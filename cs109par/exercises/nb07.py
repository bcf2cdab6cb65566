"""Checks for notebook 07-theres-more.

Exercise 1 tries ``break_even`` on cost triples where rounding, a swapped difference or a missing
"never" case give other numbers than the exact break-even. Exercise 2 runs the student's SQL function
on a temporary view of its own whose top words tie at the cut-off (so only ``ORDER BY count DESC,
word`` gives the right rows), then on the notebook's ``words`` view.
"""

from __future__ import annotations

import math
from typing import Any

from ..compare import crossover
from . import UNANSWERED, Verdict, call, corpus, correct, exercise, function_missing, is_unanswered, methods, wrong
from .nb04 import TIE_K, TIE_WORDS, as_pairs, diagnose_top


def break_even_reference(overhead: float, per_item: float, serial_per_item: float) -> float:
    """Items above which an engine with this fixed ``overhead`` and ``per_item`` cost beats a serial
    loop costing ``serial_per_item`` per item (and nothing up front); ``inf`` if it never does. The
    same rule as notebook 07's measured crossovers (:func:`cs109par.compare.crossover`)."""
    return crossover((overhead, per_item), (0.0, serial_per_item))


#: (overhead, per_item, serial_per_item): break-evens that are not whole numbers, an engine that is
#: slower per item, one exactly as fast per item (never pays off: a division by zero for the unwary),
#: and no overhead at all.
BREAK_EVEN_CASES = [(0.5, 0.001, 0.002), (0.1, 1e-5, 4e-5), (0.5, 0.001, 0.004), (2.0, 0.0, 0.015),
                    (0.3, 0.004, 0.002), (0.25, 0.002, 0.002), (0.0, 0.001, 0.002)]
_BREAK_EVEN_RECIPE = ("the engine costs overhead + n * per_item, the loop n * serial_per_item; they are equal at "
                      "n = overhead / (serial_per_item - per_item). If the engine is not cheaper per item "
                      "(per_item >= serial_per_item), it never pays off: return math.inf.")


def _close(got: Any, want: float) -> bool:
    return (isinstance(got, (int, float)) and not isinstance(got, bool)
            and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12))


def _ratio(a: float, b: float) -> float:
    return a / b if b else math.nan


#: What common slips compute instead of the exact break-even, with the hint for each.
_SLIPS: list[tuple[str, Any, str]] = [
    ("rounded-up", lambda o, e, s: math.ceil(o / (s - e)),
     "the exact break-even is asked (a float): math.ceil gives the first whole item count above it, a different "
     "question"),
    ("rounded-down", lambda o, e, s: math.floor(o / (s - e)), "the exact break-even is asked (a float): don't cut "
                                                              "it down to a whole number"),
    ("rounded", lambda o, e, s: round(o / (s - e)), "the exact break-even is asked (a float): don't round it"),
    ("swapped", lambda o, e, s: _ratio(o, e - s), "the saving per item is serial_per_item - per_item (the loop's "
                                                  "cost minus the engine's), not the other way round"),
    ("wrong-denominator", lambda o, e, s: _ratio(o, e), "divide the overhead by what each item *saves*, "
                                                        "serial_per_item - per_item"),
    ("ignores-engine-cost", lambda o, e, s: _ratio(o, s), "the engine also pays per item: divide by "
                                                          "serial_per_item - per_item"),
]


@exercise("07-break-even", points=2, answers=("break_even",))
def check_break_even(func: Any) -> Verdict:
    """The student's ``break_even(overhead, per_item, serial_per_item)``."""
    if (missing := function_missing(func, "break_even")) is not None:
        return missing
    results: dict[tuple, Any] = {}
    for args in BREAK_EVEN_CASES:
        want = break_even_reference(*args)
        try:
            got = func(*args)
        except ZeroDivisionError:
            if args[1] == args[2]:
                return wrong(f"for {args} your function divided by zero: when the engine costs exactly as much per "
                             "item as the loop, it never catches up. Return math.inf whenever per_item >= "
                             "serial_per_item.", recipe=_BREAK_EVEN_RECIPE, mistake="equal-cost")
            results[args] = math.nan  # compared with the slips below, which divide by zero there too
            continue
        except Exception:
            got, problem = call(func, *args)  # the same error, as a one-line hint
            if problem is not None:
                return problem
        if is_unanswered(got) and not math.isinf(want):
            return wrong("your function returns nothing yet: " + UNANSWERED, mistake="returns-nothing")
        if math.isinf(want):
            if not (isinstance(got, float) and math.isinf(got) and got > 0):
                return wrong(f"for {args} the engine is not cheaper per item, so it never pays off: return math.inf "
                             f"(you returned {got!r}).", recipe=_BREAK_EVEN_RECIPE, mistake="never")
            continue
        if isinstance(got, (str, bool)) or not isinstance(got, (int, float)):
            return wrong(f"return a number of items, not {type(got).__name__} {got!r}.", recipe=_BREAK_EVEN_RECIPE,
                         mistake="wrong-type")
        results[args] = got
    wrong_cases = [args for args, got in results.items() if not _close(got, break_even_reference(*args))]
    # (a NaN marks a division by zero, never close to anything)
    if not wrong_cases:
        return correct()
    first = wrong_cases[0]
    shown = f"for {first} you returned {results[first]!r}, the break-even is {break_even_reference(*first)!r}"
    for mistake, slip, hint in _SLIPS:
        if all(_close(got, slip(*args)) or (math.isnan(got) and math.isnan(slip(*args)))
               for args, got in results.items()):
            return wrong(f"{hint} ({shown}).", recipe=_BREAK_EVEN_RECIPE, mistake=mistake)
    if math.isnan(results[first]):
        shown = f"for {first} your function divided by zero"
    return wrong(f"{shown}.", recipe=_BREAK_EVEN_RECIPE)


# --- exercise 2 -----------------------------------------------------------------------------------

TIE_VIEW = "cs109par_tie_words"
_SQL_RECIPE = ('def top_long(view, k=5): query = f"SELECT word, count(*) AS n FROM {view} WHERE length(word) >= 8 '
               'GROUP BY word ORDER BY n DESC, word LIMIT {k}"; return [tuple(r) for r in spark.sql(query).collect()]')


def _session() -> Any:
    if methods.spark_context() is None:
        return None
    from pyspark.sql import SparkSession

    return SparkSession.getActiveSession()


@exercise("07-top-long-words", points=2, answers=("top_long",))
def check_top_long_words(top_long: Any) -> Verdict:
    """``top_long(view, k=5)``: with Spark SQL on a view of one ``word`` column, the k most frequent
    words of 8+ characters as ``[(word, count), ...]``, most frequent first, ties alphabetical. Run
    on a view whose words tie at the cut-off, then on the notebook's ``words`` view."""
    if (missing := function_missing(top_long, "top_long(view, k=5)")) is not None:
        return missing
    spark = _session()
    if spark is None:
        return wrong("Spark is not running: run the notebook's cells from the top.", mistake="no-spark")
    spark.createDataFrame([(w,) for w in TIE_WORDS[::-1]], "word string").createOrReplaceTempView(TIE_VIEW)
    try:
        for view, words, k in [(TIE_VIEW, list(TIE_WORDS), TIE_K), ("words", corpus.words(), 5)]:
            result, problem = call(top_long, view, k) if k != 5 else call(top_long, view)
            if problem is not None:
                return problem
            if type(result).__name__ == "DataFrame":
                return wrong("your function returns a DataFrame: collect() its rows and return them as a list.",
                             recipe=_SQL_RECIPE, mistake="not-collected")
            got = as_pairs(result)
            if got is None:
                return wrong(f"give a list of (word, count) pairs; on view {view!r} your function returned "
                             f"{type(result).__name__} {str(result)[:80]}", mistake="wrong-type")
            if got != corpus.top_long(words, k):
                mistake, hint = diagnose_top(got, words, k) or (
                    "wrong", "WHERE length(word) >= 8, GROUP BY word, ORDER BY the count DESC then word, LIMIT k.")
                if mistake == "wrong" and view != "words" and got == corpus.top_long_words(k):
                    mistake, hint = "ignores-the-view", "that is the answer for `words`: query the view you are given"
                return wrong(f"{hint} (on view {view!r}, k={k}, it returned {got[:6]})", recipe=_SQL_RECIPE,
                             mistake=mistake)
    finally:
        spark.catalog.dropTempView(TIE_VIEW)
    return correct()


__all__ = ["break_even_reference", "BREAK_EVEN_CASES", "check_break_even", "check_top_long_words", "TIE_VIEW"]
