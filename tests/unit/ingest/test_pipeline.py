"""The ingest pipeline: unknown devices quarantined, bad frames kept with their error, consumption
computed in reading-time order with rollovers and late readings."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from ingest.archive import Archive, Mark
from ingest.flushing import FlushPolicy, FlushSchedule
from ingest.pipeline import Ingestor
from kernel.types import Lns, Uplink
from registry import Device, Registry, open_registry
from store.protocol import CLOSED_AFTER
from tests.fakes import MemoryStore

EUI = "0102030405060708"
T0 = datetime(2026, 6, 1, 8, tzinfo=UTC)


def r718h(pulses: int, volts: float = 3.6) -> bytes:
    """A Netvox R718H pulse report (port 6, type 0x01): battery byte, 16-bit counter."""
    return bytes([0x01, 0x1F, 0x01, int(volts * 10)]) + pulses.to_bytes(2, "big") + bytes(5)


def up(f_cnt: int, payload: bytes, minutes: int, eui: str = EUI, port: int = 6) -> Uplink:
    return Uplink(
        dev_eui=eui,
        f_port=port,
        f_cnt=f_cnt,
        payload=payload,
        received_at=T0 + timedelta(minutes=minutes),
        lns=Lns.CHIRPSTACK_V4,
        dev_addr="0a0b0c0d",
    )


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Ingestor, Registry, MemoryStore]]:
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    town = registry.owner_tenant()
    registry.add_devices(
        [
            Device(
                EUI,
                town.id,
                "eau",
                "netvox/r718h",
                pulse_quantity="water_volume",
                pulse_weight=0.001,
                register_max=65536,
            )
        ]
    )
    store = MemoryStore()
    yield Ingestor(registry, Archive(registry.engine), store), registry, store
    registry.close()


def run(ingestor: Ingestor, uplinks: list[Uplink]) -> None:
    ingestor.process(ingestor.accept([(u, "test") for u in uplinks]))


def water(store: MemoryStore) -> list[tuple[datetime, float, float | None]]:
    rows = store.query(EUI, T0 - timedelta(days=1), T0 + timedelta(days=1), ["water_volume"])
    return [(r.ts, round(r.value, 6), None if r.delta is None else round(r.delta, 6)) for r in rows]


def test_pulses_become_volume_with_consumption_and_a_wrap(
    env: tuple[Ingestor, Registry, MemoryStore],
) -> None:
    ingestor, _, store = env
    run(ingestor, [up(1, r718h(65530), 0), up(2, r718h(65535), 15), up(3, r718h(4), 30)])
    assert [(v, d) for _, v, d in water(store)] == [(65.53, None), (65.535, 0.005), (0.004, 0.005)]


def test_late_reading_lands_in_its_time_and_corrects_the_next(
    env: tuple[Ingestor, Registry, MemoryStore],
) -> None:
    ingestor, _, store = env
    run(ingestor, [up(1, r718h(100), 0), up(3, r718h(130), 30)])
    assert [d for _, _, d in water(store)] == [None, 0.03]
    run(ingestor, [up(2, r718h(110), 15)])  # arrives last, measured in between
    assert [(v, d) for _, v, d in water(store)] == [(0.1, None), (0.11, 0.01), (0.13, 0.02)]


def test_replay_writes_nothing_new(env: tuple[Ingestor, Registry, MemoryStore]) -> None:
    ingestor, _, store = env
    batch = [up(1, r718h(100), 0), up(2, r718h(120), 15)]
    run(ingestor, batch)
    before = water(store)
    assert ingestor.accept([(u, "other-lns") for u in batch]) == []
    assert water(store) == before


def test_decrease_is_an_anomaly_not_a_consumption(env: tuple[Ingestor, Registry, MemoryStore]) -> None:
    from sqlalchemy import select

    from domain.alerts import AlertKind, evaluate
    from registry import schema

    ingestor, registry, store = env
    run(ingestor, [up(1, r718h(30000), 0), up(2, r718h(100), 15)])
    assert [d for _, _, d in water(store)] == [None, None]
    with registry.engine.connect() as conn:
        (row,) = conn.execute(select(schema.alarms)).all()
    assert row.kind == "index_anomaly" and "30" in row.detail
    findings = evaluate(registry, registry.engine, store, T0 + timedelta(minutes=20), "Europe/Paris")
    assert not [f for f in findings if f.kind is AlertKind.DEVICE_ALARM]
    (alarm,) = [f for f in findings if f.kind is AlertKind.METER_ANOMALY]
    assert "index went down" in alarm.message
    (seen,) = alarm.evidence["occurrences"]
    assert seen["value"] == 0.1 and seen["previous"]["value"] == 30.0 and seen["uplink_id"] is not None


def test_unknown_device_and_bad_frame_are_kept(env: tuple[Ingestor, Registry, MemoryStore]) -> None:
    ingestor, _, store = env
    stranger = "ffffffffffffff01"
    run(ingestor, [up(1, r718h(5), 0, eui=stranger), up(2, b"\x01\x1f", 5), up(3, r718h(7), 10)])
    archive = ingestor.archive
    states = {u.uplink.f_cnt: (s, e) for u, s, e, _ in archive.select(limit=10)}
    assert states[1][0] == "unknown_device"
    assert states[2][0] == "failed" and "BadLength" in (states[2][1] or "")
    assert states[3][0] == "decoded"
    assert [q.dev_eui for q in archive.quarantine()] == [stranger]
    assert len(water(store)) == 1


def test_store_outage_keeps_uplinks_pending_for_retry(env: tuple[Ingestor, Registry, MemoryStore]) -> None:
    from store.errors import StoreUnavailable

    ingestor, _, store = env
    archived = ingestor.accept([(up(1, r718h(5), 0), "t")])
    store.down = True
    with pytest.raises(StoreUnavailable):
        ingestor.process(archived)
    assert len(ingestor.archive.pending()) == 1
    store.down = False
    assert ingestor.recover() == 1
    assert ingestor.archive.pending() == [] and len(water(store)) == 1


class HoldingStore(MemoryStore):
    """A store that keeps its rollups until ``flush``, as InfluxDB's does for the bridge."""

    def __init__(self, chunks: int = 1) -> None:
        super().__init__()
        self.holding = False
        self.flushes = 0
        self.chunks = chunks  # calls a chunked flush takes
        self._left = 0
        self.held_points = 0  # what ``held`` reports
        self.kept_points = 0  # what a flush without periods leaves held (``kept``)
        self._kept = 0
        self.limits: list[int | None] = []
        self.periods: list[bool] = []  # each call's ``periods``

    def held(self) -> int:
        return self.held_points

    def kept(self) -> int:
        return self._kept

    def hold_rollups(self, hold: bool, *, closed_after: int = CLOSED_AFTER) -> bool:
        self.holding = hold
        return hold

    def flush(self, limit: int | None = None, *, periods: bool = True) -> bool:
        self.flushes += 1
        self.limits.append(limit)
        self.periods.append(periods)
        self._kept = 0 if periods else self.kept_points
        if limit is None:
            self._left = 0
            return True
        self._left = self._left - 1 if self._left else self.chunks - 1
        return self._left == 0


