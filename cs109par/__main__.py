"""``python -m cs109par <command>``: the course's command line.

Commands: ``doctor`` (preflight checks), ``execute`` (run notebooks headless, in place),
``student`` (write gapped student copies of the notebooks), ``cluster`` (a Spark standalone
cluster on this machine: :mod:`cs109par.cluster.cli`), ``grade`` (grade submitted notebooks:
:mod:`cs109par.grading`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _doctor(args: argparse.Namespace) -> int:
    from . import doctor

    return doctor.main(["--no-spark"] if args.no_spark else [])


def _execute(args: argparse.Namespace) -> int:
    from . import notebooks

    return notebooks.main(args.notebooks)


def _student(args: argparse.Namespace) -> int:
    from .exercises.student import BACKUP_DIR, update_student_copies
    from .notebooks import course_notebooks

    paths = [Path(p) for p in args.notebooks] or course_notebooks()
    report = update_student_copies(paths, Path(args.out), force=args.force)
    for edited, backup in report.backups:
        print(f"saved your edited {edited} as {backup}")
    for out in report.written:
        print(f"wrote {out}")
    for out in report.kept:
        print(f"kept {out}: you have edited it, so it was not overwritten. To replace it with a fresh copy, run "
              f"`python -m cs109par student --force` (your copy is then moved to {Path(args.out) / BACKUP_DIR}/ "
              "first).")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m cs109par", description="cs109par course tools")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("doctor", help="check that this machine runs the course (Java, Spark, packages)")
    p.add_argument("--no-spark", action="store_true", help="skip starting a Spark session")
    p.set_defaults(func=_doctor)

    p = sub.add_parser("execute", help="execute notebooks headless, in place (default: all)")
    p.add_argument("notebooks", nargs="*", help="notebook paths (default: notebooks/[0-9][0-9]-*.ipynb)")
    p.set_defaults(func=_execute)

    p = sub.add_parser("student", help="write gapped copies of the notebooks (solutions replaced by stubs)")
    p.add_argument("notebooks", nargs="*", help="notebook paths (default: all course notebooks)")
    p.add_argument("--out", default="student", help="output folder (default: student/)")
    p.add_argument("--force", action="store_true",
                   help="also replace copies you have edited (each is moved to <out>/backups/ first)")
    p.set_defaults(func=_student)

    # The cluster command lives with the cluster code. Imported here, not guarded: a broken module
    # must fail loudly, not make the command vanish.
    from .cluster import cli as cluster_cli

    cluster_cli.register(sub)
    from .grading import cli as grading_cli

    grading_cli.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
