"""Heating normalized by degree days, and indoor comfort against targets, for one site."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field

from decoders import Kind
from domain.alerts.thresholds import Thresholds
from domain.climate.degree_days import (
    METHOD,
    DayTemperature,
    daily_temperatures,
    normalized,
    period_degree_days,
)
from domain.climate.errors import NoOutdoorTemperature
from domain.climate.weather import WeatherBook, WeatherSource
from domain.consumption.analytics import CONSUMPTION_QUANTITIES, METERED, consumption, unit_of
from domain.consumption.bounds import check_windows
from registry import Device, Registry, Site
from store import StoreReader, Window
from store.rollup import window_end, window_start

COMFORT_QUANTITIES = ("temperature", "co2", "humidity")


class HeatingPoint(BaseModel):
    start: datetime
    end: datetime
    consumption: float | None = Field(description="the window's, the day under way's so far included")
    degree_days: float | None = Field(
        description="DJU of the window's whole days (a day's are known once it is over); null when "
        "one of them lacks temperature, or none is over yet"
    )
    per_degree_day: float | None = Field(
        description="the whole days' consumption per DJU; null without both or at 0 DJU"
    )


class HeatingToday(BaseModel):
    """The local day under way: its consumption so far, in its window's and in ``total``, but in
    no degree-day figure (its DJU need its whole day's Tmin and Tmax)."""

    start: datetime
    end: datetime
    consumption: float | None


class HeatingSeries(BaseModel):
    quantity: str
    unit: str
    window: str
    timezone: str
    base_temperature: float
    method: str
    temperature_source: str = Field(description="station:NAME or device:DEV_EUI")
    points: list[HeatingPoint]
    total: float = Field(description="the range's consumption, the day under way's so far included")
    total_whole_days: float = Field(description="the consumption of the range's whole days")
    today: HeatingToday | None = Field(description="the day under way, when the range holds it")
    total_degree_days: float | None = Field(
        description="DJU of the whole days; null when one lacks temperature"
    )
    missing_temperature_days: int = Field(description="whole days without outdoor temperature")
    per_degree_day: float | None = Field(
        description="consumption per DJU over the windows that have both (whole days)"
    )
    reference_degree_days: float | None
    normalized: float | None = Field(
        description="the whole days' consumption scaled to reference_degree_days: "
        "total_whole_days x reference / total_degree_days"
    )


class ComfortTargets(BaseModel):
    temperature_min: float
    temperature_max: float
    co2_max: float
    humidity_min: float
    humidity_max: float
    occupied_start_hour: int = Field(description="comfort counts from this local hour...")
    occupied_end_hour: int = Field(description="...to this one (excluded)")
    occupied_days: int = Field(description="on the first N days of the week (5: Monday to Friday)")


class ComfortDay(BaseModel):
    start: datetime
    min: float | None
    max: float | None
    mean: float | None


class ComfortQuantity(BaseModel):
    quantity: str
    unit: str
    channel: str
    days: list[ComfortDay]
    readings: int
    share_outside_target: float | None = Field(
        description="0..1 of the readings taken in occupied hours; null without such readings"
    )


class ComfortDevice(BaseModel):
    dev_eui: str
    name: str
    quantities: list[ComfortQuantity]


class ComfortReport(BaseModel):
    site_id: int
    timezone: str
    start: datetime
    end: datetime
    targets: ComfortTargets
    devices: list[ComfortDevice]


def aligned(window: Window, start: datetime, end: datetime, tz: str) -> tuple[datetime, datetime]:
    """The range widened to whole windows, so consumption and degree days cover the same days."""
    zone = ZoneInfo(tz)
    first = window_start(start, window, zone)
    last = window_start(end, window, zone)
    if last < end:
        last = window_end(last, window, zone)
    return first, last


def targets_of(th: Thresholds) -> ComfortTargets:
    return ComfortTargets(
        temperature_min=th.temperature_min,
        temperature_max=th.temperature_max,
        co2_max=th.co2_max,
        humidity_min=th.humidity_min,
        humidity_max=th.humidity_max,
        occupied_start_hour=th.occupied_start_hour,
        occupied_end_hour=th.occupied_end_hour,
        occupied_days=th.occupied_days,
    )


def occupied(ts: datetime, zone: ZoneInfo, t: ComfortTargets) -> bool:
    """Whether the building is in use at ``ts``: nights and weekends are not judged."""
    local = ts.astimezone(zone)
    return local.weekday() < t.occupied_days and t.occupied_start_hour <= local.hour < t.occupied_end_hour


def outside(quantity: str, value: float, t: ComfortTargets) -> bool:
    if quantity == "temperature":
        return not t.temperature_min <= value <= t.temperature_max
    if quantity == "humidity":
        return not t.humidity_min <= value <= t.humidity_max
    return value > t.co2_max


class ClimateReports:
    """Heating per degree day and comfort of sites: built once per process from the store, the
    registry and the weather book, in the town's time zone."""

    def __init__(self, store: StoreReader, registry: Registry, weather: WeatherBook, tz: str) -> None:
        self.store = store
        self.registry = registry
        self.weather = weather
        self.tz = tz

    def outdoor_days(
        self, site: Site, start: datetime, end: datetime
    ) -> tuple[str, dict[date, DayTemperature]]:
        """The site's outdoor temperature per local day in [start, end), and where it came from."""
        tz = self.tz
        source = self.weather.source(site.id)
        if source.station:
            rows = self.weather.observations(site.tenant_id, source.station, start, end)
            return f"station:{source.station}", {d.day: d for d in daily_temperatures(rows, tz)}
        if source.dev_eui:
            return f"device:{source.dev_eui}", self._sensor_days(source.dev_eui, start, end)
        raise NoOutdoorTemperature(
            f"site {site.name} has no outdoor temperature source: "
            f"set one with PUT /api/v1/sites/{site.id}/weather"
        )

    def _sensor_days(self, dev_eui: str, start: datetime, end: datetime) -> dict[date, DayTemperature]:
        tz = self.tz
        zone = ZoneInfo(tz)
        channels = sorted({r.channel for r in self.store.latest([dev_eui]) if r.quantity == "temperature"})
        if not channels:
            return {}
        days: dict[date, DayTemperature] = {}
        for b in self.store.aggregate(
            dev_eui, "temperature", start, end, Window.DAY, tz, channel=channels[0]
        ):
            if b.min is not None and b.max is not None and b.mean is not None:
                day = b.start.astimezone(zone).date()
                days[day] = DayTemperature(day=day, min=b.min, max=b.max, mean=b.mean, count=b.count)
        return days

    def heating(
        self,
        site: Site,
        quantity: str,
        window: Window,
        start: datetime,
        end: datetime,
        base: float,
        reference_degree_days: float | None,
    ) -> HeatingSeries:
        tz = self.tz
        zone = ZoneInfo(tz)
        unit = unit_of(quantity)
        start, end = aligned(window, start, end, tz)
        source, days = self.outdoor_days(site, start, end)
        # A day's degree days need its whole day (Tmin, Tmax): the day under way has none yet (its
        # night alone gave a morning 15 DJU), the days after it are not a gap, and every
        # degree-day figure pairs the whole days' DJU with the whole days' consumption.
        midnight = window_start(datetime.now(zone), Window.DAY, zone)
        today = midnight.date()
        devices = self.registry.list_devices(site_id=site.id, limit=100_000)
        series = consumption(self.store, devices, quantity, window, start, end, tz)
        under_way = None
        if start <= midnight < end:
            tomorrow = window_end(midnight, Window.DAY, zone)
            day = consumption(self.store, devices, quantity, Window.DAY, midnight, tomorrow, tz).points
            under_way = HeatingToday(
                start=midnight, end=tomorrow, consumption=day[0].consumption if day else None
            )
        so_far = (under_way.consumption or 0.0) if under_way else 0.0
        points: list[HeatingPoint] = []
        missing = 0
        paired = [0.0, 0.0]  # consumption and DJU of the windows that have both
        for p in series.points:
            first = p.start.astimezone(zone).date()
            last = min((p.end.astimezone(zone) - timedelta(microseconds=1)).date(), today - timedelta(days=1))
            missing += sum(1 for k in range((last - first).days + 1) if first + timedelta(days=k) not in days)
            dju = period_degree_days(days, first, last, base) if first <= last else None
            whole = p.consumption
            if whole is not None and p.start <= midnight < p.end:
                whole -= so_far
            per = whole / dju if whole is not None and dju else None
            if whole is not None and dju is not None:
                paired[0] += whole
                paired[1] += dju
            points.append(
                HeatingPoint(
                    start=p.start,
                    end=p.end,
                    consumption=p.consumption,
                    degree_days=None if dju is None else round(dju, 6),
                    per_degree_day=per,
                )
            )
        total_dju = None if missing else round(sum(p.degree_days or 0.0 for p in points), 6)
        total_whole = series.total - so_far
        scaled = None
        if reference_degree_days is not None and total_dju is not None:
            scaled = normalized(total_whole, total_dju, reference_degree_days)
        return HeatingSeries(
            quantity=quantity,
            unit=unit,
            window=window.value,
            timezone=tz,
            base_temperature=base,
            method=METHOD,
            temperature_source=source,
            points=points,
            total=series.total,
            total_whole_days=total_whole,
            today=under_way,
            total_degree_days=total_dju,
            missing_temperature_days=missing,
            per_degree_day=paired[0] / paired[1] if paired[1] else None,
            reference_degree_days=reference_degree_days,
            normalized=scaled,
        )

    def comfort(
        self, site: Site, start: datetime, end: datetime, th: Thresholds, source: WeatherSource
    ) -> ComfortReport:
        """Each indoor sensor's daily min/max/mean and the share of its readings in occupied hours
        outside the targets."""
        tz = self.tz
        targets = targets_of(th)
        devices = [
            d
            for d in self.registry.list_devices(site_id=site.id, limit=100_000)
            if d.dev_eui != source.dev_eui  # the outdoor sensor is not a room
        ]
        check_windows(Window.DAY, start, end, series=len(devices) * len(COMFORT_QUANTITIES))
        out: list[ComfortDevice] = []
        for device in devices:
            quantities = self._comfort_quantities(device, start, end, targets)
            if quantities:
                out.append(ComfortDevice(dev_eui=device.dev_eui, name=device.name, quantities=quantities))
        return ComfortReport(site_id=site.id, timezone=tz, start=start, end=end, targets=targets, devices=out)

    def _comfort_quantities(
        self, device: Device, start: datetime, end: datetime, targets: ComfortTargets
    ) -> list[ComfortQuantity]:
        tz = self.tz
        zone = ZoneInfo(tz)
        latest = self.store.latest([device.dev_eui])
        if any(r.kind in METERED and r.quantity in CONSUMPTION_QUANTITIES for r in latest):
            return []  # a meter's housing sensor (a pulse counter's, in a plant room) is not a room
        series = sorted(
            {
                (r.quantity, r.channel)
                for r in latest
                if r.quantity in COMFORT_QUANTITIES and r.kind == Kind.INSTANTANEOUS.value
            },
            key=lambda qc: (COMFORT_QUANTITIES.index(qc[0]), qc[1]),
        )
        if not series:
            return []
        readings = self.store.query(device.dev_eui, start, end, quantities=[q for q, _ in series])
        result: list[ComfortQuantity] = []
        for quantity, channel in series:
            values = [
                r.value
                for r in readings
                if r.quantity == quantity and r.channel == channel and occupied(r.ts, zone, targets)
            ]
            buckets = self.store.aggregate(
                device.dev_eui, quantity, start, end, Window.DAY, tz, channel=channel
            )
            share = sum(1 for v in values if outside(quantity, v, targets)) / len(values) if values else None
            result.append(
                ComfortQuantity(
                    quantity=quantity,
                    unit=unit_of(quantity),
                    channel=channel,
                    days=[ComfortDay(start=b.start, min=b.min, max=b.max, mean=b.mean) for b in buckets],
                    readings=len(values),
                    share_outside_target=share,
                )
            )
        return result
