"""Checks that run on every test command, so that the package stays one a teacher can fork and change:
no import cycle, no oversized module, the linter (ruff) and the type checker (mypy) clean."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cs109par"
#: A module longer than this is doing more than one job; split it by job (see CONTRIBUTING.md).
MAX_LINES = 480


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """The cs109par modules a file imports, anywhere in it (also inside functions: a lazy import is
    still a dependency a reader has to follow)."""
    here = module_name(path)
    package = here if path.name == "__init__.py" else here.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("cs109par")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("cs109par"):
                continue
            # `from . import jvm` imports the module cs109par.jvm; `from .jvm import X` imports cs109par.jvm
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if _exists(candidate) else target)
    return {m for m in found if m != here}


def _exists(module: str) -> bool:
    rel = Path(*module.split("."))
    return (ROOT / rel).with_suffix(".py").is_file() or (ROOT / rel / "__init__.py").is_file()


def import_graph() -> dict[str, set[str]]:
    graph = {module_name(p): imports_of(p) for p in PACKAGE.rglob("*.py")}
    # importing a.b.c runs a/__init__ and a/b/__init__ first, which are nodes of their own
    return {m: {d for d in deps if d in graph} for m, deps in graph.items()}


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert "cs109par.jvm" in graph and graph["cs109par.spark"], "the import walk found nothing: fix the test"
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph[node]):
            if state.get(dep) == 1:
                cycle = stack[stack.index(dep):] + [dep]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if dep not in state:
                visit(dep)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module)


def test_the_jvm_rules_have_one_home_that_imports_nothing_back():
    graph = import_graph()
    assert graph["cs109par.jvm"] == set()
    for user in ("cs109par.doctor", "cs109par.spark", "cs109par.cluster.standalone"):
        assert "cs109par.jvm" in graph[user], f"{user} should take Java and Spark's environment rules from cs109par.jvm"


def test_no_module_is_too_long_to_read_in_one_sitting():
    sizes = {module_name(p): len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    long = {m: n for m, n in sizes.items() if n > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines (split them by job): {long}"


def _tool(name: str) -> list[str]:
    exe = Path(sys.executable).with_name(name)
    if exe.exists():
        return [str(exe)]
    if shutil.which(name):
        return [name]
    pytest.skip(f"{name} is not installed here: it comes with the dev extra "
                "(`pip install -e '.[dev]'`, which make setup runs)")


def test_ruff_finds_nothing():
    proc = subprocess.run([*_tool("ruff"), "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_finds_nothing_in_the_package():
    proc = subprocess.run([*_tool("mypy"), "--cache-dir", str(ROOT / ".venv" / ".mypy_cache")], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
