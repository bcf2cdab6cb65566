"""count_words must equal Counter(open(path).read().split()) for every file and every process count.

The chunking is tested exhaustively on small files (every process count up to the file size, so every
byte position is a nominal cut somewhere), in-process; then with real pools under every start method
this platform offers (one pool per method, shared by the tests, since a spawn pool takes ~1 s to start).
"""

from __future__ import annotations

import multiprocessing
from collections import Counter

import pytest

from cs109par import wordcount as wc
from cs109par.data import DataError

# name -> bytes; each one an edge case for the byte-range cutting.
CASES: dict[str, bytes] = {
    "animals": b"cat elephant rat rat cat\n",
    "no-final-newline": b"cat elephant\nrat rat cat",
    "crlf": b"cat\r\nelephant\r\nrat rat\r\ncat\r\n",
    "crlf-no-final": b"cat\r\n\r\nrat\r\ncat",
    "multibyte": "café naïve 日本語 über straße café 😀 日本語\n".encode(),
    "multibyte-dense": "ééé ü ß 日本 😀😀 ééé ü\nß 日本".encode(),
    "runs-of-spaces": b"   cat    rat \t\t rat\n\n\n  cat   ",
    "one-word": b"elephant",
    "one-char": b"x",
    "only-whitespace": b" \n\t\r\n  ",
    "all-ascii-spaces": b"a\x0bb\x0cc\x1cd\x1de\x1ef\x1fg h\ti\nj\rk",
    "unicode-spaces": "a\u00a0b c\u2003d\u3000e f\u2028g\n".encode(),
    "nbsp-only": "un\u00a0deux\u00a0trois".encode(),
    "long-word": b"x" * 100 + b" y " + b"z" * 100,
    "nul-is-text": b"a\x00b c\x00 d",
}


class InProcess:
    """A stand-in pool that maps in this process: tests the cutting without any pool start-up."""

    map = staticmethod(map)


def write(tmp_path, name: str, content: bytes):
    path = tmp_path / f"{name}.txt"
    path.write_bytes(content)
    return path


def process_counts(size: int) -> list[int]:
    """1..60 (every nominal cut on a small file), and more ranges than bytes (so than words)."""
    return sorted(set(range(1, min(size, 60) + 1)) | {size, size + 1, size + 5})


def reference(path) -> Counter:
    return Counter(open(path, encoding="utf-8").read().split())


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_process_count_equals_counter(tmp_path, name):
    path = write(tmp_path, name, CASES[name])
    expected = reference(path)
    for n in process_counts(len(CASES[name])):
        assert wc.count_words(path, n, pool=InProcess()) == expected, f"{name}: {n} ranges"


@pytest.mark.parametrize("name", sorted(CASES))
def test_ranges_cover_the_file_exactly_and_start_on_whitespace(tmp_path, name):
    content = CASES[name]
    path = write(tmp_path, name, content)
    for n in process_counts(len(content)):
        ranges = wc.byte_ranges(path, n)
        assert ranges[0][0] == 0 and ranges[-1][1] == len(content)
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:])), "gap or overlap"
        assert all(start < end for start, end in ranges), "empty range"
        assert len(ranges) <= n
        for start, _ in ranges[1:]:
            assert content[start] in wc.WHITESPACE, f"cut at {start} is not whitespace"


def test_cut_exactly_on_whitespace_stays_there(tmp_path):
    path = write(tmp_path, "on", b"abc def")  # size 7, n=2: nominal cut 3 is the space
    assert wc.byte_ranges(path, 2) == [(0, 3), (3, 7)]
    assert wc.count_words(path, 2, pool=InProcess()) == Counter({"abc": 1, "def": 1})


def test_cut_just_after_whitespace_moves_to_the_next_whitespace(tmp_path):
    path = write(tmp_path, "after", b"ab cdefg hi")  # size 11, n=2: nominal cut 5 -> the space at 8
    assert wc.byte_ranges(path, 2) == [(0, 8), (8, 11)]
    path = write(tmp_path, "after2", b"ab cd")  # nominal cut 2 is the space
    assert wc.byte_ranges(path, 2) == [(0, 2), (2, 5)]
    path = write(tmp_path, "after3", b"a bcd")  # nominal cut 2 is just after the space: no later space
    assert wc.byte_ranges(path, 2) == [(0, 5)]


def test_multibyte_character_straddling_a_nominal_cut_is_not_split(tmp_path):
    content = "aa 日本語 bb".encode()  # 日 occupies bytes 3..5; size 15
    path = write(tmp_path, "straddle", content)
    for n in range(2, 16):
        for start, _ in wc.byte_ranges(path, n)[1:]:
            assert content[start : start + 1].isspace()
        assert wc.count_words(path, n, pool=InProcess()) == Counter({"aa": 1, "日本語": 1, "bb": 1})


def test_crlf_split_across_a_cut(tmp_path):
    content = b"ab\r\ncd"  # size 6, n=2: nominal cut 3 is the \n: the cut falls between \r and \n
    path = write(tmp_path, "crlf", content)
    assert wc.byte_ranges(path, 2) == [(0, 3), (3, 6)]
    assert wc.count_words(path, 2, pool=InProcess()) == Counter({"ab": 1, "cd": 1})
    content = b"abc\r\nd"  # nominal cut 3 is the \r
    path = write(tmp_path, "crlf2", content)
    assert wc.byte_ranges(path, 2) == [(0, 3), (3, 6)]
    assert wc.count_words(path, 2, pool=InProcess()) == Counter({"abc": 1, "d": 1})


@pytest.mark.parametrize("block", [1, 2, 3, 5, 7, 64])
def test_blockwise_reading_inside_a_worker(tmp_path, block):
    """A worker reads its range block by block; a block edge may split a character or a CRLF."""
    for name, content in CASES.items():
        path = write(tmp_path, name, content)
        assert wc.count_range(path, 0, len(content), block_bytes=block) == reference(path), name


