"""Grading one submission: run it top to bottom in a fresh sandboxed kernel and check each exercise right
after its solution cell ran, with the course's own checker (``REGISTRY[id].evaluate``) and the hidden cases.

Restart-and-run-all semantics: the kernel sees nothing but the submission's cells, in order, so an answer
that only worked thanks to a deleted cell (hidden state) fails here as it would after *Restart & Run All*.
A cell that raises does not stop the run; a cell that runs too long is interrupted and the run goes on;
a kernel that dies or hangs ends the run, and the exercises after it say so.
"""

from __future__ import annotations

import ast
import json
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import hidden as hidden_cases
from . import submission as sub
from .sandbox import MEMORY_GIB, Outcome, Sandbox

#: Verdicts in the grades file. `invalid`: the file could not be graded at all (the hint says why);
#: `error`: the grader itself failed on it (a bug to report).
VERDICTS = ("correct", "wrong", "unanswered", "timeout", "kernel-died", "invalid", "error")


@dataclass(frozen=True)
class Options:
    timeout: float = 1200.0  #: seconds for the whole submission
    cell_timeout: float = 300.0  #: seconds for one cell (and for checking one exercise)
    memory_gib: float = MEMORY_GIB
    workdir: str | None = None  #: where the per-submission temporary folders go


@dataclass
class Result:
    exercise: str
    points: int
    max_points: int
    verdict: str
    hint: str = ""
    mistake: str = ""
    recipe: str = ""


@dataclass
class Graded:
    """Everything the reports need about one submission."""

    submission: str
    student: str
    notebook: str = ""
    results: list[Result] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  #: cells that raised / timed out, the kernel's end
    note: str = ""  #: how it was recognised, or why it could not be graded
    seconds: float = 0.0
    leftovers: int = 0  #: processes still running at the end, stopped by the grader

    @property
    def points(self) -> int:
        return sum(r.points for r in self.results)

    @property
    def max_points(self) -> int:
        return sum(r.max_points for r in self.results)


def grade_one(path: str, marker: str, options: Options,
              hidden: dict[str, list[hidden_cases.Case]] | None = None) -> Graded:
    """Grade the submission at ``path``; never raises for anything the submission does."""
    start = time.monotonic()
    try:
        submission = sub.read(Path(path))
    except sub.NotGradable as exc:
        graded = Graded(path, sub.student_id(Path(path)), note=str(exc))
        graded.results.append(Result("", 0, 0, "invalid", str(exc)))
        return graded
    graded = Graded(path, submission.student, submission.notebook, note=submission.note)
    try:
        _run(submission, graded, marker, options, hidden or {})
    except Exception as exc:  # a grader bug: one row says so, the batch goes on
        graded.results = [Result("", 0, 0, "error", f"the grader failed: {type(exc).__name__}: {exc}")]
    graded.seconds = time.monotonic() - start
    return graded


