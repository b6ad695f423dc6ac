"""The public register of a tenant's sensors (data charter): what, where, why, who, since when.

Public and without a key, like the rest of the open data, but about the sensors rather than
their data: every device of the tenant is listed, also on sites whose data is not open, so that
residents know what is measured around them. Never a key, a device's name (it may name a
dwelling or a person) or a measurement.
"""

from __future__ import annotations

from datetime import date

import orjson
from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from api.deps import AppState, StateDep
from api.open_http import NOT_MODIFIED, IfNoneMatch, find_tenant, public_response
from decoders import MODELS
from domain.consumption.open_schemas import LICENCE_NAME, LICENCE_URL, SENSOR_COLUMNS
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
    sensors: list[SensorPublic]


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


def register(state: AppState, slug: str) -> SensorRegister:
    tenant = find_tenant(state, slug)
    sites = {s.id: s for s in state.registry.list_sites(tenant.id)}
    devices = state.registry.list_devices(tenant.id, limit=1_000_000)
    return SensorRegister(
        publisher=tenant.name,
        licence=LICENCE_NAME,
        licence_url=LICENCE_URL,
        sensors=[_sensor(d, sites.get(d.site_id or 0), tenant) for d in devices],
    )


@router.get(
    "/{tenant}/sensors.json",
    summary="Public register of the tenant's sensors, JSON",
    response_model=SensorRegister,
    responses={**NOT_MODIFIED},
)
def sensors_json(state: StateDep, tenant: str, if_none_match: IfNoneMatch = None) -> Response:
    body = orjson.dumps(register(state, tenant).model_dump(mode="json"))
    return public_response(body, "application/json", if_none_match)


@router.get(
    "/{tenant}/sensors.csv",
    response_class=Response,
    summary="Public register of the tenant's sensors, CSV",
    description="Columns and types: the Table Schema at /api/v1/open/schemas/sensors.schema.json.",
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}, **NOT_MODIFIED},
)
def sensors_csv(state: StateDep, tenant: str, if_none_match: IfNoneMatch = None) -> Response:
    rows = (
        [";".join(s.quantities) if k == "quantities" else getattr(s, k) for k in SENSOR_COLUMNS]
        for s in register(state, tenant).sensors
    )
    body = write_csv(SENSOR_COLUMNS, rows).encode()
    return public_response(body, "text/csv; charset=utf-8", if_none_match, filename=f"{tenant}-capteurs.csv")
