"""The InfluxDB store's reads: raw points, windows from the rollups (merged inside InfluxDB where
a window covers whole days or months), each series' newest reading, hourly rollups, counts."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from kernel.types import HOUR_NS, Reading, SeriesKey
from store.influx import neighbours as influx_neighbours
from store.influx.client import PARALLEL, InfluxClient, readings_of, series_of
from store.influx.held import SETTLED_AFTER, HeldRollups
from store.influx.lineprotocol import MERGE, any_of, as_float, chunks, from_ns, quote_str, timestamp
from store.protocol import Bucket, Neighbourhood, SeriesSpan, Window
from store.rollup import HourRollup, SeriesHour, combine, fold, plan, split_months, window_end, window_start

_READ_CHUNK = 1000
_MAX_STATEMENTS = 400
# ``latest`` asks the raw points of this last span first (one or two weekly shards).
_RECENT_NS = 8 * 24 * HOUR_NS
_MONTH_SPAN_NS = 32 * 24 * HOUR_NS  # from a local month's start, past its end


class InfluxReads:
    """What the store reads; ``held`` and ``lock`` are the writer's rollups not yet written (a
    series' newest month may be among them)."""

    def __init__(self, client: InfluxClient, timezone: str, held: HeldRollups, lock: threading.RLock) -> None:
        self.client = client
        self.timezone = timezone
        self._zone = ZoneInfo(timezone)
        self._held = held
        self._lock = lock

    def query(
        self, dev_eui: str, start: datetime, end: datetime, quantities: Collection[str] | None = None
    ) -> list[Reading]:
        where = f"dev_eui = {quote_str(dev_eui)} AND time >= {timestamp(start)} AND time < {timestamp(end)}"
        if quantities is not None:
            if not quantities:
                return []
            where += f" AND ({any_of('quantity', sorted(quantities))})"
        out = []
        for s in self.client.query(f"SELECT * FROM {self.client.raw} WHERE {where}"):
            out.extend(readings_of(s))
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
        # The days a writer may still hold (``HeldRollups``) are read from their hours.
        p = plan(start, end, window, tz, self.timezone, datetime.now(UTC) - SETTLED_AFTER)
        parts: dict[tuple[str, str], list[Bucket]] = {}
        for chunk in chunks(sorted(set(dev_euis)), _READ_CHUNK):
            where = f"quantity = {quote_str(quantity)} AND ({any_of('dev_eui', chunk)})"
            if channel is not None:
                where += f" AND channel = {quote_str(channel)}"
            if p.days is None:
                if p.head:
                    self._fold_rows(parts, self.client.rollups, where, p.head, window, tz)
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
            spans = [(self.client.rollups, p.head)] if p.head else []
            if day_windows is not None:
                spans += [(self.client.days, w) for w in day_windows]
            n_before = len(spans)
            spans += [(self.client.days, w) for w in tail_windows or ()]
            if p.tail:
                spans.append((self.client.rollups, p.tail))
            found = self._merged(where, spans, window)
            if p.head:
                for key, bucket in found.pop(0):
                    parts.setdefault(key, []).append(bucket)
                n_before -= 1
            if day_windows is None and head:  # days, or too many windows to list: fold them here
                self._fold_rows(parts, self.client.days, where, head, window, self.timezone)
            for result in found[:n_before]:
                for key, bucket in result:
                    parts.setdefault(key, []).append(bucket)
            if months:
                self._fold_rows(parts, self.client.months, where, months, window, self.timezone)
            for result in found[n_before:]:
                for key, bucket in result:
                    parts.setdefault(key, []).append(bucket)
            if p.recent:
                self._fold_rows(parts, self.client.rollups, where, p.recent, window, tz)
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
        series = self.client.query(
            f'SELECT "count", "consumption", "min", "max", "sum", "first", "last" FROM {measurement} '
            f"WHERE {where} AND time >= {timestamp(span[0])} AND time < {timestamp(span[1])} "
            "GROUP BY dev_eui, channel"
        )
        for s in series:
            tags = s.get("tags", {})
            rows = [
                HourRollup(
                    from_ns(t),
                    int(count),
                    as_float(consumption),
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
        size = min(50, max(1, -(-len(spans) // PARALLEL)))
        firsts = list(range(0, len(spans), size))
        requests = [
            ";".join(
                f"SELECT {MERGE} FROM {measurement} WHERE {where} "
                f"AND time >= {timestamp(a)} AND time < {timestamp(b)} GROUP BY dev_eui, channel"
                for measurement, (a, b) in spans[i : i + size]
            )
            for i in firsts
        ]
        for i, found in zip(firsts, self.client.query_many(requests), strict=True):
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
                        as_float(vmin),
                        as_float(vmax),
                        float(total) / n,
                        as_float(first),
                        as_float(last),
                        as_float(consumption),
                    )
                    out[n_statement].append((key, bucket))
        return out

    def neighbours(
        self, spans: Sequence[SeriesSpan], reach: timedelta
    ) -> dict[tuple[str, str, str], Neighbourhood]:
        """``Store.neighbours`` (``store.influx.neighbours``)."""
        return influx_neighbours.neighbours(
            self.client.query_many, readings_of, any_of, self.client.raw, spans, reach
        )

    def latest(self, dev_euis: Collection[str] | None = None) -> list[Reading]:
        """Each series' newest reading. Asked of every shard, that is one per week of raw
        history (a year of readings made the monthly report 3.5 s on this machine): the last
        eight days are asked first; the series they lack (a sensor silent for a week) are found
        in the monthly rollups, with the month of their newest point, and asked within it."""
        if dev_euis is not None and not dev_euis:
            return []
        groups = [None] if dev_euis is None else chunks(sorted(set(dev_euis)))
        wheres = [f"({any_of('dev_eui', chunk)})" if chunk else "" for chunk in groups]
        recent = time.time_ns() - _RECENT_NS
        found = self.newest_of(wheres, f"time >= {recent}")
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
            older = [f"({any_of('dev_eui', chunk)})" for chunk in chunks(euis)]
            for key, r in self.newest_of(older, when).items():
                if key not in found or r.ts > found[key].ts:
                    found[key] = r
        return sorted(found.values(), key=lambda r: (r.dev_eui, r.quantity, r.channel))

    def _newest_months(self, wheres: Sequence[str], euis: set[str] | None) -> dict[SeriesKey, int]:
        """Each series' newest monthly rollup (the local month of its newest point), those this
        writer holds included."""
        queries = [
            f'SELECT last("count") FROM {self.client.months} {f"WHERE {w} " if w else ""}'
            "GROUP BY dev_eui, quantity, channel"
            for w in wheres
        ]
        months: dict[SeriesKey, int] = {}
        for result in self.client.query_many(queries):
            for s in result:
                for t, _ in s.get("values", []):
                    months[series_of(s)] = int(t)
        with self._lock:
            for key, at in self._held.newest_months(euis).items():
                months[key] = max(months.get(key, at), at)
        return months

    def newest_of(self, wheres: Sequence[str], when: str) -> dict[SeriesKey, Reading]:
        """The newest reading of each (device, quantity, channel) matching each condition."""
        conditions = [" AND ".join(c for c in (where, when) if c) for where in wheres]
        queries = [
            f"SELECT * FROM {self.client.raw} {f'WHERE {c} ' if c else ''}"
            "GROUP BY * ORDER BY time DESC LIMIT 1"
            for c in conditions
        ]
        # ``kind`` is a tag: a series whose kind changed (a model fix) has two InfluxDB series.
        newest: dict[SeriesKey, Reading] = {}
        for found in self.client.query_many(queries):
            for s in found:
                for r in readings_of(s):
                    key = r.series
                    if key not in newest or r.ts > newest[key].ts:
                        newest[key] = r
        return newest

    def hourly(self, dev_eui: str) -> list[SeriesHour]:
        series = self.client.query(
            f'SELECT "count", "consumption", "min", "max", "sum", "first", "last" FROM {self.client.rollups} '
            f"WHERE dev_eui = {quote_str(dev_eui)} GROUP BY quantity, channel"
        )
        found = [
            SeriesHour(
                s.get("tags", {}).get("quantity") or "",
                s.get("tags", {}).get("channel") or "",
                HourRollup(
                    from_ns(t),
                    int(count),
                    as_float(consumption),
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

    def count(self, dev_euis: Collection[str], start: datetime, end: datetime) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in chunks(sorted(set(dev_euis))):
            series = self.client.query(
                f'SELECT sum("count") FROM {self.client.rollups} WHERE ({any_of("dev_eui", chunk)}) '
                f"AND time >= {timestamp(start)} AND time < {timestamp(end)} GROUP BY dev_eui"
            )
            for s in series:
                for _t, total in s.get("values", []):
                    if total is not None:
                        found[s.get("tags", {}).get("dev_eui", "")] = int(total)
        return found
