"""An in-memory Store that implements the store protocol (for unit tests of its callers)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

from kernel.types import Reading
from store import Bucket, Window
from store.protocol import Neighbourhood, RollupsInPlace, SeriesSpan
from store.rollup import HourRollup, SeriesHour, fold


class MemoryStore(RollupsInPlace):
    """Readings keyed like the real stores: (device, quantity, channel, ts); last write wins."""

    def __init__(self) -> None:
        self.points: dict[tuple[str, str, str, datetime], Reading] = {}
        self.writes = 0
        self.down = False
        # Rollups restored by an import, for hours whose raw points are gone.
        self.restored: dict[tuple[str, str, str, datetime], HourRollup] = {}

    def write(self, readings: Sequence[Reading]) -> None:
        if self.down:
            from store.errors import StoreUnavailable

            raise StoreUnavailable("memory store is down (test)")
        self.writes += 1
        for r in readings:
            self.points[(r.dev_eui, r.quantity, r.channel, r.ts)] = r

    def query(
        self, dev_eui: str, start: datetime, end: datetime, quantities: Collection[str] | None = None
    ) -> list[Reading]:
        found = [
            r
            for (eui, q, _, ts), r in self.points.items()
            if eui == dev_eui and start <= ts < end and (quantities is None or q in quantities)
        ]
        return sorted(found, key=lambda r: r.ts)

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
        hours: dict[datetime, list[Reading]] = {}
        for (eui, q, ch, ts), r in self.points.items():
            if eui == dev_eui and q == quantity and ch == channel and start <= ts < end:
                hours.setdefault(ts.replace(minute=0, second=0, microsecond=0), []).append(r)
        rollups = []
        for hour, rs in sorted(hours.items()):
            rs.sort(key=lambda r: r.ts)
            deltas = [r.delta for r in rs if r.delta is not None]
            values = [r.value for r in rs]
            rollups.append(
                HourRollup(
                    hour,
                    len(rs),
                    sum(deltas) if deltas else None,
                    min(values),
                    max(values),
                    sum(values),
                    values[0],
                    values[-1],
                )
            )
        return list(fold(rollups, window, tz))

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
        series = {
            (eui, ch)
            for (eui, q, ch, _) in self.points
            if eui in dev_euis and q == quantity and (channel is None or ch == channel)
        }
        found = {key: self.aggregate(key[0], quantity, start, end, window, tz, key[1]) for key in series}
        return {key: buckets for key, buckets in found.items() if buckets}

    def latest(self, dev_euis: Collection[str] | None = None) -> list[Reading]:
        newest: dict[tuple[str, str, str], Reading] = {}
        for (eui, q, ch, ts), r in self.points.items():
            if dev_euis is not None and eui not in dev_euis:
                continue
            if (eui, q, ch) not in newest or newest[(eui, q, ch)].ts < ts:
                newest[(eui, q, ch)] = r
        return list(newest.values())

    def neighbours(
        self, spans: Sequence[SeriesSpan], reach: timedelta
    ) -> dict[tuple[str, str, str], Neighbourhood]:
        out: dict[tuple[str, str, str], Neighbourhood] = {}
        for span in spans:
            key = (span.dev_eui, span.quantity, span.channel)
            series = sorted(
                (r for (eui, q, ch, _), r in self.points.items() if (eui, q, ch) == key), key=lambda r: r.ts
            )
            before = [r for r in series if span.start - reach <= r.ts < span.start]
            after = [r for r in series if span.end < r.ts <= span.end + reach]
            inside = tuple(r for r in series if span.start <= r.ts <= span.end)
            if before or inside or after:
                out[key] = Neighbourhood(before[-1] if before else None, inside, after[0] if after else None)
        return out

    def delete(self, dev_eui: str, points: Collection[tuple[str, str, datetime]]) -> None:
        for quantity, channel, ts in points:
            self.points.pop((dev_eui, quantity, channel, ts), None)

    def hourly(self, dev_eui: str) -> list[SeriesHour]:
        series = {(q, ch) for (eui, q, ch, _) in self.points if eui == dev_eui}
        found = {
            (b.start, q, ch): SeriesHour(
                q,
                ch,
                HourRollup(b.start, b.count, b.consumption, b.min, b.max, b.mean * b.count, b.first, b.last),
            )
            for q, ch in series
            for b in self.aggregate(
                dev_eui,
                q,
                datetime.min.replace(tzinfo=UTC),
                datetime.max.replace(tzinfo=UTC),
                Window.HOUR,
                "UTC",
                ch,
            )
            if b.min is not None
            and b.max is not None
            and b.mean is not None
            and b.first is not None
            and b.last is not None
        }
        for (eui, q, ch, hour), rollup in self.restored.items():
            if eui == dev_eui:
                found.setdefault((hour, q, ch), SeriesHour(q, ch, rollup))
        return [found[k] for k in sorted(found)]

    def restore_hourly(self, dev_eui: str, hours: Sequence[SeriesHour]) -> None:
        for h in hours:
            self.restored[(dev_eui, h.quantity, h.channel, h.rollup.hour)] = h.rollup

    def count(self, dev_euis: Collection[str], start: datetime, end: datetime) -> dict[str, int]:
        found: dict[str, int] = {}
        for eui, _, _, ts in self.points:
            if eui in dev_euis and start <= ts < end:
                found[eui] = found.get(eui, 0) + 1
        return found

    def erase(self, dev_eui: str) -> int:
        gone = [k for k in self.points if k[0] == dev_eui]
        for k in gone:
            del self.points[k]
        self.restored = {k: v for k, v in self.restored.items() if k[0] != dev_eui}
        return len(gone)

    def prune(self, now: datetime) -> int:
        return 0

    def reachable(self) -> bool:
        return not self.down

    def close(self) -> None:
        pass
