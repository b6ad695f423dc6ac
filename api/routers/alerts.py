"""Alerts: the list (open, closed), one with its evidence, acknowledgement."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import Id, IdQuery, KeyDep, StateDep, TechnicianKey, tenant_scope
from api.problems import Problem
from api.routers.devices import Limit, Offset
from api.schemas import Page
from domain.alerts import Alert
from registry.errors import NotFound

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])


class AlertPublic(BaseModel):
    id: int
    kind: str
    message: str
    site_id: int | None
    dev_eui: str | None
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    evidence: dict[str, Any]


def _public(row: Alert) -> AlertPublic:
    return AlertPublic(
        id=row.id,
        kind=row.kind,
        message=row.message,
        site_id=row.site_id,
        dev_eui=row.dev_eui,
        started_at=row.started_at,
        updated_at=row.updated_at,
        ended_at=row.ended_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        evidence=row.evidence,
    )


@router.get("", summary="Alerts, newest first")
def list_alerts(
    state: StateDep,
    key: KeyDep,
    status: Literal["open", "closed", "all"] = "open",
    site_id: IdQuery = None,
    offset: Offset = 0,
    limit: Limit = 100,
) -> Page[AlertPublic]:
    rows = state.alerts.list(tenant_scope(key), status=status, site_id=site_id, offset=offset, limit=limit)
    return Page(items=[_public(r) for r in rows], offset=offset, limit=limit)


def _visible(state: StateDep, key: KeyDep, alert_id: int) -> Alert:
    try:
        row = state.alerts.get(alert_id)
    except NotFound as exc:
        raise Problem(404, "Not found", f"alert {alert_id} not found") from exc
    scope = tenant_scope(key)
    if scope is not None and row.tenant_id != scope:
        raise Problem(404, "Not found", f"alert {alert_id} not found")
    return row


@router.get("/{alert_id}", summary="One alert with its evidence")
def get_alert(state: StateDep, key: KeyDep, alert_id: Id) -> AlertPublic:
    return _public(_visible(state, key, alert_id))


@router.post("/{alert_id}/acknowledge", summary="Acknowledge an alert (someone is on it)")
def acknowledge(state: StateDep, key: TechnicianKey, alert_id: Id) -> AlertPublic:
    _visible(state, key, alert_id)
    state.alerts.acknowledge(alert_id, (key.name or key.prefix)[:64], datetime.now(UTC))  # its column's size
    return _public(state.alerts.get(alert_id))
