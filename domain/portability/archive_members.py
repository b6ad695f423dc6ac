"""What the members of an export archive may hold, checked before an import writes anything.

``restore.verify`` reads every member once: its size against the manifest and the bounds below
(from the tar header, before a byte of it is decompressed), its lines (one JSON object each, no
blank line, none longer than ``MAX_LINE_BYTES``) and every record through the functions the
import then uses to write it. A hostile archive (a member of 2 GiB of newlines, a name with NUL
bytes, a reading in the year 9999) is refused at its first bad byte, line or record, in the time
it takes to read up to there, and nothing is imported. Since every line is a record, an import's
work is bounded by the archive's size.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import IO, Any, Final

import orjson

from domain.portability.export import DEVICE_FIELDS, REGISTRY, UPLINK_FIELDS, UPLINK_MORE, ArchiveError
from domain.portability.portable_settings import WEATHER, check_settings, observation_of
from kernel.fields import LABEL_MAX, NAME_MAX, NOTE_MAX, SHORT_MAX, TEXT_MAX, check_tags, check_text
from kernel.types import Reading, normalize_eui
from store.rollup import HourRollup, SeriesHour

MiB: Final = 1 << 20
MAX_MANIFEST_BYTES: Final = 16 * MiB
MAX_REGISTRY_BYTES: Final = 64 * MiB
MAX_MEMBER_BYTES: Final = 1024 * MiB
MAX_ARCHIVE_BYTES: Final = 64 * 1024 * MiB
MAX_LINE_BYTES: Final = 1 * MiB

DEVICE_MEMBER = re.compile(r"^devices/([0-9a-f]{16})/(uplinks|readings|rollups)\.jsonl$")
# Times of records: far enough for any meter, and every store and window arithmetic copes.
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def member_kind(name: str) -> tuple[str, str]:
    """("registry" | "weather" | "uplinks" | "readings" | "rollups", DevEUI or "") of a member."""
    if name == REGISTRY:
        return "registry", ""
    if name == WEATHER:
        return "weather", ""
    found = DEVICE_MEMBER.match(name)
    if found is None:
        raise ArchiveError(f"unexpected member {name!r} (not a member of the export format)")
    return found.group(2), found.group(1)


def check_listing(members: Mapping[str, Any]) -> None:
    """The manifest's members: known names, sizes within the bounds, the whole too."""
    total = 0
    for name, entry in members.items():
        kind, _ = member_kind(name)
        size = entry.get("bytes") if isinstance(entry, dict) else None
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise ArchiveError(f"the manifest gives no size for {name}")
        limit = MAX_REGISTRY_BYTES if kind == "registry" else MAX_MEMBER_BYTES
        if size > limit:
            raise ArchiveError(f"member {name} is {size:,} bytes; a member is at most {limit:,}")
        total += size
    if total > MAX_ARCHIVE_BYTES:
        raise ArchiveError(
            f"the members add up to {total:,} bytes; an archive holds at most {MAX_ARCHIVE_BYTES:,}"
        )


def read_whole(fh: IO[bytes], name: str, limit: int) -> bytes:
    """A member read in one piece (the manifest, the registry), never more than ``limit`` bytes."""
    data = fh.read(limit + 1)
    if len(data) > limit:
        raise ArchiveError(f"{name} is larger than {limit:,} bytes")
    return data


