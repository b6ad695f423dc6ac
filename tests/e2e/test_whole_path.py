"""The whole path on real servers: simulator -> Mosquitto -> bridge -> decoders -> store -> API (uvicorn).

Three simulated days across the spring daylight-saving change (a 23-hour day) of the built-in
village fleet; the API must give back exactly the readings the simulated meters showed, at the
times they showed them, and each day's consumption as the ground truth computes it. The town
hall's meters are read by nke Watteco sensors that send batch reports: several indexes per frame,
each with its own age, which must land at their own times, not at the frame's.
"""

from __future__ import annotations

import io
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import orjson
import pytest
import uvicorn

from api.app import create_app
from api.deps import AppState
from gateway_bridge.mqtt import MqttPublisher
from kernel.settings import MqttTarget, Settings
from registry import Role
from releve.bridge import start_bridge
from releve.broker import MosquittoProcess, free_port, wait_for_port
from releve.runtime import provision_fleet
from releve.services import close_state, open_state
from simulator.fleet import load_fleet
from simulator.player import play

pytestmark = pytest.mark.e2e

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 3, 27, tzinfo=PARIS)
END = datetime(2026, 3, 30, tzinfo=PARIS)


def _at(iso: object) -> datetime:
    return datetime.fromisoformat(str(iso))


class Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # run in a thread
        pass


@pytest.fixture
def system(mosquitto: MosquittoProcess, tmp_path: Path) -> Iterator[tuple[Settings, AppState, str, str]]:
    settings = Settings(data_dir=tmp_path / "data", mqtt_url=mosquitto.url, api_port=free_port())
    state = open_state(settings)
    provision_fleet(state.registry, load_fleet())
    _, token = state.registry.create_key(state.registry.owner_tenant().id, Role.VIEWER, "e2e")
    stop = threading.Event()
    (consumer,), (bridge,) = start_bridge(settings, state, stop)
    server = Server(uvicorn.Config(create_app(settings, state), host="127.0.0.1", port=settings.api_port))
    api_thread = threading.Thread(target=server.run, daemon=True)
    api_thread.start()
    wait_for_port(settings.api_port)
    assert consumer.connected.wait(10)
    try:
        yield settings, state, f"http://127.0.0.1:{settings.api_port}", token
    finally:
        server.should_exit = True
        stop.set()
        bridge.join(10)
        consumer.stop()
        api_thread.join(10)
        close_state(state)


def test_simulated_days_come_back_exact_through_the_api(system: tuple[Settings, AppState, str, str]) -> None:
    settings, state, base, token = system
    fleet = load_fleet()
    publisher = MqttPublisher(MqttTarget.parse(settings.mqtt_url or ""), client_id="e2e-simulator")
    publisher.connect()
    truth_buf = io.BytesIO()
    try:
        summary = play(fleet, publisher, START, END, truth=truth_buf)
    finally:
        publisher.close()
    truth = [orjson.loads(line) for line in truth_buf.getvalue().splitlines()]
    assert summary.envelopes > 2000

    # Wait until every uplink is archived and decoded.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rows = state.archive.select(limit=100_000)
        if len(rows) >= summary.envelopes and all(r[1] != "pending" for r in rows):
            break
        time.sleep(0.5)
    rows = state.archive.select(limit=100_000)
    assert len(rows) == summary.envelopes
    assert {r[1] for r in rows} == {"decoded"}, [r for r in rows if r[1] != "decoded"][:3]

    headers = {"Authorization": f"Bearer {token}"}
    by_device: dict[str, list[dict[str, object]]] = defaultdict(list)
    for line in truth:
        by_device[str(line["dev_eui"])].append(line)
    devices = {d.dev_eui: d for _, d in fleet.devices()}
    batch_devices = {eui for eui, d in devices.items() if d.model.startswith("watteco/")}
    assert batch_devices <= set(by_device) and len(batch_devices) == 2
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for eui, lines in by_device.items():
            spec = devices[eui]
            quantity = str(lines[0]["quantity"])
            # A batch report's older indexes can predate START: they are stored, but not asked for.
            points = sorted(lines, key=lambda line: _at(line["ts"]))
            reports = [line for line in points if START <= _at(line["ts"]) < END]
            got = client.get(
                f"/api/v1/devices/{eui}/readings",
                params={"start": START.isoformat(), "end": END.isoformat(), "quantity": quantity},
            ).json()
            assert got["total"] == len(got["items"]), eui
            weight = spec.pulse_weight or 1.0
            register = spec.register_max
            expected = []
            for report in reports:
                pulses = round(float(report["shown"]) / weight)  # type: ignore[arg-type]
                value = (pulses % int(register) if register else pulses) * weight
                expected.append((_at(report["ts"]), value))
            got_points = [(_at(r["ts"]), r["value"]) for r in got["items"]]
            assert [t for t, _ in got_points] == [t for t, _ in expected], eui
            assert [v for _, v in got_points] == pytest.approx([v for _, v in expected], abs=1e-9), eui
            if eui in batch_devices:
                # three indexes per frame, 5 minutes apart: the readings are not at the frames' times
                frames = {int(str(line["f_cnt"])) for line in reports}
                assert len(got_points) >= 3 * len(frames) - 2
                assert {b[0] - a[0] for a, b in pairwise(got_points)} == {timedelta(minutes=5)}, eui

            # Daily consumption: each index difference lands on the local day of the later reading.
            expected_days: dict[str, float] = defaultdict(float)
            for prev, cur in pairwise(points):
                if not START <= _at(cur["ts"]) < END:
                    continue
                day = _at(cur["ts"]).astimezone(PARIS).date().isoformat()
                expected_days[day] += float(cur["shown"]) - float(prev["shown"])  # type: ignore[arg-type]
            daily = client.get(
                f"/api/v1/devices/{eui}/consumption",
                params={
                    "quantity": quantity,
                    "window": "day",
                    "start": START.isoformat(),
                    "end": END.isoformat(),
                },
            ).json()
            got_days = {
                datetime.fromisoformat(p["start"]).astimezone(PARIS).date().isoformat(): p["consumption"]
                for p in daily["points"]
            }
            assert sorted(got_days) == ["2026-03-27", "2026-03-28", "2026-03-29"], eui
            for day, value in expected_days.items():
                assert got_days[day] == pytest.approx(value, abs=1e-6), (eui, day)
            # The 29th is a 23-hour day.
            day29 = next(p for p in daily["points"] if p["start"].startswith("2026-03-29"))
            hours = (
                datetime.fromisoformat(day29["end"]) - datetime.fromisoformat(day29["start"])
            ).total_seconds()
            assert hours == 23 * 3600

        overview = client.get("/api/v1/overview")
        assert overview.status_code == 200
        page = client.get("/ui/")
        assert page.status_code == 200 and "releve" in page.text
