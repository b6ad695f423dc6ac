"""The Table Schemas of the open CSV files, in the format schema.data.gouv.fr uses (Frictionless
Table Schema, with its descriptive properties): what each column holds, its type, unit and
constraints, so that a re-user or a harvester (data.gouv.fr's validator) can check a file
against it. The files' columns are these fields, in this order: one source for both.
"""

from __future__ import annotations

import copy
from typing import Any, Literal

from decoders import CANONICAL_UNITS, Quantity

SCHEMA_VERSION = "1.0.0"
SCHEMA_DATE = "2026-12-05"
TABLE_SCHEMA = "https://frictionlessdata.io/schemas/table-schema.json"
LICENCE_NAME = "Licence Ouverte / Open Licence version 2.0"
# The IRI data.gouv.fr gives the Licence Ouverte 2.0 ("lov2") in its catalog and recognises when
# it harvests one; SPDX calls it etalab-2.0.
LICENCE_URL = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"
LICENCE_SPDX = "etalab-2.0"

OpenQuantity = Literal[
    "water_volume",
    "hot_water_volume",
    "energy_import",
    "energy_export",
    "gas_volume",
    "heat_energy",
    "reactive_energy_import",
    "reactive_energy_export",
]
# The quantities published (OpenQuantity, for the API), in the order the files list them, with
# what they are in French.
OPEN_QUANTITIES: dict[str, str] = {
    "water_volume": "eau froide",
    "hot_water_volume": "eau chaude sanitaire",
    "energy_import": "électricité consommée",
    "energy_export": "électricité produite et injectée",
    "gas_volume": "gaz",
    "heat_energy": "chaleur (réseau de chaleur, chaufferie)",
    "reactive_energy_import": "énergie réactive consommée",
    "reactive_energy_export": "énergie réactive fournie",
}
OPEN_UNITS = sorted({CANONICAL_UNITS[Quantity(q)] for q in OPEN_QUANTITIES})

_CONSUMPTION_FIELDS: tuple[dict[str, Any], ...] = (
    {
        "name": "code_site",
        "title": "Code du bâtiment",
        "description": "Identifiant stable du bâtiment chez la collectivité (le même dans sites.geojson)",
        "type": "string",
        "example": "ecole-jules-ferry",
        "constraints": {"required": True},
    },
    {
        "name": "site",
        "title": "Bâtiment",
        "description": "Nom du bâtiment",
        "type": "string",
        "example": "École Jules Ferry",
        "constraints": {"required": True},
    },
    {
        "name": "usage",
        "title": "Usage du bâtiment",
        "description": "office (mairie, bureaux), school, gym, library, housing, pool... ; vide sinon",
        "type": "string",
        "example": "school",
    },
    {
        "name": "jour",
        "title": "Jour",
        "description": (
            "Jour entier du calendrier de la collectivité (son fuseau horaire) ; le jour en cours "
            "n'est jamais publié, un jour sans relevé est absent"
        ),
        "type": "date",
        "format": "default",
        "example": "2026-12-01",
        "constraints": {"required": True},
    },
    {
        "name": "grandeur",
        "title": "Grandeur mesurée",
        "description": "; ".join(f"{q} : {label}" for q, label in OPEN_QUANTITIES.items()),
        "type": "string",
        "example": "water_volume",
        "constraints": {"required": True, "enum": list(OPEN_QUANTITIES)},
    },
    {
        "name": "unite",
        "title": "Unité",
        "description": "m3 (eau, gaz), kWh (électricité active, chaleur), kvarh (énergie réactive)",
        "type": "string",
        "example": "m3",
        "constraints": {"required": True, "enum": OPEN_UNITS},
    },
    {
        "name": "consommation",
        "title": "Consommation du jour",
        "description": (
            "Somme des compteurs du bâtiment pour cette grandeur, dans l'unité de la colonne unite ; "
            "la consommation d'une coupure de transmission est comptée le jour du relevé suivant"
        ),
        "type": "number",
        "example": 1.234,
        "constraints": {"required": True},
    },
)

