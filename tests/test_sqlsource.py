"""The SQLite source: a deterministic database and two reads into Spark that agree with it."""

from __future__ import annotations

import sqlite3

import pytest

from cs109par import data, sqlsource


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    return sqlsource.build_database(tmp_path_factory.mktemp("db") / "course.db")


def test_database_holds_every_nonblank_line(db):
    lines = [ln for ln in data.read_text(data.corpus_path()).splitlines() if ln.strip()]
    assert sqlsource.table_count(db) == len(lines)
    con = sqlite3.connect(db)
    try:
        total = con.execute("SELECT sum(n_words) FROM lines").fetchone()[0]
    finally:
        con.close()
    assert total == len(data.read_text(data.corpus_path()).split())
    expected = [("id", "INTEGER"), ("line_no", "INTEGER"), ("text", "TEXT"), ("n_words", "INTEGER")]
    assert sqlsource.columns(db) == expected


def test_build_is_deterministic(db, tmp_path):
    again = sqlsource.build_database(tmp_path / "again.db")
    assert again.read_bytes() == db.read_bytes()
    assert not (tmp_path / "again.db.partial").exists()


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_partition_bounds_cover_every_row_once(db, n):
    lo, hi = sqlsource.id_range(db)
    ids = [row[0] for b in sqlsource.partition_bounds(lo, hi, n) for row in sqlsource.read_rows(db, b)]
    assert ids == list(range(lo, hi + 1))


def test_partition_bounds_edges():
    assert sqlsource.partition_bounds(5, 5, 3) == [(None, None)]
    assert sqlsource.partition_bounds(1, 3, 8) == [(None, 2), (2, 3), (3, None)]
    with pytest.raises(ValueError):
        sqlsource.partition_bounds(1, 10, 0)


def test_missing_database_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="build_database"):
        sqlsource.table_count(tmp_path / "nope.db")
    with pytest.raises(ValueError, match="no table"):
        sqlsource.columns(sqlsource.build_database(tmp_path / "x.db"), "nope")


def test_spark_reads_agree(spark, db):
    a = sqlsource.read_on_driver(spark, db)
    b = sqlsource.read_partitioned(spark, db, num_partitions=3)
    assert b.rdd.getNumPartitions() == 3
    assert a.schema == b.schema
    assert a.count() == b.count() == sqlsource.table_count(db)
    assert sorted(a.collect()) == sorted(b.collect())
