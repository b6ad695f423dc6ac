"""Provisioning: devices from CSV rows or from the quarantine, shared by the CLI and the API."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Protocol

from registry import Device, Registry
from registry.devices_csv import CsvReport, DeviceRow, RowError


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
class ImportResult:
    """What an import did (or would do, in a dry run)."""

    dry_run: bool
    imported: int
    errors: list[RowError]
    released_uplinks: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors


def import_devices(
    registry: Registry, archive: Quarantine, tenant_id: int, report: CsvReport, *, dry_run: bool
) -> ImportResult:
    """Import every row or none: rows already provisioned are errors, like malformed ones."""
    errors = list(report.errors)
    for row in report.rows:
        existing = registry.find_device(row.dev_eui)
        if existing is not None:
            errors.append(RowError(row.line, f"dev_eui {row.dev_eui} is already provisioned"))
    errors.sort(key=lambda e: e.line)
    if errors or dry_run:
        return ImportResult(dry_run, 0 if errors else len(report.rows), errors)
    devices = [_device(registry, tenant_id, row) for row in report.rows]
    registry.add_devices(devices)
    released = sum(archive.release_quarantine(d.dev_eui) for d in devices)
    return ImportResult(False, len(devices), [], released)


def _device(registry: Registry, tenant_id: int, row: DeviceRow) -> Device:
    site = registry.ensure_site(tenant_id, slugify(row.site), row.site)
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
