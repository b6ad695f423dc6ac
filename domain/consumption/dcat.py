"""The open-data catalog in DCAT-AP, as JSON-LD that needs no network to be read.

A harvester (data.gouv.fr's DCAT harvester, a European portal) or a re-user's JSON-LD processor
reads it as RDF: the context is inline (a town's server may have no internet, and a processor
must not fetch one to read the catalog), every term is a DCAT, DCTERMS, FOAF or vCard IRI, every
reference (licence, theme, frequency, media type, download URL) is an IRI and every date a
typed literal. It lists exactly what is published: per tenant, the daily consumption of its open
sites (one CSV a year, so that each file stays within an answer's bounds, and the sites as
GeoJSON) when it has any, and the public register of its sensors; each CSV points to its Table
Schema (``open_schemas``). data.gouv.fr's habits where they add to DCAT-AP: ``dcat:keyword`` for
its tags, ``dcat:downloadURL`` for a resource's URL, the Licence Ouverte's IRI as it knows it,
``dcterms:conformsTo`` to the resource's schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from domain.consumption.open_schemas import LICENCE_NAME, LICENCE_SPDX, LICENCE_URL, OPEN_QUANTITIES
from domain.consumption.opendata import Publication
from registry import Site

CONTEXT: dict[str, str] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "vcard": "http://www.w3.org/2006/vcard/ns#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "gsp": "http://www.opengis.net/ont/geosparql#",
    "@language": "fr",
}
EU = "http://publications.europa.eu/resource/authority"
IANA = "https://www.iana.org/assignments/media-types"
LOCAL_AUTHORITY = "http://purl.org/adms/publishertype/LocalAuthority"
WATER = {"water_volume", "hot_water_volume"}
# data.gouv.fr's tags of each quantity (the others are electricity)
KEYWORDS = {"water_volume": "eau", "hot_water_volume": "eau", "gas_volume": "gaz", "heat_energy": "chaleur"}
# Half a margin around a single site, in degrees (about 50 m): a bounding box is an area.
_MARGIN = 0.0005


@dataclass(frozen=True, slots=True)
class Town:
    """Who publishes: the town (``RELEVE_TOWN_NAME``, ``RELEVE_TOWN_EMAIL``), publisher of the
    network owner's data and contact point of every dataset."""

    name: str
    email: str | None
    tenant_id: int


def _iri(value: str) -> dict[str, str]:
    return {"@id": value}


def _plain(value: str) -> dict[str, str]:
    """A literal without a language (an identifier)."""
    return {"@value": value}


def _typed(value: date | str, datatype: str) -> dict[str, str]:
    return {"@value": value if isinstance(value, str) else value.isoformat(), "@type": datatype}


def _licence() -> dict[str, Any]:
    return {
        "@id": LICENCE_URL,
        "@type": "dcterms:LicenseDocument",
        "dcterms:title": LICENCE_NAME,
        "dcterms:identifier": _plain(LICENCE_SPDX),
    }


def _number(value: float) -> str:
    return repr(round(value, 6))


def _spatial(sites: Iterable[Site]) -> dict[str, Any] | None:
    """The sites' extent: a bounding box and a centroid (WGS 84, longitude first, as WKT)."""
    points = [(s.longitude, s.latitude) for s in sites if s.longitude is not None and s.latitude is not None]
    if not points:
        return None
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    if east - west < 2 * _MARGIN:
        west, east = west - _MARGIN, east + _MARGIN
    if north - south < 2 * _MARGIN:
        south, north = south - _MARGIN, north + _MARGIN
    w, e, s, n = (_number(v) for v in (west, east, south, north))
    lon = _number(sum(p[0] for p in points) / len(points))
    lat = _number(sum(p[1] for p in points) / len(points))
    return {
        "@type": "dcterms:Location",
        "dcat:bbox": _typed(f"POLYGON(({w} {s}, {e} {s}, {e} {n}, {w} {n}, {w} {s}))", "gsp:wktLiteral"),
        "dcat:centroid": _typed(f"POINT({lon} {lat})", "gsp:wktLiteral"),
    }


