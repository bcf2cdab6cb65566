"""PageRank on RDDs, an iterative job: the graph, a single-process reference, the Spark loop.

>>> from cs109par import pagerank
>>> g = pagerank.Graph.from_edges(["a", "b", "c"], [(0, 1), (1, 2), (2, 0)])   # a 3-cycle
>>> pagerank.reference(g, iterations=20).round(6).tolist()                       # every node alike
[0.333333, 0.333333, 0.333333]
>>> g = pagerank.word_graph()            # the bundled corpus as a graph: word -> the word after it
>>> g.n > 2000, int(g.dangling.sum()) > 0
(True, True)

**The model.** A surfer follows a random out-link with probability ``damping`` (0.85) and jumps
to a random node otherwise. A *dangling* node (no out-links: here a word that only ever ends a
line) hands its rank to every node alike, as if it linked to all of them. One iteration::

    rank'(v) = (1 - d) / N  +  d * ( sum over u -> v of rank(u) / outdeg(u)  +  D / N )

where ``D`` is the total rank of the dangling nodes. The ranks always sum to 1. The reference
(:func:`reference`, NumPy) and the RDD loop (:class:`RDDPageRank`) compute exactly this, so they
agree to rounding after any number of iterations.

**On RDDs** (:class:`RDDPageRank`, the structure of the RDD paper's PageRank): ``links``
(node -> its out-links) is partitioned by node once (``partitionBy``) and cached; ``ranks`` keeps
the same partitioner, so their ``join`` needs no shuffle. Each iteration is one Spark job (its
action computes ``D`` for the next iteration) with one shuffle (``reduceByKey`` of the
contributions), and adds the same number of RDDs to the lineage of ``ranks``: the lineage grows
with every iteration until a checkpoint cuts it.
"""

from __future__ import annotations

import bisect
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from operator import add
from pathlib import Path
from typing import Any

import numpy as np

from . import lineage
from .sparkmetrics import MetricsError, job_tasks, rest

DAMPING = 0.85
#: Short words that carry no topic: left out of the word graph (as TextRank leaves them out).
STOP_WORDS = frozenset(
    "the and for that this with are from not can when which have has was were will its into than then there "
    "their these those been being also any all but may must such only other more some used use uses using "
    "one two each does same where what who how new see".split()
)

__all__ = ["DAMPING", "STOP_WORDS", "Graph", "tokens", "word_graph", "reference", "contributions", "parse_links",
           "links_from_text", "Iteration", "RDDPageRank", "folder_bytes"]


# --------------------------------------------------------------------------------------- the graph
def tokens(line: str) -> list[str]:
    """The words of a line that become nodes: lower case, letters only, 3 or more, no stop word.

    >>> tokens("The assert statement: assert x, 'msg'")
    ['assert', 'statement', 'assert', 'msg']
    """
    return [w for w in re.findall(r"[a-z]+", line.lower()) if len(w) >= 3 and w not in STOP_WORDS]


@dataclass(frozen=True)
class Graph:
    """A directed graph on nodes ``0 .. n-1`` (``names[i]`` is node ``i``), without duplicate edges."""

    names: list[str]
    src: np.ndarray  # edge i goes from src[i] to dst[i]
    dst: np.ndarray

    @classmethod
    def from_edges(cls, names: Sequence[str], edges: Iterable[tuple[int, int]]) -> Graph:
        pairs = sorted({(int(a), int(b)) for a, b in edges})
        arr = np.array(pairs, dtype=np.int64).reshape(-1, 2)
        if arr.size and (arr.min() < 0 or arr.max() >= len(names)):
            raise ValueError(f"an edge names a node outside 0..{len(names) - 1}: give every node a name")
        return cls(list(names), arr[:, 0].copy(), arr[:, 1].copy())

    @property
    def n(self) -> int:
        return len(self.names)

    @property
    def out_degree(self) -> np.ndarray:
        return np.bincount(self.src, minlength=self.n)

    @property
    def dangling(self) -> np.ndarray:
        """A boolean mask: True for the nodes without out-links."""
        return self.out_degree == 0

    def links(self) -> list[tuple[int, list[int]]]:
        """``(node, [its out-links])`` for every node; a dangling node has an empty list."""
        out: list[list[int]] = [[] for _ in range(self.n)]
        for a, b in zip(self.src.tolist(), self.dst.tolist()):
            out[a].append(b)
        return list(enumerate(out))

    def adjacency_lines(self) -> list[str]:
        """One text line per node, ``"node out1 out2 ..."``: the graph as a crawler would store it.

        >>> Graph.from_edges(list("abc"), [(0, 1), (0, 2)]).adjacency_lines()
        ['0 1 2', '1', '2']
        """
        return [" ".join(map(str, [u, *outs])) for u, outs in self.links()]


