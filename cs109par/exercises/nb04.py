"""Checks for notebook 04-spark-rdds. They recompute the answer in plain Python (no Spark needed)."""

from __future__ import annotations

from collections import Counter

from . import Verdict, check, check_equal, feedback, is_unanswered


def _corpus_words() -> list[str]:
    from ..data import corpus_path, read_text

    return read_text(corpus_path()).split()


def check_distinct_words(answer) -> Verdict:
    """How many different words does the bundled corpus contain?"""
    expected = len(set(_corpus_words()))
    return check_equal(
        answer,
        expected,
        "split every line into words (flatMap), then the transformation distinct() and the action count(). "
        "Did you split on whitespace with str.split() and count words, not lines?",
    )


def long_word_ranking(n: int = 5, min_length: int = 8) -> list[tuple[str, int]]:
    """The expected answer of exercise 2: the ``n`` most frequent words with ``min_length`` or more
    characters, as ``(word, count)``, most frequent first, ties alphabetical."""
    counts = Counter(w for w in _corpus_words() if len(w) >= min_length)
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def check_top_long_words(answer) -> Verdict:
    """The 5 most frequent words of 8 or more characters, with their counts."""
    if is_unanswered(answer):
        return check(answer, bool, "")
    expected = long_word_ranking()
    try:
        got = [(str(w), int(c)) for w, c in answer]
    except Exception:
        return feedback(False, "give a list of (word, count) pairs, e.g. [('function', 120), ...].")
    if sorted(got) == sorted(expected) and got != expected:
        return feedback(False, "the right words, but in the wrong order: most frequent first, ties alphabetical.")
    return check_equal(
        got,
        expected,
        "filter the words to len(w) >= 8 before counting them with map + reduceByKey, then "
        "takeOrdered(5, key=lambda kv: (-kv[1], kv[0])).",
    )


def check_stage_count(answer) -> Verdict:
    """How many stages does a job on ``pairs.reduceByKey(add).map(swap).groupByKey()`` run?"""
    return check_equal(
        answer,
        3,
        "count the shuffles: every reduceByKey/groupByKey adds one stage boundary, and a job with k "
        "shuffles has k + 1 stages. lineage.of(rdd).stages lists them.",
    )
