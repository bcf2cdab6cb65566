"""Checks for notebook 02-joblib."""

from __future__ import annotations

from . import Verdict, correct, exercise, wrong

#: The ensembles asked about in exercise 2, and which of them accept ``n_jobs``.
ENSEMBLES = ["AdaBoostClassifier", "BaggingClassifier", "ExtraTreesClassifier", "GradientBoostingClassifier",
             "RandomForestClassifier"]


@exercise("02-squares", points=1, answers=("squares",))
def check_squares(answer) -> Verdict:
    """The squares of 0..9, computed with joblib's Parallel and delayed."""
    got = list(answer) if isinstance(answer, (list, tuple)) else answer
    if got == [i * i for i in range(10)]:
        return correct()
    return wrong("Parallel(...) returns a list of the ten results, in order.",
                 recipe="Parallel(n_jobs=2)(delayed(pow)(i, 2) for i in range(10))")


def parallel_ensembles() -> set[str]:
    """The ensembles of :data:`ENSEMBLES` whose constructor has an ``n_jobs`` parameter."""
    import sklearn.ensemble as ens

    return {name for name in ENSEMBLES if "n_jobs" in getattr(ens, name)().get_params()}


@exercise("02-parallel-ensembles", points=2, answers=("parallel_ones",))
def check_parallel_ensembles(answer) -> Verdict:
    """Which ensembles can fit their members in parallel (a set of class names)?"""
    try:
        given = {a if isinstance(a, str) else a.__name__ for a in answer}
    except (TypeError, AttributeError):
        return wrong("give a set of class names, e.g. {'RandomForestClassifier'}.", mistake="wrong-type")
    if given - set(ENSEMBLES):
        return wrong(f"choose among {ENSEMBLES}; {sorted(given - set(ENSEMBLES))} is not one of them.",
                     mistake="unknown-name")
    if given == parallel_ensembles():
        return correct()
    return wrong(
        "an ensemble can fit its members in parallel when they are independent of each other (each sees its "
        "own bootstrap sample); boosting fits each member on the errors of the previous ones.",
        recipe="ask scikit-learn: 'n_jobs' in SomeClassifier().get_params().")
