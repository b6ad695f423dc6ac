"""Numbers that stay true under faults: a failed or partial store write, a replay after a crash,
late readings, poisoned times and readings the store refuses, each compared with an
uninterrupted run of the same traffic."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ingest.archive import Archive
from ingest.pipeline import Ingestor
from ingest.plausibility import TimeBounds
from kernel.types import Lns, Reading, Uplink
from registry import Device, open_registry, schema
from store.errors import StoreRejected, StoreUnavailable
from store.protocol import Neighbourhood, SeriesSpan
from tests.fakes import MemoryStore

EUIS = ("0102030405060701", "0102030405060702")
T0 = datetime(2026, 6, 1, 8, tzinfo=UTC)


def r718h(pulses: int) -> bytes:
    """A Netvox R718H pulse report (port 6, type 0x01): battery byte, 16-bit counter."""
    return bytes([0x01, 0x1F, 0x01, 36]) + pulses.to_bytes(2, "big") + bytes(5)


def up(eui: str, f_cnt: int, pulses: int, at: datetime) -> Uplink:
    return Uplink(
        dev_eui=eui,
        f_port=6,
        f_cnt=f_cnt,
        payload=r718h(pulses),
        received_at=at,
        lns=Lns.CHIRPSTACK_V4,
        dev_addr="0a0b0c0d",
    )


def traffic(n: int = 40) -> list[Uplink]:
    """Two meters every 15 minutes, one of them wrapping its 16-bit register."""
    out = []
    for i in range(n):
        at = T0 + timedelta(minutes=15 * i)
        out.append(up(EUIS[0], i, 100 + 7 * i + i * i, at))
        out.append(up(EUIS[1], i, (65_400 + 13 * i) % 65_536, at))
    return out


class FaultyStore(MemoryStore):
    """A MemoryStore that can fail the next write after taking part of it (InfluxDB killed mid
    request, a lock timeout in the middle of a batch), and refuse some readings as invalid."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_after: int | None = None  # readings taken before the next write fails
        self.refuse: set[float] = set()  # values refused as invalid
        self.neighbour_calls = 0

    def write(self, readings: Sequence[Reading]) -> None:
        bad = [r for r in readings if r.value in self.refuse]
        if bad:
            raise StoreRejected(f"invalid value {bad[0].value}")
        if self.fail_after is not None:
            taken, self.fail_after = self.fail_after, None
            super().write(readings[:taken])
            raise StoreUnavailable("connection reset (test)")
        super().write(readings)

    def neighbours(
        self, spans: Sequence[SeriesSpan], reach: timedelta
    ) -> dict[tuple[str, str, str], Neighbourhood]:
        self.neighbour_calls += 1
        return super().neighbours(spans, reach)


def open_env(tmp_path: Path, name: str, store: MemoryStore, installed: date | None = None) -> Ingestor:
    registry = open_registry(f"sqlite:///{tmp_path / f'{name}.db'}")
    town = registry.owner_tenant()
    registry.add_devices(
        [
            Device(
                eui,
                town.id,
                f"eau {eui[-1]}",
                "netvox/r718h",
                pulse_quantity="water_volume",
                pulse_weight=0.001,
                register_max=65536,
                installed_at=installed,
            )
            for eui in EUIS
        ]
    )
    return Ingestor(registry, Archive(registry.engine), store)


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Ingestor, FaultyStore, Ingestor, MemoryStore]]:
    """The ingestor under faults, and a twin fed the same traffic without any."""
    faulty, clean = FaultyStore(), MemoryStore()
    a, b = open_env(tmp_path, "faulty", faulty), open_env(tmp_path, "clean", clean)
    yield a, faulty, b, clean
    a.registry.close()
    b.registry.close()


def points(store: MemoryStore) -> dict[tuple[str, str, str, datetime], tuple[float, float | None]]:
    return {k: (r.value, r.delta) for k, r in store.points.items()}


def feed(ingestor: Ingestor, uplinks: list[Uplink], size: int = 10) -> None:
    for i in range(0, len(uplinks), size):
        ingestor.process(ingestor.accept([(u, "test") for u in uplinks[i : i + size]]))


def retry(ingestor: Ingestor) -> None:
    """What the bridge does once the store is back: process what is pending in the archive."""
    ingestor.recover(limit=10)


