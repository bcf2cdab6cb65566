"""Draw every figure of the deck from code (matplotlib only; no graphviz binary needed).

    .venv/bin/python slides/figures.py OUTDIR        # writes OUTDIR/*.svg
    .venv/bin/python slides/figures.py --snapshot "quiet 2-core laptop"   # commit-able copy of a bench run

The diagrams take their contents from the course package where one exists (the grid search's
PARAM_GRID and number of folds, the animals of the word count), so a change there shows up here.
The measured figure reads numbers a benchmark run wrote (benchmarks/results/latest.json), else the
committed snapshot slides/measured.json; it never contains a typed-in measurement.

The SVGs are reproducible: fixed hash salt, no date, text drawn as paths (no font needed to view).
"""

from __future__ import annotations

import json
import sys
import zlib
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from cs109par import data as cdata  # noqa: E402
from cs109par.gridsearch import N_SPLITS, PARAM_GRID  # noqa: E402

MEASURED_SOURCES = (ROOT / "benchmarks" / "results" / "latest.json", HERE / "measured.json")

plt.rcParams.update({
    "svg.hashsalt": "cs109par-slides",
    "svg.fonttype": "path",
    "font.family": "DejaVu Sans",
    "font.size": 15,
})

# One palette for the whole deck.
INK = "#1f2937"
GREY = "#9ca3af"
BLUE = "#dbeafe"
BLUE_D = "#2563eb"
GREEN = "#dcfce7"
GREEN_D = "#16a34a"
ORANGE = "#ffedd5"
ORANGE_D = "#ea580c"
RED = "#fee2e2"
RED_D = "#dc2626"
PURPLE = "#ede9fe"
PURPLE_D = "#7c3aed"
YELLOW = "#fef9c3"
YELLOW_D = "#ca8a04"

W, H = 100, 50  # every diagram is drawn in a 100 x 50 box (2:1, fits a 16:9 slide under a title)


def canvas(height: float = H):
    fig = plt.figure(figsize=(12, 12 * height / W))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, W)
    ax.set_ylim(0, height)
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def box(ax, x, y, w, h, text="", fc=BLUE, ec=BLUE_D, size=15, weight="normal", color=INK, lw=1.6, ls="-", r=0.8):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle=f"round,pad=0,rounding_size={r}", fc=fc, ec=ec, lw=lw, ls=ls))
    if text:
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size, weight=weight, color=color)


def arrow(ax, p, q, color=INK, lw=1.6, ls="-", style="-|>", rad=0.0, text="", size=12, shrink=2):
    ax.add_patch(FancyArrowPatch(p, q, arrowstyle=style, mutation_scale=16, color=color, lw=lw, ls=ls,
                                 connectionstyle=f"arc3,rad={rad}", shrinkA=shrink, shrinkB=shrink))
    if text:
        ax.text((p[0] + q[0]) / 2, (p[1] + q[1]) / 2 + 1.2, text, ha="center", va="bottom", fontsize=size, color=color)


def label(ax, x, y, text, size=15, color=INK, ha="center", va="center", weight="normal", style="normal"):
    ax.text(x, y, text, ha=ha, va=va, fontsize=size, color=color, weight=weight, style=style)


def save(fig, out: Path) -> Path:
    fig.savefig(out, format="svg", metadata={"Date": None}, transparent=False, facecolor="white")
    plt.close(fig)
    return out


