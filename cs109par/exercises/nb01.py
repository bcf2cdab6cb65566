"""Checks for notebook 01-multiprocessing."""

from __future__ import annotations

import math

from . import Verdict, call, correct, exercise, same_number, wrong

_CHUNK_CASES = [(n, k) for n, k in [(10, 8), (16, 8), (17, 8), (5, 8), (65501, 8), (7, 1), (1, 3)]]


@exercise("01-chunk-size", points=2, answers=("chunk_size",))
def check_chunk_size(func) -> Verdict:
    """``chunk_size(n_items, n_chunks)``: the whole-number chunk size so that ``n_chunks`` chunks cover every item."""
    if not callable(func):
        return wrong("define the function chunk_size in the exercise cell and run that cell first.",
                     mistake="not-a-function")
    recipe = "round up with integer division: -(-n_items // n_chunks), or math.ceil(n_items / n_chunks)."
    for n, k in _CHUNK_CASES:
        got, problem = call(func, n, k)
        if problem is not None:
            return problem
        want = math.ceil(n / k)
        if isinstance(got, float):
            return wrong(f"for ({n}, {k}) it returned the float {got!r}: range() and slices need an int.",
                         recipe=recipe, mistake="float")
        if got == n // k and got != want:
            return wrong(f"for ({n}, {k}) it returned {got}: rounding down leaves the last items in no chunk.",
                         recipe=recipe, mistake="rounds-down")
        if got != want:
            return wrong(f"for ({n}, {k}) it returned {got!r}; {k} chunks of it must cover all {n} items, "
                         "with no chunk left empty that need not be.", recipe=recipe)
    return correct()


@exercise("01-amdahl", points=2, answers=("serial_part", "speedup_8"))
def check_amdahl(serial_part, speedup_8) -> Verdict:
    """A job takes 10 s on 1 worker and 6 s on 2 workers: the serial fraction, and the best speedup on 8 workers."""
    s = 2 / (10 / 6) - 1  # (n / speedup - 1) / (n - 1) with n = 2
    if not same_number(serial_part, s, rel=1e-3):
        return wrong(f"serial_part: solve Amdahl's law for s, with the measured speedup 10 / 6 on n = 2 "
                     f"(you gave {serial_part!r}).",
                     recipe="timing.serial_fraction(10 / 6, 2), or s = (n / speedup - 1) / (n - 1).")
    if not same_number(speedup_8, 1 / (s + (1 - s) / 8), rel=1e-3):
        return wrong("speedup_8: plug your serial fraction into speedup = 1 / (s + (1 - s) / n) with n = 8.",
                     recipe="timing.amdahl(serial_part, 8)")
    return correct()
