"""Grid search over cross-validation splits, taken apart so that any engine can run it.

The lecture's single-machine recipe, as functions that live in a module (so worker processes,
ipyparallel engines and Spark executors can import them under every start method):

1. the master makes the CV splits once and stores them read-only (:func:`dump_splits`);
2. one independent task per (parameter set, fold) (:func:`tasks`, :func:`run_task`);
3. a first reducer averages each parameter set over its folds (:func:`mean_scores`);
4. a second reducer picks the best (:func:`best`).

>>> from cs109par import data, gridsearch as gs
>>> X, y = data.digits()
>>> splits = gs.cv_splits(y)                               # 5 stratified folds, fixed seed
>>> todo = gs.tasks(gs.param_list(), splits)               # 12 parameter sets x 5 folds = 60 tasks
>>> len(todo)
60
>>> results = [gs.run_task(t, X, y) for t in todo[:10]]    # any engine: map this (here, 2 parameter sets)
>>> gs.best(gs.param_list()[:2], gs.mean_scores(results))  # doctest: +ELLIPSIS
({'C': 1, 'gamma': 0.001}, 0.9...)

Every engine in the course uses :data:`PARAM_GRID` on the digits data, so their answers can be
compared with each other and with scikit-learn's ``GridSearchCV`` (:func:`reference`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

#: The course's grid: an RBF support-vector classifier on the digits data.
#: gamma is listed costliest first: a fit with gamma=3e-3 takes about 2.5x one with 1e-4 (measured), and a
#: pool that gets the long tasks first ends with short ones, so no worker idles at the end waiting for a
#: long last task (longest-processing-time-first scheduling: 1.68-1.75x -> 1.86-1.9x on 2 cores here).
PARAM_GRID: dict[str, list[Any]] = {"C": [1, 10, 100], "gamma": [3e-3, 1e-3, 3e-4, 1e-4]}
N_SPLITS = 5
SEED = 0
#: The smaller grid notebook 03 runs on ipyparallel engines (and its benchmark): two values of C and every
#: gamma, costliest first, 8 parameter sets x 5 folds = 40 tasks. Each message to an engine costs a few
#: milliseconds whatever the task, so tasks of 30-100 ms keep that overhead small.
ENGINE_GRID: dict[str, list[Any]] = {"C": [1, 10], "gamma": [3e-3, 1e-3, 3e-4, 1e-4]}


class Task(NamedTuple):
    """One unit of work: parameter set ``param_index`` evaluated on fold ``fold``.

    ``split`` is either a path to a dumped split (engines memory-map it) or a pair of index arrays
    ``(train, test)`` into data the worker already has.
    """

    param_index: int
    fold: int
    params: dict[str, Any]
    split: Any


def param_list(grid: dict[str, list[Any]] | None = None) -> list[dict[str, Any]]:
    """All parameter combinations, in scikit-learn's ``ParameterGrid`` order.

    >>> len(param_list()), param_list()[0]
    (12, {'C': 1, 'gamma': 0.003})
    """
    from sklearn.model_selection import ParameterGrid

    return list(ParameterGrid(grid or PARAM_GRID))


def cv_splitter(n_splits: int = N_SPLITS, seed: int = SEED):
    """The cross-validation splitter every engine uses (stratified, shuffled with a fixed seed)."""
    from sklearn.model_selection import StratifiedKFold

    return StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)


def cv_splits(y: np.ndarray, n_splits: int = N_SPLITS, seed: int = SEED) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ``(train_indices, test_indices)`` of each fold."""
    return list(cv_splitter(n_splits, seed).split(np.zeros(len(y)), y))


def dump_splits(X: np.ndarray, y: np.ndarray, folder: str | os.PathLike, n_splits: int = N_SPLITS,
                seed: int = SEED) -> list[Path]:
    """Write each fold's ``X_train, y_train, X_test, y_test`` to ``folder/split-<k>.joblib``, once.

    Workers then open them with ``mmap_mode="r"``: every worker on the machine shares the same
    read-only pages instead of receiving its own copy.
    """
    import joblib

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, (train, test) in enumerate(cv_splits(y, n_splits, seed)):
        path = out / f"split-{k}.joblib"
        joblib.dump({"X_train": X[train], "y_train": y[train], "X_test": X[test], "y_test": y[test]}, path)
        paths.append(path)
    return paths


