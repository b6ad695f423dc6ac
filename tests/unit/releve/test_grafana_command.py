"""``releve grafana --out DIR``: the boards and provisioning files for a town's own InfluxDB."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from releve.cli import main


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


def test_a_wrong_store_url_is_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELEVE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("RELEVE_STORE_URL", "influxdb://influx.example:80x6/releve")
    assert main(["grafana", "--out", str(tmp_path / "out")]) == 1
    assert "bad port" in capsys.readouterr().err
