"""The course's engines side by side: one small task, one grid search, every engine.

Everything that runs in another process lives here, so it works under every start method
(``fork``, ``spawn``, ``forkserver``), on ipyparallel engines and on Spark executors.

**Which engine when.** :func:`work` is a small CPU-bound task (about 0.1 ms in CPython). Each runner
maps it over ``range(n)`` with one engine and returns the results in order:

>>> from cs109par import compare
>>> compare.run_serial(5) == compare.run_futures(5, workers=2)
True
>>> runs = compare.sweep({"serial": compare.run_serial}, sizes=[10, 100])   # doctest: +SKIP

:func:`fit_line` turns the measured times into ``overhead + n * per_item`` and
:func:`crossover` finds the input size above which an engine beats the serial loop.

**Grid search three ways.** The course's SVC grid (:data:`cs109par.gridsearch.PARAM_GRID`) cannot
run in Spark: MLlib has no RBF support-vector machine. So the three-way comparison tunes a model
that scikit-learn and MLlib both implement *with the same formula*, as a two-step pipeline:
``Binarizer(threshold) -> Bernoulli naive Bayes(smoothing)``, over :data:`NB_GRID` on the same
digits data and the same folds (:func:`nb_param_list`, :func:`nb_run_task`, :func:`nb_reference`).
"""

from __future__ import annotations

import math
import os
from typing import Any, Callable, Sequence

import numpy as np

from . import gridsearch as gs
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


def sweep(runners: dict[str, Callable[[int, int], list[int]]], sizes: Sequence[int], workers: int = 2, repeat: int = 1, warmup: bool = True) -> dict[str, list[float]]:
    """Time every runner at every size; return ``{engine: [seconds per size]}``.

    With ``warmup`` each runner is called once on a tiny input first, untimed, so one-off costs
    that later calls do not pay again (joblib's first worker start, Spark's first job, imports on
    engines) are not charged to the smallest size. Each result is checked against the serial loop:
    a wrong answer raises instead of being timed.
    """
    expected = {n: run_serial(n) for n in sizes}
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
    """The input size above which ``engine`` (overhead, per_item) beats ``baseline``; ``inf`` if never.

    >>> crossover((0.1, 1e-5), (0.0, 3e-5))
    5000.0
    """
    (a_e, b_e), (a_b, b_b) = engine, baseline
    if b_e >= b_b:
        return math.inf if a_e > a_b else 0.0
    return max((a_e - a_b) / (b_b - b_e), 0.0)


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


# ---------------------------------------------------------------------------------------------
# Grid search three ways: Binarizer -> Bernoulli naive Bayes, same data, folds and grid
# ---------------------------------------------------------------------------------------------

#: The grid all three engines search: a feature-step parameter and a model parameter.
NB_GRID: dict[str, list[Any]] = {"threshold": [4.0, 8.0], "smoothing": [0.1, 1.0]}
#: Folds for the three-way comparison (the course's seeded StratifiedKFold, with fewer folds).
NB_FOLDS = 3


def nb_param_list(grid: dict[str, list[Any]] | None = None) -> list[dict[str, Any]]:
    """The grid's parameter sets, in scikit-learn's ``ParameterGrid`` order."""
    return gs.param_list(grid or NB_GRID)


def nb_make_model(params: dict[str, Any]):
    """scikit-learn's pipeline for one parameter set: ``Binarizer -> BernoulliNB``."""
    from sklearn.naive_bayes import BernoulliNB
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import Binarizer

    return Pipeline([("binarize", Binarizer(threshold=params["threshold"])), ("nb", BernoulliNB(alpha=params["smoothing"], binarize=None))])


def nb_run_task(task: gs.Task, X: np.ndarray | None = None, y: np.ndarray | None = None) -> tuple[int, int, float]:
    """One (parameter set, fold) of the three-way grid; like :func:`cs109par.gridsearch.run_task`.

    ``task.split`` is a dumped split's path (memory-mapped) or ``(train, test)`` indices into ``X``, ``y``.
    """
    if isinstance(task.split, (str, os.PathLike)):
        d = gs.load_split(task.split)
        Xtr, ytr, Xte, yte = d["X_train"], d["y_train"], d["X_test"], d["y_test"]
    else:
        if X is None or y is None:
            raise ValueError("this task holds index arrays: pass X and y to nb_run_task")
        train, test = task.split
        Xtr, ytr, Xte, yte = X[train], y[train], X[test], y[test]
    score = float(nb_make_model(task.params).fit(Xtr, ytr).score(Xte, yte))
    return task.param_index, task.fold, score


def nb_reference(X: np.ndarray, y: np.ndarray, n_jobs: int = 1, grid: dict[str, list[Any]] | None = None):
    """scikit-learn's ``GridSearchCV`` (joblib underneath) over the same grid and folds:
    ``(best_params, best_score, search)``. Like MLlib's ``CrossValidator`` it refits the best model
    on all the data at the end."""
    from sklearn.model_selection import GridSearchCV

    grid = grid or NB_GRID
    sk_grid = {"binarize__threshold": grid["threshold"], "nb__alpha": grid["smoothing"]}
    search = GridSearchCV(nb_make_model(nb_param_list(grid)[0]), sk_grid, cv=gs.cv_splitter(NB_FOLDS), n_jobs=n_jobs)
    search.fit(X, y)
    p = search.best_params_
    return {"smoothing": p["nb__alpha"], "threshold": p["binarize__threshold"]}, float(search.best_score_), search


