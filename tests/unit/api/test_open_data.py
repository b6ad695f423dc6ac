"""The open files as a re-user reads them: every quantity a published site measures with its unit,
whole days of the town's calendar and never today, never a household below the minimum group,
a CSV that validates against its Table Schema (checked by frictionless, the validator behind
schema.data.gouv.fr), ETag, CORS and HEAD on every public answer."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from frictionless import Resource, Schema

from domain.consumption.open_schemas import OPEN_QUANTITIES
from kernel.settings import Settings
from registry import Role
from releve.runtime import provision_fleet
from releve.services import close_state, open_state
from simulator.fleet import load_fleet
from tests.unit.api.open_world import METERS, ROOM, UNITS, OpenWorld, open_world

TOWN_SITES = {"mairie", "ecole", "residence-b"}  # open; Résidence A is below the minimum group


@pytest.fixture
def world(tmp_path: Path) -> Iterator[OpenWorld]:
    yield from open_world(tmp_path)


def table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def as_measured(rows: list[dict[str, str]]) -> dict[tuple[str, date, str], float]:
    return {
        (r["code_site"], date.fromisoformat(r["jour"]), r["grandeur"]): float(r["consommation"]) for r in rows
    }


def test_every_quantity_of_the_published_sites_with_its_unit_whole_days_never_today(world: OpenWorld) -> None:
    since = (world.today - timedelta(days=3)).isoformat()
    r = world.client.get("/api/v1/open/town/consumption.csv", params={"start": since})  # no key
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "text/csv; charset=utf-8"
    rows = table(r.text)
    expected = {
        k: v for k, v in world.published(TOWN_SITES).items() if k[1] >= world.today - timedelta(days=3)
    }
    got = as_measured(rows)
    assert got.keys() == expected.keys()
    assert all(got[k] == pytest.approx(v) for k, v in expected.items())
    mairie = {(r["grandeur"], r["unite"]) for r in rows if r["code_site"] == "mairie"}
    assert mairie == {(q, UNITS[q]) for q in ("water_volume", "energy_import", "gas_volume", "heat_energy")}
    assert world.today.isoformat() not in r.text  # measured since midnight, published tomorrow
    # whole days: 24 hours of the town hall's electricity (23 or 25 the day the clocks change)
    yesterday = world.today - timedelta(days=1)
    assert got[("mairie", yesterday, "energy_import")] == pytest.approx(
        world.measured[("mairie", yesterday, "energy_import")]
    )
    # never a device, a device's name, a household below the minimum group, nor a closed site
    for secret in ("Dupont", "a000000000000001", "residence-a", "Résidence A", "depot", ROOM):
        assert secret not in r.text
    assert {row["code_site"] for row in rows} == TOWN_SITES
    assert (
        r.headers["content-disposition"]
        == f'attachment; filename="town-consommations-{since}_{yesterday}.csv"'
    )


def test_dates_without_offset_are_the_towns_days_and_the_end_date_is_included(world: OpenWorld) -> None:
    day = world.today - timedelta(days=2)
    one = table(
        world.client.get(
            "/api/v1/open/town/consumption.csv", params={"start": day.isoformat(), "end": day.isoformat()}
        ).text
    )
    assert {r["jour"] for r in one} == {day.isoformat()}
    assert as_measured(one) == pytest.approx(
        {k: v for k, v in world.published(TOWN_SITES).items() if k[1] == day}
    )
    water = world.client.get(
        "/api/v1/open/town/consumption.json",
        params={"start": day.isoformat(), "end": day.isoformat(), "quantity": "water_volume"},
    ).json()
    assert {(w["code_site"], w["grandeur"], w["unite"]) for w in water} == {
        (site, "water_volume", "m3") for site in TOWN_SITES
    }
    assert next(w for w in water if w["code_site"] == "ecole")["consommation"] == pytest.approx(
        world.measured[("ecole", day, "water_volume")]
    )
    today = world.client.get("/api/v1/open/town/consumption.csv", params={"start": world.today.isoformat()})
    assert today.status_code == 200 and table(today.text) == []  # asked for today: nothing yet
    bad = world.client.get("/api/v1/open/town/consumption.csv", params={"start": "2026-02-30"})
    assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
    assert "is not a date" in bad.json()["detail"]
    assert (
        world.client.get("/api/v1/open/town/consumption.csv", params={"quantity": "co2"}).status_code == 422
    )


def test_the_csv_validates_against_its_table_schema_and_the_validator_catches_a_bad_file(
    world: OpenWorld,
) -> None:
    r = world.client.get("/api/v1/open/town/consumption.csv", params={"start": world.first_day.isoformat()})
    descriptor = world.client.get("/api/v1/open/schemas/consumption.schema.json").json()
    assert descriptor["path"] == "http://testserver/api/v1/open/schemas/consumption.schema.json"
    assert [f["name"] for f in descriptor["fields"]] == r.text.splitlines()[0].split(",")
    assert descriptor["fields"][4]["constraints"]["enum"] == list(OPEN_QUANTITIES)
    schema = Schema.from_descriptor(descriptor)
    report = Resource(data=r.content, format="csv", schema=schema).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.task.stats["rows"] == len(world.published(TOWN_SITES)) > 20

    lines = r.text.splitlines()
    bad = "\n".join([*lines, lines[1], lines[2].replace(",m3,", ",litres,").replace(",kWh,", ",Wh,")]) + "\n"
    errors = Resource(data=bad.encode(), format="csv", schema=schema).validate().flatten(["type"])
    assert sorted({e[0] for e in errors}) == ["constraint-error", "primary-key"]


def test_the_sensor_register_validates_against_its_table_schema(world: OpenWorld) -> None:
    r = world.client.get("/api/v1/open/town/sensors.csv")
    descriptor = world.client.get("/api/v1/open/schemas/sensors.schema.json").json()
    report = Resource(data=r.content, format="csv", schema=Schema.from_descriptor(descriptor)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    town_meters = [m for m in METERS if m.site != "logements"]
    assert report.task.stats["rows"] == len(town_meters) + 1  # and the room sensor
    assert "Dupont" not in r.text  # never a device's name


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/open/catalog",
        "/api/v1/open/schemas/consumption.schema.json",
        "/api/v1/open/schemas/sensors.schema.json",
        "/api/v1/open/town/consumption.csv",
        "/api/v1/open/town/consumption.json",
        "/api/v1/open/town/sites.geojson",
        "/api/v1/open/town/sensors.csv",
        "/api/v1/open/town/sensors.json",
    ],
)
def test_public_answers_carry_an_etag_cors_and_answer_head(world: OpenWorld, path: str) -> None:
    c = world.client
    first = c.get(path, headers={"Origin": "https://carte.example.org"})
    assert first.status_code == 200 and first.content
    assert first.headers["access-control-allow-origin"] == "*"
    assert "ETag" in first.headers["access-control-expose-headers"]
    assert first.headers["cache-control"] == "public, no-cache"
    etag = first.headers["etag"]
    assert c.get(path).headers["etag"] == etag  # the same bytes, the same validator
    unchanged = c.get(path, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert c.get(path, headers={"If-None-Match": '"other"'}).status_code == 200
    head = c.head(path)
    assert head.status_code == 200 and head.content == b"" and head.headers["etag"] == etag
    assert head.headers["content-type"] == first.headers["content-type"]
    preflight = c.options(
        path,
        headers={
            "Origin": "https://carte.example.org",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "if-none-match",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]
    assert "If-None-Match" in preflight.headers["access-control-allow-headers"]


def test_cors_is_for_the_open_data_only_and_errors_are_readable_cross_origin(world: OpenWorld) -> None:
    c = world.client
    missing = c.get("/api/v1/open/nobody/consumption.csv", headers={"Origin": "https://x.example"})
    assert missing.status_code == 404 and missing.headers["access-control-allow-origin"] == "*"
    private = c.get("/api/v1/sites", headers={**world.admin, "Origin": "https://x.example"})
    assert private.status_code == 200 and "access-control-allow-origin" not in private.headers
    assert c.post("/api/v1/open/town/consumption.csv").status_code == 405  # read-only


def test_sites_geojson_lists_the_published_buildings_with_their_code(world: OpenWorld) -> None:
    r = world.client.get("/api/v1/open/town/sites.geojson")
    assert r.headers["content-type"] == "application/geo+json"
    features = {f["properties"]["code_site"]: f for f in r.json()["features"]}
    assert set(features) == TOWN_SITES
    assert features["mairie"]["geometry"] == {"type": "Point", "coordinates": [4.8357, 45.764]}
    assert features["residence-b"]["properties"]["metering_points"] == 3


def test_the_open_data_flag_is_set_and_kept_through_the_sites_api(world: OpenWorld) -> None:
    c = world.client
    operator = world.state.registry.create_key(world.state.registry.owner_tenant().id, Role.OPERATOR, "ops")[
        1
    ]
    h = {"Authorization": f"Bearer {operator}"}
    created = c.post("/api/v1/sites", json={"name": "Piscine", "use": "pool", "open_data": True}, headers=h)
    assert created.status_code == 201 and created.json()["open_data"] is True
    renamed = c.post("/api/v1/sites", json={"name": "Piscine", "address": "1 rue de l'Eau"}, headers=h)
    assert renamed.json()["open_data"] is True  # omitted: unchanged
    assert (
        c.post("/api/v1/sites", json={"name": "Piscine", "open_data": False}, headers=h).json()["open_data"]
        is False
    )
    assert c.post("/api/v1/sites", json={"name": "Halle"}, headers=h).json()["open_data"] is False
    listed = {s["slug"]: s["open_data"] for s in c.get("/api/v1/sites", headers=h).json()["items"]}
    assert listed["mairie"] is True and listed["depot"] is False and listed["piscine"] is False


def test_the_demo_town_publishes_its_public_buildings_and_keeps_a_towns_choice(tmp_path: Path) -> None:
    state = open_state(Settings(data_dir=tmp_path))
    try:
        registry = state.registry
        fleet = load_fleet()
        provision_fleet(registry, fleet)
        town = registry.owner_tenant().id
        published = {s.slug: s.open_data for s in registry.list_sites(town)}
        assert published == {"mairie": True, "ecole-jules-ferry": True, "gymnase": True, "bibliotheque": True}
        registry.ensure_site(town, "gymnase", open_data=False)  # the town withdraws the gym
        provision_fleet(registry, fleet)  # the next `releve run`
        assert {s.slug: s.open_data for s in registry.list_sites(town)}["gymnase"] is False
    finally:
        close_state(state)