def records(fh: IO[bytes], name: str, seen: Any = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) of a JSON-lines member; ``seen.update`` (a hash) gets every byte."""
    number = 0
    while raw := fh.readline(MAX_LINE_BYTES + 1):
        number += 1
        if seen is not None:
            seen.update(raw)
        if len(raw) > MAX_LINE_BYTES:
            raise ArchiveError(f"{name}, line {number}: longer than {MAX_LINE_BYTES:,} bytes")
        if not raw.strip():
            raise ArchiveError(f"{name}, line {number}: empty (each line is one JSON object)")
        try:
            doc = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise ArchiveError(f"{name}, line {number}: not JSON ({exc})") from exc
        if not isinstance(doc, dict):
            raise ArchiveError(f"{name}, line {number}: not a JSON object")
        yield number, doc


def aware(ts: datetime) -> datetime:
    if ts.tzinfo is None:
        raise ValueError(f"{ts.isoformat()}: a time without a UTC offset")
    if not EARLIEST <= ts < LATEST:
        raise ValueError(f"{ts.isoformat()}: out of {EARLIEST.year}-{LATEST.year}")
    return ts


# -- records: what the import writes, from a line ---------------------------------------------


def uplink_row(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **{k: doc[k] for k in (*UPLINK_FIELDS, *UPLINK_MORE)},
        "payload": bytes.fromhex(doc["payload"]),
        "received_at": aware(datetime.fromisoformat(doc["received_at"])),
    }


def reading_of(eui: str, doc: Mapping[str, Any], uplink_ids: Mapping[int, int]) -> Reading:
    old = doc.get("uplink_id")
    return Reading(
        dev_eui=eui,
        quantity=str(doc["quantity"]),
        value=float(doc["value"]),
        unit=str(doc["unit"]),
        kind=str(doc["kind"]),
        ts=aware(datetime.fromisoformat(doc["ts"])),
        channel=str(doc["channel"]),
        f_cnt=None if doc.get("f_cnt") is None else int(doc["f_cnt"]),
        uplink_id=uplink_ids.get(int(old)) if old is not None else None,
        delta=None if doc.get("delta") is None else float(doc["delta"]),
    )


def rollup_of(doc: Mapping[str, Any]) -> SeriesHour:
    return SeriesHour(
        str(doc["quantity"]),
        str(doc["channel"]),
        HourRollup(
            hour=aware(datetime.fromisoformat(doc["hour"])),
            count=int(doc["count"]),
            consumption=None if doc.get("consumption") is None else float(doc["consumption"]),
            min=float(doc["min"]),
            max=float(doc["max"]),
            total=float(doc["sum"]),
            first=float(doc["first"]),
            last=float(doc["last"]),
        ),
    )


def check_record(kind: str, eui: str, doc: Mapping[str, Any]) -> None:
    """ValueError (KeyError, TypeError) unless the import can write this line of a ``kind`` member."""
    if kind == "uplinks":
        row = uplink_row(doc)
        int(doc["id"])
        if row["dev_eui"] != eui:
            raise ValueError(f"an uplink of {row['dev_eui']!r} among {eui}'s")
        check_text(str(row["dedup_key"]), "dedup_key", 200)
    elif kind == "readings":
        reading_of(eui, doc, {})
    elif kind == "rollups":
        rollup_of(doc)
    elif kind == "weather":
        aware(observation_of(doc)[1].ts)


# -- registry.json -----------------------------------------------------------------------------


def _text(doc: Mapping[str, Any], key: str, limit: int, *, required: bool = False) -> None:
    value = doc[key]
    if value is None and not required:
        return
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"{key}: {'a non-empty ' if required else ''}text expected, got {value!r}")
    check_text(value, key, limit)


def _number(doc: Mapping[str, Any], key: str) -> None:
    value = doc.get(key)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise ValueError(f"{key}: a number expected, got {value!r}")


def check_registry(doc: Any) -> set[str]:
    """The registry's DevEUIs, if every field is one the import can write (the rules of every
    write path for its text: ``kernel.fields``)."""
    if not isinstance(doc, dict):
        raise ValueError("not a JSON object")
    _text(doc["tenant"], "slug", SHORT_MAX, required=True)
    _text(doc["tenant"], "name", NAME_MAX, required=True)
    slugs: set[str] = set()
    for site in doc["sites"]:
        try:
            for key, limit in (("slug", SHORT_MAX), ("name", NAME_MAX)):
                _text(site, key, limit, required=True)
            _text(site, "address", TEXT_MAX)
            _text(site, "use", SHORT_MAX)
            for key in ("latitude", "longitude", "floor_area_m2"):
                _number(site, key)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"site {site.get('slug')!r}: {exc}") from exc
        slugs.add(site["slug"])
    euis: set[str] = set()
    for device in doc["devices"]:
        try:
            _check_device(device, slugs)
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"device {device.get('dev_eui')!r}: {exc}") from exc
        euis.add(device["dev_eui"])
    for r in doc.get("meter_replacements", []):
        if r["dev_eui"] not in euis:
            raise ValueError(f"a meter replacement of {r['dev_eui']!r}, not a device of the archive")
        aware(datetime.fromisoformat(r["at"]))
        float(r["old_final_index"])
        float(r["new_initial_index"])
        _text(r, "channel", 20, required=False)
        _text(r, "note", NOTE_MAX)
    check_settings(doc, slugs)
    return euis


def _check_device(d: Mapping[str, Any], slugs: set[str]) -> None:
    missing = [k for k in DEVICE_FIELDS if k not in d]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    if normalize_eui(d["dev_eui"]) != d["dev_eui"]:
        raise ValueError("dev_eui: 16 lower-case hex digits expected")
    _text(d, "name", NAME_MAX, required=True)
    _text(d, "model", 120, required=True)
    _text(d, "status", 20, required=True)
    for key, limit in (
        ("metering_point", LABEL_MAX),
        ("pulse_quantity", SHORT_MAX),
        ("purpose", TEXT_MAX),
        ("operated_by", NAME_MAX),
    ):
        _text(d, key, limit)
    for key in ("pulse_weight", "register_max", "expected_interval_s"):
        _number(d, key)
    tags = d["tags"]
    if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
        raise ValueError("tags: an object of texts expected")
    check_tags(tags)
    if d.get("site") is not None and d["site"] not in slugs:
        raise ValueError(f"site {d['site']!r} is not in the archive")
    if d.get("installed_at"):
        date.fromisoformat(d["installed_at"])
    if d.get("app_skey_wrapped"):
        bytes.fromhex(d["app_skey_wrapped"])
