"""HTTP caching of a site's consumption (api.http_cache): ETag and 304, and the per-process cache's
promises: a new reading within the TTL, a revoked key refused, never another tenant's series."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.deps import AppState
from api.http_cache import matches, result_cache
from api.read_cache import RegistryReads, TtlCache
from kernel.settings import Settings
from kernel.types import Reading
from registry import Device, Role

TTL = 10.0
T0 = datetime(2026, 5, 4, 22, tzinfo=UTC)
RANGE = {"start": "2026-05-04T00:00:00+02:00", "end": "2026-05-08T00:00:00+02:00"}


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Town:
    client: TestClient
    state: AppState
    clock: Clock
    site: int  # the town's site
    other_site: int  # the landlord's
    town: dict[str, str]
    landlord: dict[str, str]
    admin: dict[str, str]

    def series(self, headers: dict[str, str], site: int | None = None) -> tuple[int, str, float | None]:
        r = self.client.get(f"/api/v1/sites/{site or self.site}/consumption", params=RANGE, headers=headers)
        total = r.json()["total"] if r.status_code == 200 else None
        return r.status_code, r.headers.get("x-cache", ""), total


def reading(eui: str, i: int) -> Reading:
    return Reading(
        eui, "water_volume", 10.0 + i * 0.5, "m3", "cumulative", T0 + timedelta(hours=i), delta=0.5
    )


def make_app(tmp_path: Path, ttl: float) -> FastAPI:
    from releve.services import web_app

    return web_app(Settings(data_dir=tmp_path, api_cache_ttl_s=ttl))


@pytest.fixture
def town(tmp_path: Path) -> Iterator[Town]:
    app = make_app(tmp_path, TTL)
    with TestClient(app) as c:
        state: AppState = app.state.releve
        reg = state.registry
        owner = reg.owner_tenant()
        hlm = reg.ensure_tenant("hlm", "Bailleur")
        site = reg.ensure_site(owner.id, "mairie", "Mairie")
        other = reg.ensure_site(hlm.id, "residence", "Résidence")
        reg.add_devices(
            [
                Device("a000000000000001", owner.id, "eau mairie", "netvox/r718h", site_id=site.id),
                Device("b000000000000001", hlm.id, "eau résidence", "netvox/r718h", site_id=other.id),
            ]
        )
        for eui in ("a000000000000001", "b000000000000001"):
            state.store.write([reading(eui, i) for i in range(6)])
        clock = Clock()
        state.series = result_cache(TTL, clock)
        keys = [
            {"Authorization": f"Bearer {reg.create_key(tenant.id, role, name)[1]}"}
            for tenant, role, name in (
                (owner, Role.VIEWER, "v"),
                (hlm, Role.VIEWER, "h"),
                (owner, Role.ADMIN, "a"),
            )
        ]
        yield Town(c, state, clock, site.id, other.id, *keys)


def test_etag_and_304(town: Town) -> None:
    c = town.client
    path = f"/api/v1/sites/{town.site}/consumption"
    r = c.get(path, params=RANGE, headers=town.town)
    assert r.status_code == 200
    etag = r.headers["etag"]
    assert etag.startswith('"') and r.headers["cache-control"] == "private, no-cache"
    assert "Authorization" in r.headers["vary"]
    again = c.get(path, params=RANGE, headers={**town.town, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    weak = c.get(path, params=RANGE, headers={**town.town, "If-None-Match": f'"x", W/{etag}'})
    assert weak.status_code == 304
    other = c.get(path, params=RANGE, headers={**town.town, "If-None-Match": '"x"'})
    assert other.status_code == 200 and other.content == r.content
    # Without a key, or with a bad one, the ETag is no way in.
    assert c.get(path, params=RANGE, headers={"If-None-Match": etag}).status_code == 401


def test_a_new_reading_shows_within_the_ttl(town: Town) -> None:
    assert town.series(town.town) == (200, "miss", 3.0)
    assert town.series(town.town) == (200, "hit", 3.0)
    town.state.store.write([reading("a000000000000001", 6)])  # by the bridge, another process
    town.clock.now += TTL - 0.1
    assert town.series(town.town) == (200, "hit", 3.0)  # at most TTL seconds old
    town.clock.now += 0.1
    assert town.series(town.town) == (200, "miss", 3.5)


def test_a_write_through_the_api_empties_the_cache_at_once(town: Town) -> None:
    assert town.series(town.town)[1] == "miss"
    r = town.client.post("/api/v1/sites", json={"name": "Mairie", "address": "1 place"}, headers=town.admin)
    assert r.status_code == 201
    assert town.series(town.town)[1] == "miss"


def test_a_revoked_key_is_refused_though_its_series_is_cached(town: Town) -> None:
    c = town.client
    created = c.post("/api/v1/keys", json={"role": "viewer", "name": "tmp"}, headers=town.admin).json()
    viewer = {"Authorization": f"Bearer {created['token']}"}
    assert town.series(viewer)[0] == 200
    assert town.series(viewer)[1] == "hit"
    assert c.delete(f"/api/v1/keys/{created['prefix']}", headers=town.admin).status_code == 204
    assert town.series(viewer) == (401, "", None)
    # Revoked by another process (the CLI): refused once the key cache's own TTL has passed,
    # while the series is still cached.
    created = c.post("/api/v1/keys", json={"role": "viewer", "name": "tmp2"}, headers=town.admin).json()
    viewer = {"Authorization": f"Bearer {created['token']}"}
    assert town.series(viewer)[0] == 200
    key_clock = Clock()
    town.state.reads = RegistryReads(town.state.registry, clock=key_clock)  # keys read from now on
    assert town.series(viewer)[0] == 200
    town.state.registry.revoke_key(created["prefix"])
    key_clock.now += 5.0
    assert town.series(town.town)[1] == "hit"
    assert town.series(viewer) == (401, "", None)


def test_tenants_never_see_each_others_cached_series(town: Town) -> None:
    assert town.series(town.town) == (200, "miss", 3.0)
    assert town.series(town.landlord)[:2] == (404, "")  # the town's series is cached: still 404
    assert town.series(town.landlord, town.other_site) == (200, "miss", 3.0)
    assert town.series(town.town, town.other_site)[:2] == (404, "")
    missing = town.other_site + 100
    assert town.series(town.town, missing)[0] == 404


def test_without_the_cache_every_request_reads_the_store(tmp_path: Path) -> None:
    app = make_app(tmp_path, 0)
    with TestClient(app) as c:
        state: AppState = app.state.releve
        assert state.series is None
        site = state.registry.ensure_site(state.registry.owner_tenant().id, "mairie", "Mairie")
        token = state.registry.create_key(state.registry.owner_tenant().id, Role.VIEWER, "v")[1]
        state.registry.add_devices(
            [Device("a000000000000001", site.tenant_id, "eau", "netvox/r718h", site_id=site.id)]
        )
        state.store.write([reading("a000000000000001", i) for i in range(3)])
        path, headers = f"/api/v1/sites/{site.id}/consumption", {"Authorization": f"Bearer {token}"}
        first = c.get(path, params=RANGE, headers=headers)
        assert first.headers["x-cache"] == "miss" and first.json()["total"] == 1.5
        state.store.write([reading("a000000000000001", 3)])
        second = c.get(path, params=RANGE, headers=headers)
        assert second.headers["x-cache"] == "miss" and second.json()["total"] == 2.0
        assert second.headers["etag"] != first.headers["etag"]


def test_a_value_read_before_a_clear_is_not_stored_after_it() -> None:
    cache: TtlCache[str] = TtlCache(10.0)
    generation = cache.generation
    cache.clear()  # a write request while the series was being read
    cache.put("k", "stale", generation)
    assert cache.get("k") is None
    cache.put("k", "fresh", cache.generation)
    assert cache.get("k") == "fresh"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ("", False),
        ('"a"', True),
        ('W/"a"', True),
        ('"b", "a"', True),
        ("*", True),
        ('"b"', False),
    ],
)
def test_if_none_match(header: str | None, expected: bool) -> None:
    assert matches(header, '"a"') is expected
