"""Public, unauthenticated open data: only what a tenant marked open, aggregated and redacted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse

from api.deps import StateDep
from api.problems import Problem
from domain.consumption import opendata
from domain.consumption.analytics import time_range
from domain.consumption.bounds import check_windows
from registry import Tenant
from store import Window

router = APIRouter(prefix="/api/v1/open", tags=["open data"])


def _tenant(state: StateDep, slug: str) -> Tenant:
    for tenant in state.registry.list_tenants():
        if tenant.slug == slug:
            return tenant
    raise Problem(404, "Not found", f"no publisher {slug!r}")


@router.get("/catalog", summary="DCAT catalog of every publisher's open datasets")
def catalog(state: StateDep, request: Request) -> list[dict[str, Any]]:
    base = str(request.base_url).rstrip("/")
    return [opendata.catalog(t, base) for t in state.registry.list_tenants()]


@router.get(
    "/{tenant}/sites.geojson",
    summary="Open sites as GeoJSON",
    response_class=JSONResponse,
    responses={200: {"content": {"application/geo+json": {"schema": {"type": "object"}}}}},
)
def sites_geojson(state: StateDep, tenant: str) -> JSONResponse:
    sites = opendata.publishable_sites(
        state.registry, _tenant(state, tenant), state.settings.open_data_min_group
    )
    return JSONResponse(opendata.geojson(sites), media_type="application/geo+json")


def _rows(
    state: StateDep, tenant: str, quantity: str, start: datetime | None, end: datetime | None
) -> list[opendata.OpenRow]:
    start, end = time_range(Window.DAY, start, end)
    sites = opendata.publishable_sites(
        state.registry, _tenant(state, tenant), state.settings.open_data_min_group
    )
    check_windows(Window.DAY, start, end, series=len(sites))
    try:
        return opendata.daily_rows(state.store, sites, quantity, start, end, state.settings.timezone)
    except ValueError as exc:
        raise Problem(422, "Invalid quantity", str(exc)) from None


@router.get(
    "/{tenant}/consumption.csv",
    response_class=PlainTextResponse,
    summary="Daily consumption, CSV",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def consumption_csv(
    state: StateDep,
    tenant: str,
    quantity: str = "water_volume",
    start: datetime | None = None,
    end: datetime | None = None,
) -> PlainTextResponse:
    return PlainTextResponse(
        opendata.to_csv(_rows(state, tenant, quantity, start, end)), media_type="text/csv"
    )


@router.get("/{tenant}/consumption.json", summary="Daily consumption, JSON")
def consumption_json(
    state: StateDep,
    tenant: str,
    quantity: str = "water_volume",
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[dict[str, Any]]:
    return [
        {
            "site": r.site,
            "usage": r.use,
            "jour": r.day,
            "grandeur": r.quantity,
            "unite": r.unit,
            "consommation": r.consumption,
        }
        for r in _rows(state, tenant, quantity, start, end)
    ]
