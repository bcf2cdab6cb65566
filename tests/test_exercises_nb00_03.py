"""Planted answers for every exercise of notebooks 00-03: the master solution (read from the notebook and
executed) passes, the stub is unanswered, each common wrong answer gets the hint that names *its* mistake and is
never called correct, and a right answer written differently passes. Checkers judge the method where the method
is the lesson (Spark computed the sum, Parallel computed the squares) and never raise."""

from __future__ import annotations

import math
import os

import nbformat
import pytest
from joblib import Parallel, delayed

from cs109par.exercises import REGISTRY, load_all, nb00
from cs109par.exercises.student import is_solution, stub_source
from cs109par.notebooks import NOTEBOOK_DIR

load_all()
OURS = sorted(i for i in REGISTRY if i[:2] in {"00", "01", "02", "03"})


def solution_source(exercise_id: str) -> str:
    """The source of the notebook's solution cell for ``exercise_id``."""
    for path in sorted(NOTEBOOK_DIR.glob(f"{exercise_id[:2]}-*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if is_solution(cell) and cell.metadata.get("cs109par", {}).get("exercise") == exercise_id:
                return cell.source
    raise AssertionError(f"no solution cell for {exercise_id}")


def run_cell(source: str, **names) -> dict:
    namespace = dict(names)
    exec(compile(source, "<exercise cell>", "exec"), namespace)
    return namespace


def answers_of(exercise_id: str, namespace: dict) -> list:
    return [namespace[name] for name in REGISTRY[exercise_id].answers]


def verdict(exercise_id: str, *answers):
    return REGISTRY[exercise_id].evaluate(*answers)


#: Pieces of each master solution that a first hint must not give away (the recipe, shown from the second
#: wrong try, may).
ANSWERS = {
    "00-cores": ["os.cpu_count()"],
    "00-spark-sum": ["numbers.sum()", "parallelize(range(1, 101))"],
    "01-chunk-size": ["-(-n_items", "math.ceil(n_items"],
    "01-amdahl": ["serial_fraction(10 / 6, 2)", "amdahl(serial_part, 8)"],
    "02-squares": ["delayed(pow)(i, 2)"],
    "02-parallel-ensembles": ["get_params()"],
    "03-scatter": ["[4, 5, 6]"],
    "03-to-resubmit": ["status != 'ok'", 'status != "ok"'],
    "03-copies": ["(8)", "(1)"],
}


def assert_mistake(exercise_id: str, answers: tuple, mistake: str) -> None:
    v = verdict(exercise_id, *answers)
    assert not v.ok, f"{exercise_id}: {answers!r} was called correct"
    assert v.mistake == mistake, f"{exercise_id}: {answers!r} -> {v.mistake!r} ({v.hint}), expected {mistake!r}"
    assert v.hint and "replace the `...`" not in v.hint
    assert v.recipe, f"{exercise_id}: no recipe for the second try after {mistake!r}"
    given_away = [piece for piece in ANSWERS[exercise_id] if piece in v.hint]
    assert not given_away, f"{exercise_id}: the hint for {mistake!r} gives the answer away: {v.hint}"


def test_every_exercise_of_00_to_03_is_planted_here():
    assert OURS == ["00-cores", "00-spark-sum", "01-amdahl", "01-chunk-size", "02-parallel-ensembles",
                    "02-squares", "03-copies", "03-scatter", "03-to-resubmit"]


# -- the master solution passes, the stub is unanswered -------------------------------------------------------
@pytest.mark.parametrize("exercise_id", OURS)
def test_master_solution_passes_and_stub_is_unanswered(exercise_id, request):
    names = {}
    if exercise_id == "00-spark-sum":
        names["sc"] = request.getfixturevalue("spark").sparkContext
    source = solution_source(exercise_id)
    v = verdict(exercise_id, *answers_of(exercise_id, run_cell(source, **names)))
    assert v.ok, f"the notebook's own solution of {exercise_id} fails: {v.hint}"
    stub = run_cell(stub_source(source), **names)
    v = verdict(exercise_id, *[stub.get(name) for name in REGISTRY[exercise_id].answers])
    assert not v.ok and v.mistake == "unanswered"


# -- 00 ------------------------------------------------------------------------------------------------------
def test_00_cores_names_each_mistake(monkeypatch):
    cores = os.cpu_count()
    assert_mistake("00-cores", (str(cores),), "wrong-type")
    assert_mistake("00-cores", (float(cores),), "float-for-int")
    assert_mistake("00-cores", (os.cpu_count,), "not-called")
    assert_mistake("00-cores", (cores * 4,), "guessed")
    assert_mistake("00-cores", (True,), "wrong-type")
    monkeypatch.setattr(nb00, "physical_cores", lambda: cores + 100)  # a machine whose hyper-threads differ
    assert_mistake("00-cores", (cores + 100,), "physical-cores")
    assert verdict("00-cores", cores).ok


def test_00_cores_accepts_other_ways_of_asking():
    import multiprocessing

    import psutil

    assert verdict("00-cores", multiprocessing.cpu_count()).ok
    assert verdict("00-cores", psutil.cpu_count()).ok


def test_00_spark_sum_judges_that_spark_computed_it(spark):
    sc = spark.sparkContext
    untouched = sc.parallelize(range(1, 101))
    assert_mistake("00-spark-sum", (untouched, sum(range(1, 101))), "no-action")  # the right value, no Spark job
    assert_mistake("00-spark-sum", (list(range(1, 101)), 5050), "not-an-rdd")
    assert_mistake("00-spark-sum", (range(1, 101), 5050), "not-an-rdd")
    lazy = sc.parallelize(range(1, 101))
    assert_mistake("00-spark-sum", (lazy, lazy.map(lambda x: x)), "no-action")  # a transformation, no action
    short = sc.parallelize(range(100))
    assert_mistake("00-spark-sum", (short, short.sum()), "off-by-one")
    short = sc.parallelize(range(1, 100))
    assert_mistake("00-spark-sum", (short, short.sum()), "off-by-one")
    counted = sc.parallelize(range(1, 101))
    assert_mistake("00-spark-sum", (counted, counted.count()), "count-not-sum")
    averaged = sc.parallelize(range(1, 101))
    assert_mistake("00-spark-sum", (averaged, averaged.mean() * 100), "float-for-int")
    other = sc.parallelize(range(1, 101))
    as_text = sc.parallelize(range(1, 101))
    assert_mistake("00-spark-sum", (as_text, str(as_text.sum())), "wrong-type")
    assert_mistake("00-spark-sum", (other, sc.parallelize(range(1, 101)).sum()), "no-action")  # another RDD's job


def test_00_spark_sum_accepts_other_actions(spark):
    sc = spark.sparkContext
    numbers = sc.parallelize(list(range(1, 101)), 4)
    assert verdict("00-spark-sum", numbers, numbers.reduce(lambda a, b: a + b)).ok
    numbers = sc.parallelize(range(1, 101))
    assert verdict("00-spark-sum", numbers, numbers.fold(0, lambda a, b: a + b)).ok


# -- 01 ------------------------------------------------------------------------------------------------------
def test_01_chunk_size_names_each_mistake():
    def prints(n_items, n_chunks):
        print(-(-n_items // n_chunks))

    assert_mistake("01-chunk-size", (lambda n, k: n // k,), "rounds-down")
    assert_mistake("01-chunk-size", (lambda n, k: n / k,), "float")  # the lecture's bug
    assert_mistake("01-chunk-size", (lambda n, k: math.ceil(n / k) * 1.0,), "float")
    assert_mistake("01-chunk-size", (lambda n, k: round(n / k),), "rounds-nearest")
    assert_mistake("01-chunk-size", (lambda n, k: n // k + 1,), "always-plus-one")
    assert_mistake("01-chunk-size", (lambda n, k: -(-k // n),), "swapped-arguments")
    assert_mistake("01-chunk-size", (prints,), "returns-nothing")
    assert_mistake("01-chunk-size", (lambda n: n,), "raised")
    assert_mistake("01-chunk-size", (8,), "not-a-function")
    assert_mistake("01-chunk-size", (lambda n, k: k,), "wrong")


def test_01_chunk_size_accepts_other_ways_of_rounding_up():
    for right in (lambda n, k: math.ceil(n / k), lambda n, k: (n + k - 1) // k, lambda n, k: len(range(0, n, k)),
                  lambda n, k: n // k + (n % k > 0)):
        assert verdict("01-chunk-size", right).ok


def test_01_amdahl_names_each_mistake():
    s, best = 0.2, 1 / (0.2 + 0.8 / 8)
    assert_mistake("01-amdahl", (10 / 6, best), "speedup-for-s")
    assert_mistake("01-amdahl", (6 / 10, best), "inverted-speedup")
    assert_mistake("01-amdahl", (0.8, best), "parallel-fraction")
    assert_mistake("01-amdahl", (20, best), "percent")
    assert_mistake("01-amdahl", (1.5, best), "out-of-range")
    assert_mistake("01-amdahl", ("0.2", best), "wrong-type")
    assert_mistake("01-amdahl", (s, 8), "ideal-speedup")
    assert_mistake("01-amdahl", (s, 5), "ceiling")
    assert_mistake("01-amdahl", (s, 10 / 6 * 4), "linear-extrapolation")
    assert_mistake("01-amdahl", (s, 10 * (s + (1 - s) / 8)), "time-not-speedup")
    assert_mistake("01-amdahl", (s, 1 / (0.8 + 0.2 / 8)), "swapped-fractions")
    assert_mistake("01-amdahl", (s, 4), "wrong")


def test_01_amdahl_accepts_the_timing_helpers_and_fractions():
    from fractions import Fraction

    from cs109par import timing

    s = timing.serial_fraction(10 / 6, 2)
    assert verdict("01-amdahl", s, timing.amdahl(s, 8)).ok
    assert verdict("01-amdahl", 1 / 5, 10 / 3).ok
    assert verdict("01-amdahl", float(Fraction(1, 5)), float(Fraction(10, 3))).ok


# -- 02 ------------------------------------------------------------------------------------------------------
def test_02_squares_judges_that_parallel_computed_them():
    want = [i * i for i in range(10)]
    never_called = Parallel(n_jobs=2)
    assert_mistake("02-squares", (never_called, [i * i for i in range(10)]), "parallel-not-called")  # no Parallel
    assert_mistake("02-squares", (Parallel, want), "the-class")
    assert_mistake("02-squares", (want, want), "not-a-parallel")
    p = Parallel(n_jobs=2)
    calls = [delayed(pow)(i, 2) for i in range(10)]
    assert_mistake("02-squares", (p, calls), "delayed-not-run")
    p = Parallel(n_jobs=2)
    assert_mistake("02-squares", (p, set(p(delayed(pow)(i, 2) for i in range(10)))), "set-not-list")
    p = Parallel(n_jobs=2)
    assert_mistake("02-squares", (p, p(delayed(pow)(i, 2) for i in range(1, 11))), "off-by-one")
    p = Parallel(n_jobs=2)
    assert_mistake("02-squares", (p, p(delayed(pow)(2, i) for i in range(10))), "swapped-arguments")
    p = Parallel(n_jobs=2)
    assert_mistake("02-squares", (p, p(delayed(math.pow)(i, 2) for i in range(10))), "floats")
    p = Parallel(n_jobs=2)
    assert_mistake("02-squares", (p, p(delayed(pow)(i, 2) for i in reversed(range(10)))), "order")
    p = Parallel(n_jobs=2)
    assert_mistake("02-squares", (p, p(delayed(pow)(i, 2) for i in range(5)) + [25, 36, 49, 64, 81]),
                   "wrong-task-count")
    p = Parallel(n_jobs=1)
    assert_mistake("02-squares", (p, p(delayed(pow)(i, 2) for i in range(10))), "n-jobs")
    p = Parallel(n_jobs=2, return_as="generator")
    results = p(delayed(pow)(i, 2) for i in range(10))
    assert_mistake("02-squares", (p, results), "generator")
    assert list(results) == want  # read it to the end, or joblib cancels its tasks when it is dropped


def test_02_squares_accepts_other_ways_of_squaring():
    p = Parallel(n_jobs=2)
    assert verdict("02-squares", p, p(delayed(lambda i: i * i)(i) for i in range(10))).ok
    p = Parallel(n_jobs=2, prefer="threads")
    assert verdict("02-squares", p, p(delayed(int.__mul__)(i, i) for i in range(10))).ok


def test_02_parallel_ensembles_names_each_mistake():
    right = {"BaggingClassifier", "ExtraTreesClassifier", "RandomForestClassifier"}
    assert_mistake("02-parallel-ensembles", (right | {"GradientBoostingClassifier"},), "includes-boosting")
    assert_mistake("02-parallel-ensembles", (set(nb02_names()),), "includes-boosting")
    assert_mistake("02-parallel-ensembles", ({"BaggingClassifier", "RandomForestClassifier"},), "missing-some")
    assert_mistake("02-parallel-ensembles", ("RandomForestClassifier",), "wrong-type")
    assert_mistake("02-parallel-ensembles", (3,), "wrong-type")
    assert_mistake("02-parallel-ensembles", (set(),), "empty")
    assert_mistake("02-parallel-ensembles", ({"RandomForest", "Bagging", "ExtraTrees"},), "spelling")
    assert_mistake("02-parallel-ensembles", (right | {"HistGradientBoostingClassifier"},), "unknown-name")


def nb02_names() -> list[str]:
    from cs109par.exercises.nb02 import ENSEMBLES

    return ENSEMBLES


def test_02_parallel_ensembles_accepts_a_list_or_the_classes():
    from sklearn.ensemble import BaggingClassifier, ExtraTreesClassifier, RandomForestClassifier

    assert verdict("02-parallel-ensembles", ["RandomForestClassifier", "BaggingClassifier",
                                             "ExtraTreesClassifier"]).ok
    assert verdict("02-parallel-ensembles", {BaggingClassifier, ExtraTreesClassifier, RandomForestClassifier}).ok


# -- 03 ------------------------------------------------------------------------------------------------------
def test_03_scatter_names_each_mistake():
    assert_mistake("03-scatter", ({4, 5, 6},), "set")
    assert_mistake("03-scatter", ([0, 1, 2, 3],), "engine-0")
    assert_mistake("03-scatter", ([3, 4, 5, 6],), "remainder-last")
    assert_mistake("03-scatter", ([1, 3, 5],), "round-robin")
    assert_mistake("03-scatter", ([6, 5, 4],), "order")
    assert_mistake("03-scatter", ([4, 5, 6, 7],), "off-by-one")
    assert_mistake("03-scatter", (["4", "5", "6"],), "wrong-type")
    assert_mistake("03-scatter", ("4, 5, 6",), "wrong-type")
    assert_mistake("03-scatter", (5,), "wrong-type")


def test_03_scatter_accepts_any_ordered_sequence():
    import numpy as np

    for right in ((4, 5, 6), list(range(4, 7)), range(4, 7), np.arange(4, 7)):
        assert verdict("03-scatter", right).ok


def test_03_to_resubmit_names_each_mistake():
    assert_mistake("03-to-resubmit", (lambda items, st: {i for i, s in zip(items, st) if s != "ok"},), "set")
    assert_mistake("03-to-resubmit", (lambda items, st: sorted(i for i, s in zip(items, st) if s != "ok"),), "sorted")
    assert_mistake("03-to-resubmit", (lambda items, st: [i for i, s in zip(items, st) if s == "ok"],), "kept-ok")
    assert_mistake("03-to-resubmit", (lambda items, st: [j for j, s in enumerate(st) if s != "ok"],), "indices")
    assert_mistake("03-to-resubmit", (lambda items, st: [i for i, s in zip(items, st) if s == "error"],),
                   "only-error")
    assert_mistake("03-to-resubmit",
                   (lambda items, st: list(dict.fromkeys(i for i, s in zip(items, st) if s != "ok")),),
                   "dropped-repeats")
    assert_mistake("03-to-resubmit", (lambda items, st: [(i, s) for i, s in zip(items, st) if s != "ok"],), "pairs")
    assert_mistake("03-to-resubmit", (lambda items, st: (i for i, s in zip(items, st) if s != "ok"),), "not-a-list")
    assert_mistake("03-to-resubmit", (lambda items, st: filter(None, items),), "not-a-list")
    assert_mistake("03-to-resubmit", (lambda items, st: print([i for i, s in zip(items, st) if s != "ok"]),),
                   "returns-nothing")
    assert verdict("03-to-resubmit", lambda items, st: None).mistake == "unanswered"  # what the stub does
    assert_mistake("03-to-resubmit", (lambda items: items,), "raised")
    assert_mistake("03-to-resubmit", (["b"],), "not-a-function")


def test_03_to_resubmit_accepts_other_ways_of_filtering():
    import itertools

    assert verdict("03-to-resubmit", lambda items, st: [items[j] for j, s in enumerate(st) if s != "ok"]).ok
    assert verdict("03-to-resubmit", lambda items, st: list(itertools.compress(items, [s != "ok" for s in st]))).ok
    assert verdict("03-to-resubmit", lambda items, st: tuple(i for i, s in zip(items, st) if s not in ("ok",))).ok


def test_03_copies_names_each_mistake():
    assert_mistake("03-copies", (9, 1), "counted-the-client")
    assert_mistake("03-copies", (1, 1), "push-shared")
    assert_mistake("03-copies", (16, 1), "pushed")
    assert_mistake("03-copies", (8, 8), "mapped-counted-per-engine")
    assert_mistake("03-copies", (8, 0), "mapped-zero")
    assert_mistake("03-copies", (8, 2), "mapped")
    assert_mistake("03-copies", (8.0, 1), "float-for-int")
    assert_mistake("03-copies", ("8", "1"), "wrong-type")


def test_03_copies_accepts_numpy_integers():
    import numpy as np

    assert verdict("03-copies", np.int64(8), 1).ok


# -- no checker ever raises -----------------------------------------------------------------------------------
class Hostile:
    """An answer that breaks whatever touches it."""

    def __getattr__(self, name):
        raise RuntimeError("boom")

    def __iter__(self):
        raise RuntimeError("boom")

    def __eq__(self, other):
        raise RuntimeError("boom")

    __hash__ = None  # type: ignore[assignment]


@pytest.mark.parametrize("exercise_id", OURS)
def test_checkers_never_raise(exercise_id):
    n = len(REGISTRY[exercise_id].answers)
    for odd in (Hostile(), object(), lambda *a: 1 / 0, float("nan"), [], {}):
        v = verdict(exercise_id, *([odd] * n))
        assert not v.ok and v.hint
