"""Planted answers for every exercise of notebooks 04-07: the master solution (read from the notebook's
solution cell) passes, the student stub gets the stub hint, each common wrong answer gets its own
``mistake`` and is never called correct, and a right answer written another way passes.

Answers run in a namespace with ``sc``/``spark`` from the shared real Spark session (never stopped
here) and the names the notebook defines before the exercise."""

from __future__ import annotations

import math
import textwrap
from operator import add

import nbformat
import pytest

from cs109par import data, lineage
from cs109par.exercises import REGISTRY, Verdict, corpus, load_all
from cs109par.exercises.student import stub_source
from cs109par.notebooks import course_notebooks

load_all()
NOTEBOOKS = {p.stem[:2]: p for p in course_notebooks()}


def solution_source(exercise_id: str) -> str:
    nb = nbformat.read(NOTEBOOKS[exercise_id[:2]], as_version=4)
    [cell] = [c for c in nb.cells if c.metadata.get("cs109par", {}).get("exercise") == exercise_id
              and c.metadata["cs109par"]["role"] == "solution"]
    return cell.source


def evaluate(exercise_id: str, namespace: dict, source: str) -> Verdict:
    """Run ``source`` (an answer cell) in a copy of ``namespace``; the checker's verdict on its answers."""
    ns = dict(namespace)
    exec(compile(textwrap.dedent(source), f"<{exercise_id}>", "exec"), ns)
    return REGISTRY[exercise_id].evaluate(*[ns[name] for name in REGISTRY[exercise_id].answers])


def assert_cases(exercise_id: str, namespace: dict, wrong: dict[str, str], right: list[str]) -> None:
    master = evaluate(exercise_id, namespace, solution_source(exercise_id))
    assert master.ok, master
    stub = evaluate(exercise_id, namespace, stub_source(solution_source(exercise_id)))
    assert not stub.ok and stub.mistake in ("unanswered", "returns-nothing"), stub
    assert len(wrong) >= 3
    for mistake, source in wrong.items():
        verdict = evaluate(exercise_id, namespace, source)
        assert not verdict.ok and verdict.mistake == mistake, (mistake, verdict)
        assert verdict.hint and "Traceback" not in verdict.hint and "\n" not in verdict.hint
    for source in right:
        verdict = evaluate(exercise_id, namespace, source)
        assert verdict.ok, (source, verdict)


@pytest.fixture(scope="module")
def nb04(spark):
    sc = spark.sparkContext
    lines = sc.textFile(str(data.corpus_path()))
    words = lines.flatMap(lambda line: line.split())
    words.count()  # section 3 runs actions on `words`: a job on an ancestor is not a job on the answer
    pairs = sc.parallelize(["cat", "elephant", "rat", "rat", "cat"], 3).map(lambda word: (word, 1))
    swapped = pairs.reduceByKey(add).map(lambda kv: (kv[1], kv[0])).groupByKey()
    return {"sc": sc, "spark": spark, "lines": lines, "words": words, "add": add, "lineage": lineage,
            "pairs": pairs, "swapped": swapped, "corpus": corpus}


def test_04_distinct_words(nb04):
    right = len(set(corpus.words()))
    assert_cases("04-distinct-words", nb04, wrong={
        "wrong-type": f"distinct_rdd = words.distinct(); distinct_words = '{right}'",
        "float-for-int": "distinct_rdd = words.distinct(); distinct_words = float(distinct_rdd.count())",
        "not-distinct": "distinct_rdd = words; distinct_words = words.count()",
        "counted-lines": "distinct_rdd = lines; distinct_words = lines.count()",
        "distinct-lines": "distinct_rdd = lines.distinct(); distinct_words = distinct_rdd.count()",
        "case-folded": "distinct_rdd = words.map(str.lower).distinct(); distinct_words = distinct_rdd.count()",
        "split-on-space": ("distinct_rdd = lines.flatMap(lambda l: l.split(' ')).distinct()\n"
                           "distinct_words = distinct_rdd.count()"),
        "not-an-rdd": "distinct_words = words.distinct().count(); distinct_rdd = distinct_words",
        "no-shuffle": "distinct_words = words.distinct().count(); distinct_rdd = words",
        "not-from-the-file": ("distinct_rdd = sc.parallelize(sorted(set(corpus.words())))\n"
                              "distinct_words = distinct_rdd.count()"),
        "no-action": f"distinct_rdd = words.distinct(); distinct_words = {right}  # counted in Python",
    }, right=[
        "distinct_rdd = words.map(lambda w: (w, 1)).reduceByKey(add); distinct_words = distinct_rdd.count()",
    ])


