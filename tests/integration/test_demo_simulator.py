"""The demo's simulator (``releve run``) on a real Mosquitto: it publishes its backfill only once the
bridge's subscription exists, since the broker drops what no subscription asked for."""

from __future__ import annotations

import queue
import threading
import time
from pathlib import Path

import pytest

from gateway_bridge.mqtt import Message, MqttConsumer
from kernel.settings import MqttTarget, Settings
from releve.broker import MosquittoProcess
from releve.runtime import simulate_live
from simulator.fleet import load_fleet

pytestmark = pytest.mark.integration


def test_the_backfill_waits_for_the_bridges_subscription(tmp_path: Path, mosquitto: MosquittoProcess) -> None:
    settings = Settings(data_dir=tmp_path, mqtt_url=mosquitto.url)
    probe = MqttConsumer(MqttTarget.parse(mosquitto.url), client_id="probe", topics=["#"])
    probe.start()
    assert probe.connected.wait(10)
    subscribed, stop = threading.Event(), threading.Event()
    sim = threading.Thread(target=simulate_live, args=(load_fleet(), settings, stop, [subscribed]))
    sim.start()
    try:
        with pytest.raises(queue.Empty):  # not one uplink while the bridge is not subscribed
            probe.messages.get(timeout=3)
        subscribed.set()
        first: Message = probe.messages.get(timeout=10)
        assert first.topic.endswith("/event/up")
    finally:
        stop.set()
        sim.join(15)
        probe.stop()
    assert not sim.is_alive()


def test_a_stop_before_the_subscription_ends_the_simulator(tmp_path: Path) -> None:
    """Stopped while the bridge never got through to its broker: it ends without publishing."""
    settings = Settings(data_dir=tmp_path, mqtt_url="mqtt://127.0.0.1:1")
    stop = threading.Event()
    sim = threading.Thread(target=simulate_live, args=(load_fleet(), settings, stop, [threading.Event()]))
    sim.start()
    time.sleep(0.5)
    stop.set()
    sim.join(5)
    assert not sim.is_alive()
