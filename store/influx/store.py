"""The production store: InfluxDB through its v1 HTTP API (``/write`` line protocol, ``/query`` InfluxQL).

InfluxDB 1.x serves this API natively, 2.x through its v1 compatibility endpoints (token auth, a
database/retention-policy mapping), 3.x through its v1 write and query API; see docs/store.md.

Schema (series cardinality = devices x quantities x channels, never values or times in tags):
- ``reading`` in the raw retention policy: tags ``dev_eui``, ``quantity``, ``channel`` (absent
  when empty), ``kind``; fields ``value``, ``delta``, ``f_cnt``, ``uplink_id``. The unit is
  implied by the quantity.
- ``rollup_1h`` in the long retention policy: same tags (no kind); fields ``count``,
  ``consumption`` (sum of deltas), ``min``, ``max``, ``sum``, ``first``, ``last``, recomputed from
  the raw points for the hours each write touches (so late and repeated points are right).
- ``rollup_1d`` in the long retention policy: the same for each local day of the store's time
  zone (time = local midnight; 23, 24 or 25 hours), recomputed from the hourly rollups of the
  days each write touches. Reads of days, weeks, months and years in that time zone take whole
  days from it.
- ``rollup_1mo``: the same per local month, recomputed from the daily rollups of the months a
  write touches; months and years read their whole months from it in one statement.
The rollups policy has year-long shards: InfluxDB pays per series, statement and shard.
"""

from __future__ import annotations

import gzip
import logging
import math
import re
import threading
import time
from collections.abc import Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

import httpx

from decoders import CANONICAL_UNITS, Quantity
from kernel.types import HOUR_NS, MAX_SERIES, Reading, SeriesKey
from store import Bucket, Window
from store.errors import BadStoreUrl, StoreError, StoreRejected, StoreUnavailable
from store.influx import neighbours as influx_neighbours
from store.influx.dirty import Dirty
from store.influx.lineprotocol import line, point, precision_ns, quote_ident, quote_str, series_key, timestamp
from store.influx.open_hours import HourKey, HourStats, OpenHours, Row, merge_all
from store.protocol import Neighbourhood, SeriesSpan
from store.rollup import (
    HourRollup,
    SeriesHour,
    combine,
    day_hours,
    day_of,
    floor_hour,
    fold,
    plan,
    split_months,
    window_end,
    window_start,
)

log = logging.getLogger(__name__)

_OR_CHUNK = 200
_READ_CHUNK = 1000
_MAX_STATEMENTS = 400
_PARALLEL = 4  # read requests side by side
_WORD = re.compile(r"[0-9A-Za-z_-]+")
# Touched hours further apart than this are recomputed by separate queries, so that a batch
# holding one reading from last month does not make InfluxDB group a month of raw points.
_SPAN_GAP_NS = 24 * HOUR_NS
_WARN_EVERY_S = 60.0
# ``latest`` asks the raw points of this last span first (one or two weekly shards).
_RECENT_NS = 8 * 24 * HOUR_NS
_MONTH_SPAN_NS = 32 * 24 * HOUR_NS  # from a local month's start, past its end


