"""Provisioning: devices from the spreadsheet (CSV rows) or from the quarantine, shared by the
API, the page and the CLI.

The spreadsheet is the source of truth: importing it again adds the new rows, updates the devices
whose row changed (each changed field, before and after) and leaves the others as they are, never
duplicating. What would be dangerous is refused with its reason: a DevEUI of another tenant, a
device decommissioned (reactivate it first). Nothing is applied when any row is bad; the dry run
says what would be done, row by row.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Protocol

from registry import Device, Registry, audit, store_edits
from registry.changes import ACTIVE, DECODING_FIELDS, record_device, retry_failed
from registry.devices_csv import OPTIONAL, CsvReport, DeviceRow, RowError
from registry.errors import database_errors
from registry.models import Site
from registry.schema import devices as devices_table
from registry.schema import ignored_devices

# The device fields a spreadsheet row sets (its "site" names the site).
ROW_FIELDS = ("name", "model", *OPTIONAL)


class Quarantine(Protocol):
    """Where the uplinks of devices not provisioned yet wait (the raw archive, ``ingest.archive``)."""

    def release_quarantine(self, dev_eui: str) -> int:
        """Return a newly provisioned device's quarantined uplinks to processing; how many."""
        ...


def slugify(name: str) -> str:
    """A stable, URL-safe id for a site name ("École Jules Ferry" -> "ecole-jules-ferry")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:64] or "site"


@dataclass(frozen=True, slots=True)
class RowPlan:
    """What importing one row does: ``created``, ``updated`` (with each field's value before and
    after) or ``unchanged``; ``new_site`` when its site does not exist yet."""

    line: int
    dev_eui: str
    action: str
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    new_site: bool = False


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What an import did (or would do, in a dry run)."""

    dry_run: bool
    rows: list[RowPlan]
    errors: list[RowError]
    released_uplinks: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action) if self.ok else 0

    @property
    def created(self) -> int:
        return self.count("created")

    @property
    def updated(self) -> int:
        return self.count("updated")

    @property
    def unchanged(self) -> int:
        return self.count("unchanged")

    @property
    def imported(self) -> int:
        """Devices created or updated."""
        return self.created + self.updated

    @property
    def new_sites(self) -> list[str]:
        return sorted({str(r.changes["site"][1]) for r in self.rows if r.new_site})


class _Sites:
    """A tenant's sites, found by name (as typed, any case) or by the name's slug."""

    def __init__(self, registry: Registry, tenant_id: int) -> None:
        self.by_id = {s.id: s for s in registry.list_sites(tenant_id)}
        self.by_name = {s.name.casefold(): s for s in self.by_id.values()}
        self.by_slug = {s.slug: s for s in self.by_id.values()}

    def find(self, name: str) -> Site | None:
        return self.by_name.get(name.casefold()) or self.by_slug.get(slugify(name))

    def name_of(self, site_id: int | None) -> str | None:
        site = self.by_id.get(site_id) if site_id is not None else None
        return site.name if site else None


def plan_import(
    registry: Registry, tenant_id: int, report: CsvReport, *, update: bool = True
) -> tuple[list[RowPlan], list[RowError]]:
    """What importing ``report`` into the tenant would do, row by row, and the rows refused."""
    errors = list(report.errors)
    plans: list[RowPlan] = []
    sites = _Sites(registry, tenant_id)
    existing = registry.find_devices([row.dev_eui for row in report.rows])
    for row in report.rows:
        site = sites.find(row.site)
        device = existing.get(row.dev_eui)
        wanted = {k: getattr(row, k) for k in ROW_FIELDS}
        if device is None:
            changes: dict[str, tuple[Any, Any]] = {
                k: (None, v) for k, v in wanted.items() if v not in (None, {})
            }
            changes["site"] = (None, site.name if site else row.site)
            plans.append(RowPlan(row.line, row.dev_eui, "created", changes, site is None))
            continue
        refused = _refused(device, tenant_id, update)
        if refused is not None:
            errors.append(RowError(row.line, refused[0], refused[1], {"eui": row.dev_eui}))
            continue
        changes = {k: (getattr(device, k), v) for k, v in wanted.items() if getattr(device, k) != v}
        if site is None or site.id != device.site_id:
            changes["site"] = (sites.name_of(device.site_id), site.name if site else row.site)
        action = "updated" if changes else "unchanged"
        plans.append(RowPlan(row.line, row.dev_eui, action, changes, site is None))
    errors.sort(key=lambda e: e.line)
    return plans, errors


