"""The embedded time-series store: one SQLite file, WAL, safe for a bridge and an API at once.

Readings are keyed (device, quantity, channel, time in microseconds UTC): writing a point twice
keeps one. Every write recomputes, in the same transaction, the hourly rollups of the hours it
touched from the raw readings, then the daily rollups of the local days (the store's time zone)
holding those hours from their hourly rollups, and the monthly ones from those days, so late and
repeated readings update them all. Analytics read rollups only, grouped into windows in SQL;
raw readings older than the retention are pruned, rollups are kept.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from kernel.sqlite_wal import enable_wal
from kernel.types import Reading
from store import Bucket, Window
from store.errors import StoreRejected, StoreUnavailable
from store.protocol import Neighbourhood, RollupsInPlace, SeriesSpan
from store.rollup import (
    HourRollup,
    SeriesHour,
    Span,
    combine,
    day_hours,
    day_of,
    fold,
    plan,
    split_months,
    window_end,
    window_start,
    zone_window_end,
)
from store.sqlite_sql import (
    AFTER,
    BEFORE,
    CHUNK,
    DAY,
    DELETE,
    DELETE_LATEST,
    HOUR_US,
    INSIDE,
    LATEST,
    LATEST_AGAIN,
    MONTH,
    MONTH_KEY,
    RESTORE_HOUR,
    ROLLUP,
    SCHEMA,
    SPAN_INDEX,
    UPSERT,
    WINDOW_KEY,
    from_us,
    hour_of,
    hour_row,
    reading_of,
    reading_row,
    to_us,
)

_Params = list[tuple[Any, ...]]  # the rows of an executemany


class SqliteStore(RollupsInPlace):
    """The Store protocol on one SQLite file; one connection per thread."""

    def __init__(
        self,
        path: Path,
        *,
        raw_retention_days: int | None = None,
        timezone: str = "Europe/Paris",
        lock_timeout_s: float = 30.0,
    ) -> None:
        """``lock_timeout_s``: how long a write waits for another process's lock (an import, a
        backup) before it fails as ``StoreUnavailable``, and its uplinks are retried."""
        self.path = path
        self.lock_timeout_s = lock_timeout_s
        self.raw_retention_days = raw_retention_days
        self.timezone = timezone
        self._zone = ZoneInfo(timezone)
        self._days: dict[int, tuple[int, str, int, int]] = {}
        self._months: dict[int, tuple[int, str, int, int]] = {}
        self._windows: dict[tuple[int, Window], tuple[datetime, datetime]] = {}
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._conn().executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot create the schema in {path}: {exc}") from exc
        self._check_days()

    def _check_days(self) -> None:
        """Daily and monthly rollups are days and months of one time zone: (re)build them when it
        is not this store's (a file written before they existed, or a town that changed its time
        zone)."""
        wanted = {"rollup_timezone": self.timezone, "rollup_months": self.timezone}
        meta = {r["key"]: r["value"] for r in self._select("SELECT key, value FROM store_meta", [])}
        if all(meta.get(k) == v for k, v in wanted.items()):
            return
        with self._tx() as conn:
            meta = dict(conn.execute("SELECT key, value FROM store_meta").fetchall())
            if meta.get("rollup_timezone") != self.timezone:
                conn.execute("DELETE FROM rollup_1d")
                hours = conn.execute(
                    "SELECT DISTINCT dev_eui, quantity, channel, hour FROM rollup_1h"
                ).fetchall()
                conn.executemany(DAY, sorted({self._day_row(e, q, ch, h) for e, q, ch, h in hours}))
                meta.pop("rollup_months", None)
            if meta.get("rollup_months") != self.timezone:
                conn.execute("DELETE FROM rollup_1mo")
                days = conn.execute(
                    "SELECT DISTINCT dev_eui, quantity, channel, day FROM rollup_1d"
                ).fetchall()
                conn.executemany(MONTH, sorted({self._month_row(e, q, ch, d) for e, q, ch, d in days}))
            conn.executemany("INSERT OR REPLACE INTO store_meta VALUES (?, ?)", sorted(wanted.items()))

    def _month_row(self, eui: str, quantity: str, channel: str, day_us: int) -> tuple[object, ...]:
        """The MONTH parameters of the local month holding a day."""
        found = self._months.get(day_us)
        if found is None:
            begin = window_start(from_us(day_us), Window.MONTH, self._zone)
            after = to_us(window_end(begin, Window.MONTH, self._zone))
            found = (to_us(begin), begin.date().isoformat(), to_us(begin), after)
            if len(self._months) > 100_000:
                self._months.clear()
            self._months[day_us] = found
        return (eui, quantity, channel, *found)

    def _day_of_hour(self, hour_us: int) -> tuple[int, str, int, int]:
        """(local midnight in us, its date, first hour, end hour) of the day an hour counts in."""
        found = self._days.get(hour_us)
        if found is None:
            day = day_of(from_us(hour_us), self._zone)
            first, end = day_hours(day, self._zone)
            found = (to_us(day), day.date().isoformat(), to_us(first), to_us(end))
            if len(self._days) > 100_000:
                self._days.clear()
            self._days[hour_us] = found
        return found

    def _day_row(self, eui: str, quantity: str, channel: str, hour_us: int) -> tuple[object, ...]:
        return (eui, quantity, channel, *self._day_of_hour(hour_us))

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(
                    self.path, timeout=self.lock_timeout_s, isolation_level=None, check_same_thread=False
                )
                conn.row_factory = sqlite3.Row
                conn.execute(f"PRAGMA busy_timeout={int(self.lock_timeout_s * 1000)}")
                enable_wal(conn)
                conn.execute("PRAGMA synchronous=NORMAL")
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
        try:
            rows, hours, days, months = self._write_rows(readings)
        except (OverflowError, ValueError) as exc:  # a time no local calendar holds, a naive time
            raise StoreRejected(f"reading cannot be written to SQLite: {exc}") from exc
        with self._tx() as conn:
            conn.executemany(UPSERT, rows)
            conn.executemany(LATEST, rows)
            conn.executemany(ROLLUP, hours)
            conn.executemany(DAY, days)
            conn.executemany(MONTH, months)

    def _write_rows(self, readings: Sequence[Reading]) -> tuple[_Params, _Params, _Params, _Params]:
        """The parameters of a write: readings, and the hours, days and months they touch."""
        rows = [reading_row(r) for r in readings]
        hours = sorted({(row[0], row[1], row[2], row[3] - row[3] % HOUR_US) for row in rows})
        days = sorted({self._day_row(*h) for h in hours})
        months = sorted({self._month_row(e, q, ch, day) for e, q, ch, day, *_ in days})  # type: ignore[arg-type]
        return rows, hours, days, months

    def delete(self, dev_eui: str, points: Collection[tuple[str, str, datetime]]) -> None:
        keys = [(dev_eui, q, ch, to_us(ts)) for q, ch, ts in points]
        if not keys:
            return
        hours = sorted({(e, q, ch, t - t % HOUR_US) for e, q, ch, t in keys})
        series = sorted({(e, q, ch) for e, q, ch, _ in keys})
        with self._tx() as conn:
            conn.executemany(DELETE["readings"], keys)
            conn.executemany(DELETE["rollup_1h"], hours)
            conn.executemany(ROLLUP, hours)
            days = sorted({self._day_row(*h) for h in hours})
            conn.executemany(DELETE["rollup_1d"], [d[:4] for d in days])
            conn.executemany(DAY, days)
            months = sorted({self._month_row(e, q, ch, day) for e, q, ch, day, *_ in days})  # type: ignore[arg-type]
            conn.executemany(DELETE["rollup_1mo"], [m[:4] for m in months])
            conn.executemany(MONTH, months)
            conn.executemany(DELETE_LATEST, series)
            conn.executemany(LATEST_AGAIN, series)

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
        return [reading_of(row) for row in self._select(sql, params)]

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
        found = self.aggregate_many([dev_eui], quantity, start, end, window, tz, channel=channel)
        return found.get((dev_eui, channel), [])

    def aggregate_many(
        self,
        dev_euis: Collection[str],
        quantity: str,
        start: datetime,
        end: datetime,
        window: Window,
        tz: str,
        channel: str | None = None,
    ) -> dict[tuple[str, str], list[Bucket]]:
        to_us(start), to_us(end)  # naive times are refused even when the range is empty
        p = plan(start, end, window, tz, self.timezone)
        parts: dict[tuple[str, str], list[Bucket]] = {}
        euis = sorted(set(dev_euis))
        for i in range(0, len(euis), CHUNK):
            chunk = euis[i : i + CHUNK]
            if p.days is None:
                if p.head:
                    self._hour_buckets(parts, chunk, quantity, channel, p.head, window, tz)
                continue
            # With whole days, the ragged ends lie each inside one local day: one window each;
            # months and years take their whole months from the monthly rollups.
            head: Span | None = p.days
            months: Span | None = None
            tail: Span | None = None
            if window in MONTH_KEY:
                head, months, tail = split_months(p.days, self._zone)
            for table, column, span, key in (
                ("rollup_1h", "hour", p.head, "0"),
                ("rollup_1d", "day", head, WINDOW_KEY[window]),
                ("rollup_1mo", "month", months, MONTH_KEY.get(window, "")),
                ("rollup_1d", "day", tail, WINDOW_KEY[window]),
                ("rollup_1h", "hour", p.tail, "0"),
            ):
                if span:
                    self._merged_buckets(parts, chunk, quantity, channel, span, window, (table, column, key))
        return {key: combine(buckets) for key, buckets in parts.items()}

    def _where(
        self, chunk: Sequence[str], quantity: str, channel: str | None, column: str, span: tuple[int, int]
    ) -> tuple[str, list[object]]:
        sql = f"quantity = ? AND dev_eui IN ({','.join('?' * len(chunk))}) AND {column} >= ? AND {column} < ?"
        params: list[object] = [quantity, *chunk, *span]
        if channel is not None:
            sql += " AND channel = ?"
            params.append(channel)
        return sql, params

    def _hour_buckets(
        self,
        parts: dict[tuple[str, str], list[Bucket]],
        chunk: Sequence[str],
        quantity: str,
        channel: str | None,
        span: tuple[datetime, datetime],
        window: Window,
        tz: str,
    ) -> None:
        where, params = self._where(chunk, quantity, channel, "hour", (to_us(span[0]), to_us(span[1])))
        rows = self._select(
            f"SELECT * FROM rollup_1h INDEXED BY rollup_1h_time WHERE {where} ORDER BY dev_eui, hour", params
        )
        series: dict[tuple[str, str], list[HourRollup]] = {}
        for r in rows:
            series.setdefault((r["dev_eui"], r["channel"]), []).append(hour_of(r))
        for key, hours in series.items():
            parts.setdefault(key, []).extend(fold(hours, window, tz))

    def _merged_buckets(
        self,
        parts: dict[tuple[str, str], list[Bucket]],
        chunk: Sequence[str],
        quantity: str,
        channel: str | None,
        span: tuple[datetime, datetime],
        window: Window,
        source: tuple[str, str, str],
    ) -> None:
        """Rollups (daily, or the hours of a ragged end) merged into windows by SQL, grouped by
        ``source`` = (table, time column, window key); first and last from each window's ends."""
        table, t, key = source
        where, params = self._where(chunk, quantity, channel, t, (to_us(span[0]), to_us(span[1])))
        if table == "rollup_1d" and window is Window.DAY:
            # A daily window is one daily rollup: read the rows as they are (no grouping, no
            # joins for first and last; a third of the time of the grouped read).
            rows = self._conn_select(
                "SELECT dev_eui, channel, day, count, consumption, vmin, vmax, vsum, first, last "
                f"FROM rollup_1d WHERE {where} ORDER BY dev_eui, channel, day",
                params,
            )
        else:
            rows = self._grouped_rows(table, t, key, where, params, quantity)
        for eui, ch, d0, n, c, lo, hi, total, first, last in rows:
            begin, end = self._bounds(d0, window)
            parts.setdefault((eui, ch), []).append(
                Bucket(begin, end, n, lo, hi, total / n if n else None, first, last, c)
            )

    def _bounds(self, start_us: int, window: Window) -> tuple[datetime, datetime]:
        """The local window holding an instant (in us): the same few hundred on every request."""
        found = self._windows.get((start_us, window))
        if found is None:
            begin = window_start(from_us(start_us), window, self._zone)
            found = (begin, zone_window_end(begin, window, self._zone))
            if len(self._windows) > 100_000:
                self._windows.clear()
            self._windows[(start_us, window)] = found
        return found

    def _grouped_rows(
        self, table: str, t: str, key: str, where: str, params: list[object], quantity: str
    ) -> list[tuple[Any, ...]]:
        return self._conn_select(
            f"WITH g AS (SELECT dev_eui, channel, {key} AS w, min({t}) AS d0, max({t}) AS d1, "
            "sum(count) AS n, sum(consumption) AS c, min(vmin) AS lo, max(vmax) AS hi, sum(vsum) AS s "
            f"FROM {table} {SPAN_INDEX.get(table, '')} WHERE {where} GROUP BY dev_eui, channel, w) "
            "SELECT g.dev_eui, g.channel, g.d0, g.n, g.c, g.lo, g.hi, g.s, f.first, l.last FROM g "
            f"JOIN {table} f ON f.dev_eui = g.dev_eui AND f.quantity = ? AND f.channel = g.channel "
            f"AND f.{t} = g.d0 "
            f"JOIN {table} l ON l.dev_eui = g.dev_eui AND l.quantity = ? AND l.channel = g.channel "
            f"AND l.{t} = g.d1 ORDER BY g.dev_eui, g.channel, g.d0",
            [*params, quantity, quantity],
        )

    def latest(self, dev_euis: Collection[str] | None = None) -> list[Reading]:
        if dev_euis is None:
            return [
                reading_of(r) for r in self._select("SELECT * FROM latest ORDER BY dev_eui, quantity", [])
            ]
        wanted = sorted(set(dev_euis))
        found: list[Reading] = []
        for i in range(0, len(wanted), 500):
            chunk = wanted[i : i + 500]
            marks = ",".join("?" * len(chunk))
            sql = f"SELECT * FROM latest WHERE dev_eui IN ({marks}) ORDER BY dev_eui, quantity"
            found.extend(reading_of(r) for r in self._select(sql, list(chunk)))
        return found

    def neighbours(
        self, spans: Sequence[SeriesSpan], reach: timedelta
    ) -> dict[tuple[str, str, str], Neighbourhood]:
        out: dict[tuple[str, str, str], Neighbourhood] = {}
        far = int(reach.total_seconds() * 1_000_000)
        for span in spans:
            key = (span.dev_eui, span.quantity, span.channel)
            start, end = to_us(span.start), to_us(span.end)
            before = self._select(BEFORE, [*key, start, start - far])
            inside = self._select(INSIDE, [*key, start, end])
            after = self._select(AFTER, [*key, end, end + far])
            if before or inside or after:
                out[key] = Neighbourhood(
                    reading_of(before[0]) if before else None,
                    tuple(reading_of(r) for r in inside),
                    reading_of(after[0]) if after else None,
                )
        return out

    def hourly(self, dev_eui: str) -> list[SeriesHour]:
        rows = self._select(
            "SELECT * FROM rollup_1h WHERE dev_eui = ? ORDER BY hour, quantity, channel", [dev_eui]
        )
        return [SeriesHour(r["quantity"], r["channel"], hour_of(r)) for r in rows]

    def restore_hourly(self, dev_eui: str, hours: Sequence[SeriesHour]) -> None:
        rows = [hour_row(dev_eui, h) for h in hours]
        if rows:
            days = sorted({self._day_row(r[0], r[1], r[2], r[3]) for r in rows})
            months = sorted({self._month_row(e, q, ch, day) for e, q, ch, day, *_ in days})  # type: ignore[arg-type]
            with self._tx() as conn:
                conn.executemany(RESTORE_HOUR, rows)
                conn.executemany(DAY, days)  # the restored hours' days and months, as a write does
                conn.executemany(MONTH, months)

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
            for table in ("rollup_1h", "rollup_1d", "rollup_1mo", "latest"):
                conn.execute(f"DELETE FROM {table} WHERE dev_eui = ?", (dev_eui,))
        return int(removed)

    def prune(self, now: datetime) -> int:
        """Delete raw readings older than the retention (rollups stay); returns how many."""
        if self.raw_retention_days is None:
            return 0
        cutoff = to_us(now - timedelta(days=self.raw_retention_days))
        with self._tx() as conn:
            return conn.execute("DELETE FROM readings WHERE ts < ?", (cutoff,)).rowcount

    def _conn_select(self, sql: str, params: Sequence[object]) -> list[tuple[Any, ...]]:
        """Plain tuples, for the big reads (sqlite3.Row costs a third more per row)."""
        try:
            cursor = self._conn().cursor()
            cursor.row_factory = None
            return cursor.execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{self.path}: {exc}") from exc

    def _select(self, sql: str, params: Sequence[object]) -> list[sqlite3.Row]:
        try:
            return self._conn().execute(sql, params).fetchall()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{self.path}: {exc}") from exc

    def reachable(self) -> bool:
        try:
            self._select("SELECT 1", ())
        except StoreUnavailable:
            return False
        return True

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
