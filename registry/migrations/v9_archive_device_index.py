"""Step 9 (issue 19, ingest at the speed of the path): the archive's index by device and time
holds processed uplinks only. An uplink archived is pending; the index entry is made when it is
marked processed, in one transaction per flush, where a device's entries of the flush share
their index pages (when archived, each entry dirtied a page of its own: a quarter of the
intake's CPU in a catch-up). Pending uplinks are found through ``ix_uplinks_state``. Frozen: never edit."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from registry.migrations.ddl import run

DDL = """
DROP INDEX IF EXISTS ix_uplinks_device_time;
CREATE INDEX IF NOT EXISTS ix_uplinks_device_done ON uplinks (dev_eui, received_at) WHERE state <> 'pending';
"""


def upgrade(conn: Connection) -> None:
    run(conn, DDL)
