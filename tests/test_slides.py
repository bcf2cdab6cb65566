"""The instructor deck builds from source into one offline HTML file: every figure drawn and inlined,
no network resource, speaker notes on every slide, every lecture topic in order.

What each part needs, and what happens without it:
- the source tests (topics, notes, offline check, figures): only Python; they always run;
- the build tests: Node.js with npm (Marp CLI, installed from slides/package-lock.json by `npm ci` on
  first use); without `node`/`npm` they are skipped with the reason;
- the PDF test and the render check (the deck opened headless with the network blocked,
  slides/render_check.mjs): Chromium or Chrome; without one they are skipped with the reason. The HTML
  and the speaker notes are built without a browser.
tests/test_optional_tools.py runs these tests with the tools hidden from PATH to prove the skips.
"""

from __future__ import annotations

import base64
import html as htmllib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SLIDES = ROOT / "slides"
DECK = SLIDES / "deck.md"
NOTEBOOKS = ["00-setup", "01-multiprocessing", "02-joblib", "03-ipyparallel", "04-spark-rdds",
             "05-broadcast-accumulators", "06-spark-cluster", "07-theres-more", "08-iterative-jobs"]
# The lecture's topics, in the lecture's order: each must be the title of a slide, in this order.
TOPICS = ["Embarrassingly parallel", "Grid search over CV splits", "Boosting needs communication",
          "The single-machine recipe", "multiprocessing", "joblib", "Your problem is big",
          "Clusters, and clusters fail",
          "MapReduce and Hadoop", "IPython parallel", "The functional paradigm", "What we want from a cluster engine",
          "disk or memory", "The Spark stack", "A Spark cluster", "Why better than Hadoop", "RDDs",
          "Lineage", "Driver, transformations, actions, shuffles", "The word counts", "The word count, step by step",
          "Broadcast variables and accumulators", "There's more", "Credits and reading"]


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"slides_{name}", SLIDES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(SLIDES))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(SLIDES))
    return module


build = _load("build")
figures = _load("figures")


def _browser_or_skip(what: str) -> str:
    """The browser the build would use, or skip the test saying why (before the build is requested)."""
    browser = build.find_browser()
    if browser is None:
        pytest.skip(f"{build.no_browser_reason()}: {what} needs Chromium or Chrome (apt-get install chromium)")
    return browser


@pytest.fixture(scope="module")
def build_log() -> str:
    """Run `make slides` once for this module (the PDF too when a browser is found); its output."""
    missing = [tool for tool in ("node", "npm") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: the deck is built with Marp CLI from npm "
                    "(see slides/README.md)")
    r = subprocess.run([sys.executable, str(SLIDES / "build.py")], cwd=ROOT, capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, f"make slides failed:\n{r.stdout}\n{r.stderr}"
    return r.stdout


@pytest.fixture(scope="module")
def built(build_log) -> str:
    """The built deck's HTML."""
    return build.HTML_OUT.read_text(encoding="utf-8")


def _slides(text: str) -> list[str]:
    return build.split_slides(text)[1]


# -- the source --------------------------------------------------------------------------------------
def test_deck_covers_every_topic_in_order_and_every_notebook():
    text = DECK.read_text(encoding="utf-8")
    titles = re.findall(r"^#{1,2} (.+)$", text, flags=re.M)
    positions = []
    for topic in TOPICS:
        hits = [i for i, t in enumerate(titles) if topic.lower() in t.lower()]
        assert hits, f"no slide title mentions {topic!r}"
        positions.append(hits[0])
    assert positions == sorted(positions), "the lecture's topics are out of order: " + \
        ", ".join(t for _, t in sorted(zip(positions, TOPICS)))
    for nb in NOTEBOOKS:
        assert nb in text, f"no slide points to notebooks/{nb}.ipynb"


def test_every_slide_has_speaker_notes():
    for i, slide in enumerate(_slides(DECK.read_text(encoding="utf-8")), start=1):
        notes = [c for c in re.findall(r"<!--(.*?)-->", slide, flags=re.S) if not build.DIRECTIVE.match(c)]
        assert notes, f"slide {i} has no speaker notes (an HTML comment): {slide.strip()[:60]!r}"


def test_notes_text_names_each_slide_and_leaves_out_directives_and_code_comments():
    deck = ("---\nmarp: true\n---\n<!-- _class: lead -->\n<!-- _paginate: false -->\n# Title slide\n\n"
            "<!--\nSay hello.\n-->\n"
            "---\n\n```python\n# not a title\nx = 1\n```\n\n## Real title\n<!-- one -->\n<!-- two -->\n"
            "---\nno heading here\n")
    assert build.notes_text(deck) == ("Slide 1: Title slide\n\nSay hello.\n\n---\n\n"
                                      "Slide 2: Real title\n\none\n\ntwo\n\n---\n\n"
                                      "Slide 3: (untitled)\n\n(no notes)\n")


def test_gray_sort_record_cites_its_source():
    slide = next(s for s in _slides(DECK.read_text(encoding="utf-8")) if "100 TB sort" in s)
    assert "sortbenchmark.org" in slide and "Databricks" in slide


# -- the offline check itself ------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [
    '<img src="https://cdn.example.org/x.png">',
    "<script src='//cdn.example.org/x.js'></script>",
    '<link rel="stylesheet" href="http://fonts.example.org/a.css">',
    '<link rel="stylesheet" href="theme.css">',
    '<img src="figures/cluster.svg">',
    '<div style="background-image:url(&quot;figures/x.svg&quot;)"></div>',
    "<style>section { background: url(https://example.org/bg.png) }</style>",
    "<style>@import 'theme.css';</style>",
    '<svg><image xlink:href="https://example.org/a.png"/></svg>',
])
def test_offline_check_catches(bad):
    assert build.offline_problems(f"<html><body>{bad}</body></html>")


