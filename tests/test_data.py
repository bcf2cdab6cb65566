"""Bundled and generated data, and the clear errors bad input gets."""

from __future__ import annotations

from collections import Counter

import pytest

from cs109par import data


def test_bundled_corpus_is_real_text_with_the_documented_word_count():
    text = data.read_text(data.corpus_path())
    words = text.split()
    assert len(words) == 65_501
    assert Counter(words)["the"] > 1000


def test_make_corpus_is_deterministic_and_at_least_the_requested_size(tmp_path):
    a = data.make_corpus(tmp_path / "a.txt", 0.3, seed=1)
    b = data.make_corpus(tmp_path / "b.txt", 0.3, seed=1)
    c = data.make_corpus(tmp_path / "c.txt", 0.3, seed=2)
    assert a.read_bytes() == b.read_bytes() != c.read_bytes()
    assert a.stat().st_size >= 300_000
    assert a.read_bytes().endswith(b"\n")
    assert not list(tmp_path.glob("*.partial"))


def test_make_corpus_uses_only_whole_lines_of_its_source(tmp_path):
    src = tmp_path / "src.txt"
    src.write_text("alpha beta\ngamma\n\n  \ndelta épsilon\n", encoding="utf-8")
    out = data.make_corpus(tmp_path / "out.txt", 0.01, source=src)
    assert set(out.read_text(encoding="utf-8").splitlines()) == {"alpha beta", "gamma", "delta épsilon"}


def test_make_corpus_rejects_a_non_positive_size(tmp_path):
    with pytest.raises(data.DataError, match="size_mb must be positive"):
        data.make_corpus(tmp_path / "x.txt", 0)


def test_generated_corpus_is_cached_between_calls(tmp_path, monkeypatch):
    (tmp_path / data.CORPUS_NAME).write_bytes(data.corpus_path().read_bytes())
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path))
    first = data.generated_corpus(1)
    mtime = first.stat().st_mtime_ns
    assert data.generated_corpus(1) == first and first.stat().st_mtime_ns == mtime
    assert first.parent == tmp_path / "generated"


def test_missing_path_error_names_the_file(tmp_path):
    with pytest.raises(data.DataError, match=r"nope\.txt: no such file"):
        data.validate_text_file(tmp_path / "nope.txt")


def test_directory_error_says_it_is_a_folder(tmp_path):
    with pytest.raises(data.DataError, match="is a folder"):
        data.validate_text_file(tmp_path)


def test_empty_file_is_an_error_unless_allowed(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(data.DataError, match="empty.txt: is empty"):
        data.validate_text_file(empty)
    assert data.validate_text_file(empty, allow_empty=True) == empty


def test_binary_file_is_rejected_with_the_offset_of_the_nul_byte(tmp_path):
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"abc\0def")
    with pytest.raises(data.DataError, match=r"blob.bin: looks binary \(a NUL byte at offset 3\)"):
        data.validate_text_file(blob)


def test_latin1_file_is_rejected_as_not_utf8_with_the_offset(tmp_path):
    latin = tmp_path / "latin.txt"
    latin.write_bytes("café au lait".encode("latin-1"))
    with pytest.raises(data.DataError, match=r"latin.txt: is not UTF-8 \(bad byte at offset 3\)"):
        data.validate_text_file(latin)


def test_file_ending_inside_a_multibyte_character_is_rejected(tmp_path):
    cut = tmp_path / "cut.txt"
    cut.write_bytes("naïve".encode()[:3])
    with pytest.raises(data.DataError, match="ends inside a multi-byte character"):
        data.validate_text_file(cut)


def test_utf8_split_across_read_chunks_is_accepted(tmp_path):
    # A multi-byte character straddling the 1 MiB read boundary must not look like bad UTF-8.
    p = tmp_path / "straddle.txt"
    p.write_bytes(b"a" * ((1 << 20) - 1) + "é".encode())
    assert data.validate_text_file(p) == p


def test_missing_data_folder_error_says_how_to_point_at_it(monkeypatch, tmp_path):
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(data.DataError, match="CS109PAR_DATA"):
        data.data_dir()


def test_digits_are_scikit_learns_bundled_set():
    X, y = data.digits()
    assert X.shape == (1797, 64) and set(y) == set(range(10))
