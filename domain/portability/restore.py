"""Verify and import a tenant's export archive (format: ``domain.portability.export``, docs/portability.md).

Nothing is written before the whole file has been checked against its manifest, member by member
and line by line (``domain.portability.archive_members``: sizes bounded, every record readable);
every write is keyed (tenant and site slugs, DevEUIs, uplink dedup keys, reading keys), so an
import can be run again, or finished after an interruption, without doubling anything.
"""

from __future__ import annotations

import hashlib
import tarfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, and_, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from domain.portability.archive_members import (
    MAX_MANIFEST_BYTES,
    MAX_REGISTRY_BYTES,
    check_listing,
    check_record,
    check_registry,
    member_kind,
    read_whole,
    reading_of,
    records,
    rollup_of,
    uplink_row,
)
from domain.portability.export import (
    BATCH,
    DEVICE_FIELDS,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    REGISTRY,
    SITE_FIELDS,
    ArchiveError,
    Counts,
    ImportReport,
)
from domain.portability.portable_settings import WEATHER, restore_settings, restore_weather
from kernel import __version__
from registry import Registry, schema, store_edits
from registry.archive_keys import claim_turns, hour_keyed, stored_keys
from registry.errors import database_errors
from store import Store

# -- verification ------------------------------------------------------------------------------


