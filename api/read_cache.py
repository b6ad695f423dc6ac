"""Short-lived caches of the registry reads every request makes: the API key, a site, its devices.

A site's consumption costs three registry queries before the store is read (the key, the site,
its devices): under load they were 43 % of the handler. These rarely change, so each API process
keeps them for a few seconds:

- an authenticated key for ``KEY_TTL_S``, keyed by the SHA-256 of its token (never the token). A
  revoked key stops working within that time in every process, at once in the process that
  revoked it (``forget_keys``). Unknown or malformed tokens are never cached: a key just created
  works at once.
- a site and its device list for ``REGISTRY_TTL_S``. Any write request (POST, PUT, PATCH, DELETE)
  served by this process empties them, so a change made through the API is seen at once by the
  process that made it; other workers (``releve api --workers N``) and changes made outside the
  API (the CLI, an import) are seen within the TTL.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from registry import ApiKey, Device, Registry, Site

KEY_TTL_S = 5.0
REGISTRY_TTL_S = 2.0
MAX_ENTRIES = 10_000

V = TypeVar("V")


class TtlCache(Generic[V]):
    """A dict whose entries expire ``ttl_s`` seconds after they were stored; thread-safe."""

    def __init__(
        self, ttl_s: float, max_entries: int = MAX_ENTRIES, clock: Callable[[], float] = time.monotonic
    ):
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._items: dict[Hashable, tuple[float, V]] = {}
        # Bumped by clear(): a value read before a clear is not stored after it (put's generation).
        self.generation = 0

    def get(self, key: Hashable) -> V | None:
        found = self._items.get(key)
        if found is None:
            return None
        expires, value = found
        if self._clock() >= expires:
            with self._lock:
                self._items.pop(key, None)
            return None
        return value

    def put(self, key: Hashable, value: V, generation: int | None = None) -> None:
        """Store ``value``; with ``generation`` (read before computing it), only if nothing
        cleared the cache since."""
        with self._lock:
            if generation is not None and generation != self.generation:
                return
            if len(self._items) >= self.max_entries:
                self._items.clear()  # bounded memory; a cache this short refills in a moment
            self._items[key] = (self._clock() + self.ttl_s, value)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.generation += 1


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RegistryReads:
    """The registry reads of the API's hot paths, through the caches above."""

    def __init__(
        self,
        registry: Registry,
        key_ttl_s: float = KEY_TTL_S,
        ttl_s: float = REGISTRY_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.registry = registry
        self._keys: TtlCache[ApiKey] = TtlCache(key_ttl_s, clock=clock)
        self._sites: TtlCache[Site] = TtlCache(ttl_s, clock=clock)
        self._devices: TtlCache[tuple[Device, ...]] = TtlCache(ttl_s, clock=clock)

    def cached_key(self, token: str) -> ApiKey | None:
        """The key of ``token`` if authenticated less than the TTL ago (no database access)."""
        return self._keys.get(token_digest(token))

    def authenticate(self, token: str) -> ApiKey | None:
        """As ``Registry.authenticate``; a valid key is remembered for the TTL."""
        digest = token_digest(token)
        key = self._keys.get(digest)
        if key is None:
            key = self.registry.authenticate(token)
            if key is not None:
                self._keys.put(digest, key)
        return key

    def cached_site(self, site_id: int) -> Site | None:
        """The site if read less than the TTL ago (no database access)."""
        return self._sites.get(site_id)

    def get_site(self, site_id: int) -> Site:
        """As ``Registry.get_site`` (raises NotFound; a missing site is not cached)."""
        site = self._sites.get(site_id)
        if site is None:
            site = self.registry.get_site(site_id)
            self._sites.put(site_id, site)
        return site

    def site_devices(self, site_id: int) -> tuple[Device, ...]:
        """Every device of a site, as ``Registry.list_devices(site_id=...)``."""
        devices = self._devices.get(site_id)
        if devices is None:
            devices = tuple(self.registry.list_devices(site_id=site_id, limit=100_000))
            self._devices.put(site_id, devices)
        return devices

    def forget_keys(self) -> None:
        self._keys.clear()

    def forget(self) -> None:
        """Empty every cache (after a write through the API)."""
        self._keys.clear()
        self._sites.clear()
        self._devices.clear()
