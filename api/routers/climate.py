"""Climate: outdoor temperature (stations, site sources), heating per degree day, comfort, thresholds."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.deps import Id, KeyDep, OperatorKey, StateDep, TechnicianKey, visible_device, visible_site
from api.problems import Problem
from api.routers.devices import Limit, Offset
from api.schemas import Page, RowErrorPublic, csv_body
from domain.alerts.thresholds import ThresholdError, Thresholds, as_dict, effective
from domain.climate.degree_days import DEFAULT_BASE, daily_temperatures
from domain.climate.reports import ComfortReport, HeatingSeries
from domain.climate.weather import STATION, WeatherSource, parse_weather_csv
from domain.consumption.analytics import time_range
from domain.consumption.bounds import MAX_RAW_RANGE, MAX_WEATHER_RANGE
from kernel.types import normalize_eui
from store import Window

router = APIRouter(prefix="/api/v1", tags=["climate"])

MAX_CSV_BYTES = 5 * 1024 * 1024
Station = Annotated[str, Path(pattern=STATION.pattern, description="a station name: letters, digits, _ . -")]


class WeatherImportReport(BaseModel):
    station: str
    dry_run: bool
    imported: int
    errors: list[RowErrorPublic]


class WeatherDay(BaseModel):
    day: date
    min: float
    max: float
    mean: float
    observations: int


class WeatherDays(BaseModel):
    station: str
    timezone: str
    days: list[WeatherDay]


class SiteWeather(BaseModel):
    """A site's outdoor temperature: a weather station's series or an outdoor sensor (not both)."""

    station: str | None = Field(default=None, pattern=STATION.pattern)
    dev_eui: str | None = Field(default=None, description="an outdoor sensor reporting temperature")

    @field_validator("dev_eui")
    @classmethod
    def _eui(cls, value: str | None) -> str | None:
        return None if value is None else normalize_eui(value)


class ThresholdValues(BaseModel):
    """Every threshold (effective values); in a PUT, only those to change (null: back to default)."""

    model_config = ConfigDict(extra="forbid")

    leak_min_flow_m3h: float | None = Field(default=None, ge=0.0005, le=10, description="m3/h")
    leak_nights: int | None = Field(default=None, ge=1, le=14)
    night_start_hour: int | None = Field(default=None, ge=0, le=23)
    night_end_hour: int | None = Field(default=None, ge=1, le=24)
    silent_factor: float | None = Field(default=None, ge=1, le=100)
    default_interval_s: int | None = Field(default=None, ge=60, le=7 * 86400)
    battery_pct: float | None = Field(default=None, ge=0, le=100)
    battery_v: float | None = Field(default=None, ge=0, le=5)
    loss_pct: float | None = Field(default=None, ge=0, le=100)
    min_frames_for_loss: int | None = Field(default=None, ge=1, le=100_000)
    alarm_window_h: float | None = Field(default=None, ge=1, le=720)
    abnormal_factor: float | None = Field(default=None, ge=1.1, le=100)
    abnormal_weeks: int | None = Field(default=None, ge=2, le=12)
    lighting_margin_min: float | None = Field(default=None, ge=0, le=180)
    lighting_min_kwh_per_hour: float | None = Field(default=None, ge=0.001, le=1000)
    lighting_min_hours: int | None = Field(default=None, ge=1, le=12)
    temperature_min: float | None = Field(default=None, ge=5, le=30, description="degC")
    temperature_max: float | None = Field(default=None, ge=10, le=40, description="degC")
    co2_max: float | None = Field(default=None, ge=400, le=5000, description="ppm")
    humidity_min: float | None = Field(default=None, ge=0, le=100, description="%")
    humidity_max: float | None = Field(default=None, ge=0, le=100, description="%")
    occupied_start_hour: int | None = Field(default=None, ge=0, le=23, description="local hour")
    occupied_end_hour: int | None = Field(default=None, ge=1, le=24, description="local hour, excluded")
    occupied_days: int | None = Field(default=None, ge=1, le=7, description="first N days of the week")


class SiteThresholds(BaseModel):
    site_id: int
    thresholds: ThresholdValues
    overridden: list[str] = Field(description="the thresholds this site sets; the others are defaults")


@router.post(
    "/weather/{station}/import",
    summary="Import a station's temperatures (CSV time,temperature)",
    openapi_extra=csv_body(
        "A header row time,temperature, then one observation a row: a time with its UTC offset "
        "(2026-01-15T06:00:00+01:00) and a temperature in °C"
    ),
)
async def import_weather(
    request: Request, state: StateDep, key: OperatorKey, station: Station, dry_run: bool = True
) -> WeatherImportReport:
    body = await request.body()
    if len(body) > MAX_CSV_BYTES:
        raise Problem(413, "Too large", f"a CSV import is at most {MAX_CSV_BYTES // 1024 // 1024} MB")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = body.decode("cp1252", errors="replace")
    parsed = parse_weather_csv(text)
    imported = 0 if parsed.errors else len(parsed.rows)
    if not dry_run and not parsed.errors:
        imported = state.weather.import_observations(key.tenant_id, station, parsed.rows)
    return WeatherImportReport(
        station=station,
        dry_run=dry_run,
        imported=imported,
        errors=[RowErrorPublic(line=e.line, reason=e.reason) for e in parsed.errors],
    )


class WeatherStation(BaseModel):
    station: str
    observations: int
    first: datetime
    last: datetime


@router.get("/weather", summary="The tenant's weather stations")
def list_stations(
    state: StateDep, key: KeyDep, offset: Offset = 0, limit: Limit = 100
) -> Page[WeatherStation]:
    rows = state.weather.stations(key.tenant_id)
    items = [WeatherStation(station=s, observations=n, first=a, last=b) for s, n, a, b in rows]
    return Page(items=items[offset : offset + limit], offset=offset, limit=limit, total=len(items))


@router.get("/weather/{station}", summary="A station's daily outdoor temperatures (min, max, mean)")
def get_weather(
    state: StateDep,
    key: KeyDep,
    station: Station,
    start: datetime | None = None,
    end: datetime | None = None,
) -> WeatherDays:
    start, end = time_range(Window.DAY, start, end, timedelta(days=31), MAX_WEATHER_RANGE)
    book = state.weather
    if not book.has_station(key.tenant_id, station):
        raise Problem(404, "Not found", f"no observations of station {station!r}")
    tz = state.settings.timezone
    days = daily_temperatures(book.observations(key.tenant_id, station, start, end), tz)
    return WeatherDays(
        station=station,
        timezone=tz,
        days=[
            WeatherDay(day=d.day, min=d.min, max=d.max, mean=round(d.mean, 3), observations=d.count)
            for d in days
        ],
    )


@router.get("/sites/{site_id}/weather", summary="Where a site's outdoor temperature comes from")
def get_site_weather(state: StateDep, key: KeyDep, site_id: Id) -> SiteWeather:
    site = visible_site(state, key, site_id)
    source = state.weather.source(site.id)
    return SiteWeather(station=source.station, dev_eui=source.dev_eui)


@router.put("/sites/{site_id}/weather", summary="Set a site's outdoor temperature source (operator)")
def put_site_weather(state: StateDep, key: OperatorKey, site_id: Id, body: SiteWeather) -> SiteWeather:
    site = visible_site(state, key, site_id)
    if body.station and body.dev_eui:
        raise Problem(422, "Invalid source", "give a station or an outdoor sensor (dev_eui), not both")
    book = state.weather
    dev_eui = None
    if body.dev_eui:
        device = visible_device(state, key, body.dev_eui)
        if device.tenant_id != site.tenant_id:
            raise Problem(422, "Invalid source", f"device {device.dev_eui} belongs to another tenant")
        dev_eui = device.dev_eui
    if body.station and not book.has_station(site.tenant_id, body.station):
        raise Problem(
            422, "Invalid source", f"no observations of station {body.station!r}: import them first"
        )
    book.set_source(site.id, WeatherSource(station=body.station, dev_eui=dev_eui))
    return SiteWeather(station=body.station, dev_eui=dev_eui)


@router.get("/sites/{site_id}/heating", summary="Heating energy per degree day (DJU), normalized")
def site_heating(
    state: StateDep,
    key: KeyDep,
    site_id: Id,
    quantity: str = "energy_import",
    window: Literal["day", "month"] = "day",
    start: datetime | None = None,
    end: datetime | None = None,
    base: Annotated[float, Query(ge=0, le=30, description="base temperature, degC")] = DEFAULT_BASE,
    reference_degree_days: Annotated[
        float | None, Query(gt=0, le=10_000, description="the reference period's DJU, to normalize to")
    ] = None,
) -> HeatingSeries:
    site = visible_site(state, key, site_id)
    win = Window(window)
    start, end = time_range(win, start, end)
    return state.climate.heating(site, quantity, win, start, end, base, reference_degree_days)


def _thresholds(state: StateDep, site_id: int) -> tuple[Thresholds, list[str]]:
    overrides = state.thresholds.overrides(site_id)
    return effective(overrides), sorted(overrides)


@router.get("/sites/{site_id}/comfort", summary="Indoor temperature, CO2 and humidity against targets")
def site_comfort(
    state: StateDep, key: KeyDep, site_id: Id, start: datetime | None = None, end: datetime | None = None
) -> ComfortReport:
    site = visible_site(state, key, site_id)
    start, end = time_range(Window.DAY, start, end, timedelta(days=7), MAX_RAW_RANGE)
    th, _ = _thresholds(state, site.id)
    return state.climate.comfort(site, start, end, th, state.weather.source(site.id))


@router.get("/sites/{site_id}/thresholds", summary="A site's effective alert thresholds and comfort targets")
def get_thresholds(state: StateDep, key: KeyDep, site_id: Id) -> SiteThresholds:
    site = visible_site(state, key, site_id)
    th, overridden = _thresholds(state, site.id)
    return SiteThresholds(
        site_id=site.id, thresholds=ThresholdValues.model_validate(as_dict(th)), overridden=overridden
    )


@router.put("/sites/{site_id}/thresholds", summary="Override some of a site's thresholds (technician)")
def put_thresholds(state: StateDep, key: TechnicianKey, site_id: Id, body: ThresholdValues) -> SiteThresholds:
    site = visible_site(state, key, site_id)
    try:
        state.thresholds.update(site.id, body.model_dump(exclude_unset=True))
    except ThresholdError as exc:
        raise Problem(422, "Invalid thresholds", str(exc)) from exc
    th, overridden = _thresholds(state, site.id)
    return SiteThresholds(
        site_id=site.id, thresholds=ThresholdValues.model_validate(as_dict(th)), overridden=overridden
    )
