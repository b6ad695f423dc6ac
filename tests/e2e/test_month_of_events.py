"""A month of a small town with every simulator event and network fault, through a real Mosquitto,
the bridge and the store, day by day with the alert rules run each night, as `releve run` does.

Checks the consumption of every meter on every day against the simulator's ground truth, that each
event raised the alert expected of it (and nothing else did), and that each fault was absorbed:
duplicates dropped, truncated frames kept as failures, garbage kept as dead letters, strangers
in quarantine.
"""

from __future__ import annotations

import io
import math
import threading
import time
from collections import defaultdict
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import orjson
import pytest
from sqlalchemy import func, select

from domain.alerts import AlertBook, evaluate
from domain.consumption.analytics import consumption
from gateway_bridge.mqtt import MqttPublisher
from kernel.settings import MqttTarget, Settings
from registry import schema
from releve.bridge import start_bridge
from releve.broker import MosquittoProcess
from releve.runtime import provision_fleet
from releve.services import close_state, open_state
from simulator.engine import DeviceSim
from simulator.faults import FaultCounts, Faults
from simulator.fleet import ReplacementEvent, load_fleet
from simulator.player import play
from store import Window

pytestmark = pytest.mark.e2e
PARIS = ZoneInfo("Europe/Paris")
FLEET = Path(__file__).parent / "fleets" / "month.toml"
FAULTS = dict(duplicate=0.01, late=0.005, truncate=0.002, unknown_device=0.001, malformed=0.001)


def settle(state: object, timeout: float = 60) -> None:
    """Wait until the bridge has archived and processed everything it was sent."""
    engine = state.archive.engine  # type: ignore[attr-defined]
    last, stable_since = -1, time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            total = conn.execute(select(func.count()).select_from(schema.uplinks)).scalar_one()
            total += conn.execute(select(func.count()).select_from(schema.dead_letters)).scalar_one()
            pending = conn.execute(
                select(func.count()).select_from(schema.uplinks).where(schema.uplinks.c.state == "pending")
            ).scalar_one()
        if total != last:
            last, stable_since = total, time.monotonic()
        elif pending == 0 and time.monotonic() - stable_since > 1.0:
            return
        time.sleep(0.2)
    raise AssertionError("the bridge did not settle")


