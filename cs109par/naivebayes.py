"""Grid search three ways: the same model, grid, data and folds with joblib, ipyparallel and Spark MLlib.

The course's SVC grid (:data:`cs109par.gridsearch.PARAM_GRID`) cannot run in Spark: MLlib has no RBF
support-vector machine. So notebook 07's three-way comparison tunes a model that scikit-learn and
MLlib both implement *with the same formula*, as a two-step pipeline: ``Binarizer(threshold) ->
Bernoulli naive Bayes(smoothing)``, over :data:`GRID` on the digits data and the same folds.

* joblib: :func:`reference` (scikit-learn's ``GridSearchCV``);
* ipyparallel (or any pool): :func:`cs109par.gridsearch.run_task` with ``make_model=``:func:`make_model`;
* Spark: :func:`spark_cross_validator` (MLlib's ``CrossValidator`` on the folds of :func:`fold_column`).

>>> from cs109par import naivebayes as nbayes
>>> nbayes.param_list()[0]
{'smoothing': 0.1, 'threshold': 4.0}
>>> len(nbayes.param_list()) * nbayes.FOLDS          # fits per engine
12
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import gridsearch as gs

#: The grid all three engines search: a feature-step parameter and a model parameter.
GRID: dict[str, list[Any]] = {"threshold": [4.0, 8.0], "smoothing": [0.1, 1.0]}
#: Folds for the three-way comparison (the course's seeded StratifiedKFold, with fewer folds).
FOLDS = 3


def param_list(grid: dict[str, list[Any]] | None = None) -> list[dict[str, Any]]:
    """The grid's parameter sets, in scikit-learn's ``ParameterGrid`` order."""
    return gs.param_list(grid or GRID)


def make_model(params: dict[str, Any]):
    """scikit-learn's pipeline for one parameter set: ``Binarizer -> BernoulliNB``."""
    from sklearn.naive_bayes import BernoulliNB
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import Binarizer

    return Pipeline([("binarize", Binarizer(threshold=params["threshold"])),
                     ("nb", BernoulliNB(alpha=params["smoothing"], binarize=None))])


def reference(X: np.ndarray, y: np.ndarray, n_jobs: int = 1, grid: dict[str, list[Any]] | None = None):
    """scikit-learn's ``GridSearchCV`` (joblib underneath) over the same grid and folds:
    ``(best_params, best_score, search)``. Like MLlib's ``CrossValidator`` it refits the best model
    on all the data at the end."""
    from sklearn.model_selection import GridSearchCV

    grid = grid or GRID
    sk_grid = {"binarize__threshold": grid["threshold"], "nb__alpha": grid["smoothing"]}
    search = GridSearchCV(make_model(param_list(grid)[0]), sk_grid, cv=gs.cv_splitter(FOLDS), n_jobs=n_jobs)
    search.fit(X, y)
    p = search.best_params_
    return {"smoothing": p["nb__alpha"], "threshold": p["binarize__threshold"]}, float(search.best_score_), search


def mean_scores(search, grid: dict[str, list[Any]] | None = None) -> list[float]:
    """The mean CV score of each parameter set of a fitted :func:`reference` search, in
    :func:`param_list` order (the order the other engines use)."""
    res = search.cv_results_
    rows = zip(res["param_binarize__threshold"], res["param_nb__alpha"], res["mean_test_score"])
    lookup = {(float(t), float(a)): float(m) for t, a, m in rows}
    return [lookup[(float(p["threshold"]), float(p["smoothing"]))] for p in param_list(grid)]


def fold_column(y: np.ndarray, n_splits: int = FOLDS) -> np.ndarray:
    """For each sample, the fold in which it is *held out*: MLlib's ``CrossValidator(foldCol=...)``
    then uses exactly the folds the other engines use."""
    fold = np.full(len(y), -1, dtype=int)
    for k, (_train, test) in enumerate(gs.cv_splits(y, n_splits)):
        fold[test] = k
    return fold


def digits_frame(spark, X: np.ndarray, y: np.ndarray, n_splits: int = FOLDS):
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

    grid = grid or GRID
    binarizer = Binarizer(inputCol="features", outputCol="binary")
    nb = NaiveBayes(featuresCol="binary", labelCol="label", modelType="bernoulli")
    pipeline = Pipeline(stages=[binarizer, nb])
    # ParamGridBuilder varies the first added parameter slowest, like scikit-learn's ParameterGrid does
    # with its sorted keys (smoothing slowest, threshold fastest): same order, comparable score lists.
    maps = (ParamGridBuilder().addGrid(nb.smoothing, grid["smoothing"])
            .addGrid(binarizer.threshold, grid["threshold"]).build())
    evaluator = MulticlassClassificationEvaluator(labelCol="label", metricName="accuracy")
    cv = CrossValidator(estimator=pipeline, estimatorParamMaps=maps, evaluator=evaluator, foldCol="fold",
                        numFolds=FOLDS, parallelism=parallelism)
    return cv, binarizer, nb


def spark_best(model, binarizer, nb) -> tuple[dict[str, Any], float, list[float]]:
    """``(best_params, best_score, mean score of every parameter set)`` from a fitted CrossValidatorModel."""
    means = [float(m) for m in model.avgMetrics]
    i = int(np.argmax(means))
    pmap = model.getEstimatorParamMaps()[i]
    return {"smoothing": float(pmap[nb.smoothing]), "threshold": float(pmap[binarizer.threshold])}, means[i], means


def plot_three_ways(names: Sequence[str], seconds: Sequence[float], scores: Sequence[float],
                    title: str = "Grid search three ways"):
    """One figure: wall time (bars, left) and best cross-validated accuracy (bars, right) per engine."""
    import matplotlib.pyplot as plt

    fig, (ax_t, ax_s) = plt.subplots(1, 2, figsize=(9, 3.5))
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"][: len(names)]
    bars = ax_t.bar(names, seconds, color=colors)
    ax_t.bar_label(bars, fmt="%.2f s", padding=2)
    ax_t.set_ylim(top=max(seconds) * 1.18)  # room for the labels inside the frame
    ax_t.set_ylabel("wall time (s)")
    ax_t.set_title("time (lower is better)")
    bars = ax_s.bar(names, scores, color=colors)
    ax_s.bar_label(bars, fmt="%.4f", padding=2)
    ax_s.set_ylim(min(scores) - 0.05, 1.0)
    ax_s.set_ylabel("best mean CV accuracy")
    ax_s.set_title("best score (same is the point)")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


__all__ = [
    "GRID", "FOLDS", "param_list", "make_model", "reference", "mean_scores", "fold_column", "digits_frame",
    "spark_cross_validator", "spark_best", "plot_three_ways",
]
