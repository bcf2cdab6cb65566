"""Checks for notebook 01-multiprocessing."""

from __future__ import annotations

import math

from . import Verdict, check, check_function, feedback, is_unanswered


def check_chunk_size(func) -> Verdict:
    """``chunk_size(n_items, n_chunks)``: the whole-number chunk size so that ``n_chunks`` chunks cover every item."""
    cases = [((n, k), math.ceil(n / k)) for n, k in [(10, 8), (16, 8), (17, 8), (5, 8), (65501, 8), (7, 1), (1, 3)]]
    ok = check_function(
        func,
        cases,
        "the size must be a whole number (an int, not a float) and round *up*, so that no item is left over: "
        "try integer division, -(-n // k), or math.ceil(n / k).",
    )
    if ok:
        bad = [args for args, _ in cases if not isinstance(func(*args), int)]
        if bad:
            return feedback(False, f"right value, wrong type: for {bad[0]!r} it returned a float; range() and slices need an int.")
    return ok


def check_amdahl(serial_part, speedup_8) -> Verdict:
    """A job takes 10 s on 1 worker and 6 s on 2 workers: the serial fraction, and the best speedup on 8 workers."""
    if is_unanswered(serial_part) or is_unanswered(speedup_8):
        return check(..., bool, "")
    s = 2 / (10 / 6) - 1  # (n / speedup - 1) / (n - 1) with n = 2

    def close(answer, expected) -> bool:
        try:
            return math.isclose(float(answer), expected, rel_tol=1e-3)
        except (TypeError, ValueError):
            return False

    if not close(serial_part, s):
        return feedback(
            False,
            f"serial_part: solve Amdahl's law for s: speedup = 1 / (s + (1 - s) / n), with the measured speedup "
            f"10 / 6 and n = 2 (you gave {serial_part!r}).",
        )
    return feedback(close(speedup_8, 1 / (s + (1 - s) / 8)), "speedup_8: plug your serial fraction into speedup = 1 / (s + (1 - s) / n) with n = 8.")
