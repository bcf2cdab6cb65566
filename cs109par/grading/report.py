"""The grader's outputs: ``grades.csv`` (one row per submission and exercise), one Markdown feedback file
per submission, and the summary printed at the end of a batch.

Nothing here knows a hidden case's arguments or expected value: the hints come from
:func:`cs109par.grading.hidden.failure_hint`, which never holds them.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .run import Graded

COLUMNS = ("submission", "student", "notebook", "exercise", "points", "max_points", "verdict", "mistake", "hint")


def write_csv(graded: list[Graded], path: Path) -> Path:
    """``grades.csv``: one row per submission and exercise (one row with the reason for a file that
    could not be graded), in the order the submissions were given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for g in graded:
            for r in g.results:
                writer.writerow([g.submission, g.student, g.notebook, r.exercise, r.points, r.max_points, r.verdict,
                                 r.mistake, r.hint])
    return path


def feedback(g: Graded) -> str:
    """One submission's feedback, in Markdown: the total, a table, then each exercise's verdict and hint."""
    title = g.notebook or "not graded"
    lines = [f"# {title} — {g.student}", "", f"Submission: `{Path(g.submission).name}`"]
    if any(r.verdict == "invalid" for r in g.results):
        lines += ["", f"This file could not be graded: {g.note}."]
        return "\n".join(lines) + "\n"
    lines[-1] += f" · **{g.points} of {g.max_points} points**"
    if g.note:
        lines += ["", f"Note: {g.note}."]
    lines += ["", "Graded by running the notebook top to bottom in a fresh kernel (like *Kernel → Restart Kernel "
              "and Run All Cells*), then the course's check of each exercise right after its exercise cell.", "",
              "| exercise | points | verdict |", "|---|---|---|"]
    lines += [f"| {r.exercise} | {r.points} / {r.max_points} | {r.verdict} |" for r in g.results]
    for r in g.results:
        if r.verdict == "correct":
            continue
        lines += ["", f"## {r.exercise}: {r.verdict} ({r.points} of {r.max_points})", "", r.hint]
        if r.recipe:
            lines += ["", f"The way: {r.recipe}"]
    if g.problems:
        lines += ["", "## What went wrong while it ran", ""] + [f"- {p}" for p in g.problems]
    return "\n".join(lines) + "\n"


def write_feedback(graded: list[Graded], folder: Path) -> list[Path]:
    """One ``<student>-<notebook>.md`` per submission in ``folder`` (``-2``, ``-3`` … when names repeat)."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for g in graded:
        base = re.sub(r"[^\w.-]+", "_", f"{g.student}-{g.notebook or 'not-graded'}").strip("_") or "submission"
        target, n = folder / f"{base}.md", 1
        while target in written:
            n += 1
            target = folder / f"{base}-{n}.md"
        target.write_text(feedback(g), encoding="utf-8")
        written.append(target)
    return written


def line(g: Graded) -> str:
    """One submission in the printed summary."""
    if not g.results[0].exercise:  # the one row of a file that was not graded
        return f"{Path(g.submission).name}: {g.results[0].verdict}: {g.results[0].hint}"
    other = sorted({r.verdict for r in g.results} - {"correct", "wrong", "unanswered"})
    return (f"{Path(g.submission).name}: {g.student}, {g.notebook}, {g.points}/{g.max_points} points"
            + (f" ({', '.join(other)})" if other else "") + f" in {g.seconds:.0f} s")


__all__ = ["COLUMNS", "write_csv", "feedback", "write_feedback", "line"]
