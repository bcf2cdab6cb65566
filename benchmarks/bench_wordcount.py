"""count_words on a generated 50 MB corpus: 2 processes vs 1, and vs the single-process one-liner.

The three ways are timed in turn, round after round (``REPEAT`` rounds), and each keeps its best run:
a moment of interference from outside slows one run of one way, not a whole way (and the first round
also warms the OS file cache). The best of several runs is what the code can do on this machine.
"""

from __future__ import annotations

from cs109par import data, timing, wordcount

REPEAT = 7


def run() -> list[dict]:
    path = data.generated_corpus(50)
    size = path.stat().st_size
    ways = {"counter": (wordcount.reference_count, ()), "one": (wordcount.count_words, (1,)),
            "two": (wordcount.count_words, (2,))}
    best = dict.fromkeys(ways, float("inf"))
    answers = {}
    for _ in range(REPEAT):
        for way, (fn, extra) in ways.items():
            seconds, answers[way] = timing.measure(fn, path, *extra)
            best[way] = min(best[way], seconds)
    if not answers["one"] == answers["two"] == answers["counter"]:
        raise AssertionError("count_words disagrees with Counter(open(path).read().split())")
    t_counter, t_one, t_two = best["counter"], best["one"], best["two"]
    return [
        {"name": "Counter(read().split()) throughput", "value": timing.throughput_mb_s(size, t_counter),
         "unit": "MB/s"},
        {"name": "count_words(1) throughput", "value": timing.throughput_mb_s(size, t_one), "unit": "MB/s"},
        {"name": "count_words(2) throughput", "value": timing.throughput_mb_s(size, t_two), "unit": "MB/s"},
        {"name": "count_words 2 processes vs 1", "value": t_one / t_two, "unit": "x"},
        {"name": "count_words(2) vs single-process Counter", "value": t_counter / t_two, "unit": "x"},
    ]
