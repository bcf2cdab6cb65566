"""count_words on a generated 50 MB corpus: 2 processes vs 1, and vs the single-process one-liner.

Each configuration is timed 3 times and the best run kept (the first run also warms the OS file cache).
"""

from __future__ import annotations

from cs109par import data, timing, wordcount

REPEAT = 3


def run() -> list[dict]:
    path = data.generated_corpus(50)
    size = path.stat().st_size
    t_counter, reference = timing.measure(wordcount.reference_count, path, repeat=REPEAT)
    t_one, one = timing.measure(wordcount.count_words, path, 1, repeat=REPEAT)
    t_two, two = timing.measure(wordcount.count_words, path, 2, repeat=REPEAT)
    if not (one == reference and two == reference):
        raise AssertionError("count_words disagrees with Counter(open(path).read().split())")
    return [
        {"name": "Counter(read().split()) throughput", "value": timing.throughput_mb_s(size, t_counter),
         "unit": "MB/s"},
        {"name": "count_words(1) throughput", "value": timing.throughput_mb_s(size, t_one), "unit": "MB/s"},
        {"name": "count_words(2) throughput", "value": timing.throughput_mb_s(size, t_two), "unit": "MB/s"},
        {"name": "count_words 2 processes vs 1", "value": t_one / t_two, "unit": "x"},
        {"name": "count_words(2) vs single-process Counter", "value": t_counter / t_two, "unit": "x"},
    ]
