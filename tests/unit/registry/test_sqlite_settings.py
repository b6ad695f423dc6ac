"""Every connection to a SQLite registry writes ahead, and checkpoints its log in large steps."""

from __future__ import annotations

from pathlib import Path

from registry import open_registry
from registry.registry import WAL_CHECKPOINT_PAGES


def test_each_connection_checkpoints_in_large_steps(tmp_path: Path) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'registry.db'}")
    try:
        with registry.engine.connect() as one, registry.engine.connect() as two:
            for conn in (one, two):
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == WAL_CHECKPOINT_PAGES
    finally:
        registry.close()