_SENSOR_FIELDS: tuple[dict[str, Any], ...] = (
    {
        "name": "dev_eui",
        "title": "Identifiant radio (DevEUI)",
        "description": "L'identifiant que le capteur émet sur les ondes (public), 16 chiffres hexadécimaux",
        "type": "string",
        "example": "a81758fffe0a0001",
        "constraints": {"required": True, "unique": True, "pattern": "[0-9a-f]{16}"},
    },
    {
        "name": "model",
        "title": "Modèle",
        "description": "Identifiant du modèle dans le TTN Device Repository (fabricant/modèle)",
        "type": "string",
        "example": "netvox/r718h",
        "constraints": {"required": True},
    },
    {"name": "model_name", "title": "Nom du modèle", "type": "string", "example": "Netvox R718H"},
    {
        "name": "quantities",
        "title": "Grandeurs mesurées",
        "description": "Ce que le capteur mesure, séparé par des points-virgules",
        "type": "string",
        "example": "pulse_count;water_volume",
    },
    {"name": "site", "title": "Bâtiment", "description": "Où il est installé", "type": "string"},
    {
        "name": "latitude",
        "title": "Latitude",
        "description": "Du bâtiment (WGS 84)",
        "type": "number",
        "constraints": {"minimum": -90, "maximum": 90},
    },
    {
        "name": "longitude",
        "title": "Longitude",
        "description": "Du bâtiment (WGS 84)",
        "type": "number",
        "constraints": {"minimum": -180, "maximum": 180},
    },
    {"name": "purpose", "title": "Finalité", "description": "Pourquoi il est là", "type": "string"},
    {
        "name": "operated_by",
        "title": "Exploitant",
        "description": "Qui l'exploite",
        "type": "string",
        "constraints": {"required": True},
    },
    {"name": "installed_at", "title": "En service depuis", "type": "date", "format": "default"},
    {
        "name": "status",
        "title": "État",
        "description": "active : en service",
        "type": "string",
        "constraints": {"required": True},
    },
    {
        "name": "data_published",
        "title": "Données publiées",
        "description": "Si la consommation journalière de son bâtiment est publiée en données ouvertes",
        "type": "boolean",
        "trueValues": ["True"],
        "falseValues": ["False"],
        "constraints": {"required": True},
    },
)

CONSUMPTION_COLUMNS: tuple[str, ...] = tuple(f["name"] for f in _CONSUMPTION_FIELDS)
SENSOR_COLUMNS: tuple[str, ...] = tuple(f["name"] for f in _SENSOR_FIELDS)


def _schema(
    url: str, name: str, title: str, description: str, fields: tuple[dict[str, Any], ...]
) -> dict[str, Any]:
    return {
        "$schema": TABLE_SCHEMA,
        "name": name,
        "title": title,
        "description": description,
        "countryCode": "FR",
        "path": url,
        "version": SCHEMA_VERSION,
        "created": SCHEMA_DATE,
        "lastModified": SCHEMA_DATE,
        "licenses": [{"name": LICENCE_SPDX, "title": LICENCE_NAME, "path": LICENCE_URL}],
        "contributors": [{"title": "releve", "role": "author"}],
        "fields": copy.deepcopy(list(fields)),
        "missingValues": [""],
    }


def consumption_schema(url: str) -> dict[str, Any]:
    """The Table Schema of ``consumption.csv``, published at ``url``."""
    schema = _schema(
        url,
        "releve-consommations-journalieres",
        "Consommations journalières d'eau et d'énergie des bâtiments",
        (
            "Une ligne par bâtiment, jour et grandeur : la consommation d'eau, d'électricité, de gaz "
            "ou de chaleur d'un bâtiment public (ou d'un ensemble de logements d'au moins N compteurs) "
            "relevée par les compteurs communicants de la collectivité, jamais par compteur."
        ),
        _CONSUMPTION_FIELDS,
    )
    schema["primaryKey"] = ["code_site", "jour", "grandeur"]
    return schema


def sensors_schema(url: str) -> dict[str, Any]:
    """The Table Schema of ``sensors.csv`` (the public register of sensors), published at ``url``."""
    schema = _schema(
        url,
        "releve-registre-capteurs",
        "Registre public des capteurs",
        (
            "Un capteur du réseau LoRaWAN de la collectivité par ligne : ce qu'il mesure, où, dans quel "
            "but, qui l'exploite et depuis quand (charte de la donnée)."
        ),
        _SENSOR_FIELDS,
    )
    schema["primaryKey"] = ["dev_eui"]
    return schema
