"""Build the instructor deck: one self-contained offline HTML file (and a PDF when Chromium is found).

    .venv/bin/python slides/build.py            # what `make slides` runs
    .venv/bin/python slides/build.py --no-pdf   # skip the PDF even if a browser is installed
    .venv/bin/python slides/build.py --out DIR  # write to DIR instead of slides/dist (tests use this)

Needs Node.js with npm (Marp CLI). Only the PDF needs a browser (Chromium/Chrome): without one the
build writes the HTML and the notes, and prints that the PDF was skipped and why.

Steps:
1. `npm ci` in slides/ when node_modules is missing or older than package-lock.json (Marp CLI, pinned);
2. draw the figures (slides/figures.py) into slides/dist/src/figures/;
3. copy deck.md next to them, dropping slides whose *optional* figure could not be drawn
   (only the measured figure is optional: it needs benchmark results; see figures.py);
4. Marp: deck.md -> dist/cs109par-slides.html; the speaker notes -> dist/cs109par-notes.txt straight from
   the source (Marp's own `--notes` needs a browser; this does not);
5. inline every local image of the HTML as a data: URI; a missing file is an error;
6. check the HTML is offline-safe (no http(s)/protocol-relative resource, no relative resource left,
   no CSS @import); any problem is an error;
7. PDF with speaker notes (dist/cs109par-slides.pdf) when Chromium/Chrome is found (or $CHROME_PATH).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import html as htmllib
import mimetypes
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DIST = HERE / "dist"
SRC = DIST / "src"
DECK = HERE / "deck.md"
CONFIG = HERE / "marp.config.yml"
HTML_OUT = DIST / "cs109par-slides.html"
PDF_OUT = DIST / "cs109par-slides.pdf"
NOTES_OUT = DIST / "cs109par-notes.txt"
MARP = HERE / "node_modules" / ".bin" / "marp"
OPTIONAL_FIGURES = {"measured.svg"}
# A comment that is a Marp directive (not a speaker note), e.g. <!-- _class: section -->
DIRECTIVE = re.compile(r"\s*_?(class|paginate|header|footer|color|backgroundColor|backgroundImage|backgroundPosition|"
                       r"backgroundRepeat|backgroundSize|theme|style|size|math|headingDivider|lang|title)\s*:")
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


class BuildError(RuntimeError):
    """The deck could not be built, or the result is not self-contained."""


def log(msg: str) -> None:
    print(f"[slides] {msg}", flush=True)


# -- 1. Marp ---------------------------------------------------------------------------------------
def ensure_marp() -> Path:
    """Install the pinned Marp CLI with `npm ci` unless node_modules is already up to date."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise BuildError(f"`{tool}` not found: install Node.js 18 or newer (e.g. `apt-get install nodejs npm`, "
                             "`brew install node`, or https://nodejs.org), then run `make slides` again")
    stamp = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"

    def up_to_date() -> bool:
        return MARP.exists() and stamp.exists() and stamp.stat().st_mtime >= lock.stat().st_mtime

    if up_to_date():
        return MARP
    # Two builds at once (parallel test workers) must not run `npm ci` over each other: it empties node_modules.
    with _exclusive(lock):
        if up_to_date():
            return MARP
        log("installing the pinned Marp CLI (npm ci, first time only)")
        r = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"],
                           cwd=HERE, capture_output=True, text=True)
    if r.returncode != 0 or not MARP.exists():
        raise BuildError(f"`npm ci` in {HERE} failed (exit {r.returncode}):\n{r.stdout}{r.stderr}")
    return MARP


@contextlib.contextmanager
def _exclusive(path: Path):
    """Hold an exclusive lock on `path` (POSIX); elsewhere just run."""
    try:
        import fcntl  # noqa: PLC0415  (POSIX only)
    except ImportError:
        yield
        return
    with open(path, "rb") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def start_marp(*args: str, env: dict | None = None) -> subprocess.Popen:
    """Start one Marp conversion in the background (the HTML, notes and PDF runs overlap)."""
    cmd = [str(MARP), "--no-stdin", "--config-file", str(CONFIG), *args]
    return subprocess.Popen(cmd, cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)


def wait_marp(proc: subprocess.Popen) -> None:
    out, _ = proc.communicate()
    if proc.returncode != 0:
        raise BuildError(f"marp failed (exit {proc.returncode}): {' '.join(map(str, proc.args))}\n{out}")


# -- 2./3. figures and the source copy -------------------------------------------------------------
def split_slides(text: str) -> tuple[str, list[str]]:
    """Front matter and the list of slides (separated by a line holding only ---)."""
    m = re.match(r"^---\n.*?\n---\n", text, flags=re.S)
    if not m:
        raise BuildError(f"{DECK} has no front matter")
    body = text[m.end():]
    return m.group(0), re.split(r"\n---\n", body)