def test_offline_check_accepts_inline_and_anchor_links():
    ok = ('<img src="data:image/svg+xml;base64,PHN2Zy8+"><a href="#3">next</a><a href="../notebooks/x.ipynb">nb</a>'
          '<svg xmlns="http://www.w3.org/2000/svg"><use href="#g1"/></svg>'
          '<div style="background:url(data:image/png;base64,AA)">')
    assert build.offline_problems(ok) == []


def test_inlining_fails_loudly_on_a_missing_image(tmp_path):
    (tmp_path / "a.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    out = build.inline_images('<img src="a.svg"><p style="background:url(&quot;a.svg&quot;)">', tmp_path)
    assert "a.svg" not in out and out.count("data:image/svg+xml;base64,") == 2
    with pytest.raises(build.BuildError, match="missing.svg"):
        build.inline_images('<img src="missing.svg">', tmp_path)


# -- the measured figure reads numbers, never invents them ------------------------------------------------
def test_measured_figure_comes_from_benchmark_results(tmp_path, monkeypatch):
    monkeypatch.setattr(figures, "MEASURED_SOURCES", (tmp_path / "none.json",))
    assert figures.measured(tmp_path / "m.svg") is None and not (tmp_path / "m.svg").exists()
    results = tmp_path / "latest.json"
    results.write_text(json.dumps({"machine": {"cpus": 2, "when": "2026-01-01 00:00:00"}, "results": [
        {"benchmark": "demo", "name": "speedup with 2 workers", "value": 1.7, "unit": "x", "target": 1.5}]}))
    monkeypatch.setattr(figures, "MEASURED_SOURCES", (results,))
    svg = figures.measured(tmp_path / "m.svg").read_text()
    assert "<svg" in svg


def test_measured_figure_reads_the_file_the_benchmarks_write(tmp_path, monkeypatch):
    """`make bench` then `make slides`: the figure takes the results exactly as benchmarks/__main__ writes them."""
    from benchmarks.__main__ import record

    rows = [record({"name": name, "value": 1.7, "unit": "x"}, "demo", busy=0.0, load_before=0.3)
            for name in ("GridSearchCV n_jobs=2 vs 1", "session() start + first job vs bare SparkSession.builder")]
    results = tmp_path / "latest.json"
    results.write_text(json.dumps({"machine": {"cpus": 2, "when": "2026-01-01 00:00:00"}, "results": rows}))
    monkeypatch.setattr(figures, "MEASURED_SOURCES", (results,))
    assert "<svg" in figures.measured(tmp_path / "m.svg").read_text()
    assert [figures._target(r) for r in rows] == [(">=", 1.8), ("<=", 1.1)]


def test_figures_are_reproducible(built, tmp_path):
    """A fresh drawing is byte-identical to the build's (no dates, no random ids in the SVGs)."""
    for name, draw in figures.DIAGRAMS.items():  # (the measured figure depends on benchmark files)
        assert draw(tmp_path / name).read_bytes() == (build.SRC / "figures" / name).read_bytes(), \
            f"{name} differs between two drawings"


# -- the built deck ----------------------------------------------------------------------------------
def test_built_deck_is_self_contained(built):
    assert build.offline_problems(built) == []
    # independent of the build's own check: nothing that a browser would fetch from a server
    for m in re.finditer(r'\s(?:src|href|srcset|poster|xlink:href)=(["\'])(.*?)\1', built, flags=re.S):
        value = htmllib.unescape(m.group(2))
        assert not re.match(r"(?i)\s*(https?:)?//", value), f"external resource in the deck: {value[:100]}"
    assert not re.search(r"(?i)url\(\s*(&quot;|[\"'])?\s*(https?:)?//", built), "external CSS url() in the deck"
    assert not re.search(r"(?i)@import", built), "CSS @import in the deck"


def test_built_deck_has_every_figure_inlined(built):
    srcs = re.findall(r'<img\b[^>]*\ssrc="([^"]*)"', built)
    expected = set(re.findall(r"figures/([\w.-]+\.svg)", DECK.read_text(encoding="utf-8")))
    drawn = {p.name for p in (build.SRC / "figures").iterdir()}
    assert expected - build.OPTIONAL_FIGURES <= drawn, f"figures not drawn: {expected - drawn}"
    assert len(srcs) == len(expected & drawn), f"{len(srcs)} images in the deck, expected {len(expected & drawn)}"
    for src in srcs:
        assert src.startswith("data:image/svg+xml;base64,"), f"image not inlined: {src[:80]}"
        assert b"<svg" in base64.b64decode(src.split(",", 1)[1]), "an inlined image is not an SVG"


def test_built_deck_has_notes_and_presenter_view(built):
    n_slides = len(re.findall(r"<svg\b[^>]*data-marpit-svg", built))
    notes = set(re.findall(r'class="bespoke-marp-note" data-index="(\d+)"', built))
    assert n_slides >= len(TOPICS) and len(notes) == n_slides, f"{len(notes)} notes for {n_slides} slides"
    assert "bespoke-marp-presenter" in built, "the presenter view is missing"


def _words(html_or_text: str, tag: str = " ") -> str:
    """The visible text, whitespace collapsed (each tag replaced by `tag`)."""
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", tag, html_or_text)).split())


def test_notes_file_matches_the_presenter_view_slide_by_slide(built):
    """The notes file (made without a browser) holds, per slide, its number, its title and the very notes
    the HTML's presenter view shows."""
    in_html = dict(re.findall(r'<div class="bespoke-marp-note" data-index="(\d+)"[^>]*>(.*?)</div>', built, flags=re.S))
    blocks = build.NOTES_OUT.read_text(encoding="utf-8").rstrip("\n").split("\n\n---\n\n")
    # each slide's first heading, as the HTML shows it (markdown rendered)
    sections = re.split(r"<svg\b[^>]*data-marpit-svg", built)[1:]
    titles = [re.search(r"<h[1-6][^>]*>(.*?)</h[1-6]>", s, flags=re.S) for s in sections]
    assert len(blocks) == len(in_html), f"{len(blocks)} blocks in {build.NOTES_OUT.name} for {len(in_html)} slides"
    for i, block in enumerate(blocks):
        head, _, notes = block.partition("\n\n")
        assert re.fullmatch(rf"Slide {i + 1}: .+", head), f"block {i + 1} starts with {head!r}"
        assert _words(notes) == _words(in_html[str(i)]), f"slide {i + 1}: the notes differ from the presenter view's"
        title = head.split(": ", 1)[1]
        shown = _words(titles[i].group(1), tag="") if titles[i] else "(untitled)"
        assert _words(title.replace("`", "").replace("**", "")) == shown, f"slide {i + 1}: {title!r} is not {shown!r}"


def test_pdf_has_one_page_and_one_note_per_slide(request):
    _browser_or_skip("the PDF")
    html = request.getfixturevalue("built")
    assert "PDF with notes" in request.getfixturevalue("build_log")
    pdf = build.PDF_OUT.read_bytes()
    assert pdf.startswith(b"%PDF-"), f"{build.PDF_OUT} is not a PDF"
    # Chromium compresses most objects into object streams: inflate those to count pages and notes.
    parts = [pdf]
    for m in re.finditer(rb"<<((?:(?!>>\s*stream).)*?)>>\s*stream\r?\n", pdf, flags=re.S):
        length = re.search(rb"/Length\s+(\d+)\b", m.group(1))
        if b"/FlateDecode" in m.group(1) and length:
            try:
                parts.append(zlib.decompress(pdf[m.end():m.end() + int(length.group(1))]))
            except zlib.error:
                pass
    objects = b"".join(parts)
    n_slides = len(re.findall(r"<svg\b[^>]*data-marpit-svg", html))
    assert len(re.findall(rb"/Type\s*/Page\b", objects)) == n_slides, "one PDF page per slide"
    assert len(re.findall(rb"/Subtype\s*/Text\b", objects)) == n_slides, "one note annotation per slide"


def test_built_deck_renders_with_the_network_blocked(request):
    browser = _browser_or_skip("the headless render check")
    request.getfixturevalue("built")
    r = subprocess.run(["node", str(SLIDES / "render_check.mjs"), str(build.HTML_OUT)], cwd=ROOT,
                       capture_output=True, text=True, timeout=180, env=dict(os.environ, CHROME_PATH=browser))
    assert r.returncode == 0, f"render check failed:\n{r.stdout}\n{r.stderr}"
    assert json.loads(r.stdout)["problems"] == []
