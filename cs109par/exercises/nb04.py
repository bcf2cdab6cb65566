"""Checks for notebook 04-spark-rdds.

The values are recomputed in plain Python (:mod:`cs109par.exercises.corpus`); where the lesson is the
method, the check also looks at how the answer was made: exercise 1 at the RDD that counted (it must
read the corpus, shuffle and have run a job), exercise 2 by running the student's function on an RDD
of its own whose top words tie at the cut-off, so that only a sort with the alphabetical tie-break
gives the right list.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..data import corpus_path
from . import Verdict, call, corpus, correct, exercise, function_missing, methods, number_type, wrong

# --- exercise 1 -----------------------------------------------------------------------------------

_DISTINCT_RECIPE = ("distinct_rdd = words.distinct(), then distinct_words = distinct_rdd.count(); "
                    "check with nb04.check_distinct_words(distinct_words, distinct_rdd).")


def _distinct_mistakes() -> dict[int, tuple[str, str]]:
    """Numbers a common slip gives for exercise 1, each with its hint."""
    words, lines = corpus.words(), corpus.lines()
    return {
        len(words): ("not-distinct", "that is every word, repeats included: keep one copy of each (distinct()) "
                                     "before you count."),
        len(lines): ("counted-lines", "that is the number of lines: split each line into words first (flatMap)."),
        len(set(lines)): ("distinct-lines", "that counts different *lines*: split the lines into words (flatMap) "
                                            "before distinct()."),
        len({w.lower() for w in words}): ("case-folded", "you lower-cased the words: here 'The' and 'the' are "
                                                         "different words; count them as split."),
        len({w for line in lines for w in line.split(" ")}): (
            "split-on-space", "line.split(' ') also yields empty strings between repeated spaces: use "
                              "line.split() with no argument, which splits on any run of whitespace."),
    }


@exercise("04-distinct-words", points=1, answers=("distinct_words", "distinct_rdd"))
def check_distinct_words(answer: Any, distinct_rdd: Any) -> Verdict:
    """How many different words does the bundled corpus contain? Counted by Spark: ``distinct_rdd``
    is the RDD of different words the action ran on."""
    if (bad := number_type(answer)) is not None:
        return bad
    expected = len(set(corpus.words()))
    if answer != expected:
        mistake, hint = _distinct_mistakes().get(answer, ("wrong", ""))
        return wrong(hint or "split every line into words (flatMap), keep each word once (distinct()), count.",
                     recipe=_DISTINCT_RECIPE, mistake=mistake)
    if not methods.is_rdd(distinct_rdd):
        return wrong("the number is right; now pass the RDD it was counted from as the second argument "
                     f"(you passed {type(distinct_rdd).__name__}).", recipe=_DISTINCT_RECIPE, mistake="not-an-rdd")
    from .. import lineage

    graph = lineage.of(distinct_rdd)
    if not any(node.kind == "HadoopRDD" for node in graph.nodes.values()):
        return wrong("distinct_rdd does not read the corpus file: build it from `words` (which comes from "
                     "sc.textFile), not from a Python collection.", recipe=_DISTINCT_RECIPE,
                     mistake="not-from-the-file")
    if not graph.shuffles:
        return wrong("distinct_rdd has no shuffle, so it cannot hold each word once (is it still `words`?): "
                     "distinct() has to bring equal words together.", recipe=_DISTINCT_RECIPE, mistake="no-shuffle")
    if not methods.spark_jobs_on(distinct_rdd, own_stage=True):
        return wrong("no Spark job ever ran on distinct_rdd: the number must come from an action on it "
                     "(distinct_rdd.count()).", recipe=_DISTINCT_RECIPE, mistake="no-action")
    return correct()


# --- exercise 2 -----------------------------------------------------------------------------------

#: Test words for exercise 2: six long words tie at 3 occurrences, in reverse alphabetical order, so
#: only the alphabetical tie-break picks ('accumulate', 'broadcast') for the last two of k=4. Short
#: and 7-letter words are the most frequent (a missing or off-by-one filter shows), and 'Parallel'
#: counts apart from 'parallel' (lower-casing shows).
TIE_WORDS = (["parallel"] * 5 + ["executor"] * 4
             + [w for w in ["worksheet", "transform", "shuffled", "lineages", "broadcast", "accumulate"]
                for _ in range(3)]
             + ["spark"] * 9 + ["cluster"] * 8 + ["Parallel"] * 2 + ["zookeepers"])
TIE_K = 4

_TOP_RECIPE = ("def top_long(words, k=5): counts = words.filter(lambda w: len(w) >= 8).map(lambda w: (w, 1))"
               ".reduceByKey(add); return counts.takeOrdered(k, key=lambda kv: (-kv[1], kv[0]))")


def as_pairs(result: Any) -> list[tuple] | None:
    """``result`` as a list of 2-tuples (Rows and lists count), or ``None`` when it is not one."""
    try:
        pairs = [tuple(item) for item in result]
    except TypeError:
        return None
    return pairs if all(len(p) == 2 for p in pairs) else None


def diagnose_top(got: list, words: list[str], k: int) -> tuple[str, str] | None:
    """The mistake behind a wrong top-k list of (word, count) on ``words``, if it is a common one."""
    expected = corpus.top_long(words, k)
    counts = Counter(w for w in words if len(w) >= 8)
    if len(got) != k:
        if len(got) == 5 and k != 5:
            return "ignores-k", f"asked for k={k}, your function returned {len(got)} pairs: use its k argument."
        return "wrong-length", f"asked for the top {k}, your function returned {len(got)} pairs."
    if got and all(isinstance(w, int) and isinstance(c, str) for w, c in got):
        return "pairs-swapped", "give (word, count) pairs, word first."
    if got == corpus.top_long(words, k, 9):
        return "off-by-one-length", "words of exactly 8 characters are missing: 8 or more is len(w) >= 8."
    if got == corpus.top_long([w.lower() for w in words], k):
        return "case-folded", "you lower-cased the words: count them as they are split ('Parallel' is not 'parallel')."
    if got == sorted(Counter(words).items(), key=lambda kv: (-kv[1], kv[0]))[:k]:
        return "no-filter", "short words are in your list: keep only the words with len(w) >= 8 before counting."
    if got == sorted(counts.items(), key=lambda kv: (kv[1], kv[0]))[:k]:
        return "ascending", "those are the *least* frequent words: sort by count, largest first."
    if [c for _, c in got] == [c for _, c in expected] and all(counts.get(w) == c for w, c in got):
        return "no-tie-break", ("right counts, but words with equal counts are not in alphabetical order: on this "
                                "data several words tie at the cut-off. Sort by (-count, word).")
    return None


@exercise("04-top-long-words", points=2, answers=("top_long",))
def check_top_long_words(top_long: Any) -> Verdict:
    """``top_long(words, k=5)``: the k most frequent words of 8+ characters of an RDD of words, as a
    list of (word, count), most frequent first, ties alphabetical. Run on an RDD with ties at the
    cut-off, then on the corpus."""
    if (missing := function_missing(top_long, "top_long(words, k=5)")) is not None:
        return missing
    sc = methods.spark_context()
    if sc is None:
        return wrong("Spark is not running: run the notebook's cells from the top (section 2 starts it).",
                     mistake="no-spark")
    tests = [(sc.parallelize(TIE_WORDS[::-1], 3), list(TIE_WORDS), TIE_K, "a small RDD of test words")]
    tests.append((sc.textFile(str(corpus_path())).flatMap(str.split), corpus.words(), 5, "the corpus"))
    for rdd, words, k, what in tests:
        result, problem = call(top_long, rdd, k) if k != 5 else call(top_long, rdd)
        if problem is not None:
            return problem
        if methods.is_rdd(result):
            return wrong("your function returns an RDD: finish with an action that returns a list "
                         "(takeOrdered).", recipe=_TOP_RECIPE, mistake="not-collected")
        got = as_pairs(result)
        if got is None:
            return wrong(f"give a list of (word, count) pairs, e.g. [('function', 223), ...]; on {what} your "
                         f"function returned {type(result).__name__} {str(result)[:80]}", mistake="wrong-type")
        if got != corpus.top_long(words, k):
            mistake, hint = diagnose_top(got, words, k) or ("wrong", "filter the words to len(w) >= 8, count them "
                                                                     "(map + reduceByKey), take the top k.")
            if mistake == "wrong" and what != "the corpus" and got == corpus.top_long_words(k):
                mistake, hint = "ignores-the-rdd", "that is the corpus's answer: compute from the RDD `words` you get"
            return wrong(f"{hint} (on {what}, k={k}, it returned {got[:6]})", recipe=_TOP_RECIPE, mistake=mistake)
    return correct()


# --- exercise 3 -----------------------------------------------------------------------------------

_STAGE_HINTS = {
    1: ("one-stage", "every shuffle (reduceByKey, groupByKey) ends a stage: this job has more than one."),
    2: ("shuffles-not-stages", "2 is the number of shuffles (or the last stage's id, counting from 0): k shuffles "
                               "cut a job into k + 1 stages."),
    4: ("narrow-as-stage", "the map between the two shuffles is narrow: it runs inside a stage, it does not "
                           "start one."),
    5: ("counted-operations", "you counted the operations; narrow ones (parallelize, map) share a stage, only "
                              "shuffles cut."),
}


@exercise("04-stage-count", points=1, answers=("stage_count",))
def check_stage_count(answer: Any) -> Verdict:
    """How many stages does a job on ``pairs.reduceByKey(add).map(swap).groupByKey()`` run?"""
    if (bad := number_type(answer)) is not None:
        return bad
    if answer == 3:
        return correct()
    mistake, hint = _STAGE_HINTS.get(answer, ("wrong", "count the shuffles: a job with k shuffles has k + 1 stages."))
    return wrong(hint, recipe="len(lineage.of(swapped).stages) lists them; the figure of section 5 shows why.",
                 mistake=mistake)


__all__ = ["check_distinct_words", "check_top_long_words", "check_stage_count", "as_pairs", "diagnose_top",
           "TIE_WORDS", "TIE_K"]
