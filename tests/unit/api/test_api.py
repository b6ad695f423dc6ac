"""The API on real SQLite files: auth, roles, tenant boundaries, problem+json, CSV import."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from domain.consumption.open_schemas import LICENCE_URL
from kernel.settings import Settings
from kernel.types import Reading
from registry import Device, Role
from releve.services import web_app

A_EUI = "a000000000000001"
B_EUI = "b000000000000001"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[tuple[TestClient, dict[str, str]]]:
    settings = Settings(data_dir=tmp_path)
    app = web_app(settings)
    with TestClient(app) as c:
        state = app.state.releve
        town = state.registry.owner_tenant()
        landlord = state.registry.ensure_tenant("hlm", "Bailleur")
        site_a = state.registry.ensure_site(town.id, "mairie", "Mairie", floor_area_m2=500)
        site_b = state.registry.ensure_site(landlord.id, "residence", "Résidence")
        state.registry.add_devices(
            [
                Device(A_EUI, town.id, "eau mairie", "netvox/r718h", site_id=site_a.id),
                Device(B_EUI, landlord.id, "eau résidence", "netvox/r718h", site_id=site_b.id),
            ]
        )
        t0 = datetime(2026, 5, 4, 22, tzinfo=UTC)
        for eui in (A_EUI, B_EUI):
            state.store.write(
                [
                    Reading(
                        eui,
                        "water_volume",
                        10.0 + i * 0.5,
                        "m3",
                        "cumulative",
                        t0 + timedelta(hours=i),
                        delta=None if i == 0 else 0.5,
                    )
                    for i in range(6)
                ]
            )
        tokens = {}
        for name, tenant, role in [
            ("town_admin", town, Role.ADMIN),
            ("town_viewer", town, Role.VIEWER),
            ("town_operator", town, Role.OPERATOR),
            ("hlm_admin", landlord, Role.ADMIN),
            ("hlm_viewer", landlord, Role.VIEWER),
        ]:
            tokens[name] = state.registry.create_key(tenant.id, role, name)[1]
        yield c, tokens


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_no_key_is_401_problem_json(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    r = c.get("/api/v1/devices")
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["status"] == 401
    assert c.get("/api/v1/devices", headers=auth("rlv_bad_key")).status_code == 401


def test_tenants_see_only_their_own(client: tuple[TestClient, dict[str, str]]) -> None:
    c, tokens = client
    hlm = auth(tokens["hlm_viewer"])
    assert [d["dev_eui"] for d in c.get("/api/v1/devices", headers=hlm).json()["items"]] == [B_EUI]
    for path in (
        f"/api/v1/devices/{A_EUI}",
        f"/api/v1/devices/{A_EUI}/readings",
        f"/api/v1/devices/{A_EUI}/consumption",
        f"/api/v1/devices/{A_EUI}/uplinks",
    ):
        r = c.get(path, headers=hlm)
        assert r.status_code == 404, path
    sites = c.get("/api/v1/sites", headers=hlm).json()["items"]
    assert [s["name"] for s in sites] == ["Résidence"]
    town_site = c.get("/api/v1/sites", headers=auth(tokens["town_viewer"])).json()["items"][0]["id"]
    assert c.get(f"/api/v1/sites/{town_site}", headers=hlm).status_code == 404
    assert c.get(f"/api/v1/sites/{town_site}/consumption", headers=hlm).status_code == 404
    overview = c.get("/api/v1/overview", headers=hlm).json()
    assert [s["name"] for s in overview["sites"]] == ["Résidence"]
    export = c.get("/api/v1/devices/export", headers=hlm).text
    assert B_EUI in export and A_EUI not in export
    # The network owner's admin sees both.
    all_devices = c.get("/api/v1/devices", headers=auth(tokens["town_admin"])).json()["items"]
    assert {d["dev_eui"] for d in all_devices} == {A_EUI, B_EUI}


def test_roles(client: tuple[TestClient, dict[str, str]]) -> None:
    c, tokens = client
    csv = "dev_eui,name,model,site\na000000000000099,new,netvox/r718h,Mairie\n"
    r = c.post("/api/v1/devices/import?dry_run=false", content=csv, headers=auth(tokens["town_viewer"]))
    assert r.status_code == 403 and "operator" in r.json()["detail"]
    r = c.post("/api/v1/devices/import?dry_run=false", content=csv, headers=auth(tokens["town_operator"]))
    assert r.status_code == 200 and r.json()["imported"] == 1
    assert (
        c.post("/api/v1/keys", json={"role": "viewer"}, headers=auth(tokens["town_operator"])).status_code
        == 403
    )
    # A tenant's admin cannot mint keys for another tenant.
    r = c.post("/api/v1/keys", json={"role": "admin", "tenant_id": 1}, headers=auth(tokens["hlm_admin"]))
    assert r.status_code == 403


def test_keys_created_and_revoked_through_the_api(client: tuple[TestClient, dict[str, str]]) -> None:
    c, tokens = client
    r = c.post(
        "/api/v1/keys", json={"role": "technician", "name": "Paul"}, headers=auth(tokens["town_admin"])
    )
    assert r.status_code == 201
    created = r.json()
    assert c.get("/api/v1/me", headers=auth(created["token"])).json()["role"] == "technician"
    assert (
        c.delete(f"/api/v1/keys/{created['prefix']}", headers=auth(tokens["town_admin"])).status_code == 204
    )
    assert c.get("/api/v1/me", headers=auth(created["token"])).status_code == 401
    # The landlord's admin cannot revoke the town's keys.
    town_keys = c.get("/api/v1/keys", headers=auth(tokens["town_admin"])).json()["items"]
    victim = next(k for k in town_keys if k["name"] == "town_viewer")["prefix"]
    assert c.delete(f"/api/v1/keys/{victim}", headers=auth(tokens["hlm_admin"])).status_code == 404


def test_csv_dry_run_reports_bad_rows_and_imports_nothing(client: tuple[TestClient, dict[str, str]]) -> None:
    c, tokens = client
    csv = (
        "dev_eui,name,model,site\n"
        "a000000000000010,ok,netvox/r718h,Mairie\n"
        f"{A_EUI},already there,netvox/r718h,Mairie\n"
        "nothex,bad,netvox/r718h,Mairie\n"
    )
    for dry_run in ("true", "false"):
        r = c.post(
            f"/api/v1/devices/import?dry_run={dry_run}", content=csv, headers=auth(tokens["town_admin"])
        )
        body = r.json()
        # The provisioned device's row would update it (a spreadsheet imported again); the bad
        # row stops everything.
        assert [e["line"] for e in body["errors"]] == [4]
        assert body["errors"][0]["code"] == "bad_eui"
        assert body["imported"] == 0
    r = c.get("/api/v1/devices/a000000000000010", headers=auth(tokens["town_admin"]))
    assert r.status_code == 404
    assert (
        c.get(f"/api/v1/devices/{A_EUI}", headers=auth(tokens["town_admin"])).json()["name"]
        != "already there"
    )


def test_daily_consumption_in_the_towns_time_zone(client: tuple[TestClient, dict[str, str]]) -> None:
    c, tokens = client
    r = c.get(
        f"/api/v1/devices/{A_EUI}/consumption",
        params={"window": "day", "start": "2026-05-04T00:00:00+02:00", "end": "2026-05-06T00:00:00+02:00"},
        headers=auth(tokens["town_viewer"]),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["quantity"] == "water_volume" and body["unit"] == "m3"
    # Readings at 22:00 UTC .. 03:00 UTC = 00:00 .. 05:00 Paris on 5 May: all on the 5th; the 4th
    # had no reading at all, a visible gap.
    assert [(p["start"][:10], p["consumption"], p["readings"]) for p in body["points"]] == [
        ("2026-05-04", None, 0),
        ("2026-05-05", 2.5, 6),
    ]
    assert body["total"] == 2.5


def test_bad_requests_are_clear(client: tuple[TestClient, dict[str, str]]) -> None:
    c, tokens = client
    h = auth(tokens["town_admin"])
    r = c.get(f"/api/v1/devices/{A_EUI}/consumption", params={"window": "fortnight"}, headers=h)
    assert r.status_code == 422 and "window" in r.json()["detail"]
    r = c.get(f"/api/v1/devices/{A_EUI}/readings", params={"start": "2026-01-01T00:00:00"}, headers=h)
    assert r.status_code == 422 and "offset" in r.json()["detail"]
    r = c.get(
        f"/api/v1/devices/{A_EUI}/readings",
        params={"start": "2026-02-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"},
        headers=h,
    )
    assert r.status_code == 422
    r = c.post(
        "/api/v1/devices",
        json={"dev_eui": "zz", "name": "x", "model": "netvox/r718h", "site": "s"},
        headers=h,
    )
    assert r.status_code == 422
    r = c.post(
        "/api/v1/devices/import", content=b"x" * (7 * 1024 * 1024), headers={**h, "Content-Type": "text/csv"}
    )
    assert r.status_code == 413
    assert c.get("/api/v1/devices", params={"limit": 100000}, headers=h).status_code == 422


def test_meter_replacement_recorded_late_fixes_consumption(client: tuple[TestClient, dict[str, str]]) -> None:
    c, tokens = client
    state = c.app.state.releve  # type: ignore[attr-defined]
    t0 = datetime(2026, 6, 1, 6, tzinfo=UTC)
    # The old meter read 200.0 at 06:00; a new meter (starting at 0) reads 3.0 at 08:00.
    state.store.write(
        [
            Reading(A_EUI, "water_volume", 200.0, "m3", "cumulative", t0, delta=None),
            Reading(A_EUI, "water_volume", 3.0, "m3", "cumulative", t0 + timedelta(hours=2), delta=None),
        ]
    )
    h = auth(tokens["town_operator"])
    r = c.post(
        f"/api/v1/devices/{A_EUI}/meter-replacements",
        json={
            "at": (t0 + timedelta(hours=1)).isoformat(),
            "quantity": "water_volume",
            "old_final_index": 201.5,
            "new_initial_index": 0.0,
        },
        headers=h,
    )
    assert r.status_code == 201, r.text
    day = c.get(
        f"/api/v1/devices/{A_EUI}/consumption",
        params={"window": "day", "start": "2026-06-01T00:00:00+02:00", "end": "2026-06-02T00:00:00+02:00"},
        headers=h,
    ).json()
    # since the last May reading (12.5): 187.5 on the old meter until 200.0, then 1.5 until its
    # final 201.5, then 3.0 on the new one; without the replacement, 3.0 would read as a reset.
    assert day["total"] == pytest.approx(187.5 + 1.5 + 3.0)
    assert (
        c.post(
            f"/api/v1/devices/{A_EUI}/meter-replacements",
            json={
                "at": t0.isoformat(),
                "quantity": "water_volume",
                "old_final_index": 1,
                "new_initial_index": 0,
            },
            headers=auth(tokens["town_viewer"]),
        ).status_code
        == 403
    )


def test_metering_point_history_spans_a_device_change(client: tuple[TestClient, dict[str, str]]) -> None:
    c, tokens = client
    state = c.app.state.releve  # type: ignore[attr-defined]
    town = state.registry.owner_tenant()
    site = state.registry.ensure_site(town.id, "gymnase", "Gymnase")
    old, new = "c000000000000001", "c000000000000002"
    state.registry.add_devices(
        [
            Device(
                old, town.id, "eau (ancien capteur)", "netvox/r718h", site_id=site.id, metering_point="eau"
            ),
            Device(
                new, town.id, "eau (nouveau capteur)", "netvox/r718h", site_id=site.id, metering_point="eau"
            ),
        ]
    )
    t0 = datetime(2026, 7, 1, 6, tzinfo=UTC)
    state.store.write(
        [
            Reading(
                old,
                "water_volume",
                10.0 + i,
                "m3",
                "cumulative",
                t0 + timedelta(days=i),
                delta=None if i == 0 else 1.0,
            )
            for i in range(3)
        ]
    )
    state.store.write(
        [
            Reading(
                new,
                "water_volume",
                12.0 + 2 * i,
                "m3",
                "cumulative",
                t0 + timedelta(days=3 + i),
                delta=None if i == 0 else 2.0,
            )
            for i in range(3)
        ]
    )
    h = auth(tokens["town_viewer"])
    assert c.get(f"/api/v1/sites/{site.id}/points", headers=h).json() == [
        {"name": "eau", "devices": [old, new]}
    ]
    body = c.get(
        f"/api/v1/sites/{site.id}/points/eau/consumption",
        params={"start": "2026-07-01T00:00:00+02:00", "end": "2026-07-07T00:00:00+02:00"},
        headers=h,
    ).json()
    assert [p["consumption"] for p in body["points"]] == [None, 1.0, 1.0, None, 2.0, 2.0]
    assert c.get(f"/api/v1/sites/{site.id}/points/chauffage/consumption", headers=h).status_code == 404


def test_open_data_is_public_redacted_and_grouped(client: tuple[TestClient, dict[str, str]]) -> None:
    c, _ = client
    state = c.app.state.releve  # type: ignore[attr-defined]
    town = state.registry.owner_tenant()
    mairie = state.registry.ensure_site(
        town.id, "mairie", "Mairie", open_data=True, latitude=45.0, longitude=4.0
    )
    flats = state.registry.ensure_site(town.id, "hlm-a", "Résidence A", open_data=True, use="housing")
    state.registry.add_devices(
        [
            Device(
                "d000000000000001",
                town.id,
                "eau mairie",
                "netvox/r718h",
                site_id=mairie.id,
                metering_point="eau",
            ),
            Device(
                "d000000000000002",
                town.id,
                "eau appt 1",
                "netvox/r718h",
                site_id=flats.id,
                metering_point="apt1",
            ),
        ]
    )
    t0 = datetime(2026, 5, 4, 22, tzinfo=UTC)
    for eui in ("d000000000000001", "d000000000000002"):
        state.store.write(
            [
                Reading(
                    eui,
                    "water_volume",
                    1.0 + i,
                    "m3",
                    "cumulative",
                    t0 + timedelta(hours=i),
                    delta=None if i == 0 else 1.0,
                )
                for i in range(3)
            ]
        )
    params = {"start": "2026-05-05T00:00:00+02:00", "end": "2026-05-06T00:00:00+02:00"}
    csv = c.get("/api/v1/open/town/consumption.csv", params=params)  # no key needed
    assert csv.status_code == 200
    assert csv.text.splitlines() == [
        "code_site,site,usage,jour,grandeur,unite,consommation",
        "mairie,Mairie,,2026-05-05,water_volume,m3,2",
    ]  # the single flat is below the minimum group: never published
    assert "d000000000000001" not in csv.text and "eau mairie" not in csv.text
    geo = c.get("/api/v1/open/town/sites.geojson").json()
    assert [f["properties"]["name"] for f in geo["features"]] == ["Mairie"]
    catalog = c.get("/api/v1/open/catalog").json()
    assert catalog["dcat:dataset"][0]["dcterms:license"] == {"@id": LICENCE_URL}
    assert c.get("/api/v1/open/nobody/consumption.json").status_code == 404
    assert c.get("/api/v1/open/town/consumption.json", params={"quantity": "co2"}).status_code == 422
