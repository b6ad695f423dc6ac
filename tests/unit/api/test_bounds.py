"""Bounded answers: every endpoint with a time range refuses one that would make too large an
answer, with a problem document naming the limit, before reading the store; large legitimate
ranges are answered."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient

from api.deps import AppState
from domain.consumption.bounds import MAX_VALUES, MAX_WINDOWS, count_windows
from kernel.settings import Settings
from kernel.types import Reading
from registry import Device, Role
from releve.services import web_app
from store import Store, Window

EUI = "a000000000000001"
ROOM = "c000000000000001"
T0 = datetime(2025, 6, 1, tzinfo=UTC)
TWENTY_YEARS = {"start": "2006-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}
# The same twenty years as the open data asks them: days of the town's calendar, the last included.
TWENTY_YEARS_OF_DAYS = {"start": "2006-01-01", "end": "2025-12-31"}
TWO_YEARS = {"start": "2024-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}
FOREVER = {"start": "1970-01-01T00:00:00Z", "end": "2100-01-01T00:00:00Z"}


class CountingStore:
    """The real store, counting the calls made to it (a refused request makes none)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        self.calls.append(name)
        return getattr(self.store, name)


@dataclass
class World:
    client: TestClient
    store: CountingStore
    headers: dict[str, str]
    site: int

    def get(self, path: str, params: dict[str, str], key: bool = True) -> Any:
        return self.client.get(path, params=params, headers=self.headers if key else {})


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    app = web_app(Settings(data_dir=tmp_path, api_cache_ttl_s=0))
    with TestClient(app) as client:
        state: AppState = app.state.releve
        reg = state.registry
        town = reg.owner_tenant()
        site = reg.ensure_site(town.id, "mairie", "Mairie", floor_area_m2=500, open_data=True)
        reg.add_devices(
            [
                Device(EUI, town.id, "eau", "netvox/r718h", site_id=site.id, metering_point="main"),
                Device(ROOM, town.id, "salle", "netvox/r718h", site_id=site.id),
            ]
        )
        state.store.write(
            [
                Reading(
                    EUI,
                    "water_volume",
                    10.0 + i,
                    "m3",
                    "cumulative",
                    T0 + timedelta(hours=i),
                    delta=None if i == 0 else 1.0,
                )
                for i in range(48)
            ]
        )
        _, token = reg.create_key(town.id, Role.ADMIN, "admin")
        store = CountingStore(state.store)
        state.store = cast(Store, store)
        yield World(client, store, {"Authorization": f"Bearer {token}"}, site.id)


def _refused(world: World, path: str, params: dict[str, str], key: bool = True) -> dict[str, Any]:
    world.store.calls.clear()
    r = world.get(path, params, key)
    assert r.status_code == 422, (path, r.text)
    assert r.headers["content-type"].startswith("application/problem+json")
    assert world.store.calls == [], f"{path} read the store before refusing: {world.store.calls}"
    problem: dict[str, Any] = r.json()
    return problem


def test_count_windows_is_cheap_and_close() -> None:
    start, end = datetime(2006, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC)
    assert count_windows(Window.HOUR, start, end) == 175_321
    assert count_windows(Window.DAY, start, end) == 7_306
    assert count_windows(Window.MONTH, start, end) == 242  # 240 and the partial ones at both ends, at most
    assert count_windows(Window.YEAR, start, end) == 22


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/sites/{site}/consumption",
        "/api/v1/sites/{site}/cost",
        "/api/v1/sites/{site}/compare",
        "/api/v1/sites/{site}/points/main/consumption",
        "/api/v1/consumption",
        f"/api/v1/devices/{EUI}/consumption",
    ],
)
def test_hourly_windows_over_twenty_years_are_refused(world: World, path: str) -> None:
    problem = _refused(world, path.format(site=world.site), {"window": "hour", **TWENTY_YEARS})
    assert problem["title"] == "Too many windows" and problem["limit"] == MAX_WINDOWS
    assert problem["windows"] == 175_321
    assert "ask a larger window or a range of at most 833 days" in problem["detail"]


def test_a_comparison_with_an_absurd_reference_period_is_refused(world: World) -> None:
    params = {"window": "hour", "start": "2025-06-01T00:00:00Z", "end": "2025-06-03T00:00:00Z"}
    path = f"/api/v1/sites/{world.site}/compare"
    assert world.get(path, params).status_code == 200
    params |= {"reference": "period", "ref_start": TWENTY_YEARS["start"], "ref_end": TWENTY_YEARS["end"]}
    assert _refused(world, path, params)["limit"] == MAX_WINDOWS