def unwrap_notes(slide: str) -> str:
    """Join the wrapped lines of each speaker note into paragraphs (the presenter view keeps line breaks)."""
    def join(m: re.Match) -> str:
        paragraphs = re.split(r"\n\s*\n", m.group(1).strip())
        return "<!--\n" + "\n\n".join(" ".join(p.split()) for p in paragraphs) + "\n-->"
    return re.sub(r"<!--(.*?)-->", lambda m: m.group(0) if DIRECTIVE.match(m.group(1)) else join(m), slide, flags=re.S)


_COMMENT = re.compile(r"<!--(.*?)-->", flags=re.S)
_FENCE = re.compile(r"^(```|~~~).*?^\1[^\n]*$", flags=re.S | re.M)


def speaker_notes(text: str) -> list[tuple[str, list[str]]]:
    r"""(title, notes) of every slide of a Marp deck: the first heading, and each HTML comment that is not
    a directive, trimmed. The same notes Marp puts in the presenter view, without needing a browser.

    >>> speaker_notes("---\nmarp: true\n---\n<!-- _class: lead -->\n# Hi\n<!-- say hi -->\n---\n## Two\n")
    [('Hi', ['say hi']), ('Two', [])]
    """
    slides = []
    for slide in split_slides(text)[1]:
        notes = [c.strip() for c in _COMMENT.findall(slide) if c.strip() and not DIRECTIVE.match(c)]
        visible = _FENCE.sub("", _COMMENT.sub("", slide))  # a `# comment` line in a code block is no title
        title = re.search(r"^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$", visible, flags=re.M)
        slides.append((title.group(1) if title else "(untitled)", notes))
    return slides


def notes_text(text: str) -> str:
    """The speaker notes as plain text: one block per slide, headed by its number and title."""
    blocks = []
    for i, (title, notes) in enumerate(speaker_notes(text), start=1):
        blocks.append(f"Slide {i}: {title}\n\n" + ("\n\n".join(notes) if notes else "(no notes)"))
    return "\n\n---\n\n".join(blocks) + "\n"


def prepare_source(src_dir: Path = SRC) -> Path:
    sys.path.insert(0, str(HERE))
    import figures  # noqa: PLC0415  (slides/figures.py)

    if src_dir.exists():
        shutil.rmtree(src_dir)
    drawn = {p.name for p in figures.main(src_dir / "figures")}
    front, slides = split_slides(DECK.read_text(encoding="utf-8"))
    kept = []
    for slide in slides:
        refs = set(re.findall(r"figures/([\w.-]+)", slide))
        missing_optional = (refs & OPTIONAL_FIGURES) - drawn
        if missing_optional:
            log(f"left out the slide showing {', '.join(sorted(missing_optional))}: no benchmark results yet "
                "(run `make bench`, or commit a snapshot as slides/measured.json)")
            continue
        kept.append(unwrap_notes(slide))
    out = src_dir / "deck.md"
    out.write_text(front + "\n---\n".join(kept), encoding="utf-8")
    return out


# -- 5. inline images ------------------------------------------------------------------------------
_SRC_ATTR = re.compile(r'(\s(?:src|poster)=)(["\'])(.*?)\2', re.I)
_CSS_URL = re.compile(r'url\(\s*(&quot;|"|\'|)(.*?)\1\s*\)', re.I)


def _data_uri(ref: str, base: Path) -> str:
    path = (base / htmllib.unescape(ref).split("#")[0].split("?")[0]).resolve()
    if not path.is_file():
        raise BuildError(f"image {ref!r} referenced by the deck does not exist (looked for {path})")
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix == ".svg":
        mime = "image/svg+xml"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def _local(ref: str) -> bool:
    r = htmllib.unescape(ref).strip()
    return bool(r) and not re.match(r"^(data:|#|[a-z][a-z0-9+.-]*:|//)", r, flags=re.I)


def inline_images(html: str, base: Path) -> str:
    def inline(value: str) -> str:
        return _data_uri(value, base) if _local(value) else value

    html = _SRC_ATTR.sub(lambda m: m.group(1) + m.group(2) + inline(m.group(3)) + m.group(2), html)
    return _CSS_URL.sub(lambda m: f"url({m.group(1)}{inline(m.group(2))}{m.group(1)})", html)


# -- 6. offline check ------------------------------------------------------------------------------
_ATTR = re.compile(r'\s(src|href|srcset|poster|data|action|xlink:href)=(["\'])(.*?)\2', re.I | re.S)


