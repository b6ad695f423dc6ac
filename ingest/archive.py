"""The raw archive: every uplink stored before decoding, with its processing state.

An uplink is acknowledged to the broker only once it is here (committed), so a crash at any
moment loses nothing: on restart, ``pending()`` returns what was archived but not yet decoded.
The same frame delivered twice (re-delivery after a reconnect, two gateways, two network
servers) has the same dedup key, or takes the same turn of an hour's key (registry.archive_keys),
and is archived once; the extra deliveries are counted.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from ingest.archive_meta import typed_uplink
from kernel.frozen import quick_init
from kernel.types import Lns, Reception, Uplink
from registry import bulk, schema
from registry.archive_keys import claim_turns, keys_of, stored_keys
from registry.errors import DatabaseUnavailable, database_errors

DEAD_LETTER_MAX_BYTES = 64 * 1024
MARK_ROWS = 5000

_KNOWN = "SELECT dedup_key FROM uplinks WHERE dedup_key IN ({})"
_IDS = "SELECT dedup_key, id FROM uplinks WHERE dedup_key IN ({})"
_INSERT_VALUES = (
    "INSERT INTO uplinks (dedup_key, dev_eui, f_port, f_cnt, payload, received_at, lns, source, meta,"
    " state, readings, duplicates) VALUES "
)
_ROW = "(?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, 0)"
_INSERT = f"{_INSERT_VALUES}{_ROW} ON CONFLICT (dedup_key) DO NOTHING"
_INSERT_RETURNING = " ON CONFLICT (dedup_key) DO NOTHING RETURNING dedup_key, id"
_PENDING = (
    "SELECT id, dev_eui, f_port, f_cnt, payload, received_at, lns, source, meta FROM uplinks"
    " WHERE state = 'pending' AND id > ? ORDER BY id LIMIT ?"
)
_REPEATED = "UPDATE uplinks SET duplicates = duplicates + ? WHERE dedup_key = ?"
_MARK = "UPDATE uplinks SET state = ?, error = ?, decoder = ?, readings = ? WHERE id = ?"


@quick_init
@dataclass(frozen=True, slots=True)
class ArchivedUplink:
    """An uplink in the archive; ``archived_at`` is when releve took it (by its own clock, which
    bounds how far in the future its readings may be), None for uplinks archived before it was kept."""

    id: int
    uplink: Uplink
    source: str
    archived_at: datetime | None = None


class Mark(NamedTuple):
    """What processing an archived uplink came to, written on its row by ``Archive.mark``."""

    uplink_id: int
    state: str  # decoded | failed | unknown_device | mac_only (pending until marked)
    error: str | None
    decoder: str | None  # the model and decoder version that read it
    readings: int


@dataclass(frozen=True, slots=True)
class QuarantinedDevice:
    dev_eui: str
    first_seen: datetime
    last_seen: datetime
    uplinks: int
    last_f_port: int
    last_f_cnt: int | None = None
    ports: tuple[int, ...] = ()
    # what the network server calls it and its kind (see kernel.types.Uplink.device_profile)
    device_name: str | None = None
    device_profile: str | None = None


def _meta(uplink: Uplink, archived_at: str | None = None) -> dict[str, Any]:
    """What the archive keeps of an uplink besides its columns (``archived_at``: when, if given)."""
    meta = {
        "dev_addr": uplink.dev_addr,
        "device_name": uplink.device_name,
        "device_profile": uplink.device_profile,
        "application_id": uplink.application_id,
        "lns_event_id": uplink.lns_event_id,
        "confirmed": uplink.confirmed,
        "spreading_factor": uplink.spreading_factor,
        "frequency_hz": uplink.frequency_hz,
        "encrypted": uplink.encrypted,
        "receptions": [
            {
                "gateway_id": r.gateway_id,
                "rssi": r.rssi,
                "snr": r.snr,
                "time": r.time.isoformat() if r.time else None,
                "latitude": r.latitude,
                "longitude": r.longitude,
            }
            for r in uplink.receptions
        ],
    }
    if archived_at is not None:
        meta["archived_at"] = archived_at
    return meta


_LNS = {lns.value: lns for lns in Lns}  # (the enum's own look-up by value: 0.37 us against 0.04)


def _uplink_from_row(row: Any) -> Uplink:
    return _uplink(row.dev_eui, row.f_port, row.f_cnt, row.payload, row.received_at, row.lns, row.meta)


def _uplink(
    dev_eui: str,
    f_port: int,
    f_cnt: int | None,
    payload: bytes,
    received_at: datetime,
    lns: str,
    meta: dict[str, Any] | None,
) -> Uplink:
    """An archived uplink as the network server delivered it (every pending uplink the bridge's
    processor reads comes through here: positional, no per-field dispatch)."""
    meta = meta or {}
    get = meta.get
    received = received_at if received_at.tzinfo else received_at.replace(tzinfo=UTC)
    return Uplink(
        dev_eui,
        f_port,
        f_cnt,
        bytes(payload),
        received,
        _LNS.get(lns) or Lns(lns),
        tuple(
            Reception(
                r["gateway_id"],
                r.get("rssi"),
                r.get("snr"),
                datetime.fromisoformat(at) if (at := r.get("time")) else None,
                r.get("latitude"),
                r.get("longitude"),
            )
            for r in get("receptions", ())
        ),
        get("dev_addr"),
        get("device_name"),
        get("application_id"),
        get("lns_event_id"),
        bool(get("confirmed", False)),
        get("spreading_factor"),
        get("frequency_hz"),
        bool(get("encrypted", False)),
        get("device_profile"),
    )


class Archive:
    """Raw uplinks, dead letters, device link health and alarms, in the registry database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def store(self, items: Sequence[tuple[Uplink, str]]) -> list[ArchivedUplink]:
        """Archive uplinks durably in one transaction; return the new ones (duplicates are counted)."""
        if not items:
            return []
        try:
            return self._store(items)
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(f"archive write failed: {exc}") from exc

    def _store(self, items: Sequence[tuple[Uplink, str]]) -> list[ArchivedUplink]:
        keys: dict[str, tuple[Uplink, str]] = {}
        edges: dict[str, str] = {}  # a turn of an hour's key -> the key of the batch's frame that took it
        mine: list[str] = []  # each item's key in this batch
        repeats: dict[str, int] = {}
        for uplink, source in items:
            key, edge = keys_of(uplink)
            if edge is not None:  # a copy heard across the turn in this batch: the first one's key
                key = edges.setdefault(edge, key)
            mine.append(key)
            if key in keys:
                repeats[key] = repeats.get(key, 0) + 1
            else:
                keys[key] = (uplink, source)
        now = datetime.now(UTC)
        archived_at = now.isoformat()
        # Through the driver (registry.bulk): SQLAlchemy's per-row parameter processing was most
        # of the archive's time, and the archive is on every uplink's path. One multi-row INSERT
        # ... ON CONFLICT DO NOTHING RETURNING inserts the new frames and names them; the keys
        # it does not return were archived before (a re-delivery, another network server).
        with self.engine.begin() as conn:
            crossed = claim_turns(conn, edges)
            db_time, db_json = bulk.db_time_of(conn), bulk.db_json
            rows = [
                (
                    key,
                    up.dev_eui,
                    up.f_port,
                    up.f_cnt,
                    up.payload,
                    db_time(up.received_at),
                    up.lns.value,
                    source,
                    db_json(_meta(up, archived_at)),
                )
                for key, (up, source) in keys.items()
                if key not in crossed
            ]
            if bulk.returning(conn):
                ids = dict(bulk.insert_returning(conn, _INSERT_VALUES, _ROW, _INSERT_RETURNING, rows))
            else:
                known = {r[0] for r in bulk.select_in(conn, _KNOWN, [row[0] for row in rows])}
                bulk.many(conn, _INSERT, [row for row in rows if row[0] not in known])
                ids = dict(bulk.select_in(conn, _IDS, [row[0] for row in rows if row[0] not in known]))
            before = {key for key in keys if key not in ids}
            if before:
                stored = stored_keys(conn, before, edges)
                counts: dict[str, int] = {}
                for key, count in itertools.chain(repeats.items(), ((key, 1) for key in before)):
                    counts[stored.get(key, key)] = counts.get(stored.get(key, key), 0) + count
                repeats = counts
                copies = zip(items, mine, strict=True)
                self._merge_receptions(conn, [(item, stored.get(k, k)) for item, k in copies if k in before])
            bulk.many(conn, _REPEATED, [(count, key) for key, count in repeats.items()])
        return [ArchivedUplink(ids[k], keys[k][0], keys[k][1], now) for k in keys if k in ids]

    def _merge_receptions(self, conn: Any, copies: Sequence[tuple[tuple[Uplink, str], str]]) -> None:
        """Frames heard again (another network server, more gateways), each with the key it is
        archived under: keep every reception."""
        extra: dict[str, list[dict[str, Any]]] = {}
        for (uplink, _source), key in copies:
            extra.setdefault(key, []).extend(_meta(uplink)["receptions"])
        for key, receptions in extra.items():
            row = conn.execute(
                select(schema.uplinks.c.id, schema.uplinks.c.meta).where(schema.uplinks.c.dedup_key == key)
            ).one_or_none()
            if row is None:  # deleted since (an erasure): nothing to keep them in
                continue
            meta = dict(row.meta or {})
            have = {r.get("gateway_id") for r in meta.get("receptions", [])}
            added = [r for r in receptions if r.get("gateway_id") not in have]
            if added:
                meta["receptions"] = [*meta.get("receptions", []), *added]
                conn.execute(update(schema.uplinks).where(schema.uplinks.c.id == row.id).values(meta=meta))

    def duplicates_total(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(select(func.coalesce(func.sum(schema.uplinks.c.duplicates), 0))).scalar_one()
            )

    def mark(self, results: Sequence[Mark]) -> None:
        """Record processing results."""
        if results:
            with database_errors("archive update"), self.engine.begin() as conn:
                self.mark_in(conn, results)

    @staticmethod
    def mark_in(conn: Connection, results: Iterable[Mark]) -> None:
        """Record processing results in the caller's transaction, in statements of at most
        ``MARK_ROWS`` rows (a flush after a catch-up marks up to 200,000 uplinks: their rows all
        at once took 20 MB more)."""
        rows = ((state, error, decoder, n, uplink_id) for uplink_id, state, error, decoder, n in results)
        while chunk := list(itertools.islice(rows, MARK_ROWS)):
            bulk.many(conn, _MARK, chunk)

    def pending(self, limit: int = 1000, after_id: int = 0) -> list[ArchivedUplink]:
        """Archived but not yet processed (a crash between archive and store, a store outage),
        oldest first; ``after_id`` pages through them while they stay pending."""
        # Through the driver (registry.bulk): the bridge's processor reads every uplink back here.
        with database_errors("archive read"), self.engine.connect() as conn:
            rows = conn.exec_driver_sql(bulk.sql(conn, _PENDING), (after_id, limit)).all()
        out = []
        for i, eui, port, cnt, payload, at, lns, source, raw in rows:
            received = bulk.from_db_time(at)
            typed = typed_uplink(raw, eui, port, cnt, bytes(payload), received, _LNS.get(lns) or Lns(lns))
            if typed is not None:  # (the common case: the column's text read in one pass)
                out.append(ArchivedUplink(i, typed[0], source, typed[1]))
                continue
            meta = bulk.from_db_json(raw)
            archived_at = (meta or {}).get("archived_at")
            out.append(
                ArchivedUplink(
                    i,
                    _uplink(eui, port, cnt, payload, received, lns, meta),
                    source,
                    datetime.fromisoformat(archived_at) if isinstance(archived_at, str) else None,
                )
            )
        return out

    def select(
        self,
        *,
        dev_eui: str | None = None,
        dev_euis: Sequence[str] | None = None,
        state: str | None = None,
        since: datetime | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[tuple[ArchivedUplink, str, str | None, str | None]]:
        """Archived uplinks (newest first) with their state, error and decoder."""
        u = schema.uplinks
        query = select(u).order_by(u.c.id.desc())
        if dev_eui is not None:
            query = query.where(u.c.dev_eui == dev_eui)
        if dev_euis is not None:
            query = query.where(u.c.dev_eui.in_(list(dev_euis)))
        if state is not None:
            query = query.where(u.c.state == state)
        if since is not None:
            query = query.where(u.c.received_at >= since)
        by_device = dev_eui is not None or dev_euis is not None
        with self.engine.connect() as conn:
            if not by_device or state == "pending":
                rows = conn.execute(query.offset(offset).limit(limit)).all()
            elif state is not None:
                rows = conn.execute(query.where(schema.PROCESSED).offset(offset).limit(limit)).all()
            else:
                # the device's processed uplinks through its index, its pending ones through
                # the state's (registry.schema, ix_uplinks_device_done), merged newest first
                first = offset + limit
                done, waiting = (
                    conn.execute(query.where(part).limit(first)).all() for part in schema.BY_DEVICE
                )
                merged = heapq.merge(done, waiting, key=lambda r: -r.id)
                rows = list(itertools.islice(merged, offset, first))
        return [(_archived(r), r.state, r.error, r.decoder) for r in rows]

    def dead_letter(self, topic: str, body: bytes, error: str, source: str = "") -> None:
        """Keep an unreadable message for inspection (its first 64 KiB: a hostile one can be huge)."""
        if len(body) > DEAD_LETTER_MAX_BYTES:
            error = f"{error} (body truncated from {len(body)} bytes)"
            body = body[:DEAD_LETTER_MAX_BYTES]
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(schema.dead_letters).values(
                        received_at=datetime.now(UTC),
                        topic=_no_nul(topic[:500]),
                        body=body,
                        error=_no_nul(error),
                        source=_no_nul(source),
                    )
                )
        except SQLAlchemyError as exc:
            raise DatabaseUnavailable(f"dead-letter write failed: {exc}") from exc

    def dead_letters(self, offset: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        query = (
            select(schema.dead_letters).order_by(schema.dead_letters.c.id.desc()).offset(offset).limit(limit)
        )
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(query)]

    def quarantine(
        self, offset: int = 0, limit: int = 100, *, ignored: bool = False
    ) -> list[QuarantinedDevice]:
        """Devices heard but not provisioned (or decommissioned), newest first, with what was seen
        of them; ``ignored``: those ops staff chose to ignore instead."""
        u, ig = schema.uplinks, schema.ignored_devices
        left_out = u.c.dev_eui.in_(select(ig.c.dev_eui))
        query = (
            select(
                u.c.dev_eui,
                func.min(u.c.received_at).label("first_seen"),
                func.max(u.c.received_at).label("last_seen"),
                func.count().label("uplinks"),
                func.max(u.c.f_cnt).label("last_f_cnt"),
                func.max(u.c.id).label("newest"),
            )
            .where(u.c.state == "unknown_device", left_out if ignored else ~left_out)
            .group_by(u.c.dev_eui)
            .order_by(func.max(u.c.received_at).desc(), u.c.dev_eui)
            .offset(offset)
            .limit(limit)
        )
        with database_errors("quarantine read"), self.engine.connect() as conn:
            groups = conn.execute(query).all()
            euis = [g.dev_eui for g in groups]
            newest = {
                r.id: r
                for r in conn.execute(
                    select(u.c.id, u.c.f_port, u.c.meta).where(u.c.id.in_([g.newest for g in groups]))
                )
            }
            ports: dict[str, set[int]] = {}
            for r in conn.execute(
                select(u.c.dev_eui, u.c.f_port)
                .where(u.c.dev_eui.in_(euis), u.c.state == "unknown_device", schema.PROCESSED)
                .distinct()
            ):
                ports.setdefault(r.dev_eui, set()).add(int(r.f_port))
        out = []
        for g in groups:
            last = newest[g.newest]
            meta = last.meta or {}
            out.append(
                QuarantinedDevice(
                    g.dev_eui,
                    _utc(g.first_seen),
                    _utc(g.last_seen),
                    int(g.uplinks),
                    int(last.f_port),
                    last_f_cnt=None if g.last_f_cnt is None else int(g.last_f_cnt),
                    ports=tuple(sorted(ports.get(g.dev_eui, ()))),
                    device_name=_text(meta.get("device_name")),
                    device_profile=_text(meta.get("device_profile")),
                )
            )
        return out

    def release_quarantine(self, dev_eui: str) -> int:
        """Return a newly provisioned device's quarantined uplinks to pending, for processing."""
        with self.engine.begin() as conn:
            result = conn.execute(
                update(schema.uplinks)
                .where(
                    schema.uplinks.c.dev_eui == dev_eui,
                    schema.uplinks.c.state == "unknown_device",
                    schema.PROCESSED,
                )
                .values(state="pending", error=None)
            )
        return int(result.rowcount)

    def requeue(self, ids: Sequence[int]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(schema.uplinks).where(schema.uplinks.c.id.in_(list(ids))).values(state="pending")
            )


def _archived(row: Any) -> ArchivedUplink:
    archived_at = (row.meta or {}).get("archived_at")
    return ArchivedUplink(
        row.id,
        _uplink_from_row(row),
        row.source,
        datetime.fromisoformat(archived_at) if isinstance(archived_at, str) else None,
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _no_nul(value: str) -> str:
    """Text as PostgreSQL takes it: a NUL (which an envelope's JSON can carry) as U+FFFD."""
    return value.replace("\x00", "\ufffd")
