"""``releve grafana --out DIR``: the boards and provisioning files for a town's own InfluxDB."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kernel.settings import load_settings
from registry import Device
from releve.cli import main
from releve.services import open_registry_of

WATER, PULSES, ROOM, HLM_ROOM, COUNTER = (f"a0000000000000{i:02x}" for i in range(1, 6))


def test_the_files_follow_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELEVE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv(
        "RELEVE_STORE_URL", "influxdb://grafana:s3cret@influx.town.example:8087/ville?rp=brut&rollup_rp=long"
    )
    monkeypatch.setenv("RELEVE_TIMEZONE", "America/Martinique")
    out = tmp_path / "provisioning"
    assert main(["grafana", "--out", str(out)]) == 0
    written = [Path(line) for line in capsys.readouterr().out.split()]
    assert sorted(p.relative_to(out).as_posix() for p in written) == [
        "dashboards/releve.yaml",
        "dashboards/releve/releve-comfort.json",
        "dashboards/releve/releve-consumption.json",
        "datasources/releve.yaml",
    ]
    source = (out / "datasources" / "releve.yaml").read_text()
    assert "url: http://influx.town.example:8087" in source and 'dbName: "ville"' in source
    assert 'user: "grafana"' in source and 'password: "${RELEVE_INFLUX_PASSWORD}"' in source
    assert "s3cret" not in "".join(p.read_text() for p in written)  # the secret stays in the environment
    provider = (out / "dashboards" / "releve.yaml").read_text()
    assert f"path: {(out / 'dashboards' / 'releve').resolve()}" in provider
    board = json.loads((out / "dashboards" / "releve" / "releve-consumption.json").read_text())
    assert board["timezone"] == "America/Martinique"
    queries = [t["query"] for p in board["panels"] for t in p["targets"]]
    assert all('FROM "long".' in q for q in queries)
    assert all("tz('America/Martinique')" in q for q in queries if "GROUP BY time" in q)
    comfort = (out / "dashboards" / "releve" / "releve-comfort.json").read_text()
    assert '\\"brut\\".\\"reading\\"' in comfort


def test_a_token_and_another_address_for_grafana(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELEVE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RELEVE_STORE_URL", "influxdbs://influx.example/releve?token=abc")
    assert main(["grafana", "--out", str(tmp_path), "--influx-url", "https://10.0.0.5:8086"]) == 0
    source = (tmp_path / "datasources" / "releve.yaml").read_text()
    assert "url: https://10.0.0.5:8086" in source and "httpHeaderName1: Authorization" in source
    assert 'httpHeaderValue1: "Token ${RELEVE_INFLUX_TOKEN}"' in source and "abc" not in source


def test_sqlite_is_refused_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELEVE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("RELEVE_STORE_URL", raising=False)
    assert main(["grafana", "--out", str(tmp_path / "out")]) == 1
    assert "read InfluxDB" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def _overrides(panel: dict[str, Any]) -> dict[str, str]:
    found: dict[str, str] = {}
    for override in panel["fieldConfig"]["overrides"]:
        assert override["matcher"]["id"] == "byName"
        ((prop,),) = [override["properties"]]
        assert prop["id"] == "displayName"
        found[override["matcher"]["options"]] = prop["value"]
    return found


def test_meters_are_shown_by_their_names_in_the_registry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELEVE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RELEVE_STORE_URL", "influxdb://127.0.0.1:8086/releve")
    settings = load_settings()
    registry = open_registry_of(settings)
    try:
        town = registry.owner_tenant()
        hlm = registry.ensure_tenant("hlm", "Bailleur")
        registry.add_devices(
            [
                # a pulse counter on the water meter, and one counting bare pulses
                Device(
                    WATER,
                    town.id,
                    "Mairie - eau",
                    "netvox/r718h",
                    pulse_quantity="water_volume",
                    pulse_weight=0.01,
                ),
                Device(PULSES, town.id, "Gymnase - impulsions", "netvox/r718h"),
                # a room sensor (temperature, CO2, humidity), in two tenants under one name
                Device(ROOM, town.id, "Salle 1", "elsys/ers-co2"),
                Device(HLM_ROOM, hlm.id, "Salle 1", "elsys/ers-co2"),
                # a counter that also reads its housing's temperature and its battery in %
                Device(
                    COUNTER,
                    town.id,
                    "École - électricité",
                    "milesight-iot/em300-di",
                    pulse_quantity="energy_import",
                ),
            ]
        )
    finally:
        registry.close()
    out = tmp_path / "provisioning"
    assert main(["grafana", "--out", str(out)]) == 0
    assert "5 meter(s) named" in capsys.readouterr().err
    boards = out / "dashboards" / "releve"
    consumption = json.loads((boards / "releve-consumption.json").read_text())
    total, *per_meter = consumption["panels"]
    assert _overrides(total) == {}  # one total, no meter
    for panel in per_meter:
        assert _overrides(panel) == {
            WATER: "Mairie - eau",
            PULSES: "Gymnase - impulsions",
            COUNTER: "École - électricité",
            # ERS CO2 count pulses too (an input of theirs)
            ROOM: f"Salle 1 ({ROOM})",
            HLM_ROOM: f"Salle 1 ({HLM_ROOM})",
        }, panel["title"]
    comfort = {
        p["title"]: _overrides(p) for p in json.loads((boards / "releve-comfort.json").read_text())["panels"]
    }
    rooms = {ROOM: f"Salle 1 ({ROOM})", HLM_ROOM: f"Salle 1 ({HLM_ROOM})"}
    assert comfort["Température — relevés"] == {**rooms, COUNTER: "École - électricité"}
    assert comfort["CO₂ — relevés"] == rooms
    # The daily panel's series are aliased "<DevEUI> min", "<DevEUI> moyenne", "<DevEUI> max".
    assert comfort["CO₂ — par jour (minimum, moyenne, maximum)"] == {
        f"{eui} {col}": f"{name} {col}" for eui, name in rooms.items() for col in ("min", "moyenne", "max")
    }
    assert comfort["Piles (%)"] == {COUNTER: "École - électricité"}  # the others report volts


def test_without_the_registry_meters_are_shown_by_dev_eui(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """On Grafana's machine without releve's data: the boards, DevEUIs, and no empty registry."""
    monkeypatch.setenv("RELEVE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RELEVE_STORE_URL", "influxdb://127.0.0.1:8086/releve")
    out = tmp_path / "provisioning"
    assert main(["grafana", "--out", str(out)]) == 0
    assert "meters are shown by DevEUI" in capsys.readouterr().err
    board = json.loads((out / "dashboards" / "releve" / "releve-consumption.json").read_text())
    assert all(p["fieldConfig"]["overrides"] == [] for p in board["panels"])
    assert not (tmp_path / "data").exists()


def test_a_wrong_store_url_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELEVE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RELEVE_STORE_URL", "influxdb://influx.example:80x6/releve")
    assert main(["grafana", "--out", str(tmp_path / "out")]) == 1
    assert "bad port" in capsys.readouterr().err
