"""Tariffs, cost, comparison, intensity, tenant totals and the monthly report, on real SQLite files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from domain.alerts import AlertBook, AlertKind, Finding
from kernel.settings import Settings
from kernel.types import Reading
from registry import Device, Role
from releve.services import web_app

PARIS = ZoneInfo("Europe/Paris")
LINKY = "e000000000000001"
WATER = "a000000000000001"
GYM_WATER = "a000000000000002"
HLM_WATER = "b000000000000001"

LINKY_TARIFF = {
    "quantity": "energy_import",
    "price_per_unit": 0.25,
    "fixed_per_month": 31.0,
    "periods": [
        {"name": "HC", "price_per_unit": 0.2, "channel": "HCHC", "hours": [[22, 6]]},
        {"name": "HP", "price_per_unit": 0.3, "channel": "HCHP", "hours": [[6, 22]]},
    ],
}


@dataclass
class World:
    client: TestClient
    tokens: dict[str, str]
    mairie: int
    gym: int
    residence: int
    town: int
    hlm: int

    def get(self, who: str, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params=params, headers=_auth(self.tokens[who]))

    def put(self, who: str, path: str, body: Any) -> Any:
        return self.client.put(f"/api/v1{path}", json=body, headers=_auth(self.tokens[who]))


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _series(
    eui: str, quantity: str, unit: str, start: datetime, hours: int, step: float, channel: str = ""
) -> list[Reading]:
    """An index read every hour from ``start``, growing by ``step`` each hour."""
    return [
        Reading(
            eui,
            quantity,
            100.0 + i * step,
            unit,
            "cumulative",
            start + timedelta(hours=i),
            channel=channel,
            delta=None if i == 0 else step,
        )
        for i in range(hours + 1)
    ]


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    app = web_app(Settings(data_dir=tmp_path))
    with TestClient(app) as c:
        state = app.state.releve
        town = state.registry.owner_tenant()
        hlm = state.registry.ensure_tenant("hlm", "Bailleur")
        mairie = state.registry.ensure_site(town.id, "mairie", "Mairie", floor_area_m2=500)
        gym = state.registry.ensure_site(town.id, "gymnase", "Gymnase")
        residence = state.registry.ensure_site(hlm.id, "residence", "Résidence")
        state.registry.add_devices(
            [
                Device(LINKY, town.id, "compteur mairie", "adeunis/tic-cbe-linky-mono", site_id=mairie.id),
                Device(WATER, town.id, "eau mairie", "netvox/r718h", site_id=mairie.id, metering_point="eau"),
                Device(GYM_WATER, town.id, "eau gymnase", "netvox/r718h", site_id=gym.id),
                Device(HLM_WATER, hlm.id, "eau résidence", "netvox/r718h", site_id=residence.id),
            ]
        )
        # 10 March 2026 (UTC+1), from local midnight: the Linky counts off-peak on HCHC (1 kWh an
        # hour from 22:00 to 06:00) and peak on HCHP (2 kWh an hour from 06:00 to 22:00).
        day = datetime(2026, 3, 10, tzinfo=PARIS).astimezone(UTC)
        hchc, hchp = [], []
        index_hc, index_hp = 1000.0, 5000.0
        hchc.append(Reading(LINKY, "energy_import", index_hc, "kWh", "cumulative", day, channel="HCHC"))
        hchp.append(Reading(LINKY, "energy_import", index_hp, "kWh", "cumulative", day, channel="HCHP"))
        for h in range(24):
            at = day + timedelta(hours=h, minutes=59)
            if h < 6 or h >= 22:
                index_hc += 1.0
                hchc.append(
                    Reading(LINKY, "energy_import", index_hc, "kWh", "cumulative", at, "HCHC", delta=1.0)
                )
            else:
                index_hp += 2.0
                hchp.append(
                    Reading(LINKY, "energy_import", index_hp, "kWh", "cumulative", at, "HCHP", delta=2.0)
                )
        state.store.write(hchc + hchp)
        # Water: 0.5 m3 an hour over 4 hours on 10 March, at the Mairie, the gym and the residence;
        # and 1 m3 an hour over 2 hours on 10 March 2025 at the Mairie (last year).
        for eui in (WATER, GYM_WATER, HLM_WATER):
            state.store.write(_series(eui, "water_volume", "m3", day + timedelta(hours=8), 4, 0.5))
        last_year = datetime(2025, 3, 10, 8, tzinfo=PARIS).astimezone(UTC)
        state.store.write(_series(WATER, "water_volume", "m3", last_year, 2, 1.0))
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
        yield World(c, tokens, mairie.id, gym.id, residence.id, town.id, hlm.id)


MARCH_10 = {"start": "2026-03-10T00:00:00+01:00", "end": "2026-03-11T00:00:00+01:00"}


def test_tariffs_viewer_reads_operator_writes(world: World) -> None:
    path = f"/sites/{world.mairie}/tariffs"
    assert world.get("town_viewer", path).json() == []
    r = world.put("town_technician", path, [LINKY_TARIFF])
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/problem+json")
    r = world.put("town_operator", path, [LINKY_TARIFF])
    assert r.status_code == 200, r.text
    stored = world.get("town_viewer", path).json()
    assert stored == r.json()
    assert stored[0]["currency"] == "EUR" and stored[0]["valid_from"] is None
    assert [(p["name"], p["channel"], p["hours"]) for p in stored[0]["periods"]] == [
        ("HC", "HCHC", [[22, 6]]),
        ("HP", "HCHP", [[6, 22]]),
    ]
    # A PUT replaces the whole list.
    assert world.put("town_operator", path, []).json() == []
    assert world.get("town_viewer", path).json() == []


@pytest.mark.parametrize(
    ("tariffs", "words"),
    [
        ([{"quantity": "co2", "price_per_unit": 1}], "consumption quantity"),
        ([{"quantity": "water_volume", "price_per_unit": -1}], "greater than or equal"),
        ([{"quantity": "water_volume", "price_per_unit": 1, "currency": "USD"}], "EUR"),
        (
            [
                {
                    "quantity": "water_volume",
                    "price_per_unit": 1,
                    "periods": [{"name": "HC", "price_per_unit": 1}],
                }
            ],
            "channel",
        ),
        (
            [
                {
                    "quantity": "energy_import",
                    "price_per_unit": 1,
                    "periods": [
                        {"name": "HC", "price_per_unit": 1, "hours": [[22, 6]]},
                        {"name": "HP", "price_per_unit": 2, "hours": [[5, 22]]},
                    ],
                }
            ],
            "hour 5",
        ),
        (
            [
                {
                    "quantity": "energy_import",
                    "price_per_unit": 1,
                    "periods": [{"name": "X", "price_per_unit": 1, "hours": [[3, 25]]}],
                }
            ],
            "hours",
        ),
        (
            [
                {"quantity": "water_volume", "price_per_unit": 1},
                {"quantity": "water_volume", "price_per_unit": 2},
            ],
            "two water_volume",
        ),
        ([{"quantity": "water_volume", "price_per_unit": 1, "valid_from": "2026-02-30"}], "valid_from"),
        ({"quantity": "water_volume"}, "list"),
    ],
)
def test_bad_tariffs_are_422_problems(world: World, tariffs: Any, words: str) -> None:
    r = world.put("town_operator", f"/sites/{world.mairie}/tariffs", tariffs)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert words in r.json()["detail"]
    assert world.get("town_viewer", f"/sites/{world.mairie}/tariffs").json() == []


def test_another_tenants_site_is_404_everywhere(world: World) -> None:
    for path in ("tariffs", "cost", "compare", "intensity"):
        r = world.get("hlm_viewer", f"/sites/{world.mairie}/{path}")
        assert r.status_code == 404, path
    assert world.get("hlm_viewer", f"/sites/{world.mairie}/report", month="2026-03").status_code == 404
    assert world.put("hlm_operator", f"/sites/{world.mairie}/tariffs", [LINKY_TARIFF]).status_code == 404
    # The landlord's default tariffs are its own.
    world.put("hlm_operator", "/tariffs", [{"quantity": "water_volume", "price_per_unit": 9}])
    assert world.get("town_viewer", "/tariffs").json() == []
    assert (
        world.get("town_viewer", f"/sites/{world.mairie}/cost", quantity="water_volume", **MARCH_10).json()[
            "total_cost"
        ]
        == 0
    )


def test_cost_from_the_linky_registers(world: World) -> None:
    world.put("town_operator", f"/sites/{world.mairie}/tariffs", [LINKY_TARIFF])
    r = world.get(
        "town_viewer", f"/sites/{world.mairie}/cost", quantity="energy_import", window="day", **MARCH_10
    )
    assert r.status_code == 200, r.text
    body = r.json()
    (day,) = body["points"]
    assert day["consumption"] == 40.0 and day["periods"] == {"HC": 8.0, "HP": 32.0}
    # 8 kWh at 0.20 + 32 kWh at 0.30 + a 31st of the 31-EUR month
    assert day["cost"] == pytest.approx(1.6 + 9.6 + 1.0)
    assert body["total_cost"] == pytest.approx(12.2) and body["currency"] == "EUR"
    assert body["total"] == 40.0 and body["unit"] == "kWh"
    hours = world.get(
        "town_viewer", f"/sites/{world.mairie}/cost", quantity="energy_import", window="hour", **MARCH_10
    ).json()
    assert len(hours["points"]) == 24
    assert hours["points"][23]["periods"] == {"HC": 1.0}
    assert sum(p["cost"] for p in hours["points"]) == pytest.approx(hours["total_cost"])
    assert hours["total_cost"] == pytest.approx(12.2)


def test_a_site_without_tariffs_uses_its_tenants_defaults(world: World) -> None:
    r = world.put("town_operator", "/tariffs", [{"quantity": "water_volume", "price_per_unit": 4.0}])
    assert r.status_code == 200
    assert world.put("town_viewer", "/tariffs", []).status_code == 403
    gym = world.get("town_viewer", f"/sites/{world.gym}/cost", **MARCH_10).json()
    assert gym["total"] == 2.0 and gym["total_cost"] == pytest.approx(8.0)
    assert gym["points"][0]["periods"] == {"base": 2.0}
    # The Mairie's own water tariff overrides the default; its energy has none: no cost, not zero.
    world.put(
        "town_operator",
        f"/sites/{world.mairie}/tariffs",
        [{"quantity": "water_volume", "price_per_unit": 3.0}],
    )
    mairie = world.get(
        "town_viewer", f"/sites/{world.mairie}/cost", quantity="water_volume", **MARCH_10
    ).json()
    assert mairie["total_cost"] == pytest.approx(6.0)
    energy = world.get(
        "town_viewer", f"/sites/{world.mairie}/cost", quantity="energy_import", **MARCH_10
    ).json()
    assert energy["points"][0]["cost"] is None and energy["unpriced"] == 40.0 and energy["total_cost"] == 0


def test_compare_with_the_previous_year_and_a_period(world: World) -> None:
    r = world.get("town_viewer", f"/sites/{world.mairie}/compare", quantity="water_volume", **MARCH_10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["current"]["total"] == 2.0 and body["reference"]["total"] == 2.0
    assert body["reference"]["points"][0]["start"] == "2025-03-10T00:00:00+01:00"
    assert body["change"] == 0.0 and body["change_pct"] == 0.0
    assert body["current_cost"] is None and body["cost_change"] is None  # no tariff yet
    # Same water, dearer water: the euros show it (each period at the tariff then in force).
    world.put(
        "town_operator",
        f"/sites/{world.mairie}/tariffs",
        [
            {"quantity": "water_volume", "price_per_unit": 3.0, "valid_from": "2020-01-01"},
            {"quantity": "water_volume", "price_per_unit": 4.0, "valid_from": "2026-01-01"},
        ],
    )
    body = world.get(
        "town_viewer", f"/sites/{world.mairie}/compare", quantity="water_volume", **MARCH_10
    ).json()
    assert body["current_cost"] == pytest.approx(8.0) and body["reference_cost"] == pytest.approx(6.0)
    assert body["cost_change"] == pytest.approx(2.0)
    assert "total_cost" not in body["current"]
    r = world.get(
        "town_viewer",
        f"/sites/{world.mairie}/compare",
        quantity="water_volume",
        reference="period",
        ref_start="2026-03-09T00:00:00+01:00",
        ref_end="2026-03-10T00:00:00+01:00",
        **MARCH_10,
    )
    body = r.json()
    assert body["reference"]["points"][0]["consumption"] is None
    assert body["change"] is None and body["change_pct"] is None
    r = world.get("town_viewer", f"/sites/{world.mairie}/compare", reference="period", **MARCH_10)
    assert r.status_code == 422 and "ref_start" in r.json()["detail"]
    r = world.get("town_viewer", f"/sites/{world.mairie}/compare", reference="last_week")
    assert r.status_code == 422
    # A lone end at year 1 would overflow the default span: refused before any arithmetic.
    for path in ("compare", "cost", "intensity"):
        r = world.get("town_viewer", f"/sites/{world.mairie}/{path}", end="0001-01-01T00:00:00Z")
        assert r.status_code == 422, path
    assert world.get("town_viewer", "/consumption", start="2026-01-01T00:00:00").status_code == 422
    r = world.get(
        "town_viewer",
        f"/sites/{world.mairie}/compare",
        start="0001-01-01T00:00:00Z",
        end="0001-02-01T00:00:00Z",
    )
    assert r.status_code == 422 and "1970" in r.json()["detail"]
    r = world.get(
        "town_viewer", f"/sites/{world.mairie}/cost", start="9999-12-01T00:00:00Z", end="9999-12-31T00:00:00Z"
    )
    assert r.status_code == 422


def test_intensity_per_square_metre(world: World) -> None:
    r = world.get("town_viewer", f"/sites/{world.mairie}/intensity", quantity="energy_import", **MARCH_10)
    assert r.status_code == 200, r.text
    assert r.json() | {"start": None, "end": None} == {
        "quantity": "energy_import",
        "unit": "kWh/m2",
        "start": None,
        "end": None,
        "consumption": 40.0,
        "floor_area_m2": 500.0,
        "intensity": 0.08,
    }
    r = world.get("town_viewer", f"/sites/{world.gym}/intensity", **MARCH_10)
    assert r.status_code == 422 and "floor area" in r.json()["detail"]


def test_tenant_consumption_is_the_sum_of_its_sites(world: World) -> None:
    r = world.get("town_viewer", "/consumption", quantity="water_volume", window="hour", **MARCH_10)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(s["name"], s["total"]) for s in body["sites"]] == [("Mairie", 2.0), ("Gymnase", 2.0)]
    assert body["total"] == 4.0 == sum(s["total"] for s in body["sites"])
    assert sum(p["consumption"] or 0 for p in body["points"]) == body["total"]
    at_ten = next(p for p in body["points"] if p["start"] == "2026-03-10T10:00:00+01:00")
    assert at_ten["consumption"] == 1.0 and at_ten["readings"] == 2
    # The landlord sees its own; naming the town's tenant is forbidden; the owner's admin may.
    assert world.get("hlm_viewer", "/consumption", quantity="water_volume", **MARCH_10).json()["total"] == 2.0
    assert world.get("hlm_viewer", "/consumption", tenant_id=world.town).status_code == 403
    hlm = world.get(
        "town_admin", "/consumption", tenant_id=world.hlm, quantity="water_volume", **MARCH_10
    ).json()
    assert hlm["tenant_id"] == world.hlm and [s["name"] for s in hlm["sites"]] == ["Résidence"]
    assert world.get("town_admin", "/consumption", tenant_id=999).status_code == 404
    assert world.get("town_viewer", "/consumption", quantity="nonsense").status_code == 422


def test_monthly_report(world: World) -> None:
    state = world.client.app.state.releve  # type: ignore[attr-defined]
    world.put(
        "town_operator",
        f"/sites/{world.mairie}/tariffs",
        [LINKY_TARIFF, {"quantity": "water_volume", "price_per_unit": 3.0}],
    )
    book = AlertBook(state.archive.engine)
    nights = {"night_min_flow_m3h": [{"night": "2026-03-12", "min_m3h": 0.02}], "threshold_m3h": 0.008}
    leak = Finding(
        AlertKind.LEAK,
        "leak:mairie",
        world.town,
        "night flow at the Mairie",
        site_id=world.mairie,
        evidence=nights,
    )
    book.sync([leak], datetime(2026, 3, 12, 3, tzinfo=UTC))
    book.sync([], datetime(2026, 3, 14, 3, tzinfo=UTC))  # closed in March
    old = Finding(AlertKind.LEAK, "leak:old", world.town, "an old one", site_id=world.mairie)
    book.sync([old], datetime(2026, 1, 2, tzinfo=UTC))
    book.sync([], datetime(2026, 1, 3, tzinfo=UTC))  # closed in January: not in March's report
    r = world.get("town_viewer", f"/sites/{world.mairie}/report", month="2026-03")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (
        body["site"]["name"] == "Mairie" and body["month"] == "2026-03" and body["timezone"] == "Europe/Paris"
    )
    energy, water = body["quantities"]
    assert energy["quantity"] == "energy_import" and energy["consumption"] == 40.0
    assert energy["previous_year"] is None and energy["change_pct"] is None
    assert energy["cost"] == pytest.approx(1.6 + 9.6 + 31.0)  # the whole month's fixed part
    assert energy["intensity"] == pytest.approx(40.0 / 500)
    assert energy["intensity_unit"] == "kWh/m2" and energy["periods"] == {"HC": 8.0, "HP": 32.0}
    assert len(energy["days"]) == 31 and energy["days"][9]["consumption"] == 40.0
    assert energy["points"] == [{"metering_point": "compteur mairie", "consumption": 40.0}]
    assert water["consumption"] == 2.0 and water["previous_year"] == 2.0 and water["change_pct"] == 0.0
    assert water["cost"] == pytest.approx(6.0)
    assert water["points"] == [{"metering_point": "eau", "consumption": 2.0}]
    assert [(a["message"], a["closed_at"] is not None) for a in body["alerts"]] == [
        ("night flow at the Mairie", True)
    ]
    assert body["alerts"][0]["evidence"] == nights  # the page words it in the reader's language
    for month in ("2026-13", "2026-3", "march", "0000-01"):
        r = world.get("town_viewer", f"/sites/{world.mairie}/report", month=month)
        assert r.status_code == 422, month
        assert r.headers["content-type"].startswith("application/problem+json")
    assert world.get("town_viewer", f"/sites/{world.mairie}/report").status_code == 422


def test_openapi_types_every_new_response(world: World) -> None:
    schema = world.client.get("/openapi.json").json()
    for path in (
        "/api/v1/sites/{site_id}/cost",
        "/api/v1/sites/{site_id}/compare",
        "/api/v1/sites/{site_id}/intensity",
        "/api/v1/sites/{site_id}/report",
        "/api/v1/sites/{site_id}/tariffs",
        "/api/v1/consumption",
        "/api/v1/tariffs",
    ):
        ok = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok, path
