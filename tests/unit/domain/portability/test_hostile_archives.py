"""Hostile export archives are refused in seconds, with the reason, and nothing is imported.

The archives are crafted as a tar in concatenated gzip members, so that a member of 2 GiB of
newlines costs a few kilobytes on disk and milliseconds to write: the same 1 MiB block of
newlines, compressed once, repeated.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import tarfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from domain.portability.archive_members import MAX_ARCHIVE_BYTES, MAX_LINE_BYTES, MAX_MEMBER_BYTES
from domain.portability.export import ArchiveError, export_tenant
from domain.portability.restore import import_archive
from kernel.settings import Settings
from kernel.types import Reading
from registry import Device, Registry, open_registry
from releve.cli import main
from releve.services import close_state, open_state
from store.sqlite import SqliteStore

EUI = "0102030405060708"
T0 = datetime(2026, 1, 5, tzinfo=UTC)
GiB = 1 << 30
BLOCK = b"\n" * (1 << 20)


def _header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size = size
    return info.tobuf(format=tarfile.USTAR_FORMAT)


def _padding(size: int) -> bytes:
    return b"\0" * (-size % tarfile.BLOCKSIZE)


def craft(path: Path, members: dict[str, bytes], newlines: tuple[str, int, int] | None = None) -> None:
    """A gzip tar of ``members`` (the manifest first), then ``newlines``: a member (name, its
    size in the tar header, its size in the manifest) of that many newlines."""
    manifest = orjson.loads(members["manifest.json"])
    if newlines is not None:
        name, size, listed = newlines
        digest = hashlib.sha256()
        for _ in range(size // len(BLOCK)):
            digest.update(BLOCK)
        manifest["members"][name] = {"sha256": digest.hexdigest(), "bytes": listed}
    members = {k: v for k, v in members.items() if newlines is None or k != newlines[0]}
    members["manifest.json"] = orjson.dumps(manifest)
    with path.open("wb") as out:
        for name, data in members.items():
            out.write(gzip.compress(_header(name, len(data)) + data + _padding(len(data)), compresslevel=1))
        if newlines is not None:
            name, size, _ = newlines
            out.write(gzip.compress(_header(name, size), compresslevel=1))
            block = gzip.compress(BLOCK, compresslevel=9)
            for _ in range(size // len(BLOCK)):
                out.write(block)
            out.write(gzip.compress(_padding(size), compresslevel=1))
        out.write(gzip.compress(b"\0" * tarfile.RECORDSIZE, compresslevel=1))


@pytest.fixture
def members(tmp_path: Path) -> dict[str, bytes]:
    """The members of a sound export of one device, by name."""
    registry = open_registry(f"sqlite:///{tmp_path / 'a.db'}")
    store = SqliteStore(tmp_path / "a-readings.db")
    town = registry.owner_tenant()
    site = registry.ensure_site(town.id, "mairie", "Mairie")
    registry.add_devices([Device(EUI, town.id, "eau", "netvox/r718h", site_id=site.id)])
    store.write(
        [
            Reading(EUI, "water_volume", 1.0 + i, "m3", "cumulative", T0 + timedelta(hours=i), delta=1.0)
            for i in range(5)
        ]
    )
    out = io.BytesIO()
    export_tenant(registry, store, "town", out)
    registry.close()
    store.close()
    with tarfile.open(fileobj=io.BytesIO(out.getvalue()), mode="r:gz") as tar:
        found = {}
        for info in tar:
            fh = tar.extractfile(info)
            assert fh is not None
            found[info.name] = fh.read()
    return found


@pytest.fixture
def target(tmp_path: Path) -> Iterator[tuple[Registry, SqliteStore]]:
    registry = open_registry(f"sqlite:///{tmp_path / 'b.db'}")
    store = SqliteStore(tmp_path / "b-readings.db")
    yield registry, store
    registry.close()
    store.close()


def refused(path: Path, target: tuple[Registry, SqliteStore], message: str, seconds: float = 5) -> None:
    registry, store = target
    began = time.monotonic()
    with pytest.raises(ArchiveError) as raised:
        import_archive(registry, store, path)
    assert time.monotonic() - began < seconds
    assert message in str(raised.value), str(raised.value)
    assert registry.list_tenants() == [] and registry.list_devices() == []
    assert store.query(EUI, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)) == []


def test_a_member_of_two_gibibytes_of_newlines_is_refused_in_seconds_by_the_cli(
    members: dict[str, bytes],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bomb = tmp_path / "bomb.tar.gz"
    craft(bomb, members, ("weather.jsonl", 2 * GiB, 2 * GiB))
    assert bomb.stat().st_size < 10 << 20  # a few MB on disk
    monkeypatch.setenv("RELEVE_DATA_DIR", str(tmp_path / "data"))
    began = time.monotonic()
    assert main(["import", str(bomb)]) == 1
    assert time.monotonic() - began < 10
    err = capsys.readouterr().err
    assert "nothing imported" in err
    assert f"member weather.jsonl is 2,147,483,648 bytes; a member is at most {MAX_MEMBER_BYTES:,}" in err
    state = open_state(Settings(data_dir=tmp_path / "data"))
    try:
        assert state.registry.list_devices() == [] and [t.slug for t in state.registry.list_tenants()] == []
    finally:
        close_state(state)


def test_a_member_larger_than_its_listing_is_refused_before_it_is_read(
    members: dict[str, bytes], tmp_path: Path, target: tuple[Registry, SqliteStore]
) -> None:
    bomb = tmp_path / "bomb.tar.gz"
    craft(bomb, members, ("weather.jsonl", 2 * GiB, len(members["weather.jsonl"])))
    refused(bomb, target, "member weather.jsonl is corrupt (2,147,483,648 bytes, the manifest says 0)", 2)


def test_blank_lines_are_refused_at_the_first(
    members: dict[str, bytes], tmp_path: Path, target: tuple[Registry, SqliteStore]
) -> None:
    bomb = tmp_path / "bomb.tar.gz"
    craft(bomb, members, ("weather.jsonl", 512 << 20, 512 << 20))  # within the bounds
    refused(bomb, target, "weather.jsonl, line 1: empty (each line is one JSON object)", 2)


def test_the_whole_is_bounded(
    members: dict[str, bytes], tmp_path: Path, target: tuple[Registry, SqliteStore]
) -> None:
    manifest = orjson.loads(members["manifest.json"])
    for i in range(30):
        for kind in ("uplinks", "readings", "rollups"):
            manifest["members"][f"devices/{i:016x}/{kind}.jsonl"] = {
                "sha256": "0" * 64,
                "bytes": MAX_MEMBER_BYTES,
            }
    total = sum(entry["bytes"] for entry in manifest["members"].values())
    craft(tmp_path / "big.tar.gz", {**members, "manifest.json": orjson.dumps(manifest)})
    refused(
        tmp_path / "big.tar.gz",
        target,
        f"the members add up to {total:,} bytes; an archive holds at most {MAX_ARCHIVE_BYTES:,}",
    )


def _edit(member: str, change: Callable[[Any], Any]) -> Callable[[dict[str, bytes]], None]:
    """Change one member (registry.json as a document, a JSON-lines member as a list of records)
    and list its new size and sha256, as a forger would."""

    def apply(members: dict[str, bytes]) -> None:
        data = members[member]
        if member == "registry.json":
            data = orjson.dumps(change(orjson.loads(data)))
        else:
            data = b"".join(
                orjson.dumps(r) + b"\n" for r in change([orjson.loads(x) for x in data.splitlines()])
            )
        members[member] = data
        manifest = orjson.loads(members["manifest.json"])
        manifest["members"][member] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        members["manifest.json"] = orjson.dumps(manifest)

    return apply


def _device(**changes: Any) -> Callable[[Any], Any]:
    def change(doc: Any) -> Any:
        doc["devices"][0].update(changes)
        return doc

    return change


def _last_reading(**changes: Any) -> Callable[[Any], Any]:
    def change(rows: Any) -> Any:
        rows[-1].update(changes)
        return rows

    return change


@pytest.mark.parametrize(
    ("member", "change", "message"),
    [
        ("registry.json", _device(name="eau\x00mairie"), "device '0102030405060708': name: character U+0000"),
        (
            "registry.json",
            _device(tags={f"k{i}": "v" for i in range(100_000)}),
            "tags: at most 50 tags, got 100000",
        ),
        ("registry.json", _device(site="ailleurs"), "site 'ailleurs' is not in the archive"),
        (
            f"devices/{EUI}/readings.jsonl",
            _last_reading(ts="9999-12-31T00:00:00+00:00"),
            "line 5: not a readings record",
        ),
        (f"devices/{EUI}/readings.jsonl", _last_reading(value="beaucoup"), "line 5: not a readings record"),
        (f"devices/{EUI}/rollups.jsonl", lambda rows: [*rows, {}], "line 6: not a rollups record: KeyError"),
        (
            f"devices/{EUI}/readings.jsonl",
            lambda rows: rows[:-1],
            "the manifest counts 5 readings, the members hold 4",
        ),
    ],
    ids=["nul", "tags", "site", "year-9999", "value", "last-member", "counts"],
)
def test_hostile_records_are_refused_and_nothing_is_imported(
    members: dict[str, bytes],
    tmp_path: Path,
    target: tuple[Registry, SqliteStore],
    member: str,
    change: Callable[[Any], Any],
    message: str,
) -> None:
    _edit(member, change)(members)
    craft(tmp_path / "x.tar.gz", members)
    refused(tmp_path / "x.tar.gz", target, message)


def test_a_line_without_end_is_refused_at_its_bound(
    members: dict[str, bytes], tmp_path: Path, target: tuple[Registry, SqliteStore]
) -> None:
    name = f"devices/{EUI}/uplinks.jsonl"
    members[name] = b"x" * (MAX_LINE_BYTES * 3)
    manifest = orjson.loads(members["manifest.json"])
    manifest["members"][name] = {
        "sha256": hashlib.sha256(members[name]).hexdigest(),
        "bytes": len(members[name]),
    }
    members["manifest.json"] = orjson.dumps(manifest)
    craft(tmp_path / "x.tar.gz", members)
    refused(tmp_path / "x.tar.gz", target, f"{name}, line 1: longer than {MAX_LINE_BYTES:,} bytes")


def test_the_crafted_sound_archive_imports(
    members: dict[str, bytes], tmp_path: Path, target: tuple[Registry, SqliteStore]
) -> None:
    craft(tmp_path / "sound.tar.gz", members)
    report = import_archive(*target, tmp_path / "sound.tar.gz")
    assert report.counts.readings == 5 and [d.dev_eui for d in target[0].list_devices()] == [EUI]
