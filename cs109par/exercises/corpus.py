"""Reference answers about the bundled corpus, shared by the checkers of every notebook that asks
about it (04, 05, 07): computed in plain Python, no Spark needed, so a checker never depends on the
engine the exercise teaches.

>>> len(words()) > 60_000
True
>>> top_long_words(2)          # doctest: +ELLIPSIS
[('...', ...), ('...', ...)]
"""

from __future__ import annotations

import functools
from collections import Counter


@functools.lru_cache(maxsize=1)
def text() -> str:
    """The bundled corpus, decoded."""
    from ..data import corpus_path, read_text

    return read_text(corpus_path())


def words() -> list[str]:
    """The corpus's whitespace-separated words (what ``str.split()`` gives)."""
    return text().split()


def lines() -> list[str]:
    """The corpus's lines as ``sc.textFile`` cuts them (at \\n, \\r\\n or \\r; no empty last line)."""
    t = text().replace("\r\n", "\n").replace("\r", "\n")
    parts = t.split("\n")
    return parts[:-1] if t.endswith("\n") else parts


def top_long(some_words: list[str], k: int = 5, min_length: int = 8) -> list[tuple[str, int]]:
    """The ``k`` most frequent of ``some_words`` with at least ``min_length`` characters, as
    ``(word, count)``, most frequent first, ties broken alphabetically.

    >>> top_long(["parallel", "parallel", "zucchini", "executor", "spark"], k=2)
    [('parallel', 2), ('executor', 1)]
    """
    counts = Counter(w for w in some_words if len(w) >= min_length)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]


def top_long_words(k: int = 5, min_length: int = 8) -> list[tuple[str, int]]:
    """The ``k`` most frequent words of the corpus of at least ``min_length`` characters, as
    ``(word, count)``, most frequent first, ties broken alphabetically."""
    return top_long(words(), k, min_length)


__all__ = ["text", "words", "lines", "top_long", "top_long_words"]
