"""Notebook 03's grid search on ipyparallel engines: 2 engines vs 1, with the notebook's settings
(:data:`cs109par.gridsearch.ENGINE_GRID`, splits dumped once and memory-mapped, engines warmed up first),
each configuration timed twice and the best kept."""

from __future__ import annotations

import tempfile

from cs109par import data, timing
from cs109par import gridsearch as gs
from cs109par.cluster import engines as eng


def run() -> list[dict]:
    X, y = data.digits()
    with tempfile.TemporaryDirectory(prefix="bench-ipp-") as folder, eng.engines(n=2) as rc:
        todo = gs.tasks(gs.param_list(gs.ENGINE_GRID), [str(p) for p in gs.dump_splits(X, y, folder)])
        rc[:].apply_sync(gs.run_task, todo[0])  # every engine imports scikit-learn and maps a split first
        one, both = rc.load_balanced_view(targets=[0]), rc.load_balanced_view()
        t1, _ = timing.measure(eng.map_tasks, one, gs.run_task, todo, repeat=2)
        t2, _ = timing.measure(eng.map_tasks, both, gs.run_task, todo, repeat=2)
    return [
        {"name": "ipyparallel grid search, 1 engine", "value": t1, "unit": "s"},
        {"name": "ipyparallel grid search, 2 engines", "value": t2, "unit": "s"},
        {"name": "ipyparallel grid search 2 engines vs 1", "value": t1 / t2, "unit": "x"},
    ]
