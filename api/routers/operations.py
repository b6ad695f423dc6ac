"""Operations: decoder models, the quarantine of unknown devices, dead letters and failed uplinks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from api.deps import AdminKey, KeyDep, OperatorKey, StateDep, tenant_scope
from api.problems import Problem
from api.routers.devices import Limit, Offset, uplink_public
from api.schemas import DeadLetterPublic, ModelPublic, Page, Printable, QuarantinePublic, UplinkPublic
from decoders import MODELS
from kernel.fields import NOTE_MAX
from kernel.types import normalize_eui
from registry.changes import ignore_device, unignore_device

router = APIRouter(prefix="/api/v1", tags=["operations"])


@router.get("/models", summary="Supported device models")
def list_models(_key: KeyDep) -> list[ModelPublic]:
    return [
        ModelPublic(
            model_id=spec.model_id,
            name=spec.name,
            ports=sorted(spec.ports),
            quantities=sorted(q.value for q in spec.quantities),
            datasheet=spec.datasheet,
            version=spec.version,
        )
        for spec in MODELS.values()
    ]


@router.get("/quarantine", summary="Devices heard but not provisioned (ignored=true: those ignored)")
def quarantine(
    state: StateDep, _key: OperatorKey, offset: Offset = 0, limit: Limit = 100, ignored: bool = False
) -> Page[QuarantinePublic]:
    entries = state.archive.quarantine(offset=offset, limit=limit, ignored=ignored)
    return Page(
        items=[
            QuarantinePublic(
                dev_eui=e.dev_eui,
                first_seen=e.first_seen,
                last_seen=e.last_seen,
                uplinks=e.uplinks,
                last_f_port=e.last_f_port,
                ports=list(e.ports),
                last_f_cnt=e.last_f_cnt,
                device_name=e.device_name,
                device_profile=e.device_profile,
                ignored=ignored,
            )
            for e in entries
        ],
        offset=offset,
        limit=limit,
    )


def _eui(value: str) -> str:
    try:
        return normalize_eui(value)
    except ValueError as exc:
        raise Problem(422, "Invalid DevEUI", str(exc)) from None


@router.put(
    "/quarantine/{dev_eui}/ignored",
    status_code=204,
    summary="Ignore a device heard (a neighbour's): its uplinks kept, not decoded, out of the list",
)
def ignore(
    state: StateDep,
    key: OperatorKey,
    dev_eui: str,
    note: Annotated[str, Query(max_length=NOTE_MAX), Printable] = "",
) -> Response:
    ignore_device(state.registry, _eui(dev_eui), actor=key.prefix, tenant_id=key.tenant_id, note=note)
    return Response(status_code=204)


@router.delete("/quarantine/{dev_eui}/ignored", status_code=204, summary="Stop ignoring a device heard")
def unignore(state: StateDep, key: OperatorKey, dev_eui: str) -> Response:
    if not unignore_device(state.registry, _eui(dev_eui), actor=key.prefix, tenant_id=key.tenant_id):
        raise Problem(404, "Not found", f"device {dev_eui} is not ignored")
    return Response(status_code=204)


@router.get("/uplinks/failed", summary="Uplinks that failed to decode, with the error")
def failed_uplinks(
    state: StateDep, key: OperatorKey, offset: Offset = 0, limit: Limit = 100
) -> Page[UplinkPublic]:
    scope = tenant_scope(key)
    euis = None if scope is None else [d.dev_eui for d in state.registry.list_devices(scope, limit=1_000_000)]
    rows = state.archive.select(state="failed", dev_euis=euis, offset=offset, limit=limit)
    return Page(items=[uplink_public(*row) for row in rows], offset=offset, limit=limit)


@router.get("/dead-letters", summary="Messages that were not readable uplinks")
def dead_letters(
    state: StateDep, _key: AdminKey, offset: Offset = 0, limit: Limit = 100
) -> Page[DeadLetterPublic]:
    rows = state.archive.dead_letters(offset=offset, limit=limit)
    return Page(
        items=[
            DeadLetterPublic(
                id=r["id"],
                received_at=r["received_at"],
                topic=r["topic"],
                error=r["error"],
                body_preview=bytes(r["body"][:200]).decode("utf-8", errors="replace"),
            )
            for r in rows
        ],
        offset=offset,
        limit=limit,
    )
