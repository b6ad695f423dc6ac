"""Running a frozen step's DDL on SQLite or PostgreSQL. Frozen with the steps: never edit.

A step's DDL is written once for both databases, with the types that differ named in braces:
``{id}`` an auto-increment 64-bit primary key (an INTEGER rowid on SQLite), ``{ref}`` a column
that references one, ``{serial}`` an auto-increment 32-bit key, ``{time}`` a time with its
offset (stored in UTC), ``{bytes}`` a binary value.
"""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

TYPES: dict[str, dict[str, str]] = {
    "sqlite": {
        "id": "INTEGER",
        "ref": "INTEGER",
        "serial": "INTEGER",
        "time": "DATETIME",
        "bytes": "BLOB",
    },
    "postgresql": {
        "id": "BIGSERIAL",
        "ref": "BIGINT",
        "serial": "SERIAL",
        "time": "TIMESTAMP WITH TIME ZONE",
        "bytes": "BYTEA",
    },
}


def run(conn: Connection, script: str) -> None:
    """Execute ``script``'s statements (separated by ``;`` at the end of a line) in order."""
    types = TYPES[conn.dialect.name]
    for statement in script.split(";\n"):
        if statement.strip():
            conn.exec_driver_sql(statement.format(**types))


def columns(conn: Connection, table: str) -> set[str]:
    """The columns a table has now."""
    return {c["name"] for c in inspect(conn).get_columns(table)}
