"""Re-decoding archived uplinks after a decoder fix or a change of a device's model.

For each device, the archived uplinks since a date are decoded again with the device's current
model; readings that changed are rewritten, readings the new decoding no longer produces are
deleted, and the consumption deltas of the device's metering series are recomputed over the
span, so consumption and rollups follow. The report says, per device, what changed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from decoders import DecodeError, Kind
from ingest.archive import ArchivedUplink, Mark
from ingest.lorawan_crypto import KeyUnusable
from ingest.meter import Point, delta_step, index_step
from ingest.pipeline import Ingestor, decoder_of, register_max
from ingest.plausibility import ImplausibleTime
from kernel.types import Reading
from registry import Device, store_edits

_HISTORY = timedelta(days=2)  # history frames place readings up to this far before reception
_LOOKBACK = timedelta(days=62)
# Every uplink the device sent, whatever became of it: decoded, failed, quarantined before it was
# provisioned (or while decommissioned), or still waiting for the bridge. Not the MAC-only ones.
_REDECODED = ("decoded", "failed", "unknown_device", "pending")

Key = tuple[str, str, datetime]


@dataclass
class DeviceReport:
    """What re-decoding changed for one device."""

    dev_eui: str
    model: str
    uplinks: int = 0
    added: int = 0
    changed: int = 0
    removed: int = 0
    now_failing: int = 0
    now_decoded: int = 0
    examples: list[str] = field(default_factory=list)


def reprocess(
    ingestor: Ingestor,
    devices: Sequence[Device],
    since: datetime,
    *,
    dry_run: bool = False,
    progress: Callable[[DeviceReport], None] | None = None,
) -> list[DeviceReport]:
    """Re-decode the devices' archived uplinks received since ``since``; ``progress`` is told of
    each device done."""

    def each() -> list[DeviceReport]:
        reports = []
        for device in devices:
            reports.append(_device(ingestor, device, since, dry_run))
            if progress is not None:
                progress(reports[-1])
        return reports

    if dry_run:
        return each()
    with store_edits.editing(ingestor.registry.engine):
        return each()


def _device(ingestor: Ingestor, device: Device, since: datetime, dry_run: bool) -> DeviceReport:
    report = DeviceReport(device.dev_eui, device.model)
    rows = [
        row
        for row in ingestor.archive.select(dev_eui=device.dev_eui, since=since, limit=10_000_000)
        if row[1] in (_REDECODED if device.status == "active" else ("decoded", "failed"))
    ]
    rows.sort(key=lambda r: r[0].uplink.received_at)
    if not rows:
        return report
    first = rows[0][0].uplink.received_at - _HISTORY
    last = rows[-1][0].uplink.received_at + timedelta(seconds=1)
    old_by_uplink: dict[int, dict[Key, Reading]] = defaultdict(dict)
    for r in ingestor.store.query(device.dev_eui, first, last):
        if r.uplink_id is not None:
            old_by_uplink[r.uplink_id][(r.quantity, r.channel, r.ts)] = r
    marks: list[Mark] = []
    writes: list[Reading] = []
    deletes: list[Key] = []
    for item, state, _error, _decoder in rows:
        report.uplinks += 1
        before = old_by_uplink.get(item.id, {})
        new = _decode(ingestor, item, device)
        if isinstance(new, str):
            report.now_failing += state == "decoded"
            marks.append(Mark(item.id, "failed", new, device.model, 0))
            deletes.extend(before)
            report.removed += len(before)
            continue
        report.now_decoded += state != "decoded"
        after = {(r.quantity, r.channel, r.ts): r for r in new}
        for key, reading in after.items():
            previous = before.get(key)
            if previous is None:
                report.added += 1
                writes.append(reading)
            elif previous.value != reading.value or previous.kind != reading.kind:
                report.changed += 1
                writes.append(reading)
                if len(report.examples) < 5:
                    name = key[0] + (f"/{key[1]}" if key[1] else "")
                    report.examples.append(
                        f"{name} at {key[2]:%Y-%m-%d %H:%M}: {previous.value:g} -> {reading.value:g}"
                    )
        gone = [key for key in before if key not in after]
        deletes.extend(gone)
        report.removed += len(gone)
        marks.append(Mark(item.id, "decoded", None, decoder_of(device.model), len(after)))
    if not dry_run:
        ingestor.store.delete(device.dev_eui, deletes)
        ingestor.store.write(writes)
        recompute_deltas(ingestor, device, first)
        ingestor.archive.mark(marks)
    return report


def _decode(ingestor: Ingestor, item: ArchivedUplink, device: Device) -> list[Reading] | str:
    try:
        return ingestor.read(item, device)[1]
    except (DecodeError, KeyUnusable, ImplausibleTime) as exc:
        return f"{type(exc).__name__}: {exc}"


def recompute_deltas(ingestor: Ingestor, device: Device, start: datetime) -> None:
    """Walk each metering series from before ``start`` and rewrite the deltas that changed.

    Used after a re-decoding, and after a meter replacement is recorded (possibly late).
    """
    end = datetime.now(start.tzinfo) + timedelta(days=1)
    series: dict[tuple[str, str], list[Reading]] = defaultdict(list)
    for r in ingestor.store.query(device.dev_eui, start - _LOOKBACK, end):
        if r.kind in (Kind.CUMULATIVE.value, Kind.DELTA.value):
            series[(r.quantity, r.channel)].append(r)
    fixed: list[Reading] = []
    swaps = ingestor.registry.replacements(device.dev_eui)
    for (quantity, channel), points in series.items():
        prev: Point | None = None
        for r in points:
            if r.kind == Kind.DELTA.value:
                step = delta_step(r.value)
            else:
                step = index_step(
                    prev,
                    Point(r.ts, r.value),
                    register_max(device, quantity),
                    swaps.get((quantity, channel), ()),
                )
                prev = Point(r.ts, r.value)
            if step.delta != r.delta and r.ts >= start:
                fixed.append(r.with_delta(step.delta))
    # Announced even with nothing to rewrite: bridges re-read the device's meter replacements.
    with store_edits.editing(ingestor.registry.engine):
        ingestor.store.write(fixed)