def _run(submission: sub.Submission, graded: Graded, marker: str, options: Options,
         hidden: dict[str, list[hidden_cases.Case]]) -> None:
    from ..exercises import load_all

    registry = load_all()
    exercises = sub.course_exercises(submission.notebook)
    where = sub.evaluation_points(submission.cells, exercises)
    cells = submission.cells
    results: dict[str, Result] = {}
    outcomes: dict[int, Outcome] = {}
    stopped = ""  # why the run ended early; the exercises not graded by then get it as their hint
    stopped_verdict = "timeout"
    deadline = time.monotonic() + options.timeout
    folder = Path(tempfile.mkdtemp(prefix="submission-", dir=options.workdir))

    def check(exercise_id: str) -> Outcome:
        index, why = where[exercise_id]
        cases = hidden.get(exercise_id, [])
        request = json.dumps({"cases": [{"answer": c.answer, "args": list(c.args)} for c in cases]})
        expression = (f"__import__('cs109par.grading.inkernel', fromlist=['evaluate'])"
                      f".evaluate({exercise_id!r}, None, {request!r})")
        left = deadline - time.monotonic()
        outcome = box.run("", min(options.cell_timeout, max(left, 1.0)), {"verdict": expression})
        results[exercise_id] = _result(registry[exercise_id].points, exercise_id, outcome, cases,
                                       cells[index] if index >= 0 else None, outcomes.get(index), why)
        return outcome

    box = Sandbox(folder, marker, options.memory_gib)
    try:
        try:
            box.start()
        except Exception as exc:
            stopped, stopped_verdict = f"the kernel did not start: {type(exc).__name__}: {exc}", "error"
        checked_at: dict[int, list[str]] = {}
        for exercise_id, (index, _) in where.items():
            checked_at.setdefault(index, []).append(exercise_id)
        for i, cell in enumerate(cells if not stopped else ()):
            left = deadline - time.monotonic()
            if left <= 0:
                stopped = f"the submission ran out of its {options.timeout:g} s before {cell.label()}"
                break
            if cell.source.strip():
                outcome = box.run(cell.source, min(options.cell_timeout, left))
                outcomes[i] = outcome
                if outcome.status == "timeout" or (outcome.status == "error" and not cell.raises):
                    graded.problems.append(f"{cell.label()} {outcome.message}")
                if outcome.status in ("died", "hung"):
                    stopped = f"{cell.label()} {outcome.message}; nothing after it ran"
                    stopped_verdict = "kernel-died" if outcome.status == "died" else "timeout"
                    break
                if outcome.status == "timeout" and left < options.cell_timeout:
                    stopped = f"the submission ran out of its {options.timeout:g} s in {cell.label()}"
                    break
            for exercise_id in checked_at.get(i, []):
                outcome = check(exercise_id)
                if outcome.status in ("died", "hung"):
                    stopped = f"checking {exercise_id} {outcome.message}"
                    stopped_verdict = "kernel-died" if outcome.status == "died" else "timeout"
                    break
            if stopped:
                break
        if not stopped:
            for exercise_id in checked_at.get(-1, []):
                check(exercise_id)
    finally:
        graded.leftovers = len(box.close())
        shutil.rmtree(folder, ignore_errors=True)
    if stopped:
        graded.problems.append(stopped)
    for exercise_id in exercises:
        points = registry[exercise_id].points
        graded.results.append(results.get(exercise_id)
                              or Result(exercise_id, 0, points, stopped_verdict, f"not graded: {stopped}"))


def _result(points: int, exercise_id: str, outcome: Outcome, cases: list[hidden_cases.Case],
            cell: sub.Cell | None, ran: Outcome | None, why: str) -> Result:
    """The row of one exercise from what the in-kernel check returned."""
    if outcome.status != "ok":
        verdict = "kernel-died" if outcome.status == "died" else "timeout" if outcome.status != "error" else "error"
        return Result(exercise_id, 0, points, verdict, f"checking the answer {outcome.message}")
    value = outcome.expressions.get("verdict", {})
    if value.get("status") != "ok":
        return Result(exercise_id, 0, points, "error", f"the grader's check failed: {value.get('ename')}: "
                                                       f"{value.get('evalue')}")
    answer = json.loads(ast.literal_eval(value["data"]["text/plain"]))
    if "grader_error" in answer:
        return Result(exercise_id, 0, points, "error", f"the grader's check failed: {answer['grader_error']}")
    place = f"{why.split(' (')[0]}{f', {cell.label()}' if cell else ''}"
    cause = late = ""
    if ran is not None and ran.status == "error":
        cause = f"; run top to bottom in a fresh kernel, that cell {ran.message}"
        late = (" (does it use something from a cell that is gone, or that runs later? Restart the kernel and run "
                "all cells before you hand in)")
    elif ran is not None and ran.status == "timeout":
        cause = f"; that cell {ran.message}"
    if "missing" in answer:
        names = ", ".join(f"`{n}`" for n in answer["missing"])
        verdict = "timeout" if ran is not None and ran.status == "timeout" else "wrong"
        return Result(exercise_id, 0, points, verdict,
                      f"{names} {'is' if len(answer['missing']) == 1 else 'are'} not defined {place}{cause}{late}",
                      "not-defined")
    if answer["ok"]:
        failed = hidden_cases.failure_hint(answer.get("hidden", []), cases)
        if failed is None:
            return Result(exercise_id, points, points, "correct")
        return Result(exercise_id, 0, points, "wrong", failed, "hidden-case")
    verdict = "unanswered" if answer["mistake"] == "unanswered" else "wrong"
    if ran is not None and ran.status == "timeout":
        verdict = "timeout"
    hint = (answer["hint"].rstrip(". ") + cause + late) if cause else answer["hint"]
    return Result(exercise_id, 0, points, verdict, hint, answer["mistake"],
                  answer.get("recipe", ""))


__all__ = ["VERDICTS", "Options", "Result", "Graded", "grade_one"]
