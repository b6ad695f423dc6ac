"""The overview: every site with this month's consumption against the same days last year."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from pydantic import BaseModel

from api.analytics import CONSUMPTION_QUANTITIES, METERED, unit_of
from api.deps import KeyDep, StateDep, tenant_scope
from ingest.alerts import AlertBook
from ingest.registry import Device
from ingest.store import Store

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


def _totals(
    store: Store, metered: dict[str, set[tuple[str, str]]], quantity: str, start: datetime, end: datetime
) -> dict[str, float]:
    """Consumption per device over [start, end): one store query for every site's meters."""
    series = metered[quantity]
    out: dict[str, float] = {}
    for total in store.totals({eui for eui, _ in series}, quantity, start, end):
        if (total.dev_eui, total.channel) in series and total.consumption is not None:
            out[total.dev_eui] = out.get(total.dev_eui, 0.0) + total.consumption
    return out


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
    alerts_by_site: dict[int, int] = {}
    for alert in AlertBook(state.archive.engine).list(scope, status="open", limit=100_000):
        if alert["site_id"] is not None:
            alerts_by_site[alert["site_id"]] = alerts_by_site.get(alert["site_id"], 0) + 1
    by_site: dict[int, list[Device]] = {}
    for device in devices:
        if device.site_id is not None:
            by_site.setdefault(device.site_id, []).append(device)
    # A constant number of store queries whatever the number of sites: the latest readings of
    # every device, then per quantity the totals of every meter for this month and last year's.
    last_seen: dict[str, datetime] = {}
    metered: dict[str, set[tuple[str, str]]] = {}  # quantity -> (device, channel)
    for r in state.store.latest([d.dev_eui for d in devices]):
        last_seen[r.dev_eui] = max(r.ts, last_seen.get(r.dev_eui, r.ts))
        if r.kind in METERED and r.quantity in CONSUMPTION_QUANTITIES:
            metered.setdefault(r.quantity, set()).add((r.dev_eui, r.channel))
    current = {q: _totals(state.store, metered, q, month_start, now) for q in metered}
    before = {q: _totals(state.store, metered, q, last_year_start, last_year_now) for q in metered}
    meters = {q: {eui for eui, _ in series} for q, series in metered.items()}
    summaries = []
    for site in sites:
        members = by_site.get(site.id, [])
        euis = {d.dev_eui for d in members}
        seen = [last_seen[e] for e in euis if e in last_seen]
        rows = []
        for quantity in sorted(metered):
            if euis.isdisjoint(meters[quantity]):
                continue
            now_total = round(sum(current[quantity].get(e, 0.0) for e in euis), 9)
            before_total = round(sum(before[quantity].get(e, 0.0) for e in euis), 9)
            change = None if not before_total else round(100 * (now_total - before_total) / before_total, 1)
            rows.append(
                QuantitySummary(
                    quantity=quantity,
                    unit=unit_of(quantity),
                    month_to_date=round(now_total, 6),
                    same_period_last_year=round(before_total, 6) if before_total else None,
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
