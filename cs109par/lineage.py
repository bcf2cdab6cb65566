"""An RDD's lineage as data and as a figure: which RDD came from which, and where the stages split.

>>> from cs109par import lineage
>>> counts = sc.parallelize(["a", "b", "a"], 2).map(lambda w: (w, 1)).reduceByKey(lambda a, b: a + b)
>>> g = lineage.of(counts)                 # walks the JVM's dependency graph
>>> g.stages, len(g.shuffles)
([0, 1], 1)
>>> ax = lineage.draw(g)                   # a matplotlib figure: stage boxes, shuffle edges

``rdd.toDebugString()`` prints the same graph as indented text; :func:`debug_string` returns it
decoded (PySpark 4 hands back bytes). :func:`of` reads the dependencies themselves from the JVM,
so the figure is exact for any lineage (joins and unions too), not a parse of that text.

Spark cuts a job into **stages** at every shuffle dependency: inside a stage each partition flows
through its narrow transformations on one executor without talking to the others; a shuffle
moves data between all partitions, so the next stage waits for the whole previous one.
:func:`draw_dataflow` draws that picture partition by partition (no Spark needed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Node", "Lineage", "of", "length", "debug_string", "draw", "draw_dataflow"]


@dataclass(frozen=True)
class Node:
    """One RDD in a lineage."""

    id: int
    kind: str  # the JVM class, e.g. "PythonRDD", "ShuffledRDD", "HadoopRDD"
    operation: str  # what created it, e.g. "reduceByKey", "textFile"
    partitions: int
    cached: bool = False

    @property
    def label(self) -> str:
        return f"{self.kind}[{self.id}]\n{self.operation}" + ("\n(cached)" if self.cached else "")


@dataclass
class Lineage:
    """RDDs (``nodes`` by id), dependency edges ``(parent, child, is_shuffle)``, and a stage per RDD.

    ``root`` is the RDD the lineage was taken from (the one an action would run on).
    """

    nodes: dict[int, Node]
    edges: list[tuple[int, int, bool]]
    root: int
    stage_of: dict[int, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.stage_of:
            self.stage_of = _assign_stages(self.nodes, self.edges, self.root)

    @property
    def stages(self) -> list[int]:
        return sorted(set(self.stage_of.values()))

    @property
    def shuffles(self) -> list[tuple[int, int]]:
        """The (parent, child) pairs joined by a shuffle dependency."""
        return [(p, c) for p, c, s in self.edges if s]

    def parents(self, node: int) -> list[tuple[int, bool]]:
        return [(p, s) for p, c, s in self.edges if c == node]


def _assign_stages(nodes: dict[int, Node], edges: list[tuple[int, int, bool]], root: int) -> dict[int, int]:
    """Group RDDs into stages the way Spark's DAG scheduler does: a new stage behind every shuffle.

    Stages are numbered parents first (the stage reading the input gets the lowest number), which
    is the order Spark submits them in.
    """
    parents: dict[int, list[tuple[int, bool]]] = {n: [] for n in nodes}
    for p, c, s in edges:
        parents[c].append((p, s))
    group: dict[int, int] = {}  # rdd -> provisional group (the RDD that heads the group)
    todo = [(root, root)]
    while todo:
        node, head = todo.pop()
        if node in group:
            continue
        group[node] = head
        for p, shuffle in parents[node]:
            todo.append((p, p if shuffle else head))
    # Order the groups: a group comes after every group it reads from through a shuffle.
    deps: dict[int, set[int]] = {h: set() for h in set(group.values())}
    for p, c, _shuffle in edges:
        if group.get(c) is not None and group.get(p) is not None and group[p] != group[c]:
            deps[group[c]].add(group[p])
    order: list[int] = []
    seen: set[int] = set()

    def visit(h: int) -> None:
        if h in seen:
            return
        seen.add(h)
        for d in sorted(deps[h]):
            visit(d)
        order.append(h)

    visit(group[root])
    for h in sorted(deps):
        visit(h)
    number = {h: i for i, h in enumerate(order)}
    return {n: number[h] for n, h in group.items()}


def debug_string(rdd) -> str:
    """``rdd.toDebugString()`` as text (PySpark 4 returns bytes)."""
    text = rdd.toDebugString()
    return text.decode("utf-8") if isinstance(text, bytes) else text


def length(rdd) -> int:
    """How many RDDs an RDD's lineage holds (the RDD itself and every ancestor, each once): the same
    number as ``len(of(rdd).nodes)``, in one call to the JVM, so it stays cheap for long lineages.

    >>> r = sc.parallelize([1, 2, 3, 4], 2)
    >>> length(r), length(r.map(lambda x: (x, x)).reduceByKey(lambda a, b: a + b))
    (1, 6)
    """
    # the JVM's debug string has a line "Kind[id] at <call site>" per RDD on every path to the input
    text = str(rdd._jrdd.rdd().toDebugString())
    return len(set(re.findall(r"\[(\d+)\] at ", text)))


def _operation(jrdd) -> str:
    """The user-facing operation that created a JVM RDD: the first word of its creation site."""
    try:
        site = str(jrdd.getCreationSite())
    except Exception:  # pragma: no cover - very old Sparks
        site = str(jrdd.toString()).split(" at ", 1)[-1]
    op = site.split(" at ", 1)[0].strip()
    return op or "?"


def of(rdd) -> Lineage:
    """Read an RDD's lineage from the JVM: every ancestor, each dependency marked narrow or shuffle.

    Works on a PySpark RDD (classic mode). PySpark fuses consecutive Python transformations
    (``flatMap``, ``map``, ``filter``…) into one ``PythonRDD``, so you see fewer RDDs than calls.
    """
    root = rdd._jrdd.rdd()
    nodes: dict[int, Node] = {}
    edges: list[tuple[int, int, bool]] = []
    todo = [root]
    while todo:
        j = todo.pop()
        rid = int(j.id())
        if rid in nodes:
            continue
        level = j.getStorageLevel()
        nodes[rid] = Node(
            id=rid,
            kind=str(j.getClass().getSimpleName()),
            operation=_operation(j),
            partitions=int(j.getNumPartitions()),
            cached=bool(level.useMemory() or level.useDisk()),
        )
        deps = j.dependencies()
        for i in range(int(deps.length())):
            dep = deps.apply(i)
            parent = dep.rdd()
            shuffle = "Shuffle" in str(dep.getClass().getSimpleName())
            edges.append((int(parent.id()), rid, shuffle))
            todo.append(parent)
    return Lineage(nodes=nodes, edges=sorted(set(edges)), root=int(root.id()))


def _layout(g: Lineage) -> dict[int, tuple[float, float]]:
    """One row per stage, in the order Spark runs them (top to bottom); inside a row, x = longest path
    from the stage's first RDDs (data flows left to right) and lanes for RDDs side by side."""
    local: dict[int, int] = {}

    def depth(n: int) -> int:
        if n not in local:
            same = [p for p, shuffle in g.parents(n) if not shuffle and g.stage_of[p] == g.stage_of[n]]
            local[n] = 1 + max(depth(p) for p in same) if same else 0
        return local[n]

    cells: dict[tuple[int, int], list[int]] = {}
    for n in sorted(g.nodes, key=lambda n: (g.stage_of[n], n)):
        cells.setdefault((g.stage_of[n], depth(n)), []).append(n)
    lanes = {s: max(len(ms) for (st, _), ms in cells.items() if st == s) for s in g.stages}
    top, pos = 0.0, {}
    for s in g.stages:
        for (st, x), members in cells.items():
            if st == s:
                for i, n in enumerate(members):
                    pos[n] = (float(x), top - i - (lanes[s] - len(members)) / 2)
        top -= lanes[s] + _ROW_GAP
    return pos


