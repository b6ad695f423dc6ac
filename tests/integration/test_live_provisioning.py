"""A device provisioned, changed and decommissioned while the real bridge runs (``releve bridge``
on a real Mosquitto), through the API over HTTP: what it sent to the quarantine before it was
provisioned is decoded within seconds, in its own time, without a restart; a new pulse weight
applies to the frames that follow; a decommissioned device's frames go to the quarantine again
while its history stays."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from kernel.settings import Settings
from registry import Role, schema
from releve.broker import MosquittoProcess, free_port
from releve.services import close_state, open_state
from tests.integration.bridge_helpers import BridgeProcess, publish
from tests.servers import api_server

pytestmark = pytest.mark.integration

EUI = "70b3d5326000aa01"
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=6)


def uplink(f_cnt: int, pulses: int) -> tuple[str, bytes]:
    """A ChirpStack v4 uplink of a Netvox R718H pulse counter, ``f_cnt`` half-hours after T0."""
    payload = bytes([0x01, 0x1F, 0x01, 36]) + pulses.to_bytes(2, "big") + bytes(5)
    body = {
        "deduplicationId": f"dedup-{f_cnt}",
        "time": (T0 + timedelta(minutes=30 * f_cnt)).isoformat(),
        "deviceInfo": {
            "devEui": EUI,
            "deviceName": "compteur-gymnase",
            "deviceProfileName": "Netvox R718H",
            "applicationId": "app-1",
        },
        "devAddr": "01020304",
        "fCnt": f_cnt,
        "fPort": 6,
        "data": base64.b64encode(payload).decode(),
        "rxInfo": [{"gatewayId": "aa555a0000000001", "rssi": -90, "snr": 7.5}],
    }
    return f"application/app-1/device/{EUI}/event/up", json.dumps(body).encode()


def wait_for(what: str, found: Callable[[], bool], timeout: float) -> float:
    """Seconds until ``found()``; fails after ``timeout``."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if found():
            return time.monotonic() - start
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout}s")


@pytest.fixture
def running(tmp_path: Path, mosquitto: MosquittoProcess) -> Iterator[tuple[str, dict[str, str], Path]]:
    data = tmp_path / "data"
    # the town's time zone, as the bridge's (its days are the rollups' days)
    settings = Settings(data_dir=data, api_port=free_port())
    state = open_state(settings)
    _, token = state.registry.create_key(state.registry.owner_tenant().id, Role.ADMIN, "ops")
    bridge = BridgeProcess(data, mosquitto.url)
    bridge.start()
    try:
        bridge.wait_connected()
        with api_server(settings, state) as url:
            yield url, {"Authorization": f"Bearer {token}"}, data
    finally:
        bridge.stop()
        close_state(state)


def states(data: Path) -> dict[str, int]:
    state = open_state(Settings(data_dir=data))
    try:
        u = schema.uplinks
        with state.registry.engine.connect() as conn:
            rows = conn.execute(select(u.c.state, func.count()).group_by(u.c.state)).all()
        return {str(r[0]): int(r[1]) for r in rows}
    finally:
        close_state(state)


def test_provisioned_from_the_quarantine_while_the_bridge_runs(
    running: tuple[str, dict[str, str], Path], mosquitto: MosquittoProcess
) -> None:
    url, admin, data = running
    with httpx.Client(base_url=url, headers=admin, timeout=10) as api:
        play_a_year_day(api, data, mosquitto.url)


def play_a_year_day(api: httpx.Client, data: Path, mqtt_url: str) -> None:
    publish(mqtt_url, [uplink(n, 1000 + 10 * n) for n in range(6)])
    wait_for("six uplinks quarantined", lambda: states(data).get("unknown_device") == 6, 30)

    heard = api.get("/api/v1/quarantine").json()["items"]
    assert [(q["dev_eui"], q["uplinks"], q["ports"], q["last_f_cnt"]) for q in heard] == [(EUI, 6, [6], 5)]
    assert (heard[0]["device_profile"], heard[0]["device_name"]) == ("Netvox R718H", "compteur-gymnase")

    device = {
        "dev_eui": EUI,
        "name": "Eau gymnase",
        "model": "netvox/r718h",
        "site": "Gymnase",
        "pulse_quantity": "water_volume",
        "pulse_weight": 0.01,
    }
    assert api.post("/api/v1/devices", json=device).status_code == 201

    def readings() -> list[dict[str, object]]:
        items: list[dict[str, object]] = api.get(
            f"/api/v1/devices/{EUI}/readings",
            params={"quantity": "water_volume", "start": (T0 - timedelta(hours=1)).isoformat()},
        ).json()["items"]
        return items

    took = wait_for("the quarantined uplinks decoded", lambda: len(readings()) == 6, 10)
    assert took < 10
    # In their own time, weighted: 10 pulses of 10 L between frames.
    got = readings()
    times = [datetime.fromisoformat(str(r["ts"]).replace("Z", "+00:00")) for r in got]
    assert times == [T0 + timedelta(minutes=30 * n) for n in range(6)]
    assert [r["value"] for r in got] == pytest.approx([10.0 + 0.1 * n for n in range(6)])
    assert [r["delta"] for r in got[1:]] == pytest.approx([0.1] * 5)
    assert api.get("/api/v1/quarantine").json()["items"] == []

    # A pulse weight fixed while it runs: the next frames use it within seconds (the first one
    # after the change is a jump of the index, not consumption, as for a meter replaced).
    r = api.patch(f"/api/v1/devices/{EUI}", json={"pulse_weight": 0.001})
    assert r.status_code == 200 and r.json()["pulse_weight"] == 0.001
    time.sleep(1.5)
    publish(mqtt_url, [uplink(6, 1060)])
    wait_for("the new weight", lambda: len(readings()) == 7, 10)
    assert readings()[-1]["value"] == pytest.approx(1.06)

    # Decommissioned: its history stays, what it sends next waits in the quarantine.
    r = api.patch(f"/api/v1/devices/{EUI}", json={"status": "decommissioned"})
    assert r.status_code == 200 and r.json()["status"] == "decommissioned"
    time.sleep(1.5)
    publish(mqtt_url, [uplink(7, 1070)])
    wait_for("quarantined again", lambda: states(data).get("unknown_device") == 1, 10)
    assert len(readings()) == 7
    assert [q["dev_eui"] for q in api.get("/api/v1/quarantine").json()["items"]] == [EUI]
    audit = api.get("/api/v1/audit").json()["items"]
    assert [e["action"] for e in audit[:3]] == ["update_device", "update_device", "create_device"]
    assert audit[0]["changes"] == {"status": ["active", "decommissioned"]}
    assert audit[1]["changes"] == {"pulse_weight": [0.01, 0.001]}


