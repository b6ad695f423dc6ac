"""The SQLite store's schema and statements, and its rows as readings and hourly rollups.

Readings are keyed (device, quantity, channel, time in microseconds UTC). Each write recomputes,
with the statements below, the hourly rollups of the hours it touched from the raw readings, the
daily rollups of their local days from those hours, and the monthly ones from those days.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from kernel.types import Reading
from store.protocol import Window
from store.rollup import HourRollup, SeriesHour

_US = 1_000_000
HOUR_US = 3600 * _US

SCHEMA = """
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
CREATE TABLE IF NOT EXISTS rollup_1d (
    dev_eui TEXT NOT NULL, quantity TEXT NOT NULL, channel TEXT NOT NULL, day INTEGER NOT NULL,
    local TEXT NOT NULL, count INTEGER NOT NULL, consumption REAL, vmin REAL NOT NULL,
    vmax REAL NOT NULL, vsum REAL NOT NULL, first REAL NOT NULL, last REAL NOT NULL,
    PRIMARY KEY (dev_eui, quantity, channel, day)
) WITHOUT ROWID;
-- Reads of many series go by device, quantity and time, whatever the channel: without these,
-- a range of hours would scan every hour of a series' history.
CREATE INDEX IF NOT EXISTS rollup_1h_time ON rollup_1h (dev_eui, quantity, hour);
-- (covering for days: a year of a town's meters is grouped straight from the index)
CREATE INDEX IF NOT EXISTS rollup_1d_span ON rollup_1d (
    dev_eui, quantity, day, channel, local, count, consumption, vmin, vmax, vsum
);
CREATE TABLE IF NOT EXISTS rollup_1mo (
    dev_eui TEXT NOT NULL, quantity TEXT NOT NULL, channel TEXT NOT NULL, month INTEGER NOT NULL,
    local TEXT NOT NULL, count INTEGER NOT NULL, consumption REAL, vmin REAL NOT NULL,
    vmax REAL NOT NULL, vsum REAL NOT NULL, first REAL NOT NULL, last REAL NOT NULL,
    PRIMARY KEY (dev_eui, quantity, channel, month)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS store_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS latest (
    dev_eui TEXT NOT NULL, quantity TEXT NOT NULL, channel TEXT NOT NULL, ts INTEGER NOT NULL,
    value REAL NOT NULL, unit TEXT NOT NULL, kind TEXT NOT NULL, delta REAL,
    f_cnt INTEGER, uplink_id INTEGER,
    PRIMARY KEY (dev_eui, quantity, channel)
) WITHOUT ROWID;
"""

UPSERT = """
INSERT INTO readings (dev_eui, quantity, channel, ts, value, unit, kind, delta, f_cnt, uplink_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (dev_eui, quantity, channel, ts) DO UPDATE SET
    value = excluded.value, unit = excluded.unit, kind = excluded.kind, delta = excluded.delta,
    f_cnt = excluded.f_cnt, uplink_id = excluded.uplink_id
"""

LATEST = """
INSERT INTO latest (dev_eui, quantity, channel, ts, value, unit, kind, delta, f_cnt, uplink_id)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (dev_eui, quantity, channel) DO UPDATE SET
    ts = excluded.ts, value = excluded.value, unit = excluded.unit, kind = excluded.kind,
    delta = excluded.delta, f_cnt = excluded.f_cnt, uplink_id = excluded.uplink_id
WHERE excluded.ts >= latest.ts
"""

ROLLUP = """
INSERT OR REPLACE INTO rollup_1h
SELECT ?, ?, ?, ?, count(*), sum(delta), min(value), max(value), sum(value),
    (SELECT value FROM readings WHERE dev_eui = ?1 AND quantity = ?2 AND channel = ?3
        AND ts >= ?4 AND ts < ?4 + 3600000000 ORDER BY ts LIMIT 1),
    (SELECT value FROM readings WHERE dev_eui = ?1 AND quantity = ?2 AND channel = ?3
        AND ts >= ?4 AND ts < ?4 + 3600000000 ORDER BY ts DESC LIMIT 1)
FROM readings WHERE dev_eui = ?1 AND quantity = ?2 AND channel = ?3 AND ts >= ?4 AND ts < ?4 + 3600000000
HAVING count(*) > 0
"""


def _merge_into(target: str, source: str, column: str) -> str:
    """One row of ``target`` (?4: its start in us, ?5: its first local date) merging the rows of
    ``source`` whose ``column`` lies in [?6, ?7), for the series (?1, ?2, ?3)."""
    series = f"dev_eui = ?1 AND quantity = ?2 AND channel = ?3 AND {column} >= ?6 AND {column} < ?7"
    return f"""
INSERT OR REPLACE INTO {target}
SELECT ?1, ?2, ?3, ?4, ?5, sum(count), sum(consumption), min(vmin), max(vmax), sum(vsum),
    (SELECT first FROM {source} WHERE {series} ORDER BY {column} LIMIT 1),
    (SELECT last FROM {source} WHERE {series} ORDER BY {column} DESC LIMIT 1)
FROM {source} WHERE {series}
HAVING count(*) > 0
"""


# One local day from the hourly rollups it holds; one local month from its daily rollups.
DAY = _merge_into("rollup_1d", "rollup_1h", "hour")
MONTH = _merge_into("rollup_1mo", "rollup_1d", "day")

# The local window a day falls in, from its date: ISO weeks start on Monday.
WINDOW_KEY = {
    Window.DAY: "local",
    Window.WEEK: "date(local, '-6 days', 'weekday 1')",
    Window.MONTH: "substr(local, 1, 7)",
    Window.YEAR: "substr(local, 1, 4)",
}
CHUNK = 500
SPAN_INDEX = {"rollup_1h": "INDEXED BY rollup_1h_time", "rollup_1d": "INDEXED BY rollup_1d_span"}
MONTH_KEY = {Window.MONTH: "local", Window.YEAR: "substr(local, 1, 4)"}

# A series' newest point before a time (and not before a second), its points in a span, its
# oldest point after a time (and not after a second): three primary-key look-ups.
_SERIES = "dev_eui = ? AND quantity = ? AND channel = ?"
BEFORE = f"SELECT * FROM readings WHERE {_SERIES} AND ts < ? AND ts >= ? ORDER BY ts DESC LIMIT 1"
INSIDE = f"SELECT * FROM readings WHERE {_SERIES} AND ts >= ? AND ts <= ? ORDER BY ts"
AFTER = f"SELECT * FROM readings WHERE {_SERIES} AND ts > ? AND ts <= ? ORDER BY ts LIMIT 1"

# A delete: the points, then their hours, days and months (recomputed from what is left), then
# each series' latest point.
DELETE = {
    table: f"DELETE FROM {table} WHERE {_SERIES} AND {column} = ?"
    for table, column in (
        ("readings", "ts"),
        ("rollup_1h", "hour"),
        ("rollup_1d", "day"),
        ("rollup_1mo", "month"),
    )
}
DELETE_LATEST = f"DELETE FROM latest WHERE {_SERIES}"
LATEST_AGAIN = (
    "INSERT INTO latest SELECT dev_eui, quantity, channel, ts, value, unit, kind, delta, f_cnt, uplink_id "
    f"FROM readings WHERE {_SERIES} ORDER BY ts DESC LIMIT 1"
)


def to_us(ts: datetime) -> int:
    if ts.tzinfo is None:
        raise ValueError("naive datetime: give times with a time zone")
    delta = ts - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86400 + delta.seconds) * _US + delta.microseconds


def from_us(value: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value)


RowOfReading = tuple[str, str, str, int, float, str, str, float | None, int | None, int | None]


def reading_row(r: Reading) -> RowOfReading:
    """A reading as the parameters of ``UPSERT`` and ``LATEST``."""
    ts = to_us(r.ts)
    return (r.dev_eui, r.quantity, r.channel, ts, r.value, r.unit, r.kind, r.delta, r.f_cnt, r.uplink_id)


def reading_of(row: sqlite3.Row) -> Reading:
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


RESTORE_HOUR = "INSERT OR REPLACE INTO rollup_1h VALUES (?,?,?,?,?,?,?,?,?,?,?)"


HourRow = tuple[str, str, str, int, int, float | None, float, float, float, float, float]


def hour_row(dev_eui: str, h: SeriesHour) -> HourRow:
    """An hourly rollup as the parameters of ``RESTORE_HOUR``."""
    r = h.rollup
    at = to_us(r.hour)
    return (
        dev_eui,
        h.quantity,
        h.channel,
        at,
        r.count,
        r.consumption,
        r.min,
        r.max,
        r.total,
        r.first,
        r.last,
    )


def hour_of(r: sqlite3.Row) -> HourRollup:
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
