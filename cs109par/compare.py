"""The course's engines side by side: one small task, one grid search, every engine.

Everything that runs in another process lives here, so it works under every start method
(``fork``, ``spawn``, ``forkserver``), on ipyparallel engines and on Spark executors.

**Which engine when.** :func:`work` is a small CPU-bound task (about 0.1 ms in CPython). Each runner
maps it over ``range(n)`` with one engine and returns the results in order:

>>> from cs109par import compare
>>> compare.run_serial(5) == compare.run_futures(5, workers=2)
True
>>> runs = compare.sweep({"serial": compare.run_serial}, sizes=[10, 100])
>>> list(runs), len(runs["serial"])
(['serial'], 2)

:func:`fit_line` turns the measured times into ``overhead + n * per_item`` and
:func:`crossover` finds the input size above which an engine beats the serial loop.

The grid search that runs on every engine is :mod:`cs109par.naivebayes`; the SQL plans of notebook
07 are :mod:`cs109par.plans`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from .timing import Timer

# ---------------------------------------------------------------------------------------------
# Which engine when: one small task, every engine
# ---------------------------------------------------------------------------------------------

#: Loop rounds in :func:`work`: sets the cost of one item (about 0.1 ms in CPython).
ROUNDS = 400


def work(i: int, rounds: int = ROUNDS) -> int:
    """One small CPU-bound task: ``rounds`` steps of a linear congruential generator seeded by ``i``.

    Pure Python on purpose (it holds the GIL, so threads would not help) and deterministic, so every
    engine's answer can be compared with the serial one.

    >>> work(0, rounds=1), work(1, rounds=1)
    (12345, 1103527590)
    """
    x = i
    for _ in range(rounds):
        x = (x * 1103515245 + 12345) % 2147483648
    return x


def _chunksize(n: int, workers: int) -> int:
    # A few chunks per worker: big enough to amortize the per-message cost, small enough to balance.
    return max(1, math.ceil(n / (4 * workers)))


def run_serial(n: int, workers: int = 1) -> list[int]:
    """The baseline: a plain loop in this process (``workers`` is ignored)."""
    return [work(i) for i in range(n)]


def run_futures(n: int, workers: int = 2) -> list[int]:
    """``concurrent.futures.ProcessPoolExecutor``, started and stopped inside the call."""
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, range(n), chunksize=_chunksize(n, workers)))


def run_multiprocessing(n: int, workers: int = 2) -> list[int]:
    """``multiprocessing.Pool``, started and stopped inside the call."""
    import multiprocessing

    with multiprocessing.Pool(workers) as pool:
        return pool.map(work, range(n), chunksize=_chunksize(n, workers))


def run_joblib(n: int, workers: int = 2) -> list[int]:
    """joblib (loky backend). joblib keeps its worker processes alive between calls, so after the
    first call this measures a *warm* pool."""
    from joblib import Parallel, delayed

    return Parallel(n_jobs=workers, batch_size=_chunksize(n, workers))(delayed(work)(i) for i in range(n))


def ipyparallel_runner(view) -> Callable[[int, int], list[int]]:
    """A runner mapping :func:`work` over a running ipyparallel ``DirectView`` (one chunk per engine).

    The cluster is started once, outside the measurement: its start-up is a one-off cost."""

    def run_ipyparallel(n: int, workers: int = 2) -> list[int]:
        return list(view.map_sync(work, range(n)))

    return run_ipyparallel


def spark_runner(sc) -> Callable[[int, int], list[int]]:
    """A runner mapping :func:`work` over a running SparkContext, one partition per worker.

    The session is started once, outside the measurement: its start-up is a one-off cost."""

    def run_spark(n: int, workers: int = 2) -> list[int]:
        return sc.parallelize(range(n), workers).map(work).collect()

    return run_spark


def sweep(runners: dict[str, Callable[[int, int], list[int]]], sizes: Sequence[int], workers: int = 2,
          repeat: int = 1, warmup: bool = True) -> dict[str, list[float]]:
    """Time every runner at every size; return ``{engine: [seconds per size]}``.

    With ``warmup`` each runner is called once on a tiny input first, untimed, so one-off costs
    that later calls do not pay again (joblib's first worker start, Spark's first job, imports on
    engines) are not charged to the smallest size. Each result is checked against the serial loop:
    a wrong answer raises instead of being timed.
    """
    expected: dict[int, list[int]] = {}  # the serial loop's answers, computed once (while timing it, if it runs)
    times: dict[str, list[float]] = {}
    for name, runner in runners.items():
        if warmup:
            runner(workers, workers)
        times[name] = []
        for n in sizes:
            best = float("inf")
            for _ in range(max(1, repeat)):
                with Timer() as t:
                    out = runner(n, workers)
                best = min(best, t.seconds)
            if n not in expected:
                expected[n] = list(out) if runner is run_serial else run_serial(n)
            if list(out) != expected[n]:
                raise AssertionError(f"{name} returned a different answer for n={n}")
            times[name].append(best)
    return times


def fit_line(sizes: Sequence[int], seconds: Sequence[float]) -> tuple[float, float]:
    """Fit ``seconds ~ overhead + per_item * n``; return ``(overhead, per_item)``, both >= 0.

    The overhead is read from the smallest input (where work is negligible), the per-item cost
    from the slope between the smallest and the largest input: two points an engine's user cares
    about, robust to a noisy middle point.

    >>> fit_line([10, 1010], [0.5, 1.5])
    (0.49, 0.001)
    """
    n0, n1 = sizes[0], sizes[-1]
    t0, t1 = seconds[0], seconds[-1]
    per_item = max((t1 - t0) / (n1 - n0), 0.0)
    overhead = max(t0 - per_item * n0, 0.0)
    return round(overhead, 12), round(per_item, 12)


def crossover(engine: tuple[float, float], baseline: tuple[float, float]) -> float:
    """The input size above which ``engine`` (overhead, per_item) beats ``baseline``: ``0.0`` if it
    always does, ``inf`` if it never does for large inputs (its per-item cost is not lower).

    >>> round(crossover((0.1, 1e-5), (0.0, 3e-5)))
    5000
    >>> crossover((0.0, 1e-5), (0.5, 1e-5)), crossover((0.5, 3e-5), (0.0, 1e-5))
    (0.0, inf)
    """
    (a_e, b_e), (a_b, b_b) = engine, baseline
    if b_e < b_b:
        return max((a_e - a_b) / (b_b - b_e), 0.0)
    if b_e == b_b and a_e < a_b:
        return 0.0  # same slope, less overhead: ahead at every size
    return math.inf


def plot_sweep(sizes: Sequence[int], times: dict[str, list[float]], ax=None, title: str = ""):
    """Time against input size for every engine, log-log; returns the Axes."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for name, secs in times.items():
        style = "k--" if name == "serial" else "o-"
        ax.plot(sizes, secs, style, label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("items mapped (n)")
    ax.set_ylabel("wall time (s)")
    if title:
        ax.set_title(title)
    ax.legend(frameon=False, fontsize=8)
    return ax


def plot_engines(sizes: Sequence[int], times: dict[str, list[float]], one_off: dict[str, float] | None = None):
    """One figure for "which engine when": time against input size (left, log-log) and each
    engine's fixed cost (right): the per-call overhead fitted by :func:`fit_line`, with any one-off
    start-up (a cluster, a session) stacked on top."""
    import matplotlib.pyplot as plt

    one_off = one_off or {}
    fig, (ax_l, ax_r) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 2]})
    plot_sweep(sizes, times, ax=ax_l, title="time to map n items")
    names = [n for n in times if n != "serial"]
    per_call = [max(fit_line(sizes, times[n])[0], 1e-4) for n in names]  # log axis: no zero bars
    start = [one_off.get(n, 0.0) for n in names]
    ax_r.bar(names, per_call, label="per call (fitted)")
    ax_r.bar(names, start, bottom=per_call, hatch="//", alpha=0.5, label="one-off start-up")
    ax_r.set_yscale("log")
    ax_r.set_ylim(bottom=min(per_call) / 3)  # else log autoscaling can cut the smallest bar off
    ax_r.set_ylabel("seconds")
    ax_r.set_title("fixed costs")
    ax_r.tick_params(axis="x", labelrotation=30)
    ax_r.legend(frameon=False, fontsize=8)
    fig.tight_layout()
    return fig


__all__ = [
    "ROUNDS",
    "work",
    "run_serial",
    "run_futures",
    "run_multiprocessing",
    "run_joblib",
    "ipyparallel_runner",
    "spark_runner",
    "sweep",
    "fit_line",
    "crossover",
    "plot_sweep",
    "plot_engines",
]
