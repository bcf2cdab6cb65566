"""Planted answers for the exercises of notebook 08: the master solution (read from the notebook's solution
cell) passes, the student stub gets the stub hint, each common wrong answer gets its own ``mistake`` and is
never called correct, and a right answer written another way passes. No Spark needed: the checkers test
functions on task rows and numbers of their own."""

from __future__ import annotations

import textwrap

import nbformat
import pytest

from cs109par.exercises import REGISTRY, Verdict, load_all
from cs109par.exercises import nb08 as checks
from cs109par.exercises.student import stub_source
from cs109par.notebooks import NOTEBOOK_DIR

load_all()
NOTEBOOK = NOTEBOOK_DIR / "08-iterative-jobs.ipynb"


def solution_source(exercise_id: str) -> str:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    [cell] = [c for c in nb.cells if c.metadata.get("cs109par", {}).get("exercise") == exercise_id
              and c.metadata["cs109par"]["role"] == "solution"]
    return cell.source


def evaluate(exercise_id: str, source: str) -> Verdict:
    """Run ``source`` (an answer cell) in a fresh namespace; the checker's verdict on its answers."""
    ns: dict = {}
    exec(compile(textwrap.dedent(source), f"<{exercise_id}>", "exec"), ns)
    return REGISTRY[exercise_id].evaluate(*[ns[name] for name in REGISTRY[exercise_id].answers])


def assert_cases(exercise_id: str, wrong: dict[str, str], right: list[str]) -> None:
    master = evaluate(exercise_id, solution_source(exercise_id))
    assert master.ok, master
    stub = evaluate(exercise_id, stub_source(solution_source(exercise_id)))
    assert not stub.ok and stub.mistake in ("unanswered", "returns-nothing"), stub
    assert len(wrong) >= 3
    for mistake, source in wrong.items():
        verdict = evaluate(exercise_id, source)
        assert not verdict.ok and verdict.mistake == mistake, (mistake, verdict)
        assert verdict.hint and "Traceback" not in verdict.hint and "\n" not in verdict.hint
    for source in right:
        verdict = evaluate(exercise_id, source)
        assert verdict.ok, (source, verdict)


def test_08_checkpoint_dir():
    assert_cases("08-checkpoint-dir", wrong={
        "local-path": "checkpoint_dir = '/tmp/checkpoints'",
        "relative-path": "checkpoint_dir = 'checkpoints'",
        "file-scheme": "checkpoint_dir = 'file:///user/cs109/checkpoints'",
        "web-url": "checkpoint_dir = 'http://namenode:9870/user/cs109/checkpoints'",
        "no-folder": "checkpoint_dir = 'hdfs://namenode:8020'",
        "wrong-type": "from pathlib import Path; checkpoint_dir = Path('/user/cs109/checkpoints')",
        "unknown-scheme": "checkpoint_dir = 'ftp://namenode/user/cs109/checkpoints'",
    }, right=[
        "checkpoint_dir = 'hdfs:///user/cs109/checkpoints'",            # the cluster's default name node
        "checkpoint_dir = 's3a://cs109-bucket/pagerank/checkpoints'",   # an object store every machine reads
    ])


def test_08_rebuild_count():
    assert_cases("08-rebuild-count", wrong={
        "counts-current": """
            def iterations_to_rebuild(n, every):
                return n if every is None else n % every
        """,
        "counts-checkpointed": """
            def iterations_to_rebuild(n, every):
                return n - 1 if every is None else (n - 1) % every + 1
        """,
        "ignores-checkpoint": """
            def iterations_to_rebuild(n, every):
                return n - 1
        """,
        "first-checkpoint": """
            def iterations_to_rebuild(n, every):
                if every is None or n - 1 < every:
                    return n - 1
                return n - 1 - every
        """,
        "no-checkpoint": """
            def iterations_to_rebuild(n, every):
                return (n - 1) % every
        """,
        "wrong-type": """
            def iterations_to_rebuild(n, every):
                return str(n - 1 if every is None else (n - 1) % every)
        """,
    }, right=["""
        def iterations_to_rebuild(n, every):
            if not every:
                return n - 1
            last_checkpoint = (n - 1) // every * every
            return n - 1 - last_checkpoint
    """])


def test_08_redone_tasks():
    assert_cases("08-redone-tasks", wrong={
        "run-only": """
            def redone(tasks, iteration):
                return sum(1 for t in tasks if t["run"] > 0)
        """,
        "attempt-restarts": """
            def redone(tasks, iteration):
                return sum(1 for t in tasks if t["iteration"] < iteration or t["attempt"] > 0)
        """,
        "failed-only": """
            def redone(tasks, iteration):
                return sum(1 for t in tasks if t["status"] != "SUCCESS")
        """,
        "rebuilt-only": """
            def redone(tasks, iteration):
                return len([t for t in tasks if t["iteration"] < iteration])
        """,
        "partitions-not-attempts": """
            def redone(tasks, iteration):
                return len({(t["stage"], t["partition"]) for t in tasks if t["iteration"] < iteration or t["run"]})
        """,
        "all-tasks": """
            def redone(tasks, iteration):
                return len(tasks)
        """,
    }, right=["""
        from collections import Counter

        def redone(tasks, iteration):
            # every attempt of an earlier iteration's stage, plus each extra run of a (stage, partition)
            earlier = sum(t["iteration"] < iteration for t in tasks)
            runs = Counter((t["stage"], t["partition"]) for t in tasks if t["iteration"] == iteration)
            return earlier + sum(n - 1 for n in runs.values())
    """])


@pytest.mark.parametrize("case", checks.REBUILD_CASES)
def test_rebuild_reference_matches_the_measured_runs_of_section_7(case):
    n, every = case
    if case == (5, 3):  # a checkpoint after iteration 3: iteration 4 is rebuilt
        assert checks.iterations_to_rebuild_reference(n, every) == 1
    if case == (5, None):  # no checkpoint: iterations 1..4
        assert checks.iterations_to_rebuild_reference(n, every) == 4
    assert 0 <= checks.iterations_to_rebuild_reference(n, every) < n


def test_every_slip_of_each_exercise_gives_another_answer_than_the_reference():
    for _mistake, slip, _hint in checks._REBUILD_SLIPS:
        assert any(slip(*case) != checks.iterations_to_rebuild_reference(*case) for case in checks.REBUILD_CASES)
    expected = [checks.redone_reference(t, i) for t, i in checks.REDONE_CASES]
    for _mistake, slip, _hint in checks._REDONE_SLIPS:
        assert [slip(t, i) for t, i in checks.REDONE_CASES] != expected
