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

Writing the copies again (``make student``, ``python -m cs109par student``) never destroys a student's
work: each copy records a digest of its cells' sources in its metadata, and a copy whose sources no
longer match (the student edited it) is kept as it is, with a message. ``--force`` replaces it, after
moving it to ``<out>/backups/<name>-<date>-<time>.ipynb``. Outputs alone (a copy that was only run)
do not count as edits.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

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


_TRIVIAL_OPS = {"RESUME", "NOP", "LOAD_CONST", "RETURN_VALUE", "RETURN_CONST", "CACHE", "POP_TOP"}


def is_stub_function(func) -> bool:
    """True for a function whose body does nothing but return ``None``: the stub a student copy leaves
    (``...``), ``pass``, or ``lambda *a: None``. A checker treats it as "not answered yet".

    >>> def f(n_items, n_chunks):
    ...     ...  # your code here
    >>> is_stub_function(f), is_stub_function(lambda n: n)
    (True, False)
    """
    import dis

    code = getattr(func, "__code__", None)
    if code is None:
        return False
    for ins in dis.get_instructions(code):
        if ins.opname not in _TRIVIAL_OPS:
            return False
        if ins.opname in ("LOAD_CONST", "RETURN_CONST") and ins.argval is not None and ins.argval is not Ellipsis:
            return False
    return True


def is_solution(cell) -> bool:
    return cell.get("cell_type") == "code" and SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


#: Where a student copy records what it was written as (``metadata["cs109par"][STUDENT_KEY]``).
STUDENT_KEY = "student_copy"
BACKUP_DIR = "backups"


def sources_digest(nb) -> str:
    """SHA-256 of a notebook's cell types and sources: what a student edits (outputs do not count)."""
    cells = [[cell.get("cell_type", ""), cell.get("source", "")] for cell in nb.get("cells", [])]
    return hashlib.sha256(json.dumps(cells, ensure_ascii=False).encode("utf-8")).hexdigest()


def student_notebook(nb):
    """A gapped, output-free copy of notebook ``nb`` (an ``nbformat`` node), carrying the digest of its
    sources (so a later run can tell whether the student edited it)."""
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
    nb.metadata.setdefault("cs109par", {})[STUDENT_KEY] = {"sources_sha256": sources_digest(nb)}
    return nb


def was_edited(copy_path: Path, fresh=None) -> bool:
    """Has the student copy at ``copy_path`` been edited since it was written? Its sources are compared
    with the digest it recorded; a copy without one (written before digests) counts as edited unless its
    sources equal ``fresh``'s (the copy that would be written now)."""
    import nbformat

    try:
        current = nbformat.read(copy_path, as_version=4)
    except Exception:  # unreadable: treat as the student's, never overwrite it silently
        return True
    digest = sources_digest(current)
    recorded = current.metadata.get("cs109par", {}).get(STUDENT_KEY, {}).get("sources_sha256")
    if recorded is not None:
        return digest != recorded and (fresh is None or digest != sources_digest(fresh))
    return fresh is None or digest != sources_digest(fresh)


@dataclass
class CopyReport:
    """What :func:`update_student_copies` did: copies written, edited copies kept as they were, and
    ``(edited copy, its backup)`` pairs for the copies ``force`` replaced."""

    written: list[Path] = field(default_factory=list)
    kept: list[Path] = field(default_factory=list)
    backups: list[tuple[Path, Path]] = field(default_factory=list)


def update_student_copies(notebooks: list[Path], out_dir: Path, *, force: bool = False) -> CopyReport:
    """Write a gapped copy of each notebook into ``out_dir``, never destroying a student's edits: a copy
    the student edited is kept (``force=False``) or moved to ``out_dir/backups/`` first (``force=True``)."""
    import nbformat

    out_dir.mkdir(parents=True, exist_ok=True)
    report = CopyReport()
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for path in notebooks:
        gapped = student_notebook(nbformat.read(path, as_version=4))
        nbformat.validate(gapped)
        target = out_dir / path.name
        if target.exists() and was_edited(target, gapped):
            if not force:
                report.kept.append(target)
                continue
            backup = out_dir / BACKUP_DIR / f"{target.stem}-{stamp}{target.suffix}"
            backup.parent.mkdir(exist_ok=True)
            n = 1
            while backup.exists():  # two forced runs in the same second
                backup = backup.with_name(f"{target.stem}-{stamp}-{n}{target.suffix}")
                n += 1
            target.replace(backup)
            report.backups.append((target, backup))
        nbformat.write(gapped, target)
        report.written.append(target)
    return report


def write_student_copies(notebooks: list[Path], out_dir: Path, *, force: bool = False) -> list[Path]:
    """Write a gapped copy of each notebook into ``out_dir``; return the paths written (an edited copy is
    kept, not overwritten, unless ``force``: see :func:`update_student_copies`)."""
    return update_student_copies(notebooks, out_dir, force=force).written
