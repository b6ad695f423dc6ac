"""Step 2 (cb7cad1, "Alerts v1"): alerts, one open per key. Frozen: never edit."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from registry.migrations.ddl import run

DDL = """
CREATE TABLE IF NOT EXISTS alerts (
    id {id} NOT NULL,
    tenant_id {ref} NOT NULL,
    site_id {ref},
    dev_eui VARCHAR(16),
    kind VARCHAR(40) NOT NULL,
    "key" VARCHAR(200) NOT NULL,
    message TEXT NOT NULL,
    evidence JSON NOT NULL,
    started_at {time} NOT NULL,
    updated_at {time} NOT NULL,
    ended_at {time},
    acknowledged_at {time},
    acknowledged_by VARCHAR(64),
    PRIMARY KEY (id),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    FOREIGN KEY (site_id) REFERENCES sites (id)
);
CREATE INDEX IF NOT EXISTS ix_alerts_open ON alerts ("key", ended_at);
CREATE INDEX IF NOT EXISTS ix_alerts_tenant_id ON alerts (tenant_id);
"""


def upgrade(conn: Connection) -> None:
    run(conn, DDL)
