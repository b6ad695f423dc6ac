"""Link statistics (frames, frames lost, last seen, battery) under replays: an uplink processed
again after a crash, a failed flush or a chunked flush cut short counts once, as in an
uninterrupted run of the same traffic."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from ingest.archive import Archive
from ingest.flushing import FlushPolicy
from ingest.pipeline import Ingestor
from kernel.types import Uplink
from registry import Device, schema
from store.errors import StoreUnavailable
from store.protocol import CLOSED_AFTER
from tests.fakes import MemoryStore
from tests.unit.ingest.test_ingest_faults import EUIS, T0, open_env, up


class HoldingStore(MemoryStore):
    """Holds its rollups as the InfluxDB store does (its uplinks are marked at a flush); a flush
    can fail, or take ``partial`` calls before it has written everything."""

    def __init__(self) -> None:
        super().__init__()
        self.flush_fails = False
        self.partial = 0

    def hold_rollups(self, hold: bool, *, closed_after: int = CLOSED_AFTER) -> bool:
        return hold

    def flush(self, limit: int | None = None, *, periods: bool = True) -> bool:
        if self.flush_fails:
            raise StoreUnavailable("flush refused (test)")
        if limit is not None and self.partial:
            self.partial -= 1
            return False
        return True


def traffic() -> list[Uplink]:
    """Two meters every 15 minutes; every seventh frame of each is lost on the air."""
    times = [(i, T0 + timedelta(minutes=15 * i)) for i in range(60) if i % 7 != 3]
    return [up(eui, i, 100 + 7 * i, at) for i, at in times for eui in EUIS]


def holding(tmp_path: Path, name: str, store: HoldingStore, policy: FlushPolicy) -> Ingestor:
    base = open_env(tmp_path, name, store)
    ingestor = Ingestor(base.registry, Archive(base.registry.engine), store, flush=policy)
    ingestor.hold()
    return ingestor


def feed(ingestor: Ingestor, uplinks: list[Uplink], size: int = 10) -> None:
    for i in range(0, len(uplinks), size):
        ingestor.process(ingestor.accept([(u, "test") for u in uplinks[i : i + size]]))


def links(ingestor: Ingestor) -> dict[str, tuple[Any, ...]]:
    with ingestor.archive.engine.connect() as conn:
        rows = conn.execute(select(schema.device_link)).all()
    return {row.dev_eui: tuple(row) for row in rows}


@pytest.fixture
def reference(tmp_path: Path) -> Iterator[dict[str, tuple[Any, ...]]]:
    clean = holding(tmp_path, "clean", HoldingStore(), FlushPolicy(every_s=3600))
    feed(clean, traffic())
    clean.flush()
    yield links(clean)
    clean.registry.close()


def test_the_reference_counts_frames_and_losses(reference: dict[str, tuple[Any, ...]]) -> None:
    row = reference[EUIS[0]]
    frames, lost, last_f_cnt = row[3], row[4], row[2]
    assert (frames, lost, last_f_cnt) == (51, 8, 58)


def test_uplinks_processed_again_after_a_crash_count_once(
    tmp_path: Path, reference: dict[str, tuple[Any, ...]]
) -> None:
    store = HoldingStore()
    first = holding(tmp_path, "crash", store, FlushPolicy(every_s=3600))
    feed(first, traffic()[:70])
    # Killed before its flush: a new process takes everything pending again, then the rest.
    reborn = Ingestor(first.registry, first.archive, store, flush=FlushPolicy(every_s=3600))
    reborn.hold()
    assert reborn.recover(limit=25) == 70
    feed(reborn, traffic()[70:])
    reborn.flush()
    assert links(reborn) == reference
    first.registry.close()


def test_a_failed_flush_and_its_replay_count_once(
    tmp_path: Path, reference: dict[str, tuple[Any, ...]]
) -> None:
    store = HoldingStore()
    ingestor = holding(tmp_path, "failed", store, FlushPolicy(every_s=3600))
    uplinks = traffic()
    feed(ingestor, uplinks[:40])
    store.flush_fails = True
    with pytest.raises(StoreUnavailable):
        ingestor.flush()
    feed(ingestor, uplinks[40:60])
    store.flush_fails = False
    ingestor.recover(limit=15)  # the processor after a store failure: from the first pending one
    feed(ingestor, uplinks[60:])
    ingestor.flush()
    assert links(ingestor) == reference


def test_a_chunked_flush_marks_what_it_sealed_and_a_replay_meanwhile_counts_once(
    tmp_path: Path, reference: dict[str, tuple[Any, ...]]
) -> None:
    store = HoldingStore()
    ingestor = holding(tmp_path, "chunked", store, FlushPolicy(every_s=3600, max_uplinks=25))
    uplinks = traffic()
    store.partial = 2  # the flush that begins at 30 uplinks takes three batches to end
    feed(ingestor, uplinks[:30])
    assert links(ingestor) == {}
    feed(ingestor, uplinks[30:40])
    ingestor.recover(limit=10)  # a replay while the flush is under way (a store failure)
    feed(ingestor, uplinks[40:50])
    sealed = links(ingestor)
    assert sealed and all(row[3] < reference[eui][3] for eui, row in sealed.items())
    feed(ingestor, uplinks[50:])
    ingestor.flush()
    assert links(ingestor) == reference
    states = {row[1] for row in ingestor.archive.select(limit=200)}
    assert states == {"decoded"}


def test_a_quarantined_uplink_counts_once_its_device_is_provisioned(tmp_path: Path) -> None:
    ingestor = holding(tmp_path, "quarantine", HoldingStore(), FlushPolicy(every_s=3600))
    stranger = "0102030405060799"
    early = [up(stranger, i, 10 + i, T0 + timedelta(minutes=15 * i)) for i in range(5)]
    feed(ingestor, early)
    ingestor.flush()
    assert stranger not in links(ingestor)  # the quarantine lists it, from the archive
    ingestor.registry.add_devices(
        [Device(stranger, ingestor.registry.owner_tenant().id, "eau 9", "netvox/r718h")]
    )
    assert ingestor.archive.release_quarantine(stranger) == 5
    ingestor.devices.clear()
    assert ingestor.recover(limit=2) == 5
    feed(ingestor, [up(stranger, 7, 30, T0 + timedelta(minutes=105))])
    ingestor.flush()
    row = links(ingestor)[stranger]
    assert (row[3], row[4], row[2]) == (6, 2, 7)  # frames, lost (5 and 6), last counter
