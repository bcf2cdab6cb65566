"""Word count of a generated 50 MB corpus with Spark (notebook 04, section 7) against single-process
``Counter``: the plain RDD pipeline, ``mapPartitions`` + ``Counter``, and tasks that read byte ranges.

Also the shuffle bytes of ``reduceByKey`` vs ``groupByKey`` on 10 MB (section 6). Uses
``cs109par.spark.session()`` (``local[*]``, or ``$CS109PAR_SPARK_MASTER``); each configuration is run
twice after a warm-up and the best time kept.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter
from operator import add

from cs109par import data, sparkmetrics, timing, wordcount
from cs109par.spark import session

REPEAT = 2


def count_partition(lines):
    return [Counter(" ".join(lines).split())]


def merge(a, b):
    a.update(b)
    return a


# What a student's first Spark cell costs: start a session, run a first job, stop. Each in a fresh Python.
COURSE = "from cs109par.spark import session; s = session(); s.sparkContext.parallelize(range(10)).sum(); s.stop()"
BARE = ("from pyspark.sql import SparkSession; s = SparkSession.builder.master('local[*]').getOrCreate(); "
        "s.sparkContext.parallelize(range(10)).sum(); s.stop()")


def _start_seconds(code: str, repeat: int = 2) -> float:
    best = float("inf")
    for _ in range(repeat):
        begin = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, timeout=300)
        best = min(best, time.perf_counter() - begin)
    return best


def run() -> list[dict]:
    t_course, t_bare = _start_seconds(COURSE), _start_seconds(BARE)
    big = data.generated_corpus(50)
    size = big.stat().st_size
    path = str(big)
    spark = session("bench-spark")
    try:
        sc = spark.sparkContext
        sc.parallelize(range(100), 2).count()  # warm up the JVM and the Python workers
        t_counter, expected = timing.measure(wordcount.reference_count, big, repeat=REPEAT)
        # A fresh RDD per run: re-running the same shuffled RDD would reuse its shuffle files and
        # skip the whole map side, timing only the reduce.
        def plain():
            return sc.textFile(path).flatMap(str.split).map(lambda w: (w, 1)).reduceByKey(add).collectAsMap()

        t_plain, got_plain = timing.measure(plain, repeat=REPEAT)
        tuned = sc.textFile(path, 2 * sc.defaultParallelism).mapPartitions(count_partition)
        t_tuned, got_tuned = timing.measure(tuned.reduce, merge, repeat=REPEAT)
        ranges = wordcount.byte_ranges(big, 2 * sc.defaultParallelism)
        ranged = sc.parallelize(ranges, len(ranges)).mapPartitions(
            lambda rs: [wordcount.count_range(path, s, e) for s, e in rs]
        )
        t_ranged, got_ranged = timing.measure(ranged.reduce, merge, repeat=REPEAT)
        if not (dict(expected) == got_plain and got_tuned == expected and got_ranged == expected):
            raise AssertionError("a Spark word count disagrees with Counter")
        pairs = sc.textFile(str(data.generated_corpus(10))).flatMap(str.split).map(lambda w: (w, 1))
        with sparkmetrics.measure_jobs(sc, "reduceByKey") as by_reduce:
            pairs.reduceByKey(add).count()
        with sparkmetrics.measure_jobs(sc, "groupByKey") as by_group:
            pairs.groupByKey().mapValues(sum).count()
        master, cores = sc.master, sc.defaultParallelism
    finally:
        spark.stop()
    mb_s = lambda t: timing.throughput_mb_s(size, t)  # noqa: E731
    return [
        {"name": f"Counter, 1 process ({size / 1e6:.0f} MB)", "value": mb_s(t_counter), "unit": "MB/s"},
        {"name": f"Spark plain flatMap/map/reduceByKey ({master}, {cores} cores)", "value": mb_s(t_plain),
         "unit": "MB/s"},
        {"name": "Spark mapPartitions + Counter", "value": mb_s(t_tuned), "unit": "MB/s"},
        {"name": "Spark tasks read byte ranges + Counter", "value": mb_s(t_ranged), "unit": "MB/s"},
        {"name": "Spark mapPartitions + Counter vs Counter", "value": t_counter / t_tuned, "unit": "x"},
        {"name": "Spark byte ranges vs Counter", "value": t_counter / t_ranged, "unit": "x"},
        {"name": "course session() start + first job", "value": t_course, "unit": "s"},
        {"name": "bare SparkSession.builder start + first job", "value": t_bare, "unit": "s"},
        {"name": "session() start + first job vs bare SparkSession.builder", "value": t_course / t_bare, "unit": "x"},
        {"name": "shuffle bytes groupByKey / reduceByKey (10 MB corpus)",
         "value": by_group.shuffle_write_bytes / by_reduce.shuffle_write_bytes, "unit": "x"},
    ]