def test_uplinks_wait_for_the_rollups_only_where_the_store_holds_them(tmp_path: Path) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    registry.add_devices(
        [Device(EUI, registry.owner_tenant().id, "eau", "netvox/r718h", pulse_quantity="water_volume")]
    )
    archive = Archive(registry.engine)
    in_place = Ingestor(registry, archive, MemoryStore())
    in_place.hold()  # the store writes its rollups with each batch: nothing to wait for
    run(in_place, [up(1, r718h(5), 0)])
    assert archive.pending() == []

    store = HoldingStore()
    holding = Ingestor(registry, archive, store)
    holding.hold()
    run(holding, [up(2, r718h(6), 15)])
    assert [u.uplink.f_cnt for u in archive.pending()] == [2]  # a crash now replays it
    holding.release()  # the bridge stops: the held rollups are written, then the uplink is marked
    assert store.flushes >= 1 and not store.holding and archive.pending() == []
    registry.close()


def test_a_flush_spread_over_batches_marks_its_uplinks_when_it_ends(tmp_path: Path) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    registry.add_devices(
        [Device(EUI, registry.owner_tenant().id, "eau", "netvox/r718h", pulse_quantity="water_volume")]
    )
    archive = Archive(registry.engine)
    # held a nanosecond: due at once (the current days and months too)
    policy = FlushPolicy(every_s=1e-9, periods_every_s=0)
    ingestor = Ingestor(registry, archive, HoldingStore(chunks=3), flush=policy)
    ingestor.hold()
    run(ingestor, [up(1, r718h(5), 0)])  # due: the flush starts, 1 of 3 chunks
    run(ingestor, [up(2, r718h(6), 15)])  # 2 of 3
    assert [u.uplink.f_cnt for u in archive.pending()] == [1, 2]
    run(ingestor, [up(3, r718h(7), 30)])  # 3 of 3: uplink 1's rollups are written
    assert [u.uplink.f_cnt for u in archive.pending()] == [2, 3]  # theirs wait for the next flush
    ingestor.flush()  # all of it (the bridge stops)
    assert archive.pending() == []
    registry.close()