def test_empty_file_gives_an_empty_counter(tmp_path):
    path = write(tmp_path, "empty", b"")
    assert wc.count_words(path, 1) == Counter()
    assert wc.count_words(path, 4) == Counter()


def test_processes_none_uses_every_core(tmp_path):
    path = write(tmp_path, "a", CASES["animals"])
    assert wc.count_words(path, pool=InProcess()) == reference(path)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "2"])
def test_bad_process_counts_are_refused(tmp_path, bad):
    path = write(tmp_path, "a", CASES["animals"])
    with pytest.raises(ValueError, match="processes"):
        wc.count_words(path, bad)


def test_missing_path_names_it(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(DataError, match="nope.txt: no such file"):
        wc.count_words(missing, 2)


def test_folder_names_it(tmp_path):
    with pytest.raises(DataError, match=f"{tmp_path.name}: is a folder"):
        wc.count_words(tmp_path, 2)


@pytest.mark.parametrize("processes", [1, 3])
def test_non_utf8_names_the_path_and_offset(tmp_path, processes):
    path = write(tmp_path, "latin1", "café au lait, crème brûlée\n".encode("latin-1") * 3)
    with pytest.raises(DataError, match=r"latin1.txt: is not UTF-8 \(bad byte at offset 3\)"):
        wc.count_words(path, processes, pool=InProcess() if processes > 1 else None)


def test_file_ending_inside_a_multibyte_character(tmp_path):
    path = write(tmp_path, "truncated", "abc 日本".encode()[:-1])
    with pytest.raises(DataError, match="truncated.txt: is not UTF-8"):
        wc.count_words(path, 2, pool=InProcess())


def test_teaching_steps_give_the_lectures_animals():
    from cs109par.data import ANIMALS

    chunks = wc.split_words(ANIMALS, 2)
    assert chunks == [["cat", "elephant", "rat"], ["rat", "cat"]]
    groups = wc.shuffle(wc.map_pairs(c) for c in chunks)
    assert groups == {"cat": [1, 1], "elephant": [1], "rat": [1, 1]}
    assert dict(map(wc.reduce_group, groups.items())) == dict(Counter(ANIMALS))
    assert sum((wc.count_chunk(c) for c in chunks), Counter()) == Counter(ANIMALS)


@pytest.mark.parametrize("n_words,n_chunks", [(0, 3), (1, 3), (5, 2), (8, 8), (10, 3), (17, 8)])
def test_split_words_has_integer_chunks_covering_everything(n_words, n_chunks):
    words = [f"w{i}" for i in range(n_words)]
    chunks = wc.split_words(words, n_chunks)
    assert [w for c in chunks for w in c] == words
    sizes = [len(c) for c in chunks]
    assert max(sizes) - min(sizes) <= 1 and len(chunks) <= n_chunks


# --- real pools, under every start method ----------------------------------------------------------

METHODS = multiprocessing.get_all_start_methods()


@pytest.fixture(scope="module", params=METHODS)
def real_pool(request):
    """One 2-process pool per start method, shared by the tests below."""
    with multiprocessing.get_context(request.param).Pool(2) as pool:
        yield request.param, pool


def test_real_pool_equals_counter_on_every_case(tmp_path, real_pool):
    method, pool = real_pool
    for name, content in sorted(CASES.items()):
        path = write(tmp_path, name, content)
        for n in (2, 3, len(content) + 1):
            assert wc.count_words(path, n, pool=pool) == reference(path), f"{method}: {name}, {n}"


def test_real_pool_reports_bad_utf8(tmp_path, real_pool):
    _, pool = real_pool
    path = write(tmp_path, "bad", b"good words " * 20 + b"\xff oops")
    with pytest.raises(DataError, match="bad.txt: is not UTF-8"):
        wc.count_words(path, 4, pool=pool)


def test_real_pool_on_the_bundled_corpus(real_pool):
    from cs109par.data import corpus_path

    _, pool = real_pool
    assert wc.count_words(corpus_path(), 5, pool=pool) == reference(corpus_path())


@pytest.mark.parametrize("method", METHODS)
def test_count_words_starts_its_own_pool_under_every_start_method(tmp_path, method):
    path = write(tmp_path, "multibyte", CASES["multibyte"] * 50 + CASES["crlf"] * 50)
    assert wc.count_words(path, 2, start_method=method) == reference(path)


@pytest.mark.parametrize("caller_counts", [True, False])
@pytest.mark.parametrize("processes", [2, 3])
def test_the_caller_counting_a_range_itself_gives_the_same_counts(tmp_path, processes, caller_counts):
    path = write(tmp_path, "mixed", (CASES["multibyte"] + CASES["crlf"]) * 40)
    assert wc.count_words(path, processes, caller_counts=caller_counts) == reference(path)


def test_a_bad_byte_in_the_callers_own_range_is_reported_and_the_pool_stopped(tmp_path):
    # the caller counts the last range: put the bad byte there
    import multiprocessing

    path = write(tmp_path, "tail", b"good words here\n" * 50 + "café\n".encode("latin-1"))
    before = set(multiprocessing.active_children())
    with pytest.raises(DataError, match="is not UTF-8"):
        wc.count_words(path, 2)
    assert set(multiprocessing.active_children()) <= before


def test_merge_counts_adds_into_the_largest_without_losing_any():
    from collections import Counter

    parts = [Counter(a=1), Counter(a=2, b=1, c=1), Counter(c=5)]
    assert wc.merge_counts(parts) == Counter(a=3, b=1, c=6)
    assert wc.merge_counts([]) == Counter()
