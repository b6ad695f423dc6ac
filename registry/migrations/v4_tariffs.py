"""Step 4 (d9d4aa2, "Tariffs and costs"): tariffs per tenant and site. Frozen: never edit."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from registry.migrations.ddl import run

DDL = """
CREATE TABLE IF NOT EXISTS tariffs (
    id {id} NOT NULL,
    tenant_id {ref} NOT NULL,
    site_id {ref},
    quantity VARCHAR(64) NOT NULL,
    currency VARCHAR(3) NOT NULL,
    price_per_unit FLOAT NOT NULL,
    fixed_per_month FLOAT NOT NULL,
    valid_from DATE,
    periods JSON NOT NULL,
    created_at {time} NOT NULL,
    PRIMARY KEY (id),
    FOREIGN KEY (tenant_id) REFERENCES tenants (id),
    FOREIGN KEY (site_id) REFERENCES sites (id)
);
CREATE INDEX IF NOT EXISTS ix_tariffs_site_id ON tariffs (site_id);
CREATE INDEX IF NOT EXISTS ix_tariffs_tenant_id ON tariffs (tenant_id);
"""


def upgrade(conn: Connection) -> None:
    run(conn, DDL)