def test_a_flush_is_due_once_the_store_holds_too_much_whatever_the_time(tmp_path: Path) -> None:
    """A catch-up processes in seconds what an outage took minutes to send: what waits for a
    flush is bounded by count (rollup points held, uplinks behind them) as well as by time."""
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    registry.add_devices(
        [Device(EUI, registry.owner_tenant().id, "eau", "netvox/r718h", pulse_quantity="water_volume")]
    )
    archive = Archive(registry.engine)
    store = HoldingStore()
    # never due by time in this test
    policy = FlushPolicy(every_s=3600.0, max_points=100, max_uplinks=3, chunk=10)
    ingestor = Ingestor(registry, archive, store, flush=policy)
    ingestor.hold()
    store.limits.clear()
    store.held_points = 99
    run(ingestor, [up(1, r718h(5), 0)])
    assert [u.uplink.f_cnt for u in archive.pending()] == [1] and store.limits == []
    store.held_points = 100  # as many points held as allowed: the flush starts, and ends (one chunk)
    run(ingestor, [up(2, r718h(6), 15)])
    assert archive.pending() == [] and store.limits == [10]
    store.held_points = 0
    run(ingestor, [up(i, r718h(i), 15 * i) for i in (3, 4)])
    assert len(archive.pending()) == 2
    run(ingestor, [up(5, r718h(5), 75)])  # the third uplink waiting: due
    assert archive.pending() == []
    store.held_points = 150  # far over: the chunk takes the excess, so the held points stay bounded
    store.chunks = 2
    run(ingestor, [up(6, r718h(6), 90)])
    assert store.limits[-1] == 50 and len(archive.pending()) == 1
    registry.close()


def test_the_current_days_and_months_are_written_and_their_uplinks_marked_less_often() -> None:
    """Between two flushes of every period (``periods_every_s``), a flush writes the hours and the
    periods over; where it leaves current days and months held, it marks nothing (a crash
    replays the uplinks behind them), else it marks all it took."""
    store, now = HoldingStore(), [0.0]
    marked: list[Mark] = []
    store.kept_points = 2  # what a flush without the periods leaves held
    policy = FlushPolicy(every_s=30, max_points=100, max_uplinks=50, periods_every_s=300)
    flushes = FlushSchedule(store, lambda marks, _: marked.extend(marks), policy, clock=lambda: now[0])
    flushes.hold()
    store.periods.clear()

    def processed(n: int) -> None:
        flushes.add([Mark(i, "decoded", None, "d", 1) for i in range(n)])
        flushes.flush_if_due()

    for at in (10, 40, 70, 200):
        now[0] = at
        processed(1)
    assert store.periods == [False, False, False] and marked == []  # due at 40, 70 and 200
    now[0] = 300
    processed(1)
    assert store.periods[-1] is True and len(marked) == 5  # every period: all marked
    now[0] = 340
    store.kept_points = 0  # only periods over held (a catch-up of last week): all marked
    processed(1)
    assert store.periods[-1] is False and len(marked) == 6
    store.kept_points = 2
    store.held_points = 102  # 100 points held besides the current ones: due, not marked
    processed(1)
    assert store.periods[-1] is False and len(marked) == 6
    store.held_points, store.kept_points = 200, 100  # and this flush leaves 100 held...
    processed(1)
    assert store.periods[-1] is False and len(marked) == 6
    store.held_points = 100
    processed(1)  # ...as many as allowed: the next writes them, and marks all
    assert store.periods[-1] is True and len(marked) == 9
    processed(50)  # as many uplinks wait as allowed: all written, all marked
    assert store.periods[-1] is True and len(marked) == 59
    flushes.add([Mark(0, "decoded", None, "d", 1)])
    flushes.flush()  # the bridge stops: all of it
    assert store.limits[-1] is None and len(marked) == 60


