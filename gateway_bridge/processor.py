"""The bridge's processing in a process of its own, reading the archive as its log.

One Python process runs on one core at a time (its interpreter lock). The bridge's two halves
share nothing but the archive: the intake (MQTT, envelopes, the archive insert, the ack) and the
processing (decoding, meter semantics, the store write, link statistics, the processing marks).
In two processes each has its own core: the intake archives and acknowledges what the broker
sends, and this loop processes what the archive holds as pending, oldest first, paging by id. A
crash of either loses nothing: what is archived and not processed stays pending (the rollups the
store held are written and their uplinks marked only at a flush, as in one process).

The archive's ids grow in commit order on SQLite (one writer at a time); on PostgreSQL a
transaction may commit after a later one, so whenever nothing is held for a flush the next look
starts from the first pending uplink again, as it does when a device was provisioned (its
quarantined uplinks return to pending with their old ids).

A store failure (InfluxDB down, or refusing) takes again the batch it failed on, and goes on from
there: the batches before it are written and folded, their rollups held until a flush writes them
(a failed flush keeps them held), and their marks wait in the flush schedule. Looking again from
the first pending uplink processed them all again as a replay: up to ``RELEVE_BRIDGE_DAY_FLUSH_S``
of uplinks whose hours, days and months were then recomputed from what is stored, in queries over
every series of the fleet (after a 10-minute outage of a city's InfluxDB, 145 MB more in the
processor within four seconds). An archive failure or any other error still looks again from the
first pending uplink: the marks of a flush may then be lost, and the replay writes them.
"""

from __future__ import annotations

import logging
import os
import select
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict

from gateway_bridge.counters import Counters
from gateway_bridge.memory import Trimmer
from gateway_bridge.retry import StoreRetry
from ingest.archive import ArchivedUplink
from ingest.pipeline import Ingestor, Prepared
from registry.errors import DatabaseUnavailable
from store.errors import StoreError

log = logging.getLogger(__name__)

Page = Prepared | list[ArchivedUplink]  # a page of the archive, read ahead (decoded) or not

RESCAN_S = 5.0  # at most this often, an idle processor looks again from the first pending uplink
WAKE_WAIT_S = 0.5  # with a wake pipe, how long an idle processor waits for the intake's word


