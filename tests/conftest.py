"""Shared fixtures: real servers started on free loopback ports, cleaned up afterwards."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from releve.broker import MosquittoProcess
from tests import servers


def pytest_configure(config: pytest.Config) -> None:
    """A run stopped with SIGTERM (``kill``, a CI's time limit) ends as Ctrl-C ends it: the tests'
    finalizers stop the servers and bridges they started. Killed outright, it left them running
    (a bridge reconnecting to its gone broker, an InfluxDB), beside whatever ran next."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # (it raises KeyboardInterrupt)


@pytest.fixture
def mosquitto(tmp_path: Path) -> Iterator[MosquittoProcess]:
    """A private Mosquitto with persistence, for tests that stop and restart it."""
    with servers.mosquitto(tmp_path / "mosquitto") as broker:
        yield broker


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with servers.postgresql() as url:
        yield url
