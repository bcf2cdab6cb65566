"""Checks for notebook 01-multiprocessing."""

from __future__ import annotations

import math
from collections.abc import Callable

from . import Verdict, call, correct, exercise, function_missing, number_type, same_number, wrong

#: ``(n_items, n_chunks)`` cases for exercise 1, chosen so that rounding down, rounding to nearest,
#: always adding one and swapping the arguments each fail on at least one of them.
CHUNK_CASES = [(10, 8), (15, 8), (16, 8), (17, 8), (5, 8), (65501, 8), (7, 1), (1, 3)]

_CHUNK_RECIPE = "round up with integer division: return -(-n_items // n_chunks), or math.ceil(n_items / n_chunks)."
#: Wrong ways to compute a chunk size, what each gives, and the hint that names it.
_CHUNK_MISTAKES: list[tuple[str, Callable[[int, int], int], str]] = [
    ("rounds-down", lambda n, k: n // k,
     "your function rounds down (like n_items // n_chunks): for (10, 8) it gives 1, and 8 chunks of 1 item leave "
     "2 items in no chunk. Round up instead."),
    ("rounds-nearest", lambda n, k: round(n / k),
     "your function rounds to the nearest whole number (like round(n_items / n_chunks)): for (10, 8) that is 1, "
     "and 2 items end up in no chunk. A chunk size must round up."),
    ("always-plus-one", lambda n, k: n // k + 1,
     "your function always adds one to n_items // n_chunks: right when the division leaves a remainder, one "
     "too many when it does not (for (16, 8) it gives 3, and the last chunks come out empty)."),
    ("swapped-arguments", lambda n, k: -(-k // n),
     "your function seems to divide n_chunks by n_items: the arguments are (n_items, n_chunks), in that order."),
]


@exercise("01-chunk-size", points=2, answers=("chunk_size",))
def check_chunk_size(func) -> Verdict:
    """``chunk_size(n_items, n_chunks)``: the whole-number chunk size so that ``n_chunks`` chunks cover every item."""
    if (missing := function_missing(func, "chunk_size", _CHUNK_RECIPE)) is not None:
        return missing
    got: list[object] = []
    for n, k in CHUNK_CASES:
        result, problem = call(func, n, k)
        if problem is not None:
            hint = problem.hint
            if problem.mistake == "returns-nothing":
                hint = (f"for ({n}, {k}) your function returned nothing (None): hand the size back with `return` "
                        "(print only shows it).")
            return wrong(hint, recipe=_CHUNK_RECIPE, mistake=problem.mistake)
        got.append(result)
    want = [math.ceil(n / k) for n, k in CHUNK_CASES]
    floats = [(case, g) for case, g in zip(CHUNK_CASES, got) if isinstance(g, float)]
    if floats:
        (n, k), g = floats[0]
        return wrong(f"for ({n}, {k}) it returned the float {g!r}: range() and slices need an int (the lecture's "
                     "bug). Use integer arithmetic.", recipe=_CHUNK_RECIPE, mistake="float")
    if got == want:
        return correct()
    for mistake, wrong_way, hint in _CHUNK_MISTAKES:
        if got == [wrong_way(n, k) for n, k in CHUNK_CASES]:
            return wrong(hint, recipe=_CHUNK_RECIPE, mistake=mistake)
    (n, k), returned = next((case, g) for case, g, w in zip(CHUNK_CASES, got, want) if g != w)
    return wrong(f"for ({n}, {k}) it returned {returned!r}; {k} chunks of that size must cover all {n} items, "
                 "with no chunk left empty that need not be.", recipe=_CHUNK_RECIPE)


#: Exercise 2's measurements: seconds on 1 worker and on 2 workers.
T1, T2 = 10, 6


@exercise("01-amdahl", points=2, answers=("serial_part", "speedup_8"))
def check_amdahl(serial_part, speedup_8) -> Verdict:
    """A job takes 10 s on 1 worker and 6 s on 2 workers: the serial fraction ``s``, and what Amdahl's law then
    gives for 8 workers."""
    recipe = ("serial_part = timing.serial_fraction(10 / 6, 2) (that is (n / speedup - 1) / (n - 1) with n = 2); "
              "speedup_8 = timing.amdahl(serial_part, 8) (that is 1 / (s + (1 - s) / 8)).")
    speedup = T1 / T2
    s = (2 / speedup - 1) / (2 - 1)  # 0.2
    for name, value in (("serial_part", serial_part), ("speedup_8", speedup_8)):
        if (bad := number_type(value, float)) is not None:
            return Verdict(False, f"{name}: {bad.hint}", recipe, bad.mistake)
    if not same_number(serial_part, s, rel=1e-3):
        for wrong_s, mistake, hint in [
            (speedup, "speedup-for-s", "serial_part: that is the measured speedup (10 / 6), not the serial fraction: "
                                       "solve Amdahl's law for s."),
            (T2 / T1, "inverted-speedup", "serial_part: that is 6 / 10, the ratio of the times upside down; the "
                                          "serial fraction comes from solving Amdahl's law for s."),
            (1 - s, "parallel-fraction", "serial_part: that is the part that *does* run in parallel (1 - s); the "
                                         "question asks for the serial part."),
            (100 * s, "percent", "serial_part: a fraction between 0 and 1, not a percentage."),
        ]:
            if same_number(serial_part, wrong_s, rel=1e-3):
                return wrong(hint, recipe=recipe, mistake=mistake)
        if not 0 <= serial_part <= 1:
            return wrong(f"serial_part: a fraction lies between 0 and 1, not {serial_part!r}.", recipe=recipe,
                         mistake="out-of-range")
        return wrong(f"serial_part: solve speedup = 1 / (s + (1 - s) / n) for s, with the measured speedup 10 / 6 on "
                     f"n = 2 (you gave {serial_part!r}).", recipe=recipe)
    best_8 = 1 / (s + (1 - s) / 8)
    if same_number(speedup_8, best_8, rel=1e-3):
        return correct()
    for wrong_8, mistake, hint in [
        (8, "ideal-speedup", "speedup_8: 8 is the ideal, which only a job with no serial part reaches."),
        (1 / s, "ceiling", "speedup_8: 1 / s is the ceiling for *infinitely* many workers; the question asks for 8."),
        (speedup * 8 / 2, "linear-extrapolation", "speedup_8: scaling the 2-worker speedup linearly ignores the "
                                                  "serial part, which does not shrink with more workers."),
        (T1 * (s + (1 - s) / 8), "time-not-speedup", "speedup_8: that is the *time* on 8 workers (in seconds); the "
                                                     "speedup is the time on 1 worker divided by it."),
        (1 / ((1 - s) + s / 8), "swapped-fractions", "speedup_8: you swapped s and 1 - s in the formula: the serial "
                                                     "part is the one that is *not* divided by n."),
    ]:
        if same_number(speedup_8, wrong_8, rel=1e-3):
            return wrong(hint, recipe=recipe, mistake=mistake)
    return wrong("speedup_8: plug your serial fraction into speedup = 1 / (s + (1 - s) / n) with n = 8 "
                 f"(you gave {speedup_8!r}).", recipe=recipe)


__all__ = ["CHUNK_CASES", "check_chunk_size", "check_amdahl"]
