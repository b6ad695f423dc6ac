"""An export archive that is corrupt, truncated or of another format version is refused whole."""

from __future__ import annotations

import io
import tarfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from domain.portability.export import ArchiveError, export_tenant
from domain.portability.restore import import_archive, verify
from kernel.types import Reading
from registry import Device, Registry, open_registry
from store.sqlite import SqliteStore

EUI = "0102030405060708"
T0 = datetime(2026, 1, 5, tzinfo=UTC)


@pytest.fixture
def exported(tmp_path: Path) -> Iterator[Path]:
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
    path = tmp_path / "town.tar.gz"
    with path.open("wb") as out:
        export_tenant(registry, store, "town", out)
    registry.close()
    store.close()
    yield path


@pytest.fixture
def target(tmp_path: Path) -> Iterator[tuple[Registry, SqliteStore]]:
    registry = open_registry(f"sqlite:///{tmp_path / 'b.db'}")
    store = SqliteStore(tmp_path / "b-readings.db")
    yield registry, store
    registry.close()
    store.close()


def rewrite(path: Path, change: Callable[[dict[str, bytes]], None]) -> None:
    with tarfile.open(path, "r:gz") as tar:
        members = {}
        for info in tar:
            fh = tar.extractfile(info)
            assert fh is not None
            members[info.name] = fh.read()
    change(members)
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def manifest_edit(**fields: object) -> Callable[[dict[str, bytes]], None]:
    def change(members: dict[str, bytes]) -> None:
        manifest = orjson.loads(members["manifest.json"])
        manifest.update(fields)
        members["manifest.json"] = orjson.dumps(manifest)

    return change


def test_a_sound_archive_verifies(exported: Path) -> None:
    manifest = verify(exported)
    assert manifest["format"] == "releve-export" and manifest["format_version"] == 1
    assert manifest["counts"]["readings"] == 5
    assert set(manifest["members"]) == {
        "registry.json",
        "weather.jsonl",
        f"devices/{EUI}/uplinks.jsonl",
        f"devices/{EUI}/readings.jsonl",
        f"devices/{EUI}/rollups.jsonl",
    }


def corrupt_readings(members: dict[str, bytes]) -> None:
    name = f"devices/{EUI}/readings.jsonl"
    members[name] = members[name].replace(b'"value":3.0', b'"value":3.5')


def add_member(members: dict[str, bytes]) -> None:
    members["devices/ffffffffffffffff/readings.jsonl"] = b"{}\n"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (manifest_edit(format_version=2), "export format version 2, this releve"),
        (manifest_edit(format="something-else"), "not a releve export (format is not"),
        (corrupt_readings, f"member devices/{EUI}/readings.jsonl is corrupt"),
        (add_member, "unexpected member 'devices/ffffffffffffffff/readings.jsonl'"),
        (lambda m: m.pop(f"devices/{EUI}/rollups.jsonl"), "truncated archive, missing"),
    ],
    ids=["version", "format", "sha256", "extra", "missing"],
)
def test_a_bad_archive_is_refused_and_nothing_is_imported(
    exported: Path,
    target: tuple[Registry, SqliteStore],
    change: Callable[[dict[str, bytes]], None],
    message: str,
) -> None:
    rewrite(exported, change)
    registry, store = target
    with pytest.raises(ArchiveError, match=message.replace("(", r"\(")):
        import_archive(registry, store, exported)
    assert registry.list_devices() == [] and registry.list_tenants() == []


def test_truncated_or_foreign_files_are_refused(exported: Path, target: tuple[Registry, SqliteStore]) -> None:
    registry, store = target
    data = exported.read_bytes()
    exported.write_bytes(data[: len(data) // 2])
    with pytest.raises(ArchiveError, match="corrupt or truncated"):
        import_archive(registry, store, exported)
    exported.write_bytes(b"dev_eui,name\n" * 50)
    with pytest.raises(ArchiveError, match="not a releve export"):
        import_archive(registry, store, exported)
    assert registry.list_devices() == []
