"""The grader's parts that need no kernel: recognising a submission (by metadata, never by file name),
where each exercise is checked, whose it is, the hidden cases file, the kernel's environment, the reports.
tests/test_grading.py grades real submissions end to end."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from cs109par.exercises import load_all
from cs109par.exercises.student import write_student_copies
from cs109par.grading import hidden, report, submission
from cs109par.grading.run import Graded, Result
from cs109par.grading.sandbox import MARKER, kernel_environment
from cs109par.notebooks import course_notebooks

DATA = Path(__file__).resolve().parent / "data"
NOTEBOOKS = course_notebooks()


def test_student_copies_keep_every_exercise_id_and_the_notebook_id_so_the_grader_finds_them(tmp_path):
    registry = load_all()
    for path, copy in zip(NOTEBOOKS, write_student_copies(NOTEBOOKS, tmp_path)):
        original = nbformat.read(path, as_version=4)
        student = nbformat.read(copy, as_version=4)
        assert student.metadata["cs109par"]["notebook"] == original.metadata["cs109par"]["notebook"] == path.stem
        ids = [c.metadata.get("cs109par") for c in original.cells]
        assert [c.metadata.get("cs109par") for c in student.cells] == ids, f"{copy.name} lost exercise metadata"
        read = submission.read(copy)
        exercises = submission.course_exercises(read.notebook)
        assert read.notebook == path.stem and not read.note
        assert exercises and all(e in registry for e in exercises)
        for exercise, (index, why) in submission.evaluation_points(read.cells, exercises).items():
            assert why == "after its exercise cell" and read.cells[index].exercise == exercise


def _notebook(tmp_path: Path, name: str, *, notebook_id: str | None = "01-multiprocessing",
              cells: list | None = None) -> Path:
    nb = nbformat.v4.new_notebook(cells=cells or [])
    if notebook_id:
        nb.metadata["cs109par"] = {"notebook": notebook_id}
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_a_submission_is_recognised_by_its_metadata_not_its_file_name(tmp_path):
    assert submission.read(_notebook(tmp_path, "Untitled (3).ipynb")).notebook == "01-multiprocessing"
    with pytest.raises(submission.NotGradable, match="not a cs109par notebook: its metadata names"):
        submission.read(_notebook(tmp_path, "01-multiprocessing.ipynb", notebook_id="99-other"))
    with pytest.raises(submission.NotGradable, match="not a cs109par notebook: no course id"):
        submission.read(_notebook(tmp_path, "01-multiprocessing-x.ipynb", notebook_id=None,
                                  cells=[nbformat.v4.new_code_cell("x = 1")]))
    # Cells pasted into a new notebook: the exercise ids still say which notebook it is.
    pasted = nbformat.v4.new_code_cell("cores = 2", metadata={"cs109par": {"exercise": "00-cores", "points": 1,
                                                                           "role": "solution"}})
    found = submission.read(_notebook(tmp_path, "mine.ipynb", notebook_id=None, cells=[pasted]))
    assert found.notebook == "00-setup" and "metadata was lost" in found.note


@pytest.mark.parametrize("content, reason", [
    (b"", "empty file"),
    (b"   \n", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "not a notebook: the file is not text"),
    (b"my answers: 2 and 0.2", "not a notebook: not valid JSON (Expecting value at line 1, column 1)"),
    (b'{"cells": [', "not a notebook: not valid JSON"),
    (b'{"alice": 4}', "not a notebook: JSON, but without the `cells`"),
    (b"[1, 2]", "not a notebook: JSON, but without the `cells`"),
])
def test_a_file_that_is_not_a_notebook_gets_the_reason(tmp_path, content, reason):
    path = tmp_path / "hand-in.ipynb"
    path.write_bytes(content)
    with pytest.raises(submission.NotGradable) as err:
        submission.read(path)
    assert str(err.value).startswith(reason)


def test_the_student_id_comes_from_metadata_then_the_file_name_then_the_folder():
    nb01 = "01-multiprocessing"
    assert submission.student_id(Path("x.ipynb"), nb01, given="s1234") == "s1234"
    assert submission.student_id(Path("alice_01-multiprocessing.ipynb"), nb01) == "alice"
    assert submission.student_id(Path("01-alice.ipynb"), nb01) == "alice"
    assert submission.student_id(Path("hand-ins/bob/01-multiprocessing.ipynb"), nb01) == "bob"
    assert submission.student_id(Path("my homework (final).ipynb"), nb01) == "my homework (final)"
    assert submission.student_id(Path("carol-01-multiprocessing.ipynb")) == "carol"  # notebook not known yet


def test_each_exercise_is_checked_after_its_last_solution_cell_else_its_check_cell_else_at_the_end():
    Cell = submission.Cell
    cells = [Cell(1, "a = 1", "01-a", "solution"), Cell(2, "check(a)", "01-a", "check"),
             Cell(3, "a = 2", "01-a", "solution"),                         # a duplicate: the last one counts
             Cell(4, "check(b)", "01-b", "check"), Cell(5, "b = 1"),       # solution cell retyped: no metadata
             Cell(6, "check(b)", "01-b", "check")]                         # a duplicated check cell
    points = submission.evaluation_points(cells, ["01-a", "01-b", "01-c"])
    assert points["01-a"] == (2, "after its exercise cell")
    assert points["01-b"][0] == 5 and points["01-b"][1].startswith("after its check cell")
    assert points["01-c"][0] == -1


def test_hidden_cases_without_an_expected_value_get_the_course_solutions_answer():
    cases = hidden.load(DATA / "hidden.yml")
    assert [(c.answer, c.args, c.expected) for c in cases["01-chunk-size"]] == [
        ("chunk_size", (0, 4), 0), ("chunk_size", (1000001, 1000), 1001)]


@pytest.mark.parametrize("text, message", [
    ("99-nothing:\n  - args: [1]\n", "no such exercise"),
    ("01-chunk-size: 3\n", "expected a list of cases"),
    ("01-chunk-size:\n  - argz: [1, 2]\n", "unknown keys: ['argz']"),
    ("01-chunk-size:\n  - args: [1, 2]\n    answer: nope\n", "is not one of"),
    ("01-amdahl:\n  - args: []\n", "is not a function"),
    ("[1, 2]\n", "expected a mapping"),
])
def test_a_bad_hidden_cases_file_is_refused_with_the_exercise_and_the_fix(tmp_path, text, message):
    path = tmp_path / "hidden.yml"
    path.write_text(text)
    with pytest.raises(hidden.HiddenCasesError, match=message.replace("[", r"\[").replace("]", r"\]")):
        hidden.load(path)


def test_a_failed_hidden_case_is_reported_without_its_arguments_or_expected_value():
    cases = [hidden.Case("f", (123456, 7), 17637), hidden.Case("f", (5, 0), 0)]
    assert hidden.failure_hint([{"value": 17637}, {"value": 0}], cases) is None
    for results in ([{"value": 17636}, {"value": 0}], [{"error": "ZeroDivisionError"}, {"value": 0}]):
        hint = hidden.failure_hint(results, cases)
        assert hint and "hidden case 1 of 2" in hint
        assert not any(secret in hint for secret in ("123456", "17637", "17636"))
    assert "raised ZeroDivisionError" in hidden.failure_hint([{"value": 17637}, {"error": "ZeroDivisionError"}],
                                                             cases)


def test_a_kernel_gets_only_the_allow_listed_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "do-not-leak")
    monkeypatch.setenv("CS109PAR_SPARK_MASTER", "spark://instructor-cluster:7077")
    env = kernel_environment(tmp_path, "batch/1/")
    assert "AWS_SECRET_ACCESS_KEY" not in env and "CS109PAR_SPARK_MASTER" not in env
    assert "do-not-leak" not in json.dumps(env)
    assert env["HOME"] == str(tmp_path) and env["TMPDIR"] == str(tmp_path / "tmp") and env[MARKER] == "batch/1/"
    assert str(Path(sys.executable).parent) in env["PATH"].split(os.pathsep)


def test_the_reports_have_one_row_per_submission_and_exercise_and_say_why_a_file_was_not_graded(tmp_path):
    good = Graded("hand-ins/ada.ipynb", "ada", "01-multiprocessing",
                  [Result("01-chunk-size", 2, 2, "correct"), Result("01-amdahl", 0, 2, "wrong", "a hint", "off",
                                                                     "the way")])
    bad = Graded("hand-ins/x.ipynb", "x", results=[Result("", 0, 0, "invalid", "empty file")], note="empty file")
    path = report.write_csv([good, bad], tmp_path / "grades.csv")
    rows = list(csv.DictReader(path.read_text().splitlines()))
    assert list(rows[0]) == list(report.COLUMNS) and len(rows) == 3
    assert rows[2]["verdict"] == "invalid" and rows[2]["hint"] == "empty file"
    text = report.feedback(good)
    assert "2 of 4 points" in text and "a hint" in text and "The way: the way" in text
    assert "could not be graded: empty file" in report.feedback(bad)
    assert [p.name for p in report.write_feedback([good, good], tmp_path / "fb")] == [
        "ada-01-multiprocessing.md", "ada-01-multiprocessing-2.md"]


def test_the_grade_command_warns_that_it_runs_untrusted_code_and_refuses_a_bad_hidden_file(tmp_path):
    cmd = [sys.executable, "-m", "cs109par", "grade"]
    helptext = subprocess.run([*cmd, "--help"], capture_output=True, text=True, timeout=60).stdout
    assert "untrusted" in helptext.lower() or "runs the students' code" in helptext
    assert "container or a" in helptext and "throwaway account" in helptext
    bad = tmp_path / "hidden.yml"
    bad.write_text("99-nothing:\n  - args: []\n")
    proc = subprocess.run([*cmd, str(DATA / "submissions"), "--hidden", str(bad), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert proc.returncode == 2 and "no such exercise" in proc.stderr and not (tmp_path / "o").exists()