def load_split(path: str | os.PathLike) -> dict[str, np.ndarray]:
    """Memory-map a dumped split read-only (no copy is made)."""
    import joblib

    return joblib.load(path, mmap_mode="r")


def make_model(params: dict[str, Any]):
    """The estimator being tuned."""
    from sklearn.svm import SVC

    return SVC(kernel="rbf", **params)


def evaluate(params: dict[str, Any], X_train: Any, y_train: Any, X_test: Any, y_test: Any) -> float:
    """Fit one model on one fold's training part; return its accuracy on the held-out part."""
    return float(make_model(params).fit(X_train, y_train).score(X_test, y_test))


def tasks(params: Sequence[dict[str, Any]], splits: Sequence[Any]) -> list[Task]:
    """One task per (parameter set, fold); ``splits`` are paths or ``(train, test)`` index pairs."""
    return [Task(i, k, p, s) for i, p in enumerate(params) for k, s in enumerate(splits)]


def run_task(task: Task, X: np.ndarray | None = None, y: np.ndarray | None = None,
             make_model: Callable[[dict[str, Any]], Any] = make_model) -> tuple[int, int, float]:
    """Run one task; return ``(param_index, fold, accuracy)``.

    With a path as ``task.split`` the fold is memory-mapped from disk; with index pairs, ``X`` and
    ``y`` must be given. ``make_model(params)`` builds the estimator (default: this module's SVC;
    notebook 07 passes :func:`cs109par.naivebayes.make_model`). Pass another one with
    ``functools.partial(run_task, make_model=...)`` when a pool maps this function.
    """
    if isinstance(task.split, (str, os.PathLike)):
        d = load_split(task.split)
        X_train, y_train, X_test, y_test = d["X_train"], d["y_train"], d["X_test"], d["y_test"]
    else:
        if X is None or y is None:
            raise ValueError("this task holds index arrays: pass X and y to run_task")
        train, test = task.split
        X_train, y_train, X_test, y_test = X[train], y[train], X[test], y[test]
    score = float(make_model(task.params).fit(X_train, y_train).score(X_test, y_test))
    return task.param_index, task.fold, score


def mean_scores(results: Sequence[tuple[int, int, float]]) -> list[float]:
    """First reducer: the mean accuracy of each parameter set over its folds.

    >>> mean_scores([(0, 0, 0.5), (0, 1, 1.0), (1, 0, 0.25), (1, 1, 0.75)])
    [0.75, 0.5]
    """
    by_param: dict[int, list[float]] = {}
    for i, _fold, score in results:
        by_param.setdefault(i, []).append(score)
    n_folds = {len(v) for v in by_param.values()}
    if len(n_folds) != 1:
        raise ValueError(f"parameter sets have different numbers of fold results: {sorted(n_folds)} (a task was lost?)")
    return [float(np.mean(by_param[i])) for i in range(len(by_param))]


def best(params: Sequence[dict[str, Any]], means: Sequence[float]) -> tuple[dict[str, Any], float]:
    """Second reducer: the parameter set with the highest mean score (first one on ties, as scikit-learn)."""
    i = int(np.argmax(means))
    return dict(params[i]), float(means[i])


def reference(X: np.ndarray, y: np.ndarray, grid: dict[str, list[Any]] | None = None, n_jobs: int = 1):
    """scikit-learn's ``GridSearchCV`` on the same grid and folds: ``(best_params, best_score, search)``."""
    from sklearn.model_selection import GridSearchCV
    from sklearn.svm import SVC

    search = GridSearchCV(SVC(kernel="rbf"), grid or PARAM_GRID, cv=cv_splitter(), n_jobs=n_jobs)
    search.fit(X, y)
    return search.best_params_, float(search.best_score_), search


__all__ = [
    "PARAM_GRID",
    "ENGINE_GRID",
    "Task",
    "param_list",
    "cv_splitter",
    "cv_splits",
    "dump_splits",
    "load_split",
    "make_model",
    "evaluate",
    "tasks",
    "run_task",
    "mean_scores",
    "best",
    "reference",
]
