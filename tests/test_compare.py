"""Which engine when, and grid search three ways: real pools, real Spark, the same answers."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from cs109par import compare, data, plans
from cs109par import gridsearch as gs
from cs109par import naivebayes as nbayes


def test_every_local_runner_matches_serial():
    expected = compare.run_serial(37)
    for run in (compare.run_futures, compare.run_multiprocessing, compare.run_joblib):
        assert run(37, 2) == expected
    assert compare.run_futures(0, 2) == []


def test_spark_runner_matches_serial(spark):
    assert compare.spark_runner(spark.sparkContext)(23, 2) == compare.run_serial(23)


def test_sweep_times_and_checks():
    times = compare.sweep({"serial": compare.run_serial}, [1, 10])
    assert list(times) == ["serial"] and len(times["serial"]) == 2
    with pytest.raises(AssertionError, match="different answer"):
        compare.sweep({"bad": lambda n, w: [0] * n}, [3])


def test_fit_line_and_crossover():
    a, b = compare.fit_line([10, 110], [1.0, 2.0])
    assert b == pytest.approx(0.01) and a == pytest.approx(0.9)
    assert compare.crossover((1.0, 0.0), (0.0, 0.01)) == pytest.approx(100.0)
    assert compare.crossover((1.0, 0.02), (0.0, 0.01)) == math.inf
    assert compare.crossover((0.0, 0.001), (0.1, 0.01)) == 0.0
    # the edges: same per-item cost wins only with less overhead; a slower engine never wins, even with
    # no overhead (the exercise of notebook 07 uses this very function as its reference)
    assert compare.crossover((0.0, 0.01), (0.1, 0.01)) == 0.0
    assert compare.crossover((0.1, 0.01), (0.1, 0.01)) == math.inf
    assert compare.crossover((0.0, 0.02), (0.0, 0.01)) == math.inf


def test_naive_bayes_tasks_through_the_one_task_runner_match_gridsearchcv(tmp_path):
    X, y = data.digits()
    params = nbayes.param_list()
    paths = gs.dump_splits(X, y, tmp_path, n_splits=nbayes.FOLDS)
    run = partial(gs.run_task, make_model=nbayes.make_model)
    results = [run(t) for t in gs.tasks(params, paths)]
    means = gs.mean_scores(results)
    best_params, best_score, search = nbayes.reference(X, y)
    assert gs.best(params, means) == (best_params, pytest.approx(best_score))
    assert means == pytest.approx(nbayes.mean_scores(search))
    with pytest.raises(ValueError, match="pass X and y"):
        run(gs.tasks(params, gs.cv_splits(y, 3))[0])


def test_fold_column_matches_the_splits():
    _, y = data.digits()
    fold = nbayes.fold_column(y)
    for k, (_train, test) in enumerate(gs.cv_splits(y, nbayes.FOLDS)):
        assert np.array_equal(np.flatnonzero(fold == k), np.sort(test))


def test_plan_steps_strips_ids(spark):
    df = spark.createDataFrame([("a",), ("b",), ("a",)], ["word"]).groupBy("word").count()
    steps = plans.plan_steps(df)
    assert "HashAggregate" in steps and all("#" not in s for s in steps)
