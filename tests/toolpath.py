"""Hide command-line tools from PATH, to prove that a build or a test works on a machine without them.

    from toolpath import BROWSERS, env_without, path_without

    env = dict(os.environ, PATH=path_without(tmp_path, "node", "npm"))
    subprocess.run([...], env=env)              # `node` and `npm` are not found on this PATH

    env = env_without(tmp_path, *BROWSERS)      # same, and CHROME_PATH & co. unset: no browser at all

Each PATH folder that holds one of the tools is replaced by a folder of symlinks to everything else in it
(made under `tmp_path`); folders without the tools stay as they are. Why not just drop the folder:
/usr/bin holds the tool *and* python, git, sh... Each name is checked on its own (a folder holding only
`chromedriver` is mirrored too), and a folder reached twice (Debian's /bin is a symlink to /usr/bin) is
hidden under both names. POSIX only (symlinks); a program found by an absolute path is not hidden, and
a child that drops privileges (apt's `_apt` sandbox) cannot read mirrors under a private (0700) tmp_path.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Every name a browser used by the course is found under (build.py, render_check.mjs, the browser test).
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome", "chromedriver")
# Environment variables that point straight at a browser, read before PATH (Marp, Puppeteer, Lighthouse).
BROWSER_ENV = ("CHROME_PATH", "PUPPETEER_EXECUTABLE_PATH", "LIGHTHOUSE_CHROMIUM_PATH")


def path_without(tmp_path: Path | str, *tools: str, path: str | None = None) -> str:
    """A PATH string (`path`, default $PATH) on which none of `tools` is found; everything else still is.

    >>> import shutil, tempfile
    >>> p = path_without(tempfile.mkdtemp(), "sh")
    >>> shutil.which("sh", path=p) is None, shutil.which("ls", path=p) is not None
    (True, True)
    """
    if not tools:
        raise ValueError("path_without: name at least one tool to hide, e.g. path_without(tmp_path, 'node')")
    base = Path(tempfile.mkdtemp(prefix="path-without-", dir=tmp_path))
    mirrors: dict[str, str] = {}  # real folder -> its mirror, so /bin and /usr/bin share one
    entries = []
    for entry in (os.environ.get("PATH", "") if path is None else path).split(os.pathsep):
        if not entry or not os.path.isdir(entry) or not any(os.path.lexists(os.path.join(entry, t)) for t in tools):
            entries.append(entry)
            continue
        real = os.path.realpath(entry)
        if real not in mirrors:
            mirror = base / str(len(mirrors))
            mirror.mkdir()
            for name in os.listdir(entry):
                if name not in tools:
                    (mirror / name).symlink_to(os.path.join(entry, name))
            mirrors[real] = str(mirror)
        entries.append(mirrors[real])
    return os.pathsep.join(entries)


def env_without(tmp_path: Path | str, *tools: str) -> dict[str, str]:
    """A copy of os.environ whose PATH hides `tools`; if any of them is a browser, BROWSER_ENV is unset too."""
    env = dict(os.environ, PATH=path_without(tmp_path, *tools))
    if set(tools) & set(BROWSERS):
        for name in BROWSER_ENV:
            env.pop(name, None)
    return env
