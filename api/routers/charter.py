"""The public register of a tenant's sensors (data charter): what, where, why, who, since when.

Public and without a key, like the rest of the open data, but about the sensors rather than
their data: every device of the tenant is listed, also on sites whose data is not open, so that
residents know what is measured around them. Never a key, a device's name (it may name a
dwelling or a person) or a measurement.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from api.deps import StateDep
from api.problems import Problem
from decoders import MODELS
from domain.consumption.opendata import LICENCE, LICENCE_URL
from kernel.csv_cells import write_csv
from registry import Device, Site, Tenant

router = APIRouter(prefix="/api/v1/open", tags=["open data"])


class SensorPublic(BaseModel):
    dev_eui: str = Field(description="the radio identifier it transmits with (public on the air)")
    model: str = Field(description="TTN Device Repository id")
    model_name: str
    quantities: list[str] = Field(description="what it measures")
    site: str | None = Field(description="the building where it is installed")
    latitude: float | None
    longitude: float | None
    purpose: str | None = Field(description="why it is there")
    operated_by: str = Field(description="who operates it (the tenant unless stated)")
    installed_at: date | None = Field(description="in service since")
    status: str
    data_published: bool = Field(description="whether its site's daily consumption is open data")


class SensorRegister(BaseModel):
    publisher: str
    licence: str
    licence_url: str
    generated_at: datetime
    sensors: list[SensorPublic]


CSV_COLUMNS = (
    "dev_eui",
    "model",
    "model_name",
    "quantities",
    "site",
    "latitude",
    "longitude",
    "purpose",
    "operated_by",
    "installed_at",
    "status",
    "data_published",
)


def _tenant(state: StateDep, slug: str) -> Tenant:
    for tenant in state.registry.list_tenants():
        if tenant.slug == slug:
            return tenant
    raise Problem(404, "Not found", f"no publisher {slug!r}")


def _sensor(device: Device, site: Site | None, tenant: Tenant) -> SensorPublic:
    spec = MODELS.get(device.model)
    quantities = {q.value for q in spec.quantities} if spec else set()
    if device.pulse_quantity:
        quantities.add(device.pulse_quantity)
    return SensorPublic(
        dev_eui=device.dev_eui,
        model=device.model,
        model_name=spec.name if spec else device.model,
        quantities=sorted(quantities),
        site=site.name if site else None,
        latitude=site.latitude if site else None,
        longitude=site.longitude if site else None,
        purpose=device.purpose,
        operated_by=device.operated_by or tenant.name,
        installed_at=device.installed_at,
        status=device.status,
        data_published=bool(site and site.open_data),
    )


def register(state: StateDep, slug: str) -> SensorRegister:
    tenant = _tenant(state, slug)
    sites = {s.id: s for s in state.registry.list_sites(tenant.id)}
    devices = state.registry.list_devices(tenant.id, limit=1_000_000)
    return SensorRegister(
        publisher=tenant.name,
        licence=LICENCE,
        licence_url=LICENCE_URL,
        generated_at=datetime.now(UTC),
        sensors=[_sensor(d, sites.get(d.site_id or 0), tenant) for d in devices],
    )


@router.get("/{tenant}/sensors.json", summary="Public register of the tenant's sensors, JSON")
def sensors_json(state: StateDep, tenant: str) -> SensorRegister:
    return register(state, tenant)


@router.get(
    "/{tenant}/sensors.csv",
    response_class=PlainTextResponse,
    summary="Public register of the tenant's sensors, CSV",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def sensors_csv(state: StateDep, tenant: str) -> PlainTextResponse:
    rows = (
        [";".join(s.quantities) if k == "quantities" else getattr(s, k) for k in CSV_COLUMNS]
        for s in register(state, tenant).sensors
    )
    return PlainTextResponse(write_csv(CSV_COLUMNS, rows), media_type="text/csv")
