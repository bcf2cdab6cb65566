"""Checks for notebook 02-joblib."""

from __future__ import annotations

from . import Verdict, check, check_equal, feedback, is_unanswered

#: The ensembles asked about in exercise 2, and which of them accept ``n_jobs``.
ENSEMBLES = ["AdaBoostClassifier", "BaggingClassifier", "ExtraTreesClassifier", "GradientBoostingClassifier", "RandomForestClassifier"]


def check_squares(answer) -> Verdict:
    """The squares of 0..9, computed with joblib's Parallel and delayed."""
    return check_equal(
        list(answer) if isinstance(answer, (list, tuple)) else answer,
        [i * i for i in range(10)],
        "Parallel(n_jobs=2)(delayed(pow)(i, 2) for i in range(10)) returns a list of the ten results, in order.",
    )


def parallel_ensembles() -> set[str]:
    """The ensembles of :data:`ENSEMBLES` whose constructor has an ``n_jobs`` parameter."""
    import sklearn.ensemble as ens

    return {name for name in ENSEMBLES if "n_jobs" in getattr(ens, name)().get_params()}


def check_parallel_ensembles(answer) -> Verdict:
    """Which ensembles can fit their members in parallel (a set of class names)?"""
    if is_unanswered(answer):
        return check(answer, bool, "")
    try:
        given = {a if isinstance(a, str) else a.__name__ for a in answer}
    except (TypeError, AttributeError):
        return feedback(False, "give a set of class names, e.g. {'RandomForestClassifier'}.")
    expected = parallel_ensembles()
    hint = (
        "an ensemble can fit its members in parallel when they are independent of each other (each sees its "
        "own bootstrap sample); boosting fits each member on the errors of the previous ones. You can also ask "
        "scikit-learn: 'n_jobs' in SomeClassifier().get_params()."
    )
    if given - set(ENSEMBLES):
        return feedback(False, f"choose among {ENSEMBLES}; {sorted(given - set(ENSEMBLES))} is not one of them.")
    return feedback(given == expected, hint)