def test_a_write_that_fails_half_way_leaves_the_meter_state_as_it_was(
    pair: tuple[Ingestor, FaultyStore, Ingestor, MemoryStore],
) -> None:
    faulty, store, clean, reference = pair
    uplinks = traffic()
    feed(clean, uplinks)
    feed(faulty, uplinks[:20])
    store.fail_after = 7  # the store takes 7 readings of the batch, then the connection resets
    with pytest.raises(StoreUnavailable):
        feed(faulty, uplinks[20:30])
    store.fail_after = 3  # and fails again during the first retry
    with pytest.raises(StoreUnavailable):
        retry(faulty)
    store.down = True  # then is down a while, as new traffic comes
    with pytest.raises(StoreUnavailable):
        feed(faulty, uplinks[30:40])
    store.down = False
    retry(faulty)
    feed(faulty, uplinks[40:])
    assert points(store) == points(reference)


def test_every_batch_failing_once_gives_the_same_numbers(
    pair: tuple[Ingestor, FaultyStore, Ingestor, MemoryStore],
) -> None:
    faulty, store, clean, reference = pair
    uplinks = traffic()
    feed(clean, uplinks)
    for i in range(0, len(uplinks), 10):
        store.fail_after = i % 9  # some taken, some not, before the failure
        with pytest.raises(StoreUnavailable):
            feed(faulty, uplinks[i : i + 10])
        retry(faulty)
    assert points(store) == points(reference)
    assert sum(1 for (_, _, _, _), (_, d) in points(store).items() if d is not None) > 70


def test_a_replay_after_a_crash_is_placed_with_one_store_read_per_batch(
    pair: tuple[Ingestor, FaultyStore, Ingestor, MemoryStore],
) -> None:
    faulty, store, _, _ = pair
    feed(faulty, traffic())
    expected = points(store)
    # A new process (the old one was killed before it marked its uplinks) processes them again.
    replayed = [row[0].id for row in faulty.archive.select(limit=40)]
    faulty.archive.requeue(replayed)
    reborn = Ingestor(faulty.registry, faulty.archive, store)
    store.neighbour_calls = 0
    assert reborn.recover(limit=20) == 40
    assert store.neighbour_calls == 2  # one read a batch, not one a reading
    assert points(store) == expected


def test_late_readings_of_one_batch_are_placed_among_each_other(
    pair: tuple[Ingestor, FaultyStore, Ingestor, MemoryStore],
) -> None:
    """Two late readings of one series in one batch: the second's predecessor is the first, not
    the point stored before both (which gave it both readings' consumption)."""
    faulty, store, clean, reference = pair
    eui = EUIS[0]
    early = [up(eui, i, 100 + 10 * i, T0 + timedelta(minutes=15 * i)) for i in range(6)]
    feed(clean, early)
    feed(faulty, [early[0], early[1], early[4], early[5]])
    feed(faulty, [early[3], early[2]])  # arrive late, out of order, in one batch
    assert points(store) == points(reference)


