"""An in-memory Store that implements the store protocol (for unit tests of its callers)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from ingest.rollup import HourRollup, fold
from ingest.store import Bucket, Window
from releve.types import Reading


class MemoryStore:
    """Readings keyed like the real stores: (device, quantity, channel, ts); last write wins."""

    def __init__(self) -> None:
        self.points: dict[tuple[str, str, str, datetime], Reading] = {}
        self.writes = 0
        self.down = False

    def write(self, readings: Sequence[Reading]) -> None:
        if self.down:
            from ingest.errors import StoreUnavailable

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

    def delete(self, dev_eui: str, points: Collection[tuple[str, str, datetime]]) -> None:
        for quantity, channel, ts in points:
            self.points.pop((dev_eui, quantity, channel, ts), None)

    def prune(self, now: datetime) -> int:
        return 0

    def close(self) -> None:
        pass
