"""Every connection to a SQLite registry or store writes ahead, and checkpoints its log in large
steps (``kernel.sqlite_wal``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from kernel.sqlite_wal import CHECKPOINT_PAGES
from kernel.types import Reading
from registry import open_registry
from store.sqlite import SqliteStore


def test_each_registry_connection_checkpoints_in_large_steps(tmp_path: Path) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'registry.db'}")
    try:
        with registry.engine.connect() as one, registry.engine.connect() as two:
            for conn in (one, two):
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == CHECKPOINT_PAGES
    finally:
        registry.close()


def test_the_stores_connection_checkpoints_in_large_steps(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "readings.db")
    try:
        at = datetime(2026, 12, 1, tzinfo=UTC)
        store.write([Reading("0102030405060708", "water_volume", 1.0, "m3", "cumulative", at)])
        conn = store._conn()  # the connection the write used
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == CHECKPOINT_PAGES
    finally:
        store.close()
