"""Checks for notebook 05-broadcast-accumulators. They recompute the answer in plain Python."""

from __future__ import annotations

from . import Verdict, corpus, correct, exercise, number_type, wrong

#: A small stop-word list for exercise 1 (broadcast it; don't capture it).
STOP_WORDS = frozenset(
    "a an and are as at be by for from if in into is it not of on or that the their then there these "
    "this to was were will with".split()
)


@exercise("05-content-words", points=2, answers=("content_word_count",))
def check_content_words(answer) -> Verdict:
    """How many words of the corpus are not stop words (compared lower-cased)?"""
    if (bad := number_type(answer)) is not None:
        return bad
    if answer == sum(1 for w in corpus.words() if w.lower() not in STOP_WORDS):
        return correct()
    return wrong("keep the words w with w.lower() not in the broadcast set, and count() them.",
                 recipe="stop_words = sc.broadcast(STOP_WORDS); words.filter(lambda w: w.lower() not in "
                        "stop_words.value).count()")


@exercise("05-blank-lines", points=2, answers=("blank_lines",))
def check_blank_lines(answer) -> Verdict:
    """How many blank lines (empty or only whitespace) does the corpus have?"""
    if (bad := number_type(answer)) is not None:
        return bad
    if answer == sum(1 for line in corpus.lines() if not line.strip()):
        return correct()
    return wrong("add 1 to an accumulator inside foreach (an action) for every line with line.strip() == '', "
                 "then read accumulator.value on the driver.")
