"""Apply the missing migration steps in order and record each in ``schema_version``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert, inspect, select
from sqlalchemy.engine import Connection

from registry.migrations import (
    v1_registry,
    v2_alerts,
    v3_meter_replacements,
    v4_tariffs,
    v5_climate,
    v6_charter_and_usage,
    v7_store_edits,
    v8_ops_changes,
    v9_archive_device_index,
    v10_archive_hour_keys,
)

STEPS: tuple[tuple[int, Callable[[Connection], None]], ...] = (
    (1, v1_registry.upgrade),
    (2, v2_alerts.upgrade),
    (3, v3_meter_replacements.upgrade),
    (4, v4_tariffs.upgrade),
    (5, v5_climate.upgrade),
    (6, v6_charter_and_usage.upgrade),
    (7, v7_store_edits.upgrade),
    (8, v8_ops_changes.upgrade),
    (9, v9_archive_device_index.upgrade),
    (10, v10_archive_hour_keys.upgrade),
)
LATEST = STEPS[-1][0]

# The applied steps, as step 1 created the table (what the runner reads and writes of it).
_versions = Table(
    "schema_version",
    MetaData(),
    Column("version", Integer, primary_key=True),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    versions = conn.execute(select(_versions.c.version)).scalars().all()
    return max(versions, default=0)


def apply(conn: Connection) -> int:
    """Apply the missing steps; return the resulting version."""
    version = current_version(conn)
    for number, step in STEPS:
        if number > version:
            step(conn)
            conn.execute(insert(_versions).values(version=number, applied_at=datetime.now(UTC)))
            version = number
    return version
