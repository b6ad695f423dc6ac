"""The store going down loses nothing: uplinks wait in the archive and are written when it is back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from registry import Registry, open_registry, schema
from releve.broker import MosquittoProcess
from simulator.fleet import load_fleet
from store import Window
from store.influx.store import InfluxStore
from tests.influx_server import InfluxProcess
from tests.integration.bridge_helpers import PARIS, BridgeProcess, archived, envelopes, publish

pytestmark = pytest.mark.integration


# The bridge's defaults, and a bound of rollup points so low (1,000: closed hours written at once
# past 250) that the closed hours go to InfluxDB early, batch after batch, as in a large backlog.
HOLDING = pytest.mark.parametrize("influx_bridge", ["default", "early"], indirect=True)


@pytest.fixture
def influx_bridge(
    mosquitto: MosquittoProcess, data_dir: Path, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[InfluxProcess, BridgeProcess, Registry]]:
    """A real InfluxDB, and a ``releve bridge`` process writing to it; the bridge's registry."""
    influx = InfluxProcess(tmp_path / "influx")
    influx.start()
    bridge = BridgeProcess(data_dir, mosquitto.url)
    bridge.env["RELEVE_STORE_URL"] = f"influxdb://127.0.0.1:{influx.http_port}/releve"
    if getattr(request, "param", "default") == "early":
        bridge.env["RELEVE_BRIDGE_ROLLUP_MAX_POINTS"] = "1000"
    bridge.start()
    registry = open_registry(f"sqlite:///{data_dir / 'registry.db'}")
    try:
        yield influx, bridge, registry
    finally:
        registry.close()
        bridge.stop()
        influx.stop()


@HOLDING
def test_influxdb_outage_mid_stream(
    mosquitto: MosquittoProcess, influx_bridge: tuple[InfluxProcess, BridgeProcess, Registry]
) -> None:
    influx, bridge, registry = influx_bridge
    items = envelopes(1)
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
        len(store.query(d.dev_eui, datetime(2026, 1, 1, tzinfo=PARIS), datetime(2027, 1, 1, tzinfo=PARIS)))
        for _, d in load_fleet().devices()
    )
    store.close()
    assert stored == claimed  # every reading once, none doubled


@HOLDING
def test_sigkill_while_rollups_are_held_leaves_them_right(
    mosquitto: MosquittoProcess, influx_bridge: tuple[InfluxProcess, BridgeProcess, Registry]
) -> None:
    """The bridge holds folded rollups a few seconds and marks their uplinks processed only once
    they are written: killed meanwhile, it processes those uplinks again at its next start, and
    every hourly and daily rollup ends up as the raw points say."""
    influx, bridge, registry = influx_bridge
    items = envelopes(2)
    store = InfluxStore(influx.url, "releve", create=False)
    try:
        bridge.wait_connected()
        publish(mosquitto.url, items)
        deadline = time.monotonic() + 30
        while archived(registry)[0] < len(items) // 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        bridge.kill()
        assert archived(registry)[1] > 0  # uplinks processed, or not, but not marked yet
        bridge.start()
        deadline = time.monotonic() + 90
        while archived(registry) != (len(items), 0) and time.monotonic() < deadline:
            time.sleep(0.3)
        assert archived(registry) == (len(items), 0)
        start, end = datetime(2026, 4, 6, tzinfo=PARIS), datetime(2026, 4, 10, tzinfo=PARIS)
        checked = 0
        for _, device in load_fleet().devices():
            raw = store.query(device.dev_eui, start, end)
            for quantity in sorted({r.quantity for r in raw}):
                per_hour: dict[datetime, int] = {}
                for r in raw:
                    if r.quantity == quantity and not r.channel:
                        hour = r.ts.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
                        per_hour[hour] = per_hour.get(hour, 0) + 1
                hours = store.aggregate(device.dev_eui, quantity, start, end, Window.HOUR, "Europe/Paris")
                assert [(h.start.astimezone(UTC), h.count) for h in hours] == sorted(per_hour.items())
                days = store.aggregate(device.dev_eui, quantity, start, end, Window.DAY, "Europe/Paris")
                assert sum(d.count for d in days) == sum(per_hour.values())
                checked += 1
        assert checked > 10
    finally:
        store.close()