def test_moved_removed_and_keys_rotated_while_the_bridge_runs(
    running: tuple[str, dict[str, str], Path], mosquitto: MosquittoProcess
) -> None:
    url, admin, data = running
    with httpx.Client(base_url=url, headers=admin, timeout=10) as api:
        device: dict[str, object] = {"dev_eui": EUI, "name": "Eau gymnase", "model": "netvox/r718h"}
        device |= {"site": "Gymnase", "pulse_quantity": "water_volume", "pulse_weight": 0.01}
        assert api.post("/api/v1/devices", json=device).status_code == 201
        test = {"dev_eui": "70b3d5326000aa02", "name": "essai", "model": "netvox/r718h", "site": "Atelier"}
        assert api.post("/api/v1/devices", json=test).status_code == 201
        other = [
            (t.replace(EUI, test["dev_eui"]), b.replace(EUI.encode(), test["dev_eui"].encode()))
            for t, b in (uplink(n, 50 + n) for n in range(2))
        ]
        publish(mosquitto.url, [uplink(n, 1000 + 10 * n) for n in range(4)] + other)
        wait_for("decoded", lambda: states(data).get("decoded") == 6, 15)

        def total(site_id: int) -> float:
            body = api.get(
                f"/api/v1/sites/{site_id}/consumption",
                params={
                    "quantity": "water_volume",
                    "window": "day",
                    "start": (T0 - timedelta(days=1)).isoformat(),
                },
            ).json()
            return float(body["total"] or 0)

        sites = {s["name"]: s["id"] for s in api.get("/api/v1/sites").json()["items"]}
        assert total(sites["Gymnase"]) == pytest.approx(0.3)

        # Moved (a correction: the device was on the wrong building): its history follows it.
        new = api.post("/api/v1/sites", json={"name": "Gymnase Jean Moulin"}).json()
        r = api.patch(f"/api/v1/devices/{EUI}", json={"site_id": new["id"]})
        assert r.status_code == 200 and r.json()["site_id"] == new["id"]
        assert total(new["id"]) == pytest.approx(0.3)
        assert api.delete(f"/api/v1/sites/{sites['Gymnase']}").status_code == 204
        refused = api.delete(f"/api/v1/sites/{new['id']}")
        assert refused.status_code == 409 and "still has 1 device" in refused.json()["detail"]

        # The test device removed with its data; the other's readings untouched.
        assert api.delete(f"/api/v1/devices/{test['dev_eui']}", params={"note": "essai"}).status_code == 204
        assert api.get(f"/api/v1/devices/{test['dev_eui']}").status_code == 404
        assert total(new["id"]) == pytest.approx(0.3)
        entry = api.get("/api/v1/audit").json()["items"][0]
        assert (entry["action"], entry["target"], entry["counts"]["uplinks"]) == (
            "delete_device",
            test["dev_eui"],
            2,
        )

        # An admin key rotated: the new one works, the old one no longer.
        created = api.post("/api/v1/keys", json={"role": "admin", "name": "ops 2027"}).json()
        old = api.get("/api/v1/me").json()["prefix"]
        assert api.delete(f"/api/v1/keys/{old}").status_code == 204
        assert api.get("/api/v1/me").status_code == 401
        fresh = {"Authorization": f"Bearer {created['token']}"}
        actions = [e["action"] for e in api.get("/api/v1/audit", headers=fresh).json()["items"][:2]]
        assert actions == ["revoke_key", "create_key"]