def offline_problems(html: str) -> list[str]:
    """Everything in the HTML that would need the network or a file next to it. Empty list = self-contained."""
    problems = []
    for m in _ATTR.finditer(html):
        attr, value = m.group(1).lower(), htmllib.unescape(m.group(3)).strip()
        if re.match(r"^(https?:)?//", value, flags=re.I):
            problems.append(f"external resource: {attr}={value[:120]!r}")
        elif attr != "href" and _local(value):
            problems.append(f"local file not inlined (missing image?): {attr}={value[:120]!r}")
        elif (attr == "href" and _local(value)
              and re.search(r"<link\b[^>]*$", html[max(0, m.start() - 300):m.start()], flags=re.I)):
            problems.append(f"linked file not inlined: href={value[:120]!r}")
    for m in _CSS_URL.finditer(html):
        value = htmllib.unescape(m.group(2)).strip()
        if re.match(r"^(https?:)?//", value, flags=re.I):
            problems.append(f"external CSS url(): {value[:120]!r}")
        elif _local(value):
            problems.append(f"CSS url() to a local file not inlined: {value[:120]!r}")
    for m in re.finditer(r"@import\s+([^;]{0,120})", html, flags=re.I):
        problems.append(f"CSS @import: {m.group(1)!r}")
    return problems


# -- 7. PDF ----------------------------------------------------------------------------------------
def find_browser() -> str | None:
    """The browser for the PDF: $CHROME_PATH if set (and it exists), else the first of BROWSERS on PATH."""
    env = os.environ.get("CHROME_PATH")
    if env:
        return env if Path(env).exists() else None
    return next((p for p in map(shutil.which, BROWSERS) if p), None)


def no_browser_reason() -> str:
    """Why find_browser() found nothing, in words for a skip message."""
    env = os.environ.get("CHROME_PATH")
    if env:
        return f"CHROME_PATH={env} does not exist"
    return f"no Chromium/Chrome found (looked for {', '.join(BROWSERS)} on PATH; CHROME_PATH is not set)"


def build(pdf: bool = True, out: Path = DIST) -> dict:
    """Build the deck into `out`. Returns the paths written, the slide count, and why the PDF was skipped."""
    t0 = time.perf_counter()
    ensure_marp()
    out = Path(out).resolve()
    html_out, notes_out, pdf_out = out / HTML_OUT.name, out / NOTES_OUT.name, out / PDF_OUT.name
    out.mkdir(parents=True, exist_ok=True)
    src = prepare_source(out / SRC.name)
    raw = out / "raw.html"
    for old in (html_out, notes_out, pdf_out):
        old.unlink(missing_ok=True)
    jobs = [start_marp(str(src), "--html", "-o", str(raw))]
    browser = find_browser() if pdf else None
    skipped = None if browser else ("--no-pdf" if not pdf else no_browser_reason())
    if browser:
        # Marp's PDF renders the markdown again in the browser; local images are allowed for this step only.
        jobs.append(start_marp(str(src), "--html", "--pdf", "--pdf-notes", "--allow-local-files", "-o", str(pdf_out),
                               env=dict(os.environ, CHROME_PATH=browser)))
    try:
        notes = speaker_notes(src.read_text(encoding="utf-8"))
        wait_marp(jobs[0])
        html = inline_images(raw.read_text(encoding="utf-8"), src.parent)
        raw.unlink()
        problems = offline_problems(html)
        if problems:
            raise BuildError("the deck is not self-contained:\n  " + "\n  ".join(problems))
        slides = len(re.findall(r"<svg\b[^>]*data-marpit-svg", html))
        if slides != len(notes):
            raise BuildError(f"Marp made {slides} slides of {src}, the notes found {len(notes)}: "
                             "split_slides and Marp disagree (a `---` inside a code block? a headingDivider?)")
        html_out.write_text(html, encoding="utf-8")
        notes_out.write_text(notes_text(src.read_text(encoding="utf-8")), encoding="utf-8")
        for job in jobs[1:]:
            wait_marp(job)
    finally:
        for job in jobs:
            if job.poll() is None:
                job.kill()
                job.wait()
    return {"html": html_out, "notes": notes_out, "pdf": pdf_out if browser else None, "pdf_skipped": skipped,
            "slides": slides, "seconds": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-pdf", action="store_true", help="do not write the PDF even if a browser is installed")
    ap.add_argument("--out", type=Path, default=DIST, help=f"output folder (default: {DIST.relative_to(HERE.parent)})")
    args = ap.parse_args(argv)
    try:
        r = build(pdf=not args.no_pdf, out=args.out)
    except BuildError as e:
        print(f"[slides] ERROR: {e}", file=sys.stderr)
        return 1

    def shown(p: Path) -> str:
        return str(p.relative_to(HERE.parent)) if p.is_relative_to(HERE.parent) else str(p)

    log(f"{r['slides']} slides -> {shown(r['html'])} (self-contained, offline)")
    log(f"speaker notes -> {shown(r['notes'])}")
    if r["pdf"]:
        log(f"PDF with notes -> {shown(r['pdf'])}")
    elif r["pdf_skipped"] == "--no-pdf":
        log("PDF skipped (--no-pdf)")
    else:
        log(f"PDF skipped: {r['pdf_skipped']}. The HTML and the notes need no browser; for the PDF install "
            "Chromium (apt-get install chromium) or Chrome, or set CHROME_PATH=/path/to/browser")
    log(f"built in {r['seconds']:.1f} s. Present: open the HTML in a browser, press p for the presenter view")
    return 0


if __name__ == "__main__":
    sys.exit(main())
