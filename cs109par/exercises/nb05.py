"""Checks for notebook 05-broadcast-accumulators.

Both exercises are about the method, so both checks run the student's Spark code themselves:

* exercise 1 gets the RDD of content words (no action yet): the check looks at what its lambdas read
  (a :class:`pyspark.Broadcast`, through ``.value``, holding the stop words) and runs ``count()``,
  so that reading the handle instead of its value becomes a hint, not a Java stack trace;
* exercise 2 gets a function ``count_blank(lines)`` and runs it on an RDD of its own with empty *and*
  whitespace-only lines (the corpus has no whitespace-only line), twice, watching which accumulator
  the answer came from.
"""

from __future__ import annotations

from typing import Any

from . import Verdict, call, corpus, correct, exercise, function_missing, methods, number_type, short, wrong

#: A small stop-word list for exercise 1 (broadcast it; don't capture it).
STOP_WORDS = frozenset(
    "a an and are as at be by for from if in into is it not of on or that the their then there these "
    "this to was were will with".split()
)

# --- exercise 1 -----------------------------------------------------------------------------------

_CONTENT_RECIPE = ("stop_words = sc.broadcast(STOP_WORDS); content_words = corpus_lines.flatMap(str.split)"
                   ".filter(lambda w: w.lower() not in stop_words.value)")


def _content_mistakes() -> dict[int, tuple[str, str]]:
    words = corpus.words()
    return {
        sum(1 for w in words if w not in STOP_WORDS): (
            "case-folding-missed", "'The' and 'A' are not in the (lower-case) stop words: compare w.lower()."),
        len(words): ("no-filter", "that is every word: keep only the words whose lower-case form is not a stop word."),
        sum(1 for w in words if w.lower() in STOP_WORDS): (
            "inverted-filter", "those are the stop words themselves: keep the words that are NOT in the set."),
        sum(1 for line in corpus.lines() if line.strip()): (
            "counted-lines", "that counts lines: split the lines into words (flatMap) before filtering."),
    }


@exercise("05-content-words", points=2, answers=("content_words",))
def check_content_words(content_words: Any) -> Verdict:
    """The RDD of the corpus's words that are not stop words (compared lower-cased), its filter reading
    a broadcast of the stop words. The check runs ``count()`` on it."""
    if isinstance(content_words, int) and not isinstance(content_words, bool):
        return wrong("pass the RDD of content words itself (before .count()): the check runs the action.",
                     recipe=_CONTENT_RECIPE, mistake="gave-a-number")
    if not methods.is_rdd(content_words):
        return wrong(f"content_words should be an RDD of words, not {type(content_words).__name__}.",
                     recipe=_CONTENT_RECIPE, mistake="not-an-rdd")
    from pyspark import Broadcast

    handles = methods.referenced(content_words, Broadcast)
    if not handles:
        if methods.references(content_words, (set, frozenset, list, tuple, dict)):
            return wrong("your filter captures the stop words themselves, so every task unpickles its own copy "
                         "(if you read .value on the driver, the lambda captured the set it returned): "
                         "broadcast them and read .value inside the lambda.", recipe=_CONTENT_RECIPE,
                         mistake="captured-set")
        return wrong("your filter reads no broadcast variable: make one with sc.broadcast(STOP_WORDS) and use "
                     "it inside the lambda.", recipe=_CONTENT_RECIPE, mistake="no-broadcast")
    states = {_state(handle) for handle in handles}
    if "destroyed" in states:
        return wrong("the broadcast your filter reads was destroyed: make a new one with sc.broadcast(STOP_WORDS).",
                     recipe=_CONTENT_RECIPE, mistake="destroyed")
    if "stop words" not in states:
        return wrong("the broadcast your filter reads does not hold STOP_WORDS: broadcast that set.",
                     recipe=_CONTENT_RECIPE, mistake="wrong-broadcast")
    try:
        count = content_words.count()
    except Exception as exc:  # a worker's error arrives wrapped in a Java one: say what it was
        message = short(exc)
        if "'Broadcast'" in message:
            return wrong("inside the lambda the name is the broadcast *handle*; the set it carries is "
                         f"stop_words.value (the worker said: {message}).", recipe=_CONTENT_RECIPE,
                         mistake="handle-not-value")
        return wrong(f"counting your RDD failed: {message}", recipe=_CONTENT_RECIPE, mistake="raised")
    expected = sum(1 for w in corpus.words() if w.lower() not in STOP_WORDS)
    if count == expected:
        return correct()
    mistake, hint = _content_mistakes().get(count, ("wrong", "split the lines into words, then keep the words w "
                                                             "with w.lower() not in the broadcast set."))
    return wrong(f"{hint} (your RDD has {count:,} words)", recipe=_CONTENT_RECIPE, mistake=mistake)


