"""How a harvester and a re-user read releve's open data: the catalog's JSON-LD as RDF triples
(pyld, forbidden to fetch anything), and a CSV checked against its Table Schema (frictionless,
the validator behind schema.data.gouv.fr)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from frictionless import Resource, Schema
from pyld import jsonld

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


def offline(url: str, options: object = None) -> Any:
    raise AssertionError(f"the JSON-LD processor tried to fetch {url}")


class Graph:
    """The catalog's triples, as pyld gives them."""

    def __init__(self, doc: dict[str, Any]) -> None:
        dataset = jsonld.to_rdf(doc, {"documentLoader": offline})
        self.triples: list[tuple[str, str, dict[str, str]]] = [
            (t["subject"]["value"], t["predicate"]["value"], t["object"]) for t in dataset["@default"]
        ]
        self.index: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
        for s, p, o in self.triples:
            self.index[(s, p)].append(o)

    def objects(self, subject: str, predicate: str) -> list[dict[str, str]]:
        return self.index[(subject, predicate)]

    def one(self, subject: str, predicate: str) -> dict[str, str]:
        found = self.objects(subject, predicate)
        assert len(found) == 1, (subject, predicate, found)
        return found[0]

    def iri(self, subject: str, predicate: str) -> str:
        node = self.one(subject, predicate)
        assert node["type"] in ("IRI", "blank node"), node
        return node["value"]

    def of_type(self, rdf_type: str) -> list[str]:
        return [s for s, p, o in self.triples if p == RDF_TYPE and o["value"] == rdf_type]


def csv_errors(data: bytes, descriptor: dict[str, Any]) -> list[list[Any]]:
    """What frictionless finds wrong in ``data`` against the Table Schema ``descriptor``:
    (row, field, error type, note) each; none for a valid file."""
    report = Resource(data=data, format="csv", schema=Schema.from_descriptor(descriptor)).validate()
    errors: list[list[Any]] = report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.valid == (errors == [])
    return errors
