"""The audit log: who did what to whose data, kept in the registry database.

Entries are only ever added (an erasure on request must leave a trace of itself, not of the
data it removed): when, the key prefix that asked, the tenant concerned, the action, its target
and what it counted (e.g. readings, rollups and uplinks erased); for a change of the registry
(a site or a device edited, decommissioned, removed; a tenant renamed; a key revoked), each
field's value before and after.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select

from registry.errors import database_errors
from registry.schema import audit_log


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    tenant_id: int
    action: str
    target: str
    counts: dict[str, int]
    note: str
    # {field: [before, after]}; empty for entries that record no change of fields
    changes: dict[str, list[Any]] = field(default_factory=dict)


def record(
    engine: Engine,
    *,
    actor: str,
    tenant_id: int,
    action: str,
    target: str,
    counts: Mapping[str, int],
    note: str = "",
    changes: Mapping[str, tuple[object, object]] | None = None,
) -> AuditEntry:
    """Append an entry and return it (``changes``: each field's value before and after)."""
    at = datetime.now(UTC)
    changed = {name: [_plain(before), _plain(after)] for name, (before, after) in (changes or {}).items()}
    values: dict[str, Any] = {
        "at": at,
        "actor": actor[:64],
        "tenant_id": tenant_id,
        "action": action,
        "target": target[:200],
        "counts": dict(counts),
        "note": note[:500],
        "changes": changed or None,
    }
    with database_errors("audit write"), engine.begin() as conn:
        result = conn.execute(insert(audit_log).values(**values))
        entry_id = int(result.inserted_primary_key[0])  # type: ignore[index]
    return AuditEntry(
        entry_id, at, values["actor"], tenant_id, action, values["target"], dict(counts), note, changed
    )


def _plain(value: object) -> Any:
    """A value as JSON keeps it (dates as ISO text, tags as a dict)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return value


def entries(
    engine: Engine, tenant_id: int | None = None, *, offset: int = 0, limit: int = 100
) -> tuple[list[AuditEntry], int]:
    """Entries newest first (of one tenant, or all), and how many there are in all."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).offset(offset).limit(limit)
    count = select(func.count()).select_from(audit_log)
    if tenant_id is not None:
        query = query.where(audit_log.c.tenant_id == tenant_id)
        count = count.where(audit_log.c.tenant_id == tenant_id)
    with database_errors("audit read"), engine.connect() as conn:
        rows = conn.execute(query).all()
        total = int(conn.execute(count).scalar_one())
    return [
        AuditEntry(
            r.id,
            r.at,
            r.actor,
            int(r.tenant_id),
            r.action,
            r.target,
            {str(k): int(v) for k, v in (r.counts or {}).items()},
            r.note,
            {str(k): list(v) for k, v in (r.changes or {}).items()},
        )
        for r in rows
    ], total
