"""Sites (buildings): list, create, change, remove, and their consumption summed over their devices."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.deps import AppState, Id, KeyDep, OperatorKey, StateDep, check_visible, tenant_scope, visible_site
from api.http_cache import cached_body, json_response
from api.problems import Problem
from api.routers.devices import Limit, Offset
from api.schemas import Page, SiteCreate, SitePublic, SiteUpdate
from domain.consumption.analytics import (
    ConsumptionSeries,
    consumption,
    consumption_json,
    pick_quantity,
    time_range,
)
from registry import ApiKey, Site
from registry.changes import delete_site, update_site
from registry.provisioning import slugify
from store import Window

router = APIRouter(prefix="/api/v1/sites", tags=["sites"])


def _public(site: Site, devices: int) -> SitePublic:
    return SitePublic(
        id=site.id,
        tenant_id=site.tenant_id,
        slug=site.slug,
        name=site.name,
        address=site.address,
        latitude=site.latitude,
        longitude=site.longitude,
        floor_area_m2=site.floor_area_m2,
        use=site.use,
        open_data=site.open_data,
        devices=devices,
    )


@router.get("", summary="List sites")
def list_sites(state: StateDep, key: KeyDep, offset: Offset = 0, limit: Limit = 100) -> Page[SitePublic]:
    scope = tenant_scope(key)
    sites = state.registry.list_sites(scope)
    page = sites[offset : offset + limit]
    counts = Counter(d.site_id for d in state.registry.list_devices(scope, limit=1_000_000))  # one query
    return Page(
        items=[_public(s, counts[s.id]) for s in page],
        offset=offset,
        limit=limit,
        total=len(sites),
    )


@router.post("", status_code=201, summary="Create or update a site")
def create_site(state: StateDep, key: OperatorKey, body: SiteCreate) -> SitePublic:
    attrs = body.model_dump(exclude={"name"}, exclude_none=True)
    site = state.registry.ensure_site(key.tenant_id, slugify(body.name), body.name, **attrs)
    return _public(site, len(state.registry.list_devices(site_id=site.id)))


@router.patch("/{site_id}", summary="Change a site (its tenant: the network owner's admin)")
def change_site(state: StateDep, key: OperatorKey, site_id: Id, body: SiteUpdate) -> SitePublic:
    site = visible_site(state, key, site_id)
    values = body.model_dump(exclude_unset=True)
    for required in ("name", "open_data", "tenant_id"):
        if required in values and values[required] is None:
            raise Problem(422, "Invalid change", f"{required} cannot be cleared")
    if values.get("tenant_id", site.tenant_id) != site.tenant_id and not key.sees_all_tenants:
        raise Problem(403, "Forbidden", "only the network owner's admin moves a site to another tenant")
    changed = update_site(state.registry, site.id, values, actor=key.prefix)
    return _public(changed, len(state.registry.list_devices(site_id=site.id, limit=100_000)))


@router.delete(
    "/{site_id}",
    status_code=204,
    summary="Remove a site that no device refers to (409 otherwise: move or remove them first)",
)
def remove_site(state: StateDep, key: OperatorKey, site_id: Id) -> Response:
    site = visible_site(state, key, site_id)
    delete_site(state.registry, site.id, actor=key.prefix)
    return Response(status_code=204)


@router.get("/{site_id}", summary="One site")
def get_site(state: StateDep, key: KeyDep, site_id: Id) -> SitePublic:
    site = visible_site(state, key, site_id)
    return _public(site, len(state.registry.list_devices(site_id=site.id)))


@router.get(
    "/{site_id}/consumption",
    summary="Consumption of a site per window, over all its meters",
    response_model=ConsumptionSeries,
    responses={304: {"description": "Not modified: the series the client holds (`If-None-Match`)"}},
)
async def site_consumption(
    state: StateDep,
    key: KeyDep,
    site_id: Id,
    quantity: str | None = None,
    window: Window = Window.DAY,
    start: datetime | None = None,
    end: datetime | None = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    # The hot path of dashboards: a series written in the last seconds comes from this process's
    # cache (api.http_cache) once the key and the site's tenant are checked; otherwise one trip
    # to the thread pool for the registry and store reads, and the ConsumptionSeries document
    # written by orjson from plain values (no models).
    cache = state.series
    request = (site_id, quantity, window, start, end)
    if cache is not None:
        site = state.reads.cached_site(site_id)
        if site is None:
            await run_in_threadpool(visible_site, state, key, site_id)
        else:
            check_visible(key, site)
        found = cache.get(request)
        if found is not None:
            return json_response(found, if_none_match, hit=True)
    generation = cache.generation if cache is not None else 0
    body = await run_in_threadpool(_site_consumption, state, key, site_id, quantity, window, start, end)
    found = cached_body(body)
    if cache is not None:
        cache.put(request, found, generation)
    return json_response(found, if_none_match, hit=False)


def _site_consumption(
    state: AppState,
    key: ApiKey,
    site_id: int,
    quantity: str | None,
    window: Window,
    start: datetime | None,
    end: datetime | None,
) -> bytes:
    site = visible_site(state, key, site_id)
    start, end = time_range(window, start, end)
    devices = state.reads.site_devices(site.id)
    quantity = pick_quantity(state.store, devices, quantity, f"site {site.name}")
    tz = state.settings.timezone
    return consumption_json(state.store, devices, quantity, window, start, end, tz)


class MeteringPoint(BaseModel):
    """What is measured where (the school's main water supply): its history spans device changes."""

    name: str
    devices: list[str]


@router.get("/{site_id}/points", summary="Metering points of a site and the devices that served them")
def list_points(state: StateDep, key: KeyDep, site_id: Id) -> list[MeteringPoint]:
    site = visible_site(state, key, site_id)
    points: dict[str, list[str]] = {}
    for device in state.registry.list_devices(site_id=site.id, limit=100_000):
        if device.metering_point:
            points.setdefault(device.metering_point, []).append(device.dev_eui)
    return [MeteringPoint(name=name, devices=sorted(euis)) for name, euis in sorted(points.items())]


@router.get(
    "/{site_id}/points/{point}/consumption", summary="Consumption of a metering point, across its devices"
)
def point_consumption(
    state: StateDep,
    key: KeyDep,
    site_id: Id,
    point: str,
    quantity: str | None = None,
    window: Window = Window.DAY,
    start: datetime | None = None,
    end: datetime | None = None,
) -> ConsumptionSeries:
    site = visible_site(state, key, site_id)
    start, end = time_range(window, start, end)
    devices = [
        d for d in state.registry.list_devices(site_id=site.id, limit=100_000) if d.metering_point == point
    ]
    if not devices:
        raise Problem(404, "Not found", f"no metering point {point!r} at {site.name}")
    # A replaced radio device stays on the point: its readings and the new one's add up in time.
    quantity = pick_quantity(state.store, devices, quantity, f"metering point {point}")
    return consumption(state.store, devices, quantity, window, start, end, state.settings.timezone)
