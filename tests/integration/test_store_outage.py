"""The store going down loses nothing: uplinks wait in the archive and are written when it is back."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ingest import schema
from ingest.influx_store import InfluxStore
from ingest.registry import open_registry
from releve.broker import MosquittoProcess
from simulator.fleet import load_fleet
from tests.influx_server import InfluxProcess
from tests.integration.bridge_helpers import PARIS, BridgeProcess, archived, envelopes, publish

pytestmark = pytest.mark.integration


def test_influxdb_outage_mid_stream(mosquitto: MosquittoProcess, data_dir: Path, tmp_path: Path) -> None:
    influx = InfluxProcess(tmp_path / "influx")
    influx.start()
    items = envelopes(1)
    bridge = BridgeProcess(data_dir, mosquitto.url)
    bridge.env["RELEVE_STORE_URL"] = f"influxdb://127.0.0.1:{influx.http_port}/releve"
    bridge.start()
    registry = open_registry(f"sqlite:///{data_dir / 'registry.db'}")
    try:
        bridge.wait_connected()
        publish(mosquitto.url, items[: len(items) // 2])
        influx.stop()
        publish(mosquitto.url, items[len(items) // 2 :])
        deadline = time.monotonic() + 30
        while archived(registry)[0] < len(items) and time.monotonic() < deadline:
            time.sleep(0.3)
        total, pending = archived(registry)
        assert total == len(items) and pending > 0  # everything kept, waiting for the store
        influx.start()  # same port, same data
        deadline = time.monotonic() + 90
        while archived(registry)[1] and time.monotonic() < deadline:
            time.sleep(0.5)
        assert archived(registry) == (len(items), 0)
        with registry.engine.connect() as conn:
            claimed = conn.execute(select(func.sum(schema.uplinks.c.readings))).scalar_one()
        store = InfluxStore(influx.url, "releve")
        stored = sum(
            len(
                store.query(d.dev_eui, datetime(2026, 1, 1, tzinfo=PARIS), datetime(2027, 1, 1, tzinfo=PARIS))
            )
            for _, d in load_fleet().devices()
        )
        store.close()
        assert stored == claimed  # every reading once, none doubled
    finally:
        registry.close()
        bridge.stop()
        influx.stop()