def test_a_month_of_events_and_faults(mosquitto: MosquittoProcess, tmp_path: Path) -> None:
    fleet = load_fleet(FLEET)
    settings = Settings(data_dir=tmp_path / "data", mqtt_url=mosquitto.url)
    state = open_state(settings)
    provision_fleet(state.registry, fleet)
    # The technician who replaced the town hall's meter records both indexes, as ops would.
    (swap,) = [e for e in fleet.events if isinstance(e, ReplacementEvent)]
    site, device = next((s, d) for s, d in fleet.devices() if d.dev_eui == swap.dev_eui)
    weight = device.pulse_weight or 1.0
    old_final = math.floor(DeviceSim(fleet, site, device).index_at(swap.start) / weight + 1e-9) * weight
    state.registry.add_replacement(swap.dev_eui, "energy_import", swap.start, old_final, swap.new_initial)

    stop = threading.Event()
    (consumer,), (bridge,) = start_bridge(settings, state, stop)
    assert consumer.connected.wait(10)
    publisher = MqttPublisher(MqttTarget.parse(mosquitto.url), client_id="month-simulator")
    publisher.connect()
    truth = io.BytesIO()
    counts = FaultCounts()
    book = AlertBook(state.archive.engine)
    try:
        day = datetime(2026, 2, 1, tzinfo=PARIS)
        while day < datetime(2026, 3, 1, tzinfo=PARIS):
            end = day + timedelta(days=1)
            faults = Faults(seed=day.day, **FAULTS)  # type: ignore[arg-type]
            play(fleet, publisher, day, end, truth=truth, faults=faults, fault_counts=counts)
            settle(state)
            book.sync(evaluate(state.registry, state.archive.engine, state.store, end, "Europe/Paris"), end)
            day = end
    finally:
        publisher.close()
        stop.set()
        bridge.join(10)
        consumer.stop()

    try:
        # -- every event raised its alert, and nothing else raised one ---------------------------
        alerts = {(a.kind, a.dev_eui or "", a.site_id) for a in book.list(None, status="all", limit=1000)}
        sites = {s.slug: s.id for s in state.registry.list_sites()}
        expected = {
            ("leak", "b0b0b0b0b0b00101", sites["mairie"]),
            ("low_battery", "b0b0b0b0b0b00202", sites["ecole"]),
            ("silent_device", "b0b0b0b0b0b00202", sites["ecole"]),  # after its battery died
            ("silent_device", "b0b0b0b0b0b00401", sites["bibliotheque"]),
            ("silent_site", "", sites["gymnase"]),  # the gateway outage, one alert for the site
            ("device_alarm", "b0b0b0b0b0b00302", sites["gymnase"]),  # tamper
        }
        assert alerts == expected
        # the revived counter's silence alert closed once it spoke again (after its re-join)
        closed = {(a.kind, a.dev_eui) for a in book.list(None, status="closed", limit=1000)}
        assert ("silent_device", "b0b0b0b0b0b00202") in closed
        # the 16-bit rollovers and the recorded replacement are no anomaly
        with state.archive.engine.connect() as conn:
            kinds = set(conn.execute(select(schema.alarms.c.kind).distinct()).scalars())
        assert kinds == {"tamper"}

        # -- every fault was absorbed -------------------------------------------------------------
        with state.archive.engine.connect() as conn:
            failed = conn.execute(
                select(func.count()).select_from(schema.uplinks).where(schema.uplinks.c.state == "failed")
            ).scalar_one()
            dead = conn.execute(select(func.count()).select_from(schema.dead_letters)).scalar_one()
        assert counts.truncated > 0 and failed == counts.truncated
        assert counts.malformed > 0 and dead == counts.malformed
        assert counts.unknown > 0 and len(state.archive.quarantine(limit=1000)) == counts.unknown
        assert counts.duplicates > 0 and state.archive.duplicates_total() >= counts.duplicates
        assert counts.late > 0

        # -- consumption of every meter on every day, against the ground truth ----------------------
        lines = [orjson.loads(line) for line in truth.getvalue().splitlines()]
        by_device: dict[str, list[dict[str, object]]] = defaultdict(list)
        for line in lines:
            by_device[str(line["dev_eui"])].append(line)
        start, end = datetime(2026, 2, 1, tzinfo=PARIS), datetime(2026, 3, 1, tzinfo=PARIS)
        checked = 0
        for eui, reports in by_device.items():
            reports.sort(key=lambda r: str(r["ts"]))
            # the resolution of what the meter shows: its pulse weight, or a litre for the ultrasonic one
            spec = next(d for _, d in fleet.devices() if d.dev_eui == eui)
            weight = spec.pulse_weight or (1.0 if spec.meter == "heat" else 0.001)
            expected_days: dict[str, float] = defaultdict(float)
            for prev, cur in pairwise(reports):
                local_day = datetime.fromisoformat(str(cur["ts"])).astimezone(PARIS).date().isoformat()
                expected_days[local_day] += float(cur["index"]) - float(prev["index"])  # type: ignore[arg-type]
            quantity = str(reports[0]["quantity"])
            series = consumption(
                state.store,
                [state.registry.get_device(eui)],
                quantity,
                Window.DAY,
                start,
                end,
                "Europe/Paris",
            )  # every channel of the meter, as the API sums them
            got = {p.start.date().isoformat(): p.consumption or 0.0 for p in series.points}
            for local_day, value in expected_days.items():
                # pulse counters count whole pulses: a day may differ by the pulses at its two ends
                assert got.get(local_day, 0.0) == pytest.approx(value, abs=2.5 * weight), (eui, local_day)
                checked += 1
        assert checked > 150
        assert (
            "b0b0b0b0b0b00501" in by_device and len(by_device["b0b0b0b0b0b00501"]) >= 24 * 27
        )  # hourly history
    finally:
        close_state(state)
