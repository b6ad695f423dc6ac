"""Switch a SQLite connection to write-ahead logging, also when another process does it too.

Two processes opening a new database file at once (two bridge workers, a bridge and the API)
both ask for WAL mode. That switch needs an exclusive lock for which SQLite does not wait: the
loser gets "database is locked" at once, whatever the busy timeout. It is retried here until
the other process is done (its switch takes milliseconds), for at most ``WITHIN_S``: a file
another process holds locked (a transaction left open, a copy under way) makes each try wait the
connection's busy timeout, and a hundred tries of the store's one-second timeout took 105 s to say
so.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

PAUSE_S = 0.05
WITHIN_S = 5.0

# Pages the log takes before a commit copies them into the database file (SQLite's default: 1,000,
# 4 MB). Indexes written at random places (the archive's dedup key, the readings' series) dirty
# the same pages over and over: a larger log copies each once for many commits, not once for a
# few. The bridge's intake archived 50,000 uplinks 8-12 % faster, 22 % faster into an archive of
# 300,000 uplinks, and the one-process bridge into SQLite took 3-16 % more uplinks a second
# (bench: five pairs, alternated). The log file keeps its largest size, about 40 MB, beside the
# database.
CHECKPOINT_PAGES = 10_000


def enable_wal(conn: Any, within_s: float = WITHIN_S) -> None:
    """``PRAGMA journal_mode=WAL`` on a DB-API connection, tried again while the file is locked,
    until ``within_s`` has passed (a try under way is not cut short: its busy timeout runs out);
    then the connection's checkpoints every ``CHECKPOINT_PAGES``."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + PAUSE_S >= deadline:
                raise
            time.sleep(PAUSE_S)
