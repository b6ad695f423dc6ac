"""Open data: what a tenant publishes, redacted and aggregated before it leaves releve.

Only sites marked ``open_data`` are published, as daily consumption per site and quantity
(never per device, never a DevEUI), for every quantity they measure (water, hot water,
electricity drawn and fed in, gas, heat, reactive energy), each with its unit. The
minimum-group rule protects households: a housing site is published only when it sums at least
``min_group`` metering devices, so that no dwelling's consumption can be read; public buildings
are published as they are. Days are whole days of the town's calendar, and today is never
published (``open_days``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.consumption.analytics import EARLIEST, METERED, metered_buckets, report_rows, unit_of
from domain.consumption.bounds import MAX_RANGE, check_windows
from domain.consumption.open_days import midnight, today_start
from domain.consumption.open_schemas import CONSUMPTION_COLUMNS, OPEN_QUANTITIES
from kernel.csv_cells import write_csv
from registry import Device, Registry, Site, Tenant
from store import StoreReader, Window

HOUSING_USES = {"housing"}
_ORDER = {quantity: i for i, quantity in enumerate(OPEN_QUANTITIES)}

OpenSites = list[tuple[Site, list[Device]]]


@dataclass(frozen=True, slots=True)
class OpenRow:
    site_code: str
    site: str
    use: str
    day: date
    quantity: str
    unit: str
    consumption: float

    def document(self) -> dict[str, str | float]:
        """The row as the JSON distribution gives it (the CSV's column names)."""
        return dict(zip(CONSUMPTION_COLUMNS, self.cells(), strict=True))

    def cells(self) -> tuple[str, str, str, str, str, str, float]:
        return (
            self.site_code,
            self.site,
            self.use,
            self.day.isoformat(),
            self.quantity,
            self.unit,
            self.consumption,
        )


@dataclass(frozen=True, slots=True)
class Coverage:
    """The days published so far, and when the files last changed (the newest reading in them)."""

    first_day: date
    last_day: date
    modified: datetime


@dataclass(frozen=True, slots=True)
class Publication:
    """What a tenant publishes: its open sites (after the minimum-group rule) with their metering
    devices, the quantities they measure, the days covered, and where its sensors are."""

    tenant: Tenant
    sites: OpenSites
    quantities: list[str]
    coverage: Coverage | None
    sensor_sites: list[Site]
    sensors: int


def publishable_sites(registry: Registry, tenant: Tenant, min_group: int) -> OpenSites:
    """Open sites of the tenant with their metering devices, after the minimum-group rule."""
    out = []
    for site in registry.list_sites(tenant.id):
        if not site.open_data:
            continue
        devices = [d for d in registry.list_devices(site_id=site.id, limit=100_000) if d.metering_point]
        if (site.use or "") in HOUSING_USES and len(devices) < min_group:
            continue
        out.append((site, devices))
    return out


def _euis(sites: OpenSites) -> list[str]:
    return sorted({d.dev_eui for _, devices in sites for d in devices})


def published_quantities(store: StoreReader, sites: OpenSites) -> list[str]:
    """The open quantities the sites' metering devices report (from their latest readings)."""
    euis = _euis(sites)
    found = {
        r.quantity
        for r in (store.latest(euis) if euis else [])
        if r.kind in METERED and r.quantity in OPEN_QUANTITIES
    }
    return sorted(found, key=_ORDER.__getitem__)


def check_size(sites: OpenSites, quantities: int, start: datetime, end: datetime) -> None:
    """Refuse (``AnswerTooLarge``) more daily values than an answer holds: one series per site
    and quantity."""
    check_windows(Window.DAY, start, end, series=len(sites) * max(quantities, 1))


def daily_rows(
    store: StoreReader,
    sites: OpenSites,
    quantities: list[str],
    start: datetime,
    end: datetime,
    tz: str,
) -> list[OpenRow]:
    """Daily consumption per open site and quantity over whole days [start, end), by day, site
    and quantity; a day without a reading is left out."""
    if start >= end or not sites:
        return []
    groups = {site.slug: devices for site, devices in sites}
    named = {site.slug: site for site, _ in sites}
    rows = []
    for quantity in quantities:
        unit = unit_of(quantity)
        for slug, series in report_rows(store, groups, quantity, Window.DAY, start, end, tz).items():
            site = named[slug]
            for begin, _, value, _ in series.points:
                if value is not None and begin < end:
                    rows.append(
                        OpenRow(
                            slug, site.name, site.use or "", begin.date(), quantity, unit, round(value, 6)
                        )
                    )
    rows.sort(key=lambda r: (r.day, r.site_code, _ORDER[r.quantity]))
    return rows


def to_csv(rows: list[OpenRow]) -> str:
    return write_csv(CONSUMPTION_COLUMNS, (r.cells() for r in rows))


def _days_measured(
    store: StoreReader,
    euis: list[str],
    quantity: str,
    window: Window,
    start: datetime,
    end: datetime,
    tz: str,
) -> list[datetime]:
    """The starts of the windows in [start, end) where ``quantity`` has a consumption."""
    found = {
        bucket.start
        for buckets in metered_buckets(store, euis, quantity, window, start, end, tz).values()
        for bucket in buckets
        if bucket.consumption is not None and bucket.start < end
    }
    return sorted(found)


def coverage(
    store: StoreReader, sites: OpenSites, quantities: list[str], tz: str, now: datetime
) -> Coverage | None:
    """The first and last days published (of any quantity), found by months then days, and the
    newest reading published; None before the first whole day with a reading."""
    euis = _euis(sites)
    if not euis or not quantities:
        return None
    zone = ZoneInfo(tz)
    today = today_start(now, tz)
    since = max(EARLIEST, today - MAX_RANGE)
    firsts: list[date] = []
    lasts: list[date] = []
    for quantity in quantities:
        months = _days_measured(store, euis, quantity, Window.MONTH, since, today, tz)
        if not months:
            continue
        for month, pick in ((months[0], 0), (months[-1], -1)):
            following = midnight((month.date().replace(day=1) + timedelta(days=32)).replace(day=1), zone)
            days = _days_measured(store, euis, quantity, Window.DAY, month, min(following, today), tz)
            if days:
                (firsts if pick == 0 else lasts).append(days[pick].date())
    if not firsts or not lasts:
        return None
    newest = max(
        (r.ts for r in store.latest(euis) if r.kind in METERED and r.quantity in quantities),
        default=today,
    )
    return Coverage(min(firsts), max(lasts), min(newest, today))


def publication(
    registry: Registry, store: StoreReader, tenant: Tenant, min_group: int, tz: str, now: datetime
) -> Publication:
    """Everything the catalog says about a tenant's open data, read from the registry and store."""
    sites = publishable_sites(registry, tenant, min_group)
    quantities = published_quantities(store, sites)
    devices = registry.list_devices(tenant.id, limit=1_000_000)
    placed = {d.site_id for d in devices}
    return Publication(
        tenant=tenant,
        sites=sites,
        quantities=quantities,
        coverage=coverage(store, sites, quantities, tz, now),
        sensor_sites=[s for s in registry.list_sites(tenant.id) if s.id in placed],
        sensors=len(devices),
    )


def geojson(sites: OpenSites) -> dict[str, object]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [site.longitude, site.latitude]}
                if site.latitude is not None and site.longitude is not None
                else None,
                "properties": {
                    "code_site": site.slug,
                    "name": site.name,
                    "use": site.use,
                    "floor_area_m2": site.floor_area_m2,
                    "metering_points": len({d.metering_point for d in devices}),
                },
            }
            for site, devices in sites
        ],
    }
