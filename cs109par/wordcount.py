"""Word count, split over processes by hand: the lecture's map-reduce on one machine.

Two layers:

* the teaching steps of notebook 01 on a small list of words — :func:`split_words` (the master
  splits), :func:`map_pairs` (each worker emits ``(word, 1)``), :func:`shuffle` (group the pairs by
  word), :func:`reduce_group` (sum each group);
* :func:`count_words`, the real thing for a large file: the master cuts the file into byte ranges
  whose edges sit on whitespace, each worker opens the file and reads and counts *its own* range
  (:func:`count_range`), and the master adds the partial counts up. Only two integers per worker go
  through the pool, never the text.

>>> from cs109par import data, wordcount
>>> wordcount.count_words(data.corpus_path(), processes=2).most_common(3)   # doctest: +ELLIPSIS
[('the', ...), ...]

Every function a worker runs lives here, in an importable module, so it works under every start
method (``fork``, ``spawn``, ``forkserver``); functions defined in a notebook work under ``fork`` only.
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from .data import DataError, validate_text_file

#: The bytes that ``str.split()`` treats as whitespace and that are single ASCII characters. A UTF-8
#: multi-byte character never contains a byte below 0x80, so a cut just before one of these bytes
#: never splits a character. (``str.split`` also splits at non-ASCII spaces such as U+00A0; we simply
#: never cut there, which is always safe.)
WHITESPACE = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_WHITESPACE_BYTES = [bytes([b]) for b in WHITESPACE]
_SPACE_RE = re.compile(b"[" + re.escape(WHITESPACE) + b"]")

#: How much a worker reads at a time (it counts block by block, so memory stays small). Small blocks keep
#: each block's words in the core's cache: measured on the 50 MB benchmark corpus (2 cores, best of 5), the
#: whole file took 0.85 s in one process and its two halves 0.43 s side by side with 64 KiB blocks, against
#: 0.99 s and 0.55 s with 4 MiB blocks.
BLOCK_BYTES = 64 << 10


# --------------------------------------------------------------------------------------------------
# The teaching steps (notebook 01, section 1): map, shuffle, reduce on a list of words
# --------------------------------------------------------------------------------------------------


def split_words(words: Sequence[str], n_chunks: int) -> list[list[str]]:
    """The master's split: ``n_chunks`` contiguous chunks whose sizes differ by at most one.

    The chunk size is an *integer* (``divmod``), which is the fix for the lecture's ``len(text) / 8``.

    >>> split_words(["a", "b", "c", "d", "e"], 2)
    [['a', 'b', 'c'], ['d', 'e']]
    >>> split_words(["a"], 3)                  # never an empty chunk
    [['a']]
    """
    if n_chunks < 1:
        raise ValueError(f"n_chunks must be at least 1, got {n_chunks}")
    n_chunks = min(n_chunks, len(words)) or 1
    size, extra = divmod(len(words), n_chunks)
    chunks, start = [], 0
    for i in range(n_chunks):
        stop = start + size + (i < extra)
        chunks.append(list(words[start:stop]))
        start = stop
    return chunks


def map_pairs(chunk: Iterable[str]) -> list[tuple[str, int]]:
    """The map step, run by a worker on its chunk: one ``(word, 1)`` pair per word.

    >>> map_pairs(["cat", "rat", "cat"])
    [('cat', 1), ('rat', 1), ('cat', 1)]
    """
    return [(word, 1) for word in chunk]


def shuffle(mapped: Iterable[Iterable[tuple[str, int]]]) -> dict[str, list[int]]:
    """The shuffle: bring every pair with the same key together, whichever worker emitted it.

    >>> shuffle([[("cat", 1), ("rat", 1)], [("cat", 1)]])
    {'cat': [1, 1], 'rat': [1]}
    """
    groups: dict[str, list[int]] = {}
    for pairs in mapped:
        for word, one in pairs:
            groups.setdefault(word, []).append(one)
    return dict(sorted(groups.items()))


def reduce_group(item: tuple[str, list[int]]) -> tuple[str, int]:
    """The reduce step for one key: ``("cat", [1, 1])`` -> ``("cat", 2)``.

    >>> reduce_group(("cat", [1, 1]))
    ('cat', 2)
    """
    word, ones = item
    return word, sum(ones)


def count_chunk(chunk: Iterable[str]) -> Counter:
    """Map and combine in one go: a worker's partial counts for its chunk (what real code sends back)."""
    return Counter(chunk)


