"""The benchmarks' targets live in one place (benchmarks/targets.py); the README quotes the same numbers,
and every target names a result some benchmark really reports."""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.targets import TARGETS, met

ROOT = Path(__file__).resolve().parent.parent


def test_the_readme_quotes_every_target_with_its_value():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, (op, value) in TARGETS.items():
        row = next((line for line in readme.splitlines() if line.startswith("|") and f"`{name}`" in line), None)
        assert row is not None, f"the README's benchmark table has no row for {name!r}"
        symbol = "≥" if op == ">=" else "≤"
        assert f"{symbol} {value:g}" in row, f"README row for {name!r} should quote {symbol} {value:g}: {row}"


def test_every_target_is_a_result_a_benchmark_reports():
    sources = "\n".join(p.read_text() for p in (ROOT / "benchmarks").glob("bench_*.py"))
    for name in TARGETS:
        assert re.search(r'"name": f?"' + re.escape(name) + '"', sources), f"no benchmark reports {name!r}"


def test_met_reads_the_direction_of_a_target():
    assert met("GridSearchCV n_jobs=2 vs 1", 1.79) is False
    assert met("session() start + first job vs bare SparkSession.builder", 1.05) is True
    assert met("session() start + first job vs bare SparkSession.builder", 1.2) is False
