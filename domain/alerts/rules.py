"""Alert rules on consumption: abnormal days, meter anomalies, public lighting on in daylight.

The ``*_finding`` functions are pure (a device, the figures, the thresholds -> a Finding or None);
the functions below them read the figures from the store for ``domain.alerts.evaluate.evaluate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import median
from zoneinfo import ZoneInfo

from decoders import CANONICAL_UNITS, METERING_QUANTITIES, Kind, Quantity
from domain.alerts.findings import AlertKind, Finding
from domain.alerts.sun import sun_times
from domain.alerts.thresholds import Thresholds
from registry import Device, Site
from store import StoreReader, Window

_METERED = {Kind.CUMULATIVE.value, Kind.DELTA.value}
_CONSUMPTION = {q.value for q in METERING_QUANTITIES}
LIGHTING_SITE_USE = "public_lighting"
# Fewer same-weekday days than this with data: no history to compare with.
MIN_HISTORY_DAYS = 3


def _unit(quantity: str) -> str:
    try:
        return CANONICAL_UNITS[Quantity(quantity)]
    except ValueError:
        return ""


def _series(quantity: str, channel: str) -> str:
    return f"{quantity}/{channel}" if channel else quantity


def abnormal_finding(
    device: Device,
    quantity: str,
    channel: str,
    day: date,
    consumption: float | None,
    history: Sequence[tuple[date, float | None]],
    th: Thresholds,
    devices: Sequence[str] = (),
) -> Finding | None:
    """A day far above the median of the same weekday of the previous weeks (its own history).

    ``devices``: every device whose readings the figures sum, when the device's metering point
    was served by others before it (the point's history spans device changes).
    """
    known = [(d, v) for d, v in history if v is not None]
    if consumption is None or len(known) < min(MIN_HISTORY_DAYS, th.abnormal_weeks):
        return None
    usual = median(v for _, v in known)
    if usual <= 0 or consumption <= th.abnormal_factor * usual:
        return None
    unit = _unit(quantity)
    ratio = consumption / usual
    return Finding(
        kind=AlertKind.ABNORMAL_CONSUMPTION,
        key=(
            f"abnormal:{device.site_id}:{device.metering_point}:{_series(quantity, channel)}"
            if device.metering_point
            else f"abnormal:{device.dev_eui}:{_series(quantity, channel)}"
        ),
        tenant_id=device.tenant_id,
        dev_eui=device.dev_eui,
        site_id=device.site_id,
        message=(
            f"{device.name}: {consumption:.3g} {unit} consumed on {day:%A %d %B %Y}, {ratio:.1f} times the "
            f"usual {usual:.3g} {unit} of the last {len(known)} {day:%A}s (alert above "
            f"{th.abnormal_factor:g} times)."
        ),
        evidence={
            "quantity": quantity,
            "channel": channel,
            "unit": unit,
            "day": day.isoformat(),
            "consumption": consumption,
            "median": usual,
            "ratio": round(ratio, 3),
            "factor": th.abnormal_factor,
            "history": [{"day": d.isoformat(), "consumption": v} for d, v in history],
            "metering_point": device.metering_point,
            "devices": list(devices) or [device.dev_eui],
        },
    )


@dataclass(frozen=True, slots=True)
class IndexAnomaly:
    """An index decrease that ingest excluded: when, on which series, why, and the readings around it."""

    at: datetime
    series: str
    detail: str
    uplink_id: int | None = None
    previous: tuple[datetime, float] | None = None
    value: float | None = None


def meter_anomaly_finding(device: Device, anomalies: Sequence[IndexAnomaly]) -> Finding | None:
    """Index decreases flagged by ingest: a meter running backwards, reset or replaced unrecorded."""
    if not anomalies:
        return None
    rows = sorted(anomalies, key=lambda a: a.at)
    last = rows[-1]
    if len(rows) >= 3:
        why = (
            f"its index went down {len(rows)} times (last {last.at:%Y-%m-%d %H:%M} UTC): "
            "the meter seems to run backwards"
        )
    else:
        times = f"{len(rows)} times, last " if len(rows) > 1 else ""
        why = (
            f"its index went down ({times}{last.at:%Y-%m-%d %H:%M} UTC: {last.detail}): "
            "a reset or an unrecorded meter replacement"
        )
    return Finding(
        kind=AlertKind.METER_ANOMALY,
        key=f"meter-anomaly:{device.dev_eui}",
        tenant_id=device.tenant_id,
        dev_eui=device.dev_eui,
        site_id=device.site_id,
        message=(
            f"{device.name}: {why}. Consumption across it is left out; record the replacement if there "
            "was one, else check the meter and its wiring."
        ),
        evidence={
            "occurrences": [
                {
                    "at": a.at.isoformat(),
                    "series": a.series,
                    "detail": a.detail,
                    "uplink_id": a.uplink_id,
                    "previous": None
                    if a.previous is None
                    else {"ts": a.previous[0].isoformat(), "value": a.previous[1]},
                    "value": a.value,
                }
                for a in rows[-10:]
            ],
            "count": len(rows),
        },
    )


def lighting_finding(
    device: Device, site: Site, hours: Sequence[tuple[datetime, float | None]], th: Thresholds
) -> Finding | None:
    """Public lighting drawing energy in hours wholly between sunrise + margin and sunset - margin."""
    if site.latitude is None or site.longitude is None:
        return None
    margin = timedelta(minutes=th.lighting_margin_min)
    lit: list[tuple[datetime, float]] = []
    days: dict[date, dict[str, str | None]] = {}
    for start, kwh in hours:
        solar_day = (start.astimezone(UTC) + timedelta(hours=site.longitude / 15)).date()
        times = sun_times(solar_day, site.latitude, site.longitude)
        if times.polar == "night" or kwh is None or kwh < th.lighting_min_kwh_per_hour:
            continue
        if times.sunrise is not None and times.sunset is not None:
            end = start + timedelta(hours=1)
            if start < times.sunrise + margin or end > times.sunset - margin:
                continue  # not an hour of full daylight
        lit.append((start, kwh))
        days[solar_day] = {
            "sunrise": times.sunrise.isoformat() if times.sunrise else None,
            "sunset": times.sunset.isoformat() if times.sunset else None,
        }
    if len(lit) < th.lighting_min_hours:
        return None
    total = sum(kwh for _, kwh in lit)
    return Finding(
        kind=AlertKind.LIGHTING_DAYLIGHT,
        key=f"lighting:{device.dev_eui}",
        tenant_id=device.tenant_id,
        dev_eui=device.dev_eui,
        site_id=device.site_id,
        message=(
            f"{device.name}: public lighting drew {total:.2f} kWh during {len(lit)} hours of full daylight "
            f"(more than {th.lighting_margin_min:g} min after sunrise and before sunset): check its "
            "photocell or clock."
        ),
        evidence={
            "hours": [{"hour": h.isoformat(), "kwh": kwh} for h, kwh in lit],
            "sun": [{"day": d.isoformat(), **times_} for d, times_ in sorted(days.items())],
            "margin_min": th.lighting_margin_min,
            "threshold_kwh_per_hour": th.lighting_min_kwh_per_hour,
            "latitude": site.latitude,
            "longitude": site.longitude,
        },
    )


def is_lighting(device: Device, site: Site | None) -> bool:
    """Public lighting: a device tagged ``usage=lighting``, or any meter of a public-lighting site."""
    return device.tags.get("usage") == "lighting" or (site is not None and site.use == LIGHTING_SITE_USE)


def metered_series(store: StoreReader, device: Device) -> list[tuple[str, str]]:
    """The (quantity, channel) consumption series a device reports."""
    return sorted(
        {
            (r.quantity, r.channel)
            for r in store.latest([device.dev_eui])
            if r.kind in _METERED and r.quantity in _CONSUMPTION
        }
    )


def abnormal_findings(
    store: StoreReader, device: Device, now: datetime, tz: str, th: Thresholds, earlier: Sequence[Device] = ()
) -> list[Finding]:
    """Yesterday (the last complete local day) of each series against the same weekdays before it,
    summed with the ``earlier`` devices of the same metering point."""
    zone = ZoneInfo(tz)
    day = now.astimezone(zone).date() - timedelta(days=1)
    weekdays = [day - timedelta(days=7 * k) for k in range(th.abnormal_weeks, 0, -1)]
    point = [device, *earlier]
    series = sorted({qc for member in point for qc in metered_series(store, member)})
    findings = []
    for quantity, channel in series:
        # only the days compared: five days' rollups rather than five weeks'
        by_day: dict[date, float] = {}
        for d in [*weekdays, day]:
            start = datetime.combine(d, time(), zone)
            end = datetime.combine(d + timedelta(days=1), time(), zone)
            for member in point:
                for b in store.aggregate(
                    member.dev_eui, quantity, start, end, Window.DAY, tz, channel=channel
                ):
                    if b.consumption is not None:
                        by_day[d] = by_day.get(d, 0.0) + b.consumption
        history = [(d, by_day.get(d)) for d in weekdays]
        euis = [m.dev_eui for m in point]
        finding = abnormal_finding(device, quantity, channel, day, by_day.get(day), history, th, euis)
        if finding:
            findings.append(finding)
    return findings


def with_readings(store: StoreReader, device: Device, raw: Sequence[IndexAnomaly]) -> list[IndexAnomaly]:
    """The anomalies with the reading that went down and the one before it, as evidence."""
    out = []
    for a in sorted(raw, key=lambda a: a.at)[-10:]:
        quantity, _, channel = a.series.partition("/")
        around = [
            r
            for r in store.query(
                device.dev_eui, a.at - timedelta(days=7), a.at + timedelta(seconds=1), [quantity]
            )
            if r.channel == channel
        ]
        before = [r for r in around if r.ts < a.at]
        here = [r for r in around if r.ts == a.at]
        out.append(
            IndexAnomaly(
                at=a.at,
                series=a.series,
                detail=a.detail,
                uplink_id=a.uplink_id,
                previous=(before[-1].ts, before[-1].value) if before else None,
                value=here[0].value if here else None,
            )
        )
    return out


def lighting_hours(
    store: StoreReader, device: Device, now: datetime, tz: str
) -> list[tuple[datetime, float | None]]:
    """The last 24 complete hours of a lighting meter's energy, per hour (kWh)."""
    end = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=24)
    channels = sorted({c for q, c in metered_series(store, device) if q == Quantity.ENERGY_IMPORT.value})
    hours: dict[datetime, float | None] = {}
    for channel in channels:
        for b in store.aggregate(
            device.dev_eui, "energy_import", start, end, Window.HOUR, tz, channel=channel
        ):
            if b.consumption is not None:
                key = b.start.astimezone(UTC)
                hours[key] = (hours.get(key) or 0.0) + b.consumption
    return sorted(hours.items())
