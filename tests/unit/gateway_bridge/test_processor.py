"""The bridge in two halves (``releve bridge``'s two processes, here two threads): the intake
archives and acknowledges, the processor processes what the archive holds. Every reading and
delta is the one processing in one process gives, through a store outage and a device
provisioned after its first uplinks."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from gateway_bridge.envelopes import parse
from gateway_bridge.mqtt import Message
from gateway_bridge.processor import ArchiveProcessor
from gateway_bridge.service import Bridge
from ingest.archive import Archive
from ingest.flushing import FlushPolicy
from ingest.intake import Intake
from ingest.pipeline import Ingestor
from kernel.types import Reading, Uplink
from registry import Device, Registry, open_registry, store_edits
from store.errors import StoreUnavailable
from tests.fakes import MemoryStore
from tests.unit.gateway_bridge.test_catch_up import EUI, CountingSource, uplink_body
from tests.unit.ingest.test_pipeline import HoldingStore, r718h, up

OTHER = "0102030405060709"
TOPIC = "application/a/device/{}/event/up"


def registry_at(path: Path) -> Registry:
    registry = open_registry(f"sqlite:///{path}")
    registry.add_devices([Device(EUI, registry.owner_tenant().id, "eau", "netvox/r718h")])
    return registry


@contextmanager
def two_halves(registry: Registry, store: MemoryStore) -> Iterator[tuple[CountingSource, ArchiveProcessor]]:
    archive = Archive(registry.engine)
    source = CountingSource()
    read, write = os.pipe()  # the wake pipe, as between releve bridge's two processes
    intake = Bridge(
        source,
        Intake(archive),
        batch_size=7,
        batch_wait_s=0.02,
        on_archived=lambda: wake(write),
    )
    processor = ArchiveProcessor(Ingestor(registry, archive, store), batch_size=5, wake_fd=read)
    stop = threading.Event()
    threads = [
        threading.Thread(target=intake.run, args=(stop,)),
        threading.Thread(target=processor.run, args=(stop,)),
    ]
    for thread in threads:
        thread.start()
    try:
        yield source, processor
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        os.close(read)
        os.close(write)


def wake(fd: int) -> None:
    os.write(fd, b"\0")


def send(source: CountingSource, eui: str, f_cnts: range) -> None:
    for n in f_cnts:
        source.messages.put(
            Message(TOPIC.format(eui), uplink_body(n).replace(EUI.encode(), eui.encode()), n + 1, 1, 0)
        )


def wait(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def in_one_process(tmp_path: Path) -> dict[object, tuple[float, float | None]]:
    """The same uplinks through ``Ingestor.process`` in one thread: the reference."""
    registry = registry_at(tmp_path / "one.db")
    store = MemoryStore()
    archive = Archive(registry.engine)
    ingestor = Ingestor(registry, archive, store)
    archived = archive.store([(up, "x") for up in uplinks(range(60))])
    ingestor.process(archived)
    registry.close()
    return {key: (r.value, r.delta) for key, r in store.points.items()}


def uplinks(f_cnts: range) -> list[Uplink]:
    parsed = [parse(TOPIC.format(EUI), uplink_body(n)) for n in f_cnts]
    return [up for up in parsed if isinstance(up, Uplink)]


def test_the_processor_stores_what_the_intake_archived_as_one_process_does(tmp_path: Path) -> None:
    expected = in_one_process(tmp_path)
    registry = registry_at(tmp_path / "r.db")
    store = MemoryStore()
    with two_halves(registry, store) as (source, processor):
        send(source, EUI, range(60))
        wait(lambda: source.acked == 60 and len(store.points) == len(expected))
    assert source.acked == 60
    assert {key: (r.value, r.delta) for key, r in store.points.items()} == expected
    assert Archive(registry.engine).pending(limit=1) == []  # marked once the processor stopped
    assert processor.counters.decoded == 60
    registry.close()


def test_a_store_outage_leaves_the_uplinks_pending_and_changes_no_number(tmp_path: Path) -> None:
    expected = in_one_process(tmp_path)
    registry = registry_at(tmp_path / "r.db")
    store = MemoryStore()
    with two_halves(registry, store) as (source, processor):
        send(source, EUI, range(20))
        wait(lambda: len(store.points) >= 20)
        store.down = True
        send(source, EUI, range(20, 60))
        wait(lambda: source.acked == 60 and processor.counters.store_failures > 0)
        assert source.acked == 60  # the intake went on archiving and acknowledging
        store.down = False
        wait(lambda: len(store.points) == len(expected), 40)
    assert {key: (r.value, r.delta) for key, r in store.points.items()} == expected
    assert Archive(registry.engine).pending(limit=1) == []
    registry.close()


def test_a_store_back_after_a_long_outage_is_written_at_once(tmp_path: Path) -> None:
    """After four failures the next try would be 8 s later; the store answers its ping within a
    second of coming back, and the processor tries at once (``StoreRetry``)."""
    registry = registry_at(tmp_path / "r.db")
    store = MemoryStore()
    store.down = True
    with two_halves(registry, store) as (source, processor):
        send(source, EUI, range(10))
        wait(lambda: processor.counters.store_failures >= 4, 30)
        assert not store.points
        store.down = False
        back = time.monotonic()
        wait(lambda: len(store.points) >= 10, 30)
        assert time.monotonic() - back < 4.0
    registry.close()


def test_a_device_provisioned_later_has_its_quarantined_uplinks_processed(tmp_path: Path) -> None:
    registry = registry_at(tmp_path / "r.db")
    store = MemoryStore()
    archive = Archive(registry.engine)
    with two_halves(registry, store) as (source, _processor):
        send(source, OTHER, range(5))
        wait(lambda: len(archive.quarantine()) == 1)
        assert not store.points
        registry.add_devices([Device(OTHER, registry.owner_tenant().id, "eau 2", "netvox/r718h")])
        archive.release_quarantine(OTHER)
        store_edits.devices_changed(registry.engine)
        # at once, not at the processor's next look from the first pending uplink (RESCAN_S)
        wait(lambda: len({k for k in store.points if k[0] == OTHER}) >= 5, 3.0)
    assert len({k[3] for k in store.points if k[0] == OTHER and k[1] == "pulse_count"}) == 5
    registry.close()


def test_the_processor_ends_when_the_bridge_is_gone(tmp_path: Path) -> None:
    """The intake's end of the wake pipe closed (its process died): the processor writes what it
    holds, marks it, and ends, rather than run beside the next bridge's processor."""
    registry = registry_at(tmp_path / "r.db")
    read, write = os.pipe()
    processor = ArchiveProcessor(Ingestor(registry, Archive(registry.engine), MemoryStore()), wake_fd=read)
    stop = threading.Event()
    runner = threading.Thread(target=processor.run, args=(stop,))
    runner.start()
    os.close(write)
    runner.join(5)
    assert not runner.is_alive() and stop.is_set()
    os.close(read)
    registry.close()


