"""Reading one submission: is it a notebook, which course notebook is it, whose is it, and where in it
each exercise is graded.

A submission is recognised by its metadata, never by its file name: the notebook's course id
(``metadata.cs109par.notebook``), else the exercise ids its cells carry (a student who pasted the cells
into a new notebook). Anything else gets a :class:`NotGradable` with the reason, for the grades file.

>>> student_id(Path("alice-01-multiprocessing.ipynb"), "01-multiprocessing")
'alice'
>>> student_id(Path("submissions/bob/01-multiprocessing.ipynb"), "01-multiprocessing")
'bob'
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: The key of the course's metadata, in the notebook's and in each exercise cell's metadata.
KEY = "cs109par"
#: A notebook bigger than this is not a hand-in (a notebook with a few plots is a few MB).
MAX_BYTES = 100 * 2**20


class NotGradable(Exception):
    """The submission cannot be graded at all; the message is the reason given in the grades file."""


@dataclass(frozen=True)
class Cell:
    """A code cell of a submission: ``number`` is its position among all cells (1 = the first)."""

    number: int
    source: str
    exercise: str = ""
    role: str = ""
    raises: bool = False  #: tagged ``raises-exception``: the course shows an error on purpose

    def label(self) -> str:
        """``cell 12 (`serial_part = measured`)``: how feedback names a cell."""
        first = next((ln.strip() for ln in self.source.splitlines()
                      if ln.strip() and not ln.strip().startswith("#")), "")
        first = first if len(first) <= 40 else first[:39] + "…"
        return f"cell {self.number}" + (f" (`{first}`)" if first else "")


@dataclass(frozen=True)
class Submission:
    path: Path
    notebook: str  #: the course notebook it is a copy of, e.g. "01-multiprocessing"
    student: str
    cells: tuple[Cell, ...]  #: its code cells, in order
    note: str = ""  #: how it was recognised, when not by its notebook metadata


def course_notebook_names() -> list[str]:
    """The course's notebook ids (``00-setup``, ...), from ``notebooks/``."""
    from ..notebooks import course_notebooks

    return [p.stem for p in course_notebooks()]


def source(cell: dict) -> str:
    """A cell's source as one string (the file format may split it into lines)."""
    text = cell.get("source", "")
    return "".join(text) if isinstance(text, list) else str(text)


def master_cells(notebook: str) -> list[dict]:
    """The cells of the course's own notebook ``notebook`` (``notebooks/<notebook>.ipynb``).

    Read as plain JSON: importing nbformat costs seconds of CPU (its schema validator), once per worker.
    """
    from ..notebooks import NOTEBOOK_DIR

    path = NOTEBOOK_DIR / f"{notebook}.ipynb"
    return json.loads(path.read_text(encoding="utf-8"))["cells"] if path.is_file() else []


@functools.cache
def course_exercises(notebook: str) -> list[str]:
    """The exercise ids of a course notebook, in the order the course's own notebook has them."""
    from ..exercises import load_all

    registry = load_all()
    ordered: list[str] = []
    for cell in master_cells(notebook):
        meta = _meta(cell)
        if meta.get("exercise") in registry and meta["exercise"] not in ordered:
            ordered.append(meta["exercise"])
    prefix = notebook[:2] + "-"
    return ordered + sorted(i for i in registry if i.startswith(prefix) and i not in ordered)


def _meta(node: Any) -> dict:
    meta = node.get("metadata", {}) if isinstance(node, dict) else {}
    found = meta.get(KEY) if isinstance(meta, dict) else None
    return found if isinstance(found, dict) else {}


def student_id(path: Path, notebook: str | None = None, given: Any = None) -> str:
    """Whose submission: ``metadata.cs109par.student`` when set, else the file name without the notebook's
    name and number, else the folder's name (``alice/01-multiprocessing.ipynb``)."""
    if isinstance(given, str) and given.strip():
        return given.strip()
    rest = path.stem
    for name in [notebook] if notebook else course_notebook_names():
        if name in rest:
            rest = rest.replace(name, " ")
            break
        # only the notebook's number, at either end: 01-alice, alice_01
        rest = re.sub(rf"^{name[:2]}(?=[-_ ])|(?<=[-_ ]){name[:2]}$", " ", rest) if notebook else rest
    rest = rest.strip(" -_.")
    return rest or path.resolve().parent.name or path.stem


