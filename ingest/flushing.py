"""When the rollups a store holds are written, and the uplinks behind them marked processed.

A store that folds rollups in memory (InfluxDB, ``RollupBuffer.hold_rollups``) writes them at a
flush; the uplinks whose readings they hold are marked processed in the archive only once they
are written, so that after a crash they are still pending and processing them again recomputes
those rollups from the stored readings. A store that computes them in place (SQLite) holds
nothing: its uplinks are marked with every batch.
"""

from __future__ import annotations

import time
from array import array
from bisect import bisect_left
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass

from ingest.archive import Mark
from store import RollupBuffer
from store.protocol import CLOSED_AFTER

__all__ = ["FlushPolicy", "FlushSchedule", "MarkLog"]


class MarkLog(Collection[Mark]):
    """Processing results waiting for a flush, in the order they were made (a replay may mark
    an uplink again: the later mark is written last). Held as arrays, about 20 bytes a mark
    where a ``Mark`` took about 130: a catch-up holds up to ``FlushPolicy.max_uplinks`` of them.
    What a mark says besides its uplink and its count of readings (state, error, decoder) is
    kept once per distinct value."""

    def __init__(self, marks: Iterable[Mark] = ()) -> None:
        self._ids = array("q")
        self._readings = array("q")
        self._kinds = array("l")
        self._kind_of: dict[tuple[str, str | None, str | None], int] = {}
        self._kind_list: list[tuple[str, str | None, str | None]] = []
        self.extend(marks)

    def extend(self, marks: Iterable[Mark]) -> None:
        kind_of, kinds = self._kind_of, self._kind_list
        for uplink_id, state, error, decoder, readings in marks:
            kind = kind_of.get((state, error, decoder))
            if kind is None:
                kind = kind_of[(state, error, decoder)] = len(kinds)
                kinds.append((state, error, decoder))
            self._ids.append(uplink_id)
            self._readings.append(readings)
            self._kinds.append(kind)

    def __len__(self) -> int:
        return len(self._ids)

    def __iter__(self) -> Iterator[Mark]:
        kinds = self._kind_list
        for uplink_id, readings, kind in zip(self._ids, self._readings, self._kinds, strict=True):
            state, error, decoder = kinds[kind]
            yield Mark(uplink_id, state, error, decoder, readings)

    def __contains__(self, item: object) -> bool:
        return any(mark == item for mark in self)

    def ids_with(self, state: str) -> Iterator[int]:
        """The uplinks marked with this state."""
        kinds = {kind for kind, (s, _, _) in enumerate(self._kind_list) if s == state}
        return (i for i, kind in zip(self._ids, self._kinds, strict=True) if kind in kinds)


@dataclass(frozen=True, slots=True)
class FlushPolicy:
    """``every_s``: how long rollups may be held (``RELEVE_BRIDGE_ROLLUP_FLUSH_S``); ``max_points``
    and ``max_uplinks``: a flush is also due once the store holds this many rollup points or this
    many uplinks wait for it, whatever the time (``RELEVE_BRIDGE_ROLLUP_MAX_POINTS``: a catch-up
    processes in 30 s what took an outage minutes to send, and holding all of its rollups and
    marks cost 130 MB, bench.city, 10,000 devices). A series holds at most one hour, day and
    month: below three points a series, every flush rewrites the open periods of most series
    (a backlog of 10,000 devices: 0.80 s of InfluxDB's CPU per 1,000 uplinks at 50,000 and
    100,000, 0.21 s at 200,000, 2.3x the drain's pace, 85 MB more). ``chunk``: rollup points
    written per batch while a large flush is under way (the next batches' raw readings are not
    held up). ``periods_every_s``: how long the current day and month of each series may be
    held (``RELEVE_BRIDGE_DAY_FLUSH_S``; at most ``every_s``: every flush writes them). The
    flushes between write the hours and the days and months that are over; the uplinks behind
    them wait for the flush that writes the current ones (a series that reports every minute
    would otherwise rewrite its day and month at every flush: two thirds of the rollup points
    at a city's rate). ``closed_after``: closed hours (final) are written at once once this many
    are held, rather than at the flush (``RollupBuffer.hold_rollups``)."""

    every_s: float = 30.0
    max_points: int = 200_000
    max_uplinks: int = 200_000
    chunk: int = 5000
    periods_every_s: float = 300.0
    closed_after: int = CLOSED_AFTER


