"""Tariffs and what consumption costs; comparison with a reference; intensity; tenant totals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, Field, field_validator, model_validator

from api.deps import Id, IdQuery, KeyDep, OperatorKey, StateDep, tenant_scope, visible_site
from api.problems import Problem
from api.schemas import Printable
from domain.consumption.analytics import (
    CONSUMPTION_QUANTITIES,
    ConsumptionPoint,
    ConsumptionSeries,
    consumption,
    pick_quantity,
    report,
    time_range,
    unit_of,
)
from domain.consumption.bounds import check_windows
from domain.costs.billing import CostSeries, change, cost_series, known_cost, plain, shift_years
from domain.costs.tariffs import Period, Tariff
from registry import Device, Site
from store import Window

router = APIRouter(prefix="/api/v1", tags=["costs"])

_Price = Field(ge=0, le=1_000_000, allow_inf_nan=False)


class TariffPeriodPublic(BaseModel):
    """A time-of-use period (e.g. HC, HP): a meter register that counts it, or local clock hours."""

    name: Annotated[str, Printable] = Field(min_length=1, max_length=40, pattern=r"^[^\s].*$")
    price_per_unit: float = _Price
    channel: Annotated[str, Printable] | None = Field(
        default=None,
        min_length=1,
        max_length=20,
        description="the meter register that counts this period, e.g. HCHC or HCHP on a Linky (TIC)",
    )
    hours: list[tuple[int, int]] | None = Field(
        default=None,
        max_length=24,
        description="[start_h, end_h) local clock hours, e.g. [[22, 6]] (wraps past midnight); "
        "used when the meter has no register for the period",
    )

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: list[tuple[int, int]] | None) -> list[tuple[int, int]] | None:
        for start, end in value or []:
            if not (0 <= start <= 23 and 0 <= end <= 24) or start == end:
                raise ValueError(
                    f"hours [{start}, {end}]: need 0 <= start <= 23, 0 <= end <= 24, start != end"
                )
        return value

    @model_validator(mode="after")
    def _counted(self) -> TariffPeriodPublic:
        if self.channel is None and not self.hours:
            raise ValueError(f"period {self.name}: give a channel (meter register) or hours")
        return self


class TariffPublic(BaseModel):
    """What a unit of a quantity costs from ``valid_from`` on (EUR per m3, per kWh)."""

    quantity: str = Field(description="a consumption quantity, e.g. water_volume, energy_import")
    currency: Literal["EUR"] = "EUR"
    price_per_unit: float = Field(
        ge=0, le=1_000_000, allow_inf_nan=False, description="EUR per canonical unit, outside every period"
    )
    fixed_per_month: float = Field(default=0.0, ge=0, le=10_000_000, allow_inf_nan=False)
    valid_from: date | None = Field(default=None, description="first local day it applies; null: always")
    periods: list[TariffPeriodPublic] = Field(default_factory=list, max_length=24)

    @field_validator("quantity")
    @classmethod
    def _quantity(cls, value: str) -> str:
        if value not in CONSUMPTION_QUANTITIES:
            raise ValueError(
                f"{value!r} is not a consumption quantity ({', '.join(sorted(CONSUMPTION_QUANTITIES))})"
            )
        return value

    @model_validator(mode="after")
    def _periods(self) -> TariffPublic:
        names = [p.name for p in self.periods]
        if len(set(names)) != len(names):
            raise ValueError("period names must be unique within a tariff")
        if "base" in names:
            raise ValueError("'base' names consumption outside every period; pick another name")
        channels = [p.channel for p in self.periods if p.channel is not None]
        if len(set(channels)) != len(channels):
            raise ValueError("a meter register (channel) belongs to one period only")
        taken: dict[int, str] = {}
        for p in self.periods:
            for start, end in p.hours or []:
                span = range(start, end) if start < end else [*range(start, 24), *range(0, end)]
                for hour in span:
                    if hour in taken:
                        raise ValueError(f"hour {hour} is in both {taken[hour]} and {p.name}")
                    taken[hour] = p.name
        return self


TariffList = Annotated[list[TariffPublic], Body(max_length=200)]


def _to_domain(body: list[TariffPublic]) -> list[Tariff]:
    seen: set[tuple[str, date | None]] = set()
    for t in body:
        if (t.quantity, t.valid_from) in seen:
            raise Problem(
                422, "Invalid tariffs", f"two {t.quantity} tariffs valid from {t.valid_from or 'always'}"
            )
        seen.add((t.quantity, t.valid_from))
    return [
        Tariff(
            quantity=t.quantity,
            price_per_unit=t.price_per_unit,
            fixed_per_month=t.fixed_per_month,
            valid_from=t.valid_from,
            currency=t.currency,
            periods=tuple(
                Period(
                    name=p.name,
                    price_per_unit=p.price_per_unit,
                    channel=p.channel,
                    hours=None if p.hours is None else tuple(p.hours),
                )
                for p in t.periods
            ),
        )
        for t in body
    ]


def _to_public(tariffs: list[Tariff]) -> list[TariffPublic]:
    return [
        TariffPublic(
            quantity=t.quantity,
            price_per_unit=t.price_per_unit,
            fixed_per_month=t.fixed_per_month,
            valid_from=t.valid_from,
            periods=[
                TariffPeriodPublic(
                    name=p.name,
                    price_per_unit=p.price_per_unit,
                    channel=p.channel,
                    hours=None if p.hours is None else list(p.hours),
                )
                for p in t.periods
            ],
        )
        for t in tariffs
    ]


@router.get("/tariffs", summary="The tenant's default tariffs (for sites without their own)")
def get_default_tariffs(state: StateDep, key: KeyDep) -> list[TariffPublic]:
    return _to_public(state.tariffs.read(key.tenant_id, None))


@router.put("/tariffs", summary="Replace the tenant's default tariffs")
def put_default_tariffs(state: StateDep, key: OperatorKey, body: TariffList) -> list[TariffPublic]:
    book = state.tariffs
    book.replace(key.tenant_id, None, _to_domain(body))
    return _to_public(book.read(key.tenant_id, None))


@router.get("/sites/{site_id}/tariffs", summary="A site's own tariffs")
def get_site_tariffs(state: StateDep, key: KeyDep, site_id: Id) -> list[TariffPublic]:
    site = visible_site(state, key, site_id)
    return _to_public(state.tariffs.read(site.tenant_id, site.id))


@router.put("/sites/{site_id}/tariffs", summary="Replace a site's own tariffs")
def put_site_tariffs(state: StateDep, key: OperatorKey, site_id: Id, body: TariffList) -> list[TariffPublic]:
    site = visible_site(state, key, site_id)
    book = state.tariffs
    book.replace(site.tenant_id, site.id, _to_domain(body))
    return _to_public(book.read(site.tenant_id, site.id))


def site_devices(state: StateDep, site: Site) -> list[Device]:
    return state.registry.list_devices(site_id=site.id, limit=100_000)


@router.get("/sites/{site_id}/cost", summary="Consumption of a site per window, in euros")
def site_cost(
    state: StateDep,
    key: KeyDep,
    site_id: Id,
    quantity: str | None = None,
    window: Window = Window.DAY,
    start: datetime | None = None,
    end: datetime | None = None,
) -> CostSeries:
    site = visible_site(state, key, site_id)
    start, end = time_range(window, start, end)
    devices = site_devices(state, site)
    quantity = pick_quantity(state.store, devices, quantity, f"site {site.name}")
    unit_of(quantity)
    tariffs = state.tariffs.effective(site.tenant_id, site.id, quantity)
    return cost_series(state.store, tariffs, devices, quantity, window, start, end, state.settings.timezone)


class Comparison(BaseModel):
    current: ConsumptionSeries
    reference: ConsumptionSeries
    change: float | None = Field(description="current.total - reference.total; null when either has no data")
    change_pct: float | None = Field(description="change as % of the reference; null when it is 0 or absent")
    current_cost: float | None = Field(default=None, description="EUR under the tariffs then in force")
    reference_cost: float | None = Field(default=None, description="EUR under the tariffs then in force")
    cost_change: float | None = Field(
        default=None, description="current_cost - reference_cost (negative: saved); null unless both known"
    )


@router.get("/sites/{site_id}/compare", summary="Consumption against the previous year or a reference period")
def site_compare(
    state: StateDep,
    key: KeyDep,
    site_id: Id,
    quantity: str | None = None,
    window: Window = Window.DAY,
    start: datetime | None = None,
    end: datetime | None = None,
    reference: Literal["previous_year", "period"] = "previous_year",
    ref_start: datetime | None = None,
    ref_end: datetime | None = None,
) -> Comparison:
    site = visible_site(state, key, site_id)
    tz = state.settings.timezone
    start, end = time_range(window, start, end)
    if reference == "previous_year":
        ref_start, ref_end = shift_years(start, -1, tz), shift_years(end, -1, tz)
    elif ref_start is None or ref_end is None:
        raise Problem(422, "Invalid reference", "reference=period needs ref_start and ref_end")
    ref_start, ref_end = time_range(window, ref_start, ref_end)
    devices = site_devices(state, site)
    quantity = pick_quantity(state.store, devices, quantity, f"site {site.name}")
    tariffs = state.tariffs.effective(site.tenant_id, site.id, quantity)
    current = cost_series(state.store, tariffs, devices, quantity, window, start, end, tz)
    past = cost_series(state.store, tariffs, devices, quantity, window, ref_start, ref_end, tz)
    diff, pct = change(current, past)
    current_cost, reference_cost = known_cost(current), known_cost(past)
    return Comparison(
        current=plain(current),
        reference=plain(past),
        change=diff,
        change_pct=pct,
        current_cost=current_cost,
        reference_cost=reference_cost,
        cost_change=None
        if current_cost is None or reference_cost is None
        else round(current_cost - reference_cost, 9),
    )


class Intensity(BaseModel):
    quantity: str
    unit: str = Field(description="e.g. kWh/m2, m3/m2")
    start: datetime
    end: datetime
    consumption: float
    floor_area_m2: float
    intensity: float


@router.get("/sites/{site_id}/intensity", summary="Consumption per square metre of floor area")
def site_intensity(
    state: StateDep,
    key: KeyDep,
    site_id: Id,
    quantity: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Intensity:
    site = visible_site(state, key, site_id)
    if not site.floor_area_m2:
        raise Problem(422, "No floor area", f"site {site.name} has no floor area: set floor_area_m2 on it")
    start, end = time_range(Window.MONTH, start, end)  # by default, the last 366 days
    devices = site_devices(state, site)
    quantity = pick_quantity(state.store, devices, quantity, f"site {site.name}")
    series = consumption(state.store, devices, quantity, Window.MONTH, start, end, state.settings.timezone)
    return Intensity(
        quantity=quantity,
        unit=f"{series.unit}/m2",
        start=start,
        end=end,
        consumption=series.total,
        floor_area_m2=site.floor_area_m2,
        intensity=round(series.total / site.floor_area_m2, 9),
    )


class SiteConsumption(BaseModel):
    site_id: Id
    name: str
    total: float
    points: list[ConsumptionPoint]


class TenantConsumption(BaseModel):
    tenant_id: int
    quantity: str
    unit: str
    window: str
    timezone: str
    sites: list[SiteConsumption]
    points: list[ConsumptionPoint] = Field(description="the sum of the sites' points, window by window")
    total: float = Field(description="the sum of the sites' totals")


@router.get("/consumption", summary="Consumption of a whole tenant, per site and summed")
def tenant_consumption(
    state: StateDep,
    key: KeyDep,
    quantity: str | None = None,
    window: Window = Window.DAY,
    start: datetime | None = None,
    end: datetime | None = None,
    tenant_id: IdQuery = None,
) -> TenantConsumption:
    scope = tenant_scope(key)
    if tenant_id is not None and scope is not None and tenant_id != scope:
        raise Problem(403, "Forbidden", "only the network owner's admin may read another tenant")
    tenant = tenant_id or key.tenant_id
    if tenant not in {t.id for t in state.registry.list_tenants()}:
        raise Problem(404, "Not found", f"tenant {tenant} not found")
    tz = state.settings.timezone
    start, end = time_range(window, start, end)
    sites = state.registry.list_sites(tenant)
    check_windows(window, start, end, series=len(sites) + 1)  # each site's series and their sum
    per_site = {s.id: site_devices(state, s) for s in sites}
    quantity = pick_quantity(
        state.store, [d for ds in per_site.values() for d in ds], quantity, "this tenant's sites"
    )
    unit = unit_of(quantity)
    rows: list[SiteConsumption] = []
    summed: dict[datetime, tuple[datetime, float | None, int]] = {}
    groups = {str(s.id): per_site[s.id] for s in sites}
    by_site = report(state.store, groups, quantity, window, start, end, tz)  # one store read for all
    for site in sites:
        series = by_site[str(site.id)]
        rows.append(
            SiteConsumption(site_id=site.id, name=site.name, total=series.total, points=series.points)
        )
        for p in series.points:
            _, value, readings = summed.get(p.start, (p.end, None, 0))
            if p.consumption is not None:
                value = (value or 0.0) + p.consumption
            summed[p.start] = (p.end, value, readings + p.readings)
    points = [
        ConsumptionPoint(start=s, end=e, consumption=None if v is None else round(v, 9), readings=n)
        for s, (e, v, n) in sorted(summed.items())
    ]
    return TenantConsumption(
        tenant_id=tenant,
        quantity=quantity,
        unit=unit,
        window=window.value,
        timezone=tz,
        sites=rows,
        points=points,
        total=round(sum(r.total for r in rows), 9),
    )
