"""Changes of the registry after provisioning: sites and devices edited, moved, decommissioned,
removed; tenants created and renamed; keys revoked. Each change is checked, applied in one
transaction and recorded in the audit log with each field's value before and after; a change of
a device is announced to the running bridges (``store_edits.devices_changed``).

A device is *decommissioned* (``status``): its history stays (the readings a bill was checked
against, the open data), it raises no silence alert, and what it sends goes to the quarantine
again. Removing a device with its data is an erasure (``domain.portability.erasure``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, select, update

from decoders import MODELS, Quantity
from registry import audit, schema, store_edits
from registry.devices_csv import OPTIONAL
from registry.errors import Conflict, Invalid, NotFound, database_errors
from registry.models import Device, Site, Tenant
from registry.registry import Registry

ACTIVE = "active"
DECOMMISSIONED = "decommissioned"
STATUSES = (ACTIVE, DECOMMISSIONED)

SITE_FIELDS = ("name", "address", "latitude", "longitude", "floor_area_m2", "use", "open_data", "tenant_id")
# What a change may set: a spreadsheet row's fields (``devices_csv.OPTIONAL``), its site, its status.
DEVICE_FIELDS = ("name", "site_id", "model", *OPTIONAL, "status")
# What changes how a device's frames become readings: its failed uplinks are decoded again.
DECODING_FIELDS = ("model", "pulse_quantity", "pulse_weight")


def _diff(before: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    return {k: (before[k], v) for k, v in values.items() if before[k] != v}


def update_site(registry: Registry, site_id: int, values: Mapping[str, Any], *, actor: str) -> Site:
    """Change a site's fields (``SITE_FIELDS``). Moving it to another tenant moves its devices,
    tariffs and alerts with it; the slug stays (links to the site keep working)."""
    unknown = set(values) - set(SITE_FIELDS)
    if unknown:
        raise Invalid(f"not a site field: {', '.join(sorted(unknown))}")
    site = registry.get_site(site_id)
    changes = _diff(asdict(site), values)
    if not changes:
        return site
    tenant = changes.get("tenant_id")
    with database_errors("site change"), registry.engine.begin() as conn:
        if tenant is not None:
            t = conn.execute(select(schema.tenants.c.id).where(schema.tenants.c.id == tenant[1])).first()
            if t is None:
                raise Invalid(f"tenant {tenant[1]} not found")
            same = conn.execute(
                select(schema.sites.c.id).where(
                    schema.sites.c.tenant_id == tenant[1], schema.sites.c.slug == site.slug
                )
            ).first()
            if same is not None:
                raise Conflict(f"tenant {tenant[1]} has a site {site.slug!r} already")
            for table in (schema.devices, schema.tariffs, schema.alerts):
                conn.execute(update(table).where(table.c.site_id == site_id).values(tenant_id=tenant[1]))
        conn.execute(
            update(schema.sites)
            .where(schema.sites.c.id == site_id)
            .values(**{k: after for k, (_, after) in changes.items()})
        )
    audit.record(
        registry.engine,
        actor=actor,
        tenant_id=site.tenant_id,
        action="update_site",
        target=f"site {site.id}",
        counts={},
        changes=changes,
    )
    if tenant is not None:
        store_edits.devices_changed(registry.engine)
    return registry.get_site(site_id)


def delete_site(registry: Registry, site_id: int, *, actor: str) -> Site:
    """Remove a site that no device refers to (a decommissioned one keeps it: its history is the
    site's); its tariffs, weather source and thresholds go with it, its past alerts stay."""
    site = registry.get_site(site_id)
    with database_errors("site removal"), registry.engine.begin() as conn:
        held = conn.execute(
            select(schema.devices.c.dev_eui).where(schema.devices.c.site_id == site_id).limit(1)
        ).first()
        if held is not None:
            count = len(registry.list_devices(site_id=site_id, limit=100_000))
            raise Conflict(f"site {site.name!r} still has {count} device(s): move or remove them first")
        for table in (schema.tariffs, schema.site_weather, schema.site_thresholds):
            conn.execute(delete(table).where(table.c.site_id == site_id))
        conn.execute(update(schema.alerts).where(schema.alerts.c.site_id == site_id).values(site_id=None))
        conn.execute(delete(schema.sites).where(schema.sites.c.id == site_id))
    audit.record(
        registry.engine,
        actor=actor,
        tenant_id=site.tenant_id,
        action="delete_site",
        target=f"site {site.id}",
        counts={},
        changes={k: (v, None) for k, v in asdict(site).items() if v not in (None, False)},
    )
    return site


def check_device(device: Device) -> None:
    """The rules every device meets, whatever path changed it (those of a CSV row)."""
    if device.model not in MODELS:
        raise Invalid(f"unknown model {device.model!r}")
    if device.pulse_quantity is not None and device.pulse_quantity not in {q.value for q in Quantity}:
        raise Invalid(f"unknown quantity {device.pulse_quantity!r}")
    if (device.pulse_quantity is None) != (device.pulse_weight is None):
        raise Invalid("pulse_quantity and pulse_weight go together")
    if device.status not in STATUSES:
        raise Invalid(f"status is one of {', '.join(STATUSES)}")


def update_device(registry: Registry, dev_eui: str, values: Mapping[str, Any], *, actor: str) -> Device:
    """Change a device's fields (``DEVICE_FIELDS``; its site within its tenant). A change of how
    its frames are decoded (model, pulse quantity or weight) returns its failed uplinks to
    processing; decommissioning sends what it sends next to the quarantine."""
    unknown = set(values) - set(DEVICE_FIELDS)
    if unknown:
        raise Invalid(f"not a device field: {', '.join(sorted(unknown))}")
    device = registry.get_device(dev_eui)
    before = {k: getattr(device, k) for k in DEVICE_FIELDS}
    changes = _diff(before, values)
    if not changes:
        return device
    after = replace(device, **{k: new for k, (_, new) in changes.items()})
    check_device(after)
    if "site_id" in changes and after.site_id is not None:
        site = registry.get_site(after.site_id)
        if site.tenant_id != device.tenant_id:
            raise NotFound(f"site {after.site_id} not found")
    with database_errors("device change"), registry.engine.begin() as conn:
        conn.execute(
            update(schema.devices)
            .where(schema.devices.c.dev_eui == dev_eui)
            .values(**{k: new for k, (_, new) in changes.items()})
        )
        if any(k in changes for k in DECODING_FIELDS) and after.status == ACTIVE:
            retry_failed(conn, dev_eui)
        if changes.get("status", (None, None))[1] == ACTIVE:
            conn.execute(
                update(schema.uplinks)
                .where(
                    schema.uplinks.c.dev_eui == dev_eui,
                    schema.uplinks.c.state == "unknown_device",
                    schema.PROCESSED,
                )
                .values(state="pending", error=None)
            )
    record_device(registry, actor, device, "update_device", changes)
    store_edits.devices_changed(registry.engine)
    return registry.get_device(dev_eui)


def retry_failed(conn: Any, dev_eui: str) -> int:
    """Return a device's failed uplinks to processing (its model or pulse weight was fixed)."""
    result = conn.execute(
        update(schema.uplinks)
        .where(schema.uplinks.c.dev_eui == dev_eui, schema.uplinks.c.state == "failed", schema.PROCESSED)
        .values(state="pending", error=None)
    )
    return int(result.rowcount)


def record_device(
    registry: Registry, actor: str, device: Device, action: str, changes: Mapping[str, tuple[Any, Any]]
) -> None:
    audit.record(
        registry.engine,
        actor=actor,
        tenant_id=device.tenant_id,
        action=action,
        target=device.dev_eui,
        counts={},
        changes=changes,
    )


def rotate_app_skey(registry: Registry, device: Device, wrapped: bytes, *, actor: str) -> None:
    """Store a device's new AppSKey (already wrapped; a key rotated on the network server): the
    frames it receives from now on are read with it (those already read keep their readings)."""
    registry.set_app_skey(device.dev_eui, wrapped)
    # The key itself is written nowhere but its wrapped column: the entry says that it changed.
    before = "(a key)" if device.app_skey_wrapped is not None else None
    record_device(registry, actor, device, "rotate_app_skey", {"app_skey": (before, "(a new key)")})
    store_edits.devices_changed(registry.engine)


def delete_device_row(registry: Registry, device: Device) -> None:
    """Remove a device from the registry with its meter replacements and alerts (its measured data
    is erased first, by ``domain.portability.erasure.delete_device``)."""
    with database_errors("device removal"), registry.engine.begin() as conn:
        for table in (schema.meter_replacements, schema.alerts):
            conn.execute(delete(table).where(table.c.dev_eui == device.dev_eui))
        conn.execute(
            update(schema.site_weather)
            .where(schema.site_weather.c.dev_eui == device.dev_eui)
            .values(dev_eui=None)
        )
        conn.execute(delete(schema.devices).where(schema.devices.c.dev_eui == device.dev_eui))
    store_edits.devices_changed(registry.engine)


# -- tenants ---------------------------------------------------------------------------------------
def create_tenant(registry: Registry, slug: str, name: str, *, actor: str, actor_tenant: int) -> Tenant:
    existing = {t.slug for t in registry.list_tenants()}
    if slug in existing:
        raise Conflict(f"tenant {slug!r} exists already")
    tenant = registry.ensure_tenant(slug, name)
    audit.record(
        registry.engine,
        actor=actor,
        tenant_id=actor_tenant,
        action="create_tenant",
        target=f"tenant {tenant.slug}",
        counts={},
        changes={"slug": (None, slug), "name": (None, name)},
    )
    return tenant


def rename_tenant(registry: Registry, tenant_id: int, name: str, *, actor: str) -> Tenant:
    tenant = next((t for t in registry.list_tenants() if t.id == tenant_id), None)
    if tenant is None:
        raise NotFound(f"tenant {tenant_id} not found")
    if tenant.name == name:
        return tenant
    with database_errors("tenant change"), registry.engine.begin() as conn:
        conn.execute(update(schema.tenants).where(schema.tenants.c.id == tenant_id).values(name=name))
    audit.record(
        registry.engine,
        actor=actor,
        tenant_id=tenant_id,
        action="rename_tenant",
        target=f"tenant {tenant.slug}",
        counts={},
        changes={"name": (tenant.name, name)},
    )
    return replace(tenant, name=name)


def revoke_key(registry: Registry, prefix: str, tenant_id: int, *, actor: str) -> None:
    registry.revoke_key(prefix)
    audit.record(
        registry.engine,
        actor=actor,
        tenant_id=tenant_id,
        action="revoke_key",
        target=f"key {prefix}",
        counts={},
    )


# -- devices heard but not ours --------------------------------------------------------------------
def ignore_device(registry: Registry, dev_eui: str, *, actor: str, tenant_id: int, note: str = "") -> None:
    """Leave an unprovisioned device's uplinks undecoded and out of the quarantine's list (kept in
    the archive; ``unignore_device`` lifts it, provisioning it too)."""
    if registry.find_device(dev_eui) is not None:
        raise Conflict(f"device {dev_eui} is provisioned: decommission it instead")
    with database_errors("ignoring a device"), registry.engine.begin() as conn:
        t = schema.ignored_devices
        if conn.execute(select(t.c.dev_eui).where(t.c.dev_eui == dev_eui)).first() is not None:
            return
        conn.execute(
            insert(t).values(dev_eui=dev_eui, ignored_at=datetime.now(UTC), actor=actor[:64], note=note[:500])
        )
    audit.record(
        registry.engine,
        actor=actor,
        tenant_id=tenant_id,
        action="ignore_device",
        target=dev_eui,
        counts={},
        note=note,
    )


def unignore_device(registry: Registry, dev_eui: str, *, actor: str, tenant_id: int) -> bool:
    """Lift an ignore; whether there was one."""
    with database_errors("lifting an ignore"), registry.engine.begin() as conn:
        t = schema.ignored_devices
        done = conn.execute(delete(t).where(t.c.dev_eui == dev_eui)).rowcount
    if done:
        audit.record(
            registry.engine,
            actor=actor,
            tenant_id=tenant_id,
            action="unignore_device",
            target=dev_eui,
            counts={},
        )
    return bool(done)


def ignored_devices(registry: Registry) -> list[tuple[str, datetime, str, str]]:
    """The ignored DevEUIs: (dev_eui, since, who, why), newest first."""
    t = schema.ignored_devices
    with database_errors("reading the ignored devices"), registry.engine.connect() as conn:
        rows = conn.execute(select(t).order_by(t.c.ignored_at.desc())).all()
    return [(r.dev_eui, _utc(r.ignored_at), r.actor, r.note) for r in rows]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