@pytest.mark.parametrize(
    "poisoned",
    [
        datetime(2300, 1, 1, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
        datetime(1970, 1, 1, tzinfo=UTC),
        "hours ahead",
    ],
)
def test_a_poisoned_time_fails_its_uplink_and_nothing_else(tmp_path: Path, poisoned: object) -> None:
    store, reference = MemoryStore(), MemoryStore()
    ingestor, clean = open_env(tmp_path, "a", store), open_env(tmp_path, "b", reference)
    now = datetime.now(UTC).replace(microsecond=0)
    at = now + timedelta(hours=3) if poisoned == "hours ahead" else poisoned
    assert isinstance(at, datetime)
    uplinks = [up(EUIS[0], i, 100 + i, now - timedelta(minutes=15 * (20 - i))) for i in range(20)]
    bad = up(EUIS[0], 99, 5000, at)
    feed(clean, uplinks)
    feed(ingestor, [*uplinks[:10], bad, *uplinks[10:]])
    assert points(store) == points(reference)
    with ingestor.registry.engine.connect() as conn:
        rows = conn.execute(
            select(schema.uplinks.c.f_cnt, schema.uplinks.c.state, schema.uplinks.c.error)
        ).all()
    failed = [(f, e) for f, s, e in rows if s == "failed"]
    assert [f for f, _ in failed] == [99]
    assert failed[0][1].startswith("ImplausibleTime: reading time ")
    assert {s for f, s, _ in rows if f != 99} == {"decoded"}


def test_a_reading_before_the_devices_installation_is_implausible(tmp_path: Path) -> None:
    store = MemoryStore()
    ingestor = open_env(tmp_path, "a", store, installed=date(2026, 6, 3))
    feed(ingestor, [up(EUIS[0], 1, 100, T0), up(EUIS[0], 2, 120, T0 + timedelta(days=2))])
    (kept,) = [r for r in store.points.values() if r.quantity == "water_volume"]
    assert kept.ts == T0 + timedelta(days=2) and kept.delta is None
    (row,) = ingestor.archive.select(state="failed")
    assert "before its device was installed" in (row[2] or "")


def test_the_bound_into_the_future_is_a_setting(tmp_path: Path) -> None:
    store = MemoryStore()
    ingestor = open_env(tmp_path, "a", store)
    ingestor.times = TimeBounds(max_future=timedelta(hours=4))
    feed(ingestor, [up(EUIS[0], 1, 100, datetime.now(UTC) + timedelta(hours=3))])
    assert [r.value for r in store.points.values() if r.quantity == "water_volume"] == [0.1]


def test_an_uplink_the_store_refuses_is_isolated_and_the_others_are_stored(
    pair: tuple[Ingestor, FaultyStore, Ingestor, MemoryStore],
) -> None:
    faulty, store, clean, reference = pair
    uplinks = traffic(10)
    poisoned = up(EUIS[0], 500, 777, T0 + timedelta(minutes=50))
    store.refuse = {0.777}
    feed(clean, uplinks)
    feed(faulty, [*uplinks[:6], poisoned, *uplinks[6:]], size=21)
    assert points(store) == points(reference)  # as if the refused uplink had never come
    (row,) = faulty.archive.select(state="failed")
    assert row[0].uplink.f_cnt == 500 and (row[2] or "").startswith("StoreRejected: invalid value 0.777")


def test_the_meter_state_moves_on_only_when_committed(
    pair: tuple[Ingestor, FaultyStore, Ingestor, MemoryStore],
) -> None:
    faulty, store, _, _ = pair
    first, second = traffic(4)[:4], traffic(4)[4:]
    feed(faulty, first)
    readings = [r for item in faulty.accept([(u, "t") for u in second]) for r in _decoded(faulty, item)]
    store.neighbour_calls = 0
    planned = faulty.meter.plan(readings)
    assert faulty.meter.plan(readings) == planned  # planning again (a retry) gives the same deltas
    assert store.neighbour_calls == 0  # both times after the last point held: not late
    faulty.meter.commit(planned)
    faulty.meter.plan(readings)
    assert store.neighbour_calls == 1  # committed: the same readings are now a replay


def _decoded(ingestor: Ingestor, item: object) -> list[Reading]:
    from decoders import decode
    from ingest.archive import ArchivedUplink

    assert isinstance(item, ArchivedUplink)
    device = ingestor.devices.get(item.uplink.dev_eui)
    assert device is not None
    return ingestor.readings_of(item, device, decode(device.model, item.uplink.f_port, item.uplink.payload))


def test_an_uplink_failed_for_its_time_is_decoded_by_reprocess_once_the_bound_allows(tmp_path: Path) -> None:
    from ingest.reprocess import reprocess

    store = MemoryStore()
    ingestor = open_env(tmp_path, "a", store)
    ahead = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    feed(ingestor, [up(EUIS[0], 1, 100, ahead)])
    assert not [r for r in store.points.values() if r.quantity == "water_volume"]
    device = ingestor.devices.get(EUIS[0])
    assert device is not None
    ingestor.times = TimeBounds(max_future=timedelta(hours=4))  # the town's gateways run late
    (report,) = reprocess(ingestor, [device], ahead - timedelta(days=1))
    assert report.now_decoded == 1
    assert [r.ts for r in store.points.values() if r.quantity == "water_volume"] == [ahead]
    assert ingestor.archive.select(state="failed") == []