def test_a_catch_up_pages_through_the_archive_and_flushes_once(tmp_path: Path) -> None:
    """After a store outage the bridge processes what waits in the archive (``Ingestor.recover``,
    a page per batch): the rollups are held as in the normal flow (one flush, not one per batch),
    and every uplink is marked at the end."""
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    registry.add_devices(
        [
            Device(
                EUI,
                registry.owner_tenant().id,
                "eau",
                "netvox/r718h",
                pulse_quantity="water_volume",
                pulse_weight=0.001,
            )
        ]
    )
    archive = Archive(registry.engine)
    store = HoldingStore()
    ingestor = Ingestor(registry, archive, store)
    ingestor.hold()
    ingestor.accept([(up(i, r718h(i), 15 * i), "t") for i in range(1, 8)])  # the outage's backlog
    flushes = store.flushes
    assert ingestor.recover(limit=2) == 7  # four pages
    assert store.flushes == flushes + 1  # the 4 batches' rollups written once, at the end
    assert archive.pending() == [] and len(water(store)) == 7
    registry.close()


def test_payloads_encrypted_with_the_towns_appskey_are_decrypted(tmp_path: Path) -> None:
    from ingest.lorawan_crypto import KeyWrapper, frm_payload

    registry = open_registry(f"sqlite:///{tmp_path / 'k.db'}")
    wrapper = KeyWrapper(bytes(range(32)))
    key = bytes.fromhex("ec925802ae430ca77fd3dd73cb2cc588")
    town = registry.owner_tenant()
    registry.add_devices(
        [Device(EUI, town.id, "eau", "netvox/r718h", app_skey_wrapped=wrapper.wrap(key, EUI))]
    )
    store = MemoryStore()
    secret = frm_payload(key, "0a0b0c0d", 7, r718h(1234))
    ingestor = Ingestor(registry, Archive(registry.engine), store, keys=wrapper)
    run(ingestor, [up(7, secret, 0)])
    (count,) = [r for r in store.points.values() if r.quantity == "pulse_count"]
    assert count.value == 1234
    # Without the master key the frame is kept, failed, with the reason.
    blind = Ingestor(registry, Archive(registry.engine), store)
    run(blind, [up(8, frm_payload(key, "0a0b0c0d", 8, r718h(1240)), 15)])
    failed = [(s, e) for _, s, e, _ in blind.archive.select(state="failed")]
    assert failed and "MASTER_KEY" in (failed[0][1] or "")
    registry.close()


def test_new_radio_device_on_the_same_meter_continues_the_point(tmp_path: Path) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'p.db'}")
    town = registry.owner_tenant()
    site = registry.ensure_site(town.id, "ecole")
    new = "0102030405060799"
    common: dict[str, Any] = {
        "pulse_quantity": "water_volume",
        "pulse_weight": 0.001,
        "site_id": site.id,
        "metering_point": "eau",
    }
    registry.add_devices(
        [
            Device(EUI, town.id, "ancien", "netvox/r718h", **common),
            Device(new, town.id, "nouveau", "netvox/r718h", **common),
        ]
    )
    store = MemoryStore()
    ingestor = Ingestor(registry, Archive(registry.engine), store)
    run(ingestor, [up(1, r718h(100), 0), up(2, r718h(150), 15)])
    # The old device died; the new one, clipped on the same meter, reads 170 a little later.
    run(ingestor, [up(1, r718h(170), 30, eui=new), up(2, r718h(200), 45, eui=new)])
    fresh = store.query(new, T0, T0 + timedelta(days=1), ["water_volume"])
    assert [round(r.delta or 0, 6) for r in fresh] == [0.02, 0.03]
    registry.close()


