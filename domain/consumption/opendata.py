"""Open data: what a tenant publishes, redacted and aggregated before it leaves releve.

Only sites marked ``open_data`` are published, as daily consumption per site and quantity
(never per device, never a DevEUI). The minimum-group rule protects households: a housing site
is published only when it sums at least ``min_group`` metering devices, so that no dwelling's
consumption can be read; public buildings are published as they are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.consumption.analytics import CONSUMPTION_QUANTITIES, consumption
from kernel.csv_cells import write_csv
from registry import Device, Registry, Site, Tenant
from store import StoreReader, Window

LICENCE = "Licence Ouverte / Open Licence 2.0 (Etalab)"
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"
HOUSING_USES = {"housing"}
DESCRIPTION = (
    "Consommation journalière d'eau (m3), d'électricité (kWh), de gaz (m3) et de chaleur (kWh) "
    "des bâtiments publiés, relevée par les compteurs communicants LoRaWAN de la collectivité. "
    "Un jour sans relevé est absent ; la consommation d'une coupure est comptée le jour du "
    "relevé suivant."
)


@dataclass(frozen=True, slots=True)
class OpenRow:
    site: str
    use: str
    day: str
    quantity: str
    unit: str
    consumption: float


def publishable_sites(registry: Registry, tenant: Tenant, min_group: int) -> list[tuple[Site, list[Device]]]:
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


def daily_rows(
    store: StoreReader,
    sites: list[tuple[Site, list[Device]]],
    quantity: str,
    start: datetime,
    end: datetime,
    tz: str,
) -> list[OpenRow]:
    """Daily consumption per open site (days without data are left out)."""
    if quantity not in CONSUMPTION_QUANTITIES:
        raise ValueError(f"not a consumption quantity: {quantity}")
    rows = []
    for site, devices in sites:
        series = consumption(store, devices, quantity, Window.DAY, start, end, tz)
        for point in series.points:
            if point.consumption is not None:
                rows.append(
                    OpenRow(
                        site.name,
                        site.use or "",
                        point.start.date().isoformat(),
                        quantity,
                        series.unit,
                        round(point.consumption, 6),
                    )
                )
    return rows


def to_csv(rows: list[OpenRow]) -> str:
    header = ("site", "usage", "jour", "grandeur", "unite", "consommation")
    return write_csv(header, ((r.site, r.use, r.day, r.quantity, r.unit, r.consumption) for r in rows))


def geojson(sites: list[tuple[Site, list[Device]]]) -> dict[str, object]:
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [site.longitude, site.latitude]}
                if site.latitude is not None and site.longitude is not None
                else None,
                "properties": {
                    "name": site.name,
                    "use": site.use,
                    "floor_area_m2": site.floor_area_m2,
                    "metering_points": len({d.metering_point for d in devices}),
                },
            }
            for site, devices in sites
        ],
    }


def catalog(tenant: Tenant, base_url: str) -> dict[str, object]:
    """A DCAT-style description of the tenant's dataset and its distributions."""
    root = f"{base_url}/api/v1/open/{tenant.slug}"
    return {
        "@context": "https://www.w3.org/ns/dcat.jsonld",
        "@type": "dcat:Catalog",
        "dct:publisher": tenant.name,
        "dcat:dataset": [
            {
                "@type": "dcat:Dataset",
                "dct:identifier": f"{tenant.slug}-consommations",
                "dct:title": f"Consommations d'eau et d'énergie des bâtiments publics - {tenant.name}",
                "dct:description": DESCRIPTION,
                "dct:license": LICENCE_URL,
                "dct:rights": LICENCE,
                "dct:publisher": tenant.name,
                "dct:accrualPeriodicity": "http://purl.org/cld/freq/daily",
                "dct:spatial": tenant.name,
                "dcat:keyword": ["eau", "énergie", "bâtiments publics", "sobriété", "LoRaWAN"],
                "dcat:distribution": [
                    {
                        "dcat:mediaType": "text/csv",
                        "dcat:accessURL": f"{root}/consumption.csv?quantity=water_volume",
                    },
                    {
                        "dcat:mediaType": "application/json",
                        "dcat:accessURL": f"{root}/consumption.json?quantity=water_volume",
                    },
                    {"dcat:mediaType": "application/geo+json", "dcat:accessURL": f"{root}/sites.geojson"},
                ],
                "schema": {
                    "fields": [
                        {"name": "site", "type": "string", "description": "bâtiment"},
                        {"name": "usage", "type": "string", "description": "usage du bâtiment"},
                        {"name": "jour", "type": "date", "description": "jour (heure de Paris)"},
                        {
                            "name": "grandeur",
                            "type": "string",
                            "description": "water_volume, energy_import, ...",
                        },
                        {"name": "unite", "type": "string", "description": "m3 ou kWh"},
                        {"name": "consommation", "type": "number", "description": "consommation du jour"},
                    ]
                },
            },
            {
                "@type": "dcat:Dataset",
                "dct:identifier": f"{tenant.slug}-capteurs",
                "dct:title": f"Registre des capteurs - {tenant.name}",
                "dct:description": (
                    "Les capteurs du réseau LoRaWAN : ce que chacun mesure, où, dans quel but, qui "
                    "l'exploite et depuis quand (charte de la donnée)."
                ),
                "dct:license": LICENCE_URL,
                "dct:rights": LICENCE,
                "dct:publisher": tenant.name,
                "dct:accrualPeriodicity": "http://purl.org/cld/freq/continuous",
                "dcat:distribution": [
                    {"dcat:mediaType": "text/csv", "dcat:accessURL": f"{root}/sensors.csv"},
                    {"dcat:mediaType": "application/json", "dcat:accessURL": f"{root}/sensors.json"},
                ],
            },
        ],
    }
