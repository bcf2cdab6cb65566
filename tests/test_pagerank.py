"""cs109par.pagerank: PageRank on real local Spark equals the NumPy power iteration on small graphs (a cycle,
a star, a dangling node), checkpoints cut the lineage and keep the answer, and the word graph of the corpus
is what the notebook says. The lineage-length helper of cs109par.lineage is pinned here too."""

from __future__ import annotations

import numpy as np
import pytest

from cs109par import lineage, pagerank
from cs109par.pagerank import Graph, RDDPageRank, reference

CYCLE = Graph.from_edges(list("abcd"), [(0, 1), (1, 2), (2, 3), (3, 0)])
STAR = Graph.from_edges(list("habc"), [(1, 0), (2, 0), (3, 0), (0, 1)])  # spokes to the hub, the hub to a
# d links nowhere (dangling); e is linked to by nobody
DANGLING = Graph.from_edges(list("abcde"), [(0, 1), (1, 2), (2, 0), (2, 3), (4, 0)])


def test_a_reliable_checkpoint_needs_a_checkpoint_directory(spark):
    sc = spark.sparkContext
    if sc.getCheckpointDir():
        pytest.skip("another test of this session set a checkpoint directory (it cannot be unset)")
    with pytest.raises(ValueError, match="setCheckpointDir"):
        RDDPageRank(sc, CYCLE, checkpoint_every=2)


@pytest.mark.parametrize("graph", [CYCLE, STAR, DANGLING], ids=["cycle", "star", "dangling"])
def test_rdd_pagerank_equals_the_numpy_reference(spark, graph):
    pr = RDDPageRank(spark.sparkContext, graph, partitions=2)
    try:
        ranks = pr.run(6)
    finally:
        pr.release()
    np.testing.assert_allclose(ranks, reference(graph, 6), rtol=0, atol=1e-12)
    assert ranks.sum() == pytest.approx(1.0, abs=1e-12)


def test_reference_is_uniform_on_a_cycle_and_favours_the_hub_of_a_star():
    np.testing.assert_allclose(reference(CYCLE, 30), np.full(4, 0.25))
    star = reference(STAR, 60)
    assert star.argmax() == 0 and star[2] == pytest.approx(star[3])


def test_dangling_rank_is_spread_over_every_node_so_ranks_sum_to_one():
    r = reference(DANGLING, 40)
    assert DANGLING.dangling.tolist() == [False, False, False, True, False]
    assert r.sum() == pytest.approx(1.0, abs=1e-12)
    # e has no in-links: it gets only the random jump and the dangling node's share
    base = (1 - pagerank.DAMPING) / 5
    assert r[4] == pytest.approx(base + pagerank.DAMPING * r[3] / 5)


def test_lineage_grows_by_the_same_step_each_iteration_without_checkpoints(spark):
    pr = RDDPageRank(spark.sparkContext, CYCLE, partitions=2)
    try:
        pr.iterate(4)
    finally:
        pr.release()
    lengths = [it.lineage for it in pr.history]
    steps = {b - a for a, b in zip(lengths, lengths[1:])}
    assert len(steps) == 1 and steps.pop() > 0
    assert lengths[-1] == lineage.length(pr.ranks) == len(lineage.of(pr.ranks).nodes)
    assert all(len(it.job_ids) == 1 for it in pr.history)  # one job per iteration


@pytest.mark.parametrize("kind", ["reliable", "local"])
def test_checkpoints_cut_the_lineage_and_keep_the_ranks(spark, tmp_path, kind):
    sc = spark.sparkContext
    sc.setCheckpointDir(str(tmp_path))
    pr = RDDPageRank(sc, DANGLING, partitions=2, checkpoint_every=2, checkpoint=kind)
    try:
        ranks = pr.run(5)
    finally:
        pr.release()
    np.testing.assert_allclose(ranks, reference(DANGLING, 5), rtol=0, atol=1e-12)
    lengths = [it.lineage for it in pr.history]
    assert [it.checkpointed for it in pr.history] == [False, True, False, True, False]
    assert lengths[1] == lengths[3] < lengths[0] < lengths[2] == lengths[4]  # reset at every checkpoint
    written = pagerank.folder_bytes(tmp_path)
    if kind == "reliable":
        assert written > 0 and len(pr.history[1].job_ids) == 2  # the action, then the job that writes the files
    else:
        assert written == 0 and len(pr.history[1].job_ids) == 1  # kept in the executors' block stores


def test_links_read_from_text_every_iteration_give_the_same_ranks(spark, tmp_path):
    path = tmp_path / "links.txt"
    path.write_text("\n".join(DANGLING.adjacency_lines()) + "\n")
    sc = spark.sparkContext
    pr = RDDPageRank(sc, DANGLING, partitions=2, links=lambda: pagerank.links_from_text(sc, path, 2))
    np.testing.assert_allclose(pr.run(3), reference(DANGLING, 3), rtol=0, atol=1e-12)


def test_tasks_are_labelled_with_their_iteration(spark):
    pr = RDDPageRank(spark.sparkContext, CYCLE, partitions=2)
    try:
        pr.iterate(2)
        first = pr.tasks(spark, pr.history[0].job_ids[0])
        second = pr.tasks(spark, pr.history[1].job_ids[0])
    finally:
        pr.release()
    # iteration 1 also partitions the links (iteration 0); iteration 2 reuses them and iteration 1's shuffle
    assert {(r["iteration"], r["kind"]) for r in first} == {(0, "map"), (1, "map"), (1, "result")}
    assert {(r["iteration"], r["kind"]) for r in second} == {(2, "map"), (2, "result")}


def test_word_graph_of_the_corpus_is_a_few_thousand_words_with_dangling_ones():
    g = pagerank.word_graph()
    assert 2000 < g.n < 5000 and len(g.src) > 10_000
    assert 0 < g.dangling.sum() < g.n / 5
    assert "the" not in g.names and all(len(w) >= 3 for w in g.names)
    top = [g.names[i] for i in np.argsort(-reference(g, 20))[:5]]
    assert "class" in top and "object" in top


def test_graph_rejects_edges_to_unnamed_nodes():
    with pytest.raises(ValueError, match="outside 0..1"):
        Graph.from_edges(["a", "b"], [(0, 2)])


def test_lineage_length_counts_each_rdd_once_like_lineage_of(spark):
    sc = spark.sparkContext
    base = sc.parallelize([(1, 1), (2, 2)], 2).partitionBy(2).cache()
    joined = base.join(base.mapValues(lambda v: v + 1), 2).union(base.map(lambda kv: (kv[0], (0, 0))))
    try:
        assert lineage.length(joined) == len(lineage.of(joined).nodes)
        assert lineage.length(sc.parallelize([1, 2, 3])) == 1
    finally:
        base.unpersist()