class _Writer:
    """Builds the nodes of one catalog at one address."""

    def __init__(self, town: Town, root: str) -> None:
        self.town = town
        self.open = f"{root}/api/v1/open"
        self.id = f"{self.open}/catalog"
        self.service = f"{self.open}#api"
        self.root = root

    def agent(self, publication: Publication) -> dict[str, Any]:
        tenant = publication.tenant
        node: dict[str, Any] = {"@id": f"{self.id}#publisher-{tenant.slug}", "@type": "foaf:Agent"}
        if tenant.id == self.town.tenant_id:
            node["foaf:name"] = self.town.name
            node["dcterms:type"] = _iri(LOCAL_AUTHORITY)
        else:
            node["foaf:name"] = tenant.name
        return node

    def contact(self) -> dict[str, Any]:
        node: dict[str, Any] = {"@type": "vcard:Organization", "vcard:fn": self.town.name}
        if self.town.email:
            node["vcard:hasEmail"] = _iri(f"mailto:{self.town.email}")
        return node

    def common(self, publication: Publication, name: str, frequency: str) -> dict[str, Any]:
        return {
            "@id": f"{self.id}#{publication.tenant.slug}-{name}",
            "@type": "dcat:Dataset",
            "dcterms:identifier": _plain(f"{publication.tenant.slug}-{name}"),
            "dcterms:publisher": self.agent(publication),
            "dcat:contactPoint": self.contact(),
            "dcterms:license": _iri(LICENCE_URL),
            "dcterms:accessRights": _iri(f"{EU}/access-right/PUBLIC"),
            "dcterms:language": _iri(f"{EU}/language/FRA"),
            "dcterms:accrualPeriodicity": _iri(f"{EU}/frequency/{frequency}"),
        }

    def distribution(
        self, node_id: str, title: str, url: str, media: str, file_type: str, schema: str | None = None
    ) -> dict[str, Any]:
        node: dict[str, Any] = {
            "@id": f"{self.id}#{node_id}",
            "@type": "dcat:Distribution",
            "dcterms:title": title,
            "dcat:accessURL": _iri(url),
            "dcat:downloadURL": _iri(url),
            "dcat:mediaType": _iri(f"{IANA}/{media}"),
            "dcterms:format": _iri(f"{EU}/file-type/{file_type}"),
            "dcterms:license": _iri(LICENCE_URL),
            "dcat:accessService": _iri(self.service),
        }
        if schema is not None:
            node["dcterms:conformsTo"] = {
                "@id": schema,
                "@type": "dcterms:Standard",
                "dcterms:title": "Table Schema (Frictionless) du fichier",
            }
        return node

    def consumption(self, publication: Publication) -> dict[str, Any]:
        slug, name = publication.tenant.slug, self.agent(publication)["foaf:name"]
        base = f"{self.open}/{slug}"
        quantities = publication.quantities
        measured = ", ".join(OPEN_QUANTITIES[q] for q in quantities) or "aucune grandeur relevée à ce jour"
        node = self.common(publication, "consommations", "DAILY")
        node["dcterms:title"] = f"Consommations d'eau et d'énergie des bâtiments publics - {name}"
        node["dcterms:description"] = (
            f"Consommation journalière de {len(publication.sites)} bâtiment(s) de {name}, par bâtiment "
            f"et par grandeur ({measured}), avec son unité, relevée par les compteurs communicants "
            "LoRaWAN de la collectivité : jamais par compteur ni par logement (un ensemble de "
            "logements n'est publié qu'à partir d'un nombre minimal de compteurs). Les jours sont "
            "ceux du calendrier de la collectivité ; le jour en cours n'est publié que le lendemain. "
            "Un fichier CSV par année ; les bâtiments en GeoJSON."
        )
        themes = ["GOVE"]
        if WATER & set(quantities):
            themes.append("ENVI")
        if set(quantities) - WATER:
            themes.append("ENER")
        node["dcat:theme"] = [_iri(f"{EU}/data-theme/{t}") for t in themes]
        keywords = {KEYWORDS.get(q, "électricité") for q in quantities}
        node["dcat:keyword"] = [
            *sorted(keywords),
            "consommation",
            "bâtiments publics",
            "sobriété",
            "compteurs communicants",
            "LoRaWAN",
        ]
        node["dcat:temporalResolution"] = _typed("P1D", "xsd:duration")
        spatial = _spatial(site for site, _ in publication.sites)
        if spatial is not None:
            node["dcterms:spatial"] = spatial
        distributions = []
        cover = publication.coverage
        if cover is not None:
            node["dcterms:temporal"] = {
                "@type": "dcterms:PeriodOfTime",
                "dcat:startDate": _typed(cover.first_day, "xsd:date"),
                "dcat:endDate": _typed(cover.last_day, "xsd:date"),
            }
            node["dcterms:modified"] = _typed(cover.modified.isoformat(timespec="seconds"), "xsd:dateTime")
            for year in range(cover.first_day.year, cover.last_day.year + 1):
                distributions.append(
                    self.distribution(
                        f"{slug}-consommations-{year}-csv",
                        f"Consommations journalières {year} (CSV)",
                        f"{base}/consumption.csv?start={year}-01-01&end={year}-12-31",
                        "text/csv",
                        "CSV",
                        schema=f"{self.open}/schemas/consumption.schema.json",
                    )
                )
        distributions.append(
            self.distribution(
                f"{slug}-batiments-geojson",
                "Bâtiments publiés (GeoJSON)",
                f"{base}/sites.geojson",
                "application/geo+json",
                "GEOJSON",
            )
        )
        node["dcat:distribution"] = distributions
        return node

    def register(self, publication: Publication) -> dict[str, Any]:
        slug, name = publication.tenant.slug, self.agent(publication)["foaf:name"]
        node = self.common(publication, "capteurs", "IRREG")
        node["dcterms:title"] = f"Registre des capteurs - {name}"
        node["dcterms:description"] = (
            f"Les {publication.sensors} capteur(s) du réseau LoRaWAN de {name} : ce que chacun mesure, "
            "où, dans quel but, qui l'exploite et depuis quand (charte de la donnée). Aucune mesure "
            "ni aucun nom d'appareil."
        )
        node["dcat:theme"] = [_iri(f"{EU}/data-theme/GOVE"), _iri(f"{EU}/data-theme/TECH")]
        node["dcat:keyword"] = ["capteurs", "internet des objets", "LoRaWAN", "charte de la donnée"]
        spatial = _spatial(publication.sensor_sites)
        if spatial is not None:
            node["dcterms:spatial"] = spatial
        base = f"{self.open}/{slug}"
        node["dcat:distribution"] = [
            self.distribution(
                f"{slug}-capteurs-csv",
                "Registre des capteurs (CSV)",
                f"{base}/sensors.csv",
                "text/csv",
                "CSV",
                schema=f"{self.open}/schemas/sensors.schema.json",
            ),
            self.distribution(
                f"{slug}-capteurs-json",
                "Registre des capteurs (JSON)",
                f"{base}/sensors.json",
                "application/json",
                "JSON",
            ),
        ]
        return node


