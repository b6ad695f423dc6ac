"""The devices a page is decoded for: looked up in one query, and in one look at the cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ingest.devices import DeviceCache
from registry import Device, Registry, open_registry

EUIS = [f"01020304050607{i:02x}" for i in range(6)]
UNKNOWN = "0102030405069999"


@pytest.fixture
def registry(tmp_path: Path) -> Registry:
    registry = open_registry(f"sqlite:///{tmp_path / 'registry.db'}")
    town = registry.owner_tenant()
    registry.add_devices([Device(eui, town.id, f"eau {eui[-2:]}", "netvox/r718h") for eui in EUIS])
    return registry


class Counted:
    """The registry's look-ups, counted (the real registry answers them)."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.batches: list[int] = []
        self.one_by_one = 0

    def find_devices(self, euis: Any) -> dict[str, Device]:
        self.batches.append(len(euis))
        return self.registry.find_devices(euis)

    def find_device(self, eui: str) -> Device | None:
        self.one_by_one += 1
        return self.registry.find_device(eui)

    def replacements_of(self, euis: Any) -> Any:
        return self.registry.replacements_of(euis)

    def replacements(self, eui: str) -> Any:
        return self.registry.replacements(eui)


def test_a_page_is_looked_up_in_one_query_and_unknown_devices_are_none(registry: Registry) -> None:
    counted = Counted(registry)
    cache = DeviceCache(counted)  # type: ignore[arg-type]
    found = cache.lookup([*EUIS[:3], UNKNOWN, EUIS[0]])
    assert {eui: d.dev_eui if d else None for eui, d in found.items()} == {
        **{eui: eui for eui in EUIS[:3]},
        UNKNOWN: None,
    }
    assert counted.batches == [4]
    assert cache.lookup(EUIS[:3]) == {eui: found[eui] for eui in EUIS[:3]}  # cached: no query
    assert (counted.batches, counted.one_by_one) == ([4], 0)


def test_a_page_larger_than_what_is_left_of_the_cache_is_looked_up_whole(registry: Registry) -> None:
    """Past ``MAX_ENTRIES`` the cache is emptied: the page's devices cached before are looked up
    again with the new ones (they were in what was emptied), not lost."""
    counted = Counted(registry)
    cache = DeviceCache(counted)  # type: ignore[arg-type]
    cache.MAX_ENTRIES = 4
    cache.lookup(EUIS[:3])
    found = cache.lookup(EUIS[1:5])  # two cached, two new: 3 + 2 > 4
    assert [d.dev_eui if d else None for d in found.values()] == EUIS[1:5]
    assert counted.batches == [3, 4]
    assert cache.get(EUIS[1]) == found[EUIS[1]]
    assert counted.one_by_one == 0


def test_a_clear_is_followed_by_one_query_for_the_next_page(registry: Registry) -> None:
    counted = Counted(registry)
    cache = DeviceCache(counted)  # type: ignore[arg-type]
    cache.lookup(EUIS)
    cache.clear()
    assert all(d is not None for d in cache.lookup(EUIS).values())
    assert (counted.batches, counted.one_by_one) == ([6, 6], 0)
