"""Exercises: a gap, then a check cell that gives a hint instead of a traceback.

In a notebook::

    # exercise cell (tagged "solution" in the committed notebook; a stub in the student copy)
    answer = ...

    # check cell
    from cs109par.exercises import nb00
    nb00.check_cores(answer)

Checkers print ``Correct!`` or ``Not yet: <hint>`` and return a bool; they never raise on a
wrong answer. Write new checkers with :func:`check` / :func:`check_equal` in a module per
notebook (``cs109par/exercises/nbXX.py``). ``python -m cs109par student`` writes gapped copies of
the notebooks (see :mod:`cs109par.exercises.student`).
"""

from __future__ import annotations

from typing import Any, Callable

CORRECT = "Correct!"
NOT_YET = "Not yet:"
UNANSWERED = "replace the `...` in the exercise cell with your answer and run it again."


def is_unanswered(answer: Any) -> Verdict:
    """True for the stub values a gapped notebook leaves: ``...`` or ``None``."""
    return answer is Ellipsis or answer is None


class Verdict:
    """What a checker returns: true when correct. It prints itself once, when the check runs, so a
    check cell shows just the verdict line (no ``True``/``False`` echoed by Jupyter)."""

    def __init__(self, ok: bool) -> None:
        self.ok = bool(ok)

    def __bool__(self) -> Verdict:
        return self.ok

    def __repr__(self) -> str:
        return f"Verdict(ok={self.ok})"

    def _ipython_display_(self) -> None:
        pass  # already printed by feedback()


def feedback(ok: bool, hint: str) -> Verdict:
    """Print the verdict for one exercise and return it."""
    print(CORRECT if ok else f"{NOT_YET} {hint}")
    return Verdict(ok)


def check(answer: Any, predicate: Callable[[Any], bool], hint: str) -> Verdict:
    """Generic checker: ``predicate(answer)`` decides; any exception it raises counts as wrong.

    >>> ok = check(4, lambda a: a % 2 == 0, "pick an even number")
    Correct!
    >>> ok = check(..., lambda a: a % 2 == 0, "pick an even number")
    Not yet: replace the `...` in the exercise cell with your answer and run it again.
    >>> bool(ok)
    False
    """
    if is_unanswered(answer):
        return feedback(False, UNANSWERED)
    try:
        ok = bool(predicate(answer))
    except Exception as exc:  # a wrong answer of the wrong type is still just a wrong answer
        return feedback(False, f"{hint} (checking it raised {type(exc).__name__}: {exc})")
    return feedback(ok, hint)


def check_equal(answer: Any, expected: Any, hint: str) -> Verdict:
    """Checker for an answer that must equal ``expected``.

    >>> ok = check_equal(3, 3, "count again")
    Correct!
    >>> ok = check_equal(2, 3, "count again")
    Not yet: count again
    """
    return check(answer, lambda a: a == expected, hint)


def check_function(func: Any, cases: list[tuple[tuple, Any]], hint: str) -> Verdict:
    """Checker for a function the student writes: call it on each ``(args, expected)`` case.

    >>> ok = check_function(lambda x: 2 * x, [((1,), 2), ((3,), 6)], "double it")
    Correct!
    """
    if is_unanswered(func) or not callable(func):
        return feedback(False, "define the function in the exercise cell and run that cell first.")
    for args, expected in cases:
        try:
            got = func(*args)
        except Exception as exc:
            return feedback(False, f"{hint} (calling it with {args!r} raised {type(exc).__name__}: {exc})")
        if is_unanswered(got):
            return feedback(False, "your function returns nothing yet: " + UNANSWERED)
        if got != expected:
            return feedback(False, f"{hint} (for {args!r} it returned {got!r})")
    return feedback(True, hint)


__all__ = ["check", "check_equal", "check_function", "feedback", "is_unanswered", "Verdict", "CORRECT", "NOT_YET"]