class ArchiveProcessor:
    """Processes the archive's pending uplinks as the intake (another process) archives them."""

    def __init__(
        self, ingestor: Ingestor, *, batch_size: int = 500, poll_s: float = 0.02, wake_fd: int | None = None
    ) -> None:
        """``wake_fd``: a pipe the intake writes a byte to after each batch it archives; without
        it, the archive is looked at every ``poll_s`` while there is nothing to process."""
        self.ingestor = ingestor
        self.batch_size = batch_size
        self.poll_s = poll_s
        self.wake_fd = wake_fd
        self.counters = Counters()
        self._after = 0  # the last uplink id taken; 0: from the first pending one
        self._before = 0  # ``_after`` before the batch being processed (a store failure resumes there)
        self._rescanned = time.monotonic()
        self.retry = StoreRetry(ingestor.store.reachable)
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="archive-reader")
        self._next: tuple[int, Future[Prepared]] | None = None
        # After a device change, until the pages pass them: the uplinks decoded already and
        # waiting for their mark, which looking again from the first pending one would take again
        # (up to ``RELEVE_BRIDGE_DAY_FLUSH_S`` of uplinks, processed again as a replay).
        self._processed: Callable[[int], bool] | None = None
        self._processed_below = 0
        self._trim = Trimmer()

    def run(self, stop: threading.Event) -> None:
        """Process until ``stop`` is set, then write what the store holds and mark its uplinks."""
        self.ingestor.hold()
        summary = time.monotonic()
        while not stop.is_set():
            try:
                if not self.step():
                    self._idle(stop)
            except StoreError:  # the batch it failed on stays pending, and is taken again
                self._failed(resume=True)
                self.retry.wait(stop)  # or less: until the store answers again (``StoreRetry``)
            except DatabaseUnavailable:
                self._failed()
                self.retry.wait_out(stop)
            except Exception:  # the supervisor: log, back off, go on
                log.exception("bridge processing failed; retrying")
                self._after, self._processed = 0, None
                stop.wait(1.0)
            self._trim()
            if time.monotonic() - summary >= 60:
                summary = time.monotonic()
                log.info("bridge processor counters: %s", asdict(self.counters))
        self.close()
        try:
            self.ingestor.release()
        except (StoreError, DatabaseUnavailable):
            log.warning("store unavailable at stop: uplinks since the last flush stay pending")

    def step(self) -> bool:
        """Process the next pending batch; True when more may be waiting (the page was full). A
        page that was not full was all there was: the intake's word (the wake pipe) says when
        there is more, and looking again at once would only find nothing (at a city's steady
        rate, an archive read more per batch). False too when there was none (a flush may have
        been due)."""
        if self.ingestor.devices_changed():
            self._processed, self._processed_below = self.ingestor.flushes.processed(), self._after
            self._after = 0
        self._before = self._after
        taken, last, full = self._take()
        batch = taken.batch if isinstance(taken, Prepared) else taken
        if not batch and last > self._after:  # a page of uplinks processed already
            self._after = last
            return full
        if batch:
            self._after = last
            # A full page: the next one is read and decoded (``Ingestor.prepare``) while this one
            # is processed, mostly while this thread waits on the store's write. A page that was
            # not full is the intake's latest batch: the next is not archived yet, and reading
            # ahead would only find nothing (at a city's steady rate, two reads more per batch).
            if full:
                self._next = (self._after, self._reader.submit(self._ahead, self._after))
            self.counters.add(self.ingestor.process(taken))
            self._recovered()
            return full
        self.ingestor.flush_if_due()
        self._recovered()
        now = time.monotonic()
        if self._after and self.ingestor.flushes.idle() and now - self._rescanned >= RESCAN_S:
            self._after, self._rescanned = 0, now
        return False

    def _idle(self, stop: threading.Event) -> None:
        """Wait for the intake's next batch, or ``WAKE_WAIT_S`` (flushes are due by time too)."""
        if self.wake_fd is None:
            stop.wait(self.poll_s)
            return
        readable, _, _ = select.select([self.wake_fd], [], [], WAKE_WAIT_S)
        if readable and not os.read(self.wake_fd, 65536):
            stop.set()  # the bridge is gone: what is held is written and marked, then this ends

    def _pending(self, after: int) -> list[ArchivedUplink]:
        return self.ingestor.archive.pending(self.batch_size, after_id=after)

    def _ahead(self, after: int) -> Prepared:
        return self.ingestor.prepare(self._pending(after))

    def _take(self) -> tuple[Page, int, bool]:
        """The page after ``_after``: the one read ahead (and decoded) if it is that one, else
        read now (and decoded by ``process``); with the last id it reached, and whether it was
        full."""
        ahead, self._next = self._next, None
        if ahead is not None:
            after, future = ahead
            try:
                page = future.result()
            except DatabaseUnavailable:
                page = None
            if after == self._after and page is not None and page.batch:
                return self._unprocessed(page)  # (an empty page read ahead may be stale)
        return self._unprocessed(self._pending(self._after))

    def _unprocessed(self, page: Page) -> tuple[Page, int, bool]:
        """The page without the uplinks processed already (``_processed``), its last id, and
        whether it was full."""
        batch = page.batch if isinstance(page, Prepared) else page
        if not batch:
            return page, self._after, False
        last, full, waits = batch[-1].id, len(batch) >= self.batch_size, self._processed
        if waits is None:
            return page, last, full
        if last >= self._processed_below:
            self._processed = None  # past them: the next pages are new
        rest = [item for item in batch if not waits(item.id)]
        return (page if len(rest) == len(batch) else rest), last, full

    def close(self) -> None:
        self._reader.shutdown(wait=True)

    def _failed(self, *, resume: bool = False) -> None:
        """``resume``: the store failed; take again the batch it failed on, and go on from there
        (the module's doc). Else from the first pending uplink, all of them (a replay)."""
        self.counters.store_failures += 1
        if resume:
            self._after = self._before
        else:
            self._after, self._processed = 0, None
        if self.retry.failed():
            log.exception("store unavailable; uplinks kept in the archive and retried")

    def _recovered(self) -> None:
        if (down := self.retry.recovered()) is not None:
            log.warning("store back after %.0fs; pending uplinks written", down)


def die_with_parent(parent: int) -> None:
    """Be killed when the bridge that started this process dies (Linux), as its own thread was:
    a processor left running beside the next bridge's would process the same uplinks twice."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        log.warning("cannot ask to die with the parent process on this system")
    if os.getppid() != parent:  # the parent died before the request
        os._exit(1)
