"""``releve export``, ``releve import`` and ``releve devices erase-data`` on real data directories."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kernel.settings import Settings
from kernel.types import Reading
from registry import Device, audit
from releve.cli import main
from releve.services import close_state, open_state

EUI = "0102030405060708"
T0 = datetime(2026, 2, 1, tzinfo=UTC)
EVER = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


def seed(data_dir: Path) -> None:
    state = open_state(Settings(data_dir=data_dir))
    try:
        town = state.registry.owner_tenant()
        site = state.registry.ensure_site(town.id, "mairie", "Mairie")
        state.registry.add_devices([Device(EUI, town.id, "eau", "netvox/r718h", site_id=site.id)])
        state.store.write(
            [
                Reading(EUI, "water_volume", 5.0 + h, "m3", "cumulative", T0 + timedelta(hours=h), delta=1.0)
                for h in range(24)
            ]
        )
    finally:
        close_state(state)


def readings(data_dir: Path) -> list[Reading]:
    state = open_state(Settings(data_dir=data_dir))
    try:
        return state.store.query(EUI, *EVER)
    finally:
        close_state(state)


def test_export_then_import_elsewhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target, archive = tmp_path / "a", tmp_path / "b", tmp_path / "town.tar.gz"
    seed(source)
    monkeypatch.setenv("RELEVE_DATA_DIR", str(source))
    assert main(["export", "--tenant", "town", "--out", str(archive)]) == 0
    assert "24 readings" in capsys.readouterr().out
    assert main(["export", "--tenant", "nobody", "--out", str(tmp_path / "x.tar.gz")]) == 2
    assert not (tmp_path / "x.tar.gz").exists() and not (tmp_path / "x.tar.gz.partial").exists()

    monkeypatch.setenv("RELEVE_DATA_DIR", str(target))
    assert main(["import", str(archive)]) == 0
    assert "imported tenant town" in capsys.readouterr().out
    assert readings(target) == readings(source)

    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(archive.read_bytes()[:-200])
    assert main(["import", str(broken)]) == 1
    assert "nothing imported" in capsys.readouterr().err


def test_erase_data_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(tmp_path)
    monkeypatch.setenv("RELEVE_DATA_DIR", str(tmp_path))
    assert main(["devices", "erase-data", EUI.upper(), "--note", "ticket 12"]) == 0
    assert "24 readings" in capsys.readouterr().out
    assert readings(tmp_path) == []
    state = open_state(Settings(data_dir=tmp_path))
    try:
        entries, _ = audit.entries(state.registry.engine)
    finally:
        close_state(state)
    assert [(e.actor, e.target, e.note) for e in entries] == [("cli", EUI, "ticket 12")]
    assert main(["devices", "erase-data", "ffffffffffffffff"]) == 1