# --------------------------------------------------------------------------------------------------
def gridsearch(out: Path) -> Path:
    """Grid search over CV splits: one independent task per (parameter set, fold), then two reducers."""
    keys = list(PARAM_GRID)
    combos = [(a, b) for a in PARAM_GRID[keys[0]] for b in PARAM_GRID[keys[1]]]
    n, k = len(combos), N_SPLITS
    fig, ax = canvas()
    x0, y0, cw, ch = 22, 2, 6.4, 2.9
    top = y0 + n * ch
    box(ax, 1, 43.5, 12, 5, "master", fc=PURPLE, ec=PURPLE_D, size=14, weight="bold")
    label(ax, 14.5, 46, "makes the CV splits once\nand stores them read-only", size=11, color=PURPLE_D, ha="left")
    label(ax, 72, 46, f"{n} parameter sets x {k} folds = {n * k} tasks", size=16, weight="bold")
    for j in range(k):
        label(ax, x0 + j * cw + cw / 2, top + 1.5, f"fold {j + 1}", size=12)
    for i, (a, b) in enumerate(combos):
        y = top - (i + 1) * ch
        label(ax, x0 - 1, y + ch / 2, f"{keys[0]}={a:g}, {keys[1]}={b:g}", size=11, ha="right")
        for j in range(k):
            box(ax, x0 + j * cw + 0.3, y + 0.3, cw - 0.6, ch - 0.6, "fit+score", fc=BLUE, ec=BLUE_D, size=8, lw=1,
                r=0.4)
    # reducer 1: mean over folds (one per row)
    xr = x0 + k * cw + 6
    for i in range(n):
        y = top - (i + 1) * ch
        arrow(ax, (x0 + k * cw, y + ch / 2), (xr, y + ch / 2), color=GREY, lw=1, shrink=0.5)
        box(ax, xr, y + 0.3, 9, ch - 0.6, "mean", fc=GREEN, ec=GREEN_D, size=9, lw=1, r=0.4)
    label(ax, xr + 4.5, top + 1.5, "reducer 1", size=12, color=GREEN_D, weight="bold")
    # reducer 2: best
    xb = xr + 17
    mid = y0 + n * ch / 2
    for i in range(n):
        y = top - (i + 1) * ch + ch / 2
        arrow(ax, (xr + 9, y), (xb, mid), color=GREY, lw=0.8, style="-", shrink=0.5)
    box(ax, xb, mid - 3, 12, 6, "best", fc=ORANGE, ec=ORANGE_D, size=15, weight="bold")
    label(ax, xb + 6, mid + 5, "reducer 2", size=12, color=ORANGE_D, weight="bold")
    return save(fig, out)


def cluster(out: Path) -> Path:
    """A Spark cluster: the driver, the cluster manager (master), workers running executors."""
    fig, ax = canvas()
    # driver
    box(ax, 2, 17, 24, 16, "", fc=PURPLE, ec=PURPLE_D)
    label(ax, 14, 29.5, "driver program", size=16, weight="bold")
    box(ax, 5, 19.5, 18, 6, "SparkContext /\nSparkSession", fc="white", ec=PURPLE_D, size=12)
    label(ax, 14, 12.5, "your notebook:\nbuilds the DAG,\nschedules tasks", size=11, color=PURPLE_D)
    # master
    box(ax, 37, 39, 26, 9, "cluster manager\n(standalone master)", fc=YELLOW, ec=YELLOW_D, size=13, weight="bold")
    arrow(ax, (26, 30), (37, 42), text="ask for executors", size=11)
    # workers
    for i, y in enumerate((20, 1)):
        box(ax, 40, y, 57, 16, "", fc="#f3f4f6", ec=GREY)
        label(ax, 42, y + 14, f"worker node {i + 1}", size=13, weight="bold", ha="left", va="center")
        box(ax, 43, y + 1.5, 51, 10, "", fc=GREEN, ec=GREEN_D)
        label(ax, 45, y + 9.5, "executor (a JVM)", size=12, ha="left")
        for t in range(3):
            box(ax, 45 + t * 9.5, y + 2.5, 8, 4.8, "task", fc="white", ec=GREEN_D, size=11, lw=1.2)
        box(ax, 75, y + 2.5, 17, 4.8, "cache", fc=ORANGE, ec=ORANGE_D, size=11, lw=1.2)
        arrow(ax, (26, 25 if i == 0 else 19), (43, y + 6.5), color=PURPLE_D, style="<|-|>",
              text="tasks / results" if i == 0 else "", size=11)
    # the master launches an executor on each worker
    arrow(ax, (50, 39), (50, 36), color=YELLOW_D, ls="--", lw=1.4, shrink=0)
    ax.plot([63, 99, 99], [42, 42, 9], color=YELLOW_D, ls="--", lw=1.4)
    arrow(ax, (99, 9), (97, 9), color=YELLOW_D, ls="--", lw=1.4, shrink=0)
    label(ax, 81, 44, "launches executors on workers", size=11, color=YELLOW_D)
    return save(fig, out)


