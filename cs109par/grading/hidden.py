"""Hidden cases: extra calls of a student's function that the instructor keeps outside what students get.

The file is YAML: for each exercise whose answer is a function, a list of cases, each with the
arguments and, optionally, the expected value::

    01-chunk-size:
      - args: [0, 4]            # expected left out: computed by the course's own solution
      - args: [1000001, 1000]
        expected: 1001
      - args: [7, 2]
        answer: chunk_size      # which answer variable is called (default: the exercise's first)

A case without ``expected`` gets it from the master solution: the exercise's solution cell in the
course's own notebook (``notebooks/NN-name.ipynb``), run in the grader's process. Arguments and
expected values are plain data (numbers, strings, lists, mappings); results are compared by
:func:`cs109par.grading.inkernel.same`. Feedback says that a hidden case failed, never which.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .inkernel import plain


class HiddenCasesError(ValueError):
    """The hidden cases file is unusable; the message names the file, the exercise and the fix."""


@dataclass(frozen=True)
class Case:
    answer: str  #: the answer variable called (a function)
    args: tuple
    expected: Any  #: plain data (see inkernel.plain)


def load(path: Path) -> dict[str, list[Case]]:
    """Read a hidden cases file; compute the expected values it leaves out. Raises :class:`HiddenCasesError`."""
    import yaml

    from ..exercises import load_all

    registry = load_all()
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise HiddenCasesError(f"{path}: cannot read the hidden cases: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise HiddenCasesError(f"{path}: expected a mapping `exercise-id: [cases]`, found a {type(data).__name__}")
    cases: dict[str, list[Case]] = {}
    for exercise_id, entries in data.items():
        where = f"{path}: {exercise_id}"
        if exercise_id not in registry:
            raise HiddenCasesError(f"{where}: no such exercise (known: {', '.join(sorted(registry))})")
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            raise HiddenCasesError(f"{where}: expected a list of cases, each `{{args: [...], expected: ...}}`")
        exercise = registry[exercise_id]
        cases[exercise_id] = []
        for n, entry in enumerate(entries, 1):
            unknown = set(entry) - {"args", "expected", "answer"}
            if unknown or not isinstance(entry.get("args", []), list):
                raise HiddenCasesError(f"{where}, case {n}: a case has `args` (a list), and optionally `expected` "
                                       f"and `answer`{f'; unknown keys: {sorted(unknown)}' if unknown else ''}")
            answer = entry.get("answer", exercise.answers[0])
            if answer not in exercise.answers:
                raise HiddenCasesError(f"{where}, case {n}: `answer: {answer}` is not one of {exercise.answers}")
            args = tuple(entry.get("args", []))
            if "expected" in entry:
                expected = plain(entry["expected"])
            else:
                expected = plain(_master(exercise_id, answer, where)(*args))
            cases[exercise_id].append(Case(answer, args, expected))
    return cases


def _master(exercise_id: str, answer: str, where: str) -> Any:
    """The course's own answer: run the exercise's solution cell of the master notebook in a fresh namespace."""
    from .submission import course_notebook_names, master_cells, source

    for name in course_notebook_names():
        if name[:2] != exercise_id[:2]:
            continue
        for cell in master_cells(name):
            meta = cell.get("metadata", {}).get("cs109par", {})
            if meta.get("exercise") == exercise_id and meta.get("role") == "solution":
                namespace: dict[str, Any] = {"__name__": "__cs109par_master__"}
                try:
                    exec(compile(source(cell), f"{name}.ipynb[{exercise_id}]", "exec"), namespace)
                except Exception as exc:
                    raise HiddenCasesError(f"{where}: the master solution in {name}.ipynb does not run on its own "
                                           f"({type(exc).__name__}: {exc}); give `expected:` for each case") from exc
                if not callable(namespace.get(answer)):
                    raise HiddenCasesError(f"{where}: `{answer}` is not a function, and hidden cases call functions")
                return namespace[answer]
    raise HiddenCasesError(f"{where}: no solution cell in the course's notebook; give `expected:` for each case")


def failure_hint(results: list[dict], cases: list[Case]) -> str | None:
    """``None`` when every hidden case passed, else a hint that says which one failed but not its arguments
    nor its expected value (hidden means hidden).

    >>> failure_hint([{"value": 1}, {"value": 5}], [Case("f", (0,), 1), Case("f", (9,), 4)])[:72]
    'it passes the notebook’s check but not hidden case 2 of 2 (it returned a'
    """
    from .inkernel import same

    for n, (got, case) in enumerate(zip(results, cases), 1):
        if "error" in got:
            what = ("it is not a function" if got["error"] == "not-a-function"
                    else f"it {got['error']}" if got["error"].startswith("returned") else f"it raised {got['error']}")
        elif not same(got.get("value"), case.expected):
            what = "it returned a different value"
        else:
            continue
        return (f"it passes the notebook’s check but not hidden case {n} of {len(cases)} ({what}): look for "
                "inputs the notebook’s check does not try (edge cases)")
    if len(results) < len(cases):
        return "the hidden cases did not run"
    return None


__all__ = ["HiddenCasesError", "Case", "load", "failure_hint"]
