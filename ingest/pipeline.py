"""From archived uplinks to stored readings: device lookup, decoding, meter semantics, store write.

The bridge calls ``accept`` (archive durably, then acknowledge) and ``process`` (decode and
store). Every failure of one uplink (unknown device, unknown model, malformed frame) is
recorded on its archive row and never stops the others. A store failure propagates: the
uplinks stay pending in the archive and the caller retries them.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta

from decoders import CANONICAL_UNITS, DecodeError, Frame, Kind, Quantity, decode, get_model
from ingest import store_edits
from ingest.archive import Archive, ArchivedUplink
from ingest.linkstats import LinkUpdate
from ingest.lorawan_crypto import KeyUnusable, KeyWrapper, frm_payload
from ingest.meter import Point, Replacement, Step, delta_step, index_step
from ingest.registry import Device, Registry
from ingest.store import Store
from releve.types import Reading, Uplink

log = logging.getLogger(__name__)

_LATE_LOOKBACK = timedelta(days=62)
_SERIES_CACHE = 200_000


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


SeriesKey = tuple[str, str, str]


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
    ) -> None:
        """``shared``: other bridge workers write the same series (a shared subscription spreads
        a device's uplinks over them), so the last point of each series is read from the store
        for every batch instead of trusted from this worker's memory."""
        self.shared = shared
        self.registry = registry
        self.keys = keys
        self.archive = archive
        self.store = store
        self.devices = DeviceCache(registry)
        self._last: OrderedDict[SeriesKey, Point] = OrderedDict()
        # Series the store had nothing for when last asked (a new meter): not asked again one by one.
        self._no_history: set[SeriesKey] = set()
        self._unknown_logged: set[str] = set()
        self.links = LinkUpdate(archive.engine)
        self._edits = -1  # the registry's count of store edits when this worker last looked
        self.flush_every_s = 0.0
        self._unmarked: list[tuple[int, str, str | None, str | None, int]] = []
        # The uplinks behind a chunked flush under way (None: none is), marked when it ends.
        self._flushing: list[tuple[int, str, str | None, str | None, int]] | None = None
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
        self._last.clear()
        self._no_history.clear()
        self.devices.clear()
        self.store.forget()

    def accept(self, items: Sequence[tuple[Uplink, str]]) -> list[ArchivedUplink]:
        """Archive uplinks durably; returns the new ones (re-deliveries are counted, not returned)."""
        return self.archive.store(items)

    def recover(self, limit: int = 1000, on_batch: Callable[[BatchReport], None] | None = None) -> int:
        """Process uplinks archived but never processed (after a crash or a store outage: all
        since it began), oldest first; returns how many.

        Paged by id: what is processed stays pending until the rollups behind it are written, as
        in the normal flow (a flush every ``flush_every_s``, spread over the batches), so a long
        catch-up does not rewrite every series' rollups batch after batch. The last flush writes
        the rest and marks every uplink behind it.
        """
        done = after = 0
        while True:
            pending = self.archive.pending(limit, after_id=after)
            if not pending:
                break
            after = pending[-1].id
            report = self.process(pending)
            if on_batch is not None:
                on_batch(report)
            done += len(pending)
        self.flush()
        return done

    def process(self, batch: Sequence[ArchivedUplink]) -> BatchReport:
        edits = store_edits.current(self.registry.engine)
        if edits != self._edits:
            self._forget()
            self._edits = edits
        report = BatchReport()
        results: list[tuple[int, str, str | None, str | None, int]] = []
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
                results.append((item.id, "unknown_device", "device not provisioned", None, 0))
                continue
            if up.f_port == 0:
                report.mac_only += 1
                results.append((item.id, "mac_only", None, None, 0))
                continue
            try:
                payload = self.plaintext(up, device)
                spec = get_model(device.model)
                frame = decode(device.model, up.f_port, payload)
            except (DecodeError, KeyUnusable) as exc:
                report.failed += 1
                results.append((item.id, "failed", f"{type(exc).__name__}: {exc}", device.model, 0))
                continue
            built = self.readings_of(item, device, frame)
            frames.append((item, frame))
            readings.extend(built)
            report.decoded += 1
            results.append((item.id, "decoded", None, f"{spec.model_id}@{spec.version}", len(built)))
        readings, anomalies = self._with_deltas(readings)
        report.anomalies = len(anomalies)
        if readings:
            self.store.write(readings)
            if store_edits.current(self.registry.engine) != edits:
                # An edit ran while this batch was written from memory: write it again from
                # what is stored (the store takes a rewrite of the same points as a replay).
                self._forget()
                self.store.write(readings)
        self.links.record_anomalies(anomalies)
        report.readings = len(readings)
        self._unmarked.extend(results)
        self.links.apply(batch, frames)
        self.flush_if_due()
        return report

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
        up = item.uplink
        out: list[Reading] = []
        for r in frame.readings:
            ts = r.at or (up.received_at + timedelta(seconds=r.offset_s) if r.offset_s else up.received_at)
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

    def _with_deltas(self, readings: list[Reading]) -> tuple[list[Reading], list[tuple[Reading, str]]]:
        """Attach each metering reading's consumption delta, in reading-time order per series.

        Returns the readings and the anomalies (a reading and why its delta was excluded).
        """
        anomalies: list[tuple[Reading, str]] = []
        out: list[Reading] = []
        self._prefetch_latest(readings)
        for reading in sorted(readings, key=lambda r: r.ts):
            if reading.kind == Kind.DELTA:
                step = delta_step(reading.value)
            elif reading.kind == Kind.CUMULATIVE:
                wraps_at = register_max(self.devices.get(reading.dev_eui), reading.quantity)
                step, rewritten = self._index_step(reading, wraps_at)
                out.extend(rewritten)
            else:
                out.append(reading)
                continue
            if step.anomaly:
                anomalies.append((reading, step.anomaly))
            out.append(_replace_delta(reading, step.delta))
        return out, anomalies

    def _prefetch_latest(self, readings: Sequence[Reading]) -> None:
        """One store query for every cumulative series of the batch not in the cache.

        Asked one device at a time, a batch of a thousand new devices (a restart, a backlog) was
        a thousand store round trips.
        """
        missing = {
            (r.dev_eui, r.quantity, r.channel)
            for r in readings
            if r.kind == Kind.CUMULATIVE
            and (
                self.shared
                or (
                    (r.dev_eui, r.quantity, r.channel) not in self._last
                    and (r.dev_eui, r.quantity, r.channel) not in self._no_history
                )
            )
        }
        if not missing:
            return
        if self.shared:
            for key in missing:
                self._last.pop(key, None)
        found = {(r.dev_eui, r.quantity, r.channel): r for r in self.store.latest({k[0] for k in missing})}
        if len(self._no_history) > _SERIES_CACHE:
            self._no_history.clear()
        for key in missing:
            hit = found.get(key)
            if hit is None:
                self._no_history.add(key)
            else:
                self._remember(key, Point(hit.ts, hit.value))

    def _index_step(self, reading: Reading, register_max: float | None) -> tuple[Step, list[Reading]]:
        key = (reading.dev_eui, reading.quantity, reading.channel)
        swaps = self.devices.replacements(reading.dev_eui).get((reading.quantity, reading.channel), ())
        cur = Point(reading.ts, reading.value)
        last = self._last.get(key)
        if last is None:
            last = self._latest_from_store(key)
        if last is None or last.ts < reading.ts:
            self._remember(key, cur)
            return index_step(last, cur, register_max, swaps), []
        if last.ts == reading.ts and last.value == reading.value:
            # The same point again (a replay): recompute from its true predecessor.
            prev, _ = self._neighbours(reading)
            return index_step(prev, cur, register_max, swaps), []
        # A late reading: it lands in its own time, and the reading after it gets a new delta.
        prev, nxt = self._neighbours(reading)
        rewritten: list[Reading] = []
        if nxt is not None:
            nxt_step = index_step(cur, Point(nxt.ts, nxt.value), register_max, swaps)
            rewritten.append(_replace_delta(nxt, nxt_step.delta))
        return index_step(prev, cur, register_max, swaps), rewritten

    def _neighbours(self, reading: Reading) -> tuple[Point | None, Reading | None]:
        around = self.store.query(
            reading.dev_eui,
            reading.ts - _LATE_LOOKBACK,
            reading.ts + _LATE_LOOKBACK,
            quantities=[reading.quantity],
        )
        series = [r for r in around if r.channel == reading.channel]
        before = [r for r in series if r.ts < reading.ts]
        after = [r for r in series if r.ts > reading.ts]
        prev = Point(before[-1].ts, before[-1].value) if before else None
        return prev, (after[0] if after else None)

    def _latest_from_store(self, key: SeriesKey) -> Point | None:
        dev_eui, quantity, channel = key
        if key not in self._no_history:
            for r in self.store.latest([dev_eui]):
                if r.quantity == quantity and r.channel == channel:
                    return Point(r.ts, r.value)
        # A new radio device on an existing metering point reads the same meter: its first index
        # continues the point's history from the previous device's last one.
        device = self.devices.get(dev_eui)
        if device is None or not device.metering_point or device.site_id is None:
            return None
        siblings = [
            d.dev_eui
            for d in self.registry.list_devices(site_id=device.site_id, limit=10_000)
            if d.metering_point == device.metering_point and d.dev_eui != dev_eui
        ]
        same = [r for r in self.store.latest(siblings) if r.quantity == quantity and r.channel == channel]
        if not same:
            return None
        last = max(same, key=lambda r: r.ts)
        return Point(last.ts, last.value)

    def _remember(self, key: SeriesKey, point: Point) -> None:
        self._no_history.discard(key)
        self._last[key] = point
        self._last.move_to_end(key)
        if len(self._last) > _SERIES_CACHE:
            self._last.popitem(last=False)


def register_max(device: Device | None, quantity: str) -> float | None:
    if device is None or device.register_max is None:
        return None
    if quantity == device.pulse_quantity and device.pulse_weight:
        return device.register_max * device.pulse_weight
    return device.register_max


def _replace_delta(reading: Reading, delta: float | None) -> Reading:
    return replace(reading, delta=delta)