def test_a_device_change_takes_again_only_what_may_decode_otherwise(tmp_path: Path) -> None:
    """The current days held, nothing is marked for minutes: a device change makes the processor
    look again from the first pending uplink, where it takes the quarantined ones again (their
    device may be provisioned now), not the decoded ones waiting for their mark."""
    registry = registry_at(tmp_path / "r.db")
    archive = Archive(registry.engine)
    store = HoldingStore()
    store.kept_points = 2  # every flush leaves the current days held: nothing is marked
    policy = FlushPolicy(every_s=1e-9, periods_every_s=3600)
    ingestor = Ingestor(registry, archive, store, flush=policy)
    ingestor.hold()
    ingestor.accept([(up(n, r718h(n), n), "test") for n in range(1, 7)])
    ingestor.accept([(up(n, r718h(n), n, eui=OTHER), "test") for n in range(1, 3)])
    processor = ArchiveProcessor(ingestor, batch_size=3)
    while processor.step():
        pass
    assert (processor.counters.decoded, processor.counters.unknown_device) == (6, 2)
    assert len(archive.pending()) == 8  # none marked yet

    registry.add_devices([Device(OTHER, registry.owner_tenant().id, "eau 2", "netvox/r718h")])
    store_edits.devices_changed(registry.engine)
    time.sleep(1.1)  # the processor looks for device changes once a second
    while processor.step():
        pass
    assert (processor.counters.decoded, processor.counters.unknown_device) == (8, 2)
    ingestor.release()
    processor.close()
    assert archive.pending() == [] and not archive.quarantine()
    registry.close()


class FailingOnce(HoldingStore):
    """A holding store whose ``fail_at``-th write fails once (InfluxDB down for a moment); it
    records the uplinks each write carried."""

    def __init__(self, fail_at: int) -> None:
        super().__init__()
        self.fail_at = fail_at
        self.calls = 0
        self.written: list[int] = []

    def write(self, readings: Sequence[Reading]) -> None:
        self.calls += 1
        if self.calls == self.fail_at:
            raise StoreUnavailable("InfluxDB down for a moment (test)")
        super().write(readings)
        self.written += sorted({r.uplink_id for r in readings if r.uplink_id is not None})