def nb_means(search, grid: dict[str, list[Any]] | None = None) -> list[float]:
    """The mean CV score of each parameter set of a fitted :func:`nb_reference` search, in
    :func:`nb_param_list` order (the order the other engines use)."""
    res = search.cv_results_
    lookup = {(float(t), float(a)): float(m) for t, a, m in zip(res["param_binarize__threshold"], res["param_nb__alpha"], res["mean_test_score"])}
    return [lookup[(float(p["threshold"]), float(p["smoothing"]))] for p in nb_param_list(grid)]


def fold_column(y: np.ndarray, n_splits: int = NB_FOLDS) -> np.ndarray:
    """For each sample, the fold in which it is *held out*: MLlib's ``CrossValidator(foldCol=...)``
    then uses exactly the folds the other engines use."""
    fold = np.full(len(y), -1, dtype=int)
    for k, (_train, test) in enumerate(gs.cv_splits(y, n_splits)):
        fold[test] = k
    return fold


def digits_frame(spark, X: np.ndarray, y: np.ndarray, n_splits: int = NB_FOLDS):
    """The digits as a Spark DataFrame with columns ``features`` (vector), ``label`` and ``fold``."""
    from pyspark.ml.linalg import Vectors

    fold = fold_column(y, n_splits)
    rows = [(Vectors.dense(X[i].tolist()), float(y[i]), int(fold[i])) for i in range(len(y))]
    return spark.createDataFrame(rows, ["features", "label", "fold"])


def spark_cross_validator(grid: dict[str, list[Any]] | None = None, parallelism: int = 2):
    """MLlib's ``Pipeline(Binarizer -> NaiveBayes(bernoulli))`` tuned by ``CrossValidator`` over the
    grid, with the folds taken from the ``fold`` column and ``parallelism`` models fitted at once."""
    from pyspark.ml import Pipeline
    from pyspark.ml.classification import NaiveBayes
    from pyspark.ml.evaluation import MulticlassClassificationEvaluator
    from pyspark.ml.feature import Binarizer
    from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

    grid = grid or NB_GRID
    binarizer = Binarizer(inputCol="features", outputCol="binary")
    nb = NaiveBayes(featuresCol="binary", labelCol="label", modelType="bernoulli")
    pipeline = Pipeline(stages=[binarizer, nb])
    # ParamGridBuilder varies the first added parameter slowest, like scikit-learn's ParameterGrid does
    # with its sorted keys (smoothing slowest, threshold fastest): same order, comparable score lists.
    maps = ParamGridBuilder().addGrid(nb.smoothing, grid["smoothing"]).addGrid(binarizer.threshold, grid["threshold"]).build()
    evaluator = MulticlassClassificationEvaluator(labelCol="label", metricName="accuracy")
    cv = CrossValidator(estimator=pipeline, estimatorParamMaps=maps, evaluator=evaluator, foldCol="fold", numFolds=NB_FOLDS, parallelism=parallelism)
    return cv, binarizer, nb


def spark_best(model, binarizer, nb) -> tuple[dict[str, Any], float, list[float]]:
    """``(best_params, best_score, mean score of every parameter set)`` from a fitted CrossValidatorModel."""
    means = [float(m) for m in model.avgMetrics]
    i = int(np.argmax(means))
    pmap = model.getEstimatorParamMaps()[i]
    return {"smoothing": float(pmap[nb.smoothing]), "threshold": float(pmap[binarizer.threshold])}, means[i], means


def plot_three_ways(names: Sequence[str], seconds: Sequence[float], scores: Sequence[float], title: str = "Grid search three ways"):
    """One figure: wall time (bars, left) and best cross-validated accuracy (bars, right) per engine."""
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_s) = plt.subplots(1, 2, figsize=(9, 3.5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"][: len(names)]
    bars = ax_t.bar(names, seconds, color=colors)
    ax_t.bar_label(bars, fmt="%.2f s")
    ax_t.set_ylabel("wall time (s)")
    ax_t.set_title("time (lower is better)")
    bars = ax_s.bar(names, scores, color=colors)
    ax_s.bar_label(bars, fmt="%.4f")
    ax_s.set_ylim(min(scores) - 0.05, 1.0)
    ax_s.set_ylabel("best mean CV accuracy")
    ax_s.set_title("best score (same is the point)")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def plan_steps(df) -> list[str]:
    """The operators of a DataFrame's physical plan, top to bottom, without the volatile parts.

    ``df.explain()`` prints expression ids such as ``word#12`` that change on every run; the
    operator names (``HashAggregate``, ``Exchange``, ``Project``, ...) do not.
    """
    import contextlib
    import io
    import re

    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        df.explain()
    lines = buf.getvalue().splitlines()
    # With adaptive execution, a query that has run shows its final plan (shaped by what the run
    # measured) above the initial one: keep the initial plan, the same before and after running.
    for i, line in enumerate(lines):
        if "== Initial Plan ==" in line:
            lines = lines[i + 1 :]
            break
    steps = []
    for line in lines:
        m = re.match(r"^[\s+\-:*|]*(\*\(\d+\)\s*)?([A-Z][A-Za-z]+)", line)
        if m and not line.lstrip().startswith("==") and m.group(2) != "AdaptiveSparkPlan":
            steps.append(m.group(2))
    return steps


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
    "NB_GRID",
    "NB_FOLDS",
    "nb_param_list",
    "nb_make_model",
    "nb_run_task",
    "nb_reference",
    "nb_means",
    "fold_column",
    "digits_frame",
    "spark_cross_validator",
    "spark_best",
    "plot_three_ways",
    "plan_steps",
]
