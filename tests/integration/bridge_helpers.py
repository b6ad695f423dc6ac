"""Helpers of the bridge integration tests: a ``releve bridge`` process, envelopes, counting."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from gateway_bridge.mqtt import MqttPublisher
from kernel.settings import MqttTarget
from registry import Registry, open_registry, schema
from simulator.fleet import load_fleet
from simulator.player import play
from store.open import open_store

PARIS = ZoneInfo("Europe/Paris")


class ListSink:
    def __init__(self) -> None:
        self.items: list[tuple[str, bytes]] = []

    def publish_many(
        self, items: Sequence[tuple[str, bytes]], *, qos: int = 1, timeout: float = 60.0
    ) -> None:
        self.items.extend(items)


def envelopes(days: int = 2) -> list[tuple[str, bytes]]:
    sink = ListSink()
    play(load_fleet(), sink, datetime(2026, 4, 7, tzinfo=PARIS), datetime(2026, 4, 7 + days, tzinfo=PARIS))
    return sink.items


class BridgeProcess:
    """``releve bridge`` in a subprocess with its own environment."""

    def __init__(
        self, data_dir: Path, mqtt_url: str, client_id: str = "releve-bridge", group: str | None = None
    ):
        self.env = dict(os.environ)
        self.env.update(
            RELEVE_DATA_DIR=str(data_dir),
            RELEVE_MQTT_URL=mqtt_url,
            RELEVE_MQTT_CLIENT_ID=client_id,
            RELEVE_LOG_LEVEL="INFO",  # wait_connected reads the "connected to broker" line
            RELEVE_BRIDGE_BATCH_SIZE="200",
        )
        if group:
            self.env["RELEVE_MQTT_SHARED_GROUP"] = group
        self.proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0

    @property
    def log(self) -> Path:
        return Path(self.env["RELEVE_DATA_DIR"]) / f"{self.env['RELEVE_MQTT_CLIENT_ID']}.log"

    def wait_connected(self, timeout: float = 60.0) -> None:
        """Until this start of the bridge has connected and subscribed (a fixed sleep was not
        enough on a loaded machine: messages published before the subscription are not queued)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log.exists() and b"connected to broker" in self.log.read_bytes()[self._log_offset :]:
                time.sleep(0.5)  # the SUBACK follows the connection
                return
            assert self.proc is not None and self.proc.poll() is None, "the bridge exited"
            time.sleep(0.1)
        raise TimeoutError(f"the bridge did not connect within {timeout}s")

    def wait_processing(self, timeout: float = 60.0) -> None:
        """Until this start's processor process has opened the store (the intake, which opens
        none, may connect before it)."""
        deadline = time.monotonic() + timeout
        while b"bridge processor ready" not in self.log.read_bytes()[self._log_offset :]:
            assert time.monotonic() < deadline, f"the processor was not ready within {timeout}s"
            time.sleep(0.1)

    def start(self) -> None:
        log = self.log
        self._log_offset = log.stat().st_size if log.exists() else 0
        with log.open("ab") as stderr:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "releve", "bridge"], env=self.env, stderr=stderr
            )

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def publish(url: str, items: Sequence[tuple[str, bytes]], chunk: int = 200) -> None:
    publisher = MqttPublisher(MqttTarget.parse(url), client_id="test-publisher")
    publisher.connect()
    try:
        for i in range(0, len(items), chunk):
            publisher.publish_many(items[i : i + chunk])
    finally:
        publisher.close()


def archived(registry: Registry) -> tuple[int, int]:
    """(uplinks archived, uplinks still pending)."""
    with registry.engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(schema.uplinks)).scalar_one()
        pending = conn.execute(
            select(func.count()).select_from(schema.uplinks).where(schema.uplinks.c.state == "pending")
        ).scalar_one()
    return int(total), int(pending)


def wait_until_stored(data: Path, expected: int, timeout: float = 90) -> Registry:
    registry = open_registry(f"sqlite:///{data / 'registry.db'}")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        total, pending = archived(registry)
        if total >= expected and pending == 0:
            break
        time.sleep(0.3)
    return registry


def assert_exactly_once(data: Path, items: Sequence[tuple[str, bytes]]) -> None:
    registry = wait_until_stored(data, len(items))
    try:
        total, pending = archived(registry)
        assert (total, pending) == (len(items), 0)
        with registry.engine.connect() as conn:
            states: dict[str, int] = dict(
                conn.execute(
                    select(schema.uplinks.c.state, func.count()).group_by(schema.uplinks.c.state)
                ).all()
            )
            readings_claimed = conn.execute(select(func.sum(schema.uplinks.c.readings))).scalar_one()
        assert states == {"decoded": len(items)}
    finally:
        registry.close()
    store = open_store(f"sqlite:///{data / 'readings.db'}")
    try:
        euis = {d.dev_eui for _, d in load_fleet().devices()}
        stored = sum(
            len(store.query(eui, datetime(2026, 1, 1, tzinfo=PARIS), datetime(2027, 1, 1, tzinfo=PARIS)))
            for eui in euis
        )
    finally:
        store.close()
    assert stored == readings_claimed
