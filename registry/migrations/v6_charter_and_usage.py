"""Step 6 (03b3d46, "Device purpose/operator/installed_at"): the public register's device
columns, the audit log and API usage per tenant. Frozen: never edit."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from registry.migrations.ddl import columns, run

DEVICE_COLUMNS = (
    ("purpose", "VARCHAR(300)"),
    ("operated_by", "VARCHAR(200)"),
    ("installed_at", "DATE"),
)

DDL = """
CREATE TABLE IF NOT EXISTS audit_log (
    id {id} NOT NULL,
    at {time} NOT NULL,
    actor VARCHAR(64) NOT NULL,
    tenant_id BIGINT NOT NULL,
    action VARCHAR(64) NOT NULL,
    target VARCHAR(200) NOT NULL,
    counts JSON NOT NULL,
    note VARCHAR(500) NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS ix_audit_log_at ON audit_log (at);
CREATE INDEX IF NOT EXISTS ix_audit_log_tenant_id ON audit_log (tenant_id);
CREATE TABLE IF NOT EXISTS api_usage (
    tenant_id BIGINT NOT NULL,
    hour {time} NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, hour)
);
"""


def upgrade(conn: Connection) -> None:
    have = columns(conn, "devices")
    for name, kind in DEVICE_COLUMNS:
        if name not in have:  # a database created by this step's release has them already
            conn.exec_driver_sql(f"ALTER TABLE devices ADD COLUMN {name} {kind}")
    run(conn, DDL)
