"""The grader (`python -m cs109par grade`) on a folder of planted submissions for notebooks 00 and 01: right,
stubbed and wrong answers, a renamed file, deleted, duplicated and moved check cells, a duplicated solution
cell, an answer that only worked thanks to a deleted cell (hidden state), a hidden case, an endless loop, two
ways to kill the kernel, Spark and a pool never stopped, and files that are not notebooks of this course.
Every row of grades.csv is pinned, and nothing any submission started may be left running.

The planted submissions are made here from the course's own notebooks (trimmed to the cells the exercises
need, so that each runs in seconds), plus the two worked-example submissions of the README (tests/data/).
"""

from __future__ import annotations

import copy
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from cs109par.exercises.student import student_notebook
from cs109par.grading import Options, grade
from cs109par.grading.sandbox import MARKER, Sandbox, marked
from cs109par.jvm import JavaError, find_java
from cs109par.notebooks import NOTEBOOK_DIR

# Starts kernels and Spark (tens of seconds): left out of `make unit`, run by `make test`.
pytestmark = pytest.mark.slow

try:
    find_java()
except JavaError as exc:  # pragma: no cover
    pytest.skip(f"no usable Java: {exc}", allow_module_level=True)

DATA = Path(__file__).resolve().parent / "data"
NB00, NB01 = "00-setup", "01-multiprocessing"
# Cell-level limits of the two batches: generous for the one that starts Spark (a busy machine), short for
# the one with the endless loop.
SLOW_CELL, FAST_CELL = 180, 6


def _course(name: str, *, with_sources: tuple[str, ...] = ()) -> nbformat.NotebookNode:
    """The course notebook ``name`` trimmed to its exercise cells (and the code cells containing any of
    ``with_sources``), outputs cleared: a master copy whose answers are the course's solutions."""
    nb = copy.deepcopy(nbformat.read(NOTEBOOK_DIR / f"{name}.ipynb", as_version=4))
    nb.cells = [c for c in nb.cells if c.cell_type == "code"
                and (c.metadata.get("cs109par") or any(s in c.source for s in with_sources))]
    for cell in nb.cells:
        cell.outputs, cell.execution_count = [], None
    return nb


def _cell(nb, exercise: str, role: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("cs109par", {}).get("exercise") == exercise
                and c.metadata["cs109par"].get("role") == role)


def _code(source: str, **metadata) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source, metadata=copy.deepcopy(metadata))


