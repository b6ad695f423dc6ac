"""The embedded time-series store: one SQLite file, WAL, safe for a bridge and an API at once.

Readings are keyed (device, quantity, channel, time in microseconds UTC): writing a point twice
keeps one. Every write recomputes, in the same transaction, the hourly rollups of the hours it
touched from the raw readings, so late and repeated readings update their rollups for free.
Analytics read rollups only; raw readings older than the retention are pruned, rollups are kept.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from ingest.errors import StoreRejected, StoreUnavailable
from ingest.rollup import HourRollup, SeriesHour, fold
from ingest.store import Bucket, Total, Window
from releve.types import Reading

_US = 1_000_000
_HOUR_US = 3600 * _US

_SCHEMA = """
CREATE TABLE IF NOT EXISTS readings (
    dev_eui TEXT NOT NULL, quantity TEXT NOT NULL, channel TEXT NOT NULL, ts INTEGER NOT NULL,
    value REAL NOT NULL, unit TEXT NOT NULL, kind TEXT NOT NULL, delta REAL,
    f_cnt INTEGER, uplink_id INTEGER,
    PRIMARY KEY (dev_eui, quantity, channel, ts)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rollup_1h (
    dev_eui TEXT NOT NULL, quantity TEXT NOT NULL, channel TEXT NOT NULL, hour INTEGER NOT NULL,
    count INTEGER NOT NULL, consumption REAL, vmin REAL NOT NULL, vmax REAL NOT NULL,
    vsum REAL NOT NULL, first REAL NOT NULL, last REAL NOT NULL,
    PRIMARY KEY (dev_eui, quantity, channel, hour)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS latest (
    dev_eui TEXT NOT NULL, quantity TEXT NOT NULL, channel TEXT NOT NULL, ts INTEGER NOT NULL,
    value REAL NOT NULL, unit TEXT NOT NULL, kind TEXT NOT NULL, delta REAL,
    f_cnt INTEGER, uplink_id INTEGER,
    PRIMARY KEY (dev_eui, quantity, channel)
) WITHOUT ROWID;
"""

_UPSERT = """
INSERT INTO readings (dev_eui, quantity, channel, ts, value, unit, kind, delta, f_cnt, uplink_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (dev_eui, quantity, channel, ts) DO UPDATE SET
    value = excluded.value, unit = excluded.unit, kind = excluded.kind, delta = excluded.delta,
    f_cnt = excluded.f_cnt, uplink_id = excluded.uplink_id
"""

_LATEST = """
INSERT INTO latest (dev_eui, quantity, channel, ts, value, unit, kind, delta, f_cnt, uplink_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (dev_eui, quantity, channel) DO UPDATE SET
    ts = excluded.ts, value = excluded.value, unit = excluded.unit, kind = excluded.kind,
    delta = excluded.delta, f_cnt = excluded.f_cnt, uplink_id = excluded.uplink_id
WHERE excluded.ts >= latest.ts
"""

_ROLLUP = """
INSERT OR REPLACE INTO rollup_1h
SELECT ?, ?, ?, ?, count(*), sum(delta), min(value), max(value), sum(value),
    (SELECT value FROM readings WHERE dev_eui = ?1 AND quantity = ?2 AND channel = ?3
        AND ts >= ?4 AND ts < ?4 + 3600000000 ORDER BY ts LIMIT 1),
    (SELECT value FROM readings WHERE dev_eui = ?1 AND quantity = ?2 AND channel = ?3
        AND ts >= ?4 AND ts < ?4 + 3600000000 ORDER BY ts DESC LIMIT 1)
FROM readings WHERE dev_eui = ?1 AND quantity = ?2 AND channel = ?3 AND ts >= ?4 AND ts < ?4 + 3600000000
HAVING count(*) > 0
"""


def to_us(ts: datetime) -> int:
    if ts.tzinfo is None:
        raise ValueError("naive datetime: give times with a time zone")
    delta = ts - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * _US + delta.microseconds


def from_us(value: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value)


def _reading(row: sqlite3.Row) -> Reading:
    return Reading(
        dev_eui=row["dev_eui"],
        quantity=row["quantity"],
        value=row["value"],
        unit=row["unit"],
        kind=row["kind"],
        ts=from_us(row["ts"]),
        channel=row["channel"],
        f_cnt=row["f_cnt"],
        uplink_id=row["uplink_id"],
        delta=row["delta"],
    )


def _hour(r: sqlite3.Row) -> HourRollup:
    return HourRollup(
        hour=from_us(r["hour"]),
        count=r["count"],
        consumption=r["consumption"],
        min=r["vmin"],
        max=r["vmax"],
        total=r["vsum"],
        first=r["first"],
        last=r["last"],
    )


class SqliteStore:
    """The Store protocol on one SQLite file; one connection per thread."""

    def __init__(self, path: Path, *, raw_retention_days: int | None = None) -> None:
        self.path = path
        self.raw_retention_days = raw_retention_days
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn().executescript(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot create the schema in {path}: {exc}") from exc

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
                conn.row_factory = sqlite3.Row
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.execute("PRAGMA busy_timeout=30000")
            except sqlite3.Error as exc:
                raise StoreUnavailable(f"cannot open {self.path}: {exc}") from exc
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        conn = self._conn()
        try:
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except sqlite3.IntegrityError as exc:
            conn.execute("ROLLBACK")
            raise StoreRejected(str(exc)) from exc
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StoreUnavailable(f"{self.path}: {exc}") from exc

    def write(self, readings: Sequence[Reading]) -> None:
        if not readings:
            return
        rows = [
            (
                r.dev_eui,
                r.quantity,
                r.channel,
                to_us(r.ts),
                r.value,
                r.unit,
                r.kind,
                r.delta,
                r.f_cnt,
                r.uplink_id,
            )
            for r in readings
        ]
        hours = sorted({(row[0], row[1], row[2], row[3] - row[3] % _HOUR_US) for row in rows})
        with self._tx() as conn:
            conn.executemany(_UPSERT, rows)
            conn.executemany(_LATEST, rows)
            conn.executemany(_ROLLUP, hours)

    def delete(self, dev_eui: str, points: Collection[tuple[str, str, datetime]]) -> None:
        keys = [(dev_eui, q, ch, to_us(ts)) for q, ch, ts in points]
        if not keys:
            return
        hours = sorted({(e, q, ch, t - t % _HOUR_US) for e, q, ch, t in keys})
        series = sorted({(e, q, ch) for e, q, ch, _ in keys})
        with self._tx() as conn:
            conn.executemany(
                "DELETE FROM readings WHERE dev_eui = ? AND quantity = ? AND channel = ? AND ts = ?", keys
            )
            conn.executemany(
                "DELETE FROM rollup_1h WHERE dev_eui = ? AND quantity = ? AND channel = ? AND hour = ?", hours
            )
            conn.executemany(_ROLLUP, hours)
            conn.executemany("DELETE FROM latest WHERE dev_eui = ? AND quantity = ? AND channel = ?", series)
            conn.executemany(
                "INSERT INTO latest SELECT dev_eui, quantity, channel, ts, value, unit, kind, delta, "
                "f_cnt, uplink_id FROM readings WHERE dev_eui = ? AND quantity = ? AND channel = ? "
                "ORDER BY ts DESC LIMIT 1",
                series,
            )

    def query(
        self, dev_eui: str, start: datetime, end: datetime, quantities: Collection[str] | None = None
    ) -> list[Reading]:
        sql = "SELECT * FROM readings WHERE dev_eui = ? AND ts >= ? AND ts < ?"
        params: list[object] = [dev_eui, to_us(start), to_us(end)]
        if quantities is not None:
            wanted = sorted(quantities)
            if not wanted:
                return []
            sql += f" AND quantity IN ({','.join('?' * len(wanted))})"
            params.extend(wanted)
        sql += " ORDER BY ts, quantity, channel"
        return [_reading(row) for row in self._select(sql, params)]

    def aggregate(
        self,
        dev_eui: str,
        quantity: str,
        start: datetime,
        end: datetime,
        window: Window,
        tz: str,
        channel: str = "",
    ) -> list[Bucket]:
        first_hour = to_us(start) - to_us(start) % _HOUR_US
        rows = self._select(
            "SELECT * FROM rollup_1h WHERE dev_eui = ? AND quantity = ? AND channel = ? "
            "AND hour >= ? AND hour < ? ORDER BY hour",
            [dev_eui, quantity, channel, first_hour, to_us(end)],
        )
        return list(fold((_hour(r) for r in rows), window, tz))

    def totals(self, dev_euis: Collection[str], quantity: str, start: datetime, end: datetime) -> list[Total]:
        first_hour = to_us(start) - to_us(start) % _HOUR_US
        wanted = sorted(set(dev_euis))
        found: list[Total] = []
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            rows = self._select(
                "SELECT dev_eui, channel, sum(count) AS n, sum(consumption) AS consumption FROM rollup_1h "
                f"WHERE dev_eui IN ({','.join('?' * len(chunk))}) AND quantity = ? "
                "AND hour >= ? AND hour < ? "
                "GROUP BY dev_eui, channel ORDER BY dev_eui, channel",
                [*chunk, quantity, first_hour, to_us(end)],
            )
            found.extend(Total(r["dev_eui"], quantity, r["channel"], r["n"], r["consumption"]) for r in rows)
        return found

    def latest(self, dev_euis: Collection[str] | None = None) -> list[Reading]:
        if dev_euis is None:
            return [_reading(r) for r in self._select("SELECT * FROM latest ORDER BY dev_eui, quantity", [])]
        wanted = sorted(set(dev_euis))
        found: list[Reading] = []
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT * FROM latest WHERE dev_eui IN ({marks}) ORDER BY dev_eui, quantity"
            found.extend(_reading(r) for r in self._select(sql, list(chunk)))
        return found

    def hourly(self, dev_eui: str) -> list[SeriesHour]:
        rows = self._select(
            "SELECT * FROM rollup_1h WHERE dev_eui = ? ORDER BY hour, quantity, channel", [dev_eui]
        )
        return [SeriesHour(r["quantity"], r["channel"], _hour(r)) for r in rows]

    def restore_hourly(self, dev_eui: str, hours: Sequence[SeriesHour]) -> None:
        rows = [
            (
                dev_eui,
                h.quantity,
                h.channel,
                to_us(h.rollup.hour),
                h.rollup.count,
                h.rollup.consumption,
                h.rollup.min,
                h.rollup.max,
                h.rollup.total,
                h.rollup.first,
                h.rollup.last,
            )
            for h in hours
        ]
        if rows:
            with self._tx() as conn:
                conn.executemany("INSERT OR REPLACE INTO rollup_1h VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)

    def count(self, dev_euis: Collection[str], start: datetime, end: datetime) -> dict[str, int]:
        wanted = sorted(set(dev_euis))
        found: dict[str, int] = {}
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = (
                f"SELECT dev_eui, sum(count) AS n FROM rollup_1h WHERE dev_eui IN ({marks}) "
                "AND hour >= ? AND hour < ? GROUP BY dev_eui"
            )
            for r in self._select(sql, [*chunk, to_us(start), to_us(end)]):
                found[r["dev_eui"]] = int(r["n"])
        return found

    def erase(self, dev_eui: str) -> int:
        with self._tx() as conn:
            removed = conn.execute("DELETE FROM readings WHERE dev_eui = ?", (dev_eui,)).rowcount
            conn.execute("DELETE FROM rollup_1h WHERE dev_eui = ?", (dev_eui,))
            conn.execute("DELETE FROM latest WHERE dev_eui = ?", (dev_eui,))
        return int(removed)

    def prune(self, now: datetime) -> int:
        """Delete raw readings older than the retention (rollups stay); returns how many."""
        if self.raw_retention_days is None:
            return 0
        cutoff = to_us(now - timedelta(days=self.raw_retention_days))
        with self._tx() as conn:
            return conn.execute("DELETE FROM readings WHERE ts < ?", (cutoff,)).rowcount

    def _select(self, sql: str, params: Sequence[object]) -> list[sqlite3.Row]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{self.path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
