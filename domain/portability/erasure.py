"""Erasure of a device's data on request (data charter), leaving an entry in the audit log.

The device stays provisioned; what it measured goes: its readings, hourly rollups and latest
values in the store, its raw uplinks in the archive, its alarms and link health.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete

from registry import Device, Registry, audit, schema, store_edits
from registry.audit import AuditEntry
from registry.changes import DEVICE_FIELDS, delete_device_row
from registry.errors import database_errors
from store import StoreWriter


def erase_device_data(
    engine: Engine, store: StoreWriter, device: Device, *, actor: str, note: str = ""
) -> AuditEntry:
    """Erase everything measured by ``device``; returns the audit entry with the counts."""
    with store_edits.editing(engine):
        readings = store.erase(device.dev_eui)
    with database_errors("erasure"), engine.begin() as conn:
        # processed uplinks through the device's index, pending ones through the state's
        of_device = schema.uplinks.c.dev_eui == device.dev_eui
        uplinks = sum(
            int(conn.execute(delete(schema.uplinks).where(of_device, which)).rowcount)
            for which in schema.BY_DEVICE
        )
        # its frames' turn-of-the-hour keys (registry.archive_keys), which name the device
        edges = schema.uplink_edges.c.edge_key
        conn.execute(delete(schema.uplink_edges).where(edges.like(f"%/{device.dev_eui}/%")))
        alarms = conn.execute(delete(schema.alarms).where(schema.alarms.c.dev_eui == device.dev_eui))
        conn.execute(delete(schema.device_link).where(schema.device_link.c.dev_eui == device.dev_eui))
    return audit.record(
        engine,
        actor=actor,
        tenant_id=device.tenant_id,
        action="erase_device_data",
        target=device.dev_eui,
        counts={"readings": readings, "uplinks": uplinks, "alarms": int(alarms.rowcount)},
        note=note,
    )


def delete_device(
    registry: Registry, store: StoreWriter, device: Device, *, actor: str, note: str = ""
) -> AuditEntry:
    """Remove a device and everything it measured (a test device, one installed by mistake): its
    data erased as above, then its registry row, meter replacements and alerts; two audit entries,
    the erasure's counts and the device's fields as they were. To keep its history, decommission
    it instead (``registry.changes.update_device`` with status ``decommissioned``)."""
    entry = erase_device_data(registry.engine, store, device, actor=actor, note=note)
    delete_device_row(registry, device)
    fields = {k: getattr(device, k) for k in DEVICE_FIELDS}
    audit.record(
        registry.engine,
        actor=actor,
        tenant_id=device.tenant_id,
        action="delete_device",
        target=device.dev_eui,
        counts=entry.counts,
        note=note,
        changes={k: (v, None) for k, v in fields.items() if v not in (None, {})},
    )
    return entry
