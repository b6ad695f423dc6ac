"""The bridge's supervisor loop: messages -> envelopes -> archive -> ack -> decode -> store.

At-least-once, nothing lost: a batch is acknowledged to the broker only after its uplinks (and
its unreadable messages, as dead letters) are committed to the archive; a failure before that
keeps the batch and retries it, unacknowledged. Decoding and the store write come after the
ack: if the store is down, the uplinks stay pending in the archive and are retried until it is
back. Duplicates (re-deliveries, several gateways, several network servers) are dropped by the
archive's dedup key, so a replay writes nothing twice.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from gateway_bridge.counters import Counters
from gateway_bridge.envelopes import DeviceLog, DeviceStatus, EnvelopeError, parse
from gateway_bridge.retry import StoreRetry
from ingest.archive import ArchivedUplink
from ingest.intake import Intake
from ingest.linkstats import apply_status
from kernel.types import Lns, Uplink
from registry.errors import DatabaseUnavailable
from store.errors import StoreError

if TYPE_CHECKING:  # an intake-only bridge (``Intake``) loads no decoder, key or store client,
    # and the processor process (``gateway_bridge.processor``) no MQTT client
    from gateway_bridge.mqtt import Message
    from ingest.pipeline import Ingestor

log = logging.getLogger(__name__)


# While the archive (the registry's database) is unavailable, the intake holds its batch
# unacknowledged and tries again after this wait, doubled at each failure up to the longest.
ARCHIVE_FIRST_S = 0.5
ARCHIVE_MOST_S = 5.0

# While a batch lingers, how often the intake looks for more messages.
LINGER_STEP_S = 0.05
# A lingering batch also closes once no message came for this long: the traffic paused or
# stopped, and what came before it need not wait out the linger (at 150 uplinks/s arriving at
# random, such a gap comes about every six hours).
QUIET_S = 0.1


@dataclass
class _Parsed:
    """A batch of messages with its envelopes read (``Bridge._parse``), to be archived."""

    batch: list[Message]
    uplinks: list[tuple[Uplink, str]] = field(default_factory=list)
    statuses: list[tuple[str, datetime, float | None]] = field(default_factory=list)
    dead: list[tuple[Message, str]] = field(default_factory=list)


class MessageSource(Protocol):
    """Where messages come from (the MQTT consumer, or a fake in tests)."""

    messages: queue.Queue[Message]

    def ack(self, messages: Sequence[Message]) -> int: ...


class Bridge:
    """Drains a message source into the ingest pipeline; one per worker process or thread."""

    def __init__(
        self,
        source: MessageSource,
        ingestor: Ingestor | Intake,
        *,
        lns: Lns | None = None,
        source_name: str = "default",
        batch_size: int = 500,
        batch_wait_s: float = 0.05,
        batch_linger_s: float = 1.0,
        on_archived: Callable[[], None] | None = None,
    ) -> None:
        """``batch_linger_s``: a batch closes when it is full or this long after its first
        message. Each batch costs a few transactions and requests whatever its size: at a city's
        steady 150 uplinks/s, batches of one or two messages took most of a core, and batches of
        a second (as Node-RED's join waits up to a second) cost a quarter less of it than batches
        of a quarter of a second. A batch fills well before that at higher rates. While running,
        the store holds the rollups it folds in memory as the ingestor's ``FlushPolicy`` says.
        An ``Intake`` for ``ingestor``: the intake only (archive and acknowledge); another
        process processes what the archive holds (``gateway_bridge.processor``), told by
        ``on_archived``."""
        self.source = source
        self._intake = ingestor  # what archives (the ingestor has it too)
        self._ingestor = None if isinstance(ingestor, Intake) else ingestor
        self.lns = lns
        self.source_name = source_name
        self.batch_size = batch_size
        self.batch_wait_s = batch_wait_s
        self.batch_linger_s = batch_linger_s
        self.counters = Counters()
        self.on_archived = on_archived
        self._held: list[Message] = []
        # Set while the store is down or the archive's pending uplinks are being processed: the
        # intake archives and acknowledges, the catch-up (``_retry_pending``) processes.
        self._catching_up = threading.Event()
        # After a device change: the uplinks decoded and waiting for their mark, which the
        # catch-up does not take again (``FlushSchedule.processed``).
        self._processed: Callable[[int], bool] | None = None
        self._stop = threading.Event()  # ``run``'s
        self._archive_down_since: float | None = None
        self._archive_delay = ARCHIVE_FIRST_S
        reachable = self._ingestor.store.reachable if self._ingestor is not None else lambda: True
        self._retry = StoreRetry(reachable)
        self._last_summary = time.monotonic()

    @property
    def ingestor(self) -> Ingestor:
        """The pipeline that processes (not an intake-only bridge's)."""
        if self._ingestor is None:
            raise RuntimeError("an intake-only bridge processes nothing")
        return self._ingestor

    def run(self, stop: threading.Event) -> None:
        """Supervise until ``stop`` is set: one failing step is logged and retried, never fatal.

        Two threads: this one takes batches, archives and acknowledges them; a processor thread
        decodes and writes them to the store. The store's round trips (most of a batch's time)
        then overlap the archiving of the next batch. The hand-over queue holds two batches, so a
        slow store slows the intake and the broker keeps the backlog.
        """
        self._stop = stop
        if self._ingestor is None:
            self._intake_only(stop)
            return
        self.ingestor.hold()
        # What waited in the archive (a crash, a store outage) is processed by the processor
        # thread first; meanwhile this thread takes, archives and acknowledges what the broker
        # sends, so the connection stays alive and the backlog moves into the archive.
        self._catching_up.set()
        work: queue.Queue[list[ArchivedUplink]] = queue.Queue(maxsize=2)
        processor = threading.Thread(
            target=self._process_loop, args=(work, stop), name="bridge-processor", daemon=True
        )
        processor.start()
        while not stop.is_set():
            try:
                archived = self.intake()
                # While the processor catches up, new uplinks wait in the archive with the
                # others (it pages through them all): never block the intake on it.
                while archived and not stop.is_set() and not self._catching_up.is_set():
                    try:
                        work.put(archived, timeout=0.2)
                        break
                    except queue.Full:
                        continue
            except Exception:  # the supervisor: log, count, back off, go on
                log.exception("bridge step failed; retrying")
                stop.wait(1.0)
            self._summary()
        # What is archived but not processed stays pending: the next start processes it.
        processor.join(30)
        try:
            self.ingestor.release()  # write what the store holds, mark its uplinks
        except (StoreError, DatabaseUnavailable):
            log.warning("store unavailable at stop: uplinks since the last flush stay pending")

    def _intake_only(self, stop: threading.Event) -> None:
        """Two threads: one takes batches and reads their envelopes (``_read_loop``), this one
        archives and acknowledges them, one batch behind. SQLite's insert and commit let go of
        the interpreter lock: the next batch's envelopes are read meanwhile (the archive and the
        envelopes were half and a third of the intake's time, one after the other)."""
        parsed: queue.Queue[_Parsed] = queue.Queue(maxsize=1)
        reader = threading.Thread(
            target=self._read_loop, args=(parsed, stop), name="bridge-envelopes", daemon=True
        )
        reader.start()
        while not stop.is_set():
            try:
                try:
                    batch = parsed.get(timeout=0.2)
                except queue.Empty:
                    continue
                self._archive_parsed(batch, stop)
            except Exception:  # the supervisor: log, count, back off, go on
                log.exception("bridge step failed; retrying")
                stop.wait(1.0)
            self._summary()
        reader.join(5)

    def _read_loop(self, out: queue.Queue[_Parsed], stop: threading.Event) -> None:
        """Take batches and read their envelopes, for ``_intake_only`` (at most one waits)."""
        while not stop.is_set():
            try:
                batch = self._drain()
                if not batch:
                    continue
                parsed = self._parse(batch)
                while not stop.is_set():
                    try:
                        out.put(parsed, timeout=0.2)
                        break
                    except queue.Full:
                        continue
            except Exception:  # the supervisor: log, back off, go on (what it took is redelivered)
                log.exception("bridge envelope reading failed; retrying")
                stop.wait(1.0)

    def _archive_parsed(self, parsed: _Parsed, stop: threading.Event) -> None:
        """Archive a parsed batch, held unacknowledged and tried again while the archive is
        unavailable (until the bridge stops: the broker then sends it again), then ack it."""
        while not stop.is_set():
            archived = self._keep(parsed)
            if archived is not None:
                self._acknowledge(parsed.batch, archived)
                return

    def _process_loop(self, work: queue.Queue[list[ArchivedUplink]], stop: threading.Event) -> None:
        while not (stop.is_set() and work.empty()):
            try:
                self._devices_changed()
                if self._catching_up.is_set() and self._retry.due():
                    self._retry_pending()
                    continue
                try:
                    archived = work.get(timeout=0.1)
                except queue.Empty:
                    archived = []
                # While the store is down, new uplinks wait in the archive with the others; the
                # retry processes them all (one or two batches may then be written twice, which
                # the store and the meter semantics take as a replay).
                self._process(archived)
            except Exception:  # the supervisor: log, count, back off, go on
                log.exception("bridge processing failed; retrying")
                stop.wait(1.0)

    def step(self) -> None:
        """Take one batch (or the held one), archive it, ack it, process it (in this thread)."""
        self._process(self.intake())
        self._devices_changed()
        if self._catching_up.is_set() and self._retry.due():
            self._retry_pending()

    def intake(self) -> list[ArchivedUplink]:
        """Take one batch (or the held one), archive it and acknowledge it; returns the new uplinks."""
        batch = self._held or self._drain()
        if not batch:
            return []
        archived = self._keep(self._parse(batch))
        if archived is None:  # held unacknowledged, tried again at the next call
            self._held = batch
            return []
        self._held = []
        self._acknowledge(batch, archived)
        return archived

    def _acknowledge(self, batch: list[Message], archived: list[ArchivedUplink]) -> None:
        """An archived batch acknowledged to the broker, and the processor told of its uplinks."""
        self.source.ack(batch)
        if archived and self.on_archived is not None:
            self.on_archived()

    def _drain(self) -> list[Message]:
        try:
            first = self.source.messages.get(timeout=self.batch_wait_s)
        except queue.Empty:
            return []
        batch = [first]
        now = time.monotonic()
        closes, quiet = now + self.batch_linger_s, now + QUIET_S
        seen = 1
        while len(batch) < self.batch_size:
            try:
                batch.append(self.source.messages.get_nowait())
            except queue.Empty:
                now = time.monotonic()
                if len(batch) > seen:  # messages came since the last look
                    seen, quiet = len(batch), now + QUIET_S
                if now >= closes or now >= quiet:
                    break
                # Look again a little later rather than wake for each message: at a city's
                # steady rate, a wake-up per message cost as much as archiving it.
                time.sleep(min(closes - now, quiet - now, LINGER_STEP_S))
        return batch

    def _parse(self, batch: list[Message]) -> _Parsed:
        """A batch's envelopes read: its uplinks, battery reports and unreadable messages."""
        parsed = _Parsed(batch)
        for message in batch:
            try:
                event = parse(message.topic, message.payload, self.lns)
            except EnvelopeError as exc:
                parsed.dead.append((message, f"{type(exc).__name__}: {exc}"))
                continue
            except Exception as exc:  # a parser's bug: that message is kept, the others go on
                log.exception("envelope parser failed on a message on %s: kept as dead", message.topic)
                parsed.dead.append((message, f"parser failure, {type(exc).__name__}: {exc}"))
                continue
            if isinstance(event, Uplink):
                parsed.uplinks.append((event, self.source_name))
            elif isinstance(event, DeviceStatus):
                parsed.statuses.append((event.dev_eui, event.time, event.battery_level))
            elif isinstance(event, DeviceLog):
                self.counters.lns_logs += 1
                if event.level == "ERROR":
                    log.debug(
                        "network server error for %s: %s %s", event.dev_eui, event.code, event.description
                    )
            else:
                self.counters.ignored += 1
        return parsed

    def _keep(self, parsed: _Parsed) -> list[ArchivedUplink] | None:
        """Archive a parsed batch in the archive's database; None when it is unavailable (after
        a wait, doubled at each failure in a row: the caller holds the batch unacknowledged and
        tries again)."""
        batch, uplinks, dead = parsed.batch, parsed.uplinks, parsed.dead
        try:
            for message, error in dead:
                self._intake.archive.dead_letter(message.topic, message.payload, error, self.source_name)
            archived = self._intake.accept(uplinks)
            if parsed.statuses:
                apply_status(self._intake.archive.engine, parsed.statuses)
        except DatabaseUnavailable:  # the caller keeps the batch unacknowledged and retries it
            self.counters.archive_failures += 1
            if self._archive_down_since is None:
                self._archive_down_since = time.monotonic()
                log.exception("archive unavailable; holding %d messages unacknowledged", len(batch))
            time.sleep(self._archive_delay)
            self._archive_delay = min(self._archive_delay * 2, ARCHIVE_MOST_S)
            return None
        if self._archive_down_since is not None:
            log.warning("archive back after %.0fs", time.monotonic() - self._archive_down_since)
            self._archive_down_since = None
            self._archive_delay = ARCHIVE_FIRST_S
        self.counters.messages += len(batch)
        self.counters.dead_letters += len(dead)
        self.counters.uplinks += len(archived)
        self.counters.duplicates += len(uplinks) - len(archived)
        return archived

    def _process(self, archived: Sequence[ArchivedUplink]) -> None:
        if self._catching_up.is_set():
            return  # while the store is down or a catch-up runs, new uplinks wait in the archive
        try:
            if archived:
                self.counters.add(self.ingestor.process(archived))
            self.ingestor.flush_if_due()  # also when the traffic stops
        except StoreError:  # uplinks stay pending in the archive
            self._store_failed(resume=True)
        except DatabaseUnavailable:
            self._store_failed()

    def _retry_pending(self) -> None:
        """Process what waits in the archive (``Ingestor.recover``), then hand the flow back to
        the intake: once more after that, for what it archived while the flag was changing."""
        # After a device change or a store failure, not the uplinks decoded and waiting for their
        # mark; after an archive failure, all of them.
        processed, self._processed = self._processed, None
        try:
            self.ingestor.recover(self.batch_size, self.counters.add, self._stop.is_set, processed)
            if self._stop.is_set():
                return
            self._catching_up.clear()
            # Those too: a catch-up that found only them wrote nothing, and marked nothing.
            self.ingestor.recover(self.batch_size, self.counters.add, self._stop.is_set, processed)
        except StoreError:  # still down
            self._store_failed(resume=True)
            return
        except DatabaseUnavailable:
            self._store_failed()
            return
        if (down := self._retry.recovered()) is not None:
            log.warning("store back after %.0fs; pending uplinks written", down)

    def _devices_changed(self) -> None:
        """A device provisioned or changed meanwhile (the API, a command, an import): what waits in
        the archive, its quarantined uplinks returned to processing among them, is processed now."""
        try:
            if self.ingestor.devices_changed():
                if not self._catching_up.is_set():
                    self._processed = self.ingestor.flushes.processed()
                self._catching_up.set()
        except DatabaseUnavailable:
            pass  # looked at again in a second

    def _store_failed(self, *, resume: bool = False) -> None:
        """``resume``: the store failed. The uplinks written and folded before the failure wait
        for their mark in the flush schedule, their rollups held (a failed flush keeps them): the
        catch-up takes again only the others, the batch it failed on among them. Taking them all
        again processed them as a replay: up to ``RELEVE_BRIDGE_DAY_FLUSH_S`` of uplinks whose
        hours, days and months were recomputed from the store. Else (the archive failed, its
        marks may be lost) all of them."""
        self._processed = self.ingestor.flushes.processed() if resume else None
        self._catching_up.set()
        self.counters.store_failures += 1
        if self._retry.failed():
            log.exception("store unavailable; uplinks kept in the archive and retried")

    def _summary(self) -> None:
        now = time.monotonic()
        if now - self._last_summary >= 60:
            self._last_summary = now
            log.info("bridge counters: %s", asdict(self.counters))
