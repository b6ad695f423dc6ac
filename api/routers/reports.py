"""The monthly report of a site: each quantity's consumption, last year's, cost, intensity, alerts."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import Id, KeyDep, StateDep, visible_site
from api.problems import Problem
from api.schemas import SitePublic
from domain.consumption.analytics import (
    METERED,
    ConsumptionPoint,
    consumption,
    latest_of,
    metered_quantities,
    report,
)
from domain.costs.billing import CostSeries, change, cost_series, known_cost, measured, plain, shift_years
from registry import Device
from store import Window

router = APIRouter(prefix="/api/v1/sites", tags=["reports"])

Month = Annotated[str, Query(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM, e.g. 2026-10")]


class PointTotal(BaseModel):
    metering_point: str = Field(description="the metering point, or the device's name when it has none")
    consumption: float


class QuantityReport(BaseModel):
    quantity: str
    unit: str
    consumption: float
    previous_year: float | None = Field(description="the same month a year before; null without data")
    change_pct: float | None
    cost: float | None = Field(description="EUR; null when the month is not fully covered by a tariff")
    currency: Literal["EUR"] = "EUR"
    intensity: float | None = Field(description="consumption per m2 of floor area; null without an area")
    intensity_unit: str | None = Field(default=None, description="e.g. kWh/m2")
    periods: dict[str, float] = Field(
        default_factory=dict, description="the month's consumption per time-of-use period, when priced"
    )
    days: list[ConsumptionPoint]
    points: list[PointTotal]


class ReportAlert(BaseModel):
    id: int
    kind: str
    message: str
    dev_eui: str | None = None
    opened_at: datetime
    closed_at: datetime | None
    evidence: dict[str, Any] = Field(
        default_factory=dict, description="as in GET /alerts/{id}: what the message says, as data"
    )


class MonthlyReport(BaseModel):
    site: SitePublic
    month: str
    timezone: str
    quantities: list[QuantityReport]
    alerts: list[ReportAlert] = Field(description="alerts opened in the month or still open during it")
    generated_at: datetime


def month_bounds(month: str, tz: str) -> tuple[datetime, datetime]:
    """The month's first local midnight and the next month's, as aware times."""
    year, number = int(month[:4]), int(month[5:])
    if not 1970 <= year <= 2200:
        raise Problem(422, "Invalid month", f"{month}: the year must be between 1970 and 2200")
    zone = ZoneInfo(tz)
    first = date(year, number, 1)
    following = date(year + number // 12, number % 12 + 1, 1)
    return datetime.combine(first, time(0), tzinfo=zone), datetime.combine(following, time(0), tzinfo=zone)


def _by_point(devices: list[Device]) -> dict[str, list[Device]]:
    groups: dict[str, list[Device]] = {}
    for d in devices:
        groups.setdefault(d.metering_point or d.name, []).append(d)
    return groups


@router.get("/{site_id}/report", summary="Monthly report of a site (the A4 page's data)")
def monthly_report(state: StateDep, key: KeyDep, site_id: Id, month: Month) -> MonthlyReport:
    site = visible_site(state, key, site_id)
    tz = state.settings.timezone
    start, end = month_bounds(month, tz)
    devices = state.registry.list_devices(site_id=site.id, limit=100_000)
    book = state.tariffs
    latest = latest_of(state.store, devices)
    quantities: list[QuantityReport] = []
    for quantity in metered_quantities(state.store, devices, latest):
        tariffs = book.effective(site.tenant_id, site.id, quantity)
        month_cost = cost_series(state.store, tariffs, devices, quantity, Window.DAY, start, end, tz)
        before = consumption(
            state.store,
            devices,
            quantity,
            Window.MONTH,
            shift_years(start, -1, tz),
            shift_years(end, -1, tz),
            tz,
        )
        _, pct = change(month_cost, before)
        metering = {r.dev_eui for r in latest if r.quantity == quantity and r.kind in METERED}
        groups = _by_point([d for d in devices if d.dev_eui in metering])
        per_point = report(state.store, groups, quantity, Window.MONTH, start, end, tz)
        points = [
            PointTotal(metering_point=name, consumption=per_point[name].total) for name in sorted(groups)
        ]
        quantities.append(
            QuantityReport(
                quantity=quantity,
                unit=month_cost.unit,
                consumption=month_cost.total,
                previous_year=before.total if measured(before) else None,
                change_pct=pct,
                cost=known_cost(month_cost),
                intensity=round(month_cost.total / site.floor_area_m2, 9) if site.floor_area_m2 else None,
                intensity_unit=f"{month_cost.unit}/m2" if site.floor_area_m2 else None,
                periods=_periods(month_cost),
                days=plain(month_cost).points,
                points=points,
            )
        )
    alerts = [
        ReportAlert(
            id=row.id,
            kind=row.kind,
            message=row.message,
            dev_eui=row.dev_eui,
            opened_at=_utc(row.started_at),
            closed_at=None if row.ended_at is None else _utc(row.ended_at),
            evidence=row.evidence,
        )
        for row in state.alerts.list(site.tenant_id, status="all", site_id=site.id, limit=10_000)
        if _utc(row.started_at) < end and (row.ended_at is None or _utc(row.ended_at) >= start)
    ]
    alerts.sort(key=lambda a: (a.opened_at, a.id))
    return MonthlyReport(
        site=SitePublic(**asdict(site), devices=len(devices)),
        month=month,
        timezone=tz,
        quantities=quantities,
        alerts=alerts,
        generated_at=datetime.now(UTC),
    )


def _periods(series: CostSeries) -> dict[str, float]:
    summed: dict[str, float] = {}
    for point in series.points:
        for name, value in point.periods.items():
            summed[name] = summed.get(name, 0.0) + value
    return {name: round(value, 9) for name, value in sorted(summed.items())}


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
