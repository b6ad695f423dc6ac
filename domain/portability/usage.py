"""The platform's usage and footprint per tenant, so that a shared network can split its costs.

API requests are counted in memory by ``RequestCounter`` (per tenant and UTC hour) and flushed to
``api_usage`` in batches: one small transaction every ``flush_every`` requests or ``flush_after_s``
seconds, never a write per request. Uplinks and their bytes are counted from the raw archive,
readings from the store's hourly rollups (so pruned raw readings still count).

Bytes stored is an estimate, documented in docs/portability.md: the raw payload bytes plus a
fixed size per archived uplink row (its metadata, receptions and indexes) and per stored
reading (raw row, its share of the hourly rollup, indexes), measured on the SQLite backends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from registry import schema
from registry.errors import DatabaseUnavailable, database_errors
from registry.schema import api_usage
from store import StoreReader

# Measured on the SQLite backends (see docs/portability.md): bytes on disk per row.
UPLINK_ROW_BYTES = 700
READING_ROW_BYTES = 110

# A request is counted for a tenant by id (its key) or by slug (a public open-data path).
TenantRef = int | str


class RequestCounter:
    """Requests served per tenant and hour, held in memory and written in batches."""

    def __init__(self, *, flush_every: int = 500, flush_after_s: float = 10.0) -> None:
        self.flush_every = flush_every
        self.flush_after_s = flush_after_s
        self._lock = threading.Lock()
        self._counts: dict[tuple[TenantRef, datetime], int] = {}
        self._pending = 0
        self._last_flush = time.monotonic()
        self.flushes = 0

    def add(self, tenant: TenantRef, at: datetime | None = None) -> bool:
        """Count one request; True when a flush is due."""
        hour = (at or datetime.now(UTC)).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        with self._lock:
            self._counts[(tenant, hour)] = self._counts.get((tenant, hour), 0) + 1
            self._pending += 1
            return (
                self._pending >= self.flush_every or time.monotonic() - self._last_flush >= self.flush_after_s
            )

    def flush(self, engine: Engine) -> int:
        """Write what was counted since the last flush; returns the number of requests written."""
        with self._lock:
            counts, self._counts = self._counts, {}
            self._pending = 0
            self._last_flush = time.monotonic()
        if not counts:
            return 0
        try:
            _write(engine, counts)
        except DatabaseUnavailable:
            # Put them back so that the next flush retries; the caller decides what to log.
            with self._lock:
                for key, n in counts.items():
                    self._counts[key] = self._counts.get(key, 0) + n
                    self._pending += n
            raise
        self.flushes += 1
        return sum(counts.values())


def _write(engine: Engine, counts: Mapping[tuple[TenantRef, datetime], int]) -> None:
    with database_errors("usage write"), engine.begin() as conn:
        slugs = {ref for ref, _ in counts if isinstance(ref, str)}
        ids: dict[str, int] = {}
        if slugs:
            rows = conn.execute(
                select(schema.tenants.c.slug, schema.tenants.c.id).where(schema.tenants.c.slug.in_(slugs))
            )
            ids = {r.slug: int(r.id) for r in rows}
        merged: dict[tuple[int, datetime], int] = {}
        for (ref, hour), n in counts.items():
            tenant_id = ids.get(ref) if isinstance(ref, str) else ref
            if tenant_id is not None:  # an unknown publisher's 404s count for nobody
                merged[(tenant_id, hour)] = merged.get((tenant_id, hour), 0) + n
        if not merged:
            return
        insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        statement = insert(api_usage)
        statement = statement.on_conflict_do_update(
            index_elements=["tenant_id", "hour"],
            set_={"requests": api_usage.c.requests + statement.excluded.requests},
        )
        conn.execute(statement, [{"tenant_id": t, "hour": h, "requests": n} for (t, h), n in merged.items()])


@dataclass(frozen=True, slots=True)
class TenantUsage:
    tenant_id: int
    slug: str
    devices: int
    uplinks: int
    payload_bytes: int
    readings: int
    bytes_stored: int
    api_requests: int


def usage(
    engine: Engine,
    store: StoreReader,
    start: datetime,
    end: datetime,
    tenant_ids: Collection[int] | None = None,
) -> list[TenantUsage]:
    """Usage of each tenant (or of some) in [start, end)."""
    t, d, u = schema.tenants, schema.devices, schema.uplinks
    tenants_q = select(t.c.id, t.c.slug).order_by(t.c.id)
    if tenant_ids is not None:
        tenants_q = tenants_q.where(t.c.id.in_(list(tenant_ids)))
    with database_errors("usage read"), engine.connect() as conn:
        tenants = [(int(r.id), str(r.slug)) for r in conn.execute(tenants_q)]
        devices: dict[int, list[str]] = {}
        for r in conn.execute(select(d.c.tenant_id, d.c.dev_eui)):
            devices.setdefault(int(r.tenant_id), []).append(str(r.dev_eui))
        # processed uplinks through their index by device, pending ones through the state's
        uplinks: dict[int, tuple[int, int]] = {}
        for which in schema.BY_DEVICE:
            for r in conn.execute(
                select(
                    d.c.tenant_id,
                    func.count(u.c.id).label("n"),
                    func.sum(func.length(u.c.payload)).label("size"),
                )
                .join(d, d.c.dev_eui == u.c.dev_eui)
                .where(u.c.received_at >= start, u.c.received_at < end, which)
                .group_by(d.c.tenant_id)
            ):
                n, size = uplinks.get(int(r.tenant_id), (0, 0))
                uplinks[int(r.tenant_id)] = (n + int(r.n), size + int(r.size or 0))
        requests = {
            int(r.tenant_id): int(r.n or 0)
            for r in conn.execute(
                select(api_usage.c.tenant_id, func.sum(api_usage.c.requests).label("n"))
                .where(api_usage.c.hour >= start, api_usage.c.hour < end)
                .group_by(api_usage.c.tenant_id)
            )
        }
    out = []
    for tenant_id, slug in tenants:
        euis = devices.get(tenant_id, [])
        readings = sum(store.count(euis, start, end).values()) if euis else 0
        n_uplinks, payload = uplinks.get(tenant_id, (0, 0))
        out.append(
            TenantUsage(
                tenant_id=tenant_id,
                slug=slug,
                devices=len(euis),
                uplinks=n_uplinks,
                payload_bytes=payload,
                readings=readings,
                bytes_stored=payload + n_uplinks * UPLINK_ROW_BYTES + readings * READING_ROW_BYTES,
                api_requests=requests.get(tenant_id, 0),
            )
        )
    return out