@pytest.mark.parametrize(
    ("path", "params", "key"),
    [
        ("/api/v1/sites/{site}/intensity", FOREVER, True),
        ("/api/v1/sites/{site}/heating", FOREVER, True),
        ("/api/v1/sites/{site}/comfort", TWO_YEARS, True),
        (f"/api/v1/devices/{EUI}/readings", TWO_YEARS, True),
        ("/api/v1/weather/station-1", {"start": "2010-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}, True),
        ("/api/v1/usage", FOREVER, True),
        ("/api/v1/open/town/consumption.csv", FOREVER, False),
        ("/api/v1/open/town/consumption.json", FOREVER, False),
    ],
)
def test_ranges_longer_than_an_endpoint_serves_are_refused(
    world: World, path: str, params: dict[str, str], key: bool
) -> None:
    problem = _refused(world, path.format(site=world.site), params, key)
    assert problem["title"] == "Range too large" and problem["max_range_days"] > 0
    assert "ask a shorter one" in problem["detail"]


def test_many_series_over_a_long_range_are_refused_by_values(world: World, tmp_path: Path) -> None:
    state: AppState = world.client.app.state.releve  # type: ignore[attr-defined]
    town = state.registry.owner_tenant()
    for i in range(13):  # 14 open sites: 14 x 7,306 daily values over twenty years
        site = state.registry.ensure_site(town.id, f"ecole-{i}", f"École {i}", open_data=True)
        state.registry.add_devices(
            [Device(f"a1000000000000{i:02x}", town.id, "eau", "netvox/r718h", site_id=site.id)]
        )
    problem = _refused(world, "/api/v1/open/town/consumption.csv", TWENTY_YEARS_OF_DAYS, key=False)
    assert problem["title"] == "Answer too large" and problem["limit"] == MAX_VALUES
    assert problem["values"] == 14 * 7_306
    # The tenant's consumption: 14 sites and their sum, hourly over a year.
    year = {"window": "hour", "start": "2025-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}
    problem = _refused(world, "/api/v1/consumption", year)
    assert (
        problem["values"] == 15 * 8_761 and "ask a larger window or a range of at most" in problem["detail"]
    )
    assert world.get("/api/v1/consumption", {**year, "window": "day"}).status_code == 200
    # A site's comfort: every room sensor's three quantities, daily over a year.
    site = state.registry.ensure_site(town.id, "lycee", "Lycée")
    rooms = [
        Device(f"c2000000000000{i:02x}", town.id, f"salle {i}", "netvox/r718h", site_id=site.id)
        for i in range(100)
    ]
    state.registry.add_devices(rooms)
    comfort = f"/api/v1/sites/{site.id}/comfort"
    year = {"start": "2025-01-01T00:00:00Z", "end": "2026-01-01T00:00:00Z"}
    assert _refused(world, comfort, year)["values"] == 300 * 366
    assert world.get(comfort, {**year, "start": "2025-10-01T00:00:00Z"}).status_code == 200


def test_legitimate_large_ranges_are_answered(world: World) -> None:
    r = world.get(f"/api/v1/sites/{world.site}/consumption", {"window": "hour", **TWO_YEARS})
    assert r.status_code == 200, r.text
    points = r.json()["points"]
    assert len(points) == 17_544 and sum(p["consumption"] or 0 for p in points) == 47
    r = world.get("/api/v1/consumption", {"window": "hour", **TWO_YEARS})
    assert r.status_code == 200 and r.json()["total"] == 47
    r = world.get(f"/api/v1/sites/{world.site}/compare", {"window": "day", **TWENTY_YEARS})
    assert r.status_code == 200 and len(r.json()["current"]["points"]) == 7_306
    r = world.get("/api/v1/open/town/consumption.csv", TWENTY_YEARS_OF_DAYS, key=False)
    assert r.status_code == 200 and r.text.splitlines()[1:] == [
        "mairie,Mairie,,2025-06-01,water_volume,m3,21",
        "mairie,Mairie,,2025-06-02,water_volume,m3,24",
        "mairie,Mairie,,2025-06-03,water_volume,m3,2",
    ]
