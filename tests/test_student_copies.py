"""`make student` (python -m cs109par student) never destroys a student's work: a copy the student edited is
kept and the command says so; --force replaces it only after moving it to a dated backup."""

from __future__ import annotations

import nbformat
import pytest

from cs109par.__main__ import main
from cs109par.exercises.student import STUDENT_KEY, update_student_copies, was_edited
from cs109par.notebooks import NOTEBOOK_DIR

SOURCE = NOTEBOOK_DIR / "01-multiprocessing.ipynb"


def student(out, *extra) -> int:
    return main(["student", "--out", str(out), *extra, str(SOURCE)])


def code_of(path) -> str:
    return "\n".join(c.source for c in nbformat.read(path, as_version=4).cells)


def answer_an_exercise(path):
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if "exercise" in c.metadata.get("tags", []))
    cell.source = cell.source.replace("...  # your code here", "return -(-n_items // n_chunks)  # mine")
    nbformat.write(nb, path)
    return cell.source


@pytest.fixture
def out(tmp_path):
    folder = tmp_path / "student"
    assert student(folder) == 0
    return folder


def test_a_copy_records_the_digest_of_its_sources(out):
    copy = nbformat.read(out / SOURCE.name, as_version=4)
    assert len(copy.metadata["cs109par"][STUDENT_KEY]["sources_sha256"]) == 64
    assert not was_edited(out / SOURCE.name)


def test_an_unedited_copy_is_written_again(out, capsys):
    capsys.readouterr()
    assert student(out) == 0
    assert f"wrote {out / SOURCE.name}" in capsys.readouterr().out


def test_an_edited_copy_is_kept_and_the_command_says_so(out, capsys):
    mine = answer_an_exercise(out / SOURCE.name)
    before = (out / SOURCE.name).read_bytes()
    capsys.readouterr()
    assert student(out) == 0
    said = capsys.readouterr().out
    assert (out / SOURCE.name).read_bytes() == before, "the student's edited copy was overwritten"
    assert f"kept {out / SOURCE.name}: you have edited it" in said and "--force" in said
    assert "wrote" not in said
    assert mine in code_of(out / SOURCE.name)


def test_force_moves_the_edited_copy_to_a_dated_backup_first(out, capsys):
    mine = answer_an_exercise(out / SOURCE.name)
    capsys.readouterr()
    assert student(out, "--force") == 0
    said = capsys.readouterr().out
    [backup] = list((out / "backups").glob("01-multiprocessing-*.ipynb"))
    assert mine in code_of(backup), "the backup does not hold the student's edits"
    assert mine not in code_of(out / SOURCE.name)
    assert f"saved your edited {out / SOURCE.name} as {backup}" in said
    assert not was_edited(out / SOURCE.name)
    answer_an_exercise(out / SOURCE.name)
    assert student(out, "--force") == 0  # a second forced run in the same second keeps both backups
    assert len(list((out / "backups").glob("01-multiprocessing-*.ipynb"))) == 2


def test_running_the_cells_is_not_an_edit(out):
    nb = nbformat.read(out / SOURCE.name, as_version=4)
    code = next(c for c in nb.cells if c.cell_type == "code")
    code.outputs = [nbformat.v4.new_output("stream", text="ran\n")]
    code.execution_count = 1
    nbformat.write(nb, out / SOURCE.name)
    report = update_student_copies([SOURCE], out)
    assert report.written == [out / SOURCE.name] and not report.kept


def test_a_copy_without_a_digest_is_kept_unless_it_equals_the_fresh_one(out):
    path = out / SOURCE.name
    nb = nbformat.read(path, as_version=4)
    del nb.metadata["cs109par"][STUDENT_KEY]  # written by an older version of the command
    nbformat.write(nb, path)
    assert update_student_copies([SOURCE], out).written == [path]
    nb = nbformat.read(path, as_version=4)
    del nb.metadata["cs109par"][STUDENT_KEY]
    nbformat.write(nb, path)
    answer_an_exercise(path)
    assert update_student_copies([SOURCE], out).kept == [path]
