"""The store contract runs against each backend: SQLite (a file) and a real InfluxDB server."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from store import Store
from store.influx.store import InfluxStore
from store.sqlite import SqliteStore
from tests.influx_server import influxd

_db = itertools.count()

StoreFactory = Callable[[int | None], Store]


@pytest.fixture(scope="session")
def influx_url() -> Iterator[str]:
    """One real influxd for the session; fails (never skips) when influxd is not installed."""
    with influxd() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("influxdb", marks=pytest.mark.integration)])
def store_factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    """Open fresh stores of one backend with a given raw retention; all closed afterwards."""
    opened: list[Store] = []

    def open_one(raw_retention_days: int | None) -> Store:
        backend: Store
        if request.param == "sqlite":
            backend = SqliteStore(
                tmp_path / f"readings{len(opened)}.db", raw_retention_days=raw_retention_days
            )
        else:
            url = request.getfixturevalue("influx_url")
            backend = InfluxStore(url, f"contract_{next(_db)}", raw_retention_days=raw_retention_days)
        opened.append(backend)
        return backend

    yield open_one
    for backend in opened:
        backend.close()


@pytest.fixture
def store(store_factory: StoreFactory) -> Store:
    """A fresh store without raw retention (SQLite: a new file; InfluxDB: a new database)."""
    return store_factory(None)
