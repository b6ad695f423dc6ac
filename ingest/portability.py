"""A tenant's full export as one archive file, and its import into another releve instance.

The archive (docs/portability.md) is a gzip tar: ``manifest.json`` first (format and version,
releve version, tenant, counts, the sha256 and size of every other member), ``registry.json``
(tenant, sites, devices, meter replacements), then per device ``devices/<eui>/uplinks.jsonl``
(the raw archive), ``readings.jsonl`` and ``rollups.jsonl`` (hourly rollups, which outlive pruned
raw readings). An import checks every member against the manifest before it writes anything,
and is idempotent: importing the same archive twice leaves the same data. Uplink ids differ
between instances; readings are re-linked to their uplink through its dedup key.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Engine, and_, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ingest import schema
from ingest.registry import Device, Registry, Tenant
from ingest.registry_errors import NotFound, RegistryError, database_errors
from ingest.rollup import HourRollup, SeriesHour
from ingest.store import Store
from releve import __version__
from releve.types import Reading

FORMAT = "releve-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
REGISTRY = "registry.json"
_READ_SPAN = timedelta(days=92)
_BATCH = 2000


class ArchiveError(RegistryError):
    """An archive that cannot be imported: corrupt, truncated, foreign or conflicting."""


@dataclass
class Counts:
    sites: int = 0
    devices: int = 0
    meter_replacements: int = 0
    uplinks: int = 0
    readings: int = 0
    rollups: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(vars(self))


@dataclass
class ImportReport:
    tenant: str
    counts: Counts = field(default_factory=Counts)
    new_uplinks: int = 0


# -- export ------------------------------------------------------------------------------------


def find_tenant(registry: Registry, slug: str) -> Tenant:
    for tenant in registry.list_tenants():
        if tenant.slug == slug:
            return tenant
    raise NotFound(f"no tenant {slug!r}")


class _Member:
    """A member spooled to disk while its sha256 and size are computed."""

    def __init__(self, directory: Path, name: str, number: int) -> None:
        self.name = name
        self.path = directory / f"member{number}"
        self._fh = self.path.open("wb")
        self._sha = hashlib.sha256()
        self.size = 0
        self.lines = 0

    def write(self, data: bytes) -> None:
        self._fh.write(data)
        self._sha.update(data)
        self.size += len(data)

    def line(self, obj: Any) -> None:
        self.write(orjson.dumps(obj) + b"\n")
        self.lines += 1

    def close(self) -> dict[str, Any]:
        self._fh.close()
        return {"sha256": self._sha.hexdigest(), "bytes": self.size}


def export_tenant(registry: Registry, store: Store, slug: str, out: IO[bytes]) -> dict[str, Any]:
    """Write the tenant's archive to ``out``; returns the manifest."""
    tenant = find_tenant(registry, slug)
    sites = registry.list_sites(tenant.id)
    site_slugs = {s.id: s.slug for s in sites}
    devices = registry.list_devices(tenant.id, limit=10**9)
    counts = Counts(sites=len(sites), devices=len(devices))
    with tempfile.TemporaryDirectory(prefix="releve-export-") as tmp:
        members: list[_Member] = []
        reg = _Member(Path(tmp), REGISTRY, 0)
        replacements = _replacements(registry.engine, [d.dev_eui for d in devices])
        counts.meter_replacements = len(replacements)
        reg.write(
            orjson.dumps(
                {
                    "tenant": {"slug": tenant.slug, "name": tenant.name, "is_owner": tenant.is_owner},
                    "sites": [
                        {k: getattr(s, k) for k in _SITE_FIELDS} for s in sorted(sites, key=lambda s: s.slug)
                    ],
                    "devices": [_device_doc(d, site_slugs) for d in devices],
                    "meter_replacements": replacements,
                },
                option=orjson.OPT_INDENT_2,
            )
        )
        members.append(reg)
        for device in devices:
            eui = device.dev_eui
            up = _Member(Path(tmp), f"devices/{eui}/uplinks.jsonl", len(members))
            for row in _uplink_rows(registry.engine, eui):
                up.line(row)
            hours = store.hourly(eui)
            rd = _Member(Path(tmp), f"devices/{eui}/readings.jsonl", len(members) + 1)
            for reading in _all_readings(store, eui, hours):
                rd.line(_reading_doc(reading))
            ro = _Member(Path(tmp), f"devices/{eui}/rollups.jsonl", len(members) + 2)
            for h in hours:
                ro.line(_rollup_doc(h))
            counts.uplinks += up.lines
            counts.readings += rd.lines
            counts.rollups += ro.lines
            members.extend([up, rd, ro])
        digests = {m.name: m.close() for m in members}
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "releve_version": __version__,
            "created_at": datetime.now(UTC).isoformat(),
            "tenant": tenant.slug,
            "counts": counts.as_dict(),
            "members": digests,
        }
        with tarfile.open(fileobj=out, mode="w:gz") as tar:
            _add_bytes(tar, MANIFEST, orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
            for m in members:
                info = tarfile.TarInfo(m.name)
                info.size = m.size
                info.mtime = int(datetime.now(UTC).timestamp())
                with m.path.open("rb") as fh:
                    tar.addfile(info, fh)
    return manifest


_SITE_FIELDS = ("slug", "name", "address", "latitude", "longitude", "floor_area_m2", "use", "open_data")
_DEVICE_FIELDS = (
    "dev_eui",
    "name",
    "model",
    "metering_point",
    "pulse_quantity",
    "pulse_weight",
    "register_max",
    "expected_interval_s",
    "tags",
    "status",
    "purpose",
    "operated_by",
)


def _device_doc(d: Device, site_slugs: Mapping[int, str]) -> dict[str, Any]:
    doc: dict[str, Any] = {k: getattr(d, k) for k in _DEVICE_FIELDS}
    doc["site"] = site_slugs.get(d.site_id) if d.site_id is not None else None
    doc["installed_at"] = d.installed_at.isoformat() if d.installed_at else None
    # Wrapped under the source's master key: usable by an instance given the same RELEVE_MASTER_KEY.
    doc["app_skey_wrapped"] = d.app_skey_wrapped.hex() if d.app_skey_wrapped else None
    return doc


def _replacements(engine: Engine, euis: list[str]) -> list[dict[str, Any]]:
    t = schema.meter_replacements
    out: list[dict[str, Any]] = []
    with database_errors("export"), engine.connect() as conn:
        for i in range(0, len(euis), 500):
            rows = conn.execute(select(t).where(t.c.dev_eui.in_(euis[i : i + 500])).order_by(t.c.id))
            out.extend(
                {
                    "dev_eui": r.dev_eui,
                    "quantity": r.quantity,
                    "channel": r.channel,
                    "at": r.at.isoformat(),
                    "old_final_index": r.old_final_index,
                    "new_initial_index": r.new_initial_index,
                    "note": r.note,
                }
                for r in rows
            )
    return out


_UPLINK_FIELDS = ("dedup_key", "dev_eui", "f_port", "f_cnt", "lns", "source", "meta", "state", "error")
_UPLINK_MORE = ("decoder", "readings", "duplicates")


def _uplink_rows(engine: Engine, eui: str) -> Iterator[dict[str, Any]]:
    u = schema.uplinks
    last = 0
    while True:
        with database_errors("export"), engine.connect() as conn:
            rows = conn.execute(
                select(u).where(u.c.dev_eui == eui, u.c.id > last).order_by(u.c.id).limit(_BATCH)
            ).all()
        for r in rows:
            doc = {k: getattr(r, k) for k in (*_UPLINK_FIELDS, *_UPLINK_MORE)}
            doc["id"] = r.id
            doc["payload"] = bytes(r.payload).hex()
            doc["received_at"] = r.received_at.isoformat()
            yield doc
        if len(rows) < _BATCH:
            return
        last = rows[-1].id


def _all_readings(store: Store, eui: str, hours: list[SeriesHour]) -> Iterator[Reading]:
    """Every raw reading, read in spans of a few months between the first and last rollup hours."""
    if not hours:
        return
    start = hours[0].rollup.hour
    end = hours[-1].rollup.hour + timedelta(hours=1)
    while start < end:
        stop = min(start + _READ_SPAN, end)
        yield from store.query(eui, start, stop)
        start = stop


def _reading_doc(r: Reading) -> dict[str, Any]:
    return {
        "quantity": r.quantity,
        "channel": r.channel,
        "ts": r.ts.isoformat(),
        "value": r.value,
        "unit": r.unit,
        "kind": r.kind,
        "delta": r.delta,
        "f_cnt": r.f_cnt,
        "uplink_id": r.uplink_id,
    }


def _rollup_doc(h: SeriesHour) -> dict[str, Any]:
    r = h.rollup
    return {
        "quantity": h.quantity,
        "channel": h.channel,
        "hour": r.hour.isoformat(),
        "count": r.count,
        "consumption": r.consumption,
        "min": r.min,
        "max": r.max,
        "sum": r.total,
        "first": r.first,
        "last": r.last,
    }


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


# -- verification ------------------------------------------------------------------------------


def _open(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, mode="r:gz")
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ArchiveError(f"{path}: not a releve export (not a readable gzip tar: {exc})") from exc


def verify(path: Path) -> dict[str, Any]:
    """Check the archive whole: manifest, format version, every member's size and sha256."""
    with _open(path) as tar:
        try:
            first = tar.next()
            if first is None or first.name != MANIFEST:
                raise ArchiveError(f"{path}: not a releve export (no {MANIFEST} first)")
            manifest = _manifest(tar, first, path)
            expected: dict[str, Any] = manifest["members"]
            seen: set[str] = set()
            for info in tar:
                if info is first:
                    continue
                want = expected.get(info.name)
                if want is None or not info.isfile():
                    raise ArchiveError(f"{path}: unexpected member {info.name!r} (not in the manifest)")
                fh = tar.extractfile(info)
                assert fh is not None  # a regular file
                digest = hashlib.sha256()
                size = 0
                while chunk := fh.read(1 << 20):
                    digest.update(chunk)
                    size += len(chunk)
                if size != want.get("bytes") or digest.hexdigest() != want.get("sha256"):
                    raise ArchiveError(f"{path}: member {info.name} is corrupt (sha256 or size mismatch)")
                seen.add(info.name)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise ArchiveError(f"{path}: corrupt or truncated archive: {exc}") from exc
    missing = sorted(set(expected) - seen)
    if missing:
        raise ArchiveError(f"{path}: truncated archive, missing {', '.join(missing[:5])}")
    return manifest


def _manifest(tar: tarfile.TarFile, info: tarfile.TarInfo, path: Path) -> dict[str, Any]:
    fh = tar.extractfile(info)
    try:
        manifest = orjson.loads(fh.read() if fh else b"")
    except orjson.JSONDecodeError as exc:
        raise ArchiveError(f"{path}: unreadable {MANIFEST}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ArchiveError(f"{path}: not a releve export (format is not {FORMAT!r})")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise ArchiveError(
            f"{path}: export format version {version!r}, this releve ({__version__}) reads "
            f"version {FORMAT_VERSION} only"
        )
    if not isinstance(manifest.get("members"), dict) or REGISTRY not in manifest["members"]:
        raise ArchiveError(f"{path}: the manifest lists no {REGISTRY}")
    return manifest


# -- import ------------------------------------------------------------------------------------


def import_archive(registry: Registry, store: Store, path: Path) -> ImportReport:
    """Verify, then restore the archive into this instance (idempotent)."""
    manifest = verify(path)
    with _open(path) as tar:
        try:
            return _import(registry, store, tar, manifest, path)
        except (tarfile.TarError, OSError, EOFError) as exc:
            raise ArchiveError(f"{path}: archive became unreadable during the import: {exc}") from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise ArchiveError(f"{path}: malformed content: {exc!r}") from exc


def _lines(tar: tarfile.TarFile, info: tarfile.TarInfo) -> Iterator[dict[str, Any]]:
    fh = tar.extractfile(info)
    assert fh is not None
    for raw in fh:
        if raw.strip():
            yield orjson.loads(raw)


def _import(
    registry: Registry, store: Store, tar: tarfile.TarFile, manifest: dict[str, Any], path: Path
) -> ImportReport:
    report: ImportReport | None = None
    devices: set[str] = set()
    uplink_ids: dict[int, int] = {}
    for info in tar:
        if info.name == MANIFEST:
            continue
        if info.name == REGISTRY:
            fh = tar.extractfile(info)
            doc = orjson.loads(fh.read() if fh else b"")
            report = ImportReport(tenant=str(manifest["tenant"]))
            _import_registry(registry, doc, report.counts)
            devices = {d["dev_eui"] for d in doc["devices"]}
            continue
        if report is None:
            raise ArchiveError(f"{path}: {info.name} comes before {REGISTRY}")
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
                store.write([_reading(eui, r, uplink_ids) for r in batch])
                report.counts.readings += len(batch)
        elif kind == "rollups.jsonl":
            for batch in _batches(_lines(tar, info)):
                store.restore_hourly(eui, [_rollup(r) for r in batch])
                report.counts.rollups += len(batch)
    if report is None:
        raise ArchiveError(f"{path}: no {REGISTRY}")
    return report


def _batches(items: Iterable[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _import_registry(registry: Registry, doc: dict[str, Any], counts: Counts) -> None:
    t = doc["tenant"]
    known = {x.slug: x for x in registry.list_tenants()}
    tenant = known.get(t["slug"])
    if tenant is None:
        # The town stays the network owner in its new instance, unless that one has an owner already.
        owner = bool(t.get("is_owner")) and not any(x.is_owner for x in known.values())
        tenant = registry.ensure_tenant(t["slug"], t["name"], is_owner=owner)
    sites = {}
    for s in doc["sites"]:
        attrs = {k: s[k] for k in _SITE_FIELDS if k not in ("slug", "name")}
        sites[s["slug"]] = registry.ensure_site(tenant.id, s["slug"], s["name"], **attrs).id
        counts.sites += 1
    for d in doc["devices"]:
        existing = registry.find_device(d["dev_eui"])
        if existing is not None and existing.tenant_id != tenant.id:
            raise ArchiveError(f"device {d['dev_eui']} belongs to another tenant of this instance")
    d_table = schema.devices
    with database_errors("import"), registry.engine.begin() as conn:
        for d in doc["devices"]:
            values = {k: d[k] for k in _DEVICE_FIELDS}
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


def _import_uplinks(engine: Engine, batch: list[dict[str, Any]]) -> tuple[int, dict[int, int]]:
    """Insert the uplinks not archived yet; map the source's ids to this instance's."""
    u = schema.uplinks
    rows = [
        {
            **{k: r[k] for k in (*_UPLINK_FIELDS, *_UPLINK_MORE)},
            "payload": bytes.fromhex(r["payload"]),
            "received_at": datetime.fromisoformat(r["received_at"]),
        }
        for r in batch
    ]
    keys = [r["dedup_key"] for r in rows]
    make = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    known = select(u.c.id, u.c.dedup_key).where(u.c.dedup_key.in_(keys))
    with database_errors("import"), engine.begin() as conn:
        before = {r.dedup_key for r in conn.execute(known)}
        fresh = [r for r in rows if r["dedup_key"] not in before]
        if fresh:
            conn.execute(make(u).on_conflict_do_nothing(index_elements=["dedup_key"]), fresh)
        ids = {r.dedup_key: int(r.id) for r in conn.execute(known)}
    return len(fresh), {int(r["id"]): ids[r["dedup_key"]] for r in batch if r["dedup_key"] in ids}


def _reading(eui: str, r: dict[str, Any], uplink_ids: Mapping[int, int]) -> Reading:
    old = r.get("uplink_id")
    return Reading(
        dev_eui=eui,
        quantity=r["quantity"],
        value=float(r["value"]),
        unit=r["unit"],
        kind=r["kind"],
        ts=datetime.fromisoformat(r["ts"]),
        channel=r["channel"],
        f_cnt=r.get("f_cnt"),
        uplink_id=uplink_ids.get(int(old)) if old is not None else None,
        delta=None if r.get("delta") is None else float(r["delta"]),
    )


def _rollup(r: dict[str, Any]) -> SeriesHour:
    return SeriesHour(
        r["quantity"],
        r["channel"],
        HourRollup(
            hour=datetime.fromisoformat(r["hour"]),
            count=int(r["count"]),
            consumption=None if r.get("consumption") is None else float(r["consumption"]),
            min=float(r["min"]),
            max=float(r["max"]),
            total=float(r["sum"]),
            first=float(r["first"]),
            last=float(r["last"]),
        ),
    )
