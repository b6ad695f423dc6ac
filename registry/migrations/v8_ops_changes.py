"""Step 8 (issue 18, every change of the ops staff audited): what a change was (each field's
value before and after) on the audit log, and the devices heard but ignored (a neighbour's
sensor: its uplinks kept, not decoded, out of the quarantine's list). Frozen: never edit."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from registry.migrations.ddl import columns, run

DDL = """
CREATE TABLE IF NOT EXISTS ignored_devices (
    dev_eui VARCHAR(16) NOT NULL,
    ignored_at {time} NOT NULL,
    actor VARCHAR(64) NOT NULL,
    note VARCHAR(500) NOT NULL,
    PRIMARY KEY (dev_eui)
);
"""


def upgrade(conn: Connection) -> None:
    if "changes" not in columns(conn, "audit_log"):
        conn.exec_driver_sql("ALTER TABLE audit_log ADD COLUMN changes JSON")
    run(conn, DDL)
