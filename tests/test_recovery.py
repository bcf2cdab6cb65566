"""The worker functions of notebook 02, and joblib.Memory as failure recovery."""

from __future__ import annotations

import joblib
import pytest
from joblib import Parallel, delayed

from cs109par import recovery


def test_work_functions_are_deterministic_and_run_in_joblib_workers():
    assert recovery.python_work(10) == sum(i * i for i in range(10))
    assert recovery.hash_work(1) == recovery.hash_work(1) != recovery.hash_work(2)
    for backend in ("threading", "loky"):
        got = Parallel(n_jobs=2, backend=backend)(delayed(recovery.python_work)(n) for n in range(5))
        assert got == [recovery.python_work(n) for n in range(5)]


def test_a_rerun_after_a_crash_computes_only_what_is_missing(tmp_path):
    cached = joblib.Memory(tmp_path, verbose=0).cache(recovery.python_work)
    jobs = [(n,) for n in (10, 20, 30, 40, 50)]
    first: list[str] = []
    with pytest.raises(recovery.SimulatedCrash, match="after 3 of 5 fits"):
        recovery.fit_loop(cached, jobs, crash_after=3, log=first)
    assert first == ["computed"] * 3
    rerun: list[str] = []
    scores = recovery.fit_loop(cached, jobs, log=rerun)
    assert rerun == ["cached"] * 3 + ["computed"] * 2
    assert scores == [recovery.python_work(*job) for job in jobs]


def test_fit_loop_without_a_cache_just_computes():
    log: list[str] = []
    assert recovery.fit_loop(recovery.python_work, [(3,), (4,)], log=log) == [5, 14]
    assert log == ["computed", "computed"]


def test_fit_fold_scores_one_grid_cell():
    score = recovery.fit_fold({"C": 10, "gamma": 1e-3}, 0)
    assert 0.9 < score <= 1.0
