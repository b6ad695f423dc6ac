"""SQLite under the bridge and the API at once: threads of one process and a second process."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kernel.types import Reading
from store import Window
from store.errors import StoreError
from store.sqlite import SqliteStore

T0 = datetime(2026, 5, 10, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]

WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from store.errors import StoreError
from store.sqlite import SqliteStore
from kernel.types import Reading
store = SqliteStore(Path(sys.argv[1]))
t0 = datetime(2026, 5, 10, tzinfo=UTC)
for i in range(200):
    ts = t0 + timedelta(minutes=i)
    store.write([Reading("b0b0b0b0b0b0b0b0", "water_volume", float(i), "m3", "cumulative", ts, delta=1.0)])
store.close()
"""


def reading(eui: str, minute: int) -> Reading:
    ts = T0 + timedelta(minutes=minute)
    return Reading(eui, "water_volume", float(minute), "m3", "cumulative", ts, delta=1.0)


def test_threads_and_a_second_process_share_the_file(tmp_path: Path) -> None:
    path = tmp_path / "readings.db"
    store = SqliteStore(path)
    other = subprocess.Popen([sys.executable, "-c", WRITER, str(path)], cwd=ROOT)
    errors: list[StoreError] = []

    def write() -> None:
        try:
            for minute in range(200):
                store.write([reading("a0a0a0a0a0a0a0a0", minute)])
        except StoreError as exc:  # "database is locked" would be StoreUnavailable
            errors.append(exc)

    def read() -> None:
        try:
            for _ in range(200):
                store.latest()
                store.aggregate(
                    "a0a0a0a0a0a0a0a0", "water_volume", T0, T0 + timedelta(days=1), Window.DAY, "UTC"
                )
        except StoreError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write), threading.Thread(target=read), threading.Thread(target=read)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert other.wait(60) == 0
    assert errors == []
    for eui in ("a0a0a0a0a0a0a0a0", "b0b0b0b0b0b0b0b0"):
        (day,) = store.aggregate(eui, "water_volume", T0, T0 + timedelta(days=1), Window.DAY, "UTC")
        assert (day.count, day.consumption) == (200, 200.0)
    assert store.path.with_name("readings.db-wal").exists()  # WAL: readers never block the writer
    store.close()
