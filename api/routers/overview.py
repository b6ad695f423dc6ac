"""The overview: every site with this month's consumption against the same days last year."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from pydantic import BaseModel

from api.analytics import CONSUMPTION_QUANTITIES, METERED, consumption, unit_of
from api.deps import KeyDep, StateDep, tenant_scope
from ingest.alerts import AlertBook
from ingest.registry import Device
from ingest.store import Store, Window

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


def _sum(
    store: Store, devices: list[Device], quantity: str, start: datetime, end: datetime, tz: str
) -> float:
    return consumption(store, devices, quantity, Window.MONTH, start, end, tz).total


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
    for alert in AlertBook(state.archive.engine).list(scope, status="open", limit=100_000):
        if alert["site_id"] is not None:
            alerts_by_site[alert["site_id"]] = alerts_by_site.get(alert["site_id"], 0) + 1
    by_site: dict[int, list[Device]] = {}
    for device in devices:
        if device.site_id is not None:
            by_site.setdefault(device.site_id, []).append(device)
    summaries = []
    for site in sites:
        members = by_site.get(site.id, [])
        euis = {d.dev_eui for d in members}
        seen = [r.ts for r in latest if r.dev_eui in euis]
        quantities = sorted(
            {
                r.quantity
                for r in latest
                if r.dev_eui in euis and r.kind in METERED and r.quantity in CONSUMPTION_QUANTITIES
            }
        )
        rows = []
        for quantity in quantities:
            current = _sum(state.store, members, quantity, month_start, now, tz)
            before = _sum(state.store, members, quantity, last_year_start, last_year_now, tz)
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
