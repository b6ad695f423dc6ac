"""Export, erasure with its audit trail, the public sensor register and usage, through the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx2
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from api.deps import AppState
from domain.portability.restore import import_archive
from ingest.archive import Archive
from kernel.settings import Settings
from kernel.types import Lns, Reading, Uplink
from registry import Device, Role, open_registry
from registry.schema import api_usage
from releve.services import web_app
from store.sqlite import SqliteStore

A_EUI = "a000000000000001"
A2_EUI = "a000000000000002"
B_EUI = "b000000000000001"
T0 = datetime(2026, 5, 4, 22, tzinfo=UTC)


@dataclass
class Env:
    client: TestClient
    state: AppState
    tokens: dict[str, str]

    def get(self, path: str, who: str, params: dict[str, str | int] | None = None) -> httpx2.Response:
        return self.client.get(path, headers={"Authorization": f"Bearer {self.tokens[who]}"}, params=params)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    app = web_app(Settings(data_dir=tmp_path))
    with TestClient(app) as c:
        state: AppState = app.state.releve
        reg = state.registry
        town = reg.owner_tenant()
        hlm = reg.ensure_tenant("hlm", "Bailleur")
        school = reg.ensure_site(town.id, "ecole", "École", latitude=48.11, longitude=-1.68, open_data=True)
        depot = reg.ensure_site(town.id, "depot", "Dépôt")
        flats = reg.ensure_site(hlm.id, "residence", "Résidence")
        reg.add_devices(
            [
                Device(
                    A_EUI,
                    town.id,
                    "eau école",
                    "netvox/r718h",
                    site_id=school.id,
                    pulse_quantity="water_volume",
                    pulse_weight=0.001,
                    purpose="fuites et consommation d'eau",
                    operated_by="Services techniques",
                    installed_at=date(2025, 1, 15),
                    app_skey_wrapped=b"secret-wrapped-key",
                ),
                Device(A2_EUI, town.id, "M. Dupont", "netvox/r718h", site_id=depot.id),
                Device(B_EUI, hlm.id, "eau résidence", "netvox/r718h", site_id=flats.id),
            ]
        )
        archive = Archive(reg.engine)
        for eui in (A_EUI, B_EUI):
            stored = archive.store(
                [
                    (Uplink(eui, 6, n, bytes([1, 2, n]), T0 + timedelta(hours=n), Lns.CHIRPSTACK_V4), "town")
                    for n in range(6)
                ]
            )
            state.store.write(
                [
                    Reading(
                        eui,
                        "water_volume",
                        10.0 + i * 0.5,
                        "m3",
                        "cumulative",
                        a.uplink.received_at,
                        f_cnt=i,
                        uplink_id=a.id,
                        delta=None if i == 0 else 0.5,
                    )
                    for i, a in enumerate(stored)
                ]
            )
        tokens = {}
        for name, tenant, role in [
            ("town_admin", town, Role.ADMIN),
            ("town_viewer", town, Role.VIEWER),
            ("hlm_admin", hlm, Role.ADMIN),
        ]:
            tokens[name] = reg.create_key(tenant.id, role, name)[1]
        yield Env(c, state, tokens)


EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def test_sensor_register_lists_every_device_without_secrets(env: Env) -> None:
    r = env.client.get("/api/v1/open/town/sensors.json")
    assert r.status_code == 200
    doc = r.json()
    sensors = {s["dev_eui"]: s for s in doc["sensors"]}
    assert set(sensors) == {A_EUI, A2_EUI}  # also the depot, whose data is not open; never hlm's
    water = sensors[A_EUI]
    assert water["purpose"] == "fuites et consommation d'eau"
    assert water["operated_by"] == "Services techniques"
    assert water["installed_at"] == "2025-01-15"
    assert (water["site"], water["latitude"], water["longitude"]) == ("École", 48.11, -1.68)
    assert "water_volume" in water["quantities"] and water["data_published"] is True
    assert sensors[A2_EUI]["operated_by"] == "Town" and sensors[A2_EUI]["data_published"] is False
    assert "Dupont" not in r.text and "secret" not in r.text and "app_skey" not in r.text
    table = list(csv.DictReader(io.StringIO(env.client.get("/api/v1/open/town/sensors.csv").text)))
    assert [row["dev_eui"] for row in table] == [A_EUI, A2_EUI]
    assert table[0]["installed_at"] == "2025-01-15" and table[1]["purpose"] == ""
    assert env.client.get("/api/v1/open/nobody/sensors.json").status_code == 404
    catalog = env.client.get("/api/v1/open/catalog").json()
    register = [d for d in catalog["dcat:dataset"] if d["dcterms:identifier"]["@value"] == "town-capteurs"]
    urls = [x["dcat:downloadURL"]["@id"] for x in register[0]["dcat:distribution"]]
    assert urls == [
        "http://testserver/api/v1/open/town/sensors.csv",
        "http://testserver/api/v1/open/town/sensors.json",
    ]


def test_register_fields_are_set_through_post_and_csv(env: Env) -> None:
    headers = {"Authorization": f"Bearer {env.tokens['town_admin']}"}
    body = {
        "dev_eui": "a0-00-00-00-00-00-00-09",
        "name": "co2 école",
        "model": "netvox/r718h",
        "site": "École",
        "purpose": "qualité de l'air",
        "operated_by": "Atmo",
        "installed_at": "2026-02-01",
    }
    r = env.client.post("/api/v1/devices", json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert (r.json()["purpose"], r.json()["operated_by"], r.json()["installed_at"]) == (
        "qualité de l'air",
        "Atmo",
        "2026-02-01",
    )
    sheet = (
        "dev_eui,name,model,site,purpose,operated_by,installed_at\n"
        "a00000000000000a,compteur,netvox/r718h,Dépôt,eau,Régie,2024-06-30\n"
        "a00000000000000b,compteur,netvox/r718h,Dépôt,eau,Régie,30/06/2024\n"
    )
    report = env.client.post("/api/v1/devices/import?dry_run=true", content=sheet, headers=headers).json()
    assert report["errors"] == [
        {
            "line": 3,
            "reason": "installed_at: not a date (YYYY-MM-DD): '30/06/2024'",
            "code": "bad_date",
            "params": {"column": "installed_at", "value": "30/06/2024"},
        }
    ]
    sheet = sheet.rsplit("\n", 2)[0] + "\n"
    assert (
        env.client.post("/api/v1/devices/import?dry_run=false", content=sheet, headers=headers).status_code
        == 200
    )
    assert env.state.registry.get_device("a00000000000000a").installed_at == date(2024, 6, 30)
    exported = env.client.get("/api/v1/devices/export", headers=headers).text
    assert "a00000000000000a,compteur,netvox/r718h,Dépôt" in exported and ",eau,Régie,2024-06-30" in exported


def test_erasure_removes_the_data_and_leaves_an_audit_entry(env: Env) -> None:
    headers = {"Authorization": f"Bearer {env.tokens['town_admin']}"}
    viewer = {"Authorization": f"Bearer {env.tokens['town_viewer']}"}
    hlm = {"Authorization": f"Bearer {env.tokens['hlm_admin']}"}
    assert env.client.delete(f"/api/v1/devices/{A_EUI}/data", headers=viewer).status_code == 403
    assert env.client.delete(f"/api/v1/devices/{A_EUI}/data", headers=hlm).status_code == 404
    assert env.state.store.query(A_EUI, *EVER) != []
    # one more, archived and not yet processed: erased too
    env.state.archive.store([(Uplink(A_EUI, 6, 99, b"\x01", T0, Lns.CHIRPSTACK_V4), "town")])
    r = env.client.delete(f"/api/v1/devices/{A_EUI}/data?note=demande 2026-17", headers=headers)
    assert r.status_code == 200, r.text
    entry = r.json()
    assert entry["counts"] == {"readings": 6, "uplinks": 7, "alarms": 0}
    assert entry["action"] == "erase_device_data" and entry["target"] == A_EUI
    assert entry["actor"] == env.tokens["town_admin"].split("_")[1] and entry["note"] == "demande 2026-17"
    assert env.state.store.query(A_EUI, *EVER) == []
    assert env.state.store.hourly(A_EUI) == []
    assert env.state.archive.select(dev_eui=A_EUI) == []
    assert env.state.store.query(B_EUI, *EVER) != []  # nothing else touched
    assert env.client.get(f"/api/v1/devices/{A_EUI}", headers=headers).status_code == 200  # still provisioned
    log = env.client.get("/api/v1/audit", headers=headers).json()
    assert log["total"] == 1 and log["items"][0]["id"] == entry["id"]
    assert env.client.get("/api/v1/audit", headers=hlm).json()["items"] == []
    assert env.client.get("/api/v1/audit", headers=viewer).status_code == 403


def test_usage_counts_requests_per_tenant_in_batches(env: Env) -> None:
    for _ in range(25):
        assert env.get("/api/v1/devices", "hlm_admin").status_code == 200
    for _ in range(3):
        env.client.get("/api/v1/open/hlm/sensors.json")
    with env.state.registry.engine.connect() as conn:
        written = conn.execute(select(func.count()).select_from(api_usage)).scalar_one()
    assert written == 0  # counted in memory, not one write per request
    r = env.get("/api/v1/usage", "town_admin", params={"start": "2026-01-01T00:00:00Z"})
    assert r.status_code == 200, r.text
    tenants = {t["slug"]: t for t in r.json()["tenants"]}
    assert tenants["hlm"]["api_requests"] == 28
    assert tenants["hlm"]["uplinks"] == 6 and tenants["hlm"]["readings"] == 6
    assert tenants["hlm"]["payload_bytes"] == 18 and tenants["hlm"]["devices"] == 1
    assert tenants["hlm"]["bytes_stored"] > tenants["hlm"]["payload_bytes"]
    assert tenants["town"]["uplinks"] == 6 and tenants["town"]["devices"] == 2
    own = env.get("/api/v1/usage", "hlm_admin").json()["tenants"]
    assert [t["slug"] for t in own] == ["hlm"]
    bad = env.get(
        "/api/v1/usage", "town_admin", params={"start": "2026-02-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}
    )
    assert bad.status_code == 422


def test_export_through_the_api_imports_elsewhere(env: Env, tmp_path: Path) -> None:
    r = env.get("/api/v1/export", "town_admin")
    assert r.status_code == 200 and r.headers["content-type"] == "application/gzip"
    path = tmp_path / "export.tar.gz"
    path.write_bytes(r.content)
    other = open_registry(f"sqlite:///{tmp_path / 'other.db'}")
    store = SqliteStore(tmp_path / "other-readings.db")
    report = import_archive(other, store, path)
    assert report.counts.devices == 2 and report.counts.readings == 6
    moved = store.query(A_EUI, *EVER)
    assert [(x.ts, x.value, x.delta) for x in moved] == [
        (x.ts, x.value, x.delta) for x in env.state.store.query(A_EUI, *EVER)
    ]
    assert other.get_device(A_EUI).app_skey_wrapped == b"secret-wrapped-key"
    assert other.find_device(B_EUI) is None
    other.close()
    store.close()
    assert env.get("/api/v1/export", "hlm_admin", params={"tenant_id": 1}).status_code == 403
    assert env.get("/api/v1/export", "town_viewer").status_code == 403
    hlm = env.get("/api/v1/export", "town_admin", params={"tenant_id": 2})
    assert hlm.status_code == 200 and len(hlm.content) > 100
