"""Every notebook has the same shape: a numbered title and what you will learn, a summary before the
exercises, a check cell after every solution, and a last cell that stops what the notebook started.
The README's course map links every notebook. (Reads the files only; nbval runs them.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))


def cells(path: Path) -> list[dict]:
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def text(cell: dict) -> str:
    return "".join(cell["source"])


def heading_index(cs: list[dict], heading: str) -> int | None:
    for i, c in enumerate(cs):
        if c["cell_type"] == "markdown" and re.search(rf"^{re.escape(heading)}\s*$", text(c), re.M):
            return i
    return None


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 8


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_opens_with_numbered_title_and_objectives(path):
    cs = cells(path)
    assert cs[0]["cell_type"] == "markdown"
    assert text(cs[0]).startswith(f"# {path.name[:2]} · "), text(cs[0])[:60]
    assert any("You will learn" in text(c) for c in cs[:2] if c["cell_type"] == "markdown")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_summary_comes_before_the_exercises(path):
    cs = cells(path)
    summary = heading_index(cs, "## Summary")
    assert summary is not None, "no '## Summary' heading"
    exercises = heading_index(cs, "## Exercises")
    if path.name.startswith("00-"):
        return  # 00 teaches the exercise mechanism inside its own section
    assert exercises is not None, "no '## Exercises' heading"
    assert (summary, text(cs[summary]).find("## Summary")) < (exercises, text(cs[exercises]).find("## Exercises"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_solution_is_followed_by_its_check_cell(path):
    cs = cells(path)
    solutions = [i for i, c in enumerate(cs) if "solution" in c.get("metadata", {}).get("tags", [])]
    assert solutions
    for i in solutions:
        following = [text(c) for c in cs[i + 1 : i + 3] if c["cell_type"] == "code"]
        assert any("cs109par.exercises import" in s for s in following), f"cell {i}: no check cell after it"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_stops_what_it_started(path):
    code = [text(c) for c in cells(path) if c["cell_type"] == "code"]
    everything, last = "\n".join(code), code[-1]
    if "session(" in everything:
        assert "spark.stop()" in last, "starts Spark; its last code cell should stop it"
    if "StandaloneCluster(" in everything:
        assert "cluster.stop()" in last, "starts a standalone cluster; its last code cell should stop it"
    if re.search(r"\b(ipe|eng|engines)\.start\(", everything):
        assert "cluster.stop()" in everything, "starts ipyparallel engines but never stops them"


def test_readme_course_map_links_every_notebook():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in NOTEBOOKS:
        assert f"(notebooks/{path.name})" in readme, f"README's course map does not link {path.name}"
