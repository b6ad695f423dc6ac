"""Re-decoding after a model change: failed frames become readings, with consumption recomputed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ingest.archive import Archive
from ingest.pipeline import Ingestor
from ingest.reprocess import reprocess
from registry import Device, open_registry
from tests.fakes import MemoryStore
from tests.unit.ingest.test_pipeline import EUI, T0, r718h, up


def test_model_change_then_reprocess(tmp_path: Path) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    town = registry.owner_tenant()
    # Provisioned with the wrong model: the R718H frames fail to decode as an EM300-DI.
    registry.add_devices([Device(EUI, town.id, "eau", "milesight-iot/em300-di")])
    store = MemoryStore()
    ingestor = Ingestor(registry, Archive(registry.engine), store)
    ingestor.process(ingestor.accept([(up(i, r718h(100 + 10 * i), 15 * i), "t") for i in range(1, 4)]))
    assert {s for _, s, _, _ in ingestor.archive.select()} == {"failed"}
    assert store.points == {}

    registry.set_model(EUI, "netvox/r718h")
    fixed = Ingestor(registry, Archive(registry.engine), store)
    (dry,) = reprocess(fixed, [registry.get_device(EUI)], T0 - timedelta(days=1), dry_run=True)
    assert (dry.now_decoded, dry.added, store.points) == (3, 6, {})
    (report,) = reprocess(fixed, [registry.get_device(EUI)], T0 - timedelta(days=1))
    assert (report.uplinks, report.now_decoded, report.added, report.removed) == (3, 3, 6, 0)
    counts = store.query(EUI, T0, T0 + timedelta(days=1), ["pulse_count"])
    assert [(r.value, r.delta) for r in counts] == [(110.0, None), (120.0, 10.0), (130.0, 10.0)]
    assert {s for _, s, _, _ in fixed.archive.select()} == {"decoded"}
    # Reprocessing again changes nothing.
    (again,) = reprocess(fixed, [registry.get_device(EUI)], T0 - timedelta(days=1))
    assert (again.added, again.changed, again.removed) == (0, 0, 0)
    registry.close()


def test_a_running_bridge_decodes_with_the_new_model_at_once(tmp_path: Path) -> None:
    """A model changed (or an AppSKey stored) while the bridge runs is announced to it: the next
    uplinks are decoded with it, not after the known devices' cache expires (an hour)."""
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    registry.add_devices([Device(EUI, registry.owner_tenant().id, "eau", "milesight-iot/em300-di")])
    ingestor = Ingestor(registry, Archive(registry.engine), MemoryStore())
    ingestor.devices_changed(every_s=0)  # the first look: the count as it is
    first = ingestor.process(ingestor.accept([(up(1, r718h(100), 15), "t")]))
    assert (first.decoded, first.failed) == (0, 1)
    registry.set_model(EUI, "netvox/r718h")
    assert ingestor.devices_changed(every_s=0)
    after = ingestor.process(ingestor.accept([(up(2, r718h(110), 30), "t")]))
    assert (after.decoded, after.failed) == (1, 0)
    registry.set_app_skey(EUI, None)
    assert ingestor.devices_changed(every_s=0)
    registry.close()
