"""Step 3 (f5a1fc4, "Meter replacements"): a meter replaced on a device. Frozen: never edit."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from registry.migrations.ddl import run

DDL = """
CREATE TABLE IF NOT EXISTS meter_replacements (
    id {id} NOT NULL,
    dev_eui VARCHAR(16) NOT NULL,
    quantity VARCHAR(64) NOT NULL,
    channel VARCHAR(20) NOT NULL,
    at {time} NOT NULL,
    old_final_index FLOAT NOT NULL,
    new_initial_index FLOAT NOT NULL,
    note TEXT NOT NULL,
    created_at {time} NOT NULL,
    PRIMARY KEY (id)
);
CREATE INDEX IF NOT EXISTS ix_meter_replacements_dev_eui ON meter_replacements (dev_eui);
"""


def upgrade(conn: Connection) -> None:
    run(conn, DDL)
