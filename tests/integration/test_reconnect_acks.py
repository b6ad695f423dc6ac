"""Reconnects during a backlog drain on a real Mosquitto: every message delivered, none dropped.

A backlog larger than MQTT's 65,535 packet ids is queued on a persistent session, then drained by
the bridge's MQTT consumer through a proxy that cuts the connection every 2,000-8,000 acks and is
slow to pass on each new connection's CONNACK (as a broker busy re-sending a large session is).
Before the fix, an ack queued while paho was already reconnecting went out on the new connection;
with the re-delivered copy's own ack, the broker got two PUBACKs for one packet id. Mosquitto
2.0.11 exceeds Receive Maximum on a queued backlog (it had the whole backlog in flight, so one id
stood for several messages) and took the second PUBACK for a later message, which a following cut
then lost: 30 to 110 of 70,000 never delivered in each of 7 runs, none left on the broker.
"""

from __future__ import annotations

import queue
import subprocess
import time
from collections import Counter
from pathlib import Path

import pytest

from gateway_bridge.mqtt import MqttConsumer
from kernel.settings import MqttTarget
from releve.broker import MosquittoProcess
from tests.integration.bridge_helpers import BridgeProcess, assert_exactly_once, envelopes, publish
from tests.integration.chaos_proxy import ChaosProxy

pytestmark = pytest.mark.integration

TOPIC = "application/1/device/0102030405060708/event/up"
BACKLOG = 70_000  # more messages than packet ids


def consumer(port: int) -> MqttConsumer:
    return MqttConsumer(
        MqttTarget.parse(f"mqtt://127.0.0.1:{port}"),
        client_id="releve-bridge",
        topics=[TOPIC],
        receive_maximum=1000,
        first_retry_s=(0, 0),  # reconnect at once: many reconnects in a few seconds
    )


def sys_counter(port: int, name: str) -> int:
    out = subprocess.run(
        ["mosquitto_sub", "-p", str(port), "-C", "1", "-W", "5", "-t", f"$SYS/broker/{name}"],
        capture_output=True,
        text=True,
        timeout=10,
    ).stdout.strip()
    return int(out) if out.isdigit() else -1


def queue_backlog(broker: MosquittoProcess, count: int) -> None:
    """The session exists (subscribed, then gone), then ``count`` messages are queued for it, and
    the broker's counters say it holds them all before the drain starts.

    mosquitto_pub -l is fast, but sends what it has not sent yet to nowhere when its input ends:
    its input stays open until the broker counted every message (with the input closed at once,
    4,484 of 70,000 got there, a loss that would have been the test's own).
    """
    session = consumer(broker.port)
    session.start()
    assert session.connected.wait(10)
    time.sleep(0.3)  # the SUBACK
    session.stop()
    publisher = subprocess.Popen(
        ["mosquitto_pub", "-V", "5", "-p", str(broker.port), "-q", "1", "-t", TOPIC, "-l"],
        stdin=subprocess.PIPE,
    )
    assert publisher.stdin is not None
    try:
        publisher.stdin.write("".join(f"{i:08d}{'x' * 100}\n" for i in range(count)).encode())
        publisher.stdin.flush()
        deadline = time.monotonic() + 30
        while sys_counter(broker.port, "publish/messages/received") < count:
            assert time.monotonic() < deadline, "the broker did not receive the whole backlog"
            time.sleep(0.3)
    finally:
        publisher.stdin.close()
        publisher.wait(10)
    assert sys_counter(broker.port, "publish/messages/received") == count
    # the store also holds the broker's own retained $SYS messages
    assert sys_counter(broker.port, "store/messages/count") >= count


def left_on_broker(port: int) -> int:
    """What the broker still holds for the session: connect directly and count what comes."""
    probe = consumer(port)
    probe.start()
    try:
        assert probe.connected.wait(10)
        time.sleep(1.0)
        return probe.messages.qsize()
    finally:
        probe.stop()


