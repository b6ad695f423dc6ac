"""Switch a SQLite connection to write-ahead logging, also when another process does it too.

Two processes opening a new database file at once (two bridge workers, a bridge and the API)
both ask for WAL mode. That switch needs an exclusive lock for which SQLite does not wait: the
loser gets "database is locked" at once, whatever the busy timeout. It is retried here until
the other process is done (its switch takes milliseconds).
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

ATTEMPTS = 100
PAUSE_S = 0.05


def enable_wal(conn: Any) -> None:
    """``PRAGMA journal_mode=WAL`` on a DB-API connection, retried while the file is locked."""
    for attempt in range(ATTEMPTS):
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == ATTEMPTS - 1:
                raise
            time.sleep(PAUSE_S)
