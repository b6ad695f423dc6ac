"""Tenants: list (an admin sees its own; the network owner's admin, every one), create and rename."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import AdminKey, Id, StateDep, tenant_scope
from api.problems import Problem
from api.schemas import Page, TenantCreate, TenantPublic, TenantUpdate
from registry import Tenant
from registry.changes import create_tenant, rename_tenant

router = APIRouter(prefix="/api/v1/tenants", tags=["tenants"])


def _public(tenant: Tenant) -> TenantPublic:
    return TenantPublic(id=tenant.id, slug=tenant.slug, name=tenant.name, is_owner=tenant.is_owner)


@router.get("", summary="List tenants (their slugs name them in exports and commands)")
def list_tenants(state: StateDep, key: AdminKey) -> Page[TenantPublic]:
    scope = tenant_scope(key)
    items = [_public(t) for t in state.registry.list_tenants() if scope is None or t.id == scope]
    return Page(items=items, offset=0, limit=len(items), total=len(items))


@router.post("", status_code=201, summary="Create a tenant (the network owner's admin)")
def add_tenant(state: StateDep, key: AdminKey, body: TenantCreate) -> TenantPublic:
    if not key.sees_all_tenants:
        raise Problem(403, "Forbidden", "only the network owner's admin creates tenants")
    tenant = create_tenant(state.registry, body.slug, body.name, actor=key.prefix, actor_tenant=key.tenant_id)
    return _public(tenant)


@router.patch("/{tenant_id}", summary="Rename a tenant (its slug stays)")
def change_tenant(state: StateDep, key: AdminKey, tenant_id: Id, body: TenantUpdate) -> TenantPublic:
    scope = tenant_scope(key)
    if scope is not None and tenant_id != scope:
        raise Problem(404, "Not found", f"tenant {tenant_id} not found")
    return _public(rename_tenant(state.registry, tenant_id, body.name, actor=key.prefix))
