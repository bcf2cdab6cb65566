"""Grading: an instructor hands out gapped notebooks (``make student``), collects them, and grades them in
one command, with the course's own checkers::

    python -m cs109par grade submissions/*.ipynb --hidden ~/hidden.yml --out grades

Each submission is recognised by its metadata (not its file name), run top to bottom in a fresh,
sandboxed kernel (restart-and-run-all: hidden state cannot pass), and each exercise is checked right
after its solution cell ran, by ``REGISTRY[id].evaluate`` plus the instructor's hidden cases. Out come
``grades.csv`` (one row per submission and exercise) and one feedback file per submission. A bad file
(not a notebook, another course's, an endless loop, a cell that kills its kernel) gets a row with the
reason; it never stops the batch.

Modules, one job each: :mod:`.submission` (reading and recognising a file, where each exercise is
checked), :mod:`.sandbox` (the kernel: clean environment, memory limit, timeouts, stopping what it
started), :mod:`.inkernel` (what runs in the student's kernel), :mod:`.hidden` (the hidden cases file),
:mod:`.run` (one submission), :mod:`.batch` (many, in parallel), :mod:`.report` (CSV and feedback),
:mod:`.cli` (the command).

Student code is untrusted: the sandbox fences off accidents (loops, memory, leftover JVMs, the
instructor's environment variables), but the code runs as the grader's user. Grade in a container or a
throwaway account.
"""

from __future__ import annotations

from .batch import grade, submissions_from
from .hidden import HiddenCasesError
from .run import VERDICTS, Graded, Options, Result

__all__ = ["grade", "submissions_from", "HiddenCasesError", "VERDICTS", "Graded", "Options", "Result"]
