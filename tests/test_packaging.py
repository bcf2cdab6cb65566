"""pyproject.toml and environment.yml ask for the same packages at the same versions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parent.parent
# PyPI name -> conda-forge name, where they differ.
CONDA_NAME = {}


def _split(spec: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(.*)$", spec)
    return m.group(1).lower(), m.group(2).replace(" ", "")


def test_environment_yml_lists_every_pyproject_dependency_with_the_same_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(_split(d) for d in env["dependencies"] if isinstance(d, str))
    wanted = dict(_split(d) for d in project["dependencies"])
    for name, spec in wanted.items():
        cname = CONDA_NAME.get(name, name)
        assert cname in conda, f"{name} is in pyproject.toml but not in environment.yml"
        assert conda[cname] == spec, f"{name}: pyproject says {spec!r}, environment.yml says {conda[cname]!r}"
    extra = set(conda) - {CONDA_NAME.get(n, n) for n in wanted} - {"python", "openjdk", "pip"}
    assert not extra, f"environment.yml has packages pyproject.toml lacks: {sorted(extra)}"


def test_environment_yml_brings_java_17_and_installs_the_course_package():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    assert "openjdk=17" in deps
    assert "conda-forge" in env["channels"]
    pip = next(d["pip"] for d in deps if isinstance(d, dict))
    assert "-e ." in pip


def test_python_version_in_environment_yml_is_allowed_by_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    version = next(d.split("=")[1] for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    lo, hi = re.findall(r"(\d+\.\d+)", project["requires-python"])
    as_tuple = lambda v: tuple(map(int, v.split(".")))  # noqa: E731
    assert as_tuple(lo) <= as_tuple(version) < as_tuple(hi)
