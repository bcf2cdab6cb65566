"""Checks for notebook 02-joblib."""

from __future__ import annotations

import types
from typing import Any

from . import Verdict, correct, exercise, wrong
from .methods import parallel_ran

#: The ensembles asked about in exercise 2, and which of them accept ``n_jobs``.
ENSEMBLES = ["AdaBoostClassifier", "BaggingClassifier", "ExtraTreesClassifier", "GradientBoostingClassifier",
             "RandomForestClassifier"]
#: How many numbers exercise 1 squares (0, 1, ..., 9).
N_SQUARES = 10


def _is_delayed_call(item: Any) -> bool:
    """``delayed(f)(x)`` is a tuple ``(f, args, kwargs)``: a recipe for a call, not its result."""
    return isinstance(item, tuple) and len(item) == 3 and callable(item[0]) and isinstance(item[2], dict)


@exercise("02-squares", points=1, answers=("parallel", "squares"))
def check_squares(parallel, squares) -> Verdict:
    """``parallel``: a ``Parallel(n_jobs=2)`` object; ``squares``: the squares of 0..9 that calling it returned."""
    from joblib import Parallel

    recipe = "parallel = Parallel(n_jobs=2); squares = parallel(delayed(pow)(i, 2) for i in range(10))"
    want = [i * i for i in range(N_SQUARES)]
    if parallel is Parallel:
        return wrong("`parallel` is the class Parallel itself: create one object, Parallel(n_jobs=2), keep it in "
                     "`parallel`, and call that object.", recipe=recipe, mistake="the-class")
    if not isinstance(parallel, Parallel):
        return wrong(f"`parallel` is a {type(parallel).__name__}, not a joblib Parallel object: keep the "
                     "Parallel(n_jobs=2) you call in its own variable.", recipe=recipe, mistake="not-a-parallel")
    if isinstance(squares, types.GeneratorType):
        return wrong("`squares` is a generator (return_as='generator'), not the list of results: keep the default, "
                     "which returns a list.", recipe=recipe, mistake="generator")
    if isinstance(squares, (set, frozenset)):
        return wrong("`squares` is a set: it has lost the order. Parallel returns the results as a list, in the "
                     "order of the calls.", recipe=recipe, mistake="set-not-list")
    if isinstance(squares, (list, tuple)) and squares and all(_is_delayed_call(item) for item in squares):
        return wrong("these are the delayed calls themselves, (function, args, kwargs): recipes, not results. Hand "
                     "them to `parallel` to run them.", recipe=recipe, mistake="delayed-not-run")
    if not parallel_ran(parallel):
        return wrong("`parallel` never ran anything: `squares` was computed some other way. Call the Parallel object "
                     "with the delayed calls.", recipe=recipe, mistake="parallel-not-called")
    if parallel.n_jobs != 2:
        return wrong(f"`parallel` was made with n_jobs={parallel.n_jobs!r}: the exercise asks for 2 workers.",
                     recipe=recipe, mistake="n-jobs")
    done = int(parallel.n_completed_tasks)
    if not isinstance(squares, (list, tuple)):
        return wrong(f"`squares` is a {type(squares).__name__}: keep what calling `parallel` returns, a list.",
                     recipe=recipe, mistake="wrong-type")
    got = list(squares)
    if got == want and any(isinstance(v, float) for v in got):
        return wrong("right values, but as floats (math.pow returns floats): use the built-in pow, which keeps "
                     "integers integers.", recipe=recipe, mistake="floats")
    if got == want:
        return correct() if done == N_SQUARES else wrong(
            f"the values are right, but `parallel` ran {done} tasks, not {N_SQUARES}: one delayed call per number, "
            "all in one call of `parallel`.", recipe=recipe, mistake="wrong-task-count")
    if sorted(got) == want:
        return wrong("the right squares in the wrong order: Parallel returns results in the order of the calls, so "
                     "make the calls in order.", recipe=recipe, mistake="order")
    if got == [i * i for i in range(1, N_SQUARES + 1)]:
        return wrong("those are the squares of 1 to 10: the exercise asks for 0, 1, ..., 9 (range(10)).",
                     recipe=recipe, mistake="off-by-one")
    if got == [2 ** i for i in range(N_SQUARES)]:
        return wrong("those are powers of 2: pow(a, b) is a to the power b, so the arguments are swapped.",
                     recipe=recipe, mistake="swapped-arguments")
    if got == [2 * i for i in range(N_SQUARES)]:
        return wrong("those are doubles (i * 2), not squares (i to the power 2).", recipe=recipe, mistake="doubles")
    return wrong(f"`squares` should be the squares of 0..9 in order, {want}; got {got!r}.", recipe=recipe)


def parallel_ensembles() -> set[str]:
    """The ensembles of :data:`ENSEMBLES` whose constructor has an ``n_jobs`` parameter."""
    import sklearn.ensemble as ens

    return {name for name in ENSEMBLES if "n_jobs" in getattr(ens, name)().get_params()}


@exercise("02-parallel-ensembles", points=2, answers=("parallel_ones",))
def check_parallel_ensembles(answer) -> Verdict:
    """Which ensembles can fit their members in parallel (a set of class names)?"""
    recipe = "ask scikit-learn, for each name: 'n_jobs' in getattr(sklearn.ensemble, name)().get_params()."
    if isinstance(answer, str):
        return wrong("that is one string: give a set of names, e.g. {'BaggingClassifier', ...}.", recipe=recipe,
                     mistake="wrong-type")
    try:
        given = {a if isinstance(a, str) else a.__name__ for a in answer}
    except (TypeError, AttributeError):
        return wrong("give a set of class names, e.g. {'BaggingClassifier', ...}.", recipe=recipe,
                     mistake="wrong-type")
    if not given:
        return wrong("the set is empty, but some of these ensembles fit independent members.", recipe=recipe,
                     mistake="empty")
    unknown = given - set(ENSEMBLES)
    if unknown:
        near = {u: [e for e in ENSEMBLES if e.lower() == u.lower() or e.lower().startswith(u.lower())]
                for u in unknown}
        if all(near.values()):
            return wrong(f"spell them exactly as the class names: {sorted(unknown)} should be "
                         f"{sorted(n for names in near.values() for n in names)}.", recipe=recipe, mistake="spelling")
        return wrong(f"choose among {ENSEMBLES}; {sorted(unknown)} is not one of them.", recipe=recipe,
                     mistake="unknown-name")
    right = parallel_ensembles()
    if given == right:
        return correct()
    boosting = sorted(given - right)
    if boosting:
        return wrong(f"{', '.join(boosting)} fit(s) each member on the errors of the members before it: the members "
                     "depend on each other, so they cannot be fit at the same time.", recipe=recipe,
                     mistake="includes-boosting")
    missing = len(right - given)
    return wrong(f"those can, but {missing} more of the five can too: which others fit members that never look at "
                 "each other (each on its own sample of the data)?", recipe=recipe, mistake="missing-some")


__all__ = ["ENSEMBLES", "N_SQUARES", "check_squares", "parallel_ensembles", "check_parallel_ensembles"]
