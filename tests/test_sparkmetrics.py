"""cs109par.sparkmetrics: shuffle bytes and times from Spark's own REST API on a real local Spark."""

from __future__ import annotations

import pytest

from cs109par import sparkmetrics


def test_api_is_on_loopback(spark):
    url = sparkmetrics.api_url(spark.sparkContext)
    assert url.startswith("http://127.0.0.1:") and spark.sparkContext.applicationId in url
    assert sparkmetrics.rest(spark.sparkContext)["id"] == spark.sparkContext.applicationId


def test_a_shuffle_is_measured_and_a_narrow_job_shuffles_nothing(spark):
    sc = spark.sparkContext
    words = sc.parallelize([f"w{i % 50}" for i in range(5000)], 4)
    with sparkmetrics.measure_jobs(sc, "narrow") as narrow:
        assert words.map(len).sum() > 0
    with sparkmetrics.measure_jobs(sc, "reduce") as reduce:
        assert len(words.map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b).collect()) == 50
    with sparkmetrics.measure_jobs(sc, "group") as group:
        assert len(words.map(lambda w: (w, 1)).groupByKey().mapValues(len).collect()) == 50
    assert narrow.shuffle_write_bytes == 0 and len(narrow.stages) == 1 and narrow.seconds > 0
    assert len(reduce.stages) == 2 and reduce.shuffle_write_bytes > 0
    assert reduce.shuffle_read_bytes == reduce.shuffle_write_bytes
    # reduceByKey sums within each partition before the shuffle; groupByKey ships every value
    # (PySpark packs them into lists per partition and Spark compresses shuffle files, so the gap is modest).
    assert group.shuffle_write_bytes > reduce.shuffle_write_bytes


def test_jobs_outside_the_block_are_not_counted(spark):
    sc = spark.sparkContext
    rdd = sc.parallelize(range(100), 2)
    with sparkmetrics.measure_jobs(sc, "one") as m:
        rdd.count()
    rdd.count()  # after the block: not ours
    assert len(m.job_ids) == 1 and m.tasks == 2
    assert sc.getLocalProperty("spark.jobGroup.id") is None


def test_a_disabled_ui_is_a_clear_error():
    class NoUI:
        uiWebUrl = None
        applicationId = "x"

    with pytest.raises(sparkmetrics.MetricsError, match="UI is disabled"):
        sparkmetrics.api_url(NoUI())


def test_closure_capture_pickles_the_table_and_a_broadcast_does_not(spark):
    sc = spark.sparkContext
    table = {i: str(i) for i in range(50_000)}
    rdd = sc.parallelize(range(100), 2)
    captured = rdd.map(lambda x: table.get(x))
    bc = sc.broadcast(table)
    via_broadcast = rdd.map(lambda x: bc.value.get(x))
    assert sparkmetrics.command_bytes(captured) > 300_000 > 10_000 > sparkmetrics.command_bytes(via_broadcast)
    assert sparkmetrics.broadcast_bytes(bc) > 300_000
    assert captured.collect() == via_broadcast.collect()
    bc.destroy()
    with pytest.raises(TypeError):
        sparkmetrics.command_bytes(sc.parallelize([1, 2, 3]))  # a plain collection has no Python function
