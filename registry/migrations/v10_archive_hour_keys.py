"""Step 10 (issue 19, ingest at the speed of the path): the archive's unique key begins with the
hour of the frame's reception, and the frames received near the turn of an hour also hold that
turn's key in ``uplink_edges`` (registry.archive_keys says why). The archived frames' keys are
rewritten here, as the bridge now makes them, so that a copy delivered after the upgrade (a
message archived but not acknowledged before it) is still known. Frozen: never edit."""

from __future__ import annotations

from sqlalchemy.engine import Connection

from registry.migrations.ddl import run

DDL = "CREATE TABLE IF NOT EXISTS uplink_edges (edge_key VARCHAR(200) NOT NULL PRIMARY KEY)"

# The whole seconds since 1970 of ``received_at`` (floored; SQLite holds it as UTC text).
_SECONDS = {
    "sqlite": "CAST(strftime('%s', substr(received_at, 1, 19)) AS INTEGER)",
    "postgresql": "CAST(floor(extract(epoch FROM received_at)) AS BIGINT)",
}
# ``s`` floor-divided by ``n`` (both databases truncate an integer division towards zero).
_FLOOR_DIV = "(({s}) - ((({s}) % {n}) + {n}) % {n}) / {n}"
HOUR_S, EDGE_S = 3600, 300


def upgrade(conn: Connection) -> None:
    run(conn, DDL)
    seconds = _SECONDS[conn.dialect.name]
    hour = _FLOOR_DIV.format(s=seconds, n=HOUR_S)
    turn = _FLOOR_DIV.format(s=f"{seconds} + {HOUR_S // 2}", n=HOUR_S)
    statements = (
        f"INSERT INTO uplink_edges (edge_key) SELECT CAST({turn} AS TEXT) || '/' || dedup_key FROM uplinks "
        f"WHERE abs({seconds} - ({turn}) * {HOUR_S}) < {EDGE_S} ON CONFLICT (edge_key) DO NOTHING",
        f"UPDATE uplinks SET dedup_key = CAST({hour} AS TEXT) || '/' || dedup_key",
    )
    for statement in statements:  # (psycopg reads a lone % as a placeholder)
        conn.exec_driver_sql(statement.replace("%", "%%") if conn.dialect.name == "postgresql" else statement)
