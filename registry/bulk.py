"""The ingestion's bulk statements, through the database driver's own ``executemany``.

SQLAlchemy Core processes every parameter of every row in Python (bind processors, type
coercion, the statement's cache key): on the bridge's hot path (a batch's archive insert, its
processing marks, its link statistics) that was a quarter of the bridge's time. These statements
are written once as SQL with ``?`` placeholders, given rows of plain values, and handed to the
driver in one call; the values are converted here exactly as the schema's types would store them,
so what SQLAlchemy reads back elsewhere is the same.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection

# SQLite's bound on a statement's variables (999 before 3.32, 32,766 since); PostgreSQL's 65,535.
MAX_VARIABLES = 900


def sql(conn: Connection, statement: str) -> str:
    """A ``?``-placeholder statement in the driver's parameter style (psycopg: ``%s``)."""
    if conn.dialect.paramstyle == "qmark":
        return statement
    return statement.replace("%", "%%").replace("?", "%s")


def many(conn: Connection, statement: str, rows: Sequence[tuple[Any, ...]]) -> None:
    """One ``executemany`` of ``rows`` through the driver."""
    if rows:
        conn.exec_driver_sql(sql(conn, statement), list(rows))


def select_in(
    conn: Connection, statement: str, values: Sequence[Any], params: tuple[Any, ...] = ()
) -> list[Any]:
    """Rows of ``statement`` whose one ``IN ({})`` is filled with ``values``, chunked under the
    driver's bound on variables; ``params`` come before the IN list."""
    rows: list[Any] = []
    for i in range(0, len(values), MAX_VARIABLES):
        chunk = tuple(values[i : i + MAX_VARIABLES])
        text = statement.format(",".join("?" * len(chunk)))
        rows.extend(conn.exec_driver_sql(sql(conn, text), (*params, *chunk)).all())
    return rows


def returning(conn: Connection) -> bool:
    """Whether the database takes ``INSERT ... RETURNING`` (PostgreSQL; SQLite from 3.35)."""
    return conn.dialect.name != "sqlite" or sqlite3.sqlite_version_info >= (3, 35)


def insert_returning(
    conn: Connection, head: str, row: str, tail: str, rows: Sequence[tuple[Any, ...]]
) -> list[Any]:
    """``head`` then one ``row`` placeholder group per row, then ``tail`` (its RETURNING): the
    returned rows, in statements of at most ``MAX_VARIABLES * 4`` variables."""
    if not rows:
        return []
    per = max(1, (MAX_VARIABLES * 4) // max(1, row.count("?")))
    out: list[Any] = []
    for i in range(0, len(rows), per):
        chunk = rows[i : i + per]
        text = head + ", ".join([row] * len(chunk)) + tail
        out.extend(conn.exec_driver_sql(sql(conn, text), tuple(v for r in chunk for v in r)).all())
    return out


def db_time(conn: Connection, value: datetime) -> Any:
    """A time as ``registry.schema.UtcDateTime`` stores it: UTC; on SQLite, SQLAlchemy's text form."""
    return db_time_of(conn)(value)


def db_time_of(conn: Connection) -> Callable[[datetime], Any]:
    """``db_time`` for this connection's database, to call per row (the archive's insert)."""
    return _sqlite_time if conn.dialect.name == "sqlite" else _utc


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime: give times with a time zone")
    return value.astimezone(UTC)


def _sqlite_time(value: datetime) -> str:
    if value.tzinfo is UTC:  # (most: the envelopes' times) without the conversions, the same text
        return value.isoformat(sep=" ", timespec="microseconds")[:-6]
    return _utc(value).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def from_db_time(value: Any) -> datetime:
    """A stored ``UtcDateTime`` read through the driver, timezone-aware."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"not a stored time: {value!r}")
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def db_json(value: object) -> str:
    """A JSON column's text (SQLAlchemy's ``JSON`` reads it back on both databases)."""
    return orjson.dumps(value).decode()


def from_db_json(value: Any) -> Any:
    """A JSON column read through the driver: text on SQLite, already parsed by psycopg."""
    if isinstance(value, str | bytes):
        return orjson.loads(value)
    return value
