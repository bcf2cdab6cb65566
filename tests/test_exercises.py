"""The exercise mechanism: checkers hint instead of raising; student copies hide every solution."""

from __future__ import annotations

import contextlib
import io
import os

import nbformat
import pytest

from cs109par.exercises import NOT_YET, REGISTRY, check_cases, exercise, load_all, reset_tries
from cs109par.exercises.student import is_solution, solution_lines, stub_source, student_notebook, write_student_copies
from cs109par.notebooks import NOTEBOOK_DIR, course_notebooks

NOTEBOOKS = course_notebooks()


def test_checkers_print_a_hint_instead_of_raising_on_wrong_answers(capsys):
    @exercise("99-demo", answers=("f",))
    def check_demo(f):
        return check_cases(f, [((1,), 1)], "return its argument")

    try:
        assert not check_demo(lambda x: 1 / 0)
        assert not check_demo(lambda x: x + "")  # the checker's call raises: a hint, no traceback
        assert not check_demo(3)
    finally:
        del REGISTRY["99-demo"]
    out = capsys.readouterr().out
    assert out.count(NOT_YET) == 3 and "Traceback" not in out
    assert "ZeroDivisionError" in out and "define the function" in out


def test_checkers_treat_the_stub_values_as_unanswered(capsys):
    from cs109par.exercises import nb00, nb01

    assert not nb00.check_cores(...)
    assert not nb01.check_amdahl(0.2, ...)
    assert not nb01.check_chunk_size(lambda n, k: None)
    out = capsys.readouterr().out
    assert out.count("Not yet:") == 3 and out.count("replace the `...`") == 3


def test_the_recipe_comes_only_on_a_later_wrong_try(capsys):
    from cs109par.exercises import nb01

    reset_tries()
    nb01.check_chunk_size(lambda n, k: n // k)
    first = capsys.readouterr().out
    nb01.check_chunk_size(lambda n, k: n // k)
    second = capsys.readouterr().out
    assert "rounds down" in first and "The way:" not in first
    assert "The way:" in second and "-(-n_items // n_chunks)" in second
    reset_tries()


def test_every_exercise_in_every_notebook_has_an_id_points_and_one_checker():
    registry = load_all()
    seen: dict[str, str] = {}
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert nb.metadata.get("cs109par", {}).get("notebook") == path.stem, f"{path.name}: no course id in metadata"
        for cell in nb.cells:
            meta = cell.metadata.get("cs109par")
            if is_solution(cell):
                assert meta and meta.get("role") == "solution", f"{path.name}: a solution cell without an exercise id"
            if not meta:
                continue
            ex = registry.get(meta["exercise"])
            assert ex is not None, f"{path.name}: {meta['exercise']} has no checker"
            assert meta["points"] == ex.points and ex.id.startswith(path.stem[:2])
            if meta["role"] == "check":
                assert ex.id not in seen, f"{ex.id} is checked in {seen.get(ex.id)} and {path.name}"
                seen[ex.id] = path.name
                names = ", ".join(ex.answers)
                assert "check_" in cell.source and f"({names})" in cell.source, f"{ex.id}: check cell {cell.source!r}"
    assert set(seen) == set(registry), f"checkers no notebook uses: {set(registry) - set(seen)}"


def test_stub_keeps_names_and_signatures_but_no_answer():
    src = ("import os\n### BEGIN SOLUTION\ndef f(a, b):\n    return a + b\nn = os.cpu_count()\n"
           "### END SOLUTION\nprint(1)")
    assert stub_source(src) == ("import os\ndef f(a, b):\n    ...  # your code here\nn = ...  # your answer here\n"
                                "print(1)")
    assert stub_source("total = sum(\n    range(3)\n)") == "total = ...  # your answer here"
    assert stub_source("print('hi')") == "...  # your code here"


def test_stub_rejects_unbalanced_markers():
    with pytest.raises(ValueError, match="never closed"):
        stub_source("### BEGIN SOLUTION\nx = 1")
    with pytest.raises(ValueError, match="without"):
        stub_source("x = 1\n### END SOLUTION")


def test_every_notebook_has_exercises_with_hidden_solutions():
    assert NOTEBOOKS, "no course notebooks found"
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        solutions = [c for c in nb.cells if is_solution(c)]
        assert solutions, f"{path.name} has no exercise (no cell tagged 'solution')"
        for cell in solutions:
            assert cell.metadata.get("jupyter", {}).get("source_hidden") is True, f"{path.name}: solution not collapsed"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_student_copy_is_valid_has_no_solution_code_and_its_checks_give_hints(path, tmp_path):
    [copy] = write_student_copies([path], tmp_path)
    student = nbformat.read(copy, as_version=4)
    nbformat.validate(student)
    original = nbformat.read(path, as_version=4)
    student_code = "\n".join(c.source for c in student.cells if c.cell_type == "code")
    for cell in original.cells:
        if is_solution(cell):
            kept = {ln.strip() for ln in stub_source(cell.source).splitlines()}  # signatures the stub keeps
            for line in solution_lines(cell.source):
                if line in kept or ("=" in line and line.split("=", 1)[1].strip() in ("", "...")):
                    continue
                assert line not in student_code, f"{path.name}: solution line leaked: {line}"
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    # Each stub followed by its check cell runs on its own and prints a hint, not a traceback.
    cells = student.cells
    for i, cell in enumerate(cells):
        if "exercise" not in cell.metadata.get("tags", []):
            continue
        check_cell = next(c for c in cells[i + 1 :] if c.cell_type == "code")
        namespace: dict = {}
        out = io.StringIO()
        cwd = os.getcwd()
        os.chdir(NOTEBOOK_DIR)
        try:
            with contextlib.redirect_stdout(out):
                exec(compile(cell.source, f"{path.name}[stub {i}]", "exec"), namespace)
                exec(compile(check_cell.source, f"{path.name}[check {i}]", "exec"), namespace)
        finally:
            os.chdir(cwd)
        assert NOT_YET in out.getvalue(), f"{path.name}: check after cell {i} printed {out.getvalue()!r}"


def test_student_notebook_clears_outputs_and_retags_solution_cells():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("x = 41 + 1", metadata={"tags": ["solution"], "jupyter": {"source_hidden": True}})
    cell.outputs = [nbformat.v4.new_output("stream", text="42\n")]
    cell.execution_count = 3
    nb.cells = [cell]
    gapped = student_notebook(nb)
    assert gapped.cells[0].source == "x = ...  # your answer here"
    assert gapped.cells[0].metadata["tags"] == ["exercise"] and "jupyter" not in gapped.cells[0].metadata
    assert gapped.cells[0].outputs == [] and gapped.cells[0].execution_count is None
    assert nb.cells[0].source == "x = 41 + 1"  # the master copy is untouched
