"""Checks for notebook 05-broadcast-accumulators. They recompute the answer in plain Python."""

from __future__ import annotations

from . import Verdict, check_equal

#: A small stop-word list for exercise 1 (broadcast it; don't capture it).
STOP_WORDS = frozenset(
    "a an and are as at be by for from if in into is it not of on or that the their then there these "
    "this to was were will with".split()
)


def _corpus_text() -> str:
    from ..data import corpus_path, read_text

    return read_text(corpus_path())


def corpus_lines() -> list[str]:
    """The corpus's lines as ``sc.textFile`` cuts them (at \\n, \\r\\n or \\r; no empty last line)."""
    text = _corpus_text().replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    return lines[:-1] if text.endswith("\n") else lines


def check_content_words(answer) -> Verdict:
    """How many words of the corpus are not stop words (compared lower-cased)?"""
    expected = sum(1 for w in _corpus_text().split() if w.lower() not in STOP_WORDS)
    return check_equal(
        answer,
        expected,
        "broadcast STOP_WORDS, then in a filter keep the words w with w.lower() not in "
        "stop_words.value, and count() them.",
    )


def check_blank_lines(answer) -> Verdict:
    """How many blank lines (empty or only whitespace) does the corpus have?"""
    expected = sum(1 for line in corpus_lines() if not line.strip())
    return check_equal(
        answer,
        expected,
        "add 1 to an accumulator inside foreach (an action) for every line with line.strip() == '', "
        "then read accumulator.value on the driver.",
    )