def test_a_store_failure_takes_again_the_batch_it_failed_on_and_not_those_before(tmp_path: Path) -> None:
    """The current days held, the uplinks before the failure wait for their mark, written and
    folded: the processor takes again only the batch the store failed on, then goes on. Looking
    again from the first pending uplink wrote every one of them again (after a city's outage,
    minutes of uplinks recomputed from the store, as a replay)."""
    registry = registry_at(tmp_path / "r.db")
    archive = Archive(registry.engine)
    store = FailingOnce(fail_at=3)
    store.kept_points = 2  # every flush leaves the current days held: nothing is marked
    ingestor = Ingestor(registry, archive, store, flush=FlushPolicy(every_s=1e-9, periods_every_s=3600))
    ids = [a.id for a in ingestor.accept([(up(n, r718h(n), n), "test") for n in range(1, 13)])]
    processor = ArchiveProcessor(ingestor, batch_size=3, poll_s=0.01)
    stop = threading.Event()
    runner = threading.Thread(target=processor.run, args=(stop,))
    runner.start()
    wait(lambda: processor.counters.decoded >= 12, 10)
    stop.set()
    runner.join(10)
    assert processor.counters.store_failures == 1
    assert store.written == ids  # each once, in order: the failed batch once it was taken again
    assert archive.pending() == []  # all marked at the stop
    processor.close()
    registry.close()


def one_process(
    registry: Registry, store: HoldingStore, uplinks: int
) -> tuple[Archive, Ingestor, CountingSource, Bridge]:
    """A thread-mode bridge over ``store``, ``uplinks`` messages waiting in batches of 3; every
    flush leaves the current days held, so nothing is marked until the stop."""
    archive = Archive(registry.engine)
    store.kept_points = 2
    ingestor = Ingestor(registry, archive, store, flush=FlushPolicy(every_s=1e-9, periods_every_s=3600))
    ingestor.hold()
    source = CountingSource()
    for n in range(uplinks):
        source.messages.put(Message(f"application/a/device/{EUI}/event/up", uplink_body(n), n + 1, 1, 0))
    return (
        archive,
        ingestor,
        source,
        Bridge(source, ingestor, batch_size=3, batch_wait_s=0.01, batch_linger_s=0.0),
    )


def test_in_one_process_a_store_failure_takes_again_the_batch_it_failed_on_and_not_those_before(
    tmp_path: Path,
) -> None:
    """The thread-mode bridge (``releve run``, shared-subscription workers), as the processor
    process above: after the failure its catch-up takes again the failed batch and those archived
    since, not the batches written and folded before it, which wait for their mark."""
    registry = registry_at(tmp_path / "r.db")
    store = FailingOnce(fail_at=3)
    archive, ingestor, source, bridge = one_process(registry, store, 12)
    deadline = time.monotonic() + 10
    while bridge.counters.decoded < 12 and time.monotonic() < deadline:
        bridge.step()
    assert source.acked == 12 and bridge.counters.store_failures == 1
    # each once, in order: the failed batch once it was taken again
    assert len(store.written) == 12 and store.written == sorted(set(store.written))
    ingestor.release()
    assert archive.pending() == []
    registry.close()


class FlushFailingOnce(FailingOnce):
    """A holding store whose ``fail_at``-th flush fails once (InfluxDB down while it flushes)."""

    def __init__(self, fail_at: int) -> None:
        super().__init__(fail_at=0)
        self.flush_fail_at = fail_at
        self.flush_calls = 0

    def flush(self, limit: int | None = None, *, periods: bool = True) -> bool:
        self.flush_calls += 1
        if self.flush_calls == self.flush_fail_at:
            raise StoreUnavailable("InfluxDB down during a flush (test)")
        return super().flush(limit, periods=periods)


def test_in_one_process_a_failed_flush_takes_again_no_uplink(tmp_path: Path) -> None:
    """Both batches written and folded, the flush after the last fails: the catch-up finds only
    uplinks waiting for their mark, and takes none of them again (the flush is tried again)."""
    registry = registry_at(tmp_path / "r.db")
    store = FlushFailingOnce(fail_at=4)  # the flush after the second batch (the first: ``hold``)
    archive, ingestor, _source, bridge = one_process(registry, store, 6)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not (
        bridge.counters.store_failures and bridge._retry.down_since is None
    ):
        bridge.step()
    assert bridge.counters.store_failures == 1 and bridge._retry.down_since is None
    assert len(store.written) == 6 and store.written == sorted(set(store.written))  # each once
    ingestor.release()
    assert archive.pending() == []
    registry.close()