# --------------------------------------------------------------------------------------------------
# count_words: byte ranges aligned to whitespace, each worker reads its own range
# --------------------------------------------------------------------------------------------------


def _next_space(fh, offset: int, size: int, step: int = 1 << 16) -> int:
    """The position of the first whitespace byte at or after ``offset`` (``size`` if there is none)."""
    fh.seek(offset)
    pos = offset
    while pos < size:
        block = fh.read(step)
        if not block:
            break
        found = _SPACE_RE.search(block)
        if found:
            return pos + found.start()
        pos += len(block)
    return size


def byte_ranges(path: str | os.PathLike, n: int) -> list[tuple[int, int]]:
    """Cut the file into at most ``n`` ranges ``[start, end)`` that cover it exactly.

    The rule: the nominal cut ``k * size // n`` moves forward to the next whitespace byte, and the
    range on the right *starts at* that byte. A word therefore never straddles two ranges (the byte
    at every cut is whitespace), and no byte is in two ranges (each cut is the end of one range and
    the start of the next). Cuts that land on the same byte merge, so a file with fewer words than
    ``n`` gives fewer ranges; an empty file gives none.
    """
    if n < 1:
        raise ValueError(f"the number of ranges must be at least 1, got {n}")
    size = os.path.getsize(path)
    if size == 0:
        return []
    cuts = [0]
    with open(path, "rb") as fh:
        for k in range(1, n):
            nominal = max(k * size // n, cuts[-1])
            cut = _next_space(fh, nominal, size)
            if cut > cuts[-1] and cut < size:
                cuts.append(cut)
    cuts.append(size)
    return list(zip(cuts[:-1], cuts[1:]))


def _last_space(block: bytes) -> int:
    """Index of the last whitespace byte in ``block``, or -1 (looks at the tail first: in text the
    last space is close to the end, and this avoids scanning the whole block for rare bytes)."""
    for window in (1 << 10, 1 << 16, len(block)):
        tail = block[-window:]
        i = max(tail.rfind(b) for b in _WHITESPACE_BYTES)
        if i >= 0:
            return len(block) - len(tail) + i
        if window >= len(block):
            break
    return -1


def count_range(path: str | os.PathLike, start: int, end: int, block_bytes: int = BLOCK_BYTES) -> Counter:
    """A worker's job: read bytes ``[start, end)`` of ``path`` itself, decode them, count the words.

    It reads block by block, carrying the tail after a block's last whitespace byte over to the next
    block, so memory stays near ``block_bytes`` whatever the range's size. Raises :class:`DataError`
    (naming the file and the offset) if the bytes are not UTF-8.
    """
    counts: Counter = Counter()
    carry = b""
    pos = start
    with open(path, "rb") as fh:
        fh.seek(start)
        while pos < end:
            block = fh.read(min(block_bytes, end - pos))
            if not block:
                break
            pos += len(block)
            data = carry + block
            cut = len(data) if pos >= end else _last_space(data) + 1
            if cut == 0:  # no whitespace in this block: keep reading (a very long word)
                carry = data
                continue
            counts.update(_decode(data[:cut], path, pos - len(data)).split())
            carry = data[cut:]
    if carry:
        counts.update(_decode(carry, path, pos - len(carry)).split())
    return counts


def _decode(data: bytes, path: Any, offset: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: is not UTF-8 (bad byte at offset {offset + exc.start}).") from None


def _count_range_args(args: tuple[str, int, int]) -> Counter:
    return count_range(*args)


def _check_path(path: str | os.PathLike) -> Path:
    """The cheap checks, done by the master before any worker starts (the UTF-8 check is done by the
    workers, in parallel, as they decode their ranges)."""
    p = Path(path)
    if not p.exists() or p.is_dir() or not p.is_file():
        validate_text_file(p)  # raises the course's standard DataError naming the path
    return p


def count_words(
    path: str | os.PathLike,
    processes: int | None = None,
    *,
    start_method: str | None = None,
    pool: Any = None,
    caller_counts: bool = True,
) -> Counter:
    """Count the whitespace-separated words of a UTF-8 text file with ``processes`` worker processes.

    The result equals ``Counter(open(path, encoding="utf-8").read().split())`` for every file and
    every ``processes >= 1``. ``processes=None`` uses every core; ``processes=1`` counts in this
    process (no pool: the baseline a speedup is measured against).

    ``start_method`` picks how workers start (``"fork"``, ``"spawn"``, ``"forkserver"``; default:
    the platform's). ``pool`` reuses an existing ``multiprocessing`` pool or
    ``concurrent.futures`` executor instead of starting one (it is not closed). With
    ``caller_counts`` (the default) this process counts one range itself while ``processes - 1``
    workers count the others; ``caller_counts=False`` is the simple version, where ``processes``
    workers count and this process only waits (notebook 01 measures the difference).

    Raises :class:`~cs109par.data.DataError` naming the path for a missing path, a folder, or bytes
    that are not UTF-8. An empty file gives an empty Counter.
    """
    if processes is None:
        processes = os.cpu_count() or 1
    if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
        raise ValueError(f"processes must be a whole number >= 1, got {processes!r}")
    p = _check_path(path)
    ranges = byte_ranges(p, processes)
    jobs = [(str(p), start, end) for start, end in ranges]
    try:
        if not jobs:
            return Counter()
        if pool is not None:
            partials = list(pool.map(_count_range_args, jobs))
        elif processes == 1 or len(jobs) == 1:
            partials = [_count_range_args(job) for job in jobs]
        elif caller_counts:
            partials = _count_with_helpers(jobs, start_method)
        else:
            with multiprocessing.get_context(start_method).Pool(len(jobs)) as workers:
                partials = workers.map(_count_range_args, jobs, chunksize=1)
    except DataError:
        # Re-check the whole file for the standard message (with the fix); it raises.
        validate_text_file(p, allow_empty=True)
        raise
    return merge_counts(partials)


def _count_with_helpers(jobs: list[tuple[str, int, int]], start_method: str | None) -> list[Counter]:
    """Count ``jobs`` with ``len(jobs) - 1`` worker processes while this process counts the last range.

    The caller would otherwise sit idle waiting: counting a range here saves starting one worker and
    pickling its partial counts back (the fixed, serial part of the job: see notebook 01's Amdahl section).
    """
    ctx = multiprocessing.get_context(start_method)
    with ctx.Pool(len(jobs) - 1) as workers:
        pending = workers.map_async(_count_range_args, jobs[:-1], chunksize=1)
        mine = _count_range_args(jobs[-1])
        return [mine, *pending.get()]


def merge_counts(partials: Sequence[Counter]) -> Counter:
    """Add partial counts up, into the largest one (no copy of it is made): the reduce step.

    >>> merge_counts([Counter(a=1), Counter(a=2, b=1)])
    Counter({'a': 3, 'b': 1})
    """
    if not partials:
        return Counter()
    largest = max(range(len(partials)), key=lambda i: len(partials[i]))
    total = partials[largest]
    for i, part in enumerate(partials):
        if i != largest:
            total.update(part)
    return total


def reference_count(path: str | os.PathLike) -> Counter:
    """The single-process answer ``count_words`` must equal: read everything, split, count."""
    with open(path, encoding="utf-8") as fh:
        return Counter(fh.read().split())


__all__ = [
    "WHITESPACE",
    "split_words",
    "map_pairs",
    "shuffle",
    "reduce_group",
    "count_chunk",
    "byte_ranges",
    "count_range",
    "count_words",
    "merge_counts",
    "reference_count",
]
