"""The hand-made grid search gives scikit-learn's answer, whichever way its tasks are run."""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor

import pytest

from cs109par import data
from cs109par import gridsearch as gs


@pytest.fixture(scope="module")
def digits():
    return data.digits()


@pytest.fixture(scope="module")
def expected(digits):
    X, y = digits
    params, score, _ = gs.reference(X, y)
    return params, score


def test_hand_made_search_over_index_splits_equals_gridsearchcv(digits, expected):
    X, y = digits
    results = [gs.run_task(t, X, y) for t in gs.tasks(gs.param_list(), gs.cv_splits(y))]
    params, score = gs.best(gs.param_list(), gs.mean_scores(results))
    assert params == expected[0]
    assert score == pytest.approx(expected[1], abs=1e-12)


def test_memory_mapped_splits_in_a_spawn_pool_give_the_same_answer(digits, expected, tmp_path):
    X, y = digits
    paths = gs.dump_splits(X, y, tmp_path)
    todo = gs.tasks(gs.param_list(), paths)
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        results = list(pool.map(gs.run_task, todo))
    assert gs.best(gs.param_list(), gs.mean_scores(results)) == (expected[0], pytest.approx(expected[1]))


def test_dumped_splits_load_as_read_only_memory_maps(digits, tmp_path):
    X, y = digits
    [first, *_] = gs.dump_splits(X, y, tmp_path)
    split = gs.load_split(first)
    assert type(split["X_train"]).__name__ == "memmap" and not split["X_train"].flags.writeable
    assert len(split["X_train"]) + len(split["X_test"]) == len(X)


def test_mean_scores_refuses_results_with_a_lost_task():
    with pytest.raises(ValueError, match="a task was lost"):
        gs.mean_scores([(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0)])


def test_run_task_with_index_splits_needs_the_data():
    task = gs.tasks(gs.param_list(), [([0, 1], [2])])[0]
    with pytest.raises(ValueError, match="pass X and y"):
        gs.run_task(task)
