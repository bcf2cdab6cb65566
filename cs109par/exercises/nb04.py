"""Checks for notebook 04-spark-rdds. They recompute the answer in plain Python (no Spark needed)."""

from __future__ import annotations

from . import Verdict, corpus, correct, exercise, number_type, wrong


@exercise("04-distinct-words", points=1, answers=("distinct_words",))
def check_distinct_words(answer) -> Verdict:
    """How many different words does the bundled corpus contain?"""
    if (bad := number_type(answer)) is not None:
        return bad
    if answer == len(set(corpus.words())):
        return correct()
    return wrong("split every line into words (flatMap), then the transformation distinct() and the action "
                 "count(). Did you split on whitespace with str.split() and count words, not lines?")


@exercise("04-top-long-words", points=2, answers=("top_long_words",))
def check_top_long_words(answer) -> Verdict:
    """The 5 most frequent words of 8 or more characters, with their counts."""
    expected = corpus.top_long_words()
    try:
        got = [(str(w), int(c)) for w, c in answer]
    except Exception:
        return wrong("give a list of (word, count) pairs, e.g. [('function', 120), ...].", mistake="wrong-type")
    if sorted(got) == sorted(expected) and got != expected:
        return wrong("the right words, but in the wrong order: most frequent first, ties alphabetical.",
                     mistake="order")
    if got == expected:
        return correct()
    return wrong("filter the words to len(w) >= 8 before counting them with map + reduceByKey.",
                 recipe="takeOrdered(5, key=lambda kv: (-kv[1], kv[0])) on the counts.")


@exercise("04-stage-count", points=1, answers=("stage_count",))
def check_stage_count(answer) -> Verdict:
    """How many stages does a job on ``pairs.reduceByKey(add).map(swap).groupByKey()`` run?"""
    if (bad := number_type(answer)) is not None:
        return bad
    if answer == 3:
        return correct()
    return wrong("count the shuffles: every reduceByKey/groupByKey adds one stage boundary, and a job with k "
                 "shuffles has k + 1 stages.", recipe="lineage.of(rdd).stages lists them.")
