"""The API's short registry caches (api.read_cache): what they keep, for how long, and what empties them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.read_cache import RegistryReads, TtlCache
from kernel.settings import Settings
from registry import Device, Registry, Role, open_registry
from registry.errors import NotFound
from releve.services import web_app


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_ttl_cache_expires_and_stays_bounded() -> None:
    clock = Clock()
    cache: TtlCache[str] = TtlCache(2.0, max_entries=3, clock=clock)
    cache.put("a", "1")
    clock.now += 1.9
    assert cache.get("a") == "1"
    clock.now += 0.1
    assert cache.get("a") is None
    for k in "bcde":
        cache.put(k, k)
    assert cache.get("e") == "e" and cache.get("b") is None  # emptied when full, then refilled


@pytest.fixture
def registry(tmp_path: Path) -> Iterator[Registry]:
    reg = open_registry(f"sqlite:///{tmp_path / 'registry.db'}")
    yield reg
    reg.close()


def test_a_revoked_key_works_at_most_the_ttl_and_unknown_tokens_are_not_cached(registry: Registry) -> None:
    clock = Clock()
    reads = RegistryReads(registry, key_ttl_s=5.0, clock=clock)
    key, token = registry.create_key(registry.owner_tenant().id, Role.VIEWER, "k")
    assert reads.authenticate(token) == key
    registry.revoke_key(key.prefix)  # by another process (the CLI): this one still holds it
    assert reads.cached_key(token) == key
    clock.now += 5.0
    assert reads.authenticate(token) is None
    assert reads.authenticate("rlv_nope_nope") is None and reads.cached_key("rlv_nope_nope") is None


def test_site_and_devices_are_cached_for_the_ttl(registry: Registry) -> None:
    clock = Clock()
    reads = RegistryReads(registry, ttl_s=2.0, clock=clock)
    town = registry.owner_tenant()
    site = registry.ensure_site(town.id, "ecole", "École")
    with pytest.raises(NotFound):
        reads.get_site(site.id + 1)  # a missing site is not remembered
    assert reads.site_devices(site.id) == ()
    registry.add_devices([Device("c000000000000001", town.id, "eau", "netvox/r718h", site_id=site.id)])
    assert reads.site_devices(site.id) == ()  # within the TTL: the old list
    clock.now += 2.0
    assert [d.dev_eui for d in reads.site_devices(site.id)] == ["c000000000000001"]
    registry.ensure_site(town.id, "ecole", "École Jules Ferry")
    assert reads.get_site(site.id).name == "École Jules Ferry"  # first read since: fresh
    reads.forget()
    assert reads.get_site(site.id).name == "École Jules Ferry"


def test_writes_through_the_api_are_seen_at_once(tmp_path: Path) -> None:
    app = web_app(Settings(data_dir=tmp_path))
    with TestClient(app) as c:
        state = app.state.releve
        _, token = state.registry.create_key(state.registry.owner_tenant().id, Role.ADMIN, "admin")
        headers = {"Authorization": f"Bearer {token}"}
        site_id = c.post("/api/v1/sites", json={"name": "Mairie"}, headers=headers).json()["id"]
        assert state.reads.get_site(site_id).name == "Mairie"  # now cached
        r = c.post("/api/v1/sites", json={"name": "Mairie", "address": "1 place"}, headers=headers)
        assert r.status_code == 201
        assert state.reads.get_site(site_id).address == "1 place"
        # A key revoked through the API fails at once in the process that revoked it.
        created = c.post("/api/v1/keys", json={"role": "viewer", "name": "v"}, headers=headers).json()
        viewer = {"Authorization": f"Bearer {created['token']}"}
        assert c.get(f"/api/v1/sites/{site_id}", headers=viewer).status_code == 200
        assert c.delete(f"/api/v1/keys/{created['prefix']}", headers=headers).status_code == 204
        assert c.get(f"/api/v1/sites/{site_id}", headers=viewer).status_code == 401
