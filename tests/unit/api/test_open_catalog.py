"""The open-data catalog as a harvester reads it: JSON-LD turned into RDF by a JSON-LD processor
(pyld) that may not fetch anything, then checked as DCAT-AP triples: the IRIs of DCAT, DCTERMS,
FOAF and vCard, the Licence Ouverte 2.0, the publisher named from the settings, the temporal
coverage of what was measured, and exactly the distributions published, each answering."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

from domain.consumption.open_schemas import LICENCE_URL
from tests.open_data_readers import RDF_TYPE, Graph, offline
from tests.unit.api.open_world import EMAIL, SITES, TOWN, OpenWorld, open_world

DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
EU = "http://publications.europa.eu/resource/authority/"
NAMESPACES = (DCAT, DCT, FOAF, VCARD, RDF_TYPE)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[OpenWorld]:
    yield from open_world(tmp_path, public_url="https://donnees.saint-releve.fr/releve/")


@pytest.fixture
def catalog(world: OpenWorld) -> tuple[dict[str, Any], Graph]:
    r = world.client.get("/api/v1/open/catalog")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/ld+json"
    doc = r.json()
    return doc, Graph(doc)


def test_the_context_is_inline_and_every_term_expands_to_a_vocabulary_iri(
    catalog: tuple[dict[str, Any], Graph],
) -> None:
    doc, graph = catalog
    assert isinstance(doc["@context"], dict)  # nothing to fetch: a town's server may have no internet
    expanded = jsonld.expand(doc, {"documentLoader": offline})
    assert expanded[0]["@type"] == [f"{DCAT}Catalog"]
    predicates = {p for _, p, _ in graph.triples}
    assert all(p.startswith(NAMESPACES) for p in predicates), sorted(predicates)
    assert {
        f"{DCT}title",
        f"{DCT}license",
        f"{DCT}publisher",
        f"{DCT}temporal",
        f"{DCAT}dataset",
    } <= predicates
    # every subject and IRI object is absolute: no "dct:title" made into a relative IRI
    for s, _, o in graph.triples:
        assert s.startswith(("https://", "_:")), s
        if o["type"] == "IRI":
            assert o["value"].startswith(("https://", "http://", "mailto:")), o


def test_title_licence_publisher_and_contact_are_proper_iris_and_literals(
    catalog: tuple[dict[str, Any], Graph],
) -> None:
    _, graph = catalog
    (cat,) = graph.of_type(f"{DCAT}Catalog")
    assert cat == "https://donnees.saint-releve.fr/releve/api/v1/open/catalog"  # RELEVE_PUBLIC_URL
    assert graph.one(cat, f"{DCT}title") == {
        "type": "literal",
        "value": f"Données ouvertes - {TOWN}",
        "datatype": "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString",
        "language": "fr",
    }
    assert (
        graph.iri(cat, f"{DCT}license")
        == LICENCE_URL
        == "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
    )
    assert graph.one(LICENCE_URL, f"{DCT}title")["value"] == "Licence Ouverte / Open Licence version 2.0"
    publisher = graph.iri(cat, f"{DCT}publisher")
    assert graph.one(publisher, RDF_TYPE)["value"] == f"{FOAF}Agent"
    assert graph.one(publisher, f"{FOAF}name")["value"] == TOWN  # RELEVE_TOWN_NAME, not the tenant
    assert graph.iri(publisher, f"{DCT}type") == "http://purl.org/adms/publishertype/LocalAuthority"
    contact = graph.iri(cat, f"{DCAT}contactPoint")
    assert graph.iri(contact, f"{VCARD}hasEmail") == f"mailto:{EMAIL}"
    assert graph.iri(cat, f"{DCT}language") == f"{EU}language/FRA"


def _dataset(graph: Graph, identifier: str) -> str:
    found = [s for s, p, o in graph.triples if p == f"{DCT}identifier" and o["value"] == identifier]
    assert len(found) == 1, identifier
    return found[0]


def _date(graph: Graph, subject: str, predicate: str) -> date:
    node = graph.one(subject, predicate)
    assert node["datatype"] == f"{XSD}date"
    return date.fromisoformat(node["value"])


def test_the_consumption_dataset_says_when_where_and_how_often(
    world: OpenWorld, catalog: tuple[dict[str, Any], Graph]
) -> None:
    _, graph = catalog
    dataset = _dataset(graph, "town-consommations")
    assert graph.one(dataset, RDF_TYPE)["value"] == f"{DCAT}Dataset"
    assert graph.iri(dataset, f"{DCT}license") == LICENCE_URL
    assert graph.one(graph.iri(dataset, f"{DCT}publisher"), f"{FOAF}name")["value"] == TOWN
    period = graph.iri(dataset, f"{DCT}temporal")
    assert _date(graph, period, f"{DCAT}startDate") == world.first_day
    assert _date(graph, period, f"{DCAT}endDate") == world.today - timedelta(days=1)  # never today
    modified = graph.one(dataset, f"{DCT}modified")
    assert modified["datatype"] == f"{XSD}dateTime"
    assert datetime.fromisoformat(modified["value"]).date() <= world.today
    assert graph.iri(dataset, f"{DCT}accrualPeriodicity") == f"{EU}frequency/DAILY"
    themes = {o["value"] for o in graph.objects(dataset, f"{DCAT}theme")}
    assert themes == {f"{EU}data-theme/{t}" for t in ("ENER", "ENVI", "GOVE")}
    keywords = {o["value"] for o in graph.objects(dataset, f"{DCAT}keyword")}
    assert {"eau", "électricité", "gaz", "chaleur"} <= keywords
    # the extent of the published sites only: not the depot (closed), not Résidence A (too few meters)
    wkt = graph.one(graph.iri(dataset, f"{DCT}spatial"), f"{DCAT}bbox")
    assert wkt["datatype"] == "http://www.opengis.net/ont/geosparql#wktLiteral"
    corners = [
        tuple(map(float, p.split())) for p in wkt["value"].removeprefix("POLYGON((").rstrip(")").split(", ")
    ]
    west, east = min(c[0] for c in corners), max(c[0] for c in corners)
    south, north = min(c[1] for c in corners), max(c[1] for c in corners)

    def inside(slug: str) -> bool:
        lat, lon = SITES[slug][3], SITES[slug][4]
        return west <= lon <= east and south <= lat <= north

    assert all(inside(s) for s in ("mairie", "ecole", "residence-b"))
    assert not inside("depot") and not inside("residence-a")


def test_it_lists_exactly_what_is_published_and_every_distribution_answers(
    world: OpenWorld, catalog: tuple[dict[str, Any], Graph]
) -> None:
    _, graph = catalog
    (cat,) = graph.of_type(f"{DCAT}Catalog")
    identifiers = {
        graph.one(d, f"{DCT}identifier")["value"]
        for d in (o["value"] for o in graph.objects(cat, f"{DCAT}dataset"))
    }
    # the landlord publishes its building; the empty tenant nothing
    assert identifiers == {"town-consommations", "town-capteurs", "hlm-consommations", "hlm-capteurs"}
    hlm = _dataset(graph, "hlm-consommations")
    assert graph.one(graph.iri(hlm, f"{DCT}publisher"), f"{FOAF}name")["value"] == "Bailleur"

    dataset = _dataset(graph, "town-consommations")
    distributions = [o["value"] for o in graph.objects(dataset, f"{DCAT}distribution")]
    csv_rows: list[dict[str, str]] = []
    titles = []
    for distribution in distributions:
        titles.append(graph.one(distribution, f"{DCT}title")["value"])
        url = graph.iri(distribution, f"{DCAT}downloadURL")
        assert graph.iri(distribution, f"{DCAT}accessURL") == url
        assert graph.iri(distribution, f"{DCT}license") == LICENCE_URL
        media = graph.iri(distribution, f"{DCAT}mediaType").removeprefix(
            "https://www.iana.org/assignments/media-types/"
        )
        file_type = graph.iri(distribution, f"{DCT}format").removeprefix(f"{EU}file-type/")
        r = world.client.get(url.removeprefix("https://donnees.saint-releve.fr/releve"))
        assert r.status_code == 200, url
        assert r.headers["content-type"].split(";")[0] == media
        if media == "text/csv":
            assert file_type == "CSV"
            schema = graph.iri(distribution, f"{DCT}conformsTo")
            assert schema.endswith("/api/v1/open/schemas/consumption.schema.json")
            rows = list(csv.DictReader(io.StringIO(r.text)))
            assert rows, url  # a published year has rows
            csv_rows += rows
        else:
            assert (media, file_type) == ("application/geo+json", "GEOJSON")
    years = sorted({d.year for _, d, _ in world.published({"mairie", "ecole", "residence-b"})})
    assert sorted(titles) == sorted(
        [f"Consommations journalières {y} (CSV)" for y in years] + ["Bâtiments publiés (GeoJSON)"]
    )
    # the yearly files hold every published day, once
    published = world.published({"mairie", "ecole", "residence-b"})
    got = {
        (r["code_site"], date.fromisoformat(r["jour"]), r["grandeur"]): float(r["consommation"])
        for r in csv_rows
    }
    assert len(got) == len(csv_rows) and got == pytest.approx(published)

    register = _dataset(graph, "town-capteurs")
    files = [
        graph.iri(d["value"], f"{DCAT}downloadURL") for d in graph.objects(register, f"{DCAT}distribution")
    ]
    assert sorted(f.rsplit("/", 1)[1] for f in files) == ["sensors.csv", "sensors.json"]


def test_the_api_is_described_as_a_data_service(catalog: tuple[dict[str, Any], Graph]) -> None:
    _, graph = catalog
    (service,) = graph.of_type(f"{DCAT}DataService")
    assert (
        graph.iri(service, f"{DCAT}endpointDescription")
        == "https://donnees.saint-releve.fr/releve/openapi.json"
    )
    served = {o["value"] for o in graph.objects(service, f"{DCAT}servesDataset")}
    assert served == set(graph.of_type(f"{DCAT}Dataset"))


def test_an_instance_without_open_sites_lists_only_its_sensor_registers(world: OpenWorld) -> None:
    registry = world.state.registry
    for site in registry.list_sites():
        registry.ensure_site(site.tenant_id, site.slug, open_data=False)
    graph = Graph(world.client.get("/api/v1/open/catalog").json())
    identifiers = {graph.one(d, f"{DCT}identifier")["value"] for d in graph.of_type(f"{DCAT}Dataset")}
    assert identifiers == {"town-capteurs", "hlm-capteurs"}
