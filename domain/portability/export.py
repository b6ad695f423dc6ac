"""A tenant's full export as one archive file (``domain.portability.restore`` imports it into another
instance).

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
import heapq
import io
import itertools
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Engine, select

from domain.portability.portable_settings import WEATHER, settings_doc, weather_lines
from kernel import __version__
from kernel.types import Reading
from registry import Device, Registry, Tenant, schema
from registry.errors import NotFound, RegistryError, database_errors
from store import StoreReader
from store.rollup import SeriesHour

FORMAT = "releve-export"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
REGISTRY = "registry.json"
_READ_SPAN = timedelta(days=92)
BATCH = 2000


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
    weather_observations: int = 0

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


def export_tenant(
    registry: Registry,
    store: StoreReader,
    slug: str,
    out: IO[bytes],
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Write the tenant's archive to ``out``; returns the manifest. ``progress(done, total)``:
    told of each device written."""
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
                        {k: getattr(s, k) for k in SITE_FIELDS} for s in sorted(sites, key=lambda s: s.slug)
                    ],
                    "devices": [_device_doc(d, site_slugs) for d in devices],
                    "meter_replacements": replacements,
                    **settings_doc(registry.engine, tenant.id, sites),
                },
                option=orjson.OPT_INDENT_2,
            )
        )
        weather = _Member(Path(tmp), WEATHER, 1)
        for obs in weather_lines(registry.engine, tenant.id):
            weather.line(obs)
        counts.weather_observations = weather.lines
        members.extend([reg, weather])
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
            if progress is not None:
                progress(len(members) // 3, len(devices))
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


SITE_FIELDS = ("slug", "name", "address", "latitude", "longitude", "floor_area_m2", "use", "open_data")
DEVICE_FIELDS = (
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
    doc: dict[str, Any] = {k: getattr(d, k) for k in DEVICE_FIELDS}
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


UPLINK_FIELDS = ("dedup_key", "dev_eui", "f_port", "f_cnt", "lns", "source", "meta", "state", "error")
UPLINK_MORE = ("decoder", "readings", "duplicates")


def _uplink_rows(engine: Engine, eui: str) -> Iterator[dict[str, Any]]:
    u = schema.uplinks
    last = 0
    while True:
        # processed uplinks through their index by device, pending ones through the state's,
        # merged in the order they were archived
        with database_errors("export"), engine.connect() as conn:
            query = select(u).where(u.c.dev_eui == eui, u.c.id > last).order_by(u.c.id).limit(BATCH)
            done, waiting = (conn.execute(query.where(part)).all() for part in schema.BY_DEVICE)
        rows = list(itertools.islice(heapq.merge(done, waiting, key=lambda r: r.id), BATCH))
        for r in rows:
            doc = {k: getattr(r, k) for k in (*UPLINK_FIELDS, *UPLINK_MORE)}
            doc["id"] = r.id
            doc["payload"] = bytes(r.payload).hex()
            doc["received_at"] = r.received_at.isoformat()
            yield doc
        if len(rows) < BATCH:
            return
        last = rows[-1].id


def _all_readings(store: StoreReader, eui: str, hours: list[SeriesHour]) -> Iterator[Reading]:
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