def test_04_top_long_words(nb04):
    head = "def top_long(words, k=5):\n    counts = words.filter(lambda w: len(w) >= 8).map(lambda w: (w, 1))" \
           ".reduceByKey(add)\n"
    assert_cases("04-top-long-words", nb04, wrong={
        "no-tie-break": head + "    return counts.takeOrdered(k, key=lambda kv: -kv[1])",
        "off-by-one-length": head.replace(">= 8", "> 8") + "    return counts.takeOrdered(k, key=lambda kv: (-kv[1], "
                                                             "kv[0]))",
        "ascending": head + "    return counts.takeOrdered(k, key=lambda kv: (kv[1], kv[0]))",
        "no-filter": head.replace(".filter(lambda w: len(w) >= 8)", "") + "    return counts.takeOrdered(k, "
                                                                         "key=lambda kv: (-kv[1], kv[0]))",
        "case-folded": head.replace(".map(lambda w: (w, 1))", ".map(lambda w: (w.lower(), 1))")
        + "    return counts.takeOrdered(k, key=lambda kv: (-kv[1], kv[0]))",
        "ignores-k": head + "    return counts.takeOrdered(5, key=lambda kv: (-kv[1], kv[0]))",
        "not-collected": head + "    return counts.sortBy(lambda kv: (-kv[1], kv[0]))",
        "pairs-swapped": head + "    return [(c, w) for w, c in counts.takeOrdered(k, key=lambda kv: (-kv[1], kv[0]))]",
        "ignores-the-rdd": "def top_long(words, k=5):\n    return corpus.top_long_words(k)",
        "wrong-type": head + "    return counts.count()",
        "raised": "def top_long(words, k=5):\n    return words.map(lambda w: w / 2).collect()",
    }, right=[
        head + "    return counts.sortBy(lambda kv: (-kv[1], kv[0])).take(k)",
        "def top_long(words, k=5):\n    counts = words.filter(lambda w: len(w) >= 8).countByValue()\n"
        "    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:k]",
    ])


def test_04_top_long_words_hint_is_one_line_when_the_workers_fail(nb04):
    verdict = evaluate("04-top-long-words", nb04, "def top_long(words, k=5):\n    return words.map(lambda w: w / 2)"
                                                   ".collect()")
    assert verdict.hint.startswith("calling it with") and "TypeError: unsupported operand" in verdict.hint


def test_04_stage_count(nb04):
    assert_cases("04-stage-count", nb04, wrong={
        "wrong-type": "stage_count = '3'",
        "float-for-int": "stage_count = 3.0",
        "one-stage": "stage_count = 1",
        "shuffles-not-stages": "stage_count = len(lineage.of(swapped).shuffles)",
        "narrow-as-stage": "stage_count = 4",
        "counted-operations": "stage_count = 5",
    }, right=["stage_count = 3", "stage_count = len(lineage.of(swapped).shuffles) + 1"])


@pytest.fixture(scope="module")
def nb05(spark):
    from cs109par.exercises.nb05 import STOP_WORDS

    sc = spark.sparkContext
    return {"sc": sc, "spark": spark, "STOP_WORDS": STOP_WORDS, "corpus_lines": sc.textFile(str(data.corpus_path()))}


