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

The store composes: ``client`` (the HTTP API, store.influx.client), the rollups recomputed inside
InfluxDB (``rollups``, store.influx.rollups), the periods this writer folds in memory
(store.influx.open_hours) and holds until a flush (store.influx.held), and the reads
(store.influx.reads).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Unpack
from zoneinfo import ZoneInfo

import httpx

from kernel.types import HOUR_NS, Reading, SeriesKey
from store.errors import StoreError, StoreRejected
from store.influx.client import Connection, InfluxClient, parse_url
from store.influx.dirty import Dirty
from store.influx.held import HeldRollups
from store.influx.lineprotocol import (
    SeriesPrefixes,
    as_float,
    line,
    precision_ns,
    quote_ident,
    quote_str,
    reading_point,
    stats_line,
    timestamp,
)
from store.influx.open_hours import HourKey, HourStats, OpenHours, by_series
from store.influx.reads import InfluxReads
from store.influx.rollups import Rollups, spans
from store.protocol import CLOSED_AFTER
from store.rollup import SeriesHour, ceil_hour_ns

log = logging.getLogger(__name__)

_WARN_EVERY_S = 60.0


class InfluxStore(InfluxReads):
    """The Store protocol on an InfluxDB v1 HTTP API: the reads (``InfluxReads``), and the writes."""

    def __init__(
        self,
        base_url: str,
        database: str,
        *,
        raw_retention_days: int | None = None,
        create: bool = True,
        batch_size: int = 5000,
        timezone: str = "Europe/Paris",
        **connection: Unpack[Connection],
    ) -> None:
        """``connection``: credentials, retention policies, precision, timeout (``InfluxClient``)."""
        self.client = InfluxClient(base_url, database, **connection)
        self.batch_size = batch_size
        self.dropped_beyond_retention = 0
        self._warned_at = -_WARN_EVERY_S
        self.prefixes = SeriesPrefixes()
        self.rollups = Rollups(self.client, ZoneInfo(timezone), self.prefixes)
        self._open_hours = OpenHours(periods=self.rollups.periods)
        # Rollups folded in memory and not yet written (``hold_rollups``), and the hours and days
        # this writer could not fold (a replay, a late point, a series not seen lately), held to
        # be recomputed from what is stored once at the flush rather than batch after batch (a
        # catch-up touches each series' hour in every one of its batches).
        self._held = HeldRollups(
            self._write_rollups, self.prefixes, batch_size, self._settle, self.rollups.periods
        )
        self._hold = False
        # Writers in several threads (one bridge per network server) share this object: what
        # it folds and holds in memory is changed under this lock.
        self._lock = threading.RLock()
        super().__init__(self.client, timezone, self._held, self._lock)
        if create:
            self.client.create(raw_retention_days)

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
        parsed = parse_url(url)
        connection: Connection = {**parsed.connection, "timeout": timeout, "transport": transport}
        return cls(
            parsed.base_url,
            parsed.database,
            raw_retention_days=raw_retention_days,
            create=parsed.create,
            timezone=timezone,
            **connection,
        )

    def write(self, readings: Sequence[Reading]) -> None:
        with self._lock:
            for i in range(0, len(readings), self.batch_size):
                batch = readings[i : i + self.batch_size]
                try:
                    stamps = [timestamp(r.ts) for r in batch]
                    lines = self._reading_lines(batch, stamps)
                except ValueError as exc:  # NaN, a tag the line protocol cannot carry
                    raise StoreRejected(f"reading cannot be written to InfluxDB: {exc}") from exc
                series = by_series(batch, stamps)
                newest = self._newest_stored(series.keys())
                try:
                    self.client.write(lines, self.client.raw_rp)
                except StoreRejected as exc:
                    # InfluxDB keeps the rest of a batch whose oldest points are past the raw
                    # retention: like SQLite's prune, those are gone, the others need their rollups.
                    if "beyond retention policy" not in str(exc):
                        raise
                    self._note_dropped(str(exc))
                    self.flush()
                    self._open_hours.forget()  # some of the batch is not stored: recompute from what is
                    newest = None
                self._refresh_rollups(batch, newest, defer=self._hold, series=series)

    def _newest_stored(self, series: Collection[SeriesKey]) -> dict[SeriesKey, int | None] | None:
        """For the batch's series this writer holds no open hour of, their newest stored point
        (None: none), asked in one ``latest`` before the batch is written: where it is older
        than the hour of their first new point, that hour starts here (``OpenHours.fold``)
        instead of being recomputed from the store; a backlog's or a new meter's first batch
        then costs one query, not a recomputation of each hour, day and month."""
        unknown = self._open_hours.unknown(series)
        if not unknown:
            return None
        found = {r.series: timestamp(r.ts) for r in self.latest({key.dev_eui for key in unknown})}
        return {key: found.get(key) for key in unknown}

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

    def reading_line(self, r: Reading) -> str:
        """A reading as this store writes it in line protocol."""
        return self._reading_lines([r], [timestamp(r.ts)])[0]

    def _reading_lines(self, batch: Sequence[Reading], stamps: Sequence[int]) -> list[str]:
        """``reading_line`` of each reading, given their times in ns."""
        prefix, unit = self.prefixes.of, precision_ns(self.client.precision)
        return [
            reading_point(
                prefix("reading", r.dev_eui, r.quantity, r.channel, r.kind),
                float(r.value),
                r.delta,
                r.f_cnt,
                r.uplink_id,
                ns if unit == 1 else ns // unit,
            )
            for r, ns in zip(batch, stamps, strict=True)
        ]

    def _refresh_rollups(
        self,
        batch: Sequence[Reading],
        newest: dict[SeriesKey, int | None] | None = None,
        *,
        defer: bool = False,
        series: Mapping[SeriesKey, dict[int, Reading]] | None = None,
    ) -> None:
        """Bring the hours, days and months this batch touched up to date: in memory where this
        writer holds them (``OpenHours``), else recomputed from what is stored (hours from the raw
        points, days from hours, months from days), in one query per period and device set; with
        ``defer``, that recomputation waits for the flush (``_settle``)."""
        folded = self._open_hours.fold_series(series if series is not None else by_series(batch), newest)
        stats, rest = folded.hours, folded.rest
        if rest and not defer:
            hours = [timestamp(r.ts) - timestamp(r.ts) % HOUR_NS for r in rest]
            touched = {(r.dev_eui, r.quantity, r.channel, h) for r, h in zip(rest, hours, strict=True)}
            recomputed: dict[HourKey, HourStats] = {}
            for start, end, euis in spans(touched):
                recomputed.update(self.rollups.recompute(start, end, euis, touched))
            ends = self.rollups.newest([r.dev_eui for r in rest], min(timestamp(r.ts) for r in rest))
            self._open_hours.seed(rest, recomputed, ends)
            stats.update(recomputed)
        # This batch's rollups replace what was held for the same periods (a late point's hour,
        # recomputed from the stored points, supersedes the value folded before it).
        self._held.hold("rollup_1h", stats)
        self._held.hold("rollup_1d", folded.days)
        self._held.hold("rollup_1mo", folded.months)
        self._held.closed(folded.closed)
        if defer:
            self._held.defer(rest, [(r, self.rollups.day(_hour_of(r))) for r in folded.days_unknown])
            return
        self.flush()  # the days are recomputed from the stored hours: every hour is written first
        unknown = [*rest, *folded.days_unknown]
        if unknown:
            days, months = self.rollups.refresh_days(
                {(r.dev_eui, r.quantity, r.channel, self.rollups.day(_hour_of(r))) for r in unknown}
            )
            self._open_hours.seed_periods(days, months)

    def _settle(self, dirty: Dirty) -> None:
        """Recompute the hours, days and months ``dirty`` holds from what is stored (hours from the
        raw points, then days and months), write them, and remember those this writer can fold
        into again. On failure they stay held, to be settled at the next flush."""
        if not dirty:
            return
        try:
            recomputed: dict[HourKey, HourStats] = {}
            for start, end, euis in spans(dirty.hours):
                recomputed.update(self.rollups.recompute(start, end, euis, dirty.hours))
            lines = [
                stats_line(self.prefixes.of("rollup_1h", *k[:3], ""), k[3], h) for k, h in recomputed.items()
            ]
            for i in range(0, len(lines), self.batch_size):
                self._write_rollups(lines[i : i + self.batch_size])
            if dirty.last:
                newest = self.rollups.newest([key.dev_eui for key in dirty.last], min(dirty.last.values()))
                self._open_hours.seed_counted(dirty.written(), recomputed, newest)
            days = {(e, q, ch, self.rollups.day(at)) for e, q, ch, at in dirty.hours} | dirty.days
            found_days, found_months = self.rollups.refresh_days(days)
            self._open_hours.seed_periods(found_days, found_months)
        except StoreError:
            self._held.dirty.merge(dirty)
            raise

    def hold_rollups(self, hold: bool, *, closed_after: int = CLOSED_AFTER) -> bool:
        """Keep the rollups of periods folded in memory until ``flush`` (the bridge: several
        batches of a series then cost one rollup point per period, and it marks its uplinks done
        only after the flush, so a crash replays them). Off: every write writes its rollups.
        ``closed_after``: closed hours held past this many are written at once (``HeldRollups``)."""
        with self._lock:
            self._hold = hold
            self._held.early_after = closed_after
            if not hold:
                self.flush()
        return hold

    def flush(self, limit: int | None = None, *, periods: bool = True) -> bool:
        """Write the rollups held in memory; True once all that was taken is written.

        ``limit`` None: all of them now. Else a chunked flush, for a writer that spreads a large
        flush over its next batches rather than stall them: the first call takes what is held,
        each call writes at most ``limit`` of those points, and rollups folded meanwhile wait for
        the next flush (so a period's newer value is always written after its older one).
        ``periods`` False: the current day and month of each series may stay held
        (``HeldRollups.flush``).
        """
        with self._lock:
            return self._held.flush(limit, periods=periods)

    def held(self) -> int:
        with self._lock:
            self._held.reap()  # (the bridge asks after each batch, once it checked for edits)
            return self._held.count()

    def kept(self) -> int:
        with self._lock:
            return self._held.kept

    def _write_rollups(self, lines: list[str]) -> None:
        self.client.write(lines, self.client.rollup_rp, "ns")

    def delete(self, dev_eui: str, points: Collection[tuple[str, str, datetime]]) -> None:
        """InfluxQL DELETE of each point, then of its hour's rollup, recomputed from what remains."""
        with self._lock:
            self._forget_device(dev_eui)
            for quantity, channel, ts in points:
                t = timestamp(ts)
                hour = t - t % HOUR_NS
                where = f"dev_eui = {quote_str(dev_eui)} AND quantity = {quote_str(quantity)}"
                if channel:
                    where += f" AND channel = {quote_str(channel)}"
                self.client.query(
                    f'DELETE FROM "reading" WHERE {where} AND time >= {t} AND time <= {t}', write=True
                )
                self.client.query(
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
                    days.add((dev_eui, quantity, channel, self.rollups.day(t - t % HOUR_NS)))
                self.rollups.refresh_days(days)

    def restore_hourly(self, dev_eui: str, hours: Sequence[SeriesHour]) -> None:
        with self._lock:
            self._forget_device(dev_eui)
            try:
                lines = [
                    line(
                        "rollup_1h",
                        {"dev_eui": dev_eui, "quantity": h.quantity, "channel": h.channel},
                        {
                            "count": int(h.rollup.count),
                            "consumption": as_float(h.rollup.consumption),
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
                self.client.write(lines[i : i + self.batch_size], self.client.rollup_rp, precision="ns")
            # the restored hours' days and months, as a write does
            self.rollups.refresh_days(
                {(dev_eui, h.quantity, h.channel, self.rollups.day(timestamp(h.rollup.hour))) for h in hours}
            )

    def erase(self, dev_eui: str) -> int:
        """Count, then delete the device's series in every retention policy (InfluxQL DELETE)."""
        with self._lock:
            self._forget_device(dev_eui)
            where = f"dev_eui = {quote_str(dev_eui)}"
            removed = 0
            for s in self.client.query(f"SELECT count(value) FROM {self.client.raw} WHERE {where}"):
                removed += sum(int(v[1] or 0) for v in s.get("values", []))
            self.client.query(f'DELETE FROM "reading" WHERE {where}', write=True)
            for measurement in ("rollup_1h", "rollup_1d", "rollup_1mo"):
                self.client.query(f"DELETE FROM {quote_ident(measurement)} WHERE {where}", write=True)
            return removed

    def forget(self) -> None:
        """Drop the periods folded in memory; those held for writing are recomputed from what is
        stored instead (the edit may have changed their points)."""
        with self._lock:
            held = self._held.take()
            self._open_hours.forget()
            dirty = self._held.take_dirty()
            dirty.hours |= set(held.get("rollup_1h", {}))
            # A day or month held past a flush (the current ones) is recomputed too, from the
            # hours written: recomputing a day recomputes its month.
            dirty.days |= {
                (e, q, ch, self.rollups.day(ceil_hour_ns(at)))
                for measurement in ("rollup_1d", "rollup_1mo")
                for e, q, ch, at in held.get(measurement, {})
            }
            dirty.last.clear()  # nothing to fold into again: the edit may have changed anything
            try:
                self._settle(dirty)
            finally:
                self._held.forget_months()

    def _forget_device(self, dev_eui: str) -> None:
        """Before its points are deleted or replaced: write what is held, then forget what this
        writer folded of the device and the months it held of it."""
        self.flush()
        self._open_hours.forget(dev_eui)
        self._held.forget_months(dev_eui)

    def reachable(self) -> bool:
        """``/ping``, answered by every InfluxDB with a v1 API, within 2 s."""
        try:
            self.client.request("GET", "/ping", timeout=2.0)
        except StoreError:
            return False
        return True

    def prune(self, now: datetime) -> int:
        """Nothing to do: the raw retention policy expires old points inside InfluxDB."""
        return 0

    def rebuild_days(self, start: datetime, end: datetime) -> int:
        """``Rollups.rebuild_days``: every daily (and monthly) rollup of [start, end) recomputed."""
        return self.rollups.rebuild_days(start, end)

    def rebuild_months(self, start: datetime, end: datetime) -> int:
        return self.rollups.rebuild_months(start, end)

    def close(self) -> None:
        with self._lock:
            self._held.close()
        self.client.close()


def _hour_of(r: Reading) -> int:
    t = timestamp(r.ts)
    return t - t % HOUR_NS
