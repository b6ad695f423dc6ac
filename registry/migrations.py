"""Numbered schema migrations. Step 1 creates the schema; later steps alter it in place.

Each step runs once, in order, inside the caller's transaction, and is recorded in
``schema_version``. Add a step (never edit a released one) when ``registry.schema`` changes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import insert, inspect, select
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateColumn

from domain.alerts import thresholds
from domain.climate import weather
from domain.costs import tariffs
from domain.portability import usage
from registry import audit, schema, store_edits


def _create_all(conn: Connection) -> None:
    schema.metadata.create_all(conn)


def _add_alerts(conn: Connection) -> None:
    schema.alerts.create(conn, checkfirst=True)


def _add_meter_replacements(conn: Connection) -> None:
    schema.meter_replacements.create(conn, checkfirst=True)


def _add_charter_and_usage(conn: Connection) -> None:
    """The public register's device columns, the audit log and the per-tenant usage counters."""
    have = {c["name"] for c in inspect(conn).get_columns("devices")}
    for name in ("purpose", "operated_by", "installed_at"):
        if name not in have:  # a database created at this version already has them
            column = CreateColumn(schema.devices.c[name]).compile(dialect=conn.dialect)
            conn.exec_driver_sql(f"ALTER TABLE devices ADD COLUMN {column}")
    audit.audit_log.create(conn, checkfirst=True)
    usage.api_usage.create(conn, checkfirst=True)


def _add_climate(conn: Connection) -> None:
    weather.create_tables(conn)
    thresholds.create_table(conn)


STEPS: tuple[tuple[int, Callable[[Connection], None]], ...] = (
    (1, _create_all),
    (2, _add_alerts),
    (3, _add_meter_replacements),
    (4, tariffs.create_table),
    (5, _add_climate),
    (6, _add_charter_and_usage),
    (7, store_edits.create_table),
)


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    versions = conn.execute(select(schema.schema_version.c.version)).scalars().all()
    return max(versions, default=0)


def apply(conn: Connection) -> int:
    """Apply the missing steps; return the resulting version."""
    version = current_version(conn)
    for number, step in STEPS:
        if number > version:
            step(conn)
            conn.execute(insert(schema.schema_version).values(version=number, applied_at=datetime.now(UTC)))
            version = number
    return version
