"""Climate endpoints on real SQLite files: weather import, heating per DJU, comfort, thresholds."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from kernel.settings import Settings
from kernel.types import Reading
from registry import Device, Role
from releve.services import web_app

METER = "a000000000000010"
ROOM = "a000000000000011"
OUTSIDE = "a000000000000012"
HLM_ROOM = "b000000000000011"
T0 = datetime(2026, 1, 4, 23, tzinfo=UTC)  # 5 January 2026, 00:00 in Paris
# Three Paris days: 24, 36 and 12 kWh of electricity.
HOURLY_KWH = (1.0, 1.5, 0.5)
# Observations (UTC) whose local days give Tmin/Tmax 2/8, -1/5 and 15/25 degC.
STATION_CSV = """time,temperature
2026-01-05T05:00:00Z,2
2026-01-05T11:00:00Z,5
2026-01-05T14:00:00Z,8
2026-01-05T23:30:00Z,-1
2026-01-06T13:00:00+00:00,5
2026-01-07T06:00:00+01:00,15
2026-01-07T15:00:00+01:00,25
"""


@dataclass
class Env:
    c: TestClient
    tokens: dict[str, str]
    town_site: int
    hlm_site: int

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    app = web_app(Settings(data_dir=tmp_path))
    with TestClient(app) as c:
        state = app.state.releve
        town = state.registry.owner_tenant()
        hlm = state.registry.ensure_tenant("hlm", "Bailleur")
        site = state.registry.ensure_site(town.id, "mairie", "Mairie", latitude=48.85, longitude=2.35)
        other = state.registry.ensure_site(hlm.id, "residence", "Résidence")
        state.registry.add_devices(
            [
                Device(METER, town.id, "électricité", "milesight-iot/em300-di", site_id=site.id),
                Device(ROOM, town.id, "salle du conseil", "elsys/ers-co2", site_id=site.id),
                Device(OUTSIDE, town.id, "sonde extérieure", "elsys/ers-co2", site_id=site.id),
                Device(HLM_ROOM, hlm.id, "hall", "elsys/ers-co2", site_id=other.id),
            ]
        )
        index, readings = 100.0, []
        for hour in range(72):
            index += HOURLY_KWH[hour // 24]
            ts = T0 + timedelta(hours=hour, minutes=30)
            readings.append(
                Reading(METER, "energy_import", index, "kWh", "cumulative", ts, delta=HOURLY_KWH[hour // 24])
            )
        room = {"temperature": (17.0, 20.0, 21.0, 27.0), "co2": (800.0, 1200.0), "humidity": (40.0,)}
        units = {"temperature": "°C", "co2": "ppm", "humidity": "%"}
        for quantity, values in room.items():
            for k, value in enumerate(values):
                ts = T0 + timedelta(hours=10 + k)
                readings.append(Reading(ROOM, quantity, value, units[quantity], "instantaneous", ts))
                readings.append(Reading(HLM_ROOM, quantity, value, units[quantity], "instantaneous", ts))
        # the electricity meter's housing sensor, in the plant room: not a room of the comfort page
        readings.append(Reading(METER, "temperature", 31.0, "°C", "instantaneous", T0 + timedelta(hours=10)))
        # The outdoor sensor: the station's first two days, then nothing on the third.
        for ts, value in [(T0 + timedelta(hours=6), 2.0), (T0 + timedelta(hours=15), 8.0)]:
            readings.append(Reading(OUTSIDE, "temperature", value, "°C", "instantaneous", ts))
        for ts, value in [(T0 + timedelta(hours=25), -1.0), (T0 + timedelta(hours=38), 5.0)]:
            readings.append(Reading(OUTSIDE, "temperature", value, "°C", "instantaneous", ts))
        state.store.write(readings)
        tokens = {}
        for name, tenant, role in [
            ("town_admin", town, Role.ADMIN),
            ("town_viewer", town, Role.VIEWER),
            ("town_technician", town, Role.TECHNICIAN),
            ("town_operator", town, Role.OPERATOR),
            ("hlm_operator", hlm, Role.OPERATOR),
            ("hlm_viewer", hlm, Role.VIEWER),
        ]:
            tokens[name] = state.registry.create_key(tenant.id, role, name)[1]
        yield Env(c, tokens, site.id, other.id)


def _import_station(env: Env, who: str = "town_operator", name: str = "paris-montsouris") -> None:
    r = env.c.post(f"/api/v1/weather/{name}/import?dry_run=false", content=STATION_CSV, headers=env.h(who))
    assert r.status_code == 200 and r.json()["imported"] == 7, r.text


def test_station_import_gives_daily_extremes_per_local_day(env: Env) -> None:
    r = env.c.post(
        "/api/v1/weather/paris-montsouris/import", content=STATION_CSV, headers=env.h("town_operator")
    )
    assert r.json() == {"station": "paris-montsouris", "dry_run": True, "imported": 7, "errors": []}
    # a dry run stores nothing
    assert env.c.get("/api/v1/weather/paris-montsouris", headers=env.h("town_viewer")).status_code == 404
    _import_station(env)
    r = env.c.get(
        "/api/v1/weather/paris-montsouris?start=2026-01-05T00:00:00%2B01:00&end=2026-01-08T00:00:00%2B01:00",
        headers=env.h("town_viewer"),
    )
    days = [(d["day"], d["min"], d["max"], d["observations"]) for d in r.json()["days"]]
    (station,) = env.c.get("/api/v1/weather", headers=env.h("town_viewer")).json()["items"]
    assert station["station"] == "paris-montsouris" and station["observations"] == 7
    assert station["first"].startswith("2026-01-05T05:00:00") and station["last"].startswith(
        "2026-01-07T14:00"
    )
    assert env.c.get("/api/v1/weather", headers=env.h("hlm_viewer")).json()["items"] == []
    # 23:30 UTC on the 5th is the 6th in Paris
    assert days == [("2026-01-05", 2, 8, 3), ("2026-01-06", -1, 5, 2), ("2026-01-07", 15, 25, 2)]


def test_station_csv_bad_rows_have_line_numbers_and_nothing_is_imported(env: Env) -> None:
    bad = (
        "time,temperature\n"
        "2026-01-05T05:00:00Z,2\n"
        "2026-01-05 06:00,3\n"  # no offset
        "yesterday,3\n"
        "2026-01-05T07:00:00Z,warm\n"
        "2026-01-05T08:00:00Z,85\n"  # a unit error, not weather
        "2026-01-05T05:00:00+00:00,4\n"  # the same time as line 2
        "2026-01-05T09:00:00Z,4,5\n"
    )
    r = env.c.post("/api/v1/weather/paris/import?dry_run=false", content=bad, headers=env.h("town_operator"))
    body = r.json()
    assert body["imported"] == 0
    assert [e["line"] for e in body["errors"]] == [3, 4, 5, 6, 7, 8]
    reasons = " | ".join(e["reason"] for e in body["errors"])
    for words in ("UTC offset", "ISO 8601", "not a number", "outside", "already on line 2", "2 fields"):
        assert words in reasons
    assert env.c.get("/api/v1/weather/paris", headers=env.h("town_viewer")).status_code == 404
    r = env.c.post("/api/v1/weather/paris/import", content="when,temp\n", headers=env.h("town_operator"))
    assert r.json()["errors"][0]["line"] == 1
    r = env.c.post(
        "/api/v1/weather/paris/import", content="time,temperature\n", headers=env.h("town_operator")
    )
    assert "no observations" in r.json()["errors"][0]["reason"]


def test_heating_per_degree_day_from_a_station(env: Env) -> None:
    _import_station(env)
    site = env.town_site
    r = env.c.get(f"/api/v1/sites/{site}/heating", headers=env.h("town_viewer"))
    assert r.status_code == 409 and "PUT" in r.json()["detail"]
    r = env.c.put(
        f"/api/v1/sites/{site}/weather", json={"station": "paris-montsouris"}, headers=env.h("town_operator")
    )
    assert r.json() == {"station": "paris-montsouris", "dev_eui": None}
    query = "start=2026-01-05T00:00:00%2B01:00&end=2026-01-08T00:00:00%2B01:00&reference_degree_days=58"
    body = env.c.get(f"/api/v1/sites/{site}/heating?{query}", headers=env.h("town_viewer")).json()
    assert body["method"].startswith("DJU (Météo-France")
    assert body["base_temperature"] == 18 and body["unit"] == "kWh"
    points = [(p["consumption"], p["degree_days"], p["per_degree_day"]) for p in body["points"]]
    # 18 - (2+8)/2 = 13; 18 - (-1+5)/2 = 16; 18 - (15+25)/2 < 0 -> 0
    assert points == [(24, 13, pytest.approx(24 / 13)), (36, 16, 2.25), (12, 0, None)]
    assert body["total"] == 72 and body["total_degree_days"] == 29
    assert body["normalized"] == pytest.approx(72 * 58 / 29)
    body = env.c.get(f"/api/v1/sites/{site}/heating?{query}&base=20", headers=env.h("town_viewer")).json()
    assert [p["degree_days"] for p in body["points"]] == [15, 18, 0]
    body = env.c.get(
        f"/api/v1/sites/{site}/heating?{query}&window=month", headers=env.h("town_viewer")
    ).json()
    # January is not covered day by day: no DJU rather than a wrong one
    assert body["points"][0]["degree_days"] is None and body["missing_temperature_days"] == 28
    assert body["normalized"] is None


def test_the_day_under_way_before_its_first_temperature_is_not_a_gap(env: Env) -> None:
    """Just after midnight the outdoor temperature has not reported yet today: the month so far
    still has its degree days and its normalization (today has none until it is over)."""
    zone = ZoneInfo("Europe/Paris")
    today = datetime.now(zone).date()
    days = [today - timedelta(days=k) for k in (3, 2, 1)]
    csv = "time,temperature\n" + "".join(
        f"{datetime.combine(d, time(h), zone).isoformat()},{t}\n"
        for d in days
        for h, t in ((4, 2.0), (15, 8.0))
    )
    r = env.c.post(
        "/api/v1/weather/paris-montsouris/import?dry_run=false", content=csv, headers=env.h("town_operator")
    )
    assert r.status_code == 200, r.text
    site = env.town_site
    env.c.put(
        f"/api/v1/sites/{site}/weather", json={"station": "paris-montsouris"}, headers=env.h("town_operator")
    )
    start = datetime.combine(days[0], time(0), zone)
    end = datetime.combine(today + timedelta(days=1), time(0), zone)
    body = env.c.get(
        f"/api/v1/sites/{site}/heating",
        params={"start": start.isoformat(), "end": end.isoformat(), "reference_degree_days": 52},
        headers=env.h("town_viewer"),
    ).json()
    assert [p["degree_days"] for p in body["points"]] == [13, 13, 13, None]
    assert body["missing_temperature_days"] == 0 and body["total_degree_days"] == 39
    # A day before today without temperature is still a gap.
    start = datetime.combine(days[0] - timedelta(days=1), time(0), zone)
    body = env.c.get(
        f"/api/v1/sites/{site}/heating",
        params={"start": start.isoformat(), "end": end.isoformat()},
        headers=env.h("town_viewer"),
    ).json()
    assert body["missing_temperature_days"] == 1 and body["total_degree_days"] is None


def test_heating_from_an_outdoor_sensor(env: Env) -> None:
    site = env.town_site
    r = env.c.put(f"/api/v1/sites/{site}/weather", json={"dev_eui": OUTSIDE}, headers=env.h("town_operator"))
    assert r.status_code == 200
    assert (
        env.c.get(f"/api/v1/sites/{site}/weather", headers=env.h("town_viewer")).json()["dev_eui"] == OUTSIDE
    )
    query = "start=2026-01-05T00:00:00%2B01:00&end=2026-01-08T00:00:00%2B01:00"
    body = env.c.get(f"/api/v1/sites/{site}/heating?{query}", headers=env.h("town_viewer")).json()
    assert body["temperature_source"] == f"device:{OUTSIDE}"
    assert [p["degree_days"] for p in body["points"]] == [13, 16, None]
    assert body["missing_temperature_days"] == 1 and body["total_degree_days"] is None
    # neither the outdoor sensor nor the meter's housing sensor is a room of the comfort page
    comfort = env.c.get(
        f"/api/v1/sites/{site}/comfort?start=2026-01-05T00:00:00%2B01:00", headers=env.h("town_viewer")
    )
    assert [d["dev_eui"] for d in comfort.json()["devices"]] == [ROOM]


def test_comfort_against_site_targets(env: Env) -> None:
    site = env.town_site
    span = "start=2026-01-05T00:00:00%2B01:00&end=2026-01-06T00:00:00%2B01:00"
    body = env.c.get(f"/api/v1/sites/{site}/comfort?{span}", headers=env.h("town_viewer")).json()
    assert body["targets"] == {
        "temperature_min": 18,
        "temperature_max": 26,
        "co2_max": 1000,
        "humidity_min": 30,
        "humidity_max": 70,
        "occupied_start_hour": 8,
        "occupied_end_hour": 18,
        "occupied_days": 5,
    }
    room = {q["quantity"]: q for d in body["devices"] if d["dev_eui"] == ROOM for q in d["quantities"]}
    assert list(room) == ["temperature", "co2", "humidity"]
    assert room["temperature"]["share_outside_target"] == 0.5  # 17 and 27 of 17, 20, 21, 27
    assert room["co2"]["share_outside_target"] == 0.5
    assert room["humidity"]["share_outside_target"] == 0
    (day,) = room["temperature"]["days"]
    assert (day["min"], day["max"], day["mean"]) == (17, 27, 21.25)
    r = env.c.put(
        f"/api/v1/sites/{site}/thresholds", json={"temperature_min": 16.5}, headers=env.h("town_technician")
    )
    assert r.status_code == 200 and r.json()["overridden"] == ["temperature_min"]
    body = env.c.get(f"/api/v1/sites/{site}/comfort?{span}", headers=env.h("town_viewer")).json()
    assert body["targets"]["temperature_min"] == 16.5
    room = {q["quantity"]: q for d in body["devices"] if d["dev_eui"] == ROOM for q in d["quantities"]}
    assert room["temperature"]["share_outside_target"] == 0.25


def test_thresholds_partial_overrides_validated(env: Env) -> None:
    site, h = env.town_site, env.h("town_technician")
    body = env.c.get(f"/api/v1/sites/{site}/thresholds", headers=env.h("town_viewer")).json()
    assert body["overridden"] == [] and body["thresholds"]["leak_nights"] == 3
    r = env.c.put(f"/api/v1/sites/{site}/thresholds", json={"leak_nights": 5, "co2_max": 1400}, headers=h)
    assert r.json()["thresholds"]["leak_nights"] == 5 and r.json()["overridden"] == ["co2_max", "leak_nights"]
    r = env.c.put(f"/api/v1/sites/{site}/thresholds", json={"leak_nights": None}, headers=h)
    assert r.json()["thresholds"]["leak_nights"] == 3 and r.json()["overridden"] == ["co2_max"]
    for bad in ({"co2_max": 10}, {"leak_nights": 2.5}, {"leek_nights": 2}, {"temperature_min": 27}):
        r = env.c.put(f"/api/v1/sites/{site}/thresholds", json=bad, headers=h)
        assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json"), bad
    r = env.c.put(f"/api/v1/sites/{site}/thresholds", json={"temperature_min": 27}, headers=h)
    assert "must be below temperature_max" in r.json()["detail"]
    assert env.c.get(f"/api/v1/sites/{site}/thresholds", headers=h).json()["overridden"] == ["co2_max"]


def test_roles(env: Env) -> None:
    site = env.town_site
    r = env.c.post("/api/v1/weather/paris/import", content=STATION_CSV, headers=env.h("town_technician"))
    assert r.status_code == 403
    r = env.c.put(f"/api/v1/sites/{site}/weather", json={"station": None}, headers=env.h("town_technician"))
    assert r.status_code == 403
    r = env.c.put(f"/api/v1/sites/{site}/thresholds", json={"co2_max": 1200}, headers=env.h("town_viewer"))
    assert r.status_code == 403 and "technician" in r.json()["detail"]
    assert env.c.get(f"/api/v1/sites/{site}/thresholds").status_code == 401


def test_tenant_boundaries(env: Env) -> None:
    _import_station(env)
    site, hlm = env.town_site, env.h("hlm_viewer")
    env.c.put(
        f"/api/v1/sites/{site}/weather", json={"station": "paris-montsouris"}, headers=env.h("town_operator")
    )
    for path in ("heating", "comfort", "thresholds", "weather"):
        r = env.c.get(f"/api/v1/sites/{site}/{path}", headers=hlm)
        assert r.status_code == 404, path
    assert (
        env.c.put(f"/api/v1/sites/{site}/thresholds", json={}, headers=env.h("hlm_operator")).status_code
        == 404
    )
    assert (
        env.c.put(f"/api/v1/sites/{site}/weather", json={}, headers=env.h("hlm_operator")).status_code == 404
    )
    # stations are per tenant: the landlord does not see, nor overwrite, the town's
    assert env.c.get("/api/v1/weather/paris-montsouris", headers=hlm).status_code == 404
    _import_station(env, "hlm_operator")
    r = env.c.put(
        f"/api/v1/sites/{env.hlm_site}/weather", json={"dev_eui": OUTSIDE}, headers=env.h("hlm_operator")
    )
    assert r.status_code == 404  # another tenant's sensor does not exist for this key
    span = "start=2026-01-01T00:00:00Z&end=2026-02-01T00:00:00Z"
    town = env.c.get(f"/api/v1/weather/paris-montsouris?{span}", headers=env.h("town_viewer")).json()
    assert sum(d["observations"] for d in town["days"]) == 7
    # the network owner's admin reads the landlord's site
    assert env.c.get(f"/api/v1/sites/{env.hlm_site}/comfort", headers=env.h("town_admin")).status_code == 200


def test_the_api_ranges_are_the_stored_ones() -> None:
    from annotated_types import Ge, Le

    from api.routers.climate import ThresholdValues
    from domain.alerts.thresholds import RANGES

    assert set(ThresholdValues.model_fields) == set(RANGES)
    for name, info in ThresholdValues.model_fields.items():
        lo = next(m.ge for m in info.metadata if isinstance(m, Ge))
        hi = next(m.le for m in info.metadata if isinstance(m, Le))
        assert (lo, hi) == RANGES[name], name


def test_times_out_of_the_calendar_are_refused(env: Env) -> None:
    """A lone end at year 1 would overflow the default span: refused before any arithmetic."""
    site = env.town_site
    for path in ("heating", "comfort"):
        r = env.c.get(f"/api/v1/sites/{site}/{path}?end=0001-01-01T00:00:00Z", headers=env.h("town_viewer"))
        assert r.status_code == 422 and "1970" in r.json()["detail"], path


def test_the_month_under_way_counts_its_whole_days_only(env: Env) -> None:
    """A day's degree days are known once it is over (its Tmin and Tmax): the month under way
    counts the days before today, pairs them with those days' consumption (per degree day, the
    normalization), says today's consumption so far apart, and its days to come are no gap."""
    zone = ZoneInfo("Europe/Paris")
    now = datetime.now(zone)
    today = now.date()
    midnight = datetime.combine(today, time(0), zone)
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)  # last month's first day
    whole = [first + timedelta(days=k) for k in range((today - first).days)]
    # Every whole day 2/8 degC (13 DJU); today's night only 3 degC: 15 DJU if it were counted.
    csv = "time,temperature\n" + "".join(
        f"{datetime.combine(d, time(h), zone).isoformat()},{t}\n"
        for d in whole
        for h, t in ((4, 2.0), (15, 8.0))
    )
    csv += f"{midnight.isoformat()},3\n"
    r = env.c.post(
        "/api/v1/weather/paris-montsouris/import?dry_run=false", content=csv, headers=env.h("town_operator")
    )
    assert r.status_code == 200 and r.json()["imported"] == 2 * len(whole) + 1, r.text
    env.c.put(
        f"/api/v1/sites/{env.town_site}/weather",
        json={"station": "paris-montsouris"},
        headers=env.h("town_operator"),
    )
    # 1 kWh an hour from three days before today up to now.
    hours = [
        ts
        for k in range(-72, 24)
        if (ts := midnight.astimezone(UTC) + timedelta(hours=k, minutes=30)) <= now.astimezone(UTC)
    ]
    app_state = env.c.app.state.releve  # type: ignore[attr-defined]
    app_state.store.write(
        [
            Reading(METER, "energy_import", 1000.0 + i, "kWh", "cumulative", ts, delta=1.0)
            for i, ts in enumerate(hours, 1)
        ]
    )
    so_far = sum(1 for ts in hours if ts >= midnight)
    start = datetime.combine(first, time(0), zone)
    body = env.c.get(
        f"/api/v1/sites/{env.town_site}/heating",
        params={
            "window": "month",
            "start": start.isoformat(),
            "end": now.isoformat(),
            "reference_degree_days": 100,
        },
        headers=env.h("town_viewer"),
    ).json()
    last_month, this_month = body["points"]
    this_month_days = today.day - 1
    assert last_month["degree_days"] == 13 * (len(whole) - this_month_days)
    assert this_month["degree_days"] == (13 * this_month_days if this_month_days else None)
    assert body["missing_temperature_days"] == 0  # the days to come are no gap
    assert body["total_degree_days"] == 13 * len(whole)
    assert body["total"] == len(hours) and body["total_whole_days"] == 72
    assert datetime.fromisoformat(body["today"]["start"]) == midnight
    assert body["today"]["consumption"] == (so_far or None)
    assert body["normalized"] == pytest.approx(72 * 100 / (13 * len(whole)))
    this_month_kwh = sum(1 for ts in hours if ts >= datetime.combine(today.replace(day=1), time(0), zone))
    assert this_month["consumption"] == (this_month_kwh or None)
    # Per degree day: the whole days' consumption over their DJU, in the windows that have both.
    pairs = [
        (kwh, dju)
        for kwh, dju in (
            (len(hours) - this_month_kwh, last_month["degree_days"]),
            (this_month_kwh - so_far, this_month["degree_days"]),
        )
        if kwh and dju
    ]
    if this_month_kwh > so_far and this_month_days:
        assert this_month["per_degree_day"] == pytest.approx(
            (this_month_kwh - so_far) / (13 * this_month_days)
        )
    assert body["per_degree_day"] == pytest.approx(sum(k for k, _ in pairs) / sum(d for _, d in pairs))
    # The same days by day: today's point has no degree days yet, nor a per degree day.
    body = env.c.get(
        f"/api/v1/sites/{env.town_site}/heating",
        params={"start": (midnight - timedelta(days=3)).isoformat(), "end": now.isoformat()},
        headers=env.h("town_viewer"),
    ).json()
    assert [p["degree_days"] for p in body["points"]] == [13, 13, 13, None]
    assert body["points"][-1]["per_degree_day"] is None
    assert body["total_degree_days"] == 39 and body["total_whole_days"] == 72
