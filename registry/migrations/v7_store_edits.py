"""Step 7 (c2629a1, edits of the store announced to the bridge): the store's edit counter, one
row. Frozen: never edit."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from registry.migrations.ddl import run

DDL = """
CREATE TABLE IF NOT EXISTS store_edits (
    id {serial} NOT NULL,
    epoch BIGINT NOT NULL,
    PRIMARY KEY (id)
);
INSERT INTO store_edits (id, epoch) SELECT 1, 0 WHERE NOT EXISTS (SELECT id FROM store_edits);
"""


def upgrade(conn: Connection) -> None:
    run(conn, DDL)
