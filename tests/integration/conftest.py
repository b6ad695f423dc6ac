"""Fixtures of the integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from registry import open_registry
from releve.runtime import provision_fleet
from simulator.fleet import load_fleet
from tests.servers import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def registry_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A registry's URL, of a new SQLite file or a new PostgreSQL database (on the tests' server)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'registry.db'}"
        return
    yield fresh_database(request.getfixturevalue("postgres_url"), "registry")


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    data = tmp_path / "data"
    data.mkdir()
    registry = open_registry(f"sqlite:///{data / 'registry.db'}")
    provision_fleet(registry, load_fleet())
    registry.close()
    yield data
