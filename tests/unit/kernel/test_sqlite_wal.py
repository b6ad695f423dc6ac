"""``enable_wal``: waits out another process's switch, but not a file held locked for long."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from kernel.sqlite_wal import enable_wal


def _locked(path: Path) -> sqlite3.Connection:
    """A connection holding an exclusive lock on a fresh database file (rollback journal)."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_a_file_held_locked_fails_after_the_deadline_not_a_hundred_timeouts(tmp_path: Path) -> None:
    path = tmp_path / "held.db"
    holder = _locked(path)
    conn = sqlite3.connect(path, timeout=0.2, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=200")
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        enable_wal(conn, within_s=1.0)
    took = time.monotonic() - started
    assert 0.8 <= took < 2.0, took  # before: 100 tries of the busy timeout (20 s here)
    holder.rollback()
    enable_wal(conn, within_s=1.0)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_lock_released_within_the_deadline_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "briefly.db"
    holder = _locked(path)
    threading.Timer(0.5, holder.rollback).start()
    conn = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    conn.execute("PRAGMA busy_timeout=100")
    enable_wal(conn, within_s=5.0)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