def _ns(value: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=value // 1000)


class InfluxStore:
    """The Store protocol on an InfluxDB v1 HTTP API."""

    def __init__(
        self,
        base_url: str,
        database: str,
        *,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        raw_rp: str = "raw",
        rollup_rp: str = "rollups",
        precision: str = "ns",
        raw_retention_days: int | None = None,
        create: bool = True,
        batch_size: int = 5000,
        timezone: str = "Europe/Paris",
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        precision_ns(precision)
        self.base_url = base_url
        self.database = database
        self.raw_rp = raw_rp
        self.rollup_rp = rollup_rp
        self.precision = precision
        self.batch_size = batch_size
        self.timezone = timezone
        self._zone = ZoneInfo(timezone)
        self._day_cache: dict[int, tuple[int, int, int]] = {}
        self._month_cache: dict[int, tuple[int, int, int]] = {}
        self._pool: ThreadPoolExecutor | None = None
        self.dropped_beyond_retention = 0
        self._warned_at = -_WARN_EVERY_S
        self._series: dict[tuple[str, str, str, str, str], str] = {}
        self._open_hours = OpenHours(periods=self._periods)
        # Rollups folded in memory and not yet written (``hold_rollups``), by (measurement, key).
        self._held: dict[tuple[str, str, str, str, int], HourStats] = {}
        # What a chunked flush took from the held rollups, as lines, and the next line to write.
        self._sealed: dict[tuple[str, str, str, str, int], HourStats] = {}
        self._sealed_keys: list[tuple[str, str, str, str, int]] = []  # in writing order
        self._sealed_next = 0
        # Held too (``hold_rollups``): hours and days this writer could not fold (a replay, a late
        # point, a series not seen lately), recomputed from what is stored once at the flush
        # rather than batch after batch (a catch-up touches each series' hour in every batch).
        self._dirty = Dirty()
        self._sealed_dirty = Dirty()
        self._hold = False
        # Writers in several threads (one bridge per network server) share this object: what
        # it folds and holds in memory is changed under this lock.
        self._lock = threading.RLock()
        headers = {"Authorization": f"Token {token}"} if token else {}
        auth = (username, password or "") if username and not token else None
        self._client = httpx.Client(
            base_url=base_url, headers=headers, auth=auth, timeout=timeout, transport=transport
        )
        if create:
            self._create(raw_retention_days)

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        raw_retention_days: int | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        timezone: str = "Europe/Paris",
    ) -> InfluxStore:
        """``influxdb[s]://[user:pass@]host:port/database[?token=&rp=&rollup_rp=&precision=&create=]``."""
        parts = urlsplit(url)
        database = parts.path.strip("/")
        if not parts.hostname or not database:
            raise BadStoreUrl(f"expected influxdb://host:port/database, got {url!r}")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        scheme = "https" if parts.scheme == "influxdbs" else "http"
        try:
            port = parts.port or 8086
        except ValueError as exc:
            raise BadStoreUrl(f"bad port in {url!r}") from exc
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        return cls(
            f"{scheme}://{host}:{port}",
            database,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            token=query.get("token"),
            raw_rp=query.get("rp", "raw"),
            rollup_rp=query.get("rollup_rp", "rollups"),
            precision=query.get("precision", "ns"),
            raw_retention_days=raw_retention_days,
            create=query.get("create", "true").lower() != "false",
            timeout=timeout,
            transport=transport,
            timezone=timezone,
        )

    # -- HTTP boundary: every httpx error and non-2xx answer is translated here ------------------
    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise StoreUnavailable(f"InfluxDB unreachable: {exc}") from exc
        if response.status_code >= 500:
            raise StoreUnavailable(f"InfluxDB error {response.status_code}: {response.text[:300]}")
        if response.status_code >= 400:
            raise StoreRejected(f"InfluxDB refused ({response.status_code}): {response.text[:300]}")
        return response

    def _query(self, q: str, *, write: bool = False) -> list[dict[str, Any]]:
        """The series of every statement of ``q``, each with its ``statement_id``."""
        params = {"db": self.database, "epoch": "ns"}
        if len(q) > 2000:  # long statements go in a form body (URLs have limits)
            response = self._request("POST", "/query", params=params, data={"q": q})
        else:
            response = self._request("POST" if write else "GET", "/query", params={**params, "q": q})
        try:
            results = response.json().get("results", [])
        except ValueError as exc:
            raise StoreRejected(f"InfluxDB answered something else than JSON: {response.text[:200]}") from exc
        series: list[dict[str, Any]] = []
        for result in results:
            if "error" in result:
                raise StoreRejected(f"InfluxQL error: {result['error']}")
            for one in result.get("series", []):
                one["statement_id"] = result.get("statement_id", 0)
                series.append(one)
        return series

    def _create(self, raw_retention_days: int | None) -> None:
        raw = f"{raw_retention_days}d" if raw_retention_days else "INF"
        db = quote_ident(self.database)
        statements = [
            f"CREATE DATABASE {db}",
            f"CREATE RETENTION POLICY {quote_ident(self.raw_rp)} ON {db} DURATION {raw} "
            "REPLICATION 1 DEFAULT",
            f"ALTER RETENTION POLICY {quote_ident(self.raw_rp)} ON {db} DURATION {raw}",
            # Rollups are few points per series (9,000 a year): year-long shards, so that a report
            # over a year opens one shard per series, not 52 (the default for an infinite policy).
            f"CREATE RETENTION POLICY {quote_ident(self.rollup_rp)} ON {db} DURATION INF REPLICATION 1 "
            "SHARD DURATION 52w",
            f"ALTER RETENTION POLICY {quote_ident(self.rollup_rp)} ON {db} SHARD DURATION 52w",
        ]
        for statement in statements:
            try:
                self._query(statement, write=True)
            except StoreRejected as exc:
                # InfluxDB 2.x/3.x manage buckets themselves (docs/store.md): not fatal.
                log.warning("could not run %r (%s); assuming the database is prepared", statement, exc)

    def _write(self, lines: Iterable[str], rp: str, precision: str | None = None) -> None:
        body = "\n".join(lines).encode()
        if not body:
            return
        self._request(
            "POST",
            "/write",
            params={"db": self.database, "rp": rp, "precision": precision or self.precision},
            content=gzip.compress(body, compresslevel=1),
            headers={"Content-Encoding": "gzip", "Content-Type": "text/plain; charset=utf-8"},
        )

    # -- the Store protocol ------------------------------------------------------------------------
    def write(self, readings: Sequence[Reading]) -> None:
        with self._lock:
            for i in range(0, len(readings), self.batch_size):
                batch = readings[i : i + self.batch_size]
                try:
                    lines = [self._reading_line(r) for r in batch]
                except ValueError as exc:  # NaN, a tag the line protocol cannot carry
                    raise StoreRejected(f"reading cannot be written to InfluxDB: {exc}") from exc
                try:
                    self._write(lines, self.raw_rp)
                except StoreRejected as exc:
                    # InfluxDB keeps the rest of a batch whose oldest points are past the raw
                    # retention: like SQLite's prune, those are gone, the others need their rollups.
                    if "beyond retention policy" not in str(exc):
                        raise
                    self._note_dropped(str(exc))
                    self.flush()
                    self._open_hours.forget()  # some of the batch is not stored: recompute from what is
                self._refresh_rollups(batch, defer=self._hold)

    def _note_dropped(self, message: str) -> None:
        dropped = message.rpartition("dropped=")[2].split()[0].strip('"}') if "dropped=" in message else "1"
        self.dropped_beyond_retention += int(dropped) if dropped.isdigit() else 1
        now = time.monotonic()
        if now - self._warned_at >= _WARN_EVERY_S:
            self._warned_at = now
            log.warning(
                "InfluxDB dropped readings older than the raw retention (%d so far)",
                self.dropped_beyond_retention,
            )

    def share_writes(self) -> None:
        """Other processes write the same series (bridge workers on a shared subscription): every
        hour a write touches is recomputed from the stored points, none folded in memory."""
        self._open_hours = OpenHours(ttl_s=-1.0)

    def _series_of(self, measurement: str, dev_eui: str, quantity: str, channel: str, kind: str) -> str:
        """A series' measurement and tags in line protocol, escaped once (it was a tenth of the time)."""
        key = (measurement, dev_eui, quantity, channel, kind)
        series = self._series.get(key)
        if series is None:
            if len(self._series) > MAX_SERIES:
                self._series.clear()
            tags = {"dev_eui": dev_eui, "quantity": quantity, "channel": channel, "kind": kind}
            series = self._series[key] = series_key(measurement, tags)
        return series

    def _reading_line(self, r: Reading) -> str:
        return point(
            self._series_of("reading", r.dev_eui, r.quantity, r.channel, r.kind),
            {"value": float(r.value), "delta": r.delta, "f_cnt": r.f_cnt, "uplink_id": r.uplink_id},
            r.ts,
            self.precision,
        )

    def _refresh_rollups(self, batch: Sequence[Reading], *, defer: bool = False) -> None:
        """Bring the hours, days and months this batch touched up to date: in memory where this
        writer holds them (``OpenHours``), else recomputed from what is stored (hours from the raw
        points, days from hours, months from days), in one query per period and device set; with
        ``defer``, that recomputation waits for the flush (``_settle``)."""
        folded = self._open_hours.fold(batch)
        stats, rest = folded.hours, folded.rest
        if rest and not defer:
            hours = [timestamp(r.ts) - timestamp(r.ts) % HOUR_NS for r in rest]
            touched = {(r.dev_eui, r.quantity, r.channel, h) for r, h in zip(rest, hours, strict=True)}
            recomputed: dict[HourKey, HourStats] = {}
            for start, end, euis in _spans(touched):
                recomputed.update(self._recompute(start, end, euis, touched))
            newest = self._newest(sorted({r.dev_eui for r in rest}), min(timestamp(r.ts) for r in rest))
            self._open_hours.seed(rest, recomputed, newest)
            stats.update(recomputed)
        # This batch's rollups replace what was held for the same periods (a late point's hour,
        # recomputed from the stored points, supersedes the value folded before it).
        for measurement, rows in (
            ("rollup_1h", stats),
            ("rollup_1d", folded.days),
            ("rollup_1mo", folded.months),
        ):
            for (eui, quantity, channel, at), h in rows.items():
                self._held[(measurement, eui, quantity, channel, at)] = h
        if defer:
            self._dirty.add(rest, [(r, self._day(_hour_of(r))) for r in folded.days_unknown])
            return
        self.flush()  # the days are recomputed from the stored hours: every hour is written first
        unknown = [*rest, *folded.days_unknown]
        if unknown:
            days, months = self._refresh_days(
                {(r.dev_eui, r.quantity, r.channel, self._day(_hour_of(r))) for r in unknown}
            )
            self._open_hours.seed_periods(days, months)

    def _settle(self, dirty: Dirty) -> None:
        """Recompute the hours, days and months ``dirty`` holds from what is stored (hours from the
        raw points, then days and months), write them, and remember those this writer can fold
        into again. On failure they stay to be settled at the next flush."""
        if not dirty:
            return
        try:
            recomputed: dict[HourKey, HourStats] = {}
            for start, end, euis in _spans(dirty.hours):
                recomputed.update(self._recompute(start, end, euis, dirty.hours))
            lines = [
                _stats_line(self._series_of("rollup_1h", *k[:3], ""), k[3], h) for k, h in recomputed.items()
            ]
            for i in range(0, len(lines), self.batch_size):
                self._write(lines[i : i + self.batch_size], self.rollup_rp, "ns")
            if dirty.last:
                oldest = min(dirty.last.values())
                newest = self._newest(sorted({key[0] for key in dirty.last}), oldest)
                self._open_hours.seed_counted(dirty.written(), recomputed, newest)
            days = {(e, q, ch, self._day(at)) for e, q, ch, at in dirty.hours} | dirty.days
            found_days, found_months = self._refresh_days(days)
            self._open_hours.seed_periods(found_days, found_months)
        except StoreError:
            self._dirty.merge(dirty)
            raise

    def hold_rollups(self, hold: bool) -> bool:
        """Keep the rollups of periods folded in memory until ``flush`` (the bridge: several
        batches of a series then cost one rollup point per period, and it marks its uplinks done
        only after the flush, so a crash replays them). Off: every write writes its rollups."""
        with self._lock:
            self._hold = hold
            if not hold:
                self.flush()
        return hold

    def flush(self, limit: int | None = None) -> bool:
        """Write the rollups held in memory; True once all that was taken is written.

        ``limit`` None: all of them now. Else a chunked flush, for a writer that spreads a large
        flush over its next batches rather than stall them: the first call takes what is held,
        each call writes at most ``limit`` of those points, and rollups folded meanwhile wait for
        the next flush (so a period's newer value is always written after its older one).
        """
        with self._lock:
            if limit is None:
                lines = self._lines(self._sealed, self._sealed_keys[self._sealed_next :])
                lines += self._lines(self._held, self._held)
                for i in range(0, len(lines), self.batch_size):
                    self._write(lines[i : i + self.batch_size], self.rollup_rp, "ns")
                self._held.clear()
                self._unseal()
                dirty = self._sealed_dirty.merge(self._dirty)
                self._sealed_dirty, self._dirty = Dirty(), Dirty()
                self._settle(dirty)
                return True
            if not self._sealed and not self._sealed_dirty:
                if not self._held and not self._dirty:
                    return True
                self._sealed, self._held = self._held, {}
                self._sealed_keys, self._sealed_next = list(self._sealed), 0
                self._sealed_dirty, self._dirty = self._dirty, Dirty()
            # Lines are formatted chunk by chunk: formatting them all at once held as much
            # memory again as the rollups themselves.
            end = min(self._sealed_next + limit, len(self._sealed_keys))
            for i in range(self._sealed_next, end, self.batch_size):
                chunk = self._sealed_keys[i : min(i + self.batch_size, end)]
                self._write(self._lines(self._sealed, chunk), self.rollup_rp, "ns")
                self._sealed_next = i + len(chunk)
            if end < len(self._sealed_keys):
                return False
            self._unseal()
            dirty, self._sealed_dirty = self._sealed_dirty, Dirty()
            self._settle(dirty)
            return True

    def held(self) -> int:
        with self._lock:
            waiting = len(self._dirty) + len(self._sealed_dirty)
            return len(self._held) + len(self._sealed_keys) - self._sealed_next + waiting

    def _unseal(self) -> None:
        self._sealed, self._sealed_keys, self._sealed_next = {}, [], 0

    def _lines(
        self,
        held: dict[tuple[str, str, str, str, int], HourStats],
        keys: Iterable[tuple[str, str, str, str, int]],
    ) -> list[str]:
        return [
            _stats_line(
                self._series_of(m, eui, quantity, channel, ""), at, held[(m, eui, quantity, channel, at)]
            )
            for m, eui, quantity, channel, at in keys
        ]

    def _periods(self, hour_ns: int) -> tuple[int, int]:
        day = self._day(hour_ns)[0]
        return day, self._month(day)[0]

    def _newest(self, euis: Sequence[str], oldest: int) -> dict[SeriesKey, int]:
        """The time of each series' newest stored point at or after ``oldest`` (ns), for some
        devices: a late batch is not the end of its series, and its hour must not be folded into
        afterwards."""
        out: dict[SeriesKey, int] = {}
        for chunk in _chunks(euis):
            for s in self._query(
                f"SELECT last(value) FROM {self._raw} WHERE ({_any('dev_eui', chunk)}) "
                f"AND time >= {oldest} GROUP BY dev_eui, quantity, channel"
            ):
                for t, _ in s.get("values", []):
                    out[_series(s)] = t
        return out

    def _recompute(
        self, start: int, end: int, euis: Sequence[str], touched: set[HourKey]
    ) -> dict[HourKey, HourStats]:
        out: dict[HourKey, HourStats] = {}
        for chunk in _chunks(euis):
            series = self._query(
                "SELECT count(value), sum(delta), min(value), max(value), sum(value), "
                "first(value), last(value) "
                f"FROM {self._raw} WHERE ({_any('dev_eui', chunk)}) AND time >= {start} AND time < {end} "
                "GROUP BY time(1h), dev_eui, quantity, channel fill(none)"
            )
            for s in series:
                for t, count, consumption, vmin, vmax, total, first, last in s.get("values", []):
                    key = (*_series(s), t)
                    if key not in touched or not count:
                        continue
                    out[key] = _stats(count, consumption, vmin, vmax, total, first, last)
        return out

    def delete(self, dev_eui: str, points: Collection[tuple[str, str, datetime]]) -> None:
        """InfluxQL DELETE of each point, then of its hour's rollup, recomputed from what remains."""
        with self._lock:
            self.flush()
            self._open_hours.forget(dev_eui)
            for quantity, channel, ts in points:
                t = timestamp(ts)
                hour = t - t % HOUR_NS
                where = f"dev_eui = {quote_str(dev_eui)} AND quantity = {quote_str(quantity)}"
                if channel:
                    where += f" AND channel = {quote_str(channel)}"
                self._query(
                    f'DELETE FROM "reading" WHERE {where} AND time >= {t} AND time <= {t}', write=True
                )
                self._query(
                    f'DELETE FROM "rollup_1h" WHERE {where} AND time >= {hour} AND time <= {hour}', write=True
                )
            if points:
                survivors = [
                    r
                    for quantity, channel, ts in points
                    for r in self.query(
                        dev_eui,
                        datetime.fromtimestamp((timestamp(ts) - timestamp(ts) % HOUR_NS) / 1e9, UTC),
                        datetime.fromtimestamp(
                            (timestamp(ts) - timestamp(ts) % HOUR_NS + HOUR_NS) / 1e9, UTC
                        ),
                        [quantity],
                    )
                    if r.channel == channel
                ]
                if survivors:
                    self._refresh_rollups(survivors, defer=False)
                days = set()
                for quantity, channel, ts in points:
                    t = timestamp(ts)
                    days.add((dev_eui, quantity, channel, self._day(t - t % HOUR_NS)))
                self._refresh_days(days)

    # -- daily rollups ----------------------------------------------------------------------------
    def _day(self, hour_ns: int) -> tuple[int, int, int]:
        """(local midnight, first hour, end hour) in ns of the day an hour counts in."""
        found = self._day_cache.get(hour_ns)
        if found is None:
            day = day_of(_ns(hour_ns), self._zone)
            first, end = day_hours(day, self._zone)
            found = (timestamp(day), timestamp(first), timestamp(end))
            if len(self._day_cache) > 100_000:
                self._day_cache.clear()
            self._day_cache[hour_ns] = found
        return found

    def _month(self, day_ns: int) -> tuple[int, int, int]:
        """(month start, month start, next month start) in ns of the local month of a day."""
        found = self._month_cache.get(day_ns)
        if found is None:
            begin = window_start(_ns(day_ns), Window.MONTH, self._zone)
            found = (
                timestamp(begin),
                timestamp(begin),
                timestamp(window_end(begin, Window.MONTH, self._zone)),
            )
            if len(self._month_cache) > 100_000:
                self._month_cache.clear()
            self._month_cache[day_ns] = found
        return found

    def _refresh_days(
        self, touched: set[tuple[str, str, str, tuple[int, int, int]]]
    ) -> tuple[dict[HourKey, list[Row]], dict[HourKey, list[Row]]]:
        """Recompute the daily rollups of these (series, day)s from their hourly rollups, then the
        monthly ones of their months from the daily ones. Returns the rows each merged."""
        days = self._refresh(touched, self._rollups, "rollup_1d")
        months = self._refresh(
            {(e, q, ch, self._month(day[0])) for e, q, ch, day in touched}, self._days, "rollup_1mo"
        )
        return days, months

    def _refresh(
        self, touched: set[tuple[str, str, str, tuple[int, int, int]]], source: str, target: str
    ) -> dict[HourKey, list[Row]]:
        """Recompute rollups of ``target`` at (series, (time, first, end)) from the rows of
        ``source`` in [first, end): one statement per period and per 200 devices; a period left
        without rows (after a delete) loses its row. The rows are merged here in time order, as
        ``OpenHours`` merges what it folds (InfluxDB's sums could associate otherwise: a day
        recomputed after a fault would differ in its last bits from the same day folded).
        Returns each period's rows."""
        by_period: dict[tuple[int, int, int], set[str]] = {}
        for eui, _, _, period in touched:
            by_period.setdefault(period, set()).add(eui)
        statements: list[tuple[int, str]] = []
        for period, euis in sorted(by_period.items()):
            for chunk in _chunks(sorted(euis)):
                statements.append(
                    (
                        period[0],
                        f'SELECT "count", "consumption", "min", "max", "sum", "first", "last" FROM {source} '
                        f"WHERE ({_any('dev_eui', chunk)}) AND time >= {period[1]} AND time < {period[2]} "
                        "GROUP BY dev_eui, quantity, channel",
                    )
                )
        wanted = {(e, q, ch, period[0]) for e, q, ch, period in touched}
        rows: dict[HourKey, list[Row]] = {}
        for i in range(0, len(statements), 50):
            group = statements[i : i + 50]
            for s in self._query(";".join(q for _, q in group)):
                key = (*_series(s), group[s["statement_id"]][0])
                if key not in wanted:
                    continue
                for t, count, consumption, vmin, vmax, total, first, last in s.get("values", []):
                    if count:
                        rows.setdefault(key, []).append(
                            (int(t), _stats(count, consumption, vmin, vmax, total, first, last))
                        )
        found = {key: merge_all([h for _, h in found]) for key, found in rows.items()}
        self._write(
            [_stats_line(self._series_of(target, *key[:3], ""), key[3], h) for key, h in found.items() if h],
            self.rollup_rp,
            "ns",
        )
        for eui, quantity, channel, at in sorted(wanted - found.keys()):
            where = f"dev_eui = {quote_str(eui)} AND quantity = {quote_str(quantity)}"
            if channel:
                where += f" AND channel = {quote_str(channel)}"
            self._query(f"DELETE FROM {quote_ident(target)} WHERE {where} AND time = {at}", write=True)
        return rows

    def rebuild_days(self, start: datetime, end: datetime) -> int:
        """Recompute every daily rollup of the local days in [start, end) from the hourly rollups:
        for a database written before daily rollups existed, or after the town's time zone
        changed (rows at other midnights in the range are removed). Returns how many it wrote."""
        day = day_of(floor_hour(start), self._zone)
        self._query(
            f'DELETE FROM "rollup_1d" WHERE time >= {timestamp(day)} AND time < {timestamp(end)}', write=True
        )
        written = 0
        while day < end:
            first, stop = day_hours(day, self._zone)
            written += self._merge_period(self._rollups, "rollup_1d", day, first, stop)
            day = window_end(day, Window.DAY, self._zone)
        return written + self.rebuild_months(start, end)

    def rebuild_months(self, start: datetime, end: datetime) -> int:
        """Recompute every monthly rollup of the local months that [start, end) touches from
        the daily rollups (``rebuild_days`` calls it). Returns how many it wrote."""
        month = window_start(start, Window.MONTH, self._zone)
        self._query(
            f'DELETE FROM "rollup_1mo" WHERE time >= {timestamp(month)} AND time < {timestamp(end)}',
            write=True,
        )
        written = 0
        while month < end:
            after = window_end(month, Window.MONTH, self._zone)
            written += self._merge_period(self._days, "rollup_1mo", month, month, after)
            month = after
        return written

    def _merge_period(self, source: str, target: str, at: datetime, first: datetime, stop: datetime) -> int:
        """Write one ``target`` row at ``at`` per series, merging its ``source`` rows in
        [first, stop) inside InfluxDB. Returns how many rows it wrote."""
        lines = [
            _rollup_line(target, _series(s), timestamp(at), values)
            for s in self._query(
                f"SELECT {_MERGE} FROM {source} WHERE time >= {timestamp(first)} "
                f"AND time < {timestamp(stop)} GROUP BY dev_eui, quantity, channel"
            )
            for _, *values in s.get("values", [])
            if values[0]
        ]
        self._write(lines, self.rollup_rp, "ns")
        return len(lines)

    @property
    def _raw(self) -> str:
        return f'{quote_ident(self.database)}.{quote_ident(self.raw_rp)}."reading"'

    @property
    def _rollups(self) -> str:
        return f'{quote_ident(self.database)}.{quote_ident(self.rollup_rp)}."rollup_1h"'

    @property
    def _days(self) -> str:
        return f'{quote_ident(self.database)}.{quote_ident(self.rollup_rp)}."rollup_1d"'

    @property
    def _months(self) -> str:
        return f'{quote_ident(self.database)}.{quote_ident(self.rollup_rp)}."rollup_1mo"'

    def query(
        self, dev_eui: str, start: datetime, end: datetime, quantities: Collection[str] | None = None
    ) -> list[Reading]:
        where = f"dev_eui = {quote_str(dev_eui)} AND time >= {timestamp(start)} AND time < {timestamp(end)}"
        if quantities is not None:
            if not quantities:
                return []
            where += f" AND ({_any('quantity', sorted(quantities))})"
        out = []
        for s in self._query(f"SELECT * FROM {self._raw} WHERE {where}"):
            out.extend(_readings(s))
        return sorted(out, key=lambda r: (r.ts, r.quantity, r.channel))

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
        timestamp(start), timestamp(end)  # naive times are refused even when the range is empty
        p = plan(start, end, window, tz, self.timezone)
        parts: dict[tuple[str, str], list[Bucket]] = {}
        for chunk in _chunks(sorted(set(dev_euis)), _READ_CHUNK):
            where = f"quantity = {quote_str(quantity)} AND ({_any('dev_eui', chunk)})"
            if channel is not None:
                where += f" AND channel = {quote_str(channel)}"
            if p.days is None:
                if p.head:
                    self._fold_rows(parts, self._rollups, where, p.head, window, tz)
                continue
            # With whole days, the ragged ends lie each inside one local day: one window each,
            # merged by InfluxDB like the windows of whole days, all in one request. Months and
            # years take their whole months from the monthly rollups (one statement).
            head: tuple[datetime, datetime] | None = p.days
            months: tuple[datetime, datetime] | None = None
            tail_days: tuple[datetime, datetime] | None = None
            if window in (Window.MONTH, Window.YEAR):
                head, months, tail_days = split_months(p.days, self._zone)
            day_windows = self._windows(head, window) if head else []
            tail_windows = self._windows(tail_days, window) if tail_days else []
            spans = [(self._rollups, p.head)] if p.head else []
            if day_windows is not None:
                spans += [(self._days, w) for w in day_windows]
            n_before = len(spans)
            spans += [(self._days, w) for w in tail_windows or ()]
            if p.tail:
                spans.append((self._rollups, p.tail))
            found = self._merged(where, spans, window)
            if p.head:
                for key, bucket in found.pop(0):
                    parts.setdefault(key, []).append(bucket)
                n_before -= 1
            if day_windows is None and head:  # days, or too many windows to list: fold them here
                self._fold_rows(parts, self._days, where, head, window, self.timezone)
            for result in found[:n_before]:
                for key, bucket in result:
                    parts.setdefault(key, []).append(bucket)
            if months:
                self._fold_rows(parts, self._months, where, months, window, self.timezone)
            for result in found[n_before:]:
                for key, bucket in result:
                    parts.setdefault(key, []).append(bucket)
        return {key: combine(buckets) for key, buckets in parts.items()}

    def _fold_rows(
        self,
        parts: dict[tuple[str, str], list[Bucket]],
        measurement: str,
        where: str,
        span: tuple[datetime, datetime],
        window: Window,
        tz: str,
    ) -> None:
        """Rollup rows of a span (hours, or days) folded into windows in Python."""
        series = self._query(
            f'SELECT "count", "consumption", "min", "max", "sum", "first", "last" FROM {measurement} '
            f"WHERE {where} AND time >= {timestamp(span[0])} AND time < {timestamp(span[1])} "
            "GROUP BY dev_eui, channel"
        )
        for s in series:
            tags = s.get("tags", {})
            rows = [
                HourRollup(
                    _ns(t),
                    int(count),
                    _float(consumption),
                    float(vmin),
                    float(vmax),
                    float(total),
                    float(first),
                    float(last),
                )
                for t, count, consumption, vmin, vmax, total, first, last in s.get("values", [])
            ]
            key = (tags.get("dev_eui") or "", tags.get("channel") or "")
            parts.setdefault(key, []).extend(fold(rows, window, tz))

    def _windows(
        self, span: tuple[datetime, datetime], window: Window
    ) -> list[tuple[datetime, datetime]] | None:
        """The windows over whole days, or None for days (read as they are) or too many."""
        if window is Window.DAY:
            return None
        windows: list[tuple[datetime, datetime]] = []
        begin = window_start(span[0], window, self._zone)
        while begin < span[1]:
            if len(windows) >= _MAX_STATEMENTS:
                return None
            after = window_end(begin, window, self._zone)
            windows.append((max(begin, span[0]), min(after, span[1])))
            begin = after
        return windows

    def _merged(
        self, where: str, spans: Sequence[tuple[str, tuple[datetime, datetime]]], window: Window
    ) -> list[list[tuple[tuple[str, str], Bucket]]]:
        """One InfluxQL statement per span (rollups merged inside InfluxDB, per series), 50 to a
        request; each span lies in one window. Results in the order of ``spans``."""
        out: list[list[tuple[tuple[str, str], Bucket]]] = [[] for _ in spans]
        size = min(50, max(1, -(-len(spans) // _PARALLEL)))
        firsts = list(range(0, len(spans), size))
        requests = [
            ";".join(
                f"SELECT {_MERGE} FROM {measurement} WHERE {where} "
                f"AND time >= {timestamp(a)} AND time < {timestamp(b)} GROUP BY dev_eui, channel"
                for measurement, (a, b) in spans[i : i + size]
            )
            for i in firsts
        ]
        for i, found in zip(firsts, self._query_many(requests), strict=True):
            for s in found:
                n_statement = i + s["statement_id"]
                begin = window_start(spans[n_statement][1][0], window, self._zone)
                end = window_end(begin, window, self._zone)
                tags = s.get("tags", {})
                key = (tags.get("dev_eui") or "", tags.get("channel") or "")
                for _, count, consumption, vmin, vmax, total, first, last in s.get("values", []):
                    if not count:
                        continue
                    n = int(count)
                    bucket = Bucket(
                        begin,
                        end,
                        n,
                        _float(vmin),
                        _float(vmax),
                        float(total) / n,
                        _float(first),
                        _float(last),
                        _float(consumption),
                    )
                    out[n_statement].append((key, bucket))
        return out

    def latest(self, dev_euis: Collection[str] | None = None) -> list[Reading]:
        """Each series' newest reading. Asked of every shard, that is one per week of raw
        history (a year of readings made the monthly report 3.5 s on this machine): the last
        eight days are asked first; the series they lack (a sensor silent for a week) are found
        in the monthly rollups, with the month of their newest point, and asked within it."""
        if dev_euis is not None and not dev_euis:
            return []
        chunks = [None] if dev_euis is None else _chunks(sorted(set(dev_euis)))
        wheres = [f"({_any('dev_eui', chunk)})" if chunk else "" for chunk in chunks]
        recent = time.time_ns() - _RECENT_NS
        found = self._newest_of(wheres, f"time >= {recent}")
        months = self._newest_months(wheres, None if dev_euis is None else set(dev_euis))
        by_month: dict[int, set[str]] = {}
        for key, month in months.items():
            if key not in found:
                by_month.setdefault(month, set()).add(key[0])
        # A device with no monthly rollup at all (its rollups still held by a writer elsewhere):
        # every shard, as before; InfluxDB's index answers at once for a device it does not know.
        unknown = set() if dev_euis is None else set(dev_euis) - {k[0] for k in (*found, *months)}
        asks = [
            (sorted(euis), f"time >= {month} AND time < {month + _MONTH_SPAN_NS}")
            for month, euis in sorted(by_month.items())
        ]
        if unknown:
            asks.append((sorted(unknown), ""))
        for euis, when in asks:
            older = [f"({_any('dev_eui', chunk)})" for chunk in _chunks(euis)]
            for key, r in self._newest_of(older, when).items():
                if key not in found or r.ts > found[key].ts:
                    found[key] = r
        return sorted(found.values(), key=lambda r: (r.dev_eui, r.quantity, r.channel))

    def neighbours(
        self, spans: Sequence[SeriesSpan], reach: timedelta
    ) -> dict[tuple[str, str, str], Neighbourhood]:
        return influx_neighbours.neighbours(self._query_many, _readings, _any, self._raw, spans, reach)

    def _newest_months(self, wheres: Sequence[str], euis: set[str] | None) -> dict[SeriesKey, int]:
        """Each series' newest monthly rollup (the local month of its newest point), those this
        writer holds included."""
        queries = [
            f'SELECT last("count") FROM {self._months} {f"WHERE {w} " if w else ""}'
            "GROUP BY dev_eui, quantity, channel"
            for w in wheres
        ]
        months: dict[SeriesKey, int] = {}
        for result in self._query_many(queries):
            for s in result:
                for t, _ in s.get("values", []):
                    months[_series(s)] = int(t)
        with self._lock:
            for measurement, eui, quantity, channel, at in (*self._sealed, *self._held):
                if measurement == "rollup_1mo" and (euis is None or eui in euis):
                    key = SeriesKey(eui, quantity, channel)
                    months[key] = max(months.get(key, at), at)
            # and the months of the hours and days held to be recomputed at the flush
            for dirty in (self._dirty, self._sealed_dirty):
                days = {(e, q, ch, self._day(h)[0]) for e, q, ch, h in dirty.hours}
                for eui, quantity, channel, day in days | {(*k[:3], k[3][0]) for k in dirty.days}:
                    if euis is None or eui in euis:
                        key, at = SeriesKey(eui, quantity, channel), self._month(day)[0]
                        months[key] = max(months.get(key, at), at)
        return months

    def _newest_of(self, wheres: Sequence[str], when: str) -> dict[SeriesKey, Reading]:
        """The newest reading of each (device, quantity, channel) matching each condition."""
        conditions = [" AND ".join(c for c in (where, when) if c) for where in wheres]
        queries = [
            f"SELECT * FROM {self._raw} {f'WHERE {c} ' if c else ''}GROUP BY * ORDER BY time DESC LIMIT 1"
            for c in conditions
        ]
        # ``kind`` is a tag: a series whose kind changed (a model fix) has two InfluxDB series.
        newest: dict[SeriesKey, Reading] = {}
        for found in self._query_many(queries):
            for s in found:
                for r in _readings(s):
                    key = r.series
                    if key not in newest or r.ts > newest[key].ts:
                        newest[key] = r
        return newest

    def hourly(self, dev_eui: str) -> list[SeriesHour]:
        series = self._query(
            f'SELECT "count", "consumption", "min", "max", "sum", "first", "last" FROM {self._rollups} '
            f"WHERE dev_eui = {quote_str(dev_eui)} GROUP BY quantity, channel"
        )
        found = [
            SeriesHour(
                s.get("tags", {}).get("quantity") or "",
                s.get("tags", {}).get("channel") or "",
                HourRollup(
                    _ns(t),
                    int(count),
                    _float(consumption),
                    float(vmin),
                    float(vmax),
                    float(total),
                    float(first),
                    float(last),
                ),
            )
            for s in series
            for t, count, consumption, vmin, vmax, total, first, last in s.get("values", [])
        ]
        return sorted(found, key=lambda h: (h.rollup.hour, h.quantity, h.channel))

    def restore_hourly(self, dev_eui: str, hours: Sequence[SeriesHour]) -> None:
        with self._lock:
            self.flush()
            self._open_hours.forget(dev_eui)
            try:
                lines = [
                    line(
                        "rollup_1h",
                        {"dev_eui": dev_eui, "quantity": h.quantity, "channel": h.channel},
                        {
                            "count": int(h.rollup.count),
                            "consumption": _float(h.rollup.consumption),
                            "min": float(h.rollup.min),
                            "max": float(h.rollup.max),
                            "sum": float(h.rollup.total),
                            "first": float(h.rollup.first),
                            "last": float(h.rollup.last),
                        },
                        h.rollup.hour,
                        "ns",
                    )
                    for h in hours
                ]
            except ValueError as exc:
                raise StoreRejected(f"rollup cannot be written to InfluxDB: {exc}") from exc
            for i in range(0, len(lines), self.batch_size):
                self._write(lines[i : i + self.batch_size], self.rollup_rp, precision="ns")
            # the restored hours' days and months, as a write does
            self._refresh_days(
                {(dev_eui, h.quantity, h.channel, self._day(timestamp(h.rollup.hour))) for h in hours}
            )

    def count(self, dev_euis: Collection[str], start: datetime, end: datetime) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(sorted(set(dev_euis))):
            series = self._query(
                f'SELECT sum("count") FROM {self._rollups} WHERE ({_any("dev_eui", chunk)}) '
                f"AND time >= {timestamp(start)} AND time < {timestamp(end)} GROUP BY dev_eui"
            )
            for s in series:
                for _t, total in s.get("values", []):
                    if total is not None:
                        found[s.get("tags", {}).get("dev_eui", "")] = int(total)
        return found

    def erase(self, dev_eui: str) -> int:
        """Count, then delete the device's series in every retention policy (InfluxQL DELETE)."""
        with self._lock:
            self.flush()
            self._open_hours.forget(dev_eui)
            where = f"dev_eui = {quote_str(dev_eui)}"
            removed = 0
            for s in self._query(f"SELECT count(value) FROM {self._raw} WHERE {where}"):
                removed += sum(int(v[1] or 0) for v in s.get("values", []))
            self._query(f'DELETE FROM "reading" WHERE {where}', write=True)
            for measurement in ("rollup_1h", "rollup_1d", "rollup_1mo"):
                self._query(f"DELETE FROM {quote_ident(measurement)} WHERE {where}", write=True)
            return removed

    def forget(self) -> None:
        """Drop the periods folded in memory; those held for writing are recomputed from what is
        stored instead (the edit may have changed their points)."""
        with self._lock:
            held = {**self._sealed, **self._held}
            self._held = {}
            self._unseal()
            self._open_hours.forget()
            dirty = self._sealed_dirty.merge(self._dirty)
            self._sealed_dirty, self._dirty = Dirty(), Dirty()
            # a held day or month is the day or month of a held hour
            dirty.hours |= {(e, q, ch, at) for (m, e, q, ch, at) in held if m == "rollup_1h"}
            dirty.last.clear()  # nothing to fold into again: the edit may have changed anything
            self._settle(dirty)

    def prune(self, now: datetime) -> int:
        """Nothing to do: the raw retention policy expires old points inside InfluxDB."""
        return 0

    def _query_many(self, queries: Sequence[str]) -> list[list[dict[str, Any]]]:
        """Several read requests at once (InfluxDB runs each request's statements one after the
        other, but requests side by side), results in order."""
        if len(queries) <= 1:
            return [self._query(q) for q in queries]
        if self._pool is None:
            self._pool = ThreadPoolExecutor(_PARALLEL, thread_name_prefix="influx-read")
        return list(self._pool.map(self._query, queries))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self._client.close()


_MERGE = 'sum("count"), sum("consumption"), min("min"), max("max"), sum("sum"), first("first"), last("last")'


def _rollup_line(measurement: str, key: Sequence[str], at: int, values: Sequence[Any]) -> str:
    """A rollup point: ``values`` are count, consumption, min, max, sum, first, last."""
    count, consumption, vmin, vmax, total, first, last = values
    return line(
        measurement,
        {"dev_eui": key[0], "quantity": key[1], "channel": key[2]},
        {
            "count": int(count),
            "consumption": _float(consumption),
            "min": _float(vmin),
            "max": _float(vmax),
            "sum": _float(total),
            "first": _float(first),
            "last": _float(last),
        },
        _ns(at),
        "ns",
    )


def _stats(*values: Any) -> HourStats:
    """A rollup as InfluxDB returns it: count, consumption, min, max, sum, first, last."""
    count, consumption, vmin, vmax, total, first, last = values
    return HourStats(
        int(count), _float(consumption), float(vmin), float(vmax), float(total), float(first), float(last)
    )


def _stats_line(series: str, at: int, h: HourStats) -> str:
    """A rollup point of a series given by ``series_key`` (the bridge writes three per reading:
    formatted here directly, not field by field)."""
    if not math.isfinite(h.total) or (h.consumption is not None and not math.isfinite(h.consumption)):
        raise StoreRejected(f"rollup of {series} overflows: sum {h.total}, consumption {h.consumption}")
    consumption = "" if h.consumption is None else f",consumption={float(h.consumption)!r}"
    return (
        f"{series} count={h.count}i{consumption},first={float(h.first)!r},last={float(h.last)!r},"
        f"max={float(h.max)!r},min={float(h.min)!r},sum={float(h.total)!r} {at}"
    )


def _hour_of(r: Reading) -> int:
    t = timestamp(r.ts)
    return t - t % HOUR_NS


def _float(value: float | int | None) -> float | None:
    """InfluxDB's JSON writes 2.0 as 2: fields must stay floats, or a later write conflicts."""
    return None if value is None else float(value)


def _any(tag: str, values: Sequence[str]) -> str:
    """A tag equal to any of ``values``: a regular expression when they are plain words (parsed
    and matched much faster by InfluxDB than a long OR), else ORs."""
    if len(values) > 1 and all(_WORD.fullmatch(v) for v in values):
        return f"{tag} =~ /^(?:{'|'.join(values)})$/"
    return " OR ".join(f"{tag} = {quote_str(v)}" for v in values)


def _series(s: dict[str, Any]) -> SeriesKey:
    """The series of a query's result grouped by dev_eui, quantity and channel."""
    tags = s.get("tags", {})
    return SeriesKey(tags.get("dev_eui", ""), tags.get("quantity", ""), tags.get("channel", ""))


def _spans(touched: set[tuple[str, str, str, int]]) -> list[tuple[int, int, list[str]]]:
    """Touched hours as time spans (split at gaps of a day or more), each with its devices."""
    spans: list[tuple[int, int, list[str]]] = []
    start = end = 0
    euis: set[str] = set()
    for eui, _, _, hour in sorted(touched, key=lambda k: k[3]):
        if euis and hour - end >= _SPAN_GAP_NS:
            spans.append((start, end, sorted(euis)))
            euis = set()
        if not euis:
            start = hour
        end = hour + HOUR_NS
        euis.add(eui)
    if euis:
        spans.append((start, end, sorted(euis)))
    return spans


def _chunks(values: Sequence[str], size: int = _OR_CHUNK) -> list[Sequence[str]]:
    return [values[i : i + size] for i in range(0, len(values), size)]


def _readings(series: dict[str, Any]) -> list[Reading]:
    columns = series.get("columns", [])
    tags = series.get("tags", {})
    out = []
    for values in series.get("values", []):
        row = {**tags, **dict(zip(columns, values, strict=True))}
        quantity = row.get("quantity") or ""
        try:
            unit = CANONICAL_UNITS[Quantity(quantity)]
        except ValueError:
            unit = ""
        out.append(
            Reading(
                dev_eui=row.get("dev_eui") or "",
                quantity=quantity,
                value=float(row["value"]),
                unit=unit,
                kind=row.get("kind") or "",
                ts=_ns(int(row["time"])),
                channel=row.get("channel") or "",
                f_cnt=row.get("f_cnt"),
                uplink_id=row.get("uplink_id"),
                delta=_float(row.get("delta")),
            )
        )
    return out
