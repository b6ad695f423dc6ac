"""A page decoded ahead (``Ingestor.prepare``, in the bridge processor's read-ahead thread) is
processed as the same page decoded at once, unless the devices were looked up afresh between the
two: then it is decoded again with what the registry says now."""

from __future__ import annotations

from pathlib import Path

from decoders import Frame
from ingest.archive import ArchivedUplink
from ingest.pipeline import Ingestor
from kernel.types import Reading
from registry import Device
from tests.fakes import MemoryStore
from tests.unit.ingest.test_ingest_faults import EUIS, T0, open_env, up

NEW = "0102030405060799"


def values(store: MemoryStore) -> dict[object, tuple[float, float | None]]:
    return {key: (r.value, r.delta) for key, r in store.points.items()}


def test_a_page_prepared_ahead_is_processed_as_the_page_itself(tmp_path: Path) -> None:
    at_once, ahead = MemoryStore(), MemoryStore()
    a, b = open_env(tmp_path, "once", at_once), open_env(tmp_path, "ahead", ahead)
    uplinks = [up(eui, i, 100 + 7 * i, T0.replace(minute=i)) for i in range(12) for eui in EUIS]
    for half in (uplinks[:12], uplinks[12:]):
        report_a = a.process(a.accept([(u, "t") for u in half]))
        report_b = b.process(b.prepare(b.accept([(u, "t") for u in half])))
        assert report_a == report_b
        assert report_b.decoded == 12
    assert values(ahead) == values(at_once)
    assert len(ahead.points) == 2 * 24  # the counter and the battery


def test_a_page_prepared_before_its_device_was_provisioned_is_decoded_again(tmp_path: Path) -> None:
    store = MemoryStore()
    ingestor: Ingestor = open_env(tmp_path, "late", store)
    archived = ingestor.accept([(up(NEW, i, 100 + i, T0.replace(minute=i)), "t") for i in range(3)])
    prepared = ingestor.prepare(archived)
    assert prepared.report.unknown_device == 3  # quarantined, as far as this page knew
    town = ingestor.registry.owner_tenant()
    ingestor.registry.add_devices([Device(NEW, town.id, "eau", "netvox/r718h")])
    ingestor.devices.clear()  # what ``Ingestor.devices_changed`` does once it sees the change
    report = ingestor.process(prepared)
    assert (report.decoded, report.unknown_device) == (3, 0)
    assert {key[0] for key in store.points} == {NEW}


def test_a_page_prepared_with_the_current_devices_is_not_decoded_again(tmp_path: Path) -> None:
    ingestor = open_env(tmp_path, "same", MemoryStore())
    ingestor.process(ingestor.accept([(up(EUIS[0], 0, 99, T0), "t")]))  # (a first batch looks afresh)
    prepared = ingestor.prepare(ingestor.accept([(up(EUIS[0], 1, 100, T0.replace(minute=15)), "t")]))
    decoded: list[ArchivedUplink] = []
    real = ingestor.read

    def read(item: ArchivedUplink, device: Device) -> tuple[Frame, list[Reading]]:
        decoded.append(item)
        return real(item, device)

    ingestor.read = read  # type: ignore[method-assign]
    assert ingestor.process(prepared).decoded == 1
    assert decoded == []