def catalog(publications: list[Publication], town: Town, root: str) -> dict[str, Any]:
    """The DCAT-AP catalog of what the tenants publish, for re-users reaching releve at ``root``."""
    writer = _Writer(town, root)
    datasets = []
    for publication in publications:
        if publication.sites:
            datasets.append(writer.consumption(publication))
        if publication.sensors:
            datasets.append(writer.register(publication))
    owner = next((p for p in publications if p.tenant.id == town.tenant_id), None)
    doc: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": writer.id,
        "@type": "dcat:Catalog",
        "dcterms:title": f"Données ouvertes - {town.name}",
        "dcterms:description": (
            f"Les données ouvertes de {town.name} et des organismes de son réseau LoRaWAN, publiées "
            "par releve sous Licence Ouverte 2.0 : consommations journalières des bâtiments publiés et "
            "registre public des capteurs."
        ),
        "dcterms:publisher": writer.agent(owner)
        if owner is not None
        else {"@id": f"{writer.id}#publisher", "@type": "foaf:Agent", "foaf:name": town.name},
        "dcat:contactPoint": writer.contact(),
        "dcterms:license": _licence(),
        "dcterms:language": _iri(f"{EU}/language/FRA"),
        "dcat:themeTaxonomy": _iri(f"{EU}/data-theme"),
    }
    modified = [p.coverage.modified for p in publications if p.coverage is not None and p.sites]
    if modified:
        doc["dcterms:modified"] = _typed(max(modified).isoformat(timespec="seconds"), "xsd:dateTime")
    spatial = _spatial(site for p in publications for site, _ in p.sites)
    if spatial is not None:
        doc["dcterms:spatial"] = spatial
    doc["dcat:dataset"] = datasets
    doc["dcat:service"] = [
        {
            "@id": writer.service,
            "@type": "dcat:DataService",
            "dcterms:title": "API des données ouvertes",
            "dcat:endpointURL": _iri(f"{writer.open}/"),
            "dcat:endpointDescription": _iri(f"{root}/openapi.json"),
            "dcat:landingPage": _iri(f"{root}/docs"),
            "dcterms:license": _iri(LICENCE_URL),
            "dcat:servesDataset": [_iri(d["@id"]) for d in datasets],
        }
    ]
    return doc
