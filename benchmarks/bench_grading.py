"""Grading throughput: a handful of full notebook-01 submissions (student copies with every answer filled in)
graded with ``jobs=1`` and ``jobs=2`` (``python -m cs109par grade --jobs``), in submissions per minute.

Each submission runs the whole notebook in a fresh kernel, including its own 2-process measurements (the
50 MB word count, the grid search), so two submissions at once compete for the same cores as their pools:
the ratio stays further below 2 than a benchmark of independent single-process tasks would.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

#: Submissions per run: enough that both jobs stay busy most of the time.
SUBMISSIONS = 4


def _submissions(folder: Path) -> list[Path]:
    import nbformat

    from cs109par.exercises.student import is_solution, student_notebook
    from cs109par.notebooks import NOTEBOOK_DIR

    master = nbformat.read(NOTEBOOK_DIR / "01-multiprocessing.ipynb", as_version=4)
    answers = {c.metadata["cs109par"]["exercise"]: c.source for c in master.cells if is_solution(c)}
    copy = student_notebook(master)  # what `make student` hands out...
    for cell in copy.cells:
        meta = cell.metadata.get("cs109par", {})
        if meta.get("role") == "solution":
            cell.source = answers[meta["exercise"]]  # ...with the answers a student writes in
    paths = []
    for n in range(SUBMISSIONS):
        path = folder / f"student{n}-01-multiprocessing.ipynb"
        nbformat.write(copy, path)
        paths.append(path)
    return paths


def run() -> list[dict]:
    from cs109par.data import generated_corpus
    from cs109par.grading import grade

    generated_corpus(50)  # built once, outside the timings (the notebook uses it)
    seconds = {}
    with tempfile.TemporaryDirectory(prefix="cs109par-bench-grading-") as tmp:
        paths = _submissions(Path(tmp))
        for jobs in (1, 2):
            start = time.perf_counter()
            graded = grade(paths, Path(tmp) / f"out-{jobs}", jobs=jobs, echo=lambda line: None)
            seconds[jobs] = time.perf_counter() - start
            wrong = [(g.submission, r.exercise, r.verdict, r.hint) for g in graded for r in g.results
                     if r.verdict != "correct"]
            if wrong:
                raise AssertionError(f"full submissions with the course's answers should all be correct: {wrong}")
    return [
        {"name": "grading throughput, 1 job", "value": SUBMISSIONS / seconds[1] * 60, "unit": "submissions/min"},
        {"name": "grading throughput, 2 jobs", "value": SUBMISSIONS / seconds[2] * 60, "unit": "submissions/min"},
        {"name": "grading 2 jobs vs 1", "value": seconds[1] / seconds[2], "unit": "x"},
    ]
