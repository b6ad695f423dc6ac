"""A town that publishes open data, for the open-data tests: what it measured, where, and what
it may publish.

- the town hall measures water, electricity, gas and heat; the school water; the depot (not
  open) water; the Résidence A (housing, 2 meters: below the minimum group of 3) and the
  Résidence B (housing, 3 meters) water; the town hall's room sensor is not a meter;
- a landlord (another tenant) publishes its own building; a third tenant publishes nothing;
- every meter reads each hour on the 10th and 11th of June of last year, then from three days
  before today until now: today is measured but must not be published.

Each meter's hourly consumption is its own constant, so that a day's consumption is known
from the hours the day has (23, 24 or 25 in a town with clock changes).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from api.deps import AppState
from kernel.settings import Settings
from kernel.types import Reading
from registry import Device, Registry, Role
from releve.services import web_app

TZ = "Europe/Paris"
ZONE = ZoneInfo(TZ)
TOWN = "Saint-Relevé"
EMAIL = "donnees@saint-releve.fr"
UNITS = {"water_volume": "m3", "energy_import": "kWh", "gas_volume": "m3", "heat_energy": "kWh"}


@dataclass(frozen=True)
class Meter:
    eui: str
    site: str
    quantity: str
    per_hour: float


# site slug -> (name, use, open, latitude, longitude, tenant)
SITES: dict[str, tuple[str, str, bool, float, float, str]] = {
    "mairie": ("Mairie", "office", True, 45.7640, 4.8357, "town"),
    "ecole": ("École", "school", True, 45.7668, 4.8421, "town"),
    "depot": ("Dépôt", "office", False, 45.9000, 5.1000, "town"),
    "residence-a": ("Résidence A", "housing", True, 45.6000, 4.6000, "town"),
    "residence-b": ("Résidence B", "housing", True, 45.7601, 4.8300, "town"),
    "logements": ("Logements du Parc", "office", True, 45.7700, 4.8500, "hlm"),
}
METERS = (
    Meter("a000000000000001", "mairie", "water_volume", 0.01),
    Meter("a000000000000002", "mairie", "energy_import", 2.5),
    Meter("a000000000000003", "mairie", "gas_volume", 0.75),
    Meter("a000000000000004", "mairie", "heat_energy", 4.0),
    Meter("a000000000000005", "ecole", "water_volume", 0.02),
    Meter("a000000000000006", "depot", "water_volume", 0.5),
    Meter("a000000000000007", "residence-a", "water_volume", 0.03),
    Meter("a000000000000008", "residence-a", "water_volume", 0.04),
    Meter("a000000000000009", "residence-b", "water_volume", 0.01),
    Meter("a00000000000000a", "residence-b", "water_volume", 0.02),
    Meter("a00000000000000b", "residence-b", "water_volume", 0.03),
    Meter("a00000000000000c", "logements", "water_volume", 0.25),
)
ROOM = "c000000000000001"


@dataclass
class OpenWorld:
    client: TestClient
    state: AppState
    admin: dict[str, str]
    now: datetime
    # (site slug, local day, quantity) -> consumption, as measured (today and closed sites included)
    measured: dict[tuple[str, date, str], float] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.now.astimezone(ZONE).date()

    @property
    def first_day(self) -> date:
        return date(self.today.year - 1, 6, 10)

    def published(self, tenant_sites: set[str]) -> dict[tuple[str, date, str], float]:
        """What may be published of these sites: whole days before today."""
        return {k: v for k, v in self.measured.items() if k[0] in tenant_sites and k[1] < self.today}


def _hours(first: datetime, last: datetime) -> Iterator[datetime]:
    """Every hour from ``first`` to ``last``, in UTC (whatever the local clock does)."""
    t, last = first.astimezone(UTC), last.astimezone(UTC)
    while t <= last:
        yield t
        t += timedelta(hours=1)


def _provision(registry: Registry) -> None:
    town = registry.owner_tenant()
    tenants = {"town": town, "hlm": registry.ensure_tenant("hlm", "Bailleur")}
    registry.ensure_tenant("vide", "Nobody publishes")
    sites = {
        slug: registry.ensure_site(
            tenants[tenant].id, slug, name, use=use, open_data=open_, latitude=lat, longitude=lon
        )
        for slug, (name, use, open_, lat, lon, tenant) in SITES.items()
    }
    devices = [
        Device(
            m.eui,
            sites[m.site].tenant_id,
            f"compteur {m.eui[-2:]} de M. Dupont",
            "netvox/r718h",
            site_id=sites[m.site].id,
            metering_point=f"{m.quantity}-{m.eui[-2:]}",
        )
        for m in METERS
    ]
    devices.append(Device(ROOM, town.id, "salle du conseil", "elsys/ers-co2", site_id=sites["mairie"].id))
    registry.add_devices(devices)


def populate(state: AppState, now: datetime) -> dict[tuple[str, date, str], float]:
    """Provision the town and write what its meters read; what each site measured each day."""
    _provision(state.registry)
    today = now.astimezone(ZONE).date()
    last_year = today.year - 1
    spans = [
        (datetime(last_year, 6, 10, tzinfo=ZONE), datetime(last_year, 6, 11, 23, tzinfo=ZONE)),
        (
            datetime.combine(today - timedelta(days=3), datetime.min.time(), ZONE),
            now.replace(minute=0, second=0, microsecond=0),
        ),
    ]
    measured: dict[tuple[str, date, str], float] = defaultdict(float)
    for meter in METERS:
        readings = []
        for first, last in spans:
            # the hour's consumption is read at its end: the reading at 01:00 counts for 00:00-01:00
            readings.append(
                Reading(meter.eui, meter.quantity, 100.0, UNITS[meter.quantity], "cumulative", first)
            )
            for i, hour_end in enumerate(_hours(first + timedelta(hours=1), last + timedelta(hours=1)), 1):
                ts = hour_end - timedelta(seconds=1)
                if ts > now:
                    break
                readings.append(
                    Reading(
                        meter.eui,
                        meter.quantity,
                        100.0 + i * meter.per_hour,
                        UNITS[meter.quantity],
                        "cumulative",
                        ts,
                        delta=meter.per_hour,
                    )
                )
                measured[(meter.site, ts.astimezone(ZONE).date(), meter.quantity)] += meter.per_hour
        state.store.write(readings)
    state.store.write([Reading(ROOM, "temperature", 20.5, "°C", "instantaneous", now - timedelta(hours=1))])
    return dict(measured)


def open_world(tmp_path: Path, **settings: object) -> Iterator[OpenWorld]:
    """The town on real SQLite files, its API in a TestClient."""
    config = Settings(
        data_dir=tmp_path,
        town_name=TOWN,
        town_email=EMAIL,
        open_data_min_group=3,
        api_cache_ttl_s=0,
        **settings,  # type: ignore[arg-type]
    )
    app = web_app(config)
    with TestClient(app) as client:
        state: AppState = app.state.releve
        now = datetime.now(UTC)
        measured = populate(state, now)
        _, token = state.registry.create_key(state.registry.owner_tenant().id, Role.ADMIN, "admin")
        yield OpenWorld(client, state, {"Authorization": f"Bearer {token}"}, now, measured)
