"""Portability and sobriety: a tenant's full export, erasure on request, the audit log, usage."""

from __future__ import annotations

import os
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse
from pydantic import AwareDatetime, BaseModel, Field
from starlette.background import BackgroundTask

from api.deps import AdminKey, IdQuery, StateDep, tenant_scope, visible_device
from api.problems import Problem
from api.routers.devices import Limit, Offset
from api.schemas import Page, Printable
from api.usage_counting import flush_now
from domain.consumption.analytics import time_range
from domain.portability.erasure import erase_device_data
from domain.portability.export import export_tenant
from domain.portability.usage import READING_ROW_BYTES, UPLINK_ROW_BYTES, usage
from kernel.fields import NOTE_MAX
from registry import audit
from store import Window

router = APIRouter(prefix="/api/v1", tags=["portability"])


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor: str = Field(description="the prefix of the key that asked, or 'cli'")
    tenant_id: int
    action: str
    target: str
    counts: dict[str, int]
    note: str
    changes: dict[str, list[object]] = Field(
        default_factory=dict, description="a change of the registry: each field, [before, after]"
    )


class TenantUsagePublic(BaseModel):
    tenant_id: int
    slug: str
    devices: int
    uplinks: int = Field(description="distinct uplinks archived in the period (re-deliveries not counted)")
    payload_bytes: int
    readings: int = Field(description="readings stored in the period, from the hourly rollups")
    bytes_stored: int = Field(description="estimate, see bytes_estimate")
    api_requests: int = Field(description="API requests served, counted per key's tenant and open-data path")


class UsageReport(BaseModel):
    start: datetime
    end: datetime
    bytes_estimate: str
    tenants: list[TenantUsagePublic]


@router.get(
    "/export",
    response_class=FileResponse,
    summary="Full export of a tenant (registry, raw archive, readings, rollups) as one archive",
    responses={200: {"content": {"application/gzip": {"schema": {"type": "string", "format": "binary"}}}}},
)
def export(state: StateDep, key: AdminKey, tenant_id: IdQuery = None) -> FileResponse:
    scope = tenant_scope(key)
    wanted = tenant_id or key.tenant_id
    if scope is not None and wanted != scope:
        raise Problem(403, "Forbidden", "only the network owner's admin exports another tenant")
    tenant = next((t for t in state.registry.list_tenants() if t.id == wanted), None)
    if tenant is None:
        raise Problem(404, "Not found", f"tenant {wanted} not found")
    fd, name = tempfile.mkstemp(prefix="releve-export-", suffix=".tar.gz")
    try:
        with os.fdopen(fd, "wb") as out:
            export_tenant(state.registry, state.store, tenant.slug, out)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    day = datetime.now(UTC).strftime("%Y%m%d")
    return FileResponse(
        name,
        media_type="application/gzip",
        filename=f"releve-{tenant.slug}-{day}.tar.gz",
        background=BackgroundTask(Path(name).unlink, missing_ok=True),
    )


@router.delete(
    "/devices/{dev_eui}/data",
    summary="Erase a device's readings, rollups and raw uplinks (on request); leaves an audit entry",
)
def erase(
    state: StateDep,
    key: AdminKey,
    dev_eui: str,
    note: Annotated[
        str, Query(max_length=NOTE_MAX, description="why (e.g. the request's reference)"), Printable
    ] = "",
) -> AuditEntryPublic:
    device = visible_device(state, key, dev_eui.lower())
    entry = erase_device_data(state.registry.engine, state.store, device, actor=key.prefix, note=note)
    return _entry(entry)


def _entry(e: audit.AuditEntry) -> AuditEntryPublic:
    return AuditEntryPublic(
        id=e.id,
        at=e.at,
        actor=e.actor,
        tenant_id=e.tenant_id,
        action=e.action,
        target=e.target,
        counts=e.counts,
        note=e.note,
        changes=e.changes,
    )


@router.get("/audit", summary="The audit log (every change and erasure), newest first")
def audit_log(
    state: StateDep, key: AdminKey, offset: Offset = 0, limit: Limit = 100
) -> Page[AuditEntryPublic]:
    entries, total = audit.entries(state.registry.engine, tenant_scope(key), offset=offset, limit=limit)
    return Page(items=[_entry(e) for e in entries], offset=offset, limit=limit, total=total)


@router.get("/usage", summary="Usage and footprint per tenant: uplinks, readings, bytes, API requests")
def usage_report(
    request: Request,
    state: StateDep,
    key: AdminKey,
    start: AwareDatetime | None = None,
    end: AwareDatetime | None = None,
) -> UsageReport:
    start, end = time_range(Window.DAY, start, end)  # by default the last 31 days
    flush_now(request.app)
    scope = tenant_scope(key)
    rows = usage(state.registry.engine, state.store, start, end, None if scope is None else [scope])
    return UsageReport(
        start=start,
        end=end,
        bytes_estimate=(
            f"raw payload bytes + {UPLINK_ROW_BYTES} bytes per archived uplink + "
            f"{READING_ROW_BYTES} bytes per stored reading (measured on SQLite; see docs/portability.md)"
        ),
        tenants=[TenantUsagePublic(**asdict(r)) for r in rows],
    )
