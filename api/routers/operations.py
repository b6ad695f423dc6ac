"""Operations: decoder models, the quarantine of unknown devices, dead letters and failed uplinks."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AdminKey, KeyDep, OperatorKey, StateDep, tenant_scope
from api.routers.devices import Limit, Offset, uplink_public
from api.schemas import DeadLetterPublic, ModelPublic, Page, QuarantinePublic, UplinkPublic
from decoders import MODELS

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


@router.get("/quarantine", summary="Devices heard but not provisioned")
def quarantine(
    state: StateDep, _key: OperatorKey, offset: Offset = 0, limit: Limit = 100
) -> Page[QuarantinePublic]:
    entries = state.archive.quarantine(offset=offset, limit=limit)
    return Page(
        items=[
            QuarantinePublic(
                dev_eui=e.dev_eui,
                first_seen=e.first_seen,
                last_seen=e.last_seen,
                uplinks=e.uplinks,
                last_f_port=e.last_f_port,
            )
            for e in entries
        ],
        offset=offset,
        limit=limit,
    )


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