def drain(source: MqttConsumer, seen: Counter[int], until: float) -> None:
    """Take batches of up to 500, note them, ack them (as the bridge does after archiving)."""
    batch = [source.messages.get(timeout=max(0.01, until - time.monotonic()))]
    while len(batch) < 500:
        try:
            batch.append(source.messages.get_nowait())
        except queue.Empty:
            break
    seen.update(int(m.payload[:8]) for m in batch)
    time.sleep(0.005)  # the archive's commit
    source.ack(batch)


def test_reconnects_during_a_backlog_drain_lose_nothing(tmp_path: Path) -> None:
    broker = MosquittoProcess(tmp_path / "mosquitto", extra_config="log_type notice\nsys_interval 1")
    broker.start()
    try:
        queue_backlog(broker, BACKLOG)
        # a cut every 2,000-8,000 acks (a PUBACK is 4 bytes)
        proxy = ChaosProxy(broker.port, connect_delay=0.3, cut_every=(8_000, 32_000), seed=1)
        source = consumer(proxy.port)
        seen: Counter[int] = Counter()
        source.start()
        try:
            deadline = time.monotonic() + 60
            while len(seen) < BACKLOG and time.monotonic() < deadline:
                try:
                    drain(source, seen, time.monotonic() + 3)
                except queue.Empty:
                    break  # nothing for 3 s: the broker has no more for us
            proxy.stop_cutting()
            # the re-deliveries of the last cut, acked on a connection that stays up
            while True:
                try:
                    drain(source, seen, time.monotonic() + 1.5)
                except queue.Empty:
                    if source.connected.is_set():
                        break
        finally:
            source.stop()
            proxy.close()
        missing = BACKLOG - len(seen)
        left = left_on_broker(broker.port)
        assert (missing, left) == (0, 0), f"{missing} never delivered, {left} left ({proxy.cuts} cuts)"
        assert proxy.cuts >= 5, f"only {proxy.cuts} cuts: the test did not exercise reconnects"
    finally:
        broker.stop()


def test_the_bridge_archives_every_uplink_once_through_cuts(
    mosquitto: MosquittoProcess, data_dir: Path
) -> None:
    """End to end: ``releve bridge`` drains a queued backlog through the cutting proxy."""
    items = envelopes(5)  # fewer days drain before a second cut: the bridge archives fast
    first = BridgeProcess(data_dir, mosquitto.url)
    first.start()
    try:
        first.wait_connected()  # the persistent session exists
    finally:
        first.stop()
    publish(mosquitto.url, items)  # queued for the session while the bridge is away
    # a cut every 200-375 acks (the bridge acks a batch of 50 at a time): the drain is done in a
    # few seconds, and the cuts must fall within it
    proxy = ChaosProxy(mosquitto.port, connect_delay=0.3, cut_every=(800, 1_500), seed=2)
    bridge = BridgeProcess(data_dir, f"mqtt://127.0.0.1:{proxy.port}")
    bridge.env["RELEVE_BRIDGE_BATCH_SIZE"] = "50"  # more, smaller ack bursts within the drain
    # A window well under the backlog, so the broker holds most of it and each connection gets a
    # part: with the default 5,000, gmqtt had the whole backlog in 70 ms and the bridge archived
    # it before its first reconnect, leaving no drain for the next cuts to fall in.
    bridge.env["RELEVE_BRIDGE_QUEUE_SIZE"] = "500"
    bridge.start()
    try:
        assert_exactly_once(data_dir, items)
        # Archived is not yet acknowledged: after the last cut the broker re-sends what was in
        # flight, which the archive drops as copies and the bridge acks on a connection that stays.
        proxy.stop_cutting()
        deadline = time.monotonic() + 30
        # (the log also has the first start's connection)
        while not proxy.linked or bridge.log.read_text().count("connected to broker") <= proxy.connections:
            assert time.monotonic() < deadline, "the bridge did not reconnect"
            time.sleep(0.2)
        time.sleep(3.0)
    finally:
        proxy.stop_cutting()
        bridge.stop()
        proxy.close()
    assert left_on_broker(mosquitto.port) == 0
    assert proxy.cuts >= 2, f"only {proxy.cuts} cuts: the test did not exercise reconnects"
