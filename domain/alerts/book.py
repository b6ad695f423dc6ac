"""The book of alerts, in the registry database: opened when a rule's finding appears, refreshed
while it stays, closed when it disappears, acknowledged by a person."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from domain.alerts.findings import Finding
from registry import schema
from registry.errors import NotFound, database_errors


@dataclass(frozen=True, slots=True)
class Alert:
    """An alert as the book keeps it (the webhook sends these fields, in this order)."""

    id: int
    tenant_id: int
    site_id: int | None
    dev_eui: str | None
    kind: str
    key: str  # what makes two findings the same alert: one open alert per key
    message: str
    evidence: dict[str, Any]
    started_at: datetime
    updated_at: datetime
    ended_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None


def _alert(row: Any) -> Alert:
    """An alert from its row (the columns are the fields)."""
    return Alert(**{**row._mapping, "evidence": row.evidence or {}})


class AlertBook:
    """Open, refresh, close and acknowledge alerts in the registry database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def sync(self, findings: Sequence[Finding], now: datetime) -> list[int]:
        """Apply a full evaluation; returns the ids of alerts opened now."""
        t = schema.alerts
        opened: list[int] = []
        with database_errors("alerts update"), self.engine.begin() as conn:
            current = {r.key: r for r in conn.execute(select(t).where(t.c.ended_at.is_(None)))}
            seen = set()
            for f in findings:
                seen.add(f.key)
                row = current.get(f.key)
                if row is None:
                    result = conn.execute(
                        insert(t).values(
                            tenant_id=f.tenant_id,
                            site_id=f.site_id,
                            dev_eui=f.dev_eui,
                            kind=f.kind.value,
                            key=f.key,
                            message=f.message,
                            evidence=f.evidence,
                            started_at=now,
                            updated_at=now,
                        )
                    )
                    opened.append(int(result.inserted_primary_key[0]))  # type: ignore[index]
                else:
                    conn.execute(
                        update(t)
                        .where(t.c.id == row.id)
                        .values(message=f.message, evidence=f.evidence, updated_at=now)
                    )
            for key, row in current.items():
                if key not in seen:
                    conn.execute(update(t).where(t.c.id == row.id).values(ended_at=now, updated_at=now))
        return opened

    def list(
        self,
        tenant_id: int | None,
        *,
        status: str = "open",
        site_id: int | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[Alert]:
        t = schema.alerts
        query = select(t).order_by(t.c.started_at.desc(), t.c.id.desc()).offset(offset).limit(limit)
        if tenant_id is not None:
            query = query.where(t.c.tenant_id == tenant_id)
        if site_id is not None:
            query = query.where(t.c.site_id == site_id)
        if status == "open":
            query = query.where(t.c.ended_at.is_(None))
        elif status == "closed":
            query = query.where(t.c.ended_at.is_not(None))
        with database_errors("alerts read"), self.engine.connect() as conn:
            return [_alert(r) for r in conn.execute(query)]

    def get(self, alert_id: int) -> Alert:
        with database_errors("alerts read"), self.engine.connect() as conn:
            row = conn.execute(select(schema.alerts).where(schema.alerts.c.id == alert_id)).first()
        if row is None:
            raise NotFound(f"alert {alert_id} not found")
        return _alert(row)

    def acknowledge(self, alert_id: int, by: str, now: datetime) -> None:
        t = schema.alerts
        with database_errors("alerts update"), self.engine.begin() as conn:
            conn.execute(update(t).where(t.c.id == alert_id).values(acknowledged_at=now, acknowledged_by=by))
