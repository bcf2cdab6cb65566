"""The nbval sanitizer masks what varies between machines and runs, and nothing a reader needs.

The committed notebook outputs are made in one clone and compared in another (CI clones under /check/...,
a student under /Users/<name>/... or C:\\Users\\...), so every absolute path has to be masked wherever it
appears: in plain prints, in Spark's lineage strings and inside IPython's coloured tracebacks.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from nbval.plugin import get_sanitize_patterns

CONFIG = Path(__file__).with_name("nbval-sanitize.cfg")
PATTERNS = get_sanitize_patterns(CONFIG.read_text(encoding="utf-8"))

CLONES = ["/work/main", "/check/work/main", "/opt/course/cs109par", "/Users/ann/cs109par", "/srv/x"]


def sanitize(text: str) -> str:
    # the same loop nbval runs over every output
    for regex, replace in PATTERNS:
        text = re.sub(regex, replace, text)
    return text


def test_config_parses_into_patterns_nbval_can_compile():
    assert len(PATTERNS) >= 15
    for regex, _ in PATTERNS:
        re.compile(regex)


@pytest.mark.parametrize(
    "template",
    [
        "[ok     ] Python: Python 3.11.2 ({root}/.venv/bin/python)",
        "DataError: no such file: no-such-file.txt (looked in the current folder: {root}/notebooks).",
        "    |  {root}/data/python-docs.txt MapPartitionsRDD[3] at textFile at NativeMethodAccessorImpl.java:0 []",
        "\x1b[36mFile \x1b[39m\x1b[32m{root}/cs109par/recovery.py:82\x1b[39m, in \x1b[36mfit_loop\x1b[39m",
        "Path does not exist: file:{root}/data/missing.txt",
    ],
)
def test_output_is_the_same_from_every_clone_location(template):
    masked = {sanitize(template.format(root=root)) for root in CLONES}
    assert len(masked) == 1, masked
    assert "<PATH>" in masked.pop()


def test_windows_clone_paths_are_masked_too():
    a = sanitize(r"[ok     ] Python: Python 3.11.2 (C:\Users\ann\cs109par\.venv\Scripts\python.exe)")
    assert a == "[ok     ] Python: Python <VERSION> (<PATH>)"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Spark UI: http://127.0.0.1:4040/jobs/", "Spark UI: http://127.0.0.1:<PORT>/jobs/"),
        ("master: spark://127.0.0.1:7077", "master: <MASTER>"),
        ("throughput 23.4 MB/s", "throughput <THROUGHPUT>"),
        ("map/reduce on 1/2 of the data", "map/reduce on 1/2 of the data"),
        ("see notebooks/04-spark-rdds.ipynb", "see notebooks/04-spark-rdds.ipynb"),
    ],
)
def test_urls_units_and_relative_paths_stay_readable(text, expected):
    assert sanitize(text) == expected


# One rule per *kind* of volatile text, never one per print: rewording a print in a notebook must not
# break the tests far from the cause. A new kind is added here on purpose, with its reason in the file.
GENERIC_SECTIONS = {
    "durations", "ratios", "percent", "throughput", "sizes", "versions", "pids", "ports", "ipykernel-paths",
    "temp-paths", "absolute-paths", "cores", "hex-addresses", "ipyparallel-ids", "spark-ids", "spark-masters",
    "this-run", "busy-note", "driver-network",
}


def test_the_sanitizer_has_generic_rules_only():
    import configparser

    parser = configparser.ConfigParser()
    parser.read_string(CONFIG.read_text(encoding="utf-8"))
    sections = set(parser.sections())
    assert not {s for s in sections if re.match(r"nb\d", s)}, "a section tied to one notebook"
    assert sections <= GENERIC_SECTIONS, f"new sanitizer sections {sections - GENERIC_SECTIONS}: generic ones only"


def test_counts_printed_with_this_run_are_masked_whatever_the_value():
    from cs109par.timing import this_run

    outs = {sanitize(f"worth it from: {this_run(n, 'items')}") for n in (979, 12_345, float("inf"))}
    assert outs == {"worth it from: <N> (this run)"}
    assert sanitize(f"{this_run(27, 'task attempts')} for 18 tasks") == "<N> (this run) for 18 tasks"


def test_signed_sizes_are_masked_with_their_sign():
    # notebook 03 prints how much memory each engine gained: "+12.3 MB" on one run, "-0.0 MB" on the next
    assert sanitize("RSS +12.3 MB, USS -0.0 MB") == sanitize("RSS -0.1 MB, USS +0.4 MB") == "RSS <SIZE>, USS <SIZE>"


def test_spark_ids_and_masters_are_masked():
    assert sanitize("PythonRDD[26] at collect") == sanitize("PythonRDD[3] at collect")
    assert sanitize("Broadcast(12) was destroyed") == sanitize("Broadcast(4) was destroyed")
    assert sanitize("master: local[*]") == sanitize("master: spark://10.0.0.5:7077") == "master: <MASTER>"


def test_the_busy_machine_note_disappears_so_busy_and_quiet_runs_compare_equal():
    from cs109par.timing import busy_note

    note = busy_note(speedup=0.8)
    assert note
    assert sanitize(f"speedup 0.80x\n{note}\nnext line\n") == sanitize("speedup 1.70x\nnext line\n")


def test_the_driver_address_line_of_a_remote_master_disappears():
    line = "Spark network: the driver listens on 10.213.4.1 (the route to the master), so executors connect back.\n"
    assert sanitize(line + "master: spark://10.213.4.2:7077\n") == sanitize("master: local[*]\n")
