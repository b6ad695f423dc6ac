"""The store contract runs against each backend: SQLite (a file) and a real InfluxDB server."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.influx_store import InfluxStore
from ingest.sqlite_store import SqliteStore
from ingest.store import Store
from tests.influx_server import influxd

_db = itertools.count()


@pytest.fixture(scope="session")
def influx_url() -> Iterator[str]:
    with influxd() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("influxdb", marks=pytest.mark.integration)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    backend: Store
    if request.param == "sqlite":
        backend = SqliteStore(tmp_path / "readings.db", raw_retention_days=400)
    else:
        url = request.getfixturevalue("influx_url")
        backend = InfluxStore(url, f"contract_{next(_db)}", raw_retention_days=None)
    yield backend
    backend.close()