class FlushSchedule:
    """The uplinks processed since the last flush, and when the next flush is due."""

    def __init__(
        self,
        store: RollupBuffer,
        mark: Callable[[Collection[Mark], bool], None],
        policy: FlushPolicy,
        clock: Callable[[], float] = time.monotonic,
        seal: Callable[[], None] = lambda: None,
    ) -> None:
        """``mark`` records processing results in the archive, with what else was held for
        their uplinks: everything held so far (True), or what ``seal`` set apart when the flush
        that ends began (False)."""
        self._store = store
        self._mark = mark
        self._seal = seal
        self.policy = policy
        self._clock = clock
        self._every_s = 0.0  # 0 until ``hold``: rollups written and uplinks marked with every batch
        self._unmarked = MarkLog()
        # The uplinks behind a chunked flush under way (None: none is), marked when it ends, and
        # whether it writes the current days and months too.
        self._flushing: MarkLog | None = None
        self._periods = True
        self._flushed_at = self._whole_at = clock()

    def hold(self) -> None:
        """Let the store hold its rollups for up to ``policy.every_s`` (the bridge)."""
        self.flush()
        holds = self._store.hold_rollups(self.policy.every_s > 0, closed_after=self.policy.closed_after)
        self._every_s = self.policy.every_s if holds else 0.0

    def release(self) -> None:
        """Write what the store holds, mark the uplinks behind it, hold nothing from now on."""
        self.flush()
        self._store.hold_rollups(False)
        self._every_s = 0.0

    def add(self, marks: Sequence[Mark]) -> None:
        """Uplinks processed: marked with the next flush."""
        self._unmarked.extend(marks)

    def flush(self) -> None:
        """Write what the store holds, then mark the uplinks behind it processed."""
        unmarked = self._unmarked
        if self._flushing is not None:  # the chunked flush's uplinks first: theirs are the older marks
            unmarked = self._flushing
            unmarked.extend(self._unmarked)
        self._flushing, self._unmarked = None, MarkLog()
        self._flushed_at = self._whole_at = self._clock()
        self._store.flush()  # on failure the uplinks stay pending in the archive, to be retried
        self._mark(unmarked, True)

    def processed(self) -> Callable[[int], bool]:
        """Whether an uplink, by id, was decoded and waits for a flush to be marked decoded
        (one quarantined or failed may be taken again: its device was provisioned or fixed)."""
        waiting = [log for log in (self._flushing, self._unmarked) if log]
        ids = array("q", sorted(i for log in waiting for i in log.ids_with("decoded")))

        def waits(uplink_id: int) -> bool:
            at = bisect_left(ids, uplink_id)
            return at < len(ids) and ids[at] == uplink_id

        return waits

    def idle(self) -> bool:
        """Whether every uplink processed so far is marked (nothing waits for a flush)."""
        return not self._unmarked and self._flushing is None

    def flush_if_due(self) -> None:
        """Every ``every_s``, or sooner once ``max_points`` more or ``max_uplinks`` are held,
        write what the store holds, ``chunk`` points per call (a call per batch: a large flush
        does not hold up the next batches' raw readings), and mark the uplinks behind it once it
        is all written. Such a flush may leave the current day and month of each series held:
        their uplinks then wait, to be marked by the flush that writes them, every
        ``periods_every_s`` (or once ``max_uplinks`` wait, or ``max_points`` are left held).
        While the store holds more than ``max_points`` the chunks grow, so what is held stays
        bounded however fast batches come."""
        policy = self.policy
        held = self._store.held()
        if self._flushing is None:
            if not self._unmarked:
                return
            now = self._clock()
            kept = self._store.kept()  # the current days and months the last flush left held
            due = now - self._flushed_at >= self._every_s
            waiting = len(self._unmarked) >= policy.max_uplinks or kept >= policy.max_points
            if not due and not waiting and held - kept < policy.max_points:
                return
            self._periods = (
                waiting
                or not self._every_s  # rollups not held: every batch marked
                or policy.periods_every_s <= self._every_s
                or now - self._whole_at >= policy.periods_every_s
            )
            if self._periods:
                self._whole_at = now
            self._flushing, self._unmarked = self._unmarked, MarkLog()
            self._seal()
            self._flushed_at = now
        # On failure the uplinks stay pending in the archive, to be retried; the store keeps
        # what it has not written, and the next flush writes it.
        if self._store.flush(max(policy.chunk, held - policy.max_points), periods=self._periods):
            done, self._flushing = self._flushing, None
            if self._store.kept():  # their current days and months are still held: not done yet
                done.extend(self._unmarked)
                self._unmarked = done
                return
            self._mark(done, False)
