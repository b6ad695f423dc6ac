"""The devices the ingestion path decodes for: registry look-ups cached per batch, with their meter
replacements."""

from __future__ import annotations

import threading
import time
from collections.abc import Collection

from kernel.types import Replacement
from registry import Device, Registry

__all__ = ["DeviceCache"]


class DeviceCache:
    """Registry look-ups with a short TTL for unknown devices, so a device provisioned now is seen
    within seconds, and a long one for known devices: every change of a device through releve
    (the API, a command, an import: ``store_edits.devices_changed``) empties the cache at once
    (``Ingestor.devices_changed``), and so does a reprocess or a meter replacement (the store's
    edit counter); ``known_ttl_s`` only bounds how long an edit made outside releve goes unseen.
    With two minutes, a city's devices reporting every minute or so were looked up again every
    other uplink (8 % of the bridge's processing at 150 uplinks/s, bench.city).

    Thread-safe: the bridge's processor looks devices up for the next page in its read-ahead
    thread (``Ingestor.prepare``). ``generation`` counts the clears: what was looked up before
    one may be stale."""

    MAX_ENTRIES = 100_000  # devices (and their replacements) cached, at most

    def __init__(self, registry: Registry, ttl_s: float = 10.0, known_ttl_s: float = 3600.0) -> None:
        self._registry = registry
        self._ttl = ttl_s
        self._known_ttl = known_ttl_s
        self._entries: dict[str, tuple[float, Device | None]] = {}
        self._replacements: dict[str, tuple[float, dict[tuple[str, str], tuple[Replacement, ...]]]] = {}
        self._lock = threading.RLock()
        self.generation = 0

    def lookup(self, dev_euis: Collection[str]) -> dict[str, Device | None]:
        """Each of these devices (None: not provisioned), those not cached (or expired) looked up
        in one query each for the devices and their replacements, all in one look at the cache:
        a clear from another thread cannot come between the query and the answer (the bridge's
        processor clears it when another process edited the store, while its read-ahead thread
        prepares the next page)."""
        with self._lock:
            self._prime(dev_euis)
            return {eui: self._entries[eui][1] for eui in dev_euis}

    def _prime(self, dev_euis: Collection[str]) -> None:
        now = time.monotonic()
        euis = set(dev_euis)
        stale = [e for e in euis if self._expired(self._entries.get(e), now)]
        if stale:
            if len(self._entries) + len(stale) > self.MAX_ENTRIES:
                self._entries.clear()
                stale = list(euis)  # the batch's other devices were in what was cleared
            found = self._registry.find_devices(stale)
            for eui in stale:
                self._entries[eui] = (now, found.get(eui))
        known = [e for e in euis if self._entries[e][1] is not None]
        stale = [e for e in known if now - self._replacements.get(e, (-1e18, {}))[0] >= self._known_ttl]
        if stale:
            if len(self._replacements) + len(stale) > self.MAX_ENTRIES:
                self._replacements.clear()
                stale = known
            for eui, swaps in self._registry.replacements_of(stale).items():
                self._replacements[eui] = (now, swaps)

    def _expired(self, entry: tuple[float, Device | None] | None, now: float) -> bool:
        if entry is None:
            return True
        return now - entry[0] >= (self._ttl if entry[1] is None else self._known_ttl)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()
            self._replacements.clear()

    def replacements(self, dev_eui: str) -> dict[tuple[str, str], tuple[Replacement, ...]]:
        with self._lock:
            return self._replacements_of(dev_eui)

    def _replacements_of(self, dev_eui: str) -> dict[tuple[str, str], tuple[Replacement, ...]]:
        now = time.monotonic()
        hit = self._replacements.get(dev_eui)
        if hit is not None and now - hit[0] < self._known_ttl:
            return hit[1]
        found = self._registry.replacements(dev_eui)
        if len(self._replacements) > self.MAX_ENTRIES:
            self._replacements.clear()
        self._replacements[dev_eui] = (now, found)
        return found

    def get(self, dev_eui: str) -> Device | None:
        with self._lock:
            return self._get(dev_eui)

    def _get(self, dev_eui: str) -> Device | None:
        now = time.monotonic()
        hit = self._entries.get(dev_eui)
        if hit is not None and not self._expired(hit, now):
            return hit[1]
        device = self._registry.find_device(dev_eui)
        if len(self._entries) > self.MAX_ENTRIES:
            self._entries.clear()
        self._entries[dev_eui] = (now, device)
        return device
