"""Checks for notebook 07-theres-more."""

from __future__ import annotations

import math

from ..compare import crossover
from . import Verdict, call, corpus, correct, exercise, wrong


def break_even_reference(overhead: float, per_item: float, serial_per_item: float) -> float:
    """Items above which an engine with this fixed ``overhead`` and ``per_item`` cost beats a serial
    loop costing ``serial_per_item`` per item (and nothing up front); ``inf`` if it never does. The
    same rule as notebook 07's measured crossovers (:func:`cs109par.compare.crossover`)."""
    return crossover((overhead, per_item), (0.0, serial_per_item))


_CASES = [(0.5, 0.001, 0.002), (0.1, 1e-5, 4e-5), (2.0, 0.0, 0.01), (0.3, 0.004, 0.002), (0.0, 0.001, 0.002)]


@exercise("07-break-even", points=2, answers=("break_even",))
def check_break_even(func) -> Verdict:
    """The student's ``break_even(overhead, per_item, serial_per_item)``."""
    if not callable(func):
        return wrong("define break_even in the exercise cell and run that cell first.", mistake="not-a-function")
    recipe = ("the engine costs overhead + n * per_item, the loop n * serial_per_item; solve for the n where "
              "they are equal. If the engine is not faster per item, it never pays off: return math.inf.")
    for args in _CASES:
        got, problem = call(func, *args)
        if problem is not None:
            return problem
        want = break_even_reference(*args)
        if math.isinf(want):
            if not (isinstance(got, float) and math.isinf(got) and got > 0):
                return wrong(f"for {args} the engine is not faster per item, so it never pays off "
                             f"(you returned {got!r}).", recipe=recipe, mistake="never")
        elif not (isinstance(got, (int, float)) and math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)):
            return wrong(f"for {args} you returned {got!r}.", recipe=recipe)
    return correct()


@exercise("07-top-long-words", points=2, answers=("top_long",))
def check_top_long_words(answer) -> Verdict:
    """The 5 most frequent words of 8+ characters, as ``[(word, count), ...]``."""
    try:
        got = [tuple(r) for r in answer]
    except TypeError:
        return wrong("give a list of (word, count) pairs.", mistake="wrong-type")
    if got == corpus.top_long_words():
        return correct()
    return wrong("query the `words` view: WHERE length(word) >= 8, GROUP BY word, ORDER BY count(*) DESC, word, "
                 "LIMIT 5; then turn the collected Rows into (word, count) tuples.")
