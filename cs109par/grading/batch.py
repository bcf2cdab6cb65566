"""Grading a batch: every submission in its own worker process, ``jobs`` at a time (the course's own
lesson: independent tasks, a pool of processes), then the grades file and the feedback.

A worker process only waits on its submission's kernel, but it is a process rather than a thread so that
a submission that takes its grader down (it can find its parent) costs that submission alone: after a
broken pool, the submissions it was grading are graded again one by one, and one that breaks its worker
again gets an ``error`` row. Whatever happens, every process of the batch is stopped at the end.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path

from ..cluster.processes import stop
from . import hidden as hidden_cases
from . import report
from .run import Graded, Options, Result, grade_one
from .sandbox import marked


def submissions_from(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """The files to grade: each file as given (whatever its name), each folder's ``*.ipynb`` (recursively,
    without ``.ipynb_checkpoints``), in a stable order."""
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found += sorted(f for f in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in f.parts and f.is_file())
        else:
            found.append(p)
    return list(dict.fromkeys(found))


def grade(submissions: Iterable[str | os.PathLike], out: str | os.PathLike = "grades", *, jobs: int | None = None,
          options: Options | None = None, hidden: str | os.PathLike | None = None,
          echo: Callable[[str], None] = print) -> list[Graded]:
    """Grade ``submissions`` (files or folders), write ``out/grades.csv`` and ``out/feedback/*.md``, and return
    what was graded. Raises :class:`~cs109par.grading.hidden.HiddenCasesError` for a bad hidden cases file
    (before anything runs); a bad submission only ever gets a row. The workers are spawned: a script that
    calls this needs ``if __name__ == "__main__":`` (as any script that starts processes that way)."""
    paths = submissions_from(submissions)
    if not paths:
        raise ValueError("no submissions to grade: give notebook files or folders that hold some")
    cases = hidden_cases.load(Path(hidden)) if hidden else {}
    jobs = max(1, jobs or os.cpu_count() or 1)
    if hasattr(os, "getuid") and os.getuid() == 0:
        echo("note: grading as root, so the students' code runs as root too: use a container or a throwaway account")
    batch = uuid.uuid4().hex[:12]
    workdir = tempfile.mkdtemp(prefix="cs109par-grade-")
    options = replace(options or Options(), workdir=workdir)
    start = time.monotonic()
    results: dict[int, Graded] = {}
    try:
        broken = _pool(paths, range(len(paths)), batch, options, cases, jobs, results, echo)
        for i in broken:  # again, alone: only a submission that breaks its own worker gets the error row
            if _pool(paths, [i], batch, options, cases, 1, results, echo):
                results[i] = _error(paths[i], "its grader process died twice (does the submission kill its parent "
                                              "process? Or grade() was called from a script without "
                                              "`if __name__ == '__main__':`)")
    finally:
        stop(marked(f"{batch}/"), grace=3.0)
        shutil.rmtree(workdir, ignore_errors=True)
    graded = [results[i] for i in range(len(paths))]
    out = Path(out)
    csv_path = report.write_csv(graded, out / "grades.csv")
    feedback = report.write_feedback(graded, out / "feedback")
    not_graded = sum(1 for g in graded if not g.results[0].exercise)
    echo(f"graded {len(graded) - not_graded} of {len(graded)} submissions in {time.monotonic() - start:.0f} s "
         f"({jobs} job{'s' if jobs > 1 else ''}); {not_graded} could not be graded")
    echo(f"wrote {csv_path} and {len(feedback)} feedback files in {out / 'feedback'}")
    return graded


def _pool(paths: list[Path], todo: Iterable[int], batch: str, options: Options,
          cases: dict[str, list[hidden_cases.Case]], jobs: int, results: dict[int, Graded],
          echo: Callable[[str], None]) -> list[int]:
    """Grade submissions ``todo`` in a pool of ``jobs`` processes; the ones whose pool broke."""
    todo = list(todo)
    broken: list[int] = []
    # spawn: a worker starts clean (no copy of this process's state), the way the kernels do
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context) as pool:
        futures = {pool.submit(grade_one, str(paths[i]), f"{batch}/{i}/", options, cases): i for i in todo}
        for future in as_completed(futures):
            i = futures[future]
            try:
                results[i] = future.result()
            except BrokenProcessPool:
                broken.append(i)
                continue
            except Exception as exc:  # a grader bug: this submission's row says so
                results[i] = _error(paths[i], f"the grader failed: {type(exc).__name__}: {exc}")
            echo(f"[{len(results)}/{len(paths)}] {report.line(results[i])}")
    return sorted(broken)


def _error(path: Path, why: str) -> Graded:
    from .submission import student_id

    return Graded(str(path), student_id(path), results=[Result("", 0, 0, "error", why)], note=why)


__all__ = ["submissions_from", "grade"]