def _open(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r:gz")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ArchiveError(f"{path}: not a releve export (not a readable gzip tar: {exc})") from exc


def verify(path: Path) -> dict[str, Any]:
    """Check the archive whole before anything is written: the manifest and format version, every
    member's size (within ``domain.portability.archive_members``' bounds) and sha256, every line's record,
    the counts. Returns the manifest."""
    with _open(path) as tar:
        try:
            return _verify(tar)
        except ArchiveError as exc:
            raise ArchiveError(f"{path}: {exc}") from exc
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise ArchiveError(f"{path}: corrupt or truncated archive: {exc}") from exc


def _verify(tar: tarfile.TarFile) -> dict[str, Any]:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile():
        raise ArchiveError(f"not a releve export (no {MANIFEST} first)")
    if first.size > MAX_MANIFEST_BYTES:
        raise ArchiveError(f"{MANIFEST} is {first.size:,} bytes; it is at most {MAX_MANIFEST_BYTES:,}")
    manifest = _manifest(tar, first)
    listed: dict[str, Any] = manifest["members"]
    check_listing(listed)
    devices: set[str] | None = None
    lines: Counter[str] = Counter()
    seen: set[str] = set()
    for info in tar:
        if info is first:
            continue
        want = listed.get(info.name)
        if want is None or not info.isfile() or info.name in seen:
            raise ArchiveError(f"unexpected member {info.name!r} (not in the manifest, or twice)")
        if info.size != want["bytes"]:  # from the tar header: nothing of it read yet
            raise ArchiveError(
                f"member {info.name} is corrupt ({info.size:,} bytes, the manifest says {want['bytes']:,})"
            )
        kind, eui = member_kind(info.name)
        fh = tar.extractfile(info)
        assert fh is not None  # a regular file
        digest = hashlib.sha256()
        if kind == "registry":
            data = read_whole(fh, info.name, MAX_REGISTRY_BYTES)
            digest.update(data)
            try:
                devices = check_registry(orjson.loads(data))
            except (KeyError, TypeError, ValueError) as exc:  # orjson's errors are ValueErrors
                raise ArchiveError(f"{REGISTRY}: {exc}") from exc
        elif devices is None:
            raise ArchiveError(f"{info.name} comes before {REGISTRY}")
        elif eui and eui not in devices:
            raise ArchiveError(f"{info.name} is not the data of a device in {REGISTRY}")
        else:
            for number, record in records(fh, info.name, digest):
                try:
                    check_record(kind, eui, record)
                except (KeyError, TypeError, ValueError) as exc:
                    raise ArchiveError(f"{info.name}, line {number}: not a {kind} record: {exc!r}") from exc
                lines[kind] += 1
        if digest.hexdigest() != want.get("sha256"):
            raise ArchiveError(f"member {info.name} is corrupt (sha256 or size mismatch)")
        seen.add(info.name)
    missing = sorted(set(listed) - seen)
    if missing:
        raise ArchiveError(f"truncated archive, missing {', '.join(missing[:5])}")
    counts = manifest.get("counts") or {}
    for kind, count in (
        ("uplinks", "uplinks"),
        ("readings", "readings"),
        ("rollups", "rollups"),
        ("weather", "weather_observations"),
    ):
        if counts.get(count, 0) != lines[kind]:
            raise ArchiveError(
                f"the manifest counts {counts.get(count)} {count}, the members hold {lines[kind]}"
            )
    return manifest


def _manifest(tar: tarfile.TarFile, info: tarfile.TarInfo) -> dict[str, Any]:
    fh = tar.extractfile(info)
    try:
        manifest = orjson.loads(read_whole(fh, MANIFEST, MAX_MANIFEST_BYTES) if fh else b"")
    except orjson.JSONDecodeError as exc:
        raise ArchiveError(f"unreadable {MANIFEST}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"not a releve export (format is not {FORMAT!r})")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ArchiveError(
            f"export format version {version!r}, this releve ({__version__}) reads "
            f"version {FORMAT_VERSION} only"
        )
    if not isinstance(manifest.get("members"), dict) or REGISTRY not in manifest["members"]:
        raise ArchiveError(f"the manifest lists no {REGISTRY}")
    return manifest


# -- import ------------------------------------------------------------------------------------


def import_archive(
    registry: Registry, store: Store, path: Path, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Verify, then restore the archive into this instance (idempotent). ``progress(done, total)``:
    told of each member restored."""
    manifest = verify(path)
    with _open(path) as tar:
        try:
            with store_edits.editing(registry.engine):
                return _import(registry, store, tar, manifest, path, progress)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise ArchiveError(f"{path}: archive became unreadable during the import: {exc}") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise ArchiveError(f"{path}: malformed content: {exc!r}") from exc


def _lines(tar: tarfile.TarFile, info: tarfile.TarInfo) -> Iterator[dict[str, Any]]:
    fh = tar.extractfile(info)
    assert fh is not None
    for _, record in records(fh, info.name):
        yield record


def _import(
    registry: Registry,
    store: Store,
    tar: tarfile.TarFile,
    manifest: dict[str, Any],
    path: Path,
    progress: Callable[[int, int], None] | None,
) -> ImportReport:
    report: ImportReport | None = None
    tenant_id = 0
    devices: set[str] = set()
    uplink_ids: dict[int, int] = {}
    total = len(manifest.get("members") or {})
    for done, info in enumerate(tar):
        if progress is not None and done:
            progress(done - 1, total)  # the members before this one (the manifest first)
        if info.name == MANIFEST:
            continue
        if info.name == REGISTRY:
            fh = tar.extractfile(info)
            doc = orjson.loads(read_whole(fh, REGISTRY, MAX_REGISTRY_BYTES) if fh else b"")
            report = ImportReport(tenant=str(manifest["tenant"]))
            tenant_id = _import_registry(registry, doc, report.counts)
            devices = {d["dev_eui"] for d in doc["devices"]}
            continue
        if report is None:
            raise ArchiveError(f"{path}: {info.name} comes before {REGISTRY}")
        if info.name == WEATHER:
            for batch in _batches(_lines(tar, info)):
                restore_weather(registry.engine, tenant_id, batch)
                report.counts.weather_observations += len(batch)
            continue
        _, eui, kind = info.name.split("/")
        if eui not in devices:
            raise ArchiveError(f"{path}: {info.name} is not the data of a device in {REGISTRY}")
        if kind == "uplinks.jsonl":
            uplink_ids = {}
            for batch in _batches(_lines(tar, info)):
                new, ids = _import_uplinks(registry.engine, batch)
                report.new_uplinks += new
                report.counts.uplinks += len(batch)
                uplink_ids.update(ids)
        elif kind == "readings.jsonl":
            for batch in _batches(_lines(tar, info)):
                store.write([reading_of(eui, r, uplink_ids) for r in batch])
                report.counts.readings += len(batch)
        elif kind == "rollups.jsonl":
            for batch in _batches(_lines(tar, info)):
                store.restore_hourly(eui, [rollup_of(r) for r in batch])
                report.counts.rollups += len(batch)
    if report is None:
        raise ArchiveError(f"{path}: no {REGISTRY}")
    return report


def _batches(items: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _import_registry(registry: Registry, doc: dict[str, Any], counts: Counts) -> int:
    """Tenant, sites, devices, meter replacements and settings; returns the tenant's id here."""
    t = doc["tenant"]
    known = {x.slug: x for x in registry.list_tenants()}
    tenant = known.get(t["slug"])
    if tenant is None:
        # The town stays the network owner in its new instance, unless that one has an owner already.
        owner = bool(t.get("is_owner")) and not any(x.is_owner for x in known.values())
        tenant = registry.ensure_tenant(t["slug"], t["name"], is_owner=owner)
    sites = {}
    for s in doc["sites"]:
        attrs = {k: s[k] for k in SITE_FIELDS if k not in ("slug", "name")}
        sites[s["slug"]] = registry.ensure_site(tenant.id, s["slug"], s["name"], **attrs).id
        counts.sites += 1
    for d in doc["devices"]:
        existing = registry.find_device(d["dev_eui"])
        if existing is not None and existing.tenant_id != tenant.id:
            raise ArchiveError(f"device {d['dev_eui']} belongs to another tenant of this instance")
    d_table = schema.devices
    with database_errors("import"), registry.engine.begin() as conn:
        for d in doc["devices"]:
            values = {k: d[k] for k in DEVICE_FIELDS}
            values["tenant_id"] = tenant.id
            values["site_id"] = sites.get(d["site"]) if d.get("site") else None
            values["installed_at"] = date.fromisoformat(d["installed_at"]) if d.get("installed_at") else None
            values["app_skey_wrapped"] = (
                bytes.fromhex(d["app_skey_wrapped"]) if d.get("app_skey_wrapped") else None
            )
            found = conn.execute(select(d_table.c.dev_eui).where(d_table.c.dev_eui == d["dev_eui"])).first()
            if found is None:
                conn.execute(insert(d_table).values(created_at=datetime.now(UTC), **values))
            else:
                conn.execute(update(d_table).where(d_table.c.dev_eui == d["dev_eui"]).values(**values))
            counts.devices += 1
        m = schema.meter_replacements
        for r in doc.get("meter_replacements", []):
            at = datetime.fromisoformat(r["at"])
            same = and_(
                m.c.dev_eui == r["dev_eui"],
                m.c.quantity == r["quantity"],
                m.c.channel == r["channel"],
                m.c.at == at,
            )
            if conn.execute(select(m.c.id).where(same)).first() is None:
                conn.execute(
                    insert(m).values(
                        dev_eui=r["dev_eui"],
                        quantity=r["quantity"],
                        channel=r["channel"],
                        at=at,
                        old_final_index=float(r["old_final_index"]),
                        new_initial_index=float(r["new_initial_index"]),
                        note=r["note"],
                        created_at=datetime.now(UTC),
                    )
                )
            counts.meter_replacements += 1
    restore_settings(registry.engine, tenant.id, sites, doc)
    return tenant.id


def _import_uplinks(engine: Engine, batch: list[dict[str, Any]]) -> tuple[int, dict[int, int]]:
    """Insert the uplinks not archived yet; map the source's ids to this instance's. Their keys
    are made as this instance's archive makes them (``registry.archive_keys``): a frame it holds
    already, under the same key or across the turn of an hour, is not inserted again."""
    u = schema.uplinks
    rows = [uplink_row(r) for r in batch]
    first: dict[str, str] = {}  # a turn's key -> the key of the first row that took it
    again: dict[str, str] = {}  # a row's key -> the first row's, at the same turn
    for row in rows:
        key, edge = hour_keyed(row["dedup_key"], row["received_at"])
        row["dedup_key"] = key
        if edge is not None and first.setdefault(edge, key) != key:
            again[key] = first[edge]
    keys = [r["dedup_key"] for r in rows]
    make = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    with database_errors("import"), engine.begin() as conn:
        stored = stored_keys(conn, claim_turns(conn, first), first)
        for key, earlier in again.items():
            stored[key] = stored.get(earlier, earlier)
        known = conn.execute(select(u.c.dedup_key).where(u.c.dedup_key.in_(keys)))
        before = {r.dedup_key for r in known}
        fresh = [r for r in rows if r["dedup_key"] not in before and r["dedup_key"] not in stored]
        if fresh:
            conn.execute(make(u).on_conflict_do_nothing(index_elements=["dedup_key"]), fresh)
        targets = {stored.get(k, k) for k in keys}
        found = conn.execute(select(u.c.id, u.c.dedup_key).where(u.c.dedup_key.in_(targets)))
        ids = {r.dedup_key: int(r.id) for r in found}
    mapped: dict[int, int] = {}
    for doc, row in zip(batch, rows, strict=True):
        new_id = ids.get(stored.get(row["dedup_key"], row["dedup_key"]))
        if new_id is not None:
            mapped[int(doc["id"])] = new_id
    return len(fresh), mapped
