"""scikit-learn's GridSearchCV (the course's full grid: 12 parameter sets x 5 folds of an SVC on digits)
at n_jobs=2 vs n_jobs=1, plus joblib.Parallel on pure-Python work (processes) for reference.

The joblib workers are started (and import scikit-learn) before timing, and each configuration is timed
twice (best kept), so the ratio measures the work, not the start-up.
"""

from __future__ import annotations

from joblib import Parallel, delayed

from cs109par import data, gridsearch, recovery, timing


def run() -> list[dict]:
    X, y = data.digits()
    # Start the workers and let them import scikit-learn (a second or two) before timing anything.
    gridsearch.reference(X[:300], y[:300], grid={"C": [1], "gamma": [1e-3, 3e-3]}, n_jobs=2)
    t1, (p1, s1, _) = timing.measure(gridsearch.reference, X, y, n_jobs=1, repeat=2)
    t2, (p2, s2, _) = timing.measure(gridsearch.reference, X, y, n_jobs=2, repeat=2)
    if (p1, s1) != (p2, s2):
        raise AssertionError(f"n_jobs changed the answer: {p1, s1} vs {p2, s2}")
    n = 3_000_000
    t_loop, expected = timing.measure(lambda: [recovery.python_work(n) for _ in range(4)])
    t_par, got = timing.measure(lambda: Parallel(n_jobs=2)(delayed(recovery.python_work)(n) for _ in range(4)))
    assert got == expected
    return [
        {"name": "GridSearchCV n_jobs=1 time", "value": t1, "unit": "s"},
        {"name": "GridSearchCV n_jobs=2 time", "value": t2, "unit": "s"},
        {"name": "GridSearchCV n_jobs=2 vs 1", "value": t1 / t2, "unit": "x"},
        {"name": "Parallel(n_jobs=2) vs loop, pure-Python tasks", "value": t_loop / t_par, "unit": "x"},
    ]
