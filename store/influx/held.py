"""Rollups the InfluxDB store folded in memory and holds until a flush (``hold_rollups``): several
batches of a series then cost one rollup point per period, written once.

A flush writes them all at once, or (``limit``) a chunk per call: the first call seals what is
held, each call sends at most ``limit`` of those points, and rollups folded meanwhile wait for
the next flush, so a period's newer value is always written after its older one. A chunk is
written by the writer's thread while the caller goes on (the bridge's processor spent a fifth of
a catch-up waiting for them); the next call waits for it, and only then is it counted written.

A flush may leave the current local day and month of each series held (``periods`` False): a
series that reports every few minutes then costs an hourly point per report and a daily and
monthly one per ``FlushPolicy.periods_every_s``, where every flush rewrote all three (at a
city's 150 uplinks/s, two thirds of the rollup points written). A day once over is written by
the next flush, so reads take from the daily rollups only the days over for ``SETTLED_AFTER``
(``store.rollup.plan``), and the others from the hours.

Closed hours are final: once ``early_after`` of them are held, they are written at once, in the
writer's thread, rather than held until the flush (a backlog of 10,000 devices held up to 160,000
of them between flushes: BENCHMARKS.md, eighteenth round). They go through the same thread as a
chunked flush's points, in order, so an hour's final value is written after any older one. The
flush waits for them, and holds again those InfluxDB did not take.

The hours and days the writer could not fold (a replay, a late point: ``store.influx.dirty``) are
held too, and recomputed from what is stored once the flush has written the rest.

The newest month held of each series (``newest_months``) is kept as the periods are held: the
store's ``latest`` asks it at every batch of new series, and scanning every period held for it
(up to 200,000) took a fifth of the time of bench.pipeline's 10,000 new devices in batches of 37.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import timedelta

from kernel.types import HOUR_NS, Reading, SeriesKey
from store.errors import StoreError, StoreRejected
from store.influx.dirty import DayKey, Dirty
from store.influx.lineprotocol import SeriesPrefixes, stats_fields, stats_line, timestamp
from store.influx.open_hours import HourKey, HourStats, Periods, Rollup, value_of
from store.protocol import CLOSED_AFTER

# Per measurement (rollup_1h, rollup_1d, rollup_1mo), the periods held: keyed by the very
# (dev_eui, quantity, channel, start) tuples the fold made (``OpenHours.fold``), not by new
# ones: a key of the measurement too, per point, took a fifth of the processor's memory in a
# backlog of 10,000 devices (bench: tracemalloc at 126,000 points held).
Points = dict[str, dict[HourKey, Rollup]]

# Reads take from the daily (and monthly) rollups only the days over for this long: a writer
# holds the current day until a flush writes it, and a flush comes every
# ``RELEVE_BRIDGE_ROLLUP_FLUSH_S`` (at most 300 s), a day over included.
SETTLED_AFTER = timedelta(hours=1)


class HeldRollups:
    """Rollup points not yet written, by measurement and period; not thread-safe (the store
    calls it under its lock)."""

    def __init__(
        self,
        write: Callable[[list[str]], None],
        prefixes: SeriesPrefixes,
        batch_size: int,
        settle: Callable[[Dirty], None],
        periods: Periods,
        clock: Callable[[], int] = time.time_ns,
        early_after: int = CLOSED_AFTER,
    ) -> None:
        """``write``: writes rollup lines to the rollups' retention policy; ``settle`` recomputes
        held hours and days from what is stored (on failure it hands them back to ``defer``);
        ``periods``: the local day and month of an hour; ``clock``: now, in ns (which day and
        month are current); ``early_after``: how many closed hours may be held before they are written
        (the module's doc)."""
        self._write = write
        self._prefixes = prefixes
        self._batch_size = batch_size
        self._settle = settle
        self._periods = periods
        self._clock = clock
        self.kept = 0  # the points the last seal left held (the current days and months)
        self.dirty = Dirty()
        self._sealed_dirty = Dirty()
        self._held: Points = {}
        # What a chunked flush took from the held rollups, its keys in writing order (per
        # measurement), and the next of them to write.
        self._sealed: Points = {}
        self._sealed_keys: list[tuple[str, list[HourKey]]] = []
        self._sealed_next = 0
        # A chunked flush's points sent to the writer's thread, and the sealed index they reach.
        self._writer: ThreadPoolExecutor | None = None
        self._inflight: tuple[Future[None], int] | None = None
        # Closed hours formatted in ``_held`` since the last seal (some since sealed or written), and
        # those written early: each request's future and the fields of its hours.
        self.early_after = early_after
        self._closed: list[HourKey] = []
        self._early: list[tuple[Future[None], dict[HourKey, str]]] = []
        # Per device, the newest month of each of its series held since the last ``forget_months``
        # (written since or not: a month written is stored, and the store finds it too).
        self._months: dict[str, dict[tuple[str, str], int]] = {}

    def hold(self, measurement: str, rows: Mapping[HourKey, Rollup]) -> None:
        """Hold these periods' rollups; each replaces what was held for the same period."""
        if not rows:
            return
        held = self._held.get(measurement)
        if held is None:
            held = self._held[measurement] = {}
        if measurement == "rollup_1mo":
            # A month held already was noted when it was first held (``forget_months`` keeps
            # those still held): a batch's series are most often held already. (One look-up per
            # row: ``rows.keys() - held.keys()`` walked every month held, those of 40,000 series
            # in a backlog of 10,000 devices, at every batch.)
            for key in rows:
                if key not in held:
                    self._month(*key)
        held.update(rows)

    def closed(self, hours: Iterable[tuple[HourKey, HourStats]]) -> None:
        """These hours are over: where one is held still (not written since, nor replaced), its
        fields are formatted now and held in its place, rather than at the flush. A backlog of
        10,000 devices holds up to 160,000 closed hours between flushes: the processor's live
        objects at 300,000 uplinks, 140 MB against 146 MB (BENCHMARKS.md, fourteenth round)."""
        held = self._held.get("rollup_1h")
        if not held:
            return
        for key, stats in hours:
            if held.get(key) is stats:
                try:
                    held[key] = stats_fields(stats)
                except StoreRejected:  # an overflow: the flush that writes it rejects it
                    continue
                self._closed.append(key)
        if len(self._closed) >= self.early_after:
            self._write_early()

    def _write_early(self) -> None:
        """Send the closed hours held to the writer's thread (the module's doc)."""
        held, of = self._held.get("rollup_1h", {}), self._prefixes.of
        fields: dict[HourKey, str] = {}
        for key in self._closed:
            value = held.get(key)
            if isinstance(value, str):  # still held, and closed: final
                del held[key]
                fields[key] = value
        self._closed = []
        if not fields:
            return
        lines = [stats_line(of("rollup_1h", *key[:3], ""), key[3], value) for key, value in fields.items()]
        requests = [lines[i : i + self._batch_size] for i in range(0, len(lines), self._batch_size)]
        self._early.append((self._executor().submit(self._write_all, requests), fields))

    def reap(self) -> None:
        """Let go of the closed hours written early (``closed``); those InfluxDB did not take are
        held again, for the next flush. (The store calls it after each batch's check for edits
        of the store by other processes, as a chunked flush's points are counted written.)"""
        self._reaped(wait=False)

    def _reaped(self, *, wait: bool) -> dict[HourKey, Rollup]:
        """``reap``, waiting for the writes under way when ``wait``; returns the hours let go."""
        done: dict[HourKey, Rollup] = {}
        waiting = []
        for future, fields in self._early:
            if not wait and not future.done():
                waiting.append((future, fields))
                continue
            try:
                future.result()
            except StoreError:  # held again: the next flush writes them (or fails, and says why)
                hours = self._held.setdefault("rollup_1h", {})
                for key, value in fields.items():
                    hours.setdefault(key, value)
            done.update(fields)
        self._early = waiting
        return done

    def defer(self, rest: Iterable[Reading], days: Iterable[tuple[Reading, tuple[int, int, int]]]) -> None:
        """Hold hours and days to recompute at the flush (``Dirty.add``)."""
        rest, days = list(rest), list(days)
        self._months_of(
            {(r.dev_eui, r.quantity, r.channel, (ns := timestamp(r.ts)) - ns % HOUR_NS) for r in rest},
            {(r.dev_eui, r.quantity, r.channel, day) for r, day in days},
        )
        self.dirty.add(rest, days)

    def _months_of(self, hours: Iterable[HourKey], days: Iterable[DayKey]) -> None:
        """Note the months of these hours and days to recompute."""
        for eui, quantity, channel, hour in hours:
            self._month(eui, quantity, channel, self._periods(hour)[1])
        for eui, quantity, channel, day in days:
            self._month(eui, quantity, channel, self._periods(day[1])[1])

    def _month(self, eui: str, quantity: str, channel: str, month: int) -> None:
        series = self._months.setdefault(eui, {})
        if series.get((quantity, channel), month) <= month:
            series[(quantity, channel)] = month

    def flush(self, limit: int | None = None, *, periods: bool = True) -> bool:
        """Write what is held; True once all that was taken is written (see the module's doc).
        ``periods`` False: the current day and month of each series stay held (``kept``), unless
        hours or days are to be recomputed (``dirty``): their days and months are recomputed
        from what is stored, so all that is held is written first."""
        self._landed()
        keep = not periods and not self.dirty
        if limit is None:
            self._reaped(wait=True)  # what InfluxDB did not take of them is held again, sealed below
            # Formatted chunk by chunk, as below: all at once, the lines of 120,000 points held
            # 25 MB more at the peak (bench.pipeline, 10,000 devices, under tracemalloc).
            self._write_sealed(self._sealed_total())
            self._seal(keep=keep and not self._sealed_dirty)
            self._write_sealed(self._sealed_total())
            self._unseal()
            self._settle(self.take_dirty())
            return True
        if not self._sealed and not self._sealed_dirty:
            self._reaped(wait=True)
            if not self._held and not self.dirty:
                return True
            self._seal(keep=keep)
            if not self._sealed_total() and not self.dirty:
                self._unseal()
                return True  # only the current days and months are held
            self._sealed_dirty, self.dirty = self.dirty, Dirty()
        # Lines are formatted chunk by chunk: formatting them all at once held as much
        # memory again as the rollups themselves.
        total = self._sealed_total()
        if self._sealed_next < total:
            self._send(min(self._sealed_next + limit, total))
            return False
        self._unseal()
        self._reaped(wait=True)  # the days recomputed below are read from the hours written
        dirty, self._sealed_dirty = self._sealed_dirty, Dirty()
        self._settle(dirty)
        return True

    def _seal(self, *, keep: bool = False) -> None:
        """Set what is held apart for writing, in the order it is written; with ``keep``, the
        current (or a later) day and month of each series stay held."""
        self._sealed, self._held = self._held, {}
        self._closed = []
        self.kept = 0
        if keep:
            now = self._clock()
            day, month = self._periods(now - now % HOUR_NS)
            for measurement, current in (("rollup_1d", day), ("rollup_1mo", month)):
                points = self._sealed.get(measurement)
                if not points:
                    continue
                kept = {key: rollup for key, rollup in points.items() if key[3] >= current}
                if kept:
                    self.kept += len(kept)
                    self._held[measurement] = kept
                    self._sealed[measurement] = {k: r for k, r in points.items() if k[3] < current}
        self._sealed_keys, self._sealed_next = [(m, list(points)) for m, points in self._sealed.items()], 0

    def _sealed_total(self) -> int:
        return sum(len(keys) for _, keys in self._sealed_keys)

    def _write_sealed(self, end: int) -> None:
        """Write the sealed points up to the ``end``-th, ``batch_size`` a request."""
        for lines, stop in self._requests(end):
            self._write(lines)
            self._sealed_next = stop

    def _requests(self, end: int) -> Iterator[tuple[list[str], int]]:
        """The lines of the sealed points from the next to the ``end``-th, ``batch_size`` a
        request, each with the index it reaches; formatted as they are taken."""
        for i in range(self._sealed_next, end, self._batch_size):
            stop = min(i + self._batch_size, end)
            lines = [
                line
                for measurement, keys in self._sealed_slice(i, stop)
                for line in self._lines(measurement, self._sealed[measurement], keys)
            ]
            yield lines, stop

    def _send(self, end: int) -> None:
        """Write the sealed points up to the ``end``-th in the writer's thread: the caller goes on
        (the bridge processes its next batch) while InfluxDB takes them. The lines are formatted
        here, under the store's lock: a day or month still open is folded into meanwhile."""
        requests = [lines for lines, _ in self._requests(end)]
        self._inflight = (self._executor().submit(self._write_all, requests), end)

    def _executor(self) -> ThreadPoolExecutor:
        """The writer's thread: one, so that what is sent is written in the order it was sent."""
        if self._writer is None:
            self._writer = ThreadPoolExecutor(1, thread_name_prefix="rollup-writer")
        return self._writer

    def _write_all(self, requests: list[list[str]]) -> None:
        for lines in requests:
            self._write(lines)

    def _landed(self, *, failed_ok: bool = False) -> None:
        """Wait for the points ``_send`` sent, then count them written; where that failed, raise
        (unless ``failed_ok``): they are sent again by the next flush."""
        inflight, self._inflight = self._inflight, None
        if inflight is None:
            return
        future, end = inflight
        try:
            future.result()
        except Exception:
            if not failed_ok:
                raise
            return
        self._sealed_next = end

    def close(self) -> None:
        """Wait for the points sent, and stop the writer's thread."""
        self._landed(failed_ok=True)
        self._reaped(wait=True)
        if self._writer is not None:
            self._writer.shutdown(wait=True)
            self._writer = None

    def _sealed_slice(self, start: int, stop: int) -> Iterator[tuple[str, list[HourKey]]]:
        """The sealed keys from the ``start``-th to the ``stop``-th, measurement by measurement."""
        base = 0
        for measurement, keys in self._sealed_keys:
            lo, hi = max(start - base, 0), min(stop - base, len(keys))
            if lo < hi:
                yield measurement, keys[lo:hi]
            base += len(keys)

    def count(self) -> int:
        """Points held and not yet written (a flush under way included), periods to recompute too."""
        waiting = len(self.dirty) + len(self._sealed_dirty)
        held = sum(len(points) for points in self._held.values())
        early = sum(len(fields) for _, fields in self._early)
        return held + early + self._sealed_total() - self._sealed_next + waiting

    def newest_months(self, euis: Collection[str] | None) -> dict[SeriesKey, int]:
        """The newest month held (or held and written since) of each series of these devices (None:
        of every device)."""
        found: dict[SeriesKey, int] = {}
        for eui in self._months if euis is None else euis:
            for (quantity, channel), month in self._months.get(eui, {}).items():
                found[SeriesKey(eui, quantity, channel)] = month
        return found

    def forget_months(self, dev_eui: str | None = None) -> None:
        """Points were deleted (of one device, or of any): the months held are those of what is
        held now, not of what was written before."""
        if dev_eui is None:
            self._months = {}
        else:
            self._months.pop(dev_eui, None)
        for points in (self._sealed, self._held):
            for eui, quantity, channel, at in points.get("rollup_1mo", {}):
                if dev_eui is None or eui == dev_eui:
                    self._month(eui, quantity, channel, at)
        if dev_eui is None:
            for dirty in (self.dirty, self._sealed_dirty):
                self._months_of(dirty.hours, dirty.days)

    def take_dirty(self) -> Dirty:
        """The hours and days held to be recomputed, which are dropped from here."""
        dirty = self._sealed_dirty.merge(self.dirty)
        self._sealed_dirty, self.dirty = Dirty(), Dirty()
        return dirty

    def take(self) -> Points:
        """Everything held, which is dropped from here."""
        self._landed(failed_ok=True)  # what it sent is held here still, written or not
        early = self._reaped(wait=True)  # written early, or held again
        held: Points = {"rollup_1h": early} if early else {}
        for points in (self._sealed, self._held):
            for measurement, rows in points.items():
                held.setdefault(measurement, {}).update(rows)
        self._held, self.kept, self._closed = {}, 0, []
        self._unseal()
        return held

    def _unseal(self) -> None:
        self._sealed, self._sealed_keys, self._sealed_next = {}, [], 0

    def _lines(self, measurement: str, points: dict[HourKey, Rollup], keys: Iterable[HourKey]) -> list[str]:
        of = self._prefixes.of
        return [stats_line(of(measurement, *key[:3], ""), key[3], value_of(points[key])) for key in keys]
