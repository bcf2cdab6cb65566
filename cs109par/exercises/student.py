"""Make gapped student copies of the course notebooks.

Solution cells carry the tag ``solution``. Inside one, the lines between ``### BEGIN SOLUTION``
and ``### END SOLUTION`` are the answer (no markers: the whole cell is). In the student copy
each answer becomes a stub that keeps only its shape:

* ``name = <expr>``            ->  ``name = ...  # your answer here``
* ``def f(x):`` + a body       ->  ``def f(x):`` + ``...  # your code here``
* anything else                ->  ``...  # your code here``

>>> print(stub_source("x = 1\\n### BEGIN SOLUTION\\ny = x + 1\\n### END SOLUTION"))
x = 1
y = ...  # your answer here

Outputs are cleared, so the student copy starts fresh.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import nbformat

SOLUTION_TAG = "solution"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_ASSIGN = re.compile(r"^([A-Za-z_][\w]*(?:\s*,\s*[A-Za-z_]\w*)*)\s*(?::[^=]+)?=(?!=)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _stub_block(lines: list[str]) -> list[str]:
    code = [ln for ln in lines if ln.strip() and not ln.strip().startswith("#")]
    if not code:
        return []
    base = min(_indent(ln) for ln in code)
    pad = " " * base
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and _indent(line) == base:
            if stripped.startswith(("def ", "async def ")):
                while not lines[i].rstrip().endswith(":") and i + 1 < len(lines):
                    out.append(lines[i])
                    i += 1
                out.append(lines[i])
                out.append(pad + "    ...  # your code here")
            else:
                match = _ASSIGN.match(stripped)
                if match:
                    out.append(f"{pad}{match.group(1)} = ...  # your answer here")
        i += 1
    return out or [pad + "...  # your code here"]


def stub_source(source: str) -> str:
    """The student version of one solution cell's source."""
    lines = source.splitlines()
    if not any(ln.strip() in (BEGIN, END) for ln in lines):
        return "\n".join(_stub_block(lines))
    out: list[str] = []
    block: list[str] | None = None
    for n, line in enumerate(lines, 1):
        if line.strip() == BEGIN:
            if block is not None:
                raise ValueError(f"line {n}: {BEGIN} inside another solution block")
            block = []
        elif line.strip() == END:
            if block is None:
                raise ValueError(f"line {n}: {END} without {BEGIN}")
            out.extend(_stub_block(block))
            block = None
        elif block is not None:
            block.append(line)
        else:
            out.append(line)
    if block is not None:
        raise ValueError(f"{BEGIN} is never closed by {END}")
    return "\n".join(out)


def solution_lines(source: str) -> list[str]:
    """The answer lines of a solution cell (what must not appear in a student copy)."""
    lines = source.splitlines()
    if any(ln.strip() == BEGIN for ln in lines):
        inside, keep = False, []
        for ln in lines:
            if ln.strip() in (BEGIN, END):
                inside = ln.strip() == BEGIN
            elif inside:
                keep.append(ln)
        lines = keep
    return [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]


def is_solution(cell) -> bool:
    return cell.get("cell_type") == "code" and SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def student_notebook(nb):
    """A gapped, output-free copy of notebook ``nb`` (an ``nbformat`` node)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if is_solution(cell):
            cell.source = stub_source(cell.source)
            tags = [t for t in cell.metadata.get("tags", []) if t != SOLUTION_TAG] + ["exercise"]
            cell.metadata["tags"] = tags
            cell.metadata.pop("jupyter", None)  # show the stub, it was hidden as a solution
    return nb


def write_student_copies(notebooks: list[Path], out_dir: Path) -> list[Path]:
    """Write a gapped copy of each notebook into ``out_dir``; return the new paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        gapped = student_notebook(nb)
        nbformat.validate(gapped)
        target = out_dir / path.name
        nbformat.write(gapped, target)
        written.append(target)
    return written
