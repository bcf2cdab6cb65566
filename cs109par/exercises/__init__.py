"""Exercises: a gap, then a check cell that answers the mistake instead of showing a traceback.

In a notebook::

    # exercise cell (tagged "solution" in the committed notebook; a stub in the student copy)
    answer = ...

    # check cell
    from cs109par.exercises import nb00
    nb00.check_cores(answer)

Every exercise has an id (``"00-cores"``), points and **one checker**, registered with
:func:`exercise`. A checker looks at the answer (and, where the method is the lesson, at *how* it
was computed: :mod:`cs109par.exercises.methods`) and returns a :class:`Verdict` made by
:func:`correct` or :func:`wrong`; it names the mistake it recognises (a wrong type, an off-by-one,
the field the notebook warns about) rather than repeating one fixed hint. The decorator

* treats the stub values ``...`` and ``None`` as "not answered yet";
* turns an exception raised while checking into a one-line hint, never a traceback;
* prints ``Correct!`` or ``Not yet: <hint>``, and from the second wrong try of the same exercise
  also the full recipe (a hint ladder: first a nudge, then the way);
* registers the checker in :data:`REGISTRY`, where the grader (``python -m cs109par grade``) finds
  it by id and runs it without printing.

>>> @exercise("99-even", points=1, answers=("n",))
... def check_even(n):
...     if not isinstance(n, int):
...         return wrong("give a whole number", mistake="wrong-type")
...     return correct() if n % 2 == 0 else wrong("odd", recipe="try 2", mistake="odd")
>>> _ = check_even(3)
Not yet: odd
>>> _ = check_even(5)
Not yet: odd
  The way: try 2
>>> bool(check_even(4)), check_even.exercise.evaluate(...).mistake
Correct!
(True, 'unanswered')
>>> del REGISTRY["99-even"]
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CORRECT = "Correct!"
NOT_YET = "Not yet:"
UNANSWERED = "replace the `...` in the exercise cell with your answer and run it again."
WAY = "  The way:"


@dataclass(frozen=True)
class Verdict:
    """What a checker decides: right or not, the hint for this answer, the full recipe (shown from the
    second wrong try), and a short name for the recognised mistake (for tests and the grader)."""

    ok: bool
    hint: str = ""
    recipe: str = ""
    mistake: str = ""

    def __bool__(self) -> bool:
        return self.ok

    def _ipython_display_(self) -> None:
        pass  # already printed by the check: the cell shows the verdict line only


def correct() -> Verdict:
    return Verdict(True)


def wrong(hint: str, *, recipe: str = "", mistake: str = "wrong") -> Verdict:
    """A wrong answer: ``hint`` answers this mistake; ``recipe`` is the way, shown on a later try."""
    return Verdict(False, hint, recipe, mistake)


def unanswered() -> Verdict:
    return Verdict(False, UNANSWERED, mistake="unanswered")


def is_unanswered(answer: Any) -> bool:
    """True for the stub values a gapped notebook leaves: ``...`` or ``None``."""
    return answer is Ellipsis or answer is None


@dataclass(frozen=True)
class Exercise:
    """One registered exercise: its id (``NN-name``), points, the names of the answer variables the
    checker takes (in order), and ``evaluate``, the checker itself (returns a :class:`Verdict`, prints
    nothing, never raises)."""

    id: str
    points: int
    answers: tuple[str, ...]
    evaluate: Callable[..., Verdict]

    @property
    def notebook(self) -> str:
        return self.id[:2]


#: Every exercise of the course by id, filled when the ``nbXX`` modules are imported (:func:`load_all`).
REGISTRY: dict[str, Exercise] = {}
#: Wrong tries so far, per exercise id, in this Python process (the hint ladder's only state).
_wrong_tries: Counter[str] = Counter()


def exercise(exercise_id: str, *, points: int = 1, answers: tuple[str, ...]) -> Callable[[Callable[..., Verdict]],
                                                                                        Callable[..., Verdict]]:
    """Register a checker under ``exercise_id``; the decorated function prints its verdict (see module doc)."""

    def register(check: Callable[..., Verdict]) -> Callable[..., Verdict]:
        def evaluate(*args: Any, **kwargs: Any) -> Verdict:
            if any(is_unanswered(a) for a in args):
                return unanswered()
            try:
                verdict = check(*args, **kwargs)
            except Exception as exc:  # a checker never lets an exception escape as a traceback
                return wrong(f"checking your answer raised {type(exc).__name__}: {short(exc)}", mistake="raised")
            if not isinstance(verdict, Verdict):  # a checker bug, not the student's
                raise TypeError(f"checker of {exercise_id} returned {verdict!r}, not a Verdict")
            return verdict

        if exercise_id in REGISTRY:
            raise ValueError(f"exercise id {exercise_id!r} is registered twice")
        entry = Exercise(exercise_id, points, answers, evaluate)
        REGISTRY[exercise_id] = entry

        @functools.wraps(check)
        def show(*args: Any, **kwargs: Any) -> Verdict:
            verdict = evaluate(*args, **kwargs)
            print(render(exercise_id, verdict))
            return verdict

        show.exercise = entry  # type: ignore[attr-defined]
        return show

    return register


def render(exercise_id: str, verdict: Verdict) -> str:
    """The verdict as the check cell prints it; counts wrong tries for the hint ladder."""
    if verdict.ok:
        return CORRECT
    text = f"{NOT_YET} {verdict.hint}"
    if verdict.mistake != "unanswered":
        _wrong_tries[exercise_id] += 1
        if verdict.recipe and _wrong_tries[exercise_id] >= 2:
            text += f"\n{WAY} {verdict.recipe}"
    return text


def reset_tries() -> None:
    """Forget every wrong try (the ladder starts again at the nudge)."""
    _wrong_tries.clear()


def short(exc: BaseException, limit: int = 200) -> str:
    """The first line of an exception's message, cut to ``limit`` characters (Spark's are pages long).

    Spark's own errors put the useful line elsewhere, so for them it is the worker's exception (the
    last line of a Python worker's traceback) or the JVM's deepest ``Caused by:``, without the
    package paths of the wrapping exception classes.

    >>> short(ValueError("bad value\\nmore detail"))
    'bad value'
    >>> short(RuntimeError("An exception was thrown from the Python worker:\\nTraceback (most recent call "
    ...                    "last):\\n  File ...\\nTypeError: argument of type 'Broadcast' is not iterable"))
    "TypeError: argument of type 'Broadcast' is not iterable"
    >>> short(RuntimeError("An error occurred while calling o1.count.\\n: org.apache.spark.SparkException: "
    ...                    "Job aborted\\nCaused by: java.io.IOException: org.apache.spark.SparkException: "
    ...                    "[X] Attempted to use Broadcast(3) after it was destroyed (destroy at "
    ...                    "NativeMethodAccessorImpl.java:0)  SQLSTATE: XX000"))
    'SparkException: [X] Attempted to use Broadcast(3) after it was destroyed'
    """
    message = str(exc).strip()
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    text = lines[0]
    if "Traceback (most recent call last)" in message:  # a Python worker's error, wrapped by Spark
        text = lines[-1]
    elif text.startswith("An error occurred while calling"):  # a JVM error through Py4J
        causes = [line[len("Caused by:"):].strip() for line in lines if line.startswith("Caused by:")]
        text = causes[-1] if causes else (lines[1].lstrip(": ") if len(lines) > 1 else text)
    text = re.sub(r"\s+SQLSTATE: \w+$", "", text)
    text = re.sub(r"\s*\((?:\w+ at )?[\w$.]+\.(?:java|scala):\d+\)$", "", text)  # "(destroy at X.java:0)"
    while re.match(rf"{_CLASS}: {_CLASS}: ", text):  # java.io.IOException: org.apache...SparkException: ...
        text = text.split(": ", 1)[1]
    text = re.sub(r"^(?:[a-z_][\w$]*\.)+(?=[A-Z][\w$]*: )", "", text)  # keep the class, drop its package
    return text if len(text) <= limit else text[: limit - 1] + "…"


_CLASS = r"(?:[a-z_][\w$]*\.)+[A-Z][\w$]*"


# --- building blocks for checkers -----------------------------------------------------------------
def same_number(answer: Any, expected: float, rel: float = 1e-9) -> bool:
    """``answer`` is a real number (not a bool, not a string) close to ``expected``.

    >>> same_number(0.5, 0.5), same_number("0.5", 0.5), same_number(True, 1)
    (True, False, False)
    """
    if isinstance(answer, bool) or not isinstance(answer, (int, float)):
        try:
            import numpy as np

            if not isinstance(answer, np.number):
                return False
        except ImportError:  # pragma: no cover
            return False
    return math.isclose(float(answer), expected, rel_tol=rel, abs_tol=1e-12)


def number_type(answer: Any, want: type = int) -> Verdict | None:
    """A :class:`Verdict` for a number of the wrong type (a string, a float where an int is due), or
    ``None`` when the type is right.

    >>> number_type("3").mistake, number_type(3.0).mistake, number_type(3)
    ('wrong-type', 'float-for-int', None)
    """
    if want is int:
        if isinstance(answer, bool) or isinstance(answer, float):
            if isinstance(answer, float) and answer.is_integer():
                return wrong(f"right idea, but {answer!r} is a float: the answer is a whole number (an int).",
                             mistake="float-for-int")
            return wrong(f"the answer is a whole number (an int), not {type(answer).__name__} {answer!r}.",
                         mistake="wrong-type")
        if isinstance(answer, int) or type(answer).__name__.startswith(("int", "uint")):
            return None
    elif isinstance(answer, (int, float)) and not isinstance(answer, bool):
        return None
    return wrong(f"the answer is a number, not {type(answer).__name__} {answer!r}"
                 + (" (drop the quotes)." if isinstance(answer, str) else "."), mistake="wrong-type")


def call(func: Callable[..., Any], *args: Any) -> tuple[Any, Verdict | None]:
    """Call the student's function; ``(result, None)``, or ``(None, verdict)`` naming what went wrong."""
    try:
        result = func(*args)
    except Exception as exc:
        shown = ", ".join(map(repr, args))
        return None, wrong(f"calling it with ({shown}) raised {type(exc).__name__}: {short(exc)}", mistake="raised")
    if is_unanswered(result):
        return None, wrong("your function returns nothing yet: " + UNANSWERED, mistake="returns-nothing")
    return result, None


def function_missing(func: Any, signature: str, recipe: str = "") -> Verdict | None:
    """For an exercise that asks for a function: the verdict when there is none yet (not a function, or
    the stub a student copy leaves), else ``None``.

    >>> function_missing(3, "f(x)").mistake, function_missing(lambda x: None, "f(x)").mistake
    ('not-a-function', 'unanswered')
    >>> function_missing(abs, "f(x)") is None
    True
    """
    from .student import is_stub_function  # the stub's shape is the student copies' business

    if not callable(func):
        return wrong(f"define the function {signature} in the exercise cell and run that cell first.",
                     recipe=recipe, mistake="not-a-function")
    return unanswered() if is_stub_function(func) else None


def check_cases(func: Any, cases: list[tuple[tuple, Any]], hint: str, *, recipe: str = "",
                mistake: str = "wrong") -> Verdict:
    """For an exercise that asks for a function: call it on every ``(args, expected)`` case.

    >>> check_cases(lambda x: 2 * x, [((1,), 2), ((3,), 6)], "double it").ok
    True
    >>> check_cases(lambda x: x, [((3,), 6)], "double it").hint
    'double it (for (3,) it returned 3)'
    """
    if (missing := function_missing(func, "asked for")) is not None:
        return missing
    for args, expected in cases:
        got, problem = call(func, *args)
        if problem is not None:
            return problem
        if got != expected:
            return wrong(f"{hint} (for {args!r} it returned {got!r})", recipe=recipe, mistake=mistake)
    return correct()


def load_all() -> dict[str, Exercise]:
    """Import every notebook's checkers and return the whole registry."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("nb"):
            importlib.import_module(f"{__name__}.{info.name}")
    return REGISTRY


__all__ = [
    "CORRECT", "NOT_YET", "UNANSWERED", "Verdict", "Exercise", "REGISTRY", "exercise", "correct", "wrong",
    "unanswered", "is_unanswered", "render", "reset_tries", "short", "same_number", "number_type", "call",
    "function_missing", "check_cases", "load_all",
]
