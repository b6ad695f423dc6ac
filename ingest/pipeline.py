"""From archived uplinks to stored readings: device lookup, decoding, meter semantics, store write.

The bridge calls ``accept`` (archive durably, then acknowledge) and ``process`` (decode and
store). Every failure of one uplink (unknown device, unknown model, malformed frame) is
recorded on its archive row and never stops the others. A store failure propagates: the
uplinks stay pending in the archive and the caller retries them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from decoders import CANONICAL_UNITS, DecodeError, Frame, Quantity, decode, get_model
from ingest.archive import Archive, ArchivedUplink, Mark
from ingest.linkstats import LinkUpdate
from ingest.lorawan_crypto import KeyUnusable, KeyWrapper, frm_payload
from ingest.meter_state import DeltaPlan, MeterState, register_max
from ingest.plausibility import ImplausibleTime, TimeBounds
from kernel.types import Reading, Replacement, Uplink
from registry import Device, Registry, store_edits
from store import Store
from store.errors import StoreRejected

log = logging.getLogger(__name__)

__all__ = ["BatchReport", "DeviceCache", "Ingestor", "register_max"]


@dataclass
class BatchReport:
    """What one call to ``process`` did, for counters and logs."""

    decoded: int = 0
    readings: int = 0
    unknown_device: int = 0
    failed: int = 0
    mac_only: int = 0
    anomalies: int = 0
    errors: list[str] = field(default_factory=list)


class DeviceCache:
    """Registry look-ups with a short TTL for unknown devices, so a device provisioned now is seen
    within seconds, and a longer one for known devices (a model changed with ``releve devices
    set-model`` applies within ``known_ttl_s``; a reprocess or a meter replacement empties the
    cache through the store's edit counter)."""

    def __init__(self, registry: Registry, ttl_s: float = 10.0, known_ttl_s: float = 120.0) -> None:
        self._registry = registry
        self._ttl = ttl_s
        self._known_ttl = known_ttl_s
        self._entries: dict[str, tuple[float, Device | None]] = {}
        self._replacements: dict[str, tuple[float, dict[tuple[str, str], tuple[Replacement, ...]]]] = {}

    def prime(self, dev_euis: Collection[str]) -> None:
        """Look up, in one query each, the devices of a batch that are not cached (or expired)."""
        now = time.monotonic()
        stale = [e for e in set(dev_euis) if self._expired(self._entries.get(e), now)]
        if stale:
            if len(self._entries) + len(stale) > 100_000:
                self._entries.clear()
            found = self._registry.find_devices(stale)
            for eui in stale:
                self._entries[eui] = (now, found.get(eui))
        known = [e for e in set(dev_euis) if self._entries[e][1] is not None]
        stale = [e for e in known if now - self._replacements.get(e, (-1e18, {}))[0] >= self._known_ttl]
        if stale:
            if len(self._replacements) + len(stale) > 100_000:
                self._replacements.clear()
            for eui, swaps in self._registry.replacements_of(stale).items():
                self._replacements[eui] = (now, swaps)

    def _expired(self, entry: tuple[float, Device | None] | None, now: float) -> bool:
        if entry is None:
            return True
        return now - entry[0] >= (self._ttl if entry[1] is None else self._known_ttl)

    def clear(self) -> None:
        self._entries.clear()
        self._replacements.clear()

    def replacements(self, dev_eui: str) -> dict[tuple[str, str], tuple[Replacement, ...]]:
        now = time.monotonic()
        hit = self._replacements.get(dev_eui)
        if hit is not None and now - hit[0] < self._known_ttl:
            return hit[1]
        found = self._registry.replacements(dev_eui)
        if len(self._replacements) > 100_000:
            self._replacements.clear()
        self._replacements[dev_eui] = (now, found)
        return found

    def get(self, dev_eui: str) -> Device | None:
        now = time.monotonic()
        hit = self._entries.get(dev_eui)
        if hit is not None and not self._expired(hit, now):
            return hit[1]
        device = self._registry.find_device(dev_eui)
        if len(self._entries) > 100_000:
            self._entries.clear()
        self._entries[dev_eui] = (now, device)
        return device


class Ingestor:
    """Decodes archived uplinks and writes their readings, with consumption deltas, to the store."""

    def __init__(
        self,
        registry: Registry,
        archive: Archive,
        store: Store,
        keys: KeyWrapper | None = None,
        *,
        shared: bool = False,
        times: TimeBounds | None = None,
    ) -> None:
        """``shared``: other bridge workers write the same series (a shared subscription spreads
        a device's uplinks over them), so the last point of each series is read from the store
        for every batch instead of trusted from this worker's memory. ``times``: which reading
        times are plausible (the others fail their uplink, never reach the store)."""
        self.shared = shared
        self.registry = registry
        self.keys = keys
        self.archive = archive
        self.store = store
        self.times = times or TimeBounds()
        self.devices = DeviceCache(registry)
        self.meter = MeterState(store, self.devices, self._siblings, shared=shared)
        self._unknown_logged: set[str] = set()
        self.links = LinkUpdate(archive.engine)
        self._edits = -1  # the registry's count of store edits when this worker last looked
        self.flush_every_s = 0.0
        self._unmarked: list[Mark] = []
        # The uplinks behind a chunked flush under way (None: none is), marked when it ends.
        self._flushing: list[Mark] | None = None
        self.flush_chunk = 5000  # rollup points written per batch while a flush is under way
        # A flush is also due once the store holds this many points or this many uplinks wait
        # for it, whatever the time: a catch-up processes in 30 s what took an outage minutes to
        # send, and holding all of its rollups and marks cost 130 MB (bench.city, 10,000 devices).
        # The bridge sets both from ``RELEVE_BRIDGE_ROLLUP_MAX_POINTS``.
        self.flush_max_points = 50_000
        self.flush_max_uplinks = 50_000
        self._flushed_at = time.monotonic()

    def hold(self, seconds: float) -> None:
        """Let the store hold the rollups it folds in memory for up to ``seconds`` (the bridge).

        The uplinks behind them are marked processed in the archive only once they are written:
        after a crash they are still pending, and processing them again recomputes those rollups
        from the stored readings. 0: rollups written and uplinks marked with every batch.
        """
        self.flush()
        # A store that holds nothing (SQLite) has its rollups written with each batch: its
        # uplinks are marked processed with each batch too.
        self.flush_every_s = seconds if self.store.hold_rollups(seconds > 0) else 0.0

    def flush(self) -> None:
        """Write what the store holds, then mark the uplinks behind it processed."""
        unmarked = [*(self._flushing or []), *self._unmarked]
        self._flushing, self._unmarked = None, []
        self._flushed_at = time.monotonic()
        self.store.flush()  # on failure the uplinks stay pending in the archive, to be retried
        self.archive.mark(unmarked)

    def flush_if_due(self) -> None:
        """Every ``flush_every_s``, or sooner once ``flush_max_points`` or ``flush_max_uplinks``
        are held, write what the store holds, ``flush_chunk`` points per call (a call per batch:
        a large flush does not hold up the next batches' raw readings), and mark the uplinks
        behind it once it is all written. While the store holds more than ``flush_max_points``
        the chunks grow, so what is held stays bounded however fast batches come."""
        held = self.store.held()
        if self._flushing is None:
            if not self._unmarked:
                return
            due = time.monotonic() - self._flushed_at >= self.flush_every_s
            if not due and held < self.flush_max_points and len(self._unmarked) < self.flush_max_uplinks:
                return
            self._flushing, self._unmarked = self._unmarked, []
            self._flushed_at = time.monotonic()
        # On failure the uplinks stay pending in the archive, to be retried; the store keeps
        # what it has not written, and the next flush writes it.
        if self.store.flush(max(self.flush_chunk, held - self.flush_max_points)):
            done, self._flushing = self._flushing, None
            self.archive.mark(done)

    def _forget(self) -> None:
        """Another process edited the store: what this worker holds of its series may be stale."""
        self.meter.forget()
        self.devices.clear()
        self.store.forget()

    def _siblings(self, device: Device) -> list[str]:
        """The other devices on a device's metering point (a radio device replaced on a meter)."""
        return [
            d.dev_eui
            for d in self.registry.list_devices(site_id=device.site_id, limit=10_000)
            if d.metering_point == device.metering_point and d.dev_eui != device.dev_eui
        ]

    def accept(self, items: Sequence[tuple[Uplink, str]]) -> list[ArchivedUplink]:
        """Archive uplinks durably; returns the new ones (re-deliveries are counted, not returned)."""
        return self.archive.store(items)

    def recover(
        self,
        limit: int = 1000,
        on_batch: Callable[[BatchReport], None] | None = None,
        stopping: Callable[[], bool] = lambda: False,
    ) -> int:
        """Process uplinks archived but never processed (after a crash or a store outage: all
        since it began), oldest first; returns how many.

        Paged by id: what is processed stays pending until the rollups behind it are written, as
        in the normal flow (a flush every ``flush_every_s``, spread over the batches), so a long
        catch-up does not rewrite every series' rollups batch after batch. The last flush writes
        the rest and marks every uplink behind it. ``stopping``: asked between pages (a process
        told to stop leaves the rest pending for its next start).
        """
        done = after = 0
        while not stopping():
            pending = self.archive.pending(limit, after_id=after)
            if not pending:
                break
            after = pending[-1].id
            report = self.process(pending)
            if on_batch is not None:
                on_batch(report)
            done += len(pending)
        if done:
            self.flush()
        return done

    def process(self, batch: Sequence[ArchivedUplink]) -> BatchReport:
        edits = store_edits.current(self.registry.engine)
        if edits != self._edits:
            self._forget()
            self._edits = edits
        report = BatchReport()
        results: list[Mark] = []
        readings: list[Reading] = []
        frames: list[tuple[ArchivedUplink, Frame]] = []
        self.devices.prime([item.uplink.dev_eui for item in batch])
        for item in sorted(batch, key=lambda a: a.uplink.received_at):
            up = item.uplink
            device = self.devices.get(up.dev_eui)
            if device is None:
                report.unknown_device += 1
                if up.dev_eui not in self._unknown_logged and len(self._unknown_logged) < 10_000:
                    self._unknown_logged.add(up.dev_eui)
                    log.warning("first uplink from unprovisioned device %s: quarantined", up.dev_eui)
                results.append(Mark(item.id, "unknown_device", "device not provisioned", None, 0))
                continue
            if up.f_port == 0:
                report.mac_only += 1
                results.append(Mark(item.id, "mac_only", None, None, 0))
                continue
            try:
                payload = self.plaintext(up, device)
                spec = get_model(device.model)
                frame = decode(device.model, up.f_port, payload)
                built = self.readings_of(item, device, frame)
            except (DecodeError, KeyUnusable, ImplausibleTime) as exc:
                report.failed += 1
                results.append(Mark(item.id, "failed", f"{type(exc).__name__}: {exc}", device.model, 0))
                continue
            frames.append((item, frame))
            readings.extend(built)
            report.decoded += 1
            results.append(Mark(item.id, "decoded", None, f"{spec.model_id}@{spec.version}", len(built)))
        plan, refused = self._write(readings, edits)
        if refused:  # isolated: failed with the store's reason, like a frame that cannot be decoded
            report.decoded -= len(refused)
            report.failed += len(refused)
            for n, mark in enumerate(results):
                if mark.uplink_id in refused:
                    error = f"StoreRejected: {refused[mark.uplink_id]}"
                    results[n] = mark._replace(state="failed", error=error, readings=0)
            frames = [(item, frame) for item, frame in frames if item.id not in refused]
        report.anomalies = len(plan.anomalies)
        self.links.record_anomalies(plan.anomalies)
        report.readings = len(plan.readings)
        self._unmarked.extend(results)
        self.links.apply(batch, frames)
        self.flush_if_due()
        return report

    def _write(self, readings: list[Reading], edits: int) -> tuple[DeltaPlan, dict[int, str]]:
        """Plan the readings' deltas, write them, and only then move the meter state on: a write
        that fails leaves it as it was, and the retry computes the same deltas. Uplinks whose
        readings the store refuses as invalid are left out and returned with the store's reason;
        the others are written, with deltas planned without them."""
        plan = self.meter.plan(readings)
        refused: dict[int, str] = {}
        if not plan.readings:
            return plan, refused
        try:
            self.store.write(plan.readings)
        except StoreRejected as exc:
            refused = self._find_refused(plan.readings, exc)
            readings = [r for r in readings if r.uplink_id not in refused]
            plan = self.meter.plan(readings)
            self.store.write(plan.readings)
        if store_edits.current(self.registry.engine) != edits:
            # An edit ran while this batch was written from memory: write it again from
            # what is stored (the store takes a rewrite of the same points as a replay).
            self._forget()
            plan = self.meter.plan(readings)
            self.store.write(plan.readings)
        self.meter.commit(plan)
        return plan, refused

    def _find_refused(self, readings: list[Reading], exc: StoreRejected) -> dict[int, str]:
        """The uplinks whose readings the store refuses, found by writing halves of the batch
        (the others are written again with the final deltas afterwards: a rewrite is a replay).
        Re-raises when the store refuses what is not one uplink's readings."""
        groups: dict[int | None, list[Reading]] = {}
        for r in readings:
            groups.setdefault(r.uplink_id, []).append(r)
        refused: dict[int, str] = {}
        pending = [list(groups)]
        while pending:
            ids = pending.pop()
            if len(ids) > 1:
                try:
                    self.store.write([r for i in ids for r in groups[i]])
                    continue
                except StoreRejected:
                    pending += [ids[: len(ids) // 2], ids[len(ids) // 2 :]]
                    continue
            try:
                self.store.write(groups[ids[0]])
            except StoreRejected as one:
                if ids[0] is None:
                    raise exc from one
                refused[ids[0]] = str(one)
        return refused

    def plaintext(self, up: Uplink, device: Device) -> bytes:
        """The payload, decrypted with the device's AppSKey when the town holds it.

        A device with a stored AppSKey sends frames the network server could not read (it does
        not have the key): they are decrypted here, per LoRaWAN 1.0.x.
        """
        wrapped = device.app_skey_wrapped
        if wrapped is None:
            if up.encrypted:
                raise KeyUnusable("the payload is encrypted and releve holds no AppSKey for this device")
            return up.payload
        if self.keys is None:
            raise KeyUnusable("an AppSKey is stored but RELEVE_MASTER_KEY is not set")
        if up.dev_addr is None or up.f_cnt is None:
            raise KeyUnusable("decryption needs the DevAddr and frame counter, absent from the envelope")
        key = self.keys.unwrap(wrapped, up.dev_eui)
        return frm_payload(key, up.dev_addr, up.f_cnt, up.payload)

    def readings_of(self, item: ArchivedUplink, device: Device, frame: Frame) -> list[Reading]:
        """A frame's readings in the device's units and quantities; ``ImplausibleTime`` when one
        of them has a time no meter read at (the whole uplink then fails, never half of it)."""
        up = item.uplink
        received = item.archived_at or datetime.now(UTC)
        out: list[Reading] = []
        for r in frame.readings:
            ts = r.at or (up.received_at + timedelta(seconds=r.offset_s) if r.offset_s else up.received_at)
            self.times.check(ts, received=received, installed=device.installed_at)
            quantity, value, unit = str(r.quantity), r.value, r.unit
            if r.quantity is Quantity.PULSE_COUNT and device.pulse_quantity and device.pulse_weight:
                quantity = device.pulse_quantity
                value = r.value * device.pulse_weight
                unit = CANONICAL_UNITS[Quantity(quantity)]
            out.append(
                Reading(
                    dev_eui=up.dev_eui,
                    quantity=quantity,
                    value=value,
                    unit=unit,
                    kind=str(r.kind),
                    ts=ts,
                    channel=r.channel,
                    f_cnt=up.f_cnt,
                    uplink_id=item.id,
                )
            )
        return out