def read(path: Path) -> Submission:
    """Read and recognise one submission, or raise :class:`NotGradable` saying why it cannot be graded."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotGradable(f"cannot read the file: {exc.strerror or exc}") from exc
    if not raw.strip():
        raise NotGradable("empty file: nothing was handed in")
    if len(raw) > MAX_BYTES:
        raise NotGradable(f"{len(raw) / 2**20:.0f} MB: too big for a notebook (the limit is {MAX_BYTES // 2**20} MB)")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise NotGradable("not a notebook: the file is not text (a notebook is JSON)") from exc
    except json.JSONDecodeError as exc:
        where = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise NotGradable(f"not a notebook: not valid JSON ({where})") from exc
    if isinstance(data, dict) and data.get("nbformat") in (1, 2, 3):  # very old: let nbformat convert it
        try:
            import nbformat

            data = json.loads(nbformat.writes(nbformat.reads(raw.decode("utf-8"), as_version=4)))
        except Exception as exc:  # nbformat raises several kinds for broken files
            raise NotGradable(f"not a notebook Jupyter can open: {type(exc).__name__}: {exc}") from exc
    if not (isinstance(data, dict) and isinstance(data.get("cells"), list) and "nbformat" in data):
        raise NotGradable("not a notebook: JSON, but without the `cells` and `nbformat` of a Jupyter notebook")

    cells: list[Cell] = []
    for number, cell in enumerate(data["cells"], 1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = _meta(cell)
        exercise, role = meta.get("exercise"), meta.get("role")
        tags = cell.get("metadata", {}).get("tags", []) if isinstance(cell.get("metadata"), dict) else []
        cells.append(Cell(number, source(cell), exercise if isinstance(exercise, str) else "",
                          role if isinstance(role, str) else "", isinstance(tags, list) and "raises-exception" in tags))

    known = course_notebook_names()
    nb_meta = _meta(data)
    claimed, note = nb_meta.get("notebook"), ""
    if claimed not in known:
        if claimed:
            raise NotGradable(f"not a cs109par notebook: its metadata names the notebook {claimed!r}, which is none "
                              f"of this course's ({', '.join(known)})")
        prefixes = {c.exercise[:2] for c in cells if c.exercise}
        matches = [name for name in known if name[:2] in prefixes]
        if len(matches) != 1:
            raise NotGradable("not a cs109par notebook: no course id in its metadata (`cs109par.notebook`) and no "
                              "exercise ids of one course notebook in its cells; hand out the copies `make student` "
                              "writes, and ask students to keep working in them")
        claimed, note = matches[0], "recognised by its exercise cells: the notebook's own metadata was lost"
    return Submission(path, claimed, student_id(path, claimed, nb_meta.get("student")), tuple(cells), note)


def evaluation_points(cells: tuple[Cell, ...] | list[Cell], exercise_ids: list[str]) -> dict[str, tuple[int, str]]:
    """Where each exercise is graded: ``{id: (index into cells, why there)}``, index -1 meaning the end.

    Right after its solution cell (the last one, when the student duplicated it: the one that ran
    last); without one (deleted, or its metadata lost), after its last check cell; else at the end.

    >>> cells = [Cell(1, "x = 1", "01-a", "solution"), Cell(2, "x = 2", "01-a", "solution"), Cell(3, "check(x)")]
    >>> evaluation_points(cells, ["01-a", "01-b"])["01-a"]
    (1, 'after its exercise cell')
    >>> evaluation_points(cells, ["01-a", "01-b"])["01-b"]
    (-1, 'at the end of the notebook: no cell carries this exercise’s id')
    """
    points = {}
    for ex in exercise_ids:
        solutions = [i for i, c in enumerate(cells) if c.exercise == ex and c.role == "solution"]
        checks = [i for i, c in enumerate(cells) if c.exercise == ex and c.role == "check"]
        if solutions:
            points[ex] = (solutions[-1], "after its exercise cell")
        elif checks:
            points[ex] = (checks[-1], "after its check cell (no exercise cell carries this exercise’s id)")
        else:
            points[ex] = (-1, "at the end of the notebook: no cell carries this exercise’s id")
    return points


__all__ = ["KEY", "NotGradable", "Cell", "Submission", "course_notebook_names", "source", "master_cells",
           "course_exercises", "student_id", "read", "evaluation_points"]
