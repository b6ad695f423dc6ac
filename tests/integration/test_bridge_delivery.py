"""Delivery guarantees on a real Mosquitto: every published uplink stored exactly once.

The bridge runs as a real ``releve bridge`` process (so it can be SIGKILLed); the simulator
publishes the demo village's uplinks at QoS 1; the registry and store are SQLite files shared
with the test, which reads them to check that nothing was lost or doubled.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry import open_registry, schema
from releve.broker import MosquittoProcess
from tests.integration.bridge_helpers import BridgeProcess, assert_exactly_once, envelopes, publish

pytestmark = pytest.mark.integration


def processors_of(pid: int) -> list[int]:
    """The processor processes a bridge started (``releve bridge --processor-of PID``)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            b"--processor-of" in cmdline
            and cmdline[cmdline.index(b"--processor-of") + 1] == str(pid).encode()
        ):
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("processor", ["process", "thread"])
def test_sigkill_mid_stream_loses_nothing_and_doubles_nothing(
    mosquitto: MosquittoProcess, data_dir: Path, processor: str
) -> None:
    items = envelopes(2)
    bridge = BridgeProcess(data_dir, mosquitto.url)
    bridge.env["RELEVE_BRIDGE_PROCESSOR"] = processor
    bridge.start()
    try:
        bridge.wait_connected()  # the persistent session exists before we publish
        publish(mosquitto.url, items[: len(items) // 2])
        time.sleep(0.3)
        assert bridge.proc is not None
        pid = bridge.proc.pid
        assert len(processors_of(pid)) == (1 if processor == "process" else 0)
        bridge.kill()  # at an arbitrary point of the stream
        deadline = time.monotonic() + 5
        while processors_of(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert processors_of(pid) == []  # its processor died with it: none runs beside the next
        publish(mosquitto.url, items[len(items) // 2 :])  # queued by the broker for the session
        bridge.start()
        assert_exactly_once(data_dir, items)
    finally:
        bridge.stop()


def test_broker_restart_mid_stream(mosquitto: MosquittoProcess, data_dir: Path) -> None:
    items = envelopes(1)
    bridge = BridgeProcess(data_dir, mosquitto.url)
    bridge.start()
    try:
        bridge.wait_connected()
        publish(mosquitto.url, items[: len(items) // 2])
        mosquitto.stop()  # persists its queues to disk
        mosquitto.start()  # same port, same persistence file
        publish(mosquitto.url, items[len(items) // 2 :])
        assert_exactly_once(data_dir, items)
    finally:
        bridge.stop()


def test_two_workers_on_a_shared_subscription_split_the_traffic(
    mosquitto: MosquittoProcess, data_dir: Path
) -> None:
    items = envelopes(2)
    workers = [
        BridgeProcess(data_dir, mosquitto.url, client_id=f"releve-bridge-{i}", group="releve") for i in (1, 2)
    ]
    for worker in workers:
        worker.start()
    try:
        for worker in workers:
            worker.wait_connected()
        publish(mosquitto.url, items)
        assert_exactly_once(data_dir, items)
    finally:
        for worker in workers:
            worker.stop()


def test_malformed_and_hostile_messages_go_to_dead_letters_and_lose_nothing(
    mosquitto: MosquittoProcess, data_dir: Path
) -> None:
    items = envelopes(1)
    topic = items[0][0]
    hostile = [
        (topic, b"{not json"),
        (topic, b""),
        (topic, b"\x00\xff" * 10),
        (topic, b"[]"),
        (topic, b'{"deviceInfo": {"devEui": 12}, "fCnt": "x", "data": 5}'),
        (topic, b'{"deviceInfo": {"devEui": "0102030405060708"}, "data": "!!!not base64"}'),
        (topic, b"{" + b'"a":' * 10 + b"1" + b"}" * 10),
        (topic, b'{"x": "' + b"A" * (2 * 1024 * 1024) + b'"}'),
        ("some/other/lns/format", b'{"hello": "world"}'),
    ]
    mixed: list[tuple[str, bytes]] = []
    for i, item in enumerate(items):
        mixed.append(item)
        if i % 50 == 0 and hostile:
            mixed.append(hostile.pop())
    mixed.extend(hostile)
    bridge = BridgeProcess(data_dir, mosquitto.url)
    bridge.start()
    try:
        bridge.wait_connected()
        publish(mosquitto.url, mixed)
        assert_exactly_once(data_dir, items)
        registry = open_registry(f"sqlite:///{data_dir / 'registry.db'}")
        try:
            with registry.engine.connect() as conn:
                dead = conn.execute(
                    select(schema.dead_letters.c.error, func.length(schema.dead_letters.c.body))
                ).all()
        finally:
            registry.close()
        # every hostile message is kept (the one on another topic is not subscribed to)
        assert len(dead) == 8
        assert all(length <= 64 * 1024 for _, length in dead)
        assert bridge.proc is not None and bridge.proc.poll() is None, "the bridge survived"
    finally:
        bridge.stop()
