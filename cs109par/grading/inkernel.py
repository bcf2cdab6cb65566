"""What runs inside a submission's kernel when the grader checks an exercise: the course's own checker
on the student's live answers, and the student's function on the hidden cases' arguments.

Only arguments come in: the expected values of hidden cases stay in the grader's process, which
compares what comes back (as plain JSON data, :func:`plain`) with :func:`same`. The answer to the
grader is one JSON string, returned as the value of a user expression (not printed, so nothing the
student's code prints can be mistaken for it).

>>> plain({"a": (1, 2.5), 3: {4}})
{'a': [1, 2.5], '#3': [4]}
>>> same([1, 0.30000000000000004], [1, 0.3]), same(1, True)
(True, False)
"""

from __future__ import annotations

import importlib
import json
import math
from typing import Any

#: Nesting deeper than this is not an answer (and could be a cycle).
MAX_DEPTH = 40


def plain(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON data: tuples and sets become lists, NumPy numbers and arrays Python ones, dict keys
    strings (non-string keys as ``"#" + JSON``). Raises ``TypeError`` for anything else."""
    if depth > MAX_DEPTH:
        raise TypeError("nested too deeply")
    if value is None or isinstance(value, (bool, str, int, float)):
        return value if type(value) in (bool, str, int, float, type(None)) else _scalar(value)
    if type(value).__module__ == "numpy" and hasattr(value, "tolist"):
        return plain(value.tolist(), depth + 1)
    if isinstance(value, dict):
        return {k if isinstance(k, str) else "#" + json.dumps(plain(k, depth + 1), sort_keys=True):
                plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        return sorted((plain(v, depth + 1) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    raise TypeError(f"a {type(value).__name__} is not plain data")


def _scalar(value: Any) -> Any:
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    return value  # pragma: no cover


def same(got: Any, expected: Any, rel: float = 1e-9) -> bool:
    """Plain data equal, numbers up to a relative ``rel`` (a bool is not a number here)."""
    if isinstance(got, bool) or isinstance(expected, bool):
        return type(got) is type(expected) and got == expected
    if isinstance(got, (int, float)) and isinstance(expected, (int, float)):
        return math.isclose(got, expected, rel_tol=rel, abs_tol=1e-12) or (got != got and expected != expected)
    if isinstance(got, list) and isinstance(expected, list):
        return len(got) == len(expected) and all(same(g, e, rel) for g, e in zip(got, expected))
    if isinstance(got, dict) and isinstance(expected, dict):
        return got.keys() == expected.keys() and all(same(got[k], expected[k], rel) for k in got)
    return bool(type(got) is type(expected) and got == expected)


def _case(namespace: dict, case: dict) -> dict:
    func = namespace.get(case["answer"])
    if not callable(func):
        return {"error": "not-a-function"}
    try:
        result = func(*case["args"])
    except Exception as exc:  # the student's function failed on this case: its type only (no message)
        return {"error": type(exc).__name__}
    try:
        return {"value": plain(result)}
    except Exception:
        return {"error": f"returned a {type(result).__name__}"}


def evaluate(exercise_id: str, namespace: dict | None, request: str) -> str:
    """Check exercise ``exercise_id`` on the answers in ``namespace`` (``None``: the kernel's user namespace,
    found through IPython, so that a student's variable called ``globals`` changes nothing); ``request`` is
    JSON ``{"cases": [{"answer": name, "args": [...]}, ...]}``, the hidden cases, run when the check passes.
    Returns JSON: ``{"missing": [...]}``, ``{"grader_error": ...}``, or the verdict's fields plus ``hidden``
    (one ``{"value"}`` or ``{"error"}`` per case)."""
    try:
        if namespace is None:
            from IPython import get_ipython

            namespace = get_ipython().user_ns
        cases = json.loads(request)["cases"]
        importlib.import_module(f"cs109par.exercises.nb{exercise_id[:2]}")
        from cs109par.exercises import REGISTRY

        exercise = REGISTRY[exercise_id]
        missing = [name for name in exercise.answers if name not in namespace]
        if missing:
            return json.dumps({"missing": missing})
        verdict = exercise.evaluate(*(namespace[name] for name in exercise.answers))
        out: dict[str, Any] = {"ok": bool(verdict.ok), "hint": str(verdict.hint), "recipe": str(verdict.recipe),
                               "mistake": str(verdict.mistake), "hidden": []}
        if verdict.ok:
            out["hidden"] = [_case(namespace, case) for case in cases]
        return json.dumps(out)
    except Exception as exc:
        return json.dumps({"grader_error": f"{type(exc).__name__}: {exc}"[:300]})


__all__ = ["plain", "same", "evaluate"]
