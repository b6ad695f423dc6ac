"""Every CSV releve serves neutralises formula cells, over real HTTP (uvicorn), and keeps numbers.

Hostile names typed by an operator (or by anyone who got a device provisioned) must not run in
the spreadsheet of whoever opens the public register, the open data or the device export; the
device export must still import back to the same devices.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.deps import AppState
from kernel.settings import Settings
from kernel.types import Reading
from registry import Role
from registry.provisioning import slugify
from releve.broker import free_port
from releve.services import close_state, open_state
from tests.servers import api_server

pytestmark = pytest.mark.integration

HOSTILE = ['=HYPERLINK("http://evil","x")', "+cmd", "@SUM(1)", "-2+3", "|calc", "'=1+1"]
SITE = '=HYPERLINK("http://evil","site")'
FORMULA_STARTS = tuple("=+-@|\t\r")
DAY = datetime(2026, 5, 5, tzinfo=UTC)
EUIS = [f"e00000000000000{i}" for i in range(len(HOSTILE))]


@dataclass
class Town:
    url: str
    state: AppState
    admin: dict[str, str]


@contextmanager
def town(directory: Path) -> Iterator[Town]:
    settings = Settings(data_dir=directory, api_port=free_port(), timezone="UTC")
    state = open_state(settings)
    try:
        _, token = state.registry.create_key(state.registry.owner_tenant().id, Role.ADMIN, "admin")
        with api_server(settings, state) as url:
            yield Town(url, state, {"Authorization": f"Bearer {token}"})
    finally:
        close_state(state)


@pytest.fixture
def hostile_town(tmp_path: Path) -> Iterator[Town]:
    """A town whose site and devices carry formula-like names, with a negative daily consumption."""
    with town(tmp_path / "source") as t:
        site = {"name": SITE, "latitude": 48.11, "longitude": -1.68, "open_data": True}
        assert httpx.post(f"{t.url}/api/v1/sites", json=site, headers=t.admin).status_code == 201
        for i, (eui, name) in enumerate(zip(EUIS, HOSTILE, strict=True)):
            body = {
                "dev_eui": eui,
                "name": name,
                "model": "netvox/r718h",
                "site": SITE,
                "metering_point": f"-point {i}",
                "tags": {"-k": name, "usage": "@water"},
                "purpose": name,
                "operated_by": f"+{name}",
                "pulse_weight": 0.5,
                "pulse_quantity": "water_volume",
                "expected_interval_s": 900,
            }
            r = httpx.post(f"{t.url}/api/v1/devices", json=body, headers=t.admin)
            assert r.status_code == 201, r.text
        # A meter read backwards by 1.5 m3 in the day: the open data publishes -1.5, a number.
        t.state.store.write(
            [
                Reading(EUIS[0], "water_volume", 10.0, "m3", "cumulative", DAY + timedelta(hours=1)),
                Reading(
                    EUIS[0], "water_volume", 8.5, "m3", "cumulative", DAY + timedelta(hours=2), delta=-1.5
                ),
            ]
        )
        yield t


def _table(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def _text_cells_are_safe(table: list[dict[str, str]], numeric: set[str]) -> None:
    for row in table:
        for column, value in row.items():
            if column in numeric and value:
                float(value)  # a number, written as one (a negative one included)
            else:
                assert not value.startswith(FORMULA_STARTS), (column, value)


def test_public_sensor_register_neutralises_formulas(hostile_town: Town) -> None:
    r = httpx.get(f"{hostile_town.url}/api/v1/open/town/sensors.csv")  # public, no key
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    table = _table(r.text)
    assert len(table) == len(HOSTILE)
    _text_cells_are_safe(table, numeric={"latitude", "longitude"})
    by_eui = {row["dev_eui"]: row for row in table}
    assert by_eui[EUIS[0]]["site"] == "'" + SITE
    assert [by_eui[e]["purpose"] for e in EUIS] == [
        "'" + n if n.startswith(FORMULA_STARTS) or n.startswith("'=") else n for n in HOSTILE
    ]
    assert by_eui[EUIS[1]]["operated_by"] == "'++cmd"
    assert (by_eui[EUIS[0]]["latitude"], by_eui[EUIS[0]]["longitude"]) == ("48.11", "-1.68")
    # The JSON register is data, not a spreadsheet: the names are given as they are.
    doc = httpx.get(f"{hostile_town.url}/api/v1/open/town/sensors.json").json()
    assert {s["site"] for s in doc["sensors"]} == {SITE}


def test_open_consumption_neutralises_names_and_keeps_negative_numbers(hostile_town: Town) -> None:
    params = {"start": "2026-05-05", "end": "2026-05-05"}  # one day of the town's calendar
    r = httpx.get(f"{hostile_town.url}/api/v1/open/town/consumption.csv", params=params)
    assert r.status_code == 200
    assert r.text.splitlines() == [
        "code_site,site,usage,jour,grandeur,unite,consommation",
        f'{slugify(SITE)},"\'{SITE.replace(chr(34), chr(34) * 2)}",,2026-05-05,water_volume,m3,-1.5',
    ]
    _text_cells_are_safe(_table(r.text), numeric={"consommation"})


def test_device_export_is_safe_and_imports_back_to_the_same_devices(
    hostile_town: Town, tmp_path: Path
) -> None:
    r = httpx.get(f"{hostile_town.url}/api/v1/devices/export", headers=hostile_town.admin)
    assert r.status_code == 200
    exported = r.text
    numeric = {"pulse_weight", "register_max", "expected_interval_s"}
    _text_cells_are_safe(_table(exported), numeric)
    assert {row["name"] for row in _table(exported)} == {
        '\'=HYPERLINK("http://evil","x")',
        "'+cmd",
        "'@SUM(1)",
        "'-2+3",
        "'|calc",
        "''=1+1",
    }
    with town(tmp_path / "target") as target:
        dry = httpx.post(
            f"{target.url}/api/v1/devices/import?dry_run=true", content=exported, headers=target.admin
        )
        assert dry.status_code == 200 and dry.json()["errors"] == [], dry.text
        done = httpx.post(
            f"{target.url}/api/v1/devices/import?dry_run=false", content=exported, headers=target.admin
        )
        assert done.json()["imported"] == len(HOSTILE), done.text
        assert _devices(target) == _devices(hostile_town)
        again = httpx.get(f"{target.url}/api/v1/devices/export", headers=target.admin).text
        assert again == exported


def _devices(t: Town) -> dict[str, dict[str, Any]]:
    sites = {s["id"]: s["name"] for s in httpx.get(f"{t.url}/api/v1/sites", headers=t.admin).json()["items"]}
    items = httpx.get(f"{t.url}/api/v1/devices", headers=t.admin).json()["items"]
    keep = (
        "name",
        "model",
        "metering_point",
        "tags",
        "purpose",
        "operated_by",
        "pulse_weight",
        "pulse_quantity",
    )
    return {d["dev_eui"]: {**{k: d[k] for k in keep}, "site": sites[d["site_id"]]} for d in items}