def stack(out: Path) -> Path:
    """The Spark stack: libraries on one core engine, on any cluster manager and any storage."""
    fig, ax = canvas()
    libs = [("Spark SQL\n& DataFrames", BLUE, BLUE_D), ("Structured\nStreaming", GREEN, GREEN_D),
            ("MLlib\n(machine learning)", ORANGE, ORANGE_D), ("GraphX\n(graphs)", PURPLE, PURPLE_D)]
    x, w = 4, 21.5
    for i, (name, fc, ec) in enumerate(libs):
        box(ax, x + i * (w + 1.3), 33, w, 11, name, fc=fc, ec=ec, size=14, weight="bold")
    box(ax, 4, 20, 90, 10, "Spark Core: RDDs, the DAG scheduler, the shuffle, memory management\n"
        "APIs in Python (PySpark), Scala, Java, R, SQL", fc=YELLOW, ec=YELLOW_D, size=14)
    label(ax, 4, 16.3, "runs on", size=12, ha="left", color=GREY)
    mgrs = ["local[*]\n(your laptop)", "standalone\n(master + workers)", "YARN\n(Hadoop)", "Kubernetes"]
    for i, name in enumerate(mgrs):
        box(ax, 4 + i * 22.8, 8, 21.2, 6.5, name, fc="#f3f4f6", ec=GREY, size=12)
    label(ax, 4, 5.2, "reads and writes", size=12, ha="left", color=GREY)
    label(ax, 49, 2.2, "local files   HDFS   S3 / object stores   databases (JDBC)   Parquet, CSV, JSON ...", size=12)
    return save(fig, out)