def word_graph(path: str | Path | None = None, min_count: int = 1) -> Graph:
    """The word graph of a text (default: the bundled corpus): a node per word (:func:`tokens`) seen
    at least ``min_count`` times, an edge ``a -> b`` when ``b`` follows ``a`` on some line.

    PageRank on this graph is *TextRank*: the words that many words lead to rank high.
    """
    from . import data

    text = data.read_text(path or data.corpus_path())
    lines = [tokens(line) for line in text.splitlines()]
    counts = Counter(w for ws in lines for w in ws)
    names = sorted(w for w, c in counts.items() if c >= min_count)
    index = {w: i for i, w in enumerate(names)}
    edges: set[tuple[int, int]] = set()
    for ws in lines:
        ids = [index[w] for w in ws if w in index]
        edges.update((a, b) for a, b in zip(ids, ids[1:]) if a != b)
    return Graph.from_edges(names, edges)


# --------------------------------------------------------------------------------------- reference
def reference(graph: Graph, iterations: int, damping: float = DAMPING) -> np.ndarray:
    """PageRank by power iteration in one process (NumPy): ``iterations`` steps from the uniform
    vector; dangling nodes spread their rank over all nodes (see the module doc).

    >>> star = Graph.from_edges(list("hab"), [(1, 0), (2, 0)])   # a, b -> h; h is dangling
    >>> r = reference(star, 50); bool(r[0] > r[1] == r[2]), round(float(r.sum()), 12)
    (True, 1.0)
    """
    n = graph.n
    out = graph.out_degree
    dangling = graph.dangling
    share = np.divide(1.0, out, out=np.zeros(n), where=out > 0)
    rank = np.full(n, 1.0 / n)
    for _ in range(iterations):
        spread = np.bincount(graph.dst, weights=rank[graph.src] * share[graph.src], minlength=n)
        rank = (1 - damping) / n + damping * (spread + rank[dangling].sum() / n)
    return rank


# --------------------------------------------------------------------------------------- worker functions
def contributions(item: tuple[int, tuple[list[int], float]]) -> list[tuple[int, float]]:
    """``(u, (out-links, rank))`` -> ``rank / outdeg`` to every out-link, and ``0.0`` to ``u`` itself so
    that every node (also one nobody links to) keeps a rank.

    >>> contributions((7, ([1, 2], 0.5)))
    [(7, 0.0), (1, 0.25), (2, 0.25)]
    """
    u, (outs, rank) = item
    return [(u, 0.0)] + [(v, rank / len(outs)) for v in outs]


def parse_links(line: str) -> tuple[int, list[int]]:
    """A line of :meth:`Graph.adjacency_lines` -> ``(node, [out-links])``.

    >>> parse_links("0 1 2"), parse_links("5")
    ((0, [1, 2]), (5, []))
    """
    node, *outs = map(int, line.split())
    return node, outs


class _Finish:
    """The sum of a node's contributions -> its new rank (jump + dangling share + contributions)."""

    def __init__(self, n: int, damping: float, dangling_mass: float) -> None:
        self.base = (1 - damping) / n + damping * dangling_mass / n
        self.damping = damping

    def __call__(self, total: float) -> float:
        return self.base + self.damping * total


class _Uniform:
    def __init__(self, n: int) -> None:
        self.value = 1.0 / n

    def __call__(self, _outs: object) -> float:
        return self.value


class _DanglingRank:
    """``(node, rank)`` -> the rank if the node is dangling, else 0."""

    def __init__(self, nodes: Iterable[int]) -> None:
        self.nodes = frozenset(nodes)

    def __call__(self, item: tuple[int, float]) -> float:
        return item[1] if item[0] in self.nodes else 0.0


