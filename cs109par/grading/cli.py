"""``python -m cs109par grade SUBMISSION...``: the grading command (see :mod:`cs109par.grading`)."""

from __future__ import annotations

import argparse
import os
import sys

from .run import Options
from .sandbox import MEMORY_GIB

DESCRIPTION = """\
Grade students' copies of the course notebooks with the course's own checkers.

Each submission (a notebook file, or every .ipynb in a folder) is recognised by its metadata, whatever
its file name; run top to bottom in a fresh kernel in its own temporary folder; and each exercise is
checked right after its exercise cell ran, plus the hidden cases of --hidden. Writes OUT/grades.csv
(one row per submission and exercise) and OUT/feedback/<student>-<notebook>.md.

SECURITY: this runs the students' code. Each kernel gets a clean environment (an allow-list, not
yours), its own temporary folder as HOME and working folder, a memory limit per process and the
timeouts below, and everything it starts (Spark, pools, engines, clusters) is stopped afterwards.
But the code runs as your user, with your files and your network: grade in a container or a
throwaway account, never in your own account with your credentials around.
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("grade", help="grade submitted notebooks (runs untrusted student code: see --help)",
                       description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    defaults = Options()
    p.add_argument("submissions", nargs="+", help="notebook files, or folders of them")
    p.add_argument("--out", default="grades", help="folder for grades.csv and feedback/ (default: grades/)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="submissions graded at the same time (default: the number of cores)")
    p.add_argument("--timeout", type=float, default=defaults.timeout,
                   help=f"seconds for one whole submission (default: {defaults.timeout:g})")
    p.add_argument("--cell-timeout", type=float, default=defaults.cell_timeout,
                   help=f"seconds for one cell, and for checking one exercise (default: {defaults.cell_timeout:g})")
    p.add_argument("--hidden", metavar="FILE",
                   help="YAML file of hidden cases, kept outside what students get (format: cs109par.grading.hidden)")
    p.add_argument("--memory", type=float, default=MEMORY_GIB, metavar="GIB",
                   help=f"memory limit of each process a submission starts, in GiB (default: {MEMORY_GIB:g})")
    p.set_defaults(func=_grade)


def _grade(args: argparse.Namespace) -> int:
    from . import HiddenCasesError, grade, submissions_from

    if not submissions_from(args.submissions):
        print("cs109par grade: no notebooks found in the folders given", file=sys.stderr)
        return 2
    options = Options(timeout=args.timeout, cell_timeout=args.cell_timeout, memory_gib=args.memory)
    try:
        grade(args.submissions, args.out, jobs=args.jobs, options=options, hidden=args.hidden,
              echo=lambda line: print(line, flush=True))
    except HiddenCasesError as exc:
        print(f"cs109par grade: {exc}", file=sys.stderr)
        return 2
    return 0
