"""Public, unauthenticated open data: only what a tenant marked open, aggregated and redacted.

The DCAT-AP catalog (JSON-LD), the Table Schemas of the CSV files, and per tenant the daily
consumption (CSV, JSON) and the published sites (GeoJSON). No key; any origin (CORS) and HEAD
(``api.middleware.OpenAccess``); an ETag on every answer (``api.open_http``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from api.deps import AppState, StateDep
from api.open_http import NOT_MODIFIED, IfNoneMatch, find_tenant, public_response, root_url
from domain.consumption import dcat, opendata
from domain.consumption.open_days import DAY_OR_TIME, open_days
from domain.consumption.open_schemas import OpenQuantity, consumption_schema, sensors_schema

router = APIRouter(prefix="/api/v1/open", tags=["open data"])

JSON_LD = "application/ld+json"
Quantity = Annotated[
    OpenQuantity | None,
    Query(description="one quantity; by default every quantity the published sites measure"),
]
Day = Query(
    max_length=40,
    pattern=DAY_OR_TIME,
    description=(
        "a day YYYY-MM-DD of the town's calendar, or a time (with its offset, else in the town's "
        "time zone); only whole days are published, today never"
    ),
)
Start = Annotated[str | None, Day]
End = Annotated[str | None, Day]


@router.get(
    "/catalog",
    summary="DCAT-AP catalog of every publisher's open datasets (JSON-LD)",
    response_class=Response,
    responses={
        200: {
            "description": "A dcat:Catalog in JSON-LD, its context inline (read without the network)",
            "content": {JSON_LD: {"schema": {"type": "object"}}},
        },
        **NOT_MODIFIED,
    },
)
def catalog(state: StateDep, request: Request, if_none_match: IfNoneMatch = None) -> Response:
    now = datetime.now(UTC)
    owner = state.registry.owner_tenant()
    settings = state.settings
    town = dcat.Town(settings.town_name or owner.name, settings.town_email, owner.id)
    publications = [
        opendata.publication(
            state.registry, state.store, tenant, settings.open_data_min_group, settings.timezone, now
        )
        for tenant in state.registry.list_tenants()
    ]
    doc = dcat.catalog(publications, town, root_url(state, request))
    return public_response(orjson.dumps(doc), JSON_LD, if_none_match)


SCHEMA_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "A Table Schema (Frictionless, as schema.data.gouv.fr publishes them)",
        "content": {"application/json": {"schema": {"type": "object"}}},
    },
    **NOT_MODIFIED,
}


@router.get(
    "/schemas/consumption.schema.json",
    summary="Table Schema of consumption.csv",
    response_class=Response,
    responses=SCHEMA_RESPONSES,
)
def consumption_table_schema(
    request: Request, state: StateDep, if_none_match: IfNoneMatch = None
) -> Response:
    url = f"{root_url(state, request)}/api/v1/open/schemas/consumption.schema.json"
    return public_response(orjson.dumps(consumption_schema(url)), "application/json", if_none_match)


@router.get(
    "/schemas/sensors.schema.json",
    summary="Table Schema of sensors.csv",
    response_class=Response,
    responses=SCHEMA_RESPONSES,
)
def sensors_table_schema(request: Request, state: StateDep, if_none_match: IfNoneMatch = None) -> Response:
    url = f"{root_url(state, request)}/api/v1/open/schemas/sensors.schema.json"
    return public_response(orjson.dumps(sensors_schema(url)), "application/json", if_none_match)


@router.get(
    "/{tenant}/sites.geojson",
    summary="Open sites as GeoJSON",
    response_class=Response,
    responses={
        200: {"content": {"application/geo+json": {"schema": {"type": "object"}}}},
        **NOT_MODIFIED,
    },
)
def sites_geojson(state: StateDep, tenant: str, if_none_match: IfNoneMatch = None) -> Response:
    sites = opendata.publishable_sites(
        state.registry, find_tenant(state, tenant), state.settings.open_data_min_group
    )
    return public_response(orjson.dumps(opendata.geojson(sites)), "application/geo+json", if_none_match)


def _rows(
    state: AppState, tenant: str, quantity: str | None, start: str | None, end: str | None
) -> tuple[list[opendata.OpenRow], str]:
    """The rows asked for, and a file name that says whose and which days."""
    settings = state.settings
    first, last = open_days(start, end, settings.timezone, datetime.now(UTC))
    publisher = find_tenant(state, tenant)
    sites = opendata.publishable_sites(state.registry, publisher, settings.open_data_min_group)
    # At least a series per site, counted before reading anything; then the quantities measured.
    opendata.check_size(sites, 1, first, last)
    quantities = [quantity] if quantity else opendata.published_quantities(state.store, sites)
    opendata.check_size(sites, len(quantities), first, last)
    rows = opendata.daily_rows(state.store, sites, quantities, first, last, settings.timezone)
    # the days it holds, the last one included
    days = f"{first.date().isoformat()}_{max(first.date(), (last - timedelta(days=1)).date()).isoformat()}"
    return rows, f"{publisher.slug}-consommations-{days}"


@router.get(
    "/{tenant}/consumption.csv",
    response_class=Response,
    summary="Daily consumption of the published sites, CSV",
    description="Columns and types: the Table Schema at /api/v1/open/schemas/consumption.schema.json.",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **NOT_MODIFIED},
)
def consumption_csv(
    state: StateDep,
    tenant: str,
    quantity: Quantity = None,
    start: Start = None,
    end: End = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    rows, name = _rows(state, tenant, quantity, start, end)
    body = opendata.to_csv(rows).encode()
    return public_response(body, "text/csv; charset=utf-8", if_none_match, filename=f"{name}.csv")


class OpenConsumptionRow(BaseModel):
    """One site, day and quantity: the columns of consumption.csv."""

    code_site: str = Field(description="the site's stable code (as in sites.geojson)")
    site: str
    usage: str
    jour: str = Field(description="YYYY-MM-DD, a whole day of the town's calendar")
    grandeur: OpenQuantity
    unite: str
    consommation: float


@router.get(
    "/{tenant}/consumption.json",
    summary="Daily consumption of the published sites, JSON",
    response_model=list[OpenConsumptionRow],
    responses={**NOT_MODIFIED},
)
def consumption_json(
    state: StateDep,
    tenant: str,
    quantity: Quantity = None,
    start: Start = None,
    end: End = None,
    if_none_match: IfNoneMatch = None,
) -> Response:
    rows, _ = _rows(state, tenant, quantity, start, end)
    body = orjson.dumps([r.document() for r in rows])
    return public_response(body, "application/json", if_none_match)
