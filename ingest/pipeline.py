"""From archived uplinks to stored readings: device lookup, decoding, meter semantics, store write.

The bridge calls ``accept`` (archive durably, then acknowledge) and ``process`` (decode and
store). Every failure of one uplink (unknown device, unknown model, malformed frame) is
recorded on its archive row and never stops the others. A store failure propagates: the
uplinks stay pending in the archive and the caller retries them.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from operator import attrgetter

from decoders import CANONICAL_UNITS, DecodeError, Frame, Kind, Quantity, decode, get_model
from ingest.archive import Archive, ArchivedUplink, Mark
from ingest.device_config import decoder_config
from ingest.devices import DeviceCache
from ingest.flushing import FlushPolicy, FlushSchedule
from ingest.linkstats import LinkUpdate
from ingest.lorawan_crypto import KeyUnusable, KeyWrapper, plaintext
from ingest.meter_state import DeltaPlan, MeterState, register_max
from ingest.plausibility import ImplausibleTime, TimeBounds
from kernel.types import Reading, Uplink
from registry import Device, Registry, store_edits
from registry.errors import database_errors
from store import Store
from store.errors import StoreRejected

log = logging.getLogger(__name__)

# The quantities' and kinds' names, one string each: ``str()`` of a member made a new string per
# reading, which the readings held for a flush keep (3 MB at 40,000 uplinks of 10,000 devices).
_NAMES: dict[StrEnum, str] = {member: str(member) for enum in (Quantity, Kind) for member in enum}
_RECEIVED = attrgetter("uplink.received_at")  # an archived uplink's time (a lambda: a Python call each)

__all__ = ["BatchReport", "DeviceCache", "FlushPolicy", "Ingestor", "Prepared", "decoder_of", "register_max"]


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


@dataclass
class Prepared:
    """A batch decoded (``Ingestor.prepare``): what ``process`` writes and marks."""

    batch: list[ArchivedUplink]
    generation: int  # the device cache's generation it was prepared with (``DeviceCache``)
    report: BatchReport = field(default_factory=BatchReport)
    results: list[Mark] = field(default_factory=list)
    readings: list[Reading] = field(default_factory=list)
    frames: list[tuple[ArchivedUplink, Frame]] = field(default_factory=list)
    heard: list[ArchivedUplink] = field(default_factory=list)


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
        flush: FlushPolicy | None = None,
    ) -> None:
        """``shared``: other bridge workers write the same series (a shared subscription spreads
        a device's uplinks over them), so the last point of each series is read from the store
        for every batch instead of trusted from this worker's memory. ``times``: which reading
        times are plausible (the others fail their uplink, never reach the store). ``flush``:
        when the rollups a store holds are written (``ingest.flushing``)."""
        self.shared = shared
        self.registry = registry
        self.keys = keys
        self.archive = archive
        self.store = store
        self.times = times or TimeBounds()
        self.devices = DeviceCache(registry)
        self.meter = MeterState(store, self.devices, registry.metering_point_peers, shared=shared)
        self._unknown_logged: set[str] = set()
        self.links = LinkUpdate(archive.engine, hold=not shared)
        self._edits = -1  # the registry's count of store edits when this worker last looked
        self.flushes = FlushSchedule(store, self._mark, flush or FlushPolicy(), seal=self.links.seal)
        self._device_changes: int | None = None  # the registry's count of device changes, last look
        self._device_changes_read = 0.0

    def hold(self) -> None:
        """Let the store hold the rollups it folds in memory (the bridge, ``FlushPolicy``): the
        uplinks behind them are marked processed only once they are written, so after a crash
        they are still pending and processing them again recomputes those rollups."""
        self.flushes.hold()

    def release(self) -> None:
        """Write what the store holds and mark the uplinks behind it; hold nothing from now on."""
        self.flushes.release()

    def flush(self) -> None:
        """Write what the store holds, then mark the uplinks behind it processed."""
        self.flushes.flush()

    def flush_if_due(self) -> None:
        """``FlushSchedule.flush_if_due``: by time, or once too much is held."""
        self.flushes.flush_if_due()

    def devices_changed(self, every_s: float = 1.0) -> bool:
        """Whether devices were provisioned or changed since the last look (at most one look per
        ``every_s``); if so, they are looked up again from now on, and the caller processes what
        waits in the archive (``recover``: the uplinks they sent before being provisioned)."""
        now = time.monotonic()
        if now - self._device_changes_read < every_s:
            return False
        self._device_changes_read = now
        changes = store_edits.device_changes(self.registry.engine)
        if changes == self._device_changes or self._device_changes is None:
            self._device_changes = changes
            return False
        self._device_changes = changes
        self.devices.clear()
        return True

    def _forget(self) -> None:
        """Another process edited the store: what this worker holds of its series may be stale."""
        self.meter.forget()
        self.devices.clear()
        self.store.forget()
        self.links.forget()

    def _mark(self, marks: Collection[Mark], everything: bool) -> None:
        """Record processing results, with the link statistics of their uplinks (``LinkUpdate``:
        all that was folded when ``everything``, else what was sealed), in one transaction."""
        if not marks:
            return
        with database_errors("archive update"), self.archive.engine.begin() as conn:
            self.links.write(conn, everything=everything)
            self.archive.mark_in(conn, marks)
        self.links.written(everything=everything)

    def accept(self, items: Sequence[tuple[Uplink, str]]) -> list[ArchivedUplink]:
        """Archive uplinks durably; returns the new ones (re-deliveries are counted, not returned)."""
        return self.archive.store(items)

    def recover(
        self,
        limit: int = 1000,
        on_batch: Callable[[BatchReport], None] | None = None,
        stopping: Callable[[], bool] = lambda: False,
        processed: Callable[[int], bool] | None = None,
    ) -> int:
        """Process uplinks archived but never processed (after a crash or a store outage: all
        since it began), oldest first; returns how many. ``processed``: the uplinks, by id, not
        to take again (``FlushSchedule.processed``, after a device change).

        Paged by id: what is processed stays pending until the rollups behind it are written, as
        in the normal flow (``FlushPolicy``: a flush every 30 s, spread over the batches), so a long
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
            if processed is not None:
                pending = [item for item in pending if not processed(item.id)]
                if not pending:
                    continue
            report = self.process(pending)
            if on_batch is not None:
                on_batch(report)
            done += len(pending)
        if done:
            self.flush()
        return done

    def prepare(self, batch: Sequence[ArchivedUplink]) -> Prepared:
        """The first half of ``process``, which reads nothing the store or the meter state holds:
        each uplink's device looked up, its frame decoded and its readings built, or why not.
        The bridge's processor prepares the next page in its read-ahead thread while this one
        waits on the store's write (``ArchiveProcessor``); ``process`` prepares again what was
        prepared before the devices were looked up afresh."""
        generation = self.devices.generation
        out = Prepared(list(batch), generation)
        devices = self.devices.lookup({item.uplink.dev_eui for item in batch})
        report = out.report
        for item in sorted(batch, key=_RECEIVED):
            up = item.uplink
            device = devices[up.dev_eui]
            if device is None or device.status != "active":
                report.unknown_device += 1
                if up.dev_eui not in self._unknown_logged and len(self._unknown_logged) < 10_000:
                    self._unknown_logged.add(up.dev_eui)
                    log.warning("first uplink from unprovisioned device %s: quarantined", up.dev_eui)
                why = "device not provisioned" if device is None else f"device {device.status}"
                out.results.append(Mark(item.id, "unknown_device", why, None, 0))
                continue
            # Link statistics count every uplink of a device in service; a quarantined one
            # counts once its device is provisioned and it returns to pending.
            out.heard.append(item)
            if up.f_port == 0:
                report.mac_only += 1
                out.results.append(Mark(item.id, "mac_only", None, None, 0))
                continue
            try:
                frame, built = self.read(item, device)
            except (DecodeError, KeyUnusable, ImplausibleTime) as exc:
                report.failed += 1
                out.results.append(Mark(item.id, "failed", f"{type(exc).__name__}: {exc}", device.model, 0))
                continue
            out.frames.append((item, frame))
            out.readings.extend(built)
            report.decoded += 1
            out.results.append(Mark(item.id, "decoded", None, decoder_of(device.model), len(built)))
        return out

    def process(self, batch: Sequence[ArchivedUplink] | Prepared) -> BatchReport:
        """Decode a batch (or take what ``prepare`` made of it, unless the devices were looked
        up afresh since), write its readings, and hold its marks for the next flush."""
        edits = store_edits.current(self.registry.engine)
        if edits != self._edits:
            self._forget()
            self._edits = edits
        if not isinstance(batch, Prepared):
            prepared = self.prepare(batch)
        elif batch.generation != self.devices.generation:
            prepared = self.prepare(batch.batch)
        else:
            prepared = batch
        report, results, frames = prepared.report, prepared.results, prepared.frames
        plan, refused = self._write(prepared.readings, edits)
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
        self.links.apply(prepared.heard, frames)
        self.flushes.add(results)
        self.flushes.flush_if_due()
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

    def read(self, item: ArchivedUplink, device: Device) -> tuple[Frame, list[Reading]]:
        """An archived uplink decoded with its device's model: the frame and its readings (the
        payload decrypted first where the town holds the AppSKey). ``DecodeError``, ``KeyUnusable``
        and ``ImplausibleTime`` say why an uplink cannot be read."""
        payload = plaintext(item.uplink, device.app_skey_wrapped, self.keys)
        frame = decode(device.model, item.uplink.f_port, payload, decoder_config(device))
        return frame, self.readings_of(item, device, frame)

    def readings_of(self, item: ArchivedUplink, device: Device, frame: Frame) -> list[Reading]:
        """A frame's readings in the device's units and quantities; ``ImplausibleTime`` when one
        of them has a time no meter read at (the whole uplink then fails, never half of it)."""
        up = item.uplink
        received = item.archived_at or datetime.now(UTC)
        check, installed = self.times.check, device.installed_at
        checked: datetime | None = None  # most readings of a frame share its time: checked once
        out: list[Reading] = []
        for r in frame.readings:
            ts = r.at or (up.received_at + timedelta(seconds=r.offset_s) if r.offset_s else up.received_at)
            if ts is not checked:
                check(ts, received=received, installed=installed)
                checked = ts
            quantity, value, unit = _NAMES[r.quantity], r.value, r.unit
            if r.quantity is Quantity.PULSE_COUNT and device.pulse_quantity and device.pulse_weight:
                quantity = device.pulse_quantity
                value = r.value * device.pulse_weight
                unit = CANONICAL_UNITS[Quantity(quantity)]
            # (positional, in the fields' order: keywords cost a third more per reading)
            out.append(
                Reading(up.dev_eui, quantity, value, unit, _NAMES[r.kind], ts, r.channel, up.f_cnt, item.id)
            )
        return out


@functools.lru_cache(maxsize=1024)
def decoder_of(model: str) -> str:
    """The model and decoder version that read an uplink, as the archive records it (one string
    per model: the marks held for a flush share it)."""
    spec = get_model(model)
    return f"{spec.model_id}@{spec.version}"
