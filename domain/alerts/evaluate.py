"""Alert rules that read rollups and link health, and ``evaluate``, which runs them all.

Each rule is a pure function that returns a Finding (with a plain-words message and the evidence
behind it) or None. ``evaluate`` runs the rules over a tenant's devices; ``AlertBook.sync``
(domain.alerts.book) turns the findings into open and closed alerts.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from decoders import Kind
from domain.alerts.findings import AlertKind, Finding
from domain.alerts.rules import (
    IndexAnomaly,
    abnormal_findings,
    is_lighting,
    lighting_finding,
    lighting_hours,
    meter_anomaly_finding,
    with_readings,
)
from domain.alerts.thresholds import ThresholdBook, Thresholds, effective
from kernel.types import Reading
from registry import Device, Registry, schema
from registry.errors import database_errors
from registry.schema import INDEX_ANOMALY
from store import StoreReader, Window

log = logging.getLogger(__name__)

__all__ = [
    "AlertKind",
    "Finding",
    "Thresholds",
    "battery_finding",
    "device_alarm_findings",
    "evaluate",
    "leak_finding",
    "link_finding",
    "night_minima",
    "silent_finding",
]


def leak_finding(
    device: Device, nights: Sequence[tuple[date, float | None]], th: Thresholds
) -> Finding | None:
    """Water flowing every hour of several nights in a row: a leak (evidence: each night's minimum)."""
    recent = list(nights)[-th.leak_nights :]
    if len(recent) < th.leak_nights or any(m is None or m < th.leak_min_flow_m3h for _, m in recent):
        return None
    lowest = min(m for _, m in recent if m is not None)
    return Finding(
        kind=AlertKind.LEAK,
        key=f"leak:{device.dev_eui}",
        tenant_id=device.tenant_id,
        dev_eui=device.dev_eui,
        site_id=device.site_id,
        message=(
            f"{device.name}: water kept flowing every hour between {th.night_start_hour}:00 and "
            f"{th.night_end_hour}:00 for {len(recent)} nights (at least {lowest * 1000:.0f} L/h, "
            f"threshold {th.leak_min_flow_m3h * 1000:.0f} L/h): probably a leak."
        ),
        evidence={
            "night_min_flow_m3h": [{"night": d.isoformat(), "min_m3h": m} for d, m in recent],
            "threshold_m3h": th.leak_min_flow_m3h,
        },
    )


def silent_finding(
    device: Device, last_seen: datetime | None, now: datetime, th: Thresholds
) -> Finding | None:
    interval = device.expected_interval_s or th.default_interval_s
    limit = timedelta(seconds=interval * th.silent_factor)
    if last_seen is not None and now - last_seen <= limit:
        return None
    since = f"since {last_seen:%Y-%m-%d %H:%M} UTC" if last_seen else "since it was provisioned"
    return Finding(
        kind=AlertKind.SILENT_DEVICE,
        key=f"silent:{device.dev_eui}",
        tenant_id=device.tenant_id,
        dev_eui=device.dev_eui,
        site_id=device.site_id,
        message=f"{device.name}: no uplink {since} (it reports every {interval // 60} min).",
        evidence={"last_seen": last_seen.isoformat() if last_seen else None, "expected_interval_s": interval},
    )


def battery_finding(
    device: Device, level: float | None, volts: float | None, th: Thresholds
) -> Finding | None:
    if level is not None and level < th.battery_pct:
        why = f"battery at {level:.0f} % (below {th.battery_pct:.0f} %)"
    elif level is None and volts is not None and volts < th.battery_v:
        why = f"battery at {volts:.2f} V (below {th.battery_v:.2f} V)"
    else:
        return None
    return Finding(
        kind=AlertKind.LOW_BATTERY,
        key=f"battery:{device.dev_eui}",
        tenant_id=device.tenant_id,
        dev_eui=device.dev_eui,
        site_id=device.site_id,
        message=f"{device.name}: {why}; plan a visit to replace it.",
        evidence={"battery_level": level, "battery_voltage": volts},
    )


def link_finding(device: Device, frames: int, lost: int, th: Thresholds) -> Finding | None:
    total = frames + lost
    if total < th.min_frames_for_loss:
        return None
    loss = 100.0 * lost / total
    if loss < th.loss_pct:
        return None
    return Finding(
        kind=AlertKind.POOR_LINK,
        key=f"link:{device.dev_eui}",
        tenant_id=device.tenant_id,
        dev_eui=device.dev_eui,
        site_id=device.site_id,
        message=f"{device.name}: {loss:.0f} % of its frames are lost ({lost} of {total}); check its antenna.",
        evidence={"frames": frames, "lost": lost, "loss_pct": round(loss, 1)},
    )


_ALARM_WORDS = {
    "leak": "the meter reports a leak",
    "burst": "the meter reports a burst (flow above its maximum)",
    "backflow": "the meter reports water flowing backwards",
    "dry": "the meter reports an empty pipe",
    "tamper": "tampering detected",
    "removal": "the device was removed from its meter",
    "magnetic_fraud": "a magnet was held against the meter",
    "meter_error": "the meter reports an error",
    "sensor_fault": "a sensor is faulty",
    "valve_fault": "the valve reports a fault",
}


def device_alarm_findings(
    device: Device, alarms: Sequence[tuple[str, str, str, datetime]], since: datetime
) -> list[Finding]:
    """One finding per alarm kind the device raised since ``since`` (kind, channel, detail, at)."""
    by_kind: dict[str, list[tuple[str, str, datetime]]] = {}
    for kind, channel, detail, at in alarms:
        if kind in _ALARM_WORDS and at >= since:
            by_kind.setdefault(kind, []).append((channel, detail, at))
    findings = []
    for kind, rows in sorted(by_kind.items()):
        last = max(at for _, _, at in rows)
        count = f"{len(rows)} times, last " if len(rows) > 1 else ""
        findings.append(
            Finding(
                kind=AlertKind.DEVICE_ALARM,
                key=f"alarm:{kind}:{device.dev_eui}",
                tenant_id=device.tenant_id,
                dev_eui=device.dev_eui,
                site_id=device.site_id,
                message=f"{device.name}: {_ALARM_WORDS[kind]} ({count}{last:%Y-%m-%d %H:%M} UTC).",
                evidence={
                    "alarm": kind,
                    "occurrences": [
                        {"at": at.isoformat(), "channel": ch, "detail": detail}
                        for ch, detail, at in rows[-10:]
                    ],
                },
            )
        )
    return findings


def night_minima(
    store: StoreReader, device: Device, now: datetime, tz: str, th: Thresholds
) -> list[tuple[date, float | None]]:
    """Each recent night's lowest hourly water flow (m3 an hour), None unless every hour flowed."""
    zone = ZoneInfo(tz)
    night = now.astimezone(zone).date()
    out: list[tuple[date, float | None]] = []
    # The last complete nights: tonight counts only once it is over.
    while len(out) < th.leak_nights:
        start = datetime.combine(night, time(th.night_start_hour), zone)
        end = datetime.combine(night, time(th.night_end_hour), zone)
        night -= timedelta(days=1)
        if end > now:
            continue
        buckets = store.aggregate(device.dev_eui, "water_volume", start, end, Window.HOUR, tz)
        # Flow per hour that exists: the night the clocks go forward has 3 of them, the one they
        # go back 5, and the repeated local hour is one window of two (in UTC: local times of
        # one zone subtract as wall clocks).
        flowed = [(b.consumption, _hours(b.start, b.end)) for b in buckets if b.consumption is not None]
        covered = sum(h for _, h in flowed)
        lowest = min((c / h for c, h in flowed if h > 0), default=None)
        out.insert(0, (end.date(), lowest if covered >= _hours(start, end) else None))
    return out


def _hours(start: datetime, end: datetime) -> float:
    """Hours elapsed between two aware times, whatever their offsets."""
    return (end.astimezone(UTC) - start.astimezone(UTC)) / timedelta(hours=1)


def evaluate(
    registry: Registry,
    engine: Engine,
    store: StoreReader,
    now: datetime,
    tz: str,
    th: Thresholds | None = None,
) -> list[Finding]:
    """Run every rule over every active device, each with its site's thresholds."""
    base = th or Thresholds()
    overrides = ThresholdBook(engine).all_overrides()
    per_site = {site_id: effective(o, base) for site_id, o in overrides.items()}
    sites = {s.id: s for s in registry.list_sites()}
    everything = registry.list_devices(limit=1_000_000)
    devices = [d for d in everything if d.status == "active"]
    since = now - max([base.alarm_window, *(t.alarm_window for t in per_site.values())])
    raised: dict[str, list[tuple[str, str, str, datetime]]] = {}
    anomalies: dict[str, list[IndexAnomaly]] = {}
    with database_errors("link statistics read"), engine.connect() as conn:
        links = {r.dev_eui: r for r in conn.execute(select(schema.device_link))}
        for r in conn.execute(select(schema.alarms).where(schema.alarms.c.at >= since)):
            if r.kind == INDEX_ANOMALY:
                anomalies.setdefault(r.dev_eui, []).append(
                    IndexAnomaly(at=_utc(r.at), series=r.channel, detail=r.detail, uplink_id=r.uplink_id)
                )
            else:
                raised.setdefault(r.dev_eui, []).append((r.kind, r.channel, r.detail, _utc(r.at)))
    latest = store.latest([d.dev_eui for d in everything])
    water = {r.dev_eui for r in latest if r.quantity == "water_volume"}
    metered = {r.dev_eui for r in latest if r.kind in (Kind.CUMULATIVE.value, Kind.DELTA.value)}
    findings: list[Finding] = []
    silent_by_site: dict[int, list[Device]] = {}
    for device in devices:
        dth = per_site.get(device.site_id, base) if device.site_id is not None else base
        window_start = now - dth.alarm_window
        link = links.get(device.dev_eui)
        last_seen = _utc(link.last_seen) if link else None
        silent = silent_finding(device, last_seen, now, dth)
        if silent:
            findings.append(silent)
            if device.site_id is not None:
                silent_by_site.setdefault(device.site_id, []).append(device)
        if link:
            for finding in (
                battery_finding(device, link.battery_level, link.battery_voltage, dth),
                link_finding(device, link.frames, link.lost, dth),
            ):
                if finding:
                    findings.append(finding)
        findings.extend(device_alarm_findings(device, raised.get(device.dev_eui, []), window_start))
        recent = [a for a in anomalies.get(device.dev_eui, []) if a.at >= window_start]
        anomaly = meter_anomaly_finding(device, with_readings(store, device, recent))
        if anomaly:
            findings.append(anomaly)
        if device.dev_eui in water:
            leak = leak_finding(device, night_minima(store, device, now, tz, dth), dth)
            if leak:
                findings.append(leak)
        if device.dev_eui in metered:
            site = sites.get(device.site_id) if device.site_id is not None else None
            if site is not None and is_lighting(device, site):
                lit = lighting_finding(device, site, lighting_hours(store, device, now, tz), dth)
                if lit:
                    findings.append(lit)
    for members in _points(everything, {d.dev_eui for d in devices}, latest):
        head = members[0]
        pth = per_site.get(head.site_id, base) if head.site_id is not None else base
        findings.extend(abnormal_findings(store, head, now, tz, pth, members[1:]))
    by_site: dict[int, int] = {}
    for device in devices:
        if device.site_id is not None:
            by_site[device.site_id] = by_site.get(device.site_id, 0) + 1
    for site_id, silent_devices in silent_by_site.items():
        if len(silent_devices) == by_site[site_id] and len(silent_devices) > 1:
            # A whole site silent is one problem (a gateway, a power cut), not N.
            findings = [
                f for f in findings if not (f.kind is AlertKind.SILENT_DEVICE and f.site_id == site_id)
            ]
            findings.append(
                Finding(
                    kind=AlertKind.SILENT_SITE,
                    key=f"silent-site:{site_id}",
                    tenant_id=silent_devices[0].tenant_id,
                    site_id=site_id,
                    message=f"all {len(silent_devices)} devices of this site are silent: "
                    "check the gateway that serves it or the building's power.",
                    evidence={"devices": [d.dev_eui for d in silent_devices]},
                )
            )
    return findings


def _points(everything: Sequence[Device], active: set[str], latest: Sequence[Reading]) -> list[list[Device]]:
    """Metering devices grouped by metering point (a point's history spans the devices that served
    it), the one that reported last first; a device without a point is its own group."""
    newest: dict[str, datetime] = {}
    for r in latest:
        if r.kind in (Kind.CUMULATIVE.value, Kind.DELTA.value):
            newest[r.dev_eui] = max(r.ts, newest.get(r.dev_eui, r.ts))
    groups: dict[tuple[int, str] | str, list[Device]] = {}
    for d in everything:
        if d.dev_eui not in newest:
            continue
        key = (d.site_id, d.metering_point) if d.site_id is not None and d.metering_point else d.dev_eui
        groups.setdefault(key, []).append(d)
    ordered = []
    for members in groups.values():
        if any(m.dev_eui in active for m in members):
            ordered.append(sorted(members, key=lambda m: newest[m.dev_eui], reverse=True))
    return ordered


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
