"""The time-series store protocol, implemented by the SQLite and InfluxDB backends.

A store keeps readings keyed by (device, quantity, channel, time): writing the same point twice
leaves one point (the later value wins), so the bridge can replay without doubling anything.
All times crossing this protocol are timezone-aware; windows are cut in the caller's time zone
(a town's days are Europe/Paris days, 23 or 25 hours long at daylight-saving changes).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from kernel.types import Reading

if TYPE_CHECKING:
    from store.rollup import SeriesHour


class Window(StrEnum):
    HOUR = "hour"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True, slots=True)
class SeriesSpan:
    """A span of one series (device, quantity, channel): where a writer places readings that are
    not after the series' last stored point (a replay, a late reading)."""

    dev_eui: str
    quantity: str
    channel: str
    start: datetime
    end: datetime


@dataclass(frozen=True, slots=True)
class Neighbourhood:
    """What a series holds around a span: the newest point before it, the points inside it
    (start and end included) and the oldest point after it (each within the asked reach)."""

    before: Reading | None
    inside: tuple[Reading, ...]
    after: Reading | None


@dataclass(frozen=True, slots=True)
class Bucket:
    """One time window of one device's quantity.

    For instantaneous and state readings: count, min, max, mean, first and last values.
    For cumulative and delta readings, ``consumption`` is what was consumed in the window (index
    differences attributed to the window holding the later reading; see docs), else None.
    """

    start: datetime
    end: datetime
    count: int
    min: float | None
    max: float | None
    mean: float | None
    first: float | None
    last: float | None
    consumption: float | None


class StoreReader(Protocol):
    """What analytics, alerts, reports and exports read."""

    def query(
        self,
        dev_eui: str,
        start: datetime,
        end: datetime,
        quantities: Collection[str] | None = None,
    ) -> list[Reading]:
        """Readings of one device with start <= ts < end, ordered by time."""

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
        """One bucket per window of ``tz`` that holds readings, in [start, end), ordered."""

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
        """``aggregate`` for many devices at once (every channel, or one), keyed (device, channel);
        series without readings in the range are absent. What a report over a town reads."""

    def latest(self, dev_euis: Collection[str] | None = None) -> list[Reading]:
        """The newest reading of every (device, quantity, channel), optionally for some devices."""

    def neighbours(
        self, spans: Sequence[SeriesSpan], reach: timedelta
    ) -> dict[tuple[str, str, str], Neighbourhood]:
        """For a batch of spans at once, each series' points around its span, looking at most
        ``reach`` before and after it: what a writer needs to place replayed and late readings
        (a few queries per batch, not one per reading). Series with nothing are absent."""

    def hourly(self, dev_eui: str) -> list[SeriesHour]:
        """Every hourly rollup of a device (they outlive pruned raw readings), ordered by hour."""

    def count(self, dev_euis: Collection[str], start: datetime, end: datetime) -> dict[str, int]:
        """Readings per device in [start, end), from the hourly rollups (so pruned ones count)."""


class StoreWriter(Protocol):
    """What the bridge, a reprocess, an import and an erasure write."""

    def write(self, readings: Sequence[Reading]) -> None:
        """Write a batch durably; idempotent on (device, quantity, channel, ts)."""

    def delete(self, dev_eui: str, points: Collection[tuple[str, str, datetime]]) -> None:
        """Remove points (quantity, channel, ts) of a device, updating rollups and latest."""

    def restore_hourly(self, dev_eui: str, hours: Sequence[SeriesHour]) -> None:
        """Write hourly rollups as they are (an import of hours whose raw readings were pruned)."""

    def erase(self, dev_eui: str) -> int:
        """Remove every reading, rollup and latest value of a device; returns readings removed."""


# Closed hours a writer holds before it writes them (``RollupBuffer.hold_rollups``).
CLOSED_AFTER = 50_000


class RollupBuffer(Protocol):
    """Rollups a writer folds in memory and writes later (the bridge into InfluxDB); a store that
    computes them in place (SQLite) holds nothing."""

    def hold_rollups(self, hold: bool, *, closed_after: int = CLOSED_AFTER) -> bool:
        """Keep rollups computed in memory until ``flush`` (for a writer that marks its input done
        only after a flush); returns whether this store holds any. A store that computes them in
        place ignores it and returns False: its writer need not wait for a flush. Rollups of
        periods over (closed hours) are written at once when more than ``closed_after`` are held:
        they are final, and holding them is the writer's memory."""

    def flush(self, limit: int | None = None, *, periods: bool = True) -> bool:
        """Write what ``hold_rollups`` kept in memory: all of it, or with ``limit``, at most that
        many points a call of what the first call took; True once that is all written.
        ``periods`` False: the current day and month of each series may stay held (their
        uplinks are not to be marked done), and reads take those days from the hours."""

    def held(self) -> int:
        """Rollup points kept in memory and not yet written (a flush under way included)."""

    def kept(self) -> int:
        """The points the last flush without ``periods`` left held (the current days and
        months), 0 when it took everything: the uplinks behind it wait until they are written."""

    def forget(self) -> None:
        """Drop what this object holds in memory of the stored series: another process edited
        the store (see ``registry.store_edits``); the next write starts from what is stored."""

    def share_writes(self) -> None:
        """Other processes write the same series (bridge workers on a shared subscription): fold
        nothing in memory, recompute every period a write touches from what is stored."""


class RollupsInPlace:
    """``RollupBuffer`` for a store that computes its rollups in place, in every write's
    transaction (SQLite): nothing to hold, flush, forget or share."""

    def hold_rollups(self, hold: bool, *, closed_after: int = CLOSED_AFTER) -> bool:
        return False

    def flush(self, limit: int | None = None, *, periods: bool = True) -> bool:
        return True

    def held(self) -> int:
        return 0

    def kept(self) -> int:
        return 0

    def forget(self) -> None:
        pass

    def share_writes(self) -> None:
        pass


class Store(StoreReader, StoreWriter, RollupBuffer, Protocol):
    """A store as a process opens it: read, write, buffer, and administer (retention, close)."""

    def prune(self, now: datetime) -> int:
        """Drop raw readings older than the retention (rollups stay); returns how many, if known."""

    def reachable(self) -> bool:
        """Whether the store answers now: a cheap ping, for a writer waiting out an outage."""

    def close(self) -> None:
        """Release connections and files."""
