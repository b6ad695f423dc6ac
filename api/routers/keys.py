"""API keys: who am I, create and revoke (admins)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import AdminKey, KeyDep, StateDep, tenant_scope
from api.problems import Problem
from api.schemas import KeyCreate, KeyCreated, KeyPublic, Page, WhoAmI
from registry import Role, audit
from registry.changes import revoke_key as revoke

router = APIRouter(prefix="/api/v1", tags=["keys"])


@router.get("/me", summary="The calling key's role and tenant")
def whoami(key: KeyDep) -> WhoAmI:
    return WhoAmI(
        prefix=key.prefix, role=key.role.value, tenant_id=key.tenant_id, all_tenants=key.sees_all_tenants
    )


@router.get("/keys", summary="List active keys")
def list_keys(state: StateDep, key: AdminKey) -> Page[KeyPublic]:
    keys = state.registry.list_keys(tenant_scope(key))
    items = [KeyPublic(prefix=k.prefix, role=k.role.value, name=k.name, tenant_id=k.tenant_id) for k in keys]
    return Page(items=items, offset=0, limit=len(items), total=len(items))


@router.post("/keys", status_code=201, summary="Create a key (its token is shown once)")
def create_key(state: StateDep, key: AdminKey, body: KeyCreate) -> KeyCreated:
    tenant_id = body.tenant_id if body.tenant_id is not None else key.tenant_id
    if tenant_id != key.tenant_id and not key.sees_all_tenants:
        raise Problem(403, "Forbidden", "only the network owner's admins create keys for other tenants")
    created, token = state.registry.create_key(tenant_id, Role(body.role), body.name)
    audit.record(
        state.registry.engine,
        actor=key.prefix,
        tenant_id=tenant_id,
        action="create_key",
        target=f"key {created.prefix}",
        counts={},
        changes={"role": (None, created.role.value), "name": (None, created.name)},
    )
    return KeyCreated(
        prefix=created.prefix,
        role=created.role.value,
        name=created.name,
        tenant_id=created.tenant_id,
        token=token,
    )


@router.delete("/keys/{prefix}", status_code=204, summary="Revoke a key")
def revoke_key(state: StateDep, key: AdminKey, prefix: str) -> Response:
    visible = {k.prefix for k in state.registry.list_keys(tenant_scope(key))}
    if prefix not in visible:
        raise Problem(404, "Not found", f"no active key {prefix}")
    owner = next(k.tenant_id for k in state.registry.list_keys(tenant_scope(key)) if k.prefix == prefix)
    revoke(state.registry, prefix, owner, actor=key.prefix)
    state.reads.forget_keys()  # at once in this process; other workers within api.read_cache.KEY_TTL_S
    return Response(status_code=204)
