"""Shared fixtures: real servers started on free loopback ports, cleaned up afterwards."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from releve.broker import MosquittoProcess
from tests import servers


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[MosquittoProcess]:
    """A private Mosquitto with persistence, for tests that stop and restart it."""
    with servers.mosquitto(tmp_path / "mosquitto") as broker:
        yield broker


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with servers.postgresql() as url:
        yield url