def _state(handle: Any) -> str:
    """What a broadcast handle holds, read on the driver: "stop words", "other" or "destroyed"."""
    try:
        value = handle.value
    except OSError:  # destroy() deleted the driver's copy of the pickled value
        return "destroyed"
    try:
        return "stop words" if set(value) == set(STOP_WORDS) else "other"
    except TypeError:  # not a collection
        return "other"


# --- exercise 2 -----------------------------------------------------------------------------------

#: Test lines for exercise 2: empty lines, lines of spaces or tabs only, and text with spaces around.
BLANK_TEST_LINES = ["first line", "", "   ", "\t", "  text with spaces  ", "", "last line", " \t ", "\t\tx",
                    "    ", "end"]
_BLANK_RECIPE = ("def count_blank(lines): blank = sc.accumulator(0); lines.foreach(lambda line: blank.add(1) "
                 "if not line.strip() else None); return blank.value")


def _accumulators() -> dict[int, Any]:
    from pyspark.accumulators import _accumulatorRegistry

    return dict(_accumulatorRegistry)


def _values(accumulators: dict[int, Any]) -> dict[int, Any]:
    return {aid: acc._value for aid, acc in accumulators.items()}


@exercise("05-blank-lines", points=2, answers=("count_blank",))
def check_blank_lines(count_blank: Any) -> Verdict:
    """``count_blank(lines)``: how many lines of an RDD are blank (empty or only whitespace), counted
    with an accumulator that the tasks update in an action; returns the driver's reading of it."""
    if (missing := function_missing(count_blank, "count_blank(lines)")) is not None:
        return missing
    sc = methods.spark_context()
    if sc is None:
        return wrong("Spark is not running: run the notebook's cells from the top.", mistake="no-spark")
    lines = BLANK_TEST_LINES
    expected = sum(1 for line in lines if not line.strip())
    from pyspark import Accumulator

    for _ in range(2):  # twice: an accumulator kept from an earlier call shows on the second
        before = _values(_accumulators())
        got, problem = call(count_blank, sc.parallelize(lines, 3))
        if problem is not None:
            return problem
        if isinstance(got, Accumulator):
            return wrong("your function returns the accumulator itself: return the number it holds, "
                         "blank.value, read on the driver.", recipe=_BLANK_RECIPE, mistake="returned-accumulator")
        if (bad := number_type(got)) is not None:
            return bad
        sources = {aid: acc for aid, acc in _accumulators().items()
                   if before.get(aid, object()) != acc._value and acc._value == got}
        if got != expected:
            break
        if not sources:
            return wrong("the number is right, but no accumulator counted it: let the tasks add 1 to an "
                         "accumulator for every blank line, and return its value.", recipe=_BLANK_RECIPE,
                         mistake="no-accumulator")
    else:
        return correct()
    shown = f"(on {len(lines)} test lines with {expected} blank ones, your function returned {got})"
    if sources and all(before.get(aid) not in (None, 0) for aid in sources):
        return wrong(f"your accumulator already held {before[next(iter(sources))]} before this call {shown}: it "
                     "lives outside the function and keeps its old total. Make a new one inside count_blank.",
                     recipe=_BLANK_RECIPE, mistake="reused-accumulator")
    if got == sum(1 for line in lines if line == ""):
        return wrong(f"lines of only spaces or tabs are blank too {shown}: test `not line.strip()`, not "
                     "`line == ''`.", recipe=_BLANK_RECIPE, mistake="empty-only")
    if got == len(lines) - expected:
        return wrong(f"you counted the lines that are NOT blank {shown}.", recipe=_BLANK_RECIPE, mistake="inverted")
    if got == len(lines):
        return wrong(f"you counted every line {shown}: add 1 only when the line is blank.", recipe=_BLANK_RECIPE,
                     mistake="counted-all")
    if got > expected and got % expected == 0:
        return wrong(f"the accumulator counted every blank line {got // expected} times {shown}: the RDD that "
                     "updates it was computed by more than one job. Update it in the one action (foreach).",
                     recipe=_BLANK_RECIPE, mistake="recomputed")
    return wrong(f"count the lines for which line.strip() is empty {shown}.", recipe=_BLANK_RECIPE)


__all__ = ["STOP_WORDS", "BLANK_TEST_LINES", "check_content_words", "check_blank_lines"]
