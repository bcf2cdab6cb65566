"""Optional tools are really optional: with each one hidden from PATH, what needs it is skipped with the
reason (or falls back), and nothing errors. This is the fresh-laptop path; CI also installs the tools
(.ci/run) and runs the full path in the other test files.

- Node.js + npm: the slides build (Marp CLI). Without them the build tests skip; the source tests run.
- Chromium/Chrome (+ chromedriver): the slides' PDF and render check (and the browser test). Without one
  the build still writes the HTML and the speaker notes, and says the PDF was skipped and why.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from toolpath import BROWSERS, env_without, path_without

ROOT = Path(__file__).resolve().parents[1]
SLIDES = ROOT / "slides"
pytestmark = pytest.mark.skipif(os.name == "nt", reason="hiding tools from PATH uses symlinks (POSIX)")


def _pytest(env: dict[str, str], *args: str) -> tuple[subprocess.CompletedProcess, dict[str, int]]:
    """Run pytest in a subprocess with `env`; its result and its summary counts ({'passed': 9, ...})."""
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", *args], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=600)
    summary = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else ""
    counts = {word: int(n) for n, word in re.findall(r"(\d+) (passed|skipped|failed|errors?|deselected)", summary)}
    return r, counts


def _need(*tools: str, why: str = "nothing to hide (the tests that need it skip by themselves)") -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: {why}")


# -- the helper itself ---------------------------------------------------------------------------------
def test_path_without_hides_each_tool_in_every_folder_and_keeps_the_rest(tmp_path):
    def tool(folder: Path, name: str) -> None:
        folder.mkdir(exist_ok=True)
        (folder / name).write_text("#!/bin/sh\n")
        (folder / name).chmod(0o755)

    usr_bin, local_bin = tmp_path / "usr-bin", tmp_path / "local-bin"
    for name in ("chromium", "python3", "git"):
        tool(usr_bin, name)
    tool(local_bin, "chromedriver")  # holds only one of the hidden names: must be mirrored anyway
    (tmp_path / "bin").symlink_to(usr_bin)  # like Debian's /bin -> /usr/bin
    path = os.pathsep.join([str(local_bin), str(tmp_path / "bin"), str(usr_bin), str(tmp_path / "missing")])

    hidden = path_without(tmp_path, "chromium", "chromedriver", "google-chrome", path=path)
    assert shutil.which("chromium", path=hidden) is None and shutil.which("chromedriver", path=hidden) is None
    assert shutil.which("python3", path=hidden) and shutil.which("git", path=hidden)
    assert str(tmp_path / "missing") in hidden.split(os.pathsep), "folders without the tools stay as they are"
    assert shutil.which("chromium", path=path), "the original folders are untouched"


def test_env_without_a_browser_unsets_chrome_path(tmp_path, monkeypatch):
    monkeypatch.setenv("CHROME_PATH", "/usr/bin/chromium")
    env = env_without(tmp_path, *BROWSERS)
    assert "CHROME_PATH" not in env and all(shutil.which(b, path=env["PATH"]) is None for b in BROWSERS)
    assert env_without(tmp_path, "node")["CHROME_PATH"] == "/usr/bin/chromium"


# -- Node.js and npm -------------------------------------------------------------------------------------
def test_slides_tests_skip_with_the_reason_without_node_and_npm(tmp_path):
    _need("node", "npm")
    env = env_without(tmp_path, "node", "npm")
    assert shutil.which("node", path=env["PATH"]) is None and shutil.which("npm", path=env["PATH"]) is None
    r, counts = _pytest(env, "tests/test_slides.py")
    out = r.stdout + r.stderr
    assert r.returncode == 0 and not counts.get("failed") and not counts.get("error") and not counts.get("errors"), out
    assert counts.get("passed", 0) >= 5, f"the source tests should still run:\n{out}"
    assert counts.get("skipped", 0) >= 5, f"the build tests should skip:\n{out}"
    assert "node and npm not installed: the deck is built with Marp CLI from npm" in out, out


def test_make_slides_without_node_names_the_problem_and_the_fix(tmp_path):
    _need("node")
    r = subprocess.run([sys.executable, str(SLIDES / "build.py"), "--out", str(tmp_path / "dist")], cwd=ROOT,
                       env=env_without(tmp_path, "node", "npm"), capture_output=True, text=True, timeout=120)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "`node` not found: install Node.js 18 or newer" in r.stderr, r.stderr


# -- Chromium / Chrome -------------------------------------------------------------------------------------
def test_slides_build_without_a_browser_writes_html_and_notes_and_says_why_no_pdf(tmp_path):
    _need("node", "npm", why="the slides build needs them, browser or not")
    out = tmp_path / "dist"  # not slides/dist: test_slides.py's build may be running at the same time
    r = subprocess.run([sys.executable, str(SLIDES / "build.py"), "--out", str(out)], cwd=ROOT,
                       env=env_without(tmp_path, *BROWSERS), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"the build failed without a browser:\n{r.stdout}\n{r.stderr}"
    html, notes = out / "cs109par-slides.html", out / "cs109par-notes.txt"
    assert html.is_file() and notes.is_file() and not (out / "cs109par-slides.pdf").exists()
    n_slides = len(re.findall(r"<svg\b[^>]*data-marpit-svg", html.read_text(encoding="utf-8")))
    assert notes.read_text(encoding="utf-8").count("\nSlide ") + 1 == n_slides > 0
    assert "PDF skipped: no Chromium/Chrome found" in r.stdout and "CHROME_PATH" in r.stdout, r.stdout


def test_pdf_and_render_check_skip_with_the_reason_without_a_browser(tmp_path):
    r, counts = _pytest(env_without(tmp_path, *BROWSERS), "tests/test_slides.py", "-k", "pdf or renders")
    out = r.stdout + r.stderr
    assert r.returncode == 0 and counts == {"skipped": 2, "deselected": counts.get("deselected", 0)}, out
    assert out.count("no Chromium/Chrome found") == 2 and "needs Chromium or Chrome" in out, out


def test_render_check_script_says_no_browser_without_one(tmp_path):
    _need("node", why="render_check.mjs is a Node.js script")
    if not (SLIDES / "node_modules" / "puppeteer-core").is_dir():
        pytest.skip("slides/node_modules not installed yet (the slides build runs `npm ci`)")
    r = subprocess.run(["node", str(SLIDES / "render_check.mjs"), str(tmp_path / "deck.html")], cwd=ROOT,
                       env=env_without(tmp_path, *BROWSERS), capture_output=True, text=True, timeout=60)
    assert r.returncode == 3 and "no Chromium/Chrome found" in r.stderr, r.stderr
