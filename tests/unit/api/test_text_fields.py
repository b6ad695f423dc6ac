"""Names, free text and tags have bounded sizes and printable characters on every write path:
the API's schemas, the device CSV import (dry run: line and reason), the command line."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from domain.alerts import AlertKind, Finding
from kernel.fields import TAGS_MAX, check_tags, check_text
from kernel.settings import Settings
from registry import Role
from releve.cli import main
from releve.services import web_app

EUI = "a000000000000001"
NUL = "eau\x00mairie"
ONE_LINE = "text is one line of printable characters"


@dataclass
class World:
    client: TestClient
    headers: dict[str, str]
    site: int

    def send(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.client.request(method, f"/api/v1{path}", headers=self.headers, **kwargs)


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    app = web_app(Settings(data_dir=tmp_path))
    with TestClient(app) as client:
        reg = app.state.releve.registry
        town = reg.owner_tenant()
        site = reg.ensure_site(town.id, "mairie", "Mairie")
        _, token = reg.create_key(town.id, Role.ADMIN, "admin")
        yield World(client, {"Authorization": f"Bearer {token}"}, site.id)


def _device(**changes: Any) -> dict[str, Any]:
    return {"dev_eui": EUI, "name": "eau mairie", "model": "netvox/r718h", "site": "Mairie", **changes}


def _invalid(r: Any, field: str, reason: str) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert field in r.text and reason in r.json()["detail"], r.json()["detail"]


def test_the_rules() -> None:
    assert check_text("École Jules-Ferry, bâtiment B — l'annexe ☀", "name", 200)
    with pytest.raises(ValueError, match=r"name: character U\+0000 \(control\) at position 4"):
        check_text(NUL, "name", 200)
    for bad in ("a\tb", "a\nb", "a\rb", "a\x7fb", "a\u2028b", "a\u202eb", "a\ud800b"):
        with pytest.raises(ValueError, match="is not allowed"):
            check_text(bad, "name", 200)
    with pytest.raises(ValueError, match="name: at most 200 characters, got 201"):
        check_text("x" * 201, "name", 200)
    with pytest.raises(ValueError, match="at most 50 tags"):
        check_tags({str(i): "" for i in range(51)})
    for tags in ({"a=b": "c"}, {"a": "b;c"}, {"": "x"}, {"k" * 65: "v"}, {"k": "\x00"}):
        with pytest.raises(ValueError, match="tags"):
            check_tags(tags)


def test_a_hundred_thousand_tags_are_refused_quickly(world: World) -> None:
    tags = {f"key{i:06d}": f"value{i:06d}" for i in range(100_000)}  # a 2.2 MB record
    began = time.monotonic()
    r = world.send("POST", "/devices", json=_device(tags=tags))
    assert time.monotonic() - began < 5
    _invalid(r, "tags", f"at most {TAGS_MAX}")
    assert world.send("GET", f"/devices/{EUI}").status_code == 404
    r = world.send("POST", "/devices", json=_device(tags={"usage": "eau;froide"}))
    _invalid(r, "tags", "contains ';'")
    assert world.send("POST", "/devices", json=_device(tags={"usage": "eau froide"})).status_code == 201


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("name", NUL, "U+0000"),
        ("name", "x" * 201, "at most 200 characters"),
        ("site", "Mairie\nbis", "U+000A"),
        ("metering_point", "main\x1b[31m", "U+001B"),
        ("purpose", "fuites\u202egnp.exe", "U+202E"),
        ("operated_by", "Régie\x00", "U+0000"),
    ],
)
def test_device_text_is_checked(world: World, field: str, value: str, reason: str) -> None:
    _invalid(world.send("POST", "/devices", json=_device(**{field: value})), field, reason)


def test_the_csv_dry_run_reports_line_and_reason(world: World) -> None:
    sheet = (
        "dev_eui,name,model,site,tags\n"
        "a000000000000001,eau mairie,netvox/r718h,Mairie,usage=eau\n"
        "a000000000000002,eau\x00mairie,netvox/r718h,Mairie,\n"
        f"a000000000000003,{'x' * 250},netvox/r718h,Mairie,\n"
        f"a000000000000004,eau,netvox/r718h,Mairie,{';'.join(f'k{i}=v' for i in range(51))}\n"
        "a000000000000005,eau,netvox/r718h,Mai\x07rie,\n"
    )
    r = world.send("POST", "/devices/import?dry_run=true", content=sheet.encode())
    assert r.status_code == 200
    # each reason also as a code and its parameters, which the page says in its language
    assert [(e["code"], e["params"].get("column")) for e in r.json()["errors"]] == [
        ("bad_text", "name"),
        ("bad_text", "name"),
        ("bad_tags", None),
        ("bad_text", "site"),
    ]
    assert [{"line": e["line"], "reason": e["reason"]} for e in r.json()["errors"]] == [
        {
            "line": 3,
            "reason": f"name: character U+0000 (control) at position 4 is not allowed: {ONE_LINE}",
        },
        {"line": 4, "reason": "name: at most 200 characters, got 250"},
        {"line": 5, "reason": "tags: at most 50 tags, got 51"},
        {
            "line": 6,
            "reason": f"site: character U+0007 (control) at position 4 is not allowed: {ONE_LINE}",
        },
    ]
    r = world.send("POST", "/devices/import?dry_run=false", content=sheet.encode())
    assert r.json()["imported"] == 0 and world.send("GET", f"/devices/{EUI}").status_code == 404


def test_other_write_paths(world: World) -> None:
    _invalid(world.send("POST", "/sites", json={"name": "Gymnase\x00"}), "name", "U+0000")
    _invalid(
        world.send("POST", "/sites", json={"name": "Gymnase", "address": "1 rue\r\nX"}), "address", "U+000D"
    )
    _invalid(world.send("POST", "/keys", json={"role": "viewer", "name": "lecteur\x00"}), "name", "U+0000")
    period = {"name": "HC\x00", "price_per_unit": 0.2, "hours": [[22, 6]]}
    tariff = {"quantity": "energy_import", "price_per_unit": 0.25, "periods": [period]}
    _invalid(world.send("PUT", "/tariffs", json=[tariff]), "name", "U+0000")
    assert world.send("POST", "/devices", json=_device()).status_code == 201
    replacement = {
        "at": "2026-01-01T00:00:00Z",
        "quantity": "water_volume",
        "old_final_index": 1,
        "new_initial_index": 0,
        "note": "changé\x00",
    }
    _invalid(world.send("POST", f"/devices/{EUI}/meter-replacements", json=replacement), "note", "U+0000")
    _invalid(world.send("DELETE", f"/devices/{EUI}/data", params={"note": "ref\x00"}), "note", "U+0000")


def test_a_long_key_name_can_acknowledge_an_alert(world: World) -> None:
    state = world.client.app.state.releve  # type: ignore[attr-defined]
    town = state.registry.owner_tenant()
    _, token = state.registry.create_key(town.id, Role.TECHNICIAN, "t" * 200)
    assert world.send("POST", "/devices", json=_device()).status_code == 201
    state.alerts.sync(
        [Finding(AlertKind.LOW_BATTERY, "battery", town.id, "low", dev_eui=EUI)], datetime.now(UTC)
    )
    (alert,) = state.alerts.list(town.id)
    r = world.client.post(
        f"/api/v1/alerts/{alert.id}/acknowledge", headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200 and r.json()["acknowledged_by"] == "t" * 64


def test_the_command_line_refuses_control_characters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RELEVE_DATA_DIR", str(tmp_path / "cli"))
    with pytest.raises(SystemExit) as exit_:
        main(["keys", "create", "--role", "viewer", "--name", "lecteur\x00"])
    assert exit_.value.code == 2 and "name: character U+0000" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["devices", "erase-data", EUI, "--note", "x" * 501])
    assert "note: at most 500 characters, got 501" in capsys.readouterr().err
