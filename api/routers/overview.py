"""The overview: every site with this month's consumption against the same days last year."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import KeyDep, StateDep, tenant_scope
from domain.consumption.analytics import CONSUMPTION_QUANTITIES, METERED, report, unit_of
from kernel.types import Reading
from registry import Device
from store import Window

router = APIRouter(prefix="/api/v1", tags=["overview"])


class QuantitySummary(BaseModel):
    quantity: str
    unit: str
    month_to_date: float
    same_period_last_year: float | None
    change_pct: float | None


class SiteSummary(BaseModel):
    site_id: int
    name: str
    use: str | None
    latitude: float | None
    longitude: float | None
    floor_area_m2: float | None
    devices: int
    last_seen: datetime | None
    open_alerts: int
    quantities: list[QuantitySummary]


class Overview(BaseModel):
    timezone: str
    period_start: datetime
    now: datetime
    sites: list[SiteSummary]


@router.get("/overview", summary="Sites with this month's consumption against last year's")
def overview(state: StateDep, key: KeyDep) -> Overview:
    tz = state.settings.timezone
    zone = ZoneInfo(tz)
    now = datetime.now(zone)
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    try:
        last_year_now = now.replace(year=now.year - 1)
    except ValueError:  # 29 February
        last_year_now = now.replace(year=now.year - 1, day=28)
    last_year_start = month_start.replace(year=month_start.year - 1)
    scope = tenant_scope(key)
    sites = state.registry.list_sites(scope)
    devices = state.registry.list_devices(scope, limit=1_000_000)
    latest = state.store.latest([d.dev_eui for d in devices])
    alerts_by_site: dict[int, int] = {}
    for alert in state.alerts.list(scope, status="open", limit=100_000):
        if alert.site_id is not None:
            alerts_by_site[alert.site_id] = alerts_by_site.get(alert.site_id, 0) + 1
    by_site: dict[int, list[Device]] = {}
    for device in devices:
        if device.site_id is not None:
            by_site.setdefault(device.site_id, []).append(device)
    latest_by_device: dict[str, list[Reading]] = {}
    for r in latest:
        latest_by_device.setdefault(r.dev_eui, []).append(r)
    site_quantities: dict[int, list[str]] = {}
    for site in sites:
        found = {
            r.quantity
            for d in by_site.get(site.id, [])
            for r in latest_by_device.get(d.dev_eui, [])
            if r.kind in METERED and r.quantity in CONSUMPTION_QUANTITIES
        }
        site_quantities[site.id] = sorted(found)
    # One read of the store per quantity and period, for every site at once.
    totals: dict[tuple[int, str], tuple[float, float]] = {}
    for quantity in sorted({q for qs in site_quantities.values() for q in qs}):
        groups = {str(s.id): by_site.get(s.id, []) for s in sites if quantity in site_quantities[s.id]}
        this_month = report(state.store, groups, quantity, Window.MONTH, month_start, now, tz)
        last_year = report(state.store, groups, quantity, Window.MONTH, last_year_start, last_year_now, tz)
        for name in groups:
            totals[(int(name), quantity)] = (this_month[name].total, last_year[name].total)
    summaries = []
    for site in sites:
        members = by_site.get(site.id, [])
        seen = [r.ts for d in members for r in latest_by_device.get(d.dev_eui, [])]
        rows = []
        for quantity in site_quantities[site.id]:
            current, before = totals[(site.id, quantity)]
            change = None if not before else round(100 * (current - before) / before, 1)
            rows.append(
                QuantitySummary(
                    quantity=quantity,
                    unit=unit_of(quantity),
                    month_to_date=round(current, 6),
                    same_period_last_year=round(before, 6) if before else None,
                    change_pct=change,
                )
            )
        summaries.append(
            SiteSummary(
                site_id=site.id,
                name=site.name,
                use=site.use,
                latitude=site.latitude,
                longitude=site.longitude,
                floor_area_m2=site.floor_area_m2,
                devices=len(members),
                last_seen=max(seen) if seen else None,
                open_alerts=alerts_by_site.get(site.id, 0),
                quantities=rows,
            )
        )
    return Overview(timezone=tz, period_start=month_start, now=now, sites=summaries)
