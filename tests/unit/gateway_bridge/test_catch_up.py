"""While the bridge catches up on what waited in the archive (its start after a crash, the end of a
store outage), it keeps taking, archiving and acknowledging what the broker sends: a broker
whose messages are not taken stops sending them, and a client whose network thread blocks on a
full queue misses its keep-alive and is disconnected (thousands of re-deliveries)."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from gateway_bridge.mqtt import Message
from gateway_bridge.service import Bridge
from ingest.archive import Archive
from ingest.pipeline import Ingestor
from kernel.types import Lns, Reading, Uplink
from registry import Device, open_registry
from tests.fakes import MemoryStore

EUI = "0102030405060708"
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)


class StuckStore(MemoryStore):
    """A store whose writes wait until the test lets them go (InfluxDB busy with a catch-up)."""

    def __init__(self) -> None:
        super().__init__()
        self.go = threading.Event()

    def write(self, readings: Sequence[Reading]) -> None:
        self.go.wait(30)
        super().write(readings)


class CountingSource:
    def __init__(self) -> None:
        self.messages: queue.Queue[Message] = queue.Queue()
        self.acked = 0

    def ack(self, messages: Sequence[Message]) -> int:
        self.acked += len(messages)
        return len(messages)


def uplink_body(f_cnt: int) -> bytes:
    """A ChirpStack v4 ``up`` event of a Netvox R718H pulse counter."""
    at = T0 + timedelta(minutes=15 * f_cnt)
    payload = bytes([0x01, 0x1F, 0x01, 36]) + (100 + f_cnt).to_bytes(2, "big") + bytes(5)
    import base64

    return orjson.dumps(
        {
            "deduplicationId": f"00000000-0000-4000-8000-{f_cnt:012d}",
            "time": at.isoformat(),
            "deviceInfo": {"devEui": EUI},
            "devAddr": "0a0b0c0d",
            "fCnt": f_cnt,
            "fPort": 6,
            "data": base64.b64encode(payload).decode(),
        }
    )


def test_the_intake_acknowledges_while_the_processor_catches_up(tmp_path: Path) -> None:
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    registry.add_devices([Device(EUI, registry.owner_tenant().id, "eau", "netvox/r718h")])
    archive = Archive(registry.engine)
    store = StuckStore()
    ingestor = Ingestor(registry, archive, store)
    # What a crash left pending, for the catch-up: it waits on the store until the test says.
    backlog = [
        (
            Uplink(
                dev_eui=EUI,
                f_port=6,
                f_cnt=n,
                payload=bytes([0x01, 0x1F, 0x01, 36]) + (100 + n).to_bytes(2, "big") + bytes(5),
                received_at=T0 + timedelta(minutes=15 * n),
                lns=Lns.CHIRPSTACK_V4,
                dev_addr="0a0b0c0d",
            ),
            "crash",
        )
        for n in range(40)
    ]
    archive.store(backlog)
    source = CountingSource()
    bridge = Bridge(source, ingestor, batch_size=2, batch_wait_s=0.05, batch_linger_s=0.0)
    stop = threading.Event()
    runner = threading.Thread(target=bridge.run, args=(stop,))
    runner.start()
    try:
        time.sleep(0.3)  # the catch-up is under way, waiting on the store
        for n in range(20):
            source.messages.put(
                Message(f"application/a/device/{EUI}/event/up", uplink_body(100 + n), n + 1, 1, 0)
            )
        deadline = time.monotonic() + 10.0
        while source.acked < 20 and time.monotonic() < deadline:
            time.sleep(0.02)
        backlog_left = [a for a in archive.pending(limit=100) if (a.uplink.f_cnt or 0) < 100]
        assert source.acked == 20  # all taken and acknowledged within seconds...
        assert len(backlog_left) == 40  # ...while the catch-up of the crash's backlog was stuck
        store.go.set()
        deadline = time.monotonic() + 30
        while archive.pending(limit=1) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert archive.pending(limit=1) == []  # and the new uplinks were processed with the rest
        assert len([r for r in store.points.values() if r.quantity == "pulse_count"]) == 60
    finally:
        stop.set()
        runner.join(30)
        registry.close()


def test_a_bridge_in_one_process_tries_a_store_back_after_a_long_outage_at_once(tmp_path: Path) -> None:
    """``releve run`` and shared-subscription workers: after four failures the next try would be
    8 s later; the store answers its ping within a second of coming back, and the bridge's
    processing tries at once (``StoreRetry``), as the processor process does."""
    registry = open_registry(f"sqlite:///{tmp_path / 'r.db'}")
    registry.add_devices([Device(EUI, registry.owner_tenant().id, "eau", "netvox/r718h")])
    store = MemoryStore()
    store.down = True
    source = CountingSource()
    bridge = Bridge(source, Ingestor(registry, Archive(registry.engine), store), batch_linger_s=0.0)
    stop = threading.Event()
    runner = threading.Thread(target=bridge.run, args=(stop,))
    runner.start()
    try:
        for n in range(10):
            source.messages.put(Message(f"application/a/device/{EUI}/event/up", uplink_body(n), n + 1, 1, 0))
        deadline = time.monotonic() + 30
        while bridge.counters.store_failures < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert source.acked == 10 and not store.points
        store.down = False
        back = time.monotonic()
        while len(store.points) < 10 and time.monotonic() < back + 30:
            time.sleep(0.02)
        assert len(store.points) >= 10
        assert time.monotonic() - back < 4.0
    finally:
        stop.set()
        runner.join(30)
        registry.close()
