"""A real SQLite database built from the bundled corpus, and two ways to read it into Spark.

Why not JDBC? Spark reads databases through JDBC drivers, which are Java jars. The SQLite driver
(xerial's ``sqlite-jdbc``) is published on Maven Central, which this course does not download from
(everything installs from PyPI, or conda-forge, offline afterwards); no PyPI package ships it, and
Debian's ``libxerial-sqlite-jdbc-java`` exists only for Debian/Ubuntu, not for macOS, Windows or
conda. So the course reads SQLite with Python's own ``sqlite3`` module, in two ways:

* :func:`read_on_driver`: the driver queries the database and hands the rows to
  ``spark.createDataFrame`` (simple; everything passes through one process);
* :func:`read_partitioned`: what ``spark.read.jdbc(url, table, column, lowerBound, upperBound,
  numPartitions)`` does, by hand: the id range is cut into strides (:func:`partition_bounds`) and
  every Spark task reads its own stride (:func:`read_rows`). On a real cluster the database must
  then be reachable from every worker (a server, or a file on shared storage).

>>> from cs109par import sqlsource
>>> db = sqlsource.build_database(tmp / "course.db")
>>> sqlsource.table_count(db, "lines") > 8000
True
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import data

TABLE = "lines"
SCHEMA = (f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY, line_no INTEGER NOT NULL, text TEXT NOT NULL, "
          "n_words INTEGER NOT NULL)")


def build_database(path: str | os.PathLike, source: str | os.PathLike | None = None) -> Path:
    """Write a SQLite database with one table ``lines(id, line_no, text, n_words)``: every non-blank
    line of ``source`` (default: the bundled corpus). Deterministic; replaces ``path`` atomically."""
    src = data.validate_text_file(source if source is not None else data.corpus_path())
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    tmp.unlink(missing_ok=True)
    rows = [
        (line_no, text, len(text.split()))
        for line_no, text in enumerate(src.read_text(encoding="utf-8").splitlines(), start=1)
        if text.strip()
    ]
    con = sqlite3.connect(tmp)
    try:
        with con:
            con.execute(SCHEMA)
            con.executemany(f"INSERT INTO {TABLE} (line_no, text, n_words) VALUES (?, ?, ?)", rows)
    finally:
        con.close()
    os.replace(tmp, out)
    return out


def _connect(path: str | os.PathLike) -> sqlite3.Connection:
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"{p}: no such SQLite database (build it with sqlsource.build_database).")
    return sqlite3.connect(f"file:{p}?mode=ro", uri=True)  # read-only: readers never lock writers out


def columns(path: str | os.PathLike, table: str = TABLE) -> list[tuple[str, str]]:
    """``(name, SQLite type)`` of every column of ``table``."""
    con = _connect(path)
    try:
        info = con.execute(f"PRAGMA table_info({table})").fetchall()
    finally:
        con.close()
    if not info:
        raise ValueError(f"{path}: has no table {table!r}")
    return [(row[1], row[2]) for row in info]


def table_count(path: str | os.PathLike, table: str = TABLE) -> int:
    """``SELECT count(*)`` of ``table``."""
    con = _connect(path)
    try:
        return int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    finally:
        con.close()


def id_range(path: str | os.PathLike, table: str = TABLE, column: str = "id") -> tuple[int, int]:
    """``(min, max)`` of an integer column: the bounds a partitioned read needs."""
    con = _connect(path)
    try:
        lo, hi = con.execute(f"SELECT min({column}), max({column}) FROM {table}").fetchone()
    finally:
        con.close()
    if lo is None:
        raise ValueError(f"{path}: table {table!r} is empty")
    return int(lo), int(hi)


def partition_bounds(lower: int, upper: int, num_partitions: int) -> list[tuple[int | None, int | None]]:
    """Cut ``[lower, upper]`` into ``num_partitions`` strides, the way Spark's JDBC source does:
    the first stride is open below and the last open above, so rows outside the bounds are still read
    (once). Each pair is ``(from inclusive, to exclusive)``; ``None`` means unbounded.

    >>> partition_bounds(1, 100, 4)
    [(None, 26), (26, 51), (51, 76), (76, None)]
    >>> partition_bounds(1, 100, 1)
    [(None, None)]
    """
    if num_partitions < 1:
        raise ValueError(f"num_partitions must be >= 1, got {num_partitions}")
    if num_partitions == 1 or upper <= lower:
        return [(None, None)]
    stride = max(1, -(-(upper - lower + 1) // num_partitions))
    cuts = [lower + stride * k for k in range(1, num_partitions) if lower + stride * k <= upper]
    starts = [None, *cuts]
    ends = [*cuts, None]
    return list(zip(starts, ends))


def read_rows(path: str | os.PathLike, bounds: tuple[int | None, int | None], table: str = TABLE,
              column: str = "id") -> Iterator[tuple[Any, ...]]:
    """Rows of ``table`` whose ``column`` lies in ``bounds`` (from inclusive, to exclusive), ordered
    by it. Runs inside Spark tasks: it opens its own read-only connection."""
    lo, hi = bounds
    where, args = [], []
    if lo is not None:
        where.append(f"{column} >= ?")
        args.append(lo)
    if hi is not None:
        where.append(f"{column} < ?")
        args.append(hi)
    sql = f"SELECT * FROM {table}" + (" WHERE " + " AND ".join(where) if where else "") + f" ORDER BY {column}"
    con = _connect(path)
    try:
        yield from con.execute(sql, args)
    finally:
        con.close()


_SPARK_TYPES = {"INTEGER": "bigint", "REAL": "double", "TEXT": "string", "BLOB": "binary"}


def spark_schema(path: str | os.PathLike, table: str = TABLE) -> str:
    """A Spark DDL schema string for ``table``, e.g. ``'id bigint, text string'``."""
    return ", ".join(f"`{name}` {_SPARK_TYPES.get(kind.upper(), 'string')}" for name, kind in columns(path, table))


def read_on_driver(spark, path: str | os.PathLike, table: str = TABLE):
    """Read the whole table with ``sqlite3`` in this process, then ``spark.createDataFrame``."""
    con = _connect(path)
    try:
        rows = con.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
    finally:
        con.close()
    return spark.createDataFrame(rows, schema=spark_schema(path, table))


def read_partitioned(spark, path: str | os.PathLike, table: str = TABLE, column: str = "id", num_partitions: int = 2):
    """Read ``table`` in ``num_partitions`` Spark tasks, each querying its own stride of ``column``
    (what ``spark.read.jdbc(..., column, lowerBound, upperBound, numPartitions)`` does)."""
    path = str(Path(path).resolve())
    lower, upper = id_range(path, table, column)
    bounds = partition_bounds(lower, upper, num_partitions)
    rdd = spark.sparkContext.parallelize(bounds, len(bounds)).flatMap(lambda b: read_rows(path, b, table, column))
    return spark.createDataFrame(rdd, schema=spark_schema(path, table))


__all__ = [
    "TABLE",
    "build_database",
    "columns",
    "table_count",
    "id_range",
    "partition_bounds",
    "read_rows",
    "spark_schema",
    "read_on_driver",
    "read_partitioned",
]