def test_a_metering_point_of_the_same_name_on_another_site_is_another_meter(tmp_path: Path) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'p.db'}")
    town = registry.owner_tenant()
    school, hall = registry.ensure_site(town.id, "ecole"), registry.ensure_site(town.id, "mairie")
    other = "0102030405060798"
    common: dict[str, Any] = {
        "pulse_quantity": "water_volume",
        "pulse_weight": 0.001,
        "metering_point": "eau",
    }
    registry.add_devices(
        [
            Device(other, town.id, "mairie", "netvox/r718h", site_id=hall.id, **common),
            Device(EUI, town.id, "ecole", "netvox/r718h", site_id=school.id, **common),
        ]
    )
    assert registry.metering_point_peers(registry.list_devices()) == {other: [], EUI: []}
    store = MemoryStore()
    ingestor = Ingestor(registry, Archive(registry.engine), store)
    run(ingestor, [up(1, r718h(900), 0, eui=other)])
    run(ingestor, [up(1, r718h(100), 15), up(2, r718h(150), 30)])
    assert [delta for _, _, delta in water(store)] == [None, 0.05]
    registry.close()


def test_an_erasure_elsewhere_is_not_the_history_of_the_next_reading(
    env: tuple[Ingestor, Registry, MemoryStore],
) -> None:
    """The bridge holds each meter's last index; an erasure (here through another process's code
    path, on the same store) is announced in the registry, and the bridge forgets that index."""
    from domain.portability.erasure import erase_device_data

    ingestor, registry, store = env
    run(ingestor, [up(1, r718h(100), 0), up(2, r718h(120), 15)])
    device = registry.find_device(EUI)
    assert device is not None
    erase_device_data(registry.engine, store, device, actor="test")
    run(ingestor, [up(3, r718h(130), 30)])
    assert water(store) == [(T0 + timedelta(minutes=30), 0.13, None)]


# A Laird RS1xx aggregate of two readings stamped with the last one (2026-06-01 08:00 UTC),
# 52.33 %RH / 98.67 degC then 53.34 %RH / 99.68 degC, battery index 5.
_LAIRD_AGGREGATE = bytes.fromhex("02000000000502" + "1578ae00" + "2134436222354463")


@pytest.mark.parametrize(
    ("tags", "state", "times"),
    [
        ({"read_period_s": "600"}, "decoded", [T0 - timedelta(minutes=10), T0]),
        ({}, "failed", []),
        ({"read_period_s": "ten minutes"}, "failed", []),
    ],
)
def test_an_aggregate_is_spread_over_the_provisioned_read_period(
    tmp_path: Path, tags: dict[str, str], state: str, times: list[datetime]
) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    registry.add_devices(
        [Device(EUI, registry.owner_tenant().id, "salle", "laird/rs1xx-temp-rh-sensor", tags=tags)]
    )
    store = MemoryStore()
    ingestor = Ingestor(registry, Archive(registry.engine), store)
    run(ingestor, [up(1, _LAIRD_AGGREGATE, 5, port=1), up(2, bytes.fromhex("0a001e03"), 6, port=1)])
    states = {u.uplink.f_cnt: (s, e) for u, s, e, _ in ingestor.archive.select(limit=10)}
    assert states[1][0] == state
    if state == "failed":
        assert "MissingConfig" in (states[1][1] or "") and "read_period_s" in (states[1][1] or "")
    # a frame that needs no configuration decodes without the tag; an unusable tag fails them all,
    # kept for a re-decoding, rather than half the device's frames being read with a guess
    assert states[2][0] == ("failed" if tags.get("read_period_s") == "ten minutes" else "decoded")
    rows = store.query(EUI, T0 - timedelta(days=1), T0 + timedelta(days=1), ["temperature"])
    assert [r.ts for r in rows] == times
    assert [r.value for r in rows] == ([98.67, 99.68] if times else [])
    registry.close()


def test_a_catch_up_after_a_device_change_leaves_the_decoded_uplinks_waiting_for_their_mark(
    tmp_path: Path,
) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    registry.add_devices([Device(EUI, registry.owner_tenant().id, "eau", "netvox/r718h")])
    archive = Archive(registry.engine)
    store = HoldingStore()
    store.kept_points = 2  # the current days held: nothing is marked
    ingestor = Ingestor(registry, archive, store, flush=FlushPolicy(every_s=1e-9, periods_every_s=3600))
    ingestor.hold()
    run(ingestor, [up(n, r718h(n), n) for n in range(1, 5)])
    run(ingestor, [up(1, r718h(1), 1, eui="0102030405060709")])  # quarantined
    assert len(archive.pending()) == 5
    assert ingestor.recover(limit=2, processed=ingestor.flushes.processed()) == 1  # the quarantined one
    assert archive.pending() == []  # its last flush wrote all and marked all
    registry.close()
