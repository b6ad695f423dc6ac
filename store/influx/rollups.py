"""The InfluxDB store's rollups recomputed inside InfluxDB: hours from the raw points, local days
from hours, local months from days (the periods a write touched, or a whole range rebuilt), and
the periods of the store's time zone that an hour counts in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from kernel.types import HOUR_NS, SeriesKey
from store.influx.client import InfluxClient, series_of, stats_of
from store.influx.lineprotocol import (
    MERGE,
    SeriesPrefixes,
    any_of,
    chunks,
    from_ns,
    quote_ident,
    quote_str,
    rollup_line,
    stats_line,
    timestamp,
)
from store.influx.open_hours import HourKey, HourStats, Row, merge_all
from store.protocol import Window
from store.rollup import day_hours, day_of, floor_hour, window_end, window_start

# Touched hours further apart than this are recomputed by separate queries, so that a batch
# holding one reading from last month does not make InfluxDB group a month of raw points.
_SPAN_GAP_NS = 24 * HOUR_NS


class Rollups:
    """Recomputes the store's hourly, daily and monthly rollups from what InfluxDB holds."""

    def __init__(self, client: InfluxClient, zone: ZoneInfo, prefixes: SeriesPrefixes) -> None:
        self.client = client
        self._zone = zone
        self.prefixes = prefixes
        self._day_cache: dict[int, tuple[int, int, int]] = {}
        self._month_cache: dict[int, tuple[int, int, int]] = {}

    def periods(self, hour_ns: int) -> tuple[int, int]:
        day = self.day(hour_ns)[0]
        return day, self.month(day)[0]

    def newest(self, euis: Sequence[str], oldest: int) -> dict[SeriesKey, int]:
        """The time of each series' newest stored point at or after ``oldest`` (ns), for some
        devices: a late batch is not the end of its series, and its hour must not be folded into
        afterwards."""
        out: dict[SeriesKey, int] = {}
        for chunk in chunks(sorted(set(euis))):
            for s in self.client.query(
                f"SELECT last(value) FROM {self.client.raw} WHERE ({any_of('dev_eui', chunk)}) "
                f"AND time >= {oldest} GROUP BY dev_eui, quantity, channel"
            ):
                for t, _ in s.get("values", []):
                    out[series_of(s)] = t
        return out

    def recompute(
        self, start: int, end: int, euis: Sequence[str], touched: set[HourKey]
    ) -> dict[HourKey, HourStats]:
        out: dict[HourKey, HourStats] = {}
        for chunk in chunks(euis):
            series = self.client.query(
                "SELECT count(value), sum(delta), min(value), max(value), sum(value), "
                "first(value), last(value) "
                f"FROM {self.client.raw} WHERE ({any_of('dev_eui', chunk)}) "
                f"AND time >= {start} AND time < {end} "
                "GROUP BY time(1h), dev_eui, quantity, channel fill(none)"
            )
            for s in series:
                for t, count, consumption, vmin, vmax, total, first, last in s.get("values", []):
                    key = (*series_of(s), t)
                    if key not in touched or not count:
                        continue
                    out[key] = stats_of(count, consumption, vmin, vmax, total, first, last)
        return out

    def day(self, hour_ns: int) -> tuple[int, int, int]:
        """(local midnight, first hour, end hour) in ns of the day an hour counts in."""
        found = self._day_cache.get(hour_ns)
        if found is None:
            day = day_of(from_ns(hour_ns), self._zone)
            first, end = day_hours(day, self._zone)
            found = (timestamp(day), timestamp(first), timestamp(end))
            if len(self._day_cache) > 100_000:
                self._day_cache.clear()
            self._day_cache[hour_ns] = found
        return found

    def month(self, day_ns: int) -> tuple[int, int, int]:
        """(month start, month start, next month start) in ns of the local month of a day."""
        found = self._month_cache.get(day_ns)
        if found is None:
            begin = window_start(from_ns(day_ns), Window.MONTH, self._zone)
            found = (
                timestamp(begin),
                timestamp(begin),
                timestamp(window_end(begin, Window.MONTH, self._zone)),
            )
            if len(self._month_cache) > 100_000:
                self._month_cache.clear()
            self._month_cache[day_ns] = found
        return found

    def refresh_days(
        self, touched: set[tuple[str, str, str, tuple[int, int, int]]]
    ) -> tuple[dict[HourKey, list[Row]], dict[HourKey, list[Row]]]:
        """Recompute the daily rollups of these (series, day)s from their hourly rollups, then the
        monthly ones of their months from the daily ones. Returns the rows each merged."""
        days = self.refresh(touched, self.client.rollups, "rollup_1d")
        months = self.refresh(
            {(e, q, ch, self.month(day[0])) for e, q, ch, day in touched}, self.client.days, "rollup_1mo"
        )
        return days, months

    def refresh(
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
            for chunk in chunks(sorted(euis)):
                statements.append(
                    (
                        period[0],
                        f'SELECT "count", "consumption", "min", "max", "sum", "first", "last" FROM {source} '
                        f"WHERE ({any_of('dev_eui', chunk)}) AND time >= {period[1]} AND time < {period[2]} "
                        "GROUP BY dev_eui, quantity, channel",
                    )
                )
        wanted = {(e, q, ch, period[0]) for e, q, ch, period in touched}
        rows: dict[HourKey, list[Row]] = {}
        for i in range(0, len(statements), 50):
            group = statements[i : i + 50]
            for s in self.client.query(";".join(q for _, q in group)):
                key = (*series_of(s), group[s["statement_id"]][0])
                if key not in wanted:
                    continue
                for t, count, consumption, vmin, vmax, total, first, last in s.get("values", []):
                    if count:
                        rows.setdefault(key, []).append(
                            (int(t), stats_of(count, consumption, vmin, vmax, total, first, last))
                        )
        found = {key: merge_all([h for _, h in these]) for key, these in rows.items()}
        self.client.write(
            [stats_line(self.prefixes.of(target, *key[:3], ""), key[3], h) for key, h in found.items() if h],
            self.client.rollup_rp,
            "ns",
        )
        for eui, quantity, channel, at in sorted(wanted - found.keys()):
            where = f"dev_eui = {quote_str(eui)} AND quantity = {quote_str(quantity)}"
            if channel:
                where += f" AND channel = {quote_str(channel)}"
            self.client.query(f"DELETE FROM {quote_ident(target)} WHERE {where} AND time = {at}", write=True)
        return rows

    def rebuild_days(self, start: datetime, end: datetime) -> int:
        """Recompute every daily rollup of the local days in [start, end) from the hourly rollups:
        for a database written before daily rollups existed, or after the town's time zone
        changed (rows at other midnights in the range are removed). Returns how many it wrote."""
        day = day_of(floor_hour(start), self._zone)
        self.client.query(
            f'DELETE FROM "rollup_1d" WHERE time >= {timestamp(day)} AND time < {timestamp(end)}', write=True
        )
        written = 0
        while day < end:
            first, stop = day_hours(day, self._zone)
            written += self.merge_period(self.client.rollups, "rollup_1d", day, first, stop)
            day = window_end(day, Window.DAY, self._zone)
        return written + self.rebuild_months(start, end)

    def rebuild_months(self, start: datetime, end: datetime) -> int:
        """Recompute every monthly rollup of the local months that [start, end) touches from
        the daily rollups (``rebuild_days`` calls it). Returns how many it wrote."""
        month = window_start(start, Window.MONTH, self._zone)
        self.client.query(
            f'DELETE FROM "rollup_1mo" WHERE time >= {timestamp(month)} AND time < {timestamp(end)}',
            write=True,
        )
        written = 0
        while month < end:
            after = window_end(month, Window.MONTH, self._zone)
            written += self.merge_period(self.client.days, "rollup_1mo", month, month, after)
            month = after
        return written

    def merge_period(self, source: str, target: str, at: datetime, first: datetime, stop: datetime) -> int:
        """Write one ``target`` row at ``at`` per series, merging its ``source`` rows in
        [first, stop) inside InfluxDB. Returns how many rows it wrote."""
        lines = [
            rollup_line(target, series_of(s), timestamp(at), values)
            for s in self.client.query(
                f"SELECT {MERGE} FROM {source} WHERE time >= {timestamp(first)} "
                f"AND time < {timestamp(stop)} GROUP BY dev_eui, quantity, channel"
            )
            for _, *values in s.get("values", [])
            if values[0]
        ]
        self.client.write(lines, self.client.rollup_rp, "ns")
        return len(lines)


def spans(touched: set[tuple[str, str, str, int]]) -> list[tuple[int, int, list[str]]]:
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
