"""cs109par.lineage: an RDD's dependencies read from a real local Spark, stages cut at shuffles, drawn."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt

from cs109par import data, lineage


def _word_count(sc):
    return (
        sc.textFile(str(data.corpus_path()), 2)
        .flatMap(lambda line: line.split())
        .map(lambda w: (w, 1))
        .reduceByKey(lambda a, b: a + b)
    )


def test_word_count_lineage_has_one_shuffle_and_two_stages(spark):
    g = lineage.of(_word_count(spark.sparkContext))
    assert len(g.shuffles) == 1
    assert g.stages == [0, 1]
    parent, child = g.shuffles[0]
    # The input side of the shuffle is stage 0, the side the action runs on is stage 1.
    assert g.stage_of[parent] == 0 and g.stage_of[child] == 1 and g.stage_of[g.root] == 1
    kinds = {n.kind for n in g.nodes.values()}
    assert {"HadoopRDD", "ShuffledRDD", "PythonRDD"} <= kinds
    assert {n.operation for n in g.nodes.values() if g.stage_of[n.id] == 0} >= {"textFile", "reduceByKey"}
    # Every RDD reaches the root: the lineage is connected.
    assert {c for _, c, _ in g.edges} | {p for p, _, _ in g.edges} == set(g.nodes)


def test_narrow_pipeline_is_a_single_stage_and_cache_is_visible(spark):
    rdd = spark.sparkContext.parallelize(range(10), 3).map(lambda x: x * 2).cache()
    g = lineage.of(rdd)
    assert g.shuffles == [] and g.stages == [0]
    assert g.nodes[g.root].cached and g.nodes[g.root].partitions == 3
    rdd.unpersist()


def test_two_shuffles_give_three_stages_numbered_parents_first(spark):
    sc = spark.sparkContext
    rdd = sc.parallelize(data.ANIMALS, 2).map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b)
    again = rdd.map(lambda kv: (kv[1], kv[0])).groupByKey()
    g = lineage.of(again)
    assert len(g.shuffles) == 2 and g.stages == [0, 1, 2]
    order = sorted(g.shuffles, key=lambda e: e[0])
    assert [g.stage_of[p] for p, _ in order] == [0, 1]


def test_debug_string_is_text_and_matches_the_lineage(spark):
    rdd = _word_count(spark.sparkContext)
    text = lineage.debug_string(rdd)
    assert isinstance(text, str)
    assert text.count("+-(") == len(lineage.of(rdd).shuffles) == 1
    assert "HadoopRDD" in text and "ShuffledRDD" in text


def test_stage_assignment_of_a_hand_built_join():
    # Two inputs, each shuffled into a join: stages 0 and 1 feed stage 2.
    made = [(0, "A", "a"), (1, "B", "b"), (2, "J", "join"), (3, "R", "map")]
    nodes = {i: lineage.Node(i, k, op, 2) for i, k, op in made}
    g = lineage.Lineage(nodes=nodes, edges=[(0, 2, True), (1, 2, True), (2, 3, False)], root=3)
    assert g.stage_of[3] == g.stage_of[2] == 2
    assert {g.stage_of[0], g.stage_of[1]} == {0, 1}


def test_figures_draw_without_spark_or_graphviz():
    nodes = {0: lineage.Node(0, "HadoopRDD", "textFile", 2), 1: lineage.Node(1, "ShuffledRDD", "partitionBy", 2)}
    ax = lineage.draw(lineage.Lineage(nodes=nodes, edges=[(0, 1, True)], root=1))
    texts = [t.get_text() for t in ax.texts]
    assert "stage 0" in texts and "stage 1" in texts and "shuffle" in texts
    ax2 = lineage.draw_dataflow(partitions=3, lost=1)
    assert any("(lost)" in t.get_text() for t in ax2.texts)
    plt.close("all")
