"""scikit-learn's GridSearchCV (the course's full grid: 12 parameter sets x 5 folds of an SVC on digits)
at n_jobs=2 vs n_jobs=1, plus joblib.Parallel on pure-Python work (processes) for reference.

The joblib worker pool is started before timing, so the ratio measures the work, not the start-up.
"""

from __future__ import annotations

from joblib import Parallel, delayed

from cs109par import data, gridsearch, recovery, timing


def run() -> list[dict]:
    X, y = data.digits()
    Parallel(n_jobs=2)(delayed(recovery.python_work)(10) for _ in range(2))  # start the workers
    t1, (p1, s1, _) = timing.measure(gridsearch.reference, X, y, n_jobs=1)
    t2, (p2, s2, _) = timing.measure(gridsearch.reference, X, y, n_jobs=2)
    if (p1, s1) != (p2, s2):
        raise AssertionError(f"n_jobs changed the answer: {p1, s1} vs {p2, s2}")
    n = 3_000_000
    t_loop, expected = timing.measure(lambda: [recovery.python_work(n) for _ in range(4)])
    t_par, got = timing.measure(lambda: Parallel(n_jobs=2)(delayed(recovery.python_work)(n) for _ in range(4)))
    assert got == expected
    return [
        {"name": "GridSearchCV n_jobs=1 time", "value": t1, "unit": "s"},
        {"name": "GridSearchCV n_jobs=2 time", "value": t2, "unit": "s"},
        {"name": "GridSearchCV n_jobs=2 vs 1", "value": t1 / t2, "unit": "x", "target": 1.8},
        {"name": "Parallel(n_jobs=2) vs loop, pure-Python tasks", "value": t_loop / t_par, "unit": "x"},
    ]