def links_from_text(sc: Any, path: str | Path, partitions: int) -> Any:
    """``links`` read from a text file of :meth:`Graph.adjacency_lines`, partitioned by node: what a
    job that keeps nothing in memory does in every iteration (not cached)."""
    return sc.textFile(str(path), partitions).map(parse_links).partitionBy(partitions)


# --------------------------------------------------------------------------------------- the loop
@dataclass
class Iteration:
    """One iteration: wall-clock seconds of its job(s), when it started (epoch seconds), the lineage
    of ``ranks`` after it (RDDs), whether it was checkpointed, and the ids of the Spark jobs it ran."""

    index: int
    seconds: float
    started: float
    lineage: int
    checkpointed: bool = False
    job_ids: list[int] = field(default_factory=list)


class RDDPageRank:
    """PageRank as an iterative Spark job, one :meth:`step` at a time; ``history`` records each.

    ``links``: an RDD of ``(node, [out-links])`` partitioned like ``partitions`` (default: built from
    ``graph``, partitioned once and cached), or a function returning a fresh one for every iteration
    (e.g. :func:`links_from_text`). ``checkpoint_every=k`` checkpoints ``ranks`` every ``k``
    iterations: ``"reliable"`` writes it to files in the checkpoint directory (``sc.setCheckpointDir``),
    ``"local"`` keeps it in the executors' block stores (``localCheckpoint``: no files, lost with its
    executor). The RDD is cached first, so writing it does not compute it again. For example::

        pr = RDDPageRank(sc, word_graph(), partitions=4)
        ranks = pr.run(8)                                   # == reference(word_graph(), 8), to rounding
        [it.lineage for it in pr.history]                   # grows by the same step every iteration
    """

    def __init__(self, sc: Any, graph: Graph, partitions: int = 4, damping: float = DAMPING,
                 checkpoint_every: int | None = None, checkpoint: str = "reliable",
                 links: Any | Callable[[], Any] = None) -> None:
        if checkpoint not in ("reliable", "local"):
            raise ValueError(f"checkpoint is 'reliable' or 'local', not {checkpoint!r}")
        if checkpoint_every is not None and checkpoint_every < 1:
            raise ValueError("checkpoint_every is a number of iterations, 1 or more (None: never)")
        if checkpoint_every and checkpoint == "reliable" and not sc.getCheckpointDir():
            raise ValueError("set a checkpoint directory first: sc.setCheckpointDir(folder); on a cluster, a "
                             "folder every executor can reach (hdfs://..., s3a://...)")
        self.sc, self.graph, self.partitions, self.damping = sc, graph, partitions, damping
        self.checkpoint_every, self.checkpoint_kind = checkpoint_every, checkpoint
        self._links = links if links is not None else self.partitioned_links(sc, graph, partitions)
        self._dangling = _DanglingRank(np.flatnonzero(graph.dangling).tolist())
        self.ranks = self.links().mapValues(_Uniform(graph.n))
        self.dangling_mass = float(graph.dangling.sum()) / graph.n
        self.history: list[Iteration] = []
        self._marks = [self._mark()]  # RDD ids below marks[i] were made before iteration i + 1
        self._kept: Any = None  # the last checkpointed ranks, cached until the next one replaces them

    @staticmethod
    def partitioned_links(sc: Any, graph: Graph, partitions: int) -> Any:
        """``links`` as an RDD: partitioned by node once (``partitionBy``) and cached."""
        return sc.parallelize(graph.links(), partitions).partitionBy(partitions).cache()

    def links(self) -> Any:
        """The links RDD for the next iteration (the cached one, or a fresh one from the factory)."""
        return self._links() if callable(self._links) else self._links

    def _mark(self) -> int:
        return int(self.sc.emptyRDD().id())  # RDD ids only grow: a new one marks "from here on"

    def step(self, through: Callable[[int, Iterator[Any]], Iterator[Any]] | None = None) -> Iteration:
        """One iteration: define the new ``ranks``, mark it for a checkpoint if one is due, run the job that
        computes it and the dangling mass for the next iteration. ``through`` is a function for
        ``mapPartitionsWithIndex`` the job's first tasks pass their records through (e.g.
        :func:`cs109par.cluster.faults.held_after`, to hold them at a gate)."""
        index = len(self.history) + 1
        joined = self.links().join(self.ranks, self.partitions)  # same partitioner on both sides: no shuffle
        if through is not None:
            joined = joined.mapPartitionsWithIndex(through, preservesPartitioning=True)
        sums = joined.flatMap(contributions).reduceByKey(add, self.partitions)
        ranks = sums.mapValues(_Finish(self.graph.n, self.damping, self.dangling_mass))
        due = bool(self.checkpoint_every) and index % (self.checkpoint_every or 1) == 0
        if due:
            ranks.cache()
            if self.checkpoint_kind == "reliable":
                ranks.checkpoint()
            else:
                ranks.localCheckpoint()
        # the iteration's jobs are found through a job group: the caller's (kill_worker_mid_job's) or our own
        group = self.sc.getLocalProperty("spark.jobGroup.id")
        own = group is None
        if own:
            group = f"pagerank-{id(self)}"
            self.sc.setJobGroup(group, f"PageRank iteration {index}")
        tracker = self.sc.statusTracker()
        before = set(tracker.getJobIdsForGroup(group))
        started, start = time.time(), time.perf_counter()
        try:
            self.dangling_mass = float(ranks.map(self._dangling).sum())
        finally:
            seconds = time.perf_counter() - start
            if own:
                self.sc.setLocalProperty("spark.jobGroup.id", None)
        if due:
            if self._kept is not None:
                self._kept.unpersist()
            self._kept = ranks
        self.ranks = ranks
        jobs = sorted(set(tracker.getJobIdsForGroup(group)) - before)
        record = Iteration(index, seconds, started, lineage.length(ranks), due, jobs)
        self.history.append(record)
        self._marks.append(self._mark())
        return record

    def iterate(self, iterations: int) -> list[Iteration]:
        """:meth:`step` ``iterations`` times; their records."""
        return [self.step() for _ in range(iterations)]

    def collect(self) -> np.ndarray:
        """The current ranks as a NumPy vector indexed by node."""
        rank = np.zeros(self.graph.n)
        for node, value in self.ranks.collect():
            rank[node] = value
        return rank

    def run(self, iterations: int) -> np.ndarray:
        """:meth:`iterate`, then :meth:`collect`."""
        self.iterate(iterations)
        return self.collect()

    def iteration_of(self, rdd_ids: Iterable[int]) -> int:
        """The iteration that made the newest of these RDDs (0: before the first, e.g. ``links``)."""
        return bisect.bisect_left(self._marks, max(rdd_ids))

    def tasks(self, spark: Any, job_id: int) -> list[dict[str, Any]]:
        """Every task attempt of one job (:func:`cs109par.sparkmetrics.job_tasks` rows), each with the
        ``iteration`` whose data its stage computes (0: the links) and its stage's ``kind``: ``"map"``
        (writes a shuffle) or ``"result"`` (the job's last stage, which returns the answer)."""
        rows = job_tasks(spark, job_id)
        last = max(rest(spark.sparkContext, f"jobs/{job_id}")["stageIds"])
        labels: dict[int, int] = {}
        for stage in sorted({r["stage"] for r in rows}):
            try:
                attempts = rest(spark.sparkContext, f"stages/{stage}")
            except MetricsError:  # pragma: no cover - a stage job_tasks just read
                continue
            labels[stage] = self.iteration_of(i for a in attempts for i in a.get("rddIds", []))
        for r in rows:
            r["iteration"] = labels.get(r["stage"], -1)
            r["kind"] = "result" if r["stage"] == last else "map"
        return rows

    def release(self) -> None:
        """Drop what this run keeps cached (its links, the last checkpointed ranks)."""
        for rdd in (self._kept, None if callable(self._links) else self._links):
            if rdd is not None:
                rdd.unpersist()


def folder_bytes(folder: str | Path) -> int:
    """Bytes in the files under ``folder`` (e.g. a checkpoint directory); 0 if there is no such folder.

    >>> folder_bytes(tmp), (tmp / "a").write_text("abc"), folder_bytes(tmp)
    (0, 3, 3)
    """
    root = Path(folder)
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file()) if root.exists() else 0