def test_05_content_words(nb05):
    split = "corpus_lines.flatMap(str.split)"
    assert_cases("05-content-words", nb05, wrong={
        "captured-set": f"content_words = {split}.filter(lambda w: w.lower() not in STOP_WORDS)",
        "handle-not-value": ("stop_words = sc.broadcast(STOP_WORDS)\n"
                             f"content_words = {split}.filter(lambda w: w.lower() not in stop_words)"),
        "case-folding-missed": ("stop_words = sc.broadcast(STOP_WORDS)\n"
                                f"content_words = {split}.filter(lambda w: w not in stop_words.value)"),
        "inverted-filter": ("stop_words = sc.broadcast(STOP_WORDS)\n"
                            f"content_words = {split}.filter(lambda w: w.lower() in stop_words.value)"),
        "no-filter": ("stop_words = sc.broadcast(STOP_WORDS)\n"
                      f"content_words = {split}.filter(lambda w: stop_words.value is not None)"),
        "gave-a-number": ("stop_words = sc.broadcast(STOP_WORDS)\ncontent_words = "
                          f"{split}.filter(lambda w: w.lower() not in stop_words.value).count()"),
        "wrong-broadcast": ("stop_words = sc.broadcast({'the', 'a'})\n"
                            f"content_words = {split}.filter(lambda w: w.lower() not in stop_words.value)"),
        "destroyed": ("stop_words = sc.broadcast(STOP_WORDS)\n"
                      f"content_words = {split}.filter(lambda w: w.lower() not in stop_words.value)\n"
                      "stop_words.destroy()"),
        "no-broadcast": f"content_words = {split}.filter(lambda w: len(w) > 3)",
    }, right=[
        ("stop_words = sc.broadcast(STOP_WORDS)\ncontent_words = corpus_lines.flatMap("
         "lambda line: [w for w in line.split() if w.lower() not in stop_words.value])"),
    ])


def test_05_content_words_reading_the_value_on_the_driver_is_a_captured_set(nb05):
    verdict = evaluate("05-content-words", nb05, "stop_words = sc.broadcast(STOP_WORDS)\nsw = stop_words.value\n"
                                                 "content_words = corpus_lines.flatMap(str.split).filter(lambda w: "
                                                 "w.lower() not in sw)")
    assert verdict.mistake == "captured-set" and "driver" in verdict.hint


BLANK_FUNCTION = """
def count_blank(lines):
    blank = lines.context.accumulator(0)
    lines.foreach(lambda line: blank.add(1) if {test} else None)
    return blank.value
"""


def test_05_blank_lines(nb05):
    assert_cases("05-blank-lines", nb05, wrong={
        "empty-only": BLANK_FUNCTION.format(test="line == ''"),
        "inverted": BLANK_FUNCTION.format(test="line.strip()"),
        "counted-all": BLANK_FUNCTION.format(test="True"),
        "no-accumulator": "def count_blank(lines):\n    return lines.filter(lambda line: not line.strip()).count()",
        "returned-accumulator": BLANK_FUNCTION.format(test="not line.strip()").replace("blank.value", "blank"),
        "reused-accumulator": ("blank = sc.accumulator(0)\ndef count_blank(lines):\n"
                               "    lines.foreach(lambda line: blank.add(1) if not line.strip() else None)\n"
                               "    return blank.value"),
        "recomputed": ("def count_blank(lines):\n    blank = sc.accumulator(0)\n"
                       "    marked = lines.map(lambda line: blank.add(1) if not line.strip() else None)\n"
                       "    marked.count()\n    marked.collect()\n    return blank.value"),
        "float-for-int": BLANK_FUNCTION.format(test="not line.strip()").replace("return blank.value",
                                                                                 "return float(blank.value)"),
    }, right=[
        BLANK_FUNCTION.format(test="line.isspace() or not line"),
        ("def count_blank(lines):\n    blank = sc.accumulator(0)\n"
         "    lines.foreachPartition(lambda part: blank.add(sum(1 for line in part if not line.strip())))\n"
         "    return blank.value"),
    ])


def test_06_master_url():
    assert_cases("06-master-url", {}, wrong={
        "no-scheme": "master_url = '10.0.0.5:7077'",
        "no-port": "master_url = 'spark://10.0.0.5'",
        "ui-port": "master_url = 'spark://10.0.0.5:8080'",
        "rest-port": "master_url = 'spark://10.0.0.5:6066'",
        "http-scheme": "master_url = 'http://10.0.0.5:7077'",
        "wrong-host": "master_url = 'spark://127.0.0.1:7077'",
        "local": "master_url = 'local[*]'",
        "wrong-type": "master_url = 7077",
        "trailing-slash": "master_url = 'spark://10.0.0.5:7077/'",
    }, right=["host, port = '10.0.0.5', 7077\nmaster_url = f'spark://{host}:{port}'"])


