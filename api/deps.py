"""``Annotated`` dependencies that read the app state built by the lifespan, and API-key auth."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from api.http_cache import CachedBody, result_cache
from api.problems import Problem
from api.read_cache import RegistryReads, TtlCache
from domain.alerts import AlertBook, ThresholdBook
from domain.climate.reports import ClimateReports
from domain.climate.weather import WeatherBook
from domain.costs.tariffs import TariffBook
from ingest.archive import Archive
from kernel.settings import Settings
from registry import ApiKey, Device, Registry, Role, Site
from registry.errors import NotFound
from store import Store


@dataclass
class AppState:
    """What a process opens once (``releve.services``) and every request uses: the stores and the
    domain's services, built once, never per request."""

    settings: Settings
    registry: Registry
    archive: Archive
    store: Store
    tariffs: TariffBook
    alerts: AlertBook
    weather: WeatherBook
    thresholds: ThresholdBook
    climate: ClimateReports
    # The key, site and device reads of the hot paths, cached a few seconds (api.read_cache).
    reads: RegistryReads = field(init=False)
    # Consumption series this process wrote, a few seconds (api.http_cache); None when off.
    series: TtlCache[CachedBody] | None = field(init=False)

    def __post_init__(self) -> None:
        self.reads = RegistryReads(self.registry)
        self.series = result_cache(self.settings.api_cache_ttl_s)

    def forget(self) -> None:
        """Empty the read caches (after a write through the API)."""
        self.reads.forget()
        if self.series is not None:
            self.series.clear()


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.releve
    return state


StateDep = Annotated[AppState, Depends(get_state)]

# Database ids: positive and within what every backend stores (SQLite's INTEGER is 64-bit).
Id = Annotated[int, Path(ge=1, le=2**53)]
IdQuery = Annotated[int | None, Query(ge=1, le=2**53)]

_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer rlv_...`")
_header = APIKeyHeader(name="X-API-Key", auto_error=False)


async def current_key(
    request: Request,
    state: StateDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    header: Annotated[str | None, Depends(_header)],
) -> ApiKey:
    # Async, so that a key seen in the last seconds costs no trip to the thread pool.
    token = bearer.credentials if bearer else header
    if not token:
        raise Problem(401, "Unauthorized", "an API key is required (Authorization: Bearer <key>)")
    key = state.reads.cached_key(token)
    if key is None:
        key = await run_in_threadpool(state.reads.authenticate, token)
    if key is None:
        raise Problem(401, "Unauthorized", "unknown or revoked API key")
    request.state.api_key = key  # for the usage counter (api.usage_counting)
    return key


KeyDep = Annotated[ApiKey, Depends(current_key)]


def require(role: Role) -> object:
    """A dependency that admits keys of ``role`` or higher."""

    async def check(key: KeyDep) -> ApiKey:
        if not key.role.allows(role):
            raise Problem(403, "Forbidden", f"this needs the {role.value} role; your key is {key.role.value}")
        return key

    return Depends(check)


TechnicianKey = Annotated[ApiKey, require(Role.TECHNICIAN)]
OperatorKey = Annotated[ApiKey, require(Role.OPERATOR)]
AdminKey = Annotated[ApiKey, require(Role.ADMIN)]


def tenant_scope(key: ApiKey) -> int | None:
    """The tenant a key is confined to, or None for the network owner's admin."""
    return None if key.sees_all_tenants else key.tenant_id


def visible_device(state: AppState, key: ApiKey, dev_eui: str) -> Device:
    """The device if this key may see it; 404 otherwise (never reveal other tenants' devices)."""
    device = state.registry.find_device(dev_eui)
    scope = tenant_scope(key)
    if device is None or (scope is not None and device.tenant_id != scope):
        raise Problem(404, "Not found", f"device {dev_eui} not found")
    return device


def visible_site(state: AppState, key: ApiKey, site_id: int) -> Site:
    try:
        site = state.reads.get_site(site_id)
    except NotFound as exc:
        raise Problem(404, "Not found", f"site {site_id} not found") from exc
    return check_visible(key, site)


def check_visible(key: ApiKey, site: Site) -> Site:
    """The site if this key may see it; 404 otherwise (never reveal other tenants' sites)."""
    scope = tenant_scope(key)
    if scope is not None and site.tenant_id != scope:
        raise Problem(404, "Not found", f"site {site.id} not found")
    return site