#: Vertical room between two stage rows (in lanes): where the shuffle arrows and their labels go.
_ROW_GAP = 0.75


def _wrap_camel(word: str, width: int) -> list[str]:
    """``MapPartitionsRDD`` -> ``["MapPartitions", "RDD"]``: split at capitals into lines of at most
    ``width`` characters (a single longer part stays whole)."""
    lines = [""]
    for part in (p for p in re.split(r"(?<=[a-z])(?=[A-Z])", word) if p):
        if lines[-1] and len(lines[-1]) + len(part) > width:
            lines.append(part)
        else:
            lines[-1] += part
    return lines


def _box_label(node: Node, width: int = 13) -> str:
    """The JVM class, its id, the operation, each wrapped to fit a box: ``MapPartitions`` /
    ``RDD [1]`` / ``textFile``."""
    lines = _wrap_camel(node.kind, width)
    ident = f"[{node.id}]"
    if len(lines[-1]) + 1 + len(ident) <= width + 2:
        lines[-1] += " " + ident
    else:
        lines.append(ident)
    return "\n".join(lines + _wrap_camel(node.operation, width + 2) + (["(cached)"] if node.cached else []))


def draw(g: Lineage, ax=None, title: str | None = None):
    """Draw a lineage: one row per stage (shaded), RDDs as boxes with data flowing left to right,
    shuffle dependencies as thick red dashed arrows down to the next stage's row. Sized for a
    notebook: about 1.6 inches per box column. Returns the matplotlib Axes."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    pos = _layout(g)
    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    if ax is None:
        width = max(5.0, 1.6 * (max(xs) - min(xs) + 1.1))
        height = 1.1 * (max(ys) - min(ys) + 1.25) + 0.35
        _, ax = plt.subplots(figsize=(width, height))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    bw, bh = 0.88, 0.68  # box size in data units
    # Stage backgrounds.
    for s in g.stages:
        members = [pos[n] for n in g.nodes if g.stage_of[n] == s]
        x0 = min(x for x, _ in members) - bw / 2 - 0.06
        x1 = max(x for x, _ in members) + bw / 2 + 0.06
        y0 = min(y for _, y in members) - bh / 2 - 0.27
        y1 = max(y for _, y in members) + bh / 2 + 0.2
        ax.add_patch(
            FancyBboxPatch((x0, y0), x1 - x0, y1 - y0, boxstyle="round,pad=0.02,rounding_size=0.08",
                           facecolor=colors[s % len(colors)], alpha=0.12, edgecolor=colors[s % len(colors)])
        )
        ax.text(x1 - 0.04, y1 - 0.02, f"stage {s}", ha="right", va="top", fontsize=10, fontweight="bold",
                color=colors[s % len(colors)])  # top right: the shuffle arrow into a row ends top left
    # Edges: narrow ones inside a row, shuffles from the bottom of one row's box to the top of the next's.
    for p, c, shuffle in g.edges:
        (x0, y0), (x1, y1) = pos[p], pos[c]
        if shuffle and g.stage_of[p] != g.stage_of[c]:
            start, end = (x0, y0 - bh / 2 - 0.2), (x1, y1 + bh / 2)
        else:
            start, end = (x0 + bw / 2, y0), (x1 - bw / 2, y1)
        ax.annotate(
            "", xy=end, xytext=start,
            arrowprops=dict(arrowstyle="-|>", lw=2.2 if shuffle else 1.2, color="crimson" if shuffle else "0.3",
                            linestyle="--" if shuffle else "-", shrinkA=0, shrinkB=0),
        )
        if shuffle:  # beside the middle of the arrow, clear of the line and of the boxes
            ax.annotate("shuffle", xy=((start[0] + end[0]) / 2, (start[1] + end[1]) / 2), xytext=(8, -4),
                        textcoords="offset points", ha="left", va="top", fontsize=9.5, color="crimson",
                        fontweight="bold")
    # Boxes.
    for n, node in g.nodes.items():
        x, y = pos[n]
        ax.add_patch(FancyBboxPatch((x - bw / 2, y - bh / 2), bw, bh, boxstyle="round,pad=0.01,rounding_size=0.05",
                                    facecolor="white", edgecolor="0.25", lw=1.6 if n == g.root else 1.0))
        ax.text(x, y, _box_label(node), ha="center", va="center", fontsize=8.5, linespacing=1.15)
        ax.text(x, y - bh / 2 - 0.03, f"{node.partitions} partitions", ha="center", va="top", fontsize=8.5,
                color="0.35")
    ax.set_xlim(min(xs) - 0.55, max(xs) + 0.55)
    ax.set_ylim(min(ys) - 0.65, max(ys) + 0.6)
    ax.set_aspect("auto")
    ax.axis("off")
    ax.set_title(title or f"lineage of RDD {g.root}: {len(g.stages)} stage(s), {len(g.shuffles)} shuffle(s)",
                 fontsize=11)
    return ax


def draw_dataflow(partitions: int = 3, lost: int | None = 1, ax=None):
    """The word count as a graph of pure functions over partitions (no Spark needed).

    Each input partition flows through ``flatMap`` and ``map`` on its own; ``reduceByKey`` needs a
    shuffle: every map task sends some words to every reduce task. ``lost`` marks one output
    partition as lost and highlights the only pieces needed to rebuild it.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    if ax is None:
        _, ax = plt.subplots(figsize=(9, 0.9 + 1.0 * partitions))
    steps = ["input\npartition", "flatMap\n(split lines)", "map\n(word, 1)", "reduceByKey\n(sum per word)",
             "output\npartition"]
    bw, bh = 0.95, 0.6
    red = "crimson"
    for col, step in enumerate(steps):
        ax.text(col * 1.6, 0.75, step, ha="center", va="bottom", fontsize=8.5, fontweight="bold")
        for row in range(partitions):
            x, y = col * 1.6, -row
            # Rebuilding output partition `lost` needs its own reduce task and ALL map-side partitions.
            needed = lost is not None and (col < 3 or row == lost)
            edge = red if needed else "0.3"
            face = "#fde0e0" if (lost is not None and col == 4 and row == lost) else "white"
            ax.add_patch(FancyBboxPatch((x - bw / 2, y - bh / 2), bw, bh, boxstyle="round,pad=0.01,rounding_size=0.06",
                                        facecolor=face, edgecolor=edge, lw=1.6 if needed else 1.0))
            text = f"{'part' if col in (0, 4) else 'task'} {row}"
            if lost is not None and col == 4 and row == lost:
                text += "\n(lost)"
            ax.text(x, y, text, ha="center", va="center", fontsize=8)
    arrow = dict(arrowstyle="-|>", color="0.35", lw=1.0, shrinkA=0, shrinkB=0)
    for col in range(len(steps) - 1):
        for row in range(partitions):
            targets = range(partitions) if col == 2 else [row]  # the shuffle connects every pair
            for t in targets:
                hot = lost is not None and (t == lost if col >= 2 else True)
                style = dict(arrow, color=red if hot else "0.55", lw=1.4 if hot else 0.8,
                             linestyle="--" if col == 2 else "-")
                ax.annotate("", xy=(col * 1.6 + 1.6 - bw / 2, -t), xytext=(col * 1.6 + bw / 2, -row), arrowprops=style)
    ax.text(2 * 1.6 + 0.8, -partitions + 0.35, "shuffle", ha="center", va="top", fontsize=9, color="0.3")
    ax.set_xlim(-0.7, 4 * 1.6 + 0.7)
    ax.set_ylim(-partitions + 0.2, 1.3)
    ax.axis("off")
    title = "word count as a data-flow graph of pure functions"
    if lost is not None:
        title += f"\nred: everything output partition {lost} depends on, so all Spark may need to rebuild it"
    ax.set_title(title, fontsize=10)
    return ax