def _copy(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of a cell as Jupyter makes it (Edit > Copy, Paste): same source and metadata, a new cell id."""
    return _code(cell.source, **cell.metadata)


def _plant(folder: Path) -> tuple[list[Path], list[Path]]:
    """Write the planted submissions; ``(the batch with Spark, the batch with the endless loop and the bad files)``."""
    folder.mkdir()
    first, second = folder / "graded", folder / "bad"
    first.mkdir()
    second.mkdir()
    master01, master00 = _course(NB01), _course(NB00, with_sources=("session(",))
    chunk_sol = _cell(master01, "01-chunk-size", "solution")
    amdahl_sol, amdahl_check = _cell(master01, "01-amdahl", "solution"), _cell(master01, "01-amdahl", "check")
    rounds_down = "def chunk_size(n_items, n_chunks):\n    return n_items // n_chunks"

    def write(nb, where: Path, name: str) -> None:
        nbformat.write(nb, where / name)

    write(master01, first, f"alice-{NB01}.ipynb")                      # all correct
    write(student_notebook(master01), first, f"bob-{NB01}.ipynb")      # all stubs
    write(master01, first, "my homework (final).ipynb")                # renamed: recognised by its metadata
    carol = copy.deepcopy(master01)                                    # wrong answers; the last copy counts
    i = carol.cells.index(_cell(carol, "01-chunk-size", "solution"))
    carol.cells.insert(i + 1, _code(rounds_down, **chunk_sol.metadata))
    _cell(carol, "01-amdahl", "solution").source = "serial_part = 0.5\nspeedup_8 = 8.0"
    write(carol, first, f"carol-{NB01}.ipynb")
    dave = copy.deepcopy(master01)                                     # check cells deleted, duplicated, moved
    dave.cells = [_code(rounds_down, **chunk_sol.metadata), _copy(chunk_sol), amdahl_check, amdahl_sol,
                  _copy(amdahl_check)]
    write(dave, first, f"dave-{NB01}.ipynb")
    # Hidden state: `measured` came from a cell the student ran, then deleted. The saved notebook still shows
    # the check's "Correct!" from that session; after a restart the exercise cell raises NameError.
    erin = copy.deepcopy(master01)
    erin_sol = _cell(erin, "01-amdahl", "solution")
    erin_sol.source = "serial_part = measured\nspeedup_8 = 1 / (serial_part + (1 - serial_part) / 8)"
    erin_sol.execution_count = 4
    erin_check = _cell(erin, "01-amdahl", "check")
    erin_check.execution_count = 5
    erin_check.outputs = [nbformat.v4.new_output("stream", name="stdout", text="Correct!\n")]
    write(erin, first, f"erin-{NB01}.ipynb")
    for example in sorted((DATA / "submissions").glob("*.ipynb")):      # the README's worked example
        shutil.copy(example, first / example.name)
    hank = copy.deepcopy(master00)                                     # Spark and a pool, never stopped
    hank.cells.insert(1, _code("from multiprocessing import Pool\n\npool = Pool(2)"))
    write(hank, first, f"hank-{NB00}.ipynb")
    ivan = copy.deepcopy(master00)                                     # SIGKILLs its kernel mid-notebook
    ivan.cells.insert(ivan.cells.index(_cell(ivan, "00-cores", "check")) + 1,
                      _code("import os\n\nos.kill(os.getpid(), 9)"))
    write(ivan, first, f"ivan-{NB00}.ipynb")

    gina = copy.deepcopy(master01)                                     # an endless loop in an exercise cell
    _cell(gina, "01-chunk-size", "solution").source = "while True:\n    pass\n\n" + chunk_sol.source
    write(gina, second, f"gina-{NB01}.ipynb")
    jack = copy.deepcopy(master01)                                     # os._exit between the exercises
    jack.cells.insert(jack.cells.index(_cell(jack, "01-amdahl", "solution")), _code("import os\n\nos._exit(1)"))
    write(jack, second, f"jack-{NB01}.ipynb")
    (second / "notes.ipynb").write_text("my answers: 2 and 0.2\n")
    (second / "empty.ipynb").write_text("")
    (second / "scores.ipynb").write_text(json.dumps({"alice": 4}))
    write(nbformat.v4.new_notebook(cells=[_code("x = 1")]), second, "other-course.ipynb")
    return sorted(first.iterdir()), sorted(second.iterdir())


# (file, exercise) -> (verdict, points)
EXPECTED = {
    (f"alice-{NB01}.ipynb", "01-chunk-size"): ("correct", 2), (f"alice-{NB01}.ipynb", "01-amdahl"): ("correct", 2),
    (f"bob-{NB01}.ipynb", "01-chunk-size"): ("unanswered", 0), (f"bob-{NB01}.ipynb", "01-amdahl"): ("unanswered", 0),
    (f"carol-{NB01}.ipynb", "01-chunk-size"): ("wrong", 0), (f"carol-{NB01}.ipynb", "01-amdahl"): ("wrong", 0),
    (f"dave-{NB01}.ipynb", "01-chunk-size"): ("correct", 2), (f"dave-{NB01}.ipynb", "01-amdahl"): ("correct", 2),
    (f"erin-{NB01}.ipynb", "01-chunk-size"): ("correct", 2), (f"erin-{NB01}.ipynb", "01-amdahl"): ("wrong", 0),
    ("my homework (final).ipynb", "01-chunk-size"): ("correct", 2),
    ("my homework (final).ipynb", "01-amdahl"): ("correct", 2),
    (f"ada-{NB01}.ipynb", "01-chunk-size"): ("correct", 2), (f"ada-{NB01}.ipynb", "01-amdahl"): ("correct", 2),
    (f"ben-{NB01}.ipynb", "01-chunk-size"): ("wrong", 0), (f"ben-{NB01}.ipynb", "01-amdahl"): ("wrong", 0),
    (f"hank-{NB00}.ipynb", "00-cores"): ("correct", 1), (f"hank-{NB00}.ipynb", "00-spark-sum"): ("correct", 1),
    (f"ivan-{NB00}.ipynb", "00-cores"): ("correct", 1), (f"ivan-{NB00}.ipynb", "00-spark-sum"): ("kernel-died", 0),
    (f"gina-{NB01}.ipynb", "01-chunk-size"): ("timeout", 0), (f"gina-{NB01}.ipynb", "01-amdahl"): ("correct", 2),
    (f"jack-{NB01}.ipynb", "01-chunk-size"): ("correct", 2), (f"jack-{NB01}.ipynb", "01-amdahl"): ("kernel-died", 0),
    ("notes.ipynb", ""): ("invalid", 0), ("empty.ipynb", ""): ("invalid", 0), ("scores.ipynb", ""): ("invalid", 0),
    ("other-course.ipynb", ""): ("invalid", 0),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Both batches graded: ``(rows of both grades.csv files, the first batch's Graded list, output folder, what
    the command printed for the second batch)``."""
    root = tmp_path_factory.mktemp("grading")
    first, second = _plant(root / "submissions")
    out = root / "out"
    start = time.monotonic()
    result = grade(first, out / "first", jobs=2, options=Options(timeout=600, cell_timeout=SLOW_CELL),
                   hidden=DATA / "hidden.yml", echo=print)
    printed = subprocess.run([sys.executable, "-m", "cs109par", "grade", *map(str, second), "--out",
                              str(out / "second"), "--jobs", "2", "--cell-timeout", str(FAST_CELL)],
                             capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    print(f"both batches graded in {time.monotonic() - start:.0f} s")
    assert printed.returncode == 0, printed.stdout + printed.stderr
    rows = []
    for batch in ("first", "second"):
        text = (out / batch / "grades.csv").read_text(encoding="utf-8")
        print(text)
        rows += list(csv.DictReader(text.splitlines()))
    return rows, result, out, printed.stdout


def test_every_row_of_the_grades_file_has_the_expected_verdict_and_points(graded):
    rows, _, _, _ = graded
    got = {(Path(r["submission"]).name, r["exercise"]): (r["verdict"], int(r["points"])) for r in rows}
    assert got == EXPECTED
    for r in rows:
        assert int(r["max_points"]) == {"00": 1, "01": 2}.get(r["exercise"][:2], 0)
        assert r["student"] == Path(r["submission"]).stem.replace(f"-{NB00}", "").replace(f"-{NB01}", "")
        assert r["notebook"] == {"00": NB00, "01": NB01}.get(r["exercise"][:2], "")
        assert r["verdict"] == "correct" or r["hint"], f"a row without a reason: {r}"


def test_an_answer_that_needs_a_deleted_cell_fails_as_after_restart_and_run_all(graded):
    rows, _, _, _ = graded
    [erin] = [r for r in rows if r["submission"].endswith(f"erin-{NB01}.ipynb") and r["exercise"] == "01-amdahl"]
    assert erin["mistake"] == "not-defined"
    assert "NameError" in erin["hint"] and "measured" in erin["hint"] and "Restart the kernel" in erin["hint"]


def test_bad_files_get_a_row_that_says_why_and_the_batch_goes_on(graded):
    rows, _, _, printed = graded
    reasons = {Path(r["submission"]).name: r["hint"] for r in rows if r["verdict"] in ("invalid", "timeout",
                                                                                        "kernel-died")}
    assert reasons["notes.ipynb"].startswith("not a notebook: not valid JSON")
    assert reasons["empty.ipynb"].startswith("empty file")
    assert "without the `cells`" in reasons["scores.ipynb"]
    assert reasons["other-course.ipynb"].startswith("not a cs109par notebook")
    assert f"longer than {FAST_CELL:g} s and was interrupted" in reasons[f"gina-{NB01}.ipynb"]
    assert "exit code 1" in reasons[f"jack-{NB01}.ipynb"]
    assert "signal 9" in reasons[f"ivan-{NB00}.ipynb"]
    assert "graded 2 of 6 submissions" in printed and "4 could not be graded" in printed


def test_feedback_says_a_hidden_case_failed_but_never_which(graded):
    rows, _, out, _ = graded
    [ben] = [r for r in rows if r["submission"].endswith(f"ben-{NB01}.ipynb") and r["exercise"] == "01-chunk-size"]
    assert ben["mistake"] == "hidden-case" and "hidden case 1 of 2" in ben["hint"]
    feedback = (out / "first" / "feedback" / f"ben-{NB01}.md").read_text(encoding="utf-8")
    assert "hidden case 1 of 2" in feedback and "0 of 4 points" in feedback
    for secret in ("[0, 4]", "(0, 4)", "1000001", "1001"):
        assert secret not in feedback and secret not in ben["hint"]
    assert len(list((out / "first" / "feedback").glob("*.md"))) == 10  # one per submission


def test_nothing_a_submission_started_is_left_running(graded):
    _, result, _, _ = graded
    by_name = {Path(g.submission).name: g for g in result}
    # The check below is not vacuous: the grader found (and stopped) what these two left behind.
    assert by_name[f"hank-{NB00}.ipynb"].leftovers >= 3, "Spark's JVM and two pool workers were left running"
    assert by_name[f"ivan-{NB00}.ipynb"].leftovers >= 1, "Spark's JVM outlived the killed kernel"
    assert by_name[f"alice-{NB01}.ipynb"].leftovers == 0
    left = marked("")
    assert not left, f"still running after grading: {[(p.pid, p.cmdline()) for p in left]}"


def test_a_kernel_gets_a_clean_environment_its_own_folder_and_a_memory_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTRUCTOR_TOKEN", "secret")
    probe = ("__import__('json').dumps({'env': dict(__import__('os').environ), 'cwd': __import__('os').getcwd(), "
             "'data': __import__('resource').getrlimit(__import__('resource').RLIMIT_DATA)[0]})")
    with Sandbox(tmp_path, "test-sandbox/", memory_gib=2) as box:
        box.start()
        answer = box.run("", 30, {"probe": probe}).expressions["probe"]["data"]["text/plain"]
        big = box.run("block = bytearray(3 * 2**30)", 30)
    seen = json.loads(eval(answer))
    assert "INSTRUCTOR_TOKEN" not in seen["env"] and "secret" not in json.dumps(seen["env"])
    assert seen["env"]["HOME"] == str(tmp_path) and os.path.samefile(seen["cwd"], tmp_path)
    assert seen["env"][MARKER] == "test-sandbox/" and seen["data"] == 2 * 2**30
    assert big.status == "error" and "MemoryError" in big.message
    assert not marked("test-sandbox/")