def test_06_reruns():
    body = "def reruns(tasks):\n    return {}"
    assert_cases("06-reruns", {}, wrong={
        "attempt-field": body.format("sorted({t['partition'] for t in tasks if t['attempt'] > 0})"),
        "failed-only": body.format("sorted({t['partition'] for t in tasks if t['status'] != 'SUCCESS'})"),
        "every-partition": body.format("sorted({t['partition'] for t in tasks if t['run'] >= 0})"),
        "duplicates": body.format("sorted(t['partition'] for t in tasks if t['run'] > 0)"),
        "unsorted": body.format("sorted({t['partition'] for t in tasks if t['run'] > 0}, reverse=True)"),
        "not-a-list": body.format("{t['partition'] for t in tasks if t['run'] > 0}"),
        "rows-not-partitions": body.format("[t for t in tasks if t['run'] > 0]"),
    }, right=[
        body.format("sorted(p for p in {t['partition'] for t in tasks} "
                    "if sum(t['partition'] == p for t in tasks) > 1)"),
    ])


def test_06_to_recompute():
    body = "def to_recompute(outputs, dead, worker_lost):\n    host, executor = dead\n    return {}"
    assert_cases("06-to-recompute", {}, wrong={
        "executor-only-on-worker-loss": body.format("sorted(p for p, (h, e) in outputs.items() if e == executor)"),
        "host-on-executor-loss": body.format("sorted(p for p, (h, e) in outputs.items() if h == host)"),
        "inverted": body.format("sorted(p for p, (h, e) in outputs.items() "
                                "if not (h == host if worker_lost else e == executor))"),
        "unsorted": body.format("sorted((p for p, (h, e) in outputs.items() "
                                "if (h == host if worker_lost else e == executor)), reverse=True)"),
        "not-a-list": body.format("{p for p, (h, e) in outputs.items() "
                                  "if (h == host if worker_lost else e == executor)}"),
    }, right=[
        body.format("[p for p in sorted(outputs) if outputs[p][0 if worker_lost else 1] == dead[0 if worker_lost "
                    "else 1]]"),
    ])


def test_07_break_even():
    body = "import math\ndef break_even(overhead, per_item, serial_per_item):\n" \
           "    if per_item >= serial_per_item:\n        return math.inf\n    return {}"
    exact = "overhead / (serial_per_item - per_item)"
    assert_cases("07-break-even", {"math": math}, wrong={
        "rounded-up": body.format(f"math.ceil({exact})"),
        "rounded-down": body.format(f"int({exact})"),
        "rounded": body.format(f"round({exact})"),
        "swapped": body.format("overhead / (per_item - serial_per_item)"),
        "wrong-denominator": body.format("overhead / per_item"),
        "ignores-engine-cost": body.format("overhead / serial_per_item"),
        "never": body.replace("math.inf", "0").format(exact),
        "equal-cost": body.replace(">=", ">").format(exact),
        "wrong-type": body.format(f"str({exact})"),
    }, right=[
        "def break_even(o, e, s):\n    return o / (s - e) if e < s else float('inf')",
        "break_even = lambda o, e, s: math.inf if s <= e else o / (s - e)",
    ])


@pytest.fixture(scope="module")
def nb07(spark):
    words_df = spark.createDataFrame([(w,) for w in corpus.words()], "word string")
    words_df.createOrReplaceTempView("words")
    yield {"sc": spark.sparkContext, "spark": spark}
    spark.catalog.dropTempView("words")


def test_07_top_long_words(nb07):
    def sql(where="length(word) >= 8", word="word", order="n DESC, word", limit="{k}", collect=True):
        query = (f'f"SELECT {word} AS word, count(*) AS n FROM {{view}} WHERE {where} GROUP BY {word} '
                 f'ORDER BY {order} LIMIT {limit}"')
        rows = "[tuple(r) for r in spark.sql(query).collect()]" if collect else "spark.sql(query)"
        return f"def top_long(view, k=5):\n    query = {query}\n    return {rows}"

    assert_cases("07-top-long-words", nb07, wrong={
        "no-tie-break": sql(order="n DESC"),
        "off-by-one-length": sql(where="length(word) > 8"),
        "ascending": sql(order="n, word"),
        "case-folded": sql(word="lower(word)"),
        "ignores-k": sql(limit="5"),
        "no-filter": sql(where="true"),
        "not-collected": sql(collect=False),
        "ignores-the-view": sql().replace("FROM {view}", "FROM words"),
    }, right=[
        ("from pyspark.sql import functions as F\ndef top_long(view, k=5):\n"
         "    df = spark.table(view).where(F.length('word') >= 8).groupBy('word').count()\n"
         "    return [tuple(r) for r in df.orderBy(F.desc('count'), 'word').limit(k).collect()]"),
        sql(where="char_length(word) >= 8", order="count(*) DESC, word"),
    ])
