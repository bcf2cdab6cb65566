"""Checks for notebook 07-theres-more."""

from __future__ import annotations

import math
from collections import Counter

from . import Verdict, check, is_unanswered, feedback, UNANSWERED


def break_even_reference(overhead: float, per_item: float, serial_per_item: float) -> float:
    """Items above which an engine with this fixed ``overhead`` and ``per_item`` cost beats a serial
    loop costing ``serial_per_item`` per item (and nothing up front); ``inf`` if it never does."""
    if per_item >= serial_per_item:
        return math.inf
    return overhead / (serial_per_item - per_item)


_CASES = [(0.5, 0.001, 0.002), (0.1, 1e-5, 4e-5), (2.0, 0.0, 0.01), (0.3, 0.004, 0.002), (0.0, 0.001, 0.002)]


def check_break_even(func) -> Verdict:
    """The student's ``break_even(overhead, per_item, serial_per_item)``."""
    hint = (
        "the engine costs overhead + n * per_item, the loop n * serial_per_item; solve for the n where "
        "they are equal. If the engine is not faster per item, it never pays off: return math.inf."
    )
    if is_unanswered(func) or not callable(func):
        return feedback(False, "define break_even in the exercise cell and run that cell first.")

    def ok(f) -> bool:
        for args in _CASES:
            got, want = f(*args), break_even_reference(*args)
            if is_unanswered(got):
                return False
            if math.isinf(want):
                if not (isinstance(got, float) and math.isinf(got) and got > 0):
                    return False
            elif not math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12):
                return False
        return True

    return check(func, ok, hint)


def top_long_words(k: int = 5, min_length: int = 8) -> list[tuple[str, int]]:
    """The ``k`` most frequent whitespace-separated words of at least ``min_length`` characters in
    the bundled corpus, most frequent first, ties broken alphabetically."""
    from .. import data

    counts = Counter(w for w in data.read_text(data.corpus_path()).split() if len(w) >= min_length)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


def check_top_long_words(answer) -> Verdict:
    """The 5 most frequent words of 8+ characters, as ``[(word, count), ...]``."""
    if is_unanswered(answer):
        return feedback(False, UNANSWERED)
    hint = (
        "query the `words` view: WHERE length(word) >= 8, GROUP BY word, ORDER BY count(*) DESC, word, "
        "LIMIT 5; then turn the collected Rows into (word, count) tuples."
    )
    return check(answer, lambda a: [tuple(r) for r in a] == top_long_words(), hint)