def _animal_partitions(n_parts: int = 2):
    """The animals split as sc.parallelize(ANIMALS, 2) splits them: contiguous slices."""
    xs = list(cdata.ANIMALS)
    n = len(xs)
    return [xs[i * n // n_parts:(i + 1) * n // n_parts] for i in range(n_parts)]


def wordcount(out: Path) -> Path:
    """The word count's data flow: narrow steps in stage 1, a shuffle, reduceByKey in stage 2."""
    parts = _animal_partitions(2)
    words = sorted({w for p in parts for w in p})
    # a stable stand-in for Spark's hash partitioner (the real one depends on PYTHONHASHSEED)
    reduce_of = {w: zlib.crc32(w.encode()) % 2 for w in words}
    fig, ax = canvas()
    cols = [5, 24, 43]
    label(ax, cols[0] + 8, 47, "parallelize", size=13, weight="bold")
    label(ax, cols[1] + 8, 47, "map(w -> (w, 1))", size=13, weight="bold")
    label(ax, cols[2] + 8, 47, "partial sums\n(map-side combine)", size=12, weight="bold")
    ys = [27, 5]
    centers = {}
    for p, part in enumerate(parts):
        y = ys[p]
        h = 16
        box(ax, cols[0], y, 16, h, "\n".join(part), fc=BLUE, ec=BLUE_D, size=13)
        box(ax, cols[1], y, 16, h, "\n".join(f"({w}, 1)" for w in part), fc=BLUE, ec=BLUE_D, size=12)
        partial: dict[str, int] = {}
        for w in part:
            partial[w] = partial.get(w, 0) + 1
        pairs = "\n".join(f"({w}, {c})" for w, c in sorted(partial.items()))
        box(ax, cols[2], y, 16, h, pairs, fc=BLUE, ec=BLUE_D, size=12)
        label(ax, cols[0] - 0.8, y + h / 2, f"p{p}", size=11, color=GREY, ha="right")
        arrow(ax, (cols[0] + 16, y + h / 2), (cols[1], y + h / 2))
        arrow(ax, (cols[1] + 16, y + h / 2), (cols[2], y + h / 2))
        centers[p] = (partial, y + h / 2)
    # stage boundary
    xb = 64
    ax.plot([xb, xb], [1, 49], color=RED_D, lw=2, ls="--")
    label(ax, xb - 1, 1.5, "stage 1", size=13, color=RED_D, weight="bold", ha="right")
    label(ax, xb + 1, 1.5, "stage 2", size=13, color=RED_D, weight="bold", ha="left")
    ax.text(xb, 47, "shuffle", ha="center", va="center", fontsize=14, color=RED_D, weight="bold",
            bbox=dict(fc="white", ec="none", pad=2))
    # reduce side
    xr = 80
    for r in range(2):
        y = ys[r]
        mine = [w for w in words if reduce_of[w] == r]
        totals = {w: sum(c.get(w, 0) for c, _ in centers.values()) for w in mine}
        box(ax, xr, y, 18, 16, "\n".join(f"({w}, {totals[w]})" for w in mine), fc=GREEN, ec=GREEN_D, size=13)
        for partial, yc in centers.values():
            if any(reduce_of[w] == r for w in partial):
                arrow(ax, (cols[2] + 16, yc), (xr, y + 8), color=RED_D, lw=1.2)
    label(ax, xr + 9, 47, "reduceByKey(add)", size=13, weight="bold")
    return save(fig, out)


def lineage(out: Path) -> Path:
    """The lineage DAG: each RDD remembers its parents and the function; a lost partition is recomputed."""
    fig, ax = canvas()
    steps = [("textFile", "lines"), ("flatMap(split)", "words"), ("map(w -> (w,1))", "pairs"),
             ("reduceByKey(add)", "counts")]
    xs = [3, 28, 53, 78]
    ys = [30, 18, 6]
    for i, (op, name) in enumerate(steps):
        x = xs[i]
        label(ax, x + 9.5, 47, name, size=15, weight="bold")
        label(ax, x + 9.5, 43.5, op, size=11, color=GREY)
        for j, y in enumerate(ys):
            lost = i == 2 and j == 1
            redo = i < 2 and j == 1
            fc, ec = (RED, RED_D) if lost else ((ORANGE, ORANGE_D) if redo else (BLUE, BLUE_D))
            box(ax, x, y, 19, 8, ("lost" if lost else f"partition {j}"), fc=fc, ec=ec, size=12,
                ls="--" if lost else "-")
        if i == 0:
            continue
        px = xs[i - 1] + 19
        if i < 3:  # narrow: partition j depends on parent partition j
            for j, y in enumerate(ys):
                arrow(ax, (px, y + 4), (x, y + 4), color=ORANGE_D if j == 1 else INK, lw=2.2 if j == 1 else 1.4)
        else:  # wide: every child partition depends on every parent partition
            for y1 in ys:
                for y2 in ys:
                    arrow(ax, (px, y1 + 4), (x, y2 + 4), color=GREY, lw=1)
    label(ax, 50, 2.0, "a lost partition is rebuilt by re-running its narrow chain on the parent partition (orange);"
          " no replica needed", size=12, color=ORANGE_D)
    return save(fig, out)


def disk_vs_memory(out: Path) -> Path:
    """Between two steps: MapReduce writes to replicated disk and reads back; Spark keeps data in memory."""
    fig, ax = canvas()
    label(ax, 2, 46, "MapReduce (Hadoop)", size=16, weight="bold", ha="left")
    label(ax, 2, 21, "Spark", size=16, weight="bold", ha="left")
    xs = [4, 30, 56, 82]
    for i, x in enumerate(xs):
        box(ax, x, 32, 14, 7, f"step {i + 1}", fc=BLUE, ec=BLUE_D, size=13)
        box(ax, x, 8, 14, 7, f"step {i + 1}", fc=BLUE, ec=BLUE_D, size=13)
        if i < 3:
            dx = x + 14
            nx = xs[i + 1]
            # MapReduce: down to disk, up again
            box(ax, dx + 1.5, 24, 9, 5, "HDFS\nx3", fc=RED, ec=RED_D, size=10)
            arrow(ax, (dx, 33.5), (dx + 4, 29), color=RED_D, text="")
            arrow(ax, (dx + 8, 29), (nx, 33.5), color=RED_D)
            # Spark: straight through memory
            box(ax, dx + 1.5, 9.5, 9, 4, "RAM", fc=GREEN, ec=GREEN_D, size=11)
            arrow(ax, (dx, 11.5), (dx + 1.5, 11.5), color=GREEN_D, shrink=0)
            arrow(ax, (dx + 10.5, 11.5), (nx, 11.5), color=GREEN_D, shrink=0)
    label(ax, 50, 42, "every step writes its output to disk, replicated, and the next step reads it back",
          size=12, color=RED_D)
    label(ax, 50, 3.5, "intermediate results stay in executor memory; lineage, not replicas, protects them",
          size=12, color=GREEN_D)
    return save(fig, out)


def checkpoints(out: Path, failed_in: int = 5, every: int = 3) -> Path:
    """What a machine lost in iteration ``failed_in`` of PageRank costs, without and with a checkpoint every
    ``every`` iterations: the lost shuffle outputs Spark rebuilds (notebook 08 measures it)."""
    from cs109par.exercises.nb08 import iterations_to_rebuild_reference as to_rebuild

    fig, ax = canvas()
    x0, unit = 2.0, 96.0 / (failed_in + 1)
    bw, gap = 0.74 * unit, 0.26 * unit
    rows = [("no checkpoint", None, 31.0), (f"checkpoint() every {every}", every, 10.0)]
    for title, k, y in rows:
        label(ax, x0, y + 13.5, title, size=15, weight="bold", ha="left")
        rebuilt = to_rebuild(failed_in, k)
        for i in range(failed_in + 1):
            x = x0 + i * (bw + gap)
            if i == failed_in:
                box(ax, x, y, bw, 7, f"iter {i}\nlost a\nmachine", fc=RED, ec=RED_D, size=10, ls="--")
            else:
                redo = i >= failed_in - rebuilt and i > 0
                saved = k is not None and i > 0 and i % k == 0
                fc, ec = (ORANGE, ORANGE_D) if redo else ((YELLOW, YELLOW_D) if saved else (BLUE, BLUE_D))
                box(ax, x, y, bw, 7, "links" if i == 0 else f"ranks\n{i}", fc=fc, ec=ec, size=11)
                if saved:
                    box(ax, x + 0.6, y - 5.5, bw - 1.2, 3.8, "files", fc="white", ec=YELLOW_D, size=10, lw=1.2)
                    arrow(ax, (x + bw / 2, y), (x + bw / 2, y - 1.7), color=YELLOW_D, style="-", shrink=0)
            if i > 0:
                cut = k is not None and i < failed_in and i % k == 0  # a checkpoint forgets its parents
                arrow(ax, (x - gap, y + 3.5), (x, y + 3.5), color=GREY if cut else INK, ls=":" if cut else "-",
                      lw=1.2 if cut else 1.6, shrink=0.3)
        first = x0 + (failed_in - rebuilt) * (bw + gap)
        last = x0 + (failed_in - 1) * (bw + gap) + bw
        ax.plot([first, first, last, last], [y + 8, y + 9, y + 9, y + 8], color=ORANGE_D, lw=1.6)
        what = "1 earlier iteration's lost output" if rebuilt == 1 else f"{rebuilt} earlier iterations' lost outputs"
        label(ax, last, y + 10.3, f"rebuilt: {what} (+ the lost links)",
              size=11, color=ORANGE_D, ha="right")
    label(ax, 50, 1.2, "each iteration's shuffle output needs the one before it; a checkpoint's files end the "
          "chain (dotted: lineage cut)", size=11, color=INK)
    return save(fig, out)


# --------------------------------------------------------------------------------------------------
def load_measured() -> tuple[dict, list[dict], Path] | None:
    """The newest benchmark results available: a fresh run if there is one, else the committed snapshot."""
    for path in MEASURED_SOURCES:
        if path.is_file():
            doc = json.loads(path.read_text())
            results = [r for r in doc.get("results", []) if isinstance(r.get("value"), (int, float))]
            if results:
                return doc.get("machine", {}), results, path
    return None


def _target(result: dict) -> tuple[str, float | None]:
    """A result's target as ``(op, value)``, from any version of the results file: ``target`` a number with
    ``target_op`` (today's), ``target`` an ``[op, value]`` pair, or no target (``(">=", None)``)."""
    target = result.get("target")
    if isinstance(target, (list, tuple)):
        return str(target[0]), float(target[1])
    return result.get("target_op") or ">=", (float(target) if isinstance(target, (int, float)) else None)


def measured(out: Path) -> Path | None:
    """Every ratio a benchmark measured, as bars, with its target; None when nothing was measured."""
    found = load_measured()
    if found is None:
        return None
    machine, results, path = found
    # Speed ratios only: a bytes ratio (e.g. shuffle bytes) is not "higher is better".
    ratios = [r for r in results if r.get("unit") in ("x", "ratio", "speedup") and "bytes" not in r["name"]] or results
    values = [float(r["value"]) for r in ratios]
    fig = plt.figure(figsize=(12, 6))
    ax = fig.add_axes((0.4, 0.2, 0.56, 0.76))
    ys = list(range(len(values)))[::-1]
    ax.barh(ys, values, color=BLUE_D, height=0.55)
    ax.axvline(1.0, color=GREY, lw=1.2, ls=":")
    for y, r in zip(ys, ratios):
        target = _target(r)[1]
        if target is not None:
            ax.plot([target] * 2, [y - 0.38, y + 0.38], color=ORANGE_D, lw=3)
        ax.text(float(r["value"]) + 0.03, y + 0.12, f"{float(r['value']):.2f} {r['unit']}", va="bottom", fontsize=13)
    ax.set_yticks(ys)
    ax.set_yticklabels([f"{r['name']}\n({r['benchmark']}{'; lower is better' if _target(r)[0] == '<=' else ''})"
                        for r in ratios], fontsize=12)
    ax.set_xlim(0, max(values + [_target(r)[1] or 0 for r in ratios]) * 1.3)
    ax.set_xlabel("ratio (higher is better unless marked; dotted line = no gain, orange tick = the course's target)",
                  fontsize=12)
    ax.spines[["top", "right"]].set_visible(False)
    where = "benchmarks/results/latest.json" if path.parent.name == "results" else "slides/measured.json"
    when = machine.get("when", "unknown date")
    note = machine.get("note", "")
    fig.text(0.02, 0.03, f"measured by `python -m benchmarks` on {machine.get('cpus', '?')} CPUs, {when}  [{where}]"
             + (f"\n{note}" if note else ""), fontsize=11, color=INK, va="bottom")
    return save(fig, out)


DIAGRAMS = {
    "gridsearch.svg": gridsearch,
    "cluster.svg": cluster,
    "stack.svg": stack,
    "wordcount.svg": wordcount,
    "lineage.svg": lineage,
    "disk-vs-memory.svg": disk_vs_memory,
    "checkpoints.svg": checkpoints,
}


def main(outdir: str | Path) -> list[Path]:
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = [fn(outdir / name) for name, fn in DIAGRAMS.items()]
    m = measured(outdir / "measured.svg")
    if m is not None:
        written.append(m)
    return written


def snapshot(note: str) -> Path:
    """Copy the latest benchmark run to slides/measured.json (committed), with a note on its conditions."""
    src = MEASURED_SOURCES[0]
    if not src.is_file():
        sys.exit(f"no {src.relative_to(ROOT)}: run `make bench` first")
    doc = json.loads(src.read_text())
    doc.setdefault("machine", {})["note"] = note
    out = HERE / "measured.json"
    out.write_text(json.dumps(doc, indent=2) + "\n")
    return out


USAGE = """usage: figures.py OUTDIR              draw every figure into OUTDIR
       figures.py --snapshot "NOTE"    copy benchmarks/results/latest.json to slides/measured.json,
                                       NOTE saying where and how it ran (e.g. "quiet 2-core laptop")"""

if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--snapshot":
        print(snapshot(sys.argv[2]))
    elif len(sys.argv) == 2 and not sys.argv[1].startswith("-"):
        for p in main(sys.argv[1]):
            print(p)
    else:
        sys.exit(USAGE)