def _refused(device: Device, tenant_id: int, update: bool) -> tuple[str, str] | None:
    eui = device.dev_eui
    if device.tenant_id != tenant_id:
        return f"dev_eui {eui} is provisioned in another tenant: it cannot move by an import", "other_tenant"
    if device.status != ACTIVE:
        return f"dev_eui {eui} is decommissioned: reactivate it first, or leave its row out", "decommissioned"
    if not update:
        return f"dev_eui {eui} is already provisioned", "provisioned"
    return None


def import_devices(
    registry: Registry,
    archive: Quarantine,
    tenant_id: int,
    report: CsvReport,
    *,
    dry_run: bool,
    actor: str = "cli",
    update: bool = True,
) -> ImportResult:
    """Import every row or none. ``update``: rows of devices provisioned already update them (a
    spreadsheet imported again); otherwise they are refused (provisioning one device)."""
    plans, errors = plan_import(registry, tenant_id, report, update=update)
    if errors or dry_run:
        return ImportResult(dry_run, plans, errors)
    rows = {row.line: row for row in report.rows}
    sites: dict[str, Site] = {}

    def site_of(name: str) -> Site:
        if name not in sites:
            found = _Sites(registry, tenant_id).find(name)
            sites[name] = found or registry.ensure_site(tenant_id, slugify(name), name)
        return sites[name]

    created = [
        _device(tenant_id, rows[p.line], site_of(rows[p.line].site)) for p in plans if p.action == "created"
    ]
    with database_errors("device import"), registry.engine.begin() as conn:
        if created:
            registry.add_devices(created, conn)
            conn.execute(
                ignored_devices.delete().where(ignored_devices.c.dev_eui.in_([d.dev_eui for d in created]))
            )
        for plan in plans:
            if plan.action != "updated":
                continue
            row = rows[plan.line]
            values = {k: getattr(row, k) for k in ROW_FIELDS if k in plan.changes}
            if "site" in plan.changes:
                values["site_id"] = site_of(row.site).id
            conn.execute(
                devices_table.update().where(devices_table.c.dev_eui == row.dev_eui).values(**values)
            )
            if any(k in plan.changes for k in DECODING_FIELDS):
                retry_failed(conn, row.dev_eui)
    for device in created:
        audit.record(
            registry.engine,
            actor=actor,
            tenant_id=tenant_id,
            action="create_device",
            target=device.dev_eui,
            counts={},
            changes={k: (None, v) for k, v in _device_fields(device).items() if v not in (None, {})},
        )
    for plan in plans:
        if plan.action == "updated":
            record_device(registry, actor, registry.get_device(plan.dev_eui), "update_device", plan.changes)
    released = sum(archive.release_quarantine(d.dev_eui) for d in created)
    if created or any(p.action == "updated" for p in plans):
        store_edits.devices_changed(registry.engine)
    return ImportResult(False, plans, [], released)


def _device_fields(device: Device) -> dict[str, Any]:
    return {"site_id": device.site_id, **{k: getattr(device, k) for k in ROW_FIELDS}}


def _device(tenant_id: int, row: DeviceRow, site: Site) -> Device:
    return Device(
        dev_eui=row.dev_eui,
        tenant_id=tenant_id,
        name=row.name,
        model=row.model,
        site_id=site.id,
        metering_point=row.metering_point,
        pulse_quantity=row.pulse_quantity,
        pulse_weight=row.pulse_weight,
        register_max=row.register_max,
        expected_interval_s=row.expected_interval_s,
        tags=row.tags,
        purpose=row.purpose,
        operated_by=row.operated_by,
        installed_at=row.installed_at,
    )
