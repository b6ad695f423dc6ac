"""Several processes opening the same new SQLite files at once (bridge workers started together,
a bridge and the API): every one of them opens them, none fails with "database is locked"."""

from __future__ import annotations

import multiprocessing as mp
import sqlite3
from multiprocessing.synchronize import Barrier
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from registry import open_registry
from registry.migrations import STEPS, current_version
from store.errors import StoreUnavailable
from store.sqlite import SqliteStore

PROCESSES = 4


def _open_both(directory: str, barrier: Barrier, results: mp.Queue[str]) -> None:
    barrier.wait()
    try:
        registry = open_registry(f"sqlite:///{directory}/registry.db")
        store = SqliteStore(Path(directory) / "readings.db")
        registry.close()
        store.close()
        results.put("ok")
    except (StoreUnavailable, DBAPIError, sqlite3.Error) as exc:  # reported to the test
        results.put(f"{type(exc).__name__}: {exc}")


def test_processes_opening_new_files_together_all_succeed(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    for round_ in range(3):
        directory = tmp_path / f"round{round_}"
        directory.mkdir()
        barrier = ctx.Barrier(PROCESSES)
        results: mp.Queue[str] = ctx.Queue()
        procs = [
            ctx.Process(target=_open_both, args=(str(directory), barrier, results)) for _ in range(PROCESSES)
        ]
        for p in procs:
            p.start()
        outcomes = [results.get(timeout=120) for _ in procs]
        for p in procs:
            p.join(timeout=30)
        assert outcomes == ["ok"] * PROCESSES
        registry = open_registry(f"sqlite:///{directory}/registry.db")
        try:
            with registry.engine.connect() as conn:
                assert current_version(conn) == STEPS[-1][0]
        finally:
            registry.close()
