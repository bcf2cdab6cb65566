"""Claims that hold on a busy laptop: the measuring helpers the notebooks use print a one-line note when the
machine is busy (timing.warn_if_busy), proven under a real CPU hog, and say nothing about a good speedup on a
quiet machine. The machine these tests run on is shared and may never be quiet, so the quiet case is shown
with the load reading replaced, and only the busy case is measured for real."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from cs109par import data, timing
from cs109par import wordcount as wc

# Spins both cores for tens of seconds: left out of `make unit`, run by `make test`.
pytestmark = pytest.mark.slow


def test_no_note_for_a_good_speedup_on_a_quiet_machine(monkeypatch, capsys):
    monkeypatch.setattr(timing, "load_per_core", lambda: 0.3)
    assert timing.busy_note(speedup=1.9) == ""
    assert timing.busy_note() == ""
    timing.warn_if_busy(1.9)
    assert capsys.readouterr().out == ""


def test_the_note_names_the_load_or_the_low_speedup(monkeypatch):
    monkeypatch.setattr(timing, "load_per_core", lambda: 2.5)
    assert "busy (load 2.5 per core)" in timing.busy_note(speedup=1.9)
    monkeypatch.setattr(timing, "load_per_core", lambda: 0.3)
    assert "lower than expected" in timing.busy_note(speedup=0.84)


def start_hogs(n: int) -> list[subprocess.Popen]:
    """``n`` processes that do nothing but spin a core (what other programs do to a laptop)."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(n)]


def stop_hogs(hogs: list[subprocess.Popen]) -> None:
    for hog in hogs:
        hog.kill()
    for hog in hogs:
        hog.wait(timeout=10)


def test_the_notebooks_measuring_helpers_print_the_note_under_a_cpu_hog(tmp_path, capsys):
    """Notebook 01's measurement (count_words on 1 and 2 processes, timed with timing.scaling) run while other
    processes spin every core: the speedup drops below what the lesson expects, or the load rises above the
    core count, and warn_if_busy prints its note, as the notebooks' measuring cells do."""
    corpus = data.make_corpus(tmp_path / "corpus.txt", 8)
    expected = wc.reference_count(corpus)
    cores = os.cpu_count() or 1
    hogs = start_hogs(4 * cores)
    try:
        deadline = time.monotonic() + 120  # the 1-minute load average needs a few tens of seconds to rise
        while True:
            runs = timing.scaling(lambda n: wc.count_words(corpus, n), workers=[1, 2])
            speedup = runs[1].speedup
            note = timing.busy_note(speedup)
            if note or time.monotonic() > deadline:
                break
        assert wc.count_words(corpus, 2) == expected, "a busy machine must change the time, never the count"
        timing.warn_if_busy(speedup)
    finally:
        stop_hogs(hogs)
    printed = capsys.readouterr().out
    load = timing.load_per_core()
    assert note, f"no note under a CPU hog: speedup {speedup:.2f}x, load {load:.1f} per core"
    assert printed.startswith("Note: ") and printed.count("\n") == 1, printed
    assert speedup < timing.LOW_SPEEDUP or "busy (load" in note
